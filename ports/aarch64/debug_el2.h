/* SPDX-License-Identifier: Apache-2.0 */
/* Private: loading and saving a guest's debug registers on this cpu (EL2 only). */
#ifndef AXV_PORT_A64_DEBUG_EL2_H
#define AXV_PORT_A64_DEBUG_EL2_H

#include <axv/arch/aarch64.h>

/* Read the breakpoint and watchpoint counts from ID_AA64DFR0_EL1 into cpu->nr_brps/nr_wrps
 * and unlock the cpu's OS Lock and OS Double Lock (the guest's are emulated). */
void a64_debug_cpu_init(struct axv_a64_cpu *cpu);
/* Write d to the cpu's debug registers (MDSCR_EL1 as axv_a64_debug_hw_mdscr() says). */
void a64_debug_load(const struct axv_a64_cpu *cpu, const struct axv_a64_debug *d);
/* Write only MDSCR_EL1 and MDCCINT_EL1 (after an emulated access while locked). */
void a64_debug_load_ctl(const struct axv_a64_debug *d);
/* Read the registers the guest may write while it has them (MDCR_EL2.TDA clear) into d. */
void a64_debug_save(const struct axv_a64_cpu *cpu, struct axv_a64_debug *d);
/* Disable whatever a guest left armed (every DBGBCR/DBGWCR.E, MDSCR_EL1), for a cpu leaving
 * guest service: with HCR_EL2 back to the host's, it may run EL1 code of its own. */
void a64_debug_cpu_release(const struct axv_a64_cpu *cpu);

#endif
