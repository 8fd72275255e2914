/* Lazily backed guest RAM: the first touch of each page faults in HS-mode, libaxv gives it a
 * zeroed frame, the access is retried; later accesses do not exit. */
#include "guest.h"

void guest_main(uint64_t hartid, uint64_t dtb)
{
	(void)hartid;
	(void)dtb;
	volatile uint64_t *p = (volatile uint64_t *)LAZY_BASE;
	bool zero = true;
	for (unsigned i = 0; i < 16; i++)
		zero = zero && p[i * 512] == 0;
	check("lazy pages read as zero", zero);
	for (unsigned i = 0; i < 64; i++)
		p[i * 512 + 3] = 0x1000 + i;
	bool kept = true;
	for (unsigned i = 0; i < 64; i++)
		kept = kept && p[i * 512 + 3] == 0x1000 + i;
	check("lazy pages keep what was written (64 pages)", kept);
	/* Code in a lazy page: copy a `ret` (c.jr ra = 0x8082) there and call it. */
	volatile uint16_t *code = (volatile uint16_t *)(LAZY_BASE + 0x80000);
	code[0] = 0x8082;
	__asm__ volatile("fence.i" ::: "memory");
	((void (*)(void))(uintptr_t)code)();
	check("code in a lazy page runs", true);
}
