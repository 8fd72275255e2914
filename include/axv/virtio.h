/**
 * @file virtio.h
 * @brief virtio 1.x devices: the virtio-mmio transport (version 2), split virtqueues, and
 *        the virtio-blk and virtio-console devices.
 */
#ifndef AXV_VIRTIO_H
#define AXV_VIRTIO_H

#include <axv/addrspace.h>
#include <axv/bus.h>
#include <axv/exit.h>
#include <axv/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_virtio virtio
 * @brief Emulated virtio devices on the device bus, with strict validation of guest input.
 *
 * A device is one `struct axv_virtio_mmio` in caller storage (inside a `struct axv_virtio_blk`
 * or `struct axv_virtio_console`, or a device of the embedder's own written against
 * `struct axv_virtio_device`). The embedder registers it on the bus:
 *
 *     axv_bus_register(&bus, AXV_BUS_MMIO, base, AXV_VIRTIO_MMIO_SIZE,
 *                      &axv_virtio_mmio_ops, &blk.mmio);
 *
 * The transport implements every register of virtio 1.2 section 4.2.2 (version 2, "modern"
 * only). Queues are split virtqueues (section 2.7) with NEXT, WRITE and INDIRECT descriptors
 * and notification suppression, with VIRTIO_F_RING_EVENT_IDX (sections 2.7.7, 2.7.10).
 * Requests are processed synchronously inside the guest's QueueNotify write.
 *
 * All guest memory is reached through the `struct axv_addrspace` given at init
 * (axv_addrspace_read() and axv_addrspace_write()); before each access the transport checks
 * that the whole range lies in areas of guest RAM: not a hole (emulated MMIO), not an area
 * mapped #AXV_MAP_DEVICE, and for memory the device writes (used ring, device-writable
 * buffers), an area mapped #AXV_MAP_WRITE.
 *
 * Everything the guest writes is validated (see doc/architecture.md, "virtio"). A
 * violation of the ring protocol (a descriptor chain that loops or is longer than the queue,
 * lengths that overflow, a buffer outside guest RAM, a ring index beyond the queue size, a
 * notification of a queue that is not ready, a queue set up with a bad size or address) puts
 * the device in DEVICE_NEEDS_RESET (section 2.1.2): the status bit is set, a configuration
 * change interrupt is raised if DRIVER_OK was set, and the device processes nothing more until
 * the driver resets it. The bus call still returns 0: the guest broke the protocol, the
 * hypervisor carries on. Register accesses that are not 32-bit and aligned (section 4.2.2.2),
 * or outside the register block, read as zero and are ignored when written.
 *
 * Concurrency: a device is not locked. The embedder serialises every call on one device
 * (bus accesses, axv_virtio_console_input(), axv_virtio_config_changed()), e.g. with one
 * spinlock per device. Different devices are independent. The `set_irq` callback is called
 * with that serialisation held.
 * Context: any context in which the address space may be read and written (see
 * addrspace.h) and in which the device's callbacks may run; nothing blocks.
 * @{
 */

/** Bytes of one virtio-mmio device's register window (registers and config space). */
#define AXV_VIRTIO_MMIO_SIZE 0x200u
/** Largest queue size the transport offers (QueueNumMax). */
#define AXV_VIRTQ_MAX_SIZE 256u
/** Most queues one device may have. */
#define AXV_VIRTIO_MAX_QUEUES 4u
/** Largest device configuration space, in bytes (the window holds 0x100). */
#define AXV_VIRTIO_CONFIG_MAX 0x100u

/** Device status bit (virtio 1.2 section 2.1): the guest noticed the device. */
#define AXV_VIRTIO_STATUS_ACKNOWLEDGE 1u
#define AXV_VIRTIO_STATUS_DRIVER 2u        /**< the guest has a driver */
#define AXV_VIRTIO_STATUS_DRIVER_OK 4u     /**< the driver is ready */
#define AXV_VIRTIO_STATUS_FEATURES_OK 8u   /**< feature negotiation is complete */
#define AXV_VIRTIO_STATUS_NEEDS_RESET 0x40u /**< the device hit a protocol violation */
#define AXV_VIRTIO_STATUS_FAILED 0x80u     /**< the driver gave up */

/** InterruptStatus bit: the device used a buffer (section 4.2.2). */
#define AXV_VIRTIO_INT_VRING 1u
/** InterruptStatus bit: the configuration (or DEVICE_NEEDS_RESET) changed. */
#define AXV_VIRTIO_INT_CONFIG 2u

/** Feature bit: indirect descriptors (section 2.7.5.3; the bits: section 6). */
#define AXV_VIRTIO_F_INDIRECT_DESC 28
#define AXV_VIRTIO_F_RING_EVENT_IDX 29 /**< used_event / avail_event (section 2.7.10) */
#define AXV_VIRTIO_F_VERSION_1 32      /**< virtio 1.x; required of every driver here */

/** Device id of a block device (section 5). */
#define AXV_VIRTIO_ID_BLOCK 2u
/** Device id of a console (section 5). */
#define AXV_VIRTIO_ID_CONSOLE 3u

/** Why a device entered DEVICE_NEEDS_RESET (axv_virtio_mmio::violation). */
enum axv_virtio_violation {
	AXV_VIRTIO_OK = 0,            /**< no violation */
	AXV_VIRTIO_BAD_QUEUE_SETUP,   /**< QueueReady=1 with a bad size, alignment or address */
	AXV_VIRTIO_QUEUE_NOT_READY,   /**< notification of a missing or not-ready queue */
	AXV_VIRTIO_BAD_AVAIL_IDX,     /**< the available index moved more than the queue size */
	AXV_VIRTIO_BAD_DESC_INDEX,    /**< a head or next index beyond the queue size */
	AXV_VIRTIO_CHAIN_TOO_LONG,    /**< a chain longer than the queue size (or a loop) */
	AXV_VIRTIO_BAD_LENGTH,        /**< lengths overflow, or a bad indirect table length */
	AXV_VIRTIO_BAD_BUFFER,        /**< a buffer or ring outside guest RAM, or read-only */
	AXV_VIRTIO_BAD_INDIRECT,      /**< INDIRECT not negotiated, nested, or with NEXT */
	AXV_VIRTIO_BAD_ORDER,         /**< a device-readable descriptor after a writable one */
	AXV_VIRTIO_BAD_USED,          /**< the device's own push was invalid (device bug) */
};

/** @brief One buffer of a descriptor chain, validated. */
struct axv_virtq_seg {
	axv_gpa_t addr; /**< guest physical address of the buffer */
	uint32_t len;   /**< its length in bytes */
	bool write;     /**< device-writable (VIRTQ_DESC_F_WRITE) */
};

/**
 * @brief A request popped from a queue: one validated descriptor chain.
 *
 * The device-readable segments come first (`seg[0 .. nout)`), then the device-writable ones
 * (`seg[nout .. nseg)`). @ref seg points into the device's scratch storage and stays valid
 * until the next axv_virtq_pop() on the same device (a device that keeps several requests
 * in flight copies the segments and points @ref seg at its copy).
 *
 * Lifetime: a request belongs to one setup of its queue. axv_virtq_pop() stamps it with the
 * queue's generation (@ref gen); the generation changes when the device is reset (Status
 * written 0, axv_virtio_mmio_reset()), when it enters DEVICE_NEEDS_RESET (every queue), when
 * the driver writes QueueReady 0 and when it sets the queue up again (QueueReady 1). From
 * then on the request is stale: axv_virtq_read(), axv_virtq_write() and axv_virtq_push()
 * fail with #AXV_ESTATE without touching guest memory or the used ring, so a device that
 * completes a request after the driver reset it never writes memory the driver has since
 * freed, nor hands the new ring a head the driver never posted (virtio 1.2 section 2.1.2,
 * 3.3.1: after a reset the device uses no buffer made available before it). A stale request
 * is simply dropped; it need not (and cannot) be returned.
 */
struct axv_virtq_req {
	uint16_t queue;                  /**< the queue it came from */
	uint16_t head;                   /**< index of the chain's head descriptor */
	uint16_t nseg;                   /**< segments */
	uint16_t nout;                   /**< device-readable segments (the first ones) */
	uint32_t out_len;                /**< total device-readable bytes */
	uint32_t in_len;                 /**< total device-writable bytes */
	const struct axv_virtq_seg *seg; /**< the segments (device scratch, see above) */
	uint64_t gen;                    /**< the queue's generation at the pop (see above); do not change */
};

/** @brief One split virtqueue's state (section 2.7). Private. */
struct axv_virtq {
	axv_gpa_t desc;          /**< descriptor table (QueueDesc) */
	axv_gpa_t driver;        /**< available ring (QueueDriver) */
	axv_gpa_t device;        /**< used ring (QueueDevice) */
	uint16_t num;            /**< queue size (QueueNum) */
	uint16_t last_avail;     /**< next available ring entry the device reads */
	uint16_t used_idx;       /**< the used ring's idx as the device last wrote it */
	uint16_t signalled_used; /**< used idx at the last interrupt (EVENT_IDX) */
	bool ready;              /**< QueueReady */
	bool signalled_valid;    /**< @ref signalled_used is meaningful */
	/**
	 * Generation of the queue's requests (axv_virtq_req::gen): incremented at every device
	 * reset, DEVICE_NEEDS_RESET, QueueReady 0 and QueueReady 1 (a new setup); kept across
	 * resets, so it never returns to an earlier value (64 bits do not wrap).
	 */
	uint64_t gen;
};

struct axv_virtio_mmio;

/**
 * @brief What a device type provides to the transport. A constant table.
 *
 * The callbacks run inside the transport's bus calls, serialised as the device is.
 */
struct axv_virtio_device {
	uint32_t device_id;  /**< DeviceID (section 5), e.g. #AXV_VIRTIO_ID_BLOCK */
	uint16_t num_queues; /**< queues, 1 to #AXV_VIRTIO_MAX_QUEUES */
	/**
	 * @brief Process the available buffers of a queue (after a QueueNotify, or at DRIVER_OK
	 *        for every ready queue).
	 * @param m the transport; the device's context is axv_virtio_mmio::dev
	 * @param q the queue index, below num_queues, ready, and DRIVER_OK is set
	 * @return 0, or a negative code the transport returns from the bus write (usually 0:
	 *         protocol violations are reported through DEVICE_NEEDS_RESET, not errors)
	 */
	int (*notify)(struct axv_virtio_mmio *m, unsigned q);
	/**
	 * @brief Device reset (status written 0): forget in-flight state (optional, may be NULL).
	 * @param m the transport, already reset
	 */
	void (*reset)(struct axv_virtio_mmio *m);
	/**
	 * @brief The driver wrote device configuration space (optional; NULL: writes ignored).
	 * @param m     the transport
	 * @param off   offset inside the config space, below axv_virtio_mmio::config_len
	 * @param width 1, 2, 4 or 8, with `off + width <= config_len`
	 * @param value the value, little-endian order
	 */
	void (*config_write)(struct axv_virtio_mmio *m, uint32_t off, uint8_t width,
			     uint64_t value);
};

/**
 * @brief A virtio-mmio device: the transport, its queues and the device hooks.
 *
 * Caller-owned storage, set up with axv_virtio_mmio_init() (or a device's own init). The
 * members are visible so it can be embedded by value; treat them as private except
 * @ref dev (the device's context), @ref status and @ref violation (read-only diagnostics).
 */
struct axv_virtio_mmio {
	struct axv_addrspace *as;                /**< guest memory (private) */
	const struct axv_virtio_device *type;    /**< the device type (private) */
	void *dev;                               /**< the device's own context */
	void (*set_irq)(void *ctx, bool level);  /**< interrupt line (private) */
	void *irq_ctx;                           /**< its context (private) */
	uint64_t device_features;                /**< features offered (private) */
	uint64_t driver_features;                /**< features the driver wrote (private) */
	uint8_t *config;                         /**< device config space bytes (private) */
	uint32_t config_len;                     /**< its length (private) */
	uint32_t config_gen;                     /**< ConfigGeneration (private) */
	uint32_t status;                         /**< Status register (read-only diagnostics) */
	uint32_t isr;                            /**< InterruptStatus (private) */
	uint32_t dev_features_sel;               /**< DeviceFeaturesSel (private) */
	uint32_t drv_features_sel;               /**< DriverFeaturesSel (private) */
	uint32_t queue_sel;                      /**< QueueSel (private) */
	bool irq_level;                          /**< level last given to set_irq (private) */
	enum axv_virtio_violation violation;     /**< why NEEDS_RESET was set (diagnostics) */
	uint64_t violations;                     /**< violations seen since init (diagnostics) */
	struct axv_virtq q[AXV_VIRTIO_MAX_QUEUES];          /**< the queues (private) */
	struct axv_virtq_seg scratch[AXV_VIRTQ_MAX_SIZE];   /**< chain scratch (private) */
};

/**
 * @brief The bus callbacks of every virtio-mmio device: register the device with
 *        `ops = &axv_virtio_mmio_ops, ctx = &its struct axv_virtio_mmio` over
 *        #AXV_VIRTIO_MMIO_SIZE bytes. The callbacks return 0 for every guest access (bad
 *        accesses are ignored, see above) and otherwise only what a device's notify returns.
 */
extern const struct axv_device_ops axv_virtio_mmio_ops;

/**
 * @brief Set up a virtio-mmio transport for a device type (used by the devices' inits, or
 *        by an embedder's own device).
 * @param m          caller storage; untouched on failure
 * @param as         the guest's address space; must outlive the device
 * @param type       the device type; constant, must outlive the device
 * @param dev        the device's context (stored in axv_virtio_mmio::dev)
 * @param features   device feature bits offered; #AXV_VIRTIO_F_VERSION_1 is always added,
 *                   #AXV_VIRTIO_F_INDIRECT_DESC and #AXV_VIRTIO_F_RING_EVENT_IDX are
 *                   offered only if set here
 * @param config     the config space bytes (little-endian fields), kept by pointer; may be
 *                   NULL when @p config_len is 0; the device may change it and then call
 *                   axv_virtio_config_changed()
 * @param config_len its length, at most #AXV_VIRTIO_CONFIG_MAX
 * @param set_irq    the interrupt line: called with true when InterruptStatus becomes
 *                   non-zero and false when the driver has acknowledged every bit
 * @param irq_ctx    passed to @p set_irq
 * @return 0; #AXV_EINVAL for a NULL @p m, @p as, @p type, @p set_irq or notify hook, a
 *         queue count of 0 or above #AXV_VIRTIO_MAX_QUEUES, a config length above
 *         #AXV_VIRTIO_CONFIG_MAX or a NULL config with a non-zero length
 * @note Context: task; does not block; the device starts reset (status 0, no queue
 *       ready).
 */
int axv_virtio_mmio_init(struct axv_virtio_mmio *m, struct axv_addrspace *as,
			 const struct axv_virtio_device *type, void *dev, uint64_t features,
			 uint8_t *config, uint32_t config_len,
			 void (*set_irq)(void *ctx, bool level), void *irq_ctx);

/**
 * @brief Reset the device as a Status write of 0 does (section 2.1, 4.2.2): status,
 *        features, selectors, queues and InterruptStatus go to zero, the line is lowered.
 * @param m an initialised device
 * @note Context: any context in which the device's `set_irq` may run; serialised with the
 *       device's other calls (bus accesses included); does not block.
 */
void axv_virtio_mmio_reset(struct axv_virtio_mmio *m);

/**
 * @brief Tell whether a feature was negotiated (offered, and accepted with FEATURES_OK).
 * @param m   an initialised device
 * @param bit the feature bit number
 * @return true when negotiated
 * @note Context: any; reads the device only (serialised with the device's other calls).
 */
bool axv_virtio_has_feature(const struct axv_virtio_mmio *m, unsigned bit);

/**
 * @brief The device changed its configuration space: bump ConfigGeneration and, once
 *        DRIVER_OK is set, raise a configuration change interrupt (section 4.2.2).
 * @param m an initialised device
 * @note Context: any context in which the device's `set_irq` may run; serialised with the
 *       device's other calls; does not block.
 */
void axv_virtio_config_changed(struct axv_virtio_mmio *m);

/**
 * @brief Put the device in DEVICE_NEEDS_RESET (section 2.1.2) for a violation the device
 *        itself found (e.g. a request too short to be parsed in a device that cannot refuse).
 * @param m an initialised device
 * @param why the reason, kept in axv_virtio_mmio::violation
 * @note Context: any context in which the device's `set_irq` may run; serialised with the
 *       device's other calls (usually called from the device's notify hook); does not block.
 */
void axv_virtio_needs_reset(struct axv_virtio_mmio *m, enum axv_virtio_violation why);

/**
 * @brief Take the next available descriptor chain of a queue, validated.
 *
 * Reads the available ring and the chain (following NEXT and, when negotiated, one level of
 * INDIRECT) and checks it: head and next indices below the queue size, at most queue size
 * descriptors in all (which bounds loops), no length overflow (the totals fit 32 bits), every
 * buffer inside guest RAM (writable RAM for device-writable ones), readable before writable,
 * INDIRECT only when negotiated, never with NEXT, never nested, with a length that is a
 * non-zero multiple of 16.
 *
 * @param m  an initialised device
 * @param q  the queue
 * @param[out] r the request; its segments are valid until the next pop on this device
 * @return 0; #AXV_ENOENT when the queue has no available chain; #AXV_ESTATE when the device
 *         is not DRIVER_OK, is in NEEDS_RESET, or the queue is not ready; #AXV_EINVAL for a
 *         bad @p q or NULL argument; #AXV_EIO for a guest violation, after the device is
 *         put in NEEDS_RESET (the chain is not consumed)
 * @note Context: any context in which the address space may be read and written (axv_addrspace_read(), axv_addrspace_write()),
 *       usually inside the device's notify hook; serialised with the device's other calls;
 *       does not block.
 */
int axv_virtq_pop(struct axv_virtio_mmio *m, unsigned q, struct axv_virtq_req *r);

/**
 * @brief Copy from the device-readable part of a request, at an offset into that part.
 * @param m   the device
 * @param r   a request from axv_virtq_pop() on this device
 * @param off byte offset into the readable part
 * @param buf destination (host memory)
 * @param len bytes
 * @return 0; #AXV_EINVAL for a NULL @p m or @p r, or a NULL @p buf with a non-zero @p len;
 *         #AXV_ESTATE when @p r is stale (its generation is not the queue's: the device was
 *         reset or put in NEEDS_RESET, or the queue disabled or set up again, since the pop;
 *         see struct axv_virtq_req) or the queue is not live now (not DRIVER_OK, or not
 *         ready): nothing copied; #AXV_ERANGE when `[off, off + len)` exceeds the readable
 *         part (nothing copied); an error of axv_addrspace_read() (the guest changed its
 *         memory map meanwhile)
 * @note Context: as axv_virtq_pop(); does not block.
 */
int axv_virtq_read(struct axv_virtio_mmio *m, const struct axv_virtq_req *r, uint32_t off,
		   void *buf, uint32_t len);

/**
 * @brief Copy into the device-writable part of a request, at an offset into that part.
 * @param m   the device
 * @param r   a request from axv_virtq_pop() on this device
 * @param off byte offset into the writable part
 * @param buf source (host memory)
 * @param len bytes
 * @return 0; #AXV_EINVAL as axv_virtq_read(); #AXV_ESTATE when @p r is stale or the queue
 *         is not live (as axv_virtq_read(); guest memory is not written); #AXV_ERANGE when
 *         `[off, off + len)` exceeds the writable part (nothing copied); an error of
 *         axv_addrspace_write()
 * @note Context: as axv_virtq_pop(); does not block.
 */
int axv_virtq_write(struct axv_virtio_mmio *m, const struct axv_virtq_req *r, uint32_t off,
		    const void *buf, uint32_t len);

/**
 * @brief Give a request back to the driver through the used ring, and raise the interrupt
 *        unless the driver suppressed it (VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with
 *        EVENT_IDX, section 2.7.10).
 * @param m       the device
 * @param r       the request, popped from this device and not yet pushed
 * @param written bytes the device wrote into the writable part (at most `r->in_len`)
 * @return 0; #AXV_EINVAL for NULL arguments, a queue index the device does not have or
 *         @p written above `r->in_len`; #AXV_ESTATE when @p r is stale (the device was reset
 *         or put in NEEDS_RESET, or the queue disabled or set up again, since the pop: see
 *         struct axv_virtq_req) or the queue is not live now; then the used ring is not
 *         written and no interrupt is raised; #AXV_EIO when the used ring cannot be written
 *         (then NEEDS_RESET is set)
 * @note Context: as axv_virtq_pop(), and one in which the device's `set_irq` may run;
 *       does not block.
 */
int axv_virtq_push(struct axv_virtio_mmio *m, const struct axv_virtq_req *r, uint32_t written);

/* ---- virtio-blk (section 5.2) ------------------------------------------------------- */

/** Bytes of a virtio-blk id string (VIRTIO_BLK_ID_BYTES, section 5.2.6). */
#define AXV_VIRTIO_BLK_ID_BYTES 20u
/** Bytes of a virtio-blk sector. */
#define AXV_VIRTIO_BLK_SECTOR 512u

/**
 * @brief A virtio-blk device over a host memory region. Caller storage, set up with
 *        axv_virtio_blk_init(); register `&blk.mmio` on the bus. Members are private.
 *
 * Offers VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_BLK_SIZE (512), VIRTIO_BLK_F_FLUSH and, for a
 * read-only disk, VIRTIO_BLK_F_RO; plus INDIRECT_DESC and RING_EVENT_IDX. Handles IN, OUT,
 * FLUSH (a no-op for memory) and GET_ID; any other type completes with UNSUPP. A transfer
 * must be a whole number of sectors inside the disk, or it completes with IOERR and nothing
 * is copied. A request without a device-readable 16-byte header and a writable status byte
 * is refused: it is returned with 0 bytes written.
 */
struct axv_virtio_blk {
	struct axv_virtio_mmio mmio;              /**< the transport: register this */
	uint8_t *mem;                             /**< disk contents (private) */
	uint64_t size;                            /**< disk bytes (private) */
	bool read_only;                           /**< refuse OUT (private) */
	uint8_t id[AXV_VIRTIO_BLK_ID_BYTES];      /**< GET_ID string (private) */
	uint8_t config[24];                       /**< config space (private) */
	uint64_t reqs;                            /**< statistics: requests processed */
	uint64_t errors;                          /**< statistics: requests failed (IOERR, UNSUPP) */
};

/**
 * @brief Set up a virtio-blk device.
 * @param b         caller storage; untouched on failure
 * @param as        the guest's address space
 * @param mem       the disk's contents, host memory owned by the caller, which keeps it
 *                  alive; the device reads it and (unless @p read_only) writes it
 * @param size      bytes; the capacity is `size / 512` sectors (a partial last sector is
 *                  not exposed)
 * @param read_only offer VIRTIO_BLK_F_RO and fail OUT requests with IOERR
 * @param id        the GET_ID string (up to 20 bytes are used, NUL-padded); NULL: empty
 * @param set_irq   the interrupt line (see axv_virtio_mmio_init())
 * @param irq_ctx   passed to @p set_irq
 * @return 0; #AXV_EINVAL for NULL @p b, @p as, @p set_irq, or NULL @p mem with a non-zero size
 * @note Context: task; does not block; the device starts reset.
 */
int axv_virtio_blk_init(struct axv_virtio_blk *b, struct axv_addrspace *as, void *mem,
			uint64_t size, bool read_only, const char *id,
			void (*set_irq)(void *ctx, bool level), void *irq_ctx);

/* ---- virtio-console (section 5.3) --------------------------------------------------- */

/**
 * Most bytes of one transmit chain handed to the output callback; the rest of a longer
 * chain is dropped (counted in axv_virtio_console::tx_dropped). Bounds the work one guest
 * notification can cause (a chain may otherwise describe up to 4 GiB).
 */
#define AXV_VIRTIO_CONSOLE_CHAIN_MAX 65536u

/**
 * @brief A virtio-console device with one port (no multiport): receiveq0 (queue 0) carries
 *        host input to the guest, transmitq0 (queue 1) guest output to the host.
 *        Caller storage, set up with axv_virtio_console_init(); register `&con.mmio`.
 */
struct axv_virtio_console {
	struct axv_virtio_mmio mmio;                                  /**< register this */
	void (*out)(void *ctx, const uint8_t *buf, size_t len);      /**< output (private) */
	void *out_ctx;                                               /**< its context (private) */
	uint8_t config[12];                                          /**< config space (private) */
	uint64_t tx_bytes;                                           /**< statistics: bytes out */
	uint64_t rx_bytes;                                           /**< statistics: bytes in */
	uint64_t tx_dropped;                                         /**< statistics: bytes over the chain limit */
};

/**
 * @brief Set up a virtio-console device.
 * @param c       caller storage; untouched on failure
 * @param as      the guest's address space
 * @param out     called with each piece of guest output (host memory, valid during the
 *                call only); inside the QueueNotify write
 * @param out_ctx passed to @p out
 * @param set_irq the interrupt line (see axv_virtio_mmio_init())
 * @param irq_ctx passed to @p set_irq
 * @return 0; #AXV_EINVAL for a NULL @p c, @p as, @p out or @p set_irq
 * @note Context: task; does not block; the device starts reset.
 */
int axv_virtio_console_init(struct axv_virtio_console *c, struct axv_addrspace *as,
			    void (*out)(void *ctx, const uint8_t *buf, size_t len), void *out_ctx,
			    void (*set_irq)(void *ctx, bool level), void *irq_ctx);

/**
 * @brief Push host input into the guest's receive queue.
 * @param c   the console
 * @param buf the bytes
 * @param len how many
 * @return the number of bytes accepted (0 when the driver is not ready or has no receive
 *         buffer available; the rest is the caller's to retry or drop)
 * @note Context: any context in which the address space may be written and the device's
 *       `set_irq` may run; serialised with the device's bus accesses (same lock); does
 *       not block.
 */
size_t axv_virtio_console_input(struct axv_virtio_console *c, const uint8_t *buf, size_t len);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_VIRTIO_H */
