#include "mock_hal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <axv/err.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MOCK_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MOCK_ASAN 1
#endif
#ifdef MOCK_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define FRAME AXV_FRAME_SIZE
/* gstate[] values */
#define G_RUN 1   /* first frame of a run followed by a guard frame */
#define G_GUARD 2 /* a guard frame */

static struct mock_hal *M(void *ctx)
{
	return ctx;
}

static bool in_pool(struct mock_hal *m, axv_hpa_t pa)
{
	return pa >= m->phys_base && pa - m->phys_base < (uint64_t)(m->fixed + m->frames) * FRAME;
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

static size_t index_of(const struct mock_hal *m, axv_hpa_t pa)
{
	return (size_t)((pa - m->phys_base) / FRAME);
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
			take(m, index_of(m, got), count);
			*pa = got + 0x10;
		} else {
			rc = axv_frame_pool_alloc(&m->fpool, count + 1, align, &got);
			if (rc != 0)
				goto out;
			axv_frame_pool_free(&m->fpool, got, 1);
			got += FRAME;
			take(m, index_of(m, got), count);
			*pa = got;
		}
		m->misaligned_pa = *pa;
		goto out;
	}
	/* With a guard: one frame more, which stays ours. */
	rc = axv_frame_pool_alloc(&m->fpool, count + (m->guard ? 1 : 0), align, &got);
	if (rc == 0) {
		size_t i = index_of(m, got);
		take(m, i, count);
		if (m->guard) {
			unsigned char *g = m->pool + (i + count) * FRAME;
			memset(g, MOCK_GUARD_BYTE, FRAME);
			POISON(g, FRAME);
			m->gstate[i] = G_RUN;
			m->gstate[i + count] = G_GUARD;
		}
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
	size_t i = index_of(m, pa);
	if (!in_pool(m, pa) || (pa & (FRAME - 1)) || m->run_len[i] != count) {
		m->bad_frees++;
	} else {
		bool guarded = m->gstate[i] == G_RUN;
		unsigned char *g = m->pool + (i + count) * FRAME;
		if (guarded) {
			UNPOISON(g, FRAME);
			const uint64_t *w = (const uint64_t *)(void *)g;
			for (size_t k = 0; k < FRAME / 8; k++) {
				if (w[k] != 0x0101010101010101ull * MOCK_GUARD_BYTE) {
					m->guard_hits++;
					break;
				}
			}
		}
		/* Poison first: the pool then writes its list links into the frames. */
		if (m->poison)
			memset(m->pool + i * FRAME, MOCK_POISON_FREE, count * FRAME);
		if (axv_frame_pool_free(&m->fpool, pa, count + (guarded ? 1 : 0)) != 0) {
			m->bad_frees++;
			if (guarded)
				POISON(g, FRAME);
		} else {
			m->run_len[i] = 0;
			m->live -= count;
			if (guarded) {
				m->gstate[i] = 0;
				m->gstate[i + count] = 0;
			}
		}
	}
	pthread_mutex_unlock(&m->lock);
}

static void *mock_p2v(void *ctx, axv_hpa_t pa)
{
	struct mock_hal *m = M(ctx);
	if (!in_pool(m, pa))
		return NULL;
	uint64_t off = pa - m->phys_base;
	pthread_mutex_lock(&m->lock);
	if (axv_frame_pool_is_free(&m->fpool, pa & ~(axv_hpa_t)(FRAME - 1)) ||
	    m->gstate[index_of(m, pa)] == G_GUARD)
		m->stray_ptrs++;
	pthread_mutex_unlock(&m->lock);
	return m->pool + off;
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

static void mock_log(void *ctx, enum axv_log_level level, const char *msg)
{
	struct mock_hal *m = M(ctx);
	if ((unsigned)level < 4)
		m->logs[level]++;
	snprintf(m->last_log, sizeof(m->last_log), "%s", msg);
}

void mock_hal_init(struct mock_hal *m, size_t frames)
{
	mock_hal_init_at(m, frames, MOCK_PHYS_BASE);
}

void mock_hal_init_at(struct mock_hal *m, size_t frames, axv_hpa_t base)
{
	mock_hal_init_fixed(m, frames, base, 0);
}

static int pool_init(struct mock_hal *m)
{
	return axv_frame_pool_init(&m->fpool, m->phys_base + (axv_hpa_t)m->fixed * FRAME,
				   m->pool + m->fixed * FRAME, (uint64_t)m->frames * FRAME,
				   m->bitmap, axv_frame_pool_bitmap_words(m->frames));
}

void mock_hal_init_fixed(struct mock_hal *m, size_t frames, axv_hpa_t base, size_t fixed)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->frames = frames;
	m->fixed = fixed;
	m->phys_base = base;
	size_t total = fixed + frames;
	m->pool = mmap(NULL, total * FRAME, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	m->run_len = calloc(total, sizeof(*m->run_len));
	m->gstate = calloc(total, sizeof(*m->gstate));
	m->bitmap = calloc(axv_frame_pool_bitmap_words(frames), sizeof(*m->bitmap));
	if (m->pool == MAP_FAILED || !m->run_len || !m->gstate || !m->bitmap || pool_init(m) != 0) {
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

void mock_hal_reset(struct mock_hal *m)
{
	if (m->live != 0 || pool_init(m) != 0) {
		fprintf(stderr, "mock HAL: reset with %zu frames live\n", m->live);
		abort();
	}
	m->alloc_calls = m->free_calls = 0;
	m->failed_allocs = 0;
	m->fail_nth = 0;
	m->fail_from = false;
	m->misalign_next = false;
	m->peak = 0;
}

void mock_hal_fini(struct mock_hal *m)
{
	if (m->pool) {
		/* Guard frames of runs never freed stay poisoned: a later mapping here must not
		 * inherit that. */
		UNPOISON(m->pool, (m->fixed + m->frames) * FRAME);
		munmap(m->pool, (m->fixed + m->frames) * FRAME);
	}
	free(m->run_len);
	free(m->gstate);
	free(m->bitmap);
	pthread_mutex_destroy(&m->lock);
	m->pool = NULL;
	m->run_len = NULL;
	m->gstate = NULL;
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
	else if (m->guard_hits != 0)
		snprintf(why, len, "mock HAL: %lu runs were overrun (guard frame written)",
			 m->guard_hits);
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
	return m->pool + (pa - m->phys_base);
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
