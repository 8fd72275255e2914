/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The subset of Criterion's API the host tests use, for the loongarch64 test image
 * (tests/la64-runner): the same test files compile unchanged against it and run on
 * QEMU's loongarch64 virt board (scripts/qemu.sh loongarch64-virt, -nodefaults), where
 * Criterion (a hosted library) is not available.
 *
 * Test(suite, name, ...) puts a record in the section rt_tests, which runner.c walks;
 * TestSuite(suite, .init, .fini) gives the tests of that suite in this file their set-up and
 * tear-down. A failed cr_assert* ends the test (longjmp back to the runner, which then runs
 * the tear-down); a failed cr_expect* marks it failed and goes on. Extra Test parameters
 * such as .timeout are accepted and ignored (a hung test hangs the image, and meson's
 * timeout ends QEMU).
 */
#ifndef AXV_LA64_RUNNER_CRITERION_H
#define AXV_LA64_RUNNER_CRITERION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rt_params {
	void (*init)(void);
	void (*fini)(void);
	double timeout;
	const char *description;
	bool disabled;
	int signal;
	int exit_code;
};

struct rt_test {
	const char *suite;
	const char *name;
	void (*fn)(void);
	const struct rt_params *suite_params;
	struct rt_params params;
};

void rt_fail(int fatal, const char *file, int line, const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
_Noreturn void rt_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One static record per suite and file: a later TestSuite() gives it its parameters (a
 * tentative definition, then the definition, in the same file). */
#define TestSuite(sname, ...) static struct rt_params rt_suite_##sname = {__VA_ARGS__}

#define Test(sname, tname, ...)                                                             \
	static struct rt_params rt_suite_##sname;                                           \
	static void rt_fn_##sname##_##tname(void);                                          \
	static const struct rt_test rt_test_##sname##_##tname                               \
		__attribute__((used, section("rt_tests"), aligned(8))) = {                  \
			#sname, #tname, rt_fn_##sname##_##tname, &rt_suite_##sname,         \
			{__VA_ARGS__}};                                                     \
	static void rt_fn_##sname##_##tname(void)

#define RT_CHECK_(fatal, cond, expr, ...)                                                   \
	do {                                                                                \
		if (!(cond))                                                                \
			rt_fail((fatal), __FILE__, __LINE__, (expr), "" __VA_ARGS__);       \
	} while (0)

#define cr_assert(c, ...) RT_CHECK_(1, (c), #c, __VA_ARGS__)
#define cr_expect(c, ...) RT_CHECK_(0, (c), #c, __VA_ARGS__)
#define cr_assert_not(c, ...) RT_CHECK_(1, !(c), "!(" #c ")", __VA_ARGS__)
#define cr_expect_not(c, ...) RT_CHECK_(0, !(c), "!(" #c ")", __VA_ARGS__)
#define RT_CMP_(fatal, a, op, b, ...) RT_CHECK_(fatal, (a)op(b), #a " " #op " " #b, __VA_ARGS__)
#define cr_assert_eq(a, b, ...) RT_CMP_(1, a, ==, b, __VA_ARGS__)
#define cr_expect_eq(a, b, ...) RT_CMP_(0, a, ==, b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) RT_CMP_(1, a, !=, b, __VA_ARGS__)
#define cr_expect_neq(a, b, ...) RT_CMP_(0, a, !=, b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...) RT_CMP_(1, a, <, b, __VA_ARGS__)
#define cr_expect_lt(a, b, ...) RT_CMP_(0, a, <, b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...) RT_CMP_(1, a, <=, b, __VA_ARGS__)
#define cr_expect_leq(a, b, ...) RT_CMP_(0, a, <=, b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...) RT_CMP_(1, a, >, b, __VA_ARGS__)
#define cr_expect_gt(a, b, ...) RT_CMP_(0, a, >, b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) RT_CMP_(1, a, >=, b, __VA_ARGS__)
#define cr_expect_geq(a, b, ...) RT_CMP_(0, a, >=, b, __VA_ARGS__)
#define cr_assert_null(p, ...) RT_CHECK_(1, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_expect_null(p, ...) RT_CHECK_(0, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...) RT_CHECK_(1, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_expect_not_null(p, ...) RT_CHECK_(0, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) RT_CHECK_(1, strcmp((a), (b)) == 0, #a " eq " #b, __VA_ARGS__)
#define cr_expect_str_eq(a, b, ...) RT_CHECK_(0, strcmp((a), (b)) == 0, #a " eq " #b, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) RT_CHECK_(1, strcmp((a), (b)) != 0, #a " ne " #b, __VA_ARGS__)
#define cr_expect_str_neq(a, b, ...) RT_CHECK_(0, strcmp((a), (b)) != 0, #a " ne " #b, __VA_ARGS__)
#define cr_skip_test(...) rt_skip("" __VA_ARGS__)

#endif
