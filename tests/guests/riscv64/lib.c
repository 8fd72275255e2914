/* riscv64 test guest runtime: console, SBI calls, trap dispatch, power-off. */
#include "guest.h"

void (*on_exc)(struct frame *f, uint64_t scause, uint64_t stval);
void (*on_irq)(struct frame *f, uint64_t code);

void putc_(char c)
{
	*(volatile uint8_t *)UART = (uint8_t)c;
}

struct sbiret sbi(unsigned long eid, unsigned long fid, unsigned long a0, unsigned long a1,
		  unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
	return sbi_ecall(eid, fid, a0, a1, a2, a3, a4, a5);
}

_Noreturn void power_off(void)
{
	printf_("DONE %u passed, %u failed\n", (uint64_t)npass, (uint64_t)nfail);
	sbi(SBI_SRST, 0, 0, 0, 0, 0, 0, 0); /* SBI 10.1: shutdown */
	for (;;)
		__asm__ volatile("wfi");
}

void guest_start(uint64_t hartid, uint64_t dtb);
void guest_start(uint64_t hartid, uint64_t dtb)
{
	guest_main(hartid, dtb);
	power_off();
}

__attribute__((weak)) void secondary_main(uint64_t hartid, uint64_t opaque)
{
	(void)hartid;
	(void)opaque;
	for (;;)
		__asm__ volatile("wfi");
}

void trap_dispatch(struct frame *f, uint64_t scause, uint64_t stval);
void trap_dispatch(struct frame *f, uint64_t scause, uint64_t stval)
{
	if ((scause >> 63) && on_irq) {
		on_irq(f, scause & ~(1ull << 63));
		return;
	}
	if (!(scause >> 63) && on_exc) {
		on_exc(f, scause, stval);
		return;
	}
	printf_("FAIL unexpected trap: scause 0x%x stval 0x%x sepc 0x%x\n", scause, stval, f->x[0]);
	nfail++;
	power_off();
}

bool each_taken_once(uint64_t n, void (*raise)(void), volatile uint64_t *count)
{
	bool each = true;
	for (uint64_t i = 1; i <= n; i++) {
		raise();
		uint64_t spin = 0;
		while (*count < i && spin < 1000000)
			spin++;
		if (*count != i)
			each = false;
	}
	return each;
}
