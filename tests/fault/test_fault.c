/* Fault injection for every public function that allocates.
 *
 * The functions that take frames from the HAL are: axv_frame_alloc_run(), axv_frame_alloc(),
 * axv_frame_alloc_zeroed(), axv_addrspace_init(), axv_addrspace_map_linear(),
 * axv_addrspace_map_alloc() (populated, and lazy when the area array grows),
 * axv_addrspace_unmap() and axv_addrspace_protect() (block and area splits),
 * axv_addrspace_handle_fault(), axv_addrspace_write() (lazy pages), axv_addrspace_reserve()
 * and axv_bus_init_frames(); in the ports, axv_svm_vcpu_init() (test_fault_svm.c; the other
 * port allocator, axv_svm_cpu_enable(), needs the SVM instructions and is not host-tested).
 * For each, the tests fail the 1st, 2nd, ... HAL allocation of the call until the call
 * succeeds, and check after every failure that the call returned AXV_ENOMEM, that the object
 * is byte-identical (the frame context's peak and debug tracking table aside: they may grow,
 * and are accounted for), that the page tables are unchanged, and that the HAL holds no frame
 * more than before. The last test checks that every other public function that touches a
 * HAL-backed object makes no allocation at all (every allocation fails and they still work),
 * so the list above is complete. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>

#include "../addrspace/as_util.h"

#define R AXV_MAP_READ
#define W AXV_MAP_WRITE
#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull
#define BASE G1
#define SPACE (2 * G1)
#define HPA 0x2c0000000ull /* linear host range (never dereferenced) */

static struct mock_hal mh;
static struct axv_addrspace as;
static const struct axv_pt_format *fmt;

/* The HAL's frames that are not the frame context's debug tracking table. */
static size_t hal_live_without_tracking(const struct axv_frames *fr)
{
	return mh.live - fr->trk_frames;
}

/* A frame context with the fields that may legitimately change on a failed call cleared. */
static struct axv_frames frames_norm(const struct axv_frames *fr)
{
	struct axv_frames f = *fr;
	f.peak = 0;
	f.trk_pa = 0;
	f.trk_frames = 0;
	f.trk_cap = 0;
	f.trk_used = 0;
	return f;
}

static struct axv_addrspace as_norm(const struct axv_addrspace *a)
{
	struct axv_addrspace s = *a;
	s.frames = frames_norm(&a->frames);
	return s;
}

/* ---- frames ------------------------------------------------------------------------------- */

static struct axv_frames fr;

static void frames_until_success(const char *what, int (*op)(axv_hpa_t *), axv_hpa_t *out)
{
	for (unsigned long n = 1;; n++) {
		struct axv_frames before = fr;
		size_t live = mh.live;
		mock_hal_fail_nth(&mh, n);
		int rc = op(out);
		mock_hal_fail_nth(&mh, 0);
		if (rc == 0)
			return;
		cr_assert_eq(rc, AXV_ENOMEM, "%s: failing allocation %lu gave %d", what, n, rc);
		/* The frame module promises byte-for-byte: tracking grows only after success. */
		cr_assert_eq(memcmp(&before, &fr, sizeof(fr)), 0, "%s: failure %lu changed the context",
			     what, n);
		cr_assert_eq(mh.live, live, "%s: failure %lu leaked", what, n);
		cr_assert_lt(n, 8, "%s: more allocations than expected", what);
	}
}

static int op_run(axv_hpa_t *pa) { return axv_frame_alloc_run(&fr, 3, 4, AXV_FRAME_ZEROED, pa); }
static int op_one(axv_hpa_t *pa) { return axv_frame_alloc(&fr, pa); }
static int op_zeroed(axv_hpa_t *pa) { return axv_frame_alloc_zeroed(&fr, pa); }

Test(fault, frame_allocators)
{
	mock_hal_init(&mh, 4096);
	cr_assert_eq(axv_frames_init(&fr, &mh.hal), 0);
	static axv_hpa_t pa[3][200];
	/* Enough live runs that the debug tracking table grows several times. */
	for (int i = 0; i < 200; i++) {
		frames_until_success("alloc_run", op_run, &pa[0][i]);
		frames_until_success("alloc", op_one, &pa[1][i]);
		frames_until_success("alloc_zeroed", op_zeroed, &pa[2][i]);
		const unsigned char *z = mock_hal_ptr(&mh, pa[2][i]);
		for (int k = 0; k < 4096; k++)
			cr_assert_eq(z[k], 0, "alloc_zeroed after failures: not zeroed");
	}
	cr_expect_geq(mh.failed_allocs, 600);
	for (int i = 0; i < 200; i++) {
		cr_assert_eq(axv_frame_free_run(&fr, pa[0][i], 3), 0);
		cr_assert_eq(axv_frame_free(&fr, pa[1][i]), 0);
		cr_assert_eq(axv_frame_free(&fr, pa[2][i]), 0);
	}
	cr_assert_eq(axv_frames_destroy(&fr), 0);
	MOCK_HAL_CHECK_CLEAN(&mh);
	mock_hal_fini(&mh);
}

/* ---- address spaces ------------------------------------------------------------------------ */

static void as_until_success(const char *what, int (*op)(void *), void *arg)
{
	for (unsigned long n = 1;; n++) {
		struct axv_addrspace before = as_norm(&as);
		size_t tables, empties;
		uint64_t tree = test_tree_hash(&mh, &as, &tables, &empties);
		size_t live = hal_live_without_tracking(&as.frames);
		bool reached;
		int rc = test_fail_nth_run(&mh, n, op, arg, &reached);
		if (rc == 0 && !reached)
			return;
		if (rc == 0)
			continue; /* the failed allocation was optional (a larger pool, say) */
		cr_assert_eq(rc, AXV_ENOMEM, "%s %s: failing allocation %lu gave %d", fmt->name, what,
			     n, rc);
		struct axv_addrspace after = as_norm(&as);
		cr_assert_eq(memcmp(&before, &after, sizeof(after)), 0,
			     "%s %s: failure %lu changed the address space object", fmt->name, what, n);
		cr_assert_eq(test_tree_hash(&mh, &as, NULL, NULL), tree,
			     "%s %s: failure %lu changed the page tables", fmt->name, what, n);
		cr_assert_eq(hal_live_without_tracking(&as.frames), live,
			     "%s %s: failure %lu leaked HAL frames", fmt->name, what, n);
		cr_assert_lt(n, 4000, "%s %s: no end to allocations", fmt->name, what);
	}
}

struct range {
	uint64_t gpa, hpa, size;
	axv_map_flags_t flags;
	bool populate;
};

static int op_linear(void *a)
{
	const struct range *r = a;
	return axv_addrspace_map_linear(&as, r->gpa, r->hpa, r->size, r->flags);
}
static int op_alloc(void *a)
{
	const struct range *r = a;
	return axv_addrspace_map_alloc(&as, r->gpa, r->size, r->flags, r->populate);
}
static int op_unmap(void *a)
{
	const struct range *r = a;
	return axv_addrspace_unmap(&as, r->gpa, r->size);
}
static int op_protect(void *a)
{
	const struct range *r = a;
	return axv_addrspace_protect(&as, r->gpa, r->size, r->flags);
}
static int op_fault(void *a)
{
	const struct range *r = a;
	return axv_addrspace_handle_fault(&as, r->gpa + 8, r->flags);
}
static int op_reserve(void *a)
{
	const struct range *r = a;
	return axv_addrspace_reserve(&as, r->gpa, r->size, r->populate ? AXV_RESERVE_FRAMES : 0,
				     (size_t)r->hpa);
}
static int op_write(void *a)
{
	const struct range *r = a;
	static unsigned char buf[3 * 4096];
	memset(buf, 0x3c, sizeof(buf));
	return axv_addrspace_write(&as, r->gpa + 100, buf, (size_t)r->size);
}

Test(fault, addrspace_init)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		mock_hal_init(&mh, 256);
		fmt = test_format(i);
		struct axv_addrspace s, copy;
		memset(&s, 0x5a, sizeof(s));
		copy = s;
		unsigned long n;
		int rc = AXV_ENOMEM;
		for (n = 1; rc != 0; n++) {
			mock_hal_fail_nth(&mh, n);
			rc = axv_addrspace_init(&s, &mh.hal, fmt, BASE, SPACE, 1);
			mock_hal_fail_nth(&mh, 0);
			if (rc != 0) {
				cr_assert_eq(rc, AXV_ENOMEM, "%s: init failure %lu gave %d", fmt->name, n, rc);
				cr_assert_eq(memcmp(&s, &copy, sizeof(s)), 0, "%s: failed init wrote", fmt->name);
				cr_assert_eq(mh.live, 0, "%s: failed init leaked", fmt->name);
			}
			cr_assert_lt(n, 8);
		}
		cr_expect_geq(mh.failed_allocs, 1);
		cr_assert_eq(axv_addrspace_destroy(&s), 0);
		MOCK_HAL_CHECK_CLEAN(&mh);
		mock_hal_fini(&mh);
	}
}

/* One test per format (each with its own time limit: under valgrind on a busy machine the
 * nine formats in one test took longer than one limit). */
ParameterizedTestParameters(fault, addrspace_every_allocating_call)
{
	static int formats[FMT_COUNT];
	for (int i = 0; i < FMT_COUNT; i++)
		formats[i] = i;
	return cr_make_param_array(int, formats, FMT_COUNT);
}

ParameterizedTest(int *format, fault, addrspace_every_allocating_call, .timeout = 240)
{
	{
		const int i = *format;
		mock_hal_init(&mh, 8192);
		fmt = test_format(i);
		cr_assert_eq(axv_addrspace_init(&as, &mh.hal, fmt, BASE, SPACE, 7), 0);
		/* Linear memory with blocks and odd edges, and a table-only map. */
		struct range lin = {BASE + 3 * K4, HPA + 3 * K4, 2 * M2 + 5 * K4, R | W, false};
		as_until_success("map_linear", op_linear, &lin);
		/* Populated memory across a 2 MiB boundary. */
		struct range pop = {BASE + G1 - 5 * K4, 0, 10 * K4, R | W, true};
		as_until_success("map_alloc populate", op_alloc, &pop);
		/* Many lazy areas: the area array grows (a frame of areas, then two, four...). */
		for (uint64_t k = 0; k < 300; k++) {
			struct range lazy = {BASE + G1 / 2 + k * 4 * K4, 0, 2 * K4, R | W, false};
			as_until_success("map_alloc lazy", op_alloc, &lazy);
		}
		/* Faults and writes give lazy pages frames (and tables). */
		struct range f = {BASE + G1 / 2 + 7 * 4 * K4, 0, 0, W, false};
		as_until_success("handle_fault", op_fault, &f);
		struct range wr = {BASE + G1 / 2 + 9 * 4 * K4, 0, 3 * 4096 - 200, 0, false};
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + G1 / 2 + 9 * 4 * K4 + 2 * K4, 2 * K4,
						     R, false),
			     0);
		as_until_success("write", op_write, &wr);
		/* Unmap and protect inside a block and inside an area: splits of both. */
		struct range cut = {BASE + M2 + 9 * K4, 0, K4, R, false};
		as_until_success("unmap (block and area split)", op_unmap, &cut);
		struct range prot = {BASE + 2 * M2 - 4 * K4, 0, 2 * K4, R, false};
		as_until_success("protect (block and area split)", op_protect, &prot);
		struct range pcut = {BASE + G1 - 2 * K4, 0, K4, R, false};
		as_until_success("protect of populated memory", op_protect, &pcut);
		/* At the area array's capacity (as the space reports it): an unmap inside an area
		 * must grow the array, and so must a protect of an area's middle at capacity - 1,
		 * which adds two areas in one call. */
		uint64_t at = BASE + G1 / 2 + G1 / 4;
		size_t cap = axv_addrspace_area_capacity(&as);
		for (uint64_t k = 0; axv_addrspace_area_count(&as) < cap; k++)
			cr_assert_eq(axv_addrspace_map_alloc(&as, at + k * 4 * K4, 3 * K4, R, false), 0);
		struct range umid = {at + K4, 0, K4, R, false};
		as_until_success("unmap inside an area at capacity", op_unmap, &umid);
		cr_assert_eq(axv_addrspace_area_count(&as), cap + 1);
		cap = axv_addrspace_area_capacity(&as);
		uint64_t k = cap;
		while (axv_addrspace_area_count(&as) < cap - 1)
			cr_assert_eq(axv_addrspace_map_alloc(&as, at + k++ * 4 * K4, 3 * K4, R, false), 0);
		struct range pmid = {at + 4 * K4 + K4, 0, K4, R | W, false};
		as_until_success("protect inside an area at capacity - 1", op_protect, &pmid);
		cr_assert_eq(axv_addrspace_area_count(&as), cap + 1);
		/* A reservation (tables, and guest frames with AXV_RESERVE_FRAMES, and room in
		 * the area array), then the same without frames. */
		struct range res = {BASE + G1 + G1 / 2, 600, 3 * M2, 0, true};
		as_until_success("reserve with frames", op_reserve, &res);
		cr_assert_eq(axv_addrspace_unreserve(&as), 0);
		res.populate = false;
		as_until_success("reserve", op_reserve, &res);
		cr_assert_eq(axv_addrspace_unreserve(&as), 0);
		cr_expect_geq(mh.failed_allocs, 20, "%s", fmt->name);
		cr_expect_geq(as.area_frames, 4, "%s: the area array never grew", fmt->name);
		cr_assert_eq(axv_addrspace_destroy(&as), 0);
		cr_expect(test_mock_clean(&mh), "%s: %zu frames live after destroy", fmt->name, mh.live);
		mock_hal_fini(&mh);
	}
}

/* ---- the bus --------------------------------------------------------------------------------- */

Test(fault, bus_init_frames)
{
	mock_hal_init(&mh, 64);
	cr_assert_eq(axv_frames_init(&fr, &mh.hal), 0);
	/* Several live runs first, so the debug tracking table must grow inside the call. */
	axv_hpa_t keep[7];
	for (int i = 0; i < 7; i++)
		cr_assert_eq(axv_frame_alloc(&fr, &keep[i]), 0);
	const size_t cap[AXV_BUS_SPACE_COUNT] = {300, 20, 5};
	struct axv_bus b;
	memset(&b, 0x5a, sizeof(b));
	const struct axv_bus copy = b;
	int rc = AXV_ENOMEM;
	unsigned long n;
	for (n = 1; rc != 0; n++) {
		struct axv_frames before = fr;
		size_t live = mh.live;
		mock_hal_fail_nth(&mh, n);
		rc = axv_bus_init_frames(&b, &fr, cap);
		mock_hal_fail_nth(&mh, 0);
		if (rc != 0) {
			cr_assert_eq(rc, AXV_ENOMEM);
			cr_assert_eq(memcmp(&b, &copy, sizeof(b)), 0, "failed init wrote the bus");
			cr_assert_eq(memcmp(&before, &fr, sizeof(fr)), 0, "failed init changed the frames");
			cr_assert_eq(mh.live, live, "failed init leaked");
		}
		cr_assert_lt(n, 8);
	}
	cr_expect_geq(mh.failed_allocs, 1);
	cr_assert_eq(axv_bus_destroy(&b), 0);
	for (int i = 0; i < 7; i++)
		cr_assert_eq(axv_frame_free(&fr, keep[i]), 0);
	cr_assert_eq(axv_frames_destroy(&fr), 0);
	MOCK_HAL_CHECK_CLEAN(&mh);
	mock_hal_fini(&mh);
}

/* ---- and nothing else allocates ---------------------------------------------------------------- */

static int dev_rd(void *ctx, uint64_t off, uint8_t w, uint64_t *v)
{
	(void)ctx;
	(void)w;
	*v = off;
	return 0;
}
static int dev_wr(void *ctx, uint64_t off, uint8_t w, uint64_t v)
{
	(void)ctx;
	(void)off;
	(void)w;
	(void)v;
	return 0;
}
static int t_set(void *ctx, unsigned reg, uint64_t v)
{
	((uint64_t *)ctx)[reg % 4] = v;
	return 0;
}
static int t_adv(void *ctx, uint8_t len)
{
	((uint64_t *)ctx)[3] += len;
	return 0;
}

Test(fault, other_calls_never_allocate)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		mock_hal_init(&mh, 4096);
		fmt = test_format(i);
		cr_assert_eq(axv_addrspace_init(&as, &mh.hal, fmt, BASE, SPACE, 7), 0);
		cr_assert_eq(axv_addrspace_map_linear(&as, BASE, HPA, 2 * M2, R | W), 0);
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + 4 * M2, 8 * K4, R | W, true), 0);
		cr_assert_eq(axv_addrspace_map_alloc(&as, BASE + 6 * M2, 8 * K4, R | W, false), 0);
		cr_assert_eq(axv_addrspace_handle_fault(&as, BASE + 6 * M2, R), 0);
		struct axv_frames f2;
		cr_assert_eq(axv_frames_init(&f2, &mh.hal), 0);
		axv_hpa_t run;
		cr_assert_eq(axv_frame_alloc_run(&f2, 4, 1, 0, &run), 0);
		struct axv_bus bus;
		const size_t cap[AXV_BUS_SPACE_COUNT] = {4, 4, 4};
		cr_assert_eq(axv_bus_init_frames(&bus, &f2, cap), 0);

		unsigned long calls = mh.alloc_calls;
		mock_hal_fail_from(&mh, 1); /* from here on, every allocation would fail */
		struct axv_frames f3;
		cr_expect_eq(axv_frames_init(&f3, &mh.hal), 0);
		cr_expect_eq(axv_frames_destroy(&f3), 0);
		cr_expect_eq(axv_frame_fill(&f2, run, 4, 0x11), 0);
		cr_expect_not_null(axv_frame_ptr(&f2, run));
		axv_hpa_t pa;
		uint64_t left;
		axv_map_flags_t fl;
		cr_expect_eq(axv_addrspace_translate(&as, BASE + 4 * M2, &pa, &fl, &left), 0);
		unsigned char buf[64];
		cr_expect_eq(axv_addrspace_read(&as, BASE + 6 * M2 + K4 - 8, buf, sizeof(buf)), 0);
		cr_expect_eq(axv_addrspace_write(&as, BASE + 4 * M2 + K4 - 8, buf, sizeof(buf)), 0);
		cr_expect_eq(axv_addrspace_write(&as, BASE + 6 * M2, buf, sizeof(buf)), 0, "present page");
		cr_expect_eq(axv_addrspace_handle_fault(&as, BASE + 4 * M2, W), 0, "mapped page");
		cr_expect_eq(axv_addrspace_protect(&as, BASE, 2 * M2, R), 0, "whole area, whole block");
		cr_expect_eq(axv_addrspace_unmap(&as, BASE + 4 * M2, 8 * K4), 0, "whole area");
		cr_expect_eq(axv_addrspace_unmap(&as, BASE + 10 * M2, M2), 0, "nothing mapped");
		struct axv_area_info info;
		cr_expect_eq(axv_addrspace_area(&as, 0, &info), 0);
		static const struct axv_device_ops dev = {dev_rd, dev_wr};
		cr_expect_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x1000, 0x100, &dev, NULL), 0);
		uint64_t regs[4] = {0};
		struct axv_exit_target t = {t_set, t_adv, regs, NULL};
		struct axv_exit e = {.reason = AXV_EXIT_MMIO_READ, .insn_len = 4};
		e.access = (struct axv_exit_access){.addr = 0x1010, .width = 4, .reg = 1, .reg_width = 8};
		cr_expect_eq(axv_exit_complete(&bus, &t, &e), 0);
		cr_expect_eq(regs[1], 0x10);
		cr_expect_eq(axv_bus_unregister(&bus, AXV_BUS_MMIO, 0x1000), 0);
		cr_expect_eq(axv_bus_destroy(&bus), 0);
		cr_expect_eq(axv_frame_free_run(&f2, run, 4), 0);
		cr_expect_eq(axv_frames_destroy(&f2), 0);
		cr_expect_eq(axv_addrspace_destroy(&as), 0);
		cr_expect_eq(mh.alloc_calls, calls, "%s: a call that should not allocate did", fmt->name);
		mock_hal_fail_from(&mh, 0);
		cr_expect(test_mock_clean(&mh), "%s: %zu frames live", fmt->name, mh.live);
		mock_hal_fini(&mh);
	}
}
