/* SPDX-License-Identifier: Apache-2.0 */
/* Private: a format's geometry, level by level (pt.c and format.c). */
#ifndef AXV_LIB_ADDRSPACE_PT_LEVEL_H
#define AXV_LIB_ADDRSPACE_PT_LEVEL_H

#include <axv/addrspace.h>

/* Levels are below AXV_PT_MAX_LEVELS by construction (axv_pt_format_check). Saying so lets
 * the compiler drop bound checks it cannot prove through the walk, and keeps
 * -Warray-bounds quiet at -O3. */
#define LEVEL_OK(l)                                                                        \
	do {                                                                               \
		if ((l) >= AXV_PT_MAX_LEVELS)                                              \
			__builtin_unreachable();                                           \
	} while (0)

static inline uint64_t span(const struct axv_pt_format *f, unsigned l)
{
	LEVEL_OK(l);
	return (uint64_t)1 << f->shift[l];
}

static inline size_t idx(const struct axv_pt_format *f, unsigned l, uint64_t a)
{
	LEVEL_OK(l);
	return (size_t)((a >> f->shift[l]) & (((uint64_t)1 << f->index_bits[l]) - 1));
}

static inline size_t nent(const struct axv_pt_format *f, unsigned l)
{
	LEVEL_OK(l);
	return (size_t)1 << f->index_bits[l];
}

static inline unsigned last(const struct axv_pt_format *f)
{
	unsigned l = (unsigned)f->levels - 1;
	if (l >= AXV_PT_MAX_LEVELS)
		__builtin_unreachable(); /* axv_pt_format_check() at init */
	return l;
}

/* Caller has checked e != empty. */
static inline bool is_leaf(const struct axv_pt_format *f, unsigned l, uint64_t e)
{
	LEVEL_OK(l);
	return l >= last(f) || (e & f->block_mask) == f->block_val;
}
#endif
