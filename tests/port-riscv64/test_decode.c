/* riscv64 exit decoding (Privileged Architecture 1.12, 8.2.8, 8.6.1, 8.6.3), the load/store
 * decoder (Volume I 2.6, 16.3) and SBI (SBI 1.0.0). */
#include <criterion/criterion.h>

#include <axv/arch/riscv64.h>
#include <axv/err.h>
#include "rv64_hw.h"

/* A guest's code as the fetch hook sees it: instruction bytes at a guest virtual base. */
struct code {
	uint64_t base;
	uint8_t bytes[16];
	unsigned calls;
};

static int fetch16(void *ctx, uint64_t gva, uint16_t *half)
{
	struct code *c = ctx;
	c->calls++;
	if (gva < c->base || gva + 2 > c->base + sizeof(c->bytes))
		return AXV_EFAULT;
	*half = (uint16_t)(c->bytes[gva - c->base] | (c->bytes[gva - c->base + 1] << 8));
	return 0;
}

static void put32(struct code *c, unsigned off, uint32_t insn)
{
	for (unsigned i = 0; i < 4; i++)
		c->bytes[off + i] = (uint8_t)(insn >> (8 * i));
}

static void put16(struct code *c, unsigned off, uint16_t insn)
{
	c->bytes[off] = (uint8_t)insn;
	c->bytes[off + 1] = (uint8_t)(insn >> 8);
}

/* Encoders (Volume I chapter 24 tables). */
static uint32_t load(unsigned f3, unsigned rd, unsigned rs1, int imm)
{
	return ((uint32_t)(imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x03;
}

static uint32_t store(unsigned f3, unsigned rs2, unsigned rs1, int imm)
{
	uint32_t i = (uint32_t)imm & 0xfff;
	return ((i >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((i & 31) << 7) | 0x23;
}

Test(rv64_decode, loads_and_stores)
{
	struct axv_rv64_mem_insn m;
	static const struct {
		unsigned f3, width;
		bool sext;
	} ld[] = {{0, 1, true}, {1, 2, true}, {2, 4, true}, {3, 8, false},
		  {4, 1, false}, {5, 2, false}, {6, 4, false}};
	for (unsigned i = 0; i < 7; i++) {
		cr_assert_eq(axv_rv64_decode_mem(load(ld[i].f3, 7, 10, -8), &m), 0);
		cr_expect_eq(m.len, 4);
		cr_expect_eq(m.width, ld[i].width, "f3 %u", ld[i].f3);
		cr_expect_eq(m.sign_extend, ld[i].sext, "f3 %u", ld[i].f3);
		cr_expect_eq(m.reg, 7);
		cr_expect(!m.store);
	}
	cr_expect_eq(axv_rv64_decode_mem(load(7, 7, 10, 0), &m), AXV_ENOTSUP, "reserved");
	for (unsigned f3 = 0; f3 < 4; f3++) {
		cr_assert_eq(axv_rv64_decode_mem(store(f3, 12, 10, 16), &m), 0);
		cr_expect_eq(m.width, 1u << f3);
		cr_expect(m.store);
		cr_expect_eq(m.reg, 12);
	}
	cr_expect_eq(axv_rv64_decode_mem(store(4, 12, 10, 0), &m), AXV_ENOTSUP);
	/* FLD f1, 0(a0) and AMOADD.W: not plain loads/stores */
	cr_expect_eq(axv_rv64_decode_mem(0x00053087, &m), AXV_ENOTSUP);
	cr_expect_eq(axv_rv64_decode_mem(0x00b5202f, &m), AXV_ENOTSUP);
	cr_expect_eq(axv_rv64_decode_mem(0x13, &m), AXV_ENOTSUP, "addi");
	cr_expect_eq(axv_rv64_decode_mem(0x03, NULL), AXV_EINVAL);
}

Test(rv64_decode, compressed_loads_and_stores)
{
	struct axv_rv64_mem_insn m;
	/* c.lw a2, 0(a0): 010 uimm rs1'=010 uimm rd'=100 00 = 0x4110 */
	cr_assert_eq(axv_rv64_decode_mem(0x4110, &m), 0);
	cr_expect(m.len == 2 && m.width == 4 && m.sign_extend && !m.store && m.reg == 12);
	/* c.ld a3, 8(a0): 011 001 010 00 101 00 = 0x6514 */
	cr_assert_eq(axv_rv64_decode_mem(0x6514, &m), 0);
	cr_expect(m.width == 8 && !m.sign_extend && m.reg == 13);
	/* c.sw a1, 0(a0): 110 000 010 00 011 00 = 0xc10c */
	cr_assert_eq(axv_rv64_decode_mem(0xc10c, &m), 0);
	cr_expect(m.store && m.width == 4 && m.reg == 11);
	/* c.sd a1, 0(a0): 0xe10c */
	cr_assert_eq(axv_rv64_decode_mem(0xe10c, &m), 0);
	cr_expect(m.store && m.width == 8 && m.reg == 11);
	/* c.lwsp a5, 0(sp): 010 0 01111 00000 10 = 0x4782 */
	cr_assert_eq(axv_rv64_decode_mem(0x4782, &m), 0);
	cr_expect(m.width == 4 && m.reg == 15 && m.sign_extend);
	/* c.ldsp x0: reserved */
	cr_expect_eq(axv_rv64_decode_mem(0x6002, &m), AXV_ENOTSUP);
	/* c.sdsp a5, 0(sp): 111 000000 01111 10 = 0xe03e */
	cr_assert_eq(axv_rv64_decode_mem(0xe03e, &m), 0);
	cr_expect(m.store && m.width == 8 && m.reg == 15);
	/* c.fld, c.addi (quadrant 1): not loads/stores we emulate */
	cr_expect_eq(axv_rv64_decode_mem(0x2108, &m), AXV_ENOTSUP);
	cr_expect_eq(axv_rv64_decode_mem(0x0505, &m), AXV_ENOTSUP);
}

static struct axv_rv64_ctx ctx_at(uint64_t scause, uint64_t stval, uint64_t htval,
				  uint64_t htinst, uint64_t pc)
{
	struct axv_rv64_ctx c = {0};
	c.scause = scause;
	c.stval = stval;
	c.htval = htval;
	c.htinst = htinst;
	c.pc = pc;
	return c;
}

Test(rv64_decode, mmio_from_the_fetched_instruction)
{
	struct code code = {.base = 0xffffffff80001000ull};
	put32(&code, 0, store(2, 11, 10, 4));  /* sw a1, 4(a0) */
	put16(&code, 4, 0x6514);               /* c.ld a3, 8(a0) */
	put32(&code, 6, load(1, 9, 10, 2));    /* lh s1, 2(a0) */
	struct axv_rv64_fetch f = {fetch16, &code};
	struct axv_exit e = {0};
	/* 8.2.8: gpa = htval << 2 | stval[1:0]; QEMU leaves htinst 0 */
	struct axv_rv64_ctx c = ctx_at(23, 0xffffffc000001006ull, 0x10000000 >> 2 | 0x0401, 0, code.base);
	c.x[11] = 0x1122334455667788ull;
	cr_assert_eq(axv_rv64_decode_exit(&c, &f, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_WRITE);
	cr_expect_eq(e.access.addr, 0x10001006ull);
	cr_expect_eq(e.access.width, 4);
	cr_expect_eq(e.access.data, 0x55667788ull);
	cr_expect_eq(e.insn_len, 4);
	cr_expect_eq(e.pc, code.base);
	c = ctx_at(21, 0x8, 0x10000008 >> 2, 0, code.base + 4);
	cr_assert_eq(axv_rv64_decode_exit(&c, &f, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ);
	cr_expect_eq(e.access.width, 8);
	cr_expect_eq(e.access.reg, 13);
	cr_expect_eq(e.access.reg_width, 8);
	cr_expect_eq(e.insn_len, 2);
	c = ctx_at(21, 0x2, 0x10000000 >> 2, 0, code.base + 6);
	cr_assert_eq(axv_rv64_decode_exit(&c, &f, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ);
	cr_expect_eq(e.access.addr, 0x10000002ull);
	cr_expect(e.access.sign_extend && e.access.width == 2 && e.access.reg == 9);
	/* a load fault whose instruction is a store: not believable, a nested page fault */
	c = ctx_at(21, 0, 0x10000000 >> 2, 0, code.base);
	cr_assert_eq(axv_rv64_decode_exit(&c, &f, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(e.npf.access, AXV_MAP_READ);
	/* the code cannot be read: a nested page fault, never a guess */
	c = ctx_at(23, 0, 0x10000000 >> 2, 0, 0x1234);
	cr_assert_eq(axv_rv64_decode_exit(&c, &f, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(e.npf.access, AXV_MAP_WRITE);
	cr_assert_eq(axv_rv64_decode_exit(&c, NULL, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
}

Test(rv64_decode, mmio_from_htinst)
{
	struct code code = {.base = 0x1000};
	struct axv_rv64_fetch f = {fetch16, &code};
	struct axv_exit e;
	/* 8.6.3: transformed sd a5, 0(x0) of a 16-bit c.sdsp: bit 1 clear */
	uint32_t t = store(3, 15, 0, 0) & ~2u;
	struct axv_rv64_ctx c = ctx_at(23, 0, 0x10000000 >> 2, t, 0x5000);
	c.x[15] = 7;
	cr_assert_eq(axv_rv64_decode_exit(&c, &f, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_WRITE);
	cr_expect_eq(e.insn_len, 2);
	cr_expect_eq(e.access.data, 7);
	cr_expect_eq(code.calls, 0, "no fetch when htinst says it");
	/* a 32-bit lbu */
	c = ctx_at(21, 0, 0x10000000 >> 2, load(4, 5, 0, 0), 0x5000);
	cr_assert_eq(axv_rv64_decode_exit(&c, &f, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ);
	cr_expect_eq(e.insn_len, 4);
	cr_expect(!e.access.sign_extend && e.access.width == 1 && e.access.reg == 5);
	/* pseudo-instruction 0x3000: the guest's own page-table walk */
	c = ctx_at(21, 0, 0x10000000 >> 2, 0x3000, 0x5000);
	cr_assert_eq(axv_rv64_decode_exit(&c, &f, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	/* an instruction guest-page fault */
	c = ctx_at(20, 0x80001002, 0x80001000 >> 2, 0, 0x80001002);
	cr_assert_eq(axv_rv64_decode_exit(&c, &f, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(e.npf.addr, 0x80001002ull);
	cr_expect_eq(e.npf.access, AXV_MAP_EXEC);
	cr_expect_eq(e.npf.flags, AXV_NPF_FETCH);
}

Test(rv64_decode, virtual_instructions_ecall_interrupts)
{
	struct axv_exit e;
	struct axv_rv64_ctx c = ctx_at(22, AXV_RV64_INSN_WFI, 0, 0, 0x100);
	cr_assert_eq(axv_rv64_decode_exit(&c, NULL, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HALT);
	cr_expect_eq(e.insn_len, 4);
	cr_expect(!e.halt.has_deadline);
	/* csrr a0, hstatus (0x600) from VS: a read; csrw 0x600, a1: a write */
	c = ctx_at(22, 0x60002573, 0, 0, 0x100);
	cr_assert_eq(axv_rv64_decode_exit(&c, NULL, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_SYSREG_READ);
	cr_expect_eq(e.access.addr, 0x600);
	cr_expect_eq(e.access.reg, 10);
	c = ctx_at(22, 0x60059073, 0, 0, 0x100);
	c.x[11] = 42;
	cr_assert_eq(axv_rv64_decode_exit(&c, NULL, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_SYSREG_WRITE);
	cr_expect_eq(e.access.data, 42);
	/* csrrs a0, 0x600, a1: read-modify-write, not emulated here */
	c = ctx_at(22, 0x6005a573, 0, 0, 0x100);
	cr_assert_eq(axv_rv64_decode_exit(&c, NULL, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED);
	cr_expect_eq(e.unhandled.raw, 22);
	/* stval with bits above 31 is not an instruction */
	c = ctx_at(22, 1ull << 40 | AXV_RV64_INSN_WFI, 0, 0, 0x100);
	cr_assert_eq(axv_rv64_decode_exit(&c, NULL, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED);
	/* VS ecall: SBI 3 calling convention */
	c = ctx_at(10, 0, 0, 0, 0x200);
	c.x[17] = AXV_SBI_EXT_HSM;
	c.x[16] = 0;
	for (unsigned i = 0; i < 6; i++)
		c.x[10 + i] = 100 + i;
	cr_assert_eq(axv_rv64_decode_exit(&c, NULL, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HYPERCALL);
	cr_expect_eq(e.hypercall.nr, AXV_SBI_EXT_HSM);
	cr_expect_eq(e.hypercall.args[5], 105);
	cr_expect_eq(e.insn_len, 4);
	/* interrupts */
	c = ctx_at(AXV_RV64_SCAUSE_INTR | 5, 0, 0, 0, 0);
	cr_assert_eq(axv_rv64_decode_exit(&c, NULL, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_EXTERNAL_IRQ);
	cr_expect_eq(e.external_irq.vector, 5);
	/* anything else */
	c = ctx_at(AXV_RV64_EXC_LOAD_ACCESS, 0x1234, 0, 0, 0);
	cr_assert_eq(axv_rv64_decode_exit(&c, NULL, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED);
	cr_expect_eq(e.unhandled.info, 0x1234);
	cr_expect_eq(axv_rv64_decode_exit(NULL, NULL, &e), AXV_EINVAL);
	cr_expect_eq(axv_rv64_decode_exit(&c, NULL, NULL), AXV_EINVAL);
}

static int sbi(struct axv_rv64_ctx *c, uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1,
	       uint64_t a2, struct axv_exit *e)
{
	c->scause = 10;
	c->x[17] = eid;
	c->x[16] = fid;
	c->x[10] = a0;
	c->x[11] = a1;
	c->x[12] = a2;
	cr_assert_eq(axv_rv64_decode_exit(c, NULL, e), 0);
	return axv_rv64_sbi(c, e, 0xaa);
}

Test(rv64_sbi, base_answers)
{
	struct axv_rv64_ctx c = {0};
	struct axv_exit e;
	c.pc = 0x1000;
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_BASE, 0, 0, 0, 0, &e), AXV_SBI_DONE);
	cr_expect_eq(c.x[10], 0);
	cr_expect_eq(c.x[11], 2u << 24, "SBI 2.0");
	cr_expect_eq(c.pc, 0x1004);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_BASE, 1, 0, 0, 0, &e), AXV_SBI_DONE);
	cr_expect_eq(c.x[11], 0xaa);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_BASE, 3, AXV_SBI_EXT_HSM, 0, 0, &e), AXV_SBI_DONE);
	cr_expect_eq(c.x[11], 1);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_BASE, 3, 0x12345, 0, 0, &e), AXV_SBI_DONE);
	cr_expect_eq(c.x[11], 0);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_BASE, 99, 0, 0, 0, &e), AXV_SBI_DONE);
	cr_expect_eq((int64_t)c.x[10], AXV_SBI_ERR_NOT_SUPPORTED);
	cr_expect_eq(sbi(&c, 0x0badbad, 0, 0, 0, 0, &e), AXV_SBI_DONE);
	cr_expect_eq((int64_t)c.x[10], AXV_SBI_ERR_NOT_SUPPORTED);
}

Test(rv64_sbi, exits)
{
	struct axv_rv64_ctx c = {0};
	struct axv_exit e;
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_HSM, 0, 1, 0x80200000, 0x8f000000, &e), AXV_SBI_EXIT);
	cr_expect_eq(e.reason, AXV_EXIT_CPU_UP);
	cr_expect(e.cpu_up.target == 1 && e.cpu_up.entry == 0x80200000 &&
		  e.cpu_up.arg == 0x8f000000);
	cr_expect_eq(c.pc, 0, "the embedder completes it");
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_HSM, 1, 0, 0, 0, &e), AXV_SBI_EXIT);
	cr_expect_eq(e.reason, AXV_EXIT_CPU_DOWN);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_HSM, 3, 0, 0, 0, &e), AXV_SBI_EXIT);
	cr_expect_eq(e.reason, AXV_EXIT_HALT);
	cr_expect_eq(c.pc, 4, "retentive suspend returns past the ecall");
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_HSM, 3, 0x80000000, 0, 0, &e), AXV_SBI_DONE);
	cr_expect_eq((int64_t)c.x[10], AXV_SBI_ERR_NOT_SUPPORTED);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_HSM, 3, 5, 0, 0, &e), AXV_SBI_DONE);
	cr_expect_eq((int64_t)c.x[10], AXV_SBI_ERR_INVALID_PARAM);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_HSM, 2, 1, 0, 0, &e), AXV_SBI_EMBEDDER);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_IPI, 0, 0x3, 0, 0, &e), AXV_SBI_EXIT);
	cr_expect(e.reason == AXV_EXIT_SEND_IPI && e.ipi.target == 3 && !e.ipi.all);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_IPI, 0, 0, ~0ull, 0, &e), AXV_SBI_EXIT);
	cr_expect(e.ipi.all);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_SRST, 0, 0, 0, 0, &e), AXV_SBI_EXIT);
	cr_expect_eq(e.reason, AXV_EXIT_SYSTEM_DOWN);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_SRST, 0, 2, 1, 0, &e), AXV_SBI_EXIT);
	cr_expect_eq(e.reason, AXV_EXIT_SYSTEM_RESET);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_SRST, 0, 3, 0, 0, &e), AXV_SBI_DONE);
	cr_expect_eq((int64_t)c.x[10], AXV_SBI_ERR_INVALID_PARAM);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_SRST, 0, 0xf0000000, 0, 0, &e), AXV_SBI_DONE);
	cr_expect_eq((int64_t)c.x[10], AXV_SBI_ERR_NOT_SUPPORTED);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_TIME, 0, 12345, 0, 0, &e), AXV_SBI_EMBEDDER);
	cr_expect_eq(sbi(&c, AXV_SBI_EXT_DBCN, 2, 'x', 0, 0, &e), AXV_SBI_EMBEDDER);
	e.reason = AXV_EXIT_HALT;
	cr_expect_eq(axv_rv64_sbi(&c, &e, 0), AXV_EINVAL);
}

/* Priv 4.1.1, 4.1.9: what a delegated exception would have done to the VS CSRs. */
Test(rv64_inject, exception_entry)
{
	struct axv_rv64_ctx c = {0};
	axv_rv64_ctx_reset(&c, 0x80200000, 0, 0);
	c.vs.vstvec = 0x80201001; /* vectored: exceptions still go to BASE */
	c.vs.vsstatus = 1u << 1;  /* SIE */
	c.sstatus &= ~AXV_RV64_SSTATUS_SPP; /* the guest was in VU */
	c.hstatus &= ~AXV_RV64_HSTATUS_SPVP;
	c.pc = 0x1000;
	cr_assert_eq(axv_rv64_inject_exception(&c, AXV_RV64_EXC_LOAD_ACCESS, 0xdead), 0);
	cr_expect_eq(c.pc, 0x80201000);
	cr_expect_eq(c.vs.vsepc, 0x1000);
	cr_expect_eq(c.vs.vscause, 5);
	cr_expect_eq(c.vs.vstval, 0xdead);
	cr_expect_eq(c.vs.vsstatus & (1u << 8), 0, "SPP = U");
	cr_expect_eq(c.vs.vsstatus & (1u << 5), 1u << 5, "SPIE = old SIE");
	cr_expect_eq(c.vs.vsstatus & (1u << 1), 0, "SIE cleared");
	cr_expect(c.sstatus & AXV_RV64_SSTATUS_SPP, "enters VS");
	cr_expect(c.hstatus & AXV_RV64_HSTATUS_SPVP);
	/* from VS, SIE clear */
	c.pc = 0x2000;
	cr_assert_eq(axv_rv64_inject_exception(&c, AXV_RV64_EXC_STORE_ACCESS, 0), 0);
	cr_expect_eq(c.vs.vsstatus & (1u << 8), 1u << 8, "SPP = S");
	cr_expect_eq(c.vs.vsstatus & (1u << 5), 0, "SPIE = old SIE (0)");
	cr_expect_eq(axv_rv64_inject_exception(&c, 64, 0), AXV_EINVAL);
	cr_expect_eq(axv_rv64_inject_exception(NULL, 5, 0), AXV_EINVAL);
}
