/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What Intel EPT and AMD NPT share as formats for the page-table engine (pt_ept.c,
 * pt_npt.c): the x86-64 four-level walk.
 *
 *  - 48-bit guest-physical addresses, 9 index bits a level from bit 39: PML4, PDPT, PD, PT
 *    (SDM Vol. 3C 29.3.2 "EPT Translation Mechanism"; APM Vol. 2 5.3 "Long-Mode Page
 *    Translation", which 15.25.5 makes the nested format), one 4 KiB root table.
 *  - Leaves at the PDPT (1 GiB), PD (2 MiB) and PT (4 KiB) levels; above the PT level bit 7
 *    marks the leaf (EPT: "must be 1 to map a page"; NPT: PS), and a PT entry has no such
 *    bit.
 *  - The output address in bits 51:12; an all-zero entry is not present.
 */
#ifndef AXV_PORT_X86_PT_X86_H
#define AXV_PORT_X86_PT_X86_H

#define X86_PT_LEAF_BIT7 (1ull << 7)

/* The initialisers of struct axv_pt_format for that geometry. */
#define X86_PT_FOUR_LEVELS                                                                      \
	.levels = 4, .ia_bits = 48, .root_frames = 1, .shift = {39, 30, 21, 12},                \
	.index_bits = {9, 9, 9, 9}, .leaf_ok = {false, true, true, true}, .empty = {0, 0, 0, 0}, \
	.oa_mask = 0x000ffffffffff000ull, .page_bits = 0, .block_bits = X86_PT_LEAF_BIT7,       \
	.block_mask = X86_PT_LEAF_BIT7, .block_val = X86_PT_LEAF_BIT7

#endif
