/* SPDX-License-Identifier: Apache-2.0 */
/*
 * riscv64 G-stage formats (Sv39x4, Sv48x4) as data for the engine, and the values the
 * hardware takes from them.
 *
 * Privileged Architecture 1.12 (20211203):
 *  - 4.3.1 / 4.4.1 "Sv39/Sv48 page table entry": bit 0 V, 1 R, 2 W, 3 X, 4 U, 5 G, 6 A,
 *    7 D, 9:8 RSW (for supervisor software), PPN in bits 53:10, bits 63:54 reserved (zero
 *    without Svpbmt/Svnapot). R = W = X = 0 is a pointer to the next level; any of them set
 *    is a leaf, and a leaf at a level above the last is a superpage. W without R is
 *    reserved. An entry with V = 0 is invalid and its other bits are ignored by hardware.
 *  - 4.3.1: A and D may be left to software (a fault when A = 0, or D = 0 on a store), so
 *    every leaf has A, and D when writable.
 *  - 8.5.1 "Guest Physical Address Translation": Sv39x4/Sv48x4 widen the root to 2^11
 *    entries (16 KiB, 16 KiB aligned); every G-stage access is checked as a U-mode access,
 *    so leaves need U = 1.
 *  - 8.2.10 "hgatp": MODE [63:60] 8 = Sv39x4, 9 = Sv48x4; VMID [57:44]; PPN [43:0].
 * The engine writes the output address through the format: `(pa >> 2) & PPN bits` (oa_shift
 * 2, oa_mask bits 53:10), so its entries are the hardware's PTEs and its table is the one
 * hgatp points at. Its root is 4 frames aligned to their size (the concatenated-root rule of
 * axv_addrspace_root()), which is the 16 KiB alignment 8.5.1 asks. The engine breaks a leaf
 * by clearing V and setting RSW bit 8 (broken_bits; 4.4.1: with V = 0 the other bits are
 * ignored by hardware).
 */
#include <axv/arch/riscv64.h>
#include <axv/err.h>
#include "rv64_hw.h"

int axv_rv64_format_init(struct axv_pt_format *fmt, unsigned levels)
{
	if (!fmt || (levels != AXV_RV64_SV39X4 && levels != AXV_RV64_SV48X4))
		return AXV_EINVAL;
	struct axv_pt_format f = {
		.name = levels == AXV_RV64_SV39X4 ? "sv39x4" : "sv48x4",
		.levels = (uint8_t)levels,
		.ia_bits = (uint8_t)(12 + 9 * levels + 2),
		.root_frames = 4,
		.oa_shift = 2, /* PPN = pa >> 12 in bits 53:10 (Priv 4.4.1) */
		.oa_mask = AXV_RV64_OA_MASK,
		.valid_mask = AXV_RV64_PTE_V,
		.broken_bits = AXV_RV64_PTE_RSW0,
		.table_bits = AXV_RV64_PTE_V,
		.page_bits = 0,
		.block_bits = 0,
		/* Every mapping is readable (the engine's rule), so R tells a leaf from a table. */
		.block_mask = AXV_RV64_PTE_R,
		.block_val = AXV_RV64_PTE_R,
		/* R is in the base: the engine's mappings are always readable, and R marks a
		 * leaf. */
		.attr_base = AXV_RV64_PTE_V | AXV_RV64_PTE_R | AXV_RV64_PTE_U | AXV_RV64_PTE_A,
		.attr_read = 0,
		.attr_write = AXV_RV64_PTE_W | AXV_RV64_PTE_D,
		.attr_exec = AXV_RV64_PTE_X,
		/* No memory types without Svpbmt: the PMAs decide (Priv 3.6). */
		.mem_normal = 0,
		.mem_device = 0,
		.mem_uncached = 0,
	};
	for (unsigned l = 0; l < levels; l++) {
		f.shift[l] = (uint8_t)(12 + 9 * (levels - 1 - l));
		f.index_bits[l] = 9;
		f.empty[l] = 0;
		f.leaf_ok[l] = true;
	}
	f.index_bits[0] = 11;
	*fmt = f;
	return 0;
}

int axv_rv64_hgatp(unsigned levels, axv_hpa_t root, uint32_t vmid, uint64_t *hgatp)
{
	if (!hgatp || (levels != AXV_RV64_SV39X4 && levels != AXV_RV64_SV48X4) ||
	    (root & 0x3fffu) || (root >> 56) || vmid >= (1u << 14))
		return AXV_EINVAL;
	uint64_t mode = levels == AXV_RV64_SV39X4 ? 8 : 9;
	*hgatp = (mode << 60) | ((uint64_t)vmid << 44) | (root >> 12);
	return 0;
}

#if !defined(__riscv)
/* Other builds (the host tests, the fuzz harness) have no G-stage TLB to fence. */
void axv_rv64_hfence_gvma(uint32_t vmid, axv_gpa_t gpa)
{
	(void)vmid;
	(void)gpa;
}

void axv_rv64_hfence_vvma_all(void)
{
}
#endif
