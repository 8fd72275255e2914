/**
 * @file riscv64.h
 * @brief The riscv64 port: the hypervisor (H) extension in HS-mode, G-stage formats, exit
 *        decoding, SBI for the guest, a virtual PLIC.
 *
 * References (cited as "Priv" and "SBI" below):
 * - The RISC-V Instruction Set Manual, Volume II: Privileged Architecture, version 20211203
 *   (Privileged Architecture 1.12): chapter 8 "Hypervisor Extension", chapter 4 "Supervisor-
 *   Level ISA" (Sv39/Sv48 page-table entries, 4.3.1 and 4.4.1).
 * - RISC-V Supervisor Binary Interface Specification, version 1.0.0 (and 2.0 for the Debug
 *   Console extension DBCN, chapter 12).
 * - RISC-V Platform-Level Interrupt Controller Specification, version 1.0.0.
 */
#ifndef AXV_ARCH_RISCV64_H
#define AXV_ARCH_RISCV64_H

#include <axv/addrspace.h>
#include <axv/bus.h>
#include <axv/exit.h>
#include <axv/hal.h>
#include <axv/percpu.h>
#include <axv/types.h>
#include <axv/vcpu.h>
#include <axv/virq.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_rv64 riscv64 port
 * @brief Guests in VS-mode under an HS-mode host (Priv chapter 8).
 *
 * G-stage translation: the one page-table engine writes the formats of
 * axv_rv64_format_init(), whose entries are Sv39x4/Sv48x4 PTEs (Priv 4.4.1, 8.5.1: V R W X
 * U G A D in bits 7:0, RSW in 9:8, PPN = pa >> 12 in bits 53:10; the format's oa_shift of 2
 * puts the address there). The engine's table is the one hgatp points at
 * (axv_rv64_hgatp() of axv_addrspace_root()); the HAL's TLB hooks of the address space
 * issue `HFENCE.GVMA` for the guest's VMID (axv_rv64_hfence_gvma()).
 * @{
 */

/* ---- G-stage formats ------------------------------------------------------------------ */

/** Sv39x4 (Priv 8.5.1): 41-bit guest physical addresses, 3 levels. */
#define AXV_RV64_SV39X4 3u
/** Sv48x4 (Priv 8.5.1): 50-bit guest physical addresses, 4 levels. */
#define AXV_RV64_SV48X4 4u

/**
 * @brief Fill @p fmt with the Sv39x4 or Sv48x4 G-stage format as the engine writes it.
 * @param fmt    caller storage
 * @param levels #AXV_RV64_SV39X4 or #AXV_RV64_SV48X4
 * @return 0; #AXV_EINVAL for NULL or another level count (@p fmt untouched)
 *
 * The root table has 2048 entries (16 KiB, 4 frames, aligned to 16 KiB: Priv 8.5.1); leaves
 * are allowed at every level (4 KiB pages, 2 MiB megapages, 1 GiB gigapages, 512 GiB
 * terapages with Sv48x4). Leaves carry U and A, and D when writable (Priv 4.3.1: hardware
 * need not set A and D itself).
 * @note Context: any; pure function.
 */
int axv_rv64_format_init(struct axv_pt_format *fmt, unsigned levels);

/**
 * @brief The hgatp value for a G-stage root (Priv 8.2.10).
 * @param levels #AXV_RV64_SV39X4 or #AXV_RV64_SV48X4 (MODE 8 or 9)
 * @param root   host physical address of the root (axv_addrspace_root() of a space of
 *               an axv_rv64_format_init() format), 16 KiB aligned
 * @param vmid   VMID (bits 57:44; up to 14 bits)
 * @param[out] hgatp the value
 * @return 0; #AXV_EINVAL for NULL, another level count, an unaligned root, a root above
 *         2^56 or a VMID above 14 bits
 * @note Context: any; pure function.
 */
int axv_rv64_hgatp(unsigned levels, axv_hpa_t root, uint32_t vmid, uint64_t *hgatp);

/* ---- trap causes ------------------------------------------------------------------------ */

/** Exception codes (Priv 4.1.9 Table 4.2, 8.6.1 Table 8.7). */
enum axv_rv64_exc {
	AXV_RV64_EXC_INSN_MISALIGNED = 0,   /**< instruction address misaligned */
	AXV_RV64_EXC_INSN_ACCESS = 1,       /**< instruction access fault */
	AXV_RV64_EXC_ILLEGAL = 2,           /**< illegal instruction */
	AXV_RV64_EXC_BREAKPOINT = 3,        /**< breakpoint */
	AXV_RV64_EXC_LOAD_MISALIGNED = 4,   /**< load address misaligned */
	AXV_RV64_EXC_LOAD_ACCESS = 5,       /**< load access fault */
	AXV_RV64_EXC_STORE_MISALIGNED = 6,  /**< store/AMO address misaligned */
	AXV_RV64_EXC_STORE_ACCESS = 7,      /**< store/AMO access fault */
	AXV_RV64_EXC_ECALL_U = 8,           /**< environment call from U-mode or VU-mode */
	AXV_RV64_EXC_ECALL_HS = 9,          /**< environment call from HS-mode */
	AXV_RV64_EXC_ECALL_VS = 10,         /**< environment call from VS-mode */
	AXV_RV64_EXC_INSN_PAGE = 12,        /**< instruction page fault */
	AXV_RV64_EXC_LOAD_PAGE = 13,        /**< load page fault */
	AXV_RV64_EXC_STORE_PAGE = 15,       /**< store/AMO page fault */
	AXV_RV64_EXC_INSN_GUEST_PAGE = 20,  /**< instruction guest-page fault */
	AXV_RV64_EXC_LOAD_GUEST_PAGE = 21,  /**< load guest-page fault */
	AXV_RV64_EXC_VIRTUAL_INSN = 22,     /**< virtual instruction */
	AXV_RV64_EXC_STORE_GUEST_PAGE = 23, /**< store/AMO guest-page fault */
};
/** Interrupt codes seen by HS-mode (Priv 4.1.9, 8.2.3). */
enum axv_rv64_irq {
	AXV_RV64_IRQ_S_SOFT = 1,   /**< supervisor software interrupt */
	AXV_RV64_IRQ_VS_SOFT = 2,  /**< VS software interrupt */
	AXV_RV64_IRQ_S_TIMER = 5,  /**< supervisor timer interrupt */
	AXV_RV64_IRQ_VS_TIMER = 6, /**< VS timer interrupt */
	AXV_RV64_IRQ_S_EXT = 9,    /**< supervisor external interrupt */
	AXV_RV64_IRQ_VS_EXT = 10,  /**< VS external interrupt */
	AXV_RV64_IRQ_GUEST_EXT = 12, /**< supervisor guest external interrupt (SGEI) */
};

/**
 * Interrupt ids of a vcpu's `struct axv_virq` (axv_vcpu_inject()): the guest's own view of
 * its supervisor interrupts (Priv 4.1.3), set in hvip when delivered.
 */
enum axv_rv64_virq_id {
	AXV_RV64_VIRQ_SOFT = 1,  /**< supervisor software interrupt (hvip.VSSIP) */
	AXV_RV64_VIRQ_TIMER = 5, /**< supervisor timer interrupt (hvip.VSTIP) */
	AXV_RV64_VIRQ_EXT = 9,   /**< supervisor external interrupt (hvip.VSEIP) */
};

/* ---- instruction decoding ---------------------------------------------------------------- */

/**
 * @brief A guest load or store, as decoded from its instruction.
 */
struct axv_rv64_mem_insn {
	uint8_t len;         /**< 2 (compressed) or 4 */
	uint8_t width;       /**< 1, 2, 4 or 8 bytes */
	uint8_t reg;         /**< destination (load) or source (store) register x0-x31 */
	bool store;          /**< a store */
	bool sign_extend;    /**< loads: LB, LH, LW (and C.LW) sign-extend to 64 bits */
};

/**
 * @brief Decode a guest instruction as a plain load or store (RV64I LB..LD, LBU..LWU,
 *        SB..SD; RVC C.LW, C.LD, C.SW, C.SD, C.LWSP, C.LDSP, C.SWSP, C.SDSP).
 * @param insn the instruction bits: 16 significant bits for a compressed instruction (bits
 *             1:0 != 0b11), 32 otherwise
 * @param[out] m the access
 * @return 0; #AXV_ENOTSUP for any other instruction (floating-point loads, AMOs, LR/SC,
 *         reserved encodings); #AXV_EINVAL for NULL @p m
 * @note Context: any; pure function. The unprivileged ISA (Volume I) 2.6 "Load and Store
 *       Instructions" and 16.3 "Load and Store Instructions" (RVC) give the encodings.
 */
int axv_rv64_decode_mem(uint32_t insn, struct axv_rv64_mem_insn *m);

/* ---- vcpu context ------------------------------------------------------------------------ */

/** Register numbers of axv_vcpu_get_reg(): x0-x31 are 0-31 (x0 reads 0, writes ignored). */
#define AXV_RV64_REG_A0 10u
/** The guest pc (sepc while in the host). */
#define AXV_RV64_REG_PC 32u
/** Number of register numbers. */
#define AXV_RV64_REG_COUNT 33u

/** The VS CSRs the port switches (Priv 8.2.11-8.2.18). */
struct axv_rv64_vs_csrs {
	uint64_t vsstatus;  /**< vsstatus */
	uint64_t vsie;      /**< vsie */
	uint64_t vstvec;    /**< vstvec */
	uint64_t vsscratch; /**< vsscratch */
	uint64_t vsepc;     /**< vsepc */
	uint64_t vscause;   /**< vscause */
	uint64_t vstval;    /**< vstval */
	uint64_t vsatp;     /**< vsatp */
};

/**
 * @brief The state of one guest hart while not running. Members are visible so the host
 *        tests can build one; the port owns them.
 */
struct axv_rv64_ctx {
	uint64_t x[32];      /**< general-purpose registers; x[0] stays 0 */
	uint64_t pc;         /**< guest pc (sepc) */
	uint64_t hstatus;    /**< hstatus image at entry (SPV, SPVP, VTW, VSXL) */
	uint64_t sstatus;    /**< sstatus image at entry (SPP = 1, FS) */
	uint64_t hgatp;      /**< hgatp of the guest */
	uint64_t hvip;       /**< interrupts injected into the guest (VSSIP, VSTIP, VSEIP) */
	struct axv_rv64_vs_csrs vs; /**< VS CSRs */
	uint64_t scause;     /**< last trap: scause */
	uint64_t stval;      /**< last trap: stval */
	uint64_t htval;      /**< last trap: htval (guest physical address >> 2) */
	uint64_t htinst;     /**< last trap: htinst */
	uint64_t host[16];   /**< the host's callee-saved registers during the run (private) */
	uint64_t hstatus_exit; /**< last trap: hstatus (SPVP: the guest's privilege then) */
	uint32_t entry_flags; /**< `AXV_RV64_ENTRY_*`: work for the next entry (private) */
};

/** axv_rv64_ctx::entry_flags: issue HFENCE.VVMA for the guest's VMID before entry. */
#define AXV_RV64_ENTRY_VVMA 1u

/**
 * @brief How an exit decoder reads guest instructions: `HLVX.HU` on hardware (Priv 8.3.1),
 *        a model in tests.
 */
struct axv_rv64_fetch {
	/**
	 * @brief Read 16 bits of guest instruction memory at a guest virtual address, through
	 *        the guest's own translation (vsatp) and the G-stage.
	 * @param ctx @ref ctx
	 * @param gva the guest virtual address
	 * @param[out] half the 16 bits
	 * @return 0, or a negative code when the address is not readable as code
	 */
	int (*fetch16)(void *ctx, uint64_t gva, uint16_t *half);
	void *ctx; /**< passed to fetch16 */
};

/**
 * @brief Decode the last trap of a guest into an exit.
 * @param c the context with scause, stval, htval, htinst and the registers of the trap
 * @param fetch how to read the faulting instruction when htinst does not give it (QEMU
 *        leaves htinst 0); may be NULL (then such an access is a nested page fault)
 * @param[out] e the exit
 * @return 0; #AXV_EINVAL for NULL @p c or @p e
 *
 * - VS ecall (cause 10): #AXV_EXIT_HYPERCALL, `nr` = a7 (the SBI extension id), `imm` = a6
 *   (the function id, truncated to 16 bits; `args[5]` holds a5), `args` = a0-a5 (SBI 3).
 *   axv_rv64_sbi() classifies SBI calls further.
 * - Guest-page faults (causes 20, 21, 23; Priv 8.6.3): the address is
 *   `htval << 2 | stval & 3` (Priv 8.2.8). A load or store whose instruction decodes
 *   (axv_rv64_decode_mem(); from htinst when it holds a transformed instruction, Priv 8.6.3,
 *   otherwise fetched at sepc) is #AXV_EXIT_MMIO_READ / #AXV_EXIT_MMIO_WRITE with the
 *   instruction's length; anything else (a fetch, an AMO, an implicit access of the guest's
 *   own page-table walk, htinst pseudo-instructions) is #AXV_EXIT_NESTED_PAGE_FAULT.
 * - Virtual instruction (cause 22; Priv 8.6.1): `wfi` is #AXV_EXIT_HALT (length 4); a CSR
 *   instruction is #AXV_EXIT_SYSREG_READ (CSRRS/CSRRC with rs1 = x0) or
 *   #AXV_EXIT_SYSREG_WRITE (CSRRW/CSRRWI with rd = x0), address = the CSR number; anything
 *   else is #AXV_EXIT_UNHANDLED (raw = scause, info = stval).
 * - Interrupts: #AXV_EXIT_EXTERNAL_IRQ with vector = the interrupt code.
 * - Every other exception: #AXV_EXIT_UNHANDLED (raw = scause, info = stval).
 * @note Context: any; reads @p c, calls @p fetch.
 */
int axv_rv64_decode_exit(const struct axv_rv64_ctx *c, const struct axv_rv64_fetch *fetch,
			 struct axv_exit *e);

/**
 * @brief Write a guest register (x0 writes are ignored, as in hardware).
 * @param c the context
 * @param reg 0-31 or #AXV_RV64_REG_PC
 * @param value the value
 * @return 0; #AXV_EINVAL for another number or NULL
 * @note Context: any.
 */
int axv_rv64_set_reg(struct axv_rv64_ctx *c, unsigned reg, uint64_t value);

/**
 * @brief Read a guest register.
 * @param c the context
 * @param reg 0-31 or #AXV_RV64_REG_PC
 * @param[out] value the value
 * @return 0; #AXV_EINVAL for another number or NULL
 * @note Context: any.
 */
int axv_rv64_get_reg(const struct axv_rv64_ctx *c, unsigned reg, uint64_t *value);

/**
 * @brief Put a fresh guest hart into @p c: all registers 0, pc = @p entry, a0 = hart id,
 *        a1 = @p a1, VS-mode with its translation off (vsatp = 0, Priv 8.2.18), and the
 *        hstatus/sstatus images the port enters with.
 * @param c the context
 * @param entry guest entry address (2-byte aligned)
 * @param hartid the guest's hart id (SBI 4.x: a0 at entry)
 * @param a1 the guest's a1 (a devicetree address, or the HSM opaque value)
 * @note Context: any.
 */
void axv_rv64_ctx_reset(struct axv_rv64_ctx *c, uint64_t entry, uint64_t hartid, uint64_t a1);

/**
 * @brief Make the guest take an exception in VS-mode, as the hardware would have had it been
 *        delegated (Priv 4.1.1, 4.1.7-4.1.9 with the VS CSRs of 8.2.11-8.2.16): vsepc = pc,
 *        vscause = @p cause, vstval = @p tval, vsstatus.SPP = the privilege the guest was
 *        in (sstatus.SPP of its last trap), SPIE = SIE, SIE = 0, and the pc at vstvec's
 *        BASE (exceptions are never vectored); the guest resumes in VS-mode.
 * @param c     the guest's context, stopped at the faulting instruction
 * @param cause an exception code below 64 (e.g. #AXV_RV64_EXC_LOAD_ACCESS for an access
 *              to an address nothing backs: Priv 3.6.1, an access fault)
 * @param tval  the faulting guest virtual address (stval of the exit), or 0
 * @return 0; #AXV_EINVAL for NULL or an interrupt/out-of-range cause
 * @note Context: any; the vcpu's owner, while it does not run.
 */
int axv_rv64_inject_exception(struct axv_rv64_ctx *c, uint64_t cause, uint64_t tval);

/* ---- SBI for the guest ------------------------------------------------------------------ */

/** SBI extension ids (SBI 3-12). */
enum axv_rv64_sbi_ext {
	AXV_SBI_EXT_BASE = 0x10,        /**< Base (SBI 4) */
	AXV_SBI_EXT_TIME = 0x54494d45,  /**< Timer "TIME" (SBI 6) */
	AXV_SBI_EXT_IPI = 0x735049,     /**< IPI "sPI" (SBI 7) */
	AXV_SBI_EXT_RFENCE = 0x52464e43, /**< Remote fence "RFNC" (SBI 8) */
	AXV_SBI_EXT_HSM = 0x48534d,     /**< Hart state management "HSM" (SBI 9) */
	AXV_SBI_EXT_SRST = 0x53525354,  /**< System reset "SRST" (SBI 10) */
	AXV_SBI_EXT_DBCN = 0x4442434e,  /**< Debug console "DBCN" (SBI 2.0, 12) */
	AXV_SBI_EXT_LEGACY_PUTCHAR = 0x01, /**< legacy console putchar (SBI 5.2) */
	AXV_SBI_EXT_AXV = 0x0a415856,   /**< libaxv's test hypercalls: a firmware-specific id (SBI 3: 0x0A000000-0x0AFFFFFF), "AXV" */
};
/** SBI error codes (SBI 3, Table 1). */
enum axv_rv64_sbi_err {
	AXV_SBI_SUCCESS = 0,              /**< completed successfully */
	AXV_SBI_ERR_FAILED = -1,          /**< failed */
	AXV_SBI_ERR_NOT_SUPPORTED = -2,   /**< not supported */
	AXV_SBI_ERR_INVALID_PARAM = -3,   /**< invalid parameter */
	AXV_SBI_ERR_DENIED = -4,          /**< denied */
	AXV_SBI_ERR_INVALID_ADDRESS = -5, /**< invalid address */
	AXV_SBI_ERR_ALREADY_AVAILABLE = -6, /**< already available */
	AXV_SBI_ERR_ALREADY_STARTED = -7, /**< already started */
	AXV_SBI_ERR_ALREADY_STOPPED = -8, /**< already stopped */
};
/** What the hypervisor has to do about an SBI call (axv_rv64_sbi()). */
enum axv_rv64_sbi_action {
	AXV_SBI_DONE = 0,       /**< answered in the context: a0/a1 set, pc advanced; run again */
	AXV_SBI_EXIT = 1,       /**< the exit was rewritten (CPU_UP, CPU_DOWN, SEND_IPI, SYSTEM_*) */
	AXV_SBI_EMBEDDER = 2,   /**< the embedder answers (TIME, RFENCE, DBCN, HSM status, ...):
				     set a0/a1 with axv_rv64_sbi_return() */
};

/**
 * @brief Classify and, where the port can, answer a guest SBI call (SBI 1.0).
 * @param c the guest's context, stopped at its ecall
 * @param[in,out] e the #AXV_EXIT_HYPERCALL exit of that ecall
 * @param impl_id the SBI implementation id the guest sees (sbi_get_impl_id)
 * @return an `enum axv_rv64_sbi_action`; #AXV_EINVAL for NULL or another exit reason
 *
 * Answered here: Base (SBI 4: spec version 2.0, probe_extension for the extensions listed
 * here, mvendorid/marchid/mimpid 0) and HSM hart_stop / hart_suspend (retentive: a HALT).
 * Rewritten: HSM hart_start -> #AXV_EXIT_CPU_UP (target = hartid, entry = start_addr,
 * arg = opaque; SBI 9.1), hart_stop -> #AXV_EXIT_CPU_DOWN; IPI send_ipi ->
 * #AXV_EXIT_SEND_IPI (target = hart_mask, aux = hart_mask_base, all when the base is -1;
 * SBI 7.1); SRST system_reset -> #AXV_EXIT_SYSTEM_DOWN (type 0) or
 * #AXV_EXIT_SYSTEM_RESET (types 1, 2), invalid types answered SBI_ERR_INVALID_PARAM here.
 * The embedder completes a rewritten exit with axv_rv64_sbi_return() (it advances the pc).
 * @note Context: any.
 */
int axv_rv64_sbi(struct axv_rv64_ctx *c, struct axv_exit *e, uint64_t impl_id);

/**
 * @brief Complete an SBI call: a0 = @p error, a1 = @p value, pc past the ecall (SBI 3:
 *        `struct sbiret`).
 * @param c the guest's context
 * @param error an `enum axv_rv64_sbi_err`
 * @param value the return value
 * @note Context: any.
 */
void axv_rv64_sbi_return(struct axv_rv64_ctx *c, int64_t error, uint64_t value);

/* ---- per-hart hardware and the world switch (rv64 builds only) -------------------------- */

/** @brief Per-hart state of the port. Caller-owned, one per hart. */
struct axv_rv64_cpu {
	bool enabled;       /**< H was found and the delegation CSRs are set (private) */
	uint32_t vmid_bits; /**< VMID bits the hart implements (private) */
	uint64_t host_stvec; /**< the host's stvec, restored after each run (private) */
};

/**
 * @brief Detect the H extension and set the hart's hypervisor CSRs up.
 * @param cpu this hart's state
 * @return 0; #AXV_ENOTSUP when the hart has no H extension (reading hstatus traps: the
 *         probe runs under a temporary trap handler, since misa is not readable from
 *         S-mode, Priv 3.1.1); #AXV_EINVAL for NULL
 *
 * Sets hedeleg (instruction misaligned, illegal instruction, breakpoint, U ecall,
 * instruction/load/store page faults go straight to the guest, Priv 8.2.2), hideleg (VSSIP, VSTIP, VSEIP), hcounteren
 * (cycle, time, instret), htimedelta 0, hvip 0; finds the VMID width by writing all ones to
 * hgatp.VMID with MODE Bare (Priv 8.2.10: VMIDLEN is found that way).
 * @note Context: task on the hart, interrupts masked.
 */
int axv_rv64_cpu_enable(struct axv_rv64_cpu *cpu);

/**
 * @brief Undo axv_rv64_cpu_enable(): clear the delegations and hgatp.
 * @param cpu this hart's state
 * @return 0; #AXV_ESTATE if not enabled
 * @note Context: task on the hart.
 */
int axv_rv64_cpu_disable(struct axv_rv64_cpu *cpu);

/**
 * @brief Enter the guest until it traps to HS-mode (the world switch; entry.S).
 * @param cpu this hart's enabled state
 * @param c the guest's context: GPRs, pc, VS CSRs and hvip are loaded, then saved back with
 *          the trap's scause, stval, htval and htinst
 * @return 0; #AXV_ESTATE if @p cpu is not enabled
 *
 * The FP registers are not switched: the guest gets sstatus.FS as set in its context and
 * the hart's f0-f31 and fcsr as they are. An embedder that uses FP itself, or runs several
 * vcpus on one hart, saves and restores them around the run with axv_rv64_fp_save() and
 * axv_rv64_fp_restore() (as aarch64's lazy FP rule).
 * @note Context: task on the hart, host interrupts masked (sstatus.SIE = 0): an interrupt
 *       for HS-mode that arrives while the guest runs ends the run (Priv 8.2.3: HS
 *       interrupts are enabled while V = 1).
 */
int axv_rv64_enter(struct axv_rv64_cpu *cpu, struct axv_rv64_ctx *c);

/** @brief A guest's floating-point state (F and D, Unprivileged ISA chapters 11-12). */
struct axv_rv64_fp {
	uint64_t f[32]; /**< f0-f31 (64 bits each: D) */
	uint64_t fcsr;  /**< fcsr (frm and fflags) */
};

/**
 * @brief Save the hart's f0-f31 and fcsr (FSD, FRCSR), with sstatus.FS made Dirty for the
 *        duration and given back as it was (Priv 3.1.6.6: FS Off makes FP instructions
 *        illegal). For an embedder that uses FP itself or runs several vcpus on a hart:
 *        save the guest's state after axv_vcpu_run() returns, restore it before the next.
 * @param fp where to save
 * @note Context: any, on the hart; needs a hart with D (the port's other code uses no FP).
 */
void axv_rv64_fp_save(struct axv_rv64_fp *fp);

/**
 * @brief Load f0-f31 and fcsr from @p fp (FLD, FSCSR), as axv_rv64_fp_save() saved them.
 * @param fp the state to load
 * @note Context: any, on the hart; needs a hart with D.
 */
void axv_rv64_fp_restore(const struct axv_rv64_fp *fp);

/**
 * @brief Read 16 bits of guest code with `HLVX.HU` (Priv 8.3.1) under a temporary trap
 *        handler; the fetch hook of the hardware (`struct axv_rv64_fetch`).
 * @param ctx the guest's `struct axv_rv64_ctx` (its vsatp and hgatp must be loaded: call
 *            it right after axv_rv64_enter())
 * @param gva guest virtual address
 * @param[out] half the 16 bits
 * @return 0; #AXV_EFAULT when the read traps (not mapped, not executable)
 * @note Context: task on the hart that ran the guest.
 */
int axv_rv64_fetch16(void *ctx, uint64_t gva, uint16_t *half);

/**
 * @brief `HFENCE.GVMA` for one VMID on this hart (Priv 8.3.2; encoded with `.4byte`).
 * @param vmid the VMID
 * @param gpa  guest physical address to fence, or #AXV_GPA_ALL for every address
 * @note Context: any, on the hart whose TLB is to be fenced. No-op on other builds.
 */
void axv_rv64_hfence_gvma(uint32_t vmid, axv_gpa_t gpa);
/** axv_rv64_hfence_gvma(): every guest physical address. */
#define AXV_GPA_ALL (~(axv_gpa_t)0)

/**
 * @brief `HFENCE.VVMA` for the VMID in hgatp on this hart (Priv 8.3.2): the guest's own
 *        translations, e.g. for an SBI remote sfence.vma request (SBI 8.2).
 * @note Context: any, on the hart; no-op on other builds.
 */
void axv_rv64_hfence_vvma_all(void);

/* ---- the port behind the vcpu and irq modules -------------------------------------------- */

/** @brief Configuration given to axv_vcpu_setup() (`config`). */
struct axv_rv64_vcpu_config {
	uint64_t hartid;              /**< the guest hart id (a0 at entry) */
	uint64_t a1;                  /**< a1 at entry (the devicetree's guest address) */
	/** hgatp: axv_rv64_hgatp() of the guest's address space root (axv_addrspace_root())
	 *  and VMID; the hardware walks the engine's table itself. Required (MODE 8 or 9). */
	uint64_t hgatp;
	uint64_t sbi_impl_id;         /**< SBI implementation id the guest sees */
	/**
	 * @brief The calling hart's port state (bind calls it; the embedder keeps one
	 *        `struct axv_rv64_cpu` per hart). Required.
	 * @param ctx @ref this_cpu_ctx
	 * @return the state, or NULL (bind then fails with #AXV_ESTATE)
	 */
	struct axv_rv64_cpu *(*this_cpu)(void *ctx);
	void *this_cpu_ctx; /**< passed to this_cpu */
};

/** @brief The port's per-vcpu state (the `port_ctx` of axv_vcpu_create()). */
struct axv_rv64_vcpu {
	struct axv_rv64_ctx ctx;           /**< guest state */
	struct axv_rv64_cpu *cpu;          /**< bound hart, or NULL (private) */
	uint64_t sbi_impl_id;              /**< (private) */
	uint64_t hartid;                   /**< (private) */
	uint64_t a1;                       /**< (private) */
	struct axv_rv64_cpu *(*this_cpu)(void *ctx); /**< (private) */
	void *this_cpu_ctx;                /**< (private) */
	uint64_t gfaults;                  /**< guest-page faults passed to the embedder (statistics) */
	axv_gpa_t gfault_gpa;              /**< the last one's address, fenced at the next entry (private) */
	uint32_t gfence_due;               /**< gfault_gpa is to be fenced (private) */
	uint32_t delivered;                /**< ids the vic put into hvip (private) */
	_Atomic uint32_t vvma_flush;       /**< a remote sfence.vma is due (private) */
	_Atomic uint32_t ext_level;        /**< external interrupt line, hvip.VSEIP (private) */
};

/**
 * @brief The vcpu ops (`struct axv_vcpu_ops`) of the port.
 *
 * run enters the guest with axv_rv64_enter() and loops inside itself while the exit needs no
 * embedder (SBI calls axv_rv64_sbi() answers). The hardware walks the engine's G-stage
 * table (hgatp of the config), so a guest-page fault is a real one: it goes to the embedder
 * (axv_vcpu_resolve(): a lazy page, or a device), and the next run first issues a
 * local HFENCE.GVMA for its address, since a leaf the embedder made valid since needs one
 * to be seen (Priv 4.2.1 and 8.3.2; without Svvptc). Interrupts
 * come through the vic (axv_rv64_vic_ops) or the inject hook: ids #AXV_RV64_VIRQ_SOFT,
 * #AXV_RV64_VIRQ_TIMER, #AXV_RV64_VIRQ_EXT set hvip bits.
 * `advance_pc` with length 0 advances by the length of the instruction at the pc.
 * bind needs a hart this port has enabled (axv_rv64_vcpu_config::this_cpu).
 */
extern const struct axv_vcpu_ops axv_rv64_vcpu_ops;

/** The per-cpu ops (`struct axv_percpu_ops`): axv_rv64_cpu_enable() and _disable(); ctx is
 *  the hart's `struct axv_rv64_cpu`. */
extern const struct axv_percpu_ops axv_rv64_percpu_ops;

/**
 * @brief Ask a vcpu to fence its guest translations (HFENCE.VVMA) at its next entry; for
 *        SBI remote sfence.vma requests (SBI 8.2-8.3) from other vcpus.
 * @param v the vcpu's port state
 * @note Context: any, any hart; lock-free.
 */
void axv_rv64_request_vvma_flush(struct axv_rv64_vcpu *v);

/**
 * @brief Interrupt controller ops (`struct axv_vic_ops`) that put the ids of
 *        `enum axv_rv64_virq_id` into hvip (Priv 8.2.3). ctx is the `struct axv_rv64_vcpu`.
 *
 * Level semantics: an id stays set in hvip while it is pending; the guest's acknowledgement
 * is at its source (the timer's stimecmp through SBI, the PLIC's claim, clearing sip.SSIP),
 * and the embedder withdraws a line with axv_rv64_irq_lower().
 */
extern const struct axv_vic_ops axv_rv64_vic_ops;

/**
 * @brief Withdraw an interrupt line of a vcpu: clear its hvip bit and its pending bit.
 * @param v    the vcpu's port state
 * @param virq the interrupt state given at axv_vcpu_create()
 * @param id   an `enum axv_rv64_virq_id`
 * @return 0; #AXV_EINVAL for another id or NULL
 * @note Context: the vcpu's owner, while it does not run.
 */
int axv_rv64_irq_lower(struct axv_rv64_vcpu *v, struct axv_virq *virq, uint32_t id);

/* ---- a virtual PLIC ------------------------------------------------------------------ */

/** Most interrupt sources of a virtual PLIC (ids 1 to 63; 0 means "none", PLIC 1.0 ch. 2). */
#define AXV_RV64_PLIC_MAX_SOURCES 63u
/** Most contexts (one per hart and privilege level; the guest's S-mode ones here). */
#define AXV_RV64_PLIC_MAX_CONTEXTS 8u
/** Size of a PLIC's register range for #AXV_RV64_PLIC_MAX_CONTEXTS contexts. */
#define AXV_RV64_PLIC_SIZE 0x208000u

/**
 * @brief A virtual Platform-Level Interrupt Controller (RISC-V PLIC Specification 1.0.0),
 *        as AxVisor gives its guests: level-triggered sources, per-source priorities, per
 *        context enables, threshold and claim/complete.
 *
 * Register map (PLIC 1.0 chapter 3): priority of source n at 4n, pending bits at 0x1000,
 * enables of context c at 0x2000 + 0x80c, threshold of context c at 0x200000 + 0x1000c and
 * its claim/complete register at + 4. Registers are 32 bits wide; other widths, unaligned
 * and unknown offsets read as zero and ignore writes (reserved, chapter 3).
 *
 * Gateway (chapter 5): a source whose line is high is pending unless it is claimed (in
 * flight); a claim returns the pending source enabled for the context with the highest
 * priority above the threshold (ties: the lowest id), or 0, and clears its pending bit; a
 * completion of a claimed id that is enabled for the context ends the flight, and if the
 * line is still high the source is pending again. A context's interrupt line (the guest's
 * external interrupt, hvip.VSEIP) is high while a claimable source exists; each change is
 * reported through the notify hook, under the PLIC's lock.
 *
 * Caller-owned; members are private. Context: any; the register hooks and
 * axv_rv64_plic_set_level() take a spinlock inside the struct, so devices may raise lines
 * from any hart while vcpus access the registers.
 */
struct axv_rv64_plic {
	uint32_t nsrc;                                  /**< sources (private) */
	uint32_t nctx;                                  /**< contexts (private) */
	uint32_t prio[AXV_RV64_PLIC_MAX_SOURCES + 1];   /**< priorities (private) */
	uint64_t level;                                 /**< line levels, bit n (private) */
	uint64_t pending;                               /**< pending bits (private) */
	uint64_t claimed;                               /**< in-flight bits (private) */
	uint64_t enable[AXV_RV64_PLIC_MAX_CONTEXTS];    /**< enables (private) */
	uint32_t threshold[AXV_RV64_PLIC_MAX_CONTEXTS]; /**< thresholds (private) */
	uint32_t eip;                                   /**< context lines, bit c (private) */
	/**
	 * @brief Called when context @p context's interrupt line changes (private; from init).
	 * @param ctx     notify_ctx
	 * @param context the context
	 * @param level   the line's new level
	 */
	void (*notify)(void *ctx, uint32_t context, bool level);
	void *notify_ctx;                               /**< (private) */
	_Atomic uint32_t lock;                          /**< (private) */
};

/**
 * @brief Set a virtual PLIC up: every source at priority 0 (never interrupts), nothing
 *        enabled, pending or claimed, thresholds 0.
 * @param p       caller storage
 * @param nsrc    number of sources, 1 to #AXV_RV64_PLIC_MAX_SOURCES (ids 1 to nsrc)
 * @param nctx    number of contexts, 1 to #AXV_RV64_PLIC_MAX_CONTEXTS
 * @param notify  called with a context and its new line level on every change (e.g.
 *                axv_rv64_set_ext_level() and a kick of that context's vcpu); must not call
 *                back into the PLIC; may be NULL
 * @param notify_ctx passed to @p notify
 * @return 0; #AXV_EINVAL for NULL @p p or counts out of range (@p p untouched)
 * @note Context: task, before the PLIC is used.
 */
int axv_rv64_plic_init(struct axv_rv64_plic *p, uint32_t nsrc, uint32_t nctx,
		       void (*notify)(void *ctx, uint32_t context, bool level), void *notify_ctx);

/**
 * @brief Drive a source's interrupt line (a device model raising or lowering it).
 * @param p     an initialised PLIC
 * @param src   the source id, 1 to nsrc
 * @param level the line's level
 * @return 0; #AXV_ERANGE for a bad id; #AXV_EINVAL for NULL
 * @note Context: any, any hart.
 */
int axv_rv64_plic_set_level(struct axv_rv64_plic *p, uint32_t src, bool level);

/** The PLIC's registers as a device of the bus (`ctx` is the `struct axv_rv64_plic`). */
extern const struct axv_device_ops axv_rv64_plic_ops;

/**
 * @brief Set a vcpu's external interrupt line (hvip.VSEIP, Priv 8.2.3), e.g. from a PLIC's
 *        notify hook; the next entry of the vcpu loads it. Raising it should be followed by
 *        axv_vcpu_kick() of that vcpu, so a running one re-enters and a blocked one wakes.
 * @param v     the vcpu's port state
 * @param level the line's level
 * @note Context: any, any hart; lock-free.
 */
void axv_rv64_set_ext_level(struct axv_rv64_vcpu *v, bool level);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_RISCV64_H */
