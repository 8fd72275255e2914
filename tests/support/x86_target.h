/* Shared by the x86 decoder tests and fuzz harnesses: an exit-completion target over a plain
 * struct axv_x86_gprs (the context pointer); the instruction pointer is not modelled, so
 * advancing it is accepted and ignored. */
#ifndef AXV_TESTS_X86_TARGET_H
#define AXV_TESTS_X86_TARGET_H

#include <axv/arch/x86_64.h>
#include <axv/exit.h>

static int x86_target_set(void *ctx, unsigned reg, uint64_t v)
{
	return axv_x86_gpr_set(ctx, reg, v);
}

static int x86_target_get(void *ctx, unsigned reg, uint64_t *v)
{
	return axv_x86_gpr_get(ctx, reg, v);
}

static int x86_target_advance(void *ctx, uint8_t len)
{
	(void)ctx;
	(void)len;
	return 0;
}

/* The target over `gprs`. */
static inline struct axv_exit_target x86_target(struct axv_x86_gprs *gprs)
{
	return (struct axv_exit_target){x86_target_set, x86_target_advance, gprs, x86_target_get};
}

#endif
