/*
 * Mock HAL for the unit tests.
 *
 * Frames come from a libaxv frame pool (axv/frame_pool.h) over an mmap'ed host region, with
 * the pool's bitmap in calloc'ed storage, but their "physical" addresses are
 * MOCK_PHYS_BASE + offset (or another base: mock_hal_init_at(), 0 included), never equal
 * to the host pointers: code that confuses the two faults or fails. It counts live frames,
 * can fail the Nth allocation, can hand out misaligned runs, poisons frames on allocation and
 * on free, records TLB and IPI calls, and checks for leaks and bad frees at teardown.
 *
 * With `guard` set, every run handed out is followed by a guard frame of its own: filled with
 * MOCK_GUARD_BYTE, poisoned for AddressSanitizer (so a write past the end of a run is
 * reported where it happens) and checked when the run is freed (so other builds catch it
 * too: mock_hal_clean() reports it). Without a guard, the frame after a run may be any other
 * live frame, a guest page say, and an overrun goes unnoticed.
 */
#ifndef AXV_TESTS_MOCK_HAL_H
#define AXV_TESTS_MOCK_HAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <axv/frame_pool.h>
#include <axv/hal.h>

/* 1 TiB: far from any host pointer, and aligned to every leaf size. */
#define MOCK_PHYS_BASE 0x10000000000ull
#define MOCK_POISON_ALLOC 0xa5
#define MOCK_POISON_FREE 0xdb
#define MOCK_GUARD_BYTE 0x6b
#define MOCK_MAX_CPUS 8

struct mock_hal {
	struct axv_hal hal;
	struct axv_hal_mem_ops mem;
	struct axv_hal_tlb_ops tlb;
	struct axv_hal_cpu_ops cpu;

	pthread_mutex_t lock;
	unsigned char *pool;        /* host mapping of the region: fixed frames, then the pool */
	size_t frames;              /* frames in the pool */
	size_t fixed;               /* frames before the pool that are never handed out */
	axv_hpa_t phys_base;        /* "physical" address of the region's first frame */
	unsigned *run_len;          /* at a run's first frame: its length; 0 elsewhere */
	unsigned char *gstate;      /* per frame: first of a guarded run, a guard, or neither */
	struct axv_frame_pool fpool; /* the allocator: libaxv's frame pool */
	uint64_t *bitmap;           /* its bitmap (caller storage) */

	/* accounting */
	size_t live, peak;
	unsigned long alloc_calls, free_calls;
	unsigned long bad_frees;  /* frees of runs not handed out, or with the wrong count */
	unsigned long stray_ptrs; /* phys_to_virt of a pool frame that is not allocated */
	bool poison;              /* fill frames on alloc and free (default on) */
	bool guard;               /* give each new run a guard frame (default off) */
	unsigned long guard_hits; /* guard frames found written when their run was freed */

	/* fault injection */
	unsigned long fail_nth;  /* the alloc_calls value that fails (0: never) */
	bool fail_from;          /* fail every allocation from fail_nth on */
	bool misalign_next;      /* hand out the next run misaligned */
	axv_hpa_t misaligned_pa; /* the misaligned address handed out, accepted by free */
	unsigned long failed_allocs;

	/* TLB hook record */
	unsigned long tlb_range_calls, tlb_all_calls;
	uint64_t tlb_last_tag;
	axv_gpa_t tlb_last_gpa;
	uint64_t tlb_last_size;

	/* cpu hooks */
	uint32_t cur_cpu;
	atomic_ulong ipis[MOCK_MAX_CPUS];
	uint64_t now;

	/* log */
	unsigned long logs[4];
	char last_log[160];
};

/* Set up a mock with a pool of `frames` frames. Aborts the test on host failure. */
void mock_hal_init(struct mock_hal *m, size_t frames);
/* The same with the pool at "physical" address `base` (4 KiB aligned; 0 is allowed). */
void mock_hal_init_at(struct mock_hal *m, size_t frames, axv_hpa_t base);
/* The same with `fixed` frames at `base` before the pool: memory with host mappings that the
 * allocator never hands out (a test maps it linearly, as device or reserved RAM). */
void mock_hal_init_fixed(struct mock_hal *m, size_t frames, axv_hpa_t base, size_t fixed);
/* Reset the allocator to its state right after init (every frame free, counters cleared),
 * with the region at phys_base (which the caller may change first); only when nothing is
 * live. For harnesses that reuse one mock across inputs. */
void mock_hal_reset(struct mock_hal *m);
/* Release the pool (no checks: see mock_hal_clean()). */
void mock_hal_fini(struct mock_hal *m);
/* True if no frame is live, no free was bad, no stray pointer was taken and no guard frame
 * was written; else says why. */
bool mock_hal_clean(const struct mock_hal *m, char *why, size_t len);
/* The same as a Criterion expectation (only where criterion.h is included). */
#define MOCK_HAL_CHECK_CLEAN(m)                                                            \
	do {                                                                               \
		char why_[160];                                                            \
		cr_expect(mock_hal_clean((m), why_, sizeof(why_)), "%s", why_);            \
	} while (0)

/* Fail the n-th allocation from now (1: the next one); 0 disables. */
void mock_hal_fail_nth(struct mock_hal *m, unsigned long n);
/* Fail every allocation from the n-th from now on; 0 disables. */
void mock_hal_fail_from(struct mock_hal *m, unsigned long n);

/* Physical address <-> host pointer, for assertions. */
void *mock_hal_ptr(struct mock_hal *m, axv_hpa_t pa);
bool mock_hal_is_live(struct mock_hal *m, axv_hpa_t pa);

#endif
