/* Helpers shared by the address-space tests. */
#ifndef AXV_TESTS_AS_UTIL_H
#define AXV_TESTS_AS_UTIL_H

#include <axv/addrspace.h>
#include <axv/arch/aarch64.h>
#include <axv/arch/loongarch64.h>
#include <axv/arch/riscv64.h>
#include <axv/arch/x86_64.h>

#include "mock_hal.h"

/* Checking code that libFuzzer should not instrument for coverage: it is not the code under
 * test, and tracing its comparisons costs more than the library calls (clang only). */
#if defined(__clang__)
#define TEST_NOCOV __attribute__((no_sanitize("coverage")))
#else
#define TEST_NOCOV
#endif

/* The LA64 format's empty directory entry in the tests (an "invalid table" address). */
#define TEST_LA_INVALID 0x7ffff000ull

enum { FMT_EPT, FMT_NPT, FMT_S2_40, FMT_S2_48, FMT_S2_32, FMT_LA3, FMT_LA4, FMT_RV39, FMT_RV48, FMT_COUNT };

/* Format number i (built on first use into static storage; test code only). */
const struct axv_pt_format *test_format(int i);

/* The output address an entry holds, decoded as the hardware reads it (independent of the
 * engine's helpers): `(e & oa_mask) << oa_shift`. */
static inline uint64_t test_oa(const struct axv_pt_format *f, uint64_t e)
{
	return (e & f->oa_mask) << f->oa_shift;
}

/* The raw entry the test's own walk finds for gpa (independent of the engine), its level in
 * *level, or 0 with *level = -1 when an empty entry ends the walk. */
uint64_t test_raw_entry(struct mock_hal *m, const struct axv_addrspace *as, uint64_t gpa,
			int *level);

/* Run op(arg) with the n-th allocation from now failing (mock_hal_fail_nth()), then no
 * injection: op's result, with *reached telling whether that allocation was made (a call
 * that returns 0 without reaching it needed fewer allocations). */
int test_fail_nth_run(struct mock_hal *m, unsigned long n, int (*op)(void *), void *arg,
		      bool *reached);

/* Strict version of MOCK_HAL_CHECK_CLEAN: true only if nothing leaked, no bad free, no
 * stray pointer and no overrun guard frame. */
bool test_mock_clean(const struct mock_hal *m);

#endif

/* Hash of every page-table page reachable from the root (addresses and contents), for
 * "nothing changed" checks; *tables gets the number of table frames found. */
uint64_t test_tree_hash(struct mock_hal *m, const struct axv_addrspace *as, size_t *tables,
			size_t *empty_tables);
