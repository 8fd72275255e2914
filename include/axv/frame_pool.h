/**
 * @file frame_pool.h
 * @brief A ready HAL memory backend: 4 KiB frames from one caller-supplied physical region,
 *        single frames in O(1), aligned contiguous runs, double frees caught, optional lock
 *        hooks. Part of the frame module (`libaxv_frame.a`).
 */
#ifndef AXV_FRAME_POOL_H
#define AXV_FRAME_POOL_H

#include <axv/hal.h>
#include <axv/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup axv_frame_pool Frame pool
 * @brief The allocator behind `struct axv_hal_mem_ops`, for embedders that have none.
 *
 * A pool manages one region given as (physical base, host pointer, size): the host pointer
 * maps the whole region linearly. It keeps no memory of its own beyond its struct:
 *
 * - a *bitmap*, one bit per frame (set: free), in caller storage or carved from the end of
 *   the region (axv_frame_pool_init() with a NULL bitmap). It finds aligned runs and catches
 *   double frees and frees of frames outside the region;
 * - a doubly linked *free list* threaded through the free frames themselves (the first 16
 *   bytes of each free frame hold the indices of its neighbours), so taking or giving back
 *   one frame is O(1) whatever the fragmentation.
 *
 * Costs: single frames (count 1, align 1) O(1); a run of `n` frames O(n) to link or unlink
 * plus a bitmap scan for the first free aligned run, O(region / 64) words in the worst case;
 * freeing a run O(n). Trade-off: the list costs nothing in memory (it lives in free frames)
 * but writes 16 bytes into each frame it takes back, so free frames are not left untouched
 * (allocated frames are never written). The bitmap costs 1 bit per frame (32 bytes per MiB).
 *
 * Concurrency: a pool is not locked by itself. Give it lock hooks
 * (axv_frame_pool_set_lock(), e.g. a spinlock that also masks interrupts) to share it between
 * cpus or with interrupt handlers; every allocation and free then runs under the lock, which
 * is held only for the bitmap and list update, never across a call into libaxv.
 * Context: any context the lock hooks allow; the pool itself never blocks.
 *
 * The ready-made ops table #axv_frame_pool_mem_ops works when the HAL's `ctx` is the pool.
 * An embedder whose `ctx` is something else writes four one-line hooks that call
 * axv_frame_pool_alloc(), axv_frame_pool_free(), axv_frame_pool_ptr() and
 * axv_frame_pool_phys() (the tests' mock HAL and the aarch64 example do).
 * @{
 */

/**
 * @brief A frame pool. Caller-owned storage; initialise with axv_frame_pool_init().
 *
 * The members are visible so the struct can be embedded by value; treat them as private.
 */
struct axv_frame_pool {
	axv_hpa_t base;           /**< physical address of frame 0 (private) */
	unsigned char *host;      /**< host pointer of frame 0 (private) */
	size_t frames;            /**< frames managed (private) */
	size_t nfree;             /**< frames free (private) */
	uint64_t *bitmap;         /**< one bit per frame, set when free (private) */
	uint64_t head;            /**< first frame of the free list, or UINT64_MAX (private) */
	unsigned long bad_frees;  /**< frees refused by the ops table's void hook (private) */
	void (*lock)(void *ctx);   /**< optional lock hook (private) */
	void (*unlock)(void *ctx); /**< optional unlock hook (private) */
	void *lock_ctx;           /**< argument of the lock hooks (private) */
};

/**
 * @brief Words of bitmap storage a pool of @p frames frames needs.
 * @param frames number of frames
 * @return `ceil(frames / 64)`, the length of the `uint64_t` array to pass to
 *         axv_frame_pool_init()
 * @note Context: any; pure function.
 */
static inline size_t axv_frame_pool_bitmap_words(size_t frames)
{
	return (frames + 63) / 64;
}

/**
 * @brief Set a pool up over a physical region; every frame starts free.
 * @param pool   caller-owned storage; untouched on failure
 * @param base   physical address of the region, 4 KiB aligned
 * @param host   host pointer that maps @p base (and the rest of the region linearly),
 *               4 KiB aligned
 * @param size   bytes in the region, a multiple of 4 KiB
 * @param bitmap caller storage of at least axv_frame_pool_bitmap_words() words for the
 *               region's frame count, which the pool owns until the caller stops using it;
 *               NULL: carve the bitmap out of the last frames of the region (they are then
 *               not handed out)
 * @param words  length of @p bitmap in words (ignored when @p bitmap is NULL)
 * @return 0; #AXV_EINVAL for a NULL @p pool or @p host, a misaligned @p base, @p host or
 *         @p size, or a bitmap that is too short; #AXV_ERANGE when the region wraps the
 *         physical address space; #AXV_ENOMEM when the region cannot hold its own bitmap
 *         and at least one frame
 * @note Context: task, before any other call on @p pool; writes the bitmap and every frame's
 *       first 16 bytes (O(frames)). The pool starts without lock hooks.
 */
int axv_frame_pool_init(struct axv_frame_pool *pool, axv_hpa_t base, void *host, uint64_t size,
			uint64_t *bitmap, size_t words);

/**
 * @brief Give the pool lock hooks for multi-cpu or interrupt-context use.
 * @param pool   an initialised pool
 * @param lock_fn   called before the pool touches its state; NULL with @p unlock_fn NULL: no
 *                  lock
 * @param unlock_fn called after; must be given together with @p lock_fn
 * @param ctx       passed to both hooks
 * @return 0; #AXV_EINVAL for a NULL @p pool or only one of the two hooks (nothing changes)
 * @note Context: task, while no other cpu uses the pool. The hooks must not call back into
 *       the pool; a spinlock is the usual choice (mask interrupts in it if interrupt
 *       handlers allocate).
 */
int axv_frame_pool_set_lock(struct axv_frame_pool *pool, void (*lock_fn)(void *ctx),
			    void (*unlock_fn)(void *ctx), void *ctx);

/**
 * @brief Take @p count contiguous frames aligned to @p align frames.
 * @param pool  an initialised pool
 * @param count frames, at least 1
 * @param align alignment of the run's physical address in frames: a power of two
 * @param[out] pa physical address of the first frame
 * @return 0; #AXV_EINVAL for a NULL argument, a zero count or an alignment that is not a
 *         power of two; #AXV_ENOMEM when no such run is free (the pool is unchanged).
 *         The frames' contents are undefined (the first 16 bytes held list links).
 * @note Context: any the lock hooks allow; never blocks by itself. O(1) for one frame with
 *       alignment 1, else O(count) plus a bitmap scan.
 */
int axv_frame_pool_alloc(struct axv_frame_pool *pool, size_t count, size_t align,
			 axv_hpa_t *pa);

/**
 * @brief Give @p count frames from @p pa back.
 * @param pool  the pool they came from
 * @param pa    first frame, 4 KiB aligned
 * @param count frames, at least 1
 * @return 0; #AXV_EINVAL for a NULL pool, a zero count or a misaligned @p pa; #AXV_ERANGE
 *         when the frames are not all inside the pool; #AXV_ENOENT when one of them is
 *         already free (double free). On failure nothing is freed.
 * @note Context: any the lock hooks allow; never blocks by itself. O(count). Any subrange of
 *       allocated frames may be freed (the pool does not remember run boundaries).
 */
int axv_frame_pool_free(struct axv_frame_pool *pool, axv_hpa_t pa, size_t count);

/**
 * @brief Host pointer of a physical address inside the pool.
 * @param pool an initialised pool
 * @param pa   a physical address
 * @return the host pointer, or NULL outside the frames the pool manages
 * @note Context: any, any cpu; lock-free (arithmetic only).
 */
void *axv_frame_pool_ptr(const struct axv_frame_pool *pool, axv_hpa_t pa);

/**
 * @brief Physical address of a host pointer inside the pool.
 * @param pool an initialised pool
 * @param va   a host pointer
 * @return the physical address, or #AXV_HPA_INVALID outside the frames the pool manages
 * @note Context: any, any cpu; lock-free (arithmetic only).
 */
axv_hpa_t axv_frame_pool_phys(const struct axv_frame_pool *pool, const void *va);

/**
 * @brief Tell whether a frame is free.
 * @param pool an initialised pool
 * @param pa   a frame's physical address
 * @return true if @p pa is a frame of the pool and free; false otherwise
 * @note Context: any the lock hooks allow (takes the lock).
 */
bool axv_frame_pool_is_free(const struct axv_frame_pool *pool, axv_hpa_t pa);

/**
 * @brief Free frames.
 * @param pool an initialised pool
 * @return the number of free frames
 * @note Context: any; a racy snapshot when other cpus allocate.
 */
size_t axv_frame_pool_free_frames(const struct axv_frame_pool *pool);

/**
 * @brief Frames the pool manages (the region minus a carved bitmap).
 * @param pool an initialised pool
 * @return the number of frames
 * @note Context: any; pure read.
 */
size_t axv_frame_pool_total_frames(const struct axv_frame_pool *pool);

/**
 * @brief Frees the ops table's `free_frames` hook refused (it cannot return an error).
 * @param pool an initialised pool
 * @return how many double frees or frees of foreign frames reached the hook
 * @note Context: any.
 */
unsigned long axv_frame_pool_bad_frees(const struct axv_frame_pool *pool);

/**
 * @brief Ready-made HAL memory hooks over a pool: the HAL's `ctx` must be the
 *        `struct axv_frame_pool`.
 *
 * `alloc_frames` is axv_frame_pool_alloc(); `free_frames` is axv_frame_pool_free() and
 * counts refused frees (see axv_frame_pool_bad_frees()); `phys_to_virt` and `virt_to_phys`
 * are axv_frame_pool_ptr() and axv_frame_pool_phys(). Context: as those functions.
 */
extern const struct axv_hal_mem_ops axv_frame_pool_mem_ops;

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AXV_FRAME_POOL_H */
