/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Address spaces: a sorted array of areas (kept in HAL frames) over the page-table engine.
 *
 * Every mutating call runs in the same order, so a failure can only happen before anything
 * changes: validate; count the frames the walk needs; take them (pool) and make room in the
 * area array; then break, one TLB flush, make, and update the areas. Frames released by the
 * call are given back after the flush.
 */
#include "../core/mem.h"

#include <axv/addrspace.h>
#include <axv/err.h>

#include "../core/log.h"
#include "pt.h"

#define PAGE AXV_FRAME_SIZE
#define PAGE_MASK ((uint64_t)AXV_FRAME_SIZE - 1)

struct area {
	uint64_t start;
	uint64_t size;
	uint64_t hpa; /* linear: host address of start */
	uint32_t flags;
	uint8_t kind;
	uint8_t populated;
	uint8_t pad[2];
};

#define AREAS_PER_FRAME (AXV_FRAME_SIZE / sizeof(struct area))

static inline struct area *areas(const struct axv_addrspace *as)
{
	return as->area_cap ? (struct area *)(void *)pt_va(as, as->area_pa) : NULL;
}

static inline uint64_t aend(const struct area *a)
{
	return a->start + a->size;
}

/* First area whose end is above gpa (so it contains gpa or lies after it). */
static size_t area_find(const struct area *v, size_t n, uint64_t gpa)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (aend(&v[mid]) <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- translation cache ----------------------------------------------------------------- *
 * One entry per leaf table: entry i caches region r = gpa >> tc_shift when r % 512 == i.
 * Layout: bit 0 valid, bits 11:1 the tag r / 512 (so regions below 2^(tc_shift + 20) only),
 * bits 51:12 the leaf table's physical address, bits 57:52 the flags of the one area that
 * covers the whole region and bit 58 set when there is such an area. Entries are read and
 * written as whole 64-bit words (relaxed atomics): concurrent translations may fill the same
 * entry, always with the same value while no mutating call runs (the API forbids that). */
#define TC_VALID 1ull
#define TC_TAG_BITS 11u
#define TC_PA_MASK 0x000ffffffffff000ull
#define TC_FLAGS_SHIFT 52u
#define TC_EXACT (1ull << 58)

static inline void tc_clear(struct axv_addrspace *as)
{
	if (as->tc_shift)
		axv_memset(as->tcache, 0, sizeof(as->tcache));
}

/* Make room for `need` areas. Atomic: on failure nothing changes. */
static int area_reserve(struct axv_addrspace *as, size_t need)
{
	if (need <= as->area_cap)
		return 0;
	size_t cap = as->area_cap ? as->area_cap * 2 : AREAS_PER_FRAME;
	while (cap < need)
		cap *= 2;
	size_t frames = cap / AREAS_PER_FRAME;
	axv_hpa_t pa;
	int rc = axv_frame_alloc_run(&as->frames, frames, 1, 0, &pa);
	if (rc != 0)
		return rc;
	struct area *nv = as->hal->mem->phys_to_virt(as->hal->ctx, pa);
	if (!nv) {
		axv_frame_free_run(&as->frames, pa, frames);
		return AXV_EFAULT;
	}
	if ((uintptr_t)nv - (uintptr_t)pa != as->va_off)
		as->linear = false;
	if (as->area_cap) {
		axv_memcpy(nv, areas(as), as->nareas * sizeof(struct area));
		axv_frame_free_run(&as->frames, as->area_pa, as->area_frames);
	}
	as->area_pa = pa;
	as->area_frames = frames;
	as->area_cap = cap;
	return 0;
}

static void area_insert(struct axv_addrspace *as, size_t pos, const struct area *a)
{
	struct area *v = areas(as);
	axv_memmove(&v[pos + 1], &v[pos], (as->nareas - pos) * sizeof(*v));
	v[pos] = *a;
	as->nareas++;
}

/* Split the area at index i at gpa (strictly inside it): one area more. */
static void area_split(struct axv_addrspace *as, size_t i, uint64_t gpa)
{
	struct area hi = areas(as)[i];
	uint64_t off = gpa - hi.start;
	hi.start = gpa;
	hi.size -= off;
	if (hi.kind == AXV_AREA_LINEAR)
		hi.hpa += off;
	areas(as)[i].size = off;
	area_insert(as, i + 1, &hi);
}

static void flush(struct axv_addrspace *as, uint64_t lo, uint64_t hi)
{
	const struct axv_hal_tlb_ops *t = as->hal->tlb;
	if (t && t->flush_range)
		t->flush_range(as->hal->ctx, as->tlb_tag, lo, hi - lo);
}

static int check_range(const struct axv_addrspace *as, uint64_t gpa, uint64_t size)
{
	if (size == 0 || ((gpa | size) & PAGE_MASK))
		return AXV_EINVAL;
	if (gpa + size < gpa)
		return AXV_ERANGE;
	if (gpa < as->base || gpa + size > as->base + as->size)
		return AXV_ERANGE;
	return 0;
}

static void walk_init(struct pt_walk *w, struct axv_addrspace *as, struct pt_pool *pool)
{
	axv_memset(w, 0, sizeof(*w));
	w->as = as;
	w->f = as->fmt;
	w->pool = pool;
}

static void walk_attrs(struct pt_walk *w, axv_map_flags_t nw, axv_map_flags_t keep)
{
	uint64_t a = pt_attrs(w->f, nw), k = pt_attrs(w->f, keep);
	w->attr_page = a | w->f->page_bits;
	w->attr_block = a | w->f->block_bits;
	w->keep_page = k | w->f->page_bits;
	w->keep_block = k | w->f->block_bits;
}

/* ---- init / destroy ------------------------------------------------------------------- */

int axv_addrspace_init(struct axv_addrspace *as, const struct axv_hal *hal,
		       const struct axv_pt_format *fmt, axv_gpa_t base, uint64_t size,
		       uint64_t tlb_tag)
{
	if (!as || axv_hal_check(hal, AXV_HAL_NEED_MEM) != 0 || axv_pt_format_check(fmt) != 0)
		return AXV_EINVAL;
	if (size == 0 || ((base | size) & PAGE_MASK))
		return AXV_EINVAL;
	if (base + size < base || base + size > ((uint64_t)1 << fmt->ia_bits))
		return AXV_ERANGE;
	/*
	 * Only the frame accounting and the root are built aside (the struct, with its
	 * translation cache, is over 4 KiB: never a local), so *as is untouched on failure.
	 */
	struct axv_frames frames;
	axv_hpa_t root;
	int rc = axv_frames_init(&frames, hal);
	if (rc != 0)
		return rc;
	rc = axv_frame_alloc_run(&frames, fmt->root_frames, fmt->root_frames, 0, &root);
	if (rc != 0) {
		axv_frames_destroy(&frames);
		return rc;
	}
	uint64_t *t = hal->mem->phys_to_virt(hal->ctx, root);
	if (!t) {
		axv_frame_free_run(&frames, root, fmt->root_frames);
		axv_frames_destroy(&frames);
		return AXV_EFAULT;
	}
	size_t ents = (size_t)1 << fmt->index_bits[0];
	for (size_t i = 0; i < ents; i++)
		t[i] = fmt->empty[0];
	axv_memset(as, 0, sizeof(*as));
	as->frames = frames;
	as->root = root;
	as->hal = hal;
	as->fmt = fmt;
	as->base = base;
	as->size = size;
	as->tlb_tag = tlb_tag;
	as->va_off = (uintptr_t)t - (uintptr_t)root;
	as->linear = true;
	as->area_pa = AXV_HPA_INVALID;
	as->pt_pages = fmt->root_frames;
	as->stock = AXV_HPA_INVALID;
	/* The translation cache serves formats whose last level is 512 entries of 4 KiB. */
	unsigned last = (unsigned)fmt->levels - 1u;
	if (last >= 1 && last < AXV_PT_MAX_LEVELS && fmt->shift[last] == 12 &&
	    fmt->index_bits[last] == 9) {
		as->tc_shift = fmt->shift[last - 1];
		as->tc_empty = fmt->empty[last];
		as->tc_valid = fmt->valid_mask;
		as->tc_oa = fmt->oa_mask;
	}
	return 0;
}

int axv_addrspace_destroy(struct axv_addrspace *as)
{
	if (!as || !as->hal)
		return AXV_EINVAL;
	tc_clear(as); /* areas or tables may change */
	const struct axv_hal_tlb_ops *t = as->hal->tlb;
	if (t && t->flush_all)
		t->flush_all(as->hal->ctx, as->tlb_tag);
	axv_addrspace_unreserve(as); /* from here on everything goes back to the HAL */
	struct pt_pool pool = {AXV_HPA_INVALID, 0, 0};
	struct pt_walk w;
	for (size_t i = 0; i < as->nareas; i++) {
		struct area a = areas(as)[i];
		if (a.kind != AXV_AREA_ALLOC)
			continue;
		walk_init(&w, as, &pool);
		w.unmap = true;
		w.owned = true;
		pt_make(&w, a.start, aend(&a)); /* gives the frames back and frees their tables */
	}
	pt_free_all(as);
	if (as->area_cap)
		axv_frame_free_run(&as->frames, as->area_pa, as->area_frames);
	as->area_cap = 0;
	as->nareas = 0;
	int rc = axv_frames_destroy(&as->frames);
	if (rc != 0) {
		axv_log(as->hal, AXV_LOG_ERROR, "addrspace: frames left after destroy");
		return rc;
	}
	as->hal = NULL;
	return 0;
}

/* ---- map ------------------------------------------------------------------------------ */

/* Validate a new area's range; on success *pos is where it goes. */
static int new_area_pos(const struct axv_addrspace *as, uint64_t gpa, uint64_t size,
			axv_map_flags_t flags, size_t *pos)
{
	int rc = check_range(as, gpa, size);
	if (rc == 0 && !pt_flags_ok(flags))
		rc = AXV_EINVAL;
	if (rc != 0)
		return rc;
	const struct area *v = areas(as);
	size_t i = area_find(v, as->nareas, gpa);
	if (i < as->nareas && v[i].start < gpa + size)
		return AXV_EEXIST;
	*pos = i;
	return 0;
}

int axv_addrspace_map_linear(struct axv_addrspace *as, axv_gpa_t gpa, axv_hpa_t hpa,
			     uint64_t size, axv_map_flags_t flags)
{
	if (!as || !as->hal)
		return AXV_EINVAL;
	tc_clear(as); /* areas or tables may change */
	if (hpa & PAGE_MASK)
		return AXV_EINVAL;
	size_t pos;
	int rc = new_area_pos(as, gpa, size, flags, &pos);
	if (rc != 0)
		return rc;
	if (hpa + size < hpa || ((hpa + size - 1) & ~as->fmt->oa_mask & ~PAGE_MASK))
		return AXV_ERANGE;

	struct pt_pool pool = {AXV_HPA_INVALID, 0, 0};
	struct pt_walk w;
	walk_init(&w, as, &pool);
	walk_attrs(&w, flags, flags);
	w.pa_base = hpa;
	w.gpa_base = gpa;
	pt_count_map(&w, true, gpa, gpa + size);
	rc = pt_pool_fill(as, &pool, w.tables, 0, gpa, gpa + size);
	if (rc == 0) {
		rc = area_reserve(as, as->nareas + 1);
		if (rc != 0)
			pt_pool_undo(as, &pool);
	}
	if (rc != 0)
		return rc;
	pt_map_linear(&w, gpa, gpa + size);
	struct area a = {.start = gpa, .size = size, .hpa = hpa, .flags = flags,
			 .kind = AXV_AREA_LINEAR, .populated = 1};
	area_insert(as, pos, &a);
	pt_pool_drain(as, &pool);
	flush(as, gpa, gpa + size);
	return 0;
}

/* Give zeroed frames to every empty page of alloc areas in [s, e). All or nothing. */
static int populate_range(struct axv_addrspace *as, uint64_t s, uint64_t e, size_t extra_areas,
			  const struct area *nw)
{
	struct pt_pool pool = {AXV_HPA_INVALID, 0, 0};
	struct pt_walk w;
	walk_init(&w, as, &pool);
	size_t n = as->nareas;
	const struct area *v = areas(as);
	if (nw) {
		pt_count_map(&w, false, nw->start, aend(nw));
	} else {
		for (size_t i = area_find(v, n, s); i < n && v[i].start < e; i++)
			if (v[i].kind == AXV_AREA_ALLOC)
				pt_count_map(&w, false, max_u64(v[i].start, s), min_u64(aend(&v[i]), e));
	}
	if (w.frames + w.tables == 0 && extra_areas == 0)
		return 0;
	int rc = pt_pool_fill(as, &pool, w.tables, w.frames, s, e);
	if (rc == 0 && extra_areas) {
		rc = area_reserve(as, as->nareas + extra_areas);
		if (rc != 0)
			pt_pool_undo(as, &pool);
	}
	if (rc != 0)
		return rc;
	v = areas(as);
	uint64_t lo = UINT64_MAX, hi = 0;
	if (nw) {
		walk_attrs(&w, nw->flags, nw->flags);
		pt_populate(&w, nw->start, aend(nw));
		lo = nw->start;
		hi = aend(nw);
	} else {
		for (size_t i = area_find(v, n, s); i < n && v[i].start < e; i++) {
			if (v[i].kind != AXV_AREA_ALLOC)
				continue;
			uint64_t cs = max_u64(v[i].start, s), ce = min_u64(aend(&v[i]), e);
			walk_attrs(&w, v[i].flags, v[i].flags);
			pt_populate(&w, cs, ce);
			lo = min_u64(lo, cs);
			hi = max_u64(hi, ce);
		}
	}
	pt_pool_drain(as, &pool);
	if (w.frames + w.tables)
		flush(as, lo, hi);
	return 0;
}

int axv_addrspace_map_alloc(struct axv_addrspace *as, axv_gpa_t gpa, uint64_t size,
			    axv_map_flags_t flags, bool populate)
{
	if (!as || !as->hal)
		return AXV_EINVAL;
	tc_clear(as); /* areas or tables may change */
	size_t pos;
	int rc = new_area_pos(as, gpa, size, flags, &pos);
	if (rc != 0)
		return rc;
	struct area a = {.start = gpa, .size = size, .hpa = AXV_HPA_INVALID, .flags = flags,
			 .kind = AXV_AREA_ALLOC, .populated = populate};
	if (populate) {
		rc = populate_range(as, gpa, gpa + size, 1, &a);
		if (rc != 0)
			return rc;
	} else {
		rc = area_reserve(as, as->nareas + 1);
		if (rc != 0)
			return rc;
		flush(as, gpa, gpa + size); /* nothing in the table changed; keeps the rule simple */
	}
	area_insert(as, pos, &a);
	return 0;
}

/* ---- unmap / protect ------------------------------------------------------------------ */

/* Drop [s, e) from the areas; i is the first area whose end is above s. The count is never
 * above its final value, even for a moment: a range strictly inside one area adds exactly one
 * area (the part above e) and everything else only trims or removes, so the room the caller
 * made for the final count is enough (the array holds area_cap records, not one more). */
static void areas_cut(struct axv_addrspace *as, size_t i, uint64_t s, uint64_t e)
{
	struct area *v = areas(as);
	if (v[i].start < s && aend(&v[i]) > e) {
		area_split(as, i, e);
		areas(as)[i].size = s - areas(as)[i].start;
		return;
	}
	if (v[i].start < s) {
		v[i].size = s - v[i].start;
		i++;
	}
	size_t j = i;
	while (j < as->nareas && aend(&v[j]) <= e)
		j++; /* [i, j) lie inside [s, e) */
	if (j > i) {
		axv_memmove(&v[i], &v[j], (as->nareas - j) * sizeof(*v));
		as->nareas -= j - i;
	}
	if (i < as->nareas && v[i].start < e) {
		uint64_t off = e - v[i].start;
		v[i].start = e;
		v[i].size -= off;
		if (v[i].kind == AXV_AREA_LINEAR)
			v[i].hpa += off;
	}
}

/* Break, flush once, make: over the pieces of every area [s, e) meets. */
static int change(struct axv_addrspace *as, uint64_t s, uint64_t e, bool unmap,
		  axv_map_flags_t flags, size_t extra_areas)
{
	struct pt_pool pool = {AXV_HPA_INVALID, 0, 0};
	struct pt_walk w;
	walk_init(&w, as, &pool);
	pt_count_cut(&w, s, e);
	int rc = pt_pool_fill(as, &pool, w.tables, 0, s, e);
	if (rc == 0) {
		rc = area_reserve(as, as->nareas + extra_areas);
		if (rc != 0)
			pt_pool_undo(as, &pool);
	}
	if (rc != 0)
		return rc;
	const struct area *v = areas(as);
	size_t first = area_find(v, as->nareas, s), n = as->nareas;
	w.unmap = unmap;
	w.lo = s;
	w.hi = e;
	for (size_t i = first; i < n && v[i].start < e; i++) {
		w.owned = v[i].kind == AXV_AREA_ALLOC;
		pt_break(&w, max_u64(v[i].start, s), min_u64(aend(&v[i]), e));
	}
	flush(as, w.lo, w.hi);
	for (size_t i = first; i < n && v[i].start < e; i++) {
		w.owned = v[i].kind == AXV_AREA_ALLOC;
		walk_attrs(&w, unmap ? v[i].flags : flags, v[i].flags);
		pt_make(&w, max_u64(v[i].start, s), min_u64(aend(&v[i]), e));
	}
	pt_pool_drain(as, &pool);
	return 0;
}

int axv_addrspace_unmap(struct axv_addrspace *as, axv_gpa_t gpa, uint64_t size)
{
	if (!as || !as->hal)
		return AXV_EINVAL;
	tc_clear(as); /* areas or tables may change */
	int rc = check_range(as, gpa, size);
	if (rc != 0)
		return rc;
	uint64_t e = gpa + size;
	size_t i = area_find(areas(as), as->nareas, gpa);
	if (i >= as->nareas || areas(as)[i].start >= e)
		return 0; /* nothing mapped there */
	/* Room for exactly the areas there will be: one more only when [gpa, e) lies strictly
	 * inside one area. Asking for more would make an unmap that only trims fail with
	 * AXV_ENOMEM (or call the HAL inside a reservation) when the array is full. */
	const struct area *v = areas(as);
	size_t more = v[i].start < gpa && aend(&v[i]) > e ? 1 : 0;
	rc = change(as, gpa, e, true, 0, more);
	if (rc != 0)
		return rc;
	areas_cut(as, i, gpa, e);
	return 0;
}

int axv_addrspace_protect(struct axv_addrspace *as, axv_gpa_t gpa, uint64_t size,
			  axv_map_flags_t flags)
{
	if (!as || !as->hal)
		return AXV_EINVAL;
	tc_clear(as); /* areas or tables may change */
	int rc = check_range(as, gpa, size);
	if (rc == 0 && !pt_flags_ok(flags))
		rc = AXV_EINVAL;
	if (rc != 0)
		return rc;
	uint64_t e = gpa + size;
	const struct area *v = areas(as);
	size_t i = area_find(v, as->nareas, gpa);
	/* The areas must tile [gpa, e) without a hole. */
	uint64_t at = gpa;
	for (size_t k = i; k < as->nareas && at < e; k++) {
		if (v[k].start > at)
			break;
		at = aend(&v[k]);
	}
	if (at < e)
		return AXV_ENOENT;
	/* Room for exactly the areas there will be: one more for each end of the range that
	 * falls strictly inside an area (0, 1 or 2). */
	size_t last = area_find(v, as->nareas, e - 1);
	size_t more = (v[i].start < gpa ? 1u : 0u) + (aend(&v[last]) > e ? 1u : 0u);
	rc = change(as, gpa, e, false, flags, more);
	if (rc != 0)
		return rc;
	if (areas(as)[i].start < gpa) {
		area_split(as, i, gpa);
		i++;
	}
	while (i < as->nareas && areas(as)[i].start < e) {
		if (aend(&areas(as)[i]) > e)
			area_split(as, i, e);
		areas(as)[i].flags = flags;
		i++;
	}
	return 0;
}

/* ---- lookup, faults, guest memory ----------------------------------------------------- */

static inline int translate_out(const struct axv_addrspace *as, axv_gpa_t gpa, uint64_t e,
				unsigned l, axv_hpa_t *hpa, uint64_t *left)
{
	uint64_t lsz = (uint64_t)1 << as->fmt->shift[l], off = gpa & (lsz - 1);
	if (hpa)
		*hpa = (e & as->fmt->oa_mask) + off;
	if (left)
		*left = lsz - off;
	return 0;
}

/* A translation by walking the table (and, on the constant-offset path, filling the
 * translation cache); `fast` selects the call-free lookup. */
static inline __attribute__((always_inline)) int
translate_walk(const struct axv_addrspace *as, axv_gpa_t gpa, axv_hpa_t *hpa,
	       axv_map_flags_t *flags, uint64_t *left, bool fast)
{
	const struct axv_pt_format *f = as->fmt;
	uint64_t e;
	unsigned l;
	const uint64_t *table = NULL;
	int rc = fast ? pt_lookup_fast_t(as, gpa, &e, &l, &table)
		      : pt_lookup_slow(as, gpa, &e, &l);
	if (rc != 0)
		return rc;
	const struct area *v = areas(as);
	const struct area *a = &v[area_find(v, as->nareas, gpa)];
	if (flags)
		*flags = a->flags;
	uint64_t r = as->tc_shift ? gpa >> as->tc_shift : 0, tag = r >> 9;
	if (fast && as->tc_shift && (tag >> TC_TAG_BITS) == 0 && l == (unsigned)f->levels - 1u &&
	    table) {
		uint64_t rs = r << as->tc_shift, re = rs + ((uint64_t)1 << as->tc_shift);
		uint64_t c = (((uint64_t)(uintptr_t)table - as->va_off) & TC_PA_MASK) |
			     (tag << 1) | TC_VALID;
		if (a->start <= rs && aend(a) >= re)
			c |= TC_EXACT | ((uint64_t)(a->flags & AXV_MAP_ALL) << TC_FLAGS_SHIFT);
		/* NOLINTNEXTLINE(performance-no-int-to-ptr): the cache is mutable inside a const space */
		uint64_t *slot = (uint64_t *)(uintptr_t)&as->tcache[r & (AXV_AS_TCACHE - 1)];
		__atomic_store_n(slot, c, __ATOMIC_RELAXED);
	}
	return translate_out(as, gpa, e, l, hpa, left);
}

static __attribute__((noinline)) int translate_miss(const struct axv_addrspace *as, axv_gpa_t gpa,
						    axv_hpa_t *hpa, axv_map_flags_t *flags,
						    uint64_t *left)
{
	return translate_walk(as, gpa, hpa, flags, left, true);
}

static __attribute__((noinline)) int translate_hook(const struct axv_addrspace *as, axv_gpa_t gpa,
						    axv_hpa_t *hpa, axv_map_flags_t *flags,
						    uint64_t *left)
{
	return translate_walk(as, gpa, hpa, flags, left, false);
}

/* The hot path stays small (no callee-saved registers to spill): a translation-cache hit is
 * one load of the cache entry and one of the leaf entry; everything else is out of line. */
int axv_addrspace_translate(const struct axv_addrspace *as, axv_gpa_t gpa, axv_hpa_t *hpa,
			    axv_map_flags_t *flags, uint64_t *left)
{
	if (!as || !as->hal)
		return AXV_EINVAL;
	if (gpa - as->base >= as->size) /* below base wraps to a huge value */
		return AXV_ERANGE;
	if (__builtin_expect(!as->linear, 0))
		return translate_hook(as, gpa, hpa, flags, left);
	if (as->tc_shift) {
		uint64_t r = gpa >> as->tc_shift, tag = r >> 9;
		uint64_t c = __atomic_load_n(&as->tcache[r & (AXV_AS_TCACHE - 1)], __ATOMIC_RELAXED);
		if (__builtin_expect((c & 0xfffu) == ((tag << 1) | TC_VALID) && c & TC_EXACT &&
					     (tag >> TC_TAG_BITS) == 0,
				     1)) {
			/* NOLINTNEXTLINE(performance-no-int-to-ptr): the constant-offset fast path */
			const uint64_t *t = (const uint64_t *)(uintptr_t)((c & TC_PA_MASK) + as->va_off);
			uint64_t e = t[(gpa >> 12) & 511];
			if (e == as->tc_empty || !(e & as->tc_valid))
				return AXV_ENOENT;
			uint64_t off = gpa & 0xfffu;
			if (hpa)
				*hpa = (e & as->tc_oa) + off;
			if (left)
				*left = 0x1000u - off;
			if (flags)
				*flags = (axv_map_flags_t)(c >> TC_FLAGS_SHIFT) & AXV_MAP_ALL;
			return 0;
		}
	}
	return translate_miss(as, gpa, hpa, flags, left);
}

int axv_addrspace_handle_fault(struct axv_addrspace *as, axv_gpa_t gpa, axv_map_flags_t access)
{
	if (!as || !as->hal)
		return AXV_EINVAL;
	const axv_map_flags_t rwx = AXV_MAP_READ | AXV_MAP_WRITE | AXV_MAP_EXEC;
	if (access == 0 || (access & ~rwx))
		return AXV_EINVAL;
	if (gpa < as->base || gpa - as->base >= as->size)
		return AXV_ERANGE;
	const struct area *v = areas(as);
	size_t i = area_find(v, as->nareas, gpa);
	if (i >= as->nareas || v[i].start > gpa)
		return AXV_ENOENT; /* not memory: MMIO */
	if ((v[i].flags & access) != access)
		return AXV_EACCES;
	uint64_t page = gpa & ~PAGE_MASK;
	return populate_range(as, page, page + PAGE, 0, NULL);
}

/* Check [gpa, gpa + len) lies in areas; *end is its end. */
static int check_mem(const struct axv_addrspace *as, uint64_t gpa, size_t len)
{
	if (gpa + len < gpa || gpa < as->base || gpa + len > as->base + as->size)
		return AXV_ERANGE;
	const struct area *v = areas(as);
	uint64_t at = gpa, e = gpa + len;
	for (size_t k = area_find(v, as->nareas, gpa); k < as->nareas && at < e; k++) {
		if (v[k].start > at)
			break;
		at = aend(&v[k]);
	}
	return at < e ? AXV_ENOENT : 0;
}

/* Copy between guest memory and buf; read: to buf. Pages not mapped read as zeros. */
/* Copy between guest memory and a host buffer: into @out (a read) when it is not NULL,
 * else from @in (a write). A dry run only checks that every backing page has a host
 * mapping, so a failing copy copies nothing. */
static int copy(const struct axv_addrspace *as, uint64_t gpa, unsigned char *out,
		const unsigned char *in, size_t len, bool dry)
{
	while (len) {
		size_t chunk = (size_t)min_u64(len, PAGE - (gpa & PAGE_MASK));
		uint64_t e;
		unsigned l;
		if (pt_lookup(as, gpa, &e, &l) != 0) {
			if (!dry && out)
				axv_memset(out, 0, chunk);
		} else {
			uint64_t off = gpa & (((uint64_t)1 << as->fmt->shift[l]) - 1);
			unsigned char *p =
				as->hal->mem->phys_to_virt(as->hal->ctx, (e & as->fmt->oa_mask) + off);
			if (!p)
				return AXV_EFAULT;
			if (!dry) {
				if (out)
					axv_memcpy(out, p, chunk);
				else
					axv_memcpy(p, in, chunk);
			}
		}
		gpa += chunk;
		if (out)
			out += chunk;
		else
			in += chunk;
		len -= chunk;
	}
	return 0;
}

int axv_addrspace_read(const struct axv_addrspace *as, axv_gpa_t gpa, void *buf, size_t len)
{
	if (!as || !as->hal || (!buf && len))
		return AXV_EINVAL;
	if (len == 0)
		return 0;
	int rc = check_mem(as, gpa, len);
	if (rc == 0)
		rc = copy(as, gpa, buf, NULL, len, true);
	if (rc == 0)
		rc = copy(as, gpa, buf, NULL, len, false);
	return rc;
}

int axv_addrspace_write(struct axv_addrspace *as, axv_gpa_t gpa, const void *buf, size_t len)
{
	if (!as || !as->hal || (!buf && len))
		return AXV_EINVAL;
	if (len == 0)
		return 0;
	int rc = check_mem(as, gpa, len);
	if (rc == 0)
		rc = copy(as, gpa, NULL, buf, len, true);
	if (rc == 0)
		rc = populate_range(as, gpa & ~PAGE_MASK, (gpa + len + PAGE_MASK) & ~PAGE_MASK, 0,
				    NULL);
	if (rc == 0)
		rc = copy(as, gpa, NULL, buf, len, false);
	return rc;
}

/* ---- reservation ---------------------------------------------------------------------- */

int axv_addrspace_reserve(struct axv_addrspace *as, axv_gpa_t gpa, uint64_t size,
			  unsigned flags, size_t more_areas)
{
	if (!as || !as->hal || (flags & ~AXV_RESERVE_FRAMES))
		return AXV_EINVAL;
	int rc = check_range(as, gpa, size);
	if (rc != 0)
		return rc;
	if (as->res_hi != as->res_lo)
		return AXV_EBUSY;
	if (more_areas > SIZE_MAX / 2 - as->nareas)
		return AXV_ERANGE;
	uint64_t e = gpa + size;
	struct pt_pool pool = {AXV_HPA_INVALID, 0, 0};
	struct pt_walk w;
	walk_init(&w, as, &pool);
	size_t most;
	pt_count_reserve(&w, gpa, e, &most);
	size_t need = w.tables, cap = most;
	if (flags & AXV_RESERVE_FRAMES) {
		/* every page may come to need a frame, minus those backed by one already */
		uint64_t pages = size >> AXV_FRAME_SHIFT, backed = 0;
		const struct area *v = areas(as);
		for (size_t i = area_find(v, as->nareas, gpa); i < as->nareas && v[i].start < e;
		     i++) {
			if (v[i].kind != AXV_AREA_ALLOC)
				continue;
			uint64_t cs = max_u64(v[i].start, gpa), ce = min_u64(aend(&v[i]), e);
			struct pt_walk c;
			walk_init(&c, as, &pool);
			pt_count_map(&c, false, cs, ce);
			backed += ((ce - cs) >> AXV_FRAME_SHIFT) - c.frames;
		}
		if (pages > SIZE_MAX / 2 || most > SIZE_MAX / 2)
			return AXV_ERANGE;
		need += (size_t)(pages - backed);
		cap += (size_t)pages;
	}
	rc = pt_pool_fill(as, &pool, need, 0, 0, 0);
	if (rc == 0) {
		rc = area_reserve(as, as->nareas + more_areas);
		if (rc != 0)
			pt_pool_undo(as, &pool);
	}
	if (rc != 0)
		return rc;
	as->stock = pool.head;
	as->stock_n = pool.n;
	as->stock_cap = cap;
	as->res_lo = gpa;
	as->res_hi = e;
	as->res_frames = (flags & AXV_RESERVE_FRAMES) != 0;
	return 0;
}

int axv_addrspace_unreserve(struct axv_addrspace *as)
{
	if (!as || !as->hal)
		return AXV_EINVAL;
	tc_clear(as); /* areas or tables may change */
	while (as->stock_n) {
		axv_hpa_t pa = as->stock;
		as->stock = *pt_va(as, pa);
		as->stock_n--;
		axv_frame_free(&as->frames, pa);
	}
	as->stock = AXV_HPA_INVALID;
	as->stock_cap = 0;
	as->res_lo = as->res_hi = 0;
	as->res_frames = false;
	return 0;
}

size_t axv_addrspace_reserved(const struct axv_addrspace *as)
{
	return as ? as->stock_n : 0;
}

/* ---- introspection -------------------------------------------------------------------- */

size_t axv_addrspace_area_count(const struct axv_addrspace *as)
{
	return as ? as->nareas : 0;
}

size_t axv_addrspace_area_capacity(const struct axv_addrspace *as)
{
	return as ? as->area_cap : 0;
}

int axv_addrspace_area(const struct axv_addrspace *as, size_t index, struct axv_area_info *out)
{
	if (!as || !out)
		return AXV_EINVAL;
	if (index >= as->nareas)
		return AXV_ENOENT;
	const struct area *a = &areas(as)[index];
	out->gpa = a->start;
	out->size = a->size;
	out->flags = a->flags;
	out->kind = (enum axv_area_kind)a->kind;
	out->populated = a->populated != 0;
	out->hpa = a->kind == AXV_AREA_LINEAR ? a->hpa : AXV_HPA_INVALID;
	return 0;
}

axv_hpa_t axv_addrspace_root(const struct axv_addrspace *as)
{
	return as ? as->root : AXV_HPA_INVALID;
}

size_t axv_addrspace_frames(const struct axv_addrspace *as)
{
	return as ? axv_frames_live(&as->frames) : 0;
}

size_t axv_addrspace_pt_frames(const struct axv_addrspace *as)
{
	return as ? as->pt_pages : 0;
}
