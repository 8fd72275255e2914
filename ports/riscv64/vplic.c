/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A virtual PLIC (RISC-V Platform-Level Interrupt Controller Specification 1.0.0): the
 * register file of chapter 3, the level-triggered gateway of chapter 5 and the claim /
 * complete protocol of chapters 7-8, for the guest's S-mode contexts. Plain C; the example
 * hypervisor registers it on the bus and turns context lines into hvip.VSEIP.
 */
#include <axv/arch/riscv64.h>
#include <axv/bus.h>
#include <stdatomic.h>
#include <axv/err.h>

#define PRIO_BASE 0x0u
#define PENDING_BASE 0x1000u
#define ENABLE_BASE 0x2000u
#define ENABLE_STRIDE 0x80u
#define CONTEXT_BASE 0x200000u
#define CONTEXT_STRIDE 0x1000u
/* PLIC 1.0 chapter 4: priorities are WARL; this PLIC keeps 3 bits (0-7), as QEMU's. */
#define PRIO_MASK 7u

static void lock(struct axv_rv64_plic *p)
{
	while (atomic_exchange_explicit(&p->lock, 1u, memory_order_acquire))
		;
}

static void unlock(struct axv_rv64_plic *p)
{
	atomic_store_explicit(&p->lock, 0u, memory_order_release);
}

static uint64_t src_mask(const struct axv_rv64_plic *p)
{
	/* ids 1..nsrc; bit 0 (id 0, "no interrupt") never */
	return (p->nsrc >= 63 ? ~0ull : ((1ull << (p->nsrc + 1)) - 1)) & ~1ull;
}

/* The claimable source with the highest priority for context c, or 0. */
static uint32_t best(const struct axv_rv64_plic *p, uint32_t c)
{
	uint64_t cand = p->pending & p->enable[c] & ~p->claimed;
	uint32_t id = 0, prio = 0;
	for (uint32_t s = 1; s <= p->nsrc; s++) {
		if (!((cand >> s) & 1))
			continue;
		/* Priority 0 never interrupts; only priorities above the threshold do (ch. 4, 6). */
		if (p->prio[s] > p->threshold[c] && p->prio[s] > prio) {
			prio = p->prio[s];
			id = s;
		}
	}
	return id;
}

/* Recompute every context's line; report the changes. Called with the lock held. */
static void update(struct axv_rv64_plic *p)
{
	for (uint32_t c = 0; c < p->nctx; c++) {
		bool now = best(p, c) != 0;
		bool was = (p->eip >> c) & 1u;
		if (now == was)
			continue;
		p->eip = now ? p->eip | (1u << c) : p->eip & ~(1u << c);
		if (p->notify)
			p->notify(p->notify_ctx, c, now);
	}
}

int axv_rv64_plic_init(struct axv_rv64_plic *p, uint32_t nsrc, uint32_t nctx,
		       void (*notify)(void *ctx, uint32_t context, bool level), void *notify_ctx)
{
	if (!p || nsrc < 1 || nsrc > AXV_RV64_PLIC_MAX_SOURCES || nctx < 1 ||
	    nctx > AXV_RV64_PLIC_MAX_CONTEXTS)
		return AXV_EINVAL;
	for (uint32_t s = 0; s <= AXV_RV64_PLIC_MAX_SOURCES; s++)
		p->prio[s] = 0;
	for (uint32_t c = 0; c < AXV_RV64_PLIC_MAX_CONTEXTS; c++) {
		p->enable[c] = 0;
		p->threshold[c] = 0;
	}
	p->nsrc = nsrc;
	p->nctx = nctx;
	p->level = p->pending = p->claimed = 0;
	p->eip = 0;
	p->notify = notify;
	p->notify_ctx = notify_ctx;
	atomic_store_explicit(&p->lock, 0u, memory_order_relaxed);
	return 0;
}

int axv_rv64_plic_set_level(struct axv_rv64_plic *p, uint32_t src, bool level)
{
	if (!p)
		return AXV_EINVAL;
	if (src < 1 || src > p->nsrc)
		return AXV_ERANGE;
	lock(p);
	uint64_t bit = 1ull << src;
	if (level) {
		p->level |= bit;
		if (!(p->claimed & bit))
			p->pending |= bit; /* ch. 5: the gateway forwards one request at a time */
	} else {
		p->level &= ~bit;
		p->pending &= ~bit; /* a level source withdrawn before its claim */
	}
	update(p);
	unlock(p);
	return 0;
}

static uint32_t claim(struct axv_rv64_plic *p, uint32_t c)
{
	uint32_t id = best(p, c);
	if (id) {
		p->pending &= ~(1ull << id);
		p->claimed |= 1ull << id;
	}
	update(p);
	return id;
}

static void complete(struct axv_rv64_plic *p, uint32_t c, uint64_t id)
{
	/* ch. 8: a completion of an id that is not enabled for the context is ignored. */
	if (id < 1 || id > p->nsrc || !((p->enable[c] >> id) & 1))
		return;
	uint64_t bit = 1ull << id;
	if (!(p->claimed & bit))
		return;
	p->claimed &= ~bit;
	if (p->level & bit)
		p->pending |= bit; /* still high: a new request (ch. 5) */
	update(p);
}

/* The register a 32-bit access at off names (ch. 3): its kind, the context c (enable,
 * threshold, claim) and the index n (a priority's source, a pending or enable word). */
enum plic_reg { REG_NONE, REG_PRIO, REG_PENDING, REG_ENABLE, REG_THRESHOLD, REG_CLAIM };

static enum plic_reg reg_at(const struct axv_rv64_plic *p, uint64_t off, uint32_t *c,
			    uint64_t *n)
{
	if (off < PENDING_BASE) {
		*n = off / 4;
		return *n >= 1 && *n <= p->nsrc ? REG_PRIO : REG_NONE;
	}
	if (off < PENDING_BASE + 8) {
		*n = (off - PENDING_BASE) / 4;
		return REG_PENDING;
	}
	if (off >= ENABLE_BASE && off < ENABLE_BASE + ENABLE_STRIDE * p->nctx) {
		*c = (uint32_t)((off - ENABLE_BASE) / ENABLE_STRIDE);
		*n = (off - ENABLE_BASE) % ENABLE_STRIDE / 4;
		return *n < 2 ? REG_ENABLE : REG_NONE;
	}
	if (off >= CONTEXT_BASE && off < CONTEXT_BASE + CONTEXT_STRIDE * p->nctx) {
		*c = (uint32_t)((off - CONTEXT_BASE) / CONTEXT_STRIDE);
		uint64_t r = (off - CONTEXT_BASE) % CONTEXT_STRIDE;
		return r == 0 ? REG_THRESHOLD : r == 4 ? REG_CLAIM : REG_NONE;
	}
	return REG_NONE;
}

static int plic_read(void *ctx, uint64_t off, uint8_t width, uint64_t *v)
{
	struct axv_rv64_plic *p = ctx;
	*v = 0;
	if (!p || width != 4 || (off & 3))
		return 0;
	uint32_t c = 0;
	uint64_t n = 0;
	lock(p);
	switch (reg_at(p, off, &c, &n)) {
	case REG_PRIO:
		*v = p->prio[n];
		break;
	case REG_PENDING:
		*v = (uint32_t)((p->pending & src_mask(p)) >> (32 * n));
		break;
	case REG_ENABLE:
		*v = (uint32_t)(p->enable[c] >> (32 * n));
		break;
	case REG_THRESHOLD:
		*v = p->threshold[c];
		break;
	case REG_CLAIM:
		*v = claim(p, c);
		break;
	case REG_NONE:
		break;
	}
	unlock(p);
	return 0;
}

static int plic_write(void *ctx, uint64_t off, uint8_t width, uint64_t v)
{
	struct axv_rv64_plic *p = ctx;
	if (!p || width != 4 || (off & 3))
		return 0;
	uint32_t c = 0;
	uint64_t n = 0, m;
	lock(p);
	switch (reg_at(p, off, &c, &n)) {
	case REG_PRIO:
		p->prio[n] = (uint32_t)v & PRIO_MASK;
		break;
	case REG_ENABLE:
		m = 0xffffffffull << (32 * n);
		p->enable[c] = (p->enable[c] & ~m) | (((uint64_t)(uint32_t)v << (32 * n)) & src_mask(p));
		break;
	case REG_THRESHOLD:
		p->threshold[c] = (uint32_t)v & PRIO_MASK;
		break;
	case REG_CLAIM:
		complete(p, c, (uint32_t)v);
		break;
	case REG_PENDING: /* pending bits are read-only (ch. 3.3) */
	case REG_NONE:
		break;
	}
	update(p);
	unlock(p);
	return 0;
}

const struct axv_device_ops axv_rv64_plic_ops = {plic_read, plic_write};
