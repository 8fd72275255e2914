/* Capacity edges of the area array: every call that can add areas (map, unmap inside an
 * area, protect of part of an area, and each of those across two areas) run with the space
 * holding capacity - 1, capacity and capacity + 1 areas after the call, for the array's
 * first and second sizes, in three modes:
 *  - plain: the call succeeds and the areas, translations and frames are right;
 *  - no memory: every HAL allocation fails; a call that needs no more room than the array
 *    has (and no frame) still succeeds, any other fails with AXV_ENOMEM and changes nothing;
 *  - reserved: after axv_addrspace_reserve() with exactly the room the call needs, the call
 *    makes no HAL allocator call at all.
 * The capacities come from axv_addrspace_area_capacity(), not from a constant. The mock HAL
 * puts a guard frame after every run (ASan-poisoned, checked on free), so a write past the
 * end of the area array is caught where it happens, not only when it reaches a guest page. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <axv/err.h>

#include "as_util.h"

#define R AXV_MAP_READ
#define W AXV_MAP_WRITE
#define K4 0x1000ull
#define BASE 0x40000000ull
#define SPACE 0x40000000ull
#define SLOT (8 * K4) /* each lazy area, or the pair A B, has a slot of its own */
#define HPA 0x2c0000000ull
#define MAXA 1100

enum { MODE_PLAIN, MODE_NOMEM, MODE_RESERVED };

static struct mock_hal mh;
static struct axv_addrspace as;
static int cap_fmt = FMT_EPT; /* the format of the space */

/* The model: areas as the API reports them. */
struct area {
	uint64_t gpa, size, hpa;
	axv_map_flags_t flags;
	enum axv_area_kind kind;
	bool lazy; /* alloc, not populated */
};
static struct area model[MAXA];
static size_t nmodel;

static void model_add(uint64_t gpa, uint64_t size, enum axv_area_kind kind, uint64_t hpa,
		      axv_map_flags_t flags, bool lazy)
{
	size_t i = 0;
	while (i < nmodel && model[i].gpa < gpa)
		i++;
	memmove(&model[i + 1], &model[i], (nmodel - i) * sizeof(model[0]));
	model[i] = (struct area){gpa, size, hpa, flags, kind, lazy};
	nmodel++;
}

/* Rebuild the model with [s, e) removed (unmap) or given new flags (protect). */
static void model_change(uint64_t s, uint64_t e, bool unmap, axv_map_flags_t flags)
{
	static struct area out[MAXA];
	size_t n = 0;
	for (size_t i = 0; i < nmodel; i++) {
		const struct area *a = &model[i];
		uint64_t as_ = a->gpa, ae = a->gpa + a->size;
		uint64_t cut[4] = {as_, s > as_ && s < ae ? s : as_, e > as_ && e < ae ? e : ae, ae};
		for (int k = 0; k < 3; k++) {
			uint64_t ps = cut[k], pe = cut[k + 1];
			if (ps >= pe)
				continue;
			bool inside = ps >= s && pe <= e;
			if (inside && unmap)
				continue;
			struct area p = *a;
			p.gpa = ps;
			p.size = pe - ps;
			if (p.kind == AXV_AREA_LINEAR)
				p.hpa = a->hpa + (ps - as_);
			if (inside)
				p.flags = flags;
			cr_assert_lt(n, MAXA);
			out[n++] = p;
		}
	}
	memcpy(model, out, n * sizeof(out[0]));
	nmodel = n;
}

static void check_areas(const char *what)
{
	size_t n = axv_addrspace_area_count(&as);
	cr_assert_eq(n, nmodel, "%s: %zu areas, model %zu", what, n, nmodel);
	cr_assert_geq(axv_addrspace_area_capacity(&as), n, "%s: more areas than room", what);
	for (size_t i = 0; i < n; i++) {
		struct axv_area_info a;
		cr_assert_eq(axv_addrspace_area(&as, i, &a), 0);
		const struct area *m = &model[i];
		cr_assert(a.gpa == m->gpa && a.size == m->size && a.flags == m->flags &&
				  a.kind == m->kind,
			  "%s: area %zu is [%#llx +%#llx) flags %#x kind %d, model [%#llx +%#llx) "
			  "flags %#x kind %d",
			  what, i, (unsigned long long)a.gpa, (unsigned long long)a.size, a.flags,
			  a.kind, (unsigned long long)m->gpa, (unsigned long long)m->size, m->flags,
			  m->kind);
		if (m->kind == AXV_AREA_LINEAR)
			cr_assert_eq(a.hpa, m->hpa, "%s: area %zu hpa", what, i);
	}
}

/* Pages of the pair's slot: mapped as the model says. */
static void check_slot(const char *what, uint64_t slot)
{
	for (uint64_t g = slot; g < slot + SLOT; g += K4) {
		const struct area *m = NULL;
		for (size_t i = 0; i < nmodel; i++)
			if (g >= model[i].gpa && g < model[i].gpa + model[i].size)
				m = &model[i];
		axv_hpa_t pa;
		axv_map_flags_t fl;
		int rc = axv_addrspace_translate(&as, g, &pa, &fl, NULL);
		if (!m || m->lazy) {
			cr_assert_eq(rc, AXV_ENOENT, "%s: %#llx should be unmapped", what,
				     (unsigned long long)g);
			continue;
		}
		cr_assert_eq(rc, 0, "%s: %#llx should be mapped", what, (unsigned long long)g);
		cr_assert_eq(fl, m->flags, "%s: %#llx flags", what, (unsigned long long)g);
		if (m->kind == AXV_AREA_LINEAR)
			cr_assert_eq(pa, m->hpa + (g - m->gpa), "%s: %#llx hpa", what,
				     (unsigned long long)g);
		else
			cr_assert(mock_hal_is_live(&mh, pa), "%s: %#llx maps a dead frame", what,
				  (unsigned long long)g);
	}
}

/* The capacities the area array takes as it grows, from the query: the first `levels`. */
static void capacities(size_t *cap, int levels)
{
	mock_hal_init(&mh, 1024);
	cr_assert_eq(axv_addrspace_init(&as, &mh.hal, test_format(cap_fmt), BASE, SPACE, 1), 0);
	size_t prev = 0;
	int l = 0;
	for (uint64_t k = 0; l < levels; k++) {
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + k * SLOT, K4, R, false), 0);
		size_t c = axv_addrspace_area_capacity(&as);
		cr_assert_geq(c, k + 1);
		if (c != prev)
			cap[l++] = c;
		prev = c;
	}
	cr_assert_eq(axv_addrspace_destroy(&as), 0);
	mock_hal_fini(&mh);
	cr_assert_gt(cap[0], 8, "a frame of areas holds more than 8");
}

/* A space with n areas: one-page lazy areas in their own slots, and in the middle slot the
 * pair A (3 pages, linear) and B (3 pages right after A, alloc, populated). Returns the
 * pair's slot. */
static uint64_t build(size_t n)
{
	mock_hal_init(&mh, 4096);
	mh.guard = true;
	cr_assert_eq(axv_addrspace_init(&as, &mh.hal, test_format(cap_fmt), BASE, SPACE, 1), 0);
	nmodel = 0;
	size_t pair = (n - 2) / 2;
	uint64_t slot = BASE + pair * SLOT;
	cr_assert_eq(axv_addrspace_map_linear(&as, slot, HPA, 3 * K4, R | W), 0);
	model_add(slot, 3 * K4, AXV_AREA_LINEAR, HPA, R | W, false);
	cr_assert_eq(axv_addrspace_map_alloc(&as, slot + 3 * K4, 3 * K4, R | W, true), 0);
	model_add(slot + 3 * K4, 3 * K4, AXV_AREA_ALLOC, 0, R | W, false);
	for (size_t k = 0, made = 2; made < n; k++) {
		if (k == pair)
			continue;
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + k * SLOT, K4, R, false), 0);
		model_add(BASE + k * SLOT, K4, AXV_AREA_ALLOC, 0, R, true);
		made++;
	}
	check_areas("build");
	return slot;
}

/* The calls under test, relative to the pair's slot (A at +0, B at +3 pages). */
struct op {
	const char *name;
	int kind; /* 0 map_alloc lazy, 1 map_alloc populated, 2 map_linear, 3 unmap, 4 protect */
	uint64_t off, pages;
	bool needs_frames; /* needs a HAL frame whatever the area array holds */
};

static const struct op ops[] = {
	{"map lazy", 0, 6, 1, false},
	{"map populated", 1, 6, 1, true},
	{"map linear", 2, 6, 1, false}, /* its leaf table exists already (A's) */
	{"unmap middle of linear A", 3, 1, 1, false},
	{"unmap middle of alloc B", 3, 4, 1, false},
	{"unmap head of A", 3, 0, 1, false},
	{"unmap across A and B", 3, 1, 4, false},
	{"unmap A", 3, 0, 3, false},
	{"unmap A and B", 3, 0, 6, false},
	{"protect middle of A", 4, 1, 1, false},
	{"protect middle of B", 4, 4, 1, false},
	{"protect head of A", 4, 0, 1, false},
	{"protect tail of B", 4, 5, 1, false},
	{"protect across A and B", 4, 1, 4, false},
	{"protect A", 4, 0, 3, false},
	{"protect A and B", 4, 0, 6, false},
};

static int run_op(const struct op *o, uint64_t slot)
{
	uint64_t g = slot + o->off * K4, sz = o->pages * K4;
	switch (o->kind) {
	case 0:
		return axv_addrspace_map_alloc(&as, g, sz, R | W, false);
	case 1:
		return axv_addrspace_map_alloc(&as, g, sz, R | W, true);
	case 2:
		return axv_addrspace_map_linear(&as, g, HPA + o->off * K4, sz, R);
	case 3:
		return axv_addrspace_unmap(&as, g, sz);
	default:
		return axv_addrspace_protect(&as, g, sz, R);
	}
}

static void model_op(const struct op *o, uint64_t slot)
{
	uint64_t g = slot + o->off * K4, sz = o->pages * K4;
	switch (o->kind) {
	case 0:
	case 1:
		model_add(g, sz, AXV_AREA_ALLOC, 0, R | W, o->kind == 0);
		break;
	case 2:
		model_add(g, sz, AXV_AREA_LINEAR, HPA + o->off * K4, R, false);
		break;
	case 3:
		model_change(g, g + sz, true, 0);
		break;
	default:
		model_change(g, g + sz, false, R);
		break;
	}
}

/* Areas after the call, from a copy of the model. */
static size_t areas_after(const struct op *o, uint64_t slot)
{
	static struct area save[MAXA];
	size_t n = nmodel;
	memcpy(save, model, n * sizeof(save[0]));
	model_op(o, slot);
	size_t after = nmodel;
	memcpy(model, save, n * sizeof(save[0]));
	nmodel = n;
	return after;
}

static void one(int mode, const struct op *o, size_t n, size_t cap)
{
	char what[160];
	uint64_t slot = build(n);
	size_t after = areas_after(o, slot);
	snprintf(what, sizeof(what), "%s with %zu areas (%zu after, capacity %zu), mode %d", o->name,
		 n, after, axv_addrspace_area_capacity(&as), mode);
	cr_assert_eq(axv_addrspace_area_capacity(&as), cap, "%s: built at another capacity", what);
	int rc;
	if (mode == MODE_NOMEM) {
		bool must_fail = after > cap || o->needs_frames;
		uint64_t tree = test_tree_hash(&mh, &as, NULL, NULL);
		size_t frames = axv_addrspace_frames(&as), live = mh.live;
		mock_hal_fail_from(&mh, 1);
		rc = run_op(o, slot);
		mock_hal_fail_from(&mh, 0);
		if (must_fail) {
			cr_assert_eq(rc, AXV_ENOMEM, "%s: %d", what, rc);
			check_areas(what);
			cr_assert_eq(test_tree_hash(&mh, &as, NULL, NULL), tree, "%s: tables changed",
				     what);
			cr_assert_eq(axv_addrspace_frames(&as), frames, "%s: frames changed", what);
			cr_assert_eq(mh.live, live, "%s: HAL frames changed", what);
			rc = run_op(o, slot); /* and with memory it works */
		}
	} else if (mode == MODE_RESERVED) {
		size_t more = after > n ? after - n : 0;
		cr_assert_eq(axv_addrspace_reserve(&as, slot, SLOT, AXV_RESERVE_FRAMES, more), 0,
			     "%s: reserve", what);
		cr_assert_geq(axv_addrspace_area_capacity(&as), n + more, "%s", what);
		unsigned long allocs = mh.alloc_calls, frees = mh.free_calls;
		mock_hal_fail_from(&mh, 1);
		rc = run_op(o, slot);
		mock_hal_fail_from(&mh, 0);
		cr_assert_eq(mh.alloc_calls, allocs, "%s: the reserved call allocated", what);
		cr_assert_eq(mh.free_calls, frees, "%s: the reserved call freed", what);
	} else {
		rc = run_op(o, slot);
	}
	cr_assert_eq(rc, 0, "%s: %d", what, rc);
	model_op(o, slot);
	check_areas(what);
	check_slot(what, slot);
	cr_assert_eq(axv_addrspace_unreserve(&as), 0);
	cr_assert_eq(axv_addrspace_destroy(&as), 0, "%s: destroy", what);
	char why[160];
	cr_assert(mock_hal_clean(&mh, why, sizeof(why)), "%s: %s", what, why);
	mock_hal_fini(&mh);
}

/* Every call, with capacity - 1, capacity and capacity + 1 areas after it, for the first two
 * sizes of the array. */
static void sweep_fmt(int mode, int fi)
{
	cap_fmt = fi;
	unsigned cases = 0;
	size_t cap[2];
	capacities(cap, 2);
	cr_assert_gt(cap[1], cap[0]);
	for (int l = 0; l < 2; l++) {
		for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
			const struct op *o = &ops[k];
			/* n areas before; the call's growth decides the count after */
			for (size_t n = cap[l] - 3; n <= cap[l]; n++) {
				/* The call's growth, from the model of the pair alone. Counts whose
				 * "after" misses [cap - 1, cap + 1] are skipped, except for calls
				 * that do not grow the count: for them the edge is "at capacity
				 * before". */
				struct area pa = {BASE + ((n - 2) / 2) * SLOT, 3 * K4, HPA, R | W,
						  AXV_AREA_LINEAR, false};
				struct area pb = {pa.gpa + 3 * K4, 3 * K4, 0, R | W, AXV_AREA_ALLOC,
						  false};
				model[0] = pa;
				model[1] = pb;
				nmodel = 2;
				long growth = (long)areas_after(o, pa.gpa) - 2;
				long after = (long)n + growth;
				bool edge = (after >= (long)cap[l] - 1 && after <= (long)cap[l] + 1) ||
					    (growth <= 0 && n >= cap[l] - 1);
				if (!edge)
					continue;
				one(mode, o, n, cap[l]);
				cases++;
			}
		}
	}
	/* every call at two counts at least, at both sizes */
	cr_expect_geq(cases, 2 * 2 * sizeof(ops) / sizeof(ops[0]));
}

static void sweep(int mode)
{
	sweep_fmt(mode, FMT_EPT);
	/* a format whose entries hold the address shifted (riscv64 Sv39x4) */
	sweep_fmt(mode, FMT_RV39);
}

Test(capacity, areas_plain, .timeout = 120) { sweep(MODE_PLAIN); }
Test(capacity, areas_no_memory, .timeout = 120) { sweep(MODE_NOMEM); }
Test(capacity, areas_reserved, .timeout = 120) { sweep(MODE_RESERVED); }

/* The review's scenario, by name: capacity - 2 one-page lazy areas and one 3-page area, so
 * capacity - 1 areas; unmapping the 3-page area's middle page leaves capacity areas, and must
 * not move an area record past the end of the array's frames. */
Test(capacity, unmap_middle_page_at_capacity_minus_one)
{
	size_t cap[1];
	capacities(cap, 1);
	mock_hal_init(&mh, 4096);
	mh.guard = true;
	cr_assert_eq(axv_addrspace_init(&as, &mh.hal, test_format(cap_fmt), BASE, SPACE, 1), 0);
	for (size_t k = 0; k < cap[0] - 2; k++)
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + k * SLOT, K4, R, false), 0);
	uint64_t big = BASE + (cap[0] - 2) * SLOT;
	cr_assert_eq(axv_addrspace_map_alloc(&as, big, 3 * K4, R | W, false), 0);
	cr_assert_eq(axv_addrspace_area_count(&as), cap[0] - 1);
	cr_assert_eq(axv_addrspace_area_capacity(&as), cap[0]);
	cr_assert_eq(axv_addrspace_unmap(&as, big + K4, K4), 0);
	cr_assert_eq(axv_addrspace_area_count(&as), cap[0]);
	struct axv_area_info a;
	cr_assert_eq(axv_addrspace_area(&as, cap[0] - 2, &a), 0);
	cr_expect(a.gpa == big && a.size == K4);
	cr_assert_eq(axv_addrspace_area(&as, cap[0] - 1, &a), 0);
	cr_expect(a.gpa == big + 2 * K4 && a.size == K4);
	cr_assert_eq(axv_addrspace_destroy(&as), 0);
	MOCK_HAL_CHECK_CLEAN(&mh);
	mock_hal_fini(&mh);
}

/* axv_addrspace_reserve(more_areas) grows the array to hold exactly what was asked: with the
 * space at n areas, more_areas such that n + more is capacity - 1, capacity, capacity + 1. */
Test(capacity, reserve_more_areas)
{
	size_t cap[1];
	capacities(cap, 1);
	for (size_t want = cap[0] - 1; want <= cap[0] + 1; want++) {
		mock_hal_init(&mh, 1024);
		mh.guard = true;
		cr_assert_eq(axv_addrspace_init(&as, &mh.hal, test_format(cap_fmt), BASE, SPACE, 1), 0);
		for (size_t k = 0; k < 5; k++)
			cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + k * SLOT, K4, R, false), 0);
		cr_assert_eq(axv_addrspace_reserve(&as, BASE, SLOT, 0, want - 5), 0);
		size_t c = axv_addrspace_area_capacity(&as);
		cr_assert_geq(c, want);
		cr_assert_eq(c, want > cap[0] ? 2 * cap[0] : cap[0], "grown only when needed");
		/* and the room is there: fill it without a HAL call */
		unsigned long allocs = mh.alloc_calls;
		for (size_t k = 5; k < want; k++)
			cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + k * SLOT, K4, R, false), 0);
		cr_assert_eq(mh.alloc_calls, allocs);
		cr_assert_eq(axv_addrspace_destroy(&as), 0);
		MOCK_HAL_CHECK_CLEAN(&mh);
		mock_hal_fini(&mh);
	}
}
