/**
 * @file vcpu.h
 * @brief The vcpu state machine and the port interface (`struct axv_vcpu_ops`).
 */
#ifndef AXV_VCPU_H
#define AXV_VCPU_H

#include <stdatomic.h>

#include <axv/bus.h>
#include <axv/exit.h>
#include <axv/hal.h>
#include <axv/types.h>
#include <axv/virq.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_vcpu Vcpu
 * @brief A vcpu's life: create, setup, bind, run, unbind, with checked, atomic transitions.
 *
 * ```
 *   (zeroed storage) INVALID --create--> CREATED --setup--> FREE --bind--> READY
 *                                                            ^              |  ^
 *                                                            +---unbind-----+  | exit
 *                                                                           run |
 *                                                                           v  |
 *                                                                         RUNNING
 *                                          HALT exit, nothing deliverable   |
 *                     READY <--inject/kick (wake, IPI)-- BLOCKED <----------+
 *   any port error in run: -> INVALID          destroy (CREATED, FREE, INVALID) -> INVALID
 * ```
 *
 * A call in the wrong state returns #AXV_ESTATE and changes nothing. The state word is a
 * C11 atomic: any cpu may read it (axv_vcpu_state()) or inject/kick at any time, from task
 * or interrupt context. Every other call is made by the vcpu's owner, one call at a time:
 * lifecycle calls from any cpu, axv_vcpu_run() and the register calls from the cpu the vcpu
 * is bound to.
 *
 * Blocked is real: when the port's run reports #AXV_EXIT_HALT and no interrupt is
 * deliverable, the vcpu becomes #AXV_VCPU_BLOCKED and axv_vcpu_run() returns the HALT exit
 * so that the embedder's scheduler can wait (e.g. `while (axv_vcpu_state(v) ==
 * AXV_VCPU_BLOCKED) wait_for_interrupt();`); when the HALT exit carries a deadline
 * (axv_exit::halt, e.g. an aarch64 WFIT) the wait must also end by then, with
 * axv_vcpu_kick(). axv_vcpu_inject() into a blocked vcpu moves it
 * back to #AXV_VCPU_READY and sends an IPI to its cpu, so a sleeping cpu wakes. The check
 * after publishing Blocked and the state read after pending an interrupt are sequentially
 * consistent, so an injection racing with the halt is never lost.
 * @{
 */

/** Vcpu states. Zeroed storage is #AXV_VCPU_INVALID. */
enum axv_vcpu_state {
	AXV_VCPU_INVALID = 0, /**< not created, destroyed, or failed (a port error in run) */
	AXV_VCPU_CREATED = 1, /**< created; entry and nested root may be set; not set up */
	AXV_VCPU_FREE = 2,    /**< set up; not bound to a physical cpu */
	AXV_VCPU_READY = 3,   /**< bound to a physical cpu; may run */
	AXV_VCPU_RUNNING = 4, /**< in axv_vcpu_run(): the guest is executing (or about to) */
	AXV_VCPU_BLOCKED = 5, /**< bound; the guest halted and waits for an interrupt */
	AXV_VCPU_STATE_COUNT  /**< number of states; not a state */
};

/** "Not bound to any physical cpu" (axv_vcpu_cpu()). */
#define AXV_CPU_NONE 0xffffffffu

/**
 * @brief The vcpu's fast path as the core offers it to a port's run
 *        (struct axv_vcpu_ops::run_fast). Built by axv_vcpu_run() for one run; the port
 *        neither keeps nor copies it.
 *
 * A port that can re-enter the guest more cheaply than by returning from its run (on aarch64:
 * without leaving the EL2 run loop) hands each exit it decoded to @ref complete and, when
 * that returns true, enters the guest again at once: no return to axv_vcpu_run(), no
 * interrupt flush, no read-back of the interrupt controller. The port may therefore offer an
 * exit only while skipping those is invisible: the guest's interrupt state in the hardware
 * needs no look from the core (on aarch64: no list register holds an interrupt of this
 * vcpu), and nothing the exit's completion reads depends on it. The vcpu stays Running
 * meanwhile: an interrupt injected during a completion sends an IPI to this cpu, which makes
 * the guest exit again right after the re-entry, and is delivered then.
 */
struct axv_vcpu_fast {
	/**
	 * @brief Offer an exit to the fast path.
	 * @param core @ref core
	 * @param exit the decoded exit (port storage for this run; its axv_exit::gen is unset)
	 * @param done true: the port already finished the exit itself (a call it answered, an
	 *             SGI it sent) and only asks whether to enter again; the exit's reason says
	 *             what it was, for the counts. false: the core completes it if the vcpu's
	 *             fast path holds it (a hypercall of axv_vcpu_set_fast_hypercalls(), an
	 *             access of axv_vcpu_set_fast_bus()).
	 * @param target the port's direct access to the guest's registers and pc for that
	 *             completion (the same effects as its set_reg, get_reg and advance_pc
	 *             hooks, in fewer calls), or NULL: the core goes through the vcpu ops
	 * @return true: completed, enter the guest again. false: return from run with @p exit
	 *         as it is now: unchanged when the core did not complete it (a device or
	 *         handler failure included: see axv_vcpu_set_fast_bus()), or turned into
	 *         #AXV_EXIT_NOTHING when it was completed but the owner asked for control
	 *         (axv_vcpu_kick()).
	 */
	bool (*complete)(void *core, struct axv_exit *exit, bool done,
			 const struct axv_exit_target *target);
	void *core; /**< the core's context (the vcpu) */
	/**
	 * @brief The vcpu's fast path itself, for a port that completes its commonest exits
	 *        without filling a whole exit and calling @ref complete (optional for ports).
	 *
	 * A port may answer a hypercall through @ref hcalls (axv_vcpu_fast_hcall()) or
	 * complete an access through a device of @ref bus itself, exactly as the core would
	 * (the same handler or device call, the same register and pc effects, under the same
	 * conditions as an exit it offers to @ref complete), and then calls
	 * axv_vcpu_fast_done(): true, enter the guest again; false, return from run with
	 * #AXV_EXIT_NOTHING (the owner asked for control). When the handler declines or the
	 * device fails, it calls @ref not_done and returns the exit, decoded, from run.
	 */
	const struct axv_hcall *hcalls; /**< axv_vcpu_set_fast_hypercalls()'s table, or NULL */
	size_t nr_hcalls;               /**< its ranges */
	const struct axv_bus *bus;      /**< axv_vcpu_set_fast_bus()'s bus, or NULL */
	/**
	 * @brief The exit of this run that the port took on itself (through @ref hcalls or
	 *        @ref bus) was not completed: a handler declined (@p rc 0) or a device or the
	 *        bus failed (@p rc, negative). The exit is then the embedder's as on the core's
	 *        own path: it is not offered to the fast path again, and after a failure the
	 *        embedder's axv_vcpu_complete() of it returns @p rc without calling the device
	 *        a second time.
	 * @param core @ref core
	 * @param rc   0 or the failure
	 */
	void (*not_done)(void *core, int rc);
	_Atomic uint64_t *counts;        /**< the vcpu's per-reason counts (axv_vcpu_fast_exits()) */
	const _Atomic uint32_t *kick;    /**< non-zero: the owner asked for control (axv_vcpu_kick()) */
};

/**
 * @brief struct axv_vcpu_ops::retval_reg for register @p n of the port's set_reg numbering.
 * @param n the register number (x0: 0, RAX: #AXV_X86_REG_RAX, a0: #AXV_RV64_REG_A0, ...)
 */
#define AXV_VCPU_RETVAL_REG(n) ((uint16_t)((n) + 1u))

/**
 * @brief What a port implements for its vcpus. A constant table; `ctx` is the port's
 *        per-vcpu state, given to axv_vcpu_create().
 *
 * Required hooks: run, get_reg, set_reg, set_entry, set_nested_root, advance_pc. The others
 * may be NULL (then the step does nothing, or the call returns #AXV_ENOSYS where noted).
 * Hooks are called by the vcpu's owner, never concurrently for one vcpu, and never from
 * axv_vcpu_inject() or axv_vcpu_kick().
 */
struct axv_vcpu_ops {
	/**
	 * @brief Prepare the port's state for a new vcpu (optional).
	 * @param ctx the port's per-vcpu context
	 * @param id  the vcpu id
	 * @return 0 or a negative code (the vcpu then stays #AXV_VCPU_INVALID)
	 */
	int (*create)(void *ctx, uint32_t id);
	/**
	 * @brief Apply the port-specific configuration (optional).
	 * @param ctx    the port's per-vcpu context
	 * @param config the pointer given to axv_vcpu_setup(), owned by the caller
	 * @return 0 or a negative code
	 */
	int (*setup)(void *ctx, const void *config);
	/**
	 * @brief Set the guest entry point.
	 * @param ctx   the port's per-vcpu context
	 * @param entry guest address of the first instruction
	 * @return 0 or a negative code
	 */
	int (*set_entry)(void *ctx, axv_gpa_t entry);
	/**
	 * @brief Set the root of the nested page table (VTTBR_EL2 base, EPTP, nCR3, PGDL).
	 * @param ctx  the port's per-vcpu context
	 * @param root host physical address of the root table
	 * @return 0 or a negative code
	 */
	int (*set_nested_root)(void *ctx, axv_hpa_t root);
	/**
	 * @brief Load the vcpu onto the calling physical cpu (VMPTRLD, ...) (optional).
	 * @param ctx the port's per-vcpu context
	 * @return 0 or a negative code (the vcpu then stays #AXV_VCPU_FREE)
	 */
	int (*bind)(void *ctx);
	/**
	 * @brief Undo bind (VMCLEAR, ...) (optional).
	 * @param ctx the port's per-vcpu context
	 * @return 0 or a negative code (the vcpu then stays #AXV_VCPU_READY)
	 */
	int (*unbind)(void *ctx);
	/**
	 * @brief Enter the guest until the next exit that needs the embedder.
	 * @param ctx the port's per-vcpu context
	 * @param[out] exit the decoded exit
	 * @return 0 with @p exit filled, or a negative code (the vcpu then becomes
	 *         #AXV_VCPU_INVALID). The port must enter with interrupts masked on the host
	 *         so that an IPI sent after the vcpu became Running forces an exit.
	 */
	int (*run)(void *ctx, struct axv_exit *exit);
	/**
	 * @brief Read a guest general-purpose register.
	 * @param ctx the port's per-vcpu context
	 * @param reg register number in the port's numbering (untrusted: validate it)
	 * @param[out] value the value
	 * @return 0; #AXV_EINVAL for a register the port does not have
	 */
	int (*get_reg)(void *ctx, unsigned reg, uint64_t *value);
	/**
	 * @brief Write a guest general-purpose register.
	 * @param ctx   the port's per-vcpu context
	 * @param reg   register number (untrusted: validate it)
	 * @param value the value
	 * @return 0; #AXV_EINVAL for a register the port does not have
	 */
	int (*set_reg)(void *ctx, unsigned reg, uint64_t value);
	/**
	 * @brief Write the hypercall return register (x0, RAX, a0) (optional: NULL means
	 *        @ref set_reg of @ref retval_reg, or #AXV_ENOSYS when that is 0 too).
	 * @param ctx   the port's per-vcpu context
	 * @param value the return value
	 * @return 0 or a negative code
	 */
	int (*set_retval)(void *ctx, uint64_t value);
	/**
	 * @brief The hypercall return register, which the library writes through @ref set_reg
	 *        when @ref set_retval is NULL: AXV_VCPU_RETVAL_REG(n), n in the numbering of
	 *        @ref set_reg, or 0 (the default) for none. Ignored when @ref set_retval is set.
	 */
	uint16_t retval_reg;
	/**
	 * @brief Put one pending interrupt into the guest's hardware state before entry, when
	 *        no `struct axv_vic_ops` was given at create (optional).
	 * @param ctx  the port's per-vcpu context
	 * @param id   interrupt id
	 * @param prio its priority
	 * @return 0 if taken; #AXV_ENOSPC when there is no room now
	 */
	int (*inject)(void *ctx, uint32_t id, uint8_t prio);
	/**
	 * @brief Move the guest pc past the trapping instruction.
	 * @param ctx      the port's per-vcpu context
	 * @param insn_len the instruction length from the exit (0: the port knows)
	 * @return 0 or a negative code
	 */
	int (*advance_pc)(void *ctx, uint8_t insn_len);
	/**
	 * @brief Release what create took (optional).
	 * @param ctx the port's per-vcpu context
	 */
	void (*destroy)(void *ctx);
	/**
	 * @brief Like @ref run, offering the exits it decodes to the fast path first
	 *        (optional; struct axv_vcpu_fast says when and how).
	 *
	 * axv_vcpu_run() calls it instead of @ref run while the vcpu has a fast path
	 * (axv_vcpu_set_fast_bus(), axv_vcpu_set_fast_hypercalls()). The port returns the
	 * first exit that the fast path did not complete, or #AXV_EXIT_NOTHING when
	 * @p fast's complete asked it to.
	 * @param ctx  the port's per-vcpu context
	 * @param[out] exit the decoded exit
	 * @param fast the fast path for this run
	 * @return as @ref run
	 */
	int (*run_fast)(void *ctx, struct axv_exit *exit, const struct axv_vcpu_fast *fast);
	/**
	 * @brief Decode the guest instruction behind an undecoded access fault into an access
	 *        exit (optional; axv_vcpu_resolve() calls it, only for a fault a device claims).
	 *
	 * For ports whose hardware reports a nested page fault without the access's width and
	 * register (x86 EPT violations and NPFs): the port fetches the instruction at the
	 * exit's pc through the guest's paging and decodes it. Called with the vcpu stopped on
	 * its bound cpu, right after the run that returned @p exit, under the resolver's lock
	 * (it may read guest memory).
	 * @param ctx the port's per-vcpu context
	 * @param[in,out] exit a #AXV_EXIT_NESTED_PAGE_FAULT exit of the vcpu's last run; on
	 *             success it becomes #AXV_EXIT_MMIO_READ or #AXV_EXIT_MMIO_WRITE at the same
	 *             address, with axv_exit::insn_len set (axv_exit::pc and axv_exit::gen
	 *             unchanged); on failure it is unchanged
	 * @return 0; #AXV_ENOTSUP when the access is not an instruction's data access the
	 *         decoder knows (a fetch, a guest page-table walk, an unknown or changed
	 *         instruction); #AXV_EFAULT when the instruction bytes cannot be read
	 */
	int (*decode)(void *ctx, struct axv_exit *exit);
};

/**
 * @brief For ports: define the get_reg and set_reg hooks of struct axv_vcpu_ops over the
 *        port's typed accessors of a register file inside its per-vcpu context.
 *
 * Expands to `static int NAME_get_reg(void *ctx, unsigned reg, uint64_t *value)` and
 * `static int NAME_set_reg(void *ctx, unsigned reg, uint64_t value)`, which return
 * `GET(&((TYPE *)ctx)->MEMBER, reg, value)` and `SET(&((TYPE *)ctx)->MEMBER, reg, value)`.
 * @param name   prefix of the two functions
 * @param type   the port's per-vcpu context type (what `ctx` points to)
 * @param member its register file, the first argument of @p get and @p set
 * @param get    `int get(const M *, unsigned, uint64_t *)`, M the type of @p member
 * @param set    `int set(M *, unsigned, uint64_t)`
 */
#define AXV_VCPU_REG_HOOKS(name, type, member, get, set)                                       \
	static int name##_get_reg(void *ctx, unsigned reg, uint64_t *value)                     \
	{                                                                                        \
		return get(&((type *)ctx)->member, reg, value);                                  \
	}                                                                                        \
	static int name##_set_reg(void *ctx, unsigned reg, uint64_t value)                      \
	{                                                                                        \
		return set(&((type *)ctx)->member, reg, value);                                  \
	}

/**
 * @brief For ports: the initialisers of the struct axv_vcpu_ops hooks every port of the
 *        library implements, each a function named `p_hook`: create, setup, set_entry,
 *        set_nested_root, bind, unbind, run, get_reg, set_reg and advance_pc. The port's
 *        table adds its other hooks and @ref axv_vcpu_ops::retval_reg after it.
 * @param p the prefix of the port's hook functions
 */
#define AXV_VCPU_OPS_HOOKS(p)                                                                   \
	.create = p##_create, .setup = p##_setup, .set_entry = p##_set_entry,                   \
	.set_nested_root = p##_set_nested_root, .bind = p##_bind, .unbind = p##_unbind,         \
	.run = p##_run, .get_reg = p##_get_reg, .set_reg = p##_set_reg,                         \
	.advance_pc = p##_advance_pc

/**
 * @brief A range of hypercalls the fast path answers (axv_vcpu_set_fast_hypercalls()):
 *        caller-owned, constant while a vcpu uses it.
 */
struct axv_hcall {
	uint64_t first; /**< first call number of the range (axv_exit::hypercall nr) */
	uint64_t last;  /**< last call number, inclusive (at least @ref first) */
	/**
	 * @brief Answer a call of the range.
	 *
	 * Called on the vcpu's cpu inside axv_vcpu_run(), with the vcpu Ready or Running
	 * (see axv_vcpu_set_fast_hypercalls()). It must not call the vcpu's owner-only
	 * functions (run, complete, set_reg, ...): it answers through @p ret only.
	 * @param ctx  @ref ctx
	 * @param exit the call (#AXV_EXIT_HYPERCALL: number, arguments, immediate), read-only
	 * @param[out] ret the return value, for the port's return register (x0, RAX, a0)
	 * @return 0: answered (the return value is written, the pc moved past the call);
	 *         anything else: declined, and the embedder gets the exit as if there were no
	 *         fast path. A handler that declines must have changed nothing.
	 */
	int (*call)(void *ctx, const struct axv_exit *exit, uint64_t *ret);
	void *ctx; /**< passed to @ref call unchanged */
};

/**
 * @brief The range of the port's fast path (struct axv_vcpu_fast::hcalls) that holds a call.
 * @param f  the fast path of this run
 * @param nr the call's number (axv_exit::hypercall nr)
 * @return the first range holding @p nr, or NULL: the call is not the fast path's
 * @note Context: the port's run_fast hook, on the vcpu's cpu.
 */
static inline const struct axv_hcall *axv_vcpu_fast_hcall(const struct axv_vcpu_fast *f,
							  uint64_t nr)
{
	for (size_t i = 0; i < f->nr_hcalls; i++)
		if (nr >= f->hcalls[i].first && nr <= f->hcalls[i].last)
			return &f->hcalls[i];
	return NULL;
}

/**
 * @brief Count an exit the port completed itself on the fast path and say whether to enter
 *        the guest again, as struct axv_vcpu_fast::complete does with `done` set.
 * @param f      the fast path of this run
 * @param reason what the exit was (#AXV_EXIT_HYPERCALL, #AXV_EXIT_MMIO_READ, ...; a valid
 *               reason, below #AXV_EXIT_REASON_COUNT: not checked here)
 * @return true: enter again; false: the owner asked for control (a kick): return from run
 *         with #AXV_EXIT_NOTHING (the exit is completed). A kick this relaxed load misses
 *         is an IPI pending for the vcpu's cpu, which ends the next entry at once.
 * @note Context: the port's run_fast hook, on the vcpu's cpu (only it writes the counts).
 */
static inline bool axv_vcpu_fast_done(const struct axv_vcpu_fast *f,
				      enum axv_exit_reason reason)
{
	_Atomic uint64_t *n = &f->counts[reason];
	atomic_store_explicit(n, atomic_load_explicit(n, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	return atomic_load_explicit(f->kick, memory_order_relaxed) == 0;
}

/** @brief Arguments of axv_vcpu_create(). */
struct axv_vcpu_config {
	uint32_t id;                    /**< vcpu id, the embedder's numbering */
	const struct axv_hal *hal;      /**< needs `cpu_id` and `send_ipi`; must outlive the vcpu */
	const struct axv_vcpu_ops *ops; /**< the port; must outlive the vcpu */
	void *port_ctx;                 /**< the port's per-vcpu state, passed to every hook */
	/** Interrupt state of this vcpu (caller-owned, initialised), or NULL: no interrupts. */
	struct axv_virq *virq;
	/** Interrupt controller that delivers @ref virq before entry, or NULL: use ops->inject. */
	const struct axv_vic_ops *vic;
	void *vic_ctx; /**< the controller's context */
};

/**
 * @brief A vcpu. Caller-owned storage that must be zeroed (or destroyed) before
 *        axv_vcpu_create(). Treat the members as private.
 */
struct axv_vcpu {
	_Atomic uint32_t state;         /**< `enum axv_vcpu_state` (private) */
	_Atomic uint32_t cpu;           /**< bound physical cpu or #AXV_CPU_NONE (private) */
	uint32_t id;                    /**< vcpu id (private) */
	bool port_created;              /**< the port's create succeeded (private) */
	const struct axv_hal *hal;      /**< (private) */
	const struct axv_vcpu_ops *ops; /**< (private) */
	void *port_ctx;                 /**< (private) */
	struct axv_virq *virq;          /**< (private) */
	const struct axv_vic_ops *vic;  /**< (private) */
	void *vic_ctx;                  /**< (private) */
	uint64_t exit_gen;              /**< generation of the completable exit, axv_exit::gen (private) */
	const struct axv_bus *fast_bus; /**< axv_vcpu_set_fast_bus() (private) */
	uint64_t fast_fail_gen; /**< exit whose fast completion failed, or 0 (private) */
	int fast_fail_rc;       /**< that failure's error (private) */
	uint64_t fast_seen_gen; /**< exit the port's fast path already offered, or 0 (private) */
	_Atomic uint32_t kick_req;      /**< a kick since this run began (private) */
	const struct axv_hcall *fast_hcalls; /**< axv_vcpu_set_fast_hypercalls() (private) */
	size_t fast_nr_hcalls;               /**< entries in @ref fast_hcalls (private) */
	/** exits completed by the fast path, by reason (private; axv_vcpu_fast_exits()) */
	_Atomic uint64_t fast_exits[AXV_EXIT_REASON_COUNT];
};

/**
 * @brief Name a vcpu state.
 * @param state a state
 * @return "invalid", "created", "free", "ready", "running", "blocked"; "unknown" otherwise
 * @note Context: any.
 */
const char *axv_vcpu_state_name(enum axv_vcpu_state state);

/**
 * @brief Let axv_vcpu_run() complete the accesses @p bus claims itself (the fast path).
 *
 * With a bus set, an exit of reason #AXV_EXIT_MMIO_READ, #AXV_EXIT_MMIO_WRITE,
 * #AXV_EXIT_SYSREG_READ or #AXV_EXIT_SYSREG_WRITE whose address a device of @p bus holds
 * (axv_bus_find()) is completed inside axv_vcpu_run() as axv_vcpu_complete() would, and
 * the guest is entered again at once. Where it is completed: after the interrupt
 * controller's read-back in axv_vcpu_run()'s loop, with the vcpu Ready while the device runs
 * (as while an embedder completes an exit: an interrupt injected meanwhile, by that device
 * say, sends no IPI and is delivered before the re-entry); or, when the port has a run_fast
 * hook and may skip the read-back for that exit (struct axv_vcpu_fast), inside the port's
 * run with the vcpu Running (an injection meanwhile sends an IPI to its own cpu, which ends
 * the re-entered guest at once, and is delivered then). Either way a kick (axv_vcpu_kick())
 * meanwhile makes the run return #AXV_EXIT_NOTHING instead of entering again, and a kick
 * while the guest runs interrupts it, so that exit returns. The embedder sees every other exit, a claimed access
 * the bus fails (the embedder's own axv_vcpu_complete() of that exit then returns the same
 * error without calling the device again), and every physical interrupt (#AXV_EXIT_EXTERNAL_IRQ): its scheduler and
 * timers keep control. Exits completed this way are counted (axv_vcpu_fast_exits()). On
 * aarch64 the port keeps the guest's EL1 and FP/SIMD state in the cpu meanwhile, so such
 * an exit costs no world switch at all.
 *
 * Only for a bus whose devices may be called on the vcpu's cpu in its run (as the
 * embedder's exit handler would call them) and that stays registered while the vcpu runs.
 *
 * Where the fast path sits in the fault rule: it is axv_vcpu_resolve()'s device step taken
 * early, for decoded accesses only. An access exit is reported only for an address the
 * guest's stage-2 / nested tables do not map, and the address space's areas never hold a
 * device; so the fast bus must hold no address inside an area of the guest's address space
 * (axv_vcpu_resolve() tries the address space first; the fast path, which knows no address
 * space, does not). Faults it does not claim go to the embedder, and through
 * axv_vcpu_resolve() in the usual order.
 *
 * @param v   the vcpu
 * @param bus the bus, or NULL to return every exit to the embedder (the default;
 *            axv_vcpu_create() sets it)
 * @return 0; #AXV_EINVAL for NULL @p v; #AXV_ESTATE unless Created, Free, Ready or
 *         Blocked; #AXV_EPERM when bound to another cpu
 * @note Context: task; owner only, on the bound cpu when bound.
 */
int axv_vcpu_set_fast_bus(struct axv_vcpu *v, const struct axv_bus *bus);

/**
 * @brief Let axv_vcpu_run() answer the hypercalls of @p calls itself (the fast path for
 *        hypercalls).
 *
 * With a table set, an #AXV_EXIT_HYPERCALL exit whose number lies in a range of @p calls
 * (the first range that holds it) is given to that range's handler; when it answers (returns
 * 0) its return value goes to the guest's return register (the port's set_retval), the pc
 * moves past the call, and the guest is entered again without returning to the embedder.
 * Calls no range holds, calls a handler declines, and every other exit reach the embedder as
 * before. Like the accesses of axv_vcpu_set_fast_bus(), answered calls are counted
 * (axv_vcpu_fast_exits()), a kick meanwhile makes the run return #AXV_EXIT_NOTHING instead
 * of entering again, and an interrupt injected meanwhile is delivered before or right after
 * the re-entry: the vcpu is Ready while the core answers the call, Running while a port with
 * a run_fast hook does (struct axv_vcpu_fast).
 *
 * Calls the port answers itself (on aarch64 the PSCI functions decode.c owns: VERSION,
 * FEATURES, MIGRATE_INFO_TYPE, invalid arguments) also re-enter the guest without the
 * embedder while the vcpu has any fast path (this table or a fast bus), counted as
 * #AXV_EXIT_HYPERCALL; without one they return #AXV_EXIT_NOTHING as before.
 *
 * A port without a set_retval hook answers no call this way. Should the port fail to write
 * the return value or move the pc (a port error; the aarch64 port cannot fail there), the
 * exit goes to the embedder with the handler already run.
 *
 * @param v     the vcpu
 * @param calls the ranges (caller-owned; kept by pointer, must stay valid and unchanged
 *              while set), or NULL with @p count 0 to answer no call here (the default;
 *              axv_vcpu_create() clears it)
 * @param count number of ranges
 * @return 0; #AXV_EINVAL for NULL @p v, NULL @p calls with a non-zero @p count, or a range
 *         with no handler or with @p last below @p first (nothing is set then);
 *         #AXV_ESTATE unless Created, Free, Ready or Blocked; #AXV_EPERM when bound to
 *         another cpu
 * @note Context: task; owner only, on the bound cpu when bound.
 */
int axv_vcpu_set_fast_hypercalls(struct axv_vcpu *v, const struct axv_hcall *calls,
				 size_t count);

/**
 * @brief How many exits of one reason the fast path completed (axv_vcpu_set_fast_bus()).
 * @param v      the vcpu
 * @param reason the exit reason
 * @return the count since the vcpu was zeroed; 0 for NULL @p v or a reason out of range
 * @note Context: any (a relaxed atomic read: a running vcpu's count may be a little old).
 */
uint64_t axv_vcpu_fast_exits(const struct axv_vcpu *v, enum axv_exit_reason reason);

/**
 * @brief Create a vcpu: #AXV_VCPU_INVALID -> #AXV_VCPU_CREATED.
 * @param v   zeroed (or destroyed) caller-owned storage
 * @param cfg the vcpu's parameters (copied; the pointers in it are kept)
 * @return 0; #AXV_EINVAL for NULL arguments, a HAL without `cpu_id`/`send_ipi` or an ops
 *         table without a required hook; #AXV_ESTATE if @p v is not Invalid, or is an
 *         Invalid vcpu whose port state was not destroyed yet; the port's create error.
 *         On failure @p v is unchanged.
 * @note Context: task; owner only.
 */
int axv_vcpu_create(struct axv_vcpu *v, const struct axv_vcpu_config *cfg);

/**
 * @brief Set a vcpu up: #AXV_VCPU_CREATED -> #AXV_VCPU_FREE.
 * @param v           a created vcpu
 * @param entry       guest entry point
 * @param nested_root host physical address of the nested page-table root
 * @param config      port-specific configuration, passed to the port's setup (may be NULL)
 * @return 0; #AXV_EINVAL for NULL @p v; #AXV_ESTATE if not Created; the port's error (the
 *         vcpu then stays Created and setup may be retried)
 * @note Context: task; owner only.
 */
int axv_vcpu_setup(struct axv_vcpu *v, axv_gpa_t entry, axv_hpa_t nested_root,
		   const void *config);

/**
 * @brief Change the guest entry point (Created or Free).
 * @param v     the vcpu
 * @param entry guest entry point
 * @return 0; #AXV_EINVAL; #AXV_ESTATE in another state; the port's error
 * @note Context: task; owner only.
 */
int axv_vcpu_set_entry(struct axv_vcpu *v, axv_gpa_t entry);

/**
 * @brief Change the nested page-table root (Created or Free).
 * @param v    the vcpu
 * @param root host physical address of the root table
 * @return 0; #AXV_EINVAL; #AXV_ESTATE in another state; the port's error
 * @note Context: task; owner only.
 */
int axv_vcpu_set_nested_root(struct axv_vcpu *v, axv_hpa_t root);

/**
 * @brief Bind a vcpu to the calling physical cpu: #AXV_VCPU_FREE -> #AXV_VCPU_READY.
 * @param v a free vcpu
 * @return 0; #AXV_EINVAL; #AXV_ESTATE if not Free; the port's bind error (stays Free)
 * @note Context: task on the cpu to bind to (the HAL's cpu_id names it); owner only.
 */
int axv_vcpu_bind(struct axv_vcpu *v);

/**
 * @brief Unbind a vcpu: #AXV_VCPU_READY -> #AXV_VCPU_FREE.
 * @param v a ready vcpu (a blocked one must be woken first: axv_vcpu_kick())
 * @return 0; #AXV_EINVAL; #AXV_ESTATE if not Ready; #AXV_EPERM when called on another cpu
 *         than the bound one; the port's unbind error (stays Ready)
 * @note Context: task on the bound cpu; owner only.
 */
int axv_vcpu_unbind(struct axv_vcpu *v);

/**
 * @brief Run the guest until an exit: #AXV_VCPU_READY -> #AXV_VCPU_RUNNING -> READY (or
 *        BLOCKED after a halt).
 *
 * Before entry, deliverable interrupts are handed to the controller (the vic given at
 * create, else the port's inject hook); after the exit the controller takes back what the
 * guest did with them (`struct axv_vic_ops` on_exit). A #AXV_EXIT_HALT exit leaves the vcpu
 * Blocked unless an interrupt is deliverable. Calling run on a Blocked vcpu returns #AXV_EAGAIN unless an
 * interrupt has become deliverable meanwhile (then the vcpu wakes and runs).
 *
 * @param v    a ready vcpu
 * @param[out] exit caller storage for the exit (valid when 0 is returned)
 * @return 0; #AXV_EINVAL for NULL; #AXV_ESTATE if not Ready or Blocked; #AXV_EAGAIN if
 *         Blocked with nothing deliverable; #AXV_EPERM on another cpu than the bound one;
 *         the port's run error (the vcpu is then #AXV_VCPU_INVALID)
 * @note Context: task on the bound cpu; owner only. Blocks only as long as the guest runs.
 */
int axv_vcpu_run(struct axv_vcpu *v, struct axv_exit *exit);

/**
 * @brief Make interrupt @p id pending for this vcpu, and wake or kick it.
 *
 * Running: an IPI to its cpu forces an exit so the interrupt is delivered on re-entry.
 * Blocked: the vcpu becomes Ready and its cpu gets an IPI. Ready, Free, Created: the
 * interrupt waits for the next run. An id that is pending but disabled does not wake.
 *
 * @param v  the vcpu
 * @param id interrupt id (untrusted: validated)
 * @return 0; #AXV_EALREADY if @p id was already pending (coalesced; the earlier injection
 *         already woke or kicked); #AXV_ERANGE for a bad id; #AXV_ENODEV if the vcpu has no
 *         interrupt state; #AXV_ESTATE if the vcpu is Invalid; #AXV_EINVAL for NULL
 * @note Context: any (including interrupt context), any cpu; lock-free; never blocks.
 */
int axv_vcpu_inject(struct axv_vcpu *v, uint32_t id);

/**
 * @brief Make a bound vcpu look at its state again: wake it if Blocked (Ready + IPI), send
 *        an IPI if Running, nothing if Ready.
 *
 * A vcpu completing an exit on the fast path (axv_vcpu_set_fast_bus()) is Ready meanwhile,
 * as it is while its embedder completes one: a kick then makes its run return
 * #AXV_EXIT_NOTHING instead of entering the guest again, so the owner gets control as if
 * the kick had come while the guest ran.
 * @param v the vcpu
 * @return 0; #AXV_ESTATE if it is not bound (Invalid, Created, Free); #AXV_EINVAL for NULL
 * @note Context: any, any cpu; lock-free; never blocks.
 */
int axv_vcpu_kick(struct axv_vcpu *v);

/**
 * @brief The vcpu's state.
 * @param v the vcpu
 * @return its state (a snapshot); #AXV_VCPU_INVALID for NULL
 * @note Context: any, any cpu.
 */
enum axv_vcpu_state axv_vcpu_state(const struct axv_vcpu *v);

/**
 * @brief The physical cpu a vcpu is bound to.
 * @param v the vcpu
 * @return a cpu index, or #AXV_CPU_NONE when not bound or for NULL
 * @note Context: any, any cpu.
 */
uint32_t axv_vcpu_cpu(const struct axv_vcpu *v);

/**
 * @brief Read a guest register (Created, Free, Ready or Blocked: not while Running).
 * @param v   the vcpu
 * @param reg register number (validated by the port)
 * @param[out] value the value
 * @return 0; #AXV_EINVAL; #AXV_ESTATE; the port's error
 * @note Context: task; owner only; on the bound cpu when bound.
 */
int axv_vcpu_get_reg(struct axv_vcpu *v, unsigned reg, uint64_t *value);

/**
 * @brief Write a guest register (Created, Free, Ready or Blocked).
 * @param v     the vcpu
 * @param reg   register number (validated by the port)
 * @param value the value
 * @return 0; #AXV_EINVAL; #AXV_ESTATE; the port's error
 * @note Context: task; owner only; on the bound cpu when bound.
 */
int axv_vcpu_set_reg(struct axv_vcpu *v, unsigned reg, uint64_t value);

/**
 * @brief Set the hypercall return value (Ready or Blocked).
 * @param v     the vcpu
 * @param value the value
 * @return 0; #AXV_EINVAL; #AXV_ESTATE; #AXV_ENOSYS if the port has no set_retval
 * @note Context: task; owner only, on the bound cpu.
 */
int axv_vcpu_set_retval(struct axv_vcpu *v, uint64_t value);

/**
 * @brief Advance the guest pc past the trapping instruction (Ready or Blocked).
 * @param v        the vcpu
 * @param insn_len instruction length from the exit (0: the port knows)
 * @return 0; #AXV_EINVAL; #AXV_ESTATE; the port's error
 * @note Context: task; owner only, on the bound cpu.
 */
int axv_vcpu_advance_pc(struct axv_vcpu *v, uint8_t insn_len);

/**
 * @brief Complete an access exit through a device bus (axv_exit_complete() with this
 *        vcpu's registers and pc), in state Ready or Blocked.
 *
 * The exit must be the one the last axv_vcpu_run() of this vcpu returned, not completed yet,
 * with no set_entry, set_nested_root, setup or destroy since (axv_exit::gen; an exit with
 * gen 0, built by the embedder, is not checked). Unbinding and binding again (moving the
 * vcpu to another cpu) keeps it. A successful completion uses the exit up.
 *
 * @param v    the vcpu
 * @param bus  the device bus
 * @param exit the exit axv_vcpu_run() returned
 * @return as axv_exit_complete(); #AXV_ESTATE if the vcpu is not Ready or Blocked, or the
 *         exit is stale (superseded by a later run, from before a reset of the vcpu, or
 *         already completed): then no device, register or pc is touched
 * @note Context: task; owner only, on the bound cpu.
 */
int axv_vcpu_complete(struct axv_vcpu *v, const struct axv_bus *bus, struct axv_exit *exit);

struct axv_addrspace;

/**
 * @brief What axv_vcpu_resolve() resolves a guest access fault against: the guest's memory
 *        and its devices, and the lock that serialises the memory. Caller-owned; read only.
 */
struct axv_fault_env {
	/** The guest's address space (lazy pages, permissions), or NULL: no memory is tried. */
	struct axv_addrspace *as;
	/** The device bus (#AXV_BUS_MMIO), or NULL: no device is tried. */
	const struct axv_bus *bus;
	/**
	 * @brief Take the lock that serialises @ref as (optional, with @ref unlock): the
	 *        address space is not locked itself. Held around the address-space call and
	 *        the port's decode (which reads guest memory), never around a device call.
	 * @param ctx @ref lock_ctx
	 */
	void (*lock)(void *ctx);
	/**
	 * @brief Release the lock @ref lock took (called exactly once after each lock).
	 * @param ctx @ref lock_ctx
	 */
	void (*unlock)(void *ctx);
	void *lock_ctx; /**< passed to @ref lock and @ref unlock */
};

/** How axv_vcpu_resolve() resolved a fault. */
enum axv_resolved {
	AXV_RESOLVED_MEMORY = 1, /**< the address space backed it: the guest retries the access */
	AXV_RESOLVED_DEVICE = 2  /**< a device completed it: register written, pc advanced */
};

/**
 * @brief Resolve a guest access fault: guest memory first, then a device (Ready or Blocked).
 *
 * Every port reports a guest data access the stage-2 / nested translation refused in one of
 * two forms of one report (see struct axv_exit): #AXV_EXIT_MMIO_READ / #AXV_EXIT_MMIO_WRITE
 * when the hardware decoded the access (aarch64 ESR_EL2.ISV, riscv64 and loongarch64
 * decoders), #AXV_EXIT_NESTED_PAGE_FAULT when it did not (x86 EPT violations and NPFs, an
 * aarch64 abort without ISV). This function is the one place that decides what backs it:
 *
 * 1. The address space (axv_addrspace_handle_fault(), under @p env's lock): a lazy page gets
 *    its frame, a page already mapped with the access allowed is left as it is. Then the
 *    fault is resolved as #AXV_RESOLVED_MEMORY: the guest retries the instruction, the pc is
 *    not advanced, no device is called. An area that does not allow the access is
 *    #AXV_EACCES.
 * 2. Outside every area, the bus: an undecoded fault at an address a device holds is decoded
 *    by the port's decode hook (so faults on memory never pay for an instruction fetch), then
 *    the access is completed as axv_vcpu_complete() does, its width validated there once:
 *    #AXV_RESOLVED_DEVICE.
 *
 * When nothing backs the access the exit still describes the fault and no register, pc,
 * page or device changed, so the embedder injects the abort it chooses (e.g. a synchronous
 * external abort). Instruction fetches are never sent to a device.
 *
 * @param v    the vcpu whose last axv_vcpu_run() returned @p exit
 * @param env  the guest's memory, bus and lock hooks (caller-owned, read only; @ref
 *             axv_fault_env::lock and @ref axv_fault_env::unlock both set or both NULL)
 * @param exit the exit: #AXV_EXIT_MMIO_READ, #AXV_EXIT_MMIO_WRITE or
 *             #AXV_EXIT_NESTED_PAGE_FAULT; an undecoded fault the port decoded is left as
 *             the access exit it became
 * @param[out] how what backed the fault (optional, may be NULL; set only on success)
 * @return 0; #AXV_EINVAL for a NULL @p v, @p env or @p exit, a lone lock hook or another
 *         exit reason; #AXV_ESTATE as axv_vcpu_complete() (wrong state, stale exit), before
 *         anything is touched; #AXV_EACCES when the area does not allow the access, or the
 *         device lacks the hook; #AXV_ENXIO when neither an area nor a device backs it (also
 *         for an instruction fetch outside memory); #AXV_ENOTSUP when a device holds the
 *         address of an undecoded fault and the port has no decode hook, or when the decoder
 *         does not know the instruction; the port's decode error; #AXV_ENOMEM and the other
 *         errors of axv_addrspace_handle_fault(); the errors of axv_vcpu_complete() (an
 *         invalid width, a device error)
 * @note Context: task; owner only, on the bound cpu. Takes @p env's lock at most twice,
 *       always releasing it before returning or calling a device. Lives in its own object
 *       file: an embedder that does not call it does not link the address-space module.
 */
int axv_vcpu_resolve(struct axv_vcpu *v, const struct axv_fault_env *env,
		     struct axv_exit *exit, enum axv_resolved *how);

/**
 * @brief Destroy a vcpu: Created, Free or Invalid -> Invalid, releasing the port's state.
 * @param v the vcpu
 * @return 0; #AXV_EINVAL; #AXV_ESTATE while bound (Ready, Running, Blocked)
 * @note Context: task; owner only. Afterwards the storage may be created again.
 */
int axv_vcpu_destroy(struct axv_vcpu *v);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_VCPU_H */
