/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the host mock HAL (mock_hal.c) and the loongarch64 image's HAL (la64-runner/hal.c)
 * share, defined once in mock_hal_hooks.c: the pool geometry, allocation bookkeeping and
 * fault injection, the TLB, cpu, clock and log hooks, and the set-up of the hook tables.
 * Each HAL keeps its own memory hooks (alloc, free, phys_to_virt: the host one has guard
 * frames and a lock), its storage and its teardown.
 */
#ifndef AXV_TESTS_MOCK_HAL_HOOKS_H
#define AXV_TESTS_MOCK_HAL_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include "mock_hal.h"

/* True if `pa` is in the region (fixed frames or pool). */
bool mock_hal_in_pool(const struct mock_hal *m, axv_hpa_t pa);
/* The frame index of `pa` in the region. */
size_t mock_hal_index_of(const struct mock_hal *m, axv_hpa_t pa);
/* Whether this allocation (alloc_calls already counted) is one to fail; counts it. */
bool mock_hal_should_fail(struct mock_hal *m);
/* Count an allocation call; true if it is refused (bad count or alignment, or injected). */
bool mock_hal_alloc_refused(struct mock_hal *m, size_t count, size_t align);
/* Hand out a run that is deliberately not aligned as asked (m->misalign_next): sub-frame for
 * align 1, else one frame past an aligned run of count + 1 (whose first frame goes back). */
int mock_hal_alloc_misaligned(struct mock_hal *m, size_t count, size_t align, axv_hpa_t *pa);
/* Count a free call and check it (the misaligned address handed out is taken back as its
 * frame, in *pa): false, counted as a bad free, if it is not a run handed out with `count`. */
bool mock_hal_free_ok(struct mock_hal *m, axv_hpa_t *pa, size_t count);
/* Book a run the pool handed out at frame index `i`: record its length, count it, poison it. */
void mock_hal_take(struct mock_hal *m, size_t i, size_t count);
/* (Re)initialise the frame pool over the region after the fixed frames. */
int mock_hal_pool_init(struct mock_hal *m);
/* Report a broken test set-up ("<HAL>: <what>: <n>") and abort: each HAL defines it over its
 * own console. */
_Noreturn void mock_hal_fatal(const char *what, unsigned long n);
/* Fill the hook tables and m->hal: the given memory hooks, the shared virt_to_phys, TLB,
 * cpu, clock and log hooks. */
void mock_hal_set_hooks(struct mock_hal *m, int (*alloc)(void *, size_t, size_t, axv_hpa_t *),
			void (*free_run)(void *, axv_hpa_t, size_t),
			void *(*p2v)(void *, axv_hpa_t));

#endif
