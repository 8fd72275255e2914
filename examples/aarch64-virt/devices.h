#ifndef EXAMPLE_DEVICES_H
#define EXAMPLE_DEVICES_H

#include <axv/exit.h>

struct vuart {
	uint32_t regs[64]; /* control registers the driver writes, read back as written */
	uint64_t tx_bytes;
};

struct axv_vgic;

struct testdev {
	uint64_t scratch;
	uint64_t last_width;
	struct axv_vgic *gic; /* offset 24 drives an SPI line: write the INTID, 0 to lower it */
	uint32_t spi;
};

extern const struct axv_device_ops vuart_ops;
extern const struct axv_device_ops testdev_ops;

#endif
