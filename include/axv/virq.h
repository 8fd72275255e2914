/**
 * @file virq.h
 * @brief Virtual interrupts: per-vcpu pending, enable, active state and priority, and the
 *        interface a port's virtual interrupt controller implements.
 */
#ifndef AXV_VIRQ_H
#define AXV_VIRQ_H

#include <axv/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_irq Virtual interrupts
 * @brief A lock-free, per-vcpu interrupt state (`struct axv_virq`) and `struct axv_vic_ops`.
 *
 * Every interrupt id (0 to #AXV_VIRQ_MAX - 1) has a pending, an enabled and an active bit
 * and a priority byte (GIC convention: 0 is the highest priority). The bits are C11 atomic
 * 64-bit words, so axv_virq_pend() and the enable calls are lock-free and safe from any cpu
 * and from interrupt context. Interrupts are level-like: pending an id that is already
 * pending coalesces (#AXV_EALREADY), as in hardware.
 *
 * The consumer side (axv_virq_ack(), axv_virq_eoi(), axv_virq_flush()) is run by the cpu
 * that runs the vcpu; only one cpu may consume at a time (the vcpu module guarantees this).
 *
 * "Deliverable" below means pending, enabled and not active. Priority masking and
 * preemption against the running priority are the interrupt controller's business (the
 * port's `struct axv_vic_ops`), not this core's.
 *
 * This module does not know about vcpus: to wake or kick the vcpu that owns an interrupt
 * state, inject through axv_vcpu_inject().
 * @{
 */

/** Number of interrupt ids per vcpu: ids 0 to 1023 (GIC SGIs, PPIs and SPIs; x86 vectors). */
#define AXV_VIRQ_MAX 1024u
/** 64-bit words per bitmap. */
#define AXV_VIRQ_WORDS (AXV_VIRQ_MAX / 64u)
/** "No interrupt": returned by axv_virq_highest_pending() when nothing is deliverable. */
#define AXV_VIRQ_NONE 0xffffffffu
/** Priority every id has after axv_virq_init() (0, the highest, as a GIC after reset). */
#define AXV_VIRQ_PRIO_DEFAULT 0u

/**
 * @brief Interrupt state of one vcpu. Caller-owned; set up with axv_virq_init().
 *
 * The members are visible so the struct can be embedded by value; treat them as private.
 */
struct axv_virq {
	_Atomic uint64_t pending[AXV_VIRQ_WORDS]; /**< one bit per id (private) */
	_Atomic uint64_t enabled[AXV_VIRQ_WORDS]; /**< one bit per id (private) */
	_Atomic uint64_t active[AXV_VIRQ_WORDS];  /**< one bit per id (private) */
	_Atomic uint32_t prio[AXV_VIRQ_MAX / 4u]; /**< four priority bytes per word (private) */
};

/**
 * @brief Reset an interrupt state: nothing pending, active or enabled; every priority
 *        #AXV_VIRQ_PRIO_DEFAULT.
 * @param v caller-owned storage
 * @return 0, or #AXV_EINVAL for NULL
 * @note Context: task; no other call on @p v may run concurrently.
 */
int axv_virq_init(struct axv_virq *v);

/**
 * @brief Make interrupt @p id pending.
 * @param v  an initialised state
 * @param id interrupt id (untrusted: validated)
 * @return 0 if @p id became pending; #AXV_EALREADY if it already was (coalesced, nothing
 *         changed); #AXV_ERANGE for an id of #AXV_VIRQ_MAX or more; #AXV_EINVAL for NULL
 * @note Context: any, any cpu; lock-free, never blocks. It does not wake or kick anything:
 *       use axv_vcpu_inject() for that.
 */
int axv_virq_pend(struct axv_virq *v, uint32_t id);

/**
 * @brief Withdraw a pending interrupt (e.g. a level line dropped).
 * @param v  an initialised state
 * @param id interrupt id
 * @return 0 (also when it was not pending); #AXV_ERANGE; #AXV_EINVAL
 * @note Context: any, any cpu; lock-free.
 */
int axv_virq_unpend(struct axv_virq *v, uint32_t id);

/**
 * @brief Enable (unmask) interrupt @p id.
 * @param v  an initialised state
 * @param id interrupt id
 * @return 0; #AXV_ERANGE; #AXV_EINVAL
 * @note Context: any, any cpu; lock-free. Enabling an id that is already pending does not
 *       wake a blocked vcpu by itself: call axv_vcpu_kick() afterwards.
 */
int axv_virq_enable(struct axv_virq *v, uint32_t id);

/**
 * @brief Disable (mask) interrupt @p id; a pending one stays pending but is not delivered.
 * @param v  an initialised state
 * @param id interrupt id
 * @return 0; #AXV_ERANGE; #AXV_EINVAL
 * @note Context: any, any cpu; lock-free.
 */
int axv_virq_disable(struct axv_virq *v, uint32_t id);

/**
 * @brief Set the priority of interrupt @p id.
 * @param v    an initialised state
 * @param id   interrupt id
 * @param prio priority, 0 (highest) to 255 (lowest)
 * @return 0; #AXV_ERANGE; #AXV_EINVAL
 * @note Context: any, any cpu; lock-free.
 */
int axv_virq_set_priority(struct axv_virq *v, uint32_t id, uint8_t prio);

/**
 * @brief Read the priority of interrupt @p id.
 * @param v  an initialised state
 * @param id interrupt id
 * @param[out] prio the priority
 * @return 0; #AXV_ERANGE; #AXV_EINVAL
 * @note Context: any.
 */
int axv_virq_priority(const struct axv_virq *v, uint32_t id, uint8_t *prio);

/**
 * @brief Tell whether @p id is pending.
 * @param v  an initialised state
 * @param id interrupt id
 * @return true if pending; false if not, or for an invalid argument
 * @note Context: any.
 */
bool axv_virq_is_pending(const struct axv_virq *v, uint32_t id);

/**
 * @brief Tell whether @p id is enabled.
 * @param v  an initialised state
 * @param id interrupt id
 * @return true if enabled; false if not, or for an invalid argument
 * @note Context: any.
 */
bool axv_virq_is_enabled(const struct axv_virq *v, uint32_t id);

/**
 * @brief Tell whether @p id is active (acknowledged, not yet ended).
 * @param v  an initialised state
 * @param id interrupt id
 * @return true if active; false if not, or for an invalid argument
 * @note Context: any.
 */
bool axv_virq_is_active(const struct axv_virq *v, uint32_t id);

/**
 * @brief The deliverable interrupt with the highest priority.
 * @param v an initialised state
 * @param[out] prio its priority (may be NULL)
 * @return the id with the lowest priority value among the deliverable ones (ties go to the
 *         lowest id), or #AXV_VIRQ_NONE
 * @note Context: any; read-only; O(#AXV_VIRQ_WORDS + deliverable ids).
 */
uint32_t axv_virq_highest_pending(const struct axv_virq *v, uint8_t *prio);

/**
 * @brief Tell whether any interrupt is deliverable.
 * @param v an initialised state
 * @return true if some id is pending, enabled and not active
 * @note Context: any; read-only.
 */
bool axv_virq_any_deliverable(const struct axv_virq *v);

/**
 * @brief Acknowledge the highest-priority deliverable interrupt: pending becomes active.
 * @param v an initialised state
 * @param[out] id the id acknowledged
 * @return 0; #AXV_ENOENT if nothing is deliverable (@p id untouched); #AXV_EINVAL
 * @note Context: the consuming cpu only (see the module notes); lock-free against concurrent
 *       axv_virq_pend() calls, which are never lost.
 */
int axv_virq_ack(struct axv_virq *v, uint32_t *id);

/**
 * @brief Make interrupt @p id active and not pending: what an acknowledge does, for one named
 *        id.
 *
 * For a controller that takes interrupts or moves their state under a lock of its own (the
 * aarch64 vGIC marks an SPI active when a list register takes it, and moves an SPI's active
 * state when the guest re-routes it). Unlike axv_virq_ack() it does not check that @p id
 * was pending or deliverable.
 *
 * @param v  an initialised state
 * @param id interrupt id
 * @return 0; #AXV_ERANGE; #AXV_EINVAL
 * @note Context: any, any cpu; lock-free. Concurrent consumers of @p v must be kept out by
 *       the caller's own serialisation, as for axv_virq_ack().
 */
int axv_virq_activate(struct axv_virq *v, uint32_t id);

/**
 * @brief End of interrupt: @p id stops being active.
 * @param v  an initialised state
 * @param id interrupt id
 * @return 0; #AXV_ESTATE if @p id is not active (nothing changes); #AXV_ERANGE; #AXV_EINVAL
 * @note Context: the consuming cpu only.
 */
int axv_virq_eoi(struct axv_virq *v, uint32_t id);

/** axv_vic_ops::deliver: taken, and the controller has already made it active itself. */
#define AXV_VIC_TAKEN 1
/** axv_vic_ops::deliver: not taken, since it is no longer deliverable here (withdrawn or
 *  moved to another vcpu's state since the core chose it); flushing goes on. */
#define AXV_VIC_GONE 2

/**
 * @brief A port's virtual interrupt controller (GIC list registers, VMX/SVM event
 *        injection, LoongArch GINTC): how deliverable interrupts reach the guest.
 *
 * A constant table plus a context pointer. axv_virq_flush() calls it on the cpu that is
 * about to enter the guest.
 */
struct axv_vic_ops {
	/**
	 * @brief Put one interrupt into the guest's hardware state (a free list register, the
	 *        VM-entry interruption field, ...).
	 * @param ctx  the controller's context
	 * @param id   the interrupt id
	 * @param prio its priority
	 * @return 0 if taken (the core marks it active); #AXV_VIC_TAKEN if taken and already
	 *         marked active by the controller (which serialises that with whoever else
	 *         moves the id's state; the core leaves the state alone); #AXV_VIC_GONE if the
	 *         controller found the id no longer deliverable here and took nothing (the core
	 *         leaves it alone and goes on with the next); #AXV_ENOSPC (or any negative code)
	 *         when there is no room now: the interrupt stays pending and flushing stops
	 * @note Required. Called with the vcpu's cpu about to enter the guest; must not block
	 *       (a short spinlock held by other cpus, as the vGIC's, is allowed).
	 */
	int (*deliver)(void *ctx, uint32_t id, uint8_t prio);
	/**
	 * @brief Before delivery: report what the guest finished since the last look (call
	 *        axv_virq_eoi() for each id whose list register, or equivalent, shows it
	 *        completed), and let an id pended again while the guest still has it active
	 *        join the state the controller holds (a GIC list register's pending and active
	 *        state), where the controller can.
	 * @param ctx the controller's context
	 * @param v   the interrupt state being flushed
	 * @note Optional (NULL: the port reports completion elsewhere). Called first by
	 *       axv_virq_flush().
	 */
	void (*sync)(void *ctx, struct axv_virq *v);
	/**
	 * @brief After an exit: take back from the hardware what the guest did with the
	 *        interrupts it was given, so that @p v says what the architecture says now:
	 *        ids the guest ended are ended (axv_virq_eoi()), ids it has not acknowledged
	 *        yet are pending again and not active, ids it acknowledged stay active.
	 * @param ctx the controller's context
	 * @param v   the vcpu's interrupt state
	 * @note Optional. Called by axv_vcpu_run() on the vcpu's cpu after every exit the port
	 *       returned, before the core decides whether a halt blocks, so an interrupt the
	 *       guest made deliverable again (by ending the active instance of one pended
	 *       meanwhile) wakes the halt. Must not block (a short spinlock, as the vGIC's,
	 *       is allowed).
	 */
	void (*on_exit)(void *ctx, struct axv_virq *v);
};

/**
 * @brief Hand deliverable interrupts to a controller, highest priority first, until it has
 *        no room or nothing is deliverable.
 * @param v   an initialised state
 * @param ops the controller (deliver required)
 * @param ctx the controller's context
 * @return the number of interrupts delivered (0 or more; ids the controller reported
 *         #AXV_VIC_GONE are not counted); #AXV_EINVAL for NULL arguments or a missing
 *         deliver hook
 * @note Context: the consuming cpu, just before guest entry; never blocks.
 */
int axv_virq_flush(struct axv_virq *v, const struct axv_vic_ops *ops, void *ctx);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_VIRQ_H */
