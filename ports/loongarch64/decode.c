/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ESTAT exit decoding into struct axv_exit, the load/store decoder for MMIO, GSPR
 * emulation (CPUCFG, CSR, IOCSR, IDLE, CACOP), the context initialiser and the page-walk
 * control values. Plain C: built into the port library and into the host unit tests.
 *
 * References: LoongArch Reference Manual Vol. 1 (v1.10) 7.4.6 ESTAT (IS [12:0], Ecode
 * [21:16], EsubCode [30:22]), table 7-8 exception codes, 7.4.8 BADV, 7.4.9 BADI, 7.5.7/7.5.8
 * PWCL/PWCH, 2.2.7 memory access instructions, 4.2 privileged instructions (CSR, IOCSR,
 * CACOP, IDLE, CPUCFG); LVZ: GSPR (Ecode 22), HVC (Ecode 23, `hvcl` code [14:0]).
 */
#include <axv/arch/loongarch64.h>
#include <axv/err.h>

#include "axv_mem.h"
#include "la64_hw.h"

static inline uint32_t field(uint64_t v, unsigned shift, unsigned width)
{
	return (uint32_t)((v >> shift) & ((1ull << width) - 1));
}

static inline unsigned insn_rd(uint32_t insn)
{
	return insn & 0x1fu;
}

static inline unsigned insn_rj(uint32_t insn)
{
	return (insn >> 5) & 0x1fu;
}

static inline uint64_t gpr(const struct axv_la64_ctx *c, unsigned r)
{
	return r == 0 ? 0 : c->gpr[r & 0x1fu];
}

static inline void set_gpr(struct axv_la64_ctx *c, unsigned r, uint64_t v)
{
	if (r != 0)
		c->gpr[r & 0x1fu] = v;
}

static inline uint8_t dest_reg(unsigned r)
{
	return r == 0 ? AXV_REG_NONE : (uint8_t)r;
}

/* ---- context, registers, page walk ------------------------------------------------------ */

void axv_la64_ctx_init(struct axv_la64_ctx *c, axv_gpa_t entry, uint32_t cpuid)
{
	if (!c)
		return;
	axv_memset(c, 0, sizeof(*c));
	c->pc = entry;
	/* Vol. 1 7.4.1: reset state is direct address mode at PLV0 with interrupts off. */
	c->gcsr.crmd = AXV_LA64_CRMD_DA;
	c->gcsr.cpuid = cpuid;
	c->gcsr.tmid = cpuid;
}

int axv_la64_set_reg(struct axv_la64_ctx *c, unsigned reg, uint64_t v)
{
	if (!c)
		return AXV_EINVAL;
	if (reg == 0 || reg == AXV_REG_NONE)
		return 0;
	if (reg >= AXV_LA64_NR_GPRS)
		return AXV_EINVAL;
	c->gpr[reg] = v;
	return 0;
}

int axv_la64_get_reg(const struct axv_la64_ctx *c, unsigned reg, uint64_t *v)
{
	if (!c || !v)
		return AXV_EINVAL;
	if (reg == 0 || reg == AXV_REG_NONE) {
		*v = 0;
		return 0;
	}
	if (reg >= AXV_LA64_NR_GPRS)
		return AXV_EINVAL;
	*v = c->gpr[reg];
	return 0;
}

/* PWCL: PTbase [4:0], PTwidth [9:5], Dir1_base [14:10], Dir1_width [19:15], Dir2_base
 * [24:20], Dir2_width [29:25], PTEWidth [31:30]. PWCH: Dir3_base [5:0], Dir3_width [11:6],
 * Dir4_base [17:12], Dir4_width [23:18] (Vol. 1 7.5.7, 7.5.8). */
#define PWCL(ptb, ptw, d1b, d1w, d2b, d2w)                                                  \
	((uint32_t)(ptb) | ((uint32_t)(ptw) << 5) | ((uint32_t)(d1b) << 10) |               \
	 ((uint32_t)(d1w) << 15) | ((uint32_t)(d2b) << 20) | ((uint32_t)(d2w) << 25))
#define PWCH(d3b, d3w) ((uint32_t)(d3b) | ((uint32_t)(d3w) << 6))

int axv_la64_pwctl(unsigned levels, uint32_t *pwctl0, uint32_t *pwctl1)
{
	if (!pwctl0 || !pwctl1)
		return AXV_EINVAL;
	if (levels == 3) {
		*pwctl0 = PWCL(12, 9, 21, 9, 0, 0);
		*pwctl1 = PWCH(30, 9);
	} else if (levels == 4) {
		*pwctl0 = PWCL(12, 9, 21, 9, 30, 9);
		*pwctl1 = PWCH(39, 9);
	} else {
		return AXV_EINVAL;
	}
	return 0;
}

/* ---- loads and stores (Vol. 1 2.2.7) ------------------------------------------------------ */

struct mem_op {
	uint32_t op;
	uint8_t width;
	bool store;
	bool sign;
};

/* Opcode [31:22], operands rd, rj, si12. */
static const struct mem_op ops12[] = {
	{AXV_LA64_INSN_LD_B, 1, false, true},  {AXV_LA64_INSN_LD_H, 2, false, true},
	{AXV_LA64_INSN_LD_W, 4, false, true},  {AXV_LA64_INSN_LD_D, 8, false, false},
	{AXV_LA64_INSN_ST_B, 1, true, false},  {AXV_LA64_INSN_ST_H, 2, true, false},
	{AXV_LA64_INSN_ST_W, 4, true, false},  {AXV_LA64_INSN_ST_D, 8, true, false},
	{AXV_LA64_INSN_LD_BU, 1, false, false}, {AXV_LA64_INSN_LD_HU, 2, false, false},
	{AXV_LA64_INSN_LD_WU, 4, false, false},
};
/* Opcode [31:24], operands rd, rj, si14. */
static const struct mem_op ops14[] = {
	{AXV_LA64_INSN_LDPTR_W, 4, false, true}, {AXV_LA64_INSN_STPTR_W, 4, true, false},
	{AXV_LA64_INSN_LDPTR_D, 8, false, false}, {AXV_LA64_INSN_STPTR_D, 8, true, false},
};
/* Opcode [31:15], operands rd, rj, rk. */
static const struct mem_op opsx[] = {
	{AXV_LA64_INSN_LDX_B, 1, false, true},  {AXV_LA64_INSN_LDX_H, 2, false, true},
	{AXV_LA64_INSN_LDX_W, 4, false, true},  {AXV_LA64_INSN_LDX_D, 8, false, false},
	{AXV_LA64_INSN_STX_B, 1, true, false},  {AXV_LA64_INSN_STX_H, 2, true, false},
	{AXV_LA64_INSN_STX_W, 4, true, false},  {AXV_LA64_INSN_STX_D, 8, true, false},
	{AXV_LA64_INSN_LDX_BU, 1, false, false}, {AXV_LA64_INSN_LDX_HU, 2, false, false},
	{AXV_LA64_INSN_LDX_WU, 4, false, false},
};

static const struct mem_op *find_op(const struct mem_op *t, size_t n, uint32_t op)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].op == op)
			return &t[i];
	return NULL;
}

int axv_la64_decode_mem(uint32_t insn, struct axv_la64_mem *m)
{
	if (!m)
		return AXV_EINVAL;
	const struct mem_op *o =
		find_op(ops12, sizeof(ops12) / sizeof(ops12[0]), insn & AXV_LA64_INSN_LDST12_MASK);
	if (!o)
		o = find_op(ops14, sizeof(ops14) / sizeof(ops14[0]),
			    insn & AXV_LA64_INSN_LDPTR_MASK);
	if (!o)
		o = find_op(opsx, sizeof(opsx) / sizeof(opsx[0]), insn & AXV_LA64_INSN_LDX_MASK);
	if (!o)
		return AXV_EINVAL;
	m->width = o->width;
	m->store = o->store;
	m->sign_extend = o->sign;
	m->rd = (uint8_t)insn_rd(insn);
	m->rj = (uint8_t)insn_rj(insn);
	return 0;
}

/* ---- exits -------------------------------------------------------------------------------- */

static void unhandled(const struct axv_la64_ctx *c, struct axv_exit *e, uint64_t info)
{
	e->reason = AXV_EXIT_UNHANDLED;
	e->insn_len = 0;
	e->unhandled.raw = c->estat;
	e->unhandled.info = info;
}

static void npf(struct axv_exit *e, uint64_t addr, axv_map_flags_t access)
{
	e->reason = AXV_EXIT_NESTED_PAGE_FAULT;
	e->insn_len = 0;
	e->npf.addr = addr;
	e->npf.access = access;
	e->npf.flags = (access & AXV_MAP_EXEC) ? AXV_NPF_FETCH : 0;
}

/* Step over an instruction emulated here: the exit needs nothing else. */
static void done_in_place(struct axv_la64_ctx *c, struct axv_exit *e, enum axv_exit_reason r)
{
	c->pc += 4;
	e->insn_len = 0;
	e->reason = r;
}

static void access_exit(struct axv_exit *e, enum axv_exit_reason r, uint64_t addr,
			uint8_t width, unsigned reg, bool sign, uint64_t data)
{
	e->reason = r;
	e->insn_len = 4;
	e->access.addr = addr;
	e->access.width = width;
	e->access.reg = dest_reg(reg);
	e->access.reg_width = 8;
	e->access.sign_extend = sign && width < 8;
	e->access.flags = 0;
	e->access.data = axv_access_trunc(data, width);
}

static void decode_page_fault(struct axv_la64_ctx *c, struct axv_exit *e, uint32_t ecode)
{
	uint32_t insn = (uint32_t)c->badi;
	struct axv_la64_mem m;
	bool mem = axv_la64_decode_mem(insn, &m) == 0;

	switch (ecode) {
	case AXV_LA64_ECODE_PIF:
	case AXV_LA64_ECODE_PNX:
		npf(e, c->badv, AXV_MAP_EXEC);
		return;
	case AXV_LA64_ECODE_PME:
		npf(e, c->badv, AXV_MAP_WRITE);
		return;
	case AXV_LA64_ECODE_PNR:
		npf(e, c->badv, AXV_MAP_READ);
		return;
	case AXV_LA64_ECODE_PPI:
		npf(e, c->badv, mem && m.store ? AXV_MAP_WRITE : AXV_MAP_READ);
		return;
	default: /* PIL, PIS */
		break;
	}
	bool store = ecode == AXV_LA64_ECODE_PIS;
	if (!mem) {
		/* Atomics, LL/SC, FP or vector accesses: not emulable as one MMIO access, but
		 * the address may be lazily backed RAM. */
		npf(e, c->badv, store ? AXV_MAP_WRITE : AXV_MAP_READ);
		return;
	}
	if (m.store != store) {
		unhandled(c, e, c->badv); /* the instruction contradicts the exception */
		return;
	}
	if (store)
		access_exit(e, AXV_EXIT_MMIO_WRITE, c->badv, m.width, m.rd, false, gpr(c, m.rd));
	else
		access_exit(e, AXV_EXIT_MMIO_READ, c->badv, m.width, m.rd, m.sign_extend, 0);
}

static void decode_csr(struct axv_la64_ctx *c, struct axv_exit *e, uint32_t insn)
{
	unsigned rd = insn_rd(insn), rj = insn_rj(insn);
	uint32_t csr = field(insn, 10, 14);
	const struct axv_la64_csr_ops *ops = c->csr_ops;

	if (ops && ops->read && ops->write) {
		uint64_t old, val = gpr(c, rd);
		if (ops->read(c->csr_ctx, csr, &old) != 0) {
			unhandled(c, e, c->badi);
			return;
		}
		if (rj != 0) {
			/* csrwr (rj 1): the CSR gets rd; csrxchg: only the bits set in rj. */
			uint64_t mask = rj == 1 ? ~0ull : gpr(c, rj);
			if (ops->write(c->csr_ctx, csr, (old & ~mask) | (val & mask)) != 0) {
				unhandled(c, e, c->badi);
				return;
			}
		}
		set_gpr(c, rd, old);
		done_in_place(c, e, AXV_EXIT_NOTHING);
		return;
	}
	if (rj != 0) {
		/* csrwr and csrxchg also return the old value in rd: one bus access cannot
		 * express that, so without csr_ops the embedder decides (raw ESTAT, BADI). */
		unhandled(c, e, c->badi);
		return;
	}
	access_exit(e, AXV_EXIT_SYSREG_READ, AXV_LA64_SYSREG_CSR(csr), 8, rd, false, 0);
}

static void decode_gspr(struct axv_la64_ctx *c, struct axv_exit *e)
{
	uint32_t insn = (uint32_t)c->badi;
	unsigned rd = insn_rd(insn), rj = insn_rj(insn);

	if ((insn & AXV_LA64_INSN_CSR_MASK) == AXV_LA64_INSN_CSR_OP) {
		decode_csr(c, e, insn);
		return;
	}
	if ((insn & AXV_LA64_INSN_CPUCFG_MASK) == AXV_LA64_INSN_CPUCFG_OP) {
		/* The configuration word index is rj[31:0]; the word is zero-extended. */
		uint32_t index = (uint32_t)gpr(c, rj);
		if (c->cpucfg) {
			set_gpr(c, rd, index < c->nr_cpucfg ? c->cpucfg[index] : 0);
			done_in_place(c, e, AXV_EXIT_NOTHING);
			return;
		}
		access_exit(e, AXV_EXIT_SYSREG_READ, AXV_LA64_SYSREG_CPUCFG + index, 4, rd, false,
			    0);
		return;
	}
	uint32_t io = insn & AXV_LA64_INSN_IOCSR_MASK;
	if (io >= AXV_LA64_INSN_IOCSRRD_B && io <= AXV_LA64_INSN_IOCSRWR_B + 0xc00u) {
		/* iocsrrd.{b,h,w,d} then iocsrwr.{b,h,w,d}, 0x400 apart; rj holds the address. */
		uint32_t n = (io - AXV_LA64_INSN_IOCSRRD_B) >> 10;
		uint8_t width = (uint8_t)(1u << (n & 3u));
		if (n < 4)
			access_exit(e, AXV_EXIT_IO_READ, gpr(c, rj), width, rd, true, 0);
		else
			access_exit(e, AXV_EXIT_IO_WRITE, gpr(c, rj), width, rd, false, gpr(c, rd));
		return;
	}
	if ((insn & AXV_LA64_INSN_IDLE_MASK) == AXV_LA64_INSN_IDLE_OP) {
		/* The guest resumes after the idle once an interrupt arrives. */
		done_in_place(c, e, AXV_EXIT_HALT);
		e->halt.has_deadline = false; /* IDLE waits for an interrupt only */
		e->halt.deadline = 0;
		return;
	}
	if ((insn & AXV_LA64_INSN_CACOP_MASK) == AXV_LA64_INSN_CACOP_OP) {
		/* GCFG.GCI traps cache operations the guest may not do itself: its own memory
		 * is coherent and cacheable, so treat them as done. */
		done_in_place(c, e, AXV_EXIT_NOTHING);
		return;
	}
	unhandled(c, e, c->badi);
}

static void decode_hvc(struct axv_la64_ctx *c, struct axv_exit *e)
{
	uint32_t insn = (uint32_t)c->badi;
	if ((insn & AXV_LA64_INSN_HVCL_MASK) != AXV_LA64_INSN_HVCL_OP) {
		unhandled(c, e, c->badi);
		return;
	}
	/* ERA points at the hvcl itself: completing the call steps over it. */
	e->reason = AXV_EXIT_HYPERCALL;
	e->insn_len = 4;
	e->hypercall.imm = (uint16_t)(insn & 0x7fffu);
	e->hypercall.nr = gpr(c, AXV_LA64_REG_A0);
	for (unsigned i = 0; i < 6; i++)
		e->hypercall.args[i] = gpr(c, AXV_LA64_REG_A0 + 1 + i);
	e->hypercall.smc = false;
}

static void decode_irq(const struct axv_la64_ctx *c, struct axv_exit *e)
{
	uint32_t is = field(c->estat, 0, 13);
	if (is == 0) {
		e->reason = AXV_EXIT_NOTHING; /* spurious: the line dropped before the exit */
		return;
	}
	/* Among pending lines the highest number has the highest priority (Vol. 1 6.1.2). */
	e->reason = AXV_EXIT_EXTERNAL_IRQ;
	e->external_irq.vector = 31u - (uint32_t)__builtin_clz(is);
}

int axv_la64_decode_exit(struct axv_la64_ctx *c, struct axv_exit *e)
{
	if (!c || !e)
		return AXV_EINVAL;
	axv_memset(e, 0, sizeof(*e));
	e->pc = c->pc;
	uint32_t ecode = field(c->estat, AXV_LA64_ESTAT_ECODE_SHIFT, 6);
	uint32_t esub = field(c->estat, AXV_LA64_ESTAT_ESUBCODE_SHIFT, 9);

	if (ecode >= AXV_LA64_ECODE_PIL && ecode <= AXV_LA64_ECODE_PPI) {
		if (esub != 0)
			unhandled(c, e, c->badv);
		else
			decode_page_fault(c, e, ecode);
		return 0;
	}
	if (esub != 0) { /* none of the codes below has a subcode */
		unhandled(c, e, c->badi);
		return 0;
	}
	switch (ecode) {
	case AXV_LA64_ECODE_INT:
		decode_irq(c, e);
		return 0;
	case AXV_LA64_ECODE_GSPR:
		decode_gspr(c, e);
		return 0;
	case AXV_LA64_ECODE_HVC:
		decode_hvc(c, e);
		return 0;
	default:
		/* Guest exceptions are delivered to the guest by hardware; one reaching the
		 * host (GCM, or anything with GCFG.TOE) is the embedder's to judge. */
		unhandled(c, e, c->badi);
		return 0;
	}
}
