/* vcpus sharing a physical cpu: per-cpu run queues, round robin (sched.h). */
#include "sched.h"

#include <axv/err.h>

#include "config.h"
#include "platform.h"

#define RUNQ_MAX 4
#define NONE RUNQ_MAX

/* CNTV_CTL_EL0 / CNTP_CTL_EL0: ENABLE [0], IMASK [1] (DDI 0487, D19.12). */
#define CTL_ENABLE 1u
#define CTL_IMASK 2u

struct runq {
	unsigned n;
	unsigned last;   /* the vcpu that ran last (round robin goes on after it) */
	unsigned loaded; /* whose registers (timers included) the cpu holds, or NONE */
	struct sched_vcpu q[RUNQ_MAX];
};

static struct runq runq[MAX_CPUS];


/* Arm the alarm for @cval, even when it has passed (it fires at once). */
static void alarm_set(uint64_t cval)
{
	/* CNTHP_CTL_EL2: ENABLE (0), IMASK (1) clear: the interrupt fires once
	 * CNTPCT_EL0 >= CNTHP_CVAL_EL2. */
	__asm__ volatile("msr cnthp_cval_el2, %0\n\tmsr cnthp_ctl_el2, %1\n\tisb"
			 :
			 : "r"(cval), "r"(1ull)
			 : "memory");
}

bool alarm_arm(uint64_t phys_deadline)
{
	if (count_now() >= phys_deadline)
		return false;
	alarm_set(phys_deadline);
	return true;
}

void alarm_disarm(void)
{
	__asm__ volatile("msr cnthp_ctl_el2, xzr\n\tisb" : : : "memory");
}

bool sched_add(unsigned cpu, void *vm, unsigned index, struct axv_vcpu *v,
	       const struct axv_a64_ctx *ctx)
{
	struct runq *r = &runq[cpu];
	if (cpu >= MAX_CPUS || r->n == RUNQ_MAX)
		return false;
	r->q[r->n++] = (struct sched_vcpu){.vm = vm, .index = index, .v = v, .ctx = ctx};
	r->loaded = NONE;
	return true;
}

unsigned sched_vcpus(unsigned cpu)
{
	return cpu < MAX_CPUS ? runq[cpu].n : 0;
}

bool sched_slice_over(const struct sched_vcpu *s)
{
	return count_now() >= s->slice_end;
}

/* When a blocked vcpu must run again without an interrupt: its WFIT's deadline, and, while
 * its registers are not in the cpu (@loaded false), its enabled, unmasked timers' compare
 * values (the virtual one's in virtual count: CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF_EL2).
 * UINT64_MAX: none. A loaded vcpu's timers interrupt the cpu themselves. */
static uint64_t wake_at(const struct sched_vcpu *s, bool loaded)
{
	uint64_t t = s->has_deadline ? s->deadline : UINT64_MAX;
	if (loaded)
		return t;
	const struct axv_a64_el1 *e = &s->ctx->el1;
	if ((e->cntv_ctl_el0 & (CTL_ENABLE | CTL_IMASK)) == CTL_ENABLE &&
	    e->cntv_cval_el0 + s->ctx->cntvoff < t)
		t = e->cntv_cval_el0 + s->ctx->cntvoff;
	if ((e->cntp_ctl_el0 & (CTL_ENABLE | CTL_IMASK)) == CTL_ENABLE && e->cntp_cval_el0 < t)
		t = e->cntp_cval_el0;
	return t;
}

/* May vcpu k run now? A bound blocked one whose wake time passed is woken with
 * axv_vcpu_kick() (Blocked -> Ready): the guest's WFI or WFIT ends, as the architecture
 * allows a WFI to end for no reason (DDI 0487, D1.6.2), and its timer's interrupt reaches it
 * once its registers are in the cpu. */
static bool runnable(struct runq *r, unsigned k, const struct sched_ops *ops, uint64_t t)
{
	struct sched_vcpu *s = &r->q[k];
	if (!ops->wants_cpu(s->vm, s->index))
		return false;
	if (axv_vcpu_state(s->v) != AXV_VCPU_BLOCKED)
		return true; /* Ready (woken by an injection), or not bound yet */
	if (wake_at(s, r->loaded == k) > t)
		return false;
	int rc = axv_vcpu_kick(s->v);
	return rc == 0 || rc == AXV_ESTATE; /* ESTATE: woken meanwhile? look again */
}

_Noreturn void sched_loop(unsigned cpu, const struct sched_ops *ops)
{
	struct runq *r = &runq[cpu];
	const uint64_t freq = count_freq();
	const uint64_t slice = freq / 1000000u * SCHED_SLICE_US;
	r->last = r->n - 1;
	for (;;) {
		uint64_t t = count_now();
		unsigned pick = NONE;
		for (unsigned j = 1; j <= r->n && pick == NONE; j++) {
			unsigned k = (r->last + j) % r->n;
			if (runnable(r, k, ops, t))
				pick = k;
		}
		if (pick == NONE) {
			/* Idle: sleep until an interrupt (an injection's IPI, a loaded vcpu's
			 * timer) or the earliest wake time. */
			uint64_t until = UINT64_MAX;
			for (unsigned k = 0; k < r->n; k++) {
				uint64_t w = wake_at(&r->q[k], r->loaded == k);
				if (ops->wants_cpu(r->q[k].vm, r->q[k].index) && w < until)
					until = w;
			}
			if (until == UINT64_MAX || alarm_arm(until))
				__asm__ volatile("wfi");
			ops->irqs(r->loaded == NONE ? NULL : r->q[r->loaded].v);
			alarm_disarm();
			continue;
		}
		struct sched_vcpu *s = &r->q[pick];
		/* The slice ends early if a blocked vcpu off the cpu must wake before. */
		s->slice_end = t + slice;
		for (unsigned k = 0; k < r->n; k++) {
			uint64_t w = k == pick ? UINT64_MAX : wake_at(&r->q[k], r->loaded == k);
			if (w < s->slice_end)
				s->slice_end = w;
		}
		s->has_deadline = false;
		/* Armed even when that time has passed (a vcpu after this one in the round
		 * whose timer is due): the guest then exits at once, or, never exiting by
		 * itself, would keep the cpu for ever. */
		alarm_set(s->slice_end);
		r->last = pick;
		ops->run(s);
		alarm_disarm();
		/* Whose timers the cpu holds now: the port's answer, not a guess from the run
		 * (a vcpu of a VM paused meanwhile returns without entering, and the cpu still
		 * holds the previous one's; an unbound one leaves nothing). */
		r->loaded = NONE;
		for (unsigned k = 0; k < r->n; k++)
			if (ops->holds(r->q[k].ctx))
				r->loaded = k;
	}
}
