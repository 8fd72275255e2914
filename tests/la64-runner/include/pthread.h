/* SPDX-License-Identifier: Apache-2.0 */
/* The loongarch64 test image runs one cpu and no threads: mock_hal.h's lock is a stub. */
#ifndef AXV_LA64_RUNNER_PTHREAD_H
#define AXV_LA64_RUNNER_PTHREAD_H
typedef struct {
	int unused;
} pthread_mutex_t;
#endif
