/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one libgcc helper the library needs on riscv64 without Zbb: __builtin_ctzll (the
 * frame pool and the irq core) compiles to a call of __ctzdi2 (GCC Internals, "Integer
 * library routines": int __ctzdi2 (unsigned long a), undefined for 0). libaxv.a must
 * reference nothing but the four memory functions, so the port defines it. A de Bruijn
 * multiply-and-look-up: no branch, no table walk.
 */
#include <stdint.h>

/* NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): libgcc's name */
int __ctzdi2(unsigned long a);

/* NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): libgcc's name */
int __ctzdi2(unsigned long a)
{
	static const uint8_t pos[64] = {
		0,  1,  2,  53, 3,  7,  54, 27, 4,  38, 41, 8,  34, 55, 48, 28,
		62, 5,  39, 46, 44, 42, 22, 9,  24, 35, 59, 56, 49, 18, 29, 11,
		63, 52, 6,  26, 37, 40, 33, 47, 61, 45, 43, 21, 23, 58, 17, 10,
		51, 25, 36, 32, 60, 20, 57, 16, 50, 31, 19, 15, 30, 14, 13, 12,
	};
	uint64_t low = (uint64_t)a & (0 - (uint64_t)a);
	return pos[(low * 0x022fdd63cc95386dull) >> 58];
}
