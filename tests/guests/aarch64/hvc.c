/* A hypercall with six arguments and a return value. */
#include "guest.h"

void guest_main(uint64_t dtb)
{
	(void)dtb;
	uint64_t r = hvc6(HC_WEIGHTED_SUM, 1, 10, 100, 1000, 10000, 100000);
	check("hvc with six arguments returns their weighted sum",
	      r == 1 + 2 * 10 + 3 * 100 + 4 * 1000 + 5 * 10000 + 6 * 100000);
	r = hvc6(HC_WEIGHTED_SUM, ~0ull, 0, 0, 0, 0, 1);
	check("hvc arguments are 64-bit", r == 5);
	check("unknown hypercalls return -1 (NOT_SUPPORTED)",
	      hvc6(0x7777, 0, 0, 0, 0, 0, 0) == (uint64_t)-1);
}
