/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-blk over a host memory region (virtio 1.2 section 5.2). */
#include "axv_mem.h"

#include "virtio_priv.h"

/* Feature bits (section 5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9

/* Config layout (section 5.2.4): capacity, size_max, seg_max, geometry, blk_size. */
#define CFG_CAPACITY 0
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20

/* Request types and status (section 5.2.6). */
#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_T_GET_ID 8u
#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_S_IOERR 1u
#define VIRTIO_BLK_S_UNSUPP 2u
#define HDR_LEN 16u /* le32 type, le32 reserved, le64 sector */

#define BIT64(n) ((uint64_t)1 << (n))

/* Bounds of a transfer of `len` bytes at `sector`: whole sectors, inside the disk. */
static bool in_disk(const struct axv_virtio_blk *b, uint64_t sector, uint32_t len)
{
	uint64_t cap = b->size / AXV_VIRTIO_BLK_SECTOR;
	return len % AXV_VIRTIO_BLK_SECTOR == 0 && sector <= cap &&
	       len / AXV_VIRTIO_BLK_SECTOR <= cap - sector;
}

/* Host address of a sector already checked by in_disk() (never called for a NULL disk:
 * a zero-length transfer copies nothing). */
static uint8_t *disk_at(const struct axv_virtio_blk *b, uint64_t sector)
{
	return b->mem + sector * AXV_VIRTIO_BLK_SECTOR;
}

/* One request: returns the bytes written into the writable part (status included), or -1
 * to refuse a request that cannot carry a status. */
static int64_t handle(struct axv_virtio_blk *b, const struct axv_virtq_req *r)
{
	struct axv_virtio_mmio *m = &b->mmio;
	uint8_t hdr[HDR_LEN];
	if (r->out_len < HDR_LEN || r->in_len < 1 || axv_virtq_read(m, r, 0, hdr, HDR_LEN) != 0)
		return -1;
	uint32_t type = le32(hdr);
	uint64_t sector = le64(hdr + 8);
	uint32_t data_in = r->in_len - 1, data_out = r->out_len - HDR_LEN, done = 0;
	uint8_t st = VIRTIO_BLK_S_OK;
	switch (type) {
	case VIRTIO_BLK_T_IN:
		if (!in_disk(b, sector, data_in) ||
		    (data_in && axv_virtq_write(m, r, 0, disk_at(b, sector), data_in) != 0))
			st = VIRTIO_BLK_S_IOERR;
		else
			done = data_in;
		break;
	case VIRTIO_BLK_T_OUT:
		if (b->read_only || !in_disk(b, sector, data_out) ||
		    (data_out && axv_virtq_read(m, r, HDR_LEN, disk_at(b, sector), data_out) != 0))
			st = VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_FLUSH:
		break; /* memory: nothing to flush */
	case VIRTIO_BLK_T_GET_ID:
		done = data_in < AXV_VIRTIO_BLK_ID_BYTES ? data_in : AXV_VIRTIO_BLK_ID_BYTES;
		if (axv_virtq_write(m, r, 0, b->id, done) != 0) {
			done = 0;
			st = VIRTIO_BLK_S_IOERR;
		}
		break;
	default:
		st = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	if (st != VIRTIO_BLK_S_OK)
		b->errors++;
	/* The status byte is the last device-writable byte (section 5.2.6). */
	if (axv_virtq_write(m, r, r->in_len - 1, &st, 1) != 0)
		return -1;
	return (int64_t)done + 1;
}

static int blk_notify(struct axv_virtio_mmio *m, unsigned q)
{
	struct axv_virtio_blk *b = m->dev;
	struct axv_virtq_req r;
	for (unsigned n = VIRTQ_BUDGET(&m->q[q]); n; n--) {
		if (axv_virtq_pop(m, q, &r) != 0)
			break; /* empty, or a violation (NEEDS_RESET is set) */
		b->reqs++;
		int64_t w = handle(b, &r);
		if (axv_virtq_push(m, &r, w < 0 ? 0 : (uint32_t)w) != 0)
			break;
	}
	return 0;
}

static const struct axv_virtio_device blk_type = {
	.device_id = AXV_VIRTIO_ID_BLOCK,
	.num_queues = 1,
	.notify = blk_notify,
};

int axv_virtio_blk_init(struct axv_virtio_blk *b, struct axv_addrspace *as, void *mem,
			uint64_t size, bool read_only, const char *id,
			void (*set_irq)(void *ctx, bool level), void *irq_ctx)
{
	if (!b || !as || !set_irq || (!mem && size))
		return AXV_EINVAL;
	uint64_t f = BIT64(VIRTIO_BLK_F_SEG_MAX) | BIT64(VIRTIO_BLK_F_BLK_SIZE) |
		     BIT64(VIRTIO_BLK_F_FLUSH) | BIT64(AXV_VIRTIO_F_INDIRECT_DESC) |
		     BIT64(AXV_VIRTIO_F_RING_EVENT_IDX);
	if (read_only)
		f |= BIT64(VIRTIO_BLK_F_RO);
	int rc = axv_virtio_mmio_init(&b->mmio, as, &blk_type, b, f, b->config, sizeof(b->config),
				      set_irq, irq_ctx);
	if (rc != 0)
		return rc;
	b->mem = mem;
	b->size = size;
	b->read_only = read_only;
	axv_memset(b->id, 0, sizeof(b->id));
	for (unsigned i = 0; id && i < AXV_VIRTIO_BLK_ID_BYTES && id[i]; i++)
		b->id[i] = (uint8_t)id[i];
	axv_memset(b->config, 0, sizeof(b->config));
	put_le64(b->config + CFG_CAPACITY, size / AXV_VIRTIO_BLK_SECTOR);
	/* A request is header + data + status, all in one chain of at most the queue size. */
	put_le32(b->config + CFG_SEG_MAX, AXV_VIRTQ_MAX_SIZE - 2);
	put_le32(b->config + CFG_BLK_SIZE, AXV_VIRTIO_BLK_SECTOR);
	b->reqs = 0;
	b->errors = 0;
	return 0;
}
