/* A triple fault: with an empty IDT, UD2 raises #UD, whose delivery faults (#GP), whose
 * delivery faults again (#DF), whose delivery faults once more: shutdown (AMD64 APM Vol. 2,
 * 8.2.9 "Double-Fault Exception"). The SHUTDOWN intercept turns it into an exit, which
 * libaxv reports as a system-down exit; the guest announces it first, so the hypervisor
 * counts it as a pass. */
#include "guest.h"

void guest_main(void)
{
	check("the hypervisor expects a shutdown",
	      vmmcall(HC_EXPECT_SHUTDOWN, 0, 0, 0, 0, 0, 0) == 0);
	guest_report();
	static const struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} empty = {0, 0};
	__asm__ volatile("lidt %0\n\tud2" : : "m"(empty));
	for (;;)
		; /* not reached */
}
