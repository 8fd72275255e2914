/**
 * @file aarch64_hw.h
 * @brief aarch64 hardware encodings an embedder needs next to the port's API (aarch64.h):
 *        the ESR_EL2 exception class, to classify a trap its own EL2 hook sees
 *        (`struct axv_a64_ctx::esr`), and the system-register ids of the EC 0x18 syndrome,
 *        which name registers in the bus's #AXV_BUS_SYSREG space.
 *
 * The other encodings the port decodes (data-abort ISS, fault status codes, debug
 * registers, ICH_LR and ICH_HCR fields, HCR_EL2, timer controls) are private to the port
 * (`ports/aarch64/a64_hw.h`).
 */
#ifndef AXV_ARCH_AARCH64_HW_H
#define AXV_ARCH_AARCH64_HW_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @addtogroup axv_a64
 * @{
 */

/** @name ESR_EL2 fields (DDI 0487 D17.2.37)
 * @{ */
#define AXV_A64_ESR_EC_SHIFT 26u             /**< Exception Class, bits [31:26] */
#define AXV_A64_ESR_EC_MASK 0x3fu            /**< EC width mask */
#define AXV_A64_ESR_IL (1u << 25)            /**< instruction length: 1 = 32-bit */
#define AXV_A64_ESR_ISS_MASK 0x1ffffffu      /**< Instruction Specific Syndrome, [24:0] */
/** @} */

/** @name Exception classes (DDI 0487 D17.2.37, table "EC encoding")
 * @{ */
#define AXV_A64_EC_UNKNOWN 0x00u   /**< unknown reason */
#define AXV_A64_EC_WFX 0x01u       /**< trapped WFI or WFE */
#define AXV_A64_EC_FP_ASIMD 0x07u  /**< trapped FP/SIMD access */
#define AXV_A64_EC_ILL 0x0eu       /**< illegal execution state */
#define AXV_A64_EC_HVC32 0x12u     /**< HVC from AArch32 */
#define AXV_A64_EC_SMC32 0x13u     /**< trapped SMC from AArch32 */
#define AXV_A64_EC_HVC64 0x16u     /**< HVC from AArch64 */
#define AXV_A64_EC_SMC64 0x17u     /**< trapped SMC from AArch64 */
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

/** @name System register trap ISS, EC 0x18 (DDI 0487 D17.2.37, "ISS encoding for an exception from MSR, MRS, or System instruction execution")
 * @{ */
#define AXV_A64_SYS_OP0_SHIFT 20u /**< Op0, bits [21:20] */
#define AXV_A64_SYS_OP2_SHIFT 17u /**< Op2, bits [19:17] */
#define AXV_A64_SYS_OP1_SHIFT 14u /**< Op1, bits [16:14] */
#define AXV_A64_SYS_CRN_SHIFT 10u /**< CRn, bits [13:10] */
#define AXV_A64_SYS_RT_SHIFT 5u   /**< Rt, bits [9:5] */
#define AXV_A64_SYS_CRM_SHIFT 1u  /**< CRm, bits [4:1] */
#define AXV_A64_SYS_READ 1u       /**< Direction, bit 0: 1 = MRS (read) */
/** Mask of the register-identifying bits of an EC 0x18 ISS (everything but Rt and Direction). */
#define AXV_A64_SYS_ID_MASK 0x3ffc1eu
/**
 * System register id as it appears in a sysreg exit's axv_exit_access::addr: the ISS
 * layout of EC 0x18 with Rt and Direction cleared.
 */
#define AXV_A64_SYSREG(op0, op1, crn, crm, op2)                                            \
	(((uint64_t)(op0) << AXV_A64_SYS_OP0_SHIFT) | ((uint64_t)(op2) << AXV_A64_SYS_OP2_SHIFT) | \
	 ((uint64_t)(op1) << AXV_A64_SYS_OP1_SHIFT) | ((uint64_t)(crn) << AXV_A64_SYS_CRN_SHIFT) | \
	 ((uint64_t)(crm) << AXV_A64_SYS_CRM_SHIFT))
/** @} */

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_AARCH64_HW_H */
