/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LoongArch LA64 page-table format as data for the engine.
 *
 * LoongArch Reference Manual Vol. 1 (v1.10):
 *  - 5.4.5 / 7.5.x "TLBELO0/TLBELO1" (TLB refill exception entry low-order bits): bit 0 V,
 *    bit 1 D, bits 3:2 PLV, bits 5:4 MAT (0 SUC strongly-ordered uncached, 1 CC coherent
 *    cached, 2 WUC weakly-ordered uncached), bit 6 G, PPN in bits PALEN-1:12, bit 61 NR,
 *    bit 62 NX, bit 63 RPLV.
 *  - 5.4 "Multi-level page table structure supported by page walking" (LDDIR/LDPTE): a
 *    directory entry holds the next table's address; bit 6 set marks a huge-page entry,
 *    whose global bit moves to bit 12.
 *  - Software bits as Linux uses them (arch/loongarch/include/asm/pgtable-bits.h): bit 7
 *    P (present), bit 8 W (writable). An empty directory entry points at an invalid table.
 * PLV is 3 (every privilege level may access: the guest's own tables decide) and RPLV 0.
 * A leaf the engine breaks has V and P clear (an invalid page: the refill loads it and the
 * access takes a page-invalid exception) and gets bit 9, another software bit (broken_bits),
 * so it never equals the empty value.
 */
#include <axv/arch/loongarch64.h>
#include <axv/err.h>

#define LA_V (1ull << 0)
#define LA_D (1ull << 1)
#define LA_PLV3 (3ull << 2)
#define LA_MAT(x) ((uint64_t)(x) << 4)
#define LA_MAT_SUC LA_MAT(0)
#define LA_MAT_CC LA_MAT(1)
#define LA_MAT_WUC LA_MAT(2)
#define LA_HUGE (1ull << 6)
#define LA_P (1ull << 7)
#define LA_W (1ull << 8)
#define LA_SW9 (1ull << 9)
#define LA_NR (1ull << 61)
#define LA_NX (1ull << 62)
#define LA_OA_MASK 0x0000fffffffff000ull

int axv_la64_format_init(struct axv_pt_format *fmt, unsigned levels, uint64_t invalid_dir)
{
	if (!fmt || (levels != 3 && levels != 4) || invalid_dir == 0 ||
	    (invalid_dir & ~LA_OA_MASK) != 0)
		return AXV_EINVAL;
	struct axv_pt_format f = {
		.name = "la64",
		.levels = (uint8_t)levels,
		.ia_bits = (uint8_t)(12 + 9 * levels),
		.root_frames = 1,
		.oa_mask = LA_OA_MASK,
		.valid_mask = LA_V | LA_P,
		.broken_bits = LA_SW9,
		.table_bits = 0,
		.page_bits = 0,
		.block_bits = LA_HUGE,
		.block_mask = LA_HUGE,
		.block_val = LA_HUGE,
		.attr_base = LA_V | LA_P | LA_PLV3,
		.attr_noread = LA_NR,
		.attr_write = LA_W | LA_D,
		.attr_noexec = LA_NX,
		.mem_normal = LA_MAT_CC,
		.mem_device = LA_MAT_SUC,
		.mem_uncached = LA_MAT_WUC,
	};
	for (unsigned l = 0; l < levels; l++) {
		f.shift[l] = (uint8_t)(12 + 9 * (levels - 1 - l));
		f.index_bits[l] = 9;
		f.empty[l] = l == levels - 1 ? 0 : invalid_dir;
		f.leaf_ok[l] = l >= levels - 2; /* 2 MiB huge pages and 4 KiB pages */
	}
	*fmt = f;
	return 0;
}
