/* Races on the virtual GICv3's SPI delivery (plain C with tcheck.h: it also runs under
 * ThreadSanitizer, where Criterion cannot).
 *
 * Two threads race, round after round, on one SPI of a three-vcpu vGIC. Each runs a short
 * sequence of operations chosen so that every pair of them is raced: the device side
 * (axv_vgic_set_spi raise and lower, GICD_SETSPI_NSR / GICD_CLRSPI_NSR, and a raise from a
 * signal handler that interrupts the other thread anywhere, as a hardware interrupt would),
 * the distributor writes that change where or whether the SPI is delivered (GICD_IROUTER as
 * a 64-bit and a 32-bit write, GICD_ISENABLER / GICD_ICENABLER, GICD_ISPENDR / GICD_ICPENDR,
 * GICR_WAKER), register reads, and the guest side of one vcpu: its list registers (the
 * lr_model of IHI 0069 12.4.6) are filled by axv_virq_flush() through axv_a64_vic_ops, the
 * guest acknowledges and ends what they hold, and the next flush reports the ends; or the
 * vcpu enters and exits without the guest taking what it was given (axv_a64_vic_ops
 * on_exit takes it back, to wherever the SPI's state is by then). The SPI
 * starts each round inactive, pending, in a list register, acknowledged, or ended but not
 * yet reported, on a random vcpu, edge- or level-triggered, enabled or not.
 *
 * After each round (both threads done) it checks that the SPI's state (pending, active,
 * enabled) is in the vcpu its GICD_IROUTER names and nowhere else, and that a list register
 * holding it means it is active there. Then it lets every vcpu's guest drain its list
 * registers and checks that nothing stays active, that an enabled SPI is not left pending,
 * and that the SPI was delivered (or left pending, if disabled) at least once when it was
 * raised and never withdrawn in the round, and, if edge-triggered, never more often than it
 * was raised (a level-sensitive SPI whose line is still high when the guest ends it is
 * pending again, IHI 0069 4.1.2: its line is lowered once the guests have drained, and
 * they drain again).
 *
 * Usage: race-vgic [rounds [seconds [ops [starts]]]]: ops a comma list of op names (default:
 * all), starts the number of start states used (1: inactive only, 2: also pending, ...,
 * 5: all, the default). It stops at whichever limit comes first and prints rounds, time and
 * failures by kind. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <axv/arch/aarch64.h>
#include <axv/err.h>

#include "../vcpu/fake_port.h"
#include "lr_model.h"
#include "mock_hal.h"
#include "tcheck.h"

#define NV 3
#define NSPI 32
#define NLR 4
#define GICR_SGI 0x10000

enum op {
	OP_RAISE,      /* axv_vgic_set_spi(s, true) */
	OP_LOWER,      /* axv_vgic_set_spi(s, false) */
	OP_SETSPI,     /* GICD_SETSPI_NSR = s */
	OP_CLRSPI,     /* GICD_CLRSPI_NSR = s */
	OP_ROUTE,      /* GICD_IROUTER<s> (64-bit): another vcpu, IRM or a missing affinity */
	OP_ROUTE_LO,   /* GICD_IROUTER<s> low half (32-bit) */
	OP_ENABLE,     /* GICD_ISENABLER */
	OP_DISABLE,    /* GICD_ICENABLER */
	OP_FLICKER,    /* GICD_ICENABLER then GICD_ISENABLER */
	OP_ISPEND,     /* GICD_ISPENDR */
	OP_ICPEND,     /* GICD_ICPENDR */
	OP_WAKER,      /* GICR_WAKER of a vcpu: ProcessorSleep toggled */
	OP_READ,       /* ISENABLER, ISPENDR, ISACTIVER, IROUTER, IPRIORITYR reads */
	OP_GUEST,      /* this thread's vcpu: flush, acknowledge and end what it got */
	OP_IRQ_RAISE,  /* a signal to the other thread, whose handler raises s */
	OP_ENTER,      /* this thread's vcpu: flush; the guest (masked) takes nothing */
	OP_EXIT,       /* this thread's vcpu: an exit, what the guest did is taken back */
	OP_COUNT
};

static const char *const op_name[OP_COUNT] = {
	"raise", "lower", "setspi", "clrspi", "route", "route-lo", "enable", "disable",
	"flicker", "ispend", "icpend", "waker", "read", "guest", "irq-raise", "enter", "exit",
};

enum fail_kind { F_MISPLACED, F_ACTIVE_ELSEWHERE, F_LR_NOT_ACTIVE, F_TWO_IN_FLIGHT,
		 F_TARGET, F_ENABLE, F_STUCK_ACTIVE, F_STUCK_PENDING, F_LOST, F_DUPLICATED,
		 F_KINDS };
static const char *const fail_name[F_KINDS] = {
	"pending/enabled outside the routed vcpu", "active outside the routed vcpu",
	"in a list register but not active", "in two list registers at once",
	"internal target differs from GICD_IROUTER", "enable bit differs from GICD_ISENABLER",
	"active after the guests drained", "pending and enabled after the guests drained",
	"raised, never withdrawn, never delivered (lost)", "delivered more often than raised",
};

static struct mock_hal mh;
static struct fake_port fp[NV];
static struct axv_virq virq[NV];
static struct axv_vcpu vcpu[NV];
static struct axv_a64_vcpu av[NV];
static struct lr_model lrm[NV];
static struct axv_vgic gic;
static const uint64_t mpidr[NV] = {0x0, 0x1, 0x100};

#define MAX_SEQ 3
struct seq {
	unsigned n;
	enum op op[MAX_SEQ];
	unsigned jitter[MAX_SEQ];
	unsigned guest_vcpu;
	uint64_t route[MAX_SEQ];
};

/* The round being run: written by the main thread before it starts the round. */
static struct {
	uint32_t spi;
	struct seq seq[2];
} plan;

static atomic_uint round_go, round_done;
static atomic_bool quit;
static atomic_uint raises, deliveries, withdrawals, irq_sent, irq_done;
static bool round_level; /* this round's SPI is level-sensitive */
static pthread_t main_thread;

/* ---- register access -------------------------------------------------------------------- */

static void d_wr(uint64_t off, uint8_t w, uint64_t v)
{
	axv_vgic_gicd_ops.write(&gic, off, w, v);
}

static uint64_t d_rd(uint64_t off, uint8_t w)
{
	uint64_t v = 0;
	axv_vgic_gicd_ops.read(&gic, off, w, &v);
	return v;
}

static uint64_t r_rd(uint32_t i, uint64_t off)
{
	uint64_t v = 0;
	axv_vgic_gicr_ops.read(axv_vgic_redist_ctx(&gic, i), off, 4, &v);
	return v;
}

static void r_wr(uint32_t i, uint64_t off, uint64_t v)
{
	axv_vgic_gicr_ops.write(axv_vgic_redist_ctx(&gic, i), off, 4, v);
}

static uint64_t bank(uint64_t base, uint32_t s)
{
	return base + 4 * (s / 32);
}

static uint32_t bit(uint32_t s)
{
	return 1u << (s % 32);
}

/* The vcpu a GICD_IROUTER value names (IRM, or an affinity no vcpu has: vcpu 0). */
static uint32_t vcpu_named(uint64_t route)
{
	if (route & (1ull << 31))
		return 0;
	for (uint32_t i = 0; i < NV; i++)
		if (mpidr[i] == (route & 0xff00ffffffull))
			return i;
	return 0;
}

/* ---- the guest side ---------------------------------------------------------------------- */

/* One entry of vcpu i: the flush hands interrupts to its list registers (reporting the ones
 * ended since the last entry); the guest ends what it had acknowledged before, then
 * acknowledges each new one and ends it. */
static void guest_step(uint32_t i, uint32_t s)
{
	axv_virq_flush(&virq[i], &axv_a64_vic_ops, &av[i]);
	for (unsigned k = 0; k < NLR; k++)
		if ((lrm[i].lr[k] >> 62) == 2)
			lr_model_eoi(&lrm[i], k);
	uint32_t id;
	int n;
	while ((n = lr_model_ack(&lrm[i], &id)) >= 0) {
		if (id == s)
			atomic_fetch_add(&deliveries, 1);
		lr_model_eoi(&lrm[i], (unsigned)n);
	}
}

/* ---- the racing operations ---------------------------------------------------------------- */

static void spin(unsigned n)
{
	for (volatile unsigned i = 0; i < n; i++)
		;
}

/* Signals may be merged (ThreadSanitizer defers them, one slot per signal number): a run of
 * the handler answers every signal sent before it read irq_sent, and raises once. */
static void on_signal(int sig)
{
	(void)sig;
	unsigned sent = atomic_load(&irq_sent);
	atomic_fetch_add(&raises, 1);
	axv_vgic_set_spi(&gic, plan.spi, true);
	atomic_store(&irq_done, sent);
}

static void run_op(const struct seq *q, unsigned k, uint32_t s)
{
	switch (q->op[k]) {
	case OP_RAISE:
		atomic_fetch_add(&raises, 1);
		axv_vgic_set_spi(&gic, s, true);
		break;
	case OP_LOWER:
		atomic_fetch_add(&withdrawals, 1);
		axv_vgic_set_spi(&gic, s, false);
		break;
	case OP_SETSPI:
		atomic_fetch_add(&raises, 1);
		d_wr(0x0040, 4, s);
		break;
	case OP_CLRSPI:
		atomic_fetch_add(&withdrawals, 1);
		d_wr(0x0048, 4, s);
		break;
	case OP_ROUTE:
		d_wr(0x6000 + 8 * s, 8, q->route[k]);
		break;
	case OP_ROUTE_LO:
		d_wr(0x6000 + 8 * s, 4, q->route[k] & 0xffffffffu);
		break;
	case OP_ENABLE:
		d_wr(bank(0x0100, s), 4, bit(s));
		break;
	case OP_DISABLE:
		d_wr(bank(0x0180, s), 4, bit(s));
		break;
	case OP_FLICKER:
		d_wr(bank(0x0180, s), 4, bit(s));
		d_wr(bank(0x0100, s), 4, bit(s));
		break;
	case OP_ISPEND:
		atomic_fetch_add(&raises, 1);
		d_wr(bank(0x0200, s), 4, bit(s));
		break;
	case OP_ICPEND:
		atomic_fetch_add(&withdrawals, 1);
		d_wr(bank(0x0280, s), 4, bit(s));
		break;
	case OP_WAKER: {
		uint32_t i = (uint32_t)(q->route[k] % NV);
		r_wr(i, 0x0014, (r_rd(i, 0x0014) & 2) ^ 2);
		break;
	}
	case OP_READ:
		(void)d_rd(bank(0x0100, s), 4);
		(void)d_rd(bank(0x0200, s), 4);
		(void)d_rd(bank(0x0300, s), 4);
		(void)d_rd(0x6000 + 8 * s, 8);
		(void)d_rd(0x0400 + s, 1);
		break;
	case OP_GUEST:
		guest_step(q->guest_vcpu, s);
		break;
	case OP_IRQ_RAISE:
		atomic_fetch_add(&irq_sent, 1);
		pthread_kill(main_thread, SIGUSR1);
		break;
	case OP_ENTER:
		axv_virq_flush(&virq[q->guest_vcpu], &axv_a64_vic_ops, &av[q->guest_vcpu]);
		break;
	case OP_EXIT:
		axv_a64_vic_ops.on_exit(&av[q->guest_vcpu], &virq[q->guest_vcpu]);
		break;
	default:
		break;
	}
}

static void run_seq(const struct seq *q, uint32_t s)
{
	for (unsigned k = 0; k < q->n; k++) {
		spin(q->jitter[k]);
		run_op(q, k, s);
	}
}

static void wait_until(atomic_uint *a, unsigned v)
{
	for (unsigned n = 0; atomic_load_explicit(a, memory_order_acquire) != v; n++) {
		if (n > 64)
			sched_yield();
		if (n > 100000) { /* a blocking call: where ThreadSanitizer delivers signals */
			struct timespec ts = {0, 1000};
			nanosleep(&ts, NULL);
		}
	}
}

static void *worker(void *arg)
{
	(void)arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the signal is for the main thread */
	unsigned seen = 0;
	for (;;) {
		unsigned g;
		for (unsigned n = 0; (g = atomic_load_explicit(&round_go, memory_order_acquire)) == seen;
		     n++) {
			if (atomic_load(&quit))
				return NULL;
			if (n > 64)
				sched_yield();
		}
		seen = g;
		run_seq(&plan.seq[1], plan.spi);
		atomic_store_explicit(&round_done, g, memory_order_release);
	}
}

/* No round for 20 s: a deadlock (a raise from the signal handler waiting for a lock the
 * thread it interrupted holds, say). Fail with a message rather than hang to the timeout. */
static void *watchdog(void *arg)
{
	(void)arg;
	unsigned last = ~0u;
	for (;;) {
		struct timespec ts = {20, 0};
		nanosleep(&ts, NULL);
		if (atomic_load(&quit))
			return NULL;
		unsigned now = atomic_load(&round_go);
		if (now == last) {
			fprintf(stderr, "race-vgic: no progress for 20 s in round %u: deadlock\n", now);
			_exit(1);
		}
		last = now;
	}
}

/* ---- rounds -------------------------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 16) % n);
}

static uint64_t random_route(void)
{
	switch (rnd(8)) {
	case 0:
		return 1ull << 31;             /* IRM: any PE (vcpu 0 here) */
	case 1:
		return 0x0000000700000000ull; /* Aff3 = 7: no such vcpu (vcpu 0) */
	default:
		return mpidr[rnd(NV)];
	}
}

static unsigned long fails[F_KINDS];
static unsigned long printed, failed_rounds, last_failed = ~0ul;

static void fail(enum fail_kind k, unsigned long round, const char *fmt, uint32_t a, uint32_t b)
{
	fails[k]++;
	if (last_failed != round)
		failed_rounds++;
	last_failed = round;
	if (printed++ >= 12)
		return;
	fprintf(stderr, "round %lu: %s (", round, fail_name[k]);
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "); ops main:");
	for (unsigned k2 = 0; k2 < plan.seq[0].n; k2++)
		fprintf(stderr, " %s", op_name[plan.seq[0].op[k2]]);
	fprintf(stderr, ", other:");
	for (unsigned k2 = 0; k2 < plan.seq[1].n; k2++)
		fprintf(stderr, " %s", op_name[plan.seq[1].op[k2]]);
	fprintf(stderr, "\n");
}

/* Start state: nothing of s anywhere, empty list registers, then the chosen start. */
static void reset_spi(uint32_t s, unsigned start, bool enabled, bool level)
{
	d_wr(bank(0x0180, s), 4, bit(s));
	d_wr(bank(0x0280, s), 4, bit(s));
	for (uint32_t i = 0; i < NV; i++) {
		axv_virq_unpend(&virq[i], s);
		axv_virq_disable(&virq[i], s);
		if (axv_virq_is_active(&virq[i], s))
			axv_virq_eoi(&virq[i], s);
		lr_model_init(&lrm[i], NLR);
		lr_model_free_all(&av[i]);
	}
	for (unsigned k = 0; k < NSPI / 32; k++) { /* list registers thrown away above */
		atomic_store(&gic.lr_unacked[k], 0);
		atomic_store(&gic.lr_pending[k], 0);
	}
	round_level = level;
	uint32_t cfg = (uint32_t)d_rd(0x0c00 + 4 * (s / 16), 4);
	uint32_t edge = 2u << (2 * (s % 16));
	d_wr(0x0c00 + 4 * (s / 16), 4, level ? cfg & ~edge : cfg | edge);
	d_wr(0x6000 + 8 * s, 8, random_route());
	uint32_t t = vcpu_named(d_rd(0x6000 + 8 * s, 8));
	if (enabled || start >= 2)
		d_wr(bank(0x0100, s), 4, bit(s));
	if (start >= 1) {
		axv_vgic_set_spi(&gic, s, true);
		atomic_fetch_add(&raises, 1);
	}
	if (start >= 2)
		axv_virq_flush(&virq[t], &axv_a64_vic_ops, &av[t]); /* into a list register */
	if (start >= 3) {
		uint32_t id;
		int n = lr_model_ack(&lrm[t], &id); /* the guest took it */
		if (n >= 0 && id == s)
			atomic_fetch_add(&deliveries, 1);
		if (start >= 4 && n >= 0)
			lr_model_eoi(&lrm[t], (unsigned)n); /* and ended it; not reported yet */
	}
	if (!enabled && start >= 2)
		d_wr(bank(0x0180, s), 4, bit(s));
}

static bool in_lr(uint32_t i, uint32_t s, bool live_only)
{
	for (unsigned n = 0; n < NLR; n++) {
		if (av[i].lr_id[n] != s)
			continue;
		if (!live_only || (lrm[i].lr[n] >> 62) != 0)
			return true;
	}
	return false;
}

static void check_round(unsigned long round, uint32_t s)
{
	uint32_t n = s - 32;
	uint32_t t = vcpu_named(d_rd(0x6000 + 8 * s, 8));
	if (atomic_load(&gic.target[n]) != t)
		fail(F_TARGET, round, "target %u, route names %u", atomic_load(&gic.target[n]), t);
	bool en = (d_rd(bank(0x0100, s), 4) & bit(s)) != 0;
	if (axv_virq_is_enabled(&virq[t], s) != en)
		fail(F_ENABLE, round, "vcpu %u enabled %u", t, axv_virq_is_enabled(&virq[t], s));
	unsigned live = 0;
	for (uint32_t i = 0; i < NV; i++) {
		live += in_lr(i, s, true);
		if (i == t)
			continue;
		if (axv_virq_is_pending(&virq[i], s) || axv_virq_is_enabled(&virq[i], s))
			fail(F_MISPLACED, round, "vcpu %u, routed to %u", i, t);
		if (axv_virq_is_active(&virq[i], s))
			fail(F_ACTIVE_ELSEWHERE, round, "vcpu %u, routed to %u", i, t);
	}
	if (live > 1)
		fail(F_TWO_IN_FLIGHT, round, "%u list registers, routed to %u", live, t);
	if (live && !axv_virq_is_active(&virq[t], s))
		fail(F_LR_NOT_ACTIVE, round, "routed to %u", t, 0);

	/* The guests finish what they hold; whatever is deliverable is delivered. */
	for (int pass = 0; pass < 8; pass++)
		for (uint32_t i = 0; i < NV; i++)
			guest_step(i, s);
	bool pend = false;
	for (uint32_t i = 0; i < NV; i++)
		pend = pend || axv_virq_is_pending(&virq[i], s);
	unsigned r = atomic_load(&raises), d = atomic_load(&deliveries) + pend;
	/* A level line still high keeps the SPI coming: lower it, drain once more. */
	bool high = (gic.line_hi[n / 32] >> (n % 32)) & 1;
	if (round_level && high) {
		axv_vgic_set_spi(&gic, s, false);
		for (int pass = 0; pass < 2; pass++)
			for (uint32_t i = 0; i < NV; i++)
				guest_step(i, s);
	}
	bool left = false;
	for (uint32_t i = 0; i < NV; i++) {
		if (axv_virq_is_active(&virq[i], s) || in_lr(i, s, false))
			fail(F_STUCK_ACTIVE, round, "vcpu %u, routed to %u", i, t);
		left = left || axv_virq_is_pending(&virq[i], s);
	}
	if (left && en)
		fail(F_STUCK_PENDING, round, "routed to %u", t, 0);
	if (r > 0 && atomic_load(&withdrawals) == 0 && d == 0)
		fail(F_LOST, round, "raised %u times, delivered %u", r, d);
	if (d > r && !round_level)
		fail(F_DUPLICATED, round, "raised %u times, delivered %u", r, d);
}

static void plan_seq(struct seq *q, const bool *allowed, enum op first, bool is_main)
{
	q->n = 0;
	unsigned want = 1 + rnd(MAX_SEQ);
	for (unsigned tries = 0; q->n < want && tries < 32; tries++) {
		enum op o = q->n == 0 ? first : (enum op)rnd(OP_COUNT);
		first = (enum op)rnd(OP_COUNT); /* if the first is not allowed here */
		if (!allowed[o] || (o == OP_IRQ_RAISE && is_main))
			continue;
		q->op[q->n] = o;
		q->jitter[q->n] = rnd(4) ? rnd(200) : rnd(3000);
		q->route[q->n] = random_route();
		q->n++;
	}
	q->guest_vcpu = is_main ? 0 : 1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long max_rounds = argc > 1 ? strtoul(argv[1], NULL, 0) : 400000;
	double max_s = argc > 2 ? strtod(argv[2], NULL) : 4.0;
	bool allowed[OP_COUNT];
	for (int o = 0; o < OP_COUNT; o++)
		allowed[o] = argc <= 3;
	if (argc > 3) {
		char *list = strdup(argv[3]);
		for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
			for (int o = 0; o < OP_COUNT; o++)
				if (strcmp(tok, op_name[o]) == 0)
					allowed[o] = true;
		free(list);
	}
	unsigned starts = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 0) : 5;
	if (starts < 1 || starts > 5)
		starts = 5;
	enum op ops[OP_COUNT];
	unsigned nops = 0;
	for (int o = 0; o < OP_COUNT; o++)
		if (allowed[o])
			ops[nops++] = (enum op)o;
	if (nops == 0) {
		fprintf(stderr, "no known op in %s\n", argv[3]);
		return 2;
	}

	tcheck_on_signal(SIGUSR1, on_signal);
	main_thread = pthread_self();

	mock_hal_init(&mh, 16);
	struct axv_vcpu *vp[NV];
	struct axv_virq *qp[NV];
	for (uint32_t i = 0; i < NV; i++) {
		fake_port_init(&fp[i]);
		CHECK(axv_virq_init(&virq[i]) == 0, "virq %u", i);
		struct axv_vcpu_config c = {.id = i, .hal = &mh.hal, .ops = &fake_port_ops,
					    .port_ctx = &fp[i], .virq = &virq[i],
					    .vic = &axv_a64_vic_ops, .vic_ctx = &av[i]};
		CHECK(axv_vcpu_create(&vcpu[i], &c) == 0, "vcpu %u", i);
		vp[i] = &vcpu[i];
		qp[i] = &virq[i];
		lr_model_vcpu(&av[i], &lrm[i], NLR);
	}
	CHECK(axv_vgic_init(&gic, vp, qp, mpidr, NV, NSPI) == 0, "vgic init");
	for (uint32_t i = 0; i < NV; i++)
		CHECK(axv_vgic_attach(&gic, i, &av[i]) == 0, "attach %u", i);
	for (uint32_t i = 0; i < NV; i++)
		r_wr(i, 0x0014, 0); /* awake */

	pthread_t t, wd;
	pthread_create(&t, NULL, worker, NULL);
	pthread_create(&wd, NULL, watchdog, NULL);
	pthread_detach(wd);
	static const uint32_t spis[] = {32, 40, 63};
	double t0 = now_s();
	unsigned long round = 0;
	for (; round < max_rounds; round++) {
		if ((round & 255) == 0 && now_s() - t0 > max_s)
			break;
		uint32_t s = spis[rnd(3)];
		atomic_store(&raises, 0);
		atomic_store(&deliveries, 0);
		atomic_store(&withdrawals, 0);
		atomic_store(&irq_sent, 0);
		atomic_store(&irq_done, 0);
		reset_spi(s, rnd(starts), rnd(4) != 0, rnd(2) != 0);
		/* Every ordered pair of ops comes first in turn; more may follow at random. */
		plan.spi = s;
		plan_seq(&plan.seq[0], allowed, ops[(round / nops) % nops], true);
		plan_seq(&plan.seq[1], allowed, ops[round % nops], false);
		atomic_store_explicit(&round_go, (unsigned)round + 1, memory_order_release);
		run_seq(&plan.seq[0], s);
		wait_until(&round_done, (unsigned)round + 1);
		wait_until(&irq_done, atomic_load(&irq_sent));
		check_round(round, s);
	}
	double secs = now_s() - t0;
	atomic_store(&quit, true);
	pthread_join(t, NULL);

	unsigned long total = 0;
	for (int k = 0; k < F_KINDS; k++)
		total += fails[k];
	printf("race-vgic: %lu rounds in %.2f s, %lu failed (%lu failures)\n", round, secs,
	       failed_rounds, total);
	for (int k = 0; k < F_KINDS; k++)
		if (fails[k])
			printf("  %lu x %s\n", fails[k], fail_name[k]);
	CHECK(total == 0, "%lu failures in %lu rounds", total, round);
	CHECK(round > 0, "no round ran");
	for (uint32_t i = 0; i < NV; i++)
		axv_vcpu_destroy(&vcpu[i]);
	mock_hal_fini(&mh);
	return tcheck_done("race-vgic");
}
