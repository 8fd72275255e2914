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

#include "../../lib/core/mem.h"

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

static void unhandled(const struct axv_a64_ctx *c, struct axv_exit *e)
{
	e->reason = AXV_EXIT_UNHANDLED;
	e->insn_len = 0;
	e->unhandled.raw = c->esr;
	e->unhandled.info = c->far;
}

/* ---- PSCI (DEN 0022 5.1) ---------------------------------------------------------------- */

static bool psci_id(uint64_t fid)
{
	return (fid >= 0x84000000u && fid <= 0x8400001fu) ||
	       (fid >= 0xc4000000u && fid <= 0xc400001fu);
}

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
		/* Every power state is treated as standby: return SUCCESS once woken. Like WFI,
		 * the halt is already stepped over (nobody completes a halt): a trapped SMC
		 * would otherwise suspend again on every wake-up. */
		c->x[0] = AXV_PSCI_RET_SUCCESS;
		axv_a64_advance_pc(c, e->insn_len);
		e->insn_len = 0;
		e->reason = AXV_EXIT_HALT;
		return;
	case AXV_PSCI_CPU_ON_32:
	case AXV_PSCI_CPU_ON_64:
		e->reason = AXV_EXIT_CPU_UP;
		e->cpu_up.target = a1 & AXV_A64_MPIDR_AFF_MASK;
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
	if (psci_id(c->x[0])) {
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
		e->access.data = width == 8 ? v : v & ((1ull << (width * 8)) - 1);
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
	e->npf.access = (iss & AXV_A64_DABT_S1PTW) ? AXV_MAP_READ : AXV_MAP_EXEC;
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
	axv_memset(e, 0, sizeof(*e));
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

/* ---- abort injection (D1.10: exception entry) -------------------------------------------- */

int axv_a64_inject_dabt(struct axv_a64_ctx *c, uint64_t far, bool write)
{
	if (!c)
		return AXV_EINVAL;
	uint64_t mode = c->pstate & 0x1fu; /* M[4:0]: M[4] = 0 for AArch64 */
	uint64_t off;
	uint32_t ec;
	switch (mode) {
	case 0x0: /* EL0t */
		off = 0x400; /* lower EL, AArch64 */
		ec = AXV_A64_EC_DABT_LOW;
		break;
	case 0x4: /* EL1t: current EL with SP_EL0 */
		off = 0x000;
		ec = AXV_A64_EC_DABT_CUR;
		break;
	case 0x5: /* EL1h: current EL with SP_ELx */
		off = 0x200;
		ec = AXV_A64_EC_DABT_CUR;
		break;
	default:
		return AXV_EINVAL;
	}
	c->el1.esr_el1 = ((uint64_t)ec << AXV_A64_ESR_EC_SHIFT) | AXV_A64_ESR_IL |
			 (write ? AXV_A64_DABT_WNR : 0) | AXV_A64_FSC_SEA;
	c->el1.far_el1 = far;
	c->el1.elr_el1 = c->pc;
	c->el1.spsr_el1 = c->pstate;
	c->pstate = AXV_A64_PSTATE_EL1H_MASKED;
	c->pc = (c->el1.vbar_el1 & ~0x7ffull) + off;
	c->el1_dirty |= AXV_A64_EL1_DIRTY_EXC;
	return 0;
}
