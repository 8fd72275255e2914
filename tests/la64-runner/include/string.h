/* SPDX-License-Identifier: Apache-2.0 */
/* The loongarch64 test image's <string.h>: what the library and the host tests use
 * (examples/common/libc.c and runner.c define them; the target has no C library). */
#ifndef AXV_LA64_RUNNER_STRING_H
#define AXV_LA64_RUNNER_STRING_H
#include <stddef.h>
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
#endif
