#include "vio_env.h"

#include <stdlib.h>
#include <string.h>

void env_set_irq(void *ctx, bool level)
{
	struct env *e = ctx;
	e->irq_calls++;
	e->irq = level;
}

void env_init(struct env *e)
{
	memset(e, 0, sizeof(*e));
	mock_hal_init(&e->mh, 2048);
	if (axv_addrspace_init(&e->as, &e->mh.hal, &axv_pt_ept, 0, 1ull << 36, 1) ||
	    axv_addrspace_map_alloc(&e->as, RAM, RAM_SIZE, AXV_MAP_READ | AXV_MAP_WRITE, true) ||
	    axv_addrspace_map_alloc(&e->as, ROM, 0x1000, AXV_MAP_READ, true) ||
	    axv_addrspace_map_alloc(&e->as, DEVMEM, 0x1000,
				    AXV_MAP_READ | AXV_MAP_WRITE | AXV_MAP_DEVICE, true) ||
	    axv_addrspace_map_alloc(&e->as, BIG, BIG_SIZE, AXV_MAP_READ | AXV_MAP_WRITE, false))
		abort();
}

void env_fini(struct env *e)
{
	axv_addrspace_destroy(&e->as);
	mock_hal_fini(&e->mh);
}

uint32_t rd(struct axv_virtio_mmio *m, uint64_t off)
{
	uint64_t v = 0xdeadbeef;
	if (axv_virtio_mmio_ops.read(m, off, 4, &v) != 0)
		abort();
	return (uint32_t)v;
}

void wr(struct axv_virtio_mmio *m, uint64_t off, uint32_t v)
{
	if (axv_virtio_mmio_ops.write(m, off, 4, v) != 0)
		abort();
}

void gput(struct env *e, uint64_t gpa, const void *p, size_t n)
{
	if (axv_addrspace_write(&e->as, gpa, p, n))
		abort();
}

void gget(struct env *e, uint64_t gpa, void *p, size_t n)
{
	if (axv_addrspace_read(&e->as, gpa, p, n))
		abort();
}

uint16_t g16(struct env *e, uint64_t gpa)
{
	uint16_t v;
	gget(e, gpa, &v, 2);
	return v;
}

uint32_t g32(struct env *e, uint64_t gpa)
{
	uint32_t v;
	gget(e, gpa, &v, 4);
	return v;
}

void p16(struct env *e, uint64_t gpa, uint16_t v)
{
	gput(e, gpa, &v, 2);
}

void drv_queue(struct axv_virtio_mmio *m, unsigned q, uint16_t num, uint64_t d, uint64_t a,
	       uint64_t u)
{
	wr(m, 0x030, q);
	wr(m, 0x038, num);
	wr(m, 0x080, (uint32_t)d);
	wr(m, 0x084, (uint32_t)(d >> 32));
	wr(m, 0x090, (uint32_t)a);
	wr(m, 0x094, (uint32_t)(a >> 32));
	wr(m, 0x0a0, (uint32_t)u);
	wr(m, 0x0a4, (uint32_t)(u >> 32));
	wr(m, 0x044, 1);
}

uint32_t drv_setup(struct axv_virtio_mmio *m, uint64_t features, unsigned q, uint16_t num,
		   uint64_t d, uint64_t a, uint64_t u, bool ok)
{
	wr(m, 0x070, 0);
	wr(m, 0x070, 1);
	wr(m, 0x070, 3);
	wr(m, 0x024, 0);
	wr(m, 0x020, (uint32_t)features);
	wr(m, 0x024, 1);
	wr(m, 0x020, (uint32_t)(features >> 32));
	wr(m, 0x070, 3 | 8);
	drv_queue(m, q, num, d, a, u);
	if (ok)
		wr(m, 0x070, 3 | 8 | 4);
	return rd(m, 0x070);
}

void desc(struct env *e, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
	  uint16_t flags, uint16_t next)
{
	uint8_t d[16];
	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
	gput(e, table + 16ull * i, d, 16);
}

void avail_add(struct env *e, uint64_t avail, uint16_t num, uint16_t head)
{
	uint16_t idx = g16(e, avail + 2);
	p16(e, avail + 4 + 2ull * (idx % num), head);
	p16(e, avail + 2, (uint16_t)(idx + 1));
}
