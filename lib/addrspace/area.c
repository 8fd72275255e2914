/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The areas of an address space: a sorted array of non-overlapping ranges, kept in HAL
 * frames, that doubles when it must grow. Growing is the only step that can fail; callers
 * make room first (prepare()) so the edits below cannot.
 */
#include "as.h"

size_t area_find(const struct area *v, size_t n, uint64_t gpa)
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

int area_reserve(struct axv_addrspace *as, size_t need)
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

void area_insert(struct axv_addrspace *as, size_t pos, const struct area *a)
{
	struct area *v = areas(as);
	axv_memmove(&v[pos + 1], &v[pos], (as->nareas - pos) * sizeof(*v));
	v[pos] = *a;
	as->nareas++;
}

void area_split(struct axv_addrspace *as, size_t i, uint64_t gpa)
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

/* The count is never above its final value, even for a moment: a range strictly inside one
 * area adds exactly one area (the part above e) and everything else only trims or removes,
 * so the room the caller made for the final count is enough (the array holds area_cap
 * records, not one more). */
void areas_cut(struct axv_addrspace *as, size_t i, uint64_t s, uint64_t e)
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

bool areas_tile(const struct axv_addrspace *as, uint64_t gpa, uint64_t e)
{
	const struct area *v = areas(as);
	uint64_t at = gpa;
	for (size_t k = area_find(v, as->nareas, gpa); k < as->nareas && at < e; k++) {
		if (v[k].start > at)
			break;
		at = aend(&v[k]);
	}
	return at >= e;
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

int axv_addrspace_area_at(const struct axv_addrspace *as, axv_gpa_t gpa,
			  struct axv_area_info *out)
{
	if (!as || !out)
		return AXV_EINVAL;
	size_t i = area_find(areas(as), as->nareas, gpa);
	if (i == as->nareas || gpa < areas(as)[i].start)
		return AXV_ENOENT;
	return axv_addrspace_area(as, i, out);
}
