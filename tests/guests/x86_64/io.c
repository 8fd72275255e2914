/* Port I/O of every width through the IOPM intercept: OUT/IN of 1, 2 and 4 bytes reach the
 * hypervisor's scratch ports with the right width and data; IN AL/AX keep RAX's other bits,
 * IN EAX clears bits 63:32; unclaimed ports float high. */
#include "guest.h"

static uint64_t in_al_keeps(void)
{
	uint64_t rax = 0x1122334455667788ull;
	__asm__ volatile("inb %w1, %%al" : "+a"(rax) : "d"(PORT_SCRATCH));
	return rax;
}

static uint64_t in_ax_keeps(void)
{
	uint64_t rax = 0x1122334455667788ull;
	__asm__ volatile("inw %w1, %%ax" : "+a"(rax) : "d"(PORT_SCRATCH));
	return rax;
}

static uint64_t in_eax_clears(void)
{
	uint64_t rax = 0x1122334455667788ull;
	__asm__ volatile("inl %w1, %%eax" : "+a"(rax) : "d"(PORT_SCRATCH));
	return rax;
}

static unsigned last_width(void)
{
	return inb(PORT_SCRATCH_WIDTH);
}

void guest_main(void)
{
	outb(PORT_SCRATCH + 1, 0xa5);
	check("outb reaches the device as 1 byte", last_width() == 1);
	check("inb reads it back", inb(PORT_SCRATCH + 1) == 0xa5 && last_width() == 1);
	outw(PORT_SCRATCH + 2, 0xbeef);
	check("outw reaches the device as 2 bytes", last_width() == 2);
	check("inw reads it back", inw(PORT_SCRATCH + 2) == 0xbeef && last_width() == 2);
	outl(PORT_SCRATCH + 4, 0xcafef00du);
	check("outl reaches the device as 4 bytes", last_width() == 4);
	check("inl reads it back", inl(PORT_SCRATCH + 4) == 0xcafef00du && last_width() == 4);
	check("byte order across widths", inw(PORT_SCRATCH + 4) == 0xf00d &&
						  inb(PORT_SCRATCH + 7) == 0xca);
	outl(PORT_SCRATCH, 0x44332211u);
	check("in al keeps rax[63:8]", in_al_keeps() == 0x1122334455667711ull);
	check("in ax keeps rax[63:16]", in_ax_keeps() == 0x1122334455662211ull);
	check("in eax clears rax[63:32]", in_eax_clears() == 0x44332211ull);
	/* The immediate-port forms (E4..E7) and the DX forms (EC..EF) both exit. */
	uint8_t v;
	__asm__ volatile("inb $0xe9, %0" : "=a"(v));
	check("in al, imm8 from the debug port reads 0xe9", v == 0xe9);
	check("unclaimed port reads 0xff", inb(0x1234) == 0xff);
	check("unclaimed port reads 0xffff", inw(0x1234) == 0xffff);
	check("unclaimed port reads 0xffffffff", inl(0x1234) == 0xffffffffu);
}
