/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The part of the mock HAL that is the same on the host (mock_hal.c) and in the loongarch64
 * test image (la64-runner/hal.c): plain C with no C library beyond memset, so both compile it.
 */
#include "mock_hal_hooks.h"

#include <string.h>

#define FRAME AXV_FRAME_SIZE

static struct mock_hal *M(void *ctx)
{
	return ctx;
}

bool mock_hal_in_pool(const struct mock_hal *m, axv_hpa_t pa)
{
	return pa >= m->phys_base && pa - m->phys_base < (uint64_t)(m->fixed + m->frames) * FRAME;
}

size_t mock_hal_index_of(const struct mock_hal *m, axv_hpa_t pa)
{
	return (size_t)((pa - m->phys_base) / FRAME);
}

bool mock_hal_should_fail(struct mock_hal *m)
{
	if (m->fail_nth == 0)
		return false;
	if (m->alloc_calls == m->fail_nth || (m->fail_from && m->alloc_calls > m->fail_nth)) {
		m->failed_allocs++;
		return true;
	}
	return false;
}

void mock_hal_take(struct mock_hal *m, size_t i, size_t count)
{
	m->run_len[i] = (unsigned)count;
	m->live += count;
	if (m->live > m->peak)
		m->peak = m->live;
	if (m->poison)
		memset(m->pool + i * FRAME, MOCK_POISON_ALLOC, count * FRAME);
}

bool mock_hal_alloc_refused(struct mock_hal *m, size_t count, size_t align)
{
	m->alloc_calls++;
	return count == 0 || align == 0 || (align & (align - 1)) || mock_hal_should_fail(m);
}

int mock_hal_alloc_misaligned(struct mock_hal *m, size_t count, size_t align, axv_hpa_t *pa)
{
	axv_hpa_t got;
	m->misalign_next = false;
	int rc = axv_frame_pool_alloc(&m->fpool, count + (align == 1 ? 0 : 1), align, &got);
	if (rc != 0)
		return rc;
	if (align == 1) {
		mock_hal_take(m, mock_hal_index_of(m, got), count);
		*pa = got + 0x10;
	} else {
		axv_frame_pool_free(&m->fpool, got, 1);
		got += FRAME;
		mock_hal_take(m, mock_hal_index_of(m, got), count);
		*pa = got;
	}
	m->misaligned_pa = *pa;
	return 0;
}

bool mock_hal_free_ok(struct mock_hal *m, axv_hpa_t *pa, size_t count)
{
	m->free_calls++;
	if (*pa == m->misaligned_pa && *pa != 0) {
		*pa &= ~(axv_hpa_t)(FRAME - 1);
		m->misaligned_pa = 0;
	}
	if (!mock_hal_in_pool(m, *pa) || (*pa & (FRAME - 1)) ||
	    m->run_len[mock_hal_index_of(m, *pa)] != count) {
		m->bad_frees++;
		return false;
	}
	return true;
}

int mock_hal_pool_init(struct mock_hal *m)
{
	return axv_frame_pool_init(&m->fpool, m->phys_base + (axv_hpa_t)m->fixed * FRAME,
				   m->pool + m->fixed * FRAME, (uint64_t)m->frames * FRAME,
				   m->bitmap, axv_frame_pool_bitmap_words(m->frames));
}

static axv_hpa_t mock_v2p(void *ctx, const void *va)
{
	struct mock_hal *m = M(ctx);
	const unsigned char *p = va;
	if (p < m->pool || p >= m->pool + (m->fixed + m->frames) * FRAME)
		return AXV_HPA_INVALID;
	return m->phys_base + (axv_hpa_t)(p - m->pool);
}

static void mock_flush_range(void *ctx, uint64_t tag, axv_gpa_t gpa, uint64_t size)
{
	struct mock_hal *m = M(ctx);
	m->tlb_range_calls++;
	m->tlb_last_tag = tag;
	m->tlb_last_gpa = gpa;
	m->tlb_last_size = size;
}

static void mock_flush_all(void *ctx, uint64_t tag)
{
	struct mock_hal *m = M(ctx);
	m->tlb_all_calls++;
	m->tlb_last_tag = tag;
}

static uint32_t mock_cpu_id(void *ctx)
{
	return M(ctx)->cur_cpu;
}

static void mock_ipi(void *ctx, uint32_t cpu)
{
	if (cpu < MOCK_MAX_CPUS)
		atomic_fetch_add(&M(ctx)->ipis[cpu], 1);
}

static uint64_t mock_now(void *ctx)
{
	return M(ctx)->now;
}

/* Counts the message by level and keeps the last one, cut to fit last_log. */
static void mock_log(void *ctx, enum axv_log_level level, const char *msg)
{
	struct mock_hal *m = M(ctx);
	size_t n = 0;
	if ((unsigned)level < 4)
		m->logs[level]++;
	while (msg[n] != '\0' && n + 1 < sizeof(m->last_log)) {
		m->last_log[n] = msg[n];
		n++;
	}
	m->last_log[n] = '\0';
}

void mock_hal_set_hooks(struct mock_hal *m, int (*alloc)(void *, size_t, size_t, axv_hpa_t *),
			void (*free_run)(void *, axv_hpa_t, size_t),
			void *(*p2v)(void *, axv_hpa_t))
{
	m->mem = (struct axv_hal_mem_ops){alloc, free_run, p2v, mock_v2p};
	m->tlb = (struct axv_hal_tlb_ops){mock_flush_range, mock_flush_all};
	m->cpu = (struct axv_hal_cpu_ops){mock_cpu_id, mock_ipi, mock_now};
	m->hal = (struct axv_hal){.ctx = m, .mem = &m->mem, .tlb = &m->tlb, .cpu = &m->cpu,
				  .log = mock_log};
}

void mock_hal_init(struct mock_hal *m, size_t frames)
{
	mock_hal_init_at(m, frames, MOCK_PHYS_BASE);
}

void mock_hal_init_at(struct mock_hal *m, size_t frames, axv_hpa_t base)
{
	mock_hal_init_fixed(m, frames, base, 0);
}

void mock_hal_reset(struct mock_hal *m)
{
	if (m->live != 0 || mock_hal_pool_init(m) != 0)
		mock_hal_fatal("reset with frames live", (unsigned long)m->live);
	memset(m->run_len, 0, (m->fixed + m->frames) * sizeof(*m->run_len));
	m->alloc_calls = m->free_calls = 0;
	m->failed_allocs = 0;
	m->fail_nth = 0;
	m->fail_from = false;
	m->misalign_next = false;
	m->peak = 0;
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
	return mock_hal_in_pool(m, pa) ? m->pool + (pa - m->phys_base) : NULL;
}
