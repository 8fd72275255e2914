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

/* Frames taken up front; linked through their first word (they are ours and invisible). */
struct pt_pool {
	axv_hpa_t head;
	size_t n;
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
	uint64_t lo, hi;       /* break pass: range covering every changed entry */
};

/* Attribute template of @flags (without page/block bits). */
uint64_t pt_attrs(const struct axv_pt_format *f, axv_map_flags_t flags);
/* Flags that are valid for a mapping. */
bool pt_flags_ok(axv_map_flags_t flags);

/* Host pointer of a page-table page (or any frame taken through the pool). */
uint64_t *pt_va(const struct axv_addrspace *as, axv_hpa_t pa);

int pt_pool_fill(struct axv_addrspace *as, struct pt_pool *p, size_t n);
void pt_pool_drain(struct axv_addrspace *as, struct pt_pool *p);

/* Counting passes (no writes). */
void pt_count_map(struct pt_walk *w, bool linear, axv_gpa_t s, axv_gpa_t e);
void pt_count_cut(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e);

/* Mutating passes; they cannot fail once the pool holds what the count asked for. */
void pt_map_linear(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e);
void pt_populate(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e);
void pt_break(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e);
void pt_make(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e);
/* Free every table below the root (leaves are not looked at) and the root itself. */
void pt_free_all(struct axv_addrspace *as);

/* The leaf mapping gpa: 0 and its entry and level, or AXV_ENOENT. */
int pt_lookup(const struct axv_addrspace *as, axv_gpa_t gpa, uint64_t *entry, unsigned *level);



static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}
#endif
