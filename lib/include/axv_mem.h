/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the four memory functions library code may use.
 *
 * A freestanding C11 compiler has no <string.h>, so they are declared here. Library code
 * calls them through the axv_mem* macros, which use the compiler builtins: with a constant
 * small size they become inline loads and stores (even under -ffreestanding, which turns off
 * implicit builtins), and otherwise a call to the embedder's memcpy/memset/memmove/memcmp,
 * the only external symbols the symbol check allows.
 */
#ifndef AXV_LIB_MEM_H
#define AXV_LIB_MEM_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#define axv_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define axv_memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define axv_memset(d, c, n) __builtin_memset((d), (c), (n))
#define axv_memcmp(a, b, n) __builtin_memcmp((a), (b), (n))

#endif
