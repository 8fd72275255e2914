#ifndef EXAMPLE_DEVICES_H
#define EXAMPLE_DEVICES_H

#include <stdbool.h>

#include <axv/bus.h>
#include <axv/exit.h>

#include "conmux.h"
#include "platform.h"

struct axv_vgic;

/* The guest's PL011: output to the host console, input from it (the host UART's receive
 * side feeds a 16-entry receive FIFO), the interrupt on a vGIC SPI. */
#define VUART_FIFO 16
struct vuart {
	struct spinlock lock;   /* accesses come from any vcpu and from the host UART's IRQ */
	uint32_t regs[64];      /* control registers the driver writes, read back as written */
	uint8_t rx[VUART_FIFO]; /* the receive FIFO: rx_count bytes from rx_head, circular */
	unsigned rx_head, rx_count;
	uint32_t ris;           /* UARTRIS */
	bool line;              /* the interrupt line as last given to the vGIC */
	struct axv_vgic *gic;   /* set before the guest runs */
	uint32_t intid;
	struct con_stream *con; /* the VM's share of the host console: set before it runs */
	uint64_t tx_bytes, rx_bytes;
};

/* Reset state (DDI 0183G 3.2: UARTCR 0x300, UARTIFLS 0x12) and the line it drives. */
void vuart_init(struct vuart *u, uint32_t intid);
/* The host UART has input (its interrupt, or a poll): move what the guest's FIFO takes, if
 * host input goes to this VM (conmux.h). */
void vuart_host_rx(struct vuart *u);

/* The guest's PL031 real-time clock: the host's, passed through register by register (every
 * access traps and is done on the host's), its alarm interrupt forwarded to a vGIC SPI. */
struct vrtc {
	struct spinlock lock;
	bool line;              /* the guest's interrupt line as last given to the vGIC */
	struct axv_vgic *gic;   /* set before the guest runs */
	uint32_t intid;
};

/* The host RTC's interrupt fired: masked at the host GIC until the guest clears the alarm. */
void vrtc_host_irq(struct vrtc *r);

struct testdev {
	uint64_t scratch;
	uint64_t last_width;
	struct axv_vgic *gic; /* offset 24 drives an SPI line: write the INTID, 0 to lower it */
	uint32_t spi;
};

extern const struct axv_device_ops vuart_ops;
extern const struct axv_device_ops vrtc_ops;
extern const struct axv_device_ops testdev_ops;

#endif
