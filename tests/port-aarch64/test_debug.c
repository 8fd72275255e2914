/* aarch64 port: the guest's self-hosted debug state, from hand-built EC 0x18 syndromes.
 * DDI 0487 (issue M numbering): D2.4 "The effect of powerdown on debug exceptions", D2.11
 * "Software Step exceptions", J1.3.1 DoubleLockStatus(); the OSLAR_EL1, OSLSR_EL1, OSDLR_EL1,
 * DBGPRCR_EL1, MDRAR_EL1 and MDSCR_EL1 register descriptions; ESR_ELx "ISS encoding for an
 * exception from MSR, MRS, or System instruction execution". */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <axv/arch/aarch64.h>
#include <axv/err.h>
#include "a64_hw.h"
#include <axv/arch/aarch64_hw.h>

#define PC0 0x40081000ull

static uint64_t sys_esr(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2,
			unsigned rt, bool read)
{
	return ((uint64_t)AXV_A64_EC_SYS64 << 26) | (1u << 25) |
	       AXV_A64_SYSREG(op0, op1, crn, crm, op2) | ((uint64_t)rt << 5) | (read ? 1u : 0u);
}

static struct axv_a64_ctx ctx;

static void setup(void)
{
	axv_a64_ctx_init(&ctx, 0x40080000, 0, 0);
	for (unsigned i = 0; i < 31; i++)
		ctx.x[i] = 0x0101010101010101ull * (i + 1);
	ctx.pc = PC0;
	ctx.pstate = AXV_A64_PSTATE_EL1H_MASKED | AXV_A64_PSTATE_SS; /* single-stepping */
	ctx.trap = AXV_A64_TRAP_SYNC;
}

TestSuite(a64_debug, .init = setup);

/* An access emulated in place: handled, pc past it, and the step it was is complete. */
static void expect_emulated(const char *what)
{
	cr_expect_eq(ctx.pc, PC0 + 4, "%s: pc advanced", what);
	cr_expect_eq(ctx.pstate & AXV_A64_PSTATE_SS, 0, "%s: PSTATE.SS cleared", what);
	ctx.pc = PC0;
	ctx.pstate |= AXV_A64_PSTATE_SS;
}

Test(a64_debug, context_layout_the_assembly_uses_is_unchanged)
{
	/* entry.S addresses these by offset (el2.c checks them on aarch64 builds); the debug
	 * state comes after everything the assembly touches. */
	cr_expect_eq(offsetof(struct axv_a64_ctx, pc), 256);
	cr_expect_eq(offsetof(struct axv_a64_ctx, fpsimd), 304);
	cr_expect_eq(offsetof(struct axv_a64_ctx, host), 832);
	cr_expect_gt(offsetof(struct axv_a64_ctx, dbg), offsetof(struct axv_a64_ctx, el1_dirty));
}

Test(a64_debug, reset_state_is_locked_with_everything_disabled)
{
	struct axv_a64_ctx c;
	memset(&c, 0x5a, sizeof(c));
	axv_a64_ctx_init(&c, 0x40080000, 0, 0);
	cr_expect_eq(c.dbg.oslk, 1, "OSLSR_EL1.OSLK resets to 1 on a cold reset");
	cr_expect_eq(c.dbg.osdlr, 0);
	cr_expect_eq(c.dbg.dbgprcr, 0);
	cr_expect_eq(c.dbg.mdscr_el1, 0);
	cr_expect_eq(c.dbg.live, 0);
	for (unsigned i = 0; i < AXV_A64_MAX_DBG_PAIRS; i++)
		cr_expect(c.dbg.bvr[i] == 0 && c.dbg.bcr[i] == 0 && c.dbg.wvr[i] == 0 &&
				  c.dbg.wcr[i] == 0,
			  "pair %u", i);
	cr_expect(axv_a64_debug_os_locked(&c.dbg));
	cr_expect_eq(c.el1_dirty, AXV_A64_EL1_DIRTY_ALL, "the first run loads it");
}

Test(a64_debug, advance_pc_completes_a_software_step)
{
	cr_expect_eq(axv_a64_advance_pc(&ctx, 4), 0);
	expect_emulated("advance 4");
	cr_expect_eq(axv_a64_advance_pc(&ctx, 0), 0);
	cr_expect_eq(ctx.pc, PC0, "0: nothing to step over (HVC, retried access)");
	cr_expect_neq(ctx.pstate & AXV_A64_PSTATE_SS, 0, "0: PSTATE.SS kept");
	cr_expect_eq(axv_a64_advance_pc(NULL, 4), AXV_EINVAL);
}

Test(a64_debug, in_place_completions_of_the_decoder_complete_the_step)
{
	struct axv_exit e;
	ctx.esr = ((uint64_t)AXV_A64_EC_WFX << 26) | (1u << 25); /* WFI */
	cr_assert_eq(axv_a64_decode_exit(&ctx, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HALT);
	expect_emulated("WFI");

	/* PSCI_VERSION over a trapped SMC: SPSR_EL2.SS was 1 (a trap, D2.11.5 table D2-21). */
	ctx.esr = ((uint64_t)AXV_A64_EC_SMC64 << 26) | (1u << 25);
	ctx.x[0] = AXV_PSCI_VERSION;
	cr_assert_eq(axv_a64_decode_exit(&ctx, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NOTHING);
	expect_emulated("SMC PSCI_VERSION");

	/* Over HVC the exception itself completed the step: ELR_EL2 and PSTATE are left. */
	ctx.esr = ((uint64_t)AXV_A64_EC_HVC64 << 26) | (1u << 25);
	ctx.x[0] = AXV_PSCI_VERSION;
	cr_assert_eq(axv_a64_decode_exit(&ctx, &e), 0);
	cr_expect_eq(ctx.pc, PC0);
	cr_expect_neq(ctx.pstate & AXV_A64_PSTATE_SS, 0);
}

Test(a64_debug, os_lock_access_and_status)
{
	/* MRS OSLSR_EL1 at reset: OSLM = 0b10, OSLK = 1. */
	ctx.esr = sys_esr(2, 0, 1, 1, 4, 5, true);
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.x[5], AXV_A64_OSLSR_OSLM_IMPL | AXV_A64_OSLSR_OSLK);
	expect_emulated("OSLSR read");

	/* MSR OSLAR_EL1, xzr: unlocks. */
	ctx.esr = sys_esr(2, 0, 1, 0, 4, 31, false);
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.dbg.oslk, 0);
	cr_expect_not(axv_a64_debug_os_locked(&ctx.dbg));
	expect_emulated("OSLAR write");
	ctx.esr = sys_esr(2, 0, 1, 1, 4, 7, true);
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.x[7], AXV_A64_OSLSR_OSLM_IMPL);
	expect_emulated("OSLSR read");

	/* Only bit 0 of the value counts: 0xc5acce54 unlocks, 3 locks. */
	ctx.x[2] = 0xc5acce54;
	ctx.esr = sys_esr(2, 0, 1, 0, 4, 2, false);
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.dbg.oslk, 0);
	ctx.pc = PC0;
	ctx.x[2] = 3;
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.dbg.oslk, 1);
	ctx.pc = PC0;

	/* A read into xzr is discarded but still an access. */
	uint64_t x[31];
	memcpy(x, ctx.x, sizeof(x));
	ctx.esr = sys_esr(2, 0, 1, 1, 4, 31, true);
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_arr_eq(ctx.x, x, sizeof(x));
	expect_emulated("OSLSR read into xzr");
}

Test(a64_debug, double_lock_and_power_down_request)
{
	ctx.dbg.oslk = 0;
	ctx.x[3] = ~0ull;
	ctx.esr = sys_esr(2, 0, 1, 3, 4, 3, false); /* MSR OSDLR_EL1, x3 */
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.dbg.osdlr, 1, "DLK only; [63:1] are RES0");
	cr_expect(axv_a64_debug_os_locked(&ctx.dbg), "DoubleLockStatus(): DLK and !CORENPDRQ");
	expect_emulated("OSDLR write");

	ctx.esr = sys_esr(2, 0, 1, 4, 4, 3, false); /* MSR DBGPRCR_EL1, x3 */
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.dbg.dbgprcr, 1);
	cr_expect_not(axv_a64_debug_os_locked(&ctx.dbg), "CORENPDRQ = 1: not double-locked");
	expect_emulated("DBGPRCR write");

	ctx.esr = sys_esr(2, 0, 1, 3, 4, 9, true);
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.x[9], 1);
	expect_emulated("OSDLR read");
	ctx.esr = sys_esr(2, 0, 1, 4, 4, 10, true);
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.x[10], 1);
	expect_emulated("DBGPRCR read");

	cr_expect_not(axv_a64_debug_os_locked(NULL));
}

Test(a64_debug, mdrar_reads_zero)
{
	ctx.esr = sys_esr(2, 0, 1, 0, 0, 4, true);
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.x[4], 0, "Valid = 0b00: ROM table address not valid");
	expect_emulated("MDRAR read");
}

Test(a64_debug, undefined_directions_are_refused_untouched)
{
	uint64_t esrs[] = {
		sys_esr(2, 0, 1, 0, 4, 1, true),  /* MRS OSLAR_EL1: write-only */
		sys_esr(2, 0, 1, 1, 4, 1, false), /* MSR OSLSR_EL1: read-only */
		sys_esr(2, 0, 1, 0, 0, 1, false), /* MSR MDRAR_EL1: read-only */
		sys_esr(3, 0, 1, 0, 4, 1, false), /* op0 = 3: not a debug register */
		sys_esr(1, 0, 1, 0, 4, 1, false),
		((uint64_t)AXV_A64_EC_HVC64 << 26) | (1u << 25) | AXV_A64_SYSREG(2, 0, 1, 0, 4),
	};
	for (size_t i = 0; i < sizeof(esrs) / sizeof(esrs[0]); i++) {
		ctx.esr = esrs[i];
		struct axv_a64_ctx before = ctx;
		cr_expect_eq(axv_a64_debug_trap(&ctx), AXV_ENOENT, "esr %#llx",
			     (unsigned long long)esrs[i]);
		cr_expect(memcmp(&before, &ctx, sizeof(ctx)) == 0, "esr %#llx: unchanged",
			  (unsigned long long)esrs[i]);
	}
	ctx.esr = sys_esr(2, 0, 1, 0, 4, 1, false);
	ctx.trap = AXV_A64_TRAP_IRQ;
	cr_expect_eq(axv_a64_debug_trap(&ctx), AXV_ENOENT, "not a synchronous exit");
	cr_expect_eq(ctx.dbg.oslk, 1);
	cr_expect_eq(axv_a64_debug_trap(NULL), AXV_EINVAL);
}

Test(a64_debug, unlocked_first_access_hands_the_registers_over_once)
{
	ctx.dbg.oslk = 0;
	ctx.esr = sys_esr(2, 0, 0, 3, 4, 6, false); /* MSR DBGBVR3_EL1, x6 */
	struct axv_a64_ctx before = ctx;
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.dbg.live, 1, "the next entry clears MDCR_EL2.TDA");
	cr_expect_eq(ctx.pc, PC0, "retried: the instruction has not executed");
	cr_expect_neq(ctx.pstate & AXV_A64_PSTATE_SS, 0, "and its step is still to come");
	cr_expect_eq(ctx.dbg.bvr[3], 0, "the hardware, not the copy, takes the write");
	cr_expect_arr_eq(ctx.x, before.x, sizeof(ctx.x));

	/* Trapped again in the same run: not TDA's doing, refused (no endless retry). */
	before = ctx;
	cr_expect_eq(axv_a64_debug_trap(&ctx), AXV_ENOENT);
	cr_expect(memcmp(&before, &ctx, sizeof(ctx)) == 0);
}

Test(a64_debug, locked_accesses_are_emulated_on_the_copy)
{
	cr_assert(axv_a64_debug_os_locked(&ctx.dbg));
	uint64_t *const bank[4] = {ctx.dbg.bvr, ctx.dbg.bcr, ctx.dbg.wvr, ctx.dbg.wcr};
	for (unsigned op2 = 4; op2 < 8; op2++) {
		for (unsigned n = 0; n < 16; n++) {
			ctx.x[8] = 0x4000000000ull * op2 + n * 8 + 0x40000000;
			ctx.esr = sys_esr(2, 0, 0, n, op2, 8, false);
			cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
			cr_expect_eq(bank[op2 - 4][n], ctx.x[8], "op2 %u n %u", op2, n);
			expect_emulated("debug register write");
			ctx.esr = sys_esr(2, 0, 0, n, op2, 9, true);
			cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
			cr_expect_eq(ctx.x[9], ctx.x[8], "op2 %u n %u read back", op2, n);
			expect_emulated("debug register read");
		}
	}
	ctx.x[1] = AXV_A64_MDSCR_KDE | AXV_A64_MDSCR_MDE | AXV_A64_MDSCR_SS | (1u << 12);
	ctx.esr = sys_esr(2, 0, 0, 2, 2, 1, false); /* MSR MDSCR_EL1, x1 */
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	expect_emulated("MDSCR write");
	ctx.esr = sys_esr(2, 0, 0, 2, 2, 2, true);
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.x[2], ctx.x[1], "the guest reads its own MDSCR_EL1");
	expect_emulated("MDSCR read");
	ctx.x[3] = 1u << 30;
	ctx.esr = sys_esr(2, 0, 0, 2, 0, 3, false); /* MSR MDCCINT_EL1, x3 */
	cr_assert_eq(axv_a64_debug_trap(&ctx), 0);
	cr_expect_eq(ctx.dbg.mdccint_el1, 1u << 30);
	expect_emulated("MDCCINT write");
	cr_expect_eq(ctx.dbg.live, 0, "locked: never handed over");

	/* DCC, OSECCR, claim tags: RAZ/WI. */
	static const unsigned raz[][5] = {{2, 0, 0, 0, 2}, {2, 0, 0, 3, 2}, {2, 0, 0, 6, 2},
					  {2, 3, 0, 1, 0}, {2, 3, 0, 4, 0}, {2, 3, 0, 5, 0},
					  {2, 0, 7, 8, 6}, {2, 0, 7, 9, 6}};
	for (size_t i = 0; i < sizeof(raz) / sizeof(raz[0]); i++) {
		ctx.esr = sys_esr(raz[i][0], raz[i][1], raz[i][2], raz[i][3], raz[i][4], 11, true);
		ctx.x[11] = 77;
		cr_assert_eq(axv_a64_debug_trap(&ctx), 0, "RAZ %zu", i);
		cr_expect_eq(ctx.x[11], 0, "RAZ %zu", i);
		expect_emulated("RAZ");
		ctx.esr = sys_esr(raz[i][0], raz[i][1], raz[i][2], raz[i][3], raz[i][4], 11, false);
		struct axv_a64_debug d = ctx.dbg;
		cr_assert_eq(axv_a64_debug_trap(&ctx), 0, "WI %zu", i);
		cr_expect(memcmp(&d, &ctx.dbg, sizeof(d)) == 0, "WI %zu", i);
		expect_emulated("WI");
	}
	/* DBGAUTHSTATUS_EL1 reports the hardware's authentication: not emulated. */
	ctx.esr = sys_esr(2, 0, 7, 14, 6, 1, true);
	struct axv_a64_ctx before = ctx;
	cr_expect_eq(axv_a64_debug_trap(&ctx), AXV_ENOENT);
	cr_expect(memcmp(&before, &ctx, sizeof(ctx)) == 0);
}

Test(a64_debug, the_lock_is_emulated_through_mdscr)
{
	ctx.dbg.mdscr_el1 = AXV_A64_MDSCR_KDE | AXV_A64_MDSCR_MDE | AXV_A64_MDSCR_SS | (1u << 12);
	cr_expect_eq(axv_a64_debug_hw_mdscr(&ctx.dbg), 1u << 12,
		     "locked: KDE, MDE and SS off, TDCC kept");
	ctx.dbg.oslk = 0;
	cr_expect_eq(axv_a64_debug_hw_mdscr(&ctx.dbg), ctx.dbg.mdscr_el1, "unlocked: as written");
	ctx.dbg.osdlr = 1;
	cr_expect_eq(axv_a64_debug_hw_mdscr(&ctx.dbg), 1u << 12, "double-locked");
	ctx.dbg.dbgprcr = 1;
	cr_expect_eq(axv_a64_debug_hw_mdscr(&ctx.dbg), ctx.dbg.mdscr_el1,
		     "a power-down request lifts the double lock");
	cr_expect_eq(axv_a64_debug_hw_mdscr(NULL), 0);
}

Test(a64_debug, random_syndromes_are_contained)
{
	srand(4242);
	for (int i = 0; i < 200000; i++) {
		struct axv_a64_ctx c = ctx;
		c.dbg.oslk = (uint32_t)(rand() & 1);
		c.dbg.live = (uint32_t)(rand() & 1);
		uint64_t iss = ((uint64_t)rand() << 16 ^ (uint64_t)rand()) & AXV_A64_ESR_ISS_MASK;
		c.esr = ((uint64_t)(rand() % 2 ? AXV_A64_EC_SYS64 : (unsigned)rand() & 0x3f) << 26) |
			(1u << 25) | iss;
		struct axv_a64_ctx before = c;
		int rc = axv_a64_debug_trap(&c);
		if (rc != 0) {
			cr_assert_eq(rc, AXV_ENOENT);
			cr_assert(memcmp(&before, &c, sizeof(c)) == 0, "esr %#llx",
				  (unsigned long long)before.esr);
			continue;
		}
		cr_assert(c.pc == PC0 || c.pc == PC0 + 4, "esr %#llx",
			  (unsigned long long)before.esr);
		cr_assert_eq(memcmp(&before.el1, &c.el1, sizeof(c.el1)), 0);
		cr_assert(c.dbg.oslk <= 1 && c.dbg.osdlr <= 1 && c.dbg.dbgprcr <= 1 &&
				  c.dbg.live <= 1,
			  "the lock state stays one bit each");
	}
}
