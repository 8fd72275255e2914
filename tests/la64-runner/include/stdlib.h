/* SPDX-License-Identifier: Apache-2.0 */
/* The loongarch64 test image's <stdlib.h>: rand()/srand() (a fixed 31-bit generator, so a
 * seeded test sees one reproducible sequence) and abort() (fails the running test). */
#ifndef AXV_LA64_RUNNER_STDLIB_H
#define AXV_LA64_RUNNER_STDLIB_H
#include <stddef.h>
#define RAND_MAX 0x7fffffff
int rand(void);
void srand(unsigned seed);
_Noreturn void abort(void);
#endif
