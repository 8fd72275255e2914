/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ESR_EL2 decoding into struct axv_exit, PSCI 1.0 and abort injection. Plain C: built into
 * the port library and into the host unit tests.
 *
 * References: DDI 0487 (Arm ARM) D17.2.37 ESR_EL2, D17.2.48 HPFAR_EL2, D1.10 exception
 * entry and vector offsets; DEN 0022 (PSCI); DEN 0028 (SMCCC).
 */
#include <axv/arch/aarch64.h>
#include <axv/err.h>

#include "axv_mem.h"
#include "run_el2.h"
#include "a64_hw.h"

static inline uint32_t bits(uint64_t v, unsigned shift, unsigned width)
{
	return (uint32_t)((v >> shift) & ((1ull << width) - 1));
}

/* HPFAR_EL2.FIPA [43:4] holds IPA[51:12] (D17.2.48). */
static inline axv_gpa_t fault_ipa(const struct axv_a64_ctx *c, bool page_only)
{
	axv_gpa_t page = ((c->hpfar >> 4) & 0xffffffffffull) << 12;
	return page_only ? page : page | (c->far & 0xfffu);
}

void axv_a64_ctx_sync(struct axv_a64_ctx *c)
{
	if (c && c->hw_sync)
		c->hw_sync(c);
}

void axv_a64_ctx_init(struct axv_a64_ctx *c, axv_gpa_t entry, uint64_t x0, uint64_t mpidr)
{
	axv_memset(c, 0, sizeof(*c));
	c->x[0] = x0;
	c->pc = entry;
	c->pstate = AXV_A64_PSTATE_EL1H_MASKED;
	/* SCTLR_EL1 RES1 bits (29, 28, 23, 22, 20, 11) with the MMU and caches off. */
	c->el1.sctlr_el1 = 0x30d00800u;
	/* CPACR_EL1.FPEN = 0b11: FP/SIMD not trapped at EL1 (Linux expects this). */
	c->el1.cpacr_el1 = 3u << 20;
	c->el1.vmpidr_el2 = (mpidr & AXV_A64_MPIDR_AFF_MASK) | (1ull << 31);
	/* OSLSR_EL1.OSLK resets to 1 on a cold reset: debug exceptions other than BRK stay off
	 * until the guest unlocks (DDI 0487 D2.4); breakpoints and watchpoints are disabled. */
	c->dbg.oslk = 1;
	c->el1_dirty = AXV_A64_EL1_DIRTY_ALL;
}

int axv_a64_set_reg(struct axv_a64_ctx *c, unsigned reg, uint64_t v)
{
	if (!c)
		return AXV_EINVAL;
	if (reg == AXV_REG_NONE || reg == 31)
		return 0;
	if (reg > 30)
		return AXV_EINVAL;
	c->x[reg] = v;
	return 0;
}

int axv_a64_get_reg(const struct axv_a64_ctx *c, unsigned reg, uint64_t *v)
{
	if (!c || !v)
		return AXV_EINVAL;
	if (reg == AXV_REG_NONE || reg == 31) {
		*v = 0;
		return 0;
	}
	if (reg > 30)
		return AXV_EINVAL;
	*v = c->x[reg];
	return 0;
}

/* axv_memset() of an exit: a call of the embedder's memset under -mgeneral-regs-only (no
 * SIMD stores to inline it with), at every exit. Word stores instead (the library is built
 * with -fno-strict-aliasing; the exit is 8-byte aligned, holding 64-bit members). */
static inline void zero_exit(struct axv_exit *e)
{
	_Static_assert(sizeof(*e) % 8 == 0 && _Alignof(struct axv_exit) >= 8, "exit layout");
	uint64_t *w = (uint64_t *)(void *)e;
	for (unsigned i = 0; i < sizeof(*e) / 8; i++)
		w[i] = 0;
}

static void unhandled(const struct axv_a64_ctx *c, struct axv_exit *e)
{
	e->reason = AXV_EXIT_UNHANDLED;
	e->insn_len = 0;
	e->unhandled.raw = c->esr;
	e->unhandled.info = c->far;
}

/* ---- PSCI (DEN 0022D.b chapter 5) ---------------------------------------------------------
 *
 * What needs nobody else is answered here, in place: VERSION (5.3), FEATURES (5.16),
 * MIGRATE_INFO_TYPE (5.9), ids in the PSCI range that name no implemented function
 * (NOT_SUPPORTED), and arguments the specification says are invalid whatever the machine:
 * a CPU_SUSPEND power_state with reserved bits set (5.4, original format), a CPU_ON
 * target_cpu or AFFINITY_INFO target_affinity with bits outside the MPIDR affinity fields
 * set (5.6, 5.7: "must be zero"), an AFFINITY_INFO lowest_affinity_level above 3 (the
 * MPIDR has four levels). What depends on the guest's vcpus and memory (which targets exist,
 * their states, whether an entry point is RAM) is the embedder's: see struct axv_a64_psci.
 */

static bool psci_implemented(uint64_t fid)
{
	switch (fid) {
	case AXV_PSCI_VERSION:
	case AXV_PSCI_CPU_SUSPEND_32:
	case AXV_PSCI_CPU_SUSPEND_64:
	case AXV_PSCI_CPU_OFF:
	case AXV_PSCI_CPU_ON_32:
	case AXV_PSCI_CPU_ON_64:
	case AXV_PSCI_AFFINITY_INFO_32:
	case AXV_PSCI_AFFINITY_INFO_64:
	case AXV_PSCI_MIGRATE_INFO_TYPE:
	case AXV_PSCI_SYSTEM_OFF:
	case AXV_PSCI_SYSTEM_RESET:
	case AXV_PSCI_FEATURES:
		return true;
	default:
		return false;
	}
}

/* Answer in place: x0 = ret, and the exit becomes "nothing" (the pc moves past the call). */
static void psci_return(struct axv_a64_ctx *c, struct axv_exit *e, int64_t ret)
{
	c->x[0] = (uint64_t)ret;
	axv_a64_advance_pc(c, e->insn_len);
	e->insn_len = 0;
	e->reason = AXV_EXIT_NOTHING;
}

static void psci(struct axv_a64_ctx *c, struct axv_exit *e)
{
	uint64_t fid = c->x[0] & 0xffffffffu;
	/* SMC32/HVC32 calls pass 32-bit arguments: the upper halves are ignored (SMCCC 2.6). */
	uint64_t m = (fid & 0x40000000u) ? ~0ull : 0xffffffffull;
	uint64_t a1 = c->x[1] & m, a2 = c->x[2] & m, a3 = c->x[3] & m;

	switch (fid) {
	case AXV_PSCI_VERSION:
		psci_return(c, e, AXV_PSCI_VERSION_1_0);
		return;
	case AXV_PSCI_FEATURES:
		/* CPU_SUSPEND's feature flags: 0 = original power-state format, no OSI mode. */
		psci_return(c, e, psci_implemented(a1) ? AXV_PSCI_RET_SUCCESS
						       : AXV_PSCI_RET_NOT_SUPPORTED);
		return;
	case AXV_PSCI_MIGRATE_INFO_TYPE:
		psci_return(c, e, AXV_PSCI_MIGRATE_NOT_REQUIRED);
		return;
	case AXV_PSCI_CPU_SUSPEND_32:
	case AXV_PSCI_CPU_SUSPEND_64:
		/* power_state is a 32-bit parameter in both forms (5.4); in the original
		 * format (FEATURES says so) bits [31:26] and [23:17] are reserved: a value with
		 * any of them set is not a power state (INVALID_PARAMETERS, 5.4). */
		if (a1 & AXV_PSCI_POWER_STATE_RESERVED) {
			psci_return(c, e, AXV_PSCI_RET_INVALID_PARAMETERS);
			return;
		}
		/* Every valid power state is treated as standby, powerdown ones too: the call
		 * returns SUCCESS once woken, which 5.4 allows a powerdown request (as when a
		 * wake-up event is pending). Like WFI, the halt is already stepped over (nobody
		 * completes a halt): a trapped SMC would otherwise suspend again on every
		 * wake-up. */
		c->x[0] = AXV_PSCI_RET_SUCCESS;
		axv_a64_advance_pc(c, e->insn_len);
		e->insn_len = 0;
		e->reason = AXV_EXIT_HALT;
		return;
	case AXV_PSCI_CPU_ON_32:
	case AXV_PSCI_CPU_ON_64:
		/* target_cpu: the MPIDR affinity fields, every other bit zero (5.6). */
		if (a1 & ~AXV_A64_MPIDR_AFF_MASK) {
			psci_return(c, e, AXV_PSCI_RET_INVALID_PARAMETERS);
			return;
		}
		e->reason = AXV_EXIT_CPU_UP;
		e->cpu_up.target = a1;
		e->cpu_up.entry = a2;
		e->cpu_up.arg = a3;
		return;
	case AXV_PSCI_CPU_OFF:
		e->reason = AXV_EXIT_CPU_DOWN;
		e->cpu_down.state = 0;
		return;
	case AXV_PSCI_SYSTEM_OFF:
		e->reason = AXV_EXIT_SYSTEM_DOWN;
		return;
	case AXV_PSCI_SYSTEM_RESET:
		e->reason = AXV_EXIT_SYSTEM_RESET;
		return;
	case AXV_PSCI_AFFINITY_INFO_32:
	case AXV_PSCI_AFFINITY_INFO_64:
		/* target_affinity as target_cpu; lowest_affinity_level names an MPIDR affinity
		 * level, 0 to 3 (5.7). Which nodes exist is the embedder's to say. */
		if ((a1 & ~AXV_A64_MPIDR_AFF_MASK) || a2 > 3) {
			psci_return(c, e, AXV_PSCI_RET_INVALID_PARAMETERS);
			return;
		}
		e->reason = AXV_EXIT_HYPERCALL;
		e->hypercall.nr = fid;
		e->hypercall.args[0] = a1;
		e->hypercall.args[1] = a2;
		for (unsigned i = 2; i < 6; i++)
			e->hypercall.args[i] = 0;
		return;
	default:
		psci_return(c, e, AXV_PSCI_RET_NOT_SUPPORTED);
		return;
	}
}

/* ---- exception classes ------------------------------------------------------------------ */

static void decode_call(struct axv_a64_ctx *c, struct axv_exit *e, uint32_t ec, uint32_t iss)
{
	bool smc = ec == AXV_A64_EC_SMC64;
	/* HVC is exception-generating: ELR_EL2 is already past it. A trapped SMC reports the
	 * SMC itself (D1.10.1, "preferred return address"). */
	e->insn_len = smc ? 4 : 0;
	if (a64_psci_id(c->x[0])) {
		psci(c, e);
		return;
	}
	e->reason = AXV_EXIT_HYPERCALL;
	e->hypercall.nr = c->x[0];
	for (unsigned i = 0; i < 6; i++)
		e->hypercall.args[i] = c->x[1 + i];
	e->hypercall.imm = (uint16_t)(iss & 0xffffu);
	e->hypercall.smc = smc;
}

static void decode_sys(struct axv_a64_ctx *c, struct axv_exit *e, uint32_t iss)
{
	unsigned rt = bits(iss, AXV_A64_SYS_RT_SHIFT, 5);
	bool read = iss & AXV_A64_SYS_READ;
	e->insn_len = 4;
	e->reason = read ? AXV_EXIT_SYSREG_READ : AXV_EXIT_SYSREG_WRITE;
	e->access.addr = iss & AXV_A64_SYS_ID_MASK;
	e->access.width = 8;
	e->access.reg_width = 8;
	e->access.sign_extend = false;
	e->access.flags = 0;
	e->access.reg = rt == 31 ? AXV_REG_NONE : (uint8_t)rt;
	e->access.data = read || rt == 31 ? 0 : c->x[rt];
}

static bool stage2_fault(uint32_t fsc)
{
	uint32_t type = fsc & AXV_A64_FSC_TYPE_MASK;
	return type == AXV_A64_FSC_TRANS || type == AXV_A64_FSC_ACCESS ||
	       type == AXV_A64_FSC_PERM;
}

static void decode_dabt(struct axv_a64_ctx *c, struct axv_exit *e, uint32_t iss)
{
	bool write = iss & AXV_A64_DABT_WNR;
	if (!stage2_fault(iss & AXV_A64_FSC_MASK)) {
		unhandled(c, e); /* external aborts, address-size faults, TLB conflicts, ... */
		return;
	}
	/* A fault on a stage-1 table walk, or a syndrome-less access (LDP, SIMD, ...): a
	 * nested page fault the address space may resolve (lazy RAM). Cache maintenance
	 * reports WnR = 1 but is not a write. */
	if ((iss & AXV_A64_DABT_S1PTW) || !(iss & AXV_A64_DABT_ISV) || (iss & AXV_A64_DABT_CM)) {
		e->reason = AXV_EXIT_NESTED_PAGE_FAULT;
		e->insn_len = 0;
		e->npf.addr = fault_ipa(c, (iss & AXV_A64_DABT_FNV) != 0 ||
					       (iss & AXV_A64_DABT_S1PTW) != 0);
		e->npf.access = write && !(iss & AXV_A64_DABT_CM) && !(iss & AXV_A64_DABT_S1PTW)
					? AXV_MAP_WRITE
					: AXV_MAP_READ;
		e->npf.flags = (iss & AXV_A64_DABT_S1PTW) ? AXV_NPF_WALK : 0;
		return;
	}
	if (iss & AXV_A64_DABT_FNV) {
		unhandled(c, e); /* an emulated access needs the exact address */
		return;
	}
	unsigned srt = bits(iss, AXV_A64_DABT_SRT_SHIFT, 5);
	unsigned width = 1u << bits(iss, AXV_A64_DABT_SAS_SHIFT, 2);
	bool sf = iss & AXV_A64_DABT_SF;
	if (width == 8 && !sf) {
		/* A doubleword access through a W register does not exist: a syndrome that
		 * says so would become a read wider than its destination, which the bus
		 * refuses. Report it rather than emulate it. */
		unhandled(c, e);
		return;
	}
	e->insn_len = 4;
	e->access.addr = fault_ipa(c, false);
	e->access.width = (uint8_t)width;
	e->access.reg_width = sf ? 8 : 4;
	e->access.flags = 0;
	if (write) {
		uint64_t v = srt == 31 ? 0 : c->x[srt];
		e->reason = AXV_EXIT_MMIO_WRITE;
		e->access.reg = srt == 31 ? AXV_REG_NONE : (uint8_t)srt;
		e->access.sign_extend = false;
		e->access.data = axv_access_trunc(v, width);
	} else {
		e->reason = AXV_EXIT_MMIO_READ;
		e->access.reg = srt == 31 ? AXV_REG_NONE : (uint8_t)srt;
		/* SSE with a width equal to the register's is meaningless: ignore it. */
		e->access.sign_extend = (iss & AXV_A64_DABT_SSE) && width < e->access.reg_width;
		e->access.data = 0;
	}
}

static void decode_iabt(struct axv_a64_ctx *c, struct axv_exit *e, uint32_t iss)
{
	if (!stage2_fault(iss & AXV_A64_FSC_MASK)) {
		unhandled(c, e);
		return;
	}
	e->reason = AXV_EXIT_NESTED_PAGE_FAULT;
	e->insn_len = 0;
	e->npf.addr = fault_ipa(c, true);
	/* A fault on the stage-1 walk for a fetch is a read of the guest's table, but the
	 * access the guest made (and the abort it gets if nothing backs it) is a fetch. */
	e->npf.access = (iss & AXV_A64_DABT_S1PTW) ? AXV_MAP_READ : AXV_MAP_EXEC;
	e->npf.flags = AXV_NPF_FETCH | ((iss & AXV_A64_DABT_S1PTW) ? AXV_NPF_WALK : 0);
}

/* ISS of an exception from a WF* instruction (DDI 0487 D17.2.37 ESR_EL2, "ISS encoding for
 * an exception from a WF* instruction"; FEAT_WFxT for TI 0b1x, RV and Rn). */
#define WFX_TI_MASK 3u      /* TI [1:0] */
#define WFX_TI_WFI 0u
#define WFX_TI_WFE 1u
#define WFX_TI_WFIT 2u
#define WFX_TI_WFET 3u
#define WFX_RV (1u << 2)    /* RV [2]: Rn holds the register of the timeout */
#define WFX_RN_SHIFT 5u     /* Rn [9:5] */

static void decode_wfx(struct axv_a64_ctx *c, struct axv_exit *e, uint32_t iss)
{
	/* Whatever the kind, the guest resumes after the instruction once woken: step over it
	 * now (a halt is never completed). */
	axv_a64_advance_pc(c, (c->esr & AXV_A64_ESR_IL) ? 4 : 2);
	e->insn_len = 0;
	switch (iss & WFX_TI_MASK) {
	case WFX_TI_WFI:
		e->reason = AXV_EXIT_HALT; /* until an interrupt: no deadline (e is zeroed) */
		return;
	case WFX_TI_WFIT:
		if (iss & WFX_RV) {
			/* WFIT Xt (FEAT_WFxT): the wait also ends once CNTVCT_EL0, the guest's
			 * virtual count, is at or past the value of Xt; register 31 is XZR. */
			uint64_t timeout = 0;
			(void)axv_a64_get_reg(c, bits(iss, WFX_RN_SHIFT, 5), &timeout);
			e->reason = AXV_EXIT_HALT;
			e->halt.has_deadline = true;
			e->halt.deadline = timeout;
			return;
		}
		/* The register is not reported, so the timeout is unknown. A WFI-type wait may
		 * complete at any time (spurious wake-ups are architectural), a wait past the
		 * timeout is not: wake at once, and the guest looks at its clock again. */
		e->reason = AXV_EXIT_NOTHING;
		return;
	case WFX_TI_WFE:
	case WFX_TI_WFET:
	default:
		/* WFE, and WFET (a WFE with a timeout): a yield. An event wait may complete
		 * early for many reasons, so returning at once is a valid WFET too, and it can
		 * never sleep past the timeout. */
		e->reason = AXV_EXIT_NOTHING;
		return;
	}
}

int axv_a64_decode_exit(struct axv_a64_ctx *c, struct axv_exit *e)
{
	if (!c || !e)
		return AXV_EINVAL;
	zero_exit(e);
	e->pc = c->pc;
	switch (c->trap) {
	case AXV_A64_TRAP_SYNC:
		break;
	case AXV_A64_TRAP_IRQ:
	case AXV_A64_TRAP_FIQ:
		/* The embedder acknowledges the interrupt at its controller and fills the vector. */
		e->reason = AXV_EXIT_EXTERNAL_IRQ;
		e->external_irq.vector = 0;
		return 0;
	case AXV_A64_TRAP_SERROR:
		unhandled(c, e);
		return 0;
	default:
		unhandled(c, e);
		return AXV_EINVAL;
	}

	uint32_t ec = bits(c->esr, AXV_A64_ESR_EC_SHIFT, 6);
	uint32_t iss = (uint32_t)(c->esr & AXV_A64_ESR_ISS_MASK);
	switch (ec) {
	case AXV_A64_EC_WFX:
		decode_wfx(c, e, iss);
		return 0;
	case AXV_A64_EC_HVC64:
	case AXV_A64_EC_SMC64:
		decode_call(c, e, ec, iss);
		return 0;
	case AXV_A64_EC_SYS64:
		decode_sys(c, e, iss);
		return 0;
	case AXV_A64_EC_DABT_LOW:
		decode_dabt(c, e, iss);
		return 0;
	case AXV_A64_EC_IABT_LOW:
		decode_iabt(c, e, iss);
		return 0;
	default:
		unhandled(c, e);
		return 0;
	}
}

/* ---- abort injection ----------------------------------------------------------------------
 *
 * An abort the hypervisor gives the guest is taken exactly as the hardware takes one to EL1
 * (DDI 0487 D1.10.1 "Exception entry", D1.10.2 "Exception vectors"; the values KVM's
 * enter_exception64() computes for an injected abort agree):
 *   - ELR_EL1: the preferred return address, for an abort the faulting instruction (the
 *     exit's pc); SPSR_EL1: PSTATE as it was;
 *   - the vector: VBAR_EL1 + 0x000 from EL1 with SP_EL0, + 0x200 from EL1 with SP_EL1,
 *     + 0x400 from EL0 in AArch64, + 0x600 from EL0 in AArch32 (synchronous: offset 0);
 *   - PSTATE: EL1h (M = 0b0101, nRW = 0), D, A, I and F set; N, Z, C, V and DIT kept; PAN
 *     kept, and set when SCTLR_EL1.SPAN is 0 (D1.10.1, FEAT_PAN; SPAN is RES1 without it);
 *     SSBS = SCTLR_EL1.DSSBS (FEAT_SSBS); UAO, SS, IL and BTYPE cleared, and everything
 *     else: TCO (FEAT_MTE, which this port does not give guests: HCR_EL2.ATA is 0),
 *     ALLINT (FEAT_NMI) and the later PSTATE bits are left 0, as KVM leaves them;
 *   - ESR_EL1 (D17.2.36, ISS encodings for EC 0x20/0x21 "Instruction Abort" and 0x24/0x25
 *     "Data Abort"): the lower-EL class from EL0, the same-EL class from EL1; IL = 1 (an
 *     instruction abort, and a data abort with ISV = 0); ISS: no instruction syndrome
 *     (ISV = 0), FnV = 0 (FAR_EL1 is valid), EA = 0, S1PTW = 0, WnR for a data abort that
 *     was a write, and DFSC / IFSC = 0b010000, a synchronous external abort that was not on
 *     a translation table walk; ISS2 [55:32] zero;
 *   - FAR_EL1: the faulting virtual address (bits [63:32] zero from AArch32).
 */

#define PSTATE_NZCV (0xfull << 28)
#define PSTATE_DIT (1ull << 24)
#define PSTATE_PAN (1ull << 22)
#define PSTATE_SSBS (1ull << 12)
#define PSTATE_NRW (1ull << 4)    /* M[4]: the state was AArch32 */
#define SPSR32_DIT (1ull << 21)   /* DIT in an AArch32 SPSR */
#define SPSR32_MODE_USR 0x10ull   /* AArch32 User mode (EL0) */
#define SCTLR_SPAN (1ull << 23)
#define SCTLR_DSSBS (1ull << 44)

/* Take a synchronous exception to EL1. ec_low is the lower-EL class (0x20, 0x24); the
 * current-EL class is the next one. */
static int enter_el1(struct axv_a64_ctx *c, uint32_t ec_low, uint32_t iss, uint64_t far)
{
	uint64_t old = c->pstate;
	uint64_t off;
	bool lower, aarch32 = (old & PSTATE_NRW) != 0;
	if (aarch32) {
		/* HCR_EL2.RW = 1: EL1 is AArch64, so AArch32 state means EL0 (User mode). */
		if ((old & 0x1f) != SPSR32_MODE_USR)
			return AXV_EINVAL;
		off = 0x600;
		lower = true;
	} else {
		switch (old & 0xf) { /* M[3:0]: EL [3:2], SP [0]; M[1] is RES0 */
		case 0x0: /* EL0t */
			off = 0x400;
			lower = true;
			break;
		case 0x4: /* EL1t: current EL with SP_EL0 */
			off = 0x000;
			lower = false;
			break;
		case 0x5: /* EL1h: current EL with SP_ELx */
			off = 0x200;
			lower = false;
			break;
		default: /* EL2 and EL3 are not the guest's; anything else is reserved */
			return AXV_EINVAL;
		}
	}
	axv_a64_ctx_sync(c); /* SCTLR_EL1 and VBAR_EL1 as the guest left them */
	uint64_t sctlr = c->el1.sctlr_el1;
	uint64_t pstate = (old & PSTATE_NZCV) | (old & PSTATE_PAN) | AXV_A64_PSTATE_EL1H_MASKED;
	if (aarch32 ? (old & SPSR32_DIT) != 0 : (old & PSTATE_DIT) != 0)
		pstate |= PSTATE_DIT;
	if (!(sctlr & SCTLR_SPAN))
		pstate |= PSTATE_PAN;
	if (sctlr & SCTLR_DSSBS)
		pstate |= PSTATE_SSBS;
	uint32_t ec = lower ? ec_low : ec_low + 1;
	c->el1.esr_el1 = ((uint64_t)ec << AXV_A64_ESR_EC_SHIFT) | AXV_A64_ESR_IL | iss;
	c->el1.far_el1 = aarch32 ? far & 0xffffffffull : far;
	c->el1.elr_el1 = c->pc;
	c->el1.spsr_el1 = old;
	c->pstate = pstate;
	c->pc = (c->el1.vbar_el1 & ~0x7ffull) + off;
	c->el1_dirty |= AXV_A64_EL1_DIRTY_EXC;
	return 0;
}

int axv_a64_inject_dabt(struct axv_a64_ctx *c, uint64_t far, bool write)
{
	if (!c)
		return AXV_EINVAL;
	return enter_el1(c, AXV_A64_EC_DABT_LOW, (write ? AXV_A64_DABT_WNR : 0) | AXV_A64_FSC_SEA,
			 far);
}

int axv_a64_inject_iabt(struct axv_a64_ctx *c, uint64_t far)
{
	if (!c)
		return AXV_EINVAL;
	return enter_el1(c, AXV_A64_EC_IABT_LOW, AXV_A64_FSC_SEA, far);
}

/* ---- the exit target over a context ---------------------------------------------------- */

static int target_set_reg(void *ctx, unsigned reg, uint64_t value)
{
	return axv_a64_set_reg(ctx, reg, value);
}

static int target_get_reg(void *ctx, unsigned reg, uint64_t *value)
{
	return axv_a64_get_reg(ctx, reg, value);
}

static int target_advance_pc(void *ctx, uint8_t insn_len)
{
	return axv_a64_advance_pc(ctx, insn_len);
}

struct axv_exit_target axv_a64_ctx_target(struct axv_a64_ctx *c)
{
	return (struct axv_exit_target){.set_reg = target_set_reg,
					.advance_pc = target_advance_pc,
					.ctx = c,
					.get_reg = target_get_reg};
}
