/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split virtqueues (virtio 1.2 section 2.7): the descriptor table, the available ring
 * (driver area) and the used ring (device area), read and written through the address
 * space, with every guest-written value validated before use.
 */
#include "axv_mem.h"

#include "virtio_priv.h"

/* Layout (section 2.7, "Virtqueue Part" alignment and size table; 2.7.5, 2.7.6, 2.7.8). */
#define DESC_SIZE 16u
#define DESC_ALIGN 16u
#define AVAIL_ALIGN 2u
#define USED_ALIGN 4u
#define AVAIL_SIZE(n) (6u + 2u * (uint64_t)(n))
#define USED_SIZE(n) (6u + 8u * (uint64_t)(n))
#define AVAIL_IDX 2u
#define AVAIL_RING 4u
#define USED_IDX 2u
#define USED_RING 4u

/* Descriptor flags (section 2.7.5). */
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u
/* Available ring flags (section 2.7.6). */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u

bool axv_virtq_setup_ok(const struct axv_virtio_mmio *m, const struct axv_virtq *vq)
{
	uint16_t n = vq->num;
	/* Section 2.7: a split queue's size is a power of 2, here at most QueueNumMax. */
	if (n == 0 || n > AXV_VIRTQ_MAX_SIZE || (n & (n - 1)))
		return false;
	if ((vq->desc & (DESC_ALIGN - 1)) || (vq->driver & (AVAIL_ALIGN - 1)) ||
	    (vq->device & (USED_ALIGN - 1)))
		return false;
	return axv_virtio_ram_check(m->as, vq->desc, DESC_SIZE * (uint64_t)n, false) == 0 &&
	       axv_virtio_ram_check(m->as, vq->driver, AVAIL_SIZE(n), false) == 0 &&
	       axv_virtio_ram_check(m->as, vq->device, USED_SIZE(n), true) == 0;
}

/* Guest memory access with the RAM check; 0 or AXV_E*. */
static int gread(struct axv_virtio_mmio *m, uint64_t gpa, void *buf, uint64_t len)
{
	int rc = axv_virtio_ram_check(m->as, gpa, len, false);
	return rc ? rc : axv_addrspace_read(m->as, gpa, buf, (size_t)len);
}

static int gwrite(struct axv_virtio_mmio *m, uint64_t gpa, const void *buf, uint64_t len)
{
	int rc = axv_virtio_ram_check(m->as, gpa, len, true);
	return rc ? rc : axv_addrspace_write(m->as, gpa, buf, (size_t)len);
}

static int violate(struct axv_virtio_mmio *m, enum axv_virtio_violation why)
{
	axv_virtio_needs_reset(m, why);
	return AXV_EIO;
}

static int read_u16(struct axv_virtio_mmio *m, uint64_t gpa, uint16_t *v)
{
	uint8_t b[2];
	int rc = gread(m, gpa, b, 2);
	if (rc == 0)
		*v = le16(b);
	return rc;
}

static int write_u16(struct axv_virtio_mmio *m, uint64_t gpa, uint16_t v)
{
	uint8_t b[2];
	put_le16(b, v);
	return gwrite(m, gpa, b, 2);
}

/* Walk the chain at `head` into m->scratch (section 2.7.5, 2.7.5.3). */
static int walk(struct axv_virtio_mmio *m, struct axv_virtq *vq, uint16_t head,
		struct axv_virtq_req *r)
{
	uint64_t table = vq->desc, tsize = vq->num, out = 0, in = 0;
	uint32_t idx = head, count = 0;
	bool indirect = false;
	uint16_t nout = 0;
	for (;;) {
		if (idx >= tsize)
			return violate(m, AXV_VIRTIO_BAD_DESC_INDEX);
		uint8_t d[DESC_SIZE];
		if (gread(m, table + (uint64_t)idx * DESC_SIZE, d, DESC_SIZE) != 0)
			return violate(m, AXV_VIRTIO_BAD_BUFFER);
		uint64_t addr = le64(d);
		uint32_t len = le32(d + 8);
		uint16_t flags = le16(d + 12), next = le16(d + 14);
		if (flags & VIRTQ_DESC_F_INDIRECT) {
			/* Section 2.7.5.3.1: only when negotiated, never nested, never with
			 * NEXT; the table holds len / 16 descriptors. */
			if (!axv_virtio_has_feature(m, AXV_VIRTIO_F_INDIRECT_DESC) || indirect ||
			    (flags & VIRTQ_DESC_F_NEXT))
				return violate(m, AXV_VIRTIO_BAD_INDIRECT);
			if (len == 0 || (len % DESC_SIZE))
				return violate(m, AXV_VIRTIO_BAD_LENGTH);
			if (axv_virtio_ram_check(m->as, addr, len, false) != 0)
				return violate(m, AXV_VIRTIO_BAD_BUFFER);
			table = addr;
			tsize = len / DESC_SIZE;
			idx = 0;
			indirect = true;
			continue;
		}
		/* Section 2.7.5.3.1/2.7.4: no chain is longer than the queue size; this bound
		 * also ends any loop, direct or inside an indirect table. */
		if (++count > vq->num)
			return violate(m, AXV_VIRTIO_CHAIN_TOO_LONG);
		bool wr = (flags & VIRTQ_DESC_F_WRITE) != 0;
		/* Section 2.7.4.2: device-readable descriptors come before device-writable. */
		if (!wr && count - 1 != nout)
			return violate(m, AXV_VIRTIO_BAD_ORDER);
		if (len && addr > UINT64_MAX - (len - 1))
			return violate(m, AXV_VIRTIO_BAD_LENGTH);
		if (axv_virtio_ram_check(m->as, addr, len, wr) != 0)
			return violate(m, AXV_VIRTIO_BAD_BUFFER);
		if (wr)
			in += len;
		else
			out += len;
		if (in > UINT32_MAX || out > UINT32_MAX)
			return violate(m, AXV_VIRTIO_BAD_LENGTH);
		m->scratch[count - 1] = (struct axv_virtq_seg){.addr = addr, .len = len, .write = wr};
		if (!wr)
			nout++;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			break;
		idx = next;
	}
	r->head = head;
	r->nseg = (uint16_t)count;
	r->nout = nout;
	r->out_len = (uint32_t)out;
	r->in_len = (uint32_t)in;
	r->seg = m->scratch;
	return 0;
}

int axv_virtq_pop(struct axv_virtio_mmio *m, unsigned q, struct axv_virtq_req *r)
{
	if (!m || !r || q >= AXV_VIRTIO_MAX_QUEUES || q >= m->type->num_queues)
		return AXV_EINVAL;
	if (!axv_virtio_queue_live(m, q))
		return AXV_ESTATE;
	struct axv_virtq *vq = &m->q[q];
	bool event_idx = axv_virtio_has_feature(m, AXV_VIRTIO_F_RING_EVENT_IDX);
	uint16_t avail;
	if (read_u16(m, vq->driver + AVAIL_IDX, &avail) != 0)
		return violate(m, AXV_VIRTIO_BAD_BUFFER);
	if (avail == vq->last_avail && event_idx) {
		/* Section 2.7.10: tell the driver to notify us for the next buffer, then look
		 * again in case it added one before seeing avail_event. */
		if (write_u16(m, vq->device + USED_RING + 8u * (uint64_t)vq->num,
			      vq->last_avail) != 0)
			return violate(m, AXV_VIRTIO_BAD_BUFFER);
		virtio_fence(__ATOMIC_SEQ_CST);
		if (read_u16(m, vq->driver + AVAIL_IDX, &avail) != 0)
			return violate(m, AXV_VIRTIO_BAD_BUFFER);
	}
	uint16_t pending = (uint16_t)(avail - vq->last_avail);
	if (pending == 0)
		return AXV_ENOENT;
	/* Section 2.7.13.3: the driver never makes more than the queue size available. */
	if (pending > vq->num)
		return violate(m, AXV_VIRTIO_BAD_AVAIL_IDX);
	virtio_fence(__ATOMIC_ACQUIRE); /* the ring entry after the index */
	uint16_t head;
	uint64_t slot = vq->driver + AVAIL_RING + 2u * (uint64_t)(vq->last_avail & (vq->num - 1));
	if (read_u16(m, slot, &head) != 0)
		return violate(m, AXV_VIRTIO_BAD_BUFFER);
	int rc = walk(m, vq, head, r);
	if (rc != 0)
		return rc;
	r->queue = (uint16_t)q;
	r->gen = vq->gen;
	vq->last_avail++;
	return 0;
}

/* A request may still be used: its queue is live and in the generation it was popped in
 * (struct axv_virtq_req, "Lifetime"). Otherwise the device was reset, hit NEEDS_RESET, or
 * the queue was disabled or set up again since the pop. */
static bool req_live(const struct axv_virtio_mmio *m, const struct axv_virtq_req *r)
{
	return r->queue < m->type->num_queues && axv_virtio_queue_live(m, r->queue) &&
	       r->gen == m->q[r->queue].gen;
}

/* Copy between a request's segments and a host buffer: into the host buffer @p in (from
 * the device-readable segments) or out of @p out (into the device-writable ones). */
static int xfer(struct axv_virtio_mmio *m, const struct axv_virtq_req *r, uint32_t off,
		uint8_t *in, const uint8_t *out, uint32_t len)
{
	bool to_guest = out != NULL;
	if (!m || !r || (!in && !out && len))
		return AXV_EINVAL;
	if (!req_live(m, r))
		return AXV_ESTATE; /* stale: guest memory is not touched */
	uint32_t total = to_guest ? r->in_len : r->out_len;
	if (off > total || len > total - off)
		return AXV_ERANGE;
	unsigned first = to_guest ? r->nout : 0, end = to_guest ? r->nseg : r->nout;
	uint32_t done = 0;
	for (unsigned i = first; i < end && len; i++) {
		const struct axv_virtq_seg *s = &r->seg[i];
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		uint32_t n = s->len - off;
		if (n > len)
			n = len;
		int rc = to_guest ? gwrite(m, s->addr + off, out + done, n)
				  : gread(m, s->addr + off, in + done, n);
		if (rc != 0)
			return rc;
		done += n;
		len -= n;
		off = 0;
	}
	return 0;
}

int axv_virtq_read(struct axv_virtio_mmio *m, const struct axv_virtq_req *r, uint32_t off,
		   void *buf, uint32_t len)
{
	return xfer(m, r, off, buf, NULL, len);
}

int axv_virtq_write(struct axv_virtio_mmio *m, const struct axv_virtq_req *r, uint32_t off,
		    const void *buf, uint32_t len)
{
	return xfer(m, r, off, NULL, buf, len);
}

/* Section 2.7.10: vring_need_event, the driver wants an interrupt when the used index
 * passes used_event between old and new. */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

int axv_virtq_push(struct axv_virtio_mmio *m, const struct axv_virtq_req *r, uint32_t written)
{
	if (!m || !r || written > r->in_len || r->queue >= m->type->num_queues)
		return AXV_EINVAL;
	if (!req_live(m, r))
		return AXV_ESTATE; /* stale: the used ring is not written */
	struct axv_virtq *vq = &m->q[r->queue];
	uint8_t e[8];
	put_le32(e, r->head);
	put_le32(e + 4, written);
	uint64_t slot = vq->device + USED_RING + 8u * (uint64_t)(vq->used_idx & (vq->num - 1));
	if (gwrite(m, slot, e, sizeof(e)) != 0)
		return violate(m, AXV_VIRTIO_BAD_BUFFER);
	virtio_fence(__ATOMIC_RELEASE); /* the element before the index (2.7.8) */
	uint16_t old = vq->used_idx, now = (uint16_t)(old + 1);
	if (write_u16(m, vq->device + USED_IDX, now) != 0)
		return violate(m, AXV_VIRTIO_BAD_BUFFER);
	vq->used_idx = now;
	virtio_fence(__ATOMIC_SEQ_CST); /* the index before reading suppression */
	bool notify;
	if (axv_virtio_has_feature(m, AXV_VIRTIO_F_RING_EVENT_IDX)) {
		uint16_t ev;
		if (read_u16(m, vq->driver + AVAIL_RING + 2u * (uint64_t)vq->num, &ev) != 0)
			return violate(m, AXV_VIRTIO_BAD_BUFFER);
		uint16_t since = vq->signalled_valid ? vq->signalled_used : old;
		notify = !vq->signalled_valid || need_event(ev, now, since);
		vq->signalled_used = now;
		vq->signalled_valid = true;
	} else {
		uint16_t flags;
		if (read_u16(m, vq->driver, &flags) != 0)
			return violate(m, AXV_VIRTIO_BAD_BUFFER);
		notify = !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	if (notify) {
		m->isr |= AXV_VIRTIO_INT_VRING;
		axv_virtio_update_irq(m);
	}
	return 0;
}
