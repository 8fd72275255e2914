/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Address spaces: a sorted array of areas (area.c) over the page-table walker (pt.c).
 *
 * Every mutating call runs in the same order, so a failure can only happen before anything
 * changes: validate; count the frames the walk needs (a counting walk); prepare() (take the
 * frames, make room in the area array); then break, one TLB flush, make, and update the
 * areas. Frames released by the call are given back after the flush.
 */
#include "as.h"

#include "axv_log.h"

static void flush(struct axv_addrspace *as, uint64_t lo, uint64_t hi)
{
	const struct axv_hal_tlb_ops *t = as->hal->tlb;
	if (t && t->flush_range)
		t->flush_range(as->hal->ctx, as->tlb_tag, lo, hi - lo);
}

static void walk_attrs(struct pt_walk *w, axv_map_flags_t nw, axv_map_flags_t keep)
{
	const struct axv_pt_format *f = w->env.f;
	uint64_t a = pt_attrs(f, nw), k = pt_attrs(f, keep);
	w->attr_page = a | f->page_bits;
	w->attr_block = a | f->block_bits;
	w->keep_page = k | f->page_bits;
	w->keep_block = k | f->block_bits;
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
		as->tc_shift = fmt->shift[last - 1]; /* 21: 512 entries of 4 KiB */
		as->tc_empty = fmt->empty[last];
		as->tc_valid = fmt->valid_mask;
		as->tc_oa = fmt->oa_mask;
		as->tc_oa_shift = fmt->oa_shift;
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
	struct pt_src src;
	src_init(&src, as);
	struct pt_walk w;
	for (size_t i = 0; i < as->nareas; i++) {
		struct area a = areas(as)[i];
		if (a.kind != AXV_AREA_ALLOC)
			continue;
		walk_init(&w, as, &src);
		w.unmap = true;
		w.owned = true;
		/* gives the frames back and frees their tables */
		pt_make(&w, as->root, a.start, aend(&a));
		walk_done(as, &w);
	}
	walk_init(&w, as, &src);
	pt_free_below(&w, as->root);
	walk_done(as, &w);
	as->pt_pages -= as->fmt->root_frames;
	axv_frame_free_run(&as->frames, as->root, as->fmt->root_frames);
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

/* The start of both map calls: validate the address space and a new area's range; on
 * success *pos is where the area goes and the translation cache is cleared (areas or
 * tables may change). */
static int new_area_pos(struct axv_addrspace *as, uint64_t gpa, uint64_t size,
			axv_map_flags_t flags, size_t *pos)
{
	if (!as || !as->hal)
		return AXV_EINVAL;
	tc_clear(as);
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
	if (hpa & PAGE_MASK)
		return AXV_EINVAL;
	size_t pos;
	int rc = new_area_pos(as, gpa, size, flags, &pos);
	if (rc != 0)
		return rc;
	/* oa_dec of all ones: every output address bit the format can hold */
	if (hpa + size < hpa || ((hpa + size - 1) & ~oa_dec(as->fmt, ~(uint64_t)0) & ~PAGE_MASK))
		return AXV_ERANGE;

	struct pt_src src;
	src_init(&src, as);
	struct pt_walk w;
	walk_init(&w, as, &src);
	walk_attrs(&w, flags, flags);
	w.pa_base = hpa;
	w.gpa_base = gpa;
	w.linear = true;
	pt_count_map(&w, as->root, gpa, gpa + size);
	rc = prepare(as, &src, w.tables, 0, gpa, gpa + size, as->nareas + 1);
	if (rc != 0)
		return rc;
	w.env = as_env(as); /* prepare() may have made the space ask the HAL */
	pt_map_linear(&w, as->root, gpa, gpa + size);
	walk_done(as, &w);
	struct area a = {.start = gpa, .size = size, .hpa = hpa, .flags = flags,
			 .kind = AXV_AREA_LINEAR, .populated = 1};
	area_insert(as, pos, &a);
	src_drain(&src);
	flush(as, gpa, gpa + size);
	return 0;
}

/* Give zeroed frames to every empty page of alloc areas in [s, e). All or nothing. */
int populate_range(struct axv_addrspace *as, uint64_t s, uint64_t e, size_t extra_areas,
		   const struct area *nw)
{
	struct pt_src src;
	src_init(&src, as);
	struct pt_walk w;
	walk_init(&w, as, &src);
	size_t n = as->nareas;
	const struct area *v = areas(as);
	if (nw) {
		pt_count_map(&w, as->root, nw->start, aend(nw));
	} else {
		for (size_t i = area_find(v, n, s); i < n && v[i].start < e; i++)
			if (v[i].kind == AXV_AREA_ALLOC)
				pt_count_map(&w, as->root, max_u64(v[i].start, s),
					     min_u64(aend(&v[i]), e));
	}
	if (w.frames + w.tables == 0 && extra_areas == 0)
		return 0;
	int rc = prepare(as, &src, w.tables, w.frames, s, e, as->nareas + extra_areas);
	if (rc != 0)
		return rc;
	w.env = as_env(as);
	v = areas(as);
	uint64_t lo = UINT64_MAX, hi = 0;
	if (nw) {
		walk_attrs(&w, nw->flags, nw->flags);
		pt_populate(&w, as->root, nw->start, aend(nw));
		lo = nw->start;
		hi = aend(nw);
	} else {
		for (size_t i = area_find(v, n, s); i < n && v[i].start < e; i++) {
			if (v[i].kind != AXV_AREA_ALLOC)
				continue;
			uint64_t cs = max_u64(v[i].start, s), ce = min_u64(aend(&v[i]), e);
			walk_attrs(&w, v[i].flags, v[i].flags);
			pt_populate(&w, as->root, cs, ce);
			lo = min_u64(lo, cs);
			hi = max_u64(hi, ce);
		}
	}
	walk_done(as, &w);
	src_drain(&src);
	if (w.frames + w.tables)
		flush(as, lo, hi);
	return 0;
}

int axv_addrspace_map_alloc(struct axv_addrspace *as, axv_gpa_t gpa, uint64_t size,
			    axv_map_flags_t flags, bool populate)
{
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

/* Break, flush once, make: over the pieces of every area [s, e) meets. */
static int change(struct axv_addrspace *as, uint64_t s, uint64_t e, bool unmap,
		  axv_map_flags_t flags, size_t extra_areas)
{
	struct pt_src src;
	src_init(&src, as);
	struct pt_walk w;
	walk_init(&w, as, &src);
	pt_count_cut(&w, as->root, s, e);
	int rc = prepare(as, &src, w.tables, 0, s, e, as->nareas + extra_areas);
	if (rc != 0)
		return rc;
	w.env = as_env(as);
	const struct area *v = areas(as);
	size_t first = area_find(v, as->nareas, s), n = as->nareas;
	w.unmap = unmap;
	w.lo = s;
	w.hi = e;
	for (size_t i = first; i < n && v[i].start < e; i++) {
		w.owned = v[i].kind == AXV_AREA_ALLOC;
		pt_break(&w, as->root, max_u64(v[i].start, s), min_u64(aend(&v[i]), e));
	}
	flush(as, w.lo, w.hi);
	for (size_t i = first; i < n && v[i].start < e; i++) {
		w.owned = v[i].kind == AXV_AREA_ALLOC;
		walk_attrs(&w, unmap ? v[i].flags : flags, v[i].flags);
		pt_make(&w, as->root, max_u64(v[i].start, s), min_u64(aend(&v[i]), e));
	}
	walk_done(as, &w);
	src_drain(&src);
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
	if (!areas_tile(as, gpa, e))
		return AXV_ENOENT;
	const struct area *v = areas(as);
	size_t i = area_find(v, as->nareas, gpa);
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

/* ---- faults ---------------------------------------------------------------------------- */

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

/* ---- introspection -------------------------------------------------------------------- */

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
