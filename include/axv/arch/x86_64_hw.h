/**
 * @file x86_64_hw.h
 * @brief AMD SVM hardware layout an embedder needs next to the port's API (x86_64.h): the
 *        VMCB field offsets that axv_svm_vmcb_read() and axv_svm_vmcb_write() take, and the
 *        values an embedder writes there (event injection, TLB control, guest EFER).
 *
 * The encodings only the port decodes (intercept vectors, exit codes, IOIO and NPF
 * EXITINFO1, SVM MSRs and CPUID bits) are private to the port (`ports/x86_64/svm_hw.h`).
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
#define AXV_SVM_VMCB_INTERCEPT_CR 0x000u     /**< CR reads [15:0], writes [31:16] */
#define AXV_SVM_VMCB_INTERCEPT_DR 0x004u     /**< DR reads [15:0], writes [31:16] */
#define AXV_SVM_VMCB_INTERCEPT_EXC 0x008u    /**< exception vectors 0..31 */
#define AXV_SVM_VMCB_INTERCEPT_MISC1 0x00cu  /**< `AXV_SVM_INTERCEPT1_*` */
#define AXV_SVM_VMCB_INTERCEPT_MISC2 0x010u  /**< `AXV_SVM_INTERCEPT2_*` */
#define AXV_SVM_VMCB_IOPM_BASE_PA 0x040u     /**< physical address of the IOPM */
#define AXV_SVM_VMCB_MSRPM_BASE_PA 0x048u    /**< physical address of the MSRPM */
#define AXV_SVM_VMCB_TSC_OFFSET 0x050u       /**< TSC offset */
#define AXV_SVM_VMCB_GUEST_ASID 0x058u       /**< guest ASID (32 bits) */
#define AXV_SVM_VMCB_TLB_CONTROL 0x05cu      /**< TLB_CONTROL (8 bits) */
#define AXV_SVM_VMCB_VINTR 0x060u            /**< V_TPR, V_IRQ, V_INTR_MASKING, ... */
#define AXV_SVM_VMCB_INTERRUPT_SHADOW 0x068u /**< interrupt shadow */
#define AXV_SVM_VMCB_EXITCODE 0x070u         /**< EXITCODE (64 bits) */
#define AXV_SVM_VMCB_EXITINFO1 0x078u        /**< EXITINFO1 */
#define AXV_SVM_VMCB_EXITINFO2 0x080u        /**< EXITINFO2 */
#define AXV_SVM_VMCB_EXITINTINFO 0x088u      /**< EXITINTINFO */
#define AXV_SVM_VMCB_NP_CONTROL 0x090u       /**< bit 0 NP_ENABLE */
#define AXV_SVM_VMCB_EVENTINJ 0x0a8u         /**< EVENTINJ */
#define AXV_SVM_VMCB_N_CR3 0x0b0u            /**< nested page table root (nCR3) */
#define AXV_SVM_VMCB_CLEAN 0x0c0u            /**< VMCB clean bits */
#define AXV_SVM_VMCB_NRIP 0x0c8u             /**< next RIP (only with the NRIPS feature) */
#define AXV_SVM_VMCB_INSN_LEN 0x0d0u         /**< bytes fetched (decode assists) */
#define AXV_SVM_VMCB_INSN_BYTES 0x0d1u       /**< guest instruction bytes (decode assists) */
/** @} */

/** @name VMCB state save area offsets (APM Vol. 2, appendix B, table B-2) */
/** @{ */
#define AXV_SVM_VMCB_ES 0x400u     /**< ES segment (16 bytes: selector, attrib, limit, base) */
#define AXV_SVM_VMCB_CS 0x410u     /**< CS segment */
#define AXV_SVM_VMCB_SS 0x420u     /**< SS segment */
#define AXV_SVM_VMCB_DS 0x430u     /**< DS segment */
#define AXV_SVM_VMCB_FS 0x440u     /**< FS segment */
#define AXV_SVM_VMCB_GS 0x450u     /**< GS segment */
#define AXV_SVM_VMCB_GDTR 0x460u   /**< GDTR (limit and base) */
#define AXV_SVM_VMCB_LDTR 0x470u   /**< LDTR segment */
#define AXV_SVM_VMCB_IDTR 0x480u   /**< IDTR (limit and base) */
#define AXV_SVM_VMCB_TR 0x490u     /**< TR segment */
#define AXV_SVM_SEG_SELECTOR 0x0u  /**< segment field: selector (16 bits) */
#define AXV_SVM_SEG_ATTRIB 0x2u    /**< segment field: attributes (16 bits, descriptor bits 55:52 and 47:40) */
#define AXV_SVM_SEG_LIMIT 0x4u     /**< segment field: limit (32 bits) */
#define AXV_SVM_SEG_BASE 0x8u      /**< segment field: base (64 bits) */
#define AXV_SVM_VMCB_CPL 0x4cbu    /**< CPL (8 bits) */
#define AXV_SVM_VMCB_EFER 0x4d0u   /**< guest EFER */
#define AXV_SVM_VMCB_CR4 0x548u    /**< guest CR4 */
#define AXV_SVM_VMCB_CR3 0x550u    /**< guest CR3 */
#define AXV_SVM_VMCB_CR0 0x558u    /**< guest CR0 */
#define AXV_SVM_VMCB_DR7 0x560u    /**< guest DR7 */
#define AXV_SVM_VMCB_DR6 0x568u    /**< guest DR6 */
#define AXV_SVM_VMCB_RFLAGS 0x570u /**< guest RFLAGS */
#define AXV_SVM_VMCB_RIP 0x578u    /**< guest RIP */
#define AXV_SVM_VMCB_RSP 0x5d8u    /**< guest RSP */
#define AXV_SVM_VMCB_RAX 0x5f8u    /**< guest RAX */
#define AXV_SVM_VMCB_STAR 0x600u   /**< STAR */
#define AXV_SVM_VMCB_LSTAR 0x608u  /**< LSTAR */
#define AXV_SVM_VMCB_CSTAR 0x610u  /**< CSTAR */
#define AXV_SVM_VMCB_SFMASK 0x618u /**< SFMASK */
#define AXV_SVM_VMCB_KERNEL_GS_BASE 0x620u /**< KernelGsBase */
#define AXV_SVM_VMCB_SYSENTER_CS 0x628u    /**< SYSENTER_CS */
#define AXV_SVM_VMCB_SYSENTER_ESP 0x630u   /**< SYSENTER_ESP */
#define AXV_SVM_VMCB_SYSENTER_EIP 0x638u   /**< SYSENTER_EIP */
#define AXV_SVM_VMCB_CR2 0x640u    /**< guest CR2 */
#define AXV_SVM_VMCB_G_PAT 0x668u  /**< guest PAT (used with nested paging) */
#define AXV_SVM_VMCB_SIZE 0x1000u  /**< a VMCB is one 4 KiB-aligned page */
/** @} */

/** @name Other control fields (APM Vol. 2, 15.16, 15.21.1, 15.25.3, table B-1) */
/** @{ */
#define AXV_SVM_TLB_CONTROL_NONE 0u      /**< TLB_CONTROL: flush nothing */
#define AXV_SVM_TLB_CONTROL_FLUSH_ALL 1u /**< TLB_CONTROL: flush the entire TLB */
#define AXV_SVM_VINTR_MASKING (1ull << 24) /**< V_INTR_MASKING: guest RFLAGS.IF masks only virtual interrupts */
#define AXV_SVM_NP_ENABLE (1ull << 0)    /**< NP_CONTROL: nested paging on */
#define AXV_SVM_EVENT_VALID (1ull << 31) /**< EVENTINJ / EXITINTINFO: V (15.20, 15.7.2) */
/** @} */

/** @name EFER bits, for AXV_SVM_VMCB_EFER (APM Vol. 2, 3.1.7, 15.4) */
/** @{ */
#define AXV_SVM_EFER_SCE (1ull << 0)      /**< EFER.SCE */
#define AXV_SVM_EFER_LME (1ull << 8)      /**< EFER.LME */
#define AXV_SVM_EFER_LMA (1ull << 10)     /**< EFER.LMA */
#define AXV_SVM_EFER_NXE (1ull << 11)     /**< EFER.NXE */
#define AXV_SVM_EFER_SVME (1ull << 12)    /**< EFER.SVME */
/** @} */

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_X86_64_HW_H */
