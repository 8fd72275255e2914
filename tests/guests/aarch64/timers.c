/* Both EL1 timers the DTB advertises, the virtual (CNTV_*, PPI 27) and the EL1 physical
 * (CNTP_*, PPI 30), on every vcpu (vcpus=2 on the command line: vcpu 1 runs the same
 * sequence on its own timers at the same time).
 *
 * A timer's interrupt is a level (DDI 0487, CNTV_CTL_EL0/CNTP_CTL_EL0: the condition is met while
 * ENABLE = 1 and the counter has reached the compare value, and the interrupt is asserted
 * while it is met and IMASK = 0); a level-sensitive interrupt is pending while asserted
 * (IHI 0069 4.1.2). With interrupts masked at the PE, each step below checks what the
 * redistributor (GICR_ISPENDR0, GICR_ISACTIVER0) and the CPU interface (ICC_HPPIR1_EL1,
 * ICC_IAR1_EL1) say: armed in the past, masked (IMASK), unmasked, disabled, armed in the
 * future, reprogrammed into the future and back, acknowledged, masked while active, ended.
 * Then, unmasked at the PE: the interrupt wakes a WFI (the other timer is the watchdog),
 * is delivered once when the handler masks the timer, and once more when the handler's
 * first EOI leaves it firing.
 *
 * Becoming pending may take a moment (the timer's output goes through the GIC: polled, up
 * to 200 ms); ceasing to be pending is checked at once after the redistributor read that
 * follows the change.
 *
 * The same image runs directly at EL1 on QEMU (scripts/qemu.sh aarch64-el1), against
 * QEMU's own GICv3: the reference for every expectation here. */
#include "guest.h"

#define NONE 1023u

struct tmr {
	const char *name;
	uint32_t intid;
	uint64_t (*ctl)(void);
	void (*set_ctl)(uint64_t);
	void (*set_cval)(uint64_t);
	uint64_t (*count)(void);
};

#define TIMER_FNS(t)                                                                       \
	static uint64_t t##_ctl(void)                                                      \
	{                                                                                  \
		return SYSREG_READ(cnt##t##_ctl_el0);                                      \
	}                                                                                  \
	static void t##_set_ctl(uint64_t v)                                                \
	{                                                                                  \
		SYSREG_WRITE(cnt##t##_ctl_el0, v);                                         \
		__asm__ volatile("isb" ::: "memory");                                      \
	}                                                                                  \
	static void t##_set_cval(uint64_t v)                                               \
	{                                                                                  \
		SYSREG_WRITE(cnt##t##_cval_el0, v);                                        \
		__asm__ volatile("isb" ::: "memory");                                      \
	}                                                                                  \
	static uint64_t t##_count(void)                                                    \
	{                                                                                  \
		uint64_t v;                                                                \
		__asm__ volatile("isb\n\tmrs %0, cnt" #t "ct_el0" : "=r"(v));              \
		return v;                                                                  \
	}
TIMER_FNS(v)
TIMER_FNS(p)

static const struct tmr timers[2] = {
	{"virtual timer (PPI 27)", 27, v_ctl, v_set_ctl, v_set_cval, v_count},
	{"EL1 physical timer (PPI 30)", 30, p_ctl, p_set_ctl, p_set_cval, p_count},
};

#define CTL_ENABLE 1u
#define CTL_IMASK 2u

/* Results of vcpu 1, printed by vcpu 0. */
#define MAX_REC 64
static const char *rec_name[MAX_REC];
static const char *rec_timer[MAX_REC];
static bool rec_ok[MAX_REC];
static volatile unsigned nrec;
static volatile uint32_t done1;

static volatile uint64_t hits[2][2], keep_firing[2][2];

static unsigned this_cpu(void)
{
	return (unsigned)(SYSREG_READ(mpidr_el1) & 0xff);
}

static void rec(unsigned cpu, const struct tmr *t, const char *name, bool ok)
{
	if (cpu == 0) {
		printf_("%s %s: %s\n", ok ? "PASS" : "FAIL", t->name, name);
		if (ok)
			npass++;
		else
			nfail++;
	} else if (nrec < MAX_REC) {
		rec_name[nrec] = name;
		rec_timer[nrec] = t->name;
		rec_ok[nrec] = ok;
		nrec++;
	}
}

static uint64_t freq(void)
{
	return SYSREG_READ(cntfrq_el0);
}

static uint32_t gicr_bit(unsigned cpu, uint64_t reg, uint32_t id)
{
	return *(volatile uint32_t *)(GICR_SGI(cpu) + reg) >> id & 1;
}

static bool pending(unsigned cpu, uint32_t id)
{
	return gicr_bit(cpu, 0x200, id); /* GICR_ISPENDR0 */
}

static bool active(unsigned cpu, uint32_t id)
{
	return gicr_bit(cpu, 0x300, id); /* GICR_ISACTIVER0 */
}

static uint32_t hppir(void)
{
	return (uint32_t)SYSREG_READ(S3_0_C12_C12_2) & 0xffffff; /* ICC_HPPIR1_EL1 */
}

static uint32_t iar(void)
{
	return (uint32_t)SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
}

static void eoi(uint32_t id)
{
	SYSREG_WRITE(S3_0_C12_C12_1, id); /* ICC_EOIR1_EL1 */
	__asm__ volatile("isb" ::: "memory");
}

static void delay_ms(const struct tmr *t, uint64_t ms)
{
	uint64_t end = t->count() + freq() * ms / 1000;
	while (t->count() < end)
		;
}

static bool poll_pending(unsigned cpu, const struct tmr *t)
{
	uint64_t end = t->count() + freq() / 5;
	while (!pending(cpu, t->intid))
		if (t->count() > end)
			return false;
	return true;
}

static bool poll_hppir(const struct tmr *t, uint32_t want)
{
	uint64_t end = t->count() + freq() / 5;
	while (hppir() != want)
		if (t->count() > end)
			return false;
	return true;
}

/* Not pending: the redistributor read first (it is what makes a hypervisor look at the
 * timer), then the CPU interface. */
static void expect_quiet(unsigned cpu, const struct tmr *t, const char *pend_name,
			 const char *cpuif_name)
{
	rec(cpu, t, pend_name, !pending(cpu, t->intid));
	uint32_t h = hppir();
	uint32_t a = iar();
	if (a < 1020)
		eoi(a);
	rec(cpu, t, cpuif_name, h == NONE && a == NONE);
}

static void irq(struct frame *f)
{
	(void)f;
	uint32_t id = iar();
	if (id >= 1020)
		return;
	unsigned cpu = this_cpu() & 1;
	for (int k = 0; k < 2; k++) {
		if (id != timers[k].intid)
			continue;
		uint64_t n = ++hits[cpu][k];
		if (!(keep_firing[cpu][k] && n == 1))
			timers[k].set_ctl(CTL_ENABLE | CTL_IMASK);
	}
	eoi(id);
}

static void masked_steps(unsigned cpu, const struct tmr *t)
{
	uint32_t id = t->intid;
	t->set_ctl(0);
	expect_quiet(cpu, t, "disabled: not pending", "disabled: nothing at the CPU interface");

	t->set_cval(t->count() - 1);
	t->set_ctl(CTL_ENABLE);
	rec(cpu, t, "armed in the past: pending", poll_pending(cpu, t));
	rec(cpu, t, "armed in the past: ICC_HPPIR1 names it", poll_hppir(t, id));
	rec(cpu, t, "armed in the past: not active", !active(cpu, id));

	t->set_ctl(CTL_ENABLE | CTL_IMASK);
	expect_quiet(cpu, t, "masked (IMASK): no longer pending",
		     "masked: ICC_HPPIR1 and ICC_IAR1 read 1023");

	t->set_ctl(CTL_ENABLE);
	rec(cpu, t, "unmasked: pending again", poll_pending(cpu, t));
	rec(cpu, t, "unmasked: ICC_HPPIR1 names it", poll_hppir(t, id));

	t->set_ctl(0);
	expect_quiet(cpu, t, "disabled: no longer pending",
		     "disabled: ICC_HPPIR1 and ICC_IAR1 read 1023");

	t->set_cval(t->count() + freq() / 20); /* 50 ms */
	t->set_ctl(CTL_ENABLE);
	expect_quiet(cpu, t, "armed 50 ms ahead: not pending yet",
		     "armed ahead: ICC_HPPIR1 and ICC_IAR1 read 1023");
	delay_ms(t, 60);
	rec(cpu, t, "armed ahead: pending once the compare value is reached",
	    poll_pending(cpu, t));

	t->set_cval(t->count() + 10 * freq());
	expect_quiet(cpu, t, "compare value moved 10 s ahead: no longer pending",
		     "moved ahead: ICC_HPPIR1 and ICC_IAR1 read 1023");

	t->set_cval(t->count() - 1);
	rec(cpu, t, "compare value moved back: pending again", poll_pending(cpu, t));
	rec(cpu, t, "moved back: ICC_HPPIR1 names it", poll_hppir(t, id));

	uint32_t a = iar();
	rec(cpu, t, "acknowledged: ICC_IAR1 returns it", a == id);
	rec(cpu, t, "acknowledged: active", active(cpu, id));
	rec(cpu, t, "acknowledged, still firing: pending too (level, active and pending)",
	    pending(cpu, id));
	rec(cpu, t, "acknowledged: ICC_HPPIR1 reads 1023", hppir() == NONE);
	t->set_ctl(CTL_ENABLE | CTL_IMASK);
	rec(cpu, t, "masked while active: not pending", !pending(cpu, id));
	rec(cpu, t, "masked while active: still active", active(cpu, id));
	if (a < 1020)
		eoi(a);
	rec(cpu, t, "ended (EOI): not active", !active(cpu, id));
	expect_quiet(cpu, t, "ended, masked: not pending",
		     "ended: ICC_HPPIR1 and ICC_IAR1 read 1023");
	t->set_ctl(0);
}

/* Unmasked at the PE: delivery. @o is the other timer, the watchdog of the WFI. */
static void delivery_steps(unsigned cpu, const struct tmr *t, const struct tmr *o)
{
	int k = t == &timers[0] ? 0 : 1;
	hits[cpu][0] = hits[cpu][1] = 0;
	keep_firing[cpu][0] = keep_firing[cpu][1] = 0;
	o->set_cval(o->count() + freq()); /* 1 s */
	o->set_ctl(CTL_ENABLE);
	t->set_cval(t->count() + freq() / 100); /* 10 ms */
	t->set_ctl(CTL_ENABLE);
	while (!hits[cpu][0] && !hits[cpu][1]) {
		__asm__ volatile("wfi" ::: "memory");
		__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
	}
	o->set_ctl(0);
	rec(cpu, t, "its interrupt wakes a WFI", hits[cpu][k] == 1 && hits[cpu][1 - k] == 0);
	__asm__ volatile("msr daifclr, #2" ::: "memory");
	delay_ms(t, 30);
	__asm__ volatile("msr daifset, #2" ::: "memory");
	rec(cpu, t, "masked by its handler: delivered once", hits[cpu][k] == 1);

	hits[cpu][k] = 0;
	keep_firing[cpu][k] = 1;
	t->set_cval(t->count() - 1);
	t->set_ctl(CTL_ENABLE);
	__asm__ volatile("msr daifclr, #2" ::: "memory");
	uint64_t end = t->count() + freq() / 5;
	while (hits[cpu][k] < 2 && t->count() < end)
		;
	delay_ms(t, 30);
	__asm__ volatile("msr daifset, #2" ::: "memory");
	rec(cpu, t, "still firing at its first EOI: delivered again, once", hits[cpu][k] == 2);
	keep_firing[cpu][k] = 0;
	t->set_ctl(0);
	rec(cpu, t, "disabled: not pending at the end", !pending(cpu, t->intid));
}

static void run_all(unsigned cpu)
{
	*(volatile uint32_t *)(GICR_SGI(cpu) + 0x418) = 0x80808080u; /* IPRIORITYR6: 24-27 */
	*(volatile uint32_t *)(GICR_SGI(cpu) + 0x41c) = 0x80808080u; /* IPRIORITYR7: 28-31 */
	*(volatile uint32_t *)(GICR_SGI(cpu) + 0x100) = 1u << 27 | 1u << 30; /* ISENABLER0 */
	for (int k = 0; k < 2; k++)
		masked_steps(cpu, &timers[k]);
	for (int k = 0; k < 2; k++)
		delivery_steps(cpu, &timers[k], &timers[1 - k]);
}

void secondary_main(uint64_t ctx)
{
	(void)ctx;
	gic_init_os(1);
	run_all(1);
	done1 = 1;
	for (;;)
		__asm__ volatile("wfi");
}

void guest_main(uint64_t dtb)
{
	on_irq = irq;
	uint64_t vcpus = bootarg_u64(dtb, "vcpus", 1);
	printf_("timers: %s, %u vcpu%s\n",
		dtb_is_libaxv(dtb) ? "under the example hypervisor" : "bare QEMU at EL1", vcpus,
		vcpus > 1 ? "s" : "");
	gic_init_os(0);
	if (vcpus > 1)
		check("vcpu 1 started (PSCI CPU_ON)",
		      hvc6(0xc4000003u, 1, (uint64_t)(uintptr_t)secondary_start, 0, 0, 0, 0) == 0);
	run_all(0);
	if (vcpus > 1) {
		uint64_t end = timers[0].count() + 30 * freq();
		while (!done1 && timers[0].count() < end)
			;
		check("vcpu 1 finished its sequence", done1);
		for (unsigned i = 0; i < nrec; i++) {
			printf_("%s vcpu 1: %s: %s\n", rec_ok[i] ? "PASS" : "FAIL", rec_timer[i],
				rec_name[i]);
			if (rec_ok[i])
				npass++;
			else
				nfail++;
		}
	}
	power_off_hvc();
}
