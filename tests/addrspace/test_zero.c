/* Zero is a valid value: on every format, leaves at host physical address 0 and at the
 * highest output address, with every flag combination (every memory type, with and without
 * write and execute), are mapped, protected to every other combination, split and unmapped,
 * for linear memory at every leaf size and for alloc memory whose frame is at that address.
 * At the TLB flush between break and make, the broken entry must still be there: not equal
 * to the format's empty value, and not valid. Then every leaf must be what
 * axv_pt_leaf_entry() says, translations right, frames given back, destroy clean.
 *
 * Found by review: an EPT 4 KiB device leaf (memory type UC = 0) at HPA 0, readable only, is
 * 0x1; break-before-make cleared bits 2:0 and left 0, the empty value, so make skipped it:
 * after protect the page was gone (handle_fault said "retry" for ever) and after unmap of an
 * alloc area the frame at HPA 0 leaked. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <axv/err.h>

#include "as_util.h"

#define R AXV_MAP_READ
#define W AXV_MAP_WRITE
#define X AXV_MAP_EXEC
#define K4 0x1000ull

static struct mock_hal mh;
static struct axv_addrspace as;
static const struct axv_pt_format *fmt;

/* Every valid flag combination: READ, with or without WRITE, EXEC and USER, and each
 * memory type (normal, device, uncached). */
#define NFLAGS 24
static axv_map_flags_t flag_combo(unsigned i)
{
	static const axv_map_flags_t mem[3] = {0, AXV_MAP_DEVICE, AXV_MAP_UNCACHED};
	axv_map_flags_t f = R | mem[i % 3];
	if (i / 3 & 1)
		f |= W;
	if (i / 3 & 2)
		f |= X;
	if (i / 3 & 4)
		f |= AXV_MAP_USER;
	return f;
}

/* The highest page (or leaf of `size`) the format's output addresses reach. */
static uint64_t top(const struct axv_pt_format *f, uint64_t size)
{
	return test_oa(f, ~0ull) & ~(size - 1);
}

/* ---- what the tables hold at the flush between break and make --------------------------- */

static uint64_t probe_gpa;
static int probe_level;
static uint64_t probe_entry;
static unsigned long probe_calls;

/* Probe the entry of gpa at the next flush. */
static void probe(uint64_t gpa)
{
	probe_gpa = gpa;
	probe_calls = 0;
}

static void probe_flush(void *ctx, uint64_t tag, axv_gpa_t gpa, uint64_t size)
{
	(void)ctx;
	(void)tag;
	(void)gpa;
	(void)size;
	probe_entry = test_raw_entry(&mh, &as, probe_gpa, &probe_level);
	probe_calls++;
}

/* The entry at gpa was broken (not emptied, not valid) when the call flushed, at level lv. */
static void expect_broken(const char *what, int lv)
{
	cr_assert_eq(probe_calls, 1, "%s: one flush", what);
	cr_assert_eq(probe_level, lv,
		     "%s: at the flush the entry was %s (level %d, %#llx), not a broken leaf at "
		     "level %d",
		     what, probe_level < 0 ? "empty" : "something else", probe_level,
		     (unsigned long long)probe_entry, lv);
	cr_assert_eq(probe_entry & fmt->valid_mask, 0, "%s: broken entry %#llx is still valid",
		     what, (unsigned long long)probe_entry);
	probe_calls = 0;
}

static void hold(axv_hpa_t pa);

/* A space over a mock whose pool starts at mock_base; keep_pa (if valid) is taken out of the
 * pool first, so the space's own tables never land there. */
static void open_space(axv_hpa_t mock_base, size_t frames, axv_hpa_t keep_pa)
{
	mock_hal_init_at(&mh, frames, mock_base);
	mh.tlb.flush_range = probe_flush;
	if (keep_pa != AXV_HPA_INVALID)
		hold(keep_pa);
	cr_assert_eq(axv_addrspace_init(&as, &mh.hal, fmt, 0, 1ull << fmt->ia_bits, 1), 0,
		     "%s", fmt->name);
	probe_calls = 0;
}

static void close_space(const char *what)
{
	cr_assert_eq(axv_addrspace_destroy(&as), 0, "%s: destroy", what);
	char why[160];
	cr_assert(mock_hal_clean(&mh, why, sizeof(why)), "%s: %s", what, why);
	mock_hal_fini(&mh);
}

static void expect_leaf(const char *what, uint64_t gpa, int lv, uint64_t leaf_pa,
			axv_map_flags_t fl)
{
	int got;
	uint64_t e = test_raw_entry(&mh, &as, gpa, &got);
	cr_assert_eq(got, lv, "%s: %#llx: leaf at level %d, want %d (entry %#llx)", what,
		     (unsigned long long)gpa, got, lv, (unsigned long long)e);
	uint64_t want = axv_pt_leaf_entry(fmt, (unsigned)lv, leaf_pa, fl);
	cr_assert_eq(e, want, "%s: %#llx: entry %#llx, want %#llx", what, (unsigned long long)gpa,
		     (unsigned long long)e, (unsigned long long)want);
	axv_hpa_t hpa;
	axv_map_flags_t f2;
	uint64_t lsz = 1ull << fmt->shift[lv];
	cr_assert_eq(axv_addrspace_translate(&as, gpa, &hpa, &f2, NULL), 0, "%s: %#llx translate",
		     what, (unsigned long long)gpa);
	cr_assert_eq(hpa, leaf_pa + (gpa & (lsz - 1)), "%s: %#llx translates to %#llx", what,
		     (unsigned long long)gpa, (unsigned long long)hpa);
	cr_assert_eq(f2, fl);
	/* a fault on a mapped page with an allowed access is resolved (no endless retry) */
	cr_assert_eq(axv_addrspace_handle_fault(&as, gpa, R), 0);
	cr_assert_eq(axv_addrspace_translate(&as, gpa, NULL, NULL, NULL), 0);
}

/* ---- the review's two cases, by name ----------------------------------------------------- */

Test(zero, ept_device_page_at_hpa0_survives_protect)
{
	fmt = test_format(FMT_EPT);
	open_space(MOCK_PHYS_BASE, 64, AXV_HPA_INVALID);
	uint64_t g = 0x40000000;
	cr_assert_eq(axv_addrspace_map_linear(&as, g, 0, K4, R | AXV_MAP_DEVICE), 0);
	cr_assert_eq(axv_pt_leaf_entry(fmt, 3, 0, R | AXV_MAP_DEVICE), 1, "the leaf is 0x1");
	probe(g);
	cr_assert_eq(axv_addrspace_protect(&as, g, K4, R | W | AXV_MAP_DEVICE), 0);
	/* the symptom first: the area says mapped, the page is gone */
	axv_hpa_t hpa = 1;
	cr_expect_eq(axv_addrspace_translate(&as, g, &hpa, NULL, NULL), 0,
		     "after protect the page at HPA 0 is not mapped");
	cr_expect_eq(hpa, 0);
	/* a guest access faults; the handler must not answer "retry" while nothing changes */
	cr_expect(axv_addrspace_handle_fault(&as, g, R) != 0 ||
			  axv_addrspace_translate(&as, g, NULL, NULL, NULL) == 0,
		  "handle_fault says retry, but the page stays unmapped: the guest spins");
	expect_leaf("protect", g, 3, 0, R | W | AXV_MAP_DEVICE);
	expect_broken("protect", 3);
	close_space("ept protect");
}

/* Steering the mock's allocator: hold(pa) takes frame pa out of the pool (and nothing
 * else); steer() gives it back, to the head of the pool's free list, so it is the next single
 * frame handed out. */
static axv_hpa_t kept = AXV_HPA_INVALID;

static void hold(axv_hpa_t pa)
{
	axv_hpa_t got, others[4096];
	size_t n = 0;
	while (mh.mem.alloc_frames(&mh, 1, 1, &got) == 0 && got != pa) {
		cr_assert_lt(n, 4096);
		others[n++] = got;
	}
	cr_assert_eq(got, pa, "frame %#llx is not free", (unsigned long long)pa);
	kept = pa;
	while (n)
		mh.mem.free_frames(&mh, others[--n], 1);
}

static void steer(void)
{
	cr_assert_neq(kept, AXV_HPA_INVALID);
	mh.mem.free_frames(&mh, kept, 1);
	kept = AXV_HPA_INVALID;
}

/* An alloc area of one page at gpa whose frame is `pa` (held), after a neighbour page that is
 * faulted in first, so the tables exist and the area needs the one frame. */
/* Protect the leaf at level lv mapping [g, g + size) to pa with every flag combination in
 * turn, checking the leaf after each; returns the last combination. */
static axv_map_flags_t protect_each(const char *what, uint64_t g, uint64_t size, int lv,
				    axv_hpa_t pa)
{
	axv_map_flags_t nf = 0;
	for (unsigned k = 0; k < NFLAGS; k++) {
		nf = flag_combo(k);
		probe(g);
		cr_assert_eq(axv_addrspace_protect(&as, g, size, nf), 0, "%s: protect", what);
		expect_broken(what, lv);
		expect_leaf(what, g, lv, pa, nf);
	}
	return nf;
}

static void alloc_at(uint64_t gpa, axv_hpa_t pa, axv_map_flags_t fl)
{
	cr_assert_eq(axv_addrspace_map_alloc(&as, gpa - K4, K4, R, false), 0);
	cr_assert_eq(axv_addrspace_handle_fault(&as, gpa - K4, R), 0);
	steer();
	cr_assert_eq(axv_addrspace_map_alloc(&as, gpa, K4, fl, true), 0);
	axv_hpa_t got;
	cr_assert_eq(axv_addrspace_translate(&as, gpa, &got, NULL, NULL), 0);
	cr_assert_eq(got, pa, "the frame went elsewhere");
}

Test(zero, ept_alloc_frame_at_hpa0_is_freed_by_unmap)
{
	fmt = test_format(FMT_EPT);
	open_space(0, 64, 0);
	uint64_t g = 0x40000000 + 8 * K4; /* its neighbour shares its tables */
	alloc_at(g, 0, R | AXV_MAP_DEVICE);
	size_t frames = axv_addrspace_frames(&as);
	probe(g);
	cr_assert_eq(axv_addrspace_unmap(&as, g, K4), 0);
	int lv = probe_level;
	uint64_t e = probe_entry;
	cr_expect_eq(axv_addrspace_frames(&as), frames - 1, "the frame at HPA 0 was not freed (%zu frames, %zu before)", axv_addrspace_frames(&as), frames);
	cr_expect(!mock_hal_is_live(&mh, 0), "the frame at HPA 0 is still live");
	cr_expect_eq(axv_addrspace_unmap(&as, g - K4, K4), 0);
	int rc = axv_addrspace_destroy(&as);
	cr_expect_eq(rc, 0, "destroy gave %d", rc);
	cr_expect(lv == 3 && (e & fmt->valid_mask) == 0,
		  "at the flush the entry was level %d %#llx, not a broken 4 KiB leaf", lv,
		  (unsigned long long)e);
	MOCK_HAL_CHECK_CLEAN(&mh);
	mock_hal_fini(&mh);
}

/* ---- every format, every flag combination, both ends of the output range ------------------ */

/* Linear memory: one leaf of `lv`'s size at pa, protected to every combination, then split
 * by a protect and an unmap of one page inside it (blocks), then unmapped. */
static void linear_case(int lv, uint64_t pa, unsigned fi)
{
	char what[200];
	axv_map_flags_t fl = flag_combo(fi);
	uint64_t lsz = 1ull << fmt->shift[lv];
	uint64_t g = lsz < (1ull << 30) ? (1ull << 30) : lsz; /* aligned to the leaf */
	snprintf(what, sizeof(what), "%s level %d pa %#llx flags %#x", fmt->name, lv,
		 (unsigned long long)pa, fl);
	cr_assert_eq(axv_addrspace_map_linear(&as, g, pa, lsz, fl), 0, "%s: map", what);
	expect_leaf(what, g, lv, pa, fl);
	fl = protect_each(what, g, lsz, lv, pa);
	int last = fmt->levels - 1;
	if (lv < last) {
		/* split by protect: the second page of the leaf gets other flags */
		axv_map_flags_t nf = flag_combo((fi + 7) % NFLAGS);
		probe(g + K4);
		cr_assert_eq(axv_addrspace_protect(&as, g + K4, K4, nf), 0, "%s: split", what);
		expect_broken(what, lv);
		expect_leaf(what, g, last, pa, fl);
		expect_leaf(what, g + K4, last, pa + K4, nf);
		expect_leaf(what, g + lsz - K4, last - 1 > lv ? last - 1 : last,
			    (pa + lsz - K4) & ~((1ull << fmt->shift[last - 1 > lv ? last - 1 : last]) - 1),
			    fl);
		/* split by unmap: the first page goes */
		cr_assert_eq(axv_addrspace_unmap(&as, g, K4), 0, "%s: unmap page", what);
		cr_assert_eq(axv_addrspace_translate(&as, g, NULL, NULL, NULL), AXV_ENOENT);
		expect_leaf(what, g + K4, last, pa + K4, nf);
		cr_assert_eq(axv_addrspace_unmap(&as, g + K4, lsz - K4), 0, "%s: unmap rest", what);
	} else {
		/* a 4 KiB leaf: unmapped directly (linear memory: emptied by the break) */
		cr_assert_eq(axv_addrspace_unmap(&as, g, lsz), 0, "%s: unmap", what);
	}
	probe_calls = 0;
	cr_assert_eq(axv_addrspace_translate(&as, g, NULL, NULL, NULL), AXV_ENOENT, "%s", what);
	cr_assert_eq(axv_addrspace_area_count(&as), 0, "%s", what);
	cr_assert_eq(axv_addrspace_pt_frames(&as), fmt->root_frames, "%s: tables left", what);
}

Test(zero, linear_leaves_at_both_ends_of_the_output_range, .timeout = 120)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		fmt = test_format(i);
		open_space(MOCK_PHYS_BASE, 256, AXV_HPA_INVALID);
		for (int lv = 0; lv < fmt->levels; lv++) {
			uint64_t lsz = 1ull << fmt->shift[lv];
			/* leaves the space can hold, from 1 GiB (and with room for g below) */
			if (!fmt->leaf_ok[lv] || lsz > (1ull << 30) || 2 * lsz > (1ull << fmt->ia_bits))
				continue;
			for (unsigned fi = 0; fi < NFLAGS; fi++) {
				linear_case(lv, 0, fi);
				linear_case(lv, top(fmt, lsz), fi);
			}
		}
		close_space(fmt->name);
	}
}

/* Alloc memory: the page's frame is at pa; protected to every combination, then unmapped:
 * the frame must go back. */
static void alloc_case(axv_hpa_t pa, unsigned fi)
{
	char what[200];
	axv_map_flags_t fl = flag_combo(fi);
	snprintf(what, sizeof(what), "%s alloc at %#llx flags %#x", fmt->name,
		 (unsigned long long)pa, fl);
	int last = fmt->levels - 1;
	uint64_t g = 0x40000000 + 8 * K4;
	if (kept == AXV_HPA_INVALID)
		hold(pa);
	alloc_at(g, pa, fl);
	expect_leaf(what, g, last, pa, fl);
	protect_each(what, g, K4, last, pa);
	size_t frames = axv_addrspace_frames(&as);
	probe(g);
	cr_assert_eq(axv_addrspace_unmap(&as, g, K4), 0, "%s: unmap", what);
	expect_broken(what, last);
	cr_assert_eq(axv_addrspace_frames(&as), frames - 1, "%s: frame not given back", what);
	cr_assert(!mock_hal_is_live(&mh, pa), "%s: frame still live", what);
	cr_assert_eq(axv_addrspace_unmap(&as, g - K4, K4), 0);
	probe_calls = 0;
	cr_assert_eq(axv_addrspace_pt_frames(&as), fmt->root_frames, "%s: tables left", what);
}

Test(zero, alloc_frames_at_both_ends_of_the_output_range, .timeout = 120)
{
	const size_t frames = 64;
	for (int i = 0; i < FMT_COUNT; i++) {
		fmt = test_format(i);
		/* a pool at 0, and one whose last frame is the highest output page */
		axv_hpa_t bases[2] = {0, top(fmt, K4) - (frames - 1) * K4};
		for (int b = 0; b < 2; b++) {
			axv_hpa_t pa = b == 0 ? 0 : top(fmt, K4);
			open_space(bases[b], frames, pa);
			for (unsigned fi = 0; fi < NFLAGS; fi++)
				alloc_case(pa, fi);
			close_space(fmt->name);
		}
	}
}

/* Encodings: every real leaf (each leaf level, flag combination, and both ends of the
 * output range) is valid, so it differs from the format's empty value, which is not; the
 * same leaf broken (valid bits cleared, broken_bits set) is not valid, keeps its address and
 * block bit, and differs from the empty value too. */
Test(zero, real_leaves_are_never_empty)
{
	for (int i = 0; i < FMT_COUNT; i++) {
		const struct axv_pt_format *f = test_format(i);
		for (int lv = 0; lv < f->levels; lv++) {
			cr_expect_eq(f->empty[lv] & f->valid_mask, 0, "%s: empty[%d] is valid", f->name,
				     lv);
			if (!f->leaf_ok[lv])
				continue;
			uint64_t lsz = 1ull << f->shift[lv];
			for (unsigned fi = 0; fi < NFLAGS; fi++) {
				uint64_t pas[2] = {0, top(f, lsz)};
				for (int p = 0; p < 2; p++) {
					uint64_t e = axv_pt_leaf_entry(f, (unsigned)lv, pas[p],
								       flag_combo(fi));
					cr_expect_neq(e & f->valid_mask, 0, "%s: leaf %#llx not valid",
						      f->name, (unsigned long long)e);
					cr_expect_neq(e, f->empty[lv], "%s: a leaf equals empty",
						      f->name);
					cr_expect_eq(test_oa(f, e), pas[p], "%s: address bits",
						     f->name);
					uint64_t b = (e & ~f->valid_mask) | f->broken_bits;
					cr_expect_eq(b & f->valid_mask, 0);
					cr_expect_neq(b, f->empty[lv], "%s: broken leaf %#llx is empty",
						      f->name, (unsigned long long)b);
					cr_expect_eq(test_oa(f, b), pas[p]);
					cr_expect_eq(b & f->block_mask, e & f->block_mask);
				}
			}
		}
	}
}
