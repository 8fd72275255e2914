/**
 * @file arch/aarch64.h
 * @brief The aarch64 port: stage-2 format, vcpu context, ESR_EL2 exit decoding, PSCI,
 *        abort injection, EL2 runtime.
 *
 * Everything here except the functions marked "EL2 only" is plain C that builds and runs on
 * any host, so the decoders are unit-tested on the build machine.
 */
#ifndef AXV_ARCH_AARCH64_H
#define AXV_ARCH_AARCH64_H

#include <axv/addrspace.h>
#include <axv/exit.h>
#include <axv/hal.h>
#include <axv/irq.h>
#include <axv/types.h>
#include <axv/vcpu.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_a64 aarch64 port
 * @brief EL2 hypervisor support for AArch64 guests at EL1.
 *
 * References: Arm Architecture Reference Manual for A-profile (DDI 0487), D17.2.37
 * "ESR_EL2" for the syndrome layout and D17.2.48 "HPFAR_EL2"; Arm DEN 0022 (PSCI) for the
 * power-state interface; Arm DEN 0028 (SMCCC) for the calling convention.
 * @{
 */

/** @name Stage-2 translation: the page-table format (4 KiB granule) and its VTCR_EL2 fields
 * @{ */

/**
 * @brief Fill in the stage-2 format for an IPA size (4 KiB granule).
 * @param[out] fmt caller-owned storage; it must outlive every address space using it
 * @param ipa_bits IPA size: 32 to 43 start at level 1 (3 levels; above 39 bits the root is
 *                 2 to 16 concatenated level-1 tables), 44 to 48 start at level 0 (4 levels).
 *                 32 is QEMU's VTCR_EL2 = 0x80023560 setup, 40 is T0SZ 24 / SL0 1.
 * @return 0; #AXV_EINVAL for a NULL @p fmt or an unsupported size (@p fmt untouched)
 * @note Any context; writes only @p fmt.
 */
int axv_s2_format_init(struct axv_pt_format *fmt, unsigned ipa_bits);

/**
 * @brief The VTCR_EL2 fields a stage-2 format implies.
 * @param fmt a format from axv_s2_format_init()
 * @param[out] t0sz VTCR_EL2.T0SZ (64 minus the IPA bits)
 * @param[out] sl0  VTCR_EL2.SL0 for the 4 KiB granule (1: start at level 1, 2: level 0)
 * @return 0; #AXV_EINVAL for NULL arguments or a format that is not stage 2
 * @note Any context; pure function.
 */
int axv_s2_vtcr_fields(const struct axv_pt_format *fmt, unsigned *t0sz, unsigned *sl0);
/** @} */

/** @name ESR_EL2 fields (DDI 0487 D17.2.37)
 * @{ */
#define AXV_A64_ESR_EC_SHIFT 26u             /**< Exception Class, bits [31:26] */
#define AXV_A64_ESR_EC_MASK 0x3fu            /**< EC width mask */
#define AXV_A64_ESR_IL (1u << 25)            /**< instruction length: 1 = 32-bit */
#define AXV_A64_ESR_ISS_MASK 0x1ffffffu      /**< Instruction Specific Syndrome, [24:0] */
/** @} */

/** @name Exception classes (DDI 0487 D17.2.37, table "EC encoding")
 * @{ */
#define AXV_A64_EC_UNKNOWN 0x00u   /**< unknown reason */
#define AXV_A64_EC_WFX 0x01u       /**< trapped WFI or WFE */
#define AXV_A64_EC_FP_ASIMD 0x07u  /**< trapped FP/SIMD access */
#define AXV_A64_EC_ILL 0x0eu       /**< illegal execution state */
#define AXV_A64_EC_HVC32 0x12u     /**< HVC from AArch32 */
#define AXV_A64_EC_SMC32 0x13u     /**< trapped SMC from AArch32 */
#define AXV_A64_EC_HVC64 0x16u     /**< HVC from AArch64 */
#define AXV_A64_EC_SMC64 0x17u     /**< trapped SMC from AArch64 */
#define AXV_A64_EC_SYS64 0x18u     /**< trapped MSR, MRS or system instruction */
#define AXV_A64_EC_SVE 0x19u       /**< trapped SVE access */
#define AXV_A64_EC_IABT_LOW 0x20u  /**< instruction abort from a lower EL */
#define AXV_A64_EC_IABT_CUR 0x21u  /**< instruction abort from the same EL */
#define AXV_A64_EC_PC_ALIGN 0x22u  /**< PC alignment fault */
#define AXV_A64_EC_DABT_LOW 0x24u  /**< data abort from a lower EL */
#define AXV_A64_EC_DABT_CUR 0x25u  /**< data abort from the same EL */
#define AXV_A64_EC_SP_ALIGN 0x26u  /**< SP alignment fault */
#define AXV_A64_EC_SERROR 0x2fu    /**< SError interrupt */
#define AXV_A64_EC_BRK64 0x3cu     /**< BRK instruction */
/** @} */

/** @name Data/instruction abort ISS (DDI 0487 D17.2.37, "ISS encoding for an exception from a Data Abort")
 * @{ */
#define AXV_A64_DABT_ISV (1u << 24)     /**< syndrome fields [23:14] are valid */
#define AXV_A64_DABT_SAS_SHIFT 22u      /**< access size: 0 byte, 1 half, 2 word, 3 double */
#define AXV_A64_DABT_SSE (1u << 21)     /**< sign-extend the loaded value */
#define AXV_A64_DABT_SRT_SHIFT 16u      /**< register transferred, 5 bits */
#define AXV_A64_DABT_SF (1u << 15)      /**< the register is 64-bit (X), else 32-bit (W) */
#define AXV_A64_DABT_AR (1u << 14)      /**< acquire/release semantics */
#define AXV_A64_DABT_FNV (1u << 10)     /**< FAR is not valid */
#define AXV_A64_DABT_EA (1u << 9)       /**< external abort type */
#define AXV_A64_DABT_CM (1u << 8)       /**< cache maintenance */
#define AXV_A64_DABT_S1PTW (1u << 7)    /**< fault on a stage-2 walk of a stage-1 table */
#define AXV_A64_DABT_WNR (1u << 6)      /**< write, not read */
#define AXV_A64_FSC_MASK 0x3fu          /**< DFSC / IFSC, bits [5:0] */
#define AXV_A64_FSC_TYPE_MASK 0x3cu     /**< fault status code without the level */
#define AXV_A64_FSC_ADDR_SIZE 0x00u     /**< address size fault, levels 0-3 */
#define AXV_A64_FSC_TRANS 0x04u         /**< translation fault, levels 0-3 */
#define AXV_A64_FSC_ACCESS 0x08u        /**< access flag fault, levels 0-3 */
#define AXV_A64_FSC_PERM 0x0cu          /**< permission fault, levels 0-3 */
#define AXV_A64_FSC_SEA 0x10u           /**< synchronous external abort */
/** @} */

/** @name System register trap ISS, EC 0x18 (DDI 0487 D17.2.37, "ISS encoding for an exception from MSR, MRS, or System instruction execution")
 * @{ */
#define AXV_A64_SYS_OP0_SHIFT 20u /**< Op0, bits [21:20] */
#define AXV_A64_SYS_OP2_SHIFT 17u /**< Op2, bits [19:17] */
#define AXV_A64_SYS_OP1_SHIFT 14u /**< Op1, bits [16:14] */
#define AXV_A64_SYS_CRN_SHIFT 10u /**< CRn, bits [13:10] */
#define AXV_A64_SYS_RT_SHIFT 5u   /**< Rt, bits [9:5] */
#define AXV_A64_SYS_CRM_SHIFT 1u  /**< CRm, bits [4:1] */
#define AXV_A64_SYS_READ 1u       /**< Direction, bit 0: 1 = MRS (read) */
/** Mask of the register-identifying bits of an EC 0x18 ISS (everything but Rt and Direction). */
#define AXV_A64_SYS_ID_MASK 0x3ffc1eu
/**
 * System register id as it appears in a sysreg exit's axv_exit_access::addr: the ISS
 * layout of EC 0x18 with Rt and Direction cleared.
 */
#define AXV_A64_SYSREG(op0, op1, crn, crm, op2)                                            \
	(((uint64_t)(op0) << AXV_A64_SYS_OP0_SHIFT) | ((uint64_t)(op2) << AXV_A64_SYS_OP2_SHIFT) | \
	 ((uint64_t)(op1) << AXV_A64_SYS_OP1_SHIFT) | ((uint64_t)(crn) << AXV_A64_SYS_CRN_SHIFT) | \
	 ((uint64_t)(crm) << AXV_A64_SYS_CRM_SHIFT))
/** @} */

/** @name PSCI (Arm DEN 0022) function ids and return values
 * @{ */
#define AXV_PSCI_VERSION 0x84000000u           /**< PSCI_VERSION */
#define AXV_PSCI_CPU_SUSPEND_32 0x84000001u    /**< CPU_SUSPEND, SMC32 */
#define AXV_PSCI_CPU_SUSPEND_64 0xc4000001u    /**< CPU_SUSPEND, SMC64 */
#define AXV_PSCI_CPU_OFF 0x84000002u           /**< CPU_OFF */
#define AXV_PSCI_CPU_ON_32 0x84000003u         /**< CPU_ON, SMC32 */
#define AXV_PSCI_CPU_ON_64 0xc4000003u         /**< CPU_ON, SMC64 */
#define AXV_PSCI_AFFINITY_INFO_32 0x84000004u  /**< AFFINITY_INFO, SMC32 */
#define AXV_PSCI_AFFINITY_INFO_64 0xc4000004u  /**< AFFINITY_INFO, SMC64 */
#define AXV_PSCI_MIGRATE_INFO_TYPE 0x84000006u /**< MIGRATE_INFO_TYPE */
#define AXV_PSCI_SYSTEM_OFF 0x84000008u        /**< SYSTEM_OFF */
#define AXV_PSCI_SYSTEM_RESET 0x84000009u      /**< SYSTEM_RESET */
#define AXV_PSCI_FEATURES 0x8400000au          /**< PSCI_FEATURES */
#define AXV_PSCI_VERSION_1_0 0x00010000u       /**< the version this port implements */
#define AXV_PSCI_RET_SUCCESS 0                 /**< SUCCESS */
#define AXV_PSCI_RET_NOT_SUPPORTED (-1)        /**< NOT_SUPPORTED */
#define AXV_PSCI_RET_INVALID_PARAMETERS (-2)   /**< INVALID_PARAMETERS */
#define AXV_PSCI_RET_DENIED (-3)               /**< DENIED */
#define AXV_PSCI_RET_ALREADY_ON (-4)           /**< ALREADY_ON */
#define AXV_PSCI_RET_INTERNAL_FAILURE (-6)     /**< INTERNAL_FAILURE */
#define AXV_PSCI_MIGRATE_NOT_REQUIRED 2        /**< MIGRATE_INFO_TYPE: no trusted OS to migrate */
/** MPIDR affinity fields Aff3 [39:32], Aff2 [23:16], Aff1 [15:8], Aff0 [7:0]. */
#define AXV_A64_MPIDR_AFF_MASK 0xff00ffffffull
/** @} */

/** @name Guest exception kinds, as the EL2 vector table reports them
 * @{ */
#define AXV_A64_TRAP_SYNC 0u   /**< synchronous exception from the guest */
#define AXV_A64_TRAP_IRQ 1u    /**< physical IRQ while the guest ran */
#define AXV_A64_TRAP_FIQ 2u    /**< physical FIQ while the guest ran */
#define AXV_A64_TRAP_SERROR 3u /**< SError while the guest ran */
/** @} */

/** @brief EL1 system registers a guest owns, switched on every entry and exit. */
struct axv_a64_el1 {
	uint64_t sp_el1;         /**< SP_EL1 */
	uint64_t elr_el1;        /**< ELR_EL1 */
	uint64_t spsr_el1;       /**< SPSR_EL1 */
	uint64_t sctlr_el1;      /**< SCTLR_EL1 */
	uint64_t actlr_el1;      /**< ACTLR_EL1 */
	uint64_t cpacr_el1;      /**< CPACR_EL1 */
	uint64_t ttbr0_el1;      /**< TTBR0_EL1 */
	uint64_t ttbr1_el1;      /**< TTBR1_EL1 */
	uint64_t tcr_el1;        /**< TCR_EL1 */
	uint64_t mair_el1;       /**< MAIR_EL1 */
	uint64_t amair_el1;      /**< AMAIR_EL1 */
	uint64_t vbar_el1;       /**< VBAR_EL1 */
	uint64_t contextidr_el1; /**< CONTEXTIDR_EL1 */
	uint64_t tpidr_el0;      /**< TPIDR_EL0 */
	uint64_t tpidrro_el0;    /**< TPIDRRO_EL0 */
	uint64_t tpidr_el1;      /**< TPIDR_EL1 */
	uint64_t esr_el1;        /**< ESR_EL1 */
	uint64_t far_el1;        /**< FAR_EL1 */
	uint64_t afsr0_el1;      /**< AFSR0_EL1 */
	uint64_t afsr1_el1;      /**< AFSR1_EL1 */
	uint64_t par_el1;        /**< PAR_EL1 */
	uint64_t csselr_el1;     /**< CSSELR_EL1 */
	uint64_t cntkctl_el1;    /**< CNTKCTL_EL1 */
	uint64_t cntv_ctl_el0;   /**< CNTV_CTL_EL0: the guest's virtual timer */
	uint64_t cntv_cval_el0;  /**< CNTV_CVAL_EL0 */
	uint64_t vmpidr_el2;     /**< the MPIDR_EL1 value the guest reads */
};

/**
 * @brief One aarch64 vcpu's full register context. Caller-owned; the world switch fills it.
 *
 * The layout of the first members is fixed: the entry/exit assembly addresses them by offset
 * (checked at compile time in the port).
 */
struct axv_a64_ctx {
	uint64_t x[31];        /**< x0 to x30 */
	uint64_t sp_el0;       /**< SP_EL0 */
	uint64_t pc;           /**< ELR_EL2: where the guest resumes */
	uint64_t pstate;       /**< SPSR_EL2: the guest's PSTATE */
	uint64_t esr;          /**< ESR_EL2 of the last exit */
	uint64_t far;          /**< FAR_EL2 of the last exit */
	uint64_t hpfar;        /**< HPFAR_EL2 of the last exit */
	uint64_t trap;         /**< `AXV_A64_TRAP_*` kind of the last exit */
	uint64_t fpsimd[64];   /**< V0 to V31, two 64-bit halves each */
	uint64_t fpsr;         /**< FPSR */
	uint64_t fpcr;         /**< FPCR */
	uint64_t host[16];     /**< the host's callee-saved registers across a run (private) */
	struct axv_a64_el1 el1; /**< EL1 system registers */
	uint64_t cntvoff;      /**< CNTVOFF_EL2: the guest's virtual counter offset */
	uint64_t vttbr;        /**< VTTBR_EL2: VMID [63:48] and stage-2 root */
	uint64_t hcr;          /**< HCR_EL2 while this guest runs */
	/** `AXV_A64_EL1_DIRTY_*`: which of @ref el1 the next run must write to the cpu. Code
	 *  that changes @ref el1 sets it (the port's functions do). */
	uint32_t el1_dirty;
};

/** axv_a64_ctx::el1_dirty: ESR_EL1, FAR_EL1, ELR_EL1 and SPSR_EL1 changed (an injected exception). */
#define AXV_A64_EL1_DIRTY_EXC 1u
/** axv_a64_ctx::el1_dirty: any EL1 register may have changed. */
#define AXV_A64_EL1_DIRTY_ALL 2u

/** PSTATE for a guest entered at EL1h with D, A, I and F masked (the Linux boot protocol). */
#define AXV_A64_PSTATE_EL1H_MASKED 0x3c5u

/**
 * @brief Prepare a context to enter a guest at EL1h, MMU off, per the Linux arm64 boot protocol.
 * @param c     context storage; every field is reset
 * @param entry guest physical address of the first instruction
 * @param x0    value of x0 (the guest DTB's address for Linux)
 * @param mpidr the MPIDR_EL1 value the guest reads (its affinity)
 * @note Any context; plain C.
 */
void axv_a64_ctx_init(struct axv_a64_ctx *c, axv_gpa_t entry, uint64_t x0, uint64_t mpidr);

/**
 * @brief Decode the last exit of a context into a `struct axv_exit`.
 *
 * Reads `c->trap`, `c->esr`, `c->far`, `c->hpfar` and, for writes and calls, the guest's
 * registers. PSCI calls that need nobody else (VERSION, FEATURES, MIGRATE_INFO_TYPE, unknown
 * PSCI ids) are answered in place: x0 is set, the pc advanced and the exit is
 * #AXV_EXIT_NOTHING. CPU_ON, CPU_OFF, SYSTEM_OFF, SYSTEM_RESET become #AXV_EXIT_CPU_UP,
 * #AXV_EXIT_CPU_DOWN, #AXV_EXIT_SYSTEM_DOWN, #AXV_EXIT_SYSTEM_RESET; CPU_SUSPEND returns
 * SUCCESS and becomes #AXV_EXIT_HALT with the pc already past the call (as for WFI); AFFINITY_INFO is passed on as a hypercall with
 * `nr` = the function id (the embedder knows the vcpu states). Other HVCs and SMCs are
 * hypercalls. Data aborts with a valid syndrome become MMIO exits (the embedder first offers
 * the address to its address space's fault handler, for lazily backed RAM); data aborts
 * without one, and instruction aborts, become nested page faults; WFI becomes
 * #AXV_EXIT_HALT and WFE #AXV_EXIT_NOTHING (a yield: an event is not an interrupt, and a
 * vcpu blocked on WFE until an interrupt could hang a spinlock), both with the pc already
 * past the instruction; anything else becomes
 * #AXV_EXIT_UNHANDLED with the raw ESR and FAR.
 *
 * `e->insn_len` is the number of bytes the pc must advance when the exit is completed: 4 for
 * a trapped instruction, 0 for HVC (ELR_EL2 already points past it) and for faults that are
 * retried.
 *
 * @param c a context after an exit
 * @param[out] e the decoded exit
 * @return 0; #AXV_EINVAL for NULL arguments or a trap kind out of range (e is then
 *         #AXV_EXIT_UNHANDLED)
 * @note Any context; plain C; the guest's syndrome is treated as hostile input.
 */
int axv_a64_decode_exit(struct axv_a64_ctx *c, struct axv_exit *e);

/**
 * @brief Inject a synchronous external data abort into the guest at EL1.
 *
 * Emulates the exception entry: ESR_EL1 (EC 0x25 from EL1, 0x24 from EL0; DFSC 0x10; WnR as
 * given), FAR_EL1, ELR_EL1 and SPSR_EL1 from the guest's pc and PSTATE, then PSTATE = EL1h
 * with DAIF masked and pc = VBAR_EL1 + the vector offset for the guest's EL and stack.
 * Used when a guest touches an address nothing backs.
 *
 * @param c     the guest's context
 * @param far   the faulting virtual address (FAR_EL2 of the exit)
 * @param write the access was a write
 * @return 0; #AXV_EINVAL if the guest is not in AArch64 EL0 or EL1 (nothing is changed)
 * @note Any context; plain C.
 */
int axv_a64_inject_dabt(struct axv_a64_ctx *c, uint64_t far, bool write);

/**
 * @brief Set a guest general register by number, as `struct axv_exit_access::reg` names it.
 * @param c   the guest's context
 * @param reg 0 to 30 for x0 to x30; #AXV_REG_NONE (xzr) is accepted and ignored
 * @param v   the value
 * @return 0, or #AXV_EINVAL for any other register number
 */
int axv_a64_set_reg(struct axv_a64_ctx *c, unsigned reg, uint64_t v);

/**
 * @brief Read a guest general register by number.
 * @param c   the guest's context
 * @param reg 0 to 30, or 31 / #AXV_REG_NONE for xzr (reads 0)
 * @param[out] v the value
 * @return 0, or #AXV_EINVAL for any other register number
 */
int axv_a64_get_reg(const struct axv_a64_ctx *c, unsigned reg, uint64_t *v);


/* ---- EL2 runtime (aarch64 builds only) ---------------------------------------------------- */

/** @brief Registers of an exception taken at EL2 itself, as the vector table saves them. */
struct axv_a64_trap_frame {
	uint64_t x[31]; /**< x0 to x30 at the exception */
	uint64_t elr;   /**< ELR_EL2: where the handler returns (it may change it) */
	uint64_t spsr;  /**< SPSR_EL2 */
	uint64_t esr;   /**< ESR_EL2 */
	uint64_t far;   /**< FAR_EL2 */
	uint64_t kind;  /**< `AXV_A64_TRAP_*` */
};

/**
 * @brief Handler for exceptions taken at EL2 (the host's own faults and interrupts).
 * @param arg   the `host_trap_arg` given at axv_a64_cpu_enable()
 * @param frame the saved registers; returning resumes at `frame->elr`
 */
typedef void (*axv_a64_host_trap_fn)(void *arg, struct axv_a64_trap_frame *frame);

/**
 * @brief Per-physical-cpu state of the port. Caller-owned, one per cpu, kept alive while the
 *        cpu runs guests. TPIDR_EL2 points to it.
 */
struct axv_a64_cpu {
	struct axv_a64_ctx *cur;          /**< context being run (first member: used by assembly) */
	axv_a64_host_trap_fn host_trap;   /**< handler of exceptions at EL2 */
	void *host_trap_arg;              /**< its argument */
	uint64_t vtcr;                    /**< VTCR_EL2 value programmed */
	uint32_t nr_lrs;                  /**< GIC list registers (ICH_VTR_EL2.ListRegs + 1) */
	uint32_t pri_bits;                /**< virtual priority bits (ICH_VTR_EL2.PRIbits + 1) */
	struct axv_a64_ctx *loaded;       /**< context whose EL1 registers the cpu holds (private) */
	uint64_t hcr_cur;                 /**< HCR_EL2 as programmed (private) */
	uint64_t vttbr_cur;               /**< VTTBR_EL2 as programmed (private) */
	uint64_t cntvoff_cur;             /**< CNTVOFF_EL2 as programmed (private) */
};

/** HCR_EL2 for a guest: VM, SWIO, FMO, IMO, AMO, FB, BSU=IS, TWI, TSC, RW (DDI 0487 D17.2.48). */
#define AXV_A64_HCR_GUEST                                                                   \
	((1ull << 0) | (1ull << 1) | (1ull << 3) | (1ull << 4) | (1ull << 5) | (1ull << 9) |  \
	 (1ull << 10) | (1ull << 13) | (1ull << 19) | (1ull << 31))

/**
 * @brief Enable this cpu for guests (EL2 only): VBAR_EL2, TPIDR_EL2, HCR_EL2 (host value),
 *        CPTR_EL2 (no FP/SIMD trap), CNTHCTL_EL2 (EL1 physical timer/counter access),
 *        MDCR_EL2 (debug register and OS-lock accesses trap), VTCR_EL2, ICC_SRE_EL2 (system
 *        register GIC interface, EL1 may use it) and ICH_HCR_EL2.En.
 * @param cpu       per-cpu storage; must stay valid while the cpu runs guests
 * @param vtcr      the VTCR_EL2 value matching the stage-2 format in use
 * @param host_trap handler of exceptions taken at EL2 (required)
 * @param arg       its argument
 * @return 0; #AXV_EINVAL for NULL arguments; #AXV_ENOTSUP when not running at EL2
 * @note Task context on the cpu being enabled, interrupts masked.
 */
int axv_a64_cpu_enable(struct axv_a64_cpu *cpu, uint64_t vtcr, axv_a64_host_trap_fn host_trap,
		       void *arg);

/**
 * @brief Run a guest context on this cpu until it exits (EL2 only).
 *
 * Makes the cpu hold the context's EL1 system registers, CNTVOFF_EL2, VTTBR_EL2, HCR_EL2 and
 * VMPIDR_EL2, loads its FP/SIMD state, enters the guest, and on exit saves the FP/SIMD and
 * EL1 registers back and records the trap kind and syndrome in the context. Decode the exit
 * with axv_a64_decode_exit().
 *
 * Registers are written only when they differ from what the cpu holds: the EL1 set when
 * another context ran here last or `el1_dirty` says so, the EL2 controls when their values
 * changed. Writes of SCTLR_EL1, TCR_EL1, TTBRn_EL1, HCR_EL2 or VTTBR_EL2 make emulators (and
 * some cores) drop their TLBs, so this is what keeps an exit cheap. The guest's HCR_EL2 stays
 * in force while the host handles the exit (it does not affect EL2 itself).
 *
 * @param cpu this cpu's state, enabled
 * @param c   the guest context
 * @return 0, or #AXV_EINVAL for NULL arguments
 * @note Task context, interrupts masked at EL2.
 */
int axv_a64_run(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c);

/** TLB hooks for `struct axv_hal`: the tag is the VTTBR_EL2 value (VMID and root). */
extern const struct axv_hal_tlb_ops axv_a64_tlb_ops;

/** @name GICv3 CPU interface (EL2 only; DDI 0487 and the GICv3 architecture spec IHI 0069, 12.5)
 * @{ */
/**
 * @brief Acknowledge the highest-priority pending physical Group 1 interrupt (ICC_IAR1_EL1).
 * @return its INTID; 1023 when none is pending
 */
uint32_t axv_a64_gic_ack(void);
/**
 * @brief Priority-drop a physical interrupt (ICC_EOIR1_EL1; with EOImode 1 it stays active).
 * @param intid the INTID from axv_a64_gic_ack()
 */
void axv_a64_gic_eoi(uint32_t intid);
/**
 * @brief Deactivate a physical interrupt (ICC_DIR_EL1).
 * @param intid the INTID
 */
void axv_a64_gic_deactivate(uint32_t intid);
/**
 * @brief Read list register @p n (ICH_LR<n>_EL2).
 * @param n 0 to 15 (values beyond the implemented count read 0)
 * @return its value
 */
uint64_t axv_a64_gic_read_lr(unsigned n);
/**
 * @brief Write list register @p n.
 * @param n 0 to 15 (ignored beyond the implemented count)
 * @param v the value: see #AXV_A64_LR_PENDING and friends
 */
void axv_a64_gic_write_lr(unsigned n, uint64_t v);
/**
 * @brief Empty list registers (ICH_ELRSR_EL2): bit n set = LR n holds no interrupt.
 * @return the bitmap
 */
uint32_t axv_a64_gic_empty_lrs(void);
/**
 * @brief Maintenance interrupt status (ICH_MISR_EL2).
 * @return the register
 */
uint32_t axv_a64_gic_misr(void);
/**
 * @brief Write ICH_HCR_EL2 (virtual CPU interface control: En, UIE, ...).
 * @param v the value
 */
void axv_a64_gic_write_hcr(uint64_t v);
/**
 * @brief Quiet the GIC maintenance interrupt (INTID 25) after taking it: its conditions
 *        (underflow) are level, so they are turned off here and re-armed by the list-register
 *        controller at the next guest entry if interrupts are still queued. Call it before
 *        deactivating INTID 25.
 */
void axv_a64_gic_maintenance(void);
/** The GIC maintenance interrupt's INTID (a PPI; the DTB's "interrupts = <1 9 4>"). */
#define AXV_A64_GIC_MAINT_INTID 25u
/** @} */

/** @name ICH_LR<n>_EL2 fields (IHI 0069, 12.4.6)
 * @{ */
#define AXV_A64_LR_STATE_SHIFT 62u            /**< State [63:62]: 1 pending, 2 active, 3 both */
#define AXV_A64_LR_PENDING (1ull << 62)       /**< State = pending */
#define AXV_A64_LR_ACTIVE (2ull << 62)        /**< State = active */
#define AXV_A64_LR_HW (1ull << 61)            /**< hardware interrupt: pINTID in [44:32] */
#define AXV_A64_LR_GROUP1 (1ull << 60)        /**< Group 1 */
#define AXV_A64_LR_PRIO_SHIFT 48u             /**< Priority [55:48] */
#define AXV_A64_LR_PINTID_SHIFT 32u           /**< pINTID [44:32] (HW = 1) */
#define AXV_A64_LR_EOI (1ull << 41)           /**< EOI maintenance interrupt (HW = 0) */
#define AXV_A64_LR_VINTID_MASK 0xffffffffull  /**< vINTID [31:0] */
/** @} */

/* ---- the port behind the core modules (aarch64 builds with the vcpu module) ------------------ */

/** lr_id value of a list register this vcpu does not occupy. */
#define AXV_A64_LR_FREE 0xffffffffu

/** @brief Port-specific vcpu configuration, passed to axv_vcpu_setup(). */
struct axv_a64_vcpu_config {
	uint64_t mpidr;   /**< affinity the guest reads from MPIDR_EL1 */
	uint64_t x0;      /**< initial x0 (the DTB address for Linux; context id for CPU_ON) */
	uint64_t cntvoff; /**< CNTVOFF_EL2: the guest's virtual counter offset */
	uint16_t vmid;    /**< stage-2 VMID (shared by every vcpu of one guest) */
	/** Bit n (n < 32): virtual INTID n is the physical INTID n (e.g. 27, the virtual timer):
	 *  its list register gets the HW bit, so the guest's EOI deactivates the physical one. */
	uint32_t hw_ppis;
};

/** ICH_HCR_EL2.En: the virtual CPU interface is on (IHI 0069 12.4.2). */
#define AXV_A64_ICH_HCR_EN 1u
/** ICH_HCR_EL2.UIE: maintenance interrupt when at most one list register is valid. */
#define AXV_A64_ICH_HCR_UIE 2u

/** @brief Access to one cpu's list registers: the hardware, or a model in tests. */
struct axv_a64_lr_ops {
	/**
	 * @brief Read ICH_LR<n>_EL2.
	 * @param ctx the context in `struct axv_a64_lr`
	 * @param n   list register number
	 * @return its value
	 */
	uint64_t (*read)(void *ctx, unsigned n);
	/**
	 * @brief Write ICH_LR<n>_EL2.
	 * @param ctx the context
	 * @param n   list register number
	 * @param v   the value
	 */
	void (*write)(void *ctx, unsigned n, uint64_t v);
	/**
	 * @brief ICH_ELRSR_EL2: bit n set when list register n holds nothing.
	 * @param ctx the context
	 * @return the bitmap
	 */
	uint32_t (*empty)(void *ctx);
	/**
	 * @brief Write ICH_HCR_EL2.
	 * @param ctx the context
	 * @param v   the value
	 */
	void (*write_hcr)(void *ctx, uint64_t v);
};

/** @brief The list registers a vcpu delivers into (set by bind on aarch64). */
struct axv_a64_lr {
	const struct axv_a64_lr_ops *ops; /**< how to reach them, or NULL while unbound */
	void *ctx;                        /**< the ops' context */
	uint32_t nr;                      /**< how many there are (at most 16) */
};

struct axv_vgic;

/** @brief An aarch64 vcpu: the port context that `axv_a64_vcpu_ops` works on. Caller-owned. */
struct axv_a64_vcpu {
	struct axv_a64_ctx ctx;   /**< the guest's registers */
	struct axv_a64_cpu *cpu;  /**< the physical cpu it is bound to, or NULL */
	uint32_t id;              /**< vcpu id */
	uint32_t hw_ppis;         /**< see axv_a64_vcpu_config::hw_ppis */
	uint16_t vmid;            /**< VMID */
	axv_hpa_t root;           /**< stage-2 root */
	uint32_t lr_id[16];       /**< vINTID held by each list register, or #AXV_A64_LR_FREE */
	struct axv_a64_lr lr;     /**< the list registers it delivers into */
	struct axv_vgic *gic;     /**< the vGIC its SPIs go through (axv_vgic_attach()), or NULL */
	uint32_t gic_idx;         /**< its index in that vGIC */
};

/** The vcpu ops of this port; the port context is a `struct axv_a64_vcpu`. */
extern const struct axv_vcpu_ops axv_a64_vcpu_ops;
/** The GICv3 list-register interrupt controller; its context is the `struct axv_a64_vcpu`. */
extern const struct axv_vic_ops axv_a64_vic_ops;
/**
 * Per-cpu enable over axv_a64_cpu_enable(); its context is a `struct axv_a64_cpu` whose
 * `vtcr`, `host_trap` and `host_trap_arg` the embedder fills first.
 */
extern const struct axv_percpu_ops axv_a64_percpu_ops;

/* ---- virtual GICv3 (aarch64 builds with the vcpu module; host-tested) ------------------------ */

/** @name Virtual GICv3: distributor and redistributors emulated by MMIO traps
 *
 * The CPU interface is the hardware's (ICH_* list registers, see `axv_a64_vic_ops`); this
 * models the distributor (GICD) and one redistributor (GICR) per vcpu, following IHI 0069
 * chapters 12.9 (GICD) and 12.10-12.11 (GICR), with affinity routing always on (ARE = 1) and
 * a single security state (DS = 1). Interrupt state lives in each vcpu's `struct axv_virq`:
 * SGIs and PPIs in their own vcpu's, each SPI in the vcpu its GICD_IROUTER names. Unknown
 * offsets read as zero and ignore writes; guest writes are validated (ids, widths, targets).
 *
 * An SPI has one pending and one active state, held by the Distributor (IHI 0069 2.1), and
 * it moves with the route: a GICD_IROUTER write moves the SPI's pending, active and enable
 * bits and its priority from the vcpu that held them to the one now named, together. An SPI
 * that is active (in a list register of the old vcpu) is therefore not delivered again to
 * the new one until the guest ends it (4.1.2: active and pending is not signalled); the end
 * reaches it where it now is, through axv_vgic_attach().
 *
 * Concurrency: MMIO handlers may run on several cpus at once, for any vcpus, and
 * axv_vgic_set_spi() may be called from any context on any cpu. One spinlock per vGIC
 * (`route_lock`, a test-and-set word) makes every change of an SPI's route atomic with every
 * read or change of its state in the vcpu that holds it: GICD_IROUTER, the SPI enable,
 * pending and active banks, priorities, trigger modes, SETSPI/CLRSPI, device lines, and the
 * list registers' take and end of an SPI (axv_vgic_attach()). It is the only lock: under it
 * the vGIC calls only the lock-free `axv_virq_*` calls, axv_vcpu_inject() and
 * axv_vcpu_kick(), and through them the HAL's `send_ipi`, which must not call back into the
 * vGIC. The register handlers and the list-register hooks spin for it (they run in task
 * context: in exit handling, and before guest entry); axv_vgic_set_spi() never waits for it
 * (see there).
 * @{ */

/** Largest number of vcpus a vGIC serves. */
#define AXV_VGIC_MAX_VCPUS 8u
/** Largest number of SPIs (INTIDs 32 to 32 + n - 1). */
#define AXV_VGIC_MAX_SPIS 224u
/** Size of one redistributor's MMIO region (RD_base and SGI_base frames). */
#define AXV_VGIC_GICR_SIZE 0x20000u
/** Size of the distributor's MMIO region. */
#define AXV_VGIC_GICD_SIZE 0x10000u

/** @brief One vcpu's redistributor state. Part of `struct axv_vgic`; private. */
struct axv_vgic_redist {
	struct axv_vgic *gic; /**< the vGIC (private) */
	uint32_t idx;         /**< vcpu index (private) */
	uint32_t waker;       /**< GICR_WAKER.ProcessorSleep (private) */
	uint32_t igroup0;     /**< GICR_IGROUPR0 (private) */
	uint32_t igrpmod0;    /**< GICR_IGRPMODR0 (private) */
	uint32_t icfgr1;      /**< GICR_ICFGR1: PPI trigger modes (private) */
};

/** @brief A virtual GICv3. Caller-owned; set up with axv_vgic_init(). Members are private. */
struct axv_vgic {
	uint32_t nr_vcpus;                               /**< (private) */
	uint32_t nr_spis;                                /**< (private) */
	struct axv_vcpu *vcpu[AXV_VGIC_MAX_VCPUS];       /**< (private) */
	struct axv_virq *virq[AXV_VGIC_MAX_VCPUS];       /**< (private) */
	uint64_t mpidr[AXV_VGIC_MAX_VCPUS];              /**< affinity of each vcpu (private) */
	struct axv_vgic_redist redist[AXV_VGIC_MAX_VCPUS]; /**< (private) */
	_Atomic uint32_t ctlr;                           /**< GICD_CTLR (private) */
	_Atomic uint32_t route_lock;                     /**< the vGIC's spinlock (private) */
	_Atomic uint32_t line_any[AXV_VGIC_MAX_SPIS / 32]; /**< SPIs with a line[] entry (private) */
	_Atomic uint8_t line[AXV_VGIC_MAX_SPIS];         /**< line level left for the lock holder:
							      0 none, 1 low, 2 high (private) */
	uint32_t igroup[AXV_VGIC_MAX_SPIS / 32];         /**< GICD_IGROUPR, SPIs (private) */
	uint32_t igrpmod[AXV_VGIC_MAX_SPIS / 32];        /**< GICD_IGRPMODR, SPIs (private) */
	uint32_t icfgr[AXV_VGIC_MAX_SPIS / 16];          /**< GICD_ICFGR, SPIs (private) */
	_Atomic uint32_t enabled[AXV_VGIC_MAX_SPIS / 32]; /**< SPI enable bits (private) */
	uint8_t prio[AXV_VGIC_MAX_SPIS];                 /**< SPI priorities (private) */
	uint64_t route[AXV_VGIC_MAX_SPIS];               /**< GICD_IROUTER (private) */
	_Atomic uint8_t target[AXV_VGIC_MAX_SPIS];       /**< vcpu index each SPI goes to (private) */
};

/**
 * @brief Set up a vGIC for @p nr_vcpus vcpus and @p nr_spis SPIs, in its reset state
 *        (everything disabled and inactive, SPIs routed to vcpu 0).
 * @param g        caller-owned storage
 * @param vcpus    the vcpus, index = GICR order; each created with its own `virq`
 * @param virqs    their interrupt states (the ones given to axv_vcpu_create())
 * @param mpidrs   their affinities (as the guest reads MPIDR_EL1)
 * @param nr_vcpus 1 to #AXV_VGIC_MAX_VCPUS
 * @param nr_spis  0 to #AXV_VGIC_MAX_SPIS, a multiple of 32
 * @return 0; #AXV_EINVAL for NULL arguments or counts out of range (@p g untouched)
 * @note Task context, before the vcpus run.
 */
int axv_vgic_init(struct axv_vgic *g, struct axv_vcpu *const *vcpus,
		  struct axv_virq *const *virqs, const uint64_t *mpidrs, uint32_t nr_vcpus,
		  uint32_t nr_spis);

/** Device ops of the distributor: register on the bus with the `struct axv_vgic` as context
 *  over #AXV_VGIC_GICD_SIZE bytes. */
extern const struct axv_device_ops axv_vgic_gicd_ops;
/** Device ops of a redistributor: register vcpu i's region (#AXV_VGIC_GICR_SIZE bytes) with
 *  axv_vgic_redist_ctx() as context. */
extern const struct axv_device_ops axv_vgic_gicr_ops;

/**
 * @brief The device context of vcpu @p idx's redistributor.
 * @param g   the vGIC
 * @param idx vcpu index
 * @return the context for #axv_vgic_gicr_ops, or NULL for an index out of range
 */
void *axv_vgic_redist_ctx(struct axv_vgic *g, uint32_t idx);

/**
 * @brief Emulate a guest write of ICC_SGI1R_EL1 (or ICC_ASGI1R_EL1 / ICC_SGI0R_EL1, which
 *        trap to EL2 when HCR_EL2.IMO is set): send SGI INTID [27:24] to the vcpus named by
 *        IRM [40], or by Aff3 [55:48], Aff2 [39:32], Aff1 [23:16], RS [47:44] and
 *        TargetList [15:0] (IHI 0069 12.2.21).
 * @param g     the vGIC
 * @param src   index of the sending vcpu
 * @param value the value written
 * @return the number of vcpus the SGI was sent to; #AXV_EINVAL for a bad @p src
 * @note Any context; lock-free (injection wakes or kicks the targets).
 */
int axv_vgic_send_sgi(struct axv_vgic *g, uint32_t src, uint64_t value);

/**
 * @brief Raise (@p level true) or lower a shared peripheral interrupt from an emulated device.
 *
 * The change is atomic with re-routing: it lands in the vcpu that holds the SPI's state at
 * that point, which a concurrent GICD_IROUTER write moves with everything else (it is
 * neither left behind at the old vcpu nor wiped there, IHI 0069 12.9 GICD_IROUTER<n>: a
 * pending interrupt "is neither lost nor handled more than once").
 *
 * @param g     the vGIC
 * @param intid 32 to 32 + nr_spis - 1
 * @param level line level: true pends it at its target vcpu (waking or kicking it); false
 *              withdraws it if still pending
 * @return 0; #AXV_EALREADY if already pending; #AXV_ERANGE for an id out of range;
 *         #AXV_EINVAL for NULL. 0 also when the vGIC's lock was held elsewhere: the level
 *         was then handed to the holder, which applies it before it lets the lock go (so
 *         before any later change made under the lock), and the coalescing is not reported.
 * @note Any context (also an interrupt handler that interrupted a vGIC call or a flush on
 *       this cpu), any cpu; never waits: it takes the vGIC's lock only if it is free.
 *       Changes of one line made in order by one caller are applied in that order; of
 *       several changes handed over while the lock is held, the last one wins (a raise
 *       and a lower in between coalesce, as a pulse shorter than the sampling would).
 */
int axv_vgic_set_spi(struct axv_vgic *g, uint32_t intid, bool level);

/**
 * @brief Make vcpu @p idx's list registers take and end the vGIC's SPIs through the vGIC.
 *
 * With this, #axv_a64_vic_ops marks an SPI active only if it is still pending, enabled and
 * inactive at this vcpu when a list register takes it, under the vGIC's lock (so that a
 * concurrent re-route cannot hand the same SPI to another vcpu as well), and reports the
 * guest's end of an SPI to whichever vcpu holds the SPI's state by then (the route may have
 * moved it away while it was in a list register here, IHI 0069 2.1, 4.1.2).
 *
 * Required for every vcpu of a vGIC that delivers through #axv_a64_vic_ops: without it, an
 * SPI re-routed while in one of its list registers stays active at its new vcpu for good.
 *
 * @param g   the vGIC, after axv_vgic_init()
 * @param idx the vcpu's index in @p g
 * @param v   that vcpu's port context (the `vic_ctx` given to axv_vcpu_create())
 * @return 0; #AXV_EINVAL for NULL or an index out of range (nothing changes)
 * @note Task context, before the vcpu runs (and again after the vcpu is created anew).
 */
int axv_vgic_attach(struct axv_vgic *g, uint32_t idx, struct axv_a64_vcpu *v);

/** @} */

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_AARCH64_H */
