/* The guest's emulated devices: a PL011 UART (output to the host console, input from it),
 * the host's PL031 real-time clock passed through, and the test device the test guests
 * probe. */
#include "devices.h"

#include <axv/arch/aarch64.h>
#include <axv/bus.h>
#include <axv/err.h>

#include "config.h"
#include "platform.h"

/* ---- PL011 (PrimeCell UART PL011 TRM, ARM DDI 0183G: the register summary and descriptions
 * of chapter 3, the interrupts of chapter 2) ---------------------------------------------- */

#define UARTDR 0x000
#define UARTRSR 0x004
#define UARTFR 0x018
#define UARTLCR_H 0x02c
#define UARTCR 0x030
#define UARTIFLS 0x034
#define UARTIMSC 0x038
#define UARTRIS 0x03c
#define UARTMIS 0x040
#define UARTICR 0x044
#define UARTPERIPHID0 0xfe0
#define UARTFR_RXFE (1u << 4)
#define UARTFR_RXFF (1u << 6)
#define UARTFR_TXFE (1u << 7)
#define UARTLCR_H_FEN (1u << 4)
#define UARTCR_UARTEN (1u << 0)
#define UARTCR_RXE (1u << 9)
#define UART_INT_RX (1u << 4) /* RXRIS / RXMIS / RXIM / RXIC */
#define UART_INT_TX (1u << 5)
#define UART_INT_RT (1u << 6) /* receive timeout */
#define UART_INT_ALL 0x7ffu

void vuart_init(struct vuart *u, uint32_t intid)
{
	*u = (struct vuart){.intid = intid};
	u->regs[UARTCR >> 2] = 0x300;  /* TXE, RXE; UARTEN clear */
	u->regs[UARTIFLS >> 2] = 0x12; /* both trigger levels at 1/2 */
}

/* With the FIFOs off (UARTLCR_H.FEN clear) each is a one-byte holding register. */
static unsigned rx_depth(const struct vuart *u)
{
	return (u->regs[UARTLCR_H >> 2] & UARTLCR_H_FEN) ? VUART_FIFO : 1;
}

/* UARTIFLS.RXIFLSEL [5:3]: the receive interrupt fires as the FIFO fills to 1/8, 1/4, 1/2,
 * 3/4 or 7/8; the reserved encodings are taken as 1/2. */
static unsigned rx_trigger(const struct vuart *u)
{
	static const unsigned eighths[8] = {1, 2, 4, 6, 7, 4, 4, 4};
	if (!(u->regs[UARTLCR_H >> 2] & UARTLCR_H_FEN))
		return 1;
	return VUART_FIFO * eighths[(u->regs[UARTIFLS >> 2] >> 3) & 7] / 8;
}

static bool rx_enabled(const struct vuart *u)
{
	uint32_t cr = u->regs[UARTCR >> 2];
	return (cr & UARTCR_UARTEN) && (cr & UARTCR_RXE);
}

/* UARTINTR, the OR of the masked interrupts, onto the guest's SPI, given on every change.
 * As a level-sensitive SPI (the DTB's trigger type) it is pending again when the guest ends
 * it with the line still high; as an edge-triggered one it would not be, so the line is also
 * raised again when new input arrives while it is high (a handler that returned without
 * draining the FIFO then still gets another interrupt). */
static void uart_update_line(struct vuart *u, bool new_input)
{
	bool level = (u->ris & u->regs[UARTIMSC >> 2] & UART_INT_ALL) != 0;
	if (u->gic && (level != u->line || (level && new_input)))
		axv_vgic_set_spi(u->gic, u->intid, level);
	u->line = level;
}

/* Move host input (conmux_getc(): the host UART with one VM, the VM's input ring with
 * several) into the receive FIFO while it has room and the receiver is on. Bytes it cannot
 * take stay upstream (in the ring, or in the host UART and behind it in QEMU's chardev: with
 * one VM the host's receive interrupt is masked until there is room again), so nothing is
 * lost. */
static void uart_fill(struct vuart *u, bool from_host_irq)
{
	bool got = false;
	unsigned depth = rx_depth(u), trigger = rx_trigger(u);
	while (rx_enabled(u) && u->rx_count < depth) {
		int c = conmux_getc(u->con);
		if (c < 0)
			break;
		u->rx[(u->rx_head + u->rx_count) % VUART_FIFO] = (uint8_t)c;
		u->rx_count++;
		u->rx_bytes++;
		got = true;
		/* UARTRXINTR: asserted as the FIFO fills up to the trigger level (with the
		 * FIFOs off, as the holding register fills). */
		if (u->rx_count == trigger)
			u->ris |= UART_INT_RX;
	}
	/* The receive timeout (UARTRTINTR: data in the FIFO and none arriving for 32 bit
	 * periods) has elapsed by the time the guest can look: what came arrived as one burst. */
	if (got)
		u->ris |= UART_INT_RT;
	/* Input that is another VM's waits for that VM's fill, from the host interrupt. */
	conmux_rx_room(u->con, !conmux_has_input(u->con) || (rx_enabled(u) && u->rx_count < depth));
	uart_update_line(u, got && from_host_irq);
}

void vuart_host_rx(struct vuart *u)
{
	spin_lock(&u->lock);
	uart_fill(u, true);
	spin_unlock(&u->lock);
}

static uint32_t uart_pop(struct vuart *u)
{
	if (u->rx_count == 0)
		return 0; /* an empty FIFO: the data read is not defined; 0 here */
	uint32_t c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_FIFO;
	u->rx_count--;
	/* RXRIS clears as reads take the FIFO below the trigger level, RTRIS once it is
	 * empty (UARTRXINTR, UARTRTINTR). */
	if (u->rx_count < rx_trigger(u))
		u->ris &= ~UART_INT_RX;
	if (u->rx_count == 0)
		u->ris &= ~UART_INT_RT;
	uart_fill(u, false); /* room for what waits upstream */
	return c;              /* no error bits [11:8]: nothing is lost or garbled here */
}

static uint32_t uart_fr(const struct vuart *u)
{
	/* Transmission is instant: the transmit FIFO is always empty (TXFE, never TXFF). */
	uint32_t fr = UARTFR_TXFE;
	if (u->rx_count == 0)
		fr |= UARTFR_RXFE;
	if (u->rx_count >= rx_depth(u))
		fr |= UARTFR_RXFF;
	return fr;
}

static int uart_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	struct vuart *u = ctx;
	(void)width;
	if (off >= UARTPERIPHID0 && off < 0x1000) {
		/* PrimeCell ids: peripheral 0x00041011 (PL011 r1p5), cell 0xb105f00d. */
		static const uint8_t id[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
		*value = (off & 3) ? 0 : id[((off - UARTPERIPHID0) >> 2) & 7];
		return 0;
	}
	spin_lock(&u->lock);
	switch (off) {
	case UARTDR:
		*value = uart_pop(u);
		break;
	case UARTRSR:
	case UARTICR: /* write-only */
		*value = 0;
		break;
	case UARTFR:
		*value = uart_fr(u);
		break;
	case UARTRIS:
		*value = u->ris;
		break;
	case UARTMIS:
		*value = u->ris & u->regs[UARTIMSC >> 2];
		break;
	default:
		*value = off < 0x100 && !(off & 3) ? u->regs[off >> 2] : 0;
		break;
	}
	spin_unlock(&u->lock);
	return 0;
}

static int uart_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	struct vuart *u = ctx;
	(void)width;
	spin_lock(&u->lock);
	switch (off) {
	case UARTDR:
		conmux_putc(u->con, (char)(value & 0xff));
		u->tx_bytes++;
		/* The byte leaves at once, so the transmit FIFO drops through its trigger level
		 * (UARTTXINTR: an edge, set as written data leaves the FIFO). */
		u->ris |= UART_INT_TX;
		uart_update_line(u, false);
		break;
	case UARTRSR: /* UARTECR: clears the error flags; none are ever set */
	case UARTFR:
	case UARTRIS:
	case UARTMIS: /* read-only */
		break;
	case UARTICR:
		u->ris &= ~((uint32_t)value & UART_INT_ALL);
		uart_update_line(u, false);
		break;
	case UARTIMSC:
		u->regs[UARTIMSC >> 2] = (uint32_t)value & UART_INT_ALL;
		uart_update_line(u, false);
		break;
	case UARTCR:
	case UARTLCR_H:
		u->regs[off >> 2] = (uint32_t)value;
		uart_fill(u, false); /* the receiver or the FIFO depth may have changed */
		break;
	default:
		if (off < 0x100 && !(off & 3))
			u->regs[off >> 2] = (uint32_t)value;
		break;
	}
	spin_unlock(&u->lock);
	return 0;
}

const struct axv_device_ops vuart_ops = {uart_read, uart_write};

/* ---- PL031 (PrimeCell Real Time Clock PL031 TRM, ARM DDI 0224: the register summary of
 * chapter 3; RTCMIS bit 0 is the alarm interrupt, RTCINTR) -------------------------------- */

#define RTCMIS 0x018
#define RTC_SIZE 0x1000

/* The guest's line follows the host RTC's masked interrupt status; while it is high the host
 * SPI stays masked (the host line is high too), and is unmasked once the guest cleared it. */
static void rtc_sync(struct vrtc *r)
{
	bool level = (mmio_read32(HOST_RTC_BASE + RTCMIS) & 1) != 0;
	if (r->gic && level != r->line)
		axv_vgic_set_spi(r->gic, r->intid, level);
	r->line = level;
	if (!level)
		gic_spi_enable(HOST_RTC_INTID, true);
}

void vrtc_host_irq(struct vrtc *r)
{
	gic_spi_enable(HOST_RTC_INTID, false);
	spin_lock(&r->lock);
	rtc_sync(r);
	spin_unlock(&r->lock);
}

/* Every PL031 register is 32 bits wide; other widths and unaligned offsets read as zero and
 * ignore writes. */
static int rtc_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	(void)ctx;
	*value = width == 4 && !(off & 3) && off < RTC_SIZE ? mmio_read32(HOST_RTC_BASE + off) : 0;
	return 0;
}

static int rtc_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	struct vrtc *r = ctx;
	if (width != 4 || (off & 3) || off >= RTC_SIZE)
		return 0;
	spin_lock(&r->lock);
	mmio_write32(HOST_RTC_BASE + off, (uint32_t)value);
	rtc_sync(r); /* a write to RTCMR, RTCIMSC or RTCICR may have moved the line */
	spin_unlock(&r->lock);
	return 0;
}

const struct axv_device_ops vrtc_ops = {rtc_read, rtc_write};

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
