/* SPDX-License-Identifier: Apache-2.0 */
/* Private: system register access for EL2 code. Names follow DDI 0487; the GIC registers are
 * spelled by encoding (IHI 0069, 12.5) so any assembler accepts them. */
#ifndef AXV_PORT_A64_SYSREG_H
#define AXV_PORT_A64_SYSREG_H

#include <stdint.h>

#define SYSREG_RW(fn, name)                                                                \
	static inline uint64_t rd_##fn(void)                                               \
	{                                                                                  \
		uint64_t v;                                                                \
		__asm__ volatile("mrs %0, " name : "=r"(v));                               \
		return v;                                                                  \
	}                                                                                  \
	static inline void wr_##fn(uint64_t v)                                             \
	{                                                                                  \
		__asm__ volatile("msr " name ", %0" : : "r"(v) : "memory");                \
	}

/* One case n of a switch over numbered registers: reads the register spelled name into v, or
 * writes v to it when write is true (no compiler barrier, as the callers' accessors had). */
#define SYSREG_CASE(n, name)                                                               \
	case n:                                                                            \
		if (write)                                                                 \
			__asm__ volatile("msr " name ", %0" : : "r"(v));                   \
		else                                                                       \
			__asm__ volatile("mrs %0, " name : "=r"(v));                       \
		break;

SYSREG_RW(currentel, "currentel")
SYSREG_RW(sctlr_el1, "sctlr_el1")
SYSREG_RW(actlr_el1, "actlr_el1")
SYSREG_RW(cpacr_el1, "cpacr_el1")
SYSREG_RW(ttbr0_el1, "ttbr0_el1")
SYSREG_RW(ttbr1_el1, "ttbr1_el1")
SYSREG_RW(tcr_el1, "tcr_el1")
SYSREG_RW(mair_el1, "mair_el1")
SYSREG_RW(amair_el1, "amair_el1")
SYSREG_RW(vbar_el1, "vbar_el1")
SYSREG_RW(contextidr_el1, "contextidr_el1")
SYSREG_RW(tpidr_el0, "tpidr_el0")
SYSREG_RW(tpidrro_el0, "tpidrro_el0")
SYSREG_RW(tpidr_el1, "tpidr_el1")
SYSREG_RW(esr_el1, "esr_el1")
SYSREG_RW(far_el1, "far_el1")
SYSREG_RW(afsr0_el1, "afsr0_el1")
SYSREG_RW(afsr1_el1, "afsr1_el1")
SYSREG_RW(par_el1, "par_el1")
SYSREG_RW(csselr_el1, "csselr_el1")
SYSREG_RW(cntkctl_el1, "cntkctl_el1")
SYSREG_RW(cntv_ctl_el0, "cntv_ctl_el0")
SYSREG_RW(cntv_cval_el0, "cntv_cval_el0")
SYSREG_RW(cntp_ctl_el0, "cntp_ctl_el0")
SYSREG_RW(cntp_cval_el0, "cntp_cval_el0")
SYSREG_RW(sp_el1, "sp_el1")
SYSREG_RW(elr_el1, "elr_el1")
SYSREG_RW(spsr_el1, "spsr_el1")
SYSREG_RW(vmpidr_el2, "vmpidr_el2")
SYSREG_RW(hcr_el2, "hcr_el2")
SYSREG_RW(vttbr_el2, "vttbr_el2")
SYSREG_RW(vtcr_el2, "vtcr_el2")
SYSREG_RW(vbar_el2, "vbar_el2")
SYSREG_RW(tpidr_el2, "tpidr_el2")
SYSREG_RW(cptr_el2, "cptr_el2")
SYSREG_RW(cnthctl_el2, "cnthctl_el2")
SYSREG_RW(cntvoff_el2, "cntvoff_el2")
SYSREG_RW(mdcr_el2, "mdcr_el2")
SYSREG_RW(pmcr_el0, "pmcr_el0")
SYSREG_RW(icc_sre_el2, "S3_4_C12_C9_5")
SYSREG_RW(ich_hcr_el2, "S3_4_C12_C11_0")
SYSREG_RW(ich_vtr_el2, "S3_4_C12_C11_1")
SYSREG_RW(ich_misr_el2, "S3_4_C12_C11_2")
SYSREG_RW(ich_eisr_el2, "S3_4_C12_C11_3")
SYSREG_RW(ich_elrsr_el2, "S3_4_C12_C11_5")
SYSREG_RW(ich_vmcr_el2, "S3_4_C12_C11_7")
SYSREG_RW(ich_ap0r0_el2, "S3_4_C12_C8_0")
SYSREG_RW(ich_ap0r1_el2, "S3_4_C12_C8_1")
SYSREG_RW(ich_ap0r2_el2, "S3_4_C12_C8_2")
SYSREG_RW(ich_ap0r3_el2, "S3_4_C12_C8_3")
SYSREG_RW(ich_ap1r0_el2, "S3_4_C12_C9_0")
SYSREG_RW(ich_ap1r1_el2, "S3_4_C12_C9_1")
SYSREG_RW(ich_ap1r2_el2, "S3_4_C12_C9_2")
SYSREG_RW(ich_ap1r3_el2, "S3_4_C12_C9_3")
SYSREG_RW(icc_iar1_el1, "S3_0_C12_C12_0")
SYSREG_RW(icc_eoir1_el1, "S3_0_C12_C12_1")
SYSREG_RW(icc_dir_el1, "S3_0_C12_C11_1")

static inline void isb(void)
{
	__asm__ volatile("isb" : : : "memory");
}

/* The running cpu's per-cpu data: TPIDR_EL2 holds a pointer to it (set by per-cpu enable;
 * the exception vectors use it too). */
struct axv_a64_cpu;
static inline struct axv_a64_cpu *a64_this_cpu(void)
{
	/* NOLINTNEXTLINE(performance-no-int-to-ptr): TPIDR_EL2 holds a pointer by design */
	return (struct axv_a64_cpu *)(uintptr_t)rd_tpidr_el2();
}

#endif
