/* Injection from interrupt context (plain C: it runs under ThreadSanitizer and ASan).
 *
 * tests/vcpu/stress_vcpu.c proves injection from other cpus (threads) while a vcpu runs. This
 * test adds the interrupt-context case: injections come from signal handlers, which the
 * kernel runs by interrupting a thread at an arbitrary instruction, as a hardware interrupt
 * interrupts a cpu. A ticker thread signals two threads without pause:
 *  - the runner, which owns the vcpu: its handler injects on "its own cpu", possibly in the
 *    middle of axv_vcpu_run(), of the flush that hands interrupts to the port, of an EOI, or
 *    of the idle wait while the vcpu is Blocked;
 *  - a bystander thread standing for another cpu: its handler injects from there.
 * Each handler cycles through ids of its own. Checks: per id, injections that made the id
 * pending (not coalesced) equal the guest's deliveries; no Blocked vcpu stays blocked while
 * injections keep coming (bounded waits); nothing is left pending after the drain. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include <axv/err.h>
#include <axv/vcpu.h>

#include "fake_port.h"
#include "mock_hal.h"
#include "tcheck.h"

enum { RUNS = 40000, WAIT_LIMIT = 4000000, IDS = 8 };
#define RUN_CPU 0

static struct mock_hal mh;
static struct fake_port fp;
static struct axv_virq vq;
static struct axv_vcpu v;
static pthread_t t_run, t_other;

static atomic_bool stop, other_masked, runner_masked;

/* Handler side: atomics, the only thing a signal handler may touch safely. */
static atomic_ulong injected[2 * IDS], coalesced, errors, in_run, handler_calls[2];
static _Thread_local int handler_index; /* 0: runner, 1: other cpu */
static _Thread_local unsigned handler_next;

/* Runner side (normal context of the runner thread only). */
static unsigned long delivered[2 * IDS], eoi_errors, run_errors, lost_wakeups, halts;

static uint32_t id_of(int h, unsigned i)
{
	return (uint32_t)(100 + h * IDS + (int)(i % IDS));
}

static void on_signal(int sig)
{
	(void)sig;
	int h = handler_index;
	uint32_t id = id_of(h, handler_next++);
	atomic_fetch_add_explicit(&handler_calls[h], 1, memory_order_relaxed);
	if (h == 0 && axv_vcpu_state(&v) == AXV_VCPU_RUNNING)
		atomic_fetch_add_explicit(&in_run, 1, memory_order_relaxed);
	int rc = axv_vcpu_inject(&v, id);
	if (rc == 0)
		atomic_fetch_add_explicit(&injected[id - 100], 1, memory_order_relaxed);
	else if (rc == AXV_EALREADY)
		atomic_fetch_add_explicit(&coalesced, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&errors, 1, memory_order_relaxed);
}

static void mask_signal(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
}

/* The guest takes and ends every interrupt handed to it. */
static void guest(struct fake_port *p, struct axv_exit *exit)
{
	(void)exit;
	for (unsigned i = 0; i < p->nlr; i++) {
		if (p->lr[i] >= 100 && p->lr[i] < 100 + 2 * IDS)
			delivered[p->lr[i] - 100]++;
		if (axv_virq_eoi(&vq, p->lr[i]) != 0)
			eoi_errors++;
	}
	p->nlr = 0;
}

static void run_once(void)
{
	fake_port_run_once(&v, &run_errors, &halts);
}

static void *run_main(void *arg)
{
	(void)arg;
	handler_index = 0;
	for (int i = 0; i < RUNS && !run_errors; i++) {
		run_once();
		/* the idle loop: interrupts (signals) arrive here too */
		unsigned long spins = 0;
		while (axv_vcpu_state(&v) == AXV_VCPU_BLOCKED) {
			if (++spins > WAIT_LIMIT) {
				lost_wakeups++;
				break;
			}
			if (spins > 1000)
				sched_yield();
		}
		if (lost_wakeups)
			break;
	}
	atomic_store(&stop, true);
	while (!atomic_load(&other_masked))
		sched_yield();
	mask_signal();
	atomic_store(&runner_masked, true);
	/* Drain: everything still pending is delivered. */
	fake_port_drain(&v, &vq, &run_errors, &halts);
	return NULL;
}

static void *other_main(void *arg)
{
	(void)arg;
	handler_index = 1;
	while (!atomic_load(&stop))
		sched_yield();
	mask_signal();
	atomic_store(&other_masked, true);
	return NULL;
}

static void *tick_main(void *arg)
{
	(void)arg;
	unsigned n = 0;
	while (!atomic_load(&stop)) {
		pthread_kill(t_run, SIGUSR1);
		if (!atomic_load(&other_masked))
			pthread_kill(t_other, SIGUSR1);
		if ((++n & 15) == 0)
			sched_yield();
	}
	return NULL;
}

int main(void)
{
	pthread_t t_tick;
	tcheck_on_signal(SIGUSR1, on_signal);

	mock_hal_init(&mh, 4);
	mh.cur_cpu = RUN_CPU;
	fake_port_halt_script(&fp, guest);
	CHECK(axv_virq_init(&vq) == 0, "virq init");
	for (uint32_t id = 100; id < 100 + 2 * IDS; id++) {
		axv_virq_enable(&vq, id);
		axv_virq_set_priority(&vq, id, (uint8_t)id);
	}
	struct axv_vcpu_config cfg = {.id = 0, .hal = &mh.hal, .ops = &fake_port_ops,
				      .port_ctx = &fp, .virq = &vq};
	CHECK(axv_vcpu_create(&v, &cfg) == 0, "create");
	CHECK(axv_vcpu_setup(&v, 0x1000, 0x2000, NULL) == 0, "setup");
	CHECK(axv_vcpu_bind(&v) == 0, "bind");

	pthread_create(&t_run, NULL, run_main, NULL);
	pthread_create(&t_other, NULL, other_main, NULL);
	pthread_create(&t_tick, NULL, tick_main, NULL);
	pthread_join(t_run, NULL);
	pthread_join(t_tick, NULL);
	pthread_join(t_other, NULL);

	unsigned long total = 0, mismatched = 0, deliv = 0;
	for (int i = 0; i < 2 * IDS; i++) {
		unsigned long inj = atomic_load(&injected[i]);
		total += inj;
		deliv += delivered[i];
		if (inj != delivered[i])
			mismatched++;
	}
	unsigned long h0 = atomic_load(&handler_calls[0]), h1 = atomic_load(&handler_calls[1]);
	CHECK(errors == 0, "%lu injections failed", atomic_load(&errors));
	CHECK(run_errors == 0, "%lu run errors", run_errors);
	CHECK(lost_wakeups == 0, "a blocked vcpu was never woken");
	CHECK(eoi_errors == 0, "%lu EOIs of inactive interrupts", eoi_errors);
	CHECK(h0 > 100 && h1 > 100, "too few interrupts: runner %lu, other cpu %lu", h0, h1);
	CHECK(halts > 1000, "only %lu halts", halts);
	CHECK(deliv == total, "injected %lu, delivered %lu", total, deliv);
	CHECK(mismatched == 0, "%lu ids delivered a different number of times than injected",
	      mismatched);
	CHECK(!axv_virq_any_deliverable(&vq), "interrupts left pending after the drain");
	printf("runs %d, halts %lu, handler injections: on the vcpu's cpu %lu (%lu while it "
	       "was Running), on another cpu %lu; pended %lu, coalesced %lu, delivered %lu\n",
	       RUNS, halts, h0, atomic_load(&in_run), h1, total, atomic_load(&coalesced), deliv);
	mock_hal_fini(&mh);
	return tcheck_done("inject_irq_context");
}
