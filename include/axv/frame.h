/**
 * @file frame.h
 * @brief Physical frames: allocation of single frames and aligned contiguous runs, with
 *        accounting and (in debug builds) ownership checks.
 */
#ifndef AXV_FRAME_H
#define AXV_FRAME_H

#include <axv/hal.h>
#include <axv/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_frame Frames
 * @brief 4 KiB physical frames taken from the HAL, counted per owner.
 *
 * A `struct axv_frames` is an accounting context: every frame allocated through it is
 * counted in it, so each address space (or vm, or device bus) knows exactly what it holds and
 * a leak is visible as a non-zero live count. In builds with debug checks
 * (`-Ddebug_checks=enabled`, on by default in debug builds; see axv_frames_checked()) the
 * context also records every live run, in a hash table kept in HAL frames, and refuses a double
 * free, a free of a run it never handed out, and a free with the wrong count.
 *
 * Concurrency: a context is not locked. Use one context per cpu or per object, or serialise
 * calls on a shared one. Context: task or interrupt context, as the HAL's memory hooks allow;
 * nothing here blocks by itself.
 * @{
 */

/** axv_frame_alloc_run() flag: zero the frames before returning them. */
#define AXV_FRAME_ZEROED (1u << 0)

/**
 * @brief Frame accounting context. Caller-owned storage; initialise with axv_frames_init().
 *
 * The members are visible so that callers can embed the struct by value; treat them as
 * private and read them through the accessors.
 */
struct axv_frames {
	const struct axv_hal *hal; /**< the HAL frames come from */
	size_t live;               /**< frames currently allocated through this context */
	size_t peak;               /**< highest value @ref live has reached */
	size_t runs;               /**< runs currently allocated */
	axv_hpa_t trk_pa;          /**< debug tracking table (private), or #AXV_HPA_INVALID */
	size_t trk_frames;         /**< frames the tracking table occupies (private) */
	size_t trk_cap;            /**< tracking table slots, a power of two (private) */
	size_t trk_used;           /**< tracking slots not empty: live plus deleted (private) */
};

/**
 * @brief Initialise a frame context over a HAL.
 * @param fr  caller-owned storage
 * @param hal the HAL; it must provide the memory hooks and outlive the context
 * @return 0, or #AXV_EINVAL if @p fr or @p hal is NULL or the memory hooks are missing
 *         (then @p fr is untouched)
 * @note Context: any; never blocks; O(1); no HAL call.
 */
int axv_frames_init(struct axv_frames *fr, const struct axv_hal *hal);

/**
 * @brief Tear a frame context down.
 * @param fr an initialised context
 * @return 0; #AXV_EBUSY if frames are still allocated through it (nothing is changed: free
 *         them first)
 * @note Context: task, or interrupt if the HAL's free hook allows it; never blocks by
 *       itself; not locked.
 */
int axv_frames_destroy(struct axv_frames *fr);

/**
 * @brief Allocate a contiguous, aligned run of frames.
 * @param fr    an initialised context
 * @param count number of 4 KiB frames, at least 1
 * @param align alignment in frames: a power of two, at least 1 (512 gives a 2 MiB-aligned run)
 * @param flags 0 or #AXV_FRAME_ZEROED
 * @param[out] pa physical address of the first frame
 * @return 0; #AXV_EINVAL for a zero count, an alignment that is not a power of two, unknown
 *         flags or a NULL argument; #AXV_ERANGE if the run's size does not fit in an address;
 *         #AXV_ENOMEM when the HAL has no such run; #AXV_EFAULT when the HAL returned a
 *         misaligned address or one without a host mapping (the run is given back).
 *         On failure nothing is allocated and the context is unchanged.
 * @note Context: task, or interrupt if the HAL's memory hooks allow it; never blocks by
 *       itself (the HAL's alloc hook may); not locked: serialise calls on one context. With
 *       debug checks it may also take tracking frames from the HAL.
 */
int axv_frame_alloc_run(struct axv_frames *fr, size_t count, size_t align, unsigned flags,
			axv_hpa_t *pa);

/**
 * @brief Allocate one frame; its contents are undefined.
 * @param fr an initialised context
 * @param[out] pa physical address of the frame
 * @return as axv_frame_alloc_run()
 * @note Context: as axv_frame_alloc_run().
 */
int axv_frame_alloc(struct axv_frames *fr, axv_hpa_t *pa);

/**
 * @brief Allocate one zeroed frame.
 * @param fr an initialised context
 * @param[out] pa physical address of the frame
 * @return as axv_frame_alloc_run()
 * @note Context: as axv_frame_alloc_run().
 */
int axv_frame_alloc_zeroed(struct axv_frames *fr, axv_hpa_t *pa);

/**
 * @brief Free a run allocated through this context.
 * @param fr    the context that allocated it
 * @param pa    the run's first frame, as returned
 * @param count the count it was allocated with
 * @return 0; #AXV_EINVAL for a misaligned @p pa or a zero count; with debug checks,
 *         #AXV_ENOENT for a run this context does not hold (double free, never allocated)
 *         and #AXV_EINVAL for a count other than the allocated one. On failure nothing
 *         is freed.
 * @note Context: task, or interrupt if the HAL's free hook allows it; never blocks by
 *       itself; not locked.
 */
int axv_frame_free_run(struct axv_frames *fr, axv_hpa_t pa, size_t count);

/**
 * @brief Free one frame allocated with axv_frame_alloc() or axv_frame_alloc_zeroed().
 * @param fr the context that allocated it
 * @param pa the frame's physical address
 * @return as axv_frame_free_run()
 * @note Context: as axv_frame_free_run().
 */
int axv_frame_free(struct axv_frames *fr, axv_hpa_t pa);

/**
 * @brief Host pointer to a frame.
 * @param fr an initialised context
 * @param pa a physical address inside a run allocated through @p fr
 * @return the host pointer, valid for the rest of the run; NULL if the HAL has no mapping
 * @note Context: any; never blocks (calls the HAL's phys_to_virt only).
 */
void *axv_frame_ptr(const struct axv_frames *fr, axv_hpa_t pa);

/**
 * @brief Fill @p count frames from @p pa with the byte @p byte.
 * @param fr    an initialised context
 * @param pa    first frame, 4 KiB aligned
 * @param count number of frames
 * @param byte  the fill value
 * @return 0; #AXV_EINVAL for a misaligned address or zero count; #AXV_EFAULT when the HAL
 *         has no host mapping for @p pa
 * @note Context: any the HAL's phys_to_virt allows; never blocks; O(count) bytes written.
 */
int axv_frame_fill(struct axv_frames *fr, axv_hpa_t pa, size_t count, uint8_t byte);

/**
 * @brief Frames currently allocated through a context.
 * @param fr an initialised context
 * @return the live frame count (tracking-table frames of debug builds are not included)
 * @note Context: any; read-only.
 */
size_t axv_frames_live(const struct axv_frames *fr);

/**
 * @brief Highest number of frames a context has held at once.
 * @param fr an initialised context
 * @return the peak live frame count
 * @note Context: any; read-only.
 */
size_t axv_frames_peak(const struct axv_frames *fr);

/**
 * @brief Tell whether this build of libaxv checks frame ownership.
 * @return true when double frees and frees of unknown runs are caught (debug checks on)
 * @note Context: any; pure function.
 */
bool axv_frames_checked(void);

/**
 * @brief Bytes in @p count frames.
 * @param count a number of frames
 * @return `count * AXV_FRAME_SIZE` (the caller checks overflow for untrusted counts)
 * @note Context: any; pure function.
 */
static inline uint64_t axv_frames_bytes(size_t count)
{
	return (uint64_t)count << AXV_FRAME_SHIFT;
}

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_FRAME_H */
