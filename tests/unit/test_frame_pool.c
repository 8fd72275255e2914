/* Unit tests of the frame pool (lib/frame/frame_pool.c): exhaustion, fragmentation, run
 * alignment, double frees, bad input, the carved bitmap and the HAL ops table. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <axv/err.h>
#include <axv/frame.h>
#include <axv/frame_pool.h>

#define K4 AXV_FRAME_SIZE
/* Physical base: 2 MiB + 3 frames, so physical alignment differs from index alignment. */
#define PBASE (0x80000000ull + 3 * K4)
#define NFR 1000u

static unsigned char *mem;
static uint64_t bm[(NFR + 63) / 64];
static struct axv_frame_pool pool;

static void setup(void)
{
	mem = mmap(NULL, (size_t)NFR * K4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	cr_assert(mem != MAP_FAILED);
	cr_assert_eq(axv_frame_pool_init(&pool, PBASE, mem, (uint64_t)NFR * K4, bm,
					 sizeof(bm) / 8), 0);
}

static void teardown(void)
{
	munmap(mem, (size_t)NFR * K4);
}

TestSuite(frame_pool, .init = setup, .fini = teardown);

Test(frame_pool, init_rejects_bad_input)
{
	struct axv_frame_pool p;
	memset(&p, 0x5a, sizeof(p));
	struct axv_frame_pool copy = p;
	cr_expect_eq(axv_frame_pool_init(NULL, PBASE, mem, K4, bm, 1), AXV_EINVAL);
	cr_expect_eq(axv_frame_pool_init(&p, PBASE, NULL, K4, bm, 1), AXV_EINVAL);
	cr_expect_eq(axv_frame_pool_init(&p, PBASE + 1, mem, K4, bm, 1), AXV_EINVAL);
	cr_expect_eq(axv_frame_pool_init(&p, PBASE, mem + 8, K4, bm, 1), AXV_EINVAL);
	cr_expect_eq(axv_frame_pool_init(&p, PBASE, mem, K4 + 1, bm, 1), AXV_EINVAL);
	cr_expect_eq(axv_frame_pool_init(&p, PBASE, mem, 65 * K4, bm, 1), AXV_EINVAL,
		     "bitmap too short");
	cr_expect_eq(axv_frame_pool_init(&p, PBASE, mem, 0, bm, 1), AXV_ENOMEM);
	cr_expect_eq(axv_frame_pool_init(&p, ~0ull & ~0xfffull, mem, 2 * K4, bm, 1), AXV_ERANGE);
	cr_expect_eq(axv_frame_pool_init(&p, PBASE, mem, K4, NULL, 0), AXV_ENOMEM,
		     "one frame cannot hold its bitmap and a frame");
	cr_expect_eq(memcmp(&p, &copy, sizeof(p)), 0, "a failed init wrote the pool");
	cr_expect_eq(axv_frame_pool_set_lock(&pool, NULL, (void (*)(void *))abort, NULL),
		     AXV_EINVAL);
}

Test(frame_pool, single_frames_until_exhaustion)
{
	static axv_hpa_t got[NFR];
	cr_expect_eq(axv_frame_pool_total_frames(&pool), NFR);
	for (unsigned i = 0; i < NFR; i++) {
		cr_assert_eq(axv_frame_pool_alloc(&pool, 1, 1, &got[i]), 0, "frame %u", i);
		cr_assert_eq(got[i] % K4, 0);
		cr_assert(got[i] >= PBASE && got[i] < PBASE + (uint64_t)NFR * K4);
		cr_assert(!axv_frame_pool_is_free(&pool, got[i]));
		/* the whole frame is usable: no bookkeeping lives in an allocated frame */
		memset(axv_frame_pool_ptr(&pool, got[i]), (int)i, K4);
	}
	cr_expect_eq(axv_frame_pool_free_frames(&pool), 0);
	axv_hpa_t pa = 0x1234;
	cr_expect_eq(axv_frame_pool_alloc(&pool, 1, 1, &pa), AXV_ENOMEM);
	cr_expect_eq(pa, 0x1234, "a failed allocation wrote its output");
	/* every frame handed out once */
	for (unsigned i = 0; i < NFR; i++)
		for (unsigned j = i + 1; j < i + 3 && j < NFR; j++)
			cr_assert_neq(got[i], got[j]);
	for (unsigned i = 0; i < NFR; i++) {
		const unsigned char *p = axv_frame_pool_ptr(&pool, got[i]);
		cr_assert_eq(p[K4 - 1], (unsigned char)i, "frame %u overwritten", i);
	}
	for (unsigned i = 0; i < NFR; i++)
		cr_assert_eq(axv_frame_pool_free(&pool, got[i], 1), 0);
	cr_expect_eq(axv_frame_pool_free_frames(&pool), NFR);
	/* LIFO: the last frame freed is the next handed out (cache-warm) */
	cr_expect_eq(axv_frame_pool_alloc(&pool, 1, 1, &pa), 0);
	cr_expect_eq(pa, got[NFR - 1]);
}

Test(frame_pool, double_free_and_foreign_frees_are_caught)
{
	axv_hpa_t a, b;
	cr_assert_eq(axv_frame_pool_alloc(&pool, 1, 1, &a), 0);
	cr_assert_eq(axv_frame_pool_alloc(&pool, 4, 1, &b), 0);
	cr_expect_eq(axv_frame_pool_free(&pool, a, 1), 0);
	size_t before = axv_frame_pool_free_frames(&pool);
	cr_expect_eq(axv_frame_pool_free(&pool, a, 1), AXV_ENOENT, "double free");
	/* a run that overlaps a free frame is refused whole: its other frames stay allocated */
	cr_expect_eq(axv_frame_pool_free(&pool, b + 3 * K4, 2), AXV_ENOENT);
	cr_expect(!axv_frame_pool_is_free(&pool, b + 3 * K4));
	cr_expect_eq(axv_frame_pool_free(&pool, b + 1, 1), AXV_EINVAL);
	cr_expect_eq(axv_frame_pool_free(&pool, b, 0), AXV_EINVAL);
	cr_expect_eq(axv_frame_pool_free(&pool, PBASE - K4, 1), AXV_ERANGE);
	cr_expect_eq(axv_frame_pool_free(&pool, PBASE + (uint64_t)NFR * K4, 1), AXV_ERANGE);
	cr_expect_eq(axv_frame_pool_free(&pool, PBASE + (uint64_t)(NFR - 1) * K4, 2), AXV_ERANGE);
	cr_expect_eq(axv_frame_pool_free_frames(&pool), before, "a refused free changed the pool");
	/* the ops table's void hook counts what it refuses */
	axv_frame_pool_mem_ops.free_frames(&pool, a, 1);
	cr_expect_eq(axv_frame_pool_bad_frees(&pool), 1);
	cr_expect_eq(axv_frame_pool_free(&pool, b, 4), 0);
	cr_expect_eq(axv_frame_pool_free_frames(&pool), NFR);
}

Test(frame_pool, runs_are_aligned_physically)
{
	static const size_t cases[][2] = {{1, 2}, {3, 4}, {8, 8}, {1, 16}, {5, 64}, {256, 256},
					  {2, 1}, {17, 32}};
	axv_hpa_t pa[sizeof(cases) / sizeof(cases[0])];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t c = cases[i][0], al = cases[i][1];
		cr_assert_eq(axv_frame_pool_alloc(&pool, c, al, &pa[i]), 0, "case %zu", i);
		cr_expect_eq(pa[i] % (al * K4), 0, "case %zu: %#llx not aligned to %zu frames", i,
			     (unsigned long long)pa[i], al);
		for (size_t k = 0; k < c; k++)
			cr_expect(!axv_frame_pool_is_free(&pool, pa[i] + k * K4));
	}
	/* runs do not overlap */
	for (size_t i = 0; i < sizeof(pa) / sizeof(pa[0]); i++)
		for (size_t j = 0; j < sizeof(pa) / sizeof(pa[0]); j++)
			if (i != j)
				cr_expect(pa[i] + cases[i][0] * K4 <= pa[j] ||
					  pa[j] + cases[j][0] * K4 <= pa[i], "%zu and %zu overlap", i, j);
	/* 1000 frames from 2 GiB + 3 frames: no 2 MiB-aligned run of 512 fits in them */
	axv_hpa_t x;
	cr_expect_eq(axv_frame_pool_alloc(&pool, 512, 512, &x), AXV_ENOMEM);
	cr_expect_eq(axv_frame_pool_alloc(&pool, 4, 3, &x), AXV_EINVAL);
	cr_expect_eq(axv_frame_pool_alloc(&pool, 0, 1, &x), AXV_EINVAL);
	cr_expect_eq(axv_frame_pool_alloc(&pool, 1, 1, NULL), AXV_EINVAL);
	for (size_t i = 0; i < sizeof(pa) / sizeof(pa[0]); i++)
		cr_expect_eq(axv_frame_pool_free(&pool, pa[i], cases[i][0]), 0);
	cr_expect_eq(axv_frame_pool_free_frames(&pool), NFR);
}

Test(frame_pool, fragmentation_refuses_runs_but_not_frames)
{
	static axv_hpa_t got[NFR];
	for (unsigned i = 0; i < NFR; i++)
		cr_assert_eq(axv_frame_pool_alloc(&pool, 1, 1, &got[i]), 0);
	/* free every other frame: half the pool is free, but no two free frames touch */
	for (unsigned i = 0; i < NFR; i++)
		if (((got[i] - PBASE) / K4) % 2 == 0)
			cr_assert_eq(axv_frame_pool_free(&pool, got[i], 1), 0);
	cr_expect_eq(axv_frame_pool_free_frames(&pool), NFR / 2);
	axv_hpa_t pa;
	cr_expect_eq(axv_frame_pool_alloc(&pool, 2, 1, &pa), AXV_ENOMEM, "no two adjacent frames");
	cr_expect_eq(axv_frame_pool_free_frames(&pool), NFR / 2);
	/* single frames still come in O(1) from the list, all of them */
	for (unsigned i = 0; i < NFR / 2; i++) {
		cr_assert_eq(axv_frame_pool_alloc(&pool, 1, 1, &pa), 0);
		cr_assert_eq(((pa - PBASE) / K4) % 2, 0);
	}
	cr_expect_eq(axv_frame_pool_alloc(&pool, 1, 1, &pa), AXV_ENOMEM);
	/* free frames 100..107 (a hole of 8): a run of 8 fits exactly there, 9 does not */
	for (uint64_t k = 100; k < 108; k++)
		cr_assert_eq(axv_frame_pool_free(&pool, PBASE + k * K4, 1), 0);
	cr_expect_eq(axv_frame_pool_alloc(&pool, 9, 1, &pa), AXV_ENOMEM);
	cr_expect_eq(axv_frame_pool_alloc(&pool, 8, 1, &pa), 0);
	cr_expect_eq(pa, PBASE + 100 * K4);
	cr_expect_eq(axv_frame_pool_free_frames(&pool), 0);
	cr_expect_eq(axv_frame_pool_free(&pool, PBASE, NFR), 0, "free in one sweep");
	cr_expect_eq(axv_frame_pool_free_frames(&pool), NFR);
	/* a freed run is one region again: the whole pool fits one run */
	cr_expect_eq(axv_frame_pool_alloc(&pool, NFR, 1, &pa), 0);
	cr_expect_eq(pa, PBASE);
	cr_expect_eq(axv_frame_pool_free(&pool, pa, NFR), 0);
}

Test(frame_pool, carved_bitmap_and_translation)
{
	struct axv_frame_pool p;
	cr_assert_eq(axv_frame_pool_init(&p, PBASE, mem, (uint64_t)NFR * K4, NULL, 0), 0);
	/* 1000 frames need 16 words: one frame of bitmap is carved off the end */
	cr_expect_eq(axv_frame_pool_total_frames(&p), NFR - 1);
	cr_expect_eq(axv_frame_pool_ptr(&p, PBASE + 5 * K4 + 7), mem + 5 * K4 + 7);
	cr_expect_eq(axv_frame_pool_phys(&p, mem + 5 * K4 + 7), PBASE + 5 * K4 + 7);
	cr_expect_null(axv_frame_pool_ptr(&p, PBASE + (uint64_t)(NFR - 1) * K4), "bitmap frame");
	cr_expect_null(axv_frame_pool_ptr(&p, PBASE - 1));
	cr_expect_eq(axv_frame_pool_phys(&p, mem - 1), AXV_HPA_INVALID);
	cr_expect_eq(axv_frame_pool_phys(&p, mem + (size_t)(NFR - 1) * K4), AXV_HPA_INVALID);
	axv_hpa_t pa;
	size_t n = 0;
	while (axv_frame_pool_alloc(&p, 1, 1, &pa) == 0)
		n++;
	cr_expect_eq(n, NFR - 1);
	cr_expect_eq(axv_frame_pool_free(&p, PBASE + (uint64_t)(NFR - 1) * K4, 1), AXV_ERANGE);
}

/* The pool as the HAL of a frame context: the library's accounting on top of it. */
Test(frame_pool, as_hal_backend)
{
	const struct axv_hal hal = {.ctx = &pool, .mem = &axv_frame_pool_mem_ops};
	struct axv_frames fr;
	cr_assert_eq(axv_frames_init(&fr, &hal), 0);
	axv_hpa_t a, r;
	cr_expect_eq(axv_frame_alloc_zeroed(&fr, &a), 0);
	cr_expect_eq(axv_frame_alloc_run(&fr, 16, 16, AXV_FRAME_ZEROED, &r), 0);
	cr_expect_eq(r % (16 * K4), 0);
	const unsigned char *p = axv_frame_ptr(&fr, a);
	for (size_t i = 0; i < K4; i++)
		cr_assert_eq(p[i], 0);
	cr_expect_eq(axv_frame_free(&fr, a), 0);
	cr_expect_eq(axv_frame_free_run(&fr, r, 16), 0);
	cr_expect_eq(axv_frames_destroy(&fr), 0);
	cr_expect_eq(axv_frame_pool_free_frames(&pool), NFR);
	cr_expect_eq(axv_frame_pool_bad_frees(&pool), 0);
}

/* Lock hooks bracket every state change, and nest nothing. */
static int depth, calls;
static void t_lock(void *ctx)
{
	cr_assert_eq(ctx, &depth);
	cr_assert_eq(depth, 0, "lock taken twice");
	depth++;
	calls++;
}
static void t_unlock(void *ctx)
{
	(void)ctx;
	cr_assert_eq(depth, 1, "unlock without lock");
	depth--;
}

Test(frame_pool, lock_hooks_bracket_every_change)
{
	cr_assert_eq(axv_frame_pool_set_lock(&pool, t_lock, t_unlock, &depth), 0);
	axv_hpa_t a, b;
	cr_expect_eq(axv_frame_pool_alloc(&pool, 1, 1, &a), 0);
	cr_expect_eq(axv_frame_pool_alloc(&pool, 3, 4, &b), 0);
	cr_expect_eq(axv_frame_pool_free(&pool, a, 1), 0);
	cr_expect_eq(axv_frame_pool_free(&pool, a, 1), AXV_ENOENT);
	cr_expect_eq(axv_frame_pool_free(&pool, b, 3), 0);
	cr_expect_eq(calls, 5);
	cr_expect_eq(depth, 0);
}

/* ---- capacity edges of the bitmap ----------------------------------------------------------
 * The bitmap holds one bit per frame in 64-bit words: frame counts one below, at and one above
 * a word boundary (and a frame's worth of words), with caller storage of exactly
 * axv_frame_pool_bitmap_words() words (malloc'd, so AddressSanitizer sees a word past it),
 * and a carved bitmap whose frames are exactly full, with a region of exactly its size. */

static void pool_edges(struct axv_frame_pool *p, axv_hpa_t base, size_t n, const char *what)
{
	cr_assert_eq(axv_frame_pool_total_frames(p), n, "%s", what);
	axv_hpa_t pa, prev = 0;
	/* capacity: every frame, in ascending order; capacity + 1 fails */
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(axv_frame_pool_alloc(p, 1, 1, &pa), 0, "%s: frame %zu", what, i);
		cr_assert(i == 0 || pa == prev + K4, "%s: frame %zu out of order", what, i);
		prev = pa;
	}
	cr_assert_eq(pa, base + (uint64_t)(n - 1) * K4, "%s: the last frame", what);
	cr_assert_eq(axv_frame_pool_alloc(p, 1, 1, &pa), AXV_ENOMEM, "%s: one more", what);
	cr_assert(!axv_frame_pool_is_free(p, prev));
	/* the last frames as runs: 1, 2 (across a word boundary when n allows), 64, 65 */
	static const size_t tail[] = {1, 2, 63, 64, 65};
	for (size_t t = 0; t < sizeof(tail) / sizeof(tail[0]); t++) {
		size_t k = tail[t];
		if (k > n)
			continue;
		axv_hpa_t first = base + (uint64_t)(n - k) * K4;
		cr_assert_eq(axv_frame_pool_free(p, first, k), 0, "%s: free the last %zu", what, k);
		cr_assert(axv_frame_pool_is_free(p, first + (uint64_t)(k - 1) * K4));
		cr_assert_eq(axv_frame_pool_alloc(p, k + 1, 1, &pa), AXV_ENOMEM, "%s", what);
		cr_assert_eq(axv_frame_pool_alloc(p, k, 1, &pa), 0, "%s: run of the last %zu", what,
			     k);
		cr_assert_eq(pa, first, "%s: run of the last %zu at %#llx", what, k,
			     (unsigned long long)pa);
	}
	/* past the end */
	axv_hpa_t end = base + (uint64_t)n * K4;
	cr_assert_null(axv_frame_pool_ptr(p, end));
	cr_assert(!axv_frame_pool_is_free(p, end));
	cr_assert_eq(axv_frame_pool_free(p, end, 1), AXV_ERANGE);
	cr_assert_eq(axv_frame_pool_free(p, end - K4, 2), AXV_ERANGE);
	cr_assert_eq(axv_frame_pool_free(p, base, n + 1), AXV_ERANGE);
	/* everything back; then the whole pool as one run, and not one frame more */
	cr_assert_eq(axv_frame_pool_free(p, base, n), 0, "%s: free all", what);
	cr_assert_eq(axv_frame_pool_free(p, end - K4, 1), AXV_ENOENT, "%s: double free", what);
	cr_assert_eq(axv_frame_pool_free_frames(p), n);
	cr_assert_eq(axv_frame_pool_alloc(p, n + 1, 1, &pa), AXV_ENOMEM);
	cr_assert_eq(axv_frame_pool_alloc(p, n, 1, &pa), 0, "%s: the whole pool", what);
	cr_assert_eq(pa, base);
	cr_assert_eq(axv_frame_pool_free(p, base, n), 0);
}

Test(frame_pool_edges, caller_bitmap_at_word_boundaries)
{
	static const size_t counts[] = {1, 63, 64, 65, 127, 128, 129, 4095, 4096, 4097};
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		size_t n = counts[c];
		size_t words = axv_frame_pool_bitmap_words(n);
		cr_assert_eq(words, (n + 63) / 64);
		unsigned char *host = mmap(NULL, n * K4, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		cr_assert(host != MAP_FAILED);
		uint64_t *bitmap = malloc(words * sizeof(*bitmap));
		cr_assert_not_null(bitmap);
		struct axv_frame_pool p;
		char what[64];
		snprintf(what, sizeof(what), "%zu frames", n);
		cr_assert_eq(axv_frame_pool_init(&p, PBASE, host, (uint64_t)n * K4, bitmap, words - 1),
			     AXV_EINVAL, "%s: one word short", what);
		cr_assert_eq(axv_frame_pool_init(&p, PBASE, host, (uint64_t)n * K4, bitmap, words), 0,
			     "%s", what);
		pool_edges(&p, PBASE, n, what);
		free(bitmap);
		munmap(host, n * K4);
	}
}

/* Frames the pool carves for its own bitmap out of a region of r frames: the fewest b with
 * the bitmap of the other r - b frames fitting in b frames (computed here independently). */
static size_t carved(size_t r)
{
	size_t b = 1;
	while (((r - b + 63) / 64) * 8 > b * K4)
		b++;
	return b;
}

Test(frame_pool_edges, carved_bitmap_exactly_full, .timeout = 60)
{
	const size_t per = K4 * 8; /* frames one bitmap frame covers */
	/* one bitmap frame covering per - 1, per (exactly full) frames; then two frames */
	const size_t regions[] = {per, per + 1, per + 2};
	for (size_t c = 0; c < sizeof(regions) / sizeof(regions[0]); c++) {
		size_t r = regions[c], b = carved(r), n = r - b;
		unsigned char *host = aligned_alloc(K4, r * K4); /* exactly the region */
		cr_assert_not_null(host);
		struct axv_frame_pool p;
		cr_assert_eq(axv_frame_pool_init(&p, PBASE, host, (uint64_t)r * K4, NULL, 0), 0);
		char what[64];
		snprintf(what, sizeof(what), "region of %zu frames, %zu carved", r, b);
		cr_assert_eq(axv_frame_pool_total_frames(&p), n, "%s", what);
		cr_assert_null(axv_frame_pool_ptr(&p, PBASE + (uint64_t)n * K4), "%s: bitmap frame",
			       what);
		/* every frame handed out may be written whole without touching the bitmap */
		axv_hpa_t pa;
		for (size_t i = 0; i < n; i++) {
			cr_assert_eq(axv_frame_pool_alloc(&p, 1, 1, &pa), 0, "%s: frame %zu", what, i);
			memset(axv_frame_pool_ptr(&p, pa), 0xee, K4);
		}
		cr_assert_eq(axv_frame_pool_free(&p, PBASE, n), 0, "%s: the bitmap was overwritten",
			     what);
		pool_edges(&p, PBASE, n, what);
		free(host);
	}
	cr_expect_eq(carved(per + 1), 1, "per + 1 frames: one frame of bitmap, exactly full");
	cr_expect_eq(carved(per + 2), 2);
}
