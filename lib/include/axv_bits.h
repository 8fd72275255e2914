/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: bit scans for library code.
 *
 * __builtin_ctzll is one instruction where the ISA has one (x86 TZCNT/BSF, aarch64 RBIT+CLZ,
 * LoongArch CTZ.D, RISC-V Zbb CTZ), but on RISC-V without Zbb GCC lowers it to a call of
 * libgcc's __ctzdi2 (GCC Internals, "Integer library routines"), a symbol libaxv.a must not
 * reference (it may reference only the four memory functions). There the library uses its
 * own multiply-and-look-up, so no port has to supply libgcc's helpers.
 */
#ifndef AXV_LIB_BITS_H
#define AXV_LIB_BITS_H

#include <stdint.h>

/*
 * The index of the lowest set bit of @x (0..63) without a bit-scan instruction: isolate the
 * lowest set bit, multiply by a de Bruijn sequence B(2, 6) so that its top six bits are
 * unique for each of the 64 powers of two, and look that up. Undefined for 0, like the
 * builtin.
 */
static inline unsigned axv_ctz64_soft(uint64_t x)
{
	static const uint8_t pos[64] = {
		0,  1,  2,  53, 3,  7,  54, 27, 4,  38, 41, 8,  34, 55, 48, 28,
		62, 5,  39, 46, 44, 42, 22, 9,  24, 35, 59, 56, 49, 18, 29, 11,
		63, 52, 6,  26, 37, 40, 33, 47, 61, 45, 43, 21, 23, 58, 17, 10,
		51, 25, 36, 32, 60, 20, 57, 16, 50, 31, 19, 15, 30, 14, 13, 12,
	};
	uint64_t low = x & (0 - x);
	return pos[(low * UINT64_C(0x022fdd63cc95386d)) >> 58];
}

/* The index of the lowest set bit of @x (0..63); undefined for 0. */
static inline unsigned axv_ctz64(uint64_t x)
{
#if defined(__riscv) && !defined(__riscv_zbb)
	return axv_ctz64_soft(x);
#else
	return (unsigned)__builtin_ctzll(x);
#endif
}

#endif
