/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The frame source of every walk, and the reservation behind it.
 *
 * A mutating call takes every frame it needs before the first entry is written (prepare());
 * the walk pops them (struct pt_src) and gives freed frames back through pt_src_put(). While
 * a reservation exists, frames for calls inside its range come from its stock and freed
 * ones go back to it, up to its cap; otherwise they come from and go to the HAL. The walker
 * sees none of this.
 */
#include "as.h"

/* Take one frame from the space's reservation stock (caller checked stock_n). */
static axv_hpa_t stock_pop(struct axv_addrspace *as)
{
	axv_hpa_t pa = as->stock;
	as->stock = *(uint64_t *)as_va(as, pa);
	as->stock_n--;
	return pa;
}

static void stock_push(struct axv_addrspace *as, axv_hpa_t pa)
{
	*(uint64_t *)as_va(as, pa) = as->stock;
	as->stock = pa;
	as->stock_n++;
}

void pt_src_put(struct pt_src *src, axv_hpa_t pa, bool guest)
{
	struct axv_addrspace *as = src->as;
	/* While a reservation is below its cap, frames it may need again go back to it:
	 * tables always, guest frames when the reservation covers them. */
	if (as->stock_n < as->stock_cap && (!guest || as->res_frames)) {
		stock_push(as, pa);
		return;
	}
	axv_frame_free(&as->frames, pa);
}

static axv_hpa_t src_pop(struct pt_src *src)
{
	axv_hpa_t pa = src->head;
	src->head = *(uint64_t *)as_va(src->as, pa);
	src->n--;
	return pa;
}

void src_drain(struct pt_src *src)
{
	while (src->n)
		pt_src_put(src, src_pop(src), false);
	src->head = AXV_HPA_INVALID;
	src->stock = 0;
}

/* The call fails after the fill: every frame goes back where it came from (the stock's to
 * the stock, in their old order; the HAL's to the HAL), so nothing has changed. */
static void src_undo(struct pt_src *src)
{
	/* Not pt_src_put(): a stock below its cap would keep the HAL's frames, and a failed
	 * call would leave the space holding more frames than before. */
	while (src->n) {
		axv_hpa_t pa = src_pop(src); /* src->n is now pa's index in the fill order */
		if (src->n < src->stock)
			stock_push(src->as, pa);
		else
			axv_frame_free(&src->as->frames, pa);
	}
	src->head = AXV_HPA_INVALID;
	src->stock = 0;
}

static int src_fill(struct pt_src *src, size_t tables, size_t frames, uint64_t s, uint64_t e)
{
	struct axv_addrspace *as = src->as;
	size_t n = tables + frames, from_stock = 0;
	if (as->stock_n && s >= as->res_lo && e <= as->res_hi) {
		from_stock = tables + (as->res_frames ? frames : 0);
		if (from_stock > as->stock_n)
			from_stock = as->stock_n;
	}
	for (size_t i = 0; i < n; i++) {
		axv_hpa_t pa;
		uint64_t *va = NULL;
		if (i < from_stock) {
			pa = stock_pop(as);
			va = as_va(as, pa);
			src->stock++;
		} else {
			int rc = axv_frame_alloc(&as->frames, &pa);
			if (rc == 0) {
				va = as->hal->mem->phys_to_virt(as->hal->ctx, pa);
				if (!va) {
					axv_frame_free(&as->frames, pa);
					rc = AXV_EFAULT;
				}
			}
			if (rc != 0) {
				src_undo(src);
				return rc;
			}
			if ((uintptr_t)va - (uintptr_t)pa != as->va_off)
				as->linear = false; /* sticky: from now on every walk asks the HAL */
		}
		*va = src->head;
		src->head = pa;
		src->n++;
	}
	return 0;
}

int prepare(struct axv_addrspace *as, struct pt_src *src, size_t tables, size_t frames,
	    uint64_t s, uint64_t e, size_t need_areas)
{
	int rc = src_fill(src, tables, frames, s, e);
	if (rc == 0) {
		rc = area_reserve(as, need_areas);
		if (rc != 0)
			src_undo(src);
	}
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
	struct pt_src src;
	src_init(&src, as);
	struct pt_walk w;
	walk_init(&w, as, &src);
	size_t most;
	pt_count_reserve(&w, as->root, gpa, e, &most);
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
			walk_init(&c, as, &src);
			pt_count_map(&c, as->root, cs, ce);
			backed += ((ce - cs) >> AXV_FRAME_SHIFT) - c.frames;
		}
		if (pages > SIZE_MAX / 2 || most > SIZE_MAX / 2)
			return AXV_ERANGE;
		need += (size_t)(pages - backed);
		cap += (size_t)pages;
	}
	rc = prepare(as, &src, need, 0, 0, 0, as->nareas + more_areas);
	if (rc != 0)
		return rc;
	as->stock = src.head;
	as->stock_n = src.n;
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
	while (as->stock_n)
		axv_frame_free(&as->frames, stock_pop(as));
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
