#include "mock_hal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <axv/err.h>

#define FRAME AXV_FRAME_SIZE

static struct mock_hal *M(void *ctx)
{
	return ctx;
}

static bool in_pool(struct mock_hal *m, axv_hpa_t pa)
{
	return pa >= MOCK_PHYS_BASE && pa - MOCK_PHYS_BASE < (uint64_t)m->frames * FRAME;
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

/* Book a run the pool handed out: record its length, count it, poison it. */
static void take(struct mock_hal *m, size_t i, size_t count)
{
	m->run_len[i] = (unsigned)count;
	m->live += count;
	if (m->live > m->peak)
		m->peak = m->live;
	if (m->poison)
		memset(m->pool + i * FRAME, MOCK_POISON_ALLOC, count * FRAME);
}

static int mock_alloc(void *ctx, size_t count, size_t align, axv_hpa_t *pa)
{
	struct mock_hal *m = M(ctx);
	int rc = AXV_ENOMEM;
	axv_hpa_t got;
	pthread_mutex_lock(&m->lock);
	m->alloc_calls++;
	if (count == 0 || align == 0 || (align & (align - 1)) || should_fail(m))
		goto out;
	if (m->misalign_next) {
		/* A run that is deliberately not aligned as asked: sub-frame for align 1, else
		 * one frame past an aligned run of count + 1 (whose first frame goes back). */
		m->misalign_next = false;
		if (align == 1) {
			rc = axv_frame_pool_alloc(&m->fpool, count, 1, &got);
			if (rc != 0)
				goto out;
			take(m, (size_t)((got - MOCK_PHYS_BASE) / FRAME), count);
			*pa = got + 0x10;
		} else {
			rc = axv_frame_pool_alloc(&m->fpool, count + 1, align, &got);
			if (rc != 0)
				goto out;
			axv_frame_pool_free(&m->fpool, got, 1);
			got += FRAME;
			take(m, (size_t)((got - MOCK_PHYS_BASE) / FRAME), count);
			*pa = got;
		}
		m->misaligned_pa = *pa;
		goto out;
	}
	rc = axv_frame_pool_alloc(&m->fpool, count, align, &got);
	if (rc == 0) {
		take(m, (size_t)((got - MOCK_PHYS_BASE) / FRAME), count);
		*pa = got;
	}
out:
	pthread_mutex_unlock(&m->lock);
	return rc;
}

static void mock_free(void *ctx, axv_hpa_t pa, size_t count)
{
	struct mock_hal *m = M(ctx);
	pthread_mutex_lock(&m->lock);
	m->free_calls++;
	if (pa == m->misaligned_pa && pa != 0) {
		pa &= ~(axv_hpa_t)(FRAME - 1);
		m->misaligned_pa = 0;
	}
	size_t i = (size_t)((pa - MOCK_PHYS_BASE) / FRAME);
	if (!in_pool(m, pa) || (pa & (FRAME - 1)) || m->run_len[i] != count) {
		m->bad_frees++;
	} else {
		/* Poison first: the pool then writes its list links into the frames. */
		if (m->poison)
			memset(m->pool + i * FRAME, MOCK_POISON_FREE, count * FRAME);
		if (axv_frame_pool_free(&m->fpool, pa, count) != 0) {
			m->bad_frees++;
		} else {
			m->run_len[i] = 0;
			m->live -= count;
		}
	}
	pthread_mutex_unlock(&m->lock);
}

static void *mock_p2v(void *ctx, axv_hpa_t pa)
{
	struct mock_hal *m = M(ctx);
	if (!in_pool(m, pa))
		return NULL;
	uint64_t off = pa - MOCK_PHYS_BASE;
	pthread_mutex_lock(&m->lock);
	if (axv_frame_pool_is_free(&m->fpool, pa & ~(axv_hpa_t)(FRAME - 1)))
		m->stray_ptrs++;
	pthread_mutex_unlock(&m->lock);
	return m->pool + off;
}

static axv_hpa_t mock_v2p(void *ctx, const void *va)
{
	struct mock_hal *m = M(ctx);
	const unsigned char *p = va;
	if (p < m->pool || p >= m->pool + m->frames * FRAME)
		return AXV_HPA_INVALID;
	return MOCK_PHYS_BASE + (axv_hpa_t)(p - m->pool);
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

static void mock_log(void *ctx, enum axv_log_level level, const char *msg)
{
	struct mock_hal *m = M(ctx);
	if ((unsigned)level < 4)
		m->logs[level]++;
	snprintf(m->last_log, sizeof(m->last_log), "%s", msg);
}

void mock_hal_init(struct mock_hal *m, size_t frames)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->frames = frames;
	m->pool = mmap(NULL, frames * FRAME, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	m->run_len = calloc(frames, sizeof(*m->run_len));
	m->bitmap = calloc(axv_frame_pool_bitmap_words(frames), sizeof(*m->bitmap));
	if (m->pool == MAP_FAILED || !m->run_len || !m->bitmap ||
	    axv_frame_pool_init(&m->fpool, MOCK_PHYS_BASE, m->pool, (uint64_t)frames * FRAME,
				m->bitmap, axv_frame_pool_bitmap_words(frames)) != 0) {
		fprintf(stderr, "mock HAL: cannot set up a pool of %zu frames\n", frames);
		abort();
	}
	m->poison = true;
	m->mem = (struct axv_hal_mem_ops){mock_alloc, mock_free, mock_p2v, mock_v2p};
	m->tlb = (struct axv_hal_tlb_ops){mock_flush_range, mock_flush_all};
	m->cpu = (struct axv_hal_cpu_ops){mock_cpu_id, mock_ipi, mock_now};
	m->hal = (struct axv_hal){.ctx = m, .mem = &m->mem, .tlb = &m->tlb, .cpu = &m->cpu,
				  .log = mock_log};
}

void mock_hal_fini(struct mock_hal *m)
{
	if (m->pool)
		munmap(m->pool, m->frames * FRAME);
	free(m->run_len);
	free(m->bitmap);
	pthread_mutex_destroy(&m->lock);
	m->pool = NULL;
	m->run_len = NULL;
	m->bitmap = NULL;
}

bool mock_hal_clean(const struct mock_hal *m, char *why, size_t len)
{
	if (m->live != 0)
		snprintf(why, len, "mock HAL: %zu frames leaked", m->live);
	else if (m->bad_frees != 0)
		snprintf(why, len, "mock HAL: %lu bad frees", m->bad_frees);
	else if (m->stray_ptrs != 0)
		snprintf(why, len, "mock HAL: %lu pointers to unallocated frames", m->stray_ptrs);
	else {
		snprintf(why, len, "clean");
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
	if (!in_pool(m, pa))
		return NULL;
	return m->pool + (pa - MOCK_PHYS_BASE);
}

bool mock_hal_is_live(struct mock_hal *m, axv_hpa_t pa)
{
	if (!in_pool(m, pa))
		return false;
	pthread_mutex_lock(&m->lock);
	bool live = !axv_frame_pool_is_free(&m->fpool, pa & ~(axv_hpa_t)(FRAME - 1));
	pthread_mutex_unlock(&m->lock);
	return live;
}
