/* Cross-hart interrupt storm: hart 0 and hart 1 (started through SBI HSM) bounce a software
 * interrupt (SBI 7.1 send_ipi) 20000 times; each waits in wfi for the other's, so every
 * round passes through the halt, block, inject and wake paths on both vcpus. A lost IPI
 * stalls its round: after 50 ms of time without progress the round fails. */
#include "guest.h"

#define ROUNDS 20000u

static volatile uint64_t got[2], sent[2];
static volatile uint64_t lost, up;

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

/* Wait until this hart has received @p n interrupts; false after 50 ms without them. The
 * wfi runs masked (it wakes on a pending interrupt whatever sstatus.SIE, Priv 3.3.3), then
 * the interrupt is taken: unmasking first could take it just before the wfi, which would
 * then wait for the next one. A timer 50 ms ahead ends a wait for one that never comes. */
static bool wait_for(unsigned me, uint64_t n)
{
	uint64_t t0 = CSR_READ(time);
	sbi(SBI_TIME, 0, t0 + 500000, 0, 0, 0, 0, 0);
	while (got[me] < n && CSR_READ(time) - t0 < 500000) {
		__asm__ volatile("wfi");
		CSR_SET(sstatus, 1u << 1);
		CSR_CLEAR(sstatus, 1u << 1);
	}
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
					    CSR_READ(time) - t0 < 50000000;)
		;
	printf_("guest: %u round trips, hart 0 got %u, hart 1 got %u\n", sent[0], got[0], got[1]);
	check("20000 IPI round trips between two vcpus, none lost",
	      lost == 0 && got[0] == ROUNDS && got[1] == ROUNDS && sent[1] == ROUNDS);
}
