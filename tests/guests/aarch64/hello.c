/* The demo guest: a greeting through the emulated UART, one hypercall, then power off. */
#include "guest.h"

void guest_main(uint64_t dtb)
{
	puts_("Hello from a guest at EL1, running under libaxv at EL2!\n");
	printf_("guest: DTB at 0x%x, PSCI version 0x%x\n", dtb,
		hvc6(0x84000000u, 0, 0, 0, 0, 0, 0));
	check("hypercall answered", hvc6(HC_WEIGHTED_SUM, 1, 1, 1, 1, 1, 1) == 21);
	puts_("guest: powering off through PSCI SYSTEM_OFF\n");
}
