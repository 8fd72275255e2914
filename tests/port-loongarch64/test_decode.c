/* loongarch64 port: ESTAT exit decoding, the load/store decoder, GSPR emulation and the
 * page-walk control values, from hand-built ESTAT values and instruction words.
 * Field positions: LoongArch Reference Manual Vol. 1 7.4.6 ESTAT (Ecode [21:16], EsubCode
 * [30:22]), 2.2 instruction formats; LVZ GSPR (22), HVC (23), GCM (24). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <axv/arch/loongarch64.h>
#include <axv/err.h>
#include "la64_hw.h"

static uint64_t estat(uint32_t ecode, uint32_t esub)
{
	return ((uint64_t)esub << 22) | ((uint64_t)ecode << 16);
}

/* rd, rj, si12 */
static uint32_t i2ri12(uint32_t op, unsigned rd, unsigned rj, int32_t si12)
{
	return op | (((uint32_t)si12 & 0xfffu) << 10) | (rj << 5) | rd;
}

/* rd, rj, rk */
static uint32_t i3r(uint32_t op, unsigned rd, unsigned rj, unsigned rk)
{
	return op | (rk << 10) | (rj << 5) | rd;
}

/* csrrd/csrwr/csrxchg rd, rj, csr */
static uint32_t icsr(unsigned rd, unsigned rj, uint32_t csr)
{
	return 0x04000000u | (csr << 10) | (rj << 5) | rd;
}

static struct axv_la64_ctx ctx;
static struct axv_exit ex;

static void setup(void)
{
	axv_la64_ctx_init(&ctx, 0x1c000000, 3);
	for (unsigned i = 1; i < 32; i++)
		ctx.gpr[i] = 0x1111111111111111ull * (i % 15 + 1);
	ctx.pc = 0x9000000000201000ull;
	ctx.badv = 0x1fe001e0ull; /* a UART's guest physical address */
}

TestSuite(la64, .init = setup);

Test(la64, ctx_init_starts_in_direct_address_mode)
{
	struct axv_la64_ctx c;
	memset(&c, 0x77, sizeof(c));
	axv_la64_ctx_init(&c, 0x1c000000, 5);
	cr_expect_eq(c.pc, 0x1c000000);
	cr_expect_eq(c.gcsr.crmd, 0x8, "DA = 1, PG = 0, IE = 0, PLV0");
	cr_expect_eq(c.gcsr.cpuid, 5);
	cr_expect_eq(c.gpr[4], 0);
	cr_expect_eq(c.gintc, 0);
	cr_expect_null(c.cpucfg);
	cr_expect_null(c.csr_ops);
}

Test(la64, registers_by_number)
{
	uint64_t v = 1;
	cr_expect_eq(axv_la64_set_reg(&ctx, 0, 42), 0, "r0 writes are ignored");
	cr_expect_eq(axv_la64_get_reg(&ctx, 0, &v), 0);
	cr_expect_eq(v, 0, "r0 reads zero");
	cr_expect_eq(axv_la64_set_reg(&ctx, 31, 0xabc), 0);
	cr_expect_eq(axv_la64_get_reg(&ctx, 31, &v), 0);
	cr_expect_eq(v, 0xabc);
	cr_expect_eq(axv_la64_set_reg(&ctx, AXV_REG_NONE, 5), 0);
	cr_expect_eq(axv_la64_set_reg(&ctx, 32, 5), AXV_EINVAL);
	cr_expect_eq(axv_la64_get_reg(&ctx, 32, &v), AXV_EINVAL);
	cr_expect_eq(axv_la64_get_reg(&ctx, 1000, &v), AXV_EINVAL);
	cr_expect_eq(axv_la64_set_reg(NULL, 1, 5), AXV_EINVAL);
	cr_expect_eq(axv_la64_get_reg(&ctx, 1, NULL), AXV_EINVAL);
}

Test(la64, pwctl_matches_the_la64_format)
{
	uint32_t p0 = 7, p1 = 7;
	cr_assert_eq(axv_la64_pwctl(3, &p0, &p1), 0);
	/* PTbase 12 | PTwidth 9 << 5 | Dir1base 21 << 10 | Dir1width 9 << 15 */
	cr_expect_eq(p0, 0x0004d52c);
	cr_expect_eq(p1, 0x25e, "Dir3 base 30, width 9");
	cr_assert_eq(axv_la64_pwctl(4, &p0, &p1), 0);
	cr_expect_eq(p0, 0x13e4d52c, "plus Dir2 base 30, width 9");
	cr_expect_eq(p1, 0x267, "Dir3 base 39, width 9");
	p0 = p1 = 7;
	cr_expect_eq(axv_la64_pwctl(2, &p0, &p1), AXV_EINVAL);
	cr_expect_eq(axv_la64_pwctl(5, &p0, &p1), AXV_EINVAL);
	cr_expect_eq(p0, 7, "untouched on error");
	cr_expect_eq(p1, 7);
	cr_expect_eq(axv_la64_pwctl(3, NULL, &p1), AXV_EINVAL);
}

struct mem_case {
	uint32_t insn;
	uint8_t width;
	bool store, sign;
};

/* Every load and store form with rd = 7, rj = 9 (rk = 10 for the indexed ones). */
static const struct mem_case mem_cases[] = {
	{0x28000000u | (0x7ffu << 10) | (9u << 5) | 7u, 1, false, true},  /* ld.b  r7, r9, 2047 */
	{0x28400000u | (9u << 5) | 7u, 2, false, true},                  /* ld.h */
	{0x28800000u | (0x800u << 10) | (9u << 5) | 7u, 4, false, true}, /* ld.w r7, r9, -2048 */
	{0x28c00000u | (9u << 5) | 7u, 8, false, false},                 /* ld.d */
	{0x29000000u | (9u << 5) | 7u, 1, true, false},                  /* st.b */
	{0x29400000u | (9u << 5) | 7u, 2, true, false},                  /* st.h */
	{0x29800000u | (9u << 5) | 7u, 4, true, false},                  /* st.w */
	{0x29c00000u | (9u << 5) | 7u, 8, true, false},                  /* st.d */
	{0x2a000000u | (9u << 5) | 7u, 1, false, false},                 /* ld.bu */
	{0x2a400000u | (9u << 5) | 7u, 2, false, false},                 /* ld.hu */
	{0x2a800000u | (9u << 5) | 7u, 4, false, false},                 /* ld.wu */
	{0x24000000u | (0x3fffu << 10) | (9u << 5) | 7u, 4, false, true}, /* ldptr.w r7, r9, -4 */
	{0x25000000u | (9u << 5) | 7u, 4, true, false},                  /* stptr.w */
	{0x26000000u | (9u << 5) | 7u, 8, false, false},                 /* ldptr.d */
	{0x27000000u | (9u << 5) | 7u, 8, true, false},                  /* stptr.d */
	{0x38000000u | (10u << 10) | (9u << 5) | 7u, 1, false, true},    /* ldx.b r7, r9, r10 */
	{0x38040000u | (10u << 10) | (9u << 5) | 7u, 2, false, true},    /* ldx.h */
	{0x38080000u | (10u << 10) | (9u << 5) | 7u, 4, false, true},    /* ldx.w */
	{0x380c0000u | (10u << 10) | (9u << 5) | 7u, 8, false, false},   /* ldx.d */
	{0x38100000u | (10u << 10) | (9u << 5) | 7u, 1, true, false},    /* stx.b */
	{0x38140000u | (10u << 10) | (9u << 5) | 7u, 2, true, false},    /* stx.h */
	{0x38180000u | (10u << 10) | (9u << 5) | 7u, 4, true, false},    /* stx.w */
	{0x381c0000u | (10u << 10) | (9u << 5) | 7u, 8, true, false},    /* stx.d */
	{0x38200000u | (10u << 10) | (9u << 5) | 7u, 1, false, false},   /* ldx.bu */
	{0x38240000u | (10u << 10) | (9u << 5) | 7u, 2, false, false},   /* ldx.hu */
	{0x38280000u | (10u << 10) | (9u << 5) | 7u, 4, false, false},   /* ldx.wu */
};
#define N_MEM (sizeof(mem_cases) / sizeof(mem_cases[0]))

Test(la64, every_load_and_store_form_decodes)
{
	for (size_t i = 0; i < N_MEM; i++) {
		struct axv_la64_mem m;
		memset(&m, 0xee, sizeof(m));
		cr_assert_eq(axv_la64_decode_mem(mem_cases[i].insn, &m), 0, "insn %08x",
			     mem_cases[i].insn);
		cr_expect_eq(m.width, mem_cases[i].width, "insn %08x", mem_cases[i].insn);
		cr_expect_eq(m.store, mem_cases[i].store, "insn %08x", mem_cases[i].insn);
		cr_expect_eq(m.sign_extend, mem_cases[i].sign, "insn %08x", mem_cases[i].insn);
		cr_expect_eq(m.rd, 7);
		cr_expect_eq(m.rj, 9);
	}
}

Test(la64, other_instructions_are_not_loads_or_stores)
{
	static const uint32_t words[] = {
		0x00000000u,                          /* not an instruction */
		0xffffffffu,                          /* reserved */
		0x38600000u | (10u << 10) | (9u << 5) | 7u, /* amswap.w */
		0x20000000u | (9u << 5) | 7u,         /* ll.w */
		0x21000000u | (9u << 5) | 7u,         /* sc.w */
		0x2b800000u | (9u << 5) | 7u,         /* fld.d */
		0x2c000000u | (9u << 5) | 7u,         /* vld */
		0x38780000u | (10u << 10) | (9u << 5) | 7u, /* ldgt.b */
		0x2ac00000u | (9u << 5) | 7u,         /* preld */
		0x002b8000u,                          /* hvcl 0 */
	};
	struct axv_la64_mem m;
	memset(&m, 0x5a, sizeof(m));
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		cr_expect_eq(axv_la64_decode_mem(words[i], &m), AXV_EINVAL, "insn %08x", words[i]);
	cr_expect_eq(m.width, 0x5a, "untouched on error");
	cr_expect_eq(axv_la64_decode_mem(mem_cases[0].insn, NULL), AXV_EINVAL);
}

Test(la64, mmio_reads_and_writes_from_page_invalid_faults)
{
	for (size_t i = 0; i < N_MEM; i++) {
		const struct mem_case *mc = &mem_cases[i];
		ctx.badi = mc->insn;
		ctx.estat = estat(mc->store ? AXV_LA64_ECODE_PIS : AXV_LA64_ECODE_PIL, 0);
		cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
		cr_expect_eq(ex.reason, mc->store ? AXV_EXIT_MMIO_WRITE : AXV_EXIT_MMIO_READ,
			     "insn %08x", mc->insn);
		cr_expect_eq(ex.access.addr, 0x1fe001e0);
		cr_expect_eq(ex.access.width, mc->width);
		cr_expect_eq(ex.access.reg, 7);
		cr_expect_eq(ex.access.reg_width, 8);
		cr_expect_eq(ex.access.sign_extend, mc->sign && mc->width < 8, "insn %08x",
			     mc->insn);
		cr_expect_eq(ex.insn_len, 4);
		cr_expect_eq(ex.pc, 0x9000000000201000ull);
		if (mc->store) {
			uint64_t want = mc->width == 8 ? ctx.gpr[7]
						       : ctx.gpr[7] & ((1ull << (mc->width * 8)) - 1);
			cr_expect_eq(ex.access.data, want, "insn %08x", mc->insn);
		}
	}
	/* A store of r0 writes zero; a load into r0 is discarded. */
	ctx.badi = i2ri12(AXV_LA64_INSN_ST_W, 0, 9, 0);
	ctx.estat = estat(AXV_LA64_ECODE_PIS, 0);
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_MMIO_WRITE);
	cr_expect_eq(ex.access.data, 0);
	cr_expect_eq(ex.access.reg, AXV_REG_NONE);
	ctx.badi = i2ri12(AXV_LA64_INSN_LD_D, 0, 9, 0);
	ctx.estat = estat(AXV_LA64_ECODE_PIL, 0);
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_MMIO_READ);
	cr_expect_eq(ex.access.reg, AXV_REG_NONE);
}

Test(la64, direction_mismatch_is_unhandled)
{
	ctx.badi = i2ri12(AXV_LA64_INSN_ST_D, 5, 9, 0);
	ctx.estat = estat(AXV_LA64_ECODE_PIL, 0);
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED, "a load fault reported for a store");
	cr_expect_eq(ex.unhandled.raw, ctx.estat);
	cr_expect_eq(ex.unhandled.info, ctx.badv);
	ctx.badi = i3r(AXV_LA64_INSN_LDX_W, 5, 9, 10);
	ctx.estat = estat(AXV_LA64_ECODE_PIS, 0);
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED, "a store fault reported for a load");
}

Test(la64, page_faults_become_nested_page_faults)
{
	struct {
		uint32_t ecode, insn;
		axv_map_flags_t access;
	} cases[] = {
		{AXV_LA64_ECODE_PIF, 0, AXV_MAP_EXEC},
		{AXV_LA64_ECODE_PNX, 0x03400000u, AXV_MAP_EXEC},
		{AXV_LA64_ECODE_PME, i2ri12(AXV_LA64_INSN_ST_W, 4, 5, 0), AXV_MAP_WRITE},
		{AXV_LA64_ECODE_PNR, i2ri12(AXV_LA64_INSN_LD_W, 4, 5, 0), AXV_MAP_READ},
		{AXV_LA64_ECODE_PPI, i2ri12(AXV_LA64_INSN_ST_D, 4, 5, 0), AXV_MAP_WRITE},
		{AXV_LA64_ECODE_PPI, i2ri12(AXV_LA64_INSN_LD_D, 4, 5, 0), AXV_MAP_READ},
		{AXV_LA64_ECODE_PPI, 0xffffffffu, AXV_MAP_READ},
		/* Not emulable as one access (amswap.w, vld): lazily backed RAM may still be. */
		{AXV_LA64_ECODE_PIS, i3r(0x38600000u, 4, 5, 6), AXV_MAP_WRITE},
		{AXV_LA64_ECODE_PIL, 0x2c000000u, AXV_MAP_READ},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctx.estat = estat(cases[i].ecode, 0);
		ctx.badi = cases[i].insn;
		ctx.badv = 0x80000000ull + i * 0x1000;
		cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
		cr_expect_eq(ex.reason, AXV_EXIT_NESTED_PAGE_FAULT, "case %zu", i);
		cr_expect_eq(ex.npf.addr, 0x80000000ull + i * 0x1000);
		cr_expect_eq(ex.npf.access, cases[i].access, "case %zu", i);
		cr_expect_eq(ex.insn_len, 0, "a fault is retried, not skipped");
	}
}

Test(la64, subcodes_where_none_exist_are_unhandled)
{
	static const uint32_t codes[] = {AXV_LA64_ECODE_INT, AXV_LA64_ECODE_PIL,
					 AXV_LA64_ECODE_PPI, AXV_LA64_ECODE_GSPR,
					 AXV_LA64_ECODE_HVC};
	ctx.badi = 0x002b8000u;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		for (uint32_t sub = 1; sub <= 0x1ff; sub <<= 1) {
			ctx.estat = estat(codes[i], sub) | 0x800;
			cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
			cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED, "ecode %u sub %u", codes[i], sub);
			cr_expect_eq(ex.unhandled.raw, ctx.estat);
		}
	}
}

Test(la64, guest_exceptions_reaching_the_root_are_unhandled)
{
	ctx.badi = 0x12345678u;
	for (uint32_t code = 0x8; code < 64; code++) {
		if (code == AXV_LA64_ECODE_GSPR || code == AXV_LA64_ECODE_HVC)
			continue;
		ctx.estat = estat(code, code == AXV_LA64_ECODE_GCM ? 1 : 0);
		cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
		cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED, "ecode %u", code);
		cr_expect_eq(ex.unhandled.raw, ctx.estat);
		cr_expect_eq(ex.unhandled.info, 0x12345678u);
		cr_expect_eq(ex.pc, 0x9000000000201000ull);
	}
}

Test(la64, interrupts_name_the_highest_line)
{
	ctx.estat = estat(AXV_LA64_ECODE_INT, 0) | (1u << 11) | (1u << 2);
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_EXTERNAL_IRQ);
	cr_expect_eq(ex.external_irq.vector, AXV_LA64_IRQ_TI);
	ctx.estat = estat(AXV_LA64_ECODE_INT, 0) | (1u << 12) | 0x3ff;
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.external_irq.vector, AXV_LA64_IRQ_IPI);
	ctx.estat = estat(AXV_LA64_ECODE_INT, 0) | (1u << 3);
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.external_irq.vector, 3, "HWI1");
	ctx.estat = estat(AXV_LA64_ECODE_INT, 0) | (1u << 13) | (1u << 14);
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NOTHING, "no line of IS[12:0]: spurious");
}

Test(la64, hypercalls_carry_code_and_a0_to_a6)
{
	ctx.estat = estat(AXV_LA64_ECODE_HVC, 0);
	ctx.badi = 0x002b8000u | 0x7fffu; /* hvcl 0x7fff */
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_HYPERCALL);
	cr_expect_eq(ex.hypercall.imm, 0x7fff);
	cr_expect_eq(ex.hypercall.nr, ctx.gpr[4]);
	for (unsigned i = 0; i < 6; i++)
		cr_expect_eq(ex.hypercall.args[i], ctx.gpr[5 + i], "a%u", i + 1);
	cr_expect_eq(ex.insn_len, 4, "ERA points at hvcl itself");
	cr_expect_not(ex.hypercall.smc);

	ctx.badi = 0x002b0000u; /* syscall 0: not hvcl */
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED);
	cr_expect_eq(ex.unhandled.info, 0x002b0000u);
}

Test(la64, csrrd_is_a_sysreg_read_and_xchg_needs_csr_ops)
{
	ctx.estat = estat(AXV_LA64_ECODE_GSPR, 0);
	ctx.badi = icsr(6, 0, 0x201); /* csrrd r6, PERFCTRL0 */
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_SYSREG_READ);
	cr_expect_eq(ex.access.addr, AXV_LA64_SYSREG_CSR(0x201));
	cr_expect_eq(ex.access.reg, 6);
	cr_expect_eq(ex.access.width, 8);
	cr_expect_eq(ex.insn_len, 4);
	ctx.badi = icsr(0, 0, 0x3fff);
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.access.addr, 0x3fff);
	cr_expect_eq(ex.access.reg, AXV_REG_NONE);

	uint64_t before[32];
	memcpy(before, ctx.gpr, sizeof(before));
	ctx.badi = icsr(6, 1, 0x201); /* csrwr */
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED);
	cr_expect_eq(ex.unhandled.info, ctx.badi);
	ctx.badi = icsr(6, 9, 0x201); /* csrxchg */
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED);
	cr_expect_eq(memcmp(before, ctx.gpr, sizeof(before)), 0, "nothing changed");
	cr_expect_eq(ctx.pc, 0x9000000000201000ull);
}

/* A software CSR file for the in-place path. */
struct swcsr {
	uint64_t val[0x4000];
	int reads, writes;
	uint32_t last;
	int fail_read, fail_write;
};

static int sw_read(void *p, uint32_t csr, uint64_t *v)
{
	struct swcsr *s = p;
	s->reads++;
	s->last = csr;
	if (s->fail_read)
		return AXV_EIO;
	*v = s->val[csr];
	return 0;
}

static int sw_write(void *p, uint32_t csr, uint64_t v)
{
	struct swcsr *s = p;
	s->writes++;
	s->last = csr;
	if (s->fail_write)
		return AXV_EIO;
	s->val[csr] = v;
	return 0;
}

static const struct axv_la64_csr_ops sw_ops = {sw_read, sw_write};

Test(la64, csr_instructions_emulated_in_place)
{
	static struct swcsr s;
	memset(&s, 0, sizeof(s));
	ctx.csr_ops = &sw_ops;
	ctx.csr_ctx = &s;
	ctx.estat = estat(AXV_LA64_ECODE_GSPR, 0);
	uint64_t pc = ctx.pc;

	s.val[0x200] = 0xaaaa0000ffff5555ull;
	ctx.badi = icsr(6, 0, 0x200); /* csrrd r6, 0x200 */
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(ctx.gpr[6], 0xaaaa0000ffff5555ull);
	cr_expect_eq(ctx.pc, pc + 4);
	cr_expect_eq(s.writes, 0);

	ctx.gpr[7] = 0x1234;
	ctx.badi = icsr(7, 1, 0x200); /* csrwr r7, 0x200: swap */
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(s.val[0x200], 0x1234);
	cr_expect_eq(ctx.gpr[7], 0xaaaa0000ffff5555ull, "rd gets the old value");
	cr_expect_eq(ctx.pc, pc + 8);

	s.val[0x201] = 0xff00ff00ull;
	ctx.gpr[8] = 0x0f0f0f0full;  /* value */
	ctx.gpr[9] = 0x0000ffffull;  /* mask */
	ctx.badi = icsr(8, 9, 0x201); /* csrxchg r8, r9, 0x201 */
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(s.val[0x201], 0xff000f0full, "only the masked bits change");
	cr_expect_eq(ctx.gpr[8], 0xff00ff00ull);

	/* A failing hook changes nothing and leaves the pc on the instruction. */
	uint64_t before[32];
	memcpy(before, ctx.gpr, sizeof(before));
	pc = ctx.pc;
	s.fail_read = 1;
	ctx.badi = icsr(8, 9, 0x201);
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED);
	s.fail_read = 0;
	s.fail_write = 1;
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED);
	cr_expect_eq(memcmp(before, ctx.gpr, sizeof(before)), 0);
	cr_expect_eq(ctx.pc, pc);
	cr_expect_eq(s.val[0x201], 0xff000f0full);
}

Test(la64, cpucfg_in_place_or_as_a_sysreg_read)
{
	ctx.estat = estat(AXV_LA64_ECODE_GSPR, 0);
	ctx.badi = AXV_LA64_INSN_CPUCFG_OP | (12u << 5) | 6u; /* cpucfg r6, r12 */
	ctx.gpr[12] = 0xffffffff00000002ull; /* only rj[31:0] is the index */
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_SYSREG_READ);
	cr_expect_eq(ex.access.addr, AXV_LA64_SYSREG_CPUCFG + 2);
	cr_expect_eq(ex.access.width, 4);
	cr_expect_not(ex.access.sign_extend);
	cr_expect_eq(ex.access.reg, 6);

	static const uint32_t words[3] = {0x0014c010u, 0x03f2f2feu, 0x007ccfc7u};
	ctx.cpucfg = words;
	ctx.nr_cpucfg = 3;
	uint64_t pc = ctx.pc;
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(ctx.gpr[6], 0x007ccfc7u);
	cr_expect_eq(ctx.pc, pc + 4);
	ctx.gpr[12] = 3; /* past the table */
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ctx.gpr[6], 0);
	ctx.gpr[12] = 0x40000000u; /* hostile index */
	ctx.gpr[6] = 77;
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ctx.gpr[6], 0);
}

Test(la64, iocsr_reads_and_writes_of_each_width)
{
	ctx.estat = estat(AXV_LA64_ECODE_GSPR, 0);
	ctx.gpr[5] = 0x1040; /* IOCSR address in rj */
	ctx.gpr[4] = 0x8877665544332211ull;
	for (unsigned n = 0; n < 4; n++) {
		ctx.badi = (AXV_LA64_INSN_IOCSRRD_B + (n << 10)) | (5u << 5) | 4u;
		cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
		cr_expect_eq(ex.reason, AXV_EXIT_IO_READ);
		cr_expect_eq(ex.access.addr, 0x1040);
		cr_expect_eq(ex.access.width, 1u << n);
		cr_expect_eq(ex.access.reg, 4);
		cr_expect_eq(ex.access.reg_width, 8);
		cr_expect_eq(ex.access.sign_extend, n < 3, "iocsrrd sign-extends");
		cr_expect_eq(ex.insn_len, 4);

		ctx.badi = (AXV_LA64_INSN_IOCSRWR_B + (n << 10)) | (5u << 5) | 4u;
		cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
		cr_expect_eq(ex.reason, AXV_EXIT_IO_WRITE);
		cr_expect_eq(ex.access.width, 1u << n);
		static const uint64_t want[4] = {0x11, 0x2211, 0x44332211,
						 0x8877665544332211ull};
		cr_expect_eq(ex.access.data, want[n]);
	}
	/* Just past iocsrwr.d (0x06481c00 + 0x400) is not an IOCSR access. */
	ctx.badi = 0x06482000u;
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED);
}

Test(la64, idle_halts_and_cacop_is_a_no_op)
{
	ctx.estat = estat(AXV_LA64_ECODE_GSPR, 0);
	uint64_t pc = ctx.pc;
	ctx.badi = AXV_LA64_INSN_IDLE_OP | 0x7fffu;
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_HALT);
	cr_expect_eq(ex.insn_len, 0, "already stepped over");
	cr_expect_eq(ctx.pc, pc + 4);

	ctx.badi = AXV_LA64_INSN_CACOP_OP | (0x7ffu << 10) | (5u << 5) | 0x9u;
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(ctx.pc, pc + 8);
}

Test(la64, unknown_privileged_instructions_are_unhandled)
{
	static const uint32_t words[] = {
		0x00000000u, 0xffffffffu,
		0x00100c85u,          /* add.d a1, a0, a1 */
		0x05000400u,          /* gcsrrd r0, 1: guests cannot use LVZ */
		0x06483800u,          /* ertn */
		0x06482401u,          /* gtlbflush */
		0x06498000u,          /* invtlb */
	};
	ctx.estat = estat(AXV_LA64_ECODE_GSPR, 0);
	uint64_t pc = ctx.pc;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		ctx.badi = words[i];
		cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
		cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED, "insn %08x", words[i]);
		cr_expect_eq(ex.unhandled.info, words[i]);
	}
	cr_expect_eq(ctx.pc, pc);
}

Test(la64, null_arguments)
{
	cr_expect_eq(axv_la64_decode_exit(NULL, &ex), AXV_EINVAL);
	cr_expect_eq(axv_la64_decode_exit(&ctx, NULL), AXV_EINVAL);
	axv_la64_ctx_init(NULL, 0, 0); /* must not crash */
}

/* Hostile input: random ESTAT, BADI, BADV and registers never produce an invalid exit. */
Test(la64, random_exits_are_always_well_formed)
{
	static struct swcsr s;
	static const uint32_t cfg[4] = {1, 2, 3, 4};
	srand(8);
	for (int i = 0; i < 200000; i++) {
		ctx.estat = ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 2) ^ (uint64_t)rand();
		if (i & 1) /* bias towards the interesting codes */
			ctx.estat = (ctx.estat & ~(0x7fffull << 16)) | ((uint64_t)(rand() % 26) << 16);
		ctx.badi = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
		if (i % 3 == 0)
			ctx.badi = (ctx.badi & 0x03ffffffu) | ((uint32_t)(rand() % 64) << 26);
		ctx.badv = ((uint64_t)rand() << 32) ^ (uint64_t)rand();
		ctx.gpr[1 + rand() % 31] = ((uint64_t)rand() << 32) ^ (uint64_t)rand();
		ctx.csr_ops = (i & 4) ? &sw_ops : NULL;
		ctx.csr_ctx = &s;
		ctx.cpucfg = (i & 8) ? cfg : NULL;
		ctx.nr_cpucfg = 4;
		cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
		cr_assert_lt(ex.reason, AXV_EXIT_REASON_COUNT);
		switch (ex.reason) {
		case AXV_EXIT_MMIO_READ:
		case AXV_EXIT_MMIO_WRITE:
		case AXV_EXIT_IO_READ:
		case AXV_EXIT_IO_WRITE:
		case AXV_EXIT_SYSREG_READ:
		case AXV_EXIT_SYSREG_WRITE:
			cr_assert(ex.access.width == 1 || ex.access.width == 2 ||
				  ex.access.width == 4 || ex.access.width == 8);
			cr_assert(ex.access.reg < 32 || ex.access.reg == AXV_REG_NONE);
			cr_assert_eq(ex.access.reg_width, 8);
			cr_assert_eq(ex.insn_len, 4);
			break;
		default:
			cr_assert(ex.insn_len == 0 || ex.insn_len == 4);
			break;
		}
		cr_assert_eq(ctx.gpr[0], 0, "r0 stays zero");
	}
}

/* The LVZ encodings the port emits with .word (the clang-16 build; gtlbfill always), against
 * the words GNU binutils' LoongArch assembler produces (gas testsuite, lvz instructions): "gcsrrd $zero, 0x1" = 0x05000400,
 * "gcsrwr $zero, 0x1" = 0x05000420, "gcsrxchg $sp, $a0, 0x1" = 0x05000483,
 * "gtlbflush" = 0x06482401, "hvcl 0x1" = 0x002b8001. The port pins rd to $t0 (r12) and the
 * gcsrxchg mask to $t1 (r13). LLVM 19's words for the mnemonics are checked against these
 * on a LoongArch cpu model (tests/la64-runner/test_cpu.c). */
#include "../../ports/loongarch64/lvz.h"

Test(la64, lvz_encodings_match_the_assembler)
{
	cr_expect_eq(LVZ_GCSRRD(1), 0x05000400u | 12u);
	cr_expect_eq(LVZ_GCSRWR(1), 0x05000420u | 12u);
	cr_expect_eq(LVZ_GCSRXCHG(1), (0x05000483u & ~0x3ffu) | (13u << 5) | 12u);
	cr_expect_eq(LVZ_GCSRRD(AXV_LA64_CSR_ESTAT), 0x0500140cu);
	cr_expect_eq(LVZ_GCSRRD(0x183), 0x05060c0cu, "DMW3: csr in [23:10]");
	cr_expect_eq(AXV_LA64_INSN_GTLBFLUSH, 0x06482401u);
	cr_expect_eq(AXV_LA64_INSN_HVCL_OP | 1u, 0x002b8001u);
	/* A guest's own csrrd/csrwr/csrxchg use opcode 0x04: gcsr* differ only in bit 24. */
	cr_expect_eq(LVZ_GCSRRD(1) ^ (AXV_LA64_INSN_CSR_OP | (1u << 10) | 12u), 1u << 24);
}
