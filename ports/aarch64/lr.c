/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GICv3 list registers as the core's virtual interrupt controller (struct axv_vic_ops).
 * Plain C: the registers are reached through struct axv_a64_lr_ops, which is the hardware on
 * an aarch64 cpu (vcpu.c) and a model in the host tests.
 *
 * References: IHI 0069 12.4.6 ICH_LR<n>_EL2 (State [63:62], HW [61], Group [60], Priority
 * [55:48], EOI [41], pINTID [44:32], vINTID [31:0]), 12.4.3 ICH_ELRSR_EL2, ICH_EISR_EL2,
 * ICH_MISR_EL2, 12.4.2 ICH_HCR_EL2 (UIE); 4.1.2 (the interrupt state machine).
 *
 * The lifecycle. deliver() writes an interrupt as pending (State 0b01). While the guest
 * runs, the GIC moves it on by itself: acknowledged it is active (0b10), ended it is
 * inactive (0b00); an interrupt that is pending and active (0b11) becomes pending when the
 * active instance ends. At every exit on_exit() takes back what the guest did, so that
 * between an exit and the next entry the core's state is the architecture's:
 *  - inactive: the guest ended it; it is ended in the core (or where the vGIC holds it) and
 *    the list register is cleared;
 *  - pending, never acknowledged: it leaves the list register and is pending again, not
 *    active (unless withdrawn meanwhile, or, for a timer PPI, no longer asserted); the next
 *    entry delivers it again. An SPI thus never stays "active" at a vcpu that never runs
 *    again, and may follow a new route;
 *  - active: it stays, acknowledged;
 *  - pending and active: it stays active and its new instance is pending in the core again.
 * Before each entry sync() lets an SGI or PPI pended again while its last instance is active
 * in a list register join that list register as pending and active, so the GIC hands it to
 * the guest the moment the guest ends the first, with no exit (allowed for software
 * interrupts only: for HW = 1 the pending and active state is the physical Distributor's,
 * ICH_LR<n>_EL2.State). SPIs instead ask for the EOI maintenance interrupt (EOI = 1, HW = 0):
 * the guest's end of an SPI makes it exit at once (ICH_EISR_EL2 names the list register,
 * ICH_MISR_EL2.EOI asserts the maintenance interrupt), since the SPI's active state is the
 * Distributor's, shared by every vcpu: another vcpu (after a re-route), a level-sensitive
 * line still high, or a new instance may be waiting for it.
 *
 * An SPI of a vGIC this vcpu is attached to (axv_vgic_attach()) is taken, ended and returned
 * through the vGIC, under its lock: its state may be moved to another vcpu by a re-route at
 * any time (vgic.c).
 */
#include <axv/arch/aarch64.h>
#include <axv/err.h>

#include "vgic_lr.h"
#include "a64_hw.h"

#define STATE(v) ((v) >> AXV_A64_LR_STATE_SHIFT)
#define ST_PENDING 1u
#define ST_ACTIVE 2u

/* An SPI of the attached vGIC. */
static bool is_spi(const struct axv_a64_vcpu *v, uint32_t id)
{
	return v->gic && id >= 32 && id < 32 + v->gic->nr_spis;
}

/* Timer PPIs whose line this port knows: the virtual timer and the EL1 physical timer, when
 * they are hardware-linked. Their output is asserted while ENABLE = 1, ISTATUS = 1 and
 * IMASK = 0 (DDI 0487, the CNTV_CTL_EL0 and CNTP_CTL_EL0 descriptions: ISTATUS is UNKNOWN
 * and the output off while ENABLE = 0), read from the control registers the exit saved. */
static uint32_t timer_mask(const struct axv_a64_vcpu *v)
{
	return v->hw_ppis & (1u << AXV_A64_VTIMER_INTID | 1u << AXV_A64_PTIMER_INTID);
}

static bool asserted(uint64_t ctl)
{
	return (ctl & (AXV_A64_CNT_CTL_ENABLE | AXV_A64_CNT_CTL_IMASK | AXV_A64_CNT_CTL_ISTATUS)) ==
	       (AXV_A64_CNT_CTL_ENABLE | AXV_A64_CNT_CTL_ISTATUS);
}

static uint32_t timer_levels(const struct axv_a64_vcpu *v)
{
	uint32_t l = 0;
	if (asserted(v->ctx.el1.cntv_ctl_el0))
		l |= 1u << AXV_A64_VTIMER_INTID;
	if (asserted(v->ctx.el1.cntp_ctl_el0))
		l |= 1u << AXV_A64_PTIMER_INTID;
	return l & timer_mask(v);
}

static void deactivate(const struct axv_a64_lr *lr, uint32_t pintid)
{
	if (lr->ops->deactivate)
		lr->ops->deactivate(lr->ctx, pintid);
}

static void lr_free(struct axv_a64_vcpu *v, unsigned n)
{
	/* Written as 0, not only forgotten: an ended list register that asked for the EOI
	 * maintenance interrupt keeps it asserted (ICH_EISR_EL2) and is not empty in
	 * ICH_ELRSR_EL2 until rewritten. */
	v->lr.ops->write(v->lr.ctx, n, 0);
	v->lr_id[n] = AXV_A64_LR_FREE;
	v->lr_busy &= ~(1u << n);
}

static int vic_deliver(void *ctx, uint32_t id, uint8_t prio)
{
	struct axv_a64_vcpu *v = ctx;
	const struct axv_a64_lr *lr = &v->lr;
	if (!lr->ops || id >= 1020) /* 1020-1023 are special INTIDs */
		return AXV_EINVAL;
	uint32_t mask = lr->nr >= 32 ? ~0u : (1u << lr->nr) - 1;
	uint32_t empty = lr->ops->empty(lr->ctx) & mask;
	for (unsigned n = 0; n < lr->nr; n++)
		if (v->lr_id[n] != AXV_A64_LR_FREE)
			empty &= ~(1u << n); /* ours until an exit has seen it finish */
	if (!empty) {
		/* More deliverable interrupts than list registers: ask for the underflow
		 * maintenance interrupt (PPI 25), so the guest exits when at most one list
		 * register is still in use, and the rest are refilled on re-entry. */
		lr->ops->write_hcr(lr->ctx, AXV_A64_ICH_HCR_EN | AXV_A64_ICH_HCR_UIE);
		return AXV_ENOSPC;
	}
	unsigned n = (unsigned)__builtin_ctz(empty);
	int taken = 0; /* the core marks it active */
	bool spi = false;
	if (v->gic && id >= 32) {
		/* Mark it active here only if it is still this vcpu's to take; the list register
		 * is written after the lock is gone, before this vcpu can enter or exit. */
		int rc = axv_a64_vgic_take_spi(v->gic, v->gic_idx, id);
		if (rc == AXV_ENOENT)
			return AXV_VIC_GONE;
		if (rc == 0) {
			taken = AXV_VIC_TAKEN;
			spi = true;
		}
	}
	uint64_t val = AXV_A64_LR_PENDING | AXV_A64_LR_GROUP1 |
		       ((uint64_t)prio << AXV_A64_LR_PRIO_SHIFT) | id;
	if (id < 32 && (v->hw_ppis & (1u << id)))
		val |= AXV_A64_LR_HW | ((uint64_t)id << AXV_A64_LR_PINTID_SHIFT);
	else if (spi)
		val |= AXV_A64_LR_EOI; /* the end of an SPI is needed at once (see above) */
	if (!spi)
		axv_a64_vgic_lr_put(v->gic, v->gic_idx, id);
	lr->ops->write(lr->ctx, n, val);
	v->lr_id[n] = id;
	v->lr_busy |= 1u << n;
	return taken;
}

/* The guest ended @id (its list register went inactive). */
static void finish(struct axv_a64_vcpu *v, struct axv_virq *virq, uint32_t id)
{
	if (is_spi(v, id) && axv_a64_vgic_end_spi(v->gic, v->gic_idx, id) != AXV_ERANGE)
		return; /* ended where the SPI is now */
	(void)axv_a64_vgic_lr_seen(v->gic, v->gic_idx, id);
	axv_virq_eoi(virq, id);
}

/* The vcpu exited with @id pending in list register @n, never acknowledged: back to the
 * core as pending (unless withdrawn, or a timer no longer asserted), not active. */
static void take_back(struct axv_a64_vcpu *v, struct axv_virq *virq, unsigned n, uint32_t id,
		      bool hw, uint32_t levels)
{
	lr_free(v, n);
	if (is_spi(v, id) && axv_a64_vgic_return_spi(v->gic, v->gic_idx, id) == 0)
		return;
	bool still = axv_a64_vgic_lr_seen(v->gic, v->gic_idx, id);
	axv_virq_eoi(virq, id);
	if (hw && (timer_mask(v) & (1u << id)) && !(levels & (1u << id)))
		still = false; /* the timer's output is low: the interrupt is gone */
	if (still) {
		(void)axv_virq_pend(virq, id);
	} else if (hw) {
		deactivate(&v->lr, id); /* so that the physical one can be signalled again */
	}
}

/* Both walks of the list registers start here: the vcpu's list registers with ICH_HCR_EL2.En
 * written again (underflow requests are per entry), or NULL when the port has no
 * list-register hooks. */
static const struct axv_a64_lr *lr_begin(const struct axv_a64_vcpu *v)
{
	const struct axv_a64_lr *lr = &v->lr;
	if (!lr->ops)
		return NULL;
	lr->ops->write_hcr(lr->ctx, AXV_A64_ICH_HCR_EN);
	return lr;
}

static void vic_on_exit(void *ctx, struct axv_virq *virq)
{
	struct axv_a64_vcpu *v = ctx;
	const struct axv_a64_lr *lr = lr_begin(v);
	if (!lr)
		return;
	uint32_t tmask = timer_mask(v), levels = timer_levels(v), in_lr = 0;
	axv_a64_vgic_ppi_levels(v->gic, v->gic_idx, tmask, levels);
	for (unsigned n = 0; n < lr->nr; n++) {
		uint32_t id = v->lr_id[n];
		if (id == AXV_A64_LR_FREE)
			continue;
		uint64_t val = lr->ops->read(lr->ctx, n);
		bool hw = (val & AXV_A64_LR_HW) != 0;
		switch (STATE(val)) {
		case 0:
			lr_free(v, n);
			finish(v, virq, id);
			break;
		case ST_PENDING:
			take_back(v, virq, n, id, hw, levels);
			break;
		case ST_ACTIVE:
			(void)axv_a64_vgic_lr_seen(v->gic, v->gic_idx, id); /* acknowledged */
			if (id < 32)
				in_lr |= 1u << id;
			break;
		default: /* pending and active: the new instance is the core's again */
			lr->ops->write(lr->ctx, n, val & ~AXV_A64_LR_PENDING);
			if (axv_a64_vgic_lr_seen(v->gic, v->gic_idx, id))
				(void)axv_virq_pend(virq, id);
			if (id < 32)
				in_lr |= 1u << id;
			break;
		}
	}
	/* A timer PPI still queued (not yet in a list register, the host having taken the
	 * physical one) whose output has gone low is withdrawn too. */
	uint32_t gone = tmask & ~levels & ~in_lr;
	while (gone) {
		uint32_t id = (uint32_t)__builtin_ctz(gone);
		gone &= gone - 1;
		if (axv_virq_is_pending(virq, id) && !axv_virq_is_active(virq, id)) {
			axv_virq_unpend(virq, id);
			deactivate(lr, id);
		}
	}
}

static void vic_sync(void *ctx, struct axv_virq *virq)
{
	struct axv_a64_vcpu *v = ctx;
	const struct axv_a64_lr *lr = lr_begin(v);
	if (!lr)
		return;
	for (unsigned n = 0; n < lr->nr; n++) {
		uint32_t id = v->lr_id[n];
		if (id == AXV_A64_LR_FREE)
			continue;
		uint64_t val = lr->ops->read(lr->ctx, n);
		uint32_t st = (uint32_t)STATE(val);
		if (st == 0) { /* ended, and no exit has looked yet */
			lr_free(v, n);
			finish(v, virq, id);
			continue;
		}
		if ((val & AXV_A64_LR_HW) || is_spi(v, id) || !axv_virq_is_pending(virq, id) ||
		    !axv_virq_is_enabled(virq, id))
			continue;
		if (id < 32 && (v->hw_ppis & (1u << id))) {
			/* A hardware-linked id in a software list register (its link undone when the
			 * vcpu's interface left the cpu: vcpu.c, lr_unlink()), pended again: the host
			 * took the physical PPI once more, and it is active. The list register takes
			 * the link back, its state the guest's (active, or still pending): the guest's
			 * end deactivates the physical PPI, which the timer signals again if it still
			 * asserts (a level: 4.1.2), and the next time the interface leaves the cpu the
			 * link is undone again. Kept apart, the new instance would hold the physical
			 * PPI active from the core, where no interface switch can reach it. */
			if (st != ST_ACTIVE && st != ST_PENDING)
				continue; /* pending and active: never written for these ids */
			axv_virq_unpend(virq, id);
			lr->ops->write(lr->ctx, n,
				       (val & ~(AXV_A64_LR_EOI | (0x1fffull << AXV_A64_LR_PINTID_SHIFT))) |
					       AXV_A64_LR_HW | ((uint64_t)id << AXV_A64_LR_PINTID_SHIFT));
			continue;
		}
		/* An SGI or PPI pended again while in this list register. An edge, or a latch:
		 * pending once more while pending is still pending once (4.1.2). */
		axv_virq_unpend(virq, id);
		if (st == ST_ACTIVE) {
			lr->ops->write(lr->ctx, n, val | AXV_A64_LR_PENDING);
			axv_a64_vgic_lr_pend(v->gic, v->gic_idx, id);
		}
	}
}

bool axv_a64_lr_pending(const struct axv_a64_vcpu *v)
{
	if (!v || !v->lr.ops)
		return false;
	for (unsigned n = 0; n < v->lr.nr; n++) {
		if (v->lr_id[n] == AXV_A64_LR_FREE)
			continue;
		/* State [63:62] = 0b01, pending: the guest has not acknowledged it yet. Pending
		 * and active (0b11) cannot be taken until the active instance completes. */
		uint64_t val = v->lr.ops->read(v->lr.ctx, n);
		if ((val >> AXV_A64_LR_STATE_SHIFT) == 1)
			return true;
	}
	return false;
}

const struct axv_vic_ops axv_a64_vic_ops = {
	.deliver = vic_deliver,
	.sync = vic_sync,
	.on_exit = vic_on_exit,
};
