/* An access to an address nothing backs: the hypervisor injects a synchronous external
 * abort, which this guest handles and steps over. */
#include "guest.h"

static volatile uint64_t seen_esr, seen_far, aborts;

static void sync_handler(struct frame *f, uint64_t esr, uint64_t far)
{
	(void)f;
	seen_esr = esr;
	seen_far = far;
	aborts++;
	SYSREG_WRITE(elr_el1, SYSREG_READ(elr_el1) + 4);
}

void guest_main(uint64_t dtb)
{
	(void)dtb;
	on_sync = sync_handler;
	uint64_t v = 0x1234;
	__asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(UNMAPPED + 0x40) : "memory");
	check("a load from an unbacked address aborts in the guest", aborts == 1);
	check("ESR_EL1: data abort from EL1, synchronous external abort",
	      (seen_esr >> 26) == 0x25 && (seen_esr & 0x3f) == 0x10 && !(seen_esr & (1u << 6)));
	check("FAR_EL1 holds the address", seen_far == UNMAPPED + 0x40);
	__asm__ volatile("str %0, [%1]" : : "r"(v), "r"(UNMAPPED + 0x1000) : "memory");
	check("a store aborts too, with WnR set", aborts == 2 && (seen_esr & (1u << 6)));
	on_sync = 0;
	puts_("guest survived its aborts\n");
}
