/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the x86_64 port's SVM backend (and its tests): the hardware encodings it
 * decodes and programs that embedders do not use. What embedders use is in
 * <axv/arch/x86_64.h> (the API) and <axv/arch/x86_64_hw.h> (VMCB offsets and the values
 * written there).
 */
#ifndef AXV_PORT_X86_64_SVM_HW_H
#define AXV_PORT_X86_64_SVM_HW_H

#include <axv/arch/x86_64_hw.h>

/** @name Intercept vector 3 (VMCB 0x00c; APM Vol. 2, table B-1) */
/** @{ */
#define AXV_SVM_INTERCEPT1_INTR (1u << 0)      /**< physical INTR */
#define AXV_SVM_INTERCEPT1_NMI (1u << 1)       /**< physical NMI */
#define AXV_SVM_INTERCEPT1_SMI (1u << 2)       /**< physical SMI */
#define AXV_SVM_INTERCEPT1_INIT (1u << 3)      /**< INIT */
#define AXV_SVM_INTERCEPT1_CPUID (1u << 18)    /**< CPUID */
#define AXV_SVM_INTERCEPT1_INVD (1u << 22)     /**< INVD */
#define AXV_SVM_INTERCEPT1_HLT (1u << 24)      /**< HLT */
#define AXV_SVM_INTERCEPT1_INVLPGA (1u << 26)  /**< INVLPGA */
#define AXV_SVM_INTERCEPT1_IOIO_PROT (1u << 27) /**< IN/OUT through the IOPM */
#define AXV_SVM_INTERCEPT1_MSR_PROT (1u << 28) /**< RDMSR/WRMSR through the MSRPM */
#define AXV_SVM_INTERCEPT1_SHUTDOWN (1u << 31) /**< shutdown (triple fault) */
/** @} */

/** @name Intercept vector 4 (VMCB 0x010; APM Vol. 2, table B-1) */
/** @{ */
#define AXV_SVM_INTERCEPT2_VMRUN (1u << 0)   /**< VMRUN (mandatory: a VMRUN without it fails) */
#define AXV_SVM_INTERCEPT2_VMMCALL (1u << 1) /**< VMMCALL */
#define AXV_SVM_INTERCEPT2_VMLOAD (1u << 2)  /**< VMLOAD */
#define AXV_SVM_INTERCEPT2_VMSAVE (1u << 3)  /**< VMSAVE */
#define AXV_SVM_INTERCEPT2_STGI (1u << 4)    /**< STGI */
#define AXV_SVM_INTERCEPT2_CLGI (1u << 5)    /**< CLGI */
#define AXV_SVM_INTERCEPT2_SKINIT (1u << 6)  /**< SKINIT */
#define AXV_SVM_INTERCEPT2_MONITOR (1u << 10) /**< MONITOR */
#define AXV_SVM_INTERCEPT2_MWAIT (1u << 11)  /**< MWAIT */
#define AXV_SVM_INTERCEPT2_XSETBV (1u << 13) /**< XSETBV (XCR0 is not switched by VMRUN) */
/** @} */

/** @name Exit codes (APM Vol. 2, appendix C, table C-1) */
/** @{ */
#define AXV_SVM_EXIT_CR0_READ 0x000u  /**< CR0..CR15 reads: 0x000..0x00f */
#define AXV_SVM_EXIT_CR0_WRITE 0x010u /**< CR0..CR15 writes: 0x010..0x01f */
#define AXV_SVM_EXIT_EXCP_BASE 0x040u /**< exception vector n: 0x040 + n */
#define AXV_SVM_EXIT_INTR 0x060u      /**< physical interrupt */
#define AXV_SVM_EXIT_NMI 0x061u       /**< physical NMI */
#define AXV_SVM_EXIT_SMI 0x062u       /**< SMI */
#define AXV_SVM_EXIT_INIT 0x063u      /**< INIT */
#define AXV_SVM_EXIT_VINTR 0x064u     /**< virtual interrupt window */
#define AXV_SVM_EXIT_CPUID 0x072u     /**< CPUID */
#define AXV_SVM_EXIT_INVD 0x076u      /**< INVD */
#define AXV_SVM_EXIT_HLT 0x078u       /**< HLT */
#define AXV_SVM_EXIT_INVLPGA 0x07au   /**< INVLPGA */
#define AXV_SVM_EXIT_IOIO 0x07bu      /**< IN, OUT, INS, OUTS */
#define AXV_SVM_EXIT_MSR 0x07cu       /**< RDMSR (EXITINFO1 0), WRMSR (EXITINFO1 1) */
#define AXV_SVM_EXIT_SHUTDOWN 0x07fu  /**< shutdown */
#define AXV_SVM_EXIT_VMRUN 0x080u     /**< VMRUN in the guest */
#define AXV_SVM_EXIT_VMMCALL 0x081u   /**< VMMCALL */
#define AXV_SVM_EXIT_VMLOAD 0x082u    /**< VMLOAD */
#define AXV_SVM_EXIT_VMSAVE 0x083u    /**< VMSAVE */
#define AXV_SVM_EXIT_STGI 0x084u      /**< STGI */
#define AXV_SVM_EXIT_CLGI 0x085u      /**< CLGI */
#define AXV_SVM_EXIT_SKINIT 0x086u    /**< SKINIT */
#define AXV_SVM_EXIT_MONITOR 0x08au   /**< MONITOR */
#define AXV_SVM_EXIT_MWAIT 0x08bu     /**< MWAIT */
#define AXV_SVM_EXIT_XSETBV 0x08du    /**< XSETBV */
#define AXV_SVM_EXIT_NPF 0x400u       /**< nested page fault */
#define AXV_SVM_EXIT_INVALID 0xffffffffu /**< VMRUN failed its consistency checks (-1; low 32 bits) */
/** @} */

/** @name IOIO EXITINFO1 (APM Vol. 2, 15.10.2, figure 15-2) */
/** @{ */
#define AXV_SVM_IOIO_TYPE_IN (1ull << 0) /**< 1: IN/INS, 0: OUT/OUTS */
#define AXV_SVM_IOIO_STR (1ull << 2)     /**< string instruction */
#define AXV_SVM_IOIO_REP (1ull << 3)     /**< REP prefix */
#define AXV_SVM_IOIO_SZ8 (1ull << 4)     /**< 8-bit operand */
#define AXV_SVM_IOIO_SZ16 (1ull << 5)    /**< 16-bit operand */
#define AXV_SVM_IOIO_SZ32 (1ull << 6)    /**< 32-bit operand */
#define AXV_SVM_IOIO_PORT_SHIFT 16u      /**< port number in bits 31:16 */
/** @} */

/** @name NPF EXITINFO1 error code (APM Vol. 2, 15.25.6; page-fault error code 8.4.2) */
/** @{ */
#define AXV_SVM_NPF_P (1ull << 0)     /**< the page was present (a protection fault) */
#define AXV_SVM_NPF_RW (1ull << 1)    /**< a write */
#define AXV_SVM_NPF_US (1ull << 2)    /**< user access (always set: nested walks are user accesses) */
#define AXV_SVM_NPF_RSV (1ull << 3)   /**< a reserved bit was set */
#define AXV_SVM_NPF_ID (1ull << 4)    /**< an instruction fetch */
#define AXV_SVM_NPF_FINAL (1ull << 32) /**< fault on the final guest physical address */
#define AXV_SVM_NPF_TABLE (1ull << 33) /**< fault while walking the guest's page tables */
/** @} */

/** @name MSRs and CPUID bits of SVM (APM Vol. 2, 15.4, 15.30; Vol. 3, appendix E) */
/** @{ */
#define AXV_SVM_MSR_EFER 0xc0000080u      /**< EFER */
#define AXV_SVM_MSR_VM_CR 0xc0010114u     /**< VM_CR */
#define AXV_SVM_VM_CR_SVMDIS (1ull << 4)  /**< VM_CR.SVMDIS: SVM disabled by firmware */
#define AXV_SVM_MSR_VM_HSAVE_PA 0xc0010117u /**< VM_HSAVE_PA: host save area */
#define AXV_SVM_CPUID_EXT_FEATURES 0x80000001u /**< CPUID leaf: ECX bit 2 SVM */
#define AXV_SVM_CPUID_ECX_SVM (1u << 2)  /**< CPUID 0x80000001 ECX: SVM */
#define AXV_SVM_CPUID_SVM_LEAF 0x8000000au /**< CPUID leaf: SVM revision, NASID, features */
#define AXV_SVM_CPUID_EDX_NP (1u << 0)   /**< CPUID 0x8000000a EDX: nested paging */
#define AXV_SVM_CPUID_EDX_NRIPS (1u << 3) /**< CPUID 0x8000000a EDX: nRIP save */
#define AXV_SVM_CPUID_ECX_HYPERVISOR (1u << 31) /**< CPUID 1 ECX: running under a hypervisor */
/** @} */

/** @name VMCB control area offsets (APM Vol. 2, appendix B, table B-1) (the rest of the public group, for the port)
 * @{ */
#define AXV_SVM_VMCB_INTERCEPT_CR 0x000u     /**< CR reads [15:0], writes [31:16] */
#define AXV_SVM_VMCB_INTERCEPT_DR 0x004u     /**< DR reads [15:0], writes [31:16] */
#define AXV_SVM_VMCB_INTERCEPT_EXC 0x008u    /**< exception vectors 0..31 */
#define AXV_SVM_VMCB_INTERCEPT_MISC1 0x00cu  /**< `AXV_SVM_INTERCEPT1_*` */
#define AXV_SVM_VMCB_INTERCEPT_MISC2 0x010u  /**< `AXV_SVM_INTERCEPT2_*` */
#define AXV_SVM_VMCB_IOPM_BASE_PA 0x040u     /**< physical address of the IOPM */
#define AXV_SVM_VMCB_MSRPM_BASE_PA 0x048u    /**< physical address of the MSRPM */
#define AXV_SVM_VMCB_TSC_OFFSET 0x050u       /**< TSC offset */
#define AXV_SVM_VMCB_TLB_CONTROL 0x05cu      /**< TLB_CONTROL (8 bits) */
#define AXV_SVM_VMCB_VINTR 0x060u            /**< V_TPR, V_IRQ, V_INTR_MASKING, ... */
#define AXV_SVM_VMCB_INTERRUPT_SHADOW 0x068u /**< interrupt shadow */
#define AXV_SVM_VMCB_EXITCODE 0x070u         /**< EXITCODE (64 bits) */
#define AXV_SVM_VMCB_EXITINFO1 0x078u        /**< EXITINFO1 */
#define AXV_SVM_VMCB_EXITINFO2 0x080u        /**< EXITINFO2 */
#define AXV_SVM_VMCB_EXITINTINFO 0x088u      /**< EXITINTINFO */
#define AXV_SVM_VMCB_NP_CONTROL 0x090u       /**< bit 0 NP_ENABLE */
#define AXV_SVM_VMCB_N_CR3 0x0b0u            /**< nested page table root (nCR3) */
#define AXV_SVM_VMCB_CLEAN 0x0c0u            /**< VMCB clean bits */
#define AXV_SVM_VMCB_NRIP 0x0c8u             /**< next RIP (only with the NRIPS feature) */
#define AXV_SVM_VMCB_INSN_LEN 0x0d0u         /**< bytes fetched (decode assists) */
#define AXV_SVM_VMCB_INSN_BYTES 0x0d1u       /**< guest instruction bytes (decode assists) */
/** @} */

/** @name VMCB state save area offsets (APM Vol. 2, appendix B, table B-2) (the rest of the public group, for the port)
 * @{ */
#define AXV_SVM_VMCB_ES 0x400u     /**< ES segment (16 bytes: selector, attrib, limit, base) */
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
#define AXV_SVM_VMCB_DR7 0x560u    /**< guest DR7 */
#define AXV_SVM_VMCB_DR6 0x568u    /**< guest DR6 */
#define AXV_SVM_VMCB_RFLAGS 0x570u /**< guest RFLAGS */
#define AXV_SVM_VMCB_RIP 0x578u    /**< guest RIP */
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
/** @} */

/** @name Other control fields (APM Vol. 2, 15.16, 15.21.1, 15.25.3, table B-1) (the rest of the public group, for the port)
 * @{ */
#define AXV_SVM_TLB_CONTROL_NONE 0u      /**< TLB_CONTROL: flush nothing */
#define AXV_SVM_TLB_CONTROL_FLUSH_ALL 1u /**< TLB_CONTROL: flush the entire TLB */
#define AXV_SVM_VINTR_MASKING (1ull << 24) /**< V_INTR_MASKING: guest RFLAGS.IF masks only virtual interrupts */
#define AXV_SVM_NP_ENABLE (1ull << 0)    /**< NP_CONTROL: nested paging on */
/** @} */

/** @name EFER bits, for AXV_SVM_VMCB_EFER (APM Vol. 2, 3.1.7, 15.4) (the rest of the public group, for the port)
 * @{ */
#define AXV_SVM_EFER_SCE (1ull << 0)      /**< EFER.SCE */
#define AXV_SVM_EFER_LME (1ull << 8)      /**< EFER.LME */
#define AXV_SVM_EFER_LMA (1ull << 10)     /**< EFER.LMA */
#define AXV_SVM_EFER_NXE (1ull << 11)     /**< EFER.NXE */
/** @} */

#endif
