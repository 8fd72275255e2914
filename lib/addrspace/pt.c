/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The nested page-table engine: one set of walkers for every format.
 *
 * Everything format-specific is data in struct axv_pt_format. Mapping flags become an
 * attribute template once per call, so the inner loop of a 4 KiB mapping is
 * `pte[i] = pa | attrs; pa += 4096`. Passes:
 *   count_map / count_cut  how many frames a map, populate, protect or unmap needs;
 *   map_linear / populate  fill empty slots (largest leaves alignment allows / 4 KiB frames);
 *   break                  invalidate every leaf a protect or unmap changes;
 *   make                   after the caller's single TLB flush: write the new leaves, split
 *                          blocks, free frames of unmapped alloc pages and empty tables.
 * Table pages are reached through pt_va(): a constant offset when every table the space
 * took satisfied it (checked on each allocation), otherwise the HAL's phys_to_virt hook.
 */
#include "../core/mem.h"

#include <axv/err.h>

#include "pt.h"

#define PAGE AXV_FRAME_SIZE

/* Levels are below AXV_PT_MAX_LEVELS by construction (axv_pt_format_check). Saying so lets
 * the compiler drop bound checks it cannot prove through the recursion, and keeps
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

static inline uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static inline void fill(uint64_t *t, size_t from, size_t to, uint64_t v)
{
	if (from >= to)
		return;
	if (v == 0) {
		axv_memset(t + from, 0, (to - from) * sizeof(*t));
		return;
	}
	for (size_t i = from; i < to; i++)
		t[i] = v;
}

/* ---- formats -------------------------------------------------------------------------- */

bool pt_flags_ok(axv_map_flags_t flags)
{
	if (flags & ~AXV_MAP_ALL)
		return false;
	if (!(flags & AXV_MAP_READ))
		return false;
	if ((flags & AXV_MAP_DEVICE) && (flags & AXV_MAP_UNCACHED))
		return false;
	return true;
}

uint64_t pt_attrs(const struct axv_pt_format *f, axv_map_flags_t flags)
{
	uint64_t a = f->attr_base;
	a |= (flags & AXV_MAP_READ) ? f->attr_read : f->attr_noread;
	a |= (flags & AXV_MAP_WRITE) ? f->attr_write : f->attr_nowrite;
	a |= (flags & AXV_MAP_EXEC) ? f->attr_exec : f->attr_noexec;
	if (flags & AXV_MAP_DEVICE)
		a |= f->mem_device;
	else if (flags & AXV_MAP_UNCACHED)
		a |= f->mem_uncached;
	else
		a |= f->mem_normal;
	return a;
}

/* Zero is a valid value: an entry is told apart from an empty one by comparison with
 * empty[l] alone, so no real entry may equal it. Every leaf any flags can describe has a
 * valid bit and no empty entry has one; a broken leaf (valid bits cleared, broken_bits set)
 * differs from every empty entry because broken_bits is a bit no other field uses. */
static int check_encodings(const struct axv_pt_format *f)
{
	uint64_t others = f->valid_mask | f->oa_mask | f->table_bits | f->page_bits |
			  f->block_bits | f->block_mask | f->attr_base | f->attr_read |
			  f->attr_noread | f->attr_write | f->attr_nowrite | f->attr_exec |
			  f->attr_noexec | f->mem_normal | f->mem_device | f->mem_uncached;
	if (f->broken_bits == 0 || (f->broken_bits & others) != 0)
		return AXV_EINVAL;
	for (unsigned l = 0; l <= last(f); l++)
		if ((f->empty[l] & (f->valid_mask | f->broken_bits)) != 0)
			return AXV_EINVAL;
	static const axv_map_flags_t mem[3] = {0, AXV_MAP_DEVICE, AXV_MAP_UNCACHED};
	for (unsigned i = 0; i < 12; i++) {
		axv_map_flags_t fl = AXV_MAP_READ | mem[i % 3];
		fl |= (i / 3 & 1) ? AXV_MAP_WRITE : 0;
		fl |= (i / 3 & 2) ? AXV_MAP_EXEC : 0;
		uint64_t a = pt_attrs(f, fl);
		if (!((a | f->page_bits) & f->valid_mask) || !((a | f->block_bits) & f->valid_mask))
			return AXV_EINVAL;
	}
	return 0;
}

int axv_pt_format_check(const struct axv_pt_format *f)
{
	if (!f || f->levels < 2 || f->levels > AXV_PT_MAX_LEVELS)
		return AXV_EINVAL;
	unsigned l = last(f);
	if (f->shift[l] != AXV_FRAME_SHIFT || !f->leaf_ok[l])
		return AXV_EINVAL;
	for (unsigned i = 0; i < l; i++) {
		if (f->shift[i] != f->shift[i + 1] + f->index_bits[i + 1])
			return AXV_EINVAL;
		if (f->leaf_ok[i] && !f->leaf_ok[i + 1])
			return AXV_EINVAL; /* splitting a block needs leaves below it */
	}
	for (unsigned i = 1; i <= l; i++)
		if (f->index_bits[i] != 9)
			return AXV_EINVAL;
	if (f->index_bits[0] < 1 || f->index_bits[0] > 13 || f->ia_bits > 60 ||
	    f->ia_bits != f->shift[0] + f->index_bits[0])
		return AXV_EINVAL;
	size_t root = f->index_bits[0] > 9 ? (size_t)1 << (f->index_bits[0] - 9) : 1;
	if (f->root_frames != root)
		return AXV_EINVAL;
	if ((f->oa_mask & (PAGE - 1)) || f->valid_mask == 0 || f->block_mask == 0)
		return AXV_EINVAL;
	/* A table entry must not look like a block, and a block must be valid when made. */
	if ((f->table_bits & f->block_mask) == f->block_val)
		return AXV_EINVAL;
	if (((f->block_bits | f->attr_base) & f->block_mask) != f->block_val)
		return AXV_EINVAL;
	return check_encodings(f);
}

uint64_t axv_pt_leaf_entry(const struct axv_pt_format *f, unsigned level, axv_hpa_t pa,
			   axv_map_flags_t flags)
{
	uint64_t a = pt_attrs(f, flags);
	return (pa & f->oa_mask) | a | (level >= last(f) ? f->page_bits : f->block_bits);
}

uint64_t axv_pt_table_entry(const struct axv_pt_format *f, axv_hpa_t pa)
{
	return (pa & f->oa_mask) | f->table_bits;
}

/* ---- frames --------------------------------------------------------------------------- */

/* Take one frame from the space's reservation stock (caller checked stock_n). */
static axv_hpa_t stock_pop(struct axv_addrspace *as)
{
	axv_hpa_t pa = as->stock;
	as->stock = *pt_va(as, pa);
	as->stock_n--;
	return pa;
}

void pt_put(struct axv_addrspace *as, axv_hpa_t pa, bool guest)
{
	/* While a reservation is below its cap, frames it may need again go back to it:
	 * tables always, guest frames when the reservation covers them. */
	if (as->stock_n < as->stock_cap && (!guest || as->res_frames)) {
		*pt_va(as, pa) = as->stock;
		as->stock = pa;
		as->stock_n++;
		return;
	}
	axv_frame_free(&as->frames, pa);
}

int pt_pool_fill(struct axv_addrspace *as, struct pt_pool *p, size_t tables, size_t frames,
		 uint64_t s, uint64_t e)
{
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
			va = pt_va(as, pa);
			p->stock++;
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
				pt_pool_undo(as, p);
				return rc;
			}
			if ((uintptr_t)va - (uintptr_t)pa != as->va_off)
				as->linear = false; /* sticky: from now on every walk asks the HAL */
		}
		*va = p->head;
		p->head = pa;
		p->n++;
	}
	return 0;
}

static axv_hpa_t pool_pop(struct pt_walk *w)
{
	struct pt_pool *p = w->pool;
	/* The counting pass sized the pool; running dry would be an engine bug. */
	axv_hpa_t pa = p->head;
	p->head = *pt_va(w->as, pa);
	p->n--;
	return pa;
}

void pt_pool_drain(struct axv_addrspace *as, struct pt_pool *p)
{
	while (p->n) {
		axv_hpa_t pa = p->head;
		p->head = *pt_va(as, pa);
		p->n--;
		pt_put(as, pa, false);
	}
	p->head = AXV_HPA_INVALID;
	p->stock = 0;
}

void pt_pool_undo(struct axv_addrspace *as, struct pt_pool *p)
{
	/* Not pt_put(): a stock below its cap would keep the HAL's frames, and a failed call
	 * would leave the space holding more frames than before. */
	while (p->n) {
		axv_hpa_t pa = p->head;
		p->head = *pt_va(as, pa);
		p->n--; /* now the index of pa in the fill order */
		if (p->n < p->stock) {
			*pt_va(as, pa) = as->stock;
			as->stock = pa;
			as->stock_n++;
		} else {
			axv_frame_free(&as->frames, pa);
		}
	}
	p->head = AXV_HPA_INVALID;
	p->stock = 0;
}

/* A new table at level l, every entry empty except [from, to), which the caller writes. */
static uint64_t *new_table(struct pt_walk *w, unsigned l, axv_hpa_t *pa, size_t from, size_t to)
{
	LEVEL_OK(l);
	*pa = pool_pop(w);
	w->as->pt_pages++;
	uint64_t *t = pt_va(w->as, *pa);
	fill(t, 0, from, w->f->empty[l]);
	fill(t, to, nent(w->f, l), w->f->empty[l]);
	return t;
}

static void free_table(struct pt_walk *w, axv_hpa_t pa)
{
	w->as->pt_pages--;
	pt_put(w->as, pa, false);
}

/* ---- counting ------------------------------------------------------------------------- */

/* t == NULL: a table that does not exist yet (every entry empty). */
/* NOLINTNEXTLINE(misc-no-recursion): one call per level, depth <= AXV_PT_MAX_LEVELS */
static void count_map(struct pt_walk *w, bool linear, unsigned l, const uint64_t *t,
		      uint64_t s, uint64_t e)
{
	LEVEL_OK(l);
	const struct axv_pt_format *f = w->f;
	if (l >= last(f)) {
		if (linear)
			return;
		if (!t) {
			w->frames += (size_t)((e - s) >> AXV_FRAME_SHIFT);
			return;
		}
		size_t i0 = idx(f, l, s), n = (size_t)((e - s) >> AXV_FRAME_SHIFT);
		for (size_t k = 0; k < n; k++)
			if (t[i0 + k] == f->empty[l])
				w->frames++;
		return;
	}
	uint64_t sz = span(f, l);
	bool blocks = linear && f->leaf_ok[l] && ((w->pa_base - w->gpa_base) & (sz - 1)) == 0;
	for (uint64_t a = s & ~(sz - 1); a < e; a += sz) {
		uint64_t cs = max64(a, s), ce = min64(a + sz, e);
		if (blocks && !t && cs == a && ce == a + sz) {
			/* a run of whole entries in a table that does not exist yet: all leaves */
			uint64_t full = e & ~(sz - 1);
			if (full > a + sz)
				a = full - sz;
			continue;
		}
		uint64_t ent = t ? t[idx(f, l, a)] : f->empty[l];
		if (ent == f->empty[l]) {
			if (linear && f->leaf_ok[l] && cs == a && ce == a + sz &&
			    ((w->pa_base + (cs - w->gpa_base)) & (sz - 1)) == 0)
				continue;
			if (a >= w->counted_end[l]) { /* not counted by an earlier range */
				w->tables++;
				w->counted_end[l] = a + sz;
			}
			count_map(w, linear, l + 1, NULL, cs, ce);
		} else if (!is_leaf(f, l, ent)) {
			count_map(w, linear, l + 1, pt_va(w->as, ent & f->oa_mask), cs, ce);
		}
	}
}

void pt_count_map(struct pt_walk *w, bool linear, axv_gpa_t s, axv_gpa_t e)
{
	count_map(w, linear, 0, pt_va(w->as, w->as->root), s, e);
}

/* Tables a split of the block at level l-1 covering [base, base + span(l-1)) needs, with
 * [s, e) cut out of it (s, e inside the block, not both on its edges). */
/* NOLINTNEXTLINE(misc-no-recursion): one call per level, depth <= AXV_PT_MAX_LEVELS */
static size_t count_split(const struct axv_pt_format *f, unsigned l, uint64_t base,
			  uint64_t s, uint64_t e)
{
	LEVEL_OK(l);
	size_t n = 1;
	if (l >= last(f))
		return n;
	uint64_t sz = span(f, l), end = base + span(f, l - 1);
	for (uint64_t b = base; b < end; b += sz) {
		if (b + sz <= s || b >= e || (b >= s && b + sz <= e))
			continue;
		n += count_split(f, l + 1, b, max64(b, s), min64(b + sz, e));
	}
	return n;
}

/* Tables the blocks that [s, e) cuts need. Only entries the range covers partially can hold
 * a partially covered block, so the walk follows the two edges only. */
/* NOLINTNEXTLINE(misc-no-recursion): one call per level, depth <= AXV_PT_MAX_LEVELS */
static void count_cut(struct pt_walk *w, unsigned l, const uint64_t *t, uint64_t s, uint64_t e)
{
	LEVEL_OK(l);
	const struct axv_pt_format *f = w->f;
	if (l >= last(f))
		return;
	uint64_t sz = span(f, l);
	for (uint64_t a = s & ~(sz - 1); a < e; a += sz) {
		uint64_t cs = max64(a, s), ce = min64(a + sz, e);
		if (cs == a && ce == a + sz) {
			/* fully covered: skip to the last entry, which may be partial */
			if (ce < e && a + sz < (e & ~(sz - 1)))
				a = (e & ~(sz - 1)) - sz;
			continue;
		}
		uint64_t ent = t[idx(f, l, a)];
		if (ent == f->empty[l])
			continue;
		if (is_leaf(f, l, ent))
			w->tables += count_split(f, l + 1, a, cs, ce);
		else
			count_cut(w, l + 1, pt_va(w->as, ent & f->oa_mask), cs, ce);
	}
}

void pt_count_cut(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e)
{
	count_cut(w, 0, pt_va(w->as, w->as->root), s, e);
}

/* Tables at levels l + 1 and below that cover [s, e) when none exists yet: one per entry
 * of each level from l down to the one above the last that [s, e) meets. */
static size_t tables_below(const struct axv_pt_format *f, unsigned l, uint64_t s, uint64_t e)
{
	size_t n = 0;
	for (unsigned k = l; k < last(f); k++) {
		uint64_t sz = span(f, k);
		n += (size_t)((((e + sz - 1) & ~(sz - 1)) - (s & ~(sz - 1))) >> f->shift[k]);
	}
	return n;
}

/* Tables [s, e) may ever need that do not exist: below every entry that is empty or a
 * block, the whole tree down to the last level. */
/* NOLINTNEXTLINE(misc-no-recursion): one call per level, depth <= AXV_PT_MAX_LEVELS */
static void count_reserve(struct pt_walk *w, unsigned l, const uint64_t *t, uint64_t s,
			  uint64_t e)
{
	LEVEL_OK(l);
	const struct axv_pt_format *f = w->f;
	if (l >= last(f))
		return;
	uint64_t sz = span(f, l);
	for (uint64_t a = s & ~(sz - 1); a < e; a += sz) {
		uint64_t cs = max64(a, s), ce = min64(a + sz, e);
		uint64_t ent = t[idx(f, l, a)];
		if (ent != f->empty[l] && !is_leaf(f, l, ent))
			count_reserve(w, l + 1, pt_va(w->as, ent & f->oa_mask), cs, ce);
		else
			w->tables += tables_below(f, l, cs, ce);
	}
}

void pt_count_reserve(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e, size_t *most)
{
	count_reserve(w, 0, pt_va(w->as, w->as->root), s, e);
	*most = tables_below(w->f, 0, s, e);
}

/* ---- map ------------------------------------------------------------------------------ */

/* NOLINTNEXTLINE(misc-no-recursion): one call per level, depth <= AXV_PT_MAX_LEVELS */
static void map_linear(struct pt_walk *w, unsigned l, uint64_t *t, uint64_t s, uint64_t e)
{
	LEVEL_OK(l);
	const struct axv_pt_format *f = w->f;
	if (l >= last(f)) {
		uint64_t *p = t + idx(f, l, s);
		size_t n = (size_t)((e - s) >> AXV_FRAME_SHIFT);
		uint64_t v = (w->pa_base + (s - w->gpa_base)) | w->attr_page;
		for (size_t k = 0; k < n; k++) {
			p[k] = v;
			v += PAGE;
		}
		return;
	}
	uint64_t sz = span(f, l);
	bool blocks = f->leaf_ok[l] && ((w->pa_base - w->gpa_base) & (sz - 1)) == 0;
	for (uint64_t a = s & ~(sz - 1); a < e; a += sz) {
		uint64_t cs = max64(a, s), ce = min64(a + sz, e);
		size_t i = idx(f, l, a);
		if (blocks && cs == a && ce == a + sz) {
			/* a run of whole entries: `pte[i] = pa | attrs; pa += size` */
			uint64_t full = e & ~(sz - 1), emp = f->empty[l];
			size_t n = (size_t)((full - a) >> f->shift[l]);
			uint64_t v = (w->pa_base + (a - w->gpa_base)) | w->attr_block;
			for (size_t k = 0; k < n; k++, v += sz) {
				if (t[i + k] == emp)
					t[i + k] = v;
				else /* a table left by another mapping: fill below it */
					map_linear(w, l + 1, pt_va(w->as, t[i + k] & f->oa_mask),
						   a + k * sz, a + (k + 1) * sz);
			}
			a = full - sz;
			continue;
		}
		uint64_t ent = t[i];
		axv_hpa_t pa = w->pa_base + (cs - w->gpa_base);
		if (ent != f->empty[l]) {
			map_linear(w, l + 1, pt_va(w->as, ent & f->oa_mask), cs, ce);
			continue;
		}
		if (f->leaf_ok[l] && cs == a && ce == a + sz && (pa & (sz - 1)) == 0) {
			t[i] = pa | w->attr_block;
			continue;
		}
		axv_hpa_t tpa;
		bool leafs = l + 1 == last(f);
		uint64_t *c = new_table(w, l + 1, &tpa, leafs ? idx(f, l + 1, cs) : 0,
					leafs ? idx(f, l + 1, ce - 1) + 1 : 0);
		map_linear(w, l + 1, c, cs, ce);
		t[i] = axv_pt_table_entry(f, tpa); /* linked once complete */
	}
}

void pt_map_linear(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e)
{
	map_linear(w, 0, pt_va(w->as, w->as->root), s, e);
}

/* NOLINTNEXTLINE(misc-no-recursion): one call per level, depth <= AXV_PT_MAX_LEVELS */
static void populate(struct pt_walk *w, unsigned l, uint64_t *t, uint64_t s, uint64_t e)
{
	LEVEL_OK(l);
	const struct axv_pt_format *f = w->f;
	if (l >= last(f)) {
		size_t i0 = idx(f, l, s), n = (size_t)((e - s) >> AXV_FRAME_SHIFT);
		for (size_t k = 0; k < n; k++) {
			if (t[i0 + k] != f->empty[l])
				continue;
			axv_hpa_t pa = pool_pop(w);
			/* Guest frames are always zeroed: no host data reaches a guest. */
			axv_memset(pt_va(w->as, pa), 0, PAGE);
			t[i0 + k] = pa | w->attr_page;
		}
		return;
	}
	uint64_t sz = span(f, l);
	for (uint64_t a = s & ~(sz - 1); a < e; a += sz) {
		uint64_t cs = max64(a, s), ce = min64(a + sz, e);
		size_t i = idx(f, l, a);
		uint64_t ent = t[i];
		if (ent != f->empty[l]) {
			if (!is_leaf(f, l, ent))
				populate(w, l + 1, pt_va(w->as, ent & f->oa_mask), cs, ce);
			continue;
		}
		axv_hpa_t tpa;
		uint64_t *c = new_table(w, l + 1, &tpa, 0, 0);
		populate(w, l + 1, c, cs, ce);
		t[i] = axv_pt_table_entry(f, tpa);
	}
}

void pt_populate(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e)
{
	populate(w, 0, pt_va(w->as, w->as->root), s, e);
}

/* ---- break: invalidate what a protect or unmap changes -------------------------------- */

/* A leaf made invalid until make rewrites it. Clearing the valid bits alone is not enough:
 * what remains can equal the empty value (an EPT page at host address 0 with memory type UC
 * and only R set is 0x1, and 0 without R), and make would then skip it as unmapped. So the
 * format's broken_bits are set, which no empty entry has (axv_pt_format_check()). Every
 * format's hardware ignores the rest of an entry whose valid bits are clear (Intel SDM
 * Vol. 3C 29.3.2, 28.3.2 in earlier editions: bits 2:0 clear, not present, bits 63:3
 * ignored; AMD APM Vol. 2 5.4.1: P = 0, the other bits are available to software; Arm DDI
 * 0487 D8.3: bit[0] = 0, invalid, the other bits ignored; LoongArch Vol. 1 5.4: V = 0, an
 * invalid page), so the bit is seen by software only. */
static inline uint64_t broken(const struct axv_pt_format *f, uint64_t e)
{
	return (e & ~f->valid_mask) | f->broken_bits;
}

/* NOLINTNEXTLINE(misc-no-recursion): one call per level, depth <= AXV_PT_MAX_LEVELS */
static void brk(struct pt_walk *w, unsigned l, uint64_t *t, uint64_t s, uint64_t e)
{
	LEVEL_OK(l);
	const struct axv_pt_format *f = w->f;
	if (l >= last(f)) {
		size_t i0 = idx(f, l, s), n = (size_t)((e - s) >> AXV_FRAME_SHIFT);
		if (w->unmap && !w->owned) {
			/* nothing to give back: the entries go straight to empty */
			fill(t, i0, i0 + n, f->empty[l]);
			return;
		}
		for (size_t k = 0; k < n; k++)
			if (t[i0 + k] != f->empty[l])
				t[i0 + k] = broken(f, t[i0 + k]);
		return;
	}
	uint64_t sz = span(f, l);
	for (uint64_t a = s & ~(sz - 1); a < e; a += sz) {
		uint64_t cs = max64(a, s), ce = min64(a + sz, e);
		size_t i = idx(f, l, a);
		uint64_t ent = t[i];
		if (ent == f->empty[l])
			continue;
		if (!is_leaf(f, l, ent)) {
			brk(w, l + 1, pt_va(w->as, ent & f->oa_mask), cs, ce);
			continue;
		}
		bool covered = cs == a && ce == a + sz;
		if (!covered) {
			w->lo = min64(w->lo, a);
			w->hi = max64(w->hi, a + sz);
		}
		if (covered && w->unmap && !w->owned)
			t[i] = f->empty[l];
		else
			t[i] = broken(f, ent);
	}
}

void pt_break(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e)
{
	brk(w, 0, pt_va(w->as, w->as->root), s, e);
}

/* ---- make: after the flush ------------------------------------------------------------ */

/* NOLINTNEXTLINE(misc-no-recursion): one call per level, depth <= AXV_PT_MAX_LEVELS */
static void free_tree(struct pt_walk *w, unsigned l, axv_hpa_t tpa)
{
	LEVEL_OK(l);
	const struct axv_pt_format *f = w->f;
	if (l < last(f)) {
		const uint64_t *t = pt_va(w->as, tpa);
		size_t n = nent(f, l);
		for (size_t j = 0; j < n; j++)
			if (t[j] != f->empty[l] && !is_leaf(f, l, t[j]))
				free_tree(w, l + 1, t[j] & f->oa_mask);
	}
	if (l == 0) {
		w->as->pt_pages -= f->root_frames;
		axv_frame_free_run(&w->as->frames, tpa, f->root_frames);
	} else {
		free_table(w, tpa);
	}
}

static bool table_empty(const struct axv_pt_format *f, unsigned l, const uint64_t *t)
{
	LEVEL_OK(l);
	size_t n = nent(f, l);
	for (size_t j = 0; j < n; j++)
		if (t[j] != f->empty[l])
			return false;
	return true;
}

/* Fill table t at level l, standing for a block at l-1 that maps [base, ...) from pa, with
 * [s, e) cut out (unmap) or given the new attributes (protect). */
/* NOLINTNEXTLINE(misc-no-recursion): one call per level, depth <= AXV_PT_MAX_LEVELS */
static void split(struct pt_walk *w, unsigned l, uint64_t *t, uint64_t base, axv_hpa_t pa,
		  uint64_t s, uint64_t e)
{
	LEVEL_OK(l);
	const struct axv_pt_format *f = w->f;
	bool lf = l >= last(f);
	uint64_t sz = span(f, l);
	uint64_t keep = lf ? w->keep_page : w->keep_block;
	uint64_t nw = lf ? w->attr_page : w->attr_block;
	size_t n = nent(f, l);
	for (size_t j = 0; j < n; j++) {
		uint64_t b = base + j * sz;
		axv_hpa_t p = pa + j * sz;
		if (b + sz <= s || b >= e) {
			t[j] = p | keep;
		} else if (b >= s && b + sz <= e) {
			t[j] = w->unmap ? f->empty[l] : (p | nw);
		} else {
			axv_hpa_t cpa = pool_pop(w);
			w->as->pt_pages++;
			split(w, l + 1, pt_va(w->as, cpa), b, p, max64(b, s), min64(b + sz, e));
			t[j] = axv_pt_table_entry(f, cpa);
		}
	}
}

/* NOLINTNEXTLINE(misc-no-recursion): one call per level, depth <= AXV_PT_MAX_LEVELS */
static void make(struct pt_walk *w, unsigned l, uint64_t *t, uint64_t s, uint64_t e)
{
	LEVEL_OK(l);
	const struct axv_pt_format *f = w->f;
	if (l >= last(f)) {
		size_t i0 = idx(f, l, s), n = (size_t)((e - s) >> AXV_FRAME_SHIFT);
		uint64_t emp = f->empty[l];
		if (w->unmap) {
			if (!w->owned)
				return; /* the break pass emptied them already */
			for (size_t k = 0; k < n; k++) {
				if (t[i0 + k] == emp)
					continue;
				pt_put(w->as, t[i0 + k] & f->oa_mask, true);
				t[i0 + k] = emp;
			}
			return;
		}
		for (size_t k = 0; k < n; k++)
			if (t[i0 + k] != emp)
				t[i0 + k] = (t[i0 + k] & f->oa_mask) | w->attr_page;
		return;
	}
	uint64_t sz = span(f, l);
	for (uint64_t a = s & ~(sz - 1); a < e; a += sz) {
		uint64_t cs = max64(a, s), ce = min64(a + sz, e);
		size_t i = idx(f, l, a);
		uint64_t ent = t[i];
		if (ent == f->empty[l])
			continue;
		bool covered = cs == a && ce == a + sz;
		if (!is_leaf(f, l, ent)) {
			axv_hpa_t cpa = ent & f->oa_mask;
			if (w->unmap && covered && !w->owned) {
				free_tree(w, l + 1, cpa);
				t[i] = f->empty[l];
				continue;
			}
			uint64_t *c = pt_va(w->as, cpa);
			make(w, l + 1, c, cs, ce);
			if (w->unmap && (covered || table_empty(f, l + 1, c))) {
				t[i] = f->empty[l];
				free_tree(w, l + 1, cpa);
			}
			continue;
		}
		axv_hpa_t pa = ent & f->oa_mask;
		if (covered) {
			t[i] = w->unmap ? f->empty[l] : (pa | w->attr_block);
			continue;
		}
		axv_hpa_t cpa = pool_pop(w);
		w->as->pt_pages++;
		split(w, l + 1, pt_va(w->as, cpa), a, pa, cs, ce);
		t[i] = axv_pt_table_entry(f, cpa);
	}
}

void pt_make(struct pt_walk *w, axv_gpa_t s, axv_gpa_t e)
{
	make(w, 0, pt_va(w->as, w->as->root), s, e);
}

void pt_free_all(struct axv_addrspace *as)
{
	struct pt_walk w = {.as = as, .f = as->fmt};
	free_tree(&w, 0, as->root);
}

/* ---- lookup through the HAL ------------------------------------------------------------ */

int pt_lookup_slow(const struct axv_addrspace *as, axv_gpa_t gpa, uint64_t *entry,
		   unsigned *level)
{
	const struct axv_pt_format *f = as->fmt;
	const uint64_t *t = pt_va(as, as->root);
	for (unsigned l = 0;; l++) {
		uint64_t e = t[idx(f, l, gpa)];
		if (e == f->empty[l])
			return AXV_ENOENT;
		if (is_leaf(f, l, e)) {
			if (!(e & f->valid_mask))
				return AXV_ENOENT;
			*entry = e;
			*level = l;
			return 0;
		}
		t = pt_va(as, e & f->oa_mask);
	}
}
