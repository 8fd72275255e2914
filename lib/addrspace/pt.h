/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the page-table engine. One function, pt.c's walk(), descends page tables; every
 * operation is a set of visitors on it (leaf, table-pre, table-post) run in an environment
 * (struct pt_env: the format, how a table's physical address becomes a pointer) with a frame
 * source (struct pt_src: frames taken before the walk, and where freed ones go). The walker
 * reads nothing of the address space; the frame source is implemented over the HAL and the
 * reservation stock in reserve.c. No operation can fail once the source holds what its
 * counting walk asked for.
 */
#ifndef AXV_LIB_ADDRSPACE_PT_H
#define AXV_LIB_ADDRSPACE_PT_H

#include <axv/addrspace.h>
#include <axv/err.h>

/* Output addresses, the one place they are encoded and decoded: an entry holds
 * `(pa >> oa_shift) & oa_mask` (RISC-V's PPN field, Priv 4.4.1, is pa >> 12 at bit 10:
 * shift 2; every other format stores the address in place, shift 0). Page-aligned addresses
 * encode exactly (axv_pt_format_check()), so encoding commutes with adding an aligned size:
 * oa_enc(pa + k * sz) == oa_enc(pa) + k * oa_enc(sz), which the fill loops use. */
static inline uint64_t oa_enc(const struct axv_pt_format *f, axv_hpa_t pa)
{
	return (pa >> f->oa_shift) & f->oa_mask;
}

static inline axv_hpa_t oa_dec(const struct axv_pt_format *f, uint64_t e)
{
	return (e & f->oa_mask) << f->oa_shift;
}

/* Where table pages are: a constant offset from their physical address while every frame
 * the space took satisfied it, else the HAL's phys_to_virt hook. */
struct pt_env {
	const struct axv_pt_format *f;
	const struct axv_hal *hal;
	uintptr_t va_off;
	bool linear;
};

static inline uint64_t *pt_va(const struct pt_env *env, axv_hpa_t pa)
{
	if (__builtin_expect(env->linear, 1))
		/* NOLINTNEXTLINE(performance-no-int-to-ptr): the constant-offset fast path */
		return (uint64_t *)(uintptr_t)((uintptr_t)pa + env->va_off);
	return (uint64_t *)env->hal->mem->phys_to_virt(env->hal->ctx, pa);
}

/* The frame source of a walk. Frames taken up front are linked through their first word
 * (they are ours and invisible); the first `stock` of them (the bottom of the list) came
 * from the reservation's stock. The walker only pops (pt_src_take) and gives back
 * (pt_src_put); filling, draining and undoing belong to reserve.c. */
struct pt_src {
	struct axv_addrspace *as;
	axv_hpa_t head;
	size_t n;
	size_t stock;
};

/* Give a frame back: to the reservation stock while it is below its cap (guest frames only
 * when it covers them), else to the HAL. */
void pt_src_put(struct pt_src *src, axv_hpa_t pa, bool guest);

/* One walk: its environment and the operation's parameters and results. */
struct pt_walk {
	struct pt_env env;
	struct pt_src *src;
	uint64_t attr_page, attr_block; /* new leaves (map, populate, protect) */
	uint64_t keep_page, keep_block; /* parts of a split block outside the range */
	axv_hpa_t pa_base;              /* map_linear: host address of gpa_base */
	axv_gpa_t gpa_base;
	bool unmap;  /* break/make: removing, not changing attributes */
	bool owned;  /* the leaves' frames belong to the space (alloc areas) */
	bool linear; /* count_map: for map_linear (blocks allowed, no guest frames) */
	size_t tables, frames; /* counting walks: frames the operation will need */
	size_t made, freed;    /* page-table frames the walk added and gave back */
	/* count_map: end of the last entry per level found empty and counted as a new table,
	 * so ranges counted one after another in address order (the alloc areas a write
	 * populates) count a table they share once */
	uint64_t counted_end[AXV_PT_MAX_LEVELS];
	uint64_t lo, hi; /* break: range covering every changed entry */
	/* lookup: the leaf found */
	uint64_t entry;
	unsigned level;
	const uint64_t *table;
	int rc;
};

/* Attribute template of @flags (without page/block bits). */
uint64_t pt_attrs(const struct axv_pt_format *f, axv_map_flags_t flags);
/* Flags that are valid for a mapping. */
bool pt_flags_ok(axv_map_flags_t flags);

/* Counting walks (no writes). */
void pt_count_map(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e);
void pt_count_cut(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e);
/* Tables [s, e) lacks for its worst case (w->tables), and the worst case itself (*most). */
void pt_count_reserve(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e,
		      size_t *most);

/* Mutating walks; they cannot fail once the source holds what the count asked for. */
void pt_map_linear(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e);
void pt_populate(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e);
void pt_break(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e);
void pt_make(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e);
/* Free every table below the root (leaves are not looked at); the root stays. */
void pt_free_below(struct pt_walk *w, axv_hpa_t root);

/* The leaf mapping gpa: 0 with w->entry, w->level and w->table, or AXV_ENOENT. */
int pt_lookup(struct pt_walk *w, axv_hpa_t root, axv_gpa_t gpa);

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}
#endif
