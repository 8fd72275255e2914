/**
 * @file exit.h
 * @brief VM exits: why a vcpu left the guest, as one tagged union for every architecture.
 */
#ifndef AXV_EXIT_H
#define AXV_EXIT_H

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
	AXV_EXIT_HALT,              /**< the guest idles (WFI, HLT, IDLE) until an interrupt */
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
	uint8_t reg_width; /**< destination register width in bytes for reads (4 or 8) */
	bool sign_extend;  /**< reads: sign-extend the loaded value to @ref reg_width */
	uint8_t flags;     /**< `AXV_ACCESS_*` */
};

/** @brief A VM exit. Storage is the caller's; the port's run fills it. */
struct axv_exit {
	enum axv_exit_reason reason; /**< selects the valid union member */
	uint8_t insn_len;            /**< length of the trapping instruction (0 if none/unknown) */
	uint64_t pc;                 /**< guest pc of the trapping instruction */
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
		/** #AXV_EXIT_EXTERNAL_IRQ */
		struct {
			uint32_t vector; /**< host interrupt number or vector */
		} external_irq;
		/** #AXV_EXIT_NESTED_PAGE_FAULT */
		struct {
			axv_gpa_t addr;         /**< faulting guest physical address */
			axv_map_flags_t access; /**< the access: `AXV_MAP_READ`, `_WRITE` or `_EXEC` */
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
 * @note Any context.
 */
const char *axv_exit_name(enum axv_exit_reason reason);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_EXIT_H */
