/**
 * @file exit.h
 * @brief VM exits: why a vcpu left the guest, as one tagged union for every architecture.
 */
#ifndef AXV_EXIT_H
#define AXV_EXIT_H

#include <axv/bus.h>
#include <axv/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_exit Exits
 * @brief `struct axv_exit`: the reason a vcpu stopped running the guest and its details.
 *
 * A port decodes its hardware's exit information (ESR_EL2, the VMX basic exit reason, the
 * SVM exit code, LoongArch ESTAT) into a `struct axv_exit`. The embedder then acts on it,
 * usually through the device bus (which completes MMIO, port and system-register accesses)
 * and the irq module. The reasons cover AxVisor's `AxVCpuExitReason` (all 16) plus
 * #AXV_EXIT_SYSTEM_RESET and #AXV_EXIT_UNHANDLED.
 * @{
 */

/** Why the vcpu exited. */
enum axv_exit_reason {
	AXV_EXIT_NOTHING = 0,       /**< nothing to do (e.g. a kick): run again */
	AXV_EXIT_HYPERCALL,         /**< hypercall: see axv_exit::hypercall */
	AXV_EXIT_MMIO_READ,         /**< guest load from an emulated MMIO address: axv_exit::access */
	AXV_EXIT_MMIO_WRITE,        /**< guest store to an emulated MMIO address: axv_exit::access */
	AXV_EXIT_SYSREG_READ,       /**< trapped system-register read (MRS, RDMSR, CSRRD): axv_exit::access */
	AXV_EXIT_SYSREG_WRITE,      /**< trapped system-register write (MSR, WRMSR, CSRWR): axv_exit::access */
	AXV_EXIT_IO_READ,           /**< port input (x86 IN, LoongArch IOCSR read): axv_exit::access */
	AXV_EXIT_IO_WRITE,          /**< port output (x86 OUT, LoongArch IOCSR write): axv_exit::access */
	AXV_EXIT_EXTERNAL_IRQ,      /**< a host interrupt arrived while the guest ran: axv_exit::external_irq */
	AXV_EXIT_NESTED_PAGE_FAULT, /**< stage-2/EPT/NPT fault on guest memory: axv_exit::npf */
	AXV_EXIT_HALT,              /**< the guest idles (WFI, WFIT, HLT, IDLE) until an interrupt, or a deadline: axv_exit::halt */
	AXV_EXIT_CPU_UP,            /**< the guest asks to start a vcpu: axv_exit::cpu_up */
	AXV_EXIT_CPU_DOWN,          /**< the guest stops this vcpu: axv_exit::cpu_down */
	AXV_EXIT_SYSTEM_DOWN,       /**< the guest powers the machine off */
	AXV_EXIT_SYSTEM_RESET,      /**< the guest resets the machine */
	AXV_EXIT_FAIL_ENTRY,        /**< the hardware refused to enter the guest: axv_exit::fail_entry */
	AXV_EXIT_SEND_IPI,          /**< the guest sends an inter-processor interrupt: axv_exit::ipi */
	AXV_EXIT_UNHANDLED,         /**< an exit the port could not decode: axv_exit::unhandled */
	AXV_EXIT_REASON_COUNT       /**< number of reasons; not a reason */
};

/** axv_exit_access::flags: an x86 string instruction (INS/OUTS, MOVS to MMIO). */
#define AXV_ACCESS_STRING (1u << 0)
/** axv_exit_access::flags: a REP-prefixed instruction. */
#define AXV_ACCESS_REP (1u << 1)

/**
 * axv_exit::npf flags: the guest's access was an instruction fetch. Every port sets it with
 * #AXV_MAP_EXEC; on aarch64 it is also set, with #AXV_MAP_READ, when the fault is on the
 * guest's stage-1 table walk for a fetch (ESR_EL2.S1PTW). An embedder that answers the fault
 * with an abort gives the guest an instruction abort for it, a data abort otherwise.
 */
#define AXV_NPF_FETCH (1u << 0)

/**
 * axv_exit::npf flags: the fault was on the guest's own page-table walk (a stage-1
 * translation-table read, or the update of an accessed or dirty bit), not on the operand of
 * the instruction at the pc: aarch64 ESR_EL2.S1PTW (ISS bit 7), VMX exit qualification bit 7
 * set and bit 8 clear (Intel SDM Vol. 3C 28.2.1, Table 28-7), SVM EXITINFO1 bit 33 (AMD APM
 * Vol. 2 15.25.6). axv_vcpu_resolve() tries the address space for it but never sends it to a
 * device: decoding the instruction would apply its access to the table entry's address.
 */
#define AXV_NPF_WALK (1u << 1)

/** Sentinel register number: no guest register (e.g. aarch64 XZR as a load target). */
#define AXV_REG_NONE 0xffu

/**
 * @brief One guest access to an emulated location: MMIO, I/O port or system register.
 *
 * For reads the device produces the value; axv_exit_complete() truncates it to @ref width
 * bytes, sign-extends it to @ref reg_width bytes when @ref sign_extend is set, writes it to
 * register @ref reg and advances the guest pc. For writes, @ref data holds the value already
 * truncated to @ref width bytes.
 */
struct axv_exit_access {
	uint64_t addr;     /**< guest physical address, port number, or port-specific sysreg id */
	uint64_t data;     /**< value written (writes); value read, once completed (reads) */
	uint8_t width;     /**< access width in bytes: 1, 2, 4 or 8 (anything else is refused) */
	uint8_t reg;       /**< guest register number in the port's numbering, or #AXV_REG_NONE */
	uint8_t reg_width; /**< reads: destination register width in bytes (1, 2, 4 or 8, at least @ref width; usually 4 or 8) */
	bool sign_extend;  /**< reads: sign-extend the loaded value to @ref reg_width */
	uint8_t flags;     /**< `AXV_ACCESS_*` */
};

/**
 * @brief The low @p width bytes of @p v: an access's data cut to its width.
 *
 * The one definition of the cut that axv_exit_complete(), the bus and the ports' decoders and
 * direct paths use.
 * @param v     a value
 * @param width bytes to keep (8 or more keeps all; 0 keeps none)
 * @return @p v with every byte from @p width on cleared
 * @note Context: any; pure.
 */
static inline uint64_t axv_access_trunc(uint64_t v, unsigned width)
{
	return width >= 8 ? v : v & ((UINT64_C(1) << (width * 8u)) - 1u);
}

/**
 * @brief What a read access leaves in its destination register: the device's value cut to
 *        the access width, sign-extended from it when asked and narrower than the register,
 *        and cut to the register width (an aarch64 W register or x86 32-bit destination: the
 *        upper half zero).
 *
 * The one definition of a load's value that axv_exit_complete() and the ports' direct
 * paths (aarch64 data aborts completed at EL2) use.
 * @param v           the value the device produced
 * @param width       access width in bytes, 1 to 8 (validated by the caller:
 *                    axv_width_valid())
 * @param reg_width   destination register width in bytes, 1 to 8, at least @p width
 * @param sign_extend sign-extend the loaded value (aarch64 SSE, x86 MOVSX)
 * @return the register's new value (for a destination narrower than 4 bytes, the bytes it
 *         receives: see axv_exit_complete())
 * @note Context: any; pure.
 */
static inline uint64_t axv_access_load(uint64_t v, unsigned width, unsigned reg_width,
				       bool sign_extend)
{
	v = axv_access_trunc(v, width);
	if (sign_extend && width < reg_width) {
		uint64_t sign = UINT64_C(1) << (width * 8u - 1u);
		v = (v ^ sign) - sign;
	}
	return axv_access_trunc(v, reg_width);
}

/**
 * @brief A VM exit. Storage is the caller's; the port's run fills it.
 *
 * Lifetime of an access exit: axv_vcpu_run() stamps the exit with the vcpu's exit
 * generation (@ref gen). axv_vcpu_complete() accepts it only while that is still the vcpu's
 * generation, which moves on at the next axv_vcpu_run(), at axv_vcpu_set_entry(),
 * axv_vcpu_set_nested_root(), axv_vcpu_setup() and axv_vcpu_destroy() (a vcpu reset), and
 * once the exit was completed successfully. A stale exit is refused with #AXV_ESTATE before
 * any device or register is touched, so a completion held back (e.g. by an asynchronous
 * device model) never writes a register of, nor advances the pc of, a guest that has
 * moved on. axv_exit_complete() itself takes no vcpu and does not check @ref gen.
 */
struct axv_exit {
	enum axv_exit_reason reason; /**< selects the valid union member */
	uint8_t insn_len;            /**< length of the trapping instruction (0 if none/unknown) */
	uint64_t pc;                 /**< guest pc of the trapping instruction */
	/**
	 * The vcpu's exit generation when axv_vcpu_run() returned this exit (see above); 0 for
	 * an exit the embedder built itself, which axv_vcpu_complete() does not check. Ports
	 * leave it alone; embedders do not change it.
	 */
	uint64_t gen;
	union {
		/** #AXV_EXIT_HYPERCALL */
		struct {
			uint64_t nr;      /**< hypercall number (x0 / RAX / a7) */
			uint64_t args[6]; /**< six arguments */
			uint16_t imm;     /**< immediate of HVC/HVCL/VMCALL where the ISA has one */
			bool smc;         /**< aarch64: the call was an SMC, not an HVC */
		} hypercall;
		/** MMIO, sysreg and I/O reads and writes */
		struct axv_exit_access access;
		/**
		 * #AXV_EXIT_HALT. The guest waits for an interrupt and, with `has_deadline`,
		 * at most until its virtual counter reaches `deadline`: the embedder makes the
		 * vcpu runnable again (axv_vcpu_kick()) at that time at the latest, or at once if
		 * it has already passed (the comparison is `count >= deadline`, unsigned).
		 */
		struct {
			/** A deadline is given (aarch64 WFIT); false: wait for an interrupt only
			 *  (WFI, HLT, IDLE, PSCI CPU_SUSPEND), and `deadline` is 0. */
			bool has_deadline;
			/** The deadline in the guest's virtual counter ticks: on aarch64 the
			 *  guest's CNTVCT_EL0, that is the physical count (CNTPCT_EL0) minus
			 *  CNTVOFF_EL2, at CNTFRQ_EL0 ticks per second. */
			uint64_t deadline;
		} halt;
		/** #AXV_EXIT_EXTERNAL_IRQ */
		struct {
			uint32_t vector; /**< host interrupt number or vector */
		} external_irq;
		/** #AXV_EXIT_NESTED_PAGE_FAULT */
		struct {
			axv_gpa_t addr;         /**< faulting guest physical address */
			axv_map_flags_t access; /**< the access: `AXV_MAP_READ`, `_WRITE` or `_EXEC` */
			uint8_t flags;          /**< `AXV_NPF_*`: what the guest was doing */
		} npf;
		/** #AXV_EXIT_CPU_UP */
		struct {
			uint64_t target; /**< target vcpu id (MPIDR affinity, APIC id, ...) */
			axv_gpa_t entry; /**< guest address to start at */
			uint64_t arg;    /**< value for the target's first argument register */
		} cpu_up;
		/** #AXV_EXIT_CPU_DOWN */
		struct {
			uint64_t state; /**< power state requested (port-specific) */
		} cpu_down;
		/** #AXV_EXIT_FAIL_ENTRY */
		struct {
			uint64_t hw_reason; /**< hardware's reason (VM-instruction error, exit code) */
		} fail_entry;
		/** #AXV_EXIT_SEND_IPI */
		struct {
			uint64_t target;   /**< target cpu (or affinity / target list base) */
			uint64_t aux;      /**< port-specific extra: target list, range selector */
			bool all;          /**< to every cpu */
			bool self;         /**< to the sender itself */
			uint32_t vector;   /**< interrupt id or vector */
		} ipi;
		/** #AXV_EXIT_UNHANDLED */
		struct {
			uint64_t raw;  /**< raw syndrome or exit code (ESR_EL2, exit reason, ESTAT) */
			uint64_t info; /**< second raw value (FAR, exit qualification, BADV) */
		} unhandled;
	};
};

/**
 * @brief Name an exit reason.
 * @param reason a reason
 * @return a constant string such as "mmio-read"; "invalid" for a value out of range
 * @note Context: any; pure function.
 */
const char *axv_exit_name(enum axv_exit_reason reason);

/**
 * @brief A guest access fault in one form, whichever of its two reports the port gave:
 *        filled by axv_exit_fault(). Caller-owned.
 */
struct axv_fault {
	axv_gpa_t addr;         /**< the guest physical address the access faulted on */
	axv_map_flags_t access; /**< what it asked for: #AXV_MAP_READ, _WRITE or _EXEC */
	/** The guest was writing: the WnR of the data abort an embedder injects for it. */
	bool write;
	/**
	 * An instruction fetch (#AXV_NPF_FETCH, or #AXV_MAP_EXEC): an embedder that answers
	 * with an abort gives the guest an instruction abort (aarch64), an instruction access
	 * fault (riscv64), not a data one.
	 */
	bool fetch;
	bool walk;    /**< on the guest's own page-table walk (#AXV_NPF_WALK) */
	bool decoded; /**< reported decoded (an MMIO exit): axv_exit::access has the rest */
};

/**
 * @brief Describe a guest access fault, decoded (#AXV_EXIT_MMIO_READ / #AXV_EXIT_MMIO_WRITE)
 *        or not (#AXV_EXIT_NESTED_PAGE_FAULT), as one struct axv_fault.
 *
 * An embedder calls it before axv_vcpu_resolve() (which may turn an undecoded fault into the
 * access exit it decodes) to know which abort to inject when nothing backs the access.
 *
 * @param exit the exit (read only)
 * @param[out] out the fault (caller-owned; untouched on error)
 * @return 0; #AXV_EINVAL for a NULL argument or an exit of another reason
 * @note Context: any; pure function.
 */
int axv_exit_fault(const struct axv_exit *exit, struct axv_fault *out);

/** @} */

/**
 * @defgroup axv_exit_complete Exit completion
 * @brief Finishing an access exit through the device bus (bus.h).
 * @{
 */

/**
 * @brief Where axv_exit_complete() writes its results: the guest's registers and pc.
 *
 * The exit module sits below the vcpu module, so it reaches the guest through these
 * callbacks; axv_vcpu_complete() fills them from a vcpu's port.
 */
struct axv_exit_target {
	/**
	 * @brief Write a guest general-purpose register.
	 * @param ctx   @ref ctx
	 * @param reg   register number in the port's numbering (never #AXV_REG_NONE)
	 * @param value the value to write
	 * @return 0, or a negative code (e.g. #AXV_EINVAL for a register the port lacks)
	 */
	int (*set_reg)(void *ctx, unsigned reg, uint64_t value);
	/**
	 * @brief Move the guest pc past the trapping instruction.
	 * @param ctx @ref ctx
	 * @param insn_len axv_exit::insn_len (0: the port knows the length itself)
	 * @return 0, or a negative code
	 */
	int (*advance_pc)(void *ctx, uint8_t insn_len);
	void *ctx; /**< passed to every callback */
	/**
	 * @brief Read a guest general-purpose register; needed only for reads whose
	 *        destination is narrower than 4 bytes (x86 `IN AL`, `MOV AX, [mem]`), which keep
	 *        the register's other bits (optional otherwise).
	 * @param ctx @ref ctx
	 * @param reg register number in the port's numbering
	 * @param[out] value the value
	 * @return 0, or a negative code
	 */
	int (*get_reg)(void *ctx, unsigned reg, uint64_t *value);
};

/**
 * @brief Finish an MMIO, I/O port or system-register exit through the bus.
 *
 * Reads: the device's value is truncated to `access.width` bytes, sign-extended when
 * `access.sign_extend` is set, truncated to `access.reg_width` bytes, stored in
 * `access.data`, and written to register `access.reg` (not written for #AXV_REG_NONE).
 * A destination of 4 or 8 bytes gets that value zero-extended (aarch64 W registers, x86
 * 32-bit destinations); a destination of 1 or 2 bytes keeps the register's other bits
 * (x86 AL, AX), read through the target's get_reg.
 * Writes: the low `access.width` bytes of `access.data` go to the device. In both cases the
 * guest pc is then advanced. Every field is validated first (the exit may come from a
 * hostile guest through a decoder): on a validation error no device and no callback is
 * called. When the device or set_reg fails the pc is not advanced.
 *
 * @param bus  an initialised bus
 * @param t    the guest's registers and pc (both callbacks required)
 * @param exit an exit of reason #AXV_EXIT_MMIO_READ, #AXV_EXIT_MMIO_WRITE,
 *             #AXV_EXIT_IO_READ, #AXV_EXIT_IO_WRITE, #AXV_EXIT_SYSREG_READ or
 *             #AXV_EXIT_SYSREG_WRITE
 * @return 0; #AXV_EINVAL for a NULL argument, another exit reason, a width other than 1, 2,
 *         4 or 8, or (reads) a reg_width that is not 1, 2, 4 or 8 or is smaller than the
 *         width, or a reg_width of 1 or 2 with no get_reg callback; #AXV_ENOTSUP for string or REP accesses (`AXV_ACCESS_STRING`,
 *         `AXV_ACCESS_REP`: the embedder emulates those); #AXV_ENXIO when no device
 *         claims the access (the embedder decides: inject an abort, ignore, stop the vm);
 *         #AXV_EACCES when the device lacks the hook; or the device's or target's error
 * @note Context: any the device callbacks allow; usually the cpu that ran the vcpu, right
 *       after the exit. This function does not check axv_exit::gen (it knows no vcpu):
 *       axv_vcpu_complete() does.
 */
int axv_exit_complete(const struct axv_bus *bus, const struct axv_exit_target *t,
		      struct axv_exit *exit);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_EXIT_H */
