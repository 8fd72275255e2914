/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio transport, version 2 (virtio 1.2 section 4.2): registers, feature
 * negotiation, device status, reset, config space and the interrupt line.
 */
#include "axv_mem.h"

#include "virtio_priv.h"

/* Register offsets (virtio 1.2 section 4.2.2, table "MMIO Device Register Layout"). */
#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_DEVICE_ID 0x008
#define REG_VENDOR_ID 0x00c
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK 0x064
#define REG_STATUS 0x070
#define REG_QUEUE_DESC_LOW 0x080
#define REG_QUEUE_DESC_HIGH 0x084
#define REG_QUEUE_DRIVER_LOW 0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW 0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4
#define REG_SHM_SEL 0x0ac
#define REG_SHM_LEN_LOW 0x0b0
#define REG_SHM_LEN_HIGH 0x0b4
#define REG_SHM_BASE_LOW 0x0b8
#define REG_SHM_BASE_HIGH 0x0bc
#define REG_QUEUE_RESET 0x0c0
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG 0x100

#define VIRTIO_MMIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_MMIO_VERSION 2u
#define AXV_VIRTIO_VENDOR 0x00767861u /* "axv" */

#define BIT64(n) ((uint64_t)1 << (n))

int axv_virtio_ram_check(const struct axv_addrspace *as, uint64_t gpa, uint64_t len, bool write)
{
	if (len == 0)
		return 0;
	if (gpa > UINT64_MAX - (len - 1))
		return AXV_ERANGE;
	uint64_t end = gpa + (len - 1); /* inclusive */
	size_t n = axv_addrspace_area_count(as);
	struct axv_area_info a;
	size_t lo = 0, hi = n;
	while (lo < hi) { /* first area whose last byte is at or above gpa */
		size_t mid = lo + (hi - lo) / 2;
		if (axv_addrspace_area(as, mid, &a) != 0)
			return AXV_EFAULT;
		if (a.gpa + (a.size - 1) < gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint64_t at = gpa;
	for (size_t k = lo; k < n; k++) {
		if (axv_addrspace_area(as, k, &a) != 0 || a.gpa > at ||
		    (a.flags & AXV_MAP_DEVICE) || (write && !(a.flags & AXV_MAP_WRITE)))
			return AXV_EFAULT;
		uint64_t last = a.gpa + (a.size - 1);
		if (last >= end)
			return 0;
		at = last + 1;
	}
	return AXV_EFAULT;
}

void axv_virtio_update_irq(struct axv_virtio_mmio *m)
{
	bool level = m->isr != 0;
	if (level != m->irq_level) {
		m->irq_level = level;
		m->set_irq(m->irq_ctx, level);
	}
}

bool axv_virtio_queue_live(const struct axv_virtio_mmio *m, unsigned q)
{
	return (m->status & AXV_VIRTIO_STATUS_DRIVER_OK) &&
	       !(m->status & AXV_VIRTIO_STATUS_NEEDS_RESET) && q < m->type->num_queues &&
	       m->q[q].ready;
}

int axv_virtio_mmio_init(struct axv_virtio_mmio *m, struct axv_addrspace *as,
			 const struct axv_virtio_device *type, void *dev, uint64_t features,
			 uint8_t *config, uint32_t config_len,
			 void (*set_irq)(void *ctx, bool level), void *irq_ctx)
{
	if (!m || !as || !type || !type->notify || !set_irq || type->num_queues == 0 ||
	    type->num_queues > AXV_VIRTIO_MAX_QUEUES || config_len > AXV_VIRTIO_CONFIG_MAX ||
	    (!config && config_len))
		return AXV_EINVAL;
	axv_memset(m, 0, sizeof(*m));
	m->as = as;
	m->type = type;
	m->dev = dev;
	m->set_irq = set_irq;
	m->irq_ctx = irq_ctx;
	m->device_features = features | BIT64(AXV_VIRTIO_F_VERSION_1);
	m->config = config;
	m->config_len = config_len;
	return 0;
}

void axv_virtio_mmio_reset(struct axv_virtio_mmio *m)
{
	m->status = 0;
	m->driver_features = 0;
	m->dev_features_sel = 0;
	m->drv_features_sel = 0;
	m->queue_sel = 0;
	m->isr = 0;
	m->violation = AXV_VIRTIO_OK;
	/* Every queue forgets its setup; its generation moves on, so requests popped before the
	 * reset stay stale whatever the driver sets up next. */
	for (unsigned q = 0; q < AXV_VIRTIO_MAX_QUEUES; q++) {
		uint64_t gen = m->q[q].gen;
		axv_memset(&m->q[q], 0, sizeof(m->q[q]));
		m->q[q].gen = gen;
		axv_virtq_end_requests(m, q);
	}
	axv_virtio_update_irq(m);
	if (m->type->reset)
		m->type->reset(m);
}

bool axv_virtio_has_feature(const struct axv_virtio_mmio *m, unsigned bit)
{
	return bit < 64 && (m->status & AXV_VIRTIO_STATUS_FEATURES_OK) &&
	       (m->driver_features & BIT64(bit));
}

void axv_virtio_config_changed(struct axv_virtio_mmio *m)
{
	m->config_gen++;
	if (m->status & AXV_VIRTIO_STATUS_DRIVER_OK) {
		m->isr |= AXV_VIRTIO_INT_CONFIG;
		axv_virtio_update_irq(m);
	}
}

void axv_virtio_needs_reset(struct axv_virtio_mmio *m, enum axv_virtio_violation why)
{
	m->violations++;
	/* Section 2.1.2: the device processes nothing more until reset; requests in flight
	 * are dropped (their completion would write rings the driver is about to reset). */
	for (unsigned q = 0; q < AXV_VIRTIO_MAX_QUEUES; q++)
		axv_virtq_end_requests(m, q);
	if (m->status & AXV_VIRTIO_STATUS_NEEDS_RESET)
		return; /* keep the first reason */
	m->violation = why;
	m->status |= AXV_VIRTIO_STATUS_NEEDS_RESET;
	/* Section 2.1.2: a device that enters NEEDS_RESET after DRIVER_OK notifies the driver
	 * with a configuration change notification. */
	if (m->status & AXV_VIRTIO_STATUS_DRIVER_OK) {
		m->isr |= AXV_VIRTIO_INT_CONFIG;
		axv_virtio_update_irq(m);
	}
}

/* ---- registers ------------------------------------------------------------------------ */

static struct axv_virtq *sel_queue(struct axv_virtio_mmio *m)
{
	return m->queue_sel < m->type->num_queues ? &m->q[m->queue_sel] : NULL;
}

static uint32_t reg_read(struct axv_virtio_mmio *m, uint64_t off)
{
	struct axv_virtq *vq = sel_queue(m);
	switch (off) {
	case REG_MAGIC:
		return VIRTIO_MMIO_MAGIC;
	case REG_VERSION:
		return VIRTIO_MMIO_VERSION;
	case REG_DEVICE_ID:
		return m->type->device_id;
	case REG_VENDOR_ID:
		return AXV_VIRTIO_VENDOR;
	case REG_DEVICE_FEATURES:
		return m->dev_features_sel < 2
			       ? (uint32_t)(m->device_features >> (32 * m->dev_features_sel))
			       : 0;
	case REG_QUEUE_NUM_MAX:
		return vq ? AXV_VIRTQ_MAX_SIZE : 0; /* 0: the queue is not available */
	case REG_QUEUE_READY:
		return vq && vq->ready;
	case REG_INTERRUPT_STATUS:
		return m->isr;
	case REG_STATUS:
		return m->status;
	case REG_SHM_LEN_LOW:
	case REG_SHM_LEN_HIGH:
	case REG_SHM_BASE_LOW:
	case REG_SHM_BASE_HIGH:
		return 0xffffffffu; /* no shared memory region: length -1 (section 4.2.2) */
	case REG_CONFIG_GENERATION:
		return m->config_gen;
	default:
		/* Write-only registers and the queue layout registers read as 0 (the spec does
		 * not make them readable); so do reserved offsets and QueueReset (no
		 * VIRTIO_F_RING_RESET). */
		return 0;
	}
}

static void set_status(struct axv_virtio_mmio *m, uint32_t v)
{
	if (v == 0) { /* reset (section 4.2.2, Status) */
		axv_virtio_mmio_reset(m);
		return;
	}
	uint32_t old = m->status;
	v &= 0xffu & ~AXV_VIRTIO_STATUS_NEEDS_RESET; /* only the device sets NEEDS_RESET */
	v |= old & AXV_VIRTIO_STATUS_NEEDS_RESET;
	uint32_t added = v & ~old;
	if (added & AXV_VIRTIO_STATUS_FEATURES_OK) {
		/* Section 3.1.1: the device accepts FEATURES_OK only for a subset of what it
		 * offered; we also require VIRTIO_F_VERSION_1 (no legacy interface). */
		uint64_t f = m->driver_features;
		if ((f & ~m->device_features) || !(f & BIT64(AXV_VIRTIO_F_VERSION_1)))
			v &= ~AXV_VIRTIO_STATUS_FEATURES_OK;
	}
	if ((added & AXV_VIRTIO_STATUS_DRIVER_OK) && !(v & AXV_VIRTIO_STATUS_FEATURES_OK))
		v &= ~AXV_VIRTIO_STATUS_DRIVER_OK;
	m->status = v;
	if ((v & ~old) & AXV_VIRTIO_STATUS_DRIVER_OK) {
		/* Buffers made available before DRIVER_OK are processed now. */
		for (unsigned q = 0; q < m->type->num_queues; q++)
			if (axv_virtio_queue_live(m, q))
				(void)m->type->notify(m, q);
	}
}

static void set_addr(struct axv_virtq *vq, axv_gpa_t *field, bool high, uint32_t v)
{
	if (!vq || vq->ready)
		return; /* section 4.2.3.2: not while the queue is ready */
	if (high)
		*field = (*field & 0xffffffffu) | ((uint64_t)v << 32);
	else
		*field = (*field & ~(uint64_t)0xffffffffu) | v;
}

static int reg_write(struct axv_virtio_mmio *m, uint64_t off, uint32_t v)
{
	struct axv_virtq *vq = sel_queue(m);
	switch (off) {
	case REG_DEVICE_FEATURES_SEL:
		m->dev_features_sel = v;
		break;
	case REG_DRIVER_FEATURES:
		if (!(m->status & AXV_VIRTIO_STATUS_FEATURES_OK) && m->drv_features_sel < 2) {
			unsigned sh = 32 * m->drv_features_sel;
			m->driver_features = (m->driver_features & ~((uint64_t)0xffffffffu << sh)) |
					     ((uint64_t)v << sh);
		}
		break;
	case REG_DRIVER_FEATURES_SEL:
		m->drv_features_sel = v;
		break;
	case REG_QUEUE_SEL:
		m->queue_sel = v;
		break;
	case REG_QUEUE_NUM:
		if (vq && !vq->ready)
			vq->num = v > 0xffffu ? 0 : (uint16_t)v; /* checked at QueueReady */
		break;
	case REG_QUEUE_READY:
		if (!vq)
			break;
		if (v == 0) {
			/* The driver takes the queue back (section 4.2.2, QueueReady): what
			 * was popped from it is no longer the device's to complete. */
			vq->ready = false;
			axv_virtq_end_requests(m, m->queue_sel);
		} else if (!vq->ready) {
			if (!axv_virtq_setup_ok(m, vq)) {
				axv_virtio_needs_reset(m, AXV_VIRTIO_BAD_QUEUE_SETUP);
				break;
			}
			/* A new setup: its indices start over (section 2.7), so a request of
			 * an earlier setup must never reach its used ring. */
			axv_virtq_end_requests(m, m->queue_sel);
			vq->ready = true;
			vq->last_avail = 0;
			vq->used_idx = 0;
			vq->signalled_valid = false;
		}
		break;
	case REG_QUEUE_NOTIFY:
		if (!(m->status & AXV_VIRTIO_STATUS_DRIVER_OK) ||
		    (m->status & AXV_VIRTIO_STATUS_NEEDS_RESET))
			break; /* processed at DRIVER_OK; nothing after a violation */
		if (!axv_virtio_queue_live(m, v)) {
			axv_virtio_needs_reset(m, AXV_VIRTIO_QUEUE_NOT_READY);
			break;
		}
		return m->type->notify(m, v);
	case REG_INTERRUPT_ACK:
		m->isr &= ~v;
		axv_virtio_update_irq(m);
		break;
	case REG_STATUS:
		set_status(m, v);
		break;
	case REG_QUEUE_DESC_LOW:
	case REG_QUEUE_DESC_HIGH:
		set_addr(vq, vq ? &vq->desc : NULL, off == REG_QUEUE_DESC_HIGH, v);
		break;
	case REG_QUEUE_DRIVER_LOW:
	case REG_QUEUE_DRIVER_HIGH:
		set_addr(vq, vq ? &vq->driver : NULL, off == REG_QUEUE_DRIVER_HIGH, v);
		break;
	case REG_QUEUE_DEVICE_LOW:
	case REG_QUEUE_DEVICE_HIGH:
		set_addr(vq, vq ? &vq->device : NULL, off == REG_QUEUE_DEVICE_HIGH, v);
		break;
	default:
		/* Read-only registers, SHMSel (no regions), QueueReset (not offered), reserved
		 * offsets: ignored. */
		break;
	}
	return 0;
}

static int mmio_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	struct axv_virtio_mmio *m = ctx;
	*value = 0;
	if (off >= REG_CONFIG) {
		uint64_t c = off - REG_CONFIG;
		if (c < m->config_len && width <= m->config_len - c) {
			uint64_t v = 0;
			for (unsigned i = 0; i < width; i++)
				v |= (uint64_t)m->config[c + i] << (8 * i);
			*value = v;
		}
		return 0;
	}
	/* Section 4.2.2.2: control registers take 32-bit aligned accesses only. */
	if (width == 4 && !(off & 3))
		*value = reg_read(m, off);
	return 0;
}

static int mmio_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	struct axv_virtio_mmio *m = ctx;
	if (off >= REG_CONFIG) {
		uint64_t c = off - REG_CONFIG;
		if (m->type->config_write && c < m->config_len && width <= m->config_len - c)
			m->type->config_write(m, (uint32_t)c, width, value);
		return 0;
	}
	if (width != 4 || (off & 3))
		return 0;
	return reg_write(m, off, (uint32_t)value);
}

const struct axv_device_ops axv_virtio_mmio_ops = {mmio_read, mmio_write};
