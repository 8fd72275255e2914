/* Translations and guest-memory reads of one address space on several cpus at once, as the
 * API allows (not concurrently with a mutating call). They fill the translation cache
 * concurrently: words of the same slot, and its "used" flag, written by several threads
 * with the same value through relaxed atomics. Each thread checks every answer against the
 * linear mapping; between rounds the main thread protects and unmaps part of the space (the
 * threads stopped), so later rounds must see the change and not a stale cache word. Run
 * under ThreadSanitizer by scripts/test.sh (a plain-C program: Criterion cannot). */
#include <pthread.h>
#include <string.h>

#include <axv/addrspace.h>
#include <axv/arch/x86_64.h>
#include <axv/err.h>

#include "mock_hal.h"
#include "tcheck.h"

enum { THREADS = 4, ROUNDS = 4, LOOKUPS = 20000 };
#define K4 0x1000ull
#define M2 0x200000ull
#define BASE 0x40000000ull
#define SIZE (64 * M2)
#define HPA (0x2c0000000ull + K4) /* not 2 MiB aligned: 4 KiB leaves, a leaf table each */

static struct mock_hal mh;
static struct axv_addrspace as;
static uint64_t holes_lo, holes_hi; /* unmapped in this round: [lo, hi) */
static axv_map_flags_t high_flags;   /* flags of the top half in this round */

struct worker {
	unsigned seed;
	unsigned long wrong;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < LOOKUPS; i++) {
		uint64_t off = ((uint64_t)rand_r(&w->seed) * 4099u) % SIZE;
		uint64_t g = BASE + off;
		axv_hpa_t hpa = 0;
		axv_map_flags_t fl = 0;
		uint64_t left = 0;
		int rc = axv_addrspace_translate(&as, g, &hpa, &fl, &left);
		if (g >= holes_lo && g < holes_hi) {
			w->wrong += rc != AXV_ENOENT;
			continue;
		}
		axv_map_flags_t want = off >= SIZE / 2 ? high_flags : (AXV_MAP_READ | AXV_MAP_WRITE);
		w->wrong += rc != 0 || hpa != HPA + off || fl != want || left != K4 - (g & (K4 - 1));
	}
	return NULL;
}

int main(void)
{
	mock_hal_init(&mh, 4096);
	CHECK(axv_addrspace_init(&as, &mh.hal, &axv_pt_ept, BASE, SIZE, 1) == 0, "init");
	CHECK(axv_addrspace_map_linear(&as, BASE, HPA, SIZE, AXV_MAP_READ | AXV_MAP_WRITE) == 0,
	      "map");
	high_flags = AXV_MAP_READ | AXV_MAP_WRITE;
	for (int r = 0; r < ROUNDS; r++) {
		static struct worker w[THREADS];
		pthread_t t[THREADS];
		for (int i = 0; i < THREADS; i++) {
			w[i].seed = (unsigned)(r * THREADS + i) * 7919u + 1;
			w[i].wrong = 0;
			pthread_create(&t[i], NULL, work, &w[i]);
		}
		for (int i = 0; i < THREADS; i++) {
			pthread_join(t[i], NULL);
			CHECK(w[i].wrong == 0, "round %d, thread %d: %lu wrong answers", r, i,
			      w[i].wrong);
		}
		/* the threads stopped: change the space for the next round */
		high_flags = r % 2 ? (AXV_MAP_READ | AXV_MAP_WRITE) : AXV_MAP_READ;
		CHECK(axv_addrspace_protect(&as, BASE + SIZE / 2, SIZE / 2, high_flags) == 0,
		      "protect");
		uint64_t lo = BASE + (uint64_t)(r + 1) * 3 * M2, hi = lo + M2 + 5 * K4;
		CHECK(axv_addrspace_unmap(&as, lo, hi - lo) == 0, "unmap");
		if (holes_hi > holes_lo) /* the last round's hole, mapped again */
			CHECK(axv_addrspace_map_linear(&as, holes_lo, HPA + (holes_lo - BASE),
						       holes_hi - holes_lo,
						       AXV_MAP_READ | AXV_MAP_WRITE) == 0,
			      "map back");
		holes_lo = lo;
		holes_hi = hi;
	}
	CHECK(axv_addrspace_destroy(&as) == 0, "destroy");
	char why[160];
	CHECK(mock_hal_clean(&mh, why, sizeof(why)), "%s", why);
	mock_hal_fini(&mh);
	return tcheck_done("addrspace-translate-threads");
}
