/* SMP through SBI HSM (SBI 9): hart 0 starts hart 1 at this image's entry with an opaque
 * value, hart 1 reports in and sends an IPI (SBI 7.1) back, stops itself; hart 0 sees the
 * software interrupt, HART_GET_STATUS says STOPPED, and it starts hart 1 once more. */
#include "guest.h"

static volatile uint64_t up_count, opaque_seen, ipis;

void secondary_main(uint64_t hartid, uint64_t opaque)
{
	printf_("vcpu %u: up, opaque 0x%x\n", hartid, opaque);
	opaque_seen = opaque;
	__atomic_fetch_add(&up_count, 1, __ATOMIC_SEQ_CST);
	sbi(SBI_IPI, 0, 1, 0, 0, 0, 0, 0); /* to hart 0 */
	sbi(SBI_HSM, 1, 0, 0, 0, 0, 0, 0); /* hart_stop: does not return */
	printf_("FAIL hart_stop returned\n");
	for (;;)
		;
}

static void irq(struct frame *f, uint64_t code)
{
	(void)f;
	if (code == 1) {
		ipis++;
		CSR_CLEAR(sip, 1u << 1); /* the software interrupt is acknowledged in sip */
	}
}

extern char _head[];

void guest_main(uint64_t hartid, uint64_t dtb)
{
	(void)dtb;
	check("boot hart is 0", hartid == 0);
	on_irq = irq;
	CSR_SET(sie, 1u << 1);
	CSR_SET(sstatus, 1u << 1);
	struct sbiret r = sbi(SBI_HSM, 2, 1, 0, 0, 0, 0, 0);
	check("hart 1 starts STOPPED", r.error == 0 && r.value == 1);
	r = sbi(SBI_HSM, 2, 7, 0, 0, 0, 0, 0);
	check("hart 7 does not exist", r.error == -3);
	for (unsigned round = 1; round <= 2; round++) {
		r = sbi(SBI_HSM, 0, 1, (unsigned long)(uintptr_t)_head, 0x1234 + round, 0, 0, 0);
		check("hart_start", r.error == 0);
		while (up_count < round || ipis < round)
			__asm__ volatile("wfi");
		check("hart 1 ran with its opaque value and its IPI arrived",
		      opaque_seen == 0x1234 + round);
		for (;;) {
			r = sbi(SBI_HSM, 2, 1, 0, 0, 0, 0, 0);
			if (r.error != 0 || r.value == 1)
				break;
		}
		check("hart 1 STOPPED after hart_stop", r.error == 0 && r.value == 1);
	}
	r = sbi(SBI_HSM, 0, 0, (unsigned long)(uintptr_t)_head, 0, 0, 0, 0);
	check("hart_start of a started hart: ALREADY_AVAILABLE", r.error == -6);
	CSR_CLEAR(sstatus, 1u << 1);
}
