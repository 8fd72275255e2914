/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Virtual interrupt core: three bitmaps of _Atomic uint64_t words (pending, enabled,
 * active) and four priority bytes per _Atomic uint32_t. Only 32- and 64-bit atomics are
 * used, so everything compiles inline on every target (no libatomic calls).
 *
 * Memory order: the read-modify-writes and loads here are sequentially consistent. The vcpu
 * module relies on it: "pend, then read the vcpu state" (injector) against "publish the
 * state, then read pending" (the cpu running the vcpu) must not both miss each other.
 */
#include <stdatomic.h>

#include <axv/err.h>
#include <axv/virq.h>

#include "axv_bits.h"

static inline uint64_t bit_of(uint32_t id)
{
	return UINT64_C(1) << (id % 64u);
}

static inline int check(const struct axv_virq *v, uint32_t id)
{
	if (!v)
		return AXV_EINVAL;
	return id < AXV_VIRQ_MAX ? 0 : AXV_ERANGE;
}

static inline uint8_t prio_of(const struct axv_virq *v, uint32_t id)
{
	uint32_t w = atomic_load_explicit(&v->prio[id / 4u], memory_order_relaxed);
	return (uint8_t)(w >> ((id % 4u) * 8u));
}

int axv_virq_init(struct axv_virq *v)
{
	if (!v)
		return AXV_EINVAL;
	for (unsigned i = 0; i < AXV_VIRQ_WORDS; i++) {
		atomic_init(&v->pending[i], 0);
		atomic_init(&v->enabled[i], 0);
		atomic_init(&v->active[i], 0);
	}
	uint32_t p = AXV_VIRQ_PRIO_DEFAULT & 0xffu;
	p |= p << 8;
	p |= p << 16;
	for (unsigned i = 0; i < AXV_VIRQ_MAX / 4u; i++)
		atomic_init(&v->prio[i], p);
	return 0;
}

int axv_virq_pend(struct axv_virq *v, uint32_t id)
{
	int rc = check(v, id);
	if (rc != 0)
		return rc;
	uint64_t old = atomic_fetch_or(&v->pending[id / 64u], bit_of(id));
	return (old & bit_of(id)) ? AXV_EALREADY : 0;
}

int axv_virq_unpend(struct axv_virq *v, uint32_t id)
{
	int rc = check(v, id);
	if (rc == 0)
		atomic_fetch_and(&v->pending[id / 64u], ~bit_of(id));
	return rc;
}

int axv_virq_enable(struct axv_virq *v, uint32_t id)
{
	int rc = check(v, id);
	if (rc == 0)
		atomic_fetch_or(&v->enabled[id / 64u], bit_of(id));
	return rc;
}

int axv_virq_disable(struct axv_virq *v, uint32_t id)
{
	int rc = check(v, id);
	if (rc == 0)
		atomic_fetch_and(&v->enabled[id / 64u], ~bit_of(id));
	return rc;
}

int axv_virq_set_priority(struct axv_virq *v, uint32_t id, uint8_t prio)
{
	int rc = check(v, id);
	if (rc != 0)
		return rc;
	_Atomic uint32_t *w = &v->prio[id / 4u];
	unsigned shift = (id % 4u) * 8u;
	uint32_t old = atomic_load_explicit(w, memory_order_relaxed);
	uint32_t nw;
	do {
		nw = (old & ~(UINT32_C(0xff) << shift)) | ((uint32_t)prio << shift);
	} while (!atomic_compare_exchange_weak(w, &old, nw));
	return 0;
}

int axv_virq_priority(const struct axv_virq *v, uint32_t id, uint8_t *prio)
{
	int rc = check(v, id);
	if (rc != 0)
		return rc;
	if (!prio)
		return AXV_EINVAL;
	*prio = prio_of(v, id);
	return 0;
}

static bool test_bit(const _Atomic uint64_t *map, const struct axv_virq *v, uint32_t id)
{
	if (check(v, id) != 0)
		return false;
	return (atomic_load(&map[id / 64u]) & bit_of(id)) != 0;
}

bool axv_virq_is_pending(const struct axv_virq *v, uint32_t id)
{
	return v && test_bit(v->pending, v, id);
}

bool axv_virq_is_enabled(const struct axv_virq *v, uint32_t id)
{
	return v && test_bit(v->enabled, v, id);
}

bool axv_virq_is_active(const struct axv_virq *v, uint32_t id)
{
	return v && test_bit(v->active, v, id);
}

static inline uint64_t deliverable_word(const struct axv_virq *v, unsigned i)
{
	return atomic_load(&v->pending[i]) & atomic_load(&v->enabled[i]) &
	       ~atomic_load(&v->active[i]);
}

uint32_t axv_virq_highest_pending(const struct axv_virq *v, uint8_t *prio)
{
	if (!v)
		return AXV_VIRQ_NONE;
	uint32_t best = AXV_VIRQ_NONE;
	unsigned best_prio = 256;
	for (unsigned i = 0; i < AXV_VIRQ_WORDS && best_prio > 0; i++) {
		uint64_t d = deliverable_word(v, i);
		while (d) {
			unsigned b = axv_ctz64(d);
			d &= d - 1;
			uint32_t id = i * 64u + b;
			unsigned p = prio_of(v, id);
			/* Strictly lower value wins: ids are visited in increasing order, so a
			 * tie keeps the lowest id. */
			if (p < best_prio) {
				best_prio = p;
				best = id;
				if (p == 0)
					break;
			}
		}
	}
	if (best != AXV_VIRQ_NONE && prio)
		*prio = (uint8_t)best_prio;
	return best;
}

bool axv_virq_any_deliverable(const struct axv_virq *v)
{
	if (!v)
		return false;
	for (unsigned i = 0; i < AXV_VIRQ_WORDS; i++)
		if (deliverable_word(v, i))
			return true;
	return false;
}

/* Pending -> active for one id. The consumer is single, so the id seen pending stays
 * pending until here unless axv_virq_unpend() withdrew it; either way it ends active,
 * and a pend that lands after the fetch_and is a new, separate pending instance. */
static void make_active(struct axv_virq *v, uint32_t id)
{
	atomic_fetch_or(&v->active[id / 64u], bit_of(id));
	atomic_fetch_and(&v->pending[id / 64u], ~bit_of(id));
}

int axv_virq_activate(struct axv_virq *v, uint32_t id)
{
	int rc = check(v, id);
	if (rc == 0)
		make_active(v, id);
	return rc;
}

int axv_virq_ack(struct axv_virq *v, uint32_t *id)
{
	if (!v || !id)
		return AXV_EINVAL;
	uint32_t best = axv_virq_highest_pending(v, NULL);
	if (best == AXV_VIRQ_NONE)
		return AXV_ENOENT;
	make_active(v, best);
	*id = best;
	return 0;
}

int axv_virq_eoi(struct axv_virq *v, uint32_t id)
{
	int rc = check(v, id);
	if (rc != 0)
		return rc;
	uint64_t old = atomic_fetch_and(&v->active[id / 64u], ~bit_of(id));
	return (old & bit_of(id)) ? 0 : AXV_ESTATE;
}

int axv_virq_flush(struct axv_virq *v, const struct axv_vic_ops *ops, void *ctx)
{
	if (!v || !ops || !ops->deliver)
		return AXV_EINVAL;
	if (ops->sync)
		ops->sync(ctx, v);
	int n = 0;
	uint32_t gone = AXV_VIRQ_NONE;
	for (;;) {
		uint8_t prio = 0;
		uint32_t id = axv_virq_highest_pending(v, &prio);
		if (id == AXV_VIRQ_NONE)
			break;
		/* Offer first, mark active only once taken: a refused interrupt was never
		 * touched, so no concurrent pend can be lost or merged. */
		int rc = ops->deliver(ctx, id, prio);
		if (rc == AXV_VIC_GONE) {
			/* It left (moved or withdrawn) after the choice above: choose again. The
			 * same id gone twice in a row means it keeps coming back; leave the rest
			 * for the next entry rather than loop. */
			if (id == gone)
				break;
			gone = id;
			continue;
		}
		if (rc != 0 && rc != AXV_VIC_TAKEN)
			break; /* no room now (or an unknown answer): the rest stays pending */
		if (rc == 0)
			make_active(v, id);
		gone = AXV_VIRQ_NONE;
		n++;
	}
	return n;
}
