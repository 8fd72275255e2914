/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GINTC and the guest ESTAT as the core's virtual interrupt controller (struct axv_vic_ops).
 * Plain C: the port saves GINTC and the guest CSRs in the vcpu context whenever the vcpu is
 * not running, so injection edits the context and the next entry loads it (lvz.c).
 *
 * References: LVZ GINTC (host CSR 0x52): VIP [7:0] are HWI0-7 seen by the guest as its
 * ESTAT.IS[9:2], PIP [15:8] pass physical lines through, HC [23:16] clears them. The guest's
 * SWI0-1, PMI, TI and IPI lines are its ESTAT.IS bits 0, 1, 10, 11, 12 (Vol. 1 7.4.6),
 * which the root writes with gcsrwr/gcsrxchg; the guest clears TI itself through TICLR.
 */
#include <axv/arch/loongarch64.h>
#include <axv/err.h>

static bool is_hwi(uint32_t id)
{
	return id >= AXV_LA64_IRQ_HWI0 && id <= AXV_LA64_IRQ_HWI7;
}

/* The context bit that holds line @p id, and the word it lives in. */
static uint64_t *line_word(struct axv_la64_vcpu *v, uint32_t id, uint64_t *bit)
{
	if (is_hwi(id)) {
		*bit = 1ull << (id - AXV_LA64_IRQ_HWI0);
		return &v->ctx.gintc;
	}
	*bit = 1ull << id;
	return &v->ctx.gcsr.estat;
}

static int vic_deliver(void *ctx, uint32_t id, uint8_t prio)
{
	struct axv_la64_vcpu *v = ctx;
	(void)prio; /* the guest's own ECFG.LIE and fixed line priorities decide */
	if (!v || id >= AXV_LA64_IRQ_COUNT)
		return AXV_EINVAL;
	uint64_t bit;
	uint64_t *w = line_word(v, id, &bit);
	*w |= bit;
	v->delivered |= 1u << id;
	return 0;
}

static void vic_sync(void *ctx, struct axv_virq *virq)
{
	struct axv_la64_vcpu *v = ctx;
	if (!v)
		return;
	for (uint32_t id = 0; id < AXV_LA64_IRQ_COUNT; id++) {
		if (!(v->delivered & (1u << id)))
			continue;
		uint64_t bit;
		const uint64_t *w = line_word(v, id, &bit);
		if (*w & bit)
			continue; /* still raised: the guest has not finished with it */
		axv_virq_eoi(virq, id);
		v->delivered &= ~(1u << id);
	}
}

int axv_la64_lower_irq(struct axv_la64_vcpu *v, uint32_t id)
{
	if (!v || id >= AXV_LA64_IRQ_COUNT)
		return AXV_EINVAL;
	uint64_t bit;
	uint64_t *w = line_word(v, id, &bit);
	*w &= ~bit;
	return 0;
}

const struct axv_vic_ops axv_la64_vic_ops = {
	.deliver = vic_deliver,
	.sync = vic_sync,
};
