/* The HAL's address hooks of the example hypervisors, which run with host virtual = host
 * physical (aarch64: EL2 identity-mapped; riscv64: HS-mode with satp = 0, Bare; x86_64: the
 * first 4 GiB identity-mapped by start.S). */
#ifndef EXAMPLE_HAL_IDENTITY_H
#define EXAMPLE_HAL_IDENTITY_H

#include <stdint.h>

#include <axv/hal.h>

static inline void *hal_identity_p2v(void *ctx, axv_hpa_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static inline axv_hpa_t hal_identity_v2p(void *ctx, const void *va)
{
	(void)ctx;
	return (axv_hpa_t)(uintptr_t)va;
}

#endif
