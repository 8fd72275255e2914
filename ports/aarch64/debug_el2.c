/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A guest's debug registers on the cpu (EL2 only): DBGBVR<n>_EL1, DBGBCR<n>_EL1, DBGWVR<n>_EL1,
 * DBGWCR<n>_EL1 for the implemented n, MDSCR_EL1 and MDCCINT_EL1. The host never programs
 * these for itself: with MDCR_EL2.TDE = 0 and HCR_EL2.TGE = 0 the debug target is EL1, and
 * breakpoints, watchpoints and software step are disabled while executing at EL2 (DDI 0487
 * D2.3.1), so the guest's values can stay loaded while the host runs. The cpu's OS Lock stays
 * unlocked; the guest's is emulated (axv_a64_debug_hw_mdscr()).
 *
 * Registers are named by encoding, S2_0_C0_C<n>_<op2> (op2 4: BVR, 5: BCR, 6: WVR, 7: WCR),
 * as the debug register descriptions give them.
 */
#include <stdbool.h>

#include "debug_el2.h"
#include "sysreg.h"

#define DREG_CASE(n, op2) SYSREG_CASE(n, "S2_0_C0_C" #n "_" #op2)

#define DREG_FN(name, op2)                                                                 \
	static uint64_t name(unsigned n, bool write, uint64_t v)                           \
	{                                                                                  \
		switch (n) {                                                               \
			DREG_CASE(0, op2)                                                  \
			DREG_CASE(1, op2)                                                  \
			DREG_CASE(2, op2)                                                  \
			DREG_CASE(3, op2)                                                  \
			DREG_CASE(4, op2)                                                  \
			DREG_CASE(5, op2)                                                  \
			DREG_CASE(6, op2)                                                  \
			DREG_CASE(7, op2)                                                  \
			DREG_CASE(8, op2)                                                  \
			DREG_CASE(9, op2)                                                  \
			DREG_CASE(10, op2)                                                 \
			DREG_CASE(11, op2)                                                 \
			DREG_CASE(12, op2)                                                 \
			DREG_CASE(13, op2)                                                 \
			DREG_CASE(14, op2)                                                 \
			DREG_CASE(15, op2)                                                 \
		default:                                                                   \
			return 0;                                                          \
		}                                                                          \
		return v;                                                                  \
	}

DREG_FN(dbgbvr, 4)
DREG_FN(dbgbcr, 5)
DREG_FN(dbgwvr, 6)
DREG_FN(dbgwcr, 7)

SYSREG_RW(mdscr_el1, "mdscr_el1")
SYSREG_RW(mdccint_el1, "mdccint_el1")

static inline uint64_t rd_id_aa64dfr0_el1(void) /* read-only */
{
	uint64_t v;
	__asm__ volatile("mrs %0, id_aa64dfr0_el1" : "=r"(v));
	return v;
}

static inline void wr_oslar_el1(uint64_t v) /* write-only */
{
	__asm__ volatile("msr oslar_el1, %0" : : "r"(v) : "memory");
}

static inline void wr_osdlr_el1(uint64_t v)
{
	__asm__ volatile("msr osdlr_el1, %0" : : "r"(v) : "memory");
}

void a64_debug_cpu_init(struct axv_a64_cpu *cpu)
{
	/* ID_AA64DFR0_EL1: BRPs [15:12] and WRPs [23:20], each the count minus one. */
	uint64_t dfr0 = rd_id_aa64dfr0_el1();
	cpu->nr_brps = (uint32_t)((dfr0 >> 12) & 0xf) + 1;
	cpu->nr_wrps = (uint32_t)((dfr0 >> 20) & 0xf) + 1;
	/* OSLSR_EL1.OSLK resets to 1, which would disable every guest's debug exceptions; the
	 * OS Double Lock (RAZ/WI without FEAT_DoubleLock) resets to 0, cleared to be sure. */
	wr_osdlr_el1(0);
	wr_oslar_el1(0);
	isb();
}

void a64_debug_load_ctl(const struct axv_a64_debug *d)
{
	wr_mdscr_el1(axv_a64_debug_hw_mdscr(d));
	wr_mdccint_el1(d->mdccint_el1);
}

void a64_debug_load(const struct axv_a64_cpu *cpu, const struct axv_a64_debug *d)
{
	for (unsigned i = 0; i < cpu->nr_brps && i < AXV_A64_MAX_DBG_PAIRS; i++) {
		dbgbvr(i, true, d->bvr[i]);
		dbgbcr(i, true, d->bcr[i]);
	}
	for (unsigned i = 0; i < cpu->nr_wrps && i < AXV_A64_MAX_DBG_PAIRS; i++) {
		dbgwvr(i, true, d->wvr[i]);
		dbgwcr(i, true, d->wcr[i]);
	}
	a64_debug_load_ctl(d);
}

void a64_debug_save(const struct axv_a64_cpu *cpu, struct axv_a64_debug *d)
{
	for (unsigned i = 0; i < cpu->nr_brps && i < AXV_A64_MAX_DBG_PAIRS; i++) {
		d->bvr[i] = dbgbvr(i, false, 0);
		d->bcr[i] = dbgbcr(i, false, 0);
	}
	for (unsigned i = 0; i < cpu->nr_wrps && i < AXV_A64_MAX_DBG_PAIRS; i++) {
		d->wvr[i] = dbgwvr(i, false, 0);
		d->wcr[i] = dbgwcr(i, false, 0);
	}
	d->mdscr_el1 = rd_mdscr_el1();
	d->mdccint_el1 = rd_mdccint_el1();
}

void a64_debug_cpu_release(const struct axv_a64_cpu *cpu)
{
	for (unsigned i = 0; i < cpu->nr_brps && i < AXV_A64_MAX_DBG_PAIRS; i++)
		dbgbcr(i, true, 0);
	for (unsigned i = 0; i < cpu->nr_wrps && i < AXV_A64_MAX_DBG_PAIRS; i++)
		dbgwcr(i, true, 0);
	wr_mdscr_el1(0);
	wr_mdccint_el1(0);
	isb();
}
