/**
 * @file hal.h
 * @brief The hardware abstraction layer: everything libaxv needs from its embedder.
 */
#ifndef AXV_HAL_H
#define AXV_HAL_H

#include <axv/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_hal HAL
 * @brief The one door from libaxv to the machine.
 *
 * The arch-neutral modules never include a port header and never touch hardware: they call
 * these hooks. An embedder (a kernel, an RTOS, the tests' mock) fills one `struct axv_hal`,
 * keeps it alive and unchanged for as long as any libaxv object uses it, and passes it to each
 * object's `init`. Objects keep the pointer, so several independent HALs can coexist.
 *
 * The hooks are split by concern into constant ops tables. Which tables a module needs:
 *
 * | module    | mem                      | tlb        | cpu                          | log      |
 * |-----------|--------------------------|------------|------------------------------|----------|
 * | frame     | required                 | -          | -                            | optional |
 * | addrspace | required                 | optional   | -                            | optional |
 * | vcpu      | -                        | -          | `cpu_id`, `send_ipi`         | optional |
 * | irq       | -                        | -          | - (kicks go through vcpu)    | -        |
 * | exit      | required (bus storage)   | -          | -                            | optional |
 *
 * Every hook receives `ctx`, the embedder's own pointer, first. Each module's `init` checks
 * once that the hooks it needs are present (see axv_hal_check()).
 * @{
 */

/** Size of one physical frame: 4 KiB on every port. */
#define AXV_FRAME_SIZE 4096u
/** log2 of #AXV_FRAME_SIZE. */
#define AXV_FRAME_SHIFT 12u

/**
 * @brief Physical memory hooks.
 *
 * A run of frames is physically contiguous and its host mapping is virtually contiguous:
 * `phys_to_virt(base)` gives a pointer valid for the whole run.
 */
struct axv_hal_mem_ops {
	/**
	 * @brief Allocate @p count physically contiguous 4 KiB frames.
	 * @param ctx   the HAL's context pointer
	 * @param count number of frames, at least 1
	 * @param align alignment of the run in frames: a power of two, at least 1
	 * @param[out] pa physical address of the first frame on success
	 * @return 0, or #AXV_ENOMEM when no such run is free (any negative value is passed on)
	 *
	 * The contents of the frames are undefined. libaxv checks the returned address: one that
	 * is not aligned as asked is given back and the allocation fails with #AXV_EFAULT.
	 * May be called from any context a libaxv caller is in; it must not block if the
	 * embedder calls libaxv from interrupt context.
	 */
	int (*alloc_frames)(void *ctx, size_t count, size_t align, axv_hpa_t *pa);
	/**
	 * @brief Return a run that alloc_frames() handed out.
	 * @param ctx   the HAL's context pointer
	 * @param pa    the address alloc_frames() returned
	 * @param count the count it was allocated with (libaxv never frees part of a run)
	 */
	void (*free_frames)(void *ctx, axv_hpa_t pa, size_t count);
	/**
	 * @brief Host pointer to a physical address the HAL handed out.
	 * @param ctx the HAL's context pointer
	 * @param pa  a physical address inside a run from alloc_frames(), or guest RAM the
	 *            embedder mapped linearly
	 * @return a pointer the library may read and write, or NULL if @p pa has no host mapping
	 */
	void *(*phys_to_virt)(void *ctx, axv_hpa_t pa);
	/**
	 * @brief Physical address of a host pointer that phys_to_virt() returned.
	 * @param ctx the HAL's context pointer
	 * @param va  the host pointer
	 * @return its physical address, or #AXV_HPA_INVALID if it has none
	 */
	axv_hpa_t (*virt_to_phys)(void *ctx, const void *va);
};

/**
 * @brief Guest TLB maintenance hooks, implemented by the port.
 *
 * libaxv calls these after it changes a nested page table, once per operation with the range
 * the operation covered, never once per page. A port issues, for example, `TLBI IPAS2E1IS`
 * over the range then `TLBI VMALLE1IS` (aarch64), `INVEPT` (VMX) or sets TLB_CONTROL (SVM).
 */
struct axv_hal_tlb_ops {
	/**
	 * @brief Invalidate guest translations of a guest-physical range.
	 * @param ctx  the HAL's context pointer
	 * @param tag  the address space's TLB tag (VMID, ASID, EPTP), as given to it
	 * @param gpa  first guest physical address of the range
	 * @param size size of the range in bytes, non-zero
	 */
	void (*flush_range)(void *ctx, uint64_t tag, axv_gpa_t gpa, uint64_t size);
	/**
	 * @brief Invalidate every guest translation of an address space.
	 * @param ctx the HAL's context pointer
	 * @param tag the address space's TLB tag
	 */
	void (*flush_all)(void *ctx, uint64_t tag);
};

/** @brief Processor hooks: identity, inter-processor interrupts, time. */
struct axv_hal_cpu_ops {
	/**
	 * @brief Index of the calling physical cpu.
	 * @param ctx the HAL's context pointer
	 * @return a dense index, 0 to the number of cpus minus one
	 */
	uint32_t (*cpu_id)(void *ctx);
	/**
	 * @brief Interrupt physical cpu @p cpu so that it leaves guest mode soon (a kick).
	 * @param ctx the HAL's context pointer
	 * @param cpu target cpu index, as cpu_id() numbers them
	 *
	 * Must be safe from any context, including interrupt context, and must not block.
	 */
	void (*send_ipi)(void *ctx, uint32_t cpu);
	/**
	 * @brief Monotonic time.
	 * @param ctx the HAL's context pointer
	 * @return nanoseconds since an arbitrary fixed origin; optional (NULL if absent)
	 */
	uint64_t (*now_ns)(void *ctx);
};

/** Severity of a log message. */
enum axv_log_level {
	AXV_LOG_ERROR = 0, /**< something failed that the caller will see as an error code */
	AXV_LOG_WARN = 1,  /**< a suspicious input was refused: hostile guest, buggy HAL */
	AXV_LOG_INFO = 2,  /**< a notable event */
	AXV_LOG_DEBUG = 3, /**< detail for developers */
};

/** @brief The HAL: a context pointer and the ops tables. */
struct axv_hal {
	void *ctx;                         /**< passed unchanged as the first argument of every hook */
	const struct axv_hal_mem_ops *mem; /**< physical memory; see the table above */
	const struct axv_hal_tlb_ops *tlb; /**< guest TLB maintenance; NULL: none needed */
	const struct axv_hal_cpu_ops *cpu; /**< processor hooks; see the table above */
	/**
	 * @brief Optional log sink (NULL: libaxv stays silent).
	 * @param ctx   the HAL's context pointer
	 * @param level severity
	 * @param msg   a constant, NUL-terminated message without a trailing newline
	 */
	void (*log)(void *ctx, enum axv_log_level level, const char *msg);
};

/** axv_hal_check() requirement: `mem` with all four hooks. */
#define AXV_HAL_NEED_MEM (1u << 0)
/** axv_hal_check() requirement: `tlb` with both hooks. */
#define AXV_HAL_NEED_TLB (1u << 1)
/** axv_hal_check() requirement: `cpu` with `cpu_id` and `send_ipi`. */
#define AXV_HAL_NEED_CPU (1u << 2)
/** axv_hal_check() requirement: `cpu` with `now_ns`. */
#define AXV_HAL_NEED_TIME (1u << 3)

/**
 * @brief Check that a HAL provides the hooks a module needs.
 * @param hal   the HAL, may be NULL (then the check fails)
 * @param needs a bitwise OR of `AXV_HAL_NEED_*`
 * @return 0 when every needed hook is present, #AXV_EINVAL otherwise
 * @note Context: any; reads @p hal only.
 */
int axv_hal_check(const struct axv_hal *hal, unsigned needs);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_HAL_H */
