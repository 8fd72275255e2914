/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel EPT format as data for the engine.
 *
 * Intel SDM Vol. 3C, "EPT Translation Mechanism" (section 29.3.2 in the 2023+ editions,
 * 28.2.2 before), tables "Format of an EPT PML4 Entry" ... "Format of an EPT Page-Table
 * Entry that Maps a 4-KByte Page":
 *  - bit 0 read, bit 1 write, bit 2 execute (supervisor-mode execute with mode-based
 *    control); an entry with bits 2:0 clear is not present.
 *  - leaves: bits 5:3 EPT memory type (0 UC, 1 WC, 4 WT, 5 WP, 6 WB), bit 6 ignore PAT,
 *    bit 7 set in a PDPTE (1 GiB) or PDE (2 MiB) that maps a page; bits 5:3 are reserved in
 *    non-leaf entries.
 *  - physical address in bits (MAXPHYADDR-1):12, at most 51:12.
 *  - an entry with bits 2:0 clear is not present and the processor ignores bits 63:3 of it
 *    (bit 10 also counts with mode-based execute control, which we do not enable); bit 11
 *    is ignored in every entry. A leaf the engine breaks keeps its other bits and gets bit
 *    11 (broken_bits): a readable UC page at host address 0 is 0x1, and clearing bits 2:0
 *    alone would leave 0, the empty value.
 * Non-leaf entries grant R/W/X so the leaf alone decides the permissions.
 */
#include <axv/arch/x86_64.h>

#include "pt_x86.h"

#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_MT(x) ((uint64_t)(x) << 3)
#define EPT_MT_UC EPT_MT(0)
#define EPT_MT_WC EPT_MT(1)
#define EPT_MT_WB EPT_MT(6)
#define EPT_IGN11 (1ull << 11)

const struct axv_pt_format axv_pt_ept = {
	X86_PT_FOUR_LEVELS,
	.name = "ept",
	.valid_mask = EPT_R | EPT_W | EPT_X,
	.broken_bits = EPT_IGN11,
	.table_bits = EPT_R | EPT_W | EPT_X,
	.attr_base = 0,
	.attr_read = EPT_R,
	.attr_write = EPT_W,
	.attr_exec = EPT_X,
	.mem_normal = EPT_MT_WB,
	.mem_device = EPT_MT_UC,
	.mem_uncached = EPT_MT_WC,
};
