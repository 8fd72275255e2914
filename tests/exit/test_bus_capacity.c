/* Capacity edges of the device bus (lib/exit/bus.c). The only call that grows a table is
 * axv_bus_register(); it is run with the table holding capacity - 1, capacity and
 * capacity + 1 ranges after it, inserting at the front (every entry moves), in the middle and
 * at the back, for each space, with the other spaces full (their tables share one storage
 * block: the first slot of the next table is right after the last of this one). Storage is
 * either caller memory of exactly the size the capacities ask for (malloc'd: AddressSanitizer
 * sees a write past it) or HAL frames from the mock with a guard frame after the run, with
 * capacities that fill a whole number of frames exactly, one entry less, and one entry more
 * (computed from AXV_FRAME_SIZE and sizeof(struct axv_bus_entry)). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>
#include <axv/frame.h>

#include "mock_hal.h"

static int dev_read(void *ctx, uint64_t off, uint8_t width, uint64_t *v)
{
	(void)width;
	*v = (uint64_t)(uintptr_t)ctx + off;
	return 0;
}

static const struct axv_device_ops ops = {dev_read, NULL};

/* Device contexts are tags: range k of space s has ctx tag(s, k). */
static void *tag(unsigned s, uint64_t k)
{
	return (void *)(uintptr_t)(((uint64_t)s << 40) | (k + 1));
}

/* Range k of any space: [k * 0x100, + 0x80), so ranges never touch. */
#define RBASE(k) ((uint64_t)(k) * 0x100u)
#define RSIZE 0x80u

/* Register `n` ranges in space s in the given order: 0 ascending (each appended), 1
 * descending (each inserted at the front), 2 outside-in (each in the middle). */
static void fill(struct axv_bus *b, unsigned s, uint64_t n, int order)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t k = i;
		if (order == 1)
			k = n - 1 - i;
		else if (order == 2)
			k = (i % 2) ? n - 1 - i / 2 : i / 2;
		cr_assert_eq(axv_bus_register(b, (enum axv_bus_space)s, RBASE(k), RSIZE, &ops,
					      tag(s, k)),
			     0, "space %u: range %llu of %llu (order %d)", s, (unsigned long long)k,
			     (unsigned long long)n, order);
	}
}

/* Every range of every space is found, with its device, and nothing else. */
static void check(const struct axv_bus *b, const size_t count[AXV_BUS_SPACE_COUNT],
		  const char *what)
{
	for (unsigned s = 0; s < AXV_BUS_SPACE_COUNT; s++) {
		for (uint64_t k = 0; k < count[s] + 1; k++) {
			const struct axv_bus_entry *e =
				axv_bus_find(b, (enum axv_bus_space)s, RBASE(k) + RSIZE - 1);
			if (k < count[s])
				cr_assert(e && e->ctx == tag(s, k) && e->base == RBASE(k),
					  "%s: space %u range %llu lost or wrong", what, s,
					  (unsigned long long)k);
			else
				cr_assert_null(e, "%s: space %u has a range %llu", what, s,
					       (unsigned long long)k);
			cr_assert_null(axv_bus_find(b, (enum axv_bus_space)s, RBASE(k) + RSIZE),
				       "%s: gap", what);
		}
	}
}

/* With space s at its capacity minus `below` (the others full), insert where `order` says
 * until it is full, then one more (AXV_ENOSPC, nothing changes), then remove the first and
 * the last and refill. */
static void edge(struct axv_bus *b, const size_t cap[AXV_BUS_SPACE_COUNT], unsigned s, int order,
		 const char *what)
{
	size_t count[AXV_BUS_SPACE_COUNT];
	for (unsigned o = 0; o < AXV_BUS_SPACE_COUNT; o++) {
		count[o] = cap[o];
		if (o != s)
			fill(b, o, cap[o], 0);
	}
	fill(b, s, cap[s], order);
	check(b, count, what);
	/* capacity + 1: near the front, in the middle and at the back */
	const uint64_t at[3] = {RBASE(0) + RSIZE + 8, RBASE(cap[s] / 2) + RSIZE + 8,
				RBASE(cap[s]) + 8};
	for (int k = 0; k < 3; k++)
		cr_assert_eq(axv_bus_register(b, (enum axv_bus_space)s, at[k], 8, &ops, tag(s, 999)),
			     AXV_ENOSPC, "%s: space %u over capacity", what, s);
	check(b, count, what);
	if (cap[s] == 0)
		return;
	/* capacity - 1 and back: remove the first and the last, put them back */
	cr_assert_eq(axv_bus_unregister(b, (enum axv_bus_space)s, RBASE(0)), 0);
	cr_assert_eq(axv_bus_unregister(b, (enum axv_bus_space)s, RBASE(cap[s] - 1)),
		     cap[s] > 1 ? 0 : AXV_ENOENT);
	/* what is left is ranges 1 .. cap - 2: check them by hand */
	for (uint64_t k = 1; k + 1 < cap[s]; k++)
		cr_assert_eq(axv_bus_find(b, (enum axv_bus_space)s, RBASE(k))->ctx, tag(s, k));
	cr_assert_eq(axv_bus_register(b, (enum axv_bus_space)s, RBASE(0), RSIZE, &ops, tag(s, 0)),
		     0);
	if (cap[s] > 1)
		cr_assert_eq(axv_bus_register(b, (enum axv_bus_space)s, RBASE(cap[s] - 1), RSIZE,
					      &ops, tag(s, cap[s] - 1)),
			     0);
	count[s] = cap[s];
	check(b, count, what);
}

static void clear(struct axv_bus *b, const size_t cap[AXV_BUS_SPACE_COUNT])
{
	for (unsigned s = 0; s < AXV_BUS_SPACE_COUNT; s++)
		for (uint64_t k = 0; k < cap[s]; k++)
			(void)axv_bus_unregister(b, (enum axv_bus_space)s, RBASE(k));
}

/* Caller storage of exactly the entries the capacities ask for. */
Test(bus_capacity, caller_storage)
{
	static const size_t caps[][AXV_BUS_SPACE_COUNT] = {
		{1, 1, 1}, {2, 0, 3}, {0, 5, 0}, {63, 64, 65}, {7, 1, 0},
	};
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		const size_t *cap = caps[c];
		size_t total = cap[0] + cap[1] + cap[2];
		for (unsigned s = 0; s < AXV_BUS_SPACE_COUNT; s++) {
			for (int order = 0; order < 3; order++) {
				struct axv_bus_entry *st = malloc(total * sizeof(*st));
				cr_assert_not_null(st);
				struct axv_bus b;
				cr_assert_eq(axv_bus_init(&b, st, cap), 0);
				char what[96];
				snprintf(what, sizeof(what), "caps {%zu, %zu, %zu} space %u order %d",
					 cap[0], cap[1], cap[2], s, order);
				edge(&b, cap, s, order, what);
				clear(&b, cap);
				cr_assert_eq(axv_bus_destroy(&b), 0);
				free(st);
			}
		}
	}
}

/* HAL frames: capacities whose entries fill whole frames exactly, one entry less, one more. */
Test(bus_capacity, frames_storage)
{
	const size_t per = AXV_FRAME_SIZE / sizeof(struct axv_bus_entry);
	cr_assert_eq(per * sizeof(struct axv_bus_entry), AXV_FRAME_SIZE,
		     "entries fill a frame exactly (the edge this test is about)");
	for (size_t frames = 1; frames <= 2; frames++) {
		for (int d = -1; d <= 1; d++) {
			size_t total = frames * per + (size_t)d;
			/* split over the spaces, the last space at the end of the storage */
			const size_t cap[AXV_BUS_SPACE_COUNT] = {total - 40, 30, 10};
			for (unsigned s = 0; s < AXV_BUS_SPACE_COUNT; s++) {
				for (int order = 0; order < 3; order++) {
					struct mock_hal mh;
					struct axv_frames fr;
					mock_hal_init(&mh, 64);
					mh.guard = true;
					cr_assert_eq(axv_frames_init(&fr, &mh.hal), 0);
					struct axv_bus b;
					cr_assert_eq(axv_bus_init_frames(&b, &fr, cap), 0);
					cr_assert_eq(axv_frames_live(&fr),
						     (total * sizeof(struct axv_bus_entry) +
						      AXV_FRAME_SIZE - 1) / AXV_FRAME_SIZE);
					char what[96];
					snprintf(what, sizeof(what),
						 "%zu entries (%zu frames %+d) space %u order %d",
						 total, frames, d, s, order);
					edge(&b, cap, s, order, what);
					cr_assert_eq(axv_bus_destroy(&b), 0);
					cr_assert_eq(axv_frames_destroy(&fr), 0);
					char why[160];
					cr_assert(mock_hal_clean(&mh, why, sizeof(why)), "%s: %s", what,
						  why);
					mock_hal_fini(&mh);
				}
			}
		}
	}
}
