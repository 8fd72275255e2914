/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the aarch64 port (and its tests): the hardware encodings the port decodes and
 * programs that embedders do not use. What embedders use is in <axv/arch/aarch64.h> (the
 * API) and <axv/arch/aarch64_hw.h> (exception classes, system-register ids).
 */
#ifndef AXV_PORT_AARCH64_A64_HW_H
#define AXV_PORT_AARCH64_A64_HW_H

#include <axv/arch/aarch64.h>
#include <axv/arch/aarch64_hw.h>

/** @name PSCI (Arm DEN 0022D.b) functions the port handles itself (chapter 5)
 * @{ */
#define AXV_PSCI_VERSION 0x84000000u           /**< PSCI_VERSION */
#define AXV_PSCI_CPU_SUSPEND_32 0x84000001u    /**< CPU_SUSPEND, SMC32 */
#define AXV_PSCI_CPU_SUSPEND_64 0xc4000001u    /**< CPU_SUSPEND, SMC64 */
#define AXV_PSCI_CPU_OFF 0x84000002u           /**< CPU_OFF */
#define AXV_PSCI_CPU_ON_32 0x84000003u         /**< CPU_ON, SMC32 */
#define AXV_PSCI_CPU_ON_64 0xc4000003u         /**< CPU_ON, SMC64 */
#define AXV_PSCI_MIGRATE_INFO_TYPE 0x84000006u /**< MIGRATE_INFO_TYPE */
#define AXV_PSCI_SYSTEM_OFF 0x84000008u        /**< SYSTEM_OFF */
#define AXV_PSCI_SYSTEM_RESET 0x84000009u      /**< SYSTEM_RESET */
#define AXV_PSCI_FEATURES 0x8400000au          /**< PSCI_FEATURES */
#define AXV_PSCI_VERSION_1_0 0x00010000u       /**< the version this port implements */
/** CPU_SUSPEND power_state, original format (5.4): the reserved bits [31:26], [23:17]. */
#define AXV_PSCI_POWER_STATE_RESERVED 0xfcfe0000u
#define AXV_PSCI_MIGRATE_NOT_REQUIRED 2        /**< MIGRATE_INFO_TYPE: no trusted OS to migrate */
/** @} */

/** @name Data/instruction abort ISS (DDI 0487 D17.2.37, "ISS encoding for an exception from a Data Abort")
 * @{ */
#define AXV_A64_DABT_ISV (1u << 24)     /**< syndrome fields [23:14] are valid */
#define AXV_A64_DABT_SAS_SHIFT 22u      /**< access size: 0 byte, 1 half, 2 word, 3 double */
#define AXV_A64_DABT_SSE (1u << 21)     /**< sign-extend the loaded value */
#define AXV_A64_DABT_SRT_SHIFT 16u      /**< register transferred, 5 bits */
#define AXV_A64_DABT_SF (1u << 15)      /**< the register is 64-bit (X), else 32-bit (W) */
#define AXV_A64_DABT_AR (1u << 14)      /**< acquire/release semantics */
#define AXV_A64_DABT_FNV (1u << 10)     /**< FAR is not valid */
#define AXV_A64_DABT_EA (1u << 9)       /**< external abort type */
#define AXV_A64_DABT_CM (1u << 8)       /**< cache maintenance */
#define AXV_A64_DABT_S1PTW (1u << 7)    /**< fault on a stage-2 walk of a stage-1 table */
#define AXV_A64_DABT_WNR (1u << 6)      /**< write, not read */
#define AXV_A64_FSC_MASK 0x3fu          /**< DFSC / IFSC, bits [5:0] */
#define AXV_A64_FSC_TYPE_MASK 0x3cu     /**< fault status code without the level */
#define AXV_A64_FSC_ADDR_SIZE 0x00u     /**< address size fault, levels 0-3 */
#define AXV_A64_FSC_TRANS 0x04u         /**< translation fault, levels 0-3 */
#define AXV_A64_FSC_ACCESS 0x08u        /**< access flag fault, levels 0-3 */
#define AXV_A64_FSC_PERM 0x0cu          /**< permission fault, levels 0-3 */
#define AXV_A64_FSC_SEA 0x10u           /**< synchronous external abort */
/** @} */

/** PSTATE.SS (SPSR_ELx bit 21): software step active-not-pending (DDI 0487 D2.11.3). */
#define AXV_A64_PSTATE_SS (1ull << 21)

/** @name Debug system registers, as the EC 0x18 syndrome names them (op0 = 2; DDI 0487,
 *  the debug register descriptions)
 * @{ */
#define AXV_A64_MDRAR_EL1 AXV_A64_SYSREG(2, 0, 1, 0, 0)   /**< debug ROM address (RO) */
#define AXV_A64_OSLAR_EL1 AXV_A64_SYSREG(2, 0, 1, 0, 4)   /**< OS Lock access (WO): OSLK [0] */
#define AXV_A64_OSLSR_EL1 AXV_A64_SYSREG(2, 0, 1, 1, 4)   /**< OS Lock status (RO) */
#define AXV_A64_OSDLR_EL1 AXV_A64_SYSREG(2, 0, 1, 3, 4)   /**< OS Double Lock: DLK [0] */
#define AXV_A64_DBGPRCR_EL1 AXV_A64_SYSREG(2, 0, 1, 4, 4) /**< power-down request: CORENPDRQ [0] */
/** OSLSR_EL1 with the OS Lock unlocked: OSLM = 0b10 (bits 3 and 0), "OS Lock implemented". */
#define AXV_A64_OSLSR_OSLM_IMPL 0x8u
/** OSLSR_EL1.OSLK, bit 1: the OS Lock is locked. */
#define AXV_A64_OSLSR_OSLK 0x2u
#define AXV_A64_MDSCR_EL1 AXV_A64_SYSREG(2, 0, 0, 2, 2)   /**< monitor debug system control */
#define AXV_A64_MDCCINT_EL1 AXV_A64_SYSREG(2, 0, 0, 2, 0) /**< DCC interrupt enable */
/** MDSCR_EL1.SS, bit 0: software step enable (D2.3). */
#define AXV_A64_MDSCR_SS (1ull << 0)
/** MDSCR_EL1.KDE, bit 13: debug exceptions enabled at the debug target EL (D2.3.1). */
#define AXV_A64_MDSCR_KDE (1ull << 13)
/** MDSCR_EL1.MDE, bit 15: breakpoint and watchpoint exceptions enabled (D2.3). */
#define AXV_A64_MDSCR_MDE (1ull << 15)
/** @} */

/** HCR_EL2 for a guest: VM, SWIO, FMO, IMO, AMO, FB, BSU=IS, TWI, TSC, RW (DDI 0487 D17.2.48). */
#define AXV_A64_HCR_GUEST                                                                   \
	((1ull << 0) | (1ull << 1) | (1ull << 3) | (1ull << 4) | (1ull << 5) | (1ull << 9) |  \
	 (1ull << 10) | (1ull << 13) | (1ull << 19) | (1ull << 31))

/** @name ICH_LR<n>_EL2 fields (IHI 0069, 12.4.6)
 * @{ */
#define AXV_A64_LR_STATE_SHIFT 62u            /**< State [63:62]: 1 pending, 2 active, 3 both */
#define AXV_A64_LR_PENDING (1ull << 62)       /**< State = pending */
#define AXV_A64_LR_ACTIVE (2ull << 62)        /**< State = active */
#define AXV_A64_LR_HW (1ull << 61)            /**< hardware interrupt: pINTID in [44:32] */
#define AXV_A64_LR_GROUP1 (1ull << 60)        /**< Group 1 */
#define AXV_A64_LR_PRIO_SHIFT 48u             /**< Priority [55:48] */
#define AXV_A64_LR_PINTID_SHIFT 32u           /**< pINTID [44:32] (HW = 1) */
#define AXV_A64_LR_EOI (1ull << 41)           /**< EOI maintenance interrupt (HW = 0) */
#define AXV_A64_LR_VINTID_MASK 0xffffffffull  /**< vINTID [31:0] */
/** @} */

/** @name CNTV_CTL_EL0 / CNTP_CTL_EL0 (DDI 0487, their register descriptions: the interrupt
 *  is asserted while ENABLE = 1, ISTATUS = 1 and IMASK = 0)
 * @{ */
#define AXV_A64_CNT_CTL_ENABLE 1u  /**< ENABLE [0] */
#define AXV_A64_CNT_CTL_IMASK 2u   /**< IMASK [1] */
#define AXV_A64_CNT_CTL_ISTATUS 4u /**< ISTATUS [2]: the timer condition is met (RO) */
/** @} */

/** The virtual timer's PPI, as the example's and QEMU virt's DTB give it. */
#define AXV_A64_VTIMER_INTID 27u

/** The EL1 physical timer's PPI (non-secure), likewise. */
#define AXV_A64_PTIMER_INTID 30u

/** ICH_HCR_EL2.En: the virtual CPU interface is on (IHI 0069 12.4.2). */
#define AXV_A64_ICH_HCR_EN 1u

/** ICH_HCR_EL2.UIE: maintenance interrupt when at most one list register is valid. */
#define AXV_A64_ICH_HCR_UIE 2u

/** @name ESR_EL2 fields (DDI 0487 D17.2.37) (the rest of the public group, for the port)
 * @{ */
#define AXV_A64_ESR_IL (1u << 25)            /**< instruction length: 1 = 32-bit */
#define AXV_A64_ESR_ISS_MASK 0x1ffffffu      /**< Instruction Specific Syndrome, [24:0] */
/** @} */

/** @name Exception classes (DDI 0487 D17.2.37, table "EC encoding") (the rest of the public group, for the port)
 * @{ */
#define AXV_A64_EC_UNKNOWN 0x00u   /**< unknown reason */
#define AXV_A64_EC_FP_ASIMD 0x07u  /**< trapped FP/SIMD access */
#define AXV_A64_EC_ILL 0x0eu       /**< illegal execution state */
#define AXV_A64_EC_HVC32 0x12u     /**< HVC from AArch32 */
#define AXV_A64_EC_SMC32 0x13u     /**< trapped SMC from AArch32 */
#define AXV_A64_EC_SYS64 0x18u     /**< trapped MSR, MRS or system instruction */
#define AXV_A64_EC_SVE 0x19u       /**< trapped SVE access */
#define AXV_A64_EC_IABT_LOW 0x20u  /**< instruction abort from a lower EL */
#define AXV_A64_EC_IABT_CUR 0x21u  /**< instruction abort from the same EL */
#define AXV_A64_EC_PC_ALIGN 0x22u  /**< PC alignment fault */
#define AXV_A64_EC_DABT_LOW 0x24u  /**< data abort from a lower EL */
#define AXV_A64_EC_DABT_CUR 0x25u  /**< data abort from the same EL */
#define AXV_A64_EC_SP_ALIGN 0x26u  /**< SP alignment fault */
#define AXV_A64_EC_SERROR 0x2fu    /**< SError interrupt */
#define AXV_A64_EC_BKPT_LOW 0x30u  /**< Breakpoint exception from a lower EL */
#define AXV_A64_EC_BKPT_CUR 0x31u  /**< Breakpoint exception from the same EL */
#define AXV_A64_EC_STEP_LOW 0x32u  /**< Software Step exception from a lower EL */
#define AXV_A64_EC_STEP_CUR 0x33u  /**< Software Step exception from the same EL */
#define AXV_A64_EC_WPT_LOW 0x34u   /**< Watchpoint exception from a lower EL (FAR: the address) */
#define AXV_A64_EC_WPT_CUR 0x35u   /**< Watchpoint exception from the same EL */
#define AXV_A64_EC_BRK64 0x3cu     /**< BRK instruction */
/** @} */

/** @name System register trap ISS, EC 0x18 (DDI 0487 D17.2.37, "ISS encoding for an exception from MSR, MRS, or System instruction execution") (the rest of the public group, for the port)
 * @{ */
#define AXV_A64_SYS_RT_SHIFT 5u   /**< Rt, bits [9:5] */
#define AXV_A64_SYS_READ 1u       /**< Direction, bit 0: 1 = MRS (read) */
/** Mask of the register-identifying bits of an EC 0x18 ISS (everything but Rt and Direction). */
#define AXV_A64_SYS_ID_MASK 0x3ffc1eu
/** @} */

#endif
