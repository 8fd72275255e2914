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

/* A function id in the PSCI ranges (DEN 0022D.b 5.1: 0x8400_0000-0x8400_001F for SMC32/HVC32,
 * 0xC400_0000-0xC400_001F for SMC64/HVC64): decode.c answers it or hands it on as PSCI. */
static inline bool a64_psci_id(uint64_t fid)
{
	return (fid >= 0x84000000u && fid <= 0x8400001fu) ||
	       (fid >= 0xc4000000u && fid <= 0xc400001fu);
}

/* struct axv_a64_cpu::vec_held: what the vector's call of the hook decided. */
#define A64_VEC_NONE 0u  /* not called (or nothing held) */
#define A64_VEC_GO 1u    /* completed; the loop enters again (after loading what changed) */
#define A64_VEC_LEAVE 2u /* not completed, or completed and the owner wants control */

/* axv_a64_run() with @early (may be NULL: axv_a64_run() itself) offered every exit the
 * library does not finish itself (debug register accesses). A synchronous exit is offered
 * from the vector table, before the guest's frame is left (SP_EL0 is then still in the cpu
 * and the context's sp_el0 stale: the hook must not use it); when the hook completes it and
 * the context needs no reload the guest is entered again from there. */
int a64_run_early(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c, a64_early_fn early,
		  void *arg);

#endif
