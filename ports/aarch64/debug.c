/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's self-hosted debug, plain-C part: emulation of the trapped OS Lock group and
 * MDRAR_EL1, the hand-over of the breakpoint and watchpoint registers on the first trapped
 * access of a run, emulation of every debug register while the guest is OS-locked (and of the
 * lock's effect, through the MDSCR_EL1 the cpu holds), and stepping the pc past an emulated
 * instruction with the software step state machine kept right. Built into the port library
 * and into the host unit tests; the register switch itself is in debug_el2.c.
 *
 * References (DDI 0487, issue M numbering): D2.2 "Routing debug exceptions", D2.4 "The effect
 * of powerdown on debug exceptions", D2.11 "Software Step exceptions", J1.3.1
 * DoubleLockStatus(); the register descriptions of OSLAR_EL1, OSLSR_EL1, OSDLR_EL1,
 * DBGPRCR_EL1 and MDRAR_EL1; ESR_ELx "ISS encoding for an exception from MSR, MRS, or System
 * instruction execution".
 */
#include <axv/arch/aarch64.h>
#include <axv/err.h>
#include "a64_hw.h"

int axv_a64_advance_pc(struct axv_a64_ctx *c, unsigned len)
{
	if (!c)
		return AXV_EINVAL;
	if (len == 0)
		return 0;
	c->pc += len;
	/* The instruction completed without an exception: active-not-pending becomes
	 * active-pending (D2.11.5), and inactive stays inactive whatever PSTATE.SS says. */
	c->pstate &= ~AXV_A64_PSTATE_SS;
	return 0;
}

bool axv_a64_debug_os_locked(const struct axv_a64_debug *d)
{
	if (!d)
		return false;
	/* DoubleLockStatus(): OSDLR_EL1.DLK == 1 && DBGPRCR_EL1.CORENPDRQ == 0 (and not
	 * halted, which a guest never is: halting needs an external debugger). */
	bool double_lock = (d->osdlr & 1u) && !(d->dbgprcr & 1u);
	return (d->oslk & 1u) || double_lock;
}

uint64_t axv_a64_debug_hw_mdscr(const struct axv_a64_debug *d)
{
	if (!d)
		return 0;
	uint64_t v = d->mdscr_el1;
	if (axv_a64_debug_os_locked(d))
		v &= ~(AXV_A64_MDSCR_KDE | AXV_A64_MDSCR_MDE | AXV_A64_MDSCR_SS);
	return v;
}

/* Read access: write the value to Rt (Rt = 31 is XZR: discarded). */
static void put_rt(struct axv_a64_ctx *c, unsigned rt, uint64_t v)
{
	if (rt < 31)
		c->x[rt] = v;
}

/* A read or write of a register whose bit 0 alone is kept ([63:1] RES0). */
static void bit0_access(struct axv_a64_ctx *c, unsigned rt, bool read, uint64_t v,
			uint32_t *reg)
{
	if (read)
		put_rt(c, rt, *reg & 1u);
	else
		*reg = (uint32_t)(v & 1u);
}

/* Debug registers that read as zero and ignore writes while the guest is locked: the Debug
 * Communications Channel (OSDTRRX_EL1, OSDTRTX_EL1, MDCCSR_EL0, DBGDTR_EL0, DBGDTRRX_EL0 /
 * DBGDTRTX_EL0), OSECCR_EL1 (external debug only) and the claim tags, which have no
 * architected function. */
static bool raz_wi(uint64_t id)
{
	switch (id) {
	case AXV_A64_SYSREG(2, 0, 0, 0, 2): /* OSDTRRX_EL1 */
	case AXV_A64_SYSREG(2, 0, 0, 3, 2): /* OSDTRTX_EL1 */
	case AXV_A64_SYSREG(2, 0, 0, 6, 2): /* OSECCR_EL1 */
	case AXV_A64_SYSREG(2, 3, 0, 1, 0): /* MDCCSR_EL0 */
	case AXV_A64_SYSREG(2, 3, 0, 4, 0): /* DBGDTR_EL0 */
	case AXV_A64_SYSREG(2, 3, 0, 5, 0): /* DBGDTRRX_EL0 (read), DBGDTRTX_EL0 (write) */
	case AXV_A64_SYSREG(2, 0, 7, 8, 6): /* DBGCLAIMSET_EL1 */
	case AXV_A64_SYSREG(2, 0, 7, 9, 6): /* DBGCLAIMCLR_EL1 */
		return true;
	default:
		return false;
	}
}

/* The guest is locked: every MDCR_EL2.TDA register traps and is emulated on c->dbg. */
static int locked_access(struct axv_a64_ctx *c, uint64_t id, bool read, unsigned rt,
			 uint64_t v)
{
	struct axv_a64_debug *d = &c->dbg;
	unsigned op1 = (unsigned)(id >> AXV_A64_SYS_OP1_SHIFT) & 7u;
	unsigned crn = (unsigned)(id >> AXV_A64_SYS_CRN_SHIFT) & 15u;
	unsigned crm = (unsigned)(id >> AXV_A64_SYS_CRM_SHIFT) & 15u;
	unsigned op2 = (unsigned)(id >> AXV_A64_SYS_OP2_SHIFT) & 7u;
	uint64_t *reg;
	if (op1 == 0 && crn == 0 && op2 >= 4) {
		/* DBGBVR<n>_EL1 (op2 4), DBGBCR (5), DBGWVR (6), DBGWCR (7), n = CRm < 16 */
		switch (op2) {
		case 4:
			reg = &d->bvr[crm];
			break;
		case 5:
			reg = &d->bcr[crm];
			break;
		case 6:
			reg = &d->wvr[crm];
			break;
		default:
			reg = &d->wcr[crm];
			break;
		}
	} else if (id == AXV_A64_MDSCR_EL1) {
		reg = &d->mdscr_el1;
	} else if (id == AXV_A64_MDCCINT_EL1) {
		reg = &d->mdccint_el1;
	} else if (raz_wi(id)) {
		if (read)
			put_rt(c, rt, 0);
		return 0;
	} else {
		return AXV_ENOENT;
	}
	if (read)
		put_rt(c, rt, *reg);
	else
		*reg = v;
	return 0;
}

int axv_a64_debug_trap(struct axv_a64_ctx *c)
{
	if (!c)
		return AXV_EINVAL;
	if (c->trap != AXV_A64_TRAP_SYNC ||
	    ((c->esr >> AXV_A64_ESR_EC_SHIFT) & AXV_A64_ESR_EC_MASK) != AXV_A64_EC_SYS64)
		return AXV_ENOENT;
	uint32_t iss = (uint32_t)(c->esr & AXV_A64_ESR_ISS_MASK);
	if (((iss >> AXV_A64_SYS_OP0_SHIFT) & 3u) != 2u)
		return AXV_ENOENT; /* op0 = 2 holds the debug (and trace) system registers */
	uint64_t id = iss & AXV_A64_SYS_ID_MASK;
	bool read = iss & AXV_A64_SYS_READ;
	unsigned rt = (iss >> AXV_A64_SYS_RT_SHIFT) & 31u;
	uint64_t v = rt < 31 ? c->x[rt] : 0;
	struct axv_a64_debug *d = &c->dbg;

	switch (id) {
	case AXV_A64_OSLAR_EL1: /* write-only: "bit[0] is copied to the OS Lock" */
		if (read)
			return AXV_ENOENT;
		d->oslk = (uint32_t)(v & 1u);
		break;
	case AXV_A64_OSLSR_EL1: /* read-only: OSLM = 0b10, nTT = 0, OSLK */
		if (!read)
			return AXV_ENOENT;
		put_rt(c, rt, AXV_A64_OSLSR_OSLM_IMPL | (d->oslk ? AXV_A64_OSLSR_OSLK : 0));
		break;
	case AXV_A64_OSDLR_EL1: /* DLK [0]; [63:1] RES0 */
		bit0_access(c, rt, read, v, &d->osdlr);
		break;
	case AXV_A64_DBGPRCR_EL1: /* CORENPDRQ [0]; [63:1] RES0 */
		bit0_access(c, rt, read, v, &d->dbgprcr);
		break;
	case AXV_A64_MDRAR_EL1: /* read-only: Valid [1:0] = 0b00, "ROM Table address not valid" */
		if (!read)
			return AXV_ENOENT;
		put_rt(c, rt, 0);
		break;
	default:
		/* Trapped by MDCR_EL2.TDA. Locked: emulated, the hardware keeps debug off. */
		if (axv_a64_debug_os_locked(d)) {
			int rc = locked_access(c, id, read, rt, v);
			if (rc != 0)
				return rc;
			break;
		}
		/* Unlocked: the guest gets its registers for the rest of the run and the access
		 * is retried on them (the pc and PSTATE.SS stay: the instruction has not
		 * executed). Trapped again in the same run means something else traps it: not
		 * ours, and re-entering would loop. */
		if (d->live)
			return AXV_ENOENT;
		d->live = 1;
		return 0;
	}
	return axv_a64_advance_pc(c, 4);
}
