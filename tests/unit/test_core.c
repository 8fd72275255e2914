/* Unit tests of lib/core: error names and HAL validation. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <axv/err.h>
#include <axv/hal.h>

#include "axv_bits.h"
#include "mock_hal.h"

Test(err, codes_equal_linux_errno)
{
	cr_expect_eq(AXV_EPERM, -EPERM);
	cr_expect_eq(AXV_ENOENT, -ENOENT);
	cr_expect_eq(AXV_EIO, -EIO);
	cr_expect_eq(AXV_ENXIO, -ENXIO);
	cr_expect_eq(AXV_E2BIG, -E2BIG);
	cr_expect_eq(AXV_EAGAIN, -EAGAIN);
	cr_expect_eq(AXV_ENOMEM, -ENOMEM);
	cr_expect_eq(AXV_EACCES, -EACCES);
	cr_expect_eq(AXV_EFAULT, -EFAULT);
	cr_expect_eq(AXV_EBUSY, -EBUSY);
	cr_expect_eq(AXV_EEXIST, -EEXIST);
	cr_expect_eq(AXV_ENODEV, -ENODEV);
	cr_expect_eq(AXV_EINVAL, -EINVAL);
	cr_expect_eq(AXV_ENOSPC, -ENOSPC);
	cr_expect_eq(AXV_ERANGE, -ERANGE);
	cr_expect_eq(AXV_ENOSYS, -ENOSYS);
	cr_expect_eq(AXV_EOVERFLOW, -EOVERFLOW);
	cr_expect_eq(AXV_ESTATE, -EBADFD);
	cr_expect_eq(AXV_ENOTSUP, -EOPNOTSUPP);
	cr_expect_eq(AXV_ETIMEDOUT, -ETIMEDOUT);
	cr_expect_eq(AXV_EALREADY, -EALREADY);
}

Test(err, every_code_has_a_distinct_name)
{
	static const int codes[] = {
		AXV_OK,      AXV_EPERM,  AXV_ENOENT, AXV_EIO,       AXV_ENXIO,  AXV_E2BIG,
		AXV_EAGAIN,  AXV_ENOMEM, AXV_EACCES, AXV_EFAULT,    AXV_EBUSY,  AXV_EEXIST,
		AXV_ENODEV,  AXV_EINVAL, AXV_ENOSPC, AXV_ERANGE,    AXV_ENOSYS, AXV_EOVERFLOW,
		AXV_ESTATE,  AXV_ENOTSUP, AXV_ETIMEDOUT, AXV_EALREADY,
	};
	size_t n = sizeof(codes) / sizeof(codes[0]);
	for (size_t i = 0; i < n; i++) {
		const char *s = axv_strerror(codes[i]);
		cr_assert_not_null(s);
		cr_expect_str_neq(s, "unknown error", "code %d has no name", codes[i]);
		cr_expect_str_eq(s, axv_strerror(-codes[i]), "sign matters for %d", codes[i]);
		for (size_t j = 0; j < i; j++)
			cr_expect_str_neq(s, axv_strerror(codes[j]), "%d and %d share a name",
					  codes[i], codes[j]);
	}
	cr_expect_str_eq(axv_strerror(AXV_ENOMEM), "out of memory");
	cr_expect_str_eq(axv_strerror(0), "success");
	cr_expect_str_eq(axv_strerror(-9999), "unknown error");
	cr_expect_str_eq(axv_strerror(INT_MIN), "unknown error");
	cr_expect_str_eq(axv_strerror(INT_MAX), "unknown error");
}

Test(hal, check_reports_missing_hooks)
{
	struct mock_hal m;
	mock_hal_init(&m, 16);
	const unsigned all = AXV_HAL_NEED_MEM | AXV_HAL_NEED_TLB | AXV_HAL_NEED_CPU |
			     AXV_HAL_NEED_TIME;
	cr_expect_eq(axv_hal_check(&m.hal, all), 0);
	cr_expect_eq(axv_hal_check(&m.hal, 0), 0);
	cr_expect_eq(axv_hal_check(NULL, 0), AXV_EINVAL);
	cr_expect_eq(axv_hal_check(&m.hal, 1u << 9), AXV_EINVAL, "unknown requirement bit");

	struct axv_hal h = m.hal;
	h.tlb = NULL;
	cr_expect_eq(axv_hal_check(&h, AXV_HAL_NEED_MEM | AXV_HAL_NEED_CPU), 0);
	cr_expect_eq(axv_hal_check(&h, AXV_HAL_NEED_TLB), AXV_EINVAL);

	struct axv_hal_mem_ops mem = m.mem;
	struct axv_hal_tlb_ops tlb = m.tlb;
	struct axv_hal_cpu_ops cpu = m.cpu;
	h = m.hal;
	h.mem = &mem;
	h.tlb = &tlb;
	h.cpu = &cpu;
	mem.free_frames = NULL;
	cr_expect_eq(axv_hal_check(&h, AXV_HAL_NEED_MEM), AXV_EINVAL);
	mem = m.mem;
	tlb.flush_all = NULL;
	cr_expect_eq(axv_hal_check(&h, AXV_HAL_NEED_TLB), AXV_EINVAL);
	cr_expect_eq(axv_hal_check(&h, AXV_HAL_NEED_MEM), 0);
	cpu.send_ipi = NULL;
	cr_expect_eq(axv_hal_check(&h, AXV_HAL_NEED_CPU), AXV_EINVAL);
	cr_expect_eq(axv_hal_check(&h, AXV_HAL_NEED_TIME), 0, "time needs only now_ns");
	cpu = m.cpu;
	cpu.now_ns = NULL;
	cr_expect_eq(axv_hal_check(&h, AXV_HAL_NEED_CPU), 0);
	cr_expect_eq(axv_hal_check(&h, AXV_HAL_NEED_TIME), AXV_EINVAL);
	h.cpu = NULL;
	cr_expect_eq(axv_hal_check(&h, AXV_HAL_NEED_TIME), AXV_EINVAL);
	mock_hal_fini(&m);
}

Test(types, widths)
{
	for (uint64_t w = 0; w < 20; w++)
		cr_expect_eq(axv_width_valid(w), w == 1 || w == 2 || w == 4 || w == 8, "width %lu",
			     (unsigned long)w);
	cr_expect_not(axv_width_valid(UINT64_MAX));
	cr_expect_not(axv_width_valid(0x100000001ull));
}

/* axv_ctz64_soft() (the RISC-V-without-Zbb path of axv_ctz64()) against the compiler's bit
 * scan: every single bit, every bit with all higher bits set, and pseudo-random words. */
Test(bits, ctz64_soft_matches_the_bit_scan)
{
	for (unsigned b = 0; b < 64; b++) {
		cr_assert_eq(axv_ctz64_soft(UINT64_C(1) << b), b, "bit %u", b);
		cr_assert_eq(axv_ctz64_soft(~UINT64_C(0) << b), b, "bits %u..63", b);
		cr_assert_eq(axv_ctz64(UINT64_C(1) << b), b, "bit %u", b);
	}
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
	for (unsigned i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t w = x >> (i % 64); /* vary how many low zero bits there are */
		if (w == 0)
			continue;
		cr_assert_eq(axv_ctz64_soft(w), (unsigned)__builtin_ctzll(w), "word %#llx",
			     (unsigned long long)w);
	}
}
