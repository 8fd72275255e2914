/* Encoding tests: every format's leaf and table entries against hand-computed values, and
 * the entries the engine really writes into the tables. */
#include <criterion/criterion.h>

#include <axv/err.h>

#include "as_util.h"
#include "rv64_hw.h"

#define RWX AXV_MAP_RWX
#define R AXV_MAP_READ
#define W AXV_MAP_WRITE
#define X AXV_MAP_EXEC

Test(encoding, formats_are_consistent)
{
	for (int i = 0; i < FMT_COUNT; i++)
		cr_expect_eq(axv_pt_format_check(test_format(i)), 0, "format %d", i);
	struct axv_pt_format f = axv_pt_ept;
	f.shift[2] = 22;
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL);
	f = axv_pt_ept;
	f.leaf_ok[3] = false;
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL);
	cr_expect_eq(axv_pt_format_check(NULL), AXV_EINVAL);
}

/* The output-address shift: page-aligned addresses must encode and decode exactly. */
Test(encoding, oa_shift_is_checked)
{
	struct axv_pt_format f = *test_format(FMT_RV39);
	cr_expect_eq(axv_pt_format_check(&f), 0);
	f.oa_shift = 0; /* the PPN mask unshifted: address bits 11:10 would be in entries */
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL, "decoded mask not page aligned");
	f.oa_shift = 13;
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL, "shift above the page shift");
	f = *test_format(FMT_RV39);
	f.oa_mask |= 1ull << 63; /* a mask bit the shift would push out */
	f.broken_bits = AXV_RV64_PTE_RSW0;
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL, "mask bits lost by the shift");
	f = axv_pt_ept;
	f.oa_mask = 0;
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL, "no output address");
	f = axv_pt_ept;
	f.oa_mask |= 0x800; /* bit 11 in the address: not page aligned */
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL);
	for (int i = 0; i < FMT_COUNT; i++) {
		const struct axv_pt_format *g = test_format(i);
		bool rv = i == FMT_RV39 || i == FMT_RV48;
		cr_expect_eq(g->oa_shift, rv ? 2 : 0, "%s", g->name);
	}
}

/* A broken leaf must never equal an empty entry: the format needs broken_bits, a bit no
 * other field (and no empty value) uses; no empty entry may be valid, and every leaf that
 * some flags describe must be. */
Test(encoding, broken_bits_are_checked)
{
	struct axv_pt_format f = axv_pt_ept;
	f.broken_bits = 0;
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL, "no broken_bits");
	f.broken_bits = 1; /* R: a valid bit */
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL, "broken_bits in valid_mask");
	f.broken_bits = 1ull << 12; /* an address bit */
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL, "broken_bits in oa_mask");
	f.broken_bits = 6ull << 3; /* the WB memory type */
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL, "broken_bits in an attribute");
	f = axv_pt_ept;
	f.empty[3] = f.broken_bits;
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL, "an empty value with broken_bits");
	f = axv_pt_ept;
	f.empty[2] = 1;
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL, "a valid empty value");
	f = axv_pt_ept;
	f.attr_read = 0; /* a read-only leaf would have no valid bit */
	cr_expect_eq(axv_pt_format_check(&f), AXV_EINVAL, "a leaf without a valid bit");
	for (int i = 0; i < FMT_COUNT; i++) {
		const struct axv_pt_format *g = test_format(i);
		cr_expect_neq(g->broken_bits, 0, "%s", g->name);
		cr_expect_eq(g->broken_bits & (g->valid_mask | g->oa_mask | g->block_mask), 0, "%s",
			     g->name);
	}
}

/* Intel SDM Vol. 3C, "EPT Translation Mechanism" (29.3.2; 28.2.2 in older editions):
 * R bit 0, W bit 1, X bit 2, memory type bits 5:3 (WB = 6, UC = 0, WC = 1), bit 7 = page
 * in a PDE/PDPTE; table entries carry R/W/X. */
Test(encoding, ept)
{
	const struct axv_pt_format *f = &axv_pt_ept;
	/* 4 KiB, RWX, WB: 0x7 | 6 << 3 */
	cr_expect_eq(axv_pt_leaf_entry(f, 3, 0x123456000, RWX), 0x123456037ull);
	/* 4 KiB, read only, WB */
	cr_expect_eq(axv_pt_leaf_entry(f, 3, 0x123456000, R), 0x123456031ull);
	/* 2 MiB, read only, device (UC = 0), bit 7 */
	cr_expect_eq(axv_pt_leaf_entry(f, 2, 0x40200000, R | AXV_MAP_DEVICE), 0x40200081ull);
	/* 1 GiB, read + exec, uncached (WC = 1 << 3), bit 7 */
	cr_expect_eq(axv_pt_leaf_entry(f, 1, 0x80000000, R | X | AXV_MAP_UNCACHED), 0x8000008dull);
	/* table entry: address | R W X */
	cr_expect_eq(axv_pt_table_entry(f, 0xabc000), 0xabc007ull);
	/* USER is ignored by nested formats */
	cr_expect_eq(axv_pt_leaf_entry(f, 3, 0x1000, RWX | AXV_MAP_USER), 0x1037ull);
}

/* AMD APM Vol. 2, 15.25.5 "Nested Table Walk" (U at every level) and 5.3/5.4 long-mode
 * entries: P 0, R/W 1, U/S 2, PWT 3, PCD 4, A 5, D 6, PS 7, NX 63. */
Test(encoding, npt)
{
	const struct axv_pt_format *f = &axv_pt_npt;
	/* 4 KiB RW, no exec, WB: P|RW|US|A|D | NX */
	cr_expect_eq(axv_pt_leaf_entry(f, 3, 0x123456000, R | W), 0x8000000123456067ull);
	/* 4 KiB RWX */
	cr_expect_eq(axv_pt_leaf_entry(f, 3, 0x123456000, RWX), 0x123456067ull);
	/* 2 MiB read only, device (PCD|PWT): P|US|PWT|PCD|A|PS | NX */
	cr_expect_eq(axv_pt_leaf_entry(f, 2, 0x40200000, R | AXV_MAP_DEVICE), 0x80000000402000bdull);
	/* 1 GiB read + exec, uncached (PCD alone = UC-) */
	cr_expect_eq(axv_pt_leaf_entry(f, 1, 0x80000000, R | X | AXV_MAP_UNCACHED), 0x800000b5ull);
	/* table: P|RW|US */
	cr_expect_eq(axv_pt_table_entry(f, 0xabc000), 0xabc007ull);
}

/* Arm ARM (DDI 0487) D8.3 stage-2 descriptors: valid bit 0, bit 1 table/page (0 block),
 * MemAttr[5:2] (0b1111 Normal WB, 0b0001 Device-nGnRE, 0b0101 Normal NC), S2AP[7:6],
 * SH[9:8] = 0b11, AF bit 10, XN[54:53] = 0b10. */
Test(encoding, stage2)
{
	const struct axv_pt_format *f = test_format(FMT_S2_40);
	/* 4 KiB page RW, no exec: 0b11 | 0xf<<2 | S2AP 0b11<<6 | SH 0b11<<8 | AF | XN 0b10<<53 */
	cr_expect_eq(axv_pt_leaf_entry(f, 2, 0x123456000, R | W), 0x00400001234567ffull);
	/* 4 KiB page RWX */
	cr_expect_eq(axv_pt_leaf_entry(f, 2, 0x123456000, RWX), 0x1234567ffull);
	/* 2 MiB block read only, exec, device: 0b01 | 0b0001<<2 | S2AP 0b01<<6 | SH | AF */
	cr_expect_eq(axv_pt_leaf_entry(f, 1, 0x40200000, R | X | AXV_MAP_DEVICE), 0x40200745ull);
	/* 1 GiB block (level 1 of a 40-bit space), RW, no exec, normal NC (0b0101 << 2) */
	cr_expect_eq(axv_pt_leaf_entry(f, 0, 0x80000000, R | W | AXV_MAP_UNCACHED),
		     0x00400000800007d5ull);
	/* table: address | 0b11 */
	cr_expect_eq(axv_pt_table_entry(f, 0xabc000), 0xabc003ull);
}

/* D8.2 initial lookup level and concatenation; VTCR_EL2.T0SZ = 64 - IPA bits, SL0 for the
 * 4 KiB granule: 1 = level 1, 2 = level 0. QEMU's VTCR_EL2 = 0x80023560 has T0SZ 32, SL0 1. */
Test(encoding, stage2_geometry)
{
	unsigned t0sz, sl0;
	const struct axv_pt_format *f40 = test_format(FMT_S2_40);
	cr_expect_eq(f40->levels, 3);
	cr_expect_eq(f40->root_frames, 2, "40-bit IPA from level 1: two concatenated tables");
	cr_expect_eq(f40->index_bits[0], 10);
	cr_assert_eq(axv_s2_vtcr_fields(f40, &t0sz, &sl0), 0);
	cr_expect_eq(t0sz, 24);
	cr_expect_eq(sl0, 1);

	const struct axv_pt_format *f32 = test_format(FMT_S2_32);
	cr_expect_eq(f32->levels, 3);
	cr_expect_eq(f32->root_frames, 1);
	cr_expect_eq(f32->index_bits[0], 2);
	cr_assert_eq(axv_s2_vtcr_fields(f32, &t0sz, &sl0), 0);
	cr_expect_eq(t0sz, 0x80023560u & 0x3f);
	cr_expect_eq(sl0, (0x80023560u >> 6) & 3);

	const struct axv_pt_format *f48 = test_format(FMT_S2_48);
	cr_expect_eq(f48->levels, 4);
	cr_expect_eq(f48->root_frames, 1);
	cr_expect(!f48->leaf_ok[0] && f48->leaf_ok[1], "no blocks at level 0");
	cr_assert_eq(axv_s2_vtcr_fields(f48, &t0sz, &sl0), 0);
	cr_expect_eq(t0sz, 16);
	cr_expect_eq(sl0, 2);

	struct axv_pt_format f;
	cr_expect_eq(axv_s2_format_init(&f, 31), AXV_EINVAL);
	cr_expect_eq(axv_s2_format_init(&f, 49), AXV_EINVAL);
	cr_expect_eq(axv_s2_format_init(NULL, 40), AXV_EINVAL);
	cr_expect_eq(axv_s2_format_init(&f, 43), 0);
	cr_expect_eq(f.root_frames, 16, "at most 16 concatenated tables");
	cr_expect_eq(axv_s2_vtcr_fields(&axv_pt_ept, &t0sz, &sl0), AXV_EINVAL);
}

/* LoongArch Vol. 1, TLBELO (7.5) and page walking (5.4): V 0, D 1, PLV 3:2, MAT 5:4
 * (0 SUC, 1 CC, 2 WUC), huge bit 6 in directory entries, P 7 and W 8 (software), NR 61,
 * NX 62; directory entries hold the next table's address; empty ones the invalid table. */
Test(encoding, la64)
{
	const struct axv_pt_format *f = test_format(FMT_LA3);
	/* 4 KiB RWX normal: V|D|PLV3|CC|P|W */
	cr_expect_eq(axv_pt_leaf_entry(f, 2, 0x123456000, RWX), 0x12345619full);
	/* 4 KiB read only, no exec, device (SUC): V|PLV3|P | NX */
	cr_expect_eq(axv_pt_leaf_entry(f, 2, 0x123456000, R | AXV_MAP_DEVICE),
		     0x400000012345608dull);
	/* 2 MiB huge RWX, uncached (WUC): V|D|PLV3|WUC|HUGE|P|W */
	cr_expect_eq(axv_pt_leaf_entry(f, 1, 0x40200000, RWX | AXV_MAP_UNCACHED), 0x402001efull);
	/* table entry: the address alone */
	cr_expect_eq(axv_pt_table_entry(f, 0xabc000), 0xabc000ull);
	cr_expect_eq(f->empty[0], TEST_LA_INVALID);
	cr_expect_eq(f->empty[1], TEST_LA_INVALID);
	cr_expect_eq(f->empty[2], 0);
	cr_expect(!f->leaf_ok[0] && f->leaf_ok[1] && f->leaf_ok[2]);
	cr_expect_eq(test_format(FMT_LA4)->ia_bits, 48);
	struct axv_pt_format g;
	cr_expect_eq(axv_la64_format_init(&g, 5, TEST_LA_INVALID), AXV_EINVAL);
	cr_expect_eq(axv_la64_format_init(&g, 3, 0), AXV_EINVAL);
	cr_expect_eq(axv_la64_format_init(&g, 3, 0x1234), AXV_EINVAL);
}

/* RISC-V Privileged Architecture 1.12, 4.4.1 (Sv39 PTE: V 0, R 1, W 2, X 3, U 4, G 5, A 6,
 * D 7, RSW 9:8, PPN = pa >> 12 in bits 53:10) and 8.5.1 (Sv39x4/Sv48x4: G-stage leaves are
 * checked as U-mode accesses, so U is set; a 2^11-entry, 16 KiB root). The engine's entries
 * are the hardware's: the address is stored shifted right by 2. */
Test(encoding, riscv64_gstage)
{
	const struct axv_pt_format *f = test_format(FMT_RV39);
	/* 2 MiB megapage at 0x80200000, RWX: PPN 0x80200 << 10, V|R|W|X|U|A|D */
	cr_expect_eq(axv_pt_leaf_entry(f, 1, 0x80200000, RWX), 0x200800dfull);
	/* read only: V|R|U|A */
	cr_expect_eq(axv_pt_leaf_entry(f, 1, 0x80200000, R), 0x20080053ull);
	/* 4 KiB read + exec: V|R|X|U|A */
	cr_expect_eq(axv_pt_leaf_entry(f, 2, 0x123456000, R | X), 0x48d1585bull);
	/* the highest 56-bit page: PPN 0xfffffffffff in bits 53:10 */
	cr_expect_eq(axv_pt_leaf_entry(f, 2, 0x00fffffffffff000ull, RWX),
		     0x003ffffffffffcdfull);
	/* 1 GiB gigapage (Sv48x4 level 1) */
	cr_expect_eq(axv_pt_leaf_entry(test_format(FMT_RV48), 1, 0x40000000, R | W),
		     0x100000d7ull);
	/* table entry: PPN << 10 | V (R = W = X = 0: a pointer) */
	cr_expect_eq(axv_pt_table_entry(f, 0xabc000), 0x2af001ull);
	cr_expect_eq(f->root_frames, 4);
	cr_expect_eq(f->ia_bits, 41);
	cr_expect_eq(test_format(FMT_RV48)->ia_bits, 50);
	/* The engine's tables hold those values: the 2 MiB leaf, read back from the table. */
	struct mock_hal mh;
	mock_hal_init(&mh, 64);
	struct axv_addrspace as;
	cr_assert_eq(axv_addrspace_init(&as, &mh.hal, f, 0, 1ull << 32, 1), 0);
	cr_expect_eq(axv_addrspace_root(&as) & 0x3fffu, 0, "hgatp needs a 16 KiB aligned root");
	cr_assert_eq(axv_addrspace_map_linear(&as, 0x80200000, 0x80200000, 0x200000, RWX), 0);
	int lv;
	cr_expect_eq(test_raw_entry(&mh, &as, 0x80200000, &lv), 0x200800dfull);
	cr_expect_eq(lv, 1);
	axv_hpa_t hpa = 0;
	cr_expect_eq(axv_addrspace_translate(&as, 0x80234567, &hpa, NULL, NULL), 0);
	cr_expect_eq(hpa, 0x80234567ull);
	cr_assert_eq(axv_addrspace_destroy(&as), 0);
	cr_expect(test_mock_clean(&mh));
	mock_hal_fini(&mh);
}

/* The engine writes exactly those entries: map 1 GiB + 2 MiB + 4 KiB and read the tables. */
Test(encoding, engine_writes_the_encoded_entries)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		struct mock_hal mh;
		mock_hal_init(&mh, 4096);
		const struct axv_pt_format *f = test_format(i);
		struct axv_addrspace as;
		uint64_t size = 1ull << f->ia_bits;
		cr_assert_eq(axv_addrspace_init(&as, &mh.hal, f, 0, size, 7), 0, "fmt %s", f->name);
		/* The root is empty: for LA64 every entry is the invalid-table address. */
		const uint64_t *root = mock_hal_ptr(&mh, axv_addrspace_root(&as));
		cr_expect_eq(root[0], f->empty[0]);
		cr_expect_eq(axv_addrspace_root(&as) % (f->root_frames * 4096ull), 0);
		uint64_t g = 0x40000000, h = 0x2c0000000ull;
		uint64_t sz = 0x40000000 + 0x200000 + 0x1000;
		axv_map_flags_t fl = R | W;
		cr_assert_eq(axv_addrspace_map_linear(&as, g, h, sz, fl), 0, "fmt %s", f->name);
		int lv;
		uint64_t e = test_raw_entry(&mh, &as, g, &lv);
		int top = f->leaf_ok[f->levels - 3] ? f->levels - 3 : f->levels - 2;
		cr_expect_eq(lv, top, "fmt %s: largest leaf at the start", f->name);
		cr_expect_eq(e, axv_pt_leaf_entry(f, (unsigned)lv, h, fl), "fmt %s", f->name);
		e = test_raw_entry(&mh, &as, g + 0x40000000, &lv);
		cr_expect_eq(lv, f->levels - 2, "fmt %s: 2 MiB leaf", f->name);
		cr_expect_eq(e, axv_pt_leaf_entry(f, (unsigned)lv, h + 0x40000000, fl));
		e = test_raw_entry(&mh, &as, g + 0x40200000, &lv);
		cr_expect_eq(lv, f->levels - 1, "fmt %s: 4 KiB leaf", f->name);
		cr_expect_eq(e, axv_pt_leaf_entry(f, (unsigned)lv, h + 0x40200000, fl));
		/* The entry above the 4 KiB leaf is a table entry to the leaf's table. */
		if (f->root_frames > 1 && f->shift[0] == 30) {
			/* top of a 40-bit space: the second concatenated root table */
			uint64_t top_gpa = size - 0x40000000;
			cr_assert_eq(axv_addrspace_map_linear(&as, top_gpa, h, 0x40000000, R), 0);
			cr_expect_eq(root[(size_t)(top_gpa >> f->shift[0])],
				     axv_pt_leaf_entry(f, 0, h, R));
			cr_expect_geq(top_gpa >> f->shift[0], 512, "lives in the second frame");
		}
		cr_assert_eq(axv_addrspace_destroy(&as), 0);
		cr_expect(test_mock_clean(&mh), "fmt %s leaked", f->name);
		mock_hal_fini(&mh);
	}
}
