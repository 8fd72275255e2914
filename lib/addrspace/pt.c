/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The nested page-table engine: one walker, walk(), for every format and every operation.
 *
 * Everything format-specific is data in struct axv_pt_format. Mapping flags become an
 * attribute template once per call, so the inner loop of a 4 KiB mapping is
 * `pte[i] = v; v += 4096` from `v = enc(pa) | attrs` (enc: the format's output-address
 * encoding, pt.h; the identity for every format but RISC-V's, whose step is 1024).
 * Each operation is a set of visitors on the walker:
 *   count_map / count_cut  how many frames a map, populate, protect or unmap needs;
 *   count_reserve          how many tables a range may ever need;
 *   map_linear / populate  fill empty slots (largest leaves alignment allows / 4 KiB frames);
 *   break                  invalidate every leaf a protect or unmap changes;
 *   make                   after the caller's single TLB flush: write the new leaves, split
 *                          blocks, free frames of unmapped alloc pages and empty tables;
 *   free                   every table below an entry or the root;
 *   lookup                 the leaf that maps an address.
 * Table pages are reached through pt_va() (struct pt_env); frames come from and go to the
 * walk's frame source (struct pt_src). Nothing here reads the address space.
 */
#include "axv_mem.h"

#include <axv/err.h>

#include "pt.h"
#include "pt_level.h"

#define PAGE AXV_FRAME_SIZE

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

/* ---- the walker ------------------------------------------------------------------------ */

/* One entry the walk is at, filled by the walker. A visitor may set `next` (to skip a run
 * it handled itself) and, to descend into a table the entry does not point to yet, `child`
 * (NULL: a table not built yet, whose entries all read as empty), with `child_pa` and `link`
 * when the walker must link it once the walk below is done. */
struct pt_ctx {
	uint64_t *t;     /* the table; NULL: not built yet (every entry reads as empty) */
	size_t i, n;     /* entries t[i .. i + n): n is 1 above the last level */
	uint64_t ent;    /* t[i] as the walker read it (above the last level) */
	uint64_t a;      /* first address entry i maps */
	uint64_t s, e;   /* the part of the walked range the entries cover */
	uint64_t lo;     /* start of the walked range at this level */
	uint64_t end;    /* end of the walked range at this level */
	uint64_t next;   /* address of the entry to visit next */
	uint64_t *child; /* table to descend into */
	axv_hpa_t child_pa;
	unsigned l;      /* level */
	bool fresh;      /* the table was made by this walk and is not linked yet */
	bool link;       /* child is new: link it at t[i] after the walk below it */
};

enum { PT_NEXT, PT_DESCEND };

/* Visitors are inlined into the walk of their operation (see walk()). */
#define VISITOR static inline __attribute__((always_inline))

/* The visitors of an operation. leaf: an empty entry or a leaf above the last level (one
 * entry), or the run of entries of one last-level table the range covers; pre: a table
 * entry before the walk below it (returns PT_DESCEND to go down); post: the same entry after
 * it. A NULL visitor does nothing (and a NULL pre descends). */
typedef int (*pt_visit_fn)(struct pt_walk *w, struct pt_ctx *c);
typedef void (*pt_post_fn)(struct pt_walk *w, struct pt_ctx *c);

static inline bool covered(const struct pt_ctx *c, const struct axv_pt_format *f)
{
	return c->s == c->a && c->e == c->a + span(f, c->l);
}

/* The one page-table walk: [s, e) of the table t at level l0, depth first and in address
 * order, without recursion (one state per level). Visitors are constant at every call
 * site, so each operation compiles into its own loop with the visitors inlined. */
static inline __attribute__((always_inline)) void
walk_sh(struct pt_walk *w, pt_visit_fn leaf, pt_visit_fn pre, pt_post_fn post, unsigned l0,
	uint64_t *t, uint64_t s, uint64_t e, bool in_place)
{
	const struct axv_pt_format *f = w->env.f;
	const unsigned lf = last(f);
	struct pt_ctx st[AXV_PT_MAX_LEVELS];
	unsigned l = l0;
	LEVEL_OK(l);
	st[l].t = t;
	st[l].fresh = false;
	st[l].lo = s;
	st[l].end = e;
	st[l].a = s & ~(span(f, l) - 1);
	for (;;) {
		LEVEL_OK(l);
		struct pt_ctx *c = &st[l];
		c->l = l;
		if (l >= lf) {
			c->i = idx(f, l, c->lo);
			c->n = (size_t)((c->end - c->lo) >> AXV_FRAME_SHIFT);
			c->a = c->s = c->lo;
			c->e = c->end;
			if (leaf)
				leaf(w, c);
		} else if (c->a < c->end) {
			uint64_t sz = span(f, l);
			c->s = max64(c->a, c->lo);
			c->e = min64(c->a + sz, c->end);
			c->i = idx(f, l, c->a);
			c->n = 1;
			c->ent = c->t ? c->t[c->i] : f->empty[l];
			c->next = c->a + sz;
			c->link = false;
			int r = PT_NEXT;
			if (c->ent != f->empty[l] && !is_leaf(f, l, c->ent)) {
				/* in_place: a constant at the lookup's call (oa_shift 0), so the
				 * shift is not in the chain of dependent loads */
				c->child_pa = in_place ? (c->ent & f->oa_mask) : oa_dec(f, c->ent);
				c->child = pt_va(&w->env, c->child_pa);
				r = pre ? pre(w, c) : PT_DESCEND;
			} else {
				c->child = NULL;
				if (leaf)
					r = leaf(w, c);
			}
			if (r == PT_DESCEND) {
				struct pt_ctx *d = &st[l + 1];
				d->t = c->child;
				d->fresh = c->link;
				d->lo = c->s;
				d->end = c->e;
				d->a = c->s & ~(span(f, l + 1) - 1);
				l++;
				continue;
			}
			c->a = c->next;
			continue;
		}
		/* this level is done: back to the entry above */
		if (l == l0)
			return;
		l--;
		c = &st[l];
		if (post)
			post(w, c);
		if (c->link)
			c->t[c->i] = axv_pt_table_entry(f, c->child_pa);
		c->a = c->next;
	}
}

static inline __attribute__((always_inline)) void
walk(struct pt_walk *w, pt_visit_fn leaf, pt_visit_fn pre, pt_post_fn post, unsigned l0,
     uint64_t *t, uint64_t s, uint64_t e)
{
	walk_sh(w, leaf, pre, post, l0, t, s, e, false);
}

static inline __attribute__((always_inline)) void
walk_root(struct pt_walk *w, pt_visit_fn leaf, pt_visit_fn pre, pt_post_fn post,
	  axv_hpa_t root, uint64_t s, uint64_t e)
{
	walk(w, leaf, pre, post, 0, pt_va(&w->env, root), s, e);
}

/* ---- frames of a walk ------------------------------------------------------------------ */

static axv_hpa_t take(struct pt_walk *w)
{
	struct pt_src *p = w->src;
	/* The counting walk sized the source; running dry would be an engine bug. */
	axv_hpa_t pa = p->head;
	p->head = *pt_va(&w->env, pa);
	p->n--;
	return pa;
}

/* A new table at level l for the entry c is at: every entry empty but [from, to) (the
 * caller writes those); the walker links it once the walk below it is done. */
static int new_table(struct pt_walk *w, struct pt_ctx *c, size_t from, size_t to)
{
	unsigned l = c->l + 1;
	LEVEL_OK(l);
	c->child_pa = take(w);
	w->made++;
	c->child = pt_va(&w->env, c->child_pa);
	fill(c->child, 0, from, w->env.f->empty[l]);
	fill(c->child, to, nent(w->env.f, l), w->env.f->empty[l]);
	c->link = true;
	return PT_DESCEND;
}

static void free_table(struct pt_walk *w, axv_hpa_t pa)
{
	w->freed++;
	pt_src_put(w->src, pa, false);
}

/* ---- count_map: frames a map_linear or a populate needs ---------------------------------- */

/* Can the entry c is at map [s, e) as one block (map_linear)? */
static inline bool block_fits(const struct pt_walk *w, const struct pt_ctx *c)
{
	const struct axv_pt_format *f = w->env.f;
	uint64_t sz = span(f, c->l);
	return w->linear && f->leaf_ok[c->l] && covered(c, f) &&
	       ((w->pa_base + (c->s - w->gpa_base)) & (sz - 1)) == 0;
}

VISITOR int count_map_leaf(struct pt_walk *w, struct pt_ctx *c)
{
	const struct axv_pt_format *f = w->env.f;
	unsigned l = c->l;
	LEVEL_OK(l);
	if (l >= last(f)) {
		/* a table that exists: a table not built yet is counted from the level above */
		if (w->linear)
			return PT_NEXT;
		for (size_t k = 0; k < c->n; k++)
			if (c->t[c->i + k] == f->empty[l])
				w->frames++;
		return PT_NEXT;
	}
	if (c->ent != f->empty[l])
		return PT_NEXT; /* a leaf: mapped already */
	if (block_fits(w, c)) {
		if (!c->t) /* a run of whole entries in a table not built yet: all blocks */
			c->next = max64(c->next, c->end & ~(span(f, l) - 1));
		return PT_NEXT;
	}
	uint64_t sz = span(f, l);
	if (l + 1 < last(f)) {
		if (c->a >= w->counted_end[l]) { /* not counted by an earlier range */
			w->tables++;
			w->counted_end[l] = c->a + sz;
		}
		return PT_DESCEND; /* into a table not built yet */
	}
	/* Above the last level, with no block possible here: each empty entry of the run needs
	 * a table (unless an earlier range counted it) whose entries will all be empty: a
	 * frame a page, or none for a linear map. */
	bool blocks = w->linear && f->leaf_ok[l] && ((w->pa_base - w->gpa_base) & (sz - 1)) == 0;
	uint64_t a = c->a;
	do {
		if (a >= w->counted_end[l]) {
			w->tables++;
			w->counted_end[l] = a + sz;
		}
		if (!w->linear)
			w->frames += (size_t)((min64(a + sz, c->end) - max64(a, c->s)) >>
					      AXV_FRAME_SHIFT);
		a += sz;
	} while (!blocks && a < c->end &&
		 (!c->t || c->t[c->i + ((a - c->a) >> f->shift[l])] == f->empty[l]));
	c->next = a;
	return PT_NEXT;
}

void pt_count_map(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e)
{
	walk_root(w, count_map_leaf, NULL, NULL, root, s, e);
}

/* ---- count_cut: tables the blocks an unmap or protect cuts need ------------------------ */

/* Only entries the range covers partially can hold a partially covered block, so whole
 * entries are skipped (up to the last one, which may be partial). A partially covered
 * block needs a table, and so does each partially covered piece of it below: a block is
 * walked as a table not built yet, whose pieces are the entries it would hold. */
VISITOR int count_cut_skip(struct pt_walk *w, struct pt_ctx *c)
{
	const struct axv_pt_format *f = w->env.f;
	if (c->l >= last(f) || !covered(c, f))
		return PT_DESCEND;
	c->next = max64(c->next, c->end & ~(span(f, c->l) - 1));
	return PT_NEXT;
}

VISITOR int count_cut_leaf(struct pt_walk *w, struct pt_ctx *c)
{
	if (count_cut_skip(w, c) == PT_NEXT || c->l >= last(w->env.f))
		return PT_NEXT;
	if (c->t && c->ent == w->env.f->empty[c->l])
		return PT_NEXT; /* nothing mapped */
	w->tables++; /* a block (or a piece of one): split into a table */
	return PT_DESCEND;
}

void pt_count_cut(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e)
{
	walk_root(w, count_cut_leaf, count_cut_skip, NULL, root, s, e);
}

/* ---- count_reserve: tables a range may ever need --------------------------------------- */

/* Tables at levels l + 1 and below that cover [s, e) when none exists yet: one per entry
 * of each level from l down to the one above the last that [s, e) meets. (Arithmetic on
 * the geometry; no table is read.) */
static size_t tables_below(const struct axv_pt_format *f, unsigned l, uint64_t s, uint64_t e)
{
	size_t n = 0;
	for (unsigned k = l; k < last(f); k++) {
		uint64_t sz = span(f, k);
		n += (size_t)((((e + sz - 1) & ~(sz - 1)) - (s & ~(sz - 1))) >> f->shift[k]);
	}
	return n;
}

/* Below every entry that is empty or a block: the whole tree down to the last level. */
VISITOR int count_reserve_leaf(struct pt_walk *w, struct pt_ctx *c)
{
	if (c->l < last(w->env.f))
		w->tables += tables_below(w->env.f, c->l, c->s, c->e);
	return PT_NEXT;
}

void pt_count_reserve(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e,
		      size_t *most)
{
	walk_root(w, count_reserve_leaf, NULL, NULL, root, s, e);
	*most = tables_below(w->env.f, 0, s, e);
}

/* ---- map_linear: the largest leaves alignment allows ----------------------------------- */

/* p[k] = v + k * step for k < n. Inlined at each call, so a constant step stays constant. */
static inline __attribute__((always_inline)) void fill_step(uint64_t *p, size_t n, uint64_t v,
							   uint64_t step)
{
	size_t k = 0;
	/* four independent stores a round: the loop is bound by stores, not adds */
	for (; k + 4 <= n; k += 4, v += 4 * step) {
		p[k] = v;
		p[k + 1] = v + step;
		p[k + 2] = v + 2 * step;
		p[k + 3] = v + 3 * step;
	}
	for (; k < n; k++, v += step)
		p[k] = v;
}

/* The same while p[k] is empty: returns how many entries it wrote (it stops at the first
 * entry that is not). */
static inline __attribute__((always_inline)) size_t
fill_empty_step(uint64_t *q, size_t n, uint64_t v, uint64_t step, uint64_t emp)
{
	size_t k = 0;
	/* four entries a round while all four are empty, as the 4 KiB loop */
	for (; k + 4 <= n && q[k] == emp && q[k + 1] == emp && q[k + 2] == emp &&
	       q[k + 3] == emp;
	     k += 4, v += 4 * step) {
		q[k] = v;
		q[k + 1] = v + step;
		q[k + 2] = v + 2 * step;
		q[k + 3] = v + 3 * step;
	}
	for (; k < n && q[k] == emp; k++, v += step)
		q[k] = v;
	return k;
}

VISITOR int map_linear_leaf(struct pt_walk *w, struct pt_ctx *c)
{
	const struct axv_pt_format *f = w->env.f;
	unsigned l = c->l;
	LEVEL_OK(l);
	if (l >= last(f)) {
		uint64_t v = oa_enc(f, w->pa_base + (c->s - w->gpa_base)) | w->attr_page;
		/* addresses in place (every format but RISC-V's): a constant step */
		if (f->oa_shift == 0)
			fill_step(c->t + c->i, c->n, v, PAGE);
		else
			fill_step(c->t + c->i, c->n, v, oa_enc(f, PAGE));
		return PT_NEXT;
	}
	/* The range meets no leaf (areas do not overlap): the entry is empty. */
	if (block_fits(w, c)) {
		/* a run of whole empty entries: `pte[i] = enc(pa) | attrs; pa += size`; it stops at
		 * a table left by another mapping, which the walker then descends into */
		uint64_t sz = span(f, l), full = c->end & ~(sz - 1);
		uint64_t v = oa_enc(f, w->pa_base + (c->a - w->gpa_base)) | w->attr_block;
		size_t n = (size_t)((full - c->a) >> f->shift[l]), k;
		/* addresses in place: the address step is the block size itself */
		if (f->oa_shift == 0)
			k = fill_empty_step(c->t + c->i, n, v, sz, f->empty[l]);
		else
			k = fill_empty_step(c->t + c->i, n, v, oa_enc(f, sz), f->empty[l]);
		c->next = c->a + ((uint64_t)k << f->shift[l]);
		return PT_NEXT;
	}
	bool leafs = l + 1 == last(f);
	return new_table(w, c, leafs ? idx(f, l + 1, c->s) : 0,
			 leafs ? idx(f, l + 1, c->e - 1) + 1 : 0);
}

void pt_map_linear(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e)
{
	w->linear = true;
	walk_root(w, map_linear_leaf, NULL, NULL, root, s, e);
}

/* ---- populate: zeroed frames for the empty pages of an alloc area ----------------------- */

VISITOR int populate_leaf(struct pt_walk *w, struct pt_ctx *c)
{
	const struct axv_pt_format *f = w->env.f;
	unsigned l = c->l;
	LEVEL_OK(l);
	if (l < last(f))
		return c->ent == f->empty[l] ? new_table(w, c, 0, 0) : PT_NEXT;
	for (size_t k = c->i; k < c->i + c->n; k++) {
		if (c->t[k] != f->empty[l])
			continue;
		axv_hpa_t pa = take(w);
		/* Guest frames are always zeroed: no host data reaches a guest. */
		axv_memset(pt_va(&w->env, pa), 0, PAGE);
		c->t[k] = oa_enc(f, pa) | w->attr_page;
	}
	return PT_NEXT;
}

void pt_populate(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e)
{
	walk_root(w, populate_leaf, NULL, NULL, root, s, e);
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

VISITOR int break_leaf(struct pt_walk *w, struct pt_ctx *c)
{
	const struct axv_pt_format *f = w->env.f;
	unsigned l = c->l;
	LEVEL_OK(l);
	uint64_t emp = f->empty[l];
	if (l >= last(f)) {
		if (w->unmap && !w->owned) {
			/* nothing to give back: the entries go straight to empty */
			fill(c->t, c->i, c->i + c->n, emp);
			return PT_NEXT;
		}
		for (size_t k = c->i; k < c->i + c->n; k++)
			if (c->t[k] != emp)
				c->t[k] = broken(f, c->t[k]);
		return PT_NEXT;
	}
	if (c->ent == emp)
		return PT_NEXT;
	bool all = covered(c, f);
	if (all && w->unmap && !w->owned) {
		/* a run of whole entries, empty or leaves: straight to empty (a table ends it) */
		uint64_t sz = span(f, l), full = c->end & ~(sz - 1);
		size_t k = c->i, n = (size_t)((full - c->a) >> f->shift[l]);
		for (; k < c->i + n; k++) {
			uint64_t x = c->t[k];
			if (x != emp && !is_leaf(f, l, x))
				break;
			c->t[k] = emp;
		}
		c->next = c->a + (k - c->i) * sz;
		return PT_NEXT;
	}
	if (!all) {
		w->lo = min64(w->lo, c->a);
		w->hi = max64(w->hi, c->a + span(f, l));
	}
	c->t[c->i] = broken(f, c->ent);
	return PT_NEXT;
}

void pt_break(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e)
{
	walk_root(w, break_leaf, NULL, NULL, root, s, e);
}

/* ---- free: tables below an entry -------------------------------------------------------- */

/* Last-level tables hold no table: the entries of a table above them that the range meets
 * are handled here as one run, each table freed without being read. */
VISITOR int free_pre(struct pt_walk *w, struct pt_ctx *c)
{
	const struct axv_pt_format *f = w->env.f;
	unsigned l = c->l;
	LEVEL_OK(l);
	if (l + 1 < last(f))
		return PT_DESCEND;
	size_t n = (size_t)((c->end - c->a + span(f, l) - 1) >> f->shift[l]);
	for (size_t k = c->i; k < c->i + n; k++)
		if (c->t[k] != f->empty[l] && !is_leaf(f, l, c->t[k]))
			free_table(w, oa_dec(f, c->t[k]));
	c->next = c->end;
	return PT_NEXT;
}

VISITOR void free_post(struct pt_walk *w, struct pt_ctx *c)
{
	free_table(w, c->child_pa);
}

/* Free the table at level l (below an entry mapping from base) and every table below it. */
static void free_tree(struct pt_walk *w, unsigned l, axv_hpa_t pa, uint64_t base)
{
	LEVEL_OK(l);
	const struct axv_pt_format *f = w->env.f;
	if (l < last(f))
		walk(w, NULL, free_pre, free_post, l, pt_va(&w->env, pa), base,
		     base + span(f, l - 1));
	free_table(w, pa);
}

void pt_free_below(struct pt_walk *w, axv_hpa_t root)
{
	const struct axv_pt_format *f = w->env.f;
	walk_root(w, NULL, free_pre, free_post, root, 0, (uint64_t)1 << f->ia_bits);
}

/* ---- make: after the flush ------------------------------------------------------------ */

static bool table_empty(const struct axv_pt_format *f, unsigned l, const uint64_t *t)
{
	LEVEL_OK(l);
	size_t n = nent(f, l);
	for (size_t j = 0; j < n; j++)
		if (t[j] != f->empty[l])
			return false;
	return true;
}

VISITOR int make_leaf(struct pt_walk *w, struct pt_ctx *c)
{
	const struct axv_pt_format *f = w->env.f;
	unsigned l = c->l;
	LEVEL_OK(l);
	uint64_t emp = f->empty[l];
	if (l >= last(f)) {
		uint64_t *t = c->t;
		size_t i1 = c->i + c->n;
		if (w->unmap && !w->owned) {
			/* the break pass emptied them, but not in a table split by this walk */
			if (c->fresh)
				fill(t, c->i, i1, emp);
			return PT_NEXT;
		}
		for (size_t k = c->i; k < i1; k++) {
			if (t[k] == emp)
				continue;
			if (w->unmap) {
				pt_src_put(w->src, oa_dec(f, t[k]), true);
				t[k] = emp;
			} else {
				/* the address field is kept as it is, encoded */
				t[k] = (t[k] & f->oa_mask) | w->attr_page;
			}
		}
		return PT_NEXT;
	}
	if (c->ent == emp)
		return PT_NEXT;
	/* the leaf's address field, encoded: kept as it is, and split in encoded steps */
	uint64_t pa = c->ent & f->oa_mask;
	if (covered(c, f)) {
		c->t[c->i] = w->unmap ? emp : (pa | w->attr_block);
		return PT_NEXT;
	}
	/* A block the range cuts: split it into a table of the same mapping, walked like any
	 * other below, and linked only once complete. */
	unsigned lc = l + 1;
	bool lf = lc >= last(f);
	uint64_t keep = lf ? w->keep_page : w->keep_block, sz = oa_enc(f, span(f, lc));
	c->child_pa = take(w);
	w->made++;
	c->child = pt_va(&w->env, c->child_pa);
	c->link = true;
	size_t n = nent(f, lc);
	for (size_t j = 0; j < n; j++)
		c->child[j] = (pa + j * sz) | keep;
	return PT_DESCEND;
}

VISITOR int make_pre(struct pt_walk *w, struct pt_ctx *c)
{
	if (!(w->unmap && !w->owned && covered(c, w->env.f)))
		return PT_DESCEND;
	free_tree(w, c->l + 1, c->child_pa, c->a);
	c->t[c->i] = w->env.f->empty[c->l];
	return PT_NEXT;
}

VISITOR void make_post(struct pt_walk *w, struct pt_ctx *c)
{
	const struct axv_pt_format *f = w->env.f;
	if (!w->unmap || c->link)
		return;
	/* Covered, the walk below emptied every entry of the table (and freed the tables below
	 * them): either way it holds nothing any more. */
	if (covered(c, f) || table_empty(f, c->l + 1, c->child)) {
		c->t[c->i] = f->empty[c->l];
		free_table(w, c->child_pa);
	}
}

void pt_make(struct pt_walk *w, axv_hpa_t root, axv_gpa_t s, axv_gpa_t e)
{
	walk_root(w, make_leaf, make_pre, make_post, root, s, e);
}

/* ---- lookup ------------------------------------------------------------------------------ */

VISITOR int lookup_leaf(struct pt_walk *w, struct pt_ctx *c)
{
	const struct axv_pt_format *f = w->env.f;
	unsigned l = c->l;
	LEVEL_OK(l);
	uint64_t e = l >= last(f) ? c->t[c->i] : c->ent;
	if (e == f->empty[l] || !(e & f->valid_mask))
		return PT_NEXT;
	w->entry = e;
	w->level = l;
	w->table = c->t;
	w->rc = 0;
	return PT_NEXT;
}

int pt_lookup(struct pt_walk *w, axv_hpa_t root, axv_gpa_t gpa)
{
	w->rc = AXV_ENOENT;
	gpa &= ~(uint64_t)(PAGE - 1);
	/* the translation path: a copy of the walk for formats with addresses in place */
	if (w->env.f->oa_shift == 0)
		walk_sh(w, lookup_leaf, NULL, NULL, 0, pt_va(&w->env, root), gpa, gpa + PAGE, true);
	else
		walk_root(w, lookup_leaf, NULL, NULL, root, gpa, gpa + PAGE);
	return w->rc;
}
