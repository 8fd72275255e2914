/**
 * @file percpu.h
 * @brief Per-cpu hardware enable (`struct axv_percpu`): reference-counted virtualization
 *        on and off of one physical cpu, through the port's `struct axv_percpu_ops`.
 */
#ifndef AXV_PERCPU_H
#define AXV_PERCPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_percpu Per-cpu virtualization enable
 * @brief Reference-counted hardware enable and disable of one physical cpu.
 * @{
 */

/** @brief What a port does to turn virtualization on or off on the calling cpu. */
struct axv_percpu_ops {
	/**
	 * @brief Turn virtualization on (VMXON, HCR_EL2 setup, EFER.SVME, ...).
	 * @param ctx the port's per-cpu context
	 * @return 0 or a negative code
	 */
	int (*hardware_enable)(void *ctx);
	/**
	 * @brief Turn virtualization off (VMXOFF, ...).
	 * @param ctx the port's per-cpu context
	 * @return 0 or a negative code
	 */
	int (*hardware_disable)(void *ctx);
};

/**
 * @brief For ports: define a constant struct axv_percpu_ops @p name over the port's typed
 *        per-cpu enable and disable functions.
 *
 * Expands to two static hooks, which pass the per-cpu context (a @p type) to @p enable and
 * @p disable, and `const struct axv_percpu_ops name` holding them.
 * @param name    the table's name (a public symbol, declared in the port's header)
 * @param type    the port's per-cpu context type
 * @param enable  `int enable(type *)`: turn virtualization on
 * @param disable `int disable(type *)`: turn it off
 */
#define AXV_PERCPU_OPS_DEFINE(name, type, enable, disable)                                     \
	static int name##_enable(void *ctx)                                                      \
	{                                                                                        \
		return enable((type *)ctx);                                                      \
	}                                                                                        \
	static int name##_disable(void *ctx)                                                     \
	{                                                                                        \
		return disable((type *)ctx);                                                     \
	}                                                                                        \
	const struct axv_percpu_ops name = {.hardware_enable = name##_enable,                   \
					    .hardware_disable = name##_disable}

/** @brief Per-physical-cpu state. Caller-owned, one per cpu. Treat members as private. */
struct axv_percpu {
	_Atomic uint32_t refs;            /**< enable count (private) */
	uint32_t cpu;                     /**< the cpu index (private) */
	const struct axv_percpu_ops *ops; /**< (private) */
	void *ctx;                        /**< (private) */
};

/**
 * @brief Set up the per-cpu state of cpu @p cpu (disabled, count 0).
 * @param p   caller-owned storage
 * @param cpu the cpu index
 * @param ops the port's hooks (both required); must outlive @p p
 * @param ctx the port's per-cpu context
 * @return 0; #AXV_EINVAL for NULL arguments or missing hooks (then @p p is untouched)
 * @note Context: task.
 */
int axv_percpu_init(struct axv_percpu *p, uint32_t cpu, const struct axv_percpu_ops *ops,
		    void *ctx);

/**
 * @brief Take a reference; the first one enables the hardware.
 * @param p the per-cpu state
 * @return 0; #AXV_EINVAL; #AXV_EOVERFLOW if the count is saturated; the port's enable
 *         error (the count stays 0)
 * @note Context: task on that cpu; calls on one @p p are serialised by the caller.
 */
int axv_percpu_enable(struct axv_percpu *p);

/**
 * @brief Drop a reference; the last one disables the hardware.
 * @param p the per-cpu state
 * @return 0; #AXV_EINVAL; #AXV_ESTATE if not enabled; the port's disable error (the
 *         count stays 1)
 * @note Context: task on that cpu; serialised by the caller.
 */
int axv_percpu_disable(struct axv_percpu *p);

/**
 * @brief Tell whether virtualization is on for this cpu.
 * @param p the per-cpu state
 * @return true if the reference count is non-zero
 * @note Context: any, any cpu.
 */
bool axv_percpu_enabled(const struct axv_percpu *p);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_PERCPU_H */
