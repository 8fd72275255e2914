/* Cross-hart interrupt storm: hart 0 and hart 1 (started through SBI HSM) bounce a software
 * interrupt (SBI 7.1 send_ipi) 20000 times; each waits in wfi for the other's, so every
 * round passes through the halt, block, inject and wake paths on both vcpus. A lost IPI
 * stalls its round for good: after 10 s of time without it the round fails.
 *
 * Slow is not lost: the guest's clock (the time CSR, htimedelta 0) is the host's, and under
 * TCG a loaded host may leave a hart's thread unscheduled for a long time (IPIs 845 ms past a
 * 50 ms bound seen at a load average of 8 on 2 cores, the sleeping hart's own timer just as
 * late), so a bound of a few tens of milliseconds fails on the host's scheduling, not on the
 * hypervisor.
 * The slowest wait is printed. */
#include "guest.h"

#define ROUNDS 20000u

static volatile uint64_t got[2], sent[2];
static volatile uint64_t lost, up;
static volatile uint64_t slowest[2];

#define TICK 500000ul     /* 50 ms of the 10 MHz timebase: the timer wakes the wfi this often */
#define LIMIT 100000000ul /* 10 s without the interrupt: lost */

static void irq(struct frame *f, uint64_t code)
{
	(void)f;
	if (code == 1) {
		CSR_CLEAR(sip, 1u << 1);
		got[CSR_READ(sscratch)]++;
	} else if (code == 5) {
		sbi(SBI_TIME, 0, ~0ul, 0, 0, 0, 0, 0);
	}
}

/* Wait until this hart has received @p n interrupts; false after LIMIT without them. The
 * wfi runs masked (it wakes on a pending interrupt whatever sstatus.SIE, Priv 3.3.3), then
 * the interrupt is taken: unmasking first could take it just before the wfi, which would
 * then wait for the next one. A timer TICK ahead, set again while the wait goes on, ends a
 * wfi for one that does not come, so that the bound is checked. */
static bool wait_for(unsigned me, uint64_t n)
{
	uint64_t t0 = CSR_READ(time), next = t0 + TICK;
	sbi(SBI_TIME, 0, next, 0, 0, 0, 0, 0);
	while (got[me] < n) {
		uint64_t now = CSR_READ(time);
		if (now - t0 >= LIMIT)
			break;
		if (now >= next) { /* fired (the handler disarmed it) or about to */
			next = now + TICK;
			sbi(SBI_TIME, 0, next, 0, 0, 0, 0, 0);
		}
		__asm__ volatile("wfi");
		CSR_SET(sstatus, 1u << 1);
		CSR_CLEAR(sstatus, 1u << 1);
	}
	uint64_t took = CSR_READ(time) - t0;
	if (took > slowest[me])
		slowest[me] = took;
	return got[me] >= n;
}

/* Hart 0 serves, hart 1 returns each ball. */
static void play(unsigned me)
{
	unsigned other = 1 - me;
	CSR_WRITE(sscratch, me);
	on_irq = irq;
	CSR_SET(sie, (1u << 1) | (1u << 5));
	for (uint64_t r = 1; r <= ROUNDS; r++) {
		if (me == 1 && !wait_for(me, r)) {
			lost++;
			return;
		}
		sent[me]++;
		sbi(SBI_IPI, 0, 1ul << other, 0, 0, 0, 0, 0);
		if (me == 0 && !wait_for(me, r)) {
			lost++;
			return;
		}
	}
}

void secondary_main(uint64_t hartid, uint64_t opaque)
{
	(void)opaque;
	__atomic_store_n(&up, 1, __ATOMIC_SEQ_CST);
	play((unsigned)hartid);
	sbi(SBI_HSM, 1, 0, 0, 0, 0, 0, 0);
	for (;;)
		;
}

extern char _head[];

void guest_main(uint64_t hartid, uint64_t dtb)
{
	(void)dtb;
	check("hart_start", sbi(SBI_HSM, 0, 1, (unsigned long)(uintptr_t)_head, 0, 0, 0, 0).error == 0);
	while (!__atomic_load_n(&up, __ATOMIC_SEQ_CST))
		;
	play((unsigned)hartid);
	for (uint64_t t0 = CSR_READ(time); sbi(SBI_HSM, 2, 1, 0, 0, 0, 0, 0).value != 1 &&
					    CSR_READ(time) - t0 < 2 * LIMIT;)
		;
	printf_("guest: %u round trips, hart 0 got %u, hart 1 got %u; slowest wait %u us (hart 0), "
		"%u us (hart 1)\n",
		sent[0], got[0], got[1], slowest[0] / 10, slowest[1] / 10);
	check("20000 IPI round trips between two vcpus, none lost",
	      lost == 0 && got[0] == ROUNDS && got[1] == ROUNDS && sent[1] == ROUNDS);
}
