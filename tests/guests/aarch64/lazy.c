/* A lazily backed region: the first touch of each page faults into the hypervisor, which
 * backs it with a zeroed frame and lets the access retry. */
#include "guest.h"

void guest_main(uint64_t dtb)
{
	(void)dtb;
	volatile uint64_t *p = (volatile uint64_t *)LAZY_BASE;
	p[0] = 0x1122334455667788ull;
	check("a store to a lazy page completes", p[0] == 0x1122334455667788ull);
	check("the rest of the page is zero", p[1] == 0 && p[511] == 0);
	volatile uint64_t *q = (volatile uint64_t *)(LAZY_BASE + 0x5000);
	check("a load from another lazy page reads zero", q[3] == 0);
	q[3] = 42;
	check("and it then holds a store", q[3] == 42);
	__asm__ volatile("stp %0, %0, [%1]" : : "r"(7ull), "r"(LAZY_BASE + 0x9000) : "memory");
	check("a syndrome-less store pair faults the page in too",
	      ((volatile uint64_t *)(LAZY_BASE + 0x9000))[1] == 7);
}
