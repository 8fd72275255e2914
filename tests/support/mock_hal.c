#include "mock_hal.h"
#include "mock_hal_hooks.h"

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

static int mock_alloc(void *ctx, size_t count, size_t align, axv_hpa_t *pa)
{
	struct mock_hal *m = M(ctx);
	int rc = AXV_ENOMEM;
	axv_hpa_t got;
	pthread_mutex_lock(&m->lock);
	if (mock_hal_alloc_refused(m, count, align))
		goto out;
	if (m->misalign_next) {
		rc = mock_hal_alloc_misaligned(m, count, align, pa);
		goto out;
	}
	/* With a guard: one frame more, which stays ours. */
	rc = axv_frame_pool_alloc(&m->fpool, count + (m->guard ? 1 : 0), align, &got);
	if (rc == 0) {
		size_t i = mock_hal_index_of(m, got);
		mock_hal_take(m, i, count);
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
	if (mock_hal_free_ok(m, &pa, count)) {
		size_t i = mock_hal_index_of(m, pa);
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
	if (!mock_hal_in_pool(m, pa))
		return NULL;
	uint64_t off = pa - m->phys_base;
	pthread_mutex_lock(&m->lock);
	if (axv_frame_pool_is_free(&m->fpool, pa & ~(axv_hpa_t)(FRAME - 1)) ||
	    m->gstate[mock_hal_index_of(m, pa)] == G_GUARD)
		m->stray_ptrs++;
	pthread_mutex_unlock(&m->lock);
	return m->pool + off;
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
	if (m->pool == MAP_FAILED || !m->run_len || !m->gstate || !m->bitmap || mock_hal_pool_init(m) != 0) {
		fprintf(stderr, "mock HAL: cannot set up a pool of %zu frames\n", frames);
		abort();
	}
	m->poison = true;
	mock_hal_set_hooks(m, mock_alloc, mock_free, mock_p2v);
}

void mock_hal_fatal(const char *what, unsigned long n)
{
	fprintf(stderr, "mock HAL: %s: %lu\n", what, n);
	abort();
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

bool mock_hal_is_live(struct mock_hal *m, axv_hpa_t pa)
{
	if (!mock_hal_in_pool(m, pa))
		return false;
	pthread_mutex_lock(&m->lock);
	bool live = !axv_frame_pool_is_free(&m->fpool, pa & ~(axv_hpa_t)(FRAME - 1));
	pthread_mutex_unlock(&m->lock);
	return live;
}
