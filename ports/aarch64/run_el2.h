/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the aarch64 port: the EL2 run loop with an early exit hook, for the vcpu layer's
 * fast path (vcpu.c, struct axv_vcpu_fast).
 */
#ifndef AXV_PORT_A64_RUN_EL2_H
#define AXV_PORT_A64_RUN_EL2_H

#include <axv/arch/aarch64.h>
#include "a64_hw.h"

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

/* Called by the vector table (entry.S) for a synchronous exit of a run with one, with the
 * guest's general registers, ELR_EL2, SPSR_EL2 and the syndrome in the context and SP_EL0
 * still in the cpu (the context's sp_el0 is stale: the hook must not use it), on the host's
 * stack below the run loop's frame, the EL1 and FP/SIMD registers in the cpu (hw_sync set).
 * Returns 1 when the exit was completed and the guest is to be entered again at once, which
 * it may only do when a64_needs_loop() is false: entry.S then writes ELR_EL2 and SPSR_EL2
 * only if the context's pc or pstate changed, and ERETs. Otherwise returns 0 with its
 * decision in cpu->vec_held (A64_VEC_*) for the run loop, which then does not call the
 * early hook for this exit (none: it does); a debug register access (a64_debug_sys())
 * it finishes with a64_vec_debug() or leaves to the loop with nothing held. */
typedef uint64_t (*a64_vec_fn)(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c);

/* axv_a64_run() with @early (may be NULL: axv_a64_run() itself) offered every exit the
 * library does not finish itself (debug register accesses) and, with @vec, every
 * synchronous one from the vector table first; @arg is the early hook's and, in
 * cpu->vec_arg, the vector hook's. */
int a64_run_early(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c, a64_early_fn early,
		  a64_vec_fn vec, void *arg);

/* For a vector hook: finish a debug register access (a64_debug_sys()) as the run loop does
 * (axv_a64_debug_trap(), the debug registers and MDCR_EL2.TDA updated, then an ISB), so that
 * the guest may be entered again from the vector. False: not one the library emulates
 * (nothing changed; the loop tries it again and gives it to the early hook). */
bool a64_vec_debug(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c);

/* Could the exit be a debug register access (the run loop's debug_exit())? A trapped system
 * register access with op0 = 2 (DDI 0487 D17.2.37, ISS of EC 0x18: Op0 [21:20]). */
static inline bool a64_debug_sys(const struct axv_a64_ctx *c)
{
	return c->trap == AXV_A64_TRAP_SYNC &&
	       ((c->esr >> AXV_A64_ESR_EC_SHIFT) & AXV_A64_ESR_EC_MASK) == AXV_A64_EC_SYS64 &&
	       ((c->esr >> AXV_A64_SYS_OP0_SHIFT) & 3u) == 2u;
}

/* Does the re-entry after a completed exit need the run loop (a context change the entry
 * must load: an injected exception's EL1 registers, another HCR_EL2, VTTBR_EL2 or
 * CNTVOFF_EL2)? */
static inline bool a64_needs_loop(const struct axv_a64_cpu *cpu, const struct axv_a64_ctx *c)
{
	return c->el1_dirty || cpu->hcr_cur != (c->hcr ? c->hcr : AXV_A64_HCR_GUEST) ||
	       cpu->vttbr_cur != c->vttbr || cpu->cntvoff_cur != c->cntvoff;
}

/* Forget that context @c ran last on @cpu for its VMID (it leaves the cpu: unbind): the next
 * context of the VMID here, @c included, flushes the cpu's stage-1 entries of the VMID. */
void a64_s1_forget(struct axv_a64_cpu *cpu, const struct axv_a64_ctx *c);

#endif
