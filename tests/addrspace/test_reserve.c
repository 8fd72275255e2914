/* Reservation (axv_addrspace_reserve): after it, 10,000 random map, unmap, protect, fault
 * and write operations inside the reserved range call neither the HAL's alloc_frames nor its
 * free_frames, on every format; a control without reservation does call them; translations
 * stay right; bad input and allocation failure change nothing. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/err.h>

#include "as_util.h"

#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull
/* The reserved range: not 2 MiB aligned at either end, so the blocks and tables at its
 * edges are shared with addresses outside it. */
#define RB (G1 + M2 / 2)
#define RPAGES 1027u
#define RE (RB + RPAGES * K4)
#define OPS 10000

enum { NONE, LIN, ALLOC };

static struct mock_hal mh;
static struct axv_addrspace as;
static uint8_t kind[RPAGES];
static uint64_t lin_hpa[RPAGES];
static unsigned long seed;

static unsigned long rnd(void)
{
	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned long)(seed >> 33);
}

static void rnd_range(uint64_t *gpa, uint64_t *size)
{
	uint64_t p, n;
	unsigned k = (unsigned)(rnd() % 4);
	if (k == 0) { /* a 2 MiB-aligned chunk inside the range: blocks */
		p = (G1 + M2 - RB) / K4;
		n = 512;
	} else {
		p = rnd() % RPAGES;
		n = 1 + rnd() % (k == 1 ? 600 : 8);
	}
	if (p + n > RPAGES)
		n = RPAGES - p;
	*gpa = RB + p * K4;
	*size = n * K4;
}

static void set(uint64_t gpa, uint64_t size, uint8_t k, uint64_t hpa)
{
	for (uint64_t a = gpa; a < gpa + size; a += K4) {
		kind[(a - RB) / K4] = k;
		lin_hpa[(a - RB) / K4] = hpa + (a - gpa);
	}
}

static bool any_mapped(uint64_t gpa, uint64_t size)
{
	for (uint64_t a = gpa; a < gpa + size; a += K4)
		if (kind[(a - RB) / K4] != NONE)
			return true;
	return false;
}

static bool all_mapped(uint64_t gpa, uint64_t size)
{
	for (uint64_t a = gpa & ~(K4 - 1); a < gpa + size; a += K4)
		if (kind[(a - RB) / K4] == NONE)
			return false;
	return true;
}

/* One random operation inside the range; checks its result against the model. */
static void one_op(const char *name, int i)
{
	uint64_t gpa, size;
	rnd_range(&gpa, &size);
	/* linear host addresses keep gpa's alignment modulo 2 MiB, so blocks are possible */
	uint64_t hpa = 0x8000000000ull + (gpa - G1);
	unsigned op = (unsigned)(rnd() % 7);
	int rc;
	switch (op) {
	case 0:
		rc = axv_addrspace_map_linear(&as, gpa, hpa, size, AXV_MAP_RWX);
		cr_assert_eq(rc, any_mapped(gpa, size) ? AXV_EEXIST : 0, "%s op %d map_linear", name, i);
		if (rc == 0)
			set(gpa, size, LIN, hpa);
		break;
	case 1:
	case 2:
		rc = axv_addrspace_map_alloc(&as, gpa, size, AXV_MAP_READ | AXV_MAP_WRITE, op == 1);
		cr_assert_eq(rc, any_mapped(gpa, size) ? AXV_EEXIST : 0, "%s op %d map_alloc", name, i);
		if (rc == 0)
			set(gpa, size, ALLOC, 0);
		break;
	case 3:
		rc = axv_addrspace_unmap(&as, gpa, size);
		cr_assert_eq(rc, 0, "%s op %d unmap: %d", name, i, rc);
		set(gpa, size, NONE, 0);
		break;
	case 4:
		rc = axv_addrspace_protect(&as, gpa, size, rnd() % 2 ? AXV_MAP_READ : AXV_MAP_RWX);
		cr_assert_eq(rc, all_mapped(gpa, size) ? 0 : AXV_ENOENT, "%s op %d protect: %d", name,
			     i, rc);
		break;
	case 5:
		rc = axv_addrspace_handle_fault(&as, gpa, AXV_MAP_READ);
		cr_assert_eq(rc, kind[(gpa - RB) / K4] == NONE ? AXV_ENOENT : 0, "%s op %d fault: %d",
			     name, i, rc);
		break;
	default: {
		unsigned char buf[64];
		memset(buf, i & 0xff, sizeof(buf));
		uint64_t at = gpa + K4 - 32; /* across a page boundary when size allows */
		if (at + sizeof(buf) > gpa + size)
			at = gpa;
		size_t len = (size_t)(at + sizeof(buf) <= gpa + size ? sizeof(buf) : 16);
		rc = axv_addrspace_write(&as, at, buf, len);
		/* linear pages here are fake host addresses the mock cannot map: EFAULT */
		bool lin = kind[(at - RB) / K4] == LIN || kind[(at + len - 1 - RB) / K4] == LIN;
		int want = !all_mapped(at, len) ? AXV_ENOENT : lin ? AXV_EFAULT : 0;
		cr_assert_eq(rc, want, "%s op %d write: %d", name, i, rc);
		break;
	}
	}
}

static void check_model(const char *name)
{
	for (unsigned p = 0; p < RPAGES; p++) {
		axv_hpa_t hpa;
		int rc = axv_addrspace_translate(&as, RB + p * K4, &hpa, NULL, NULL);
		if (kind[p] == NONE)
			cr_assert_eq(rc, AXV_ENOENT, "%s page %u", name, p);
		else if (kind[p] == LIN)
			cr_assert(rc == 0 && hpa == lin_hpa[p], "%s page %u", name, p);
		else
			cr_assert(rc == 0 || rc == AXV_ENOENT, "%s page %u", name, p);
	}
}

static void run(int fi, bool reserve)
{
	const struct axv_pt_format *fmt = test_format(fi);
	mock_hal_init(&mh, 8192);
	mh.poison = false; /* speed; poisoning is tested elsewhere */
	seed = 12345u + (unsigned)fi;
	memset(kind, 0, sizeof(kind));
	cr_assert_eq(axv_addrspace_init(&as, &mh.hal, fmt, 0, 1ull << 32, 7), 0);
	/* Mappings outside the range that share its edge tables and blocks. */
	cr_assert_eq(axv_addrspace_map_linear(&as, G1, 0x8000000000ull, M2 / 2, AXV_MAP_RWX), 0);
	cr_assert_eq(axv_addrspace_map_alloc(&as, RE, 16 * K4, AXV_MAP_READ, true), 0);
	/* and a block that reaches into the range: it must be splittable from the stock */
	cr_assert_eq(axv_addrspace_map_linear(&as, RB, 0x8000000000ull + (RB - G1), M2 / 2,
					      AXV_MAP_RWX), 0);
	set(RB, M2 / 2, LIN, 0x8000000000ull + (RB - G1));
	if (reserve)
		cr_assert_eq(axv_addrspace_reserve(&as, RB, RE - RB, AXV_RESERVE_FRAMES,
						   RPAGES + 4), 0, "%s", fmt->name);
	unsigned long a0 = mh.alloc_calls, f0 = mh.free_calls;
	int ops = reserve ? OPS : 200;
	for (int i = 0; i < ops; i++)
		one_op(fmt->name, i);
	check_model(fmt->name);
	if (reserve) {
		cr_expect_eq(mh.alloc_calls, a0, "%s: %lu HAL allocations after reservation",
			     fmt->name, mh.alloc_calls - a0);
		cr_expect_eq(mh.free_calls, f0, "%s: %lu HAL frees after reservation", fmt->name,
			     mh.free_calls - f0);
	} else {
		/* control: the same kind of work without a reservation does reach the HAL */
		cr_expect_gt(mh.alloc_calls, a0, "%s: control made no allocation", fmt->name);
	}
	cr_assert_eq(axv_addrspace_destroy(&as), 0);
	cr_expect(test_mock_clean(&mh), "%s", fmt->name);
	mock_hal_fini(&mh);
}

Test(reserve, ept, .timeout = 120) { run(FMT_EPT, true); }
Test(reserve, npt, .timeout = 120) { run(FMT_NPT, true); }
Test(reserve, s2_40bit, .timeout = 120) { run(FMT_S2_40, true); }
Test(reserve, s2_48bit, .timeout = 120) { run(FMT_S2_48, true); }
Test(reserve, s2_32bit, .timeout = 120) { run(FMT_S2_32, true); }
Test(reserve, la64_3level, .timeout = 120) { run(FMT_LA3, true); }
Test(reserve, la64_4level, .timeout = 120) { run(FMT_LA4, true); }
Test(reserve, control_without_reservation) { run(FMT_EPT, false); }

Test(reserve, bad_input_and_failure_change_nothing)
{
	mock_hal_init(&mh, 4096);
	cr_assert_eq(axv_addrspace_init(&as, &mh.hal, test_format(FMT_EPT), 0, 1ull << 32, 1), 0);
	size_t fr0 = axv_addrspace_frames(&as);
	cr_expect_eq(axv_addrspace_reserve(NULL, RB, K4, 0, 0), AXV_EINVAL);
	cr_expect_eq(axv_addrspace_reserve(&as, RB, K4, 2, 0), AXV_EINVAL, "unknown flag");
	cr_expect_eq(axv_addrspace_reserve(&as, RB + 1, K4, 0, 0), AXV_EINVAL);
	cr_expect_eq(axv_addrspace_reserve(&as, RB, 0, 0, 0), AXV_EINVAL);
	cr_expect_eq(axv_addrspace_reserve(&as, 1ull << 32, K4, 0, 0), AXV_ERANGE);
	/* every allocation fails: nothing is taken, no reservation is left */
	mock_hal_fail_from(&mh, 2);
	cr_expect_eq(axv_addrspace_reserve(&as, RB, 64 * K4, AXV_RESERVE_FRAMES, 0), AXV_ENOMEM);
	cr_expect_eq(axv_addrspace_frames(&as), fr0);
	cr_expect_eq(axv_addrspace_reserved(&as), 0);
	mock_hal_fail_from(&mh, 0);
	/* 1 GiB + 1 MiB, 1027 pages, empty 4-level EPT: 1 (level 1) + 1 (level 2) + 3 (level 3)
	 * tables, plus 1027 frames */
	cr_expect_eq(axv_addrspace_reserve(&as, RB, RE - RB, AXV_RESERVE_FRAMES, 0), 0);
	cr_expect_eq(axv_addrspace_reserved(&as), 5 + RPAGES);
	cr_expect_eq(axv_addrspace_frames(&as), fr0 + 5 + RPAGES);
	cr_expect_eq(axv_addrspace_reserve(&as, RB, K4, 0, 0), AXV_EBUSY);
	cr_expect_eq(axv_addrspace_unreserve(&as), 0);
	cr_expect_eq(axv_addrspace_frames(&as), fr0);
	/* tables only: existing tables are not counted twice */
	cr_assert_eq(axv_addrspace_map_alloc(&as, RB, K4, AXV_MAP_READ, true), 0);
	cr_expect_eq(axv_addrspace_reserve(&as, RB, RE - RB, 0, 0), 0);
	cr_expect_eq(axv_addrspace_reserved(&as), 2, "levels 1, 2 and one level-3 table exist");
	cr_assert_eq(axv_addrspace_destroy(&as), 0);
	cr_expect(test_mock_clean(&mh));
	mock_hal_fini(&mh);
}

/* The reservation's stock: its frames in list order, hashed. */
static uint64_t stock_hash(void)
{
	uint64_t h = 0;
	axv_hpa_t pa = as.stock;
	for (size_t i = 0; i < as.stock_n; i++) {
		h = (h ^ pa) * 0x100000001b3ull;
		pa = *(const uint64_t *)mock_hal_ptr(&mh, pa);
	}
	return h;
}

/* A call that fails inside a reservation gives every frame back where it came from: those
 * it took from the stock to the stock, in their order, and those it took from the HAL to the
 * HAL (a stock below its cap, because tables of the range existed when it was made, kept
 * them): the space's frame count, the stock and the HAL are exactly as before. Found by the
 * fuzz harness's reserve operation. Every failing allocation of the call is tried in turn,
 * with the range's tables existing (stock below its cap, tables from nowhere) and not (the
 * tables come from the stock, the guest frames from the HAL). */
Test(reserve, failed_call_inside_a_reservation_changes_nothing)
{
	for (int fi = 0; fi < 2 * FMT_COUNT; fi++) {
		const struct axv_pt_format *fmt = test_format(fi % FMT_COUNT);
		bool tables_exist = fi < FMT_COUNT;
		mock_hal_init(&mh, 4096);
		cr_assert_eq(axv_addrspace_init(&as, &mh.hal, fmt, 0, 1ull << 32, 1), 0);
		if (tables_exist)
			cr_assert_eq(axv_addrspace_map_alloc(&as, RB, K4, AXV_MAP_READ, true), 0);
		cr_assert_eq(axv_addrspace_reserve(&as, RB, RE - RB, 0, 0), 0);
		if (tables_exist)
			cr_assert_lt(axv_addrspace_reserved(&as), as.stock_cap, "%s", fmt->name);
		for (unsigned long n = 1;; n++) {
			size_t frames = axv_addrspace_frames(&as), stock = axv_addrspace_reserved(&as);
			size_t live = mh.live;
			axv_hpa_t head = as.stock;
			uint64_t order = stock_hash();
			/* guest frames come from the HAL (no AXV_RESERVE_FRAMES) */
			mock_hal_fail_nth(&mh, n);
			int rc = axv_addrspace_map_alloc(&as, RB + 8 * K4, 4 * K4, AXV_MAP_READ, true);
			mock_hal_fail_nth(&mh, 0);
			if (rc == 0)
				break;
			cr_assert_eq(rc, AXV_ENOMEM);
			cr_assert_eq(axv_addrspace_frames(&as), frames,
				     "%s: failure %lu: %zu frames, %zu before (stock %zu, %zu before)",
				     fmt->name, n, axv_addrspace_frames(&as), frames,
				     axv_addrspace_reserved(&as), stock);
			cr_assert_eq(axv_addrspace_reserved(&as), stock, "%s", fmt->name);
			cr_assert_eq(as.stock, head, "%s: the stock's head changed", fmt->name);
			cr_assert_eq(stock_hash(), order, "%s: the stock's order changed", fmt->name);
			cr_assert_eq(mh.live, live, "%s: HAL frames", fmt->name);
			cr_assert_lt(n, 10);
		}
		cr_assert_eq(axv_addrspace_destroy(&as), 0);
		cr_expect(test_mock_clean(&mh), "%s", fmt->name);
		mock_hal_fini(&mh);
	}
}

/* A write across several lazy areas whose leaf table does not exist yet needs that table
 * once, not once per area: inside a reservation made for exactly the range (one table, two
 * frames), it must not call the HAL. Found by the fuzz harness's reservation check. */
Test(reserve, write_across_lazy_areas_counts_a_shared_table_once)
{
	for (int fi = 0; fi < FMT_COUNT; fi++) {
		const struct axv_pt_format *fmt = test_format(fi);
		mock_hal_init(&mh, 1024);
		cr_assert_eq(axv_addrspace_init(&as, &mh.hal, fmt, 0, 1ull << 32, 1), 0);
		uint64_t g = G1 + 4 * M2;
		/* the upper tables exist (a mapping in the next 2 MiB), the leaf table does not */
		cr_assert_eq(axv_addrspace_map_alloc(&as, g + M2, K4, AXV_MAP_READ, true), 0);
		cr_assert_eq(axv_addrspace_map_alloc(&as, g, K4, AXV_MAP_RWX, false), 0);
		cr_assert_eq(axv_addrspace_map_alloc(&as, g + K4, K4, AXV_MAP_RWX, false), 0);
		cr_assert_eq(axv_addrspace_reserve(&as, g, 2 * K4, AXV_RESERVE_FRAMES, 0), 0);
		cr_assert_eq(axv_addrspace_reserved(&as), 3, "%s: one table and two frames",
			     fmt->name);
		unsigned long allocs = mh.alloc_calls;
		static const unsigned char buf[200] = {1, 2, 3};
		cr_assert_eq(axv_addrspace_write(&as, g + K4 - 100, buf, sizeof(buf)), 0);
		cr_expect_eq(mh.alloc_calls, allocs, "%s: the write called the HAL %lu times",
			     fmt->name, mh.alloc_calls - allocs);
		cr_assert_eq(axv_addrspace_destroy(&as), 0);
		cr_expect(test_mock_clean(&mh), "%s", fmt->name);
		mock_hal_fini(&mh);
	}
}
