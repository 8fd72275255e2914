/* Pause and resume of one VM while another runs (tests/guests/aarch64/run-pause.sh, the
 * example's two- and three-VM tables; its role from /chosen/bootargs).
 *
 * vm=2 (vm-b) or vm=3 (vm-c, whose cpu is shared by its two vcpus), a VM that is paused: prints READY, then samples its virtual counter
 * (CNTVCT_EL0) and the physical counter (CNTPCT_EL0, readable at EL1: CNTHCTL_EL2.EL1PCTEN)
 * back to back, with its virtual timer firing every 20 ms of virtual time meanwhile. A pause
 * shows as two consecutive samples between which the physical counter moved at least 500 ms
 * more than the virtual one: the hypervisor stops the guest's virtual time while it is
 * paused (QEMU's default for KVM guests on arm64), so the guest sees no time pass. Checks:
 * the pause was seen; the virtual counter never went backwards (DDI 0487 D11.1.2: the
 * counter is monotonic); every timer interrupt came with the timer's condition met
 * (CNTV_CTL_EL0.ISTATUS: CNTVCT >= CNTV_CVAL, D11.2.4), none early however long the pause;
 * the timer goes on after the resume. Gives up after 120 s of physical time.
 *
 * Any other role (vm-a), the witness: prints "tick N" every 250 ms of virtual time until
 * vm-b (and vm-c, if there is one) is down for good (hypercall 0x1004), so the log shows it
 * running while the others are paused.
 */
#include "guest.h"

#define HC_VM_DOWN 0x1004
#define VTIMER 27

static volatile uint64_t fired, early, period;

static inline uint64_t vct(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v));
	return v;
}

static inline uint64_t pct(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, cntpct_el0" : "=r"(v));
	return v;
}

static void irq(struct frame *f)
{
	(void)f;
	uint64_t intid = SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
	if (intid == VTIMER) {
		/* ISTATUS [2]: the condition holds now (the counter cannot have gone back). */
		if (!(SYSREG_READ(cntv_ctl_el0) & 4))
			early++;
		fired++;
		SYSREG_WRITE(cntv_cval_el0, SYSREG_READ(cntv_cval_el0) + period);
		__asm__ volatile("isb");
	}
	if (intid < 1020)
		SYSREG_WRITE(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
}

static void paused_one(uint64_t frq)
{
	on_irq = irq;
	gicr_enable_ppi(VTIMER, 0xa0);
	gic_cpu_init();
	period = frq / 50; /* 20 ms */
	SYSREG_WRITE(cntv_cval_el0, vct() + period);
	SYSREG_WRITE(cntv_ctl_el0, 1);
	__asm__ volatile("isb\n\tmsr daifclr, #2\n\tisb" ::: "memory");

	printf_("READY to be paused\n");
	uint64_t v0 = vct(), p0 = pct(), start = p0;
	uint64_t backwards = 0, gap_p = 0, gap_v = 0, fired_at_pause = 0;
	bool seen = false;
	uint64_t after = 0; /* virtual count at which to stop, once the pause was seen */
	for (;;) {
		uint64_t v = vct(), p = pct();
		if (v < v0)
			backwards++;
		if (!seen && p - p0 > v - v0 + frq / 2) {
			seen = true;
			gap_p = p - p0;
			gap_v = v - v0;
			fired_at_pause = fired;
			after = v + frq; /* one more second of virtual time */
		}
		v0 = v;
		p0 = p;
		if (seen && v >= after)
			break;
		if (p - start > 120 * frq)
			break;
	}
	SYSREG_WRITE(cntv_ctl_el0, 0);
	__asm__ volatile("msr daifset, #2\n\tisb" ::: "memory");
	printf_("pause seen: the physical counter moved %u ms, the virtual one %u us; %u timer "
		"interrupts, %u of them before their time\n",
		gap_p * 1000 / frq, gap_v * 1000000 / frq, fired, early);
	check("paused: the physical counter moved 500 ms more than the virtual one across it",
	      seen);
	check("the virtual counter stood still while paused (under 50 ms across the pause)",
	      seen && gap_v < frq / 20);
	check("the virtual counter never went backwards", backwards == 0);
	check("no virtual timer interrupt before its time (ISTATUS set at each)", early == 0);
	check("the virtual timer goes on after the resume (25 or more interrupts in the second "
	      "after it)",
	      seen && fired - fired_at_pause >= 25);
}

static void witness(uint64_t frq)
{
	uint64_t next = vct() + frq / 4, start = pct();
	unsigned n = 0;
	/* HC_VM_DOWN: 1 off for good, 0 running, -1 no such VM (the two-VM table). */
	while ((hvc6(HC_VM_DOWN, 1, 0, 0, 0, 0, 0) != 1 || hvc6(HC_VM_DOWN, 2, 0, 0, 0, 0, 0) == 0) &&
	       pct() - start < 150 * frq) {
		while (vct() < next)
			;
		next += frq / 4;
		printf_("tick %u\n", (uint64_t)++n);
	}
	check("vm-a ran on while the others were paused, until they were down",
	      hvc6(HC_VM_DOWN, 1, 0, 0, 0, 0, 0) == 1 && hvc6(HC_VM_DOWN, 2, 0, 0, 0, 0, 0) != 0);
}

void guest_main(uint64_t dtb)
{
	uint64_t frq = SYSREG_READ(cntfrq_el0);
	uint64_t role = bootarg_u64(dtb, "vm", 0);
	if (role == 2 || role == 3)
		paused_one(frq);
	else
		witness(frq);
}
