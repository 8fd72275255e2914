/* A guest for the virtio tests: mock guest memory, a hand-driven virtio driver. */
#ifndef AXV_TESTS_VIO_ENV_H
#define AXV_TESTS_VIO_ENV_H

#include <axv/addrspace.h>
#include <axv/arch/x86_64.h>
#include <axv/err.h>
#include <axv/virtio.h>

#include "mock_hal.h"

/* Guest physical layout. */
#define RAM 0x40000000ull       /* 1 MiB read/write RAM */
#define RAM_SIZE 0x100000ull
#define ROM 0x40100000ull       /* 4 KiB read-only RAM */
#define DEVMEM 0x40200000ull    /* 4 KiB mapped AXV_MAP_DEVICE (passthrough MMIO) */
#define HOLE 0x40300000ull      /* nothing: emulated MMIO */
#define BIG 0x100000000ull      /* 8 GiB lazily allocated (never touched) */
#define BIG_SIZE 0x200000000ull
#define DESC RAM                /* descriptor table */
#define AVAIL (RAM + 0x1000)    /* available ring */
#define USED (RAM + 0x2000)     /* used ring */
#define BUF (RAM + 0x10000)     /* buffers */

#define F(bit) ((uint64_t)1 << (bit))

struct env {
	struct mock_hal mh;
	struct axv_addrspace as;
	int irq_calls;
	bool irq;
};

void env_init(struct env *e);
void env_fini(struct env *e);
void env_set_irq(void *ctx, bool level);

uint32_t rd(struct axv_virtio_mmio *m, uint64_t off);
void wr(struct axv_virtio_mmio *m, uint64_t off, uint32_t v);

void gput(struct env *e, uint64_t gpa, const void *p, size_t n);
void gget(struct env *e, uint64_t gpa, void *p, size_t n);
uint16_t g16(struct env *e, uint64_t gpa);
uint32_t g32(struct env *e, uint64_t gpa);
void p16(struct env *e, uint64_t gpa, uint16_t v);

/* Negotiate `features` (FEATURES_OK), set up queue q of size num at the given rings and set
 * DRIVER_OK when `ok`. Returns the status read back. */
uint32_t drv_setup(struct axv_virtio_mmio *m, uint64_t features, unsigned q, uint16_t num,
		   uint64_t desc, uint64_t avail, uint64_t used, bool ok);
/* Set up one queue (QueueSel .. QueueReady). */
void drv_queue(struct axv_virtio_mmio *m, unsigned q, uint16_t num, uint64_t desc,
	       uint64_t avail, uint64_t used);

/* Descriptor i of the table at `table`. */
void desc(struct env *e, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
	  uint16_t flags, uint16_t next);
/* Make head available on the ring at `avail` (size num) and bump idx. */
void avail_add(struct env *e, uint64_t avail, uint16_t num, uint16_t head);

#define D_NEXT 1
#define D_WRITE 2
#define D_INDIRECT 4

#endif
