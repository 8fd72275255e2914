/* Randomized differential test: 10,000+ operations per format against a page-granular
 * reference model, with allocation failures injected. Checks every result code, every
 * translation, guest memory contents, the frame count, that failed calls change nothing,
 * that no empty table survives, and that destroy returns every frame. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <axv/err.h>

#include "as_util.h"

#define K4 0x1000ull
#define M2 0x200000ull
#define WB 0x40000000ull    /* window base: 1 GiB */
#define WPAGES 2048u        /* window: 8 MiB */
#define WEND (WB + WPAGES * K4)
#define OPS 10000

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
static unsigned char adata[WPAGES][4096]; /* contents of ALLOC pages */
static axv_hpa_t lin;                     /* 16 MiB of host memory for linear maps */
static unsigned long seed;

static unsigned long rnd(void)
{
	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned long)(seed >> 33);
}

static axv_map_flags_t rnd_flags(void)
{
	static const axv_map_flags_t opts[] = {
		AXV_MAP_READ, AXV_MAP_READ | AXV_MAP_WRITE, AXV_MAP_RWX,
		AXV_MAP_READ | AXV_MAP_EXEC, AXV_MAP_READ | AXV_MAP_WRITE | AXV_MAP_DEVICE,
		AXV_MAP_READ | AXV_MAP_UNCACHED, AXV_MAP_READ | AXV_MAP_DEVICE};
	return opts[rnd() % 7];
}

/* A random page-aligned range in the window. */
static void rnd_range(uint64_t *gpa, uint64_t *size)
{
	unsigned k = (unsigned)(rnd() % 10);
	uint64_t p, n;
	if (k < 4) {
		/* often the window's first pages: with linear memory there, host address 0 */
		p = k == 0 ? rnd() % 4 : rnd() % WPAGES;
		n = 1 + rnd() % 8;
	} else if (k < 7) {
		p = (rnd() % (WPAGES / 512)) * 512;
		n = 512 * (1 + rnd() % 2);
	} else {
		p = rnd() % WPAGES;
		n = 1 + rnd() % 700;
	}
	if (p + n > WPAGES)
		n = WPAGES - p;
	*gpa = WB + p * K4;
	*size = n * K4;
}

struct snap {
	uint64_t tree;
	size_t frames, nareas;
};

static void snap(struct snap *s)
{
	s->tree = test_tree_hash(&mh, &as, NULL, NULL);
	s->frames = axv_addrspace_frames(&as);
	s->nareas = axv_addrspace_area_count(&as);
}

static size_t present_pages(void)
{
	size_t n = 0;
	for (unsigned i = 0; i < WPAGES; i++)
		n += model[i].kind == ALLOC && model[i].present;
	return n;
}

static void check_frames(const char *what)
{
	size_t want = axv_addrspace_pt_frames(&as) + present_pages() + as.area_frames;
	cr_assert_eq(axv_addrspace_frames(&as), want, "%s after %s: %zu frames, model %zu",
		     fmt->name, what, axv_addrspace_frames(&as), want);
}

/* A page became present: remember its frame and check it is a live frame. */
static void now_present(unsigned p)
{
	axv_hpa_t pa;
	cr_assert_eq(axv_addrspace_translate(&as, WB + p * K4, &pa, NULL, NULL), 0);
	cr_assert(mock_hal_is_live(&mh, pa));
	model[p].present = true;
	model[p].hpa = pa;
	memset(adata[p], 0, 4096);
}

static void check_page(unsigned p)
{
	uint64_t gpa = WB + p * K4 + (rnd() % 512) * 8;
	axv_hpa_t pa;
	axv_map_flags_t fl;
	uint64_t left;
	int rc = axv_addrspace_translate(&as, gpa, &pa, &fl, &left);
	const struct page *m = &model[p];
	if (m->kind == NONE || (m->kind == ALLOC && !m->present)) {
		cr_assert_eq(rc, AXV_ENOENT, "%s: page %u should be unmapped", fmt->name, p);
		return;
	}
	cr_assert_eq(rc, 0, "%s: page %u should be mapped", fmt->name, p);
	cr_assert_eq(pa, m->hpa + (gpa & 0xfff), "%s: page %u translates wrongly", fmt->name, p);
	cr_assert_eq(fl, m->flags, "%s: page %u flags", fmt->name, p);
	cr_assert_geq(left, K4 - (gpa & 0xfff));
	int lv;
	uint64_t e = test_raw_entry(&mh, &as, gpa, &lv);
	uint64_t lsz = 1ull << fmt->shift[lv];
	cr_assert_eq(left, lsz - (gpa & (lsz - 1)));
	cr_assert_eq(e, axv_pt_leaf_entry(fmt, (unsigned)lv, (pa & ~(lsz - 1)), m->flags),
		     "%s: page %u raw entry", fmt->name, p);
}

static void full_check(void)
{
	for (unsigned p = 0; p < WPAGES; p++)
		check_page(p);
	size_t tables, empties;
	test_tree_hash(&mh, &as, &tables, &empties);
	cr_assert_eq(tables, axv_addrspace_pt_frames(&as), "%s: table count", fmt->name);
	cr_assert_eq(empties, 0, "%s: %zu empty tables were not freed", fmt->name, empties);
}

static bool any(uint64_t gpa, uint64_t size, int kind, bool want)
{
	for (uint64_t g = gpa; g < gpa + size; g += K4)
		if ((model[(g - WB) / K4].kind == kind) == want)
			return true;
	return false;
}

/* phys: where the mock's frames start. At 0, linear memory and guest frames include host
 * address 0, whose leaves are all-zero but for their attributes (an EPT device page there is
 * 0x1 or 0x3): zero must work as an address like any other. */
static void run(int fi, axv_hpa_t phys)
{
	mock_hal_init_at(&mh, 16384, phys);
	fmt = test_format(fi);
	seed = 0x1234567ull + (unsigned long)fi;
	memset(model, 0, sizeof(model));
	cr_assert_eq(mh.mem.alloc_frames(&mh, 4096, 512, &lin), 0);
	cr_assert_eq(axv_addrspace_init(&as, &mh.hal, fmt, 0, 1ull << 32, 1), 0);
	unsigned long counts[8] = {0}, nomem = 0;
	for (unsigned op = 0; op < OPS; op++) {
		uint64_t gpa, size;
		rnd_range(&gpa, &size);
		unsigned kind = (unsigned)(rnd() % 8);
		counts[kind]++;
		bool inject = kind <= 5 && rnd() % 5 == 0;
		struct snap before;
		snap(&before);
		if (inject)
			mock_hal_fail_nth(&mh, 1 + rnd() % 3);
		int rc, want = 0;
		axv_map_flags_t fl = rnd_flags();
		unsigned p0 = (unsigned)((gpa - WB) / K4), np = (unsigned)(size / K4);
		switch (kind) {
		case 0: { /* map_linear, sometimes 2 MiB-congruent, sometimes not */
			/* mostly gpa - WB (so host address 0 at the window's start), else 2 MiB
			 * more, else not congruent */
			unsigned o = (unsigned)(rnd() % 4);
			uint64_t off = o < 2 ? 0 : o == 2 ? M2 : (rnd() % 512) * K4;
			axv_hpa_t hpa = lin + (gpa - WB) + off;
			want = any(gpa, size, NONE, false) ? AXV_EEXIST : 0;
			rc = axv_addrspace_map_linear(&as, gpa, hpa, size, fl);
			if (rc == 0)
				for (unsigned i = 0; i < np; i++)
					model[p0 + i] = (struct page){LIN, true, fl, hpa + i * K4};
			break;
		}
		case 1:
		case 2: { /* map_alloc, populated or lazy */
			bool pop = kind == 1;
			want = any(gpa, size, NONE, false) ? AXV_EEXIST : 0;
			rc = axv_addrspace_map_alloc(&as, gpa, size, fl, pop);
			if (rc == 0)
				for (unsigned i = 0; i < np; i++) {
					model[p0 + i] = (struct page){ALLOC, false, fl, 0};
					if (pop)
						now_present(p0 + i);
				}
			break;
		}
		case 3: /* unmap */
			rc = axv_addrspace_unmap(&as, gpa, size);
			if (rc == 0)
				for (unsigned i = 0; i < np; i++)
					model[p0 + i] = (struct page){NONE, false, 0, 0};
			break;
		case 4: /* protect */
			want = any(gpa, size, NONE, true) ? AXV_ENOENT : 0;
			rc = axv_addrspace_protect(&as, gpa, size, fl);
			if (rc == 0)
				for (unsigned i = 0; i < np; i++)
					model[p0 + i].flags = fl;
			break;
		case 5: { /* fault */
			unsigned p = p0 + (unsigned)(rnd() % np);
			static const axv_map_flags_t acc[] = {AXV_MAP_READ, AXV_MAP_WRITE,
							      AXV_MAP_EXEC};
			axv_map_flags_t a = acc[rnd() % 3];
			struct page *m = &model[p];
			want = m->kind == NONE ? AXV_ENOENT : (m->flags & a) != a ? AXV_EACCES : 0;
			rc = axv_addrspace_handle_fault(&as, WB + p * K4 + rnd() % 4096, a);
			if (rc == 0 && m->kind == ALLOC && !m->present)
				now_present(p);
			break;
		}
		case 6: { /* write, any alignment, across pages and areas */
			uint64_t g = gpa + rnd() % 4096;
			size_t len = 1 + rnd() % (3 * 4096);
			if (g + len > WEND)
				len = (size_t)(WEND - g);
			static unsigned char buf[3 * 4096];
			for (size_t i = 0; i < len; i++)
				buf[i] = (unsigned char)rnd();
			uint64_t pg = g & ~0xfffull, pe = (g + len + 0xfff) & ~0xfffull;
			want = any(pg, pe - pg, NONE, true) ? AXV_ENOENT : 0;
			bool inj = rnd() % 5 == 0;
			if (inj)
				mock_hal_fail_nth(&mh, 1 + rnd() % 2);
			rc = axv_addrspace_write(&as, g, buf, len);
			if (rc == AXV_ENOMEM && inj)
				want = AXV_ENOMEM;
			if (rc == 0) {
				for (uint64_t q = pg; q < pe; q += K4) {
					unsigned p = (unsigned)((q - WB) / K4);
					if (model[p].kind == ALLOC && !model[p].present)
						now_present(p);
				}
				for (size_t i = 0; i < len; i++) {
					unsigned p = (unsigned)((g + i - WB) / K4);
					if (model[p].kind == ALLOC)
						adata[p][(g + i) & 0xfff] = buf[i];
				}
			}
			break;
		}
		default: { /* read and check contents */
			uint64_t g = gpa + rnd() % 4096;
			size_t len = 1 + rnd() % (3 * 4096);
			if (g + len > WEND)
				len = (size_t)(WEND - g);
			static unsigned char buf[3 * 4096];
			uint64_t pg = g & ~0xfffull, pe = (g + len + 0xfff) & ~0xfffull;
			want = any(pg, pe - pg, NONE, true) ? AXV_ENOENT : 0;
			rc = axv_addrspace_read(&as, g, buf, len);
			if (rc == 0) {
				for (size_t i = 0; i < len; i++) {
					unsigned p = (unsigned)((g + i - WB) / K4);
					unsigned char exp;
					if (model[p].kind == ALLOC)
						exp = model[p].present ? adata[p][(g + i) & 0xfff] : 0;
					else
						exp = *(unsigned char *)mock_hal_ptr(
							&mh, model[p].hpa + ((g + i) & 0xfff));
					cr_assert_eq(buf[i], exp, "%s: op %u byte %zu", fmt->name, op, i);
				}
			}
			break;
		}
		}
		mock_hal_fail_nth(&mh, 0);
		if (rc == AXV_ENOMEM && (inject || kind == 6)) {
			nomem++;
			struct snap after;
			snap(&after);
			cr_assert(before.tree == after.tree && before.frames == after.frames &&
					  before.nareas == after.nareas,
				  "%s: op %u (kind %u) failed with ENOMEM but changed the space",
				  fmt->name, op, kind);
		} else {
			cr_assert_eq(rc, want, "%s: op %u kind %u gpa %#lx size %#lx: %d, want %d",
				     fmt->name, op, kind, (unsigned long)gpa, (unsigned long)size, rc,
				     want);
		}
		check_frames("op");
		/* the pages the operation touched (both ends and a spread), and a few others */
		for (unsigned i = 0; i < np; i += 1 + np / 8)
			check_page(p0 + i);
		check_page(p0 + np - 1);
		for (unsigned i = 0; i < 4; i++)
			check_page((unsigned)(rnd() % WPAGES));
		if (op % 1000 == 999)
			full_check();
	}
	full_check();
	cr_expect_gt(nomem, 100, "%s: too few injected failures (%lu)", fmt->name, nomem);
	for (unsigned k = 0; k < 8; k++)
		cr_expect_gt(counts[k], 500);
	cr_assert_eq(axv_addrspace_destroy(&as), 0);
	mh.mem.free_frames(&mh, lin, 4096);
	cr_expect(test_mock_clean(&mh), "%s: %zu frames live after destroy", fmt->name, mh.live);
	mock_hal_fini(&mh);
}

/* Half the formats with memory from host address 0, half far from it. */
Test(random, ept, .timeout = 120) { run(FMT_EPT, 0); }
Test(random, npt, .timeout = 120) { run(FMT_NPT, MOCK_PHYS_BASE); }
Test(random, s2_40bit, .timeout = 120) { run(FMT_S2_40, 0); }
Test(random, s2_48bit, .timeout = 120) { run(FMT_S2_48, MOCK_PHYS_BASE); }
Test(random, s2_32bit, .timeout = 120) { run(FMT_S2_32, 0); }
Test(random, la64_3level, .timeout = 120) { run(FMT_LA3, MOCK_PHYS_BASE); }
Test(random, la64_4level, .timeout = 120) { run(FMT_LA4, 0); }
Test(random, ept_far_from_0, .timeout = 120) { run(FMT_EPT, MOCK_PHYS_BASE); }
/* riscv64 G-stage: the output address is stored shifted (PPN in bits 53:10). */
Test(random, sv39x4, .timeout = 120) { run(FMT_RV39, MOCK_PHYS_BASE); }
Test(random, sv48x4, .timeout = 120) { run(FMT_RV48, 0); }
