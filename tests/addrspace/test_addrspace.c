/* Behaviour of address spaces over every format: leaves, splits, freeing, TLB calls,
 * break-before-make, faults, guest memory, bad input and allocation failures. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <axv/err.h>

#include "as_util.h"

#define R AXV_MAP_READ
#define W AXV_MAP_WRITE
#define X AXV_MAP_EXEC
#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull
#define BASE 0x40000000ull /* the spaces below cover [BASE, BASE + 2 GiB) */
#define SPACE (2 * G1)
#define HPA 0x2c0000000ull /* host physical range for linear maps (never dereferenced) */

static struct mock_hal mh;
static struct axv_addrspace as;
static const struct axv_pt_format *fmt;

static void open_fmt(int i)
{
	mock_hal_init(&mh, 8192);
	fmt = test_format(i);
	cr_assert_eq(axv_addrspace_init(&as, &mh.hal, fmt, BASE, SPACE, 42), 0, "%s", fmt->name);
}

static void close_fmt(void)
{
	cr_assert_eq(axv_addrspace_destroy(&as), 0);
	cr_expect(test_mock_clean(&mh), "%s: mock HAL not clean (live %zu)", fmt->name, mh.live);
	mock_hal_fini(&mh);
}

/* Everything a failed call must leave untouched. */
struct snap {
	uint64_t tree;
	size_t frames, pt, nareas;
	struct axv_area_info a[8];
};

static void snap(struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->tree = test_tree_hash(&mh, &as, NULL, NULL);
	s->frames = axv_addrspace_frames(&as);
	s->pt = axv_addrspace_pt_frames(&as);
	s->nareas = axv_addrspace_area_count(&as);
	for (size_t i = 0; i < s->nareas && i < 8; i++)
		axv_addrspace_area(&as, i, &s->a[i]);
}

static bool same(const struct snap *x)
{
	struct snap y;
	snap(&y);
	return memcmp(x, &y, sizeof(y)) == 0;
}

static int leaf_level(uint64_t gpa)
{
	int lv;
	test_raw_entry(&mh, &as, gpa, &lv);
	return lv;
}

static int last_level(void)
{
	return fmt->levels - 1;
}

Test(addrspace, init_rejects_bad_input)
{
	mock_hal_init(&mh, 64);
	struct axv_addrspace s;
	memset(&s, 0x5a, sizeof(s));
	struct axv_addrspace copy = s;
	const struct axv_pt_format *f = &axv_pt_ept;
	cr_expect_eq(axv_addrspace_init(NULL, &mh.hal, f, 0, G1, 0), AXV_EINVAL);
	cr_expect_eq(axv_addrspace_init(&s, NULL, f, 0, G1, 0), AXV_EINVAL);
	cr_expect_eq(axv_addrspace_init(&s, &mh.hal, NULL, 0, G1, 0), AXV_EINVAL);
	cr_expect_eq(axv_addrspace_init(&s, &mh.hal, f, 0x10, G1, 0), AXV_EINVAL);
	cr_expect_eq(axv_addrspace_init(&s, &mh.hal, f, 0, 0, 0), AXV_EINVAL);
	cr_expect_eq(axv_addrspace_init(&s, &mh.hal, f, 0, 1ull << 49, 0), AXV_ERANGE);
	cr_expect_eq(axv_addrspace_init(&s, &mh.hal, f, ~0xfffull, 0x2000, 0), AXV_ERANGE);
	mock_hal_fail_nth(&mh, 1);
	cr_expect_eq(axv_addrspace_init(&s, &mh.hal, f, 0, G1, 0), AXV_ENOMEM);
	cr_expect_eq(memcmp(&s, &copy, sizeof(s)), 0, "a failed init wrote the space");
	cr_expect_eq(mh.live, 0);
	mock_hal_fini(&mh);
}

Test(addrspace, largest_leaves_alignment_allows)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		open_fmt(i);
		bool has1g = fmt->leaf_ok[fmt->levels - 3];
		/* gpa 1 GiB aligned, hpa only 2 MiB aligned: no 1 GiB leaf possible */
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE, HPA + M2, G1, R | W), 0);
		cr_expect_eq(leaf_level(BASE), last_level() - 1, "%s", fmt->name);
		cr_assert_eq(axv_addrspace_unmap(&as, BASE, G1), 0);
		cr_expect_eq(axv_addrspace_pt_frames(&as), fmt->root_frames,
			     "%s: empty tables are freed", fmt->name);
		/* both 1 GiB aligned */
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE, HPA - 0x40000000, G1, R), 0);
		cr_expect_eq(leaf_level(BASE), has1g ? last_level() - 2 : last_level() - 1);
		/* 4 KiB aligned only: 4 KiB leaves, then 2 MiB leaves once aligned */
		uint64_t g2 = BASE + G1 + 64 * M2;
		cr_assert_eq(axv_addrspace_map_linear(&as, g2 - 3 * K4, HPA + g2 - 3 * K4,
						      3 * K4 + M2, R), 0);
		cr_expect_eq(leaf_level(g2 - K4), last_level());
		cr_expect_eq(leaf_level(g2), last_level() - 1);
		axv_hpa_t hpa;
		uint64_t left;
		axv_map_flags_t fl;
		cr_assert_eq(axv_addrspace_translate(&as, g2 + 0x1234, &hpa, &fl, &left), 0);
		cr_expect_eq(hpa, HPA + g2 + 0x1234);
		cr_expect_eq(left, M2 - 0x1234, "%s: bytes left in the 2 MiB leaf", fmt->name);
		cr_expect_eq(fl, R);
		close_fmt();
	}
}

Test(addrspace, partial_unmap_splits_blocks_and_frees_empty_tables)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		open_fmt(i);
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE, HPA, 2 * M2, R | W | X), 0);
		size_t pt0 = axv_addrspace_pt_frames(&as);
		unsigned long calls = mh.tlb_range_calls;
		cr_assert_eq(axv_addrspace_unmap(&as, BASE + M2 + 5 * K4, K4), 0);
		cr_expect_eq(mh.tlb_range_calls, calls + 1, "one TLB call");
		/* the whole block was broken, so the flush covers it */
		cr_expect_eq(mh.tlb_last_gpa, BASE + M2);
		cr_expect_eq(mh.tlb_last_size, M2);
		cr_expect_eq(mh.tlb_last_tag, 42);
		cr_expect_eq(axv_addrspace_pt_frames(&as), pt0 + 1, "%s: one new table", fmt->name);
		cr_expect_eq(leaf_level(BASE + M2), last_level());
		cr_expect_eq(leaf_level(BASE), last_level() - 1, "the other block is untouched");
		axv_hpa_t hpa;
		cr_expect_eq(axv_addrspace_translate(&as, BASE + M2 + 5 * K4, &hpa, NULL, NULL),
			     AXV_ENOENT);
		cr_assert_eq(axv_addrspace_translate(&as, BASE + M2 + 6 * K4, &hpa, NULL, NULL), 0);
		cr_expect_eq(hpa, HPA + M2 + 6 * K4);
		int lv;
		cr_expect_eq(test_raw_entry(&mh, &as, BASE + M2 + 4 * K4, &lv),
			     axv_pt_leaf_entry(fmt, (unsigned)last_level(), HPA + M2 + 4 * K4,
					       R | W | X));
		cr_expect_eq(axv_addrspace_area_count(&as), 2, "the area was split");
		/* unmap the rest: every table but the root is freed */
		cr_assert_eq(axv_addrspace_unmap(&as, BASE, 2 * M2), 0);
		cr_expect_eq(axv_addrspace_pt_frames(&as), fmt->root_frames, "%s", fmt->name);
		size_t tables, empties;
		test_tree_hash(&mh, &as, &tables, &empties);
		cr_expect_eq(tables, fmt->root_frames);
		cr_expect_eq(axv_addrspace_frames(&as) - as.area_frames, fmt->root_frames);
		cr_expect_eq(axv_addrspace_area_count(&as), 0);
		close_fmt();
	}
}

Test(addrspace, protect_splits_and_changes_attributes)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		open_fmt(i);
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE, HPA, G1, R | W | X), 0);
		unsigned long calls = mh.tlb_range_calls;
		/* 2 MiB + 4 KiB inside a (1 GiB or 2 MiB) block */
		uint64_t g = BASE + 3 * M2 - K4;
		cr_assert_eq(axv_addrspace_protect(&as, g, M2 + K4, R), 0);
		cr_expect_eq(mh.tlb_range_calls, calls + 1);
		cr_expect_leq(mh.tlb_last_gpa, g);
		cr_expect_geq(mh.tlb_last_gpa + mh.tlb_last_size, g + M2 + K4);
		int lv;
		cr_expect_eq(test_raw_entry(&mh, &as, g, &lv),
			     axv_pt_leaf_entry(fmt, (unsigned)last_level(), HPA + 3 * M2 - K4, R));
		cr_expect_eq(lv, last_level());
		cr_expect_eq(test_raw_entry(&mh, &as, g - K4, &lv),
			     axv_pt_leaf_entry(fmt, (unsigned)lv, (HPA + 3 * M2 - 2 * K4) &
						~((1ull << fmt->shift[lv]) - 1), R | W | X));
		cr_expect_eq(test_raw_entry(&mh, &as, BASE + 3 * M2, &lv),
			     axv_pt_leaf_entry(fmt, (unsigned)lv, HPA + 3 * M2, R));
		cr_expect_eq(lv, last_level() - 1, "the aligned 2 MiB part stays a block");
		axv_map_flags_t fl;
		cr_assert_eq(axv_addrspace_translate(&as, g, NULL, &fl, NULL), 0);
		cr_expect_eq(fl, R);
		cr_assert_eq(axv_addrspace_translate(&as, g - K4, NULL, &fl, NULL), 0);
		cr_expect_eq(fl, R | W | X);
		cr_expect_eq(axv_addrspace_area_count(&as), 3);
		/* protect over a hole fails and changes nothing */
		struct snap s;
		snap(&s);
		cr_expect_eq(axv_addrspace_protect(&as, BASE + G1 - K4, 2 * K4, R), AXV_ENOENT);
		cr_expect(same(&s));
		cr_expect_eq(axv_addrspace_protect(&as, BASE, K4, W), AXV_EINVAL, "no READ");
		cr_expect_eq(axv_addrspace_protect(&as, BASE, K4, R | AXV_MAP_DEVICE | AXV_MAP_UNCACHED),
			     AXV_EINVAL);
		cr_expect(same(&s));
		close_fmt();
	}
}

/* A TLB hook that records, at flush time, the raw entry of a watched address: a valid leaf
 * that changes must be invalid when the flush happens (break-before-make). */
static uint64_t watch_gpa, watch_entry;
static int watch_level;
static unsigned long watch_calls;

static void watch_flush(void *ctx, uint64_t tag, axv_gpa_t gpa, uint64_t size)
{
	(void)tag;
	(void)gpa;
	(void)size;
	watch_calls++;
	watch_entry = test_raw_entry(ctx, &as, watch_gpa, &watch_level);
}

static void watch_flush_all(void *ctx, uint64_t tag)
{
	(void)ctx;
	(void)tag;
}

Test(addrspace, break_before_make)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		open_fmt(i);
		struct axv_hal_tlb_ops tlb = {watch_flush, watch_flush_all};
		struct axv_hal hal = mh.hal;
		hal.tlb = &tlb;
		as.hal = &hal; /* the same mock, with the watching TLB hook */
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE, HPA, 4 * M2, R | W), 0);
		watch_gpa = BASE + M2 + 7 * K4;
		watch_calls = 0;
		cr_assert_eq(axv_addrspace_protect(&as, watch_gpa, K4, R), 0);
		cr_expect_eq(watch_calls, 1);
		cr_expect_eq(watch_level, last_level() - 1, "%s: the block is still there", fmt->name);
		cr_expect_eq(watch_entry & fmt->valid_mask, 0, "%s: block not broken at flush", fmt->name);
		cr_expect_neq(watch_entry, fmt->empty[watch_level]);
		int lv;
		cr_expect_eq(test_raw_entry(&mh, &as, watch_gpa, &lv),
			     axv_pt_leaf_entry(fmt, (unsigned)last_level(), HPA + M2 + 7 * K4, R));
		/* now a 4 KiB leaf: protect it again, it is broken at flush time */
		watch_calls = 0;
		cr_assert_eq(axv_addrspace_protect(&as, watch_gpa, K4, R | X), 0);
		cr_expect_eq(watch_calls, 1);
		cr_expect_eq(watch_entry & fmt->valid_mask, 0);
		cr_expect_eq(test_oa(fmt, watch_entry), HPA + M2 + 7 * K4);
		/* alloc memory: frames are given back only after the flush */
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + G1, 4 * K4, R | W, true), 0);
		watch_gpa = BASE + G1 + K4;
		axv_hpa_t fpa;
		cr_assert_eq(axv_addrspace_translate(&as, watch_gpa, &fpa, NULL, NULL), 0);
		watch_calls = 0;
		cr_assert_eq(axv_addrspace_unmap(&as, BASE + G1, 4 * K4), 0);
		cr_expect_eq(watch_calls, 1);
		cr_expect_eq(watch_entry & fmt->valid_mask, 0);
		cr_expect_eq(test_oa(fmt, watch_entry), fpa, "frame still referenced at flush");
		cr_expect_not(mock_hal_is_live(&mh, fpa), "frame given back after the flush");
		as.hal = &mh.hal;
		as.frames.hal = &mh.hal;
		close_fmt();
	}
}

Test(addrspace, one_tlb_call_per_mutating_call)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		open_fmt(i);
		unsigned long c = mh.tlb_range_calls;
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE, HPA, 64 * M2 + 5 * K4, R), 0);
		cr_expect_eq(mh.tlb_range_calls, ++c);
		cr_expect_eq(mh.tlb_last_gpa, BASE);
		cr_expect_eq(mh.tlb_last_size, 64 * M2 + 5 * K4);
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + G1, 300 * K4, R | W, true), 0);
		cr_expect_eq(mh.tlb_range_calls, ++c);
		cr_expect_eq(mh.tlb_last_gpa, BASE + G1);
		cr_expect_eq(mh.tlb_last_size, 300 * K4);
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + G1 + M2, 300 * K4, R | W, false), 0);
		cr_expect_eq(mh.tlb_range_calls, ++c);
		cr_assert_eq(axv_addrspace_handle_fault(&as, BASE + G1 + M2 + 17 * K4 + 3, W), 0);
		cr_expect_eq(mh.tlb_range_calls, ++c);
		cr_expect_eq(mh.tlb_last_gpa, BASE + G1 + M2 + 17 * K4);
		cr_expect_eq(mh.tlb_last_size, K4);
		/* a second fault on the same page changes nothing and flushes nothing */
		cr_assert_eq(axv_addrspace_handle_fault(&as, BASE + G1 + M2 + 17 * K4, R), 0);
		cr_expect_eq(mh.tlb_range_calls, c);
		/* unmap across two areas and a hole: one call covering all of it */
		cr_assert_eq(axv_addrspace_unmap(&as, BASE + 10 * K4, G1 + M2), 0);
		cr_expect_eq(mh.tlb_range_calls, ++c);
		cr_expect_eq(mh.tlb_last_gpa, BASE);
		cr_expect_geq(mh.tlb_last_gpa + mh.tlb_last_size, BASE + 10 * K4 + G1 + M2);
		cr_assert_eq(axv_addrspace_protect(&as, BASE, 10 * K4, R | X), 0);
		cr_expect_eq(mh.tlb_range_calls, ++c);
		cr_expect_eq(mh.tlb_last_gpa, BASE);
		cr_expect_eq(mh.tlb_last_size, 10 * K4);
		/* failing calls flush nothing */
		cr_expect_eq(axv_addrspace_map_linear(&as, BASE, HPA, K4, R), AXV_EEXIST);
		cr_expect_eq(mh.tlb_range_calls, c);
		close_fmt();
	}
}

Test(addrspace, bad_input_changes_nothing)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		open_fmt(i);
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE + M2, HPA, M2, R | W), 0);
		struct snap s;
		snap(&s);
		unsigned long allocs = mh.alloc_calls;
		cr_expect_eq(axv_addrspace_map_linear(&as, BASE + 1, HPA, K4, R), AXV_EINVAL);
		cr_expect_eq(axv_addrspace_map_linear(&as, BASE, HPA + 8, K4, R), AXV_EINVAL);
		cr_expect_eq(axv_addrspace_map_linear(&as, BASE, HPA, K4 + 1, R), AXV_EINVAL);
		cr_expect_eq(axv_addrspace_map_linear(&as, BASE, HPA, 0, R), AXV_EINVAL);
		cr_expect_eq(axv_addrspace_map_linear(&as, BASE, HPA, K4, R | 0x100), AXV_EINVAL);
		cr_expect_eq(axv_addrspace_map_linear(&as, BASE, HPA, K4, 0), AXV_EINVAL);
		cr_expect_eq(axv_addrspace_map_linear(&as, BASE - K4, HPA, 2 * K4, R), AXV_ERANGE);
		cr_expect_eq(axv_addrspace_map_linear(&as, BASE + SPACE - K4, HPA, 2 * K4, R),
			     AXV_ERANGE);
		cr_expect_eq(axv_addrspace_map_linear(&as, ~0xfffull, HPA, 2 * K4, R), AXV_ERANGE,
			     "wraps");
		cr_expect_eq(axv_addrspace_map_linear(&as, BASE, ~0xfffull, 2 * K4, R), AXV_ERANGE,
			     "host range wraps");
		cr_expect_eq(axv_addrspace_map_linear(&as, BASE, 1ull << 60, K4, R), AXV_ERANGE,
			     "beyond the output addresses");
		cr_expect_eq(axv_addrspace_map_linear(&as, BASE + M2 - K4, HPA, 2 * K4, R),
			     AXV_EEXIST);
		cr_expect_eq(axv_addrspace_map_alloc(&as, BASE + 2 * M2 - K4, K4, R, true),
			     AXV_EEXIST);
		cr_expect_eq(axv_addrspace_map_alloc(&as, BASE, 0, R, false), AXV_EINVAL);
		cr_expect_eq(axv_addrspace_unmap(&as, BASE + 1, K4), AXV_EINVAL);
		cr_expect_eq(axv_addrspace_unmap(&as, BASE + SPACE, K4), AXV_ERANGE);
		cr_expect_eq(axv_addrspace_protect(&as, BASE + M2, 0, R), AXV_EINVAL);
		cr_expect_eq(axv_addrspace_handle_fault(&as, BASE, 0), AXV_EINVAL);
		cr_expect_eq(axv_addrspace_handle_fault(&as, BASE, AXV_MAP_DEVICE), AXV_EINVAL);
		cr_expect_eq(axv_addrspace_handle_fault(&as, BASE + SPACE, R), AXV_ERANGE);
		cr_expect_eq(axv_addrspace_translate(&as, BASE - 1, NULL, NULL, NULL), AXV_ERANGE);
		char buf[8];
		cr_expect_eq(axv_addrspace_read(&as, BASE + M2 - 4, buf, 8), AXV_ENOENT);
		cr_expect_eq(axv_addrspace_write(&as, BASE + 2 * M2 - 4, buf, 8), AXV_ENOENT);
		cr_expect_eq(axv_addrspace_read(&as, ~0ull - 3, buf, 8), AXV_ERANGE);
		cr_expect(same(&s), "%s: a refused call changed the space", fmt->name);
		cr_expect_eq(mh.alloc_calls, allocs, "the HAL was asked for frames");
		close_fmt();
	}
}

/* Fail the 1st, 2nd, ... allocation of each call until it succeeds: every failure is
 * AXV_ENOMEM and leaves tables, areas and frame count as they were. */
static void until_success(const char *what, int (*op)(void *), void *arg)
{
	for (unsigned long n = 1;; n++) {
		struct snap s;
		snap(&s);
		size_t live = mh.live;
		bool reached;
		int rc = test_fail_nth_run(&mh, n, op, arg, &reached);
		if (rc == 0 && !reached)
			return;
		if (rc == 0)
			continue; /* the failing call was not needed (e.g. pool already sized) */
		cr_assert_eq(rc, AXV_ENOMEM, "%s %s: failing allocation %lu gave %d", fmt->name, what,
			     n, rc);
		cr_assert(same(&s), "%s %s: failure %lu changed the space", fmt->name, what, n);
		if (!axv_frames_checked())
			cr_assert_eq(mh.live, live, "%s %s: leak on failure %lu", fmt->name, what, n);
		cr_assert(n < 2000);
	}
}

static int op_map_linear(void *a)
{
	(void)a;
	return axv_addrspace_map_linear(&as, BASE + 3 * K4, HPA + 3 * K4, 3 * M2, R | W);
}
static int op_populate(void *a)
{
	(void)a;
	return axv_addrspace_map_alloc(&as, BASE + G1 - 5 * K4, 10 * K4 + M2, R | W, true);
}
static int op_unmap_split(void *a)
{
	(void)a;
	return axv_addrspace_unmap(&as, BASE + M2 + 9 * K4, K4);
}
static int op_protect_split(void *a)
{
	(void)a;
	return axv_addrspace_protect(&as, BASE + 2 * M2 + K4, K4, R);
}
static int op_write(void *a)
{
	(void)a;
	static const char msg[] = "across lazy pages";
	return axv_addrspace_write(&as, BASE + G1 + 2 * M2 + K4 - 5, msg, sizeof(msg));
}
static int op_fault(void *a)
{
	(void)a;
	return axv_addrspace_handle_fault(&as, BASE + G1 + 2 * M2 + 40 * K4, R);
}

Test(addrspace, out_of_frames_mid_operation_rolls_back)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		open_fmt(i);
		until_success("map_linear", op_map_linear, NULL);
		until_success("map_alloc populate", op_populate, NULL);
		until_success("unmap splitting a block", op_unmap_split, NULL);
		until_success("protect splitting a block", op_protect_split, NULL);
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + G1 + 2 * M2, M2, R | W, false), 0);
		until_success("write to lazy pages", op_write, NULL);
		until_success("lazy fault", op_fault, NULL);
		cr_expect_geq(mh.failed_allocs, 6);
		close_fmt();
	}
}

static bool all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

Test(addrspace, faults_lazy_memory_and_mmio)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		open_fmt(i);
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE, 16 * K4, R | W, false), 0);
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + M2, 4 * K4, R | X, false), 0);
		size_t frames = axv_addrspace_frames(&as);
		cr_expect_eq(axv_addrspace_translate(&as, BASE + 3 * K4, NULL, NULL, NULL), AXV_ENOENT);
		cr_expect_eq(axv_addrspace_handle_fault(&as, BASE + 20 * K4, R), AXV_ENOENT, "MMIO");
		cr_expect_eq(axv_addrspace_handle_fault(&as, BASE + M2, W), AXV_EACCES);
		cr_expect_eq(axv_addrspace_handle_fault(&as, BASE, X), AXV_EACCES);
		cr_expect_eq(axv_addrspace_frames(&as), frames);
		cr_assert_eq(axv_addrspace_handle_fault(&as, BASE + 3 * K4 + 8, W), 0);
		axv_hpa_t pa;
		uint64_t left;
		cr_assert_eq(axv_addrspace_translate(&as, BASE + 3 * K4 + 8, &pa, NULL, &left), 0);
		cr_expect_eq(left, K4 - 8);
		cr_expect(mock_hal_is_live(&mh, pa & ~0xfffull));
		/* the mock poisons new frames: a guest frame must be zeroed */
		cr_expect(all_bytes(mock_hal_ptr(&mh, pa & ~0xfffull), K4, 0), "%s", fmt->name);
		cr_expect_gt(axv_addrspace_frames(&as), frames);
		cr_assert_eq(axv_addrspace_handle_fault(&as, BASE + M2, X), 0);
		/* populate: every frame zeroed */
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + G1, 8 * K4, R, true), 0);
		for (uint64_t g = BASE + G1; g < BASE + G1 + 8 * K4; g += K4) {
			cr_assert_eq(axv_addrspace_translate(&as, g, &pa, NULL, NULL), 0);
			cr_expect(all_bytes(mock_hal_ptr(&mh, pa), K4, 0));
		}
		close_fmt();
	}
}

Test(addrspace, read_write_across_pages_and_areas)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		open_fmt(i);
		/* linear memory the mock owns, next to lazy and populated alloc memory */
		axv_hpa_t ram;
		cr_assert_eq(mh.mem.alloc_frames(&mh, 4, 1, &ram), 0);
		memset(mock_hal_ptr(&mh, ram), 0, 4 * K4);
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE, ram, 4 * K4, R | W), 0);
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + 4 * K4, 3 * K4, R, false), 0);
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + 7 * K4, 2 * K4, R, true), 0);
		enum { N = 6 * 4096 };
		static unsigned char in[N], out[N];
		for (size_t k = 0; k < N; k++)
			in[k] = (unsigned char)(k * 7 + 3);
		/* read before any write: zeros, and lazy pages stay unallocated */
		size_t frames = axv_addrspace_frames(&as);
		cr_assert_eq(axv_addrspace_read(&as, BASE + 2 * K4 + 100, out, N), 0);
		cr_expect(all_bytes(out, N, 0));
		cr_expect_eq(axv_addrspace_frames(&as), frames);
		cr_assert_eq(axv_addrspace_write(&as, BASE + 2 * K4 + 100, in, N), 0);
		cr_assert_eq(axv_addrspace_read(&as, BASE + 2 * K4 + 100, out, N), 0);
		cr_expect_eq(memcmp(in, out, N), 0, "%s", fmt->name);
		/* the linear part really is the host memory */
		cr_expect_eq(memcmp((unsigned char *)mock_hal_ptr(&mh, ram) + 2 * K4 + 100, in,
				    2 * K4 - 100), 0);
		cr_expect_eq(axv_addrspace_frames(&as), frames + 3, "three lazy pages faulted in");
		cr_expect_eq(axv_addrspace_read(&as, BASE, out, 0), 0);
		cr_expect_eq(axv_addrspace_read(&as, BASE + 8 * K4, out, 2 * K4), AXV_ENOENT);
		/* area iteration, in address order */
		cr_assert_eq(axv_addrspace_area_count(&as), 3);
		struct axv_area_info a;
		cr_assert_eq(axv_addrspace_area(&as, 0, &a), 0);
		cr_expect(a.gpa == BASE && a.size == 4 * K4 && a.kind == AXV_AREA_LINEAR && a.hpa == ram);
		cr_assert_eq(axv_addrspace_area(&as, 1, &a), 0);
		cr_expect(a.gpa == BASE + 4 * K4 && a.kind == AXV_AREA_ALLOC && !a.populated);
		cr_assert_eq(axv_addrspace_area(&as, 2, &a), 0);
		cr_expect(a.gpa == BASE + 7 * K4 && a.populated && a.flags == R);
		cr_expect_eq(axv_addrspace_area(&as, 3, &a), AXV_ENOENT);
		/* by address: each area's first and last byte, the bytes before the first and
		 * after the last, then a gap unmapped in the middle of the second */
		struct at_case {
			uint64_t gpa;
			int rc;
			uint64_t start;
		};
		static const struct at_case at[] = {
			{BASE, 0, BASE},
			{BASE + 4 * K4 - 1, 0, BASE},
			{BASE + 4 * K4, 0, BASE + 4 * K4},
			{BASE + 7 * K4 - 1, 0, BASE + 4 * K4},
			{BASE + 7 * K4, 0, BASE + 7 * K4},
			{BASE + 9 * K4 - 1, 0, BASE + 7 * K4},
			{BASE + 9 * K4, AXV_ENOENT, 0},
			{BASE - 1, AXV_ENOENT, 0},
			{0, AXV_ENOENT, 0},
		};
		static const struct at_case gap[] = {
			{BASE + 5 * K4 - 1, 0, BASE + 4 * K4},
			{BASE + 5 * K4, AXV_ENOENT, 0},
			{BASE + 6 * K4 - 1, AXV_ENOENT, 0},
			{BASE + 6 * K4, 0, BASE + 6 * K4},
		};
		for (int round = 0; round < 2; round++) {
			const struct at_case *c = round ? gap : at;
			size_t nc = round ? sizeof(gap) / sizeof(gap[0]) : sizeof(at) / sizeof(at[0]);
			if (round)
				cr_assert_eq(axv_addrspace_unmap(&as, BASE + 5 * K4, K4), 0);
			for (size_t k = 0; k < nc; k++) {
				struct axv_area_info b = {.gpa = 0x5a5a};
				cr_expect_eq(axv_addrspace_area_at(&as, c[k].gpa, &b), c[k].rc,
					     "%s: 0x%lx", fmt->name, (unsigned long)c[k].gpa);
				cr_expect_eq(b.gpa, c[k].rc ? 0x5a5a : c[k].start,
					     "%s: 0x%lx: the area's start, or out untouched",
					     fmt->name, (unsigned long)c[k].gpa);
			}
		}
		cr_expect_eq(axv_addrspace_area_at(NULL, BASE, &a), AXV_EINVAL);
		cr_expect_eq(axv_addrspace_area_at(&as, BASE, NULL), AXV_EINVAL);
		cr_assert_eq(axv_addrspace_destroy(&as), 0);
		mh.mem.free_frames(&mh, ram, 4);
		cr_expect(test_mock_clean(&mh));
		mock_hal_fini(&mh);
	}
}

Test(addrspace, many_areas_grow_the_area_array)
{
	open_fmt(FMT_EPT);
	for (unsigned k = 0; k < 600; k++)
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE + 2ull * k * K4, HPA, K4, R), 0);
	cr_expect_eq(axv_addrspace_area_count(&as), 600);
	struct axv_area_info a;
	cr_assert_eq(axv_addrspace_area(&as, 599, &a), 0);
	cr_expect_eq(a.gpa, BASE + 2ull * 599 * K4);
	cr_assert_eq(axv_addrspace_unmap(&as, BASE, 1200 * K4), 0);
	cr_expect_eq(axv_addrspace_area_count(&as), 0);
	close_fmt();
}

/* A HAL whose host pointers are not physical address + constant: frame-number bit 1 is
 * flipped between the two (runs of 1 or 2 frames stay contiguous), bit 2 for formats with
 * 4-frame roots (the riscv64 16 KiB roots stay contiguous and aligned). The engine must
 * notice and go through the HAL's hooks for every table. */
static uint64_t swap_bit = 0x2000ull;
#define SWAP swap_bit
static int swap_alloc(void *ctx, size_t count, size_t align, axv_hpa_t *pa)
{
	int rc = mh.mem.alloc_frames(ctx, count, align, pa);
	if (rc == 0)
		*pa ^= SWAP;
	return rc;
}
static void swap_free(void *ctx, axv_hpa_t pa, size_t count)
{
	mh.mem.free_frames(ctx, pa ^ SWAP, count);
}
static void *swap_p2v(void *ctx, axv_hpa_t pa)
{
	return mh.mem.phys_to_virt(ctx, pa ^ SWAP);
}
static axv_hpa_t swap_v2p(void *ctx, const void *va)
{
	return mh.mem.virt_to_phys(ctx, va) ^ SWAP;
}

Test(addrspace, hal_without_constant_offset)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		mock_hal_init(&mh, 4096);
		fmt = test_format(i);
		swap_bit = fmt->root_frames > 2 ? 0x4000ull : 0x2000ull;
		struct axv_hal_mem_ops ops = {swap_alloc, swap_free, swap_p2v, swap_v2p};
		struct axv_hal hal = mh.hal;
		hal.mem = &ops;
		cr_assert_eq(axv_addrspace_init(&as, &hal, fmt, BASE, SPACE, 3), 0);
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE, HPA, 4 * M2, R | W), 0);
		cr_expect_not(as.linear, "%s: the offset check did not notice", fmt->name);
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + G1, 8 * K4, R | W, true), 0);
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + G1 + M2, 8 * K4, R | W, false), 0);
		cr_assert_eq(axv_addrspace_handle_fault(&as, BASE + G1 + M2 + K4, W), 0);
		static const char msg[] = "through the hooks";
		char back[sizeof(msg)];
		cr_assert_eq(axv_addrspace_write(&as, BASE + G1 + 8 * K4 - 4, msg, sizeof(msg)),
			     AXV_ENOENT);
		cr_assert_eq(axv_addrspace_write(&as, BASE + G1 + M2 + 2 * K4 - 4, msg, sizeof(msg)), 0);
		cr_assert_eq(axv_addrspace_read(&as, BASE + G1 + M2 + 2 * K4 - 4, back, sizeof(back)), 0);
		cr_expect_str_eq(back, msg);
		cr_assert_eq(axv_addrspace_protect(&as, BASE + M2 + K4, K4, R), 0);
		cr_assert_eq(axv_addrspace_unmap(&as, BASE + 3 * K4, K4), 0);
		axv_hpa_t pa;
		axv_map_flags_t fl;
		cr_assert_eq(axv_addrspace_translate(&as, BASE + M2 + K4 + 5, &pa, &fl, NULL), 0);
		cr_expect_eq(pa, HPA + M2 + K4 + 5);
		cr_expect_eq(fl, R);
		cr_expect_eq(axv_addrspace_translate(&as, BASE + 3 * K4, &pa, NULL, NULL), AXV_ENOENT);
		cr_assert_eq(axv_addrspace_translate(&as, BASE + 4 * K4, &pa, NULL, NULL), 0);
		cr_expect_eq(pa, HPA + 4 * K4);
		cr_assert_eq(axv_addrspace_unmap(&as, BASE, SPACE), 0);
		cr_expect_eq(axv_addrspace_pt_frames(&as), fmt->root_frames);
		cr_assert_eq(axv_addrspace_destroy(&as), 0);
		cr_expect(test_mock_clean(&mh), "%s: mock not clean", fmt->name);
		mock_hal_fini(&mh);
	}
}

Test(addrspace, hal_without_tlb_hooks)
{
	mock_hal_init(&mh, 1024);
	fmt = test_format(FMT_S2_32);
	struct axv_hal hal = mh.hal;
	hal.tlb = NULL; /* no maintenance needed (e.g. tables not live yet) */
	cr_assert_eq(axv_addrspace_init(&as, &hal, fmt, 0, 1ull << 32, 9), 0);
	cr_assert_eq(axv_addrspace_map_linear(&as, G1, HPA, 2 * M2, R | W), 0);
	cr_assert_eq(axv_addrspace_protect(&as, G1 + K4, K4, R), 0);
	cr_assert_eq(axv_addrspace_unmap(&as, G1, M2), 0);
	cr_assert_eq(axv_addrspace_map_alloc(&as, 0, 4 * K4, R, false), 0);
	cr_assert_eq(axv_addrspace_handle_fault(&as, K4, R), 0);
	cr_expect_eq(mh.tlb_range_calls + mh.tlb_all_calls, 0);
	axv_hpa_t pa;
	cr_assert_eq(axv_addrspace_translate(&as, G1 + M2 + 8, &pa, NULL, NULL), 0);
	cr_expect_eq(pa, HPA + M2 + 8);
	cr_assert_eq(axv_addrspace_destroy(&as), 0);
	cr_expect(test_mock_clean(&mh));
	mock_hal_fini(&mh);
}

/* The translation cache's hit path makes no range or HAL check of its own: a warm cache
 * must still give every error the walk gives. Each format, the whole space mapped, every
 * cache entry filled; then addresses that share a filled entry's slot (the space's region
 * 512 regions above or below, regions beyond the tag's reach) and a destroyed space. */
Test(addrspace, warm_translation_cache_keeps_errors)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		open_fmt(i);
		/* 4 KiB pages only (the host range is not 2 MiB aligned): a leaf table each */
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE, HPA + K4, SPACE, R | W), 0);
		for (uint64_t g = BASE; g < BASE + SPACE; g += M2 / 2)
			cr_assert_eq(axv_addrspace_translate(&as, g + 8, NULL, NULL, NULL), 0);
		unsigned sh = fmt->shift[fmt->levels - 2];
		uint64_t slots = (uint64_t)AXV_AS_TCACHE << sh; /* one turn of the cache */
		const uint64_t bad[] = {BASE - slots, BASE - 1, BASE + SPACE, BASE + slots * 4,
					BASE + (1ull << (sh + 20)), BASE + (1ull << (sh + 21)),
					BASE + (1ull << 47), ~0ull - 0xfff};
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			if (bad[k] >= BASE && bad[k] < BASE + SPACE)
				continue;
			cr_expect_eq(axv_addrspace_translate(&as, bad[k], NULL, NULL, NULL),
				     AXV_ERANGE, "%s: %#llx", fmt->name,
				     (unsigned long long)bad[k]);
		}
		axv_hpa_t hpa = 0;
		cr_expect_eq(axv_addrspace_translate(&as, BASE + SPACE - 1, &hpa, NULL, NULL), 0);
		cr_expect_eq(hpa, HPA + K4 + SPACE - 1, "%s", fmt->name);
		close_fmt();
		/* the last region filled its entry last: a hit if the cache outlived the space */
		cr_expect_eq(axv_addrspace_translate(&as, BASE + SPACE - 8, NULL, NULL, NULL),
			     AXV_EINVAL,
			     "%s: a destroyed space translates", fmt->name);
	}
}

/* An unmap over a run of blocks and a block a protect split (three areas): the break walk
 * empties the run of whole blocks in one visit and goes down the split block's table.
 * Nothing stays mapped, no frame leaks, every table below the root is freed. */
Test(addrspace, unmap_run_of_blocks_and_a_split_block)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		open_fmt(i);
		if (!fmt->leaf_ok[fmt->levels - 2]) {
			close_fmt();
			continue;
		}
		size_t pt0 = axv_addrspace_pt_frames(&as);
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE, HPA, 4 * M2, R | W), 0);
		cr_assert_eq(axv_addrspace_protect(&as, BASE + 3 * M2 + K4, K4, R), 0);
		axv_map_flags_t fl = 0;
		cr_assert_eq(axv_addrspace_translate(&as, BASE + 3 * M2 + K4, NULL, &fl, NULL), 0);
		cr_assert_eq(fl, R, "%s", fmt->name);
		cr_assert_eq(axv_addrspace_unmap(&as, BASE, 4 * M2), 0, "%s", fmt->name);
		for (uint64_t g = BASE; g < BASE + 4 * M2; g += K4)
			cr_assert_eq(axv_addrspace_translate(&as, g, NULL, NULL, NULL), AXV_ENOENT,
				     "%s: %#llx still mapped", fmt->name, (unsigned long long)g);
		cr_expect_eq(axv_addrspace_pt_frames(&as), pt0, "%s: tables left", fmt->name);
		close_fmt();
	}
}
