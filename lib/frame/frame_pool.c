/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The frame pool: a HAL memory backend over one caller-supplied region.
 *
 * State: a bitmap (bit set = frame free) and a doubly linked list of the free frames, whose
 * links live in the first 16 bytes of each free frame. Single frames are popped from and
 * pushed to the list head (O(1)); a run is found in the bitmap a word at a time and its
 * frames are unlinked one by one (O(count)). The bitmap makes every free checkable: a frame
 * that is already free, or outside the region, is refused before anything changes.
 */
#include "axv_bits.h"
#include "axv_mem.h"

#include <axv/err.h>
#include <axv/frame_pool.h>

#define NIL UINT64_MAX

/* The links a free frame carries in its first bytes. */
struct link {
	uint64_t next, prev;
};

static inline struct link *lnk(const struct axv_frame_pool *p, uint64_t i)
{
	return (struct link *)(void *)(p->host + (i << AXV_FRAME_SHIFT));
}

static inline bool bit(const struct axv_frame_pool *p, uint64_t i)
{
	return (p->bitmap[i / 64] >> (i % 64)) & 1u;
}

static inline void lock(const struct axv_frame_pool *p)
{
	if (p->lock)
		p->lock(p->lock_ctx);
}

static inline void unlock(const struct axv_frame_pool *p)
{
	if (p->unlock)
		p->unlock(p->lock_ctx);
}

static inline void push(struct axv_frame_pool *p, uint64_t i)
{
	struct link *l = lnk(p, i);
	l->next = p->head;
	l->prev = NIL;
	if (p->head != NIL)
		lnk(p, p->head)->prev = i;
	p->head = i;
	p->bitmap[i / 64] |= (uint64_t)1 << (i % 64);
}

static inline void unlink_frame(struct axv_frame_pool *p, uint64_t i)
{
	const struct link *l = lnk(p, i);
	uint64_t n = l->next, pr = l->prev;
	if (pr != NIL)
		lnk(p, pr)->next = n;
	else
		p->head = n;
	if (n != NIL)
		lnk(p, n)->prev = pr;
	p->bitmap[i / 64] &= ~((uint64_t)1 << (i % 64));
}

int axv_frame_pool_init(struct axv_frame_pool *pool, axv_hpa_t base, void *host, uint64_t size,
			uint64_t *bitmap, size_t words)
{
	const uint64_t pm = AXV_FRAME_SIZE - 1;
	if (!pool || !host || (base & pm) || ((uintptr_t)host & pm) || (size & pm))
		return AXV_EINVAL;
	if (size != 0 && base + (size - 1) < base)
		return AXV_ERANGE;
	uint64_t frames = size >> AXV_FRAME_SHIFT;
	if (frames >= NIL / 2)
		return AXV_ERANGE;
	if (bitmap) {
		if (words < axv_frame_pool_bitmap_words((size_t)frames))
			return AXV_EINVAL;
	} else {
		/* Carve: the last frames hold the bitmap of the frames before them. */
		uint64_t bm = 0;
		while (bm < frames &&
		       axv_frame_pool_bitmap_words((size_t)(frames - bm)) * 8 > bm * AXV_FRAME_SIZE)
			bm++;
		if (bm >= frames)
			return AXV_ENOMEM;
		frames -= bm;
		bitmap = (uint64_t *)(void *)((unsigned char *)host + (frames << AXV_FRAME_SHIFT));
	}
	if (frames == 0)
		return AXV_ENOMEM;
	struct axv_frame_pool p = {
		.base = base, .host = host, .frames = (size_t)frames, .nfree = (size_t)frames,
		.bitmap = bitmap, .head = NIL,
	};
	axv_memset(bitmap, 0, axv_frame_pool_bitmap_words(p.frames) * sizeof(uint64_t));
	/* Push from the top so the list hands out ascending addresses. */
	for (uint64_t i = frames; i-- > 0;)
		push(&p, i);
	*pool = p;
	return 0;
}

int axv_frame_pool_set_lock(struct axv_frame_pool *pool, void (*lock_fn)(void *ctx),
			    void (*unlock_fn)(void *ctx), void *ctx)
{
	if (!pool || (!lock_fn) != (!unlock_fn))
		return AXV_EINVAL;
	pool->lock = lock_fn;
	pool->unlock = unlock_fn;
	pool->lock_ctx = ctx;
	return 0;
}

/* First busy frame in [i, i + n), or NIL when all are free. Word at a time. */
static uint64_t first_busy(const struct axv_frame_pool *p, uint64_t i, uint64_t n)
{
	uint64_t end = i + n;
	while (i < end) {
		uint64_t w = i / 64, b = i % 64;
		uint64_t busy = ~p->bitmap[w] >> b;
		uint64_t span = 64 - b;
		if (span > end - i)
			span = end - i;
		if (span < 64)
			busy &= ((uint64_t)1 << span) - 1;
		if (busy)
			return i + (uint64_t)axv_ctz64(busy);
		i += span;
	}
	return NIL;
}

/* First free frame at or after i, or NIL. */
static uint64_t next_free(const struct axv_frame_pool *p, uint64_t i)
{
	while (i < p->frames) {
		uint64_t w = p->bitmap[i / 64] >> (i % 64);
		if (w)
			return i + (uint64_t)axv_ctz64(w);
		i = (i | 63) + 1;
	}
	return NIL;
}

static int alloc_locked(struct axv_frame_pool *p, size_t count, size_t align, axv_hpa_t *pa)
{
	if (count > p->nfree)
		return AXV_ENOMEM;
	if (count == 1 && align == 1) {
		uint64_t i = p->head;
		unlink_frame(p, i);
		p->nfree--;
		*pa = p->base + (i << AXV_FRAME_SHIFT);
		return 0;
	}
	/* Alignment is of the physical address: find the first aligned index. */
	uint64_t a = align, bf = p->base >> AXV_FRAME_SHIFT;
	uint64_t mis = bf & (a - 1);
	uint64_t i = mis ? a - mis : 0;
	while (i < p->frames && p->frames - i >= count) {
		uint64_t f = next_free(p, i);
		if (f == NIL)
			break;
		if (f > i) { /* skip to the first aligned start at or after the free frame */
			i = ((f + mis + a - 1) & ~(a - 1)) - mis;
			continue;
		}
		uint64_t b = first_busy(p, i, count);
		if (b == NIL) {
			for (uint64_t k = 0; k < count; k++)
				unlink_frame(p, i + k);
			p->nfree -= count;
			*pa = p->base + (i << AXV_FRAME_SHIFT);
			return 0;
		}
		i = ((b + 1 + mis + a - 1) & ~(a - 1)) - mis;
	}
	return AXV_ENOMEM;
}

int axv_frame_pool_alloc(struct axv_frame_pool *pool, size_t count, size_t align, axv_hpa_t *pa)
{
	if (!pool || !pa || count == 0 || align == 0 || (align & (align - 1)))
		return AXV_EINVAL;
	lock(pool);
	int rc = alloc_locked(pool, count, align, pa);
	unlock(pool);
	return rc;
}

int axv_frame_pool_free(struct axv_frame_pool *pool, axv_hpa_t pa, size_t count)
{
	if (!pool || count == 0 || (pa & (AXV_FRAME_SIZE - 1)))
		return AXV_EINVAL;
	if (pa < pool->base)
		return AXV_ERANGE;
	uint64_t i = (pa - pool->base) >> AXV_FRAME_SHIFT;
	if (i >= pool->frames || count > pool->frames - i)
		return AXV_ERANGE;
	lock(pool);
	int rc = 0;
	for (uint64_t k = 0; k < count; k++) {
		if (bit(pool, i + k)) {
			rc = AXV_ENOENT; /* already free: double free; nothing is changed */
			break;
		}
	}
	if (rc == 0) {
		/* Push in reverse so a freed run is handed out again lowest frame first. */
		for (uint64_t k = count; k-- > 0;)
			push(pool, i + k);
		pool->nfree += count;
	}
	unlock(pool);
	return rc;
}

void *axv_frame_pool_ptr(const struct axv_frame_pool *pool, axv_hpa_t pa)
{
	if (!pool || pa < pool->base || ((pa - pool->base) >> AXV_FRAME_SHIFT) >= pool->frames)
		return NULL;
	return pool->host + (pa - pool->base);
}

axv_hpa_t axv_frame_pool_phys(const struct axv_frame_pool *pool, const void *va)
{
	if (!pool)
		return AXV_HPA_INVALID;
	uintptr_t v = (uintptr_t)va, h = (uintptr_t)pool->host;
	if (v < h || ((v - h) >> AXV_FRAME_SHIFT) >= pool->frames)
		return AXV_HPA_INVALID;
	return pool->base + (axv_hpa_t)(v - h);
}

bool axv_frame_pool_is_free(const struct axv_frame_pool *pool, axv_hpa_t pa)
{
	if (!pool || (pa & (AXV_FRAME_SIZE - 1)) || !axv_frame_pool_ptr(pool, pa))
		return false;
	lock(pool);
	bool f = bit(pool, (pa - pool->base) >> AXV_FRAME_SHIFT);
	unlock(pool);
	return f;
}

size_t axv_frame_pool_free_frames(const struct axv_frame_pool *pool)
{
	return pool ? pool->nfree : 0;
}

size_t axv_frame_pool_total_frames(const struct axv_frame_pool *pool)
{
	return pool ? pool->frames : 0;
}

unsigned long axv_frame_pool_bad_frees(const struct axv_frame_pool *pool)
{
	return pool ? pool->bad_frees : 0;
}

/* ---- the HAL ops table (ctx is the pool) ---------------------------------------------- */

static int ops_alloc(void *ctx, size_t count, size_t align, axv_hpa_t *pa)
{
	return axv_frame_pool_alloc(ctx, count, align, pa);
}

static void ops_free(void *ctx, axv_hpa_t pa, size_t count)
{
	struct axv_frame_pool *p = ctx;
	if (axv_frame_pool_free(p, pa, count) != 0 && p) {
		lock(p);
		p->bad_frees++;
		unlock(p);
	}
}

static void *ops_p2v(void *ctx, axv_hpa_t pa)
{
	return axv_frame_pool_ptr(ctx, pa);
}

static axv_hpa_t ops_v2p(void *ctx, const void *va)
{
	return axv_frame_pool_phys(ctx, va);
}

const struct axv_hal_mem_ops axv_frame_pool_mem_ops = {ops_alloc, ops_free, ops_p2v, ops_v2p};
