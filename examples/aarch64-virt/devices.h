#ifndef EXAMPLE_DEVICES_H
#define EXAMPLE_DEVICES_H

#include <axv/exit.h>

struct vuart {
	uint32_t regs[64]; /* control registers the driver writes, read back as written */
	uint64_t tx_bytes;
};

struct testdev {
	uint64_t scratch;
	uint64_t last_width;
};

struct dbgregs {
	uint64_t mdscr;
	uint64_t traps;
};

extern const struct axv_device_ops vuart_ops;
extern const struct axv_device_ops testdev_ops;
extern const struct axv_device_ops dbgregs_ops;

#endif
