/* Pause and resume of one VM while another runs (tests/guests/aarch64/run-pause.sh, the
 * example's two- and three-VM tables; its role from /chosen/bootargs).
 *
 * vm=2 (vm-b) or vm=3 (vm-c, whose cpu is shared by its two vcpus), a VM that is paused. Its
 * vcpu 0 prints READY, then waits in WFI for its virtual timer, which fires every 20 ms, and
 * after each wake samples its virtual counter (CNTVCT_EL0) and the physical counter
 * (CNTPCT_EL0, readable at EL1: CNTHCTL_EL2.EL1PCTEN); it is blocked in the hypervisor most of
 * the time, as an idle guest is. A pause shows as two consecutive samples between which the
 * physical counter moved at least 500 ms more than the virtual one: the hypervisor stops the
 * guest's virtual time while it is paused (QEMU's default for KVM guests on arm64), so the
 * guest sees no time pass. Then a second, short pause while it waits in WFI for a one-shot
 * timer due in 3 s ("READY for a short pause"): the timer must fire at its deadline in
 * virtual time, not early by the pause (a vcpu blocked with its timer in the cpu, whose
 * offset must move at the resume, not at its next entry). With vm=3 its vcpu 1 (on the same
 * physical cpu) does the same 20 ms WFI loop meanwhile, so both of vm-c's vcpus are paused
 * and resumed, one of them blocked and off the cpu. Checks, per vcpu: the pause was seen;
 * the virtual counter stood still across it (under a tenth of the physical time) and never
 * went backwards (DDI 0487 D11.1.2: the counter is monotonic); every timer interrupt came
 * with the timer's condition met (CNTV_CTL_EL0.ISTATUS: CNTVCT >= CNTV_CVAL, D11.2.4), none
 * early; the timer goes on after the resume. Gives up after 120 s of physical time.
 *
 * Any other role (vm-a), the witness: prints "tick N" every 250 ms of virtual time until
 * vm-b (and vm-c, if there is one) is down for good (hypercall 0x1004), so the log shows it
 * running while the others are paused.
 */
#include "guest.h"

#define HC_VM_DOWN 0x1004
#define VTIMER 27

/* Per vcpu: timer interrupts, those that came before their time, the period (0: one-shot). */
static volatile uint64_t fired[2], early[2], period[2], fired_v[2];
static volatile uint64_t stop, v1_up, v1_done, v1_seen, v1_gap_p, v1_gap_v, v1_backwards;
static volatile uint64_t v1_fired_at_gap;

static void irq(struct frame *f)
{
	(void)f;
	uint64_t intid = SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
	if (intid == VTIMER) {
		unsigned cpu = vcpu_index() & 1;
		/* ISTATUS [2]: the condition holds now (the counter cannot have gone back). */
		if (!(SYSREG_READ(cntv_ctl_el0) & 4))
			early[cpu]++;
		fired_v[cpu] = cntvct();
		fired[cpu]++;
		if (period[cpu])
			SYSREG_WRITE(cntv_cval_el0, SYSREG_READ(cntv_cval_el0) + period[cpu]);
		else
			SYSREG_WRITE(cntv_ctl_el0, 0);
		__asm__ volatile("isb");
	}
	if (intid < 1020)
		SYSREG_WRITE(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
}

/* The 20 ms timer on, interrupts unmasked. */
static void ticker_on(uint64_t frq)
{
	unsigned cpu = vcpu_index() & 1;
	/* The PPI at this vcpu's own redistributor: priority, then enable. */
	((volatile uint8_t *)(GICR_SGI(cpu) + 0x400))[VTIMER] = 0xa0;
	*(volatile uint32_t *)(GICR_SGI(cpu) + 0x100) = 1u << VTIMER;
	gic_cpu_init();
	period[cpu] = frq / 50;
	SYSREG_WRITE(cntv_cval_el0, cntvct() + period[cpu]);
	SYSREG_WRITE(cntv_ctl_el0, 1);
	__asm__ volatile("isb\n\tmsr daifclr, #2\n\tisb" ::: "memory");
}

/* Wait in WFI, sampling both counters after each wake, until a pause was seen and one more
 * second of virtual time passed, *@stop_at is set, or 120 s of physical time passed. */
struct seen {
	bool seen;
	uint64_t gap_p, gap_v, backwards, fired_at_gap;
};

static struct seen sample_until_paused(uint64_t frq, volatile uint64_t *stop_at)
{
	unsigned cpu = vcpu_index() & 1;
	struct seen r = {false, 0, 0, 0, 0};
	uint64_t v0 = cntvct(), p0 = cntpct(), start = p0, after = 0;
	while (!*stop_at) {
		__asm__ volatile("wfi" ::: "memory");
		uint64_t v = cntvct(), p = cntpct();
		if (v < v0)
			r.backwards++;
		if (!r.seen && p - p0 > v - v0 + frq / 2) {
			r.seen = true;
			r.gap_p = p - p0;
			r.gap_v = v - v0;
			r.fired_at_gap = fired[cpu];
			after = v + frq;
		}
		v0 = v;
		p0 = p;
		if ((r.seen && v >= after) || p - start > 120 * frq)
			break;
	}
	return r;
}

void secondary_main(uint64_t ctx)
{
	(void)ctx;
	uint64_t frq = SYSREG_READ(cntfrq_el0);
	ticker_on(frq);
	v1_up = 1;
	struct seen r = sample_until_paused(frq, &stop);
	v1_seen = r.seen;
	v1_gap_p = r.gap_p;
	v1_gap_v = r.gap_v;
	v1_backwards = r.backwards;
	v1_fired_at_gap = r.fired_at_gap;
	while (!stop) /* on, so that it is paused again with the short pause */
		__asm__ volatile("wfi" ::: "memory");
	SYSREG_WRITE(cntv_ctl_el0, 0);
	__asm__ volatile("msr daifset, #2\n\tisb" ::: "memory");
	v1_done = 1;
	for (;;)
		hvc6(0x84000002u, 0, 0, 0, 0, 0, 0); /* CPU_OFF */
}

static void paused_one(uint64_t frq, bool two)
{
	on_irq = irq;
	if (two) {
		uint64_t rc = hvc6(0xc4000003u, 1, (uint64_t)(uintptr_t)secondary_start, 0, 0, 0, 0);
		check("CPU_ON of vcpu 1 succeeds", rc == 0);
		while (!v1_up)
			;
	}
	ticker_on(frq);
	printf_("READY to be paused\n");
	static volatile uint64_t never;
	struct seen r = sample_until_paused(frq, &never);
	printf_("pause seen: the physical counter moved %u ms, the virtual one %u us; %u timer "
		"interrupts, %u of them before their time\n",
		r.gap_p * 1000 / frq, r.gap_v * 1000000 / frq, fired[0], early[0]);
	check("paused: the physical counter moved 500 ms more than the virtual one across it",
	      r.seen);
	check("the virtual counter stood still while paused (under a tenth of the physical "
	      "time across the pause)",
	      r.seen && r.gap_v < r.gap_p / 10);
	check("the virtual counter never went backwards", r.backwards == 0);
	check("the virtual timer goes on after the resume (25 or more interrupts in the second "
	      "after it)",
	      r.seen && fired[0] - r.fired_at_gap >= 25);

	/* The short pause, while blocked on a one-shot timer due in 3 s. */
	SYSREG_WRITE(cntv_ctl_el0, 0);
	period[0] = 0;
	uint64_t shots = fired[0], v0 = cntvct(), p0 = cntpct(), due = v0 + 3 * frq;
	SYSREG_WRITE(cntv_cval_el0, due);
	SYSREG_WRITE(cntv_ctl_el0, 1);
	__asm__ volatile("isb" ::: "memory");
	printf_("READY for a short pause\n");
	while (fired[0] == shots && cntpct() - p0 < 60 * frq)
		__asm__ volatile("wfi" ::: "memory");
	uint64_t dv = cntvct() - v0, dp = cntpct() - p0;
	printf_("short pause: the 3 s timer fired at virtual +%u ms (physical +%u ms)\n",
		(fired_v[0] - v0) * 1000 / frq, dp * 1000 / frq);
	check("the short pause was seen (the physical counter moved 200 ms more than the "
	      "virtual one while blocked)",
	      dp > dv + frq / 5);
	check("the timer a blocked vcpu waited for fired at its deadline in virtual time, not "
	      "early by the pause",
	      fired[0] == shots + 1 && fired_v[0] >= due);
	check("no virtual timer interrupt before its time on vcpu 0 (ISTATUS set at each)",
	      early[0] == 0);

	if (two) {
		stop = 1;
		while (!v1_done)
			;
		printf_("vcpu 1: pause seen: the physical counter moved %u ms, the virtual one %u "
			"us; %u timer interrupts, %u of them before their time\n",
			v1_gap_p * 1000 / frq, v1_gap_v * 1000000 / frq, fired[1], early[1]);
		check("vcpu 1 (the same physical cpu) saw the pause, its virtual time standing "
		      "still",
		      v1_seen && v1_gap_v < v1_gap_p / 10);
		check("vcpu 1's virtual counter never went backwards", v1_backwards == 0);
		check("vcpu 1's timer went on after the resume, none before its time",
		      fired[1] - v1_fired_at_gap >= 25 && early[1] == 0);
	}
}

static void witness(uint64_t frq)
{
	uint64_t next = cntvct() + frq / 4, start = cntpct();
	unsigned n = 0;
	/* HC_VM_DOWN: 1 off for good, 0 running, -1 no such VM (the two-VM table). */
	while ((hvc6(HC_VM_DOWN, 1, 0, 0, 0, 0, 0) != 1 || hvc6(HC_VM_DOWN, 2, 0, 0, 0, 0, 0) == 0) &&
	       cntpct() - start < 150 * frq) {
		while (cntvct() < next)
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
		paused_one(frq, role == 3);
	else
		witness(frq);
}
