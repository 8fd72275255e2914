/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the aarch64 port: the EL2 run loop with an early exit hook, for the vcpu layer's
 * fast path (vcpu.c, struct axv_vcpu_fast).
 */
#ifndef AXV_PORT_A64_RUN_EL2_H
#define AXV_PORT_A64_RUN_EL2_H

#include <axv/arch/aarch64.h>

/* Called inside the EL2 run loop right after an exit, with the guest's EL1 and FP/SIMD state
 * still in the cpu (the context's hw_sync set, so axv_a64_ctx_sync() works): true when the
 * exit was completed and the guest is to be entered again at once, false to leave the loop
 * and return from the run. The re-entry issues no ISB for the hook: a hook that writes a system
 * register the guest's execution depends on synchronises it itself. */
typedef bool (*a64_early_fn)(void *arg, struct axv_a64_ctx *c);

/* axv_a64_run() with @early (may be NULL: axv_a64_run() itself) offered every exit the
 * library does not finish itself (debug register accesses). */
int a64_run_early(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c, a64_early_fn early,
		  void *arg);

#endif
