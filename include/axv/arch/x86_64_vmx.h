/**
 * @file arch/x86_64_vmx.h
 * @brief x86_64 port, Intel VMX backend: hardware enable, VMCS setup, exit decoding.
 */
#ifndef AXV_ARCH_X86_64_VMX_H
#define AXV_ARCH_X86_64_VMX_H

#include <axv/arch/x86_64.h>
#include <axv/exit.h>
#include <axv/percpu.h>
#include <axv/vcpu.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_vmx x86_64 VMX backend
 * @brief Intel VMX with EPT and unrestricted guest.
 *
 * Every VMX instruction (VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMREAD, VMWRITE, VMLAUNCH,
 * VMRESUME, INVEPT) and every other privileged access the backend makes (RDMSR, WRMSR, CPUID,
 * control registers, XSETBV) goes through a `struct axv_vmx_hw` ops table:
 * #axv_vmx_hw_native on real hardware, a simulation (a VMCS as a field array, MSRs and
 * CPUID as tables) in the host tests. QEMU's TCG does not emulate VMX; Bochs 2.7's
 * corei7_skylake_x model does, and examples/x86_64-vmx runs the x86 test guests on it
 * (meson suite bochs).
 *
 * References (section numbers of the 2023 and later editions; earlier editions number
 * these chapters one lower): Intel SDM Vol. 3C (326019), chapters "Introduction to VMX
 * operation" (24.7 enabling and entering VMX operation, 24.8 restrictions), "Virtual machine
 * control structures" (25.x), "VM entries" (27.x), "VM exits" (28.x), "VMX instruction
 * reference" (31.x); Vol. 3D Appendix A (capability MSRs), Appendix B (field encodings),
 * Appendix C (basic exit reasons).
 * @{
 */

/** @name Event types for axv_vmx_inject_event() (interruption-information type, SDM Vol. 3C 25.8.3) */
/** @{ */
#define AXV_VMX_INTR_TYPE_EXT 0u            /**< external interrupt */
#define AXV_VMX_INTR_TYPE_NMI 2u            /**< NMI */
#define AXV_VMX_INTR_TYPE_HW_EXC 3u         /**< hardware exception */
/** @} */

/** Hypervisor CPUID leaves answered by the backend: 0x40000000 gives the highest leaf and
 *  the signature "libaxv" in EBX, ECX, EDX (zero-padded); 0x40000001 gives the libaxv
 *  version in EAX (major << 16 | minor << 8 | patch: 0x100), as the SVM backend does. */
#define AXV_VMX_CPUID_HV_BASE 0x40000000u

/**
 * @brief The privileged operations the backend uses; replaced in host tests.
 *
 * VMX instructions return 0, #AXV_EIO for VMfailInvalid (CF = 1) or #AXV_EFAULT for
 * VMfailValid (ZF = 1; the error number is in the VMCS's VM-instruction error field).
 */
struct axv_vmx_hw {
	void *ctx; /**< passed to every hook */
	int (*vmxon)(void *ctx, axv_hpa_t region);               /**< VMXON */
	int (*vmxoff)(void *ctx);                                /**< VMXOFF */
	int (*vmclear)(void *ctx, axv_hpa_t vmcs);               /**< VMCLEAR */
	int (*vmptrld)(void *ctx, axv_hpa_t vmcs);               /**< VMPTRLD */
	int (*vmread)(void *ctx, uint32_t field, uint64_t *v);   /**< VMREAD */
	int (*vmwrite)(void *ctx, uint32_t field, uint64_t v);   /**< VMWRITE */
	int (*invept)(void *ctx, uint64_t type, uint64_t eptp);  /**< INVEPT (type 1 single, 2 all) */
	/**
	 * @brief Enter the guest (VMLAUNCH if @p resume is false, else VMRESUME) with the
	 *        general registers @p g (RSP excluded: it is in the VMCS), and save them at exit.
	 * @return 0 after a VM exit; the VMX instruction codes above if the entry failed
	 */
	int (*enter)(void *ctx, struct axv_x86_gprs *g, bool resume);
	/** @brief The host RIP of the exit path (for the VMCS's host RIP field). */
	uint64_t (*exit_rip)(void *ctx);
	uint64_t (*rdmsr)(void *ctx, uint32_t msr);              /**< RDMSR */
	void (*wrmsr)(void *ctx, uint32_t msr, uint64_t v);      /**< WRMSR */
	/** CPUID: out = EAX, EBX, ECX, EDX */
	void (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
	uint64_t (*read_cr)(void *ctx, unsigned cr);             /**< MOV from CR0, CR3, CR4 */
	void (*write_cr)(void *ctx, unsigned cr, uint64_t v);    /**< MOV to CR0, CR4 */
	uint64_t (*xgetbv)(void *ctx, uint32_t xcr);             /**< XGETBV */
	void (*xsetbv)(void *ctx, uint32_t xcr, uint64_t v);     /**< XSETBV */
	/** @brief Host selectors and bases for the VMCS host-state area (sgdt, sidt, str, ...). */
	void (*host_segments)(void *ctx, uint16_t sel[7] /* ES CS SS DS FS GS TR */,
			      uint64_t base[5] /* FS GS TR GDTR IDTR */);
};

/** Real-hardware operations (inline assembly; x86_64 builds only). */
extern const struct axv_vmx_hw axv_vmx_hw_native;

/**
 * EPT TLB maintenance for `struct axv_hal`: INVEPT all-context on the calling cpu (INVEPT
 * has no range form). Other cpus that ran the address space must flush too; the embedder
 * arranges that. x86_64 builds only; the cpu must be in VMX operation.
 */
extern const struct axv_hal_tlb_ops axv_vmx_tlb_ops;

/** @brief One capability MSR pair: bits that must be 1 and bits that may be 1 (A.3). */
struct axv_vmx_ctl_cap {
	uint32_t must1; /**< allowed-0 settings (low 32 bits): 1 means the control must be 1 */
	uint32_t may1;  /**< allowed-1 settings (high 32 bits): 0 means the control must be 0 */
};

/** @brief What this processor's VMX supports, read at enable. */
struct axv_vmx_caps {
	uint64_t basic;                  /**< IA32_VMX_BASIC */
	uint32_t revision;               /**< VMCS revision identifier (BASIC bits 30:0) */
	uint32_t region_size;            /**< VMXON/VMCS region size (BASIC bits 44:32) */
	struct axv_vmx_ctl_cap pin;      /**< pin-based (TRUE MSR when available) */
	struct axv_vmx_ctl_cap proc;     /**< primary processor-based */
	struct axv_vmx_ctl_cap proc2;    /**< secondary processor-based (0 if not available) */
	struct axv_vmx_ctl_cap exit;     /**< VM-exit */
	struct axv_vmx_ctl_cap entry;    /**< VM-entry */
	uint64_t cr0_fixed0;             /**< CR0 bits that must be 1 */
	uint64_t cr0_fixed1;             /**< CR0 bits that may be 1 */
	uint64_t cr4_fixed0;             /**< CR4 bits that must be 1 */
	uint64_t cr4_fixed1;             /**< CR4 bits that may be 1 */
	uint64_t ept_vpid;               /**< IA32_VMX_EPT_VPID_CAP (0 if not available) */
	bool xsave;                      /**< CPUID.1:ECX.XSAVE: CR4.OSXSAVE set at enable */
	uint64_t xcr0_supported;         /**< CPUID.(0DH,0):EDX:EAX, when XSAVE */
};

/** @brief Per physical cpu state. Caller storage; fill @ref hw, @ref vmxon_va, @ref vmxon_pa. */
struct axv_vmx_cpu {
	const struct axv_vmx_hw *hw; /**< the operations (#axv_vmx_hw_native on hardware) */
	void *vmxon_va;              /**< a zeroed 4 KiB page for the VMXON region, host pointer */
	axv_hpa_t vmxon_pa;          /**< its physical address (4 KiB aligned) */
	struct axv_vmx_caps caps;    /**< filled at enable */
	uint64_t cr4_before;         /**< CR4 before enable, restored at disable */
	uint64_t host_xcr0;          /**< host XCR0 at enable (restored after each exit) */
	bool on;                     /**< in VMX operation */
};

/**
 * @brief Turn VMX on for the calling cpu (SDM Vol. 3C 24.7, 24.8).
 *
 * Checks CPUID.1:ECX.VMX[bit 5]; IA32_FEATURE_CONTROL (locks it with VMXON outside SMX
 * enabled if unlocked; fails if locked without it); reads IA32_VMX_BASIC (revision id, region
 * size at most 4096, write-back regions, 32-bit address limit) and the control capability
 * MSRs (the TRUE ones when BASIC bit 55 says so); checks CR0 against the fixed-bit MSRs
 * (CR0.NE is the only bit it sets itself); sets CR4.VMXE (and CR4.OSXSAVE when XSAVE is
 * available) within the CR4 fixed bits; writes the revision id into the VMXON region; VMXON.
 * @param cpu per-cpu storage with hw, vmxon_va and vmxon_pa filled
 * @return 0; #AXV_EINVAL for NULL or a misaligned region; #AXV_EALREADY if already on;
 *         #AXV_ENOTSUP without VMX, with a region size over 4096, non-write-back regions, or
 *         CR0/CR4 values the fixed bits forbid; #AXV_EPERM when IA32_FEATURE_CONTROL is
 *         locked without VMXON enabled; #AXV_EBUSY when CR4.VMXE is already set (someone
 *         else's VMX operation); #AXV_EIO when VMXON fails (CR4 is then restored)
 * @note Task context, on the cpu concerned, interrupts masked.
 */
int axv_vmx_cpu_enable(struct axv_vmx_cpu *cpu);

/**
 * @brief Leave VMX operation (VMXOFF) and restore CR4.VMXE.
 * @param cpu an enabled cpu
 * @return 0; #AXV_EINVAL for NULL; #AXV_ESTATE when not on; #AXV_EIO when VMXOFF fails
 * @note On the cpu concerned, with no VMCS current (unbind every vcpu first).
 */
int axv_vmx_cpu_disable(struct axv_vmx_cpu *cpu);

/**
 * @brief Adjust wanted control bits to what the processor allows (SDM Vol. 3D A.3).
 * @param cap      the capability pair
 * @param want     the bits the caller would like
 * @param required the bits it cannot do without (a subset of @p want)
 * @param[out] out `(want | must1) & may1`
 * @return 0; #AXV_ENOTSUP when a required bit is not allowed (@p out untouched)
 */
int axv_vmx_adjust_ctl(const struct axv_vmx_ctl_cap *cap, uint32_t want, uint32_t required,
		       uint32_t *out);

/** Guest start modes. */
enum axv_vmx_guest_mode {
	AXV_VMX_GUEST_FLAT32 = 0, /**< 32-bit protected mode, flat 4 GiB segments, paging off (multiboot) */
	AXV_VMX_GUEST_REAL = 1    /**< real mode; CS:IP made from the entry address (below 1 MiB) */
};

/**
 * @brief How the port reads the instruction bytes behind a device access fault, for
 *        axv_vmx_decode_access() (the vcpu ops' decode hook, which axv_vcpu_resolve() calls).
 */
struct axv_vmx_mmio_ops {
	/**
	 * @brief Read up to @p max instruction bytes at guest linear address @p linear
	 *        (axv_x86_fetch_insn() does it given a guest-physical read).
	 * @param ctx    @ref ctx
	 * @param linear CS base + RIP
	 * @param cr0    guest CR0 (paging mode)
	 * @param cr3    guest CR3
	 * @param cr4    guest CR4
	 * @param efer   guest EFER
	 * @param[out] buf the bytes
	 * @param max    room in @p buf (15)
	 * @return the number of bytes read (1..max), or a negative code
	 */
	int (*fetch)(void *ctx, uint64_t linear, uint64_t cr0, uint64_t cr3, uint64_t cr4,
		     uint64_t efer, uint8_t *buf, size_t max);
	void *ctx; /**< passed to @ref fetch */
};

/** @brief Configuration of a VMX vcpu (axv_vcpu_setup()'s config, or axv_vmx_vcpu_setup()). */
struct axv_vmx_vcpu_config {
	/** The `struct axv_vmx_cpu` of the calling cpu (bind looks the cpu up through it). */
	struct axv_vmx_cpu *(*current_cpu)(void *arg);
	void *current_cpu_arg;          /**< argument of @ref current_cpu */
	void *vmcs_va;                  /**< zeroed 4 KiB page for the VMCS region, host pointer */
	axv_hpa_t vmcs_pa;              /**< its physical address */
	uint8_t *msr_bitmap_va;         /**< 4 KiB page for the MSR bitmaps, host pointer */
	axv_hpa_t msr_bitmap_pa;        /**< its physical address */
	enum axv_vmx_guest_mode mode;   /**< how the guest starts */
	const struct axv_vmx_mmio_ops *mmio; /**< instruction fetch for axv_vmx_decode_access(), or NULL: no decoding (#AXV_ENOTSUP) */
};

/** @brief A VMX vcpu: the port context of a `struct axv_vcpu`. Caller storage. */
struct axv_vmx_vcpu {
	struct axv_x86_gprs regs;       /**< general registers (RSP synced with the VMCS around entry) */
	struct axv_vmx_vcpu_config cfg; /**< from setup */
	struct axv_vmx_cpu *cpu;        /**< bound physical cpu, or NULL */
	const struct axv_vmx_hw *hw;    /**< its operations while bound */
	uint32_t id;                    /**< vcpu id (initial APIC id in CPUID) */
	axv_gpa_t entry;                /**< guest entry address */
	uint64_t eptp;                  /**< EPT pointer (0: not set) */
	uint64_t xcr0;                  /**< guest XCR0 */
	uint32_t proc2;                 /**< secondary controls in use */
	bool configured;                /**< setup done */
	bool vmcs_ready;                /**< the VMCS holds the controls and guest state */
	bool launched;                  /**< VMLAUNCH done since the last VMCLEAR */
};

/**
 * @brief Check a configuration and keep it (done by the vcpu setup hook too); fills the
 *        MSR bitmap (every MSR exits except SYSENTER_CS/ESP/EIP, FS/GS base and EFER).
 * @param v   the vcpu (created)
 * @param cfg the configuration, copied
 * @return 0; #AXV_EINVAL for a missing or misaligned page or an unknown mode
 */
int axv_vmx_vcpu_setup(struct axv_vmx_vcpu *v, const struct axv_vmx_vcpu_config *cfg);

/**
 * @brief Load the vcpu on cpu @p cpu (VMCLEAR on first use, VMPTRLD) and write the VMCS:
 *        controls and guest state the first time, host state every time.
 * @param v   a set-up vcpu, not loaded
 * @param cpu the calling cpu, enabled
 * @return 0; #AXV_ESTATE if not set up or @p cpu is not on; #AXV_ENOTSUP when the
 *         processor lacks a required control (EPT, unrestricted guest, ...); VMX errors
 */
int axv_vmx_vcpu_load(struct axv_vmx_vcpu *v, struct axv_vmx_cpu *cpu);

/**
 * @brief VMCLEAR the vcpu's VMCS (it can then be loaded on another cpu).
 * @param v a loaded vcpu
 * @return 0; #AXV_EINVAL for NULL; #AXV_ESTATE if not loaded; VMCLEAR errors
 */
int axv_vmx_vcpu_put(struct axv_vmx_vcpu *v);

/**
 * @brief Enter the guest once and decode the exit.
 * @param v a loaded vcpu, on its cpu, host interrupts masked
 * @param[out] e the exit
 * @return 0 with @p e filled (a VMLAUNCH/VMRESUME that fails is #AXV_EXIT_FAIL_ENTRY with
 *         the VM-instruction error number, e.g. 7 bad controls, 8 bad host state, or 0 for
 *         VMfailInvalid; an entry that fails on guest state is an exit, see
 *         axv_vmx_decode_exit()); #AXV_ESTATE if not
 *         loaded; VMREAD/VMWRITE errors
 */
int axv_vmx_vcpu_run(struct axv_vmx_vcpu *v, struct axv_exit *e);

/**
 * @brief Decode the current VMCS's exit into @p e (table indexed by basic exit reason).
 *
 * CPUID, CR accesses, XSETBV, interrupt and NMI windows, PAUSE, INVD, WBINVD and the VMX
 * instructions (\#UD injected) are handled in place and give #AXV_EXIT_NOTHING. VMCALL
 * gives #AXV_EXIT_HYPERCALL (nr RAX; args RBX, RCX, RDX, RSI, RDI, R8), HLT gives
 * #AXV_EXIT_HALT, both with RIP already past the instruction. RDMSR/WRMSR give sysreg exits
 * (addr = MSR index, reg #AXV_X86_REG_EDX_EAX, width 8). I/O gives port exits (reg RAX; INS
 * and OUTS with #AXV_ACCESS_STRING / #AXV_ACCESS_REP). An EPT violation is an undecoded
 * guest access fault, #AXV_EXIT_NESTED_PAGE_FAULT, memory or device alike
 * (axv_vcpu_resolve() decides, and has it decoded by axv_vmx_decode_access() for a device);
 * an EPT misconfiguration is #AXV_EXIT_UNHANDLED with the guest physical address. Triple fault: #AXV_EXIT_SYSTEM_DOWN. Entry failures:
 * #AXV_EXIT_FAIL_ENTRY with the full exit reason (bit 31 set). Anything else:
 * #AXV_EXIT_UNHANDLED with the exit reason and qualification.
 * @param v a loaded vcpu
 * @param[out] e the exit
 * @return 0; #AXV_EINVAL for NULL; VMREAD/VMWRITE errors
 */
int axv_vmx_decode_exit(struct axv_vmx_vcpu *v, struct axv_exit *e);

/**
 * @brief Decode the instruction behind an EPT violation into an MMIO access exit (the vcpu
 *        ops' decode hook; axv_vcpu_resolve() calls it for a fault a device holds).
 *
 * The instruction at the exit's pc is read through the config's `mmio` fetch hook (CS base
 * + RIP, in the guest's paging mode) and decoded with axv_x86_decode_mmio(); the direction
 * must be the one the violation's qualification gave (a store where the fault says read is
 * refused: the bytes changed after the fault).
 * @param v a loaded vcpu, stopped right after the run that returned @p exit
 * @param[in,out] exit its #AXV_EXIT_NESTED_PAGE_FAULT exit; becomes #AXV_EXIT_MMIO_READ or
 *             #AXV_EXIT_MMIO_WRITE at the same address, with axv_exit::insn_len (pc and gen
 *             kept); unchanged on failure
 * @return 0; #AXV_EINVAL for NULL or another exit reason; #AXV_ESTATE for a vcpu not loaded;
 *         #AXV_ENOTSUP without a fetch hook, for a fetch, or for an instruction the decoder
 *         does not know or whose direction differs from the fault's; #AXV_EFAULT when the
 *         bytes cannot be read; VMREAD errors
 * @note Context: the cpu the vcpu is loaded on (VMREAD), task; owner only.
 */
int axv_vmx_decode_access(struct axv_vmx_vcpu *v, struct axv_exit *exit);

/**
 * @brief Queue an event for the next VM entry (VM-entry interruption-information field).
 * @param v      a loaded vcpu
 * @param vector the vector
 * @param type   `AXV_VMX_INTR_TYPE_*`
 * @param has_error deliver @p error as the exception's error code
 * @param error  the error code
 * @return 0; #AXV_EBUSY when an event is already queued; #AXV_EINVAL for a type other
 *         than external interrupt, NMI or hardware exception
 */
int axv_vmx_inject_event(struct axv_vmx_vcpu *v, uint8_t vector, unsigned type, bool has_error,
			 uint32_t error);

/**
 * @brief Let @p msr be read and/or written by the guest without exits (MSR bitmap).
 * @param v     a set-up vcpu
 * @param msr   the MSR index (0..1FFFH or C0000000H..C0001FFFH)
 * @param read  reads pass through (else they exit)
 * @param write writes pass through (else they exit)
 * @return 0; #AXV_EINVAL for NULL or no bitmap; #AXV_ERANGE for an MSR outside the bitmap
 */
int axv_vmx_msr_passthrough(struct axv_vmx_vcpu *v, uint32_t msr, bool read, bool write);

/** The vcpu ops; the port context is a `struct axv_vmx_vcpu`; setup takes a
 *  `struct axv_vmx_vcpu_config`. inject() takes external-interrupt vectors 32..255. */
extern const struct axv_vcpu_ops axv_vmx_vcpu_ops;
/** Per-cpu enable over axv_vmx_cpu_enable(); its context is a `struct axv_vmx_cpu`. */
extern const struct axv_percpu_ops axv_vmx_percpu_ops;

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_X86_64_VMX_H */
