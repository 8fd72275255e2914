/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the one nested page-table engine. It walks a range of a page table once per pass,
 * reading everything format-specific from a struct axv_pt_format (plain data). Each pass is
 * a short recursive walker; none of them can fail, because every frame a pass needs is
 * counted and taken into a pool (struct pt_pool) before the first entry is written.
 */
#ifndef AXV_LIB_ADDRSPACE_PT_H
#define AXV_LIB_ADDRSPACE_PT_H

#include <axv/addrspace.h>
#include <axv/err.h>

/* Frames taken up front; linked through their first word (they are ours and invisible).
 * The first `stock` of them (the bottom of the list) came from the reservation's stock. */
struct pt_pool {
	axv_hpa_t head;
	size_t n;
	size_t stock;
};

/* One walk: the environment of every pass. */
struct pt_walk {
	struct axv_addrspace *as;
	const struct axv_pt_format *f;
	struct pt_pool *pool;
	uint64_t attr_page, attr_block; /* new leaves (map, populate, protect) */
	uint64_t keep_page, keep_block; /* parts of a split block outside the range */
	axv_hpa_t pa_base;              /* map_linear: host address of gpa_base */
	axv_gpa_t gpa_base;
	bool unmap;  /* break/make: removing, not changing attributes */
	bool owned;  /* the leaves' frames belong to the space (alloc areas) */
	size_t tables, frames; /* counting passes: frames the walk will need */
	/* count_map: end of the last entry per level found empty and counted as a new table,
	 * so ranges counted one after another in address order (the alloc areas a write
	 * populates) count a table they share once */
	uint64_t counted_end[AXV_PT_MAX_LEVELS];
	uint64_t lo, hi;       /* break pass: range covering every changed entry */
};

/* Attribute template of @flags (without page/block bits). */
uint64_t pt_attrs(const struct axv_pt_format *f, axv_map_flags_t flags);
/* Flags that are valid for a mapping. */
bool pt_flags_ok(axv_map_flags_t flags);

/* Host pointer of a page-table page (or any frame taken through the pool): a constant
 * offset while every frame the space took satisfied it, else the HAL's hook. */
static inline uint64_t *pt_va(const struct axv_addrspace *as, axv_hpa_t pa)
{
	if (__builtin_expect(as->linear, 1))
		/* NOLINTNEXTLINE(performance-no-int-to-ptr): the constant-offset fast path */
		return (uint64_t *)(uintptr_t)((uintptr_t)pa + as->va_off);
	return (uint64_t *)as->hal->mem->phys_to_virt(as->hal->ctx, pa);
}

/* Take tables + frames frames into the pool: from the reservation stock when [s, e) lies in
 * the reserved range (guest frames only if the reservation covers them), else the HAL.
 * All or nothing. */
int pt_pool_fill(struct axv_addrspace *as, struct pt_pool *p, size_t tables, size_t frames,
		 uint64_t s, uint64_t e);
/* After the walk: frames left over go where freed frames go (pt_put). */
void pt_pool_drain(struct axv_addrspace *as, struct pt_pool *p);
/* The call fails after the fill: every frame goes back where it came from (the stock's to
 * the stock, in their old order; the HAL's to the HAL), so nothing has changed. */
void pt_pool_undo(struct axv_addrspace *as, struct pt_pool *p);
/* Give a frame back: to the reservation stock while it is below its cap (guest frames only
 * when it covers them), else to the HAL. */
void pt_put(struct axv_addrspace *as, axv_hpa_t pa, bool guest);

/* Counting passes (no writes). */
void pt_count_map(struct pt_walk *w, bool linear, axv_gpa_t s, axv_gpa_t e);
void pt_count_cut(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e);
/* Tables [s, e) lacks for its worst case (w->tables), and the worst case itself (*most). */
void pt_count_reserve(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e, size_t *most);

/* Mutating passes; they cannot fail once the pool holds what the count asked for. */
void pt_map_linear(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e);
void pt_populate(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e);
void pt_break(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e);
void pt_make(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e);
/* Free every table below the root (leaves are not looked at) and the root itself. */
void pt_free_all(struct axv_addrspace *as);

/* The leaf mapping gpa through the HAL's hook (tables not at a constant offset). */
int pt_lookup_slow(const struct axv_addrspace *as, axv_gpa_t gpa, uint64_t *entry,
		   unsigned *level);

/* The leaf mapping gpa: 0 and its entry and level, or AXV_ENOENT. Inline and without calls
 * on the constant-offset path: translate's whole cost is this loop of dependent loads. Every
 * level below the root indexes 9 bits (axv_pt_format_check() guarantees it), so the shift
 * drops by 9 per level and only the root needs its own index width. */
static inline int pt_lookup_fast_t(const struct axv_addrspace *as, axv_gpa_t gpa,
				   uint64_t *entry, unsigned *level, const uint64_t **table)
{
	const struct axv_pt_format *f = as->fmt;
	const uintptr_t off = as->va_off;
	const uint64_t bm = f->block_mask, bv = f->block_val, oa = f->oa_mask;
	unsigned leaf_level = (unsigned)f->levels - 1, sh = f->shift[0];
	if (leaf_level >= AXV_PT_MAX_LEVELS)
		__builtin_unreachable();
	/* NOLINTNEXTLINE(performance-no-int-to-ptr): tables are reached at a constant offset */
	const uint64_t *t = (const uint64_t *)(uintptr_t)((uintptr_t)as->root + off);
	uint64_t e = t[(gpa >> sh) & (((uint64_t)1 << f->index_bits[0]) - 1)];
	unsigned l = 0;
	for (;;) {
		if (e == f->empty[l])
			return AXV_ENOENT;
		if (l >= leaf_level || (e & bm) == bv)
			break;
		/* NOLINTNEXTLINE(performance-no-int-to-ptr): as above, from the entry's address */
		t = (const uint64_t *)(uintptr_t)((uintptr_t)(e & oa) + off);
		l++;
		sh -= 9;
		e = t[(gpa >> sh) & 511];
	}
	if (!(e & f->valid_mask))
		return AXV_ENOENT;
	*entry = e;
	*level = l;
	*table = t;
	return 0;
}

static inline int pt_lookup_fast(const struct axv_addrspace *as, axv_gpa_t gpa, uint64_t *entry,
				 unsigned *level)
{
	const uint64_t *t;
	return pt_lookup_fast_t(as, gpa, entry, level, &t);
}

static inline int pt_lookup(const struct axv_addrspace *as, axv_gpa_t gpa, uint64_t *entry,
			    unsigned *level)
{
	if (__builtin_expect(!as->linear, 0))
		return pt_lookup_slow(as, gpa, entry, level);
	return pt_lookup_fast(as, gpa, entry, level);
}

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}
#endif
