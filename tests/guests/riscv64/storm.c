/* Interrupt storm: 20000 software interrupts sent to itself (SBI 7.1), each taken exactly
 * once and acknowledged in sip, interleaved with timer interrupts every 1 ms; none lost,
 * none spurious. */
#include "guest.h"

static volatile uint64_t soft, timer, spurious;

static void irq(struct frame *f, uint64_t code)
{
	(void)f;
	if (code == 1) {
		soft++;
		CSR_CLEAR(sip, 1u << 1);
	} else if (code == 5) {
		timer++;
		sbi(SBI_TIME, 0, CSR_READ(time) + 10000, 0, 0, 0, 0, 0);
	} else {
		spurious++;
	}
}

/* A software interrupt to this hart (SBI IPI extension, 7.1: mask 1 from base 0). */
static void self_ipi(void)
{
	sbi(SBI_IPI, 0, 1, 0, 0, 0, 0, 0);
}

void guest_main(uint64_t hartid, uint64_t dtb)
{
	(void)hartid;
	(void)dtb;
	on_irq = irq;
	CSR_SET(sie, (1u << 1) | (1u << 5));
	sbi(SBI_TIME, 0, CSR_READ(time) + 10000, 0, 0, 0, 0, 0);
	CSR_SET(sstatus, 1u << 1);
	bool each_once = each_taken_once(20000, self_ipi, &soft);
	CSR_CLEAR(sstatus, 1u << 1);
	sbi(SBI_TIME, 0, ~0ul, 0, 0, 0, 0, 0);
	printf_("guest: %u software interrupts, %u timer interrupts\n", soft, timer);
	check("20000 self-IPIs, each taken once", each_once && soft == 20000);
	check("timer interrupts kept coming", timer > 0);
	check("no spurious interrupt", spurious == 0);
}
