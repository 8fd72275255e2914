/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device bus: per space, a sorted array of non-overlapping inclusive ranges
 * [base, last], searched by binary search. Storage is the caller's or one run of HAL frames.
 */
#include "axv_mem.h"

#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>

#include "bus_priv.h"

static bool space_ok(const struct axv_bus *bus, enum axv_bus_space space)
{
	return bus && (unsigned)space < (unsigned)AXV_BUS_SPACE_COUNT;
}

static int total_cap(const size_t cap[AXV_BUS_SPACE_COUNT], size_t *total)
{
	size_t t = 0;
	for (unsigned i = 0; i < AXV_BUS_SPACE_COUNT; i++) {
		if (cap[i] > SIZE_MAX - t)
			return AXV_ERANGE;
		t += cap[i];
	}
	if (t > SIZE_MAX / sizeof(struct axv_bus_entry))
		return AXV_ERANGE;
	*total = t;
	return 0;
}

static void setup_tables(struct axv_bus *bus, struct axv_bus_entry *storage,
			 const size_t cap[AXV_BUS_SPACE_COUNT])
{
	size_t off = 0;
	for (unsigned i = 0; i < AXV_BUS_SPACE_COUNT; i++) {
		bus->space[i].slots = cap[i] ? storage + off : NULL;
		bus->space[i].count = 0;
		bus->space[i].cap = cap[i];
		off += cap[i];
	}
}

int axv_bus_init(struct axv_bus *bus, struct axv_bus_entry *storage,
		 const size_t cap[AXV_BUS_SPACE_COUNT])
{
	size_t total;
	if (!bus || !cap)
		return AXV_EINVAL;
	int rc = total_cap(cap, &total);
	if (rc != 0)
		return rc;
	if (total != 0 && !storage)
		return AXV_EINVAL;
	setup_tables(bus, storage, cap);
	bus->frames = NULL;
	bus->storage_pa = AXV_HPA_INVALID;
	bus->storage_frames = 0;
	return 0;
}

int axv_bus_init_frames(struct axv_bus *bus, struct axv_frames *fr,
			const size_t cap[AXV_BUS_SPACE_COUNT])
{
	size_t total;
	if (!bus || !fr || !cap)
		return AXV_EINVAL;
	int rc = total_cap(cap, &total);
	if (rc != 0)
		return rc;
	if (total == 0)
		return AXV_EINVAL;
	size_t bytes = total * sizeof(struct axv_bus_entry);
	if (bytes > SIZE_MAX - (AXV_FRAME_SIZE - 1))
		return AXV_ERANGE;
	size_t frames = (bytes + AXV_FRAME_SIZE - 1) / AXV_FRAME_SIZE;
	axv_hpa_t pa;
	rc = axv_frame_alloc_run(fr, frames, 1, 0, &pa);
	if (rc != 0)
		return rc;
	struct axv_bus_entry *storage = axv_frame_ptr(fr, pa);
	if (!storage) {
		(void)axv_frame_free_run(fr, pa, frames);
		return AXV_EFAULT;
	}
	setup_tables(bus, storage, cap);
	bus->frames = fr;
	bus->storage_pa = pa;
	bus->storage_frames = frames;
	return 0;
}

int axv_bus_destroy(struct axv_bus *bus)
{
	if (!bus)
		return AXV_EINVAL;
	if (bus->frames) {
		int rc = axv_frame_free_run(bus->frames, bus->storage_pa, bus->storage_frames);
		if (rc != 0)
			return rc;
	}
	for (unsigned i = 0; i < AXV_BUS_SPACE_COUNT; i++) {
		bus->space[i].slots = NULL;
		bus->space[i].count = 0;
		bus->space[i].cap = 0;
	}
	bus->frames = NULL;
	bus->storage_pa = AXV_HPA_INVALID;
	bus->storage_frames = 0;
	return 0;
}

/* Index of the first entry whose base is greater than addr (0..count). */
static size_t upper_bound(const struct axv_bus_table *t, uint64_t addr)
{
	size_t lo = 0, hi = t->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->slots[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int axv_bus_register(struct axv_bus *bus, enum axv_bus_space space, uint64_t base,
		     uint64_t size, const struct axv_device_ops *ops, void *ctx)
{
	if (!space_ok(bus, space) || !ops || (!ops->read && !ops->write) || size == 0)
		return AXV_EINVAL;
	if (base > UINT64_MAX - (size - 1))
		return AXV_ERANGE;
	uint64_t last = base + (size - 1);
	struct axv_bus_table *t = &bus->space[space];
	size_t i = upper_bound(t, base); /* slots[i - 1].base <= base < slots[i].base */
	if (i > 0 && t->slots[i - 1].last >= base)
		return AXV_EEXIST;
	if (i < t->count && t->slots[i].base <= last)
		return AXV_EEXIST;
	if (t->count >= t->cap)
		return AXV_ENOSPC;
	if (i < t->count)
		axv_memmove(&t->slots[i + 1], &t->slots[i],
			    (t->count - i) * sizeof(struct axv_bus_entry));
	t->slots[i] = (struct axv_bus_entry){.base = base, .last = last, .ops = ops, .ctx = ctx};
	t->count++;
	return 0;
}

int axv_bus_unregister(struct axv_bus *bus, enum axv_bus_space space, uint64_t base)
{
	if (!space_ok(bus, space))
		return AXV_EINVAL;
	struct axv_bus_table *t = &bus->space[space];
	size_t i = upper_bound(t, base);
	if (i == 0 || t->slots[i - 1].base != base)
		return AXV_ENOENT;
	i--;
	if (i + 1 < t->count)
		axv_memmove(&t->slots[i], &t->slots[i + 1],
			    (t->count - i - 1) * sizeof(struct axv_bus_entry));
	t->count--;
	return 0;
}

const struct axv_bus_entry *axv_bus_find(const struct axv_bus *bus, enum axv_bus_space space,
					 uint64_t addr)
{
	if (!space_ok(bus, space))
		return NULL;
	const struct axv_bus_table *t = &bus->space[space];
	size_t i = upper_bound(t, addr);
	if (i == 0 || t->slots[i - 1].last < addr)
		return NULL;
	return &t->slots[i - 1];
}

/* The device that claims a whole access, or NULL. */
static const struct axv_bus_entry *claim(const struct axv_bus *bus, enum axv_bus_space space,
					 uint64_t addr, uint8_t width)
{
	const struct axv_bus_entry *e = axv_bus_find(bus, space, addr);
	if (!e)
		return NULL;
	/* Byte-addressed spaces: the last byte must be in the same range (no wrap either). */
	if (space != AXV_BUS_SYSREG && (addr > UINT64_MAX - (width - 1u) ||
					addr + (width - 1u) > e->last))
		return NULL;
	return e;
}

int axv_bus_dispatch_read(const struct axv_bus *bus, enum axv_bus_space space, uint64_t addr,
			  uint8_t width, uint64_t *value)
{
	const struct axv_bus_entry *e = claim(bus, space, addr, width);
	if (!e)
		return AXV_ENXIO;
	if (!e->ops->read)
		return AXV_EACCES;
	uint64_t v = 0;
	int rc = e->ops->read(e->ctx, addr - e->base, width, &v);
	if (rc != 0)
		return rc < 0 ? rc : AXV_EIO;
	*value = axv_access_trunc(v, width);
	return 0;
}

int axv_bus_dispatch_write(const struct axv_bus *bus, enum axv_bus_space space, uint64_t addr,
			   uint8_t width, uint64_t value)
{
	const struct axv_bus_entry *e = claim(bus, space, addr, width);
	if (!e)
		return AXV_ENXIO;
	if (!e->ops->write)
		return AXV_EACCES;
	int rc = e->ops->write(e->ctx, addr - e->base, width, axv_access_trunc(value, width));
	return rc > 0 ? AXV_EIO : rc;
}

int axv_bus_read(const struct axv_bus *bus, enum axv_bus_space space, uint64_t addr,
		 uint8_t width, uint64_t *value)
{
	if (!space_ok(bus, space) || !value || !axv_width_valid(width))
		return AXV_EINVAL;
	return axv_bus_dispatch_read(bus, space, addr, width, value);
}

int axv_bus_write(const struct axv_bus *bus, enum axv_bus_space space, uint64_t addr,
		  uint8_t width, uint64_t value)
{
	if (!space_ok(bus, space) || !axv_width_valid(width))
		return AXV_EINVAL;
	return axv_bus_dispatch_write(bus, space, addr, width, value);
}
