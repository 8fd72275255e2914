/* The derived G-stage table (ports/riscv64/gstage.c): a leaf is copied on the guest's first
 * access as the hardware PTE of the engine's leaf, at the same level; the HAL's tlb hook
 * forgets what the engine changed; bad input changes nothing. */
#include <criterion/criterion.h>

#include <axv/arch/riscv64.h>
#include <axv/err.h>

#include "mock_hal.h"

#define R AXV_MAP_READ
#define W AXV_MAP_WRITE
#define X AXV_MAP_EXEC

static struct axv_rv64_gstage *hook_gs; /* test only: the table the tlb hooks flush */
static unsigned long hook_calls;

static void hook_range(void *ctx, uint64_t tag, axv_gpa_t gpa, uint64_t size)
{
	(void)ctx;
	(void)tag;
	hook_calls++;
	if (hook_gs)
		axv_rv64_gstage_flush(hook_gs, gpa, size);
}

static void hook_all(void *ctx, uint64_t tag)
{
	hook_range(ctx, tag, 0, ~0ull);
}

static const struct axv_hal_tlb_ops hook_tlb = {hook_range, hook_all};

struct env {
	struct mock_hal mh;
	struct axv_pt_format f;
	struct axv_addrspace as;
	struct axv_rv64_gstage gs;
};

static void env_init(struct env *e, unsigned levels)
{
	mock_hal_init(&e->mh, 2048);
	e->mh.hal.tlb = &hook_tlb;
	cr_assert_eq(axv_rv64_format_init(&e->f, levels), 0);
	cr_assert_eq(axv_addrspace_init(&e->as, &e->mh.hal, &e->f, 0, 1ull << 34, 7), 0);
	cr_assert_eq(axv_rv64_gstage_init(&e->gs, &e->mh.hal, &e->f, axv_addrspace_root(&e->as),
					  7), 0);
	hook_gs = &e->gs;
	hook_calls = 0;
}

static void env_fini(struct env *e)
{
	hook_gs = NULL;
	axv_rv64_gstage_destroy(&e->gs);
	cr_expect_eq(axv_addrspace_destroy(&e->as), 0);
	char why[128];
	cr_expect(mock_hal_clean(&e->mh, why, sizeof(why)), "%s", why);
	mock_hal_fini(&e->mh);
}

/* Software walk of the derived table: the hardware PTE for gpa and its level, or 0. */
static uint64_t hw_walk(struct env *e, axv_gpa_t gpa, int *level)
{
	const uint64_t *t = mock_hal_ptr(&e->mh, e->gs.root);
	for (unsigned l = 0; l < e->f.levels; l++) {
		unsigned i = (unsigned)((gpa >> e->f.shift[l]) & ((1ull << e->f.index_bits[l]) - 1));
		uint64_t p = t[i];
		if (!(p & AXV_RV64_PTE_V))
			return 0;
		if (p & 0xe) {
			*level = (int)l;
			return p;
		}
		t = mock_hal_ptr(&e->mh, ((p >> 10) & ((1ull << 44) - 1)) << 12);
	}
	return 0;
}

Test(rv64_gstage, hgatp_of_the_derived_root)
{
	struct env e;
	env_init(&e, AXV_RV64_SV39X4);
	uint64_t h = axv_rv64_gstage_hgatp(&e.gs);
	cr_expect_eq(h >> 60, 8);
	cr_expect_eq((h >> 44) & 0x3fff, 7);
	cr_expect_eq((h & ((1ull << 44) - 1)) << 12, e.gs.root);
	cr_expect_eq(e.gs.root % 16384, 0);
	env_fini(&e);
}

Test(rv64_gstage, fill_copies_the_engine_leaf_at_its_level)
{
	for (unsigned lv = 3; lv <= 4; lv++) {
		struct env e;
		env_init(&e, lv);
		axv_hpa_t h = 0x2c0000000ull;
		cr_assert_eq(axv_addrspace_map_linear(&e.as, 0x80000000, h, 0x200000 + 0x1000, R | X), 0);
		int l = -1;
		cr_expect_eq(hw_walk(&e, 0x80000000, &l), 0, "nothing before the first access");
		cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0x80001234, X), 0);
		uint64_t p = hw_walk(&e, 0x80001234, &l);
		cr_expect_eq(l, (int)lv - 2, "a megapage, as in the engine");
		cr_expect_eq(p, (h >> 2) | 0x5b);
		cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0x80200000, R), 0);
		p = hw_walk(&e, 0x80200000, &l);
		cr_expect_eq(l, (int)lv - 1);
		cr_expect_eq(p, ((h + 0x200000) >> 2) | 0x5b);
		/* what the engine does not allow, or does not map */
		cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0x80000000, W), AXV_EACCES);
		cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0x80201000, R), AXV_ENOENT);
		cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 1ull << 50, R), AXV_ERANGE);
		cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0, 0), AXV_EINVAL);
		cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0, 8), AXV_EINVAL);
		cr_expect_eq(axv_rv64_gstage_fill(NULL, 0, R), AXV_EINVAL);
		env_fini(&e);
	}
}

/* Unmap, protect and a split of a megapage: every copied leaf in the changed range is gone
 * after the engine's tlb hook, and the next fill copies the new engine leaf. */
Test(rv64_gstage, engine_changes_reach_the_derived_table)
{
	struct env e;
	env_init(&e, AXV_RV64_SV39X4);
	axv_hpa_t h = 0x2c0000000ull;
	cr_assert_eq(axv_addrspace_map_linear(&e.as, 0x80000000, h, 0x400000, R | W), 0);
	cr_assert_eq(axv_rv64_gstage_fill(&e.gs, 0x80000000, W), 0);
	cr_assert_eq(axv_rv64_gstage_fill(&e.gs, 0x80200000, W), 0);
	int l;
	/* protect one page: the engine splits the first megapage */
	cr_assert_eq(axv_addrspace_protect(&e.as, 0x80003000, 0x1000, R), 0);
	cr_expect_gt(hook_calls, 0);
	cr_expect_eq(hw_walk(&e, 0x80000000, &l), 0, "the split megapage is forgotten");
	cr_expect_neq(hw_walk(&e, 0x80200000, &l), 0, "the other one is kept");
	cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0x80003000, W), AXV_EACCES);
	cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0x80003000, R), 0);
	uint64_t p = hw_walk(&e, 0x80003000, &l);
	cr_expect_eq(l, 2);
	cr_expect_eq(p, ((h + 0x3000) >> 2) | 0x53);
	/* unmap: gone, and the engine has nothing to copy */
	cr_assert_eq(axv_addrspace_unmap(&e.as, 0x80200000, 0x200000), 0);
	cr_expect_eq(hw_walk(&e, 0x80200000, &l), 0);
	cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0x80200000, R), AXV_ENOENT);
	env_fini(&e);
}

/* Lazy RAM: nothing to copy until the engine faults the page in; then a 4 KiB copy. */
Test(rv64_gstage, lazy_pages)
{
	struct env e;
	env_init(&e, AXV_RV64_SV39X4);
	cr_assert_eq(axv_addrspace_map_alloc(&e.as, 0x90000000, 0x10000, R | W, false), 0);
	cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0x90005000, W), AXV_ENOENT);
	cr_assert_eq(axv_addrspace_handle_fault(&e.as, 0x90005000, W), 0);
	cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0x90005000, W), 0);
	axv_hpa_t hpa;
	axv_map_flags_t fl;
	cr_assert_eq(axv_addrspace_translate(&e.as, 0x90005000, &hpa, &fl, NULL), 0);
	int l;
	cr_expect_eq(hw_walk(&e, 0x90005000, &l), (hpa >> 2) | 0xd7);
	env_fini(&e);
}

/* Out of frames while copying: the fill fails, nothing is half-made, the next one works. */
Test(rv64_gstage, allocation_failure_changes_nothing)
{
	struct env e;
	env_init(&e, AXV_RV64_SV39X4);
	cr_assert_eq(axv_addrspace_map_linear(&e.as, 0x80000000, 0x2c0000000ull, 0x1000, R), 0);
	size_t live = e.mh.live;
	int l;
	for (unsigned long n = 1; n <= 2; n++) { /* the first, then the second table */
		mock_hal_fail_nth(&e.mh, n);
		cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0x80000000, R), AXV_ENOMEM, "n %lu", n);
		cr_expect_eq(e.mh.live, live, "n %lu", n);
		cr_expect_eq(e.gs.tables, 0);
		const uint64_t *root = mock_hal_ptr(&e.mh, e.gs.root);
		cr_expect_eq(root[2], 0, "nothing linked");
		cr_expect_eq(hw_walk(&e, 0x80000000, &l), 0);
	}
	mock_hal_fail_nth(&e.mh, 0);
	cr_expect_eq(axv_rv64_gstage_fill(&e.gs, 0x80000000, R), 0);
	cr_expect_eq(e.gs.tables, 2);
	env_fini(&e);
}

Test(rv64_gstage, init_refuses_bad_input)
{
	struct mock_hal mh;
	mock_hal_init(&mh, 64);
	struct axv_pt_format f;
	axv_rv64_format_init(&f, AXV_RV64_SV39X4);
	struct axv_rv64_gstage gs;
	cr_expect_eq(axv_rv64_gstage_init(&gs, &mh.hal, &f, 0x1000, 1), AXV_EINVAL);
	cr_expect_eq(axv_rv64_gstage_init(&gs, &mh.hal, &f, 0x4000, 1u << 14), AXV_EINVAL);
	cr_expect_eq(axv_rv64_gstage_init(&gs, NULL, &f, 0x4000, 1), AXV_EINVAL);
	struct axv_pt_format g = f;
	g.levels = 2;
	cr_expect_eq(axv_rv64_gstage_init(&gs, &mh.hal, &g, 0x4000, 1), AXV_EINVAL);
	cr_expect_eq(mh.live, 0);
	mock_hal_fini(&mh);
}
