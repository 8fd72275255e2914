/* The demo guest: a greeting through the emulated UART, SBI's version, a hypercall. */
#include "guest.h"

void guest_main(uint64_t hartid, uint64_t dtb)
{
	puts_("Hello from a guest in VS-mode, running under libaxv in HS-mode!\n");
	struct sbiret v = sbi(SBI_BASE, 0, 0, 0, 0, 0, 0, 0);
	printf_("guest: hart %u, DTB at 0x%x, SBI spec version 0x%x\n", hartid, dtb, v.value);
	check("SBI 2.0", v.error == 0 && v.value == 0x2000000);
	check("hypercall answered", sbi(SBI_AXV, 0, 1, 1, 1, 1, 1, 1).value == 21);
	puts_("guest: powering off through SBI SRST\n");
}
