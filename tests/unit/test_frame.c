/* Unit tests of lib/frame: accounting, zeroing, fill, runs, failure paths, ownership. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <axv/err.h>
#include <axv/frame.h>

#include "mock_hal.h"

static struct mock_hal mh;
static struct axv_frames fr;

static void setup(void)
{
	mock_hal_init(&mh, 4096);
	cr_assert_eq(axv_frames_init(&fr, &mh.hal), 0);
}

static void teardown(void)
{
	mock_hal_fini(&mh);
}

/* Every test ends here: the context is empty and the mock saw nothing wrong. */
static void finish(void)
{
	cr_assert_eq(axv_frames_live(&fr), 0);
	cr_assert_eq(axv_frames_destroy(&fr), 0);
	MOCK_HAL_CHECK_CLEAN(&mh);
}

static bool all_bytes(const void *p, size_t n, unsigned char v)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i] != v)
			return false;
	return true;
}

TestSuite(frame, .init = setup, .fini = teardown);

Test(frame, init_rejects_bad_arguments)
{
	struct axv_frames f2;
	memset(&f2, 0x5a, sizeof(f2));
	struct axv_frames copy = f2;
	struct axv_hal bad = mh.hal;

	cr_expect_eq(axv_frames_init(NULL, &mh.hal), AXV_EINVAL);
	cr_expect_eq(axv_frames_init(&f2, NULL), AXV_EINVAL);
	bad.mem = NULL;
	cr_expect_eq(axv_frames_init(&f2, &bad), AXV_EINVAL);
	struct axv_hal_mem_ops partial = mh.mem;
	partial.virt_to_phys = NULL;
	bad.mem = &partial;
	cr_expect_eq(axv_frames_init(&f2, &bad), AXV_EINVAL);
	cr_expect_eq(memcmp(&f2, &copy, sizeof(f2)), 0, "a failed init wrote the context");
	finish();
}

Test(frame, single_frame_accounting)
{
	axv_hpa_t a, b;
	cr_assert_eq(axv_frame_alloc(&fr, &a), 0);
	cr_assert_eq(axv_frame_alloc(&fr, &b), 0);
	cr_expect_neq(a, b);
	cr_expect_eq(a % AXV_FRAME_SIZE, 0);
	cr_expect(mock_hal_is_live(&mh, a) && mock_hal_is_live(&mh, b));
	cr_expect_eq(axv_frames_live(&fr), 2);
	cr_expect_eq(mh.live, 2u + (axv_frames_checked() ? 1u : 0u), "plus the tracking table");
	/* The host pointer is the mock's mapping, and it is not the physical address. */
	void *p = axv_frame_ptr(&fr, a);
	cr_expect_eq(p, mock_hal_ptr(&mh, a));
	cr_expect_neq((uintptr_t)p, (uintptr_t)a);

	cr_expect_eq(axv_frames_destroy(&fr), AXV_EBUSY, "destroy with live frames");
	cr_expect_eq(axv_frames_live(&fr), 2, "a refused destroy changed the count");

	cr_assert_eq(axv_frame_free(&fr, a), 0);
	cr_expect_eq(axv_frames_live(&fr), 1);
	cr_expect_not(mock_hal_is_live(&mh, a));
	cr_assert_eq(axv_frame_free(&fr, b), 0);
	cr_expect_eq(axv_frames_peak(&fr), 2);
	finish();
}

Test(frame, zeroed_and_unzeroed)
{
	axv_hpa_t a, z;
	cr_assert_eq(axv_frame_alloc(&fr, &a), 0);
	/* Not zeroed: the mock's allocation poison is still there, so zeroing is not free. */
	cr_expect(all_bytes(axv_frame_ptr(&fr, a), AXV_FRAME_SIZE, MOCK_POISON_ALLOC));
	cr_assert_eq(axv_frame_alloc_zeroed(&fr, &z), 0);
	cr_expect(all_bytes(axv_frame_ptr(&fr, z), AXV_FRAME_SIZE, 0));

	axv_hpa_t run;
	cr_assert_eq(axv_frame_alloc_run(&fr, 7, 1, AXV_FRAME_ZEROED, &run), 0);
	cr_expect(all_bytes(axv_frame_ptr(&fr, run), 7 * AXV_FRAME_SIZE, 0));
	cr_assert_eq(axv_frame_free(&fr, a), 0);
	cr_assert_eq(axv_frame_free(&fr, z), 0);
	cr_assert_eq(axv_frame_free_run(&fr, run, 7), 0);
	finish();
}

Test(frame, fill)
{
	axv_hpa_t run;
	cr_assert_eq(axv_frame_alloc_run(&fr, 3, 1, 0, &run), 0);
	cr_assert_eq(axv_frame_fill(&fr, run, 3, 0x3c), 0);
	cr_expect(all_bytes(axv_frame_ptr(&fr, run), 3 * AXV_FRAME_SIZE, 0x3c));
	cr_assert_eq(axv_frame_fill(&fr, run + AXV_FRAME_SIZE, 1, 0x00), 0);
	unsigned char *p = axv_frame_ptr(&fr, run);
	cr_expect(all_bytes(p, AXV_FRAME_SIZE, 0x3c));
	cr_expect(all_bytes(p + AXV_FRAME_SIZE, AXV_FRAME_SIZE, 0));
	cr_expect(all_bytes(p + 2 * AXV_FRAME_SIZE, AXV_FRAME_SIZE, 0x3c));

	cr_expect_eq(axv_frame_fill(&fr, run + 1, 1, 0), AXV_EINVAL);
	cr_expect_eq(axv_frame_fill(&fr, run, 0, 0), AXV_EINVAL);
	cr_expect_eq(axv_frame_fill(&fr, 0x1000, 1, 0), AXV_EFAULT, "no host mapping");
	cr_expect_eq(axv_frame_fill(&fr, run, SIZE_MAX, 0), AXV_ERANGE);
	cr_assert_eq(axv_frame_free_run(&fr, run, 3), 0);
	finish();
}

Test(frame, contiguous_runs_are_aligned)
{
	static const struct {
		size_t count, align;
	} cases[] = {{1, 1}, {2, 2}, {3, 4}, {5, 8}, {16, 16}, {1, 512}, {512, 512}, {513, 1}};
	axv_hpa_t pa[sizeof(cases) / sizeof(cases[0])];
	size_t total = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(axv_frame_alloc_run(&fr, cases[i].count, cases[i].align, 0, &pa[i]), 0,
			     "case %zu", i);
		cr_expect_eq(pa[i] % (cases[i].align * AXV_FRAME_SIZE), 0, "case %zu misaligned", i);
		for (size_t k = 0; k < cases[i].count; k++)
			cr_expect(mock_hal_is_live(&mh, pa[i] + k * AXV_FRAME_SIZE));
		total += cases[i].count;
		cr_expect_eq(axv_frames_live(&fr), total);
	}
	/* The runs do not overlap: fill each with its index and read every byte back. */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		axv_frame_fill(&fr, pa[i], cases[i].count, (uint8_t)(i + 1));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect(all_bytes(axv_frame_ptr(&fr, pa[i]), cases[i].count * AXV_FRAME_SIZE,
				    (uint8_t)(i + 1)));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(axv_frame_free_run(&fr, pa[i], cases[i].count), 0);
	finish();
}

Test(frame, bad_arguments_change_nothing)
{
	axv_hpa_t pa = 0x1234;
	unsigned long calls = mh.alloc_calls;
	cr_expect_eq(axv_frame_alloc_run(&fr, 0, 1, 0, &pa), AXV_EINVAL);
	cr_expect_eq(axv_frame_alloc_run(&fr, 1, 0, 0, &pa), AXV_EINVAL);
	cr_expect_eq(axv_frame_alloc_run(&fr, 1, 3, 0, &pa), AXV_EINVAL);
	cr_expect_eq(axv_frame_alloc_run(&fr, 1, 1, 0x80, &pa), AXV_EINVAL);
	cr_expect_eq(axv_frame_alloc_run(&fr, 1, 1, 0, NULL), AXV_EINVAL);
	cr_expect_eq(axv_frame_alloc_run(NULL, 1, 1, 0, &pa), AXV_EINVAL);
	cr_expect_eq(axv_frame_alloc_run(&fr, SIZE_MAX, 1, 0, &pa), AXV_ERANGE);
	cr_expect_eq(axv_frame_alloc_run(&fr, 1, (size_t)1 << 63, 0, &pa), AXV_ERANGE);
	cr_expect_eq(pa, 0x1234, "output written on failure");
	cr_expect_eq(mh.alloc_calls, calls, "the HAL was called for invalid input");
	cr_expect_eq(axv_frame_free_run(&fr, 0x1001, 1), AXV_EINVAL);
	cr_expect_eq(axv_frame_free_run(&fr, 0x1000, 0), AXV_EINVAL);
	cr_expect_eq(mh.free_calls, 0);
	finish();
}

Test(frame, exhaustion_gives_enomem)
{
	axv_hpa_t big;
	cr_expect_eq(axv_frame_alloc_run(&fr, 4097, 1, 0, &big), AXV_ENOMEM);
	cr_expect_eq(axv_frames_live(&fr), 0);
	/* Take all but a few frames, then ask for more than remains. */
	cr_assert_eq(axv_frame_alloc_run(&fr, 4000, 1, 0, &big), 0);
	axv_hpa_t more;
	size_t mock_live = mh.live;
	cr_expect_eq(axv_frame_alloc_run(&fr, 200, 1, 0, &more), AXV_ENOMEM);
	cr_expect_eq(mh.live, mock_live);
	cr_expect_eq(axv_frames_live(&fr), 4000);
	cr_assert_eq(axv_frame_free_run(&fr, big, 4000), 0);
	finish();
}

/* Fail the 1st, 2nd, ... HAL allocation of a call until it succeeds: every failing attempt
 * returns AXV_ENOMEM and leaves both the context and the HAL exactly as they were. */
Test(frame, every_failing_allocation_leaves_no_trace)
{
	axv_hpa_t keep[300];
	/* Enough live runs that the debug tracking table must grow during the sequence. */
	for (size_t i = 0; i < 300; i++) {
		for (unsigned long n = 1;; n++) {
			struct axv_frames before = fr;
			size_t mock_live = mh.live;
			mock_hal_fail_nth(&mh, n);
			int rc = axv_frame_alloc_run(&fr, 1 + i % 3, 1, AXV_FRAME_ZEROED, &keep[i]);
			mock_hal_fail_nth(&mh, 0);
			if (rc == 0)
				break;
			cr_assert_eq(rc, AXV_ENOMEM, "run %zu, failing call %lu", i, n);
			cr_assert_eq(memcmp(&before, &fr, sizeof(fr)), 0);
			cr_assert_eq(mh.live, mock_live, "leak on failure %lu", n);
			cr_assert(n < 4, "more HAL calls than expected");
		}
	}
	cr_expect_geq(mh.failed_allocs, 300);
	for (size_t i = 0; i < 300; i++)
		cr_assert_eq(axv_frame_free_run(&fr, keep[i], 1 + i % 3), 0);
	finish();
}

Test(frame, misaligned_hal_is_refused)
{
	axv_hpa_t pa = 0;
	mh.misalign_next = true;
	cr_expect_eq(axv_frame_alloc_run(&fr, 2, 4, 0, &pa), AXV_EFAULT);
	mh.misalign_next = true;
	cr_expect_eq(axv_frame_alloc_run(&fr, 1, 1, 0, &pa), AXV_EFAULT, "sub-page misalignment");
	cr_expect_eq(axv_frames_live(&fr), 0);
	cr_expect_eq(mh.live, 0, "the refused run was not given back");
	cr_expect_geq(mh.logs[AXV_LOG_ERROR], 2, "the bad HAL was not reported");
	finish();
}

static void *null_p2v(void *ctx, axv_hpa_t pa)
{
	(void)ctx;
	(void)pa;
	return NULL;
}

/* Frame accounting over a copy of the mock HAL whose phys_to_virt maps nothing; the HAL
 * copy lives in the caller's storage. */
static void frames_without_mapping(struct axv_frames *f2, struct axv_hal *hal,
				   struct axv_hal_mem_ops *ops)
{
	*ops = mh.mem;
	ops->phys_to_virt = null_p2v;
	*hal = mh.hal;
	hal->mem = ops;
	cr_assert_eq(axv_frames_init(f2, hal), 0);
}

Test(frame, zeroing_without_host_mapping_fails_cleanly)
{
	if (axv_frames_checked())
		cr_skip_test("debug tracking needs phys_to_virt; covered by the release build");
	struct axv_hal_mem_ops ops;
	struct axv_hal hal;
	struct axv_frames f2;
	frames_without_mapping(&f2, &hal, &ops);
	axv_hpa_t pa;
	cr_expect_eq(axv_frame_alloc_zeroed(&f2, &pa), AXV_EFAULT);
	cr_expect_eq(mh.live, 0);
	cr_expect_eq(axv_frame_alloc(&f2, &pa), 0, "no zeroing, no mapping needed");
	cr_expect_eq(axv_frame_free(&f2, pa), 0);
	cr_expect_eq(axv_frames_destroy(&f2), 0);
	finish();
}

Test(frame, tracking_table_without_host_mapping_fails_cleanly)
{
	if (!axv_frames_checked())
		cr_skip_test("no tracking table in this build");
	struct axv_hal_mem_ops ops;
	struct axv_hal hal;
	struct axv_frames f2;
	frames_without_mapping(&f2, &hal, &ops);
	axv_hpa_t pa;
	cr_expect_eq(axv_frame_alloc(&f2, &pa), AXV_EFAULT);
	cr_expect_eq(mh.live, 0);
	cr_expect_eq(axv_frames_destroy(&f2), 0);
	finish();
}

Test(frame, double_free_is_caught)
{
	if (!axv_frames_checked())
		cr_skip_test("ownership checks are off in this build");
	axv_hpa_t a, run;
	cr_assert_eq(axv_frame_alloc(&fr, &a), 0);
	cr_assert_eq(axv_frame_alloc_run(&fr, 4, 4, 0, &run), 0);
	cr_assert_eq(axv_frame_free(&fr, a), 0);
	unsigned long frees = mh.free_calls;
	cr_expect_eq(axv_frame_free(&fr, a), AXV_ENOENT, "double free");
	cr_expect_eq(axv_frame_free(&fr, MOCK_PHYS_BASE + 100 * AXV_FRAME_SIZE), AXV_ENOENT,
		     "never allocated");
	cr_expect_eq(axv_frame_free(&fr, run + AXV_FRAME_SIZE), AXV_ENOENT, "inside a run");
	cr_expect_eq(axv_frame_free_run(&fr, run, 2), AXV_EINVAL, "wrong count");
	cr_expect_eq(mh.free_calls, frees, "a refused free reached the HAL");
	cr_expect_eq(axv_frames_live(&fr), 4);
	cr_expect_geq(mh.logs[AXV_LOG_ERROR], 4);
	cr_assert_eq(axv_frame_free_run(&fr, run, 4), 0);
	cr_expect_eq(axv_frame_free_run(&fr, run, 4), AXV_ENOENT, "double free of a run");
	finish();
}

Test(frame, release_build_still_refuses_impossible_frees)
{
	if (axv_frames_checked())
		cr_skip_test("covered by double_free_is_caught in this build");
	axv_hpa_t a;
	cr_assert_eq(axv_frame_alloc(&fr, &a), 0);
	cr_expect_eq(axv_frame_free_run(&fr, a, 2), AXV_ENOENT);
	cr_assert_eq(axv_frame_free(&fr, a), 0);
	cr_expect_eq(axv_frame_free(&fr, a), AXV_ENOENT);
	finish();
}

Test(frame, many_runs_in_random_order)
{
	enum { N = 1500 };
	static axv_hpa_t pa[N];
	static size_t order[N];
	srand(42);
	for (size_t i = 0; i < N; i++) {
		cr_assert_eq(axv_frame_alloc_run(&fr, 1 + i % 2, 1 + i % 2, 0, &pa[i]), 0);
		order[i] = i;
	}
	for (size_t i = N - 1; i > 0; i--) {
		size_t j = (size_t)rand() % (i + 1);
		size_t t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	size_t live = axv_frames_live(&fr);
	for (size_t k = 0; k < N; k++) {
		size_t i = order[k];
		cr_assert_eq(axv_frame_free_run(&fr, pa[i], 1 + i % 2), 0, "free %zu", i);
		live -= 1 + i % 2;
		cr_assert_eq(axv_frames_live(&fr), live);
	}
	finish();
}

Test(frame, destroy_returns_tracking_frames)
{
	axv_hpa_t a;
	cr_assert_eq(axv_frame_alloc(&fr, &a), 0);
	cr_assert_eq(axv_frame_free(&fr, a), 0);
	cr_expect_eq(mh.live, axv_frames_checked() ? 1u : 0u, "tracking table frame");
	finish();
	cr_expect_eq(mh.live, 0);
	cr_expect_eq(axv_frames_destroy(NULL), AXV_EINVAL);
}
