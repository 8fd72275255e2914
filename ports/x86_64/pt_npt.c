/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AMD NPT format (the x86-64 long-mode page table) as data for the engine.
 *
 * AMD64 Architecture Programmer's Manual Vol. 2:
 *  - 15.25.5 "Nested Table Walk": nested walks are user accesses, so the U/S bit must be set
 *    at every level; the format is the long-mode one of 5.3 "Long-Mode Page Translation".
 *  - 5.3.3 / 5.4.1 "Field Definitions": bit 0 P, bit 1 R/W, bit 2 U/S, bit 3 PWT, bit 4 PCD,
 *    bit 5 A, bit 6 D (leaves), bit 7 PS (set in a PDPE for 1 GiB or a PDE for 2 MiB), bit 63
 *    NX (honoured when EFER.NXE = 1), address in bits 51:12.
 *  - 7.8 "Memory-Type Range Registers" / PAT: PAT index 0 (PWT=PCD=0) is WB, PCD|PWT is UC,
 *    PCD alone is UC- with the default PAT.
 *  - 5.4.1, Present bit: when P is 0 the other bits are available to software; bits 11:9
 *    (AVL) are available to software in every entry. A leaf the engine breaks gets bit 9
 *    (broken_bits) so it never equals the empty value.
 * A is preset in leaves (and D in writable ones) so the walker never writes our tables.
 */
#include <axv/arch/x86_64.h>

#include "pt_x86.h"

#define NPT_P (1ull << 0)
#define NPT_RW (1ull << 1)
#define NPT_US (1ull << 2)
#define NPT_PWT (1ull << 3)
#define NPT_PCD (1ull << 4)
#define NPT_A (1ull << 5)
#define NPT_D (1ull << 6)
#define NPT_AVL9 (1ull << 9)
#define NPT_NX (1ull << 63)

const struct axv_pt_format axv_pt_npt = {
	X86_PT_FOUR_LEVELS,
	.name = "npt",
	.valid_mask = NPT_P,
	.broken_bits = NPT_AVL9,
	.table_bits = NPT_P | NPT_RW | NPT_US,
	.attr_base = NPT_US | NPT_A,
	.attr_read = NPT_P,
	.attr_write = NPT_RW | NPT_D,
	.attr_noexec = NPT_NX,
	.mem_normal = 0,
	.mem_device = NPT_PCD | NPT_PWT,
	.mem_uncached = NPT_PCD,
};
