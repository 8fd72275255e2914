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

static bool in_pool(const struct mock_hal *m, axv_hpa_t pa)
{
	return pa >= m->phys_base && pa - m->phys_base < (uint64_t)(m->fixed + m->frames) * FRAME;
}

static size_t index_of(const struct mock_hal *m, axv_hpa_t pa)
{
	return (size_t)((pa - m->phys_base) / FRAME);
}

static bool should_fail(struct mock_hal *m)
{
	if (m->fail_nth == 0)
		return false;
	if (m->alloc_calls == m->fail_nth || (m->fail_from && m->alloc_calls > m->fail_nth)) {
		m->failed_allocs++;
		return true;
	}
	return false;
}

static void book(struct mock_hal *m, axv_hpa_t pa, size_t count)
{
	size_t i = index_of(m, pa);
	m->run_len[i] = (unsigned)count;
	m->live += count;
	if (m->live > m->peak)
		m->peak = m->live;
	if (m->poison)
		memset(m->pool + i * FRAME, MOCK_POISON_ALLOC, count * FRAME);
}

static int hal_alloc(void *ctx, size_t count, size_t align, axv_hpa_t *pa)
{
	struct mock_hal *m = M(ctx);
	axv_hpa_t got;
	int rc;
	m->alloc_calls++;
	if (count == 0 || align == 0 || (align & (align - 1)) || should_fail(m))
		return AXV_ENOMEM;
	if (!m->misalign_next) {
		rc = axv_frame_pool_alloc(&m->fpool, count, align, &got);
		if (rc == 0) {
			book(m, got, count);
			*pa = got;
		}
		return rc;
	}
	/* Deliberately misaligned: inside a frame for align 1, else one frame past an
	 * aligned run of count + 1 whose first frame goes back to the pool. */
	m->misalign_next = false;
	rc = axv_frame_pool_alloc(&m->fpool, count + (align == 1 ? 0 : 1), align, &got);
	if (rc != 0)
		return rc;
	if (align == 1) {
		book(m, got, count);
		*pa = got + 0x10;
	} else {
		axv_frame_pool_free(&m->fpool, got, 1);
		book(m, got + FRAME, count);
		*pa = got + FRAME;
	}
	m->misaligned_pa = *pa;
	return 0;
}

static void hal_free(void *ctx, axv_hpa_t pa, size_t count)
{
	struct mock_hal *m = M(ctx);
	m->free_calls++;
	if (pa != 0 && pa == m->misaligned_pa) {
		pa &= ~(axv_hpa_t)(FRAME - 1);
		m->misaligned_pa = 0;
	}
	size_t i = index_of(m, pa);
	if (!in_pool(m, pa) || (pa & (FRAME - 1)) || m->run_len[i] != count) {
		m->bad_frees++;
		return;
	}
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
	if (!in_pool(m, pa))
		return NULL;
	if (axv_frame_pool_is_free(&m->fpool, pa & ~(axv_hpa_t)(FRAME - 1)))
		m->stray_ptrs++;
	return m->pool + (pa - m->phys_base);
}

static axv_hpa_t hal_v2p(void *ctx, const void *va)
{
	struct mock_hal *m = M(ctx);
	const unsigned char *p = va;
	if (p < m->pool || p >= m->pool + (m->fixed + m->frames) * FRAME)
		return AXV_HPA_INVALID;
	return m->phys_base + (axv_hpa_t)(p - m->pool);
}

static void hal_flush_range(void *ctx, uint64_t tag, axv_gpa_t gpa, uint64_t size)
{
	struct mock_hal *m = M(ctx);
	m->tlb_range_calls++;
	m->tlb_last_tag = tag;
	m->tlb_last_gpa = gpa;
	m->tlb_last_size = size;
}

static void hal_flush_all(void *ctx, uint64_t tag)
{
	struct mock_hal *m = M(ctx);
	m->tlb_all_calls++;
	m->tlb_last_tag = tag;
}

static uint32_t hal_cpu_id(void *ctx)
{
	return M(ctx)->cur_cpu;
}

static void hal_ipi(void *ctx, uint32_t cpu)
{
	if (cpu < MOCK_MAX_CPUS)
		atomic_fetch_add(&M(ctx)->ipis[cpu], 1);
}

static uint64_t hal_now(void *ctx)
{
	return M(ctx)->now;
}

static void hal_log(void *ctx, enum axv_log_level level, const char *msg)
{
	struct mock_hal *m = M(ctx);
	if ((unsigned)level < 4)
		m->logs[level]++;
	rt_snprintf(m->last_log, sizeof(m->last_log), "%s", msg);
}

static int pool_init(struct mock_hal *m)
{
	return axv_frame_pool_init(&m->fpool, m->phys_base + (axv_hpa_t)m->fixed * FRAME,
				   m->pool + m->fixed * FRAME, (uint64_t)m->frames * FRAME,
				   m->bitmap, axv_frame_pool_bitmap_words(m->frames));
}

void mock_hal_init(struct mock_hal *m, size_t frames)
{
	mock_hal_init_at(m, frames, MOCK_PHYS_BASE);
}

void mock_hal_init_at(struct mock_hal *m, size_t frames, axv_hpa_t base)
{
	mock_hal_init_fixed(m, frames, base, 0);
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
	if (pool_init(m) != 0) {
		rt_printf("la64-runner: HAL: frame pool refused %lu frames\n", (unsigned long)frames);
		abort();
	}
	m->poison = true;
	m->mem = (struct axv_hal_mem_ops){hal_alloc, hal_free, hal_p2v, hal_v2p};
	m->tlb = (struct axv_hal_tlb_ops){hal_flush_range, hal_flush_all};
	m->cpu = (struct axv_hal_cpu_ops){hal_cpu_id, hal_ipi, hal_now};
	m->hal = (struct axv_hal){.ctx = m, .mem = &m->mem, .tlb = &m->tlb, .cpu = &m->cpu,
				  .log = hal_log};
}

void mock_hal_reset(struct mock_hal *m)
{
	if (m->live != 0 || pool_init(m) != 0) {
		rt_printf("la64-runner: HAL: reset with %lu frames live\n", (unsigned long)m->live);
		abort();
	}
	memset(m->run_len, 0, (m->fixed + m->frames) * sizeof(*m->run_len));
	m->alloc_calls = m->free_calls = 0;
	m->failed_allocs = 0;
	m->fail_nth = 0;
	m->fail_from = false;
	m->misalign_next = false;
	m->peak = 0;
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

void mock_hal_fail_nth(struct mock_hal *m, unsigned long n)
{
	m->fail_nth = n ? m->alloc_calls + n : 0;
	m->fail_from = false;
}

void mock_hal_fail_from(struct mock_hal *m, unsigned long n)
{
	m->fail_nth = n ? m->alloc_calls + n : 0;
	m->fail_from = n != 0;
}

void *mock_hal_ptr(struct mock_hal *m, axv_hpa_t pa)
{
	return in_pool(m, pa) ? m->pool + (pa - m->phys_base) : NULL;
}

bool mock_hal_is_live(struct mock_hal *m, axv_hpa_t pa)
{
	return in_pool(m, pa) && !axv_frame_pool_is_free(&m->fpool, pa & ~(axv_hpa_t)(FRAME - 1));
}
