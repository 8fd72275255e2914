/**
 * @file arch/aarch64.h
 * @brief aarch64 port: the stage-2 page-table format (4 KiB granule) and its VTCR_EL2 fields.
 */
#ifndef AXV_ARCH_AARCH64_H
#define AXV_ARCH_AARCH64_H

#include <axv/addrspace.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_arch_aarch64 aarch64 port
 * @brief Stage-2 translation for the aarch64 port.
 * @{
 */

/**
 * @brief Fill in the stage-2 format for an IPA size (4 KiB granule).
 * @param[out] fmt caller-owned storage; it must outlive every address space using it
 * @param ipa_bits IPA size: 32 to 43 start at level 1 (3 levels; above 39 bits the root is
 *                 2 to 16 concatenated level-1 tables), 44 to 48 start at level 0 (4 levels).
 *                 32 is QEMU's VTCR_EL2 = 0x80023560 setup, 40 is T0SZ 24 / SL0 1.
 * @return 0; #AXV_EINVAL for a NULL @p fmt or an unsupported size (@p fmt untouched)
 * @note Any context; writes only @p fmt.
 */
int axv_s2_format_init(struct axv_pt_format *fmt, unsigned ipa_bits);

/**
 * @brief The VTCR_EL2 fields a stage-2 format implies.
 * @param fmt a format from axv_s2_format_init()
 * @param[out] t0sz VTCR_EL2.T0SZ (64 minus the IPA bits)
 * @param[out] sl0  VTCR_EL2.SL0 for the 4 KiB granule (1: start at level 1, 2: level 0)
 * @return 0; #AXV_EINVAL for NULL arguments or a format that is not stage 2
 * @note Any context; pure function.
 */
int axv_s2_vtcr_fields(const struct axv_pt_format *fmt, unsigned *t0sz, unsigned *sl0);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_AARCH64_H */
