/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the x86_64 port's VMX backend (and its tests): the hardware encodings it
 * decodes and programs that embedders do not use (VMX MSRs, control-register bits, VMCS
 * field encodings, control bits, the interruption-information format, basic exit reasons).
 * What embedders use is in <axv/arch/x86_64_vmx.h>.
 */
#ifndef AXV_PORT_X86_64_VMX_HW_H
#define AXV_PORT_X86_64_VMX_HW_H

#include <axv/arch/x86_64_vmx.h>

/** @name VMX MSRs (SDM Vol. 4, Table 2-2; Vol. 3D Appendix A) */
/** @{ */
#define AXV_MSR_IA32_FEATURE_CONTROL 0x3au       /**< lock (bit 0), VMXON in/outside SMX (bits 1, 2) */
#define AXV_FEATURE_CONTROL_LOCK (1ull << 0)      /**< writes to the MSR fault until reset */
#define AXV_FEATURE_CONTROL_VMX_SMX (1ull << 1)   /**< VMXON allowed inside SMX operation */
#define AXV_FEATURE_CONTROL_VMX (1ull << 2)       /**< VMXON allowed outside SMX operation */
#define AXV_MSR_IA32_SYSENTER_CS 0x174u           /**< IA32_SYSENTER_CS */
#define AXV_MSR_IA32_SYSENTER_ESP 0x175u          /**< IA32_SYSENTER_ESP */
#define AXV_MSR_IA32_SYSENTER_EIP 0x176u          /**< IA32_SYSENTER_EIP */
#define AXV_MSR_IA32_PAT 0x277u                   /**< IA32_PAT */
#define AXV_MSR_IA32_VMX_BASIC 0x480u             /**< A.1: revision id, region size, memory type */
#define AXV_MSR_IA32_VMX_PINBASED_CTLS 0x481u     /**< A.3.1 */
#define AXV_MSR_IA32_VMX_PROCBASED_CTLS 0x482u    /**< A.3.2 */
#define AXV_MSR_IA32_VMX_EXIT_CTLS 0x483u         /**< A.4 */
#define AXV_MSR_IA32_VMX_ENTRY_CTLS 0x484u        /**< A.5 */
#define AXV_MSR_IA32_VMX_MISC 0x485u              /**< A.6 */
#define AXV_MSR_IA32_VMX_CR0_FIXED0 0x486u        /**< A.7: CR0 bits that must be 1 */
#define AXV_MSR_IA32_VMX_CR0_FIXED1 0x487u        /**< A.7: CR0 bits that may be 1 */
#define AXV_MSR_IA32_VMX_CR4_FIXED0 0x488u        /**< A.8: CR4 bits that must be 1 */
#define AXV_MSR_IA32_VMX_CR4_FIXED1 0x489u        /**< A.8: CR4 bits that may be 1 */
#define AXV_MSR_IA32_VMX_PROCBASED_CTLS2 0x48bu   /**< A.3.3 */
#define AXV_MSR_IA32_VMX_EPT_VPID_CAP 0x48cu      /**< A.10 */
#define AXV_MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48du  /**< A.3.1, when BASIC bit 55 */
#define AXV_MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48eu /**< A.3.2, when BASIC bit 55 */
#define AXV_MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48fu    /**< A.4, when BASIC bit 55 */
#define AXV_MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490u   /**< A.5, when BASIC bit 55 */
#define AXV_MSR_IA32_EFER 0xc0000080u             /**< IA32_EFER */
#define AXV_MSR_IA32_FS_BASE 0xc0000100u          /**< IA32_FS_BASE */
#define AXV_MSR_IA32_GS_BASE 0xc0000101u          /**< IA32_GS_BASE */
/** @} */

/** @name Control-register bits (SDM Vol. 3A 2.5) */
/** @{ */
#define AXV_X86_CR0_PE (1ull << 0)       /**< protection enable */
#define AXV_X86_CR0_ET (1ull << 4)       /**< extension type (always 1) */
#define AXV_X86_CR0_NE (1ull << 5)       /**< numeric error */
#define AXV_X86_CR0_PG (1ull << 31)      /**< paging */
#define AXV_X86_CR4_VMXE (1ull << 13)    /**< VMX enable */
#define AXV_X86_CR4_OSXSAVE (1ull << 18) /**< XSAVE and XSETBV enabled */
#define AXV_X86_RFLAGS_IF (1ull << 9)    /**< interrupt flag */
/** @} */

/** @name VMCS field encodings (SDM Vol. 3D Appendix B) */
/** @{ */
/* B.1.2 16-bit guest state, B.1.3 16-bit host state */
#define AXV_VMCS_GUEST_ES_SELECTOR 0x0800u   /**< guest ES selector; CS..TR follow every 2 */
#define AXV_VMCS_GUEST_CS_SELECTOR 0x0802u   /**< guest CS selector */
#define AXV_VMCS_GUEST_TR_SELECTOR 0x080eu   /**< guest TR selector */
#define AXV_VMCS_HOST_ES_SELECTOR 0x0c00u    /**< host ES selector; CS, SS, DS, FS, GS, TR follow every 2 */
#define AXV_VMCS_HOST_CS_SELECTOR 0x0c02u    /**< host CS selector */
#define AXV_VMCS_HOST_SS_SELECTOR 0x0c04u    /**< host SS selector */
#define AXV_VMCS_HOST_DS_SELECTOR 0x0c06u    /**< host DS selector */
#define AXV_VMCS_HOST_FS_SELECTOR 0x0c08u    /**< host FS selector */
#define AXV_VMCS_HOST_GS_SELECTOR 0x0c0au    /**< host GS selector */
#define AXV_VMCS_HOST_TR_SELECTOR 0x0c0cu    /**< host TR selector */
/* B.2.1 64-bit control fields */
#define AXV_VMCS_MSR_BITMAP 0x2004u          /**< address of the MSR bitmaps */
#define AXV_VMCS_EPT_POINTER 0x201au         /**< EPTP */
/* B.2.2 64-bit read-only data */
#define AXV_VMCS_GUEST_PHYSICAL_ADDRESS 0x2400u /**< faulting GPA (EPT violation, misconfiguration) */
/* B.2.3 64-bit guest state */
#define AXV_VMCS_LINK_POINTER 0x2800u        /**< VMCS link pointer (all ones: none) */
#define AXV_VMCS_GUEST_IA32_DEBUGCTL 0x2802u /**< guest IA32_DEBUGCTL */
#define AXV_VMCS_GUEST_IA32_PAT 0x2804u      /**< guest IA32_PAT */
#define AXV_VMCS_GUEST_IA32_EFER 0x2806u     /**< guest IA32_EFER */
/* B.2.4 64-bit host state */
#define AXV_VMCS_HOST_IA32_PAT 0x2c00u       /**< host IA32_PAT */
#define AXV_VMCS_HOST_IA32_EFER 0x2c02u      /**< host IA32_EFER */
/* B.3.1 32-bit control fields */
#define AXV_VMCS_PIN_BASED_CTLS 0x4000u      /**< pin-based VM-execution controls */
#define AXV_VMCS_PROC_BASED_CTLS 0x4002u     /**< primary processor-based controls */
#define AXV_VMCS_EXCEPTION_BITMAP 0x4004u    /**< exception bitmap */
#define AXV_VMCS_CR3_TARGET_COUNT 0x400au    /**< CR3-target count */
#define AXV_VMCS_EXIT_CTLS 0x400cu           /**< VM-exit controls */
#define AXV_VMCS_EXIT_MSR_STORE_COUNT 0x400eu /**< VM-exit MSR-store count */
#define AXV_VMCS_EXIT_MSR_LOAD_COUNT 0x4010u /**< VM-exit MSR-load count */
#define AXV_VMCS_ENTRY_CTLS 0x4012u          /**< VM-entry controls */
#define AXV_VMCS_ENTRY_MSR_LOAD_COUNT 0x4014u /**< VM-entry MSR-load count */
#define AXV_VMCS_ENTRY_INTR_INFO 0x4016u     /**< VM-entry interruption-information field */
#define AXV_VMCS_ENTRY_EXCEPTION_ERROR_CODE 0x4018u /**< VM-entry exception error code */
#define AXV_VMCS_ENTRY_INSTRUCTION_LEN 0x401au /**< VM-entry instruction length */
#define AXV_VMCS_PROC_BASED_CTLS2 0x401eu    /**< secondary processor-based controls */
/* B.3.2 32-bit read-only data */
#define AXV_VMCS_VM_INSTRUCTION_ERROR 0x4400u /**< VM-instruction error (31.4) */
#define AXV_VMCS_EXIT_REASON 0x4402u         /**< exit reason: basic reason in bits 15:0, bit 31 entry failure */
#define AXV_VMCS_EXIT_INTR_INFO 0x4404u      /**< VM-exit interruption information */
#define AXV_VMCS_EXIT_INTR_ERROR_CODE 0x4406u /**< VM-exit interruption error code */
#define AXV_VMCS_IDT_VECTORING_INFO 0x4408u  /**< IDT-vectoring information */
#define AXV_VMCS_IDT_VECTORING_ERROR_CODE 0x440au /**< IDT-vectoring error code */
#define AXV_VMCS_EXIT_INSTRUCTION_LEN 0x440cu /**< VM-exit instruction length */
/* B.3.3 32-bit guest state */
#define AXV_VMCS_GUEST_ES_LIMIT 0x4800u      /**< guest ES limit; CS, SS, DS, FS, GS, LDTR, TR, GDTR, IDTR follow every 2 */
#define AXV_VMCS_GUEST_GDTR_LIMIT 0x4810u    /**< guest GDTR limit */
#define AXV_VMCS_GUEST_IDTR_LIMIT 0x4812u    /**< guest IDTR limit */
#define AXV_VMCS_GUEST_ES_AR 0x4814u         /**< guest ES access rights; CS, SS, DS, FS, GS, LDTR, TR follow every 2 */
#define AXV_VMCS_GUEST_CS_AR 0x4816u         /**< guest CS access rights */
#define AXV_VMCS_GUEST_SS_AR 0x4818u         /**< guest SS access rights */
#define AXV_VMCS_GUEST_INTERRUPTIBILITY 0x4824u /**< guest interruptibility state */
#define AXV_VMCS_GUEST_ACTIVITY_STATE 0x4826u /**< guest activity state */
#define AXV_VMCS_GUEST_SYSENTER_CS 0x482au   /**< guest IA32_SYSENTER_CS */
/* B.3.4 32-bit host state */
#define AXV_VMCS_HOST_SYSENTER_CS 0x4c00u    /**< host IA32_SYSENTER_CS */
/* B.4.1 natural-width control fields */
#define AXV_VMCS_CR0_GUEST_HOST_MASK 0x6000u /**< CR0 bits owned by the host */
#define AXV_VMCS_CR4_GUEST_HOST_MASK 0x6002u /**< CR4 bits owned by the host */
#define AXV_VMCS_CR0_READ_SHADOW 0x6004u     /**< what the guest reads for host-owned CR0 bits */
#define AXV_VMCS_CR4_READ_SHADOW 0x6006u     /**< what the guest reads for host-owned CR4 bits */
/* B.4.2 natural-width read-only data */
#define AXV_VMCS_EXIT_QUALIFICATION 0x6400u  /**< exit qualification */
#define AXV_VMCS_GUEST_LINEAR_ADDRESS 0x640au /**< guest-linear address */
/* B.4.3 natural-width guest state */
#define AXV_VMCS_GUEST_CR0 0x6800u           /**< guest CR0 */
#define AXV_VMCS_GUEST_CR3 0x6802u           /**< guest CR3 */
#define AXV_VMCS_GUEST_CR4 0x6804u           /**< guest CR4 */
#define AXV_VMCS_GUEST_ES_BASE 0x6806u       /**< guest ES base; CS, SS, DS, FS, GS, LDTR, TR, GDTR, IDTR follow every 2 */
#define AXV_VMCS_GUEST_CS_BASE 0x6808u       /**< guest CS base */
#define AXV_VMCS_GUEST_GDTR_BASE 0x6816u     /**< guest GDTR base */
#define AXV_VMCS_GUEST_IDTR_BASE 0x6818u     /**< guest IDTR base */
#define AXV_VMCS_GUEST_DR7 0x681au           /**< guest DR7 */
#define AXV_VMCS_GUEST_RSP 0x681cu           /**< guest RSP */
#define AXV_VMCS_GUEST_RIP 0x681eu           /**< guest RIP */
#define AXV_VMCS_GUEST_RFLAGS 0x6820u        /**< guest RFLAGS */
#define AXV_VMCS_GUEST_PENDING_DBG 0x6822u   /**< guest pending debug exceptions */
#define AXV_VMCS_GUEST_SYSENTER_ESP 0x6824u  /**< guest IA32_SYSENTER_ESP */
#define AXV_VMCS_GUEST_SYSENTER_EIP 0x6826u  /**< guest IA32_SYSENTER_EIP */
/* B.4.4 natural-width host state */
#define AXV_VMCS_HOST_CR0 0x6c00u            /**< host CR0 */
#define AXV_VMCS_HOST_CR3 0x6c02u            /**< host CR3 */
#define AXV_VMCS_HOST_CR4 0x6c04u            /**< host CR4 */
#define AXV_VMCS_HOST_FS_BASE 0x6c06u        /**< host FS base */
#define AXV_VMCS_HOST_GS_BASE 0x6c08u        /**< host GS base */
#define AXV_VMCS_HOST_TR_BASE 0x6c0au        /**< host TR base */
#define AXV_VMCS_HOST_GDTR_BASE 0x6c0cu      /**< host GDTR base */
#define AXV_VMCS_HOST_IDTR_BASE 0x6c0eu      /**< host IDTR base */
#define AXV_VMCS_HOST_SYSENTER_ESP 0x6c10u   /**< host IA32_SYSENTER_ESP */
#define AXV_VMCS_HOST_SYSENTER_EIP 0x6c12u   /**< host IA32_SYSENTER_EIP */
#define AXV_VMCS_HOST_RSP 0x6c14u            /**< host RSP (written by the entry stub) */
#define AXV_VMCS_HOST_RIP 0x6c16u            /**< host RIP: the entry stub's exit label */
/** @} */

/** @name VM-execution, exit and entry control bits (SDM Vol. 3C 25.6.1, 25.6.2, 25.7.1, 25.8.1) */
/** @{ */
#define AXV_VMX_PIN_EXT_INTR_EXITING (1u << 0)   /**< external interrupts cause exits */
#define AXV_VMX_PIN_NMI_EXITING (1u << 3)        /**< NMIs cause exits */
#define AXV_VMX_PROC_INTR_WINDOW_EXITING (1u << 2) /**< exit when the guest can take an interrupt */
#define AXV_VMX_PROC_HLT_EXITING (1u << 7)       /**< HLT exits */
#define AXV_VMX_PROC_MWAIT_EXITING (1u << 10)    /**< MWAIT exits */
#define AXV_VMX_PROC_CR3_LOAD_EXITING (1u << 15) /**< MOV to CR3 exits */
#define AXV_VMX_PROC_CR3_STORE_EXITING (1u << 16) /**< MOV from CR3 exits */
#define AXV_VMX_PROC_UNCOND_IO_EXITING (1u << 24) /**< every I/O instruction exits */
#define AXV_VMX_PROC_USE_MSR_BITMAPS (1u << 28)  /**< RDMSR/WRMSR exit per the MSR bitmap */
#define AXV_VMX_PROC_MONITOR_EXITING (1u << 29)  /**< MONITOR exits */
#define AXV_VMX_PROC_SECONDARY (1u << 31)        /**< activate the secondary controls */
#define AXV_VMX_PROC2_ENABLE_EPT (1u << 1)       /**< EPT */
#define AXV_VMX_PROC2_ENABLE_RDTSCP (1u << 3)    /**< RDTSCP allowed (else \#UD) */
#define AXV_VMX_PROC2_UNRESTRICTED_GUEST (1u << 7) /**< real mode and paging off in the guest */
#define AXV_VMX_PROC2_ENABLE_INVPCID (1u << 12)  /**< INVPCID allowed (else \#UD) */
#define AXV_VMX_EXIT_SAVE_DEBUG (1u << 2)        /**< save DR7 and DEBUGCTL */
#define AXV_VMX_EXIT_HOST_ADDR_SPACE_SIZE (1u << 9) /**< the host is 64-bit */
#define AXV_VMX_EXIT_ACK_INTR_ON_EXIT (1u << 15) /**< acknowledge the interrupt, vector in EXIT_INTR_INFO */
#define AXV_VMX_EXIT_SAVE_PAT (1u << 18)         /**< save guest PAT */
#define AXV_VMX_EXIT_LOAD_PAT (1u << 19)         /**< load host PAT */
#define AXV_VMX_EXIT_SAVE_EFER (1u << 20)        /**< save guest EFER */
#define AXV_VMX_EXIT_LOAD_EFER (1u << 21)        /**< load host EFER */
#define AXV_VMX_ENTRY_LOAD_DEBUG (1u << 2)       /**< load DR7 and DEBUGCTL */
#define AXV_VMX_ENTRY_IA32E_MODE (1u << 9)       /**< the guest is in IA-32e mode (EFER.LMA) */
#define AXV_VMX_ENTRY_LOAD_PAT (1u << 14)        /**< load guest PAT */
#define AXV_VMX_ENTRY_LOAD_EFER (1u << 15)       /**< load guest EFER */
/** @} */

/** @name Interruption-information format (SDM Vol. 3C 25.8.3) */
/** @{ */
#define AXV_VMX_INTR_VALID (1u << 31)       /**< the field holds an event */
#define AXV_VMX_INTR_DELIVER_ERROR (1u << 11) /**< deliver an error code */
#define AXV_X86_VEC_UD 6u                   /**< \#UD */
#define AXV_X86_VEC_GP 13u                  /**< \#GP */
#define AXV_VMX_INTR_TYPE_SW_INT 4u         /**< software interrupt (INT n) */
#define AXV_VMX_INTR_TYPE_PRIV_SW_EXC 5u    /**< privileged software exception (INT1) */
#define AXV_VMX_INTR_TYPE_SW_EXC 6u         /**< software exception (INT3, INTO) */
/** @} */

/** Exit reason bit 31: the exit is a VM-entry failure (SDM Vol. 3C 27.8 / 28.2.1). */
#define AXV_VMX_EXIT_REASON_ENTRY_FAIL (1u << 31)

/** Basic exit reasons (SDM Vol. 3D Appendix C, Table C-1). */
enum axv_vmx_exit_reason {
	AXV_VMX_EXIT_EXCEPTION_NMI = 0,        /**< exception or NMI */
	AXV_VMX_EXIT_EXTERNAL_INTERRUPT = 1,   /**< external interrupt */
	AXV_VMX_EXIT_TRIPLE_FAULT = 2,         /**< triple fault */
	AXV_VMX_EXIT_INIT = 3,                 /**< INIT signal */
	AXV_VMX_EXIT_SIPI = 4,                 /**< start-up IPI */
	AXV_VMX_EXIT_IO_SMI = 5,               /**< I/O SMI */
	AXV_VMX_EXIT_OTHER_SMI = 6,            /**< other SMI */
	AXV_VMX_EXIT_INTERRUPT_WINDOW = 7,     /**< interrupt window */
	AXV_VMX_EXIT_NMI_WINDOW = 8,           /**< NMI window */
	AXV_VMX_EXIT_TASK_SWITCH = 9,          /**< task switch */
	AXV_VMX_EXIT_CPUID = 10,               /**< CPUID */
	AXV_VMX_EXIT_GETSEC = 11,              /**< GETSEC */
	AXV_VMX_EXIT_HLT = 12,                 /**< HLT */
	AXV_VMX_EXIT_INVD = 13,                /**< INVD */
	AXV_VMX_EXIT_INVLPG = 14,              /**< INVLPG */
	AXV_VMX_EXIT_RDPMC = 15,               /**< RDPMC */
	AXV_VMX_EXIT_RDTSC = 16,               /**< RDTSC */
	AXV_VMX_EXIT_RSM = 17,                 /**< RSM in SMM */
	AXV_VMX_EXIT_VMCALL = 18,              /**< VMCALL */
	AXV_VMX_EXIT_VMCLEAR = 19,             /**< VMCLEAR */
	AXV_VMX_EXIT_VMLAUNCH = 20,            /**< VMLAUNCH */
	AXV_VMX_EXIT_VMPTRLD = 21,             /**< VMPTRLD */
	AXV_VMX_EXIT_VMPTRST = 22,             /**< VMPTRST */
	AXV_VMX_EXIT_VMREAD = 23,              /**< VMREAD */
	AXV_VMX_EXIT_VMRESUME = 24,            /**< VMRESUME */
	AXV_VMX_EXIT_VMWRITE = 25,             /**< VMWRITE */
	AXV_VMX_EXIT_VMXOFF = 26,              /**< VMXOFF */
	AXV_VMX_EXIT_VMXON = 27,               /**< VMXON */
	AXV_VMX_EXIT_CR_ACCESS = 28,           /**< control-register access */
	AXV_VMX_EXIT_DR_ACCESS = 29,           /**< MOV DR */
	AXV_VMX_EXIT_IO_INSTRUCTION = 30,      /**< I/O instruction */
	AXV_VMX_EXIT_RDMSR = 31,               /**< RDMSR */
	AXV_VMX_EXIT_WRMSR = 32,               /**< WRMSR */
	AXV_VMX_EXIT_ENTRY_FAIL_GUEST = 33,    /**< VM-entry failure: invalid guest state */
	AXV_VMX_EXIT_ENTRY_FAIL_MSR = 34,      /**< VM-entry failure: MSR loading */
	AXV_VMX_EXIT_MWAIT = 36,               /**< MWAIT */
	AXV_VMX_EXIT_MTF = 37,                 /**< monitor trap flag */
	AXV_VMX_EXIT_MONITOR = 39,             /**< MONITOR */
	AXV_VMX_EXIT_PAUSE = 40,               /**< PAUSE */
	AXV_VMX_EXIT_ENTRY_FAIL_MCE = 41,      /**< VM-entry failure: machine-check event */
	AXV_VMX_EXIT_TPR_BELOW_THRESHOLD = 43, /**< TPR below threshold */
	AXV_VMX_EXIT_APIC_ACCESS = 44,         /**< APIC access */
	AXV_VMX_EXIT_VIRTUALIZED_EOI = 45,     /**< virtualized EOI */
	AXV_VMX_EXIT_GDTR_IDTR = 46,           /**< access to GDTR or IDTR */
	AXV_VMX_EXIT_LDTR_TR = 47,             /**< access to LDTR or TR */
	AXV_VMX_EXIT_EPT_VIOLATION = 48,       /**< EPT violation */
	AXV_VMX_EXIT_EPT_MISCONFIG = 49,       /**< EPT misconfiguration */
	AXV_VMX_EXIT_INVEPT = 50,              /**< INVEPT */
	AXV_VMX_EXIT_RDTSCP = 51,              /**< RDTSCP */
	AXV_VMX_EXIT_PREEMPTION_TIMER = 52,    /**< VMX-preemption timer expired */
	AXV_VMX_EXIT_INVVPID = 53,             /**< INVVPID */
	AXV_VMX_EXIT_WBINVD = 54,              /**< WBINVD or WBNOINVD */
	AXV_VMX_EXIT_XSETBV = 55,              /**< XSETBV */
	AXV_VMX_EXIT_APIC_WRITE = 56,          /**< APIC write */
	AXV_VMX_EXIT_RDRAND = 57,              /**< RDRAND */
	AXV_VMX_EXIT_INVPCID = 58,             /**< INVPCID */
	AXV_VMX_EXIT_VMFUNC = 59,              /**< VMFUNC */
	AXV_VMX_EXIT_ENCLS = 60,               /**< ENCLS */
	AXV_VMX_EXIT_RDSEED = 61,              /**< RDSEED */
	AXV_VMX_EXIT_PML_FULL = 62,            /**< page-modification log full */
	AXV_VMX_EXIT_XSAVES = 63,              /**< XSAVES */
	AXV_VMX_EXIT_XRSTORS = 64,             /**< XRSTORS */
	AXV_VMX_EXIT_PCONFIG = 65,             /**< PCONFIG */
	AXV_VMX_EXIT_SPP = 66,                 /**< SPP-related event */
	AXV_VMX_EXIT_UMWAIT = 67,              /**< UMWAIT */
	AXV_VMX_EXIT_TPAUSE = 68,              /**< TPAUSE */
	AXV_VMX_EXIT_LOADIWKEY = 69,           /**< LOADIWKEY */
	AXV_VMX_EXIT_ENCLV = 70,               /**< ENCLV */
	AXV_VMX_EXIT_ENQCMD_PASID = 72,        /**< ENQCMD PASID translation failure */
	AXV_VMX_EXIT_ENQCMDS_PASID = 73,       /**< ENQCMDS PASID translation failure */
	AXV_VMX_EXIT_BUS_LOCK = 74,            /**< bus lock */
	AXV_VMX_EXIT_INSTRUCTION_TIMEOUT = 75, /**< instruction timeout */
	AXV_VMX_EXIT_SEAMCALL = 76,            /**< SEAMCALL */
	AXV_VMX_EXIT_TDCALL = 77,              /**< TDCALL */
	AXV_VMX_EXIT_REASON_MAX = 78           /**< size of the decode table; not a reason */
};

#endif
