/* Console input through the emulated PL011 (PrimeCell UART PL011 TRM, ARM DDI 0183): run-guest
 * feeds INPUT on QEMU's stdin; the host UART receives it and the hypervisor forwards it to
 * this guest's UART, whose 16-entry receive FIFO, flags (UARTFR RXFE/RXFF), raw and masked
 * status (UARTRIS/UARTMIS RXRIS/RTRIS), mask (UARTIMSC), clear (UARTICR) and interrupt line
 * (SPI 1, INTID 33) behave as the TRM says. Nothing may be lost: more bytes than the FIFO
 * holds wait upstream until the guest reads. */
#include "guest.h"

#define INPUT "ABCDEFGHIJKLMNOPQRSTUVWX" /* what run-guest feeds (meson.build) */
#define UART_INTID 33
/* DDI 0183G: the register summary and register descriptions (chapter 3). */
#define UARTDR 0x000
#define UARTFR 0x018
#define UARTLCR_H 0x02c
#define UARTCR 0x030
#define UARTIFLS 0x034
#define UARTIMSC 0x038
#define UARTRIS 0x03c
#define UARTMIS 0x040
#define UARTICR 0x044
#define FR_RXFE (1u << 4)
#define FR_RXFF (1u << 6)
#define FR_TXFE (1u << 7)
#define INT_RX (1u << 4)
#define INT_RT (1u << 6)

static volatile char got[64];
static volatile uint64_t ngot, uart_irqs, spurious;

static uint32_t uart(uint64_t off)
{
	return *(volatile uint32_t *)(UART + off);
}

static void uart_write(uint64_t off, uint32_t v)
{
	*(volatile uint32_t *)(UART + off) = v;
}

static void drain(void)
{
	while (!(uart(UARTFR) & FR_RXFE) && ngot < sizeof(got))
		got[ngot++] = (char)(uart(UARTDR) & 0xff);
}

static void irq(struct frame *f)
{
	(void)f;
	uint64_t intid = SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
	if (intid >= 1020)
		return;
	if (intid == UART_INTID) {
		if (uart(UARTMIS) & (INT_RX | INT_RT))
			drain(); /* reading the FIFO empty clears RXRIS and RTRIS */
		else
			spurious++;
		uart_irqs++;
	}
	SYSREG_WRITE(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
}

/* Poll @cond with interrupts briefly unmasked between tries, for at most @ms milliseconds. */
static bool wait_until(bool (*cond)(void), uint64_t ms)
{
	uint64_t frq = SYSREG_READ(cntfrq_el0), start = SYSREG_READ(cntvct_el0);
	while (!cond()) {
		if (SYSREG_READ(cntvct_el0) - start > ms * frq / 1000)
			return false;
		__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
	}
	return true;
}

static bool fifo_full(void)
{
	return uart(UARTFR) & FR_RXFF;
}

static bool fifo_has_data(void)
{
	return !(uart(UARTFR) & FR_RXFE);
}

static bool never(void)
{
	return false;
}

static bool all_received(void)
{
	return ngot >= sizeof(INPUT) - 1;
}

static bool same(uint64_t from, const char *want, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (got[from + i] != want[i])
			return false;
	return true;
}

void guest_main(uint64_t dtb)
{
	(void)dtb;
	on_irq = irq;
	gic_cpu_init();
	volatile uint32_t *gicd = (volatile uint32_t *)GICD;
	gicd[0] = 0x2;                                              /* GICD_CTLR.EnableGrp1 */
	*(volatile uint64_t *)(GICD + 0x6000 + 8 * UART_INTID) = 0; /* GICD_IROUTER: vcpu 0 */
	gicd[0x104 / 4] = 1u << (UART_INTID - 32);                  /* GICD_ISENABLER1 */

	/* As a driver sets it up: masked, FIFOs on (8-bit words), RX trigger at 1/2, enabled. */
	uart_write(UARTIMSC, 0);
	uart_write(UARTICR, 0x7ff);
	uart_write(UARTLCR_H, (1u << 4) | (3u << 5)); /* FEN, WLEN 8 bits */
	uart_write(UARTIFLS, (2u << 3) | 2u);          /* RXIFLSEL, TXIFLSEL: 1/2 */
	uart_write(UARTCR, (1u << 9) | (1u << 8) | 1u); /* RXE, TXE, UARTEN */
	check("UARTFR: TXFE (what is written leaves at once)", uart(UARTFR) & FR_TXFE);

	/* 24 bytes are waiting upstream: the FIFO fills up to its 16 entries. */
	bool full = wait_until(fifo_full, 10000);
	printf_("guest: UARTFR 0x%x UARTRIS 0x%x UARTMIS 0x%x\n", (uint64_t)uart(UARTFR),
		(uint64_t)uart(UARTRIS), (uint64_t)uart(UARTMIS));
	check("UARTFR.RXFF: console input filled the receive FIFO", full);
	check("UARTFR.RXFE is clear", fifo_has_data());
	check("UARTRIS.RXRIS: the FIFO passed its trigger level", uart(UARTRIS) & INT_RX);
	check("UARTMIS: nothing while UARTIMSC masks it", (uart(UARTMIS) & (INT_RX | INT_RT)) == 0);
	wait_until(never, 20); /* 20 ms with interrupts unmasked */
	check("no interrupt while masked", uart_irqs == 0);
	uart_write(UARTICR, INT_RX | INT_RT);
	check("UARTICR clears RXRIS and RTRIS (the FIFO still full)",
	      (uart(UARTRIS) & (INT_RX | INT_RT)) == 0 && (uart(UARTFR) & FR_RXFF));

	/* Polled reads: the first 16 bytes, in order, without error bits. */
	bool in_order = true;
	for (int i = 0; i < 16 && in_order; i++) {
		in_order = wait_until(fifo_has_data, 5000);
		uint32_t dr = uart(UARTDR);
		in_order = in_order && (dr & 0xfff) == (uint32_t)(uint8_t)INPUT[i];
		if (in_order)
			got[ngot++] = (char)dr;
	}
	check("UARTDR: the first 16 bytes in order, no error bits", in_order && same(0, INPUT, 16));

	/* Interrupt-driven: the rest arrives through the RX / receive-timeout interrupt. */
	uart_write(UARTIMSC, INT_RX | INT_RT);
	bool rest = wait_until(all_received, 10000);
	wait_until(never, 20);
	printf_("guest: %u bytes received, %u UART interrupts (%u without RX status)\n", ngot,
		uart_irqs, spurious);
	check("the rest arrived through the UART interrupt (INTID 33)",
	      rest && uart_irqs >= 1 && same(16, INPUT + 16, sizeof(INPUT) - 1 - 16));
	check("nothing more than was sent", ngot == sizeof(INPUT) - 1);
	check("drained: UARTFR.RXFE, no RXRIS/RTRIS",
	      (uart(UARTFR) & FR_RXFE) && (uart(UARTRIS) & (INT_RX | INT_RT)) == 0);
	uart_write(UARTIMSC, 0);
}
