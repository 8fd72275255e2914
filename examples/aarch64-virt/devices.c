/* The guest's emulated devices: a PL011 UART (output to the host console) and the test device
 * the test guests probe. */
#include "devices.h"

#include <axv/arch/aarch64.h>
#include <axv/err.h>

#include "platform.h"

/* ---- PL011 (ARM DDI 0183G 3.2, register summary) ---------------------------------------- */

#define UARTDR 0x000
#define UARTFR 0x018
#define UARTFR_RXFE (1u << 4)
#define UARTFR_TXFE (1u << 7)
#define UARTRIS 0x03c
#define UARTMIS 0x040
#define UARTICR 0x044
#define UARTPERIPHID0 0xfe0

static int uart_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	struct vuart *u = ctx;
	(void)width;
	if (off == UARTFR) {
		*value = UARTFR_TXFE | UARTFR_RXFE;
	} else if (off == UARTRIS || off == UARTMIS || off == UARTDR) {
		*value = 0;
	} else if (off >= UARTPERIPHID0 && off < 0x1000) {
		/* PrimeCell ids: peripheral 0x00041011 (PL011 r1p5), cell 0xb105f00d. */
		static const uint8_t id[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
		*value = (off & 3) ? 0 : id[((off - UARTPERIPHID0) >> 2) & 7];
	} else if (off < 0x100 && !(off & 3)) {
		*value = u->regs[off >> 2];
	} else {
		*value = 0;
	}
	return 0;
}

static int uart_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	struct vuart *u = ctx;
	(void)width;
	if (off == UARTDR) {
		con_putc((char)(value & 0xff));
		u->tx_bytes++;
	} else if (off < 0x100 && !(off & 3) && off != UARTICR) {
		u->regs[off >> 2] = (uint32_t)value;
	}
	return 0;
}

const struct axv_device_ops vuart_ops = {uart_read, uart_write};

/* ---- test device: pattern at 0, scratch at 8, width of the last store at 16, and an
 * interrupt line at 24 (write an SPI's INTID to raise it, 0 to lower it) ------------------ */

static int testdev_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	struct testdev *t = ctx;
	(void)width;
	switch (off) {
	case 0:
		*value = 0x8182838485868788ull;
		return 0;
	case 8:
		*value = t->scratch;
		return 0;
	case 16:
		*value = t->last_width;
		return 0;
	case 24:
		*value = t->spi;
		return 0;
	default:
		return AXV_ENXIO;
	}
}

static int testdev_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	struct testdev *t = ctx;
	if (off == 24) {
		if (t->spi && t->gic)
			axv_vgic_set_spi(t->gic, t->spi, false);
		t->spi = (uint32_t)value;
		if (t->spi && t->gic) {
			int rc = axv_vgic_set_spi(t->gic, t->spi, true);
			if (rc != 0 && rc != AXV_EALREADY)
				t->spi = 0; /* not an SPI this vGIC has */
		}
		return 0;
	}
	if (off != 8)
		return AXV_ENXIO;
	t->scratch = value;
	t->last_width = width;
	return 0;
}

const struct axv_device_ops testdev_ops = {testdev_read, testdev_write};
