/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GICv3 list registers as the core's virtual interrupt controller (struct axv_vic_ops).
 * Plain C: the registers are reached through struct axv_a64_lr_ops, which is the hardware on
 * an aarch64 cpu (vcpu.c) and a model in the host tests.
 *
 * References: IHI 0069 12.4.6 ICH_LR<n>_EL2 (State [63:62], HW [61], Group [60], Priority
 * [55:48], pINTID [44:32], vINTID [31:0]), 12.4.3 ICH_ELRSR_EL2, 12.4.2 ICH_HCR_EL2 (UIE).
 *
 * An SPI of a vGIC this vcpu is attached to (axv_vgic_attach()) is taken and ended through
 * the vGIC, under its lock: its state may be moved to another vcpu by a re-route at any time
 * (vgic.c).
 */
#include <axv/arch/aarch64.h>
#include <axv/err.h>

#include "vgic_lr.h"

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
			empty &= ~(1u << n); /* ours until sync has seen it finish */
	if (!empty) {
		/* More deliverable interrupts than list registers: ask for the underflow
		 * maintenance interrupt (PPI 25), so the guest exits when at most one list
		 * register is still in use, and the rest are refilled on re-entry. */
		lr->ops->write_hcr(lr->ctx, AXV_A64_ICH_HCR_EN | AXV_A64_ICH_HCR_UIE);
		return AXV_ENOSPC;
	}
	unsigned n = (unsigned)__builtin_ctz(empty);
	int taken = 0; /* the core marks it active */
	if (v->gic && id >= 32) {
		/* Mark it active here only if it is still this vcpu's to take; the list register
		 * is written after the lock is gone, before this vcpu can enter or sync. */
		int rc = axv_a64_vgic_take_spi(v->gic, v->gic_idx, id);
		if (rc == AXV_ENOENT)
			return AXV_VIC_GONE;
		if (rc == 0)
			taken = AXV_VIC_TAKEN;
	}
	uint64_t val = AXV_A64_LR_PENDING | AXV_A64_LR_GROUP1 |
		       ((uint64_t)prio << AXV_A64_LR_PRIO_SHIFT) | id;
	if (id < 32 && (v->hw_ppis & (1u << id)))
		val |= AXV_A64_LR_HW | ((uint64_t)id << AXV_A64_LR_PINTID_SHIFT);
	lr->ops->write(lr->ctx, n, val);
	v->lr_id[n] = id;
	return taken;
}

static void vic_sync(void *ctx, struct axv_virq *virq)
{
	struct axv_a64_vcpu *v = ctx;
	const struct axv_a64_lr *lr = &v->lr;
	if (!lr->ops)
		return;
	lr->ops->write_hcr(lr->ctx, AXV_A64_ICH_HCR_EN); /* underflow requests are per entry */
	for (unsigned n = 0; n < lr->nr; n++) {
		if (v->lr_id[n] == AXV_A64_LR_FREE)
			continue;
		uint64_t val = lr->ops->read(lr->ctx, n);
		if ((val >> AXV_A64_LR_STATE_SHIFT) != 0)
			continue; /* still pending or active in the guest */
		uint32_t id = v->lr_id[n];
		/* An SPI ends where its state is now (maybe moved by a re-route meanwhile). */
		if (!v->gic || id < 32 || axv_a64_vgic_end_spi(v->gic, v->gic_idx, id) == AXV_ERANGE)
			axv_virq_eoi(virq, id);
		v->lr_id[n] = AXV_A64_LR_FREE;
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
};
