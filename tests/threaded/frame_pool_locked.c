/* One frame pool shared by several cpus through its lock hooks (a pthread mutex here, a
 * spinlock in a kernel). Each thread allocates single frames and aligned runs, stamps them
 * with its own pattern, checks the stamp before freeing: a frame handed to two threads at
 * once would show another thread's pattern. Run under ThreadSanitizer and ASan by
 * scripts/test.sh, which also prove the hooks make the pool race-free. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <axv/err.h>
#include <axv/frame_pool.h>

#include "tcheck.h"

enum { THREADS = 4, ROUNDS = 20000, HELD = 24, NF = 64 };
#define K4 AXV_FRAME_SIZE

static struct axv_frame_pool pool;
static uint64_t bitmap[NF / 64];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void lk(void *ctx)
{
	pthread_mutex_lock(ctx);
}

static void ulk(void *ctx)
{
	pthread_mutex_unlock(ctx);
}

struct worker {
	int index;
	unsigned long allocs, enomem, errors, corrupt;
};

static void stamp(axv_hpa_t pa, size_t n, unsigned char v)
{
	memset(axv_frame_pool_ptr(&pool, pa), v, n * K4);
}

static bool stamped(axv_hpa_t pa, size_t n, unsigned char v)
{
	const unsigned char *p = axv_frame_pool_ptr(&pool, pa);
	/* from byte 0: the pool must never write into a frame it handed out */
	for (size_t i = 0; i < n * K4; i += 97)
		if (p[i] != v)
			return false;
	return p[n * K4 - 1] == v;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	axv_hpa_t held[HELD];
	size_t count[HELD] = {0};
	unsigned seed = (unsigned)w->index * 7919u + 1;
	unsigned char mark = (unsigned char)(0x11 * (w->index + 1));
	for (int r = 0; r < ROUNDS; r++) {
		size_t i = (size_t)rand_r(&seed) % HELD;
		if (count[i]) {
			if (!stamped(held[i], count[i], mark))
				w->corrupt++;
			if (axv_frame_pool_free(&pool, held[i], count[i]) != 0)
				w->errors++;
			count[i] = 0;
			continue;
		}
		size_t n = rand_r(&seed) % 4 == 0 ? 1 + (size_t)rand_r(&seed) % 8 : 1;
		size_t al = n > 1 && rand_r(&seed) % 2 ? 8 : 1;
		int rc = axv_frame_pool_alloc(&pool, n, al, &held[i]);
		if (rc == 0) {
			if (held[i] % (al * K4) != 0)
				w->errors++;
			stamp(held[i], n, mark);
			count[i] = n;
			w->allocs++;
		} else if (rc == AXV_ENOMEM) {
			w->enomem++;
		} else {
			w->errors++;
		}
	}
	for (size_t i = 0; i < HELD; i++)
		if (count[i] && axv_frame_pool_free(&pool, held[i], count[i]) != 0)
			w->errors++;
	return NULL;
}

int main(void)
{
	unsigned char *mem = mmap(NULL, (size_t)NF * K4, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED, "mmap");
	CHECK(axv_frame_pool_init(&pool, 0x40000000ull, mem, (uint64_t)NF * K4, bitmap,
				  NF / 64) == 0, "init");
	CHECK(axv_frame_pool_set_lock(&pool, lk, ulk, &mu) == 0, "lock hooks");
	static struct worker w[THREADS];
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i].index = i;
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	unsigned long allocs = 0, enomem = 0;
	for (int i = 0; i < THREADS; i++) {
		CHECK(w[i].errors == 0, "worker %d: %lu errors", i, w[i].errors);
		CHECK(w[i].corrupt == 0, "worker %d: %lu runs overwritten by another cpu", i,
		      w[i].corrupt);
		CHECK(w[i].allocs > 1000, "worker %d allocated only %lu times", i, w[i].allocs);
		allocs += w[i].allocs;
		enomem += w[i].enomem;
	}
	CHECK(enomem > 0, "the pool never ran out: exhaustion under contention untested");
	CHECK(axv_frame_pool_free_frames(&pool) == NF, "%zu of %d frames free at the end",
	      axv_frame_pool_free_frames(&pool), NF);
	/* the whole pool is one free run again: nothing was lost or linked twice */
	axv_hpa_t pa;
	CHECK(axv_frame_pool_alloc(&pool, NF, 1, &pa) == 0, "whole pool as one run");
	CHECK(axv_frame_pool_free(&pool, pa, NF) == 0, "free the whole pool");
	printf("allocations %lu, exhausted %lu times\n", allocs, enomem);
	munmap(mem, (size_t)NF * K4);
	return tcheck_done("frame_pool_locked");
}
