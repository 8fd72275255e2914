/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loongarch64 test image's runner: every Test() linked into the image (section
 * rt_tests, see include/criterion/criterion.h) runs in link order, each with its suite's
 * set-up and tear-down, and the image prints one line per failure and at the end
 * "la64-runner: N passed, N failed" (skipped tests are counted apart, not as passed).
 * An exception taken while a test runs (rt_vector in start.S) fails that test with its
 * ESTAT.Ecode, ERA and BADV, and the runner goes on with the next test.
 * Also the bits of a C library the image needs: strlen, strcmp, rand, abort, and a small
 * vsnprintf for the messages (mem*: the bare-metal examples' examples/common/libc.c).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "board.h"
#include "runner.h"

/* ---- C library ------------------------------------------------------------------------ */

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static uint64_t rand_state = 1;

void srand(unsigned seed)
{
	rand_state = seed;
}

int rand(void)
{
	rand_state = rand_state * 6364136223846793005ull + 1442695040888963407ull;
	return (int)(rand_state >> 33);
}

/* ---- output ----------------------------------------------------------------------------- */

struct out {
	char *buf;
	size_t len, pos; /* buf NULL: to the UART */
};

static void out_c(struct out *o, char c)
{
	if (!o->buf)
		rt_putc(c);
	else if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_num(struct out *o, uint64_t v, unsigned base, bool neg, int width, char pad)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	for (; width > n; width--)
		out_c(o, pad);
	while (n)
		out_c(o, tmp[--n]);
}

static void out_fmt(struct out *o, const char *f, va_list ap)
{
	for (; *f; f++) {
		if (*f != '%') {
			out_c(o, *f);
			continue;
		}
		f++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*f == '0') {
			pad = '0';
			f++;
		}
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (*f++ - '0');
		while (*f == 'l' || *f == 'z') {
			lng++;
			f++;
		}
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			out_num(o, v < 0 ? (uint64_t)-v : (uint64_t)v, 10, v < 0, width, pad);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			out_num(o, v, *f == 'u' ? 10 : 16, false, width, pad);
			break;
		}
		case 'p':
			out_c(o, '0');
			out_c(o, 'x');
			out_num(o, (uintptr_t)va_arg(ap, void *), 16, false, width, pad);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s; s++)
				out_c(o, *s);
			break;
		}
		case 'c':
			out_c(o, (char)va_arg(ap, int));
			break;
		case '%':
			out_c(o, '%');
			break;
		default:
			out_c(o, '?');
			break;
		}
	}
}

void rt_printf(const char *fmt, ...)
{
	struct out o = {NULL, 0, 0};
	va_list ap;
	va_start(ap, fmt);
	out_fmt(&o, fmt, ap);
	va_end(ap);
}

int rt_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	struct out o = {buf, len, 0};
	va_list ap;
	va_start(ap, fmt);
	out_fmt(&o, fmt, ap);
	va_end(ap);
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = '\0';
	return (int)o.pos;
}

/* ---- the runner ------------------------------------------------------------------------- */

extern const struct rt_test __rt_tests_start[], __rt_tests_end[];

static uint64_t jb[12];
static const struct rt_test *cur;
static bool cur_failed, cur_skipped, in_fini;

static void say_test(void)
{
	rt_printf("la64-runner: FAIL %s::%s: ", cur->suite, cur->name);
}

void rt_fail(int fatal, const char *file, int line, const char *expr, const char *fmt, ...)
{
	struct out o = {NULL, 0, 0};
	va_list ap;
	cur_failed = true;
	say_test();
	rt_printf("%s:%d: %s", file, line, expr);
	if (*fmt) {
		rt_printf(": ");
		va_start(ap, fmt);
		out_fmt(&o, fmt, ap);
		va_end(ap);
	}
	rt_printf("\n");
	if (fatal)
		rt_longjmp(jb);
}

void rt_skip(const char *fmt, ...)
{
	struct out o = {NULL, 0, 0};
	va_list ap;
	cur_skipped = true;
	rt_printf("la64-runner: skip %s::%s: ", cur->suite, cur->name);
	va_start(ap, fmt);
	out_fmt(&o, fmt, ap);
	va_end(ap);
	rt_printf("\n");
	rt_longjmp(jb);
}

void abort(void)
{
	rt_fail(1, "?", 0, "abort()", "");
	rt_poweroff();
}

/* Vol. 1 7.4.6 ESTAT: Ecode [21:16], EsubCode [30:22]; Ecode 0xd is INE (instruction not
 * exist), 0x8 ADE, 0x9 ALE, 0x1-0x7 page faults (table 7-8). */
void rt_exception(uint64_t estat, uint64_t era, uint64_t badv)
{
	if (!cur) {
		rt_printf("la64-runner: exception outside a test: ESTAT %lx ERA %lx BADV %lx\n",
			  estat, era, badv);
		rt_poweroff();
	}
	cur_failed = true;
	say_test();
	rt_printf("exception Ecode 0x%x EsubCode %u at ERA 0x%lx (BADV 0x%lx)\n",
		  (unsigned)(estat >> 16) & 0x3fu, (unsigned)(estat >> 22) & 0x1ffu, era, badv);
	if (in_fini)
		rt_poweroff(); /* the tear-down itself faulted: nothing sane to go back to */
	rt_longjmp(jb);
}

static void suite_line(const char *suite, unsigned p, unsigned f)
{
	rt_printf("la64-runner: suite %s: %u passed, %u failed\n", suite, p, f);
}

int rt_main(void)
{
	unsigned passed = 0, failed = 0, skipped = 0, s_passed = 0, s_failed = 0;
	const char *suite = NULL;
	/* The machine is scripts/qemu.sh loongarch64-virt (-nodefaults, explicit devices). */
	rt_printf("la64-runner: libaxv on qemu-system-loongarch64 (virt, la464), %u tests\n",
		  (unsigned)(__rt_tests_end - __rt_tests_start));
	for (cur = __rt_tests_start; cur < __rt_tests_end; cur++) {
		const struct rt_params *s = cur->suite_params;
		void (*init)(void) = cur->params.init ? cur->params.init : s->init;
		void (*fini)(void) = cur->params.fini ? cur->params.fini : s->fini;
		if (suite && strcmp(suite, cur->suite) != 0) {
			suite_line(suite, s_passed, s_failed);
			s_passed = s_failed = 0;
		}
		suite = cur->suite;
		cur_failed = cur_skipped = in_fini = false;
		rt_hal_reset_arena();
		if (cur->params.disabled || s->disabled) {
			skipped++;
			continue;
		}
		if (rt_setjmp(jb) == 0) {
			if (init)
				init();
			cur->fn();
		}
		if (fini && rt_setjmp(jb) == 0) {
			in_fini = true;
			fini();
		}
		in_fini = false;
		if (cur_failed) {
			failed++;
			s_failed++;
		} else if (cur_skipped) {
			skipped++;
		} else {
			passed++;
			s_passed++;
			/* Tests with a description say so when they pass (the checks a reader of
			 * the log looks for, such as AXV_ENOTSUP without LVZ). */
			if (cur->params.description)
				rt_printf("la64-runner: ok %s::%s: %s\n", cur->suite, cur->name,
					  cur->params.description);
		}
	}
	if (suite)
		suite_line(suite, s_passed, s_failed);
	cur = NULL;
	if (skipped)
		rt_printf("la64-runner: %u skipped (not applicable to this build)\n", skipped);
	rt_printf("la64-runner: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
