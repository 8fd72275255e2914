/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aarch64 stage-2 translation table format, 4 KiB granule, as data for the engine.
 *
 * Arm Architecture Reference Manual for A-profile (DDI 0487), chapter D8 "The AArch64
 * Virtual Memory System Architecture":
 *  - D8.3 "Translation table descriptor formats": bit[0] valid; bit[1] = 1 table (levels
 *    0-2) or page (level 3), 0 block; output address in bits [47:12].
 *  - Stage 2 block/page attributes (D8.3, "Stage 2 ... attributes"; D8.5.5 memory type):
 *    MemAttr[5:2], S2AP[7:6] (bit 6 read, bit 7 write), SH[9:8] (0b11 Inner Shareable),
 *    AF bit 10, XN[54:53] (0b10: execute-never at EL1 and EL0).
 *  - MemAttr without FEAT_S2FWB: 0b1111 Normal Outer/Inner Write-Back, 0b0101 Normal
 *    Outer/Inner Non-cacheable, 0b0001 Device-nGnRE.
 *  - D8.3: a descriptor with bit[0] = 0 is invalid and its other bits are ignored; bits
 *    [58:55] of block and page descriptors are reserved for software use. A leaf the engine
 *    breaks gets bit 55 (broken_bits) so it never equals the empty value.
 *  - D8.2 "Translation process", concatenated translation tables at the initial lookup
 *    level: up to 16 tables, the root aligned to its total size; VTCR_EL2.SL0 for 4 KiB
 *    granule: 0b01 start at level 1, 0b10 start at level 0; T0SZ = 64 - IPA bits.
 */
#include <axv/arch/aarch64.h>
#include <axv/err.h>

#define S2_VALID (1ull << 0)
#define S2_TABLE (1ull << 1) /* table (levels 0-2) or page (level 3) */
#define S2_MEMATTR(x) ((uint64_t)(x) << 2)
#define S2_MEMATTR_NORMAL_WB S2_MEMATTR(0xf)
#define S2_MEMATTR_NORMAL_NC S2_MEMATTR(0x5)
#define S2_MEMATTR_DEVICE_nGnRE S2_MEMATTR(0x1)
#define S2AP_R (1ull << 6)
#define S2AP_W (1ull << 7)
#define S2_SH_INNER (3ull << 8)
#define S2_AF (1ull << 10)
#define S2_XN (2ull << 53)
#define S2_SW55 (1ull << 55)
#define S2_OA_MASK 0x0000fffffffff000ull

int axv_s2_format_init(struct axv_pt_format *fmt, unsigned ipa_bits)
{
	if (!fmt || ipa_bits < 32 || ipa_bits > 48)
		return AXV_EINVAL;
	unsigned levels = ipa_bits <= 43 ? 3 : 4;
	struct axv_pt_format f = {
		.name = "s2",
		.levels = (uint8_t)levels,
		.ia_bits = (uint8_t)ipa_bits,
		.oa_mask = S2_OA_MASK,
		.valid_mask = S2_VALID,
		.broken_bits = S2_SW55,
		.table_bits = S2_VALID | S2_TABLE,
		.page_bits = S2_VALID | S2_TABLE,
		.block_bits = S2_VALID,
		.block_mask = S2_TABLE,
		.block_val = 0,
		.attr_base = S2_AF | S2_SH_INNER,
		.attr_read = S2AP_R,
		.attr_write = S2AP_W,
		.attr_noexec = S2_XN,
		.mem_normal = S2_MEMATTR_NORMAL_WB,
		.mem_device = S2_MEMATTR_DEVICE_nGnRE,
		.mem_uncached = S2_MEMATTR_NORMAL_NC,
	};
	for (unsigned l = 0; l < levels; l++) {
		f.shift[l] = (uint8_t)(12 + 9 * (levels - 1 - l));
		f.index_bits[l] = 9;
		f.empty[l] = 0;
		/* Blocks: 1 GiB at level 1, 2 MiB at level 2; level 0 has none (4 KiB granule). */
		f.leaf_ok[l] = (4 - levels + l) >= 1;
	}
	f.index_bits[0] = (uint8_t)(ipa_bits - f.shift[0]);
	f.root_frames = (uint8_t)(f.index_bits[0] > 9 ? 1u << (f.index_bits[0] - 9) : 1u);
	*fmt = f;
	return 0;
}

int axv_s2_vtcr_fields(const struct axv_pt_format *fmt, unsigned *t0sz, unsigned *sl0)
{
	if (!fmt || !t0sz || !sl0 || fmt->oa_mask != S2_OA_MASK || fmt->table_bits != 3 ||
	    (fmt->levels != 3 && fmt->levels != 4))
		return AXV_EINVAL;
	*t0sz = 64u - fmt->ia_bits;
	*sl0 = fmt->levels == 3 ? 1u : 2u;
	return 0;
}
