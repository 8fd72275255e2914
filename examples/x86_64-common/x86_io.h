/* x86 port I/O and polled output on the 16550 UART at COM1, for everything of the project that
 * runs on an x86 machine without a library: the x86 example hypervisors, their test guests,
 * the multiboot test kernel and the Bochs boot ROM (32- or 64-bit, freestanding).
 * IN and OUT: Intel SDM Vol. 2A/2B. The UART: PC16550D datasheet (THR at +0, IER at +1, FCR
 * at +2, LCR at +3, LSR at +5; LSR bit 5 THRE, bit 6 TEMT; LCR bit 7 DLAB). */
#ifndef X86_IO_H
#define X86_IO_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define X86_COM1 0x3f8

/* 8 data bits, no parity, one stop bit, 115200 baud, FIFOs on: a 16550 resets to 5-bit words
 * (Bochs's does), which would cut every byte to its low 5 bits. */
static inline void x86_com1_init(void)
{
	outb(X86_COM1 + 1, 0);    /* IER: no interrupts */
	outb(X86_COM1 + 3, 0x80); /* LCR.DLAB: the divisor latch */
	outb(X86_COM1 + 0, 1);    /* divisor 1: 115200 baud */
	outb(X86_COM1 + 1, 0);
	outb(X86_COM1 + 3, 0x03); /* LCR: 8N1 */
	outb(X86_COM1 + 2, 0x07); /* FCR: FIFOs on and cleared */
}

/* One character, "\n" as "\r\n", once the transmit holding register is empty. */
static inline void x86_com1_putc(char c)
{
	if (c == '\n')
		x86_com1_putc('\r');
	while (!(inb(X86_COM1 + 5) & (1u << 5))) /* LSR.THRE */
		;
	outb(X86_COM1, (uint8_t)c);
}

static inline void x86_com1_puts(const char *s)
{
	while (*s)
		x86_com1_putc(*s++);
}

#endif
