/* SPDX-License-Identifier: Apache-2.0 */
/*
 * riscv64 exit decoding: scause, stval, htval, htinst (Privileged Architecture 1.12,
 * chapter 8) and the guest's load/store instructions (Volume I, Unprivileged ISA 20191213:
 * 2.6 "Load and Store Instructions", 5.3 RV64I loads/stores, 16.3 RVC loads/stores).
 * Plain C: the host tests and the fuzz harness run it.
 */
#include <axv/arch/riscv64.h>
#include <axv/err.h>

#include "axv_mem.h"
#include "rv64_hw.h"

static uint32_t bits(uint32_t v, unsigned lo, unsigned n)
{
	return (v >> lo) & ((1u << n) - 1u);
}

int axv_rv64_decode_mem(uint32_t insn, struct axv_rv64_mem_insn *m)
{
	if (!m)
		return AXV_EINVAL;
	struct axv_rv64_mem_insn r = {0};
	if ((insn & 3u) != 3u) {
		/* RVC, Vol. I 16.3 / Table 16.5-16.7: rd'/rs2' in bits 4:2 name x8-x15. */
		uint32_t h = insn & 0xffffu;
		uint32_t op = h & 3u, f3 = bits(h, 13, 3);
		r.len = 2;
		if (op == 0) {
			r.reg = (uint8_t)(8 + bits(h, 2, 3));
			switch (f3) {
			case 2: r.width = 4; r.sign_extend = true; break;     /* C.LW */
			case 3: r.width = 8; break;                           /* C.LD (RV64) */
			case 6: r.width = 4; r.store = true; break;           /* C.SW */
			case 7: r.width = 8; r.store = true; break;           /* C.SD (RV64) */
			default: return AXV_ENOTSUP; /* C.ADDI4SPN, C.FLD, C.FSD, reserved */
			}
		} else if (op == 2) {
			switch (f3) {
			case 2: /* C.LWSP: rd = 0 is reserved */
			case 3: /* C.LDSP: rd = 0 is reserved */
				r.reg = (uint8_t)bits(h, 7, 5);
				if (r.reg == 0)
					return AXV_ENOTSUP;
				r.width = f3 == 2 ? 4 : 8;
				r.sign_extend = f3 == 2;
				break;
			case 6: /* C.SWSP */
			case 7: /* C.SDSP */
				r.reg = (uint8_t)bits(h, 2, 5);
				r.width = f3 == 6 ? 4 : 8;
				r.store = true;
				break;
			default:
				return AXV_ENOTSUP;
			}
		} else {
			return AXV_ENOTSUP;
		}
		*m = r;
		return 0;
	}
	uint32_t opcode = insn & 0x7fu, f3 = bits(insn, 12, 3);
	r.len = 4;
	if (opcode == 0x03) { /* LOAD: LB LH LW LD LBU LHU LWU (f3 7 is reserved) */
		if (f3 == 7)
			return AXV_ENOTSUP;
		r.width = (uint8_t)(1u << (f3 & 3u));
		r.sign_extend = f3 < 4 && f3 != 3;
		r.reg = (uint8_t)bits(insn, 7, 5);
	} else if (opcode == 0x23) { /* STORE: SB SH SW SD */
		if (f3 > 3)
			return AXV_ENOTSUP;
		r.width = (uint8_t)(1u << f3);
		r.store = true;
		r.reg = (uint8_t)bits(insn, 20, 5);
	} else {
		return AXV_ENOTSUP; /* FP loads/stores, AMOs, LR/SC: not emulated */
	}
	*m = r;
	return 0;
}

int axv_rv64_set_reg(struct axv_rv64_ctx *c, unsigned reg, uint64_t value)
{
	if (!c || reg >= AXV_RV64_REG_COUNT)
		return AXV_EINVAL;
	if (reg == AXV_RV64_REG_PC)
		c->pc = value;
	else if (reg != 0)
		c->x[reg] = value;
	return 0;
}

int axv_rv64_get_reg(const struct axv_rv64_ctx *c, unsigned reg, uint64_t *value)
{
	if (!c || !value || reg >= AXV_RV64_REG_COUNT)
		return AXV_EINVAL;
	*value = reg == AXV_RV64_REG_PC ? c->pc : (reg == 0 ? 0 : c->x[reg]);
	return 0;
}

void axv_rv64_ctx_reset(struct axv_rv64_ctx *c, uint64_t entry, uint64_t hartid, uint64_t a1)
{
	if (!c)
		return;
	uint64_t hgatp = c->hgatp;
	axv_memset(c, 0, sizeof(*c));
	c->hgatp = hgatp;
	c->pc = entry;
	c->x[AXV_RV64_REG_A0] = hartid;
	c->x[AXV_RV64_REG_A0 + 1] = a1;
	/* Priv 8.2.1: SPV = 1 makes sret enter V = 1; SPVP = 1: HLV/HSV act as VS-mode
	 * accesses; VTW = 1: a VS wfi is a virtual-instruction trap (a HALT exit); VSXL = 2. */
	c->hstatus = AXV_RV64_HSTATUS_SPV | AXV_RV64_HSTATUS_SPVP | AXV_RV64_HSTATUS_VTW |
		     AXV_RV64_HSTATUS_VSXL_64;
	/* Priv 4.1.1: SPP = 1, sret enters S (VS with SPV); FS = Initial so that the guest may
	 * use the FP unit (Priv 8.2.11: in V = 1 both sstatus.FS and vsstatus.FS must allow). */
	c->sstatus = AXV_RV64_SSTATUS_SPP | AXV_RV64_SSTATUS_FS_INITIAL;
	/* The guest starts with its own FS off, as after reset (Priv 3.1.6.6). */
	c->vs.vsstatus = 0;
}

static void unhandled(const struct axv_rv64_ctx *c, struct axv_exit *e)
{
	e->reason = AXV_EXIT_UNHANDLED;
	e->insn_len = 0;
	e->unhandled.raw = c->scause;
	e->unhandled.info = c->stval;
}

/* The instruction at the guest's pc, and its length; 0 on success. */
static int fetch_insn(const struct axv_rv64_ctx *c, const struct axv_rv64_fetch *f,
		      uint32_t *insn)
{
	if (!f || !f->fetch16)
		return AXV_ENOTSUP;
	uint16_t lo, hi;
	if (f->fetch16(f->ctx, c->pc, &lo) != 0)
		return AXV_EFAULT;
	if ((lo & 3u) != 3u) {
		*insn = lo;
		return 0;
	}
	if (f->fetch16(f->ctx, c->pc + 2, &hi) != 0)
		return AXV_EFAULT;
	*insn = (uint32_t)lo | ((uint32_t)hi << 16);
	return 0;
}

static void guest_page_fault(const struct axv_rv64_ctx *c, const struct axv_rv64_fetch *f,
			     uint64_t code, struct axv_exit *e)
{
	/* Priv 8.2.8: htval = guest physical address >> 2; the low two bits are those of the
	 * guest virtual address in stval (the page offset is unchanged by translation). */
	axv_gpa_t gpa = (c->htval << 2) | (c->stval & 3u);
	e->insn_len = 0;
	e->npf.flags = 0;
	if (code == AXV_RV64_EXC_INSN_GUEST_PAGE) {
		e->reason = AXV_EXIT_NESTED_PAGE_FAULT;
		e->npf.addr = gpa;
		e->npf.access = AXV_MAP_EXEC;
		e->npf.flags = AXV_NPF_FETCH;
		return;
	}
	bool write = code == AXV_RV64_EXC_STORE_GUEST_PAGE;
	uint32_t insn = 0;
	int have = -1;
	struct axv_rv64_mem_insn m = {0};
	if (c->htinst & 1u) {
		/* Priv 8.6.3: a transformed instruction; bit 1 clear means the trapping one was
		 * 16 bits long. Its rs1 and offset fields are zero; rd/rs2, width kept. */
		insn = (uint32_t)c->htinst | 2u;
		have = axv_rv64_decode_mem(insn, &m);
		if (have == 0)
			m.len = (c->htinst & 2u) ? 4 : 2;
	} else if (c->htinst == 0) {
		/* Priv 8.6.3: zero means "no information": read the instruction at sepc. */
		if (fetch_insn(c, f, &insn) == 0)
			have = axv_rv64_decode_mem(insn, &m);
	}
	/* Otherwise a pseudo-instruction (0x00002000, 0x00003000, 0x00002020, 0x00003020): an
	 * implicit access of the guest's own VS-stage table walk (Priv 8.6.3, Table 8.12). */
	if (have != 0 || m.store != write) {
		e->reason = AXV_EXIT_NESTED_PAGE_FAULT;
		e->npf.addr = gpa;
		e->npf.access = write ? AXV_MAP_WRITE : AXV_MAP_READ;
		return;
	}
	e->insn_len = m.len;
	e->access.addr = gpa;
	e->access.width = m.width;
	e->access.reg = m.reg == 0 ? AXV_REG_NONE : m.reg;
	e->access.reg_width = 8;
	e->access.flags = 0;
	if (write) {
		uint64_t v = m.reg == 0 ? 0 : c->x[m.reg];
		e->reason = AXV_EXIT_MMIO_WRITE;
		e->access.sign_extend = false;
		e->access.data = axv_access_trunc(v, m.width);
	} else {
		e->reason = AXV_EXIT_MMIO_READ;
		e->access.sign_extend = m.sign_extend;
		e->access.data = 0;
	}
}

static void virtual_insn(const struct axv_rv64_ctx *c, const struct axv_rv64_fetch *f,
			 struct axv_exit *e)
{
	/* Priv 8.6.1 / 4.1.9: stval holds the trapping instruction's bits, or 0. */
	uint32_t insn = (uint32_t)c->stval;
	if (c->stval >> 32 || (insn == 0 && fetch_insn(c, f, &insn) != 0)) {
		unhandled(c, e);
		return;
	}
	if (insn == AXV_RV64_INSN_WFI) {
		e->reason = AXV_EXIT_HALT;
		e->insn_len = 4;
		e->halt.has_deadline = false;
		e->halt.deadline = 0;
		return;
	}
	/* Zicsr (Vol. I 9.1): csr [31:20], rs1/uimm [19:15], funct3 [14:12], rd [11:7]. */
	uint32_t f3 = bits(insn, 12, 3), rd = bits(insn, 7, 5), rs1 = bits(insn, 15, 5);
	if ((insn & 0x7fu) != 0x73u || f3 == 0 || f3 == 4) {
		unhandled(c, e);
		return;
	}
	e->insn_len = 4;
	e->access.addr = insn >> 20;
	e->access.width = 8;
	e->access.reg_width = 8;
	e->access.sign_extend = false;
	e->access.flags = 0;
	bool rw = (f3 & 3u) == 1u; /* CSRRW, CSRRWI */
	if (!rw && rs1 == 0) {      /* CSRRS/CSRRC(I) with no bits to change: a pure read */
		e->reason = AXV_EXIT_SYSREG_READ;
		e->access.reg = rd == 0 ? AXV_REG_NONE : (uint8_t)rd;
		e->access.data = 0;
		return;
	}
	if (rw && rd == 0) { /* a pure write */
		e->reason = AXV_EXIT_SYSREG_WRITE;
		e->access.reg = (f3 & 4u) ? AXV_REG_NONE : (uint8_t)(rs1 == 0 ? AXV_REG_NONE : rs1);
		e->access.data = (f3 & 4u) ? rs1 : (rs1 == 0 ? 0 : c->x[rs1]);
		return;
	}
	unhandled(c, e); /* read-modify-write of a trapped CSR: the embedder's business */
}

int axv_rv64_decode_exit(const struct axv_rv64_ctx *c, const struct axv_rv64_fetch *fetch,
			 struct axv_exit *e)
{
	if (!c || !e)
		return AXV_EINVAL;
	uint64_t gen = e->gen;
	axv_memset(e, 0, sizeof(*e));
	e->gen = gen;
	e->pc = c->pc;
	uint64_t code = c->scause & ~AXV_RV64_SCAUSE_INTR;
	if (c->scause & AXV_RV64_SCAUSE_INTR) {
		e->reason = AXV_EXIT_EXTERNAL_IRQ;
		e->external_irq.vector = (uint32_t)code;
		return 0;
	}
	switch (code) {
	case AXV_RV64_EXC_ECALL_VS:
		/* SBI 3: a7 extension id, a6 function id, a0-a5 arguments. */
		e->reason = AXV_EXIT_HYPERCALL;
		e->insn_len = 4;
		e->hypercall.nr = c->x[17];
		e->hypercall.imm = (uint16_t)c->x[16];
		for (unsigned i = 0; i < 6; i++)
			e->hypercall.args[i] = c->x[10 + i];
		return 0;
	case AXV_RV64_EXC_INSN_GUEST_PAGE:
	case AXV_RV64_EXC_LOAD_GUEST_PAGE:
	case AXV_RV64_EXC_STORE_GUEST_PAGE:
		guest_page_fault(c, fetch, code, e);
		return 0;
	case AXV_RV64_EXC_VIRTUAL_INSN:
		virtual_insn(c, fetch, e);
		return 0;
	default:
		unhandled(c, e);
		return 0;
	}
}

#define VSSTATUS_SIE (1ull << 1)
#define VSSTATUS_SPIE (1ull << 5)
#define VSSTATUS_SPP (1ull << 8)

int axv_rv64_inject_exception(struct axv_rv64_ctx *c, uint64_t cause, uint64_t tval)
{
	if (!c || cause >= 64)
		return AXV_EINVAL;
	uint64_t st = c->vs.vsstatus;
	bool from_s = (c->sstatus & AXV_RV64_SSTATUS_SPP) != 0;
	st = (st & ~(VSSTATUS_SPP | VSSTATUS_SPIE | VSSTATUS_SIE)) |
	     (from_s ? VSSTATUS_SPP : 0) | ((st & VSSTATUS_SIE) ? VSSTATUS_SPIE : 0);
	c->vs.vsstatus = st;
	c->vs.vsepc = c->pc;
	c->vs.vscause = cause;
	c->vs.vstval = tval;
	/* Priv 4.1.2: stvec BASE is 4-byte aligned; MODE 1 vectors interrupts only. */
	c->pc = c->vs.vstvec & ~3ull;
	c->sstatus |= AXV_RV64_SSTATUS_SPP;
	c->hstatus |= AXV_RV64_HSTATUS_SPVP;
	return 0;
}
