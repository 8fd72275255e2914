/* SPDX-License-Identifier: Apache-2.0 */
/* Private helpers of lib/virtio: little-endian fields, guest-RAM checks, interrupts. */
#ifndef AXV_LIB_VIRTIO_PRIV_H
#define AXV_LIB_VIRTIO_PRIV_H

#include <axv/err.h>
#include <axv/virtio.h>

/* virtio structures are little-endian (virtio 1.2 section 1.4); decode byte by byte so the
 * code is right on any host. */
static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* 0 when [gpa, gpa + len) lies in guest RAM: areas of the address space, none of them
 * mapped AXV_MAP_DEVICE, all of them AXV_MAP_WRITE when `write`; AXV_EFAULT otherwise
 * (holes are emulated MMIO or nothing), AXV_ERANGE when the range wraps. */
int axv_virtio_ram_check(const struct axv_addrspace *as, uint64_t gpa, uint64_t len, bool write);

/* Raise or lower the line to match InterruptStatus. */
void axv_virtio_update_irq(struct axv_virtio_mmio *m);

/* True when the device may process queue q: DRIVER_OK, not NEEDS_RESET, q ready. */
bool axv_virtio_queue_live(const struct axv_virtio_mmio *m, unsigned q);

/* End the lifetime of every request popped from queue q (struct axv_virtq_req, "Lifetime"):
 * they no longer match the queue's generation. */
static inline void axv_virtq_end_requests(struct axv_virtio_mmio *m, unsigned q)
{
	m->q[q].gen++;
}

/* Checks of QueueReady = 1: size, alignment and guest-RAM ranges (section 2.7). */
bool axv_virtq_setup_ok(const struct axv_virtio_mmio *m, const struct axv_virtq *vq);

/* Fences between guest-memory accesses (virtio 1.2 section 2.7.13). GCC refuses
 * atomic_thread_fence under -fsanitize=thread (-Wtsan); the ThreadSanitizer build runs no
 * virtio code concurrently, so there it only stops the compiler from reordering. */
#if defined(__SANITIZE_THREAD__)
#define virtio_fence(order) __atomic_signal_fence(order)
#else
#define virtio_fence(order) __atomic_thread_fence(order)
#endif

/* Most chains one notify (or console input call) processes: a guest adding buffers from
 * another vcpu cannot keep the device busy for ever; what is left waits for its next
 * notification. */
#define VIRTQ_BUDGET(vq) (4u * (unsigned)(vq)->num)

#endif
