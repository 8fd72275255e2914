/**
 * @file arch/x86_64.h
 * @brief x86_64 port: the Intel EPT and AMD NPT page-table formats.
 */
#ifndef AXV_ARCH_X86_64_H
#define AXV_ARCH_X86_64_H

#include <axv/addrspace.h>
#include <axv/exit.h>

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

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_X86_64_H */
