/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Physical frames: runs of 4 KiB frames from the HAL, counted per context.
 *
 * With AXV_DEBUG_CHECKS the context also keeps every live run in an open-addressing hash
 * table (linear probing, tombstones) stored in HAL frames, so a double free, a free of a run
 * never handed out, or a free with the wrong count is refused instead of corrupting the HAL's
 * allocator. The table is grown only after the user's run is taken and checked, and replaced
 * only once the new one is complete, so every failure leaves the context as it was.
 */
#include "axv_mem.h"

#include <axv/err.h>
#include <axv/frame.h>

#include "axv_log.h"

#ifndef AXV_DEBUG_CHECKS
#define AXV_DEBUG_CHECKS 0
#endif

/* One tracked run. count == 0: empty slot; count == TRK_DEAD: deleted slot. */
struct trk_slot {
	uint64_t pa;
	uint64_t count;
};

#define TRK_DEAD UINT64_MAX
#define TRK_PER_FRAME (AXV_FRAME_SIZE / sizeof(struct trk_slot))
/* Largest count whose byte size fits in 64 bits. */
#define MAX_FRAMES ((size_t)(UINT64_MAX >> AXV_FRAME_SHIFT))

static inline bool is_pow2(size_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static inline void *hal_ptr(const struct axv_hal *hal, axv_hpa_t pa)
{
	return hal->mem->phys_to_virt(hal->ctx, pa);
}

bool axv_frames_checked(void)
{
	return AXV_DEBUG_CHECKS != 0;
}

int axv_frames_init(struct axv_frames *fr, const struct axv_hal *hal)
{
	if (!fr || axv_hal_check(hal, AXV_HAL_NEED_MEM) != 0)
		return AXV_EINVAL;
	fr->hal = hal;
	fr->live = 0;
	fr->peak = 0;
	fr->runs = 0;
	fr->trk_pa = AXV_HPA_INVALID;
	fr->trk_frames = 0;
	fr->trk_cap = 0;
	fr->trk_used = 0;
	return 0;
}

/* ---- debug tracking table ------------------------------------------------------------ */

static size_t trk_hash(uint64_t pa, size_t cap)
{
	uint64_t h = (pa >> AXV_FRAME_SHIFT) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 29) & (cap - 1);
}

static struct trk_slot *trk_lookup(const struct axv_frames *fr, uint64_t pa)
{
	if (fr->trk_cap == 0)
		return NULL;
	struct trk_slot *t = hal_ptr(fr->hal, fr->trk_pa);
	size_t mask = fr->trk_cap - 1;
	/* The table is never more than half full, so an empty slot ends every probe. */
	for (size_t i = trk_hash(pa, fr->trk_cap);; i = (i + 1) & mask) {
		if (t[i].count == 0)
			return NULL;
		if (t[i].count != TRK_DEAD && t[i].pa == pa)
			return &t[i];
	}
}

static void trk_put(struct trk_slot *t, size_t cap, size_t *used, uint64_t pa, uint64_t count)
{
	size_t mask = cap - 1;
	size_t i = trk_hash(pa, cap);
	while (t[i].count != 0 && t[i].count != TRK_DEAD)
		i = (i + 1) & mask;
	if (t[i].count == 0)
		(*used)++;
	t[i].pa = pa;
	t[i].count = count;
}

/* Make room for one more insertion: grow (and drop tombstones) when half full. */
static int trk_reserve(struct axv_frames *fr)
{
	if (fr->trk_cap != 0 && (fr->trk_used + 1) * 2 <= fr->trk_cap)
		return 0;
	size_t cap = TRK_PER_FRAME;
	while (cap < (fr->runs + 1) * 4)
		cap *= 2;
	size_t frames = cap / TRK_PER_FRAME;
	axv_hpa_t pa;
	int rc = fr->hal->mem->alloc_frames(fr->hal->ctx, frames, 1, &pa);
	if (rc != 0)
		return rc < 0 ? rc : AXV_ENOMEM;
	struct trk_slot *t = (pa & (AXV_FRAME_SIZE - 1)) ? NULL : hal_ptr(fr->hal, pa);
	if (!t) {
		fr->hal->mem->free_frames(fr->hal->ctx, pa, frames);
		axv_log(fr->hal, AXV_LOG_ERROR, "frame: HAL returned an unusable tracking run");
		return AXV_EFAULT;
	}
	axv_memset(t, 0, (size_t)axv_frames_bytes(frames));
	size_t used = 0;
	if (fr->trk_cap != 0) {
		const struct trk_slot *old = hal_ptr(fr->hal, fr->trk_pa);
		for (size_t i = 0; i < fr->trk_cap; i++)
			if (old[i].count != 0 && old[i].count != TRK_DEAD)
				trk_put(t, cap, &used, old[i].pa, old[i].count);
		fr->hal->mem->free_frames(fr->hal->ctx, fr->trk_pa, fr->trk_frames);
	}
	fr->trk_pa = pa;
	fr->trk_frames = frames;
	fr->trk_cap = cap;
	fr->trk_used = used;
	return 0;
}

/* ---- public API ---------------------------------------------------------------------- */

int axv_frames_destroy(struct axv_frames *fr)
{
	if (!fr || !fr->hal)
		return AXV_EINVAL;
	if (fr->live != 0 || fr->runs != 0)
		return AXV_EBUSY;
	if (fr->trk_cap != 0)
		fr->hal->mem->free_frames(fr->hal->ctx, fr->trk_pa, fr->trk_frames);
	fr->trk_pa = AXV_HPA_INVALID;
	fr->trk_frames = 0;
	fr->trk_cap = 0;
	fr->trk_used = 0;
	fr->hal = NULL;
	return 0;
}

int axv_frame_alloc_run(struct axv_frames *fr, size_t count, size_t align, unsigned flags,
			axv_hpa_t *pa)
{
	if (!fr || !fr->hal || !pa || count == 0 || !is_pow2(align) ||
	    (flags & ~AXV_FRAME_ZEROED) != 0)
		return AXV_EINVAL;
	if (count > MAX_FRAMES || align > MAX_FRAMES)
		return AXV_ERANGE;

	const struct axv_hal *hal = fr->hal;
	axv_hpa_t got = AXV_HPA_INVALID;
	int rc = hal->mem->alloc_frames(hal->ctx, count, align, &got);
	if (rc != 0)
		return rc < 0 ? rc : AXV_ENOMEM;

	uint64_t bytes = axv_frames_bytes(count);
	uint64_t amask = axv_frames_bytes(align) - 1;
	if ((got & amask) != 0 || got > UINT64_MAX - (bytes - 1)) {
		hal->mem->free_frames(hal->ctx, got, count);
		axv_log(hal, AXV_LOG_ERROR, "frame: HAL returned a misaligned run; refused");
		return AXV_EFAULT;
	}
	if (flags & AXV_FRAME_ZEROED) {
		void *p = hal_ptr(hal, got);
		if (!p) {
			hal->mem->free_frames(hal->ctx, got, count);
			axv_log(hal, AXV_LOG_ERROR, "frame: HAL has no host mapping for a new run");
			return AXV_EFAULT;
		}
		axv_memset(p, 0, (size_t)bytes);
	}
	if (AXV_DEBUG_CHECKS) {
		/* Grown after the run is taken, so a failure here leaves the table as it was. */
		rc = trk_reserve(fr);
		if (rc != 0) {
			hal->mem->free_frames(hal->ctx, got, count);
			return rc;
		}
		trk_put(hal_ptr(hal, fr->trk_pa), fr->trk_cap, &fr->trk_used, got, count);
	}

	fr->live += count;
	fr->runs++;
	if (fr->live > fr->peak)
		fr->peak = fr->live;
	*pa = got;
	return 0;
}

int axv_frame_alloc(struct axv_frames *fr, axv_hpa_t *pa)
{
	return axv_frame_alloc_run(fr, 1, 1, 0, pa);
}

int axv_frame_alloc_zeroed(struct axv_frames *fr, axv_hpa_t *pa)
{
	return axv_frame_alloc_run(fr, 1, 1, AXV_FRAME_ZEROED, pa);
}

int axv_frame_free_run(struct axv_frames *fr, axv_hpa_t pa, size_t count)
{
	if (!fr || !fr->hal || count == 0 || (pa & (AXV_FRAME_SIZE - 1)) != 0)
		return AXV_EINVAL;
	if (AXV_DEBUG_CHECKS) {
		struct trk_slot *s = trk_lookup(fr, pa);
		if (!s) {
			axv_log(fr->hal, AXV_LOG_ERROR,
				"frame: free of a run not held (double free or never allocated)");
			return AXV_ENOENT;
		}
		if (s->count != count) {
			axv_log(fr->hal, AXV_LOG_ERROR, "frame: free with the wrong frame count");
			return AXV_EINVAL;
		}
		s->count = TRK_DEAD;
	} else if (count > fr->live || fr->runs == 0) {
		/* The cheap check release builds keep: more than we hold cannot be ours. */
		return AXV_ENOENT;
	}
	fr->hal->mem->free_frames(fr->hal->ctx, pa, count);
	fr->live -= count;
	fr->runs--;
	return 0;
}

int axv_frame_free(struct axv_frames *fr, axv_hpa_t pa)
{
	return axv_frame_free_run(fr, pa, 1);
}

void *axv_frame_ptr(const struct axv_frames *fr, axv_hpa_t pa)
{
	if (!fr || !fr->hal || pa == AXV_HPA_INVALID)
		return NULL;
	return hal_ptr(fr->hal, pa);
}

int axv_frame_fill(struct axv_frames *fr, axv_hpa_t pa, size_t count, uint8_t byte)
{
	if (!fr || !fr->hal || count == 0 || (pa & (AXV_FRAME_SIZE - 1)) != 0)
		return AXV_EINVAL;
	if (count > MAX_FRAMES)
		return AXV_ERANGE;
	void *p = hal_ptr(fr->hal, pa);
	if (!p)
		return AXV_EFAULT;
	axv_memset(p, byte, (size_t)axv_frames_bytes(count));
	return 0;
}

size_t axv_frames_live(const struct axv_frames *fr)
{
	return fr ? fr->live : 0;
}

size_t axv_frames_peak(const struct axv_frames *fr)
{
	return fr ? fr->peak : 0;
}
