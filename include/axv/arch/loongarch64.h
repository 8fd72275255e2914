/**
 * @file arch/loongarch64.h
 * @brief loongarch64 port: the LA64 page-table format used for guest physical mappings.
 */
#ifndef AXV_ARCH_LOONGARCH64_H
#define AXV_ARCH_LOONGARCH64_H

#include <axv/addrspace.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_arch_loongarch64 loongarch64 port
 * @brief The LA64 multi-level page table (4 KiB pages, 2 MiB huge pages).
 * @{
 */

/**
 * @brief Fill in the LA64 format.
 * @param[out] fmt caller-owned storage; it must outlive every address space using it
 * @param levels 3 (39-bit guest physical addresses) or 4 (48-bit)
 * @param invalid_dir the value of an empty directory entry: the physical address of the
 *        port's invalid table, which its refill handler treats as "not mapped" (Linux uses
 *        invalid_pte_table the same way). Must be 4 KiB aligned and non-zero.
 * @return 0; #AXV_EINVAL for NULL, other level counts or a bad @p invalid_dir (@p fmt untouched)
 * @note Any context; writes only @p fmt.
 */
int axv_la64_format_init(struct axv_pt_format *fmt, unsigned levels, uint64_t invalid_dir);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_LOONGARCH64_H */
