/* Two vcpus that share one physical cpu (vm-c of aarch64-virt-3vm.elf: both on cpu 3, run in
 * turn by examples/aarch64-virt/sched.c).
 *
 *  - Count and ping: each vcpu counts to N (count=N on the command line, 1000000 by default;
 *    and on until 20 SGIs went each way) with interrupts
 *    unmasked, and every 256 counts sends an SGI to the other once the other has taken the
 *    last one (an SGI sent again while still pending is the same pending interrupt, IHI 0069
 *    4.1.2: counting those would count nothing). Neither halts, so only the host's time slice
 *    lets the other run: an SGI sent meanwhile is delivered to a vcpu that is not on the
 *    cpu. Each counts what it sent and what it received; at the end each waits
 *    (WFI, bounded by a virtual-timer watchdog of 5 s) until it has received every SGI the
 *    other sent: none lost, none doubled, none taken by the wrong vcpu.
 *  - The CPU interface is each vcpu's own: while vcpu 0 has masked every priority (ICC_PMR_EL1
 *    = 0), and then while it holds an SGI active in its handler (its running priority that
 *    of the SGI), vcpu 1 takes an SGI it sent itself, within 2 s (IHI 0069 12.4.8
 *    ICH_VMCR_EL2 holds the virtual PMR, 12.4.1/12.4.2 ICH_AP0R<n>/ICH_AP1R<n>_EL2 the active
 *    priorities, 12.4.6 ICH_LR<n>_EL2 the interrupts: one set per vcpu, switched with it).
 *  - A timer wakes a vcpu that is off the cpu: vcpu 1 halts (WFI) with its virtual timer
 *    due in 50 ms while vcpu 0 spins and never halts; vcpu 1 must take the timer's
 *    interrupt within 200 ms of its deadline, not when vcpu 0 stops spinning (2 s).
 *  - A timer interrupt held active does not silence the other vcpu's timer: vcpu 0 takes its
 *    own virtual timer's interrupt and holds it active (its handler spins, up to 2 s) while
 *    vcpu 1 halts with its timer due in 50 ms; vcpu 1's must fire within 200 ms of its
 *    deadline (the physical PPI, hardware-linked to vcpu 0's list register, is deactivated
 *    when vcpu 0's interface leaves the cpu: ports/aarch64/vcpu.c, lr_unlink()).
 *  - Hand-over: vcpu 0 sends PING and waits in WFI; vcpu 1, halted in WFI, wakes, answers
 *    PONG and halts again. Every hand-over is a halt, a switch to the other vcpu and the
 *    delivery of the SGI that woke it; the average of a round trip's two is printed as
 *    "vcpu switch: ... ns per hand-over" (scripts/bench-multivm.sh can grep it). Its floor,
 *    measured next in the same run: vcpu 0 sends the same SGI to itself and waits the same
 *    way, 2000 times ("vcpu switch floor: ... ns per SGI to itself"): the trap and the
 *    delivery without the halt and the switch.
 */
#include "guest.h"

#define SGI_COUNT 1 /* the count phase's ping, both ways */
#define SGI_PING 2  /* vcpu 0 -> vcpu 1 */
#define SGI_PONG 3  /* vcpu 1 -> vcpu 0 */
#define SGI_SELF 4  /* vcpu 1 to itself */
#define SGI_HOLD 5  /* vcpu 0 to itself, held active */
#define SGI_FLOOR 6 /* vcpu 0 to itself: the hand-over's floor */
#define VTIMER 27
#define ROUNDS 2000u

static volatile uint64_t sent[2], received[2], counted[2], done[2], unexpected;
static volatile uint64_t pings, pongs, vcpu1_up, floor_got;
static volatile uint64_t phase, self_got, held_ok, fired, fired_at, vcpu1_next;
static volatile uint64_t fired2, fired2_at, deadline2, held4_done;
static volatile uint64_t fired5, fired5_at[2], deadline5[2], held5_done;

static inline void send_sgi(uint64_t intid, unsigned cpu)
{
	/* ICC_SGI1R_EL1: INTID [27:24], Aff1 [23:16] = 0, TargetList [15:0]. */
	SYSREG_WRITE(S3_0_C12_C11_5, (intid << 24) | (1u << cpu));
	__asm__ volatile("isb" ::: "memory");
}

static bool spin_for(volatile uint64_t *v, uint64_t want, uint64_t seconds);

static void irq(struct frame *f)
{
	(void)f;
	uint64_t intid = SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
	unsigned cpu = vcpu_index();
	if (intid == SGI_COUNT)
		received[cpu]++;
	else if (intid == SGI_PING && cpu == 1) {
		pings++;
		send_sgi(SGI_PONG, 0);
	} else if (intid == SGI_PONG && cpu == 0)
		pongs++;
	else if (intid == SGI_SELF && cpu == 1)
		self_got++;
	else if (intid == SGI_FLOOR && cpu == 0)
		floor_got++;
	else if (intid == SGI_HOLD && cpu == 0) {
		/* Active until the EOI below: vcpu 1 must take its SGI meanwhile. */
		phase = 2;
		held_ok = spin_for(&self_got, 2, 2);
	} else if (intid == VTIMER) {
		if (cpu == 0 && phase == 5 && !held5_done) {
			/* Active until the EOI below, its timer still asserting (quieted only
			 * after): each time vcpu 0 runs again the host takes the PPI again. */
			spin_for(&fired5, 2, 3);
			held5_done = 1;
		}
		SYSREG_WRITE(cntv_ctl_el0, 0); /* the watchdog: its waiter sees the time */
		if (cpu == 1 && phase == 5 && fired5 < 2) {
			fired5_at[fired5] = cntvct();
			fired5++;
		}
		if (cpu == 1 && phase == 3 && !fired) {
			fired_at = cntvct();
			fired = 1;
		}
		if (cpu == 1 && phase == 4 && !fired2) {
			fired2_at = cntvct();
			fired2 = 1;
		}
		if (cpu == 0 && phase == 4 && !held4_done) {
			/* Active until the EOI below: vcpu 1's own timer must fire meanwhile. */
			spin_for(&fired2, 1, 2);
			held4_done = 1;
		}
	} else if (intid < 1020)
		unexpected++;
	if (intid < 1020)
		SYSREG_WRITE(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
}

static void irqs_on(void)
{
	__asm__ volatile("msr daifclr, #2\n\tisb" ::: "memory");
}

/* Wait in WFI until *v reaches want or 5 s pass (the virtual timer wakes the wait). */
static bool wait_for(volatile uint64_t *v, uint64_t want)
{
	uint64_t end = cntvct() + 5 * SYSREG_READ(cntfrq_el0);
	while (*v < want && cntvct() < end) {
		SYSREG_WRITE(cntv_cval_el0, end);
		SYSREG_WRITE(cntv_ctl_el0, 1);
		__asm__ volatile("isb\n\twfi" ::: "memory");
	}
	SYSREG_WRITE(cntv_ctl_el0, 0);
	return *v >= want;
}

/* Spin (interrupts as they are) until *v reaches want or @seconds pass. */
static bool spin_for(volatile uint64_t *v, uint64_t want, uint64_t seconds)
{
	uint64_t end = cntvct() + seconds * SYSREG_READ(cntfrq_el0);
	while (*v < want && cntvct() < end)
		;
	return *v >= want;
}

/* Count to n, and on until 20 SGIs went each way (each waits for the other's turn on the
 * cpu, so at least 20 slices), for 20 s at most. */
#define MIN_SGIS 20u
static volatile uint64_t regs_kept[2];

static void count_and_ping(unsigned cpu, uint64_t n)
{
	/* Its own FP/SIMD register and EL1 system register, which the other vcpu's runs on the
	 * same cpu must not change (the world switch: FP/SIMD, EL1 registers). */
	const uint64_t mine = 0x5a5a000000000000ull | (uint64_t)(cpu + 1) * 0x1234567ull;
	__asm__ volatile("fmov d31, %0" : : "r"(mine));
	SYSREG_WRITE(tpidr_el1, mine);
	uint64_t end = cntvct() + 20 * SYSREG_READ(cntfrq_el0);
	for (uint64_t i = 0; i < n || ((sent[0] < MIN_SGIS || sent[1] < MIN_SGIS) &&
				       ((i & 0xffff) != 0 || cntvct() < end));
	     i++) {
		if (i < n)
			counted[cpu]++;
		if ((i & 255) == 0 && received[cpu ^ 1] == sent[cpu]) {
			sent[cpu]++;
			send_sgi(SGI_COUNT, cpu ^ 1);
		}
	}
	uint64_t fp;
	__asm__ volatile("fmov %0, d31" : "=r"(fp));
	regs_kept[cpu] = fp == mine && SYSREG_READ(tpidr_el1) == mine;
	done[cpu] = 1;
	__asm__ volatile("dsb ish" ::: "memory");
	spin_for(&done[cpu ^ 1], 1, 30); /* a store, no interrupt: no WFI for it */
	wait_for(&received[cpu], sent[cpu ^ 1]);
	wait_for(&received[cpu ^ 1], sent[cpu]); /* the other's last one may be in flight */
}

static uint64_t count_n;
static volatile uint64_t deadline1;

/* Once vcpu 0 starts @ph: the virtual timer due in 50 ms (the deadline in *@deadline), then
 * WFI until the interrupt handler sets *@got. */
static void halt_for_timer(uint64_t ph, volatile uint64_t *deadline, volatile uint64_t *got)
{
	while (phase < ph)
		;
	uint64_t due = cntvct() + SYSREG_READ(cntfrq_el0) / 20;
	*deadline = due;
	SYSREG_WRITE(cntv_cval_el0, due);
	SYSREG_WRITE(cntv_ctl_el0, 1);
	while (!*got)
		__asm__ volatile("isb\n\twfi" ::: "memory");
}

void secondary_main(uint64_t ctx)
{
	(void)ctx;
	gic_cpu_init();
	vcpu1_up = 1;
	irqs_on();
	count_and_ping(1, count_n);
	vcpu1_next = 1; /* vcpu 0 starts the next phases only then */
	/* The CPU interface: an SGI to itself while vcpu 0 masks or holds one active. */
	for (uint64_t ph = 1; ph <= 2; ph++) {
		while (phase < ph)
			;
		send_sgi(SGI_SELF, 1);
		while (self_got < ph)
			;
	}
	/* Halt until the virtual timer, due in 50 ms, while vcpu 0 spins (phase 3), then while
	 * vcpu 0 holds its own timer's interrupt active (phase 4). */
	halt_for_timer(3, &deadline1, &fired);
	halt_for_timer(4, &deadline2, &fired2);
	/* Twice while vcpu 0 holds its timer interrupt active with its timer asserting. */
	while (phase < 5)
		;
	for (uint64_t k = 0; k < 2; k++) {
		deadline5[k] = cntvct() + SYSREG_READ(cntfrq_el0) / 33; /* 30 ms */
		SYSREG_WRITE(cntv_cval_el0, deadline5[k]);
		SYSREG_WRITE(cntv_ctl_el0, 1);
		while (fired5 <= k)
			__asm__ volatile("isb\n\twfi" ::: "memory");
	}
	/* The hand-over: halt until each PING, which the handler answers. */
	while (pings < ROUNDS)
		__asm__ volatile("wfi" ::: "memory");
	for (;;)
		hvc6(0x84000002u, 0, 0, 0, 0, 0, 0); /* CPU_OFF */
}

/* vcpu 0 enters phase @ph with its own timer due now: its handler holds the interrupt until
 * *@done (set by the handler), @seconds at most. */
static void hold_own_timer(uint64_t ph, volatile uint64_t *done, uint64_t seconds)
{
	phase = ph;
	SYSREG_WRITE(cntv_cval_el0, cntvct());
	SYSREG_WRITE(cntv_ctl_el0, 1);
	__asm__ volatile("isb" ::: "memory");
	spin_for(done, 1, seconds);
}

/* ROUNDS round trips: send @sgi to vcpu @to, then wait until *@got counts it answered. The
 * virtual counter ticks they took, or 0 when one went unanswered for 5 s. */
static uint64_t round_trips(uint64_t sgi, unsigned to, volatile uint64_t *got)
{
	uint64_t t0 = cntvct();
	for (unsigned r = 0; r < ROUNDS; r++) {
		send_sgi(sgi, to);
		if (!wait_for(got, r + 1))
			return 0;
	}
	return cntvct() - t0;
}

/* Microseconds from @deadline to @at (virtual counts), or all ones when it did not fire. */
static uint64_t late_us_of(bool fired_, uint64_t at, uint64_t deadline)
{
	return fired_ ? (at - deadline) * 1000000 / SYSREG_READ(cntfrq_el0) : (uint64_t)-1;
}

void guest_main(uint64_t dtb)
{
	on_irq = irq;
	count_n = bootarg_u64(dtb, "count", 1000000);
	gic_cpu_init();
	volatile uint32_t *isenabler0 = (volatile uint32_t *)(GICR_SGI(0) + 0x100);
	*isenabler0 = 1u << SGI_COUNT | 1u << SGI_PONG | 1u << VTIMER;
	volatile uint32_t *isenabler1 = (volatile uint32_t *)(GICR_SGI(1) + 0x100);
	*isenabler0 |= 1u << SGI_HOLD | 1u << SGI_FLOOR;
	*isenabler1 = 1u << SGI_COUNT | 1u << SGI_PING | 1u << SGI_SELF | 1u << VTIMER;
	uint64_t rc = hvc6(0xc4000003u, 1, (uint64_t)(uintptr_t)secondary_start, 0, 0, 0, 0);
	check("CPU_ON of vcpu 1 succeeds", rc == 0);
	while (!vcpu1_up)
		;
	irqs_on();
	uint64_t t0 = cntvct();
	count_and_ping(0, count_n);
	uint64_t t1 = cntvct();
	printf_("guest: vcpu 0 counted %u, sent %u, received %u; vcpu 1 counted %u, sent %u, "
		"received %u (%u ms)\n",
		counted[0], sent[0], received[0], counted[1], sent[1], received[1],
		(t1 - t0) * 1000 / SYSREG_READ(cntfrq_el0));
	check("both vcpus counted to N", counted[0] == count_n && counted[1] == count_n);
	check("each vcpu's FP/SIMD register and TPIDR_EL1 kept across the switches",
	      regs_kept[0] && regs_kept[1]);
	check("each vcpu sent at least 20 SGIs", sent[0] >= MIN_SGIS && sent[1] >= MIN_SGIS);
	check("no SGI lost or doubled: vcpu 0 received what vcpu 1 sent",
	      received[0] == sent[1]);
	check("no SGI lost or doubled: vcpu 1 received what vcpu 0 sent",
	      received[1] == sent[0]);

	check("vcpu 1 finished counting", spin_for(&vcpu1_next, 1, 30));
	SYSREG_WRITE(S3_0_C4_C6_0, 0); /* ICC_PMR_EL1: nothing gets through */
	__asm__ volatile("isb" ::: "memory");
	phase = 1;
	bool masked_ok = spin_for(&self_got, 1, 2);
	SYSREG_WRITE(S3_0_C4_C6_0, 0xff);
	__asm__ volatile("isb" ::: "memory");
	check("vcpu 1 takes its SGI while vcpu 0's priority mask is 0 (ICH_VMCR_EL2 per vcpu)",
	      masked_ok);
	send_sgi(SGI_HOLD, 0); /* its handler holds it active until vcpu 1 took its own */
	spin_for(&self_got, 2, 2);
	check("vcpu 1 takes its SGI while vcpu 0 holds one active (list and active-priority "
	      "registers per vcpu)",
	      held_ok && self_got == 2);

	phase = 3;
	spin_for(&fired, 1, 2); /* spins: never halts, so only the timer can give vcpu 1 the cpu */
	uint64_t late_us = fired ? (fired_at - deadline1) * 1000000 / SYSREG_READ(cntfrq_el0)
				 : (uint64_t)-1;
	if (fired)
		printf_("guest: vcpu 1's timer woke it %u us after its deadline\n", late_us);
	check("a halted vcpu off the cpu wakes at its virtual timer's deadline (within 200 ms)",
	      fired && late_us < 200000);

	/* A timer interrupt one vcpu holds active does not silence the other's timer on the same
	 * cpu: vcpu 0 takes its own timer's interrupt at once and holds it active (its handler
	 * spins, up to 2 s) while vcpu 1 halts with its timer due in 50 ms. The physical PPI is
	 * hardware-linked to vcpu 0's list register; left active it would keep vcpu 1's timer
	 * from signalling until vcpu 0 ends it (IHI 0069 4.1.2). */
	hold_own_timer(4, &held4_done, 5);
	uint64_t late2_us = late_us_of(fired2, fired2_at, deadline2);
	printf_("guest: vcpu 1's timer fired %u us after its deadline while vcpu 0 held its own "
		"timer interrupt active\n",
		late2_us);
	check("vcpu 1's timer fires while vcpu 0 holds its own timer interrupt active (within "
	      "200 ms of its deadline)",
	      fired2 && late2_us < 200000);

	/* The same twice in a row, vcpu 0's timer still asserting while it holds the interrupt
	 * active: each time vcpu 0 is back the host takes its PPI again, and the second time
	 * vcpu 1 needs the cpu the physical PPI must be freed again (lr.c relinks the list
	 * register, so the next interface switch unlinks it again). */
	hold_own_timer(5, &held5_done, 6);
	uint64_t late5[2] = {late_us_of(fired5 > 0, fired5_at[0], deadline5[0]),
			     late_us_of(fired5 > 1, fired5_at[1], deadline5[1])};
	printf_("guest: vcpu 1's two timers fired %u and %u us after their deadlines while vcpu 0 "
		"held its asserting timer interrupt active\n",
		late5[0], late5[1]);
	check("vcpu 1's timer fires twice while vcpu 0 holds its still-asserting timer "
	      "interrupt active (each within 200 ms of its deadline)",
	      fired5 == 2 && late5[0] < 200000 && late5[1] < 200000);

	uint64_t hz = SYSREG_READ(cntfrq_el0), ticks = round_trips(SGI_PING, 1, &pongs);
	check("every PING answered (hand-over)", ticks != 0);
	if (ticks)
		printf_("guest: vcpu switch: %u ns per hand-over (%u round trips, %u ticks at %u "
			"Hz)\n",
			ticks * 1000000000u / hz / (2 * ROUNDS), (uint64_t)ROUNDS, ticks, hz);
	/* The floor of a hand-over, in the same run: the same send and wait, the SGI to
	 * itself, so the same trap of ICC_SGI1R_EL1 and the same delivery, without the halt
	 * and the switch to the other vcpu (which is off by now). */
	ticks = round_trips(SGI_FLOOR, 0, &floor_got);
	check("every SGI to itself taken (the hand-over's floor)", ticks != 0);
	if (ticks)
		printf_("guest: vcpu switch floor: %u ns per SGI to itself (%u, the same send and "
			"wait without halt or switch)\n",
			ticks * 1000000000u / hz / ROUNDS, (uint64_t)ROUNDS);
	check("no unexpected interrupt", unexpected == 0);
}
