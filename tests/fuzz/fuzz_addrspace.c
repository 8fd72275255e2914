/* Fuzz harness: address-space operation sequences against a page-granular reference model.
 *
 * Input: byte 0 picks the format (stage 2 with 32/40/48-bit IPA, EPT, NPT, LA64 with 3 or 4
 * levels) and where the mock's memory starts (host physical address 0, or 1 TiB); then each
 * operation is a kind byte and its arguments. Operations: map_linear, map_alloc (populate or
 * lazy), unmap, protect, handle_fault, translate, read, write, malformed calls, and three
 * that reach the edges of the area array: "fill" maps one-to-three-page areas until the
 * space holds its area capacity (axv_addrspace_area_capacity()) plus or minus up to three;
 * "cut" unmaps or protects the middle, head or tail of an existing area (a split); "reserve"
 * reserves part of the window (tables, guest frames, room for more areas) or ends the
 * reservation. Allocation failures are injected from input bits.
 *
 * After every operation the harness checks the result code against the model, that a failed
 * call changed nothing (page-table hash, frame count, areas), the frame count, and the
 * translation and raw entry of the pages the operation touched; inside a reservation, that a
 * call which keeps the area count within the capacity it found made no HAL allocation. At
 * the end: every page of the window, that no empty table survives, and that destroy gives
 * every frame back to the (mock) HAL. The mock puts a guard frame (ASan-poisoned) after every
 * run it hands out, so a write past the end of the area array or a table is caught at once.
 *
 * Speed: one mock for all inputs, reset per input; the checking code is not instrumented for
 * coverage (TEST_NOCOV); the page tables are hashed only around calls that may fail. The
 * highest area count reached is printed at exit (stat::axv_max_areas). */
#include <string.h>

#include <axv/err.h>
#include <axv/frame_pool.h>

#include "../addrspace/as_util.h"
#include "fuzz.h"

#define K4 0x1000ull
#define M2 0x200000ull
#define WB 0x40000000ull /* window base: 1 GiB */
#define WPAGES 1024u     /* window: 4 MiB, two 2 MiB blocks */
#define WEND (WB + WPAGES * K4)
#define SPACE (1ull << 32)
#define LIN_FRAMES 1536u /* linear host memory: window plus a 2 MiB offset */
#define POOL_FRAMES 3584u /* the window's frames twice (guard frames) and the tables */
#define MAX_OPS 96

enum { NONE, LIN, ALLOC };

struct page {
	uint8_t kind;
	bool present; /* ALLOC: has a frame */
	axv_map_flags_t flags;
	uint64_t hpa; /* LIN: expected; ALLOC: the frame once present */
};

static struct mock_hal mh;
static struct axv_addrspace as;
static const struct axv_pt_format *fmt;
static struct page model[WPAGES];
static unsigned char adata[WPAGES][4096]; /* contents of present ALLOC pages */
static axv_hpa_t lin;
static size_t max_areas; /* highest area count any input reached, reported at exit */

/* The reservation, if any. */
static struct {
	bool on, frames;
	uint64_t lo, hi;
} res;

static void report(void)
{
	fprintf(stderr, "stat::axv_max_areas: %zu\n", max_areas);
}

static axv_map_flags_t pick_flags(uint8_t b)
{
	static const axv_map_flags_t opts[] = {
		AXV_MAP_READ, AXV_MAP_READ | AXV_MAP_WRITE, AXV_MAP_RWX,
		AXV_MAP_READ | AXV_MAP_EXEC, AXV_MAP_READ | AXV_MAP_WRITE | AXV_MAP_DEVICE,
		AXV_MAP_READ | AXV_MAP_UNCACHED, AXV_MAP_READ | AXV_MAP_USER,
		AXV_MAP_RWX | AXV_MAP_DEVICE};
	return opts[b % 8];
}

static void pick_range(struct fin *in, uint64_t *gpa, uint64_t *size)
{
	uint8_t k = fin_u8(in);
	uint64_t p, n;
	switch (k % 4) {
	case 0: /* a few pages */
		p = fin_u16(in) % WPAGES;
		n = 1 + fin_u8(in) % 8;
		break;
	case 1: /* whole 2 MiB blocks */
		p = (fin_u8(in) % (WPAGES / 512)) * 512;
		n = 512 * (1 + fin_u8(in) % 2);
		break;
	case 2: /* anything */
		p = fin_u16(in) % WPAGES;
		n = 1 + fin_u16(in) % WPAGES;
		break;
	default: /* around a block edge */
		p = 512 - 4 + fin_u8(in) % 8;
		n = 1 + fin_u8(in) % 16;
		break;
	}
	if (p + n > WPAGES)
		n = WPAGES - p;
	*gpa = WB + p * K4;
	*size = n * K4;
}

struct snap {
	uint64_t tree;
	size_t frames, nareas, pt;
};

TEST_NOCOV
static void snap(struct snap *s)
{
	s->tree = test_tree_hash(&mh, &as, NULL, NULL);
	s->frames = axv_addrspace_frames(&as);
	s->nareas = axv_addrspace_area_count(&as);
	s->pt = axv_addrspace_pt_frames(&as);
}

TEST_NOCOV
static bool same(const struct snap *a, const struct snap *b)
{
	return a->tree == b->tree && a->frames == b->frames && a->nareas == b->nareas &&
	       a->pt == b->pt;
}

TEST_NOCOV
static size_t present_pages(void)
{
	size_t n = 0;
	for (unsigned i = 0; i < WPAGES; i++)
		n += model[i].kind == ALLOC && model[i].present;
	return n;
}

TEST_NOCOV
static void now_present(unsigned p, bool zero)
{
	axv_hpa_t pa;
	FUZZ_CHECK(axv_addrspace_translate(&as, WB + p * K4, &pa, NULL, NULL) == 0,
		   "%s: page %u not mapped after it was given a frame", fmt->name, p);
	FUZZ_CHECK(mock_hal_is_live(&mh, pa), "%s: page %u maps a frame that is not live",
		   fmt->name, p);
	static const unsigned char zeros[4096];
	FUZZ_CHECK(!zero || memcmp(mock_hal_ptr(&mh, pa), zeros, sizeof(zeros)) == 0,
		   "%s: page %u given a frame that is not zeroed", fmt->name, p);
	model[p].present = true;
	model[p].hpa = pa;
	memset(adata[p], 0, 4096);
}

TEST_NOCOV
static void check_page(unsigned p, unsigned off)
{
	uint64_t gpa = WB + p * K4 + (off & 0xfff);
	axv_hpa_t pa = 0;
	axv_map_flags_t fl = 0;
	uint64_t left = 0;
	int rc = axv_addrspace_translate(&as, gpa, &pa, &fl, &left);
	const struct page *m = &model[p];
	if (m->kind == NONE || (m->kind == ALLOC && !m->present)) {
		FUZZ_CHECK(rc == AXV_ENOENT, "%s: page %u should be unmapped (%d)", fmt->name, p,
			   rc);
		return;
	}
	FUZZ_CHECK(rc == 0, "%s: page %u should be mapped (%d)", fmt->name, p, rc);
	FUZZ_CHECK(pa == m->hpa + (gpa & 0xfff), "%s: page %u translates to %#llx, want %#llx",
		   fmt->name, p, (unsigned long long)pa,
		   (unsigned long long)(m->hpa + (gpa & 0xfff)));
	FUZZ_CHECK(fl == m->flags, "%s: page %u flags %#x, want %#x", fmt->name, p, fl, m->flags);
	int lv;
	uint64_t e = test_raw_entry(&mh, &as, gpa, &lv);
	FUZZ_CHECK(lv >= 0, "%s: page %u: no leaf in the raw walk", fmt->name, p);
	uint64_t lsz = 1ull << fmt->shift[lv];
	FUZZ_CHECK(left == lsz - (gpa & (lsz - 1)), "%s: page %u: left %#llx", fmt->name, p,
		   (unsigned long long)left);
	FUZZ_CHECK(e == axv_pt_leaf_entry(fmt, (unsigned)lv, pa & ~(lsz - 1), m->flags),
		   "%s: page %u raw entry %#llx", fmt->name, p, (unsigned long long)e);
	/* A block is used only where the whole block is one linear run with one set of flags. */
	if (lv < fmt->levels - 1) {
		unsigned first = (unsigned)(((gpa & ~(lsz - 1)) - WB) / K4);
		for (unsigned q = first; q < first + lsz / K4 && q < WPAGES; q++)
			FUZZ_CHECK(model[q].kind == LIN && model[q].flags == m->flags &&
					   (int64_t)(model[q].hpa - m->hpa) ==
						   ((int64_t)q - (int64_t)p) * (int64_t)K4,
				   "%s: a block covers page %u, which it should not", fmt->name, q);
	}
}

TEST_NOCOV
static void check_frames(void)
{
	size_t want = axv_addrspace_pt_frames(&as) + present_pages() + as.area_frames +
		      axv_addrspace_reserved(&as);
	FUZZ_CHECK(axv_addrspace_frames(&as) == want, "%s: %zu frames, model %zu", fmt->name,
		   axv_addrspace_frames(&as), want);
	FUZZ_CHECK(mh.live == axv_addrspace_frames(&as) + as.frames.trk_frames,
		   "%s: the HAL has %zu live frames, the space counts %zu", fmt->name, mh.live,
		   axv_addrspace_frames(&as));
}

TEST_NOCOV
static void full_check(void)
{
	for (unsigned p = 0; p < WPAGES; p++)
		check_page(p, p * 8);
	size_t tables, empties;
	test_tree_hash(&mh, &as, &tables, &empties);
	FUZZ_CHECK(tables == axv_addrspace_pt_frames(&as), "%s: %zu tables reachable, %zu counted",
		   fmt->name, tables, axv_addrspace_pt_frames(&as));
	FUZZ_CHECK(empties == 0, "%s: %zu empty tables were not freed", fmt->name, empties);
	/* The areas, as the API reports them, agree with the model. */
	size_t n = axv_addrspace_area_count(&as);
	uint64_t prev_end = 0;
	for (size_t i = 0; i < n; i++) {
		struct axv_area_info a;
		FUZZ_CHECK(axv_addrspace_area(&as, i, &a) == 0, "area %zu", i);
		FUZZ_CHECK(a.gpa >= prev_end && a.size && a.gpa >= WB && a.gpa + a.size <= WEND,
			   "%s: area %zu out of order or outside the window", fmt->name, i);
		prev_end = a.gpa + a.size;
		for (uint64_t g = a.gpa; g < a.gpa + a.size; g += K4) {
			const struct page *m = &model[(g - WB) / K4];
			FUZZ_CHECK(m->flags == a.flags &&
					   m->kind == (a.kind == AXV_AREA_LINEAR ? LIN : ALLOC),
				   "%s: area %zu disagrees with the model at %#llx", fmt->name, i,
				   (unsigned long long)g);
			if (a.kind == AXV_AREA_LINEAR)
				FUZZ_CHECK(m->hpa == a.hpa + (g - a.gpa), "%s: area %zu hpa",
					   fmt->name, i);
		}
	}
	FUZZ_CHECK(axv_addrspace_area(&as, n, &(struct axv_area_info){0}) == AXV_ENOENT, "past");
}

TEST_NOCOV
static bool any(uint64_t gpa, uint64_t size, int kind, bool want)
{
	for (uint64_t g = gpa; g < gpa + size; g += K4)
		if ((model[(g - WB) / K4].kind == kind) == want)
			return true;
	return false;
}

/* Arguments that some check must refuse: misaligned, empty, outside the space, bad flags. */
static void bad_call(struct fin *in)
{
	uint8_t what = fin_u8(in);
	uint64_t gpa = WB + (fin_u16(in) % WPAGES) * K4;
	uint64_t size = (1 + fin_u8(in) % 8) * K4;
	axv_map_flags_t fl = AXV_MAP_READ;
	int want = AXV_EINVAL;
	switch ((what >> 4) % 6) {
	case 0:
		gpa += 1 + fin_u8(in) % 0xfff;
		break;
	case 1:
		size = fin_u8(in) % 2 ? 0 : size + 1 + fin_u8(in) % 0xfff;
		break;
	case 2:
		fl = (axv_map_flags_t)fin_u32(in);
		if (fl & ~AXV_MAP_ALL) /* unknown bits */
			break;
		fl &= (axv_map_flags_t)~AXV_MAP_READ;
		break;
	case 3:
		fl = AXV_MAP_READ | AXV_MAP_DEVICE | AXV_MAP_UNCACHED;
		break;
	case 4: /* beyond the end, or wrapping */
		gpa = (fin_u8(in) % 2) ? SPACE + (fin_u16(in) % 64) * K4 : 0ull - K4 * (1 + fin_u8(in) % 4);
		want = AXV_ERANGE;
		break;
	default: /* straddling the end */
		gpa = SPACE - K4;
		size = 2 * K4;
		want = AXV_ERANGE;
		break;
	}
	struct snap before, after;
	snap(&before);
	unsigned long allocs = mh.alloc_calls;
	int rc;
	switch (what % 4) {
	case 0:
		rc = axv_addrspace_map_linear(&as, gpa, lin, size, fl);
		break;
	case 1:
		rc = axv_addrspace_map_alloc(&as, gpa, size, fl, what & 8);
		break;
	case 2:
		rc = axv_addrspace_protect(&as, gpa, size, fl);
		break;
	default:
		if (fl != AXV_MAP_READ) /* unmap takes no flags */
			return;
		rc = axv_addrspace_unmap(&as, gpa, size);
		break;
	}
	snap(&after);
	FUZZ_CHECK(rc == want, "%s: malformed call %u (gpa %#llx size %#llx flags %#x) gave %d, want %d",
		   fmt->name, what, (unsigned long long)gpa, (unsigned long long)size, fl, rc, want);
	FUZZ_CHECK(same(&before, &after), "%s: a refused call changed the space", fmt->name);
	FUZZ_CHECK(mh.alloc_calls == allocs, "%s: a refused call asked the HAL for frames",
		   fmt->name);
}

/* Map a one-to-three-page area at page p (the model has those pages free). */
static void fill_one(unsigned p, unsigned pages, bool linear, axv_map_flags_t fl)
{
	uint64_t g = WB + p * K4, sz = pages * K4;
	int rc;
	if (linear) {
		axv_hpa_t hpa = lin + p * K4;
		rc = axv_addrspace_map_linear(&as, g, hpa, sz, fl);
		FUZZ_CHECK(rc == 0, "%s: fill: map_linear page %u: %d", fmt->name, p, rc);
		for (unsigned i = 0; i < pages; i++)
			model[p + i] = (struct page){LIN, true, fl, hpa + i * K4};
	} else {
		rc = axv_addrspace_map_alloc(&as, g, sz, fl, false);
		FUZZ_CHECK(rc == 0, "%s: fill: map_alloc page %u: %d", fmt->name, p, rc);
		for (unsigned i = 0; i < pages; i++)
			model[p + i] = (struct page){ALLOC, false, fl, 0};
	}
}

/* "fill": areas until the count is the area capacity plus delta (-3 .. 3), or the window is
 * full. The capacity is the space's own (after a first area, when there is none yet). */
static void fill_to_capacity(struct fin *in, axv_map_flags_t fl)
{
	int delta = (int)(fin_u8(in) % 7) - 3;
	uint8_t shape = fin_u8(in);
	unsigned pages = 1 + shape % 3, gap = (shape / 3) % 2;
	bool linear = (shape / 6) % 2;
	unsigned p = fin_u16(in) % WPAGES, scanned = 0, last = WPAGES;
	size_t target = 0;
	bool known = false;
	while (scanned < WPAGES) {
		size_t n = axv_addrspace_area_count(&as);
		if (!known && axv_addrspace_area_capacity(&as)) {
			size_t cap = axv_addrspace_area_capacity(&as);
			target = (size_t)((long)cap + delta);
			known = true;
		}
		if (known && n >= target)
			break;
		bool room = p + pages + gap <= WPAGES;
		for (unsigned i = 0; room && i < pages + gap; i++)
			room = model[p + i].kind == NONE;
		if (room) {
			fill_one(p, pages, linear, fl);
			last = p;
			p += pages + gap;
			scanned += pages + gap;
		} else {
			p++;
			scanned++;
		}
		if (p >= WPAGES)
			p = 0;
	}
	/* the last area (every page is checked at the end of the input) */
	for (unsigned q = last; q < WPAGES && q < last + pages; q++)
		check_page(q, q * 8);
}

/* "cut": the middle, head, tail of an existing area, or from its middle into the next
 * area, unmapped or protected. Sets the range for the caller's checks; false if nothing. */
static bool pick_cut(struct fin *in, uint64_t *gpa, uint64_t *size, bool *unmap)
{
	uint16_t idx = fin_u16(in);
	uint8_t how = fin_u8(in);
	size_t n = axv_addrspace_area_count(&as);
	if (n == 0)
		return false;
	size_t i = idx % n;
	struct axv_area_info a, b;
	FUZZ_CHECK(axv_addrspace_area(&as, i, &a) == 0, "area %zu", i);
	uint64_t pages = a.size / K4, s = a.gpa, e = a.gpa + a.size;
	switch (how % 4) {
	case 0: /* middle: one more area */
		if (pages >= 3) {
			s += K4;
			e -= K4;
		}
		break;
	case 1: /* head */
		if (pages >= 2)
			e = s + K4;
		break;
	case 2: /* tail */
		if (pages >= 2)
			s = e - K4;
		break;
	default: /* from the middle into the next area, if it follows without a hole */
		if (pages >= 2)
			s += K4;
		if (i + 1 < n && axv_addrspace_area(&as, i + 1, &b) == 0 && b.gpa == a.gpa + a.size)
			e = b.gpa + (b.size >= 2 * K4 ? K4 : b.size);
		break;
	}
	*gpa = s;
	*size = e - s;
	*unmap = (how / 4) % 2;
	return true;
}

/* "reserve": reserve a range of the window (flags and room for up to 4 more areas from the
 * input) or, with a reservation, end it. */
static int reserve_op(struct fin *in, uint64_t gpa, uint64_t size, int *want)
{
	uint8_t b = fin_u8(in);
	if (res.on) {
		*want = 0;
		int rc = axv_addrspace_unreserve(&as);
		res.on = false;
		FUZZ_CHECK(axv_addrspace_reserved(&as) == 0, "%s: unreserve left frames", fmt->name);
		return rc;
	}
	unsigned flags = (b & 1) ? AXV_RESERVE_FRAMES : 0;
	size_t more = (b >> 1) % 5, n = axv_addrspace_area_count(&as);
	*want = 0;
	int rc = axv_addrspace_reserve(&as, gpa, size, flags, more);
	if (rc == 0) {
		res.on = true;
		res.frames = flags != 0;
		res.lo = gpa;
		res.hi = gpa + size;
		FUZZ_CHECK(axv_addrspace_area_capacity(&as) >= n + more,
			   "%s: reserve(%zu more areas) left room for %zu with %zu areas", fmt->name,
			   more, axv_addrspace_area_capacity(&as), n);
	}
	return rc;
}

enum { OP_LINEAR, OP_POPULATE, OP_LAZY, OP_UNMAP, OP_PROTECT, OP_FAULT, OP_WRITE, OP_READ,
       OP_ANYWHERE, OP_FILL, OP_CUT, OP_RESERVE, OP_BAD, OP_COUNT };

static void one_op(struct fin *in)
{
	uint8_t kind = fin_u8(in) % OP_COUNT;
	uint64_t gpa, size;
	pick_range(in, &gpa, &size);
	axv_map_flags_t fl = pick_flags(fin_u8(in));
	uint8_t inj = fin_u8(in);
	bool inject = (inj & 0x80) != 0 && kind != OP_FILL && kind != OP_BAD;
	bool cut_unmap = false;
	if (kind == OP_CUT && !pick_cut(in, &gpa, &size, &cut_unmap))
		return;
	unsigned p0 = (unsigned)((gpa - WB) / K4), np = (unsigned)(size / K4);
	/* the hash of the tables is needed only when the call may fail on an injected error */
	struct snap before = {0}; /* read only when inject (gcc -O3 cannot see that) */
	if (inject)
		snap(&before);
	/* inside a reservation, a call that succeeds and leaves the area count within the
	 * capacity it found must not have called the allocator (the range the call allocates
	 * for: its own) */
	uint64_t lo = gpa, hi = gpa + size;
	size_t cap_before = axv_addrspace_area_capacity(&as);
	unsigned long allocs = mh.alloc_calls;
	bool needs_frames = false; /* guest frames: from the reservation only with its frames */
	if (inject) {
		if (inj & 0x40)
			mock_hal_fail_from(&mh, 1 + (inj & 0x3f));
		else
			mock_hal_fail_nth(&mh, 1 + (inj & 0x3f));
	}
	unsigned long fails = mh.failed_allocs;
	int rc = 0, want = 0;
	static unsigned char buf[3 * 4096];
	switch (kind) {
	case OP_LINEAR: { /* congruent with 2 MiB or not */
		uint8_t o = fin_u8(in);
		uint64_t off = (o & 1) ? (o & 2 ? M2 : 0) : ((o >> 1) % 512) * K4;
		axv_hpa_t hpa = lin + (gpa - WB) + off;
		want = any(gpa, size, NONE, false) ? AXV_EEXIST : 0;
		rc = axv_addrspace_map_linear(&as, gpa, hpa, size, fl);
		if (rc == 0)
			for (unsigned i = 0; i < np; i++)
				model[p0 + i] = (struct page){LIN, true, fl, hpa + i * K4};
		break;
	}
	case OP_POPULATE:
	case OP_LAZY: {
		bool pop = kind == OP_POPULATE;
		needs_frames = pop;
		want = any(gpa, size, NONE, false) ? AXV_EEXIST : 0;
		rc = axv_addrspace_map_alloc(&as, gpa, size, fl, pop);
		if (rc == 0)
			for (unsigned i = 0; i < np; i++) {
				model[p0 + i] = (struct page){ALLOC, false, fl, 0};
				if (pop)
					now_present(p0 + i, true);
			}
		break;
	}
	case OP_UNMAP:
		rc = axv_addrspace_unmap(&as, gpa, size);
		if (rc == 0)
			for (unsigned i = 0; i < np; i++)
				model[p0 + i] = (struct page){NONE, false, 0, 0};
		break;
	case OP_PROTECT:
	case OP_CUT:
		if (kind == OP_CUT && cut_unmap) {
			rc = axv_addrspace_unmap(&as, gpa, size);
			if (rc == 0)
				for (unsigned i = 0; i < np; i++)
					model[p0 + i] = (struct page){NONE, false, 0, 0};
			break;
		}
		want = any(gpa, size, NONE, true) ? AXV_ENOENT : 0;
		rc = axv_addrspace_protect(&as, gpa, size, fl);
		if (rc == 0)
			for (unsigned i = 0; i < np; i++)
				model[p0 + i].flags = fl;
		break;
	case OP_FAULT: { /* with any access bits */
		unsigned p = p0 + fin_u16(in) % np;
		axv_map_flags_t a = (axv_map_flags_t)(fin_u8(in) % 64);
		struct page *m = &model[p];
		if (a == 0 || (a & ~AXV_MAP_RWX))
			want = AXV_EINVAL;
		else
			want = m->kind == NONE ? AXV_ENOENT : (m->flags & a) != a ? AXV_EACCES : 0;
		lo = WB + p * K4;
		hi = lo + K4;
		needs_frames = true;
		rc = axv_addrspace_handle_fault(&as, WB + p * K4 + fin_u16(in) % 4096, a);
		if (rc == 0 && m->kind == ALLOC && !m->present)
			now_present(p, true);
		break;
	}
	case OP_WRITE: { /* any alignment, across pages and areas */
		uint64_t g = gpa + fin_u16(in) % 4096;
		size_t len = 1 + fin_u16(in) % sizeof(buf);
		if (g + len > WEND)
			len = (size_t)(WEND - g);
		uint8_t pat = fin_u8(in);
		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)(pat + i * 131);
		uint64_t pg = g & ~0xfffull, pe = (g + len + 0xfff) & ~0xfffull;
		lo = pg;
		hi = pe;
		needs_frames = true;
		want = any(pg, pe - pg, NONE, true) ? AXV_ENOENT : 0;
		rc = axv_addrspace_write(&as, g, buf, len);
		if (rc == 0) {
			for (uint64_t q = pg; q < pe; q += K4) {
				unsigned p = (unsigned)((q - WB) / K4);
				if (model[p].kind == ALLOC && !model[p].present)
					now_present(p, false); /* already written: checked by reads */
			}
			for (size_t i = 0; i < len; i++) {
				unsigned p = (unsigned)((g + i - WB) / K4);
				if (model[p].kind == ALLOC)
					adata[p][(g + i) & 0xfff] = buf[i];
			}
		}
		break;
	}
	case OP_READ: { /* and compare */
		uint64_t g = gpa + fin_u16(in) % 4096;
		size_t len = fin_u16(in) % sizeof(buf); /* 0 is allowed */
		if (g + len > WEND)
			len = (size_t)(WEND - g);
		uint64_t pg = g & ~0xfffull, pe = (g + len + 0xfff) & ~0xfffull;
		want = len && any(pg, pe - pg, NONE, true) ? AXV_ENOENT : 0;
		rc = axv_addrspace_read(&as, g, buf, len);
		if (rc == 0)
			for (size_t i = 0; i < len; i++) {
				unsigned p = (unsigned)((g + i - WB) / K4);
				unsigned char exp;
				if (model[p].kind == ALLOC)
					exp = model[p].present ? adata[p][(g + i) & 0xfff] : 0;
				else
					exp = *(unsigned char *)mock_hal_ptr(
						&mh, model[p].hpa + ((g + i) & 0xfff));
				FUZZ_CHECK(buf[i] == exp, "%s: read byte %zu at %#llx", fmt->name, i,
					   (unsigned long long)(g + i));
			}
		break;
	}
	case OP_ANYWHERE: { /* translate, read, write, fault anywhere in or out of the space */
		uint64_t g = fin_u64(in);
		bool inside = g < SPACE;
		bool win = g >= WB && g < WEND;
		if (win) {
			check_page((unsigned)((g - WB) / K4), (unsigned)g);
			want = 0;
			break;
		}
		unsigned char b[16];
		FUZZ_CHECK(axv_addrspace_translate(&as, g, NULL, NULL, NULL) ==
				   (inside ? AXV_ENOENT : AXV_ERANGE),
			   "%s: translate outside the window", fmt->name);
		int r = axv_addrspace_read(&as, g, b, sizeof(b));
		FUZZ_CHECK(r == AXV_ENOENT || r == AXV_ERANGE, "%s: read outside: %d", fmt->name, r);
		rc = axv_addrspace_write(&as, g, b, sizeof(b));
		FUZZ_CHECK(rc == AXV_ENOENT || rc == AXV_ERANGE, "%s: write outside: %d", fmt->name,
			   rc);
		rc = axv_addrspace_handle_fault(&as, g, AXV_MAP_READ);
		want = inside ? AXV_ENOENT : AXV_ERANGE;
		lo = hi = 0; /* not a call the reservation covers */
		break;
	}
	case OP_FILL:
		fill_to_capacity(in, fl);
		lo = hi = 0;
		break;
	case OP_RESERVE:
		rc = reserve_op(in, gpa, size, &want);
		lo = hi = 0;
		break;
	default:
		bad_call(in);
		return;
	}
	mock_hal_fail_nth(&mh, 0);
	if (rc == AXV_ENOMEM && mh.failed_allocs != fails) {
		struct snap after;
		snap(&after);
		FUZZ_CHECK(same(&before, &after), "%s: op kind %u failed with ENOMEM but changed the space",
			   fmt->name, kind);
	} else {
		FUZZ_CHECK(rc == want, "%s: op kind %u gpa %#llx size %#llx: %d, want %d", fmt->name,
			   kind, (unsigned long long)gpa, (unsigned long long)size, rc, want);
	}
	if (rc == 0 && res.on && lo < hi && lo >= res.lo && hi <= res.hi &&
	    (res.frames || !needs_frames) && axv_addrspace_area_count(&as) <= cap_before)
		FUZZ_CHECK(mh.alloc_calls == allocs,
			   "%s: op kind %u [%#llx, %#llx) inside the reservation [%#llx, %#llx) "
			   "with %zu areas of %zu called the allocator",
			   fmt->name, kind, (unsigned long long)lo, (unsigned long long)hi,
			   (unsigned long long)res.lo, (unsigned long long)res.hi,
			   axv_addrspace_area_count(&as), cap_before);
	check_frames();
	if (axv_addrspace_area_count(&as) > max_areas)
		max_areas = axv_addrspace_area_count(&as);
	/* The pages the operation touched: both ends and a spread between them. */
	for (unsigned i = 0; i < np; i += 1 + np / 16)
		check_page(p0 + i, i * 24);
	check_page(p0 + np - 1, 4095);
	if (p0 > 0)
		check_page(p0 - 1, 0);
	if (p0 + np < WPAGES)
		check_page(p0 + np, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = {data, size};
	/* One mock for every input (a fresh pool per input costs more than the test); each
	 * input starts from the same allocator state, so a finding reproduces alone. */
	static bool ready;
	if (!ready) {
		/* linear memory: fixed frames before the pool, never allocated or freed */
		mock_hal_init_fixed(&mh, POOL_FRAMES, MOCK_PHYS_BASE, LIN_FRAMES);
		atexit(report);
		ready = true;
	}
	uint8_t setup = fin_u8(&in);
	fmt = test_format(setup % FMT_COUNT);
	/* Everything was given back by the last input: a fresh allocator state, with the
	 * memory at host physical address 0 or at 1 TiB. */
	mh.phys_base = (setup / FMT_COUNT) % 2 ? 0 : MOCK_PHYS_BASE;
	mock_hal_reset(&mh);
	memset(model, 0, sizeof(model));
	res.on = false;
	lin = mh.phys_base; /* 2 MiB aligned, at 0 or 1 TiB */
	mh.guard = true; /* every run the library takes has a guard frame after it */
	FUZZ_CHECK(axv_addrspace_init(&as, &mh.hal, fmt, 0, SPACE, 1) == 0, "init");
	for (unsigned op = 0; op < MAX_OPS && in.n > 0; op++)
		one_op(&in);
	full_check();
	FUZZ_CHECK(axv_addrspace_destroy(&as) == 0, "destroy");
	FUZZ_CHECK(test_mock_clean(&mh),
		   "%s: %zu frames live after destroy (bad frees %lu, stray %lu, overruns %lu)",
		   fmt->name, mh.live, mh.bad_frees, mh.stray_ptrs, mh.guard_hits);
	return 0;
}
