/* TLB maintenance by tag (VMID): two address spaces on one HAL, as two VMs are. Every flush a
 * change to one space makes carries that space's tag and none other's (on aarch64 the tag is
 * the VTTBR_EL2 value, and the port's TLBI IPAS2E1IS / VMALLS12E1IS act on its VMID only:
 * Arm ARM D8.14, C5.5), and destroying a space flushes everything of its tag while its tables
 * and frames are still its own, so a VMID used again afterwards starts with no stale entry. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/err.h>

#include "as_util.h"

#define R AXV_MAP_READ
#define W AXV_MAP_WRITE
#define X AXV_MAP_EXEC
#define K4 0x1000ull
#define M2 0x200000ull
#define BASE 0x40000000ull
#define SPACE 0x40000000ull
#define HPA_A 0x2c0000000ull /* host ranges of the linear maps (never dereferenced) */
#define HPA_B 0x300000000ull
#define TAG_A (1ull << 48)   /* VTTBR_EL2 values with VMIDs 1 and 2 */
#define TAG_B (2ull << 48)

static struct mock_hal mh;

/* Every TLB call, in order, with whether the watched frame was still live at that time. */
struct call {
	bool all;
	uint64_t tag;
	axv_gpa_t gpa;
	uint64_t size;
	bool watched_live;
};
static struct call calls[256];
static size_t ncalls;
static axv_hpa_t watched = AXV_HPA_INVALID;

static void rec(bool all, uint64_t tag, axv_gpa_t gpa, uint64_t size)
{
	cr_assert_lt(ncalls, sizeof(calls) / sizeof(calls[0]));
	calls[ncalls++] = (struct call){all, tag, gpa, size,
					watched != AXV_HPA_INVALID && mock_hal_is_live(&mh, watched)};
}

static void rec_range(void *ctx, uint64_t tag, axv_gpa_t gpa, uint64_t size)
{
	(void)ctx;
	rec(false, tag, gpa, size);
}

static void rec_all(void *ctx, uint64_t tag)
{
	(void)ctx;
	rec(true, tag, 0, 0);
}

static const struct axv_hal_tlb_ops rec_ops = {rec_range, rec_all};

/* A fresh mock HAL with the recording TLB hooks in *@hal. */
static void open_hal(struct axv_hal *hal)
{
	mock_hal_init(&mh, 8192);
	*hal = mh.hal;
	hal->tlb = &rec_ops;
	ncalls = 0;
	watched = AXV_HPA_INVALID;
}

/* Calls [from, ncalls): how many, and whether every one carried @tag. */
static size_t calls_since(size_t from, uint64_t tag, bool *only)
{
	*only = true;
	for (size_t i = from; i < ncalls; i++)
		if (calls[i].tag != tag)
			*only = false;
	return ncalls - from;
}

/* Map, protect, fault in, unmap and write in @as: every change there. */
static void churn(struct axv_addrspace *as, axv_hpa_t hpa)
{
	cr_assert_eq(axv_addrspace_map_linear(as, BASE, hpa, 4 * M2, R | W | X), 0);
	cr_assert_eq(axv_addrspace_protect(as, BASE + M2 + 3 * K4, K4, R), 0);
	cr_assert_eq(axv_addrspace_map_alloc(as, BASE + 16 * M2, 8 * K4, R | W, false), 0);
	cr_assert_eq(axv_addrspace_handle_fault(as, BASE + 16 * M2 + K4, W), 0);
	cr_assert_eq(axv_addrspace_map_alloc(as, BASE + 32 * M2, 4 * K4, R | W, true), 0);
	cr_assert_eq(axv_addrspace_unmap(as, BASE + 2 * M2, M2), 0);
	cr_assert_eq(axv_addrspace_unmap(as, BASE + 32 * M2, 4 * K4), 0);
}

Test(addrspace_tlb, a_change_to_one_space_flushes_only_its_tag)
{
	for (int f = 0; f < FMT_COUNT; f++) {
		const struct axv_pt_format *fmt = test_format(f);
		struct axv_hal hal;
		open_hal(&hal);
		static struct axv_addrspace a, b;
		cr_assert_eq(axv_addrspace_init(&a, &hal, fmt, BASE, SPACE, TAG_A), 0);
		cr_assert_eq(axv_addrspace_init(&b, &hal, fmt, BASE, SPACE, TAG_B), 0);
		cr_assert_eq(axv_addrspace_map_linear(&a, BASE + 64 * M2, HPA_A, 8 * M2, R | W | X), 0);
		bool only;
		size_t from = ncalls;
		churn(&b, HPA_B);
		cr_expect_geq(calls_since(from, TAG_B, &only), 7, "%s", fmt->name);
		cr_expect(only, "%s: a change to B flushed another tag", fmt->name);
		from = ncalls;
		churn(&a, HPA_A + 8 * M2);
		cr_expect_geq(calls_since(from, TAG_A, &only), 7, "%s", fmt->name);
		cr_expect(only, "%s: a change to A flushed another tag", fmt->name);
		from = ncalls;
		cr_assert_eq(axv_addrspace_destroy(&b), 0);
		cr_expect_geq(calls_since(from, TAG_B, &only), 1, "%s: destroy flushed nothing",
			      fmt->name);
		cr_expect(only, "%s: destroying B flushed another tag", fmt->name);
		cr_assert_eq(axv_addrspace_destroy(&a), 0);
		cr_expect(test_mock_clean(&mh), "%s: mock HAL not clean", fmt->name);
		mock_hal_fini(&mh);
	}
}

/* Build a space with @tag, change it, destroy it while watching the guest frame (@root
 * false) or the root table (@root true): the destroy makes one flush of the whole tag, while
 * the watched frame is still the space's (not yet back in the HAL, so not yet anybody
 * else's). */
static void destroy_watching(const struct axv_pt_format *fmt, const struct axv_hal *hal,
			     bool root)
{
	static struct axv_addrspace old;
	cr_assert_eq(axv_addrspace_init(&old, hal, fmt, BASE, SPACE, TAG_B), 0);
	churn(&old, HPA_B);
	axv_hpa_t frame;
	cr_assert_eq(axv_addrspace_translate(&old, BASE + 16 * M2 + K4, &frame, NULL, NULL), 0);
	watched = root ? axv_addrspace_root(&old) : frame;
	size_t from = ncalls, all = 0;
	cr_assert_eq(axv_addrspace_destroy(&old), 0);
	for (size_t i = from; i < ncalls; i++) {
		if (!calls[i].all)
			continue;
		all++;
		cr_expect_eq(calls[i].tag, TAG_B, "%s", fmt->name);
		cr_expect(calls[i].watched_live, "%s: the flush came after the %s went back",
			  fmt->name, root ? "root table" : "guest frame");
	}
	cr_expect_eq(all, 1, "%s: one flush of the whole tag at destroy", fmt->name);
	cr_expect_not(mock_hal_is_live(&mh, watched), "%s: given back by destroy", fmt->name);
	watched = AXV_HPA_INVALID;
}

/* A VMID used again: the space that had it is destroyed (flushing its tag before its frames
 * go), then a new one gets it. */
Test(addrspace_tlb, a_destroyed_space_flushes_its_tag_before_its_frames_go)
{
	for (int f = 0; f < FMT_COUNT; f++) {
		const struct axv_pt_format *fmt = test_format(f);
		struct axv_hal hal;
		open_hal(&hal);
		destroy_watching(fmt, &hal, false);
		destroy_watching(fmt, &hal, true);
		static struct axv_addrspace again;
		cr_assert_eq(axv_addrspace_init(&again, &hal, fmt, BASE, SPACE, TAG_B), 0);
		churn(&again, HPA_B);
		cr_assert_eq(axv_addrspace_destroy(&again), 0);
		cr_expect(test_mock_clean(&mh), "%s: mock HAL not clean", fmt->name);
		mock_hal_fini(&mh);
	}
}
