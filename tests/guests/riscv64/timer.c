/* The supervisor timer through SBI TIME (SBI 6.1): a deadline 10 ms ahead raises the timer
 * interrupt (scause 5) no earlier than the deadline; a later set_timer clears it; wfi waits
 * for it (a HALT exit, the vcpu blocked until the host timer fires). */
#include "guest.h"

static volatile uint64_t ticks, last_time;

static uint64_t now(void)
{
	return CSR_READ(time);
}

static void irq(struct frame *f, uint64_t code)
{
	(void)f;
	if (code == 5) {
		ticks++;
		last_time = now();
		sbi(SBI_TIME, 0, ~0ul, 0, 0, 0, 0, 0); /* clears the pending timer */
	}
}

void guest_main(uint64_t hartid, uint64_t dtb)
{
	(void)hartid;
	(void)dtb;
	on_irq = irq;
	uint64_t t0 = now();
	check("time advances", now() > t0 || now() > t0);
	CSR_SET(sie, 1u << 5);
	CSR_SET(sstatus, 1u << 1);
	for (unsigned i = 0; i < 5; i++) {
		/* Read the count first: on a loaded host the deadline may pass before the call
		 * returns, and the interrupt is then taken right after the ecall. */
		uint64_t before = ticks;
		uint64_t deadline = now() + 100000; /* 10 ms at 10 MHz */
		sbi(SBI_TIME, 0, deadline, 0, 0, 0, 0, 0);
		while (ticks == before)
			__asm__ volatile("wfi");
		if (last_time < deadline) {
			check("a timer interrupt before its deadline", false);
			return;
		}
	}
	check("5 timer interrupts, each at or after its deadline", ticks == 5);
	/* A deadline far away, then one in the past: only the second fires. */
	sbi(SBI_TIME, 0, now() + 1000000000ul, 0, 0, 0, 0, 0);
	for (volatile int i = 0; i < 100000; i++)
		;
	check("a deadline 100 s away does not fire", ticks == 5);
	sbi(SBI_TIME, 0, 0, 0, 0, 0, 0, 0);
	while (ticks == 5)
		__asm__ volatile("wfi");
	check("a deadline in the past fires at once", ticks == 6);
	CSR_CLEAR(sstatus, 1u << 1);
}
