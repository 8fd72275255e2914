/**
 * @file arch/x86_64.h
 * @brief x86_64 port: the Intel EPT and AMD NPT page-table formats.
 */
#ifndef AXV_ARCH_X86_64_H
#define AXV_ARCH_X86_64_H

#include <axv/addrspace.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_arch_x86_64 x86_64 port
 * @brief Nested paging formats for VMX (EPT) and SVM (NPT).
 * @{
 */

/**
 * @brief Intel EPT: 4 levels, 48-bit guest physical addresses, 2 MiB and 1 GiB leaves.
 *
 * The root's physical address goes into the EPTP with memory type WB (6) and a page-walk
 * length of 3 (4 levels) in the port.
 */
extern const struct axv_pt_format axv_pt_ept;

/**
 * @brief AMD NPT: the x86-64 long-mode format, 4 levels, U set at every level.
 *
 * The root's physical address goes into the VMCB's nCR3. #AXV_MAP_EXEC cleared sets NX
 * (bit 63), which the host must enable with EFER.NXE.
 */
extern const struct axv_pt_format axv_pt_npt;

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_X86_64_H */
