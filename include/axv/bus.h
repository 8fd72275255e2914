/**
 * @file bus.h
 * @brief The device bus: emulated devices on MMIO, I/O port and system-register ranges.
 *
 * An exit of an access reason is finished through a bus by axv_exit_complete() (exit.h)
 * or axv_vcpu_complete() (vcpu.h).
 */
#ifndef AXV_BUS_H
#define AXV_BUS_H

#include <stddef.h>

#include <axv/frame.h>
#include <axv/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_bus Device bus
 * @brief Emulated devices on MMIO, I/O port and system-register ranges, and the dispatcher
 *        that completes an access exit.
 *
 * A `struct axv_bus` keeps, per address space, a sorted array of non-overlapping ranges
 * (lookup by binary search, O(log n)). The arrays live in caller storage
 * (axv_bus_init()) or in HAL frames (axv_bus_init_frames()); the bus never calls malloc.
 *
 * Address rules: in the MMIO and port spaces an access of `width` bytes at `addr` is claimed
 * by a device only if all its bytes `[addr, addr + width)` lie inside that device's range
 * (an access straddling two devices or a device's end is unclaimed). In the system-register
 * space addresses are register ids, not bytes: an access is claimed when its id lies inside
 * the range, whatever its width.
 *
 * Concurrency: registration and unregistration are not locked and must not run concurrently
 * with each other or with accesses on the same bus (register devices before the vcpus run).
 * Accesses (axv_bus_read(), axv_bus_write(), axv_exit_complete()) only read the bus and may
 * run concurrently from several cpus; device callbacks then run concurrently too.
 * Context: task or interrupt context; nothing blocks unless a device callback does.
 * @{
 */

/** The address spaces of a bus. */
enum axv_bus_space {
	AXV_BUS_MMIO = 0,     /**< guest physical addresses (MMIO exits) */
	AXV_BUS_PORT = 1,     /**< I/O ports (x86 IN/OUT, LoongArch IOCSR) */
	AXV_BUS_SYSREG = 2,   /**< system registers, in the port's id numbering */
	AXV_BUS_SPACE_COUNT   /**< number of spaces; not a space */
};

/**
 * @brief An emulated device: two callbacks and the device's own context.
 *
 * @p offset is relative to the start of the range the device was registered on;
 * @p width is 1, 2, 4 or 8 (the bus refuses anything else before calling).
 */
struct axv_device_ops {
	/**
	 * @brief Emulate a guest read.
	 * @param ctx    the context given at registration
	 * @param offset offset of the access inside the device's range
	 * @param width  access width in bytes (1, 2, 4 or 8)
	 * @param[out] value the value read; bits above @p width bytes are ignored
	 * @return 0, or a negative `AXV_E*` code passed back to the embedder
	 *         (NULL hook: the device is write-only and reads fail with #AXV_EACCES)
	 */
	int (*read)(void *ctx, uint64_t offset, uint8_t width, uint64_t *value);
	/**
	 * @brief Emulate a guest write.
	 * @param ctx    the context given at registration
	 * @param offset offset of the access inside the device's range
	 * @param width  access width in bytes (1, 2, 4 or 8)
	 * @param value  the value written, already truncated to @p width bytes
	 * @return 0, or a negative `AXV_E*` code passed back to the embedder
	 *         (NULL hook: the device is read-only and writes fail with #AXV_EACCES)
	 */
	int (*write)(void *ctx, uint64_t offset, uint8_t width, uint64_t value);
};

/** @brief One registered range. Storage element of a bus; treat the members as private. */
struct axv_bus_entry {
	uint64_t base;                     /**< first address (or id) of the range */
	uint64_t last;                     /**< last address (or id), inclusive: no wrap */
	const struct axv_device_ops *ops;  /**< the device */
	void *ctx;                         /**< the device's context */
};

/** @brief The ranges of one space: a sorted array. Private. */
struct axv_bus_table {
	struct axv_bus_entry *slots; /**< sorted by base, non-overlapping */
	size_t count;                /**< ranges registered */
	size_t cap;                  /**< capacity of @ref slots */
};

/**
 * @brief A device bus. Caller-owned storage; set up with axv_bus_init() or
 *        axv_bus_init_frames(), tear down with axv_bus_destroy().
 */
struct axv_bus {
	struct axv_bus_table space[AXV_BUS_SPACE_COUNT]; /**< one table per space (private) */
	struct axv_frames *frames; /**< where the tables' frames came from, or NULL (private) */
	axv_hpa_t storage_pa;      /**< first frame of the tables' run (private) */
	size_t storage_frames;     /**< frames in that run (private) */
};

/**
 * @brief Set a bus up over caller storage.
 * @param bus     caller-owned bus storage
 * @param storage an array of at least `cap[0] + cap[1] + cap[2]` entries, owned by the
 *                caller, which keeps it alive and does not touch it until axv_bus_destroy()
 * @param cap     capacity of each space, indexed by `enum axv_bus_space`; 0 is allowed
 * @return 0; #AXV_EINVAL for a NULL argument, or a NULL @p storage with a non-zero total
 *         capacity; #AXV_ERANGE if the capacities overflow. On failure @p bus is untouched.
 * @note Context: task; not locked.
 */
int axv_bus_init(struct axv_bus *bus, struct axv_bus_entry *storage,
		 const size_t cap[AXV_BUS_SPACE_COUNT]);

/**
 * @brief Set a bus up with its tables in HAL frames.
 * @param bus caller-owned bus storage
 * @param fr  an initialised frame context; the bus allocates one run from it, counted there,
 *            and gives it back in axv_bus_destroy(); @p fr must outlive the bus
 * @param cap capacity of each space, indexed by `enum axv_bus_space`; at least one non-zero
 * @return 0; #AXV_EINVAL for a NULL argument or all capacities zero; #AXV_ERANGE if the
 *         table size overflows; any error of axv_frame_alloc_run() (#AXV_ENOMEM, ...).
 *         On failure @p bus is untouched and nothing is allocated.
 * @note Context: task (the HAL's allocator is called); not locked.
 */
int axv_bus_init_frames(struct axv_bus *bus, struct axv_frames *fr,
			const size_t cap[AXV_BUS_SPACE_COUNT]);

/**
 * @brief Tear a bus down: forget every device and give back its frames.
 * @param bus an initialised bus
 * @return 0; #AXV_EINVAL for NULL; or the frame module's error if giving the frames back
 *         failed (then the bus is unchanged)
 * @note Context: task; no access may be in progress.
 */
int axv_bus_destroy(struct axv_bus *bus);

/**
 * @brief Register a device on a range.
 * @param bus   an initialised bus
 * @param space which space
 * @param base  first address (byte address, port number or register id) of the range
 * @param size  number of addresses in the range, at least 1
 * @param ops   the device's callbacks (at least one non-NULL); kept by pointer, must outlive
 *              the registration
 * @param ctx   passed to the callbacks unchanged
 * @return 0; #AXV_EINVAL for a NULL bus or ops, an ops table with no hook, an unknown
 *         space or a zero size; #AXV_ERANGE if `base + size - 1` wraps past 2^64 - 1;
 *         #AXV_EEXIST if the range overlaps a registered one; #AXV_ENOSPC if the space's
 *         table is full. On failure the bus is unchanged.
 * @note Context: task; O(n) (one insertion into a sorted array); not locked.
 */
int axv_bus_register(struct axv_bus *bus, enum axv_bus_space space, uint64_t base,
		     uint64_t size, const struct axv_device_ops *ops, void *ctx);

/**
 * @brief Remove the device registered at exactly @p base.
 * @param bus   an initialised bus
 * @param space which space
 * @param base  the base it was registered with
 * @return 0; #AXV_EINVAL for a NULL bus or an unknown space; #AXV_ENOENT if no range starts
 *         at @p base (the bus is unchanged)
 * @note Context: task; not locked.
 */
int axv_bus_unregister(struct axv_bus *bus, enum axv_bus_space space, uint64_t base);

/**
 * @brief Find the range that holds an address.
 * @param bus   an initialised bus
 * @param space which space
 * @param addr  the address or id
 * @return the entry (owned by the bus, valid until the next registration change), or NULL
 *         when no range holds @p addr or an argument is invalid
 * @note Context: any; O(log n); read-only.
 */
const struct axv_bus_entry *axv_bus_find(const struct axv_bus *bus, enum axv_bus_space space,
					 uint64_t addr);

/**
 * @brief Read through the bus.
 * @param bus   an initialised bus
 * @param space which space
 * @param addr  address of the access (guest-controlled: validated)
 * @param width access width in bytes (guest-controlled: validated)
 * @param[out] value the value, zero-extended from @p width bytes (untouched on error)
 * @return 0; #AXV_EINVAL for a width other than 1, 2, 4 or 8 or a NULL argument;
 *         #AXV_ENXIO if no device claims the whole access; #AXV_EACCES if the device has no
 *         read hook; otherwise the device's own error
 * @note Context: any the device callbacks allow; read-only on the bus.
 */
int axv_bus_read(const struct axv_bus *bus, enum axv_bus_space space, uint64_t addr,
		 uint8_t width, uint64_t *value);

/**
 * @brief Write through the bus.
 * @param bus   an initialised bus
 * @param space which space
 * @param addr  address of the access (validated)
 * @param width access width in bytes (validated)
 * @param value the value; only its low @p width bytes reach the device
 * @return as axv_bus_read(), with #AXV_EACCES for a device without a write hook
 * @note Context: any the device callbacks allow; read-only on the bus.
 */
int axv_bus_write(const struct axv_bus *bus, enum axv_bus_space space, uint64_t addr,
		  uint8_t width, uint64_t value);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_BUS_H */
