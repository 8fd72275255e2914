/**
 * @file x86_64_hw.h
 * @brief AMD SVM hardware layout an embedder needs next to the port's API (x86_64.h): the
 *        VMCB offsets of the guest state an embedder sets or reads with axv_svm_vmcb_read()
 *        and axv_svm_vmcb_write() (ASID, event injection, CS, the control registers, EFER,
 *        RSP) and the values it writes there.
 *
 * Only what embedders use is public. The rest of the VMCB layout, which the port owns and
 * programs (intercept vectors, exit information, nested paging, clean bits, segment
 * fields), and the encodings only the port decodes (exit codes, IOIO and NPF EXITINFO1,
 * SVM MSRs and CPUID bits) are private to the port (`ports/x86_64/svm_hw.h`); APM Vol. 2
 * appendix B has them all.
 */
#ifndef AXV_ARCH_X86_64_HW_H
#define AXV_ARCH_X86_64_HW_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @addtogroup axv_svm
 * @{
 */

/** @name VMCB control area offsets (APM Vol. 2, appendix B, table B-1) */
/** @{ */
#define AXV_SVM_VMCB_GUEST_ASID 0x058u       /**< guest ASID (32 bits) */
#define AXV_SVM_VMCB_EVENTINJ 0x0a8u         /**< EVENTINJ */
/** @} */

/** @name VMCB state save area offsets (APM Vol. 2, appendix B, table B-2) */
/** @{ */
#define AXV_SVM_VMCB_CS 0x410u     /**< CS segment */
#define AXV_SVM_VMCB_EFER 0x4d0u   /**< guest EFER */
#define AXV_SVM_VMCB_CR4 0x548u    /**< guest CR4 */
#define AXV_SVM_VMCB_CR3 0x550u    /**< guest CR3 */
#define AXV_SVM_VMCB_CR0 0x558u    /**< guest CR0 */
#define AXV_SVM_VMCB_RSP 0x5d8u    /**< guest RSP */
#define AXV_SVM_VMCB_SIZE 0x1000u  /**< a VMCB is one 4 KiB-aligned page */
/** @} */

/** @name Other control fields (APM Vol. 2, 15.16, 15.21.1, 15.25.3, table B-1) */
/** @{ */
#define AXV_SVM_EVENT_VALID (1ull << 31) /**< EVENTINJ / EXITINTINFO: V (15.20, 15.7.2) */
/** @} */

/** @name EFER bits, for AXV_SVM_VMCB_EFER (APM Vol. 2, 3.1.7, 15.4) */
/** @{ */
#define AXV_SVM_EFER_SVME (1ull << 12)    /**< EFER.SVME */
/** @} */

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_X86_64_HW_H */
