/* Fault injection for the x86 SVM backend's allocating call, axv_svm_vcpu_init() (VMCB, IOPM,
 * MSRPM): each failing allocation leaves the vcpu storage and the frame context as they
 * were and no frame behind. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/x86_64.h>
#include <axv/err.h>

#include "mock_hal.h"

static void fake_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)ctx;
	out[0] = leaf;
	out[1] = sub;
	out[2] = 0;
	out[3] = 0;
}

Test(fault, svm_vcpu_init)
{
	struct mock_hal mh;
	struct axv_frames fr;
	mock_hal_init(&mh, 64);
	cr_assert_eq(axv_frames_init(&fr, &mh.hal), 0);
	static struct axv_svm_vcpu v, copy;
	memset(&v, 0, sizeof(v));
	v.entry = 0x5000;
	copy = v;
	const struct axv_svm_vcpu_config cfg = {
		.frames = &fr, .as = NULL, .asid = 3, .rsp = 0x8000, .cr3 = 0x1000,
		.cpuid = fake_cpuid,
	};
	int rc = AXV_ENOMEM;
	unsigned long n;
	for (n = 1; rc != 0; n++) {
		struct axv_frames before = fr;
		size_t live = mh.live - fr.trk_frames; /* the debug tracking table may grow */
		mock_hal_fail_nth(&mh, n);
		rc = axv_svm_vcpu_init(&v, &cfg);
		mock_hal_fail_nth(&mh, 0);
		if (rc != 0) {
			cr_assert_eq(rc, AXV_ENOMEM, "failure %lu gave %d", n, rc);
			cr_assert_eq(memcmp(&v, &copy, sizeof(v)), 0, "failure %lu wrote the vcpu", n);
			/* peak and the tracking table may change; nothing else may */
			before.peak = fr.peak;
			before.trk_pa = fr.trk_pa;
			before.trk_frames = fr.trk_frames;
			before.trk_cap = fr.trk_cap;
			before.trk_used = fr.trk_used;
			cr_assert_eq(memcmp(&before, &fr, sizeof(fr)), 0, "failure %lu: frames", n);
			cr_assert_eq(mh.live - fr.trk_frames, live, "failure %lu leaked", n);
		}
		cr_assert_lt(n, 12);
	}
	cr_expect_geq(mh.failed_allocs, 3, "VMCB, IOPM and MSRPM each failed once");
	axv_svm_vcpu_fini(&v);
	cr_assert_eq(axv_frames_destroy(&fr), 0);
	MOCK_HAL_CHECK_CLEAN(&mh);
	mock_hal_fini(&mh);
}
