/* Several cpus, one HAL, one frame context each: the library keeps no hidden shared state,
 * so this is race-free (run under ThreadSanitizer by scripts/test.sh). */
#include <pthread.h>

#include <axv/err.h>
#include <axv/frame.h>

#include "mock_hal.h"
#include "tcheck.h"

enum { THREADS = 4, ROUNDS = 2000, HELD = 16 };

static struct mock_hal mh;

struct worker {
	struct axv_frames fr;
	int errors;
	size_t peak;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	axv_hpa_t held[HELD] = {0};
	size_t count[HELD] = {0};
	unsigned seed = (unsigned)(w - (struct worker *)0);
	for (int r = 0; r < ROUNDS; r++) {
		size_t i = (size_t)rand_r(&seed) % HELD;
		if (count[i]) {
			if (axv_frame_free_run(&w->fr, held[i], count[i]) != 0)
				w->errors++;
			count[i] = 0;
		} else {
			size_t n = 1 + (size_t)rand_r(&seed) % 4;
			if (axv_frame_alloc_run(&w->fr, n, n == 4 ? 4 : 1, AXV_FRAME_ZEROED,
						&held[i]) == 0)
				count[i] = n;
		}
	}
	for (size_t i = 0; i < HELD; i++)
		if (count[i] && axv_frame_free_run(&w->fr, held[i], count[i]) != 0)
			w->errors++;
	w->peak = axv_frames_peak(&w->fr);
	return NULL;
}

int main(void)
{
	static struct worker w[THREADS];
	pthread_t t[THREADS];
	mock_hal_init(&mh, 4096);
	mh.poison = false; /* the pool's poison writes are the mock's, not the library's */
	for (int i = 0; i < THREADS; i++)
		CHECK(axv_frames_init(&w[i].fr, &mh.hal) == 0, "init %d", i);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, work, &w[i]);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < THREADS; i++) {
		CHECK(w[i].errors == 0, "worker %d: %d errors", i, w[i].errors);
		CHECK(w[i].peak > 0, "worker %d allocated nothing", i);
		CHECK(axv_frames_live(&w[i].fr) == 0, "worker %d holds frames", i);
		CHECK(axv_frames_destroy(&w[i].fr) == 0, "destroy %d", i);
	}
	char why[160];
	CHECK(mock_hal_clean(&mh, why, sizeof(why)), "%s", why);
	mock_hal_fini(&mh);
	return tcheck_done("frames_shared_hal");
}
