/**
 * @file arch/loongarch64.h
 * @brief The loongarch64 port (LVZ virtualization extension): the LA64 page-table format,
 *        the guest context with every guest CSR, ESTAT exit decoding, GINTC interrupt
 *        injection, and the LVZ runtime (world switch, per-cpu enable, TLB maintenance).
 *
 * Everything here except the functions marked "LoongArch only" is plain C that builds and
 * runs on any host, so the decoders and the interrupt controller are unit-tested on the build
 * machine, and again on a LoongArch cpu model (tests/la64-runner on qemu-system-loongarch64).
 * QEMU 7.2 does not emulate LVZ: there axv_la64_cpu_enable() returns #AXV_ENOTSUP.
 */
#ifndef AXV_ARCH_LOONGARCH64_H
#define AXV_ARCH_LOONGARCH64_H

#include <axv/addrspace.h>
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
 * @defgroup axv_arch_loongarch64 loongarch64 port
 * @brief Root-mode hypervisor support for LoongArch64 guests under LVZ.
 *
 * References: LoongArch Reference Manual Volume 1 (v1.10): 7.4 "Control and status
 * registers" (CRMD 7.4.1, ESTAT 7.4.6, BADI 7.4.9, ...), table 7-8 "Exception encoding"
 * (Ecode/EsubCode), 2.2 and 4.2 for instruction formats and encodings; the LoongArch
 * Virtualization (LVZ) extension: GSTAT (CSR 0x50), GCFG (0x51), GINTC (0x52), GCNTC (0x53),
 * GTLBC (0x15), the GSPR/HVC/GCM exception codes and the `gcsrrd`, `gcsrwr`, `gcsrxchg`,
 * `gtlbfill`, `gtlbflush`, `hvcl` encodings (as Linux arch/loongarch and binutils use them).
 * @{
 */

/** @name Nested translation: the LA64 page-table format
 * @{ */

/**
 * @brief Fill in the LA64 format.
 * @param[out] fmt caller-owned storage; it must outlive every address space using it
 * @param levels 3 (39-bit guest physical addresses) or 4 (48-bit)
 * @param invalid_dir the value of an empty directory entry: the physical address of the
 *        port's invalid table, which its refill handler treats as "not mapped" (Linux uses
 *        invalid_pte_table the same way). Must be 4 KiB aligned and non-zero.
 * @return 0; #AXV_EINVAL for NULL, other level counts or a bad @p invalid_dir (@p fmt untouched)
 * @note Any context; writes only @p fmt.
 */
int axv_la64_format_init(struct axv_pt_format *fmt, unsigned levels, uint64_t invalid_dir);

/**
 * @brief The PWCTL0/PWCTL1 values with which the host's TLB refill handler (LDDIR/LDPTE)
 *        walks an LA64 nested table (Vol. 1 7.5.7 PWCL, 7.5.8 PWCH).
 *
 * While a guest runs, PGDL holds the nested root: a guest access that misses the root TLB
 * takes the host's refill exception with the guest physical address, and the refill walks
 * the nested table with these fields (4 KiB pages, 9 index bits per level, 8-byte entries).
 *
 * The root is always the Dir3 level (as Linux walks it: `lddir` level 3 first), the last
 * directory Dir1, and with 4 levels the middle one Dir2.
 *
 * @param levels 3 or 4
 * @param[out] pwctl0 PTbase 12, PTwidth 9, Dir1_base 21, Dir1_width 9, and with 4 levels
 *             Dir2_base 30, Dir2_width 9 (3 levels: Dir2 width 0); PTEWidth 0 (64-bit entries)
 * @param[out] pwctl1 Dir3_base 30 (3 levels) or 39 (4 levels), Dir3_width 9, Dir4 unused
 * @return 0; #AXV_EINVAL for NULL pointers or another level count (outputs untouched)
 * @note Any context; pure function.
 */
int axv_la64_pwctl(unsigned levels, uint32_t *pwctl0, uint32_t *pwctl1);
/** @} */

/** Largest CSR number: CSR numbers are 14 bits (Vol. 1 7.1 table 7-1 "CSR list"). */
#define AXV_LA64_CSR_MAX 0x3fffu

/** @name Interrupt lines: ESTAT.IS / ECFG.LIE bit numbers (Vol. 1 6.1.1)
 *
 * These are the interrupt ids of a LoongArch vcpu's `struct axv_virq` (0 to 12).
 * @{ */
#define AXV_LA64_IRQ_SWI0 0u  /**< software interrupt 0 */
#define AXV_LA64_IRQ_SWI1 1u  /**< software interrupt 1 */
#define AXV_LA64_IRQ_HWI0 2u  /**< hardware interrupt 0 (HWI0 to HWI7 are 2 to 9) */
#define AXV_LA64_IRQ_HWI7 9u  /**< hardware interrupt 7 */
#define AXV_LA64_IRQ_PMI 10u  /**< performance counter overflow */
#define AXV_LA64_IRQ_TI 11u   /**< timer */
#define AXV_LA64_IRQ_IPI 12u  /**< inter-processor interrupt */
#define AXV_LA64_IRQ_COUNT 13u /**< number of lines */
/** @} */

/** @name System-register ids in sysreg exits (axv_exit_access::addr)
 * @{ */
/** A CSR access: the id is the CSR number (0 to #AXV_LA64_CSR_MAX). */
#define AXV_LA64_SYSREG_CSR(n) ((uint64_t)(n) & AXV_LA64_CSR_MAX)
/** A CPUCFG read: this base plus the 32-bit configuration word index from rj. */
#define AXV_LA64_SYSREG_CPUCFG 0x100000000ull
/** @} */

/** Number of general registers (r0 reads as zero). */
#define AXV_LA64_NR_GPRS 32u
/** Register number of a0 (r4), the first argument and return register. */
#define AXV_LA64_REG_A0 4u

/**
 * @brief Every guest CSR a guest OS uses, as the world switch saves and restores it with
 *        `gcsrrd`/`gcsrwr` (Vol. 1 7.1 table 7-1; read-only PGD and PRCFG1-3 are left out).
 */
struct axv_la64_gcsr {
	uint64_t crmd;       /**< CRMD (0x0) */
	uint64_t prmd;       /**< PRMD (0x1) */
	uint64_t euen;       /**< EUEN (0x2) */
	uint64_t misc;       /**< MISC (0x3) */
	uint64_t ecfg;       /**< ECFG (0x4) */
	uint64_t estat;      /**< ESTAT (0x5): IS[1:0] and IS[12:10] are set by interrupt injection */
	uint64_t era;        /**< ERA (0x6) */
	uint64_t badv;       /**< BADV (0x7) */
	uint64_t badi;       /**< BADI (0x8) */
	uint64_t eentry;     /**< EENTRY (0xc) */
	uint64_t tlbidx;     /**< TLBIDX (0x10) */
	uint64_t tlbehi;     /**< TLBEHI (0x11) */
	uint64_t tlbelo0;    /**< TLBELO0 (0x12) */
	uint64_t tlbelo1;    /**< TLBELO1 (0x13) */
	uint64_t asid;       /**< ASID (0x18) */
	uint64_t pgdl;       /**< PGDL (0x19) */
	uint64_t pgdh;       /**< PGDH (0x1a) */
	uint64_t pwctl0;     /**< PWCTL0 (0x1c) */
	uint64_t pwctl1;     /**< PWCTL1 (0x1d) */
	uint64_t stlbpgsize; /**< STLBPGSIZE (0x1e) */
	uint64_t rvacfg;     /**< RVACFG (0x1f) */
	uint64_t cpuid;      /**< CPUID (0x20): the vcpu number the guest reads */
	uint64_t ks[9];      /**< KS0 to KS8 (0x30 to 0x38) */
	uint64_t tmid;       /**< TMID (0x40) */
	uint64_t tcfg;       /**< TCFG (0x41) */
	uint64_t tval;       /**< TVAL (0x42) */
	uint64_t cntc;       /**< CNTC (0x43) */
	uint64_t llbctl;     /**< LLBCTL (0x60) */
	uint64_t tlbrentry;  /**< TLBRENTRY (0x88) */
	uint64_t tlbrbadv;   /**< TLBRBADV (0x89) */
	uint64_t tlbrera;    /**< TLBRERA (0x8a) */
	uint64_t tlbrsave;   /**< TLBRSAVE (0x8b) */
	uint64_t tlbrelo0;   /**< TLBRELO0 (0x8c) */
	uint64_t tlbrelo1;   /**< TLBRELO1 (0x8d) */
	uint64_t tlbrehi;    /**< TLBREHI (0x8e) */
	uint64_t tlbrprmd;   /**< TLBRPRMD (0x8f) */
	uint64_t dmw[4];     /**< DMW0 to DMW3 (0x180 to 0x183) */
};

/**
 * @brief Emulation of the guest CSRs that trap (GSPR on csrrd/csrwr/csrxchg), in place.
 *
 * LoongArch's `csrwr` and `csrxchg` both write a CSR and return its old value in rd, which
 * one bus access cannot express; with these hooks the decoder emulates all three forms in
 * place (the exit is #AXV_EXIT_NOTHING). Called from axv_la64_decode_exit() on the vcpu's
 * cpu; must not block.
 */
struct axv_la64_csr_ops {
	/**
	 * @brief Read a trapped CSR.
	 * @param ctx the context in `struct axv_la64_ctx`
	 * @param csr CSR number (0 to #AXV_LA64_CSR_MAX)
	 * @param[out] value its value
	 * @return 0, or a negative code (the exit becomes #AXV_EXIT_UNHANDLED, pc unchanged)
	 */
	int (*read)(void *ctx, uint32_t csr, uint64_t *value);
	/**
	 * @brief Write a trapped CSR.
	 * @param ctx   the context
	 * @param csr   CSR number
	 * @param value the new value (for csrxchg already merged under the mask)
	 * @return 0, or a negative code (the exit becomes #AXV_EXIT_UNHANDLED, pc unchanged)
	 */
	int (*write)(void *ctx, uint32_t csr, uint64_t value);
};

/**
 * @brief One LoongArch vcpu's register context. Caller-owned; the world switch fills it.
 *
 * The layout of the members up to `host` is fixed: the entry/exit assembly addresses them
 * by offset (checked at compile time in the port).
 */
struct axv_la64_ctx {
	uint64_t gpr[AXV_LA64_NR_GPRS]; /**< r0 to r31 (r0 is kept zero) */
	uint64_t pc;                    /**< guest pc: the root ERA at entry and exit */
	uint64_t estat;                 /**< root ESTAT at the last exit */
	uint64_t badv;                  /**< root BADV at the last exit (guest physical address of a fault) */
	uint64_t badi;                  /**< root BADI at the last exit (the trapping instruction) */
	uint64_t host[16];              /**< the host's callee-saved registers across a run (private) */
	struct axv_la64_gcsr gcsr;      /**< the guest CSRs */
	uint64_t gintc;                 /**< GINTC while this guest runs (VIP: injected HWI0-7) */
	uint64_t gcntc;                 /**< GCNTC: the guest's counter offset */
	uint64_t root;                  /**< nested page-table root (host physical), PGDL while running */
	uint32_t gid;                   /**< guest id (GSTAT.GID, GTLBC.TGID), 0 to 255 */
	uint32_t nr_cpucfg;             /**< entries in @ref cpucfg */
	/** CPUCFG words answered in place (index i reads cpucfg[i], beyond reads 0), or NULL:
	 *  CPUCFG then becomes a sysreg read of #AXV_LA64_SYSREG_CPUCFG + index. */
	const uint32_t *cpucfg;
	const struct axv_la64_csr_ops *csr_ops; /**< trapped CSRs in place, or NULL (exits) */
	void *csr_ctx;                          /**< context of @ref csr_ops */
};

/**
 * @brief Prepare a context to enter a guest in direct-address mode at PLV0, interrupts off.
 * @param c     context storage; every field is reset
 * @param entry guest physical address of the first instruction
 * @param cpuid the number the guest reads from CSR.CPUID (its vcpu id)
 * @note Any context; plain C.
 */
void axv_la64_ctx_init(struct axv_la64_ctx *c, axv_gpa_t entry, uint32_t cpuid);

/**
 * @brief Set a guest general register by number, as `struct axv_exit_access::reg` names it.
 * @param c   the guest's context
 * @param reg 1 to 31; 0 (r0) and #AXV_REG_NONE are accepted and ignored
 * @param v   the value
 * @return 0, or #AXV_EINVAL for NULL or any other register number
 */
int axv_la64_set_reg(struct axv_la64_ctx *c, unsigned reg, uint64_t v);

/**
 * @brief Read a guest general register by number.
 * @param c   the guest's context
 * @param reg 0 to 31 (r0 and #AXV_REG_NONE read 0)
 * @param[out] v the value
 * @return 0, or #AXV_EINVAL for NULL or any other register number
 */
int axv_la64_get_reg(const struct axv_la64_ctx *c, unsigned reg, uint64_t *v);

/** @brief A decoded load or store instruction (see axv_la64_decode_mem()). */
struct axv_la64_mem {
	uint8_t width;     /**< access width in bytes: 1, 2, 4 or 8 */
	uint8_t rd;        /**< data register: loaded into, or stored from */
	uint8_t rj;        /**< base register */
	bool store;        /**< a store, not a load */
	bool sign_extend;  /**< loads: sign-extend to 64 bits (ld.b/h/w, ldx.b/h/w, ldptr.w) */
};

/**
 * @brief Decode a load or store that an MMIO access can emulate.
 *
 * Accepts ld.{b,h,w,d,bu,hu,wu}, st.{b,h,w,d}, ldx/stx of the same widths, ldptr.{w,d} and
 * stptr.{w,d}. Atomics, LL/SC, bound-checked, floating-point and vector accesses are not
 * decoded (the fault becomes a nested page fault instead).
 *
 * @param insn the instruction word (untrusted)
 * @param[out] m the decoded access (untouched on error)
 * @return 0; #AXV_EINVAL for NULL @p m or an instruction that is not one of those
 * @note Any context; pure function.
 */
int axv_la64_decode_mem(uint32_t insn, struct axv_la64_mem *m);

/**
 * @brief Decode the last exit of a context into a `struct axv_exit`.
 *
 * Reads `c->estat`, `c->badv`, `c->badi` and the guest's registers. By ESTAT.Ecode:
 * - INT: #AXV_EXIT_EXTERNAL_IRQ with the highest pending line of ESTAT.IS as vector
 *   (#AXV_EXIT_NOTHING when no line is pending).
 * - PIL, PIS with a decodable load/store in BADI (axv_la64_decode_mem()) whose direction
 *   matches: #AXV_EXIT_MMIO_READ / #AXV_EXIT_MMIO_WRITE at BADV (axv_vcpu_resolve() first
 *   offers the address to the address space, for lazily backed RAM). Other
 *   instructions: #AXV_EXIT_NESTED_PAGE_FAULT. PME: a write fault; PNR: a read fault; PIF,
 *   PNX: an execute fault; PPI: read or write as the instruction says; all nested page faults.
 * - GSPR: the instruction in BADI. `cpucfg` is answered in place from `c->cpucfg` or becomes
 *   a sysreg read; `csrrd`/`csrwr`/`csrxchg` are emulated in place through `c->csr_ops`, or
 *   without them `csrrd` is a sysreg read and `csrwr`/`csrxchg` are #AXV_EXIT_UNHANDLED;
 *   `iocsrrd.{b,h,w,d}` and `iocsrwr.*` are #AXV_EXIT_IO_READ / #AXV_EXIT_IO_WRITE at the
 *   IOCSR address in rj (reads sign-extend to 64 bits); `idle` is #AXV_EXIT_HALT with the pc
 *   already past it; `cacop` is emulated as a no-op (#AXV_EXIT_NOTHING, pc advanced).
 * - HVC: #AXV_EXIT_HYPERCALL with the 15-bit `hvcl` code as imm, a0 as nr and a1 to a6 as
 *   the six arguments.
 * - Anything else, an EsubCode where the Ecode has none, an Ecode/instruction mismatch or an
 *   unknown privileged instruction: #AXV_EXIT_UNHANDLED with ESTAT as raw and BADI as info
 *   (BADV for page faults).
 *
 * `e->insn_len` is the number of bytes the pc must advance when the exit is completed: 4 for
 * trapped instructions and emulated accesses (ERA points at the instruction), 0 for faults
 * that are retried and for exits already stepped over.
 *
 * @param c a context after an exit (the in-place emulations update its registers and pc)
 * @param[out] e the decoded exit
 * @return 0; #AXV_EINVAL for NULL arguments
 * @note Any context; plain C; ESTAT, BADV, BADI and register values are treated as hostile.
 */
int axv_la64_decode_exit(struct axv_la64_ctx *c, struct axv_exit *e);

/* ---- the port behind the core modules ------------------------------------------------- */

/** @brief Port-specific vcpu configuration, passed to axv_vcpu_setup(). */
struct axv_la64_vcpu_config {
	uint32_t gid;                            /**< guest id, 1 to 255 (shared by one guest's vcpus) */
	uint64_t a0;                             /**< initial a0 (boot argument) */
	uint64_t a1;                             /**< initial a1 */
	uint64_t a2;                             /**< initial a2 */
	const uint32_t *cpucfg;                  /**< see axv_la64_ctx::cpucfg (kept by pointer) */
	uint32_t nr_cpucfg;                      /**< entries in @ref cpucfg */
	const struct axv_la64_csr_ops *csr_ops;  /**< see axv_la64_ctx::csr_ops */
	void *csr_ctx;                           /**< its context */
};

struct axv_la64_cpu;

/** @brief A LoongArch vcpu: the port context of `axv_la64_vcpu_ops` and `axv_la64_vic_ops`. */
struct axv_la64_vcpu {
	struct axv_la64_ctx ctx;   /**< the guest's registers */
	struct axv_la64_cpu *cpu;  /**< the physical cpu it is bound to, or NULL */
	uint32_t id;               /**< vcpu id */
	uint32_t delivered;        /**< lines handed to the guest and not yet seen finished (private) */
};

/**
 * The GINTC / guest-ESTAT interrupt controller; its context is the `struct axv_la64_vcpu`.
 *
 * deliver(id): HWI0-7 (ids 2 to 9) set GINTC.VIP bit id - 2, the other lines (SWI0-1, PMI,
 * TI, IPI) set guest ESTAT.IS bit id, in the saved context that the next entry loads;
 * ids of 13 or more are refused (#AXV_EINVAL). sync: a delivered line whose bit is clear
 * again (the guest cleared its ESTAT bit, e.g. TICLR, or the embedder lowered a hardware
 * line with axv_la64_lower_irq()) is ended with axv_virq_eoi().
 */
extern const struct axv_vic_ops axv_la64_vic_ops;

/**
 * @brief Lower an interrupt line of a vcpu (level-triggered sources such as an emulated
 *        interrupt controller output): clears its GINTC.VIP or guest ESTAT.IS bit in the
 *        saved context, so the next flush ends it.
 * @param v  the vcpu (not running)
 * @param id the line, 0 to 12
 * @return 0; #AXV_EINVAL for NULL or a line out of range
 * @note The vcpu's owner, on its cpu, outside axv_vcpu_run().
 */
int axv_la64_lower_irq(struct axv_la64_vcpu *v, uint32_t id);

/**
 * The vcpu ops of this port; the port context is a `struct axv_la64_vcpu`. Plain C over the
 * LVZ runtime below (run calls axv_la64_run() then axv_la64_decode_exit(); bind takes
 * axv_la64_this_cpu()); setup takes a `struct axv_la64_vcpu_config` and refuses a NULL one,
 * a guest id of 0 (the root's) or above 255, or a CPUCFG count without a table
 * (#AXV_EINVAL); set_entry refuses an address that is not 4-byte aligned and
 * set_nested_root one that is not 4 KiB aligned.
 */
extern const struct axv_vcpu_ops axv_la64_vcpu_ops;

/* ---- LVZ runtime (LoongArch only) ------------------------------------------------------ */

/**
 * @brief Per-physical-cpu state of the port. Caller-owned, one per cpu, kept alive while
 *        the cpu runs guests. Host CSR KS4 points to it once enabled.
 */
struct axv_la64_cpu {
	struct axv_la64_ctx *cur; /**< context being run (first member: used by assembly) */
	uint64_t gcfg;        /**< GCFG value programmed by axv_la64_cpu_enable() */
	uint32_t gid_bits;    /**< GSTAT.GIDBIT: implemented guest-id bits */
	uint32_t gtlb_size;   /**< GTLBC.GMTLBSZ: guest MTLB entries */
	bool enabled;         /**< axv_la64_cpu_enable() succeeded */
};

/**
 * @brief Enable this cpu for guests (LoongArch only): check CPUCFG2.LVZP, program GCFG
 *        (guest owns its timer and exceptions, CACOP trapped when unsafe, root controls
 *        memory types when supported), GSTAT = 0, GINTC = 0, GTLBC (USETGID, no TOTI), then
 *        flush the guest TLB (`gtlbflush`). Host CSR KS4 then points to @p cpu (the port
 *        owns KS4 and KS5 from here on).
 * @param cpu per-cpu storage
 * @return 0; #AXV_EINVAL for NULL; #AXV_ENOTSUP when the cpu has no LVZ (CPUCFG word 2 bit
 *         10 clear; LoongArch Reference Manual Vol. 1 2.2.10.5): then no LVZ instruction or
 *         CSR is touched, and neither @p cpu nor KS4 changes
 * @note Task context on the cpu being enabled, interrupts masked.
 */
int axv_la64_cpu_enable(struct axv_la64_cpu *cpu);

/**
 * @brief The calling cpu's port state, as axv_la64_cpu_enable() recorded it in KS4
 *        (LoongArch only).
 * @return the `struct axv_la64_cpu`, or NULL when this cpu was not enabled
 * @note Any context on the cpu in question.
 */
struct axv_la64_cpu *axv_la64_this_cpu(void);

/**
 * @brief Disable guests on this cpu (LoongArch only): GCFG, GSTAT and GINTC cleared.
 * @param cpu per-cpu storage
 * @return 0; #AXV_EINVAL for NULL
 * @note Task context on that cpu.
 */
int axv_la64_cpu_disable(struct axv_la64_cpu *cpu);

/**
 * @brief Save the guest CSRs of the cpu into @p g with `gcsrrd` (LoongArch only).
 * @param g storage
 */
void axv_la64_gcsr_save(struct axv_la64_gcsr *g);

/**
 * @brief Load the guest CSRs of the cpu from @p g with `gcsrwr` (LoongArch only).
 * @param g the values
 */
void axv_la64_gcsr_restore(const struct axv_la64_gcsr *g);

/**
 * @brief Run a guest context on this cpu until it exits (LoongArch only).
 *
 * Loads the guest CSRs, GINTC, GCNTC, GSTAT.GID and GTLBC.TGID, PGDL (the nested root) and
 * EENTRY (the port's exit vector; ECFG.VS is 0 meanwhile), enters the guest with `ertn`
 * (GSTAT.PVM set, PRMD.PIE set so host interrupts exit the guest), and on exit saves
 * everything back, records ESTAT, BADV, BADI and ERA in the context and restores the host's
 * PGDL, EENTRY and ECFG. Decode the exit with axv_la64_decode_exit(). The host's TLB refill
 * handler walks PGDL with PWCTL as axv_la64_pwctl() gives.
 *
 * @param cpu this cpu's state, enabled
 * @param c   the guest context
 * @return 0; #AXV_EINVAL for NULL arguments; #AXV_ESTATE if @p cpu is not enabled
 * @note Task context, interrupts masked (CRMD.IE = 0).
 */
int axv_la64_run(struct axv_la64_cpu *cpu, struct axv_la64_ctx *c);

/** TLB hooks for `struct axv_hal` (LoongArch only): the tag is the guest id; flush_range
 *  invalidates the guest-physical mappings of that id per 8 KiB TLB entry (`invtlb` 0x16),
 *  or all of them (`invtlb` 0x15) beyond 32 entries. */
extern const struct axv_hal_tlb_ops axv_la64_tlb_ops;

/** Per-cpu enable over axv_la64_cpu_enable() (LoongArch only); the context is a
 *  `struct axv_la64_cpu`. */
extern const struct axv_percpu_ops axv_la64_percpu_ops;

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_ARCH_LOONGARCH64_H */
