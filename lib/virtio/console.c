/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-console, one port (virtio 1.2 section 5.3): receiveq0 and transmitq0. */
#include "axv_mem.h"

#include "virtio_priv.h"

#define RXQ 0u /* receiveq0 (section 5.3.2) */
#define TXQ 1u /* transmitq0 */

static int con_notify(struct axv_virtio_mmio *m, unsigned q)
{
	struct axv_virtio_console *c = m->dev;
	if (q != TXQ)
		return 0; /* receive buffers wait for host input */
	struct axv_virtq_req r;
	uint8_t buf[128];
	for (unsigned n = VIRTQ_BUDGET(&m->q[q]); n; n--) {
		if (axv_virtq_pop(m, q, &r) != 0)
			break;
		uint32_t len = r.out_len;
		if (len > AXV_VIRTIO_CONSOLE_CHAIN_MAX) {
			c->tx_dropped += len - AXV_VIRTIO_CONSOLE_CHAIN_MAX;
			len = AXV_VIRTIO_CONSOLE_CHAIN_MAX;
		}
		for (uint32_t off = 0; off < len;) {
			uint32_t k = len - off < sizeof(buf) ? len - off : sizeof(buf);
			if (axv_virtq_read(m, &r, off, buf, k) != 0)
				break;
			c->out(c->out_ctx, buf, k);
			c->tx_bytes += k;
			off += k;
		}
		if (axv_virtq_push(m, &r, 0) != 0)
			break;
	}
	return 0;
}

static const struct axv_virtio_device con_type = {
	.device_id = AXV_VIRTIO_ID_CONSOLE,
	.num_queues = 2,
	.notify = con_notify,
};

int axv_virtio_console_init(struct axv_virtio_console *c, struct axv_addrspace *as,
			    void (*out)(void *ctx, const uint8_t *buf, size_t len), void *out_ctx,
			    void (*set_irq)(void *ctx, bool level), void *irq_ctx)
{
	if (!c || !as || !out || !set_irq)
		return AXV_EINVAL;
	/* No feature bits of section 5.3.3 (no size, no multiport, no emergency write); the
	 * config space (cols, rows, max_nr_ports, emerg_wr) reads as zeros. */
	int rc = axv_virtio_mmio_init(&c->mmio, as, &con_type, c,
				      ((uint64_t)1 << AXV_VIRTIO_F_INDIRECT_DESC) |
					      ((uint64_t)1 << AXV_VIRTIO_F_RING_EVENT_IDX),
				      c->config, sizeof(c->config), set_irq, irq_ctx);
	if (rc != 0)
		return rc;
	c->out = out;
	c->out_ctx = out_ctx;
	axv_memset(c->config, 0, sizeof(c->config));
	c->tx_bytes = 0;
	c->rx_bytes = 0;
	c->tx_dropped = 0;
	return 0;
}

size_t axv_virtio_console_input(struct axv_virtio_console *c, const uint8_t *buf, size_t len)
{
	if (!c || !buf)
		return 0;
	struct axv_virtio_mmio *m = &c->mmio;
	if (!axv_virtio_queue_live(m, RXQ))
		return 0;
	size_t done = 0;
	struct axv_virtq_req r;
	for (unsigned n = VIRTQ_BUDGET(&m->q[RXQ]); n && done < len; n--) {
		if (axv_virtq_pop(m, RXQ, &r) != 0)
			break;
		size_t k = len - done < r.in_len ? len - done : r.in_len;
		if (axv_virtq_write(m, &r, 0, buf + done, (uint32_t)k) != 0)
			k = 0;
		if (axv_virtq_push(m, &r, (uint32_t)k) != 0)
			break;
		done += k;
		c->rx_bytes += k;
	}
	return done;
}
