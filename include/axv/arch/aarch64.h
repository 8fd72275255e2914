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

/** @name PSCI (Arm DEN 0022D.b): the function an embedder answers (AFFINITY_INFO, with
 *  axv_a64_psci_affinity_info()), return values (chapter 5, table "Return error codes") and
 *  affinity states. The port handles the other functions itself (its private a64_hw.h).
 * @{ */
#define AXV_PSCI_AFFINITY_INFO_32 0x84000004u  /**< AFFINITY_INFO, SMC32 */
#define AXV_PSCI_AFFINITY_INFO_64 0xc4000004u  /**< AFFINITY_INFO, SMC64 */
#define AXV_PSCI_RET_SUCCESS 0                 /**< SUCCESS */
#define AXV_PSCI_RET_NOT_SUPPORTED (-1)        /**< NOT_SUPPORTED */
#define AXV_PSCI_RET_INVALID_PARAMETERS (-2)   /**< INVALID_PARAMETERS */
#define AXV_PSCI_RET_DENIED (-3)               /**< DENIED */
#define AXV_PSCI_RET_ALREADY_ON (-4)           /**< ALREADY_ON */
#define AXV_PSCI_RET_ON_PENDING (-5)           /**< ON_PENDING */
#define AXV_PSCI_RET_INTERNAL_FAILURE (-6)     /**< INTERNAL_FAILURE */
#define AXV_PSCI_RET_INVALID_ADDRESS (-9)      /**< INVALID_ADDRESS */
#define AXV_PSCI_AFF_ON 0                      /**< AFFINITY_INFO: ON */
#define AXV_PSCI_AFF_OFF 1                     /**< AFFINITY_INFO: OFF */
#define AXV_PSCI_AFF_ON_PENDING 2              /**< AFFINITY_INFO: ON_PENDING */
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
	/** CNTP_CTL_EL0: the guest's EL1 physical timer, the cpu's own (CNTHCTL_EL2.EL1PCEN
	 *  set), so it is switched with the context like the virtual timer */
	uint64_t cntp_ctl_el0;
	uint64_t cntp_cval_el0;  /**< CNTP_CVAL_EL0 (physical count: no offset applies) */
	uint64_t vmpidr_el2;     /**< the MPIDR_EL1 value the guest reads */
};

/** Largest number of hardware breakpoints or watchpoints a context holds (ID_AA64DFR0_EL1.BRPs
 *  and WRPs are 4-bit counts minus one; more than 16 needs FEAT_Debugv8p9 banking). */
#define AXV_A64_MAX_DBG_PAIRS 16u

/**
 * @brief A guest's self-hosted debug state (DDI 0487 chapter D2, "AArch64 Self-hosted Debug";
 *        section numbers here follow issue M).
 *
 * The guest owns its breakpoint and watchpoint registers: while it runs they are in the
 * hardware, and debug exceptions from EL1 and EL0 are taken to the guest's own EL1 (MDCR_EL2.TDE
 * = 0, D2.2 "Routing debug exceptions"). The EL2 runtime loads these values when the context
 * comes onto a cpu and saves them back after every run in which the guest accessed the
 * registers directly, so between runs this copy is current. The OS Lock group (OSLAR_EL1,
 * OSLSR_EL1, OSDLR_EL1, DBGPRCR_EL1) stays trapped (MDCR_EL2.TDOSA) and is emulated, and so are
 * all debug registers while the guest's OS Lock is locked: axv_a64_debug_trap(). Code that
 * changes this state sets axv_a64_ctx::el1_dirty to #AXV_A64_EL1_DIRTY_ALL.
 */
struct axv_a64_debug {
	uint64_t bvr[AXV_A64_MAX_DBG_PAIRS]; /**< DBGBVR\<n\>_EL1: breakpoint values */
	uint64_t bcr[AXV_A64_MAX_DBG_PAIRS]; /**< DBGBCR\<n\>_EL1: breakpoint controls */
	uint64_t wvr[AXV_A64_MAX_DBG_PAIRS]; /**< DBGWVR\<n\>_EL1: watchpoint values */
	uint64_t wcr[AXV_A64_MAX_DBG_PAIRS]; /**< DBGWCR\<n\>_EL1: watchpoint controls */
	uint64_t mdscr_el1;   /**< MDSCR_EL1: SS [0], KDE [13], MDE [15], ... */
	uint64_t mdccint_el1; /**< MDCCINT_EL1: DCC interrupt enables */
	uint32_t oslk;        /**< OSLSR_EL1.OSLK: 1 = OS Lock locked (its cold reset value) */
	uint32_t osdlr;       /**< OSDLR_EL1: DLK [0], the OS Double Lock */
	uint32_t dbgprcr;     /**< DBGPRCR_EL1: CORENPDRQ [0] */
	/** The guest may have changed the registers in the hardware during the current run
	 *  (MDCR_EL2.TDA was clear; never while locked); the run saves them and clears this
	 *  (private). */
	uint32_t live;
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
	/** Debug registers and OS Lock; loaded with @ref el1 (#AXV_A64_EL1_DIRTY_ALL covers it). */
	struct axv_a64_debug dbg;
	/** Non-NULL while the cpu that ran this context last holds newer values of @ref el1,
	 *  @ref fpsimd, @ref fpsr and @ref fpcr than the context: the EL2 runtime's write-back,
	 *  called by axv_a64_ctx_sync() (private; the lazy world switch). */
	void (*hw_sync)(struct axv_a64_ctx *c);
};

/** axv_a64_ctx::el1_dirty: ESR_EL1, FAR_EL1, ELR_EL1 and SPSR_EL1 changed (an injected exception). */
#define AXV_A64_EL1_DIRTY_EXC 1u
/** axv_a64_ctx::el1_dirty: any EL1 register may have changed. */
#define AXV_A64_EL1_DIRTY_ALL 2u

/**
 * @brief Make a context's copies of the guest's EL1 system registers and FP/SIMD state
 *        current (the lazy world switch).
 *
 * After an exit axv_a64_run() leaves the guest's EL1 system registers and FP/SIMD registers
 * in the cpu and saves them only when they are needed: when another context runs on the
 * cpu, when the vcpu is unbound (axv_vcpu_unbind()), when the cpu is disabled, or when
 * code reads them here. Between two runs, `c->x`, `pc`, `pstate`, the syndrome, `dbg` and
 * the timers' control registers (`el1.cntv_ctl_el0`, `el1.cntp_ctl_el0`: the timer lines)
 * are always current; every other member of `c->el1`, `fpsimd`, `fpsr` and `fpcr` only
 * after this call. Code that reads them (axv_a64_inject_dabt() and axv_a64_inject_iabt()
 * call it themselves) or changes some of them (then setting `el1_dirty`) calls this first.
 * Code that replaces the whole EL1 and FP/SIMD state (a reset: axv_a64_ctx_init(), or a
 * PSCI CPU_ON setting `el1.sctlr_el1` and #AXV_A64_EL1_DIRTY_ALL on an unbound vcpu) need
 * not: #AXV_A64_EL1_DIRTY_ALL makes the context's copies the ones the next run loads.
 *
 * Host code between runs must not use the FP/SIMD registers (the library and the examples
 * are built with -mgeneral-regs-only): they hold the guest's values until the context is
 * synced or leaves the cpu, as KVM/arm64 keeps a guest's FP state loaded across exits.
 *
 * @param c the context; NULL, or a context the hardware holds nothing newer of, is a no-op
 * @note On the cpu that ran the context last, between runs (the vcpu's owner, like every
 *       exit handler). Plain C: where no EL2 runtime ran the context it does nothing.
 */
void axv_a64_ctx_sync(struct axv_a64_ctx *c);

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
 * PSCI ids, and calls whose arguments DEN 0022 makes invalid on any machine: reserved
 * power_state bits, non-affinity bits in a CPU_ON or AFFINITY_INFO target, an affinity level
 * above 3) are answered in place: x0 is set, the pc advanced and the exit is
 * #AXV_EXIT_NOTHING. CPU_ON, CPU_OFF, SYSTEM_OFF, SYSTEM_RESET become #AXV_EXIT_CPU_UP,
 * #AXV_EXIT_CPU_DOWN, #AXV_EXIT_SYSTEM_DOWN, #AXV_EXIT_SYSTEM_RESET; CPU_SUSPEND returns
 * SUCCESS and becomes #AXV_EXIT_HALT with the pc already past the call (as for WFI);
 * AFFINITY_INFO is passed on as a hypercall with `nr` = the function id and the target and
 * level in `args[0]`, `args[1]` (the embedder knows the vcpu states; struct axv_a64_psci
 * answers CPU_ON and AFFINITY_INFO for it). Other HVCs and SMCs are
 * hypercalls. Data aborts with a valid syndrome become MMIO exits (axv_vcpu_resolve() first
 * offers the address to the address space, for lazily backed RAM); data aborts
 * without one, and instruction aborts, become nested page faults (instruction aborts with
 * #AXV_NPF_FETCH, so an embedder that finds nothing there injects the right abort:
 * axv_a64_inject_iabt() or axv_a64_inject_dabt()); WFI becomes
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
 * @brief Inject a synchronous external data abort into the guest at EL1, as the hardware
 *        takes one (DDI 0487 D1.10.1 "Exception entry").
 *
 * For a data access to an address nothing backs (an MMIO exit no device claims, a nested
 * page fault outside every area) that was not an instruction fetch (#AXV_NPF_FETCH clear).
 * The guest's pc must be the faulting instruction (as the exit leaves it). Sets:
 * - ESR_EL1: EC 0x25 from EL1, 0x24 from EL0; IL = 1; ISS = WnR (@p write) | DFSC 0b010000
 *   (synchronous external abort, not on a table walk); ISV, FnV, EA, CM, S1PTW = 0
 *   (D17.2.36, "ISS encoding for an exception from a Data Abort");
 * - FAR_EL1 = @p far; ELR_EL1 = the pc; SPSR_EL1 = PSTATE;
 * - PSTATE: EL1h, D, A, I, F set; NZCV, DIT kept; PAN kept, set if SCTLR_EL1.SPAN = 0;
 *   SSBS = SCTLR_EL1.DSSBS; everything else (UAO, SS, IL, BTYPE, TCO, ALLINT) 0;
 * - pc = VBAR_EL1 + 0x000 (EL1t), 0x200 (EL1h), 0x400 (EL0, AArch64), 0x600 (EL0, AArch32)
 *   (D1.10.2 "Exception vectors").
 *
 * @param c     the guest's context, after the exit
 * @param far   the faulting virtual address (FAR_EL2 of the exit: `c->far`)
 * @param write the access was a write (a nested page fault with #AXV_MAP_WRITE, an MMIO write)
 * @return 0; #AXV_EINVAL for a NULL @p c or a PSTATE that is not AArch64 EL0/EL1 or AArch32
 *         User mode (nothing is changed)
 * @note Any context; plain C.
 */
int axv_a64_inject_dabt(struct axv_a64_ctx *c, uint64_t far, bool write);

/**
 * @brief Move the guest past an instruction the host completed on its behalf (an emulated
 *        MMIO or system register access, a trapped WFI or SMC).
 *
 * Adds @p len to the pc and, when @p len is not 0, clears PSTATE.SS: for a guest that is
 * single-stepping, the instruction was executed without an exception, so software step
 * advances to the active-pending state and the guest takes its Software Step exception before
 * the next instruction (DDI 0487 D2.11.5 "Behavior in the active-not-pending state"). A trap
 * to EL2 itself records SPSR_EL2.SS = 1 for the not yet executed instruction (table D2-21);
 * without this the guest would step over two instructions. @p len 0 (an HVC, whose exception
 * already completed the step, or an access to retry) leaves PSTATE alone.
 *
 * @param c   the guest's context
 * @param len bytes to advance: 4, 2, or 0
 * @return 0, or #AXV_EINVAL for a NULL @p c
 * @note Any context; plain C.
 */
int axv_a64_advance_pc(struct axv_a64_ctx *c, unsigned len);

/**
 * @brief The exit target (struct axv_exit_target) over a bare context, for completions
 *        without a vcpu (the port's own fast path, tests, fuzzers): axv_exit_complete() then
 *        writes @p c's registers (axv_a64_set_reg(), read-back by axv_a64_get_reg()) and pc
 *        (axv_a64_advance_pc()).
 * @param c the guest's context (caller-owned; the target keeps the pointer)
 * @return the target; its callbacks return #AXV_EINVAL for a NULL @p c
 * @note Any context; plain C.
 */
struct axv_exit_target axv_a64_ctx_target(struct axv_a64_ctx *c);

/**
 * @brief Handle a guest's trapped access to a debug system register (EC 0x18, op0 = 2).
 *
 * axv_a64_run() calls this for every EC 0x18 exit and re-enters the guest when it returns 0,
 * so an embedder never sees these accesses:
 *  - OSLAR_EL1 writes set the OS Lock to bit 0 of the value; OSLSR_EL1 reads return
 *    OSLM = 0b10 (OS Lock implemented) with OSLK; OSDLR_EL1 and DBGPRCR_EL1 read back bit 0
 *    as written (the other bits are RES0); MDRAR_EL1 reads 0 (ROM table address not valid). The
 *    instruction is then stepped over with axv_a64_advance_pc().
 *  - Any other debug register (breakpoints, watchpoints, MDSCR_EL1, the DCC, claim tags, ...)
 *    was trapped by MDCR_EL2.TDA. While the guest is unlocked (axv_a64_debug_os_locked()
 *    false) that is only because it had not touched them yet in this run: the context
 *    becomes `live` (the next entry clears TDA) and the same instruction runs again, now on
 *    the hardware registers the context loaded; a second such trap within one live run is not
 *    the library's and is refused. While the guest is locked every access traps and is
 *    emulated on `dbg`: DBGBVR/DBGBCR/DBGWVR/DBGWCR\<n\>_EL1, MDSCR_EL1 and MDCCINT_EL1 read
 *    back what was written (software saves and restores them under the OS Lock, D2.4); the
 *    DCC registers, OSECCR_EL1 and the claim tags read as zero and ignore writes; others
 *    (DBGAUTHSTATUS_EL1) are refused.
 *
 * @param c a context after an exit (its `trap`, `esr`, `pc`, `x`)
 * @return 0 when handled (registers, pc and `dbg` updated as described); #AXV_ENOENT when the
 *         exit is not such an access, is one the architecture does not define (an MRS of
 *         OSLAR_EL1, an MSR of OSLSR_EL1 or MDRAR_EL1) or one refused above: @p c is
 *         unchanged and the exit is decoded as a system register access for the embedder;
 *         #AXV_EINVAL for a NULL @p c
 * @note Any context; plain C; the syndrome and registers are treated as hostile input.
 */
int axv_a64_debug_trap(struct axv_a64_ctx *c);

/**
 * @brief Whether debug exceptions other than BRK are disabled for the guest by its OS Lock
 *        or OS Double Lock (DDI 0487 D2.4, "The effect of powerdown on debug exceptions").
 *
 * True when OSLSR_EL1.OSLK is 1 or DoubleLockStatus() is true, that is OSDLR_EL1.DLK is 1 and
 * DBGPRCR_EL1.CORENPDRQ is 0 (pseudocode J1.3.1, DoubleLockStatus()). Both locks disable the
 * same debug exceptions and keep an exception return from setting PSTATE.SS (table D2-18).
 * The guest's locks are not the hardware's (which the host keeps unlocked): their effect is
 * emulated through the MDSCR_EL1 value the cpu holds, axv_a64_debug_hw_mdscr().
 *
 * @param d the guest's debug state
 * @return true when locked; false for a NULL @p d
 * @note Any context; pure function.
 */
bool axv_a64_debug_os_locked(const struct axv_a64_debug *d);

/**
 * @brief The MDSCR_EL1 value the cpu holds while the guest runs.
 *
 * The guest's MDSCR_EL1, except that while its OS Lock or OS Double Lock is locked KDE, MDE
 * and SS are clear: that disables breakpoint, watchpoint and software step exceptions from
 * EL1 and EL0 and keeps PSTATE.SS at 0, which is what the locks do (D2.3, D2.4, table
 * D2-18); BRK is unaffected either way. The guest cannot read this value: while it is locked
 * MDSCR_EL1 accesses trap (axv_a64_debug_trap()) and read back its own.
 *
 * @param d the guest's debug state
 * @return the value; 0 for a NULL @p d
 * @note Any context; pure function.
 */
uint64_t axv_a64_debug_hw_mdscr(const struct axv_a64_debug *d);

/**
 * @brief Inject a synchronous external instruction abort into the guest at EL1, as the
 *        hardware takes one (DDI 0487 D1.10.1).
 *
 * For an instruction fetch from an address nothing backs (a nested page fault with
 * #AXV_NPF_FETCH). As axv_a64_inject_dabt(), but ESR_EL1 has EC 0x21 from EL1, 0x20 from EL0,
 * IL = 1 and ISS = IFSC 0b010000 (D17.2.36, "ISS encoding for an exception from an
 * Instruction Abort"); ELR_EL1 and FAR_EL1 both name the instruction that could not be
 * fetched.
 *
 * @param c   the guest's context, after the exit (its pc is the address fetched)
 * @param far the faulting virtual address (`c->far`)
 * @return 0; #AXV_EINVAL for a NULL @p c or a PSTATE that is not AArch64 EL0/EL1 or AArch32
 *         User mode (nothing is changed)
 * @note Any context; plain C.
 */
int axv_a64_inject_iabt(struct axv_a64_ctx *c, uint64_t far);

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

/** @name PSCI power states of one guest's vcpus (DEN 0022D.b 5.6 CPU_ON, 5.7 AFFINITY_INFO)
 *
 * The answers to CPU_ON and AFFINITY_INFO depend on the whole guest: which vcpus exist (by
 * MPIDR affinity), which are on, and what memory an entry point may be in. A
 * `struct axv_a64_psci` holds the vcpus' affinities and power states (atomics: every vcpu's
 * cpu may call it at once) and asks the embedder about memory through a callback: the port
 * knows no address space, and the embedder knows what its guest may execute (RAM, not
 * devices, not non-executable or not-yet-mapped regions: whatever its memory map says).
 *
 * Use: axv_a64_psci_init() with the vcpus' MPIDRs (all OFF), axv_a64_psci_power_on() for the
 * boot vcpu; on #AXV_EXIT_CPU_UP call axv_a64_psci_cpu_on() and, on SUCCESS, prepare the
 * target and axv_a64_psci_power_on() it; answer the AFFINITY_INFO hypercall with
 * axv_a64_psci_affinity_info(); on #AXV_EXIT_CPU_DOWN, axv_a64_psci_power_off() the vcpu once
 * it no longer runs.
 * @{ */

/** Largest number of vcpus a `struct axv_a64_psci` tracks. */
#define AXV_A64_PSCI_MAX_VCPUS 8u

/**
 * @brief May a vcpu start executing at this guest address? The embedder's answer for CPU_ON.
 * @param ctx   the context given to axv_a64_psci_init()
 * @param entry the entry point address the guest asked for
 * @return true when @p entry is guest memory the guest may execute
 * @note Called on the cpu of the vcpu that made the call, possibly on several at once.
 */
typedef bool (*axv_a64_psci_entry_fn)(void *ctx, axv_gpa_t entry);

/** @brief The PSCI view of one guest's vcpus. Caller-owned; members are private. */
struct axv_a64_psci {
	uint32_t nr;                                    /**< vcpus (private) */
	uint64_t mpidr[AXV_A64_PSCI_MAX_VCPUS];         /**< their affinities (private) */
	_Atomic uint32_t state[AXV_A64_PSCI_MAX_VCPUS]; /**< `AXV_PSCI_AFF_*` (private) */
	axv_a64_psci_entry_fn entry_ok;                 /**< memory check (private) */
	void *entry_ctx;                                /**< its context (private) */
};

/**
 * @brief Set up the PSCI view of @p nr vcpus, all OFF.
 * @param p        caller-owned storage
 * @param mpidrs   each vcpu's MPIDR affinity (Aff3 [39:32], Aff2-Aff0 [23:0]); index = the
 *                 index the other calls use; no two alike, no bit outside
 *                 #AXV_A64_MPIDR_AFF_MASK
 * @param nr       1 to #AXV_A64_PSCI_MAX_VCPUS
 * @param entry_ok the embedder's memory check for CPU_ON entry points (required: a vcpu
 *                 started where nothing executable is would take aborts for ever)
 * @param ctx      its context
 * @return 0; #AXV_EINVAL for NULL arguments, a count out of range, an MPIDR with
 *         non-affinity bits or a duplicate (@p p untouched)
 * @note Task context, before the vcpus run.
 */
int axv_a64_psci_init(struct axv_a64_psci *p, const uint64_t *mpidrs, uint32_t nr,
		      axv_a64_psci_entry_fn entry_ok, void *ctx);

/**
 * @brief Answer a PSCI CPU_ON (an #AXV_EXIT_CPU_UP exit), DEN 0022D.b 5.6.
 *
 * In the order of the specification's checks: INVALID_PARAMETERS when no vcpu has the
 * target's affinity; INVALID_ADDRESS when the embedder says the entry point is not
 * executable guest memory (5.6.2: "known to be invalid"); ALREADY_ON when the target is on,
 * ON_PENDING when an earlier CPU_ON of it is still being carried out; else SUCCESS, with the
 * target now ON_PENDING (atomically: of two racing CPU_ONs one wins, the other gets
 * ON_PENDING or ALREADY_ON).
 *
 * @param p   the PSCI view
 * @param e   the exit (`cpu_up.target`, `cpu_up.entry`)
 * @param[out] idx on SUCCESS, the index of the vcpu to start: give it `cpu_up.entry` and
 *            `cpu_up.arg` (x0), reset it as CPU_ON specifies (5.6: EL1h, MMU and caches off),
 *            then axv_a64_psci_power_on() it
 * @return a PSCI return value for the caller's x0; #AXV_PSCI_RET_INVALID_PARAMETERS also for
 *         NULL arguments or an exit that is not #AXV_EXIT_CPU_UP
 * @note Any context, any cpu; lock-free.
 */
int64_t axv_a64_psci_cpu_on(struct axv_a64_psci *p, const struct axv_exit *e, uint32_t *idx);

/**
 * @brief Answer a PSCI AFFINITY_INFO, DEN 0022D.b 5.7.
 *
 * The node is every vcpu whose affinity fields at @p level and above equal the target's
 * (the fields below @p level are ignored). INVALID_PARAMETERS for a level above 3, a target
 * with bits outside the affinity fields, or a node with no vcpu (a level or an affinity the
 * guest's topology does not have); else ON if a vcpu of the node is on, ON_PENDING if none
 * is but one is being started, OFF otherwise.
 *
 * @param p      the PSCI view
 * @param target target_affinity (`hypercall.args[0]`)
 * @param level  lowest_affinity_level (`hypercall.args[1]`)
 * @return the PSCI return value for the caller's x0
 * @note Any context, any cpu; lock-free.
 */
int64_t axv_a64_psci_affinity_info(const struct axv_a64_psci *p, uint64_t target,
				   uint64_t level);

/**
 * @brief Mark vcpu @p idx ON: the boot vcpu before it first runs, a CPU_ON target once it
 *        is ready to run.
 * @param p   the PSCI view
 * @param idx the vcpu's index
 * @return 0; #AXV_EINVAL for a NULL @p p or an index out of range
 * @note Any context, any cpu.
 */
int axv_a64_psci_power_on(struct axv_a64_psci *p, uint32_t idx);

/**
 * @brief Mark vcpu @p idx OFF, after its CPU_OFF (#AXV_EXIT_CPU_DOWN), once it no longer runs
 *        (a CPU_ON may start it again from then on).
 * @param p   the PSCI view
 * @param idx the vcpu's index
 * @return 0; #AXV_EINVAL for a NULL @p p or an index out of range
 * @note Any context, any cpu.
 */
int axv_a64_psci_power_off(struct axv_a64_psci *p, uint32_t idx);

/**
 * @brief The PSCI state of vcpu @p idx.
 * @param p   the PSCI view
 * @param idx the vcpu's index
 * @return #AXV_PSCI_AFF_ON, #AXV_PSCI_AFF_OFF or #AXV_PSCI_AFF_ON_PENDING;
 *         #AXV_PSCI_AFF_OFF for a NULL @p p or an index out of range
 * @note Any context, any cpu.
 */
uint32_t axv_a64_psci_state(const struct axv_a64_psci *p, uint32_t idx);
/** @} */

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

struct axv_a64_vcpu;

/** Slots of struct axv_a64_cpu::s1_last: VMIDs whose last context on the cpu is known. */
#define AXV_A64_S1_LAST 8

/**
 * @brief The context of a VMID that ran last on a cpu (struct axv_a64_cpu::s1_last).
 *        Private to the port.
 */
struct axv_a64_s1_last {
	const struct axv_a64_ctx *ctx; /**< that context, or NULL: unknown */
	uint16_t vmid;                 /**< its VMID (VTTBR_EL2 [63:48]) */
};

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
	uint32_t nr_brps;                 /**< hardware breakpoints (ID_AA64DFR0_EL1.BRPs + 1) */
	uint32_t nr_wrps;                 /**< hardware watchpoints (ID_AA64DFR0_EL1.WRPs + 1) */
	uint64_t mdcr_guest;              /**< MDCR_EL2 for a guest, TDA aside (private) */
	uint64_t mdcr_cur;                /**< MDCR_EL2 as programmed (private) */
	/** ICH_HCR_EL2 as last written, EOIcount aside (private; it is written only when the
	 *  value changes: the list-register controller asks for En at every exit) */
	uint64_t ich_hcr_cur;
	/** The run's vector hook while a run with one is in progress, else NULL (private: the
	 *  vector table calls it for a synchronous exit before leaving the guest's frame; it
	 *  returns 1 to enter the guest again from there) */
	uint64_t (*vec_hook)(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c);
	void *vec_arg;     /**< the run's hook argument (private) */
	/** What @ref vec_hook decided when it did not re-enter the guest itself, for the run
	 *  loop: 0 none, 1 completed (enter again), 2 leave (private) */
	uint32_t vec_held;
	/** The vcpu whose GICv3 virtual CPU interface (list registers, ICH_VMCR_EL2, active
	 *  priorities, ICH_HCR_EL2) the cpu holds, or NULL (private: switched when another
	 *  vcpu's list registers are first touched on this cpu) */
	struct axv_a64_vcpu *gic_owner;
	/** By VMID modulo #AXV_A64_S1_LAST, the context of that VMID that ran here last
	 *  (private: another context of the VMID flushes the cpu's stage-1 TLB entries of the
	 *  VMID before it runs, as KVM's last_vcpu_ran) */
	struct axv_a64_s1_last s1_last[AXV_A64_S1_LAST];
};

/**
 * @brief Enable this cpu for guests (EL2 only): VBAR_EL2, TPIDR_EL2, HCR_EL2 (host value),
 *        CPTR_EL2 (no FP/SIMD trap), CNTHCTL_EL2 (EL1 physical timer/counter access),
 *        MDCR_EL2, VTCR_EL2, ICC_SRE_EL2 (system register GIC interface, EL1 may use it) and
 *        ICH_HCR_EL2.En.
 *
 * MDCR_EL2 (DDI 0487, register description "MDCR_EL2"): HPMN = PMCR_EL0.N (every event
 * counter is the guest's; TPM and TPMCR clear, PMU accesses not trapped); TDE clear, so
 * debug exceptions from EL1 and EL0 go to the guest's EL1 (D2.2); TDOSA and TDRA set, so the
 * OS Lock registers and MDRAR_EL1 trap and are emulated (axv_a64_debug_trap()); TDA set
 * while the guest has not touched its breakpoint and watchpoint registers in the current run
 * or is OS-locked, clear once it has (see axv_a64_run()). The cpu's own OS Lock and OS Double
 * Lock are unlocked (OSLAR_EL1 and OSDLR_EL1 written with 0: the OS Lock resets locked), as
 * the guest's locks are emulated. It also reads the number of breakpoints and watchpoints
 * from ID_AA64DFR0_EL1 (BRPs [15:12], WRPs [23:20]).
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
 * Makes the cpu hold the context's EL1 system registers, debug registers (`dbg`, MDSCR_EL1 as
 * axv_a64_debug_hw_mdscr() says), CNTVOFF_EL2, VTTBR_EL2, HCR_EL2 and VMPIDR_EL2 and its
 * FP/SIMD state, enters the guest, and on exit records the general registers, the trap kind,
 * the syndrome and the timers' control registers in the context. The EL1 system registers
 * and FP/SIMD registers stay in the cpu and are saved lazily (axv_a64_ctx_sync()): when
 * another context runs here (its predecessor is synced first), at unbind, or when code
 * asks; the same context run again with `el1_dirty` clear costs no EL1 or FP/SIMD switch
 * at all. Decode the exit with axv_a64_decode_exit().
 *
 * Debug register accesses the library handles never leave this function: an access trapped
 * by MDCR_EL2.TDOSA or TDRA is emulated, one trapped by TDA hands the registers to the guest
 * for the rest of the run or, while the guest is OS-locked, is emulated
 * (axv_a64_debug_trap()); the guest is re-entered at once. When the guest locks, registers it
 * had are read back first; when it unlocks, `dbg` is loaded. After a run in which the guest
 * had its debug registers, they are read back into `dbg`, and the next run traps the first
 * access again. The host never uses the debug hardware itself (with TDE clear, breakpoints,
 * watchpoints and software step are disabled at EL2, D2.3.1), so a context's registers stay
 * loaded between its runs and are switched only when another context runs on the cpu.
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

/**
 * @brief Change a context's virtual counter offset (axv_a64_ctx::cntvoff, CNTVOFF_EL2)
 *        between its runs, in force at once for its virtual timer.
 *
 * The guest's virtual counter is CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF_EL2 (DDI 0487 D11.2.4), and
 * its virtual timer fires when CNTVCT_EL0 reaches CNTV_CVAL_EL0. A context's timer registers
 * stay in the cpu between its runs (the lazy switch), where the timer compares against the
 * offset last written; setting axv_a64_ctx::cntvoff alone takes effect only at the next entry,
 * so meanwhile the timer of a context the cpu holds fires at the old offset's deadline (early
 * by the change, when the offset grew: a vcpu blocked in WFI would be woken before its time).
 * This sets the field and, when @p cpu is this cpu's state and @p c the context whose
 * registers it holds, writes CNTVOFF_EL2 as well (another cpu's register is written by that
 * cpu's next run of @p c). A timer interrupt already injected is not withdrawn before the
 * context's next exit. An embedder that stops a guest's virtual time while it is paused (as
 * QEMU does for KVM guests) adds the pause's length with it.
 * @param cpu this cpu's state (NULL: the field only)
 * @param c   the context
 * @param off the new offset
 * @note EL2, on the cpu that ran @p c last, between its runs (the vcpu's owner). Every vcpu
 *       of one guest should have the same offset: the architecture gives all PEs one
 *       counter.
 */
void axv_a64_set_cntvoff(struct axv_a64_cpu *cpu, struct axv_a64_ctx *c, uint64_t off);

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
 * @param v the value, in the ICH_LR<n>_EL2 layout (IHI 0069 12.4.6)
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
 *
 * Skipped when the cpu already holds @p v (as last written here, by per-cpu enable or by
 * axv_a64_gic_maintenance()): the hardware changes only EOIcount [31:27] by itself (IHI 0069
 * 12.4.4), which nothing here uses (LRENPIE stays 0), and under emulation each write with
 * its ISB is a costly step of every exit.
 * @param v the value
 */
void axv_a64_gic_write_hcr(uint64_t v);
/**
 * @brief Quiet the GIC maintenance interrupt (INTID 25) after taking it: its conditions are
 *        levels. Underflow (ICH_HCR_EL2.UIE) is turned off here and re-armed by the
 *        list-register controller at the next guest entry if interrupts are still queued;
 *        an EOI maintenance request (ICH_EISR_EL2) ends when the controller clears the list
 *        register the guest ended, which it does at every exit (#axv_a64_vic_ops). Call it
 *        before deactivating INTID 25.
 */
void axv_a64_gic_maintenance(void);
/** The GIC maintenance interrupt's INTID (a PPI; the DTB's "interrupts = <1 9 4>"). */
#define AXV_A64_GIC_MAINT_INTID 25u
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
	/** Bit n (n < 32): virtual INTID n is the physical INTID n (27, the virtual timer; 30,
	 *  the EL1 physical timer): its list register gets the HW bit, so the guest's EOI
	 *  deactivates the physical one. The embedder injects it after taking the physical
	 *  interrupt with a priority drop only (EOImode 1), leaving it active. For 27 and 30 the
	 *  port knows the line: at every exit it reads the timer's CNTx_CTL_EL0 from the context,
	 *  and an instance the guest has not acknowledged while the timer no longer asserts its
	 *  output (disabled, IMASK, or the compare value ahead) is withdrawn and the physical
	 *  interrupt deactivated, so that the timer can signal again (IHI 0069 4.1.2: a
	 *  level-sensitive interrupt is pending while asserted). */
	uint32_t hw_ppis;
};

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
	/**
	 * @brief Deactivate physical interrupt @p pintid (ICC_DIR_EL1): a hardware-linked
	 *        interrupt withdrawn before the guest acknowledged it (optional).
	 * @param ctx    the context
	 * @param pintid the physical INTID
	 */
	void (*deactivate)(void *ctx, uint32_t pintid);
};

/** @brief The list registers a vcpu delivers into (set by bind on aarch64). */
struct axv_a64_lr {
	const struct axv_a64_lr_ops *ops; /**< how to reach them, or NULL while unbound */
	void *ctx;                        /**< the ops' context */
	uint32_t nr;                      /**< how many there are (at most 16) */
};

struct axv_vgic;

/**
 * @brief A vcpu's GICv3 virtual CPU interface while another vcpu has the cpu's (IHI 0069
 *        12.4: ICH_LR<n>_EL2, ICH_VMCR_EL2, ICH_AP0R<n>_EL2, ICH_AP1R<n>_EL2, ICH_HCR_EL2).
 *        Private to the port.
 */
struct axv_a64_gic_if {
	uint64_t lr[16];   /**< ICH_LR<n>_EL2 */
	uint64_t vmcr;     /**< ICH_VMCR_EL2: the guest's priority mask, group enables, BPRs */
	uint64_t hcr;      /**< ICH_HCR_EL2 (En added on load) */
	uint32_t ap0r[4];  /**< ICH_AP0R<n>_EL2: active priorities, Group 0 */
	uint32_t ap1r[4];  /**< ICH_AP1R<n>_EL2: active priorities, Group 1 */
};

/** @brief An aarch64 vcpu: the port context that `axv_a64_vcpu_ops` works on. Caller-owned. */
struct axv_a64_vcpu {
	struct axv_a64_ctx ctx;   /**< the guest's registers */
	struct axv_a64_cpu *cpu;  /**< the physical cpu it is bound to, or NULL */
	uint32_t id;              /**< vcpu id */
	uint32_t hw_ppis;         /**< see axv_a64_vcpu_config::hw_ppis */
	uint16_t vmid;            /**< VMID */
	axv_hpa_t root;           /**< stage-2 root */
	uint32_t lr_id[16];       /**< vINTID held by each list register, or #AXV_A64_LR_FREE */
	uint32_t lr_busy;         /**< bit n: lr_id[n] holds an interrupt (private, lr.c) */
	struct axv_a64_lr lr;     /**< the list registers it delivers into */
	struct axv_vgic *gic;     /**< the vGIC its SPIs go through (axv_vgic_attach()), or NULL */
	uint32_t gic_idx;         /**< its index in that vGIC */
	/** Its virtual CPU interface while the cpu holds another vcpu's (private) */
	struct axv_a64_gic_if gic_if;
};

/**
 * @brief Does a list register of this vcpu hold an interrupt the guest has not taken yet?
 *
 * Such an interrupt is a wake-up event (DDI 0487, "Wait for Interrupt": a virtual interrupt
 * pending at the CPU interface ends a WFI). The core's halt logic sees only the interrupts
 * still queued in its `struct axv_virq`, so the port's run turns a halt (a WFI that trapped
 * anyway, a PSCI CPU_SUSPEND) into #AXV_EXIT_NOTHING while one is pending here, rather than
 * block on an interrupt that has already been delivered.
 *
 * @param v the vcpu, bound (its list-register ops set); NULL or unbound: false
 * @return true when a list register it occupies is in the pending state
 * @note The cpu the vcpu is bound to, after its run returned (reads the list registers).
 */
bool axv_a64_lr_pending(const struct axv_a64_vcpu *v);

/** The vcpu ops of this port; the port context is a `struct axv_a64_vcpu`. */
extern const struct axv_vcpu_ops axv_a64_vcpu_ops;
/**
 * @brief The GICv3 list-register interrupt controller; its context is the
 *        `struct axv_a64_vcpu`.
 *
 * deliver writes an interrupt into a free list register as pending (ICH_LR<n>_EL2, IHI 0069
 * 12.4.6), with the HW bit for #axv_a64_vcpu_config::hw_ppis and, for an SPI of an attached
 * vGIC, the EOI bit; when none is free it asks for the underflow maintenance interrupt
 * (ICH_HCR_EL2.UIE). The guest then moves each list register on by itself; on_exit, called
 * by axv_vcpu_run() after every exit, reads every occupied one back (State) and makes the
 * core's `struct axv_virq` the architecture's again:
 *  - inactive (the guest ended it): ended; the list register is cleared (which also ends an
 *    EOI maintenance request, ICH_EISR_EL2);
 *  - pending (never acknowledged): taken out of the list register, pending again and not
 *    active (dropped if it was withdrawn meanwhile, and for a hardware-linked timer PPI whose
 *    timer no longer asserts its output, with the physical PPI deactivated); the next entry
 *    delivers it again. An interrupt thus never counts as active at a vcpu that has not
 *    taken it, even if that vcpu never runs again, and an SPI follows its current route;
 *  - active: stays; pending and active: stays active, its new instance pending in the core.
 *
 * sync, at the start of each flush, puts an SGI or PPI pended again while its last instance
 * is active in a list register into that list register as pending and active: the GIC
 * gives it to the guest at the guest's EOI, without an exit (4.1.2; software interrupts only:
 * for HW = 1 the pending and active state is the physical Distributor's). An SPI instead
 * makes its EOI known at once through the EOI maintenance interrupt (INTID 25: ICH_MISR_EL2.EOI,
 * ICH_EISR_EL2 names the list register; the embedder takes it and the exit does the rest),
 * since its active state is the Distributor's and another vcpu (after a re-route), a
 * level-sensitive line still high (pending again at the end) or a new instance may wait for
 * it. SGIs and PPIs ask for no maintenance interrupt: nothing waits on their end that is not
 * already in the list register.
 */
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
 * reaches it where it now is, through axv_vgic_attach(). One that was in the old vcpu's
 * list register but never acknowledged goes back, pending, to where the route points at
 * that vcpu's next exit.
 *
 * Trigger modes (GICD_ICFGR) count: a level-sensitive SPI whose device line
 * (axv_vgic_set_spi()) is still high when the guest ends it is pending again (4.1.2), and
 * GICD_ICPENDR does not clear it while the line stays high (the register's description).
 * A lowered line, GICD_ICPENDR otherwise and GICD_CLRSPI_NSR withdraw a pending SPI, also
 * one a list register holds that the guest has not acknowledged. The pending and active registers
 * (GICD_ISPENDR/ISACTIVER and the redistributors' GICR_ISPENDR0/ISACTIVER0) read the
 * state: an interrupt in a list register that the guest has not acknowledged is pending, not
 * active; one it acknowledged is active (and pending too if a new instance waits); a timer
 * PPI (#axv_a64_vcpu_config::hw_ppis) is pending while its timer asserts its output. For a
 * vcpu's own registers read in its exit that is exact; from another vcpu it is as of that
 * vcpu's last exit.
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
	/** SGIs/PPIs put into the vcpu's list registers as pending and not yet seen
	 *  acknowledged there (private) */
	_Atomic uint32_t lr_unacked;
	/** SGIs/PPIs with a pending instance in the vcpu's list registers, not withdrawn
	 *  (private) */
	_Atomic uint32_t lr_pending;
	/** Timer PPIs whose output was asserted at the vcpu's last exit (private) */
	_Atomic uint32_t ppi_level;
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
	uint32_t line_hi[AXV_VGIC_MAX_SPIS / 32];        /**< device line levels (private) */
	/** SPIs in a list register as pending, not yet seen acknowledged (private) */
	_Atomic uint32_t lr_unacked[AXV_VGIC_MAX_SPIS / 32];
	/** SPIs with a pending instance in a list register, not withdrawn (private) */
	_Atomic uint32_t lr_pending[AXV_VGIC_MAX_SPIS / 32];
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
 * @param level line level, kept for level-sensitive SPIs (pending again at the guest's
 *              end while high): true pends it at its target vcpu (waking or kicking it);
 *              false withdraws it if still pending (also from a list register whose guest
 *              has not acknowledged it: dropped at that vcpu's next exit)
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
 * moved it away while it was in a list register here, IHI 0069 2.1, 4.1.2), as it does an
 * SPI this vcpu exited with and never acknowledged. It also lets the distributor's and
 * redistributors' pending and active registers see what this vcpu's list registers hold.
 *
 * Required for every vcpu of a vGIC that delivers through #axv_a64_vic_ops: without it, an
 * SPI re-routed while in one of its list registers stays active at its new vcpu for good.
 *
 * The fast path: while the vcpu has one (axv_vcpu_set_fast_bus(),
 * axv_vcpu_set_fast_hypercalls()), its writes of ICC_SGI1R_EL1, ICC_ASGI1R_EL1 and
 * ICC_SGI0R_EL1 are sent by this vGIC (axv_vgic_send_sgi() with this @p idx as the sender)
 * inside the port's run and never reach the embedder (counted by axv_vcpu_fast_exits() as
 * #AXV_EXIT_SYSREG_WRITE). Without a fast path they are #AXV_EXIT_SYSREG_WRITE exits for
 * the embedder, as before.
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
