#include "as_util.h"

#include <stdlib.h>
#include <string.h>

static struct axv_pt_format fmts[FMT_COUNT];
static bool ready;

const struct axv_pt_format *test_format(int i)
{
	if (!ready) {
		fmts[FMT_EPT] = axv_pt_ept;
		fmts[FMT_NPT] = axv_pt_npt;
		if (axv_s2_format_init(&fmts[FMT_S2_40], 40) || axv_s2_format_init(&fmts[FMT_S2_48], 48) ||
		    axv_s2_format_init(&fmts[FMT_S2_32], 32) ||
		    axv_la64_format_init(&fmts[FMT_LA3], 3, TEST_LA_INVALID) ||
		    axv_la64_format_init(&fmts[FMT_LA4], 4, TEST_LA_INVALID) ||
		    axv_rv64_format_init(&fmts[FMT_RV39], AXV_RV64_SV39X4) ||
		    axv_rv64_format_init(&fmts[FMT_RV48], AXV_RV64_SV48X4))
			abort();
		ready = true;
	}
	return &fmts[i];
}

TEST_NOCOV
uint64_t test_raw_entry(struct mock_hal *m, const struct axv_addrspace *as, uint64_t gpa,
			int *level)
{
	const struct axv_pt_format *f = as->fmt;
	uint64_t tpa = axv_addrspace_root(as);
	for (int l = 0; l < f->levels; l++) {
		const uint64_t *t = mock_hal_ptr(m, tpa);
		uint64_t i = (gpa >> f->shift[l]) & ((1ull << f->index_bits[l]) - 1);
		uint64_t e = t[i];
		if (e == f->empty[l]) {
			*level = -1;
			return 0;
		}
		if (l == f->levels - 1 || (e & f->block_mask) == f->block_val) {
			*level = l;
			return e;
		}
		tpa = test_oa(f, e);
	}
	*level = -1;
	return 0;
}

bool test_mock_clean(const struct mock_hal *m)
{
	return m->live == 0 && m->bad_frees == 0 && m->stray_ptrs == 0 && m->guard_hits == 0;
}

/* FNV-1a over 64-bit words (every n here is a multiple of 8): fast enough for the fuzz
 * harness, which hashes the tables around every operation. */
TEST_NOCOV
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, c + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

TEST_NOCOV
static uint64_t tree(struct mock_hal *m, const struct axv_pt_format *f, int l, uint64_t tpa,
		     size_t frames, uint64_t h, size_t *tables, size_t *empties)
{
	const uint64_t *t = mock_hal_ptr(m, tpa);
	size_t n = (size_t)1 << f->index_bits[l];
	h = fnv(h, &tpa, sizeof(tpa));
	h = fnv(h, t, n * 8);
	*tables += frames;
	bool empty = true;
	for (size_t i = 0; i < n; i++) {
		uint64_t e = t[i];
		if (e == f->empty[l])
			continue;
		empty = false;
		if (l < f->levels - 1 && (e & f->block_mask) != f->block_val)
			h = tree(m, f, l + 1, test_oa(f, e), 1, h, tables, empties);
	}
	if (empty && l > 0)
		(*empties)++;
	return h;
}

TEST_NOCOV
uint64_t test_tree_hash(struct mock_hal *m, const struct axv_addrspace *as, size_t *tables,
			size_t *empty_tables)
{
	size_t t = 0, e = 0;
	uint64_t h = tree(m, as->fmt, 0, axv_addrspace_root(as), as->fmt->root_frames,
			  0xcbf29ce484222325ull, &t, &e);
	if (tables)
		*tables = t;
	if (empty_tables)
		*empty_tables = e;
	return h;
}

int test_fail_nth_run(struct mock_hal *m, unsigned long n, int (*op)(void *), void *arg,
		      bool *reached)
{
	unsigned long fails = m->failed_allocs;
	mock_hal_fail_nth(m, n);
	int rc = op(arg);
	mock_hal_fail_nth(m, 0);
	*reached = m->failed_allocs != fails;
	return rc;
}
