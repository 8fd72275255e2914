/**
 * @file aarch64_hw.h
 * @brief aarch64 hardware encodings an embedder needs next to the port's API (aarch64.h):
 *        the ESR_EL2 exception-class field with the classes an embedder's own EL2 hook tells
 *        apart (`struct axv_a64_ctx::esr`: HVC, SMC, WFx), and the system-register ids of the
 *        EC 0x18 syndrome, which name registers in the bus's #AXV_BUS_SYSREG space.
 *
 * Only what embedders use is public. The other exception classes, the ISS fields and every
 * encoding the port decodes or programs itself (data-abort ISS, fault status codes, debug
 * registers, ICH_LR and ICH_HCR fields, HCR_EL2, timer controls) are private to the port
 * (`ports/aarch64/a64_hw.h`); DDI 0487 D17.2.37 has them all.
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
/** @} */

/** @name Exception classes (DDI 0487 D17.2.37, table "EC encoding")
 * @{ */
#define AXV_A64_EC_WFX 0x01u       /**< trapped WFI or WFE */
#define AXV_A64_EC_HVC64 0x16u     /**< HVC from AArch64 */
#define AXV_A64_EC_SMC64 0x17u     /**< trapped SMC from AArch64 */
/** @} */

/** @name System register trap ISS, EC 0x18 (DDI 0487 D17.2.37, "ISS encoding for an exception from MSR, MRS, or System instruction execution")
 * @{ */
#define AXV_A64_SYS_OP0_SHIFT 20u /**< Op0, bits [21:20] */
#define AXV_A64_SYS_OP2_SHIFT 17u /**< Op2, bits [19:17] */
#define AXV_A64_SYS_OP1_SHIFT 14u /**< Op1, bits [16:14] */
#define AXV_A64_SYS_CRN_SHIFT 10u /**< CRn, bits [13:10] */
#define AXV_A64_SYS_CRM_SHIFT 1u  /**< CRm, bits [4:1] */
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
