/* Threaded stress test of the vcpu and irq modules (plain C: it runs under ThreadSanitizer).
 *
 * One thread owns a vcpu and runs it through the scripted fake port, whose "guest" takes
 * every interrupt delivered on entry and ends it (EOI) at once, and halts often. Injector
 * threads each keep one interrupt in flight: pend an (enabled) id, wait until the guest has
 * taken it, pend the next; so a lost wake-up is not hidden by a later injection, it stops
 * everything and the runner's bounded wait reports it. A flood thread pends disabled ids
 * that share bitmap words with the others as fast as it can, to race every read-modify-write
 * of the bitmaps. Reader threads read the state and bound cpu all the time. Checks:
 *  - no lost interrupt: per id, the injections that made it pending (not coalesced) equal
 *    the deliveries the guest saw, and nothing is left pending at the end;
 *  - no lost wake-up: a Blocked vcpu is always woken (the waits are bounded by a count);
 *  - no torn state: every state a reader sees is a bound state, with the bound cpu. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include <axv/err.h>
#include <axv/vcpu.h>

#include "fake_port.h"
#include "mock_hal.h"
#include "tcheck.h"

enum { INJECTORS = 3, READERS = 2, RUNS = 300000, WAIT_LIMIT = 2000000 };
#define RUN_CPU 0

static struct mock_hal mh;
static struct fake_port fp;
static struct axv_virq vq;
static struct axv_vcpu v;

static atomic_bool stop;
static atomic_int injectors_done;

/* Written by the runner only. */
static unsigned long delivered[AXV_VIRQ_MAX];
static unsigned long total_delivered, halts, blocked_waits, eoi_errors, run_errors;
static unsigned long lost_wakeups;

struct injector {
	int index;
	unsigned long injected[AXV_VIRQ_MAX]; /* only its own ids are non-zero */
	unsigned long total, coalesced, errors, stuck;
};

struct reader {
	unsigned long reads, bad_state, bad_cpu;
};

/* The guest: take and finish every interrupt the port put in its list registers. */
static void guest(struct fake_port *p, struct axv_exit *exit)
{
	(void)exit;
	for (unsigned i = 0; i < p->nlr; i++) {
		delivered[p->lr[i]]++;
		total_delivered++;
		if (axv_virq_eoi(&vq, p->lr[i]) != 0)
			eoi_errors++;
	}
	p->nlr = 0;
}

/* Enabled ids are even; injector k owns 2 * (k + INJECTORS * j). Odd ids stay disabled
 * and belong to the flood thread. */
static uint32_t id_of(int k, unsigned i)
{
	return (uint32_t)(2 * (k + INJECTORS * (i % (AXV_VIRQ_MAX / 2 / INJECTORS))));
}

static void *inject_main(void *arg)
{
	struct injector *in = arg;
	unsigned i = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint32_t id = id_of(in->index, i++);
		int rc = axv_vcpu_inject(&v, id);
		if (rc == 0) {
			in->injected[id]++;
			in->total++;
		} else if (rc == AXV_EALREADY) {
			in->coalesced++;
		} else {
			in->errors++;
		}
		/* One in flight: wait until the guest took it (ack clears pending). */
		unsigned long spins = 0;
		while (axv_virq_is_pending(&vq, id) &&
		       !atomic_load_explicit(&stop, memory_order_relaxed)) {
			if (++spins > WAIT_LIMIT) {
				in->stuck++;
				break;
			}
			/* Spin tightly first, to pend the next one right as the guest halts. */
			if (spins > 2000)
				sched_yield();
		}
	}
	atomic_fetch_add(&injectors_done, 1);
	return NULL;
}

static void *flood_main(void *arg)
{
	struct injector *in = arg;
	unsigned i = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint32_t id = 1 + 2 * (i++ % (AXV_VIRQ_MAX / 2));
		int rc = axv_vcpu_inject(&v, id);
		if (rc == 0)
			in->total++;
		else if (rc == AXV_EALREADY)
			in->coalesced++;
		else
			in->errors++;
		if (i % (AXV_VIRQ_MAX / 2) == 0) {
			for (uint32_t k = 1; k < AXV_VIRQ_MAX; k += 2)
				axv_virq_unpend(&vq, k);
			sched_yield();
		}
	}
	atomic_fetch_add(&injectors_done, 1);
	return NULL;
}

static void *read_main(void *arg)
{
	struct reader *r = arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		enum axv_vcpu_state s = axv_vcpu_state(&v);
		uint32_t cpu = axv_vcpu_cpu(&v);
		r->reads++;
		if (s != AXV_VCPU_READY && s != AXV_VCPU_RUNNING && s != AXV_VCPU_BLOCKED)
			r->bad_state++;
		if (cpu != RUN_CPU)
			r->bad_cpu++;
		if ((r->reads & 255) == 0)
			sched_yield(); /* leave cpu time to the runner on small machines */
	}
	return NULL;
}

/* Wait while Blocked, as an embedder's idle loop would; false if never woken. */
static bool wait_unblocked(void)
{
	unsigned long spins = 0;
	if (axv_vcpu_state(&v) == AXV_VCPU_BLOCKED)
		blocked_waits++;
	while (axv_vcpu_state(&v) == AXV_VCPU_BLOCKED) {
		if (++spins > WAIT_LIMIT)
			return false;
		sched_yield();
	}
	return true;
}

static void run_once(void)
{
	fake_port_run_once(&v, &run_errors, &halts);
}

static void *run_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < RUNS && !run_errors; i++) {
		run_once();
		if (!wait_unblocked()) {
			lost_wakeups++;
			break;
		}
	}
	atomic_store(&stop, true);
	while (atomic_load(&injectors_done) < INJECTORS + 1)
		sched_yield();
	/* Drain: every interrupt still pending is delivered. A halt with nothing pending
	 * leaves the vcpu Blocked, which is where the loop ends. */
	fake_port_drain(&v, &vq, &run_errors, &halts);
	return NULL;
}

int main(void)
{
	static struct injector inj[INJECTORS], flood;
	static struct reader rd[READERS];
	pthread_t ti[INJECTORS], tr[READERS], trun, tf;

	mock_hal_init(&mh, 4);
	mh.cur_cpu = RUN_CPU;
	fake_port_halt_script(&fp, guest);
	CHECK(axv_virq_init(&vq) == 0, "virq init");
	for (uint32_t id = 0; id < AXV_VIRQ_MAX; id += 2) {
		axv_virq_enable(&vq, id);
		axv_virq_set_priority(&vq, id, (uint8_t)(id * 7));
	}
	struct axv_vcpu_config cfg = {.id = 0, .hal = &mh.hal, .ops = &fake_port_ops,
				      .port_ctx = &fp, .virq = &vq};
	CHECK(axv_vcpu_create(&v, &cfg) == 0, "create");
	CHECK(axv_vcpu_setup(&v, 0x1000, 0x2000, NULL) == 0, "setup");
	CHECK(axv_vcpu_bind(&v) == 0, "bind");

	pthread_create(&trun, NULL, run_main, NULL);
	for (int k = 0; k < INJECTORS; k++) {
		inj[k].index = k;
		pthread_create(&ti[k], NULL, inject_main, &inj[k]);
	}
	pthread_create(&tf, NULL, flood_main, &flood);
	for (int k = 0; k < READERS; k++)
		pthread_create(&tr[k], NULL, read_main, &rd[k]);
	pthread_join(trun, NULL);
	for (int k = 0; k < INJECTORS; k++)
		pthread_join(ti[k], NULL);
	pthread_join(tf, NULL);
	for (int k = 0; k < READERS; k++)
		pthread_join(tr[k], NULL);

	unsigned long injected = 0, coalesced = 0, mismatched = 0, reads = 0;
	for (int k = 0; k < INJECTORS; k++) {
		CHECK(inj[k].errors == 0, "injector %d: %lu errors", k, inj[k].errors);
		CHECK(inj[k].stuck == 0, "injector %d: %lu interrupts never taken", k,
		      inj[k].stuck);
		injected += inj[k].total;
		coalesced += inj[k].coalesced;
	}
	CHECK(flood.errors == 0, "flood: %lu errors", flood.errors);
	CHECK(flood.total > 0, "the flood thread pended nothing");
	for (uint32_t id = 0; id < AXV_VIRQ_MAX; id++) {
		unsigned long want = id % 2 ? 0 : inj[(id / 2) % INJECTORS].injected[id];
		if (delivered[id] != want)
			mismatched++;
	}
	for (int k = 0; k < READERS; k++) {
		CHECK(rd[k].bad_state == 0, "reader %d: %lu torn or invalid states", k,
		      rd[k].bad_state);
		CHECK(rd[k].bad_cpu == 0, "reader %d: %lu wrong bound cpus", k, rd[k].bad_cpu);
		reads += rd[k].reads;
	}
	CHECK(run_errors == 0, "%lu run errors", run_errors);
	CHECK(lost_wakeups == 0, "a blocked vcpu was never woken");
	CHECK(eoi_errors == 0, "%lu EOIs of inactive interrupts", eoi_errors);
	CHECK(injected > 1000, "only %lu injections: the test did not stress anything", injected);
	CHECK(halts > 1000, "only %lu halts", halts);
	CHECK(total_delivered == injected, "injected %lu, delivered %lu (lost %ld)", injected,
	      total_delivered, (long)(injected - total_delivered));
	CHECK(mismatched == 0, "%lu ids delivered a different number of times than injected",
	      mismatched);
	CHECK(!axv_virq_any_deliverable(&vq), "interrupts left pending after the drain");
	unsigned long ipis = atomic_load(&mh.ipis[RUN_CPU]);
	CHECK(ipis > 0, "no kick or wake IPI was ever sent");
	printf("runs %d, halts %lu, blocked waits %lu, injected %lu (coalesced %lu), "
	       "delivered %lu, disabled pends %lu, IPIs %lu, state reads %lu\n",
	       RUNS, halts, blocked_waits, injected, coalesced, total_delivered, flood.total,
	       ipis, reads);
	mock_hal_fini(&mh);
	return tcheck_done("stress_vcpu");
}
