/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The loongarch64 test image's HAL: tests/support/mock_hal.h's interface (which the host
 * tests are written against) over the image's RAM, for one cpu and no threads.
 *
 * Frames come from libaxv's frame pool over a region carved from the arena (RAM after the
 * image, board.h), at "physical" addresses phys_base + offset that are never the pointers
 * (phys_to_virt and virt_to_phys translate), as on the host. Like the host mock it counts
 * live frames, fails the Nth allocation on request, hands out a misaligned run on request,
 * poisons frames on allocation and free, records TLB and IPI calls and log messages, and
 * reports leaks, bad frees and pointers to free frames. Guard frames (mock_hal.guard) are
 * not implemented (none of the image's tests sets it; mock_hal_clean() reports it if one
 * does). Each test starts with the whole arena (runner.c).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <axv/err.h>

#include "board.h"
#include "mock_hal.h"
#include "mock_hal_hooks.h"
#include "runner.h"

#define FRAME AXV_FRAME_SIZE

extern char _end[];
static uintptr_t arena_next;

void rt_hal_reset_arena(void)
{
	arena_next = (uintptr_t)_end;
}

static void *arena_take(size_t bytes)
{
	uintptr_t p = (arena_next + FRAME - 1) & ~(uintptr_t)(FRAME - 1);
	if (p + bytes > RT_RAM_END || p + bytes < p)
		return NULL;
	arena_next = p + bytes;
	return (void *)p;
}

static struct mock_hal *M(void *ctx)
{
	return ctx;
}

static int hal_alloc(void *ctx, size_t count, size_t align, axv_hpa_t *pa)
{
	struct mock_hal *m = M(ctx);
	axv_hpa_t got;
	int rc;
	if (mock_hal_alloc_refused(m, count, align))
		return AXV_ENOMEM;
	if (m->misalign_next)
		return mock_hal_alloc_misaligned(m, count, align, pa);
	rc = axv_frame_pool_alloc(&m->fpool, count, align, &got);
	if (rc == 0) {
		mock_hal_take(m, mock_hal_index_of(m, got), count);
		*pa = got;
	}
	return rc;
}

static void hal_free(void *ctx, axv_hpa_t pa, size_t count)
{
	struct mock_hal *m = M(ctx);
	if (!mock_hal_free_ok(m, &pa, count))
		return;
	size_t i = mock_hal_index_of(m, pa);
	if (m->poison)
		memset(m->pool + i * FRAME, MOCK_POISON_FREE, count * FRAME);
	if (axv_frame_pool_free(&m->fpool, pa, count) != 0) {
		m->bad_frees++;
		return;
	}
	m->run_len[i] = 0;
	m->live -= count;
}

static void *hal_p2v(void *ctx, axv_hpa_t pa)
{
	struct mock_hal *m = M(ctx);
	if (!mock_hal_in_pool(m, pa))
		return NULL;
	if (axv_frame_pool_is_free(&m->fpool, pa & ~(axv_hpa_t)(FRAME - 1)))
		m->stray_ptrs++;
	return m->pool + (pa - m->phys_base);
}

void mock_hal_init_fixed(struct mock_hal *m, size_t frames, axv_hpa_t base, size_t fixed)
{
	memset(m, 0, sizeof(*m));
	m->frames = frames;
	m->fixed = fixed;
	m->phys_base = base;
	size_t total = fixed + frames;
	m->pool = arena_take(total * FRAME);
	m->run_len = arena_take(total * sizeof(*m->run_len));
	m->bitmap = arena_take(axv_frame_pool_bitmap_words(frames) * sizeof(*m->bitmap));
	if (!m->pool || !m->run_len || !m->bitmap) {
		rt_printf("la64-runner: HAL: no room for a pool of %lu frames\n", (unsigned long)frames);
		abort();
	}
	memset(m->run_len, 0, total * sizeof(*m->run_len));
	if (mock_hal_pool_init(m) != 0) {
		rt_printf("la64-runner: HAL: frame pool refused %lu frames\n", (unsigned long)frames);
		abort();
	}
	m->poison = true;
	mock_hal_set_hooks(m, hal_alloc, hal_free, hal_p2v);
}

void mock_hal_fatal(const char *what, unsigned long n)
{
	rt_printf("la64-runner: HAL: %s: %lu\n", what, n);
	abort();
}

void mock_hal_fini(struct mock_hal *m)
{
	/* The arena goes back as a whole before the next test (rt_hal_reset_arena); a HAL
	 * finished in the order it was made (a test looping over every format) gives its part
	 * back at once, so the loop's HALs share the arena instead of adding up (nine formats of
	 * 8192 frames are more than the 240 MiB the board's low RAM leaves). */
	if (m->pool && (uintptr_t)m->bitmap +
			       axv_frame_pool_bitmap_words(m->frames) * sizeof(*m->bitmap) ==
			       arena_next)
		arena_next = (uintptr_t)m->pool;
	m->pool = NULL;
	m->run_len = NULL;
	m->bitmap = NULL;
}

bool mock_hal_clean(const struct mock_hal *m, char *why, size_t len)
{
	if (m->live != 0)
		rt_snprintf(why, len, "HAL: %lu frames leaked", (unsigned long)m->live);
	else if (m->bad_frees != 0)
		rt_snprintf(why, len, "HAL: %lu bad frees", m->bad_frees);
	else if (m->stray_ptrs != 0)
		rt_snprintf(why, len, "HAL: %lu pointers to unallocated frames", m->stray_ptrs);
	else if (m->guard)
		rt_snprintf(why, len, "HAL: guard frames are not implemented in the image");
	else {
		rt_snprintf(why, len, "clean");
		return true;
	}
	return false;
}

bool mock_hal_is_live(struct mock_hal *m, axv_hpa_t pa)
{
	return mock_hal_in_pool(m, pa) && !axv_frame_pool_is_free(&m->fpool, pa & ~(axv_hpa_t)(FRAME - 1));
}
