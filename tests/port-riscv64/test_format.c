/* riscv64 G-stage formats: the entries the engine writes for Sv39x4/Sv48x4 against
 * hand-computed values, their hardware PTEs and hgatp (Privileged Architecture 1.12, 4.4.1,
 * 8.2.10, 8.5.1). */
#include <criterion/criterion.h>

#include <axv/arch/riscv64.h>
#include <axv/err.h>

#include "mock_hal.h"
#include "rv64_hw.h"

#define R AXV_MAP_READ
#define W AXV_MAP_WRITE
#define X AXV_MAP_EXEC

static struct axv_pt_format fmt(unsigned levels)
{
	struct axv_pt_format f;
	cr_assert_eq(axv_rv64_format_init(&f, levels), 0);
	return f;
}

Test(rv64_format, consistent_and_shaped_as_the_spec_says)
{
	struct axv_pt_format f39 = fmt(AXV_RV64_SV39X4), f48 = fmt(AXV_RV64_SV48X4);
	cr_expect_eq(axv_pt_format_check(&f39), 0);
	cr_expect_eq(axv_pt_format_check(&f48), 0);
	/* 8.5.1: Sv39x4 translates 41-bit, Sv48x4 50-bit guest physical addresses; the root
	 * is 2^11 entries, 16 KiB. */
	cr_expect_eq(f39.ia_bits, 41);
	cr_expect_eq(f48.ia_bits, 50);
	cr_expect_eq(f39.index_bits[0], 11);
	cr_expect_eq(f39.root_frames, 4);
	cr_expect_eq(f39.shift[0], 30);
	cr_expect_eq(f39.shift[2], 12);
	cr_expect_eq(f48.shift[0], 39);
	struct axv_pt_format g;
	cr_expect_eq(axv_rv64_format_init(&g, 5), AXV_EINVAL);
	cr_expect_eq(axv_rv64_format_init(NULL, 3), AXV_EINVAL);
}

Test(rv64_format, leaf_and_table_entries)
{
	struct axv_pt_format f = fmt(AXV_RV64_SV39X4);
	/* 4 KiB RWX: V R W X U A D = 0xdf, PPN = pa >> 12 in bits 53:10 (4.4.1) */
	cr_expect_eq(axv_pt_leaf_entry(&f, 2, 0x123456000, R | W | X), (0x123456ull << 10) | 0xdf);
	/* read only: V R U A = 0x53 */
	cr_expect_eq(axv_pt_leaf_entry(&f, 2, 0x80000000, R), 0x20000053ull);
	/* 2 MiB megapage R X: V R X U A = 0x5b; device changes nothing (no Svpbmt) */
	cr_expect_eq(axv_pt_leaf_entry(&f, 1, 0x80200000, R | X | AXV_MAP_DEVICE), 0x2008005bull);
	/* 1 GiB gigapage R W */
	cr_expect_eq(axv_pt_leaf_entry(&f, 0, 0xc0000000, R | W), 0x300000d7ull);
	/* the highest 56-bit address: PPN 0xfffffffffff */
	cr_expect_eq(axv_pt_leaf_entry(&f, 2, 0x00fffffffffff000ull, R | W | X),
		     (0xfffffffffffull << 10) | 0xdf);
	/* table entries: PPN and V alone, R = W = X = 0 (4.3.1: a pointer to the next level) */
	cr_expect_eq(axv_pt_table_entry(&f, 0xabc000), (0xabcull << 10) | 1);
	cr_expect_eq(f.oa_shift, 2);
	cr_expect_eq(f.oa_mask, 0x003ffffffffffc00ull);
}

Test(rv64_format, hgatp)
{
	uint64_t h;
	cr_expect_eq(axv_rv64_hgatp(AXV_RV64_SV39X4, 0x80004000, 5, &h), 0);
	cr_expect_eq(h, (8ull << 60) | (5ull << 44) | 0x80004ull);
	cr_expect_eq(axv_rv64_hgatp(AXV_RV64_SV48X4, 0x80000000, 0x3fff, &h), 0);
	cr_expect_eq(h, (9ull << 60) | (0x3fffull << 44) | 0x80000ull);
	cr_expect_eq(axv_rv64_hgatp(AXV_RV64_SV39X4, 0x80001000, 1, &h), AXV_EINVAL, "16 KiB");
	cr_expect_eq(axv_rv64_hgatp(AXV_RV64_SV39X4, 0x80000000, 0x4000, &h), AXV_EINVAL);
	cr_expect_eq(axv_rv64_hgatp(2, 0x80000000, 1, &h), AXV_EINVAL);
	cr_expect_eq(axv_rv64_hgatp(3, 1ull << 56, 1, &h), AXV_EINVAL);
}

/* The engine writes these entries: 1 GiB + 2 MiB + 4 KiB land as a gigapage, a megapage
 * and a page, each the encoded value. */
Test(rv64_format, engine_writes_the_encoded_entries)
{
	for (unsigned lv = 3; lv <= 4; lv++) {
		struct axv_pt_format f = fmt(lv);
		struct mock_hal mh;
		mock_hal_init(&mh, 4096);
		struct axv_addrspace as;
		cr_assert_eq(axv_addrspace_init(&as, &mh.hal, &f, 0, 1ull << 40, 3), 0);
		cr_expect_eq(axv_addrspace_root(&as) % 16384, 0, "16 KiB aligned root");
		uint64_t g = 0x40000000, h = 0x2c0000000ull;
		cr_assert_eq(axv_addrspace_map_linear(&as, g, h, 0x40000000 + 0x200000 + 0x1000,
						      R | W), 0);
		const uint64_t *t = mock_hal_ptr(&mh, axv_addrspace_root(&as));
		unsigned l = 0;
		if (lv == 4) { /* 512 GiB per root entry: descend once */
			cr_assert_eq(t[0] & 0xf, 1, "table entry");
			t = mock_hal_ptr(&mh, (t[0] & AXV_RV64_OA_MASK) << 2);
			l = 1;
		}
		cr_expect_eq(t[1], axv_pt_leaf_entry(&f, l, h, R | W), "gigapage");
		const uint64_t *t1 = mock_hal_ptr(&mh, (t[2] & AXV_RV64_OA_MASK) << 2);
		cr_expect_eq(t1[0], axv_pt_leaf_entry(&f, l + 1, h + 0x40000000, R | W), "megapage");
		const uint64_t *t2 = mock_hal_ptr(&mh, (t1[1] & AXV_RV64_OA_MASK) << 2);
		cr_expect_eq(t2[0], axv_pt_leaf_entry(&f, l + 2, h + 0x40200000, R | W), "page");
		cr_expect_eq(axv_addrspace_destroy(&as), 0);
		mock_hal_fini(&mh);
	}
}
