/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the loongarch64 test image shared by runner.c, hal.c and the tests. */
#ifndef AXV_LA64_RUNNER_RUNNER_H
#define AXV_LA64_RUNNER_RUNNER_H

#include <stddef.h>
#include <stdint.h>

void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_snprintf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rt_setjmp(uint64_t jb[12]) __attribute__((returns_twice));
_Noreturn void rt_longjmp(uint64_t jb[12]);
void rt_exception(uint64_t estat, uint64_t era, uint64_t badv);
int rt_main(void);
/* Give the whole frame arena back (before each test; hal.c). */
void rt_hal_reset_arena(void);

#endif
