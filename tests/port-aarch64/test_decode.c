/* aarch64 port: ESR_EL2 decoding, PSCI and abort injection, from hand-built syndromes.
 * Field positions: Arm ARM (DDI 0487) D17.2.37 ESR_EL2, D17.2.48 HPFAR_EL2; PSCI DEN 0022. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <axv/arch/aarch64.h>
#include <axv/err.h>
#include <axv/arch/aarch64_hw.h>

static uint64_t esr(uint32_t ec, uint32_t iss)
{
	return ((uint64_t)ec << 26) | (1u << 25) | iss;
}

/* Data abort ISS: ISV, SAS, SSE, SRT, SF, WnR, DFSC. */
static uint32_t dabt(bool isv, unsigned sas, bool sse, unsigned srt, bool sf, bool wnr,
		     unsigned dfsc)
{
	return (isv ? 1u << 24 : 0) | (sas << 22) | (sse ? 1u << 21 : 0) | (srt << 16) |
	       (sf ? 1u << 15 : 0) | (wnr ? 1u << 6 : 0) | dfsc;
}

static struct axv_a64_ctx ctx;
static struct axv_exit ex;

static void setup(void)
{
	axv_a64_ctx_init(&ctx, 0x40080000, 0x48000000, 0);
	for (unsigned i = 0; i < 31; i++)
		ctx.x[i] = 0x1111111111111111ull * (i % 15 + 1);
	ctx.pc = 0x40081000;
	/* IPA 0x0900_0123: HPFAR.FIPA = IPA >> 12 at bit 4; FAR holds the VA, low bits equal. */
	ctx.hpfar = (0x09000123ull >> 12) << 4;
	ctx.far = 0xffff000012345123ull;
	ctx.trap = AXV_A64_TRAP_SYNC;
}

TestSuite(a64, .init = setup);

Test(a64, ctx_init_follows_the_boot_protocol)
{
	struct axv_a64_ctx c;
	memset(&c, 0x77, sizeof(c));
	axv_a64_ctx_init(&c, 0x40080000, 0x44000000, 0x0000000100000203ull);
	cr_expect_eq(c.pc, 0x40080000);
	cr_expect_eq(c.x[0], 0x44000000);
	cr_expect_eq(c.x[1], 0);
	cr_expect_eq(c.pstate, 0x3c5, "EL1h with DAIF masked");
	cr_expect_eq(c.el1.sctlr_el1 & 1, 0, "MMU off");
	cr_expect_eq(c.el1.vmpidr_el2, 0x0000000180000203ull, "affinity plus RES1 bit 31");
}

/* The exit target over a bare context writes and reads its registers (x31, XZR, reads as
 * zero and ignores writes) and moves its pc. */
Test(a64, ctx_target_reaches_the_contexts_registers_and_pc)
{
	struct axv_a64_ctx c;
	axv_a64_ctx_init(&c, 0x40080000, 0, 0);
	struct axv_exit_target t = axv_a64_ctx_target(&c);
	cr_assert_eq(t.ctx, &c);
	cr_expect_eq(t.set_reg(t.ctx, 5, 0x1234), 0);
	cr_expect_eq(c.x[5], 0x1234);
	uint64_t v = 1;
	cr_expect_eq(t.get_reg(t.ctx, 5, &v), 0);
	cr_expect_eq(v, 0x1234);
	cr_expect_eq(t.set_reg(t.ctx, 31, 7), 0);
	cr_expect_eq(t.get_reg(t.ctx, 31, &v), 0);
	cr_expect_eq(v, 0, "XZR");
	cr_expect_eq(t.set_reg(t.ctx, 32, 7), AXV_EINVAL);
	cr_expect_eq(t.advance_pc(t.ctx, 4), 0);
	cr_expect_eq(c.pc, 0x40080004);
	struct axv_exit_target none = axv_a64_ctx_target(NULL);
	cr_expect_eq(none.set_reg(none.ctx, 0, 1), AXV_EINVAL);
	cr_expect_eq(none.advance_pc(none.ctx, 4), AXV_EINVAL);
}

Test(a64, mmio_reads_every_width)
{
	for (unsigned sas = 0; sas < 4; sas++) {
		for (int sf = 0; sf < 2; sf++) {
			for (int sse = 0; sse < 2; sse++) {
				if (sas == 3 && !sf)
					continue; /* no such access: see the next test */
				ctx.esr = esr(0x24, dabt(true, sas, sse, 7, sf, false, 0x07));
				cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
				cr_expect_eq(ex.reason, AXV_EXIT_MMIO_READ);
				cr_expect_eq(ex.access.addr, 0x09000123);
				cr_expect_eq(ex.access.width, 1u << sas);
				cr_expect_eq(ex.access.reg, 7);
				cr_expect_eq(ex.access.reg_width, sf ? 8 : 4);
				cr_expect_eq(ex.access.sign_extend,
					     sse && (1u << sas) < (sf ? 8u : 4u),
					     "sas %u sf %d sse %d", sas, sf, sse);
				cr_expect_eq(ex.insn_len, 4);
				cr_expect_eq(ex.pc, 0x40081000);
			}
		}
	}
}

/* SAS = doubleword with SF = 0 (a W register) is no real access. Decoded as MMIO it gave a
 * read wider than its destination register, which axv_exit_complete() refuses (found by
 * fuzzing the decoder's output through the dispatcher): it is reported instead. */
Test(a64, doubleword_access_to_a_w_register_is_unhandled)
{
	for (int wnr = 0; wnr < 2; wnr++) {
		ctx.esr = esr(0x24, dabt(true, 3, false, 7, false, wnr, 0x07));
		cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
		cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED, "wnr %d", wnr);
		cr_expect_eq(ex.unhandled.raw, ctx.esr);
		cr_expect_eq(ex.unhandled.info, ctx.far);
	}
}

Test(a64, mmio_writes_truncate_and_xzr_is_zero)
{
	ctx.x[3] = 0x8877665544332211ull;
	static const uint64_t want[4] = {0x11, 0x2211, 0x44332211, 0x8877665544332211ull};
	for (unsigned sas = 0; sas < 4; sas++) {
		ctx.esr = esr(0x24, dabt(true, sas, false, 3, true, true, 0x06));
		cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
		cr_expect_eq(ex.reason, AXV_EXIT_MMIO_WRITE);
		cr_expect_eq(ex.access.width, 1u << sas);
		cr_expect_eq(ex.access.data, want[sas], "sas %u", sas);
		cr_expect_eq(ex.access.reg, 3);
	}
	ctx.esr = esr(0x24, dabt(true, 2, false, 31, false, true, 0x07));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_MMIO_WRITE);
	cr_expect_eq(ex.access.data, 0, "a store of wzr writes zero");
	cr_expect_eq(ex.access.reg, AXV_REG_NONE);
	ctx.esr = esr(0x24, dabt(true, 3, false, 31, true, false, 0x07));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_MMIO_READ);
	cr_expect_eq(ex.access.reg, AXV_REG_NONE, "a load into xzr is discarded");
}

Test(a64, aborts_without_syndrome_are_nested_page_faults)
{
	ctx.esr = esr(0x24, dabt(false, 0, false, 0, false, true, 0x07));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(ex.npf.addr, 0x09000123);
	cr_expect_eq(ex.npf.access, AXV_MAP_WRITE);
	cr_expect_eq(ex.insn_len, 0, "a fault is retried, not skipped");

	/* Stage-1 walk faulting at stage 2: the table's page, a read. */
	ctx.esr = esr(0x24, dabt(true, 3, false, 1, true, true, 0x05) | (1u << 7));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(ex.npf.addr, 0x09000000);
	cr_expect_eq(ex.npf.access, AXV_MAP_READ);

	/* Cache maintenance reports WnR = 1 but reads. */
	ctx.esr = esr(0x24, dabt(true, 3, false, 1, true, true, 0x06) | (1u << 8));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(ex.npf.access, AXV_MAP_READ);

	/* Permission and access-flag faults too. */
	ctx.esr = esr(0x24, dabt(false, 0, false, 0, false, false, 0x0f));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(ex.npf.access, AXV_MAP_READ);
	ctx.esr = esr(0x24, dabt(false, 0, false, 0, false, false, 0x09));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NESTED_PAGE_FAULT);
}

Test(a64, malformed_data_aborts_are_unhandled)
{
	/* External abort, address-size fault, alignment fault, TLB conflict: raw ESR out. */
	static const unsigned fsc[] = {0x10, 0x00, 0x03, 0x21, 0x30, 0x14, 0x3f};
	for (size_t i = 0; i < sizeof(fsc) / sizeof(fsc[0]); i++) {
		ctx.esr = esr(0x24, dabt(true, 2, false, 1, false, false, fsc[i]));
		cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
		cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED, "dfsc 0x%x", fsc[i]);
		cr_expect_eq(ex.unhandled.raw, ctx.esr);
		cr_expect_eq(ex.unhandled.info, ctx.far);
	}
	/* ISV with FAR not valid: the emulated address is unknown. */
	ctx.esr = esr(0x24, dabt(true, 2, false, 1, false, false, 0x07) | (1u << 10));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED);
}

Test(a64, instruction_aborts)
{
	ctx.esr = esr(0x20, 0x06);
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(ex.npf.access, AXV_MAP_EXEC);
	cr_expect_eq(ex.npf.addr, 0x09000000, "instruction faults report the page");
	ctx.esr = esr(0x20, 0x10);
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED);
}

Test(a64, hvc_is_a_hypercall_with_six_arguments)
{
	ctx.x[0] = 0x1000;
	for (unsigned i = 1; i <= 6; i++)
		ctx.x[i] = 100 + i;
	ctx.x[7] = 0xdead;
	ctx.esr = esr(0x16, 0x42);
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_HYPERCALL);
	cr_expect_eq(ex.hypercall.nr, 0x1000);
	for (unsigned i = 0; i < 6; i++)
		cr_expect_eq(ex.hypercall.args[i], 101 + i);
	cr_expect_eq(ex.hypercall.imm, 0x42);
	cr_expect_not(ex.hypercall.smc);
	cr_expect_eq(ex.insn_len, 0, "ELR_EL2 is already past an HVC");
	ctx.esr = esr(0x17, 0);
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_HYPERCALL);
	cr_expect(ex.hypercall.smc);
	cr_expect_eq(ex.insn_len, 4, "a trapped SMC reports the SMC itself");
}

/* Call PSCI function fid through HVC or SMC; return the exit reason. */
static enum axv_exit_reason call(bool smc, uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	ctx.x[0] = fid;
	ctx.x[1] = a1;
	ctx.x[2] = a2;
	ctx.x[3] = a3;
	ctx.pc = 0x40081000;
	ctx.esr = esr(smc ? 0x17 : 0x16, 0);
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	return ex.reason;
}

Test(a64, psci_answered_in_place_over_hvc_and_smc)
{
	for (int smc = 0; smc < 2; smc++) {
		uint64_t next = 0x40081000 + (smc ? 4 : 0);
		cr_expect_eq(call(smc, 0x84000000, 0, 0, 0), AXV_EXIT_NOTHING);
		cr_expect_eq(ctx.x[0], 0x10000, "PSCI 1.0");
		cr_expect_eq(ctx.pc, next, "smc %d: pc past the call", smc);
		cr_expect_eq(ex.insn_len, 0);

		static const uint32_t supported[] = {
			0x84000000, 0x84000001, 0xc4000001, 0x84000002, 0x84000003, 0xc4000003,
			0x84000004, 0xc4000004, 0x84000006, 0x84000008, 0x84000009, 0x8400000a};
		for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++) {
			cr_expect_eq(call(smc, 0x8400000a, supported[i], 0, 0), AXV_EXIT_NOTHING);
			cr_expect_eq(ctx.x[0], 0, "FEATURES(0x%x)", supported[i]);
		}
		static const uint64_t unsupported[] = {0x80000000, 0x84000005, 0xc400000e,
						       0x8400001f, 0x1234};
		for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
			call(smc, 0x8400000a, unsupported[i], 0, 0);
			cr_expect_eq((int64_t)ctx.x[0], -1, "FEATURES(0x%lx)",
				     (unsigned long)unsupported[i]);
		}
		/* PSCI_FEATURES is an SMC32 call: the upper half of its argument is ignored. */
		call(smc, 0x8400000a, 0x100000000ull | 0x84000000, 0, 0);
		cr_expect_eq(ctx.x[0], 0);
		cr_expect_eq(call(smc, 0x84000006, 0, 0, 0), AXV_EXIT_NOTHING);
		cr_expect_eq(ctx.x[0], 2, "MIGRATE_INFO_TYPE: no trusted OS");
		/* Unknown ids inside the PSCI ranges: NOT_SUPPORTED, in place. */
		cr_expect_eq(call(smc, 0x84000015, 0, 0, 0), AXV_EXIT_NOTHING);
		cr_expect_eq((int64_t)ctx.x[0], -1);
		cr_expect_eq(call(smc, 0xc400001f, 0, 0, 0), AXV_EXIT_NOTHING);
		cr_expect_eq((int64_t)ctx.x[0], -1);
	}
}

Test(a64, psci_power_calls_become_exits)
{
	cr_expect_eq(call(false, 0xc4000003, 0xff00000101ull, 0x40200000, 0xabcdef0123ull),
		     AXV_EXIT_CPU_UP);
	cr_expect_eq(ex.cpu_up.target, 0xff00000101ull, "Aff3 and Aff1/Aff0");
	cr_expect_eq(ex.cpu_up.entry, 0x40200000);
	cr_expect_eq(ex.cpu_up.arg, 0xabcdef0123ull);
	cr_expect_eq(call(true, 0x84000003, 0xffffffff00000001ull, 0x1111111140200000ull,
			  0x2222222200000007ull),
		     AXV_EXIT_CPU_UP);
	cr_expect_eq(ex.cpu_up.target, 1, "SMC32 arguments are 32-bit");
	cr_expect_eq(ex.cpu_up.entry, 0x40200000);
	cr_expect_eq(ex.cpu_up.arg, 7);
	cr_expect_eq(ex.insn_len, 4, "the embedder completes an SMC past the instruction");
	cr_expect_eq(call(false, 0x84000002, 0, 0, 0), AXV_EXIT_CPU_DOWN);
	cr_expect_eq(call(false, 0x84000008, 0, 0, 0), AXV_EXIT_SYSTEM_DOWN);
	cr_expect_eq(call(true, 0x84000009, 0, 0, 0), AXV_EXIT_SYSTEM_RESET);
	cr_expect_eq(call(false, 0xc4000001, 0, 0, 0), AXV_EXIT_HALT);
	cr_expect_eq(ctx.x[0], 0, "CPU_SUSPEND returns SUCCESS when woken");
	/* A halt is never completed, so CPU_SUSPEND is stepped over like WFI, also when it is
	 * a trapped SMC (found by fuzzing: the guest suspended again on every wake-up). */
	for (int smc = 0; smc < 2; smc++) {
		cr_expect_eq(call(smc, 0x84000001, 0, 0, 0), AXV_EXIT_HALT);
		cr_expect_eq(ex.insn_len, 0, "smc %d: a halt has nothing left to complete", smc);
		cr_expect_eq(ctx.pc, 0x40081000u + (smc ? 4u : 0u), "smc %d: pc past the call", smc);
	}
	cr_expect_eq(call(false, 0xc4000004, 0x101, 0, 0), AXV_EXIT_HYPERCALL);
	cr_expect_eq(ex.hypercall.nr, 0xc4000004);
	cr_expect_eq(ex.hypercall.args[0], 0x101);
}

/* DEN 0022D.b: arguments invalid on any machine are answered in place, over HVC and SMC,
 * without an exit to the embedder. */
Test(a64, psci_invalid_arguments_are_refused_in_place)
{
	static const struct {
		uint64_t fid, a1, a2;
	} bad[] = {
		/* 5.6 target_cpu: bits other than Aff3 [39:32], Aff2-Aff0 [23:0] are zero. */
		{0xc4000003, 1ull << 31, 0x40080000},		/* MPIDR bit 31 (RES1) */
		{0xc4000003, (1ull << 24) | 1, 0x40080000},	/* bits [31:24] */
		{0xc4000003, (1ull << 40) | 1, 0x40080000},	/* bits [63:40] */
		{0xc4000003, 1ull << 63, 0x40080000},
		{0x84000003, (1ull << 30) | 1, 0x40080000},	/* SMC32: [31:24] too */
		/* 5.7 target_affinity likewise; lowest_affinity_level 0 to 3. */
		{0xc4000004, 1ull << 31, 0},
		{0xc4000004, 1ull << 40, 0},
		{0x84000004, 1ull << 24, 0},
		{0xc4000004, 0, 4},
		{0xc4000004, 0, 1ull << 32},
		{0x84000004, 0, 0xffffffff},
		{0xc4000004, 0, ~0ull},
		/* 5.4 power_state, original format: reserved bits [31:26], [23:17]. */
		{0x84000001, 1ull << 17, 0},
		{0x84000001, 1ull << 23, 0},
		{0xc4000001, 1ull << 26, 0},
		{0xc4000001, 1ull << 31, 0},
		{0x84000001, 0xffffffff, 0},
	};
	for (int smc = 0; smc < 2; smc++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			cr_expect_eq(call(smc, bad[i].fid, bad[i].a1, bad[i].a2, 0), AXV_EXIT_NOTHING,
				     "%#lx(%#lx, %#lx)", (unsigned long)bad[i].fid,
				     (unsigned long)bad[i].a1, (unsigned long)bad[i].a2);
			cr_expect_eq((int64_t)ctx.x[0], AXV_PSCI_RET_INVALID_PARAMETERS,
				     "%#lx(%#lx, %#lx)", (unsigned long)bad[i].fid,
				     (unsigned long)bad[i].a1, (unsigned long)bad[i].a2);
			cr_expect_eq(ctx.pc, 0x40081000u + (smc ? 4u : 0u), "past the call");
			cr_expect_eq(ex.insn_len, 0);
		}
	}
	/* Boundaries that are valid: they go to the embedder (or suspend). */
	cr_expect_eq(call(false, 0xc4000004, 0xff00ffffffull, 3, 0), AXV_EXIT_HYPERCALL);
	cr_expect_eq(ex.hypercall.args[0], 0xff00ffffffull);
	cr_expect_eq(ex.hypercall.args[1], 3);
	cr_expect_eq(call(true, 0x84000004, 0xffffffff00ffffffull, 0xffffffff00000002ull, 0),
		     AXV_EXIT_HYPERCALL, "SMC32: upper halves ignored");
	cr_expect_eq(ex.hypercall.args[0], 0xffffff);
	cr_expect_eq(ex.hypercall.args[1], 2);
	cr_expect_eq(call(false, 0x84000003, 0xffffffff00ffffffull, 0x40080000, 0),
		     AXV_EXIT_CPU_UP);
	cr_expect_eq(ex.cpu_up.target, 0xffffff);
	/* power_state is 32-bit in both forms: the upper half of an SMC64 x1 is not in it. */
	cr_expect_eq(call(false, 0xc4000001, 0xffffffff00000000ull | 0x0301ffffu, 0, 0),
		     AXV_EXIT_HALT, "PowerLevel 3, powerdown, StateID 0xffff: valid");
	cr_expect_eq(ctx.x[0], 0);
}

Test(a64, sysreg_traps)
{
	/* MRS x5, MDSCR_EL1: op0 2, op1 0, CRn 0, CRm 2, op2 2; Direction 1. */
	uint32_t id = (2u << 20) | (2u << 17) | (0u << 14) | (0u << 10) | (2u << 1);
	ctx.esr = esr(0x18, id | (5u << 5) | 1u);
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_SYSREG_READ);
	cr_expect_eq(ex.access.addr, AXV_A64_SYSREG(2, 0, 0, 2, 2));
	cr_expect_eq(ex.access.addr, id);
	cr_expect_eq(ex.access.reg, 5);
	cr_expect_eq(ex.access.width, 8);
	cr_expect_eq(ex.insn_len, 4);
	/* MSR ICC_SGI1R_EL1, x9: op0 3, op1 0, CRn 12, CRm 11, op2 5. */
	ctx.x[9] = 0x0001000000010003ull;
	ctx.esr = esr(0x18, (uint32_t)AXV_A64_SYSREG(3, 0, 12, 11, 5) | (9u << 5));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_SYSREG_WRITE);
	cr_expect_eq(ex.access.addr, AXV_A64_SYSREG(3, 0, 12, 11, 5));
	cr_expect_eq(ex.access.data, 0x0001000000010003ull);
	ctx.esr = esr(0x18, id | (31u << 5));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.access.data, 0, "MSR of xzr writes zero");
	cr_expect_eq(ex.access.reg, AXV_REG_NONE);
}

Test(a64, wfi_halts_and_wfe_yields)
{
	ctx.esr = esr(0x01, 0);
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_HALT);
	cr_expect_eq(ex.insn_len, 0);
	cr_expect_eq(ctx.pc, 0x40081004, "a woken WFI resumes after the instruction");
	ctx.pc = 0x40081000;
	ctx.esr = esr(0x01, 1);
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(ctx.pc, 0x40081004, "a WFE is stepped over in place");
}

/* ISS of a trapped WFx (DDI 0487, ESR_ELx, "ISS encoding for an exception from a WF*
 * instruction"): TI [1:0] (0 WFI, 1 WFE, 2 WFIT, 3 WFET), RV [2] (Rn valid), Rn [9:5]. */
static uint32_t wfx(unsigned ti, bool rv, unsigned rn)
{
	return ti | (rv ? 1u << 2 : 0) | (rn << 5);
}

Test(a64, wfit_halts_with_the_deadline_from_its_register)
{
	ctx.x[5] = 0x0000123456789abcull;
	memset(&ex, 0xff, sizeof(ex));
	ctx.esr = esr(0x01, wfx(2, true, 5));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_HALT);
	cr_expect(ex.halt.has_deadline, "WFIT carries its timeout");
	cr_expect_eq(ex.halt.deadline, 0x0000123456789abcull, "in CNTVCT units, from x5");
	cr_expect_eq(ctx.pc, 0x40081004, "resumes after the WFIT");
	/* WFIT xzr: a deadline of 0, already passed. */
	ctx.pc = 0x40081000;
	ctx.esr = esr(0x01, wfx(2, true, 31));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_HALT);
	cr_expect(ex.halt.has_deadline);
	cr_expect_eq(ex.halt.deadline, 0);
	/* x30 is the last register. */
	ctx.x[30] = UINT64_MAX;
	ctx.esr = esr(0x01, wfx(2, true, 30));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect(ex.halt.has_deadline);
	cr_expect_eq(ex.halt.deadline, UINT64_MAX);
}

Test(a64, wfit_without_a_valid_register_never_oversleeps)
{
	/* RV = 0: the timeout is unknown; waking at once is allowed (a WFI may complete
	 * early), sleeping without a deadline is not. */
	ctx.esr = esr(0x01, wfx(2, false, 5));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(ctx.pc, 0x40081004);
}

Test(a64, wfi_wfe_and_wfet_have_no_deadline)
{
	memset(&ex, 0xff, sizeof(ex));
	ctx.esr = esr(0x01, wfx(0, false, 0));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_HALT);
	cr_expect(!ex.halt.has_deadline, "WFI waits for an interrupt only");
	cr_expect_eq(ex.halt.deadline, 0);
	/* WFET is a WFE with a timeout: stepped over like a WFE (a yield), which is one of
	 * the ways a WFE may complete; no halt, so no deadline to miss. */
	ctx.pc = 0x40081000;
	ctx.esr = esr(0x01, wfx(3, true, 5));
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(ctx.pc, 0x40081004);
	/* PSCI CPU_SUSPEND is a halt without a deadline. */
	ctx.pc = 0x40081000;
	ctx.x[0] = 0xc4000001;
	ctx.x[1] = 0; /* a valid power_state: standby (DEN 0022D.b 5.4.2) */
	memset(&ex, 0xff, sizeof(ex));
	ctx.esr = esr(0x16, 0);
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_HALT);
	cr_expect(!ex.halt.has_deadline);
}

Test(a64, unknown_classes_keep_the_raw_syndrome)
{
	static const uint32_t ecs[] = {0x00, 0x07, 0x0e, 0x11, 0x12, 0x13, 0x15, 0x19, 0x21,
				       0x22, 0x25, 0x26, 0x2f, 0x30, 0x3c, 0x3f};
	for (size_t i = 0; i < sizeof(ecs) / sizeof(ecs[0]); i++) {
		ctx.esr = esr(ecs[i], 0x1ffffff);
		cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
		cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED, "ec 0x%x", ecs[i]);
		cr_expect_eq(ex.unhandled.raw, ctx.esr);
	}
}

Test(a64, trap_kinds)
{
	ctx.trap = AXV_A64_TRAP_IRQ;
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_EXTERNAL_IRQ);
	ctx.trap = AXV_A64_TRAP_SERROR;
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED);
	ctx.trap = 9;
	cr_expect_eq(axv_a64_decode_exit(&ctx, &ex), AXV_EINVAL);
	cr_expect_eq(ex.reason, AXV_EXIT_UNHANDLED);
	cr_expect_eq(axv_a64_decode_exit(NULL, &ex), AXV_EINVAL);
	cr_expect_eq(axv_a64_decode_exit(&ctx, NULL), AXV_EINVAL);
}

/* Any 64-bit syndrome decodes to a valid exit; MMIO exits always carry sane fields. */
Test(a64, random_syndromes_never_produce_bad_exits)
{
	srand(7);
	for (int i = 0; i < 200000; i++) {
		uint64_t r = ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11) ^ (uint64_t)rand();
		ctx.esr = r;
		ctx.hpfar = ((uint64_t)rand() << 31) ^ (uint64_t)rand();
		ctx.x[0] = (i & 1) ? 0x84000000u + (r & 0x3f) : r;
		ctx.trap = (i % 17 == 0) ? (uint64_t)(rand() % 6) : 0;
		int rc = axv_a64_decode_exit(&ctx, &ex);
		cr_assert(rc == 0 || rc == AXV_EINVAL);
		cr_assert_lt((unsigned)ex.reason, AXV_EXIT_REASON_COUNT);
		if (ex.reason >= AXV_EXIT_MMIO_READ && ex.reason <= AXV_EXIT_IO_WRITE) {
			cr_assert(axv_width_valid(ex.access.width));
			cr_assert(ex.access.reg <= 30 || ex.access.reg == AXV_REG_NONE);
			cr_assert(ex.access.reg_width == 4 || ex.access.reg_width == 8);
		}
		if (ex.reason == AXV_EXIT_NESTED_PAGE_FAULT || ex.reason == AXV_EXIT_MMIO_READ ||
		    ex.reason == AXV_EXIT_MMIO_WRITE) {
			uint64_t addr = ex.reason == AXV_EXIT_NESTED_PAGE_FAULT ? ex.npf.addr
										 : ex.access.addr;
			cr_assert_lt(addr, 1ull << 52, "IPA beyond 52 bits");
		}
	}
}

/* ---- abort injection: DDI 0487 D1.10.1 exception entry, D1.10.2 vectors, D17.2.36 ESR ---- */

#define VBAR 0xffff800010010000ull
#define EC(x) ((uint64_t)(x) << 26)
#define IL (1ull << 25)

enum { DABT_R, DABT_W, IABT };

static int inject(int kind, uint64_t far)
{
	return kind == IABT ? axv_a64_inject_iabt(&ctx, far)
			    : axv_a64_inject_dabt(&ctx, far, kind == DABT_W);
}

static void inj_setup(uint64_t pstate, uint64_t pc)
{
	ctx.el1.vbar_el1 = VBAR;
	ctx.el1.sctlr_el1 = 0x30d00800u; /* SPAN = 1, DSSBS = 0 */
	ctx.el1.esr_el1 = ctx.el1.far_el1 = ctx.el1.elr_el1 = ctx.el1.spsr_el1 = 0x5a5a;
	ctx.el1_dirty = 0;
	ctx.pstate = pstate;
	ctx.pc = pc;
}

/* Every register the handler sees, for each kind of abort from each state the guest can be
 * in: the vector, the class, ESR_EL1, FAR_EL1, ELR_EL1, SPSR_EL1 and PSTATE. */
Test(a64, injected_aborts_enter_el1_as_the_hardware_does)
{
	static const struct {
		uint64_t pstate;   /* PSTATE at the fault */
		uint64_t vec;      /* vector offset */
		bool lower;        /* from EL0: the lower-EL class */
	} from[] = {
		{0x005, 0x200, false},		     /* EL1h, DAIF clear */
		{0x3c5, 0x200, false},		     /* EL1h, DAIF set */
		{0x004 | 0x140, 0x000, false},	     /* EL1t */
		{0x000, 0x400, true},		     /* EL0t (AArch64) */
		{0x3c0, 0x400, true},		     /* EL0t, DAIF set */
		{0x010, 0x600, true},		     /* AArch32 User mode */
		{0x030 | 0x1c0, 0x600, true},	     /* AArch32 User, T32, AIF masked */
	};
	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		for (int kind = DABT_R; kind <= IABT; kind++) {
			uint64_t nzcv = (uint64_t)((i + (size_t)kind) & 0xf) << 28;
			uint64_t pstate = from[i].pstate | nzcv;
			inj_setup(pstate, 0x40081234);
			uint64_t far = kind == IABT ? 0x40081234 : 0xffff00000c000040ull;
			cr_assert_eq(inject(kind, far), 0, "from %#lx kind %d",
				     (unsigned long)pstate, kind);
			uint64_t ec = kind == IABT ? (from[i].lower ? 0x20 : 0x21)
						   : (from[i].lower ? 0x24 : 0x25);
			bool aarch32 = from[i].pstate & 0x10;
			cr_expect_eq(ctx.pc, VBAR + from[i].vec, "from %#lx: vector",
				     (unsigned long)pstate);
			cr_expect_eq(ctx.el1.esr_el1,
				     EC(ec) | IL | (kind == DABT_W ? 1u << 6 : 0) | 0x10,
				     "from %#lx kind %d: ESR %#lx", (unsigned long)pstate, kind,
				     (unsigned long)ctx.el1.esr_el1);
			cr_expect_eq(ctx.el1.far_el1, aarch32 ? far & 0xffffffffu : far, "FAR");
			cr_expect_eq(ctx.el1.elr_el1, 0x40081234, "ELR: the faulting instruction");
			cr_expect_eq(ctx.el1.spsr_el1, pstate, "SPSR: PSTATE at the fault");
			cr_expect_eq(ctx.pstate, nzcv | 0x3c5, "from %#lx: PSTATE %#lx",
				     (unsigned long)pstate, (unsigned long)ctx.pstate);
			cr_expect_eq(ctx.el1_dirty, AXV_A64_EL1_DIRTY_EXC, "the run writes ESR..SPSR");
			for (unsigned r = 0; r < 31; r++)
				cr_expect_eq(ctx.x[r], 0x1111111111111111ull * (r % 15 + 1),
					     "x%u untouched", r);
		}
	}
}

Test(a64, injected_abort_pstate_rules)
{
	/* Kept: NZCV, DIT (bit 24; bit 21 in an AArch32 SPSR), PAN. Cleared: UAO (23), SS
	 * (21), IL (20), BTYPE (11:10), TCO (25), ALLINT (13), PM (32). */
	uint64_t noise = (1ull << 32) | (1ull << 25) | (1ull << 23) | (1ull << 21) |
			 (1ull << 20) | (1ull << 13) | (3ull << 10);
	inj_setup(0xa0000005 | noise | (1ull << 24) | (1ull << 22), 0x1000);
	cr_assert_eq(axv_a64_inject_dabt(&ctx, 0, false), 0);
	cr_expect_eq(ctx.pstate, 0xa0000000 | (1ull << 24) | (1ull << 22) | 0x3c5,
		     "PSTATE %#lx", (unsigned long)ctx.pstate);
	cr_expect_eq(ctx.el1.spsr_el1, 0xa0000005 | noise | (1ull << 24) | (1ull << 22));

	/* From AArch32: DIT is SPSR bit 21 there (and bit 24 is J, RES0). */
	inj_setup(0x10 | (1ull << 21), 0x8000);
	cr_assert_eq(axv_a64_inject_iabt(&ctx, 0x8000), 0);
	cr_expect_eq(ctx.pstate, (1ull << 24) | 0x3c5);
	inj_setup(0x10 | (1ull << 24), 0x8000);
	cr_assert_eq(axv_a64_inject_iabt(&ctx, 0x8000), 0);
	cr_expect_eq(ctx.pstate, 0x3c5);

	/* SCTLR_EL1.SPAN = 0: PAN is set on entry; SPAN = 1: PAN is kept (0 or 1). */
	inj_setup(0x5, 0x1000);
	ctx.el1.sctlr_el1 &= ~(1ull << 23);
	cr_assert_eq(axv_a64_inject_dabt(&ctx, 0, true), 0);
	cr_expect_eq(ctx.pstate, (1ull << 22) | 0x3c5, "SPAN 0: PAN set");
	inj_setup(0x0, 0x1000);
	ctx.el1.sctlr_el1 &= ~(1ull << 23);
	cr_assert_eq(axv_a64_inject_dabt(&ctx, 0, true), 0);
	cr_expect_eq(ctx.pstate, (1ull << 22) | 0x3c5, "SPAN 0 from EL0: PAN set");
	inj_setup(0x5, 0x1000);
	cr_assert_eq(axv_a64_inject_dabt(&ctx, 0, true), 0);
	cr_expect_eq(ctx.pstate, 0x3c5, "SPAN 1, PAN 0: PAN stays 0");

	/* SSBS = SCTLR_EL1.DSSBS (bit 44), whatever it was. */
	inj_setup(0x5 | (1ull << 12), 0x1000);
	cr_assert_eq(axv_a64_inject_iabt(&ctx, 0x1000), 0);
	cr_expect_eq(ctx.pstate, 0x3c5, "DSSBS 0: SSBS cleared");
	inj_setup(0x5, 0x1000);
	ctx.el1.sctlr_el1 |= 1ull << 44;
	cr_assert_eq(axv_a64_inject_iabt(&ctx, 0x1000), 0);
	cr_expect_eq(ctx.pstate, (1ull << 12) | 0x3c5, "DSSBS 1: SSBS set");

	/* VBAR_EL1 bits [10:0] are RES0: the vector is aligned whatever the context holds. */
	inj_setup(0x5, 0x1000);
	ctx.el1.vbar_el1 = VBAR | 0x7ff;
	cr_assert_eq(axv_a64_inject_dabt(&ctx, 0, false), 0);
	cr_expect_eq(ctx.pc, VBAR + 0x200);
}

Test(a64, injection_refuses_states_the_guest_cannot_be_in)
{
	/* EL2t/EL2h, EL3t/EL3h, the reserved M[1] encodings, AArch32 modes other than User
	 * (EL1 is AArch64 under HCR_EL2.RW): refused, nothing changed. */
	static const uint64_t bad[] = {0x1, 0x2, 0x3, 0x6, 0x7, 0x8, 0x9, 0xa, 0xb, 0xc, 0xd, 0xe,
				       0xf, 0x11, 0x12, 0x13, 0x16, 0x17, 0x1a, 0x1b, 0x1f, 0x3c9};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int kind = DABT_R; kind <= IABT; kind++) {
			inj_setup(bad[i], 0x1000);
			struct axv_a64_ctx before;
			memcpy(&before, &ctx, sizeof(ctx));
			cr_expect_eq(inject(kind, 0), AXV_EINVAL, "mode %#lx",
				     (unsigned long)bad[i]);
			cr_expect_eq(memcmp(&before, &ctx, sizeof(ctx)), 0, "mode %#lx changed",
				     (unsigned long)bad[i]);
		}
	}
	cr_expect_eq(axv_a64_inject_dabt(NULL, 0, false), AXV_EINVAL);
	cr_expect_eq(axv_a64_inject_iabt(NULL, 0), AXV_EINVAL);
}

/* The exit tells a fetch from a data access, also when the fault was on the walk, and says
 * when it was on the walk (ESR_EL2.S1PTW). */
Test(a64, nested_page_faults_say_whether_they_were_fetches)
{
	ctx.esr = esr(0x20, 0x06); /* IABT, translation fault level 2 */
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.npf.access, AXV_MAP_EXEC);
	cr_expect_eq(ex.npf.flags, AXV_NPF_FETCH);
	ctx.esr = esr(0x20, (1u << 7) | 0x07); /* IABT on the stage-1 walk */
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.npf.access, AXV_MAP_READ, "the walk reads the guest's table");
	cr_expect_eq(ex.npf.flags, AXV_NPF_FETCH | AXV_NPF_WALK,
		     "but the guest was fetching, and the fault was on its walk (S1PTW)");
	ctx.esr = esr(0x24, dabt(false, 0, false, 0, false, true, 0x06)); /* STP-like */
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.npf.access, AXV_MAP_WRITE);
	cr_expect_eq(ex.npf.flags, 0);
	ctx.esr = esr(0x24, (1u << 7) | 0x06); /* DABT on the stage-1 walk */
	cr_assert_eq(axv_a64_decode_exit(&ctx, &ex), 0);
	cr_expect_eq(ex.npf.access, AXV_MAP_READ);
	cr_expect_eq(ex.npf.flags, AXV_NPF_WALK);
}

Test(a64, register_access_is_bounded)
{
	uint64_t v = 1;
	cr_expect_eq(axv_a64_set_reg(&ctx, 30, 0x55), 0);
	cr_expect_eq(axv_a64_get_reg(&ctx, 30, &v), 0);
	cr_expect_eq(v, 0x55);
	cr_expect_eq(axv_a64_get_reg(&ctx, 31, &v), 0);
	cr_expect_eq(v, 0, "xzr reads zero");
	cr_expect_eq(axv_a64_set_reg(&ctx, AXV_REG_NONE, 9), 0, "writes to xzr vanish");
	cr_expect_eq(axv_a64_set_reg(&ctx, 32, 9), AXV_EINVAL);
	cr_expect_eq(axv_a64_get_reg(&ctx, 200, &v), AXV_EINVAL);
}

/* The lazy world switch: after an exit the guest's SCTLR_EL1 and VBAR_EL1 may be newer in the
 * cpu than in the context; injection syncs first, so it vectors to the VBAR_EL1 the guest has
 * now and takes PAN from its SCTLR_EL1.SPAN now. The stand-in write-back plays the cpu. */
static unsigned syncs;

static void hw_newer(struct axv_a64_ctx *c)
{
	syncs++;
	c->el1.vbar_el1 = 0x40200000; /* the guest moved its vectors since the copy was taken */
	c->el1.sctlr_el1 = 0x30500800u; /* and cleared SPAN */
	c->hw_sync = NULL;
}

Test(a64, injection_reads_the_registers_the_guest_has_now)
{
	inj_setup(0x3c5, 0x40081234); /* EL1h */
	syncs = 0;
	ctx.hw_sync = hw_newer;
	cr_assert_eq(axv_a64_inject_dabt(&ctx, 0x1000, false), 0);
	cr_expect_eq(syncs, 1, "synced once");
	cr_expect_eq(ctx.hw_sync, NULL);
	cr_expect_eq(ctx.pc, 0x40200000 + 0x200, "the current VBAR_EL1, not the stale copy");
	cr_expect_neq(ctx.pstate & (1ull << 22), 0, "SPAN = 0 now: PAN is set");
	cr_expect_eq(ctx.el1.elr_el1, 0x40081234);
	cr_expect_eq(ctx.el1_dirty, AXV_A64_EL1_DIRTY_EXC);

	inj_setup(0x3c5, 0x40081234);
	ctx.hw_sync = hw_newer;
	cr_assert_eq(axv_a64_inject_iabt(&ctx, 0x40081234), 0);
	cr_expect_eq(syncs, 2);
	cr_expect_eq(ctx.pc, 0x40200000 + 0x200);
}

Test(a64, ctx_sync_without_newer_state_is_a_no_op)
{
	axv_a64_ctx_sync(NULL);
	struct axv_a64_ctx before = ctx;
	axv_a64_ctx_sync(&ctx);
	cr_expect_eq(memcmp(&before, &ctx, sizeof(ctx)), 0);
	syncs = 0;
	ctx.hw_sync = hw_newer;
	axv_a64_ctx_sync(&ctx);
	axv_a64_ctx_sync(&ctx);
	cr_expect_eq(syncs, 1, "written back once; the second call finds nothing newer");
}
