/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: what the files of the address-space module share. addrspace.c holds the
 * mutating calls, area.c the sorted area array, reserve.c the frame source (the HAL and the
 * reservation stock) and prepare(), tcache.c translation and its cache, guest.c guest
 * memory access; pt.c walks the page tables.
 */
#ifndef AXV_LIB_ADDRSPACE_AS_H
#define AXV_LIB_ADDRSPACE_AS_H

#include "axv_mem.h"

#include <axv/addrspace.h>
#include <axv/err.h>

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

/* The walker's environment for this space. */
static inline struct pt_env as_env(const struct axv_addrspace *as)
{
	struct pt_env env = {as->fmt, as->hal, as->va_off, as->linear};
	return env;
}

static inline void *as_va(const struct axv_addrspace *as, axv_hpa_t pa)
{
	struct pt_env env = as_env(as);
	return pt_va(&env, pa);
}

static inline struct area *areas(const struct axv_addrspace *as)
{
	return as->area_cap ? (struct area *)as_va(as, as->area_pa) : NULL;
}

static inline uint64_t aend(const struct area *a)
{
	return a->start + a->size;
}

static inline int check_range(const struct axv_addrspace *as, uint64_t gpa, uint64_t size)
{
	if (size == 0 || ((gpa | size) & PAGE_MASK))
		return AXV_EINVAL;
	if (gpa + size < gpa)
		return AXV_ERANGE;
	if (gpa < as->base || gpa + size > as->base + as->size)
		return AXV_ERANGE;
	return 0;
}

/* ---- area.c ---- */
/* First area whose end is above gpa (so it contains gpa or lies after it). */
size_t area_find(const struct area *v, size_t n, uint64_t gpa);
/* Make room for `need` areas. Atomic: on failure nothing changes. */
int area_reserve(struct axv_addrspace *as, size_t need);
void area_insert(struct axv_addrspace *as, size_t pos, const struct area *a);
/* Split the area at index i at gpa (strictly inside it): one area more. */
void area_split(struct axv_addrspace *as, size_t i, uint64_t gpa);
/* Drop [s, e) from the areas; i is the first area whose end is above s. */
void areas_cut(struct axv_addrspace *as, size_t i, uint64_t s, uint64_t e);
/* [gpa, e) lies in areas without a hole. */
bool areas_tile(const struct axv_addrspace *as, uint64_t gpa, uint64_t e);

/* ---- reserve.c: the frame source ---- */
static inline void src_init(struct pt_src *src, struct axv_addrspace *as)
{
	src->as = as;
	src->head = AXV_HPA_INVALID;
	src->n = 0;
	src->stock = 0;
}

/* The one prepare step of every mutating call: take tables + frames frames into the source
 * (from the reservation stock when [s, e) lies in the reserved range, guest frames only if
 * the reservation covers them, else from the HAL) and make room for `need_areas` areas.
 * All or nothing: on failure every frame went back where it came from. */
int prepare(struct axv_addrspace *as, struct pt_src *src, size_t tables, size_t frames,
	    uint64_t s, uint64_t e, size_t need_areas);
/* After the walk: frames left over go where freed frames go. */
void src_drain(struct pt_src *src);

/* ---- addrspace.c ---- */
static inline void walk_init(struct pt_walk *w, const struct axv_addrspace *as,
			     struct pt_src *src)
{
	axv_memset(w, 0, sizeof(*w));
	w->env = as_env(as);
	w->src = src;
}

/* After a walk: the page-table frames it made and freed count in the space. */
static inline void walk_done(struct axv_addrspace *as, const struct pt_walk *w)
{
	as->pt_pages += w->made;
	as->pt_pages -= w->freed;
}

/* Give zeroed frames to every empty page of alloc areas in [s, e). All or nothing. */
int populate_range(struct axv_addrspace *as, uint64_t s, uint64_t e, size_t extra_areas,
		   const struct area *nw);

/* ---- tcache.c ---- */
void tc_clear(struct axv_addrspace *as);
#endif
