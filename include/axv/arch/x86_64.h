/**
 * @file arch/x86_64.h
 * @brief x86_64 port: the Intel EPT and AMD NPT page-table formats.
 */
#ifndef AXV_ARCH_X86_64_H
#define AXV_ARCH_X86_64_H

#include <axv/addrspace.h>
#include <axv/exit.h>
#include <axv/percpu.h>
#include <axv/vcpu.h>

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

/* ==== VMX engineer's block: registers and the MMIO instruction decoder (ports/x86_64/insn.c) ==== */

/**
 * @defgroup axv_x86_regs x86_64 guest registers
 * @brief The port's register numbering, shared by VMX and SVM, and a register file.
 *
 * `axv_exit_access::reg` and the vcpu get_reg/set_reg hooks use this numbering:
 * 0..15 are the general registers in the SDM's encoding order (RAX, RCX, RDX, RBX, RSP, RBP,
 * RSI, RDI, R8..R15; Intel SDM Vol. 2A, 2.1.5, Table 2-2 and 3.1.1.1). 16..19 are the 8-bit
 * high registers AH, CH, DH, BH (bits 15:8 of RAX, RCX, RDX, RBX), which a byte instruction
 * without REX encodes as registers 4..7. 20 is the EDX:EAX pair of RDMSR/WRMSR: reading it
 * gives `(RDX[31:0] << 32) | RAX[31:0]`, writing it sets RAX and RDX to the low and high
 * halves zero-extended (SDM Vol. 2B RDMSR: "the high-order 32 bits of RAX and RDX are
 * cleared").
 * @{
 */
#define AXV_X86_REG_RAX 0u      /**< RAX (EAX, AX, AL) */
#define AXV_X86_REG_RCX 1u      /**< RCX */
#define AXV_X86_REG_RDX 2u      /**< RDX */
#define AXV_X86_REG_RBX 3u      /**< RBX */
#define AXV_X86_REG_RSP 4u      /**< RSP (kept in the VMCS/VMCB by the hardware; the port syncs it) */
#define AXV_X86_REG_RBP 5u      /**< RBP */
#define AXV_X86_REG_RSI 6u      /**< RSI */
#define AXV_X86_REG_RDI 7u      /**< RDI */
#define AXV_X86_REG_R8 8u       /**< R8; R9..R15 are 9..15 */
#define AXV_X86_REG_R15 15u     /**< R15 */
#define AXV_X86_REG_AH 16u      /**< AH: bits 15:8 of RAX */
#define AXV_X86_REG_CH 17u      /**< CH: bits 15:8 of RCX */
#define AXV_X86_REG_DH 18u      /**< DH: bits 15:8 of RDX */
#define AXV_X86_REG_BH 19u      /**< BH: bits 15:8 of RBX */
#define AXV_X86_REG_EDX_EAX 20u /**< the EDX:EAX pair of RDMSR/WRMSR (64 bits) */
#define AXV_X86_REG_COUNT 21u   /**< number of register numbers; not a register */

/** @brief The guest's sixteen general registers, indexed by `AXV_X86_REG_RAX`..`R15`. */
struct axv_x86_gprs {
	uint64_t r[16]; /**< RAX..R15 in the SDM's encoding order */
};

/**
 * @brief Read a register in the port's numbering (AH..BH and EDX:EAX included).
 * @param g   the register file
 * @param reg register number (untrusted: validated)
 * @param[out] v the value (AH..BH: 0..255)
 * @return 0; #AXV_EINVAL for a NULL argument or a number >= #AXV_X86_REG_COUNT
 * @note Any context; pure.
 */
int axv_x86_gpr_get(const struct axv_x86_gprs *g, unsigned reg, uint64_t *v);

/**
 * @brief Write a register in the port's numbering. AH..BH replace bits 15:8 only;
 *        EDX:EAX sets RAX and RDX to its halves, zero-extended; #AXV_REG_NONE does nothing.
 * @param g   the register file
 * @param reg register number (untrusted: validated)
 * @param v   the value
 * @return 0; #AXV_EINVAL for a NULL argument or an unknown number
 * @note Any context.
 */
int axv_x86_gpr_set(struct axv_x86_gprs *g, unsigned reg, uint64_t v);

/** @} */

/**
 * @defgroup axv_x86_insn x86 MMIO instruction decoder
 * @brief Decode the guest instruction that touched emulated device memory.
 *
 * An EPT violation (VMX) or nested page fault (SVM) on an emulated device gives the faulting
 * guest physical address but not the access width or register. The port fetches the bytes
 * at the guest RIP and decodes them with axv_x86_decode_mmio(); axv_x86_mmio_exit() then
 * turns the result into an #AXV_EXIT_MMIO_READ or #AXV_EXIT_MMIO_WRITE exit.
 *
 * Understood (Intel SDM Vol. 2, opcode tables in Appendix A and the instruction pages):
 * `88 /r` `89 /r` `8A /r` `8B /r` (MOV r/m,r and r,r/m), `A0`..`A3` (MOV AL/AX/EAX/RAX to or
 * from moffs), `C6 /0 ib`, `C7 /0 iw/id` (MOV r/m, imm), `0F B6` `0F B7` (MOVZX), `0F BE`
 * `0F BF` (MOVSX), `63 /r` (MOVSXD, 64-bit mode), and the string forms `A4` `A5` (MOVS),
 * `AA` `AB` (STOS), `AC` `AD` (LODS) with or without REP, reported with
 * #AXV_ACCESS_STRING / #AXV_ACCESS_REP for the embedder to emulate. Prefixes: operand size
 * (66), address size (67), segment overrides (ignored: the fault gives the address), F2/F3
 * (REP on string forms, ignored hints on one-byte MOVs), REX in 64-bit mode (only when it
 * immediately precedes the opcode, SDM Vol. 2A 2.2.1). ModRM with SIB, disp8/disp32,
 * RIP-relative and 16-bit addressing forms.
 *
 * The bytes are guest-controlled: the decoder reads at most `min(len, 15)` bytes and
 * anything else (LOCK, a register operand, unknown opcodes, over 15 bytes) is a clean error.
 * @{
 */

/** Decoded-access kinds (axv_x86_mmio::kind). */
enum axv_x86_mmio_kind {
	AXV_X86_MMIO_REG = 0, /**< a register is stored or loaded (axv_x86_mmio::reg) */
	AXV_X86_MMIO_IMM = 1, /**< an immediate is stored (axv_x86_mmio::imm) */
	AXV_X86_MMIO_STRING = 2 /**< MOVS/STOS/LODS: the embedder emulates it */
};

/** @brief One decoded instruction that accesses memory. */
struct axv_x86_mmio {
	uint8_t len;          /**< instruction length in bytes (1..15) */
	uint8_t opcode;       /**< primary opcode byte (the byte after 0F for two-byte opcodes) */
	bool two_byte;        /**< the opcode had the 0F escape */
	bool write;           /**< true: the instruction stores to memory (MOVS: see axv_x86_mmio_exit()) */
	enum axv_x86_mmio_kind kind; /**< what is stored or loaded */
	uint8_t width;        /**< memory access width in bytes: 1, 2, 4 or 8 */
	uint8_t reg;          /**< register (port numbering, AH..BH as 16..19), or #AXV_REG_NONE */
	uint8_t reg_width;    /**< width of the register operand in bytes (loads: destination) */
	bool sign_extend;     /**< loads: sign-extend from @ref width to @ref reg_width (MOVSX, MOVSXD) */
	uint8_t flags;        /**< `AXV_ACCESS_STRING`, `AXV_ACCESS_REP` */
	uint8_t addr_size;    /**< effective address size in bytes: 2, 4 or 8 */
	bool rip_relative;    /**< the memory operand is RIP-relative (64-bit mode, mod 00 r/m 101) */
	uint64_t imm;         /**< #AXV_X86_MMIO_IMM: the immediate, sign-extended to @ref width */
};

/** Code modes for axv_x86_decode_mmio(). */
#define AXV_X86_MODE_16 16u /**< real mode, virtual-8086, or 16-bit protected-mode code (CS.D = 0) */
#define AXV_X86_MODE_32 32u /**< 32-bit protected mode or compatibility mode (CS.D = 1) */
#define AXV_X86_MODE_64 64u /**< 64-bit mode (CS.L = 1, EFER.LMA = 1) */

/** The architectural maximum length of an x86 instruction (SDM Vol. 2A 2.3.11). */
#define AXV_X86_MAX_INSN_LEN 15u

/**
 * @brief Decode one instruction that accessed (emulated) memory.
 * @param bytes the instruction bytes fetched from the guest RIP (guest-controlled)
 * @param len   how many bytes are valid; at most `min(len, 15)` are read, never more
 * @param mode  #AXV_X86_MODE_16, #AXV_X86_MODE_32 or #AXV_X86_MODE_64
 * @param[out] out the decoded instruction (written only on success)
 * @return 0; #AXV_EINVAL for a NULL pointer or an unknown mode; #AXV_EAGAIN when the bytes
 *         end inside the instruction and fewer than 15 were given (fetch more, e.g. across a
 *         page boundary, and call again); #AXV_ENOTSUP for anything not understood: an
 *         unknown opcode, a register (mod 11) operand, LOCK, a bad ModRM reg field, an
 *         instruction longer than 15 bytes
 * @note Any context; pure; reads only `bytes[0 .. min(len, 15) - 1]`.
 */
int axv_x86_decode_mmio(const uint8_t *bytes, size_t len, unsigned mode,
			struct axv_x86_mmio *out);

/**
 * @brief Turn a decoded instruction and the faulting address into an MMIO exit.
 *
 * Loads become #AXV_EXIT_MMIO_READ with the destination register, its width and sign
 * extension; stores become #AXV_EXIT_MMIO_WRITE with the data (register or immediate)
 * truncated to the access width. String forms become an exit of the fault's direction with
 * #AXV_ACCESS_STRING (and #AXV_ACCESS_REP), no register and no data: axv_exit_complete()
 * refuses them with #AXV_ENOTSUP and the embedder emulates them.
 * @param d           a decoded instruction
 * @param gpa         the faulting guest physical address
 * @param rip         guest RIP of the instruction (axv_exit::pc)
 * @param fault_write the hardware's access type (EPT exit qualification bit 1, NPF error
 *                    code bit 1); must agree with a non-string instruction's direction (the
 *                    guest may have changed the bytes after the fault)
 * @param regs        the guest's registers, read for stores (RSP must be current)
 * @param[out] e      the exit
 * @return 0; #AXV_EINVAL for a NULL argument, an inconsistent @p d, or a direction that
 *         disagrees with @p fault_write (then @p e is untouched)
 * @note Any context.
 */
int axv_x86_mmio_exit(const struct axv_x86_mmio *d, axv_gpa_t gpa, uint64_t rip,
		      bool fault_write, const struct axv_x86_gprs *regs, struct axv_exit *e);

/**
 * @brief The guest's paging state, for translating a linear address (instruction fetch).
 */
struct axv_x86_paging {
	uint64_t cr0;  /**< guest CR0 (PG, bit 31) */
	uint64_t cr3;  /**< guest CR3 */
	uint64_t cr4;  /**< guest CR4 (PSE bit 4, PAE bit 5, LA57 bit 12) */
	uint64_t efer; /**< guest EFER (LMA, bit 10) */
};

/**
 * @brief Read guest physical memory (the embedder's, e.g. over axv_as_read()).
 * @return 0, or a negative code when @p gpa is not guest RAM
 */
typedef int (*axv_x86_read_gpa_fn)(void *ctx, axv_gpa_t gpa, void *buf, size_t len);

/**
 * @brief Translate a guest linear address through the guest's page tables.
 *
 * Paging off (identity, 32 bits), 32-bit paging (4 KiB, and 4 MiB pages with CR4.PSE),
 * PAE paging (4 KiB, 2 MiB), 4-level and 5-level paging (4 KiB, 2 MiB, 1 GiB); SDM Vol. 3A
 * 4.3, 4.4, 4.5. Only presence is checked, not permissions (an instruction that ran was
 * allowed to be fetched).
 * @param p      the guest's CR0, CR3, CR4, EFER
 * @param linear the linear address (CS base + RIP)
 * @param read   reads page-table entries from guest physical memory
 * @param ctx    passed to @p read
 * @param[out] gpa the guest physical address
 * @return 0; #AXV_EINVAL for NULL arguments; #AXV_EFAULT for a non-present entry or a
 *         non-canonical address; an error of @p read
 * @note Any context @p read allows; reads at most 5 entries.
 */
int axv_x86_guest_translate(const struct axv_x86_paging *p, uint64_t linear,
			    axv_x86_read_gpa_fn read, void *ctx, axv_gpa_t *gpa);

/**
 * @brief Fetch up to @p max instruction bytes at a guest linear address, page by page
 *        (an instruction may straddle two pages mapped anywhere).
 * @param p      the guest's paging state
 * @param linear CS base + RIP
 * @param read   reads guest physical memory
 * @param ctx    passed to @p read
 * @param[out] buf the bytes
 * @param max    bytes wanted (at most #AXV_X86_MAX_INSN_LEN are fetched)
 * @return the number of bytes fetched (1..max; fewer when the second page is not mapped:
 *         axv_x86_decode_mmio() then reports #AXV_EAGAIN if it needed them), or the error
 *         of the first page's translation or read
 */
int axv_x86_fetch_insn(const struct axv_x86_paging *p, uint64_t linear, axv_x86_read_gpa_fn read,
		       void *ctx, uint8_t *buf, size_t max);

/** @} */

/* ==== end of the VMX engineer's decoder block ==== */

/* ==== SVM engineer's block: the AMD SVM backend (ports/x86_64/svm*) ==== */

/**
 * @defgroup axv_svm AMD SVM backend
 * @brief VMCB layout, intercepts, IOPM/MSRPM, exit decoding and the vcpu/per-cpu ops for
 *        AMD-V (AMD64 APM Vol. 2, chapter 15 "Secure Virtual Machine").
 *
 * Split: the VMCB set-up, the permission maps, the exit decoder, CPUID emulation and the
 * guest page walk used to fetch MMIO instructions are plain C (ports/x86_64/svm_vmcb.c,
 * svm_exit.c) and host-tested on hand-built VMCBs; EFER.SVME/VM_HSAVE_PA, VMRUN and the
 * ops tables are x86_64-only (svm_cpu.c, svm_entry.S).
 *
 * Registers: the numbering of @ref axv_x86_regs. VMRUN and the VM exit keep only RAX, RSP, RIP and
 * RFLAGS in the VMCB; the entry stub saves and loads the other general registers from
 * axv_svm_vcpu::gprs, and the port copies RAX/RSP between the VMCB and the register file
 * around each VMRUN, so the register file is always current outside the guest.
 *
 * Exits (axv_svm_decode_exit()):
 * - IOIO (0x7b) -> #AXV_EXIT_IO_READ / #AXV_EXIT_IO_WRITE: port from EXITINFO1[31:16], width
 *   from SZ8/SZ16/SZ32, string and REP flags; IN loads RAX (AL/AX keep the other bits);
 *   insn_len = EXITINFO2 (the next RIP) - RIP, checked to be 1..15.
 * - MSR (0x7c) -> #AXV_EXIT_SYSREG_READ / #AXV_EXIT_SYSREG_WRITE: addr = ECX, width 8,
 *   register #AXV_X86_REG_EDX_EAX (RDMSR result / WRMSR data as EDX:EAX), insn_len 2.
 * - CPUID (0x72) is emulated in place (axv_svm_cpuid()) and reported as #AXV_EXIT_NOTHING
 *   with RIP already advanced.
 * - VMMCALL (0x81) -> #AXV_EXIT_HYPERCALL: nr = RAX, args = RBX, RCX, RDX, RSI, RDI, R8
 *   (the first four as KVM's hypercall ABI); the embedder writes the result with
 *   set_retval (RAX) and advances by insn_len 3.
 * - HLT (0x78) -> #AXV_EXIT_HALT with RIP already advanced by 1 (TCG has no nRIP save).
 * - NPF (0x400) -> #AXV_EXIT_NESTED_PAGE_FAULT (15.25.6: EXITINFO1 the error code,
 *   EXITINFO2 the address), memory or device alike: axv_vcpu_resolve() decides what backs
 *   it, and for a device has the instruction decoded by axv_svm_decode_access() (the vcpu
 *   ops' decode hook).
 * - INTR (0x60) -> #AXV_EXIT_EXTERNAL_IRQ (vector #AXV_SVM_VECTOR_UNKNOWN: SVM does not
 *   report it; the host takes the interrupt after STGI); NMI (0x61) -> vector 2.
 * - SHUTDOWN (0x7f) -> #AXV_EXIT_SYSTEM_DOWN; VMRUN failure (exit code -1, low 32 bits
 *   compared) -> #AXV_EXIT_FAIL_ENTRY with the exit code.
 * - Anything else, and malformed exit information -> #AXV_EXIT_UNHANDLED with the exit code
 *   and EXITINFO1.
 * @{
 */

/** @name CPUID emulation (libaxv's hypervisor leaves) */
/** @{ */
#define AXV_SVM_CPUID_HV_BASE 0x40000000u /**< EAX = last hypervisor leaf, EBX:ECX:EDX = "libaxv" */
#define AXV_SVM_CPUID_HV_INFO 0x40000001u /**< EAX = libaxv version (major << 16 | minor << 8 | patch) */
#define AXV_SVM_CPUID_HV_LAST 0x40000001u /**< last hypervisor leaf; leaves above it read as 0 */
#define AXV_SVM_CPUID_HV_EBX 0x6162696cu  /**< "liba" */
#define AXV_SVM_CPUID_HV_ECX 0x00007678u  /**< "xv" */
#define AXV_SVM_CPUID_HV_EDX 0x00000000u  /**< NULs */
/** @} */

/** axv_exit::external_irq::vector of an INTR exit: SVM does not report the vector. */
#define AXV_SVM_VECTOR_UNKNOWN 0xffffffffu

/** Sizes of the permission maps (APM Vol. 2, 15.10.1 and 15.11). */
#define AXV_SVM_IOPM_FRAMES 3u  /**< IOPM: 12 KiB, physically contiguous */
#define AXV_SVM_MSRPM_FRAMES 2u /**< MSRPM: 8 KiB, physically contiguous */

/** @brief Per-physical-cpu SVM state. Caller-owned; set up with axv_svm_cpu_init(). */
struct axv_svm_cpu {
	struct axv_frames *frames; /**< where the host save areas come from (private) */
	axv_hpa_t hsave_pa;        /**< VM_HSAVE_PA page (private) */
	axv_hpa_t host_vmcb_pa;    /**< host VMSAVE/VMLOAD page (private) */
	uint32_t nasid;            /**< number of ASIDs the cpu has (private) */
	bool enabled;              /**< EFER.SVME set by us (private) */
};

/** @brief How axv_svm_vcpu_init() (the vcpu ops' setup) prepares a vcpu. */
struct axv_svm_vcpu_config {
	/** Frames for the VMCB, IOPM and MSRPM (kept until fini); required. */
	struct axv_frames *frames;
	/** The guest's physical address space, for reading the instruction behind a device
	 *  access (axv_svm_decode_access()). May be NULL: no decoding (#AXV_ENOTSUP). */
	const struct axv_addrspace *as;
	uint32_t asid;             /**< guest ASID, non-zero */
	uint64_t rsp;              /**< initial RSP */
	uint64_t cr3;              /**< initial guest CR3 (guest page tables, long mode) */
	/**
	 * @brief Where emulated CPUID gets the host's values; NULL: the CPUID instruction
	 *        (axv_svm_host_cpuid(), x86_64 builds only). Tests pass a table.
	 * @param ctx     @ref cpuid_ctx
	 * @param leaf    EAX
	 * @param subleaf ECX
	 * @param[out] out EAX, EBX, ECX, EDX
	 */
	void (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
	void *cpuid_ctx;           /**< passed to @ref cpuid */
	/** Per-cpu states indexed by the HAL's cpu id; bind finds its cpu here (vcpu ops). */
	struct axv_svm_cpu *cpus;
	uint32_t nr_cpus;          /**< entries in @ref cpus */
	const struct axv_hal *hal; /**< for `cpu_id` at bind (vcpu ops); may be NULL otherwise */
};

/** @brief An SVM vcpu: the port context of a `struct axv_vcpu`. Caller-owned. Private. */
struct axv_svm_vcpu {
	struct axv_x86_gprs gprs;  /**< guest registers; RAX/RSP synced with the VMCB (private) */
	uint8_t *vmcb;             /**< host pointer to the VMCB (private) */
	axv_hpa_t vmcb_pa;         /**< (private) */
	uint8_t *iopm;             /**< host pointer to the IOPM (private) */
	axv_hpa_t iopm_pa;         /**< (private) */
	uint8_t *msrpm;            /**< host pointer to the MSRPM (private) */
	axv_hpa_t msrpm_pa;        /**< (private) */
	struct axv_frames *frames; /**< (private) */
	const struct axv_addrspace *as; /**< (private) */
	void (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]); /**< (private) */
	void *cpuid_ctx;           /**< (private) */
	struct axv_svm_cpu *cpus;  /**< (private) */
	uint32_t nr_cpus;          /**< (private) */
	const struct axv_hal *hal; /**< (private) */
	struct axv_svm_cpu *cpu;   /**< bound cpu, or NULL (private) */
	uint32_t id;               /**< vcpu id (private) */
	axv_gpa_t entry;           /**< entry kept until the VMCB exists (private) */
	axv_hpa_t ncr3;            /**< nested root kept until the VMCB exists (private) */
	_Atomic bool flush;        /**< a TLB flush is due at the next VMRUN (private) */
};

/**
 * @brief Set up an SVM vcpu: take the VMCB, IOPM and MSRPM from the frames, set the
 *        intercepts (INTR, NMI, SMI, CPUID, INVD, HLT, INVLPGA, IOIO, MSR, SHUTDOWN, VMRUN,
 *        VMMCALL, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, MONITOR, MWAIT, XSETBV), intercept every
 *        port and every MSR except those VMLOAD/VMSAVE switch (FS/GS base, KernelGsBase,
 *        STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*), enable nested paging with the ASID, and put the
 *        guest in 64-bit long mode (flat CS/DS, CR0 PE|PG|NE|ET, CR4 PAE, EFER LME|LMA|SVME)
 *        at the entry and nested root already set (axv_svm_vcpu::entry and axv_svm_vcpu::ncr3).
 * @param v   caller storage; axv_svm_vcpu::entry and axv_svm_vcpu::ncr3 may be set beforehand, the rest
 *            is overwritten
 * @param cfg the configuration (copied; the pointers in it are kept)
 * @return 0; #AXV_EINVAL for NULL arguments, no frames, ASID 0, or cpus without a HAL;
 *         #AXV_ENOMEM when frames run out (nothing is kept, @p v is unchanged)
 * @note Task context; not thread-safe for one @p v.
 */
int axv_svm_vcpu_init(struct axv_svm_vcpu *v, const struct axv_svm_vcpu_config *cfg);

/**
 * @brief Give back the frames of axv_svm_vcpu_init(). Safe on a vcpu never set up.
 * @param v the vcpu
 * @note Task context.
 */
void axv_svm_vcpu_fini(struct axv_svm_vcpu *v);

/**
 * @brief Read a 64-bit VMCB field.
 * @param v   a set-up vcpu
 * @param off byte offset (`AXV_SVM_VMCB_*`), at most #AXV_SVM_VMCB_SIZE - 8
 * @return the value; 0 for an offset out of range
 * @note Any context; not while the vcpu runs.
 */
uint64_t axv_svm_vmcb_read(const struct axv_svm_vcpu *v, uint32_t off);

/**
 * @brief Write a 64-bit VMCB field (for fields narrower than 8 bytes, the neighbouring
 *        bytes are written too: read-modify-write them).
 * @param v   a set-up vcpu
 * @param off byte offset, at most #AXV_SVM_VMCB_SIZE - 8
 * @param val the value
 * @return 0; #AXV_ERANGE for an offset out of range; #AXV_ESTATE before set-up
 * @note Not while the vcpu runs.
 */
int axv_svm_vmcb_write(struct axv_svm_vcpu *v, uint32_t off, uint64_t val);

/**
 * @brief Queue external interrupt @p vector for the next VMRUN through EVENTINJ (AMD64 APM
 *        Vol. 2, 15.20 "Event Injection": vector, type 0, V), if the guest can take it now:
 *        RFLAGS.IF set, no interrupt shadow (15.21.5), no event already queued.
 * @param v      a set-up vcpu
 * @param vector 32..255
 * @return 0; #AXV_ENOSPC when the guest cannot take it now (nothing changes: the caller
 *         keeps it pending and tries again before a later VMRUN); #AXV_EINVAL for NULL or a
 *         vector below 32; #AXV_ESTATE before set-up
 * @note Not while the vcpu runs. The vcpu ops' inject hook calls it.
 */
int axv_svm_inject_irq(struct axv_svm_vcpu *v, uint32_t vector);

/**
 * @brief Intercept (or let through) guest accesses to I/O ports.
 * @param v         a set-up vcpu
 * @param port      first port
 * @param count     number of ports (1..65536 - @p port)
 * @param intercept true: accesses exit; false: the guest reaches the real ports
 * @return 0; #AXV_EINVAL for a zero count; #AXV_ERANGE past port 0xffff; #AXV_ESTATE
 *         before set-up
 * @note Not while the vcpu runs.
 */
int axv_svm_set_io_intercept(struct axv_svm_vcpu *v, uint32_t port, uint32_t count,
			     bool intercept);

/**
 * @brief Intercept (or let through) RDMSR and WRMSR of one MSR.
 * @param v     a set-up vcpu
 * @param msr   MSR number in 0..0x1fff, 0xc0000000..0xc0001fff or 0xc0010000..0xc0011fff
 *              (others are always intercepted)
 * @param read  intercept RDMSR
 * @param write intercept WRMSR
 * @return 0; #AXV_ERANGE for an MSR outside the map; #AXV_ESTATE before set-up
 * @note Not while the vcpu runs.
 */
int axv_svm_set_msr_intercept(struct axv_svm_vcpu *v, uint32_t msr, bool read, bool write);

/**
 * @brief Ask for a full TLB flush (TLB_CONTROL = 1) at the vcpu's next VMRUN; call it from
 *        the HAL's TLB hooks after the nested page table changed.
 * @param v the vcpu
 * @note Any context, any cpu (an atomic flag).
 */
void axv_svm_request_flush(struct axv_svm_vcpu *v);

/**
 * @brief Emulate CPUID: the host's values with SVM hidden (0x80000001 ECX.SVM, leaf
 *        0x8000000a zeroed) and CPUID.1:ECX.hypervisor set, plus libaxv's leaves
 *        0x40000000 (signature "libaxv", last leaf) and 0x40000001 (version); leaves above
 *        #AXV_SVM_CPUID_HV_LAST in the hypervisor range read as zeros.
 * @param fn      host CPUID source (required)
 * @param ctx     its context
 * @param leaf    EAX
 * @param subleaf ECX
 * @param[out] out EAX, EBX, ECX, EDX
 * @return 0; #AXV_EINVAL for NULL @p fn or @p out
 * @note Any context.
 */
int axv_svm_cpuid(void (*fn)(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]),
		  void *ctx, uint32_t leaf, uint32_t subleaf,
		  uint32_t out[4]);

/**
 * @brief Copy guest bytes at a guest-virtual address: paging off (linear = physical) or
 *        4-level long-mode paging through the guest's CR3, read with axv_addrspace_read().
 * @param v   a set-up vcpu with an address space
 * @param gva guest virtual (linear) address
 * @param buf destination
 * @param len bytes (may cross pages)
 * @return 0; #AXV_EINVAL for NULL arguments or no address space; #AXV_ENOTSUP for a guest
 *         paging mode other than none or 4-level long mode; #AXV_EFAULT when a guest
 *         page-table entry is not present or points outside the address space
 * @note Not while the vcpu runs.
 */
int axv_svm_read_guest_virt(const struct axv_svm_vcpu *v, uint64_t gva, void *buf,
			    size_t len);

/**
 * @brief Decode the exit that the last VMRUN left in the VMCB (see the group description).
 *        Emulates CPUID and advances RIP past HLT in place; an event whose delivery the exit
 *        interrupted (EXITINTINFO valid) is queued in EVENTINJ for the next VMRUN.
 * @param v a set-up vcpu, just after a VM exit, with its register file current
 * @param[out] exit the exit
 * @return 0 with @p exit filled (guest garbage becomes #AXV_EXIT_UNHANDLED, never an
 *         error); #AXV_EINVAL for NULL arguments; #AXV_ESTATE before set-up
 * @note Task context on the vcpu's cpu; not while it runs.
 */
int axv_svm_decode_exit(struct axv_svm_vcpu *v, struct axv_exit *exit);

/**
 * @brief Decode the instruction behind a nested page fault into an MMIO access exit (the
 *        vcpu ops' decode hook; axv_vcpu_resolve() calls it for a fault a device holds).
 *
 * The instruction at RIP (CS base added outside 64-bit mode) is read through the guest's
 * page tables (paging off, or 4-level long-mode paging: axv_svm_read_guest_virt()), up to
 * 15 bytes and fewer where the next page is not mapped, and decoded by
 * axv_x86_decode_mmio(); its direction must be the fault's (EXITINFO1.RW).
 * @param v a set-up vcpu, stopped right after the VM exit that gave @p exit
 * @param[in,out] exit that #AXV_EXIT_NESTED_PAGE_FAULT exit; becomes #AXV_EXIT_MMIO_READ or
 *             #AXV_EXIT_MMIO_WRITE at the same address with axv_exit::insn_len (pc and gen
 *             kept); unchanged on failure
 * @return 0; #AXV_EINVAL for NULL, another exit reason, or an exit the VMCB does not hold
 *         (code or address differ); #AXV_ESTATE before set-up; #AXV_ENOTSUP without an
 *         address space, for a fetch (ID) or a guest page-table walk (TABLE), for a guest
 *         paging mode not walked, or an instruction the decoder does not know or whose
 *         direction differs; #AXV_EFAULT when no instruction byte can be read
 * @note Task context on the vcpu's cpu; not while it runs. Reads guest memory: serialise
 *       it with changes of the address space (axv_vcpu_resolve()'s lock).
 */
int axv_svm_decode_access(struct axv_svm_vcpu *v, struct axv_exit *exit);

/**
 * @brief Turn SVM on for the calling cpu: check CPUID (SVM, nested paging) and VM_CR.SVMDIS,
 *        take the host save area and the host VMSAVE page from @p frames, set EFER.SVME and
 *        VM_HSAVE_PA. x86_64 builds only.
 * @param c      caller storage for this cpu
 * @param frames frame source (kept until axv_svm_cpu_disable())
 * @return 0; #AXV_EINVAL for NULL; #AXV_EALREADY when already on; #AXV_ENODEV without SVM
 *         or nested paging; #AXV_EPERM when firmware disabled SVM; #AXV_ENOMEM
 * @note Task context on that cpu, host interrupts off.
 */
int axv_svm_cpu_enable(struct axv_svm_cpu *c, struct axv_frames *frames);

/**
 * @brief Turn SVM off on the calling cpu (EFER.SVME and VM_HSAVE_PA cleared, pages given
 *        back). x86_64 builds only.
 * @param c the cpu state given to axv_svm_cpu_enable()
 * @return 0; #AXV_EINVAL for NULL; #AXV_ESTATE when not on
 * @note Task context on that cpu; no vcpu may be running on it.
 */
int axv_svm_cpu_disable(struct axv_svm_cpu *c);

/**
 * @brief The host CPUID instruction, for axv_svm_vcpu_config::cpuid (x86_64 builds only).
 * @param ctx     unused
 * @param leaf    EAX
 * @param subleaf ECX
 * @param[out] out EAX, EBX, ECX, EDX
 */
void axv_svm_host_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/**
 * @brief The SVM port behind the core vcpu module (x86_64 builds with the vcpu module).
 *
 * port_ctx is a `struct axv_svm_vcpu`; setup's config is a `struct axv_svm_vcpu_config`.
 * bind takes the cpu `cfg->cpus[hal cpu_id]`, which must be enabled. run enters with
 * CLGI ... VMRUN ... STGI: with host RFLAGS.IF = 1 a physical interrupt ends the guest
 * (INTR exit) and is taken after STGI; with IF = 0 it waits. get_reg/set_reg use
 * @ref axv_x86_regs; set_retval writes RAX; advance_pc adds insn_len to RIP.
 */
extern const struct axv_vcpu_ops axv_svm_vcpu_ops;

/** @brief Per-cpu enable for the core (ctx: a `struct axv_svm_cpu` whose frames are set). */
extern const struct axv_percpu_ops axv_svm_percpu_ops;

/** @} */

/* ==== end of the SVM engineer's block ==== */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_X86_64_H */
