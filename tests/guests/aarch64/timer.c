/* WFI with the EL1 virtual timer: the vcpu blocks in the hypervisor until the timer's
 * interrupt (PPI 27) is injected, through the GIC's virtual CPU interface. */
#include "guest.h"

static volatile uint64_t ticks, last_intid;

static void irq(struct frame *f)
{
	(void)f;
	uint64_t intid = SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
	last_intid = intid;
	if (intid == 27) {
		SYSREG_WRITE(cntv_ctl_el0, 0); /* quiet the timer before EOI */
		ticks++;
	}
	if (intid < 1020)
		SYSREG_WRITE(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
}

void guest_main(uint64_t dtb)
{
	(void)dtb;
	on_irq = irq;
	gicr_enable_ppi(27, 0xa0);
	check("the virtual redistributor enables the timer PPI",
	      (gicr_isenabler0() & (1u << 27)) != 0);
	gic_cpu_init();

	uint64_t frq = SYSREG_READ(cntfrq_el0);
	for (unsigned round = 0; round < 3; round++) {
		uint64_t start = SYSREG_READ(cntvct_el0);
		SYSREG_WRITE(cntv_tval_el0, frq / 100); /* 10 ms */
		SYSREG_WRITE(cntv_ctl_el0, 1);           /* enable, unmasked */
		__asm__ volatile("isb");
		uint64_t want = round + 1;
		unsigned wfis = 0;
		/* Masked check-then-wait: WFI wakes on a pending interrupt even when masked. */
		while (ticks < want) {
			__asm__ volatile("wfi");
			wfis++;
			__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
		}
		uint64_t waited = SYSREG_READ(cntvct_el0) - start;
		printf_("timer round %u: woke after %u WFI, %u us\n", (uint64_t)round,
			(uint64_t)wfis, waited * 1000000 / frq);
		check("the timer interrupt woke the WFI", ticks == want && last_intid == 27);
		check("no earlier than programmed", waited >= frq / 100);
	}
}
