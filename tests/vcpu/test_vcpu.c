/* Unit tests of lib/vcpu: every (state, call) pair from a table, port failures, Blocked and
 * wake-up, interrupt delivery before entry, exit completion, per-cpu enable. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/bus.h>
#include <axv/err.h>
#include <axv/percpu.h>
#include <axv/vcpu.h>

#include "fake_port.h"
#include "mock_hal.h"

#define CPU 1
#define IRQ 5

static struct mock_hal mh;
static struct fake_port fp;
static struct axv_virq vq;
static struct axv_vcpu v;
static struct axv_bus bus;
static struct axv_bus_entry bus_storage[3];

static void (*dev_hook)(void); /* called by the device's read, when set */
static int dev_fail;           /* the device's read fails with this, when set */
static unsigned dev_calls;     /* reads the device saw */

static int dev_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	(void)ctx, (void)off, (void)width;
	dev_calls++;
	if (dev_hook)
		dev_hook();
	if (dev_fail)
		return dev_fail;
	*value = 0x80;
	return 0;
}

static const struct axv_device_ops dev_ops = {.read = dev_read};

static struct axv_vcpu_config config(void)
{
	return (struct axv_vcpu_config){.id = 3, .hal = &mh.hal, .ops = &fake_port_ops,
					.port_ctx = &fp, .virq = &vq};
}

static void setup(void)
{
	dev_hook = NULL;
	dev_fail = 0;
	dev_calls = 0;
	mock_hal_init(&mh, 16);
	mh.cur_cpu = CPU;
	memset(&v, 0, sizeof(v));
	fake_port_init(&fp);
	cr_assert_eq(axv_virq_init(&vq), 0);
	cr_assert_eq(axv_virq_enable(&vq, IRQ), 0);
	const size_t cap[AXV_BUS_SPACE_COUNT] = {1, 1, 1};
	cr_assert_eq(axv_bus_init(&bus, bus_storage, cap), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x9000, 0x1000, &dev_ops, NULL), 0);
}

static void teardown(void)
{
	MOCK_HAL_CHECK_CLEAN(&mh);
	mock_hal_fini(&mh);
}

TestSuite(vcpu, .init = setup, .fini = teardown);

/* Drive a fresh vcpu into a state (RUNNING is reached inside the port's run instead). */
static void build(enum axv_vcpu_state s)
{
	struct axv_vcpu_config c = config();
	if (s == AXV_VCPU_INVALID)
		return;
	cr_assert_eq(axv_vcpu_create(&v, &c), 0);
	if (s == AXV_VCPU_CREATED)
		return;
	cr_assert_eq(axv_vcpu_setup(&v, 0x40080000, 0x1000, NULL), 0);
	if (s == AXV_VCPU_FREE)
		return;
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	if (s == AXV_VCPU_READY || s == AXV_VCPU_RUNNING)
		return;
	struct axv_exit e;
	fake_port_push(&fp, AXV_EXIT_HALT);
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_assert_eq(e.reason, AXV_EXIT_HALT);
	cr_assert_eq(axv_vcpu_state(&v), AXV_VCPU_BLOCKED);
	fp.nscript = 0; /* from now on run exits with NOTHING */
	fp.next = 0;
}

/* ---- the table ----------------------------------------------------------------------- */

enum call {
	C_CREATE, C_SETUP, C_SET_ENTRY, C_SET_ROOT, C_BIND, C_UNBIND, C_RUN, C_INJECT, C_KICK,
	C_GET_REG, C_SET_REG, C_SET_RETVAL, C_ADVANCE_PC, C_COMPLETE, C_DESTROY, C_COUNT
};

static const char *const call_names[C_COUNT] = {
	"create", "setup", "set_entry", "set_nested_root", "bind", "unbind", "run", "inject",
	"kick", "get_reg", "set_reg", "set_retval", "advance_pc", "complete", "destroy"};

static int do_call(enum call c)
{
	struct axv_vcpu_config cfg = config();
	struct axv_exit e;
	uint64_t val;
	switch (c) {
	case C_CREATE:
		return axv_vcpu_create(&v, &cfg);
	case C_SETUP:
		return axv_vcpu_setup(&v, 0x1000, 0x2000, &fp);
	case C_SET_ENTRY:
		return axv_vcpu_set_entry(&v, 0x3000);
	case C_SET_ROOT:
		return axv_vcpu_set_nested_root(&v, 0x4000);
	case C_BIND:
		return axv_vcpu_bind(&v);
	case C_UNBIND:
		return axv_vcpu_unbind(&v);
	case C_RUN:
		return axv_vcpu_run(&v, &e);
	case C_INJECT:
		return axv_vcpu_inject(&v, IRQ);
	case C_KICK:
		return axv_vcpu_kick(&v);
	case C_GET_REG:
		return axv_vcpu_get_reg(&v, 1, &val);
	case C_SET_REG:
		return axv_vcpu_set_reg(&v, 1, 7);
	case C_SET_RETVAL:
		return axv_vcpu_set_retval(&v, 8);
	case C_ADVANCE_PC:
		return axv_vcpu_advance_pc(&v, 4);
	case C_COMPLETE:
		memset(&e, 0, sizeof(e));
		e.reason = AXV_EXIT_MMIO_READ;
		e.access = (struct axv_exit_access){.addr = 0x9000, .width = 1, .reg = 2,
						    .reg_width = 8};
		return axv_vcpu_complete(&v, &bus, &e);
	case C_DESTROY:
		return axv_vcpu_destroy(&v);
	default:
		return 12345;
	}
	return 12345;
}

struct expect {
	int rc;
	int state; /* state right after the call; -1: unchanged */
	int ipis;  /* IPIs sent to the bound cpu */
};

#define OK_ {0, -1, 0}
#define BAD {AXV_ESTATE, -1, 0}
#define TO(s) {0, AXV_VCPU_##s, 0}

/* rows: state before the call; columns: the call */
static const struct expect table[AXV_VCPU_STATE_COUNT][C_COUNT] = {
	[AXV_VCPU_INVALID] = {
		[C_CREATE] = TO(CREATED), [C_SETUP] = BAD, [C_SET_ENTRY] = BAD,
		[C_SET_ROOT] = BAD, [C_BIND] = BAD, [C_UNBIND] = BAD, [C_RUN] = BAD,
		[C_INJECT] = BAD, [C_KICK] = BAD, [C_GET_REG] = BAD, [C_SET_REG] = BAD,
		[C_SET_RETVAL] = BAD, [C_ADVANCE_PC] = BAD, [C_COMPLETE] = BAD,
		[C_DESTROY] = OK_},
	[AXV_VCPU_CREATED] = {
		[C_CREATE] = BAD, [C_SETUP] = TO(FREE), [C_SET_ENTRY] = OK_,
		[C_SET_ROOT] = OK_, [C_BIND] = BAD, [C_UNBIND] = BAD, [C_RUN] = BAD,
		[C_INJECT] = OK_, [C_KICK] = BAD, [C_GET_REG] = OK_, [C_SET_REG] = OK_,
		[C_SET_RETVAL] = BAD, [C_ADVANCE_PC] = BAD, [C_COMPLETE] = BAD,
		[C_DESTROY] = TO(INVALID)},
	[AXV_VCPU_FREE] = {
		[C_CREATE] = BAD, [C_SETUP] = BAD, [C_SET_ENTRY] = OK_, [C_SET_ROOT] = OK_,
		[C_BIND] = TO(READY), [C_UNBIND] = BAD, [C_RUN] = BAD, [C_INJECT] = OK_,
		[C_KICK] = BAD, [C_GET_REG] = OK_, [C_SET_REG] = OK_, [C_SET_RETVAL] = BAD,
		[C_ADVANCE_PC] = BAD, [C_COMPLETE] = BAD, [C_DESTROY] = TO(INVALID)},
	[AXV_VCPU_READY] = {
		[C_CREATE] = BAD, [C_SETUP] = BAD, [C_SET_ENTRY] = BAD, [C_SET_ROOT] = BAD,
		[C_BIND] = BAD, [C_UNBIND] = TO(FREE), [C_RUN] = OK_, [C_INJECT] = OK_,
		[C_KICK] = OK_, [C_GET_REG] = OK_, [C_SET_REG] = OK_, [C_SET_RETVAL] = OK_,
		[C_ADVANCE_PC] = OK_, [C_COMPLETE] = OK_, [C_DESTROY] = BAD},
	[AXV_VCPU_RUNNING] = {
		[C_CREATE] = BAD, [C_SETUP] = BAD, [C_SET_ENTRY] = BAD, [C_SET_ROOT] = BAD,
		[C_BIND] = BAD, [C_UNBIND] = BAD, [C_RUN] = BAD, [C_INJECT] = {0, -1, 1},
		[C_KICK] = {0, -1, 1}, [C_GET_REG] = BAD, [C_SET_REG] = BAD,
		[C_SET_RETVAL] = BAD, [C_ADVANCE_PC] = BAD, [C_COMPLETE] = BAD,
		[C_DESTROY] = BAD},
	[AXV_VCPU_BLOCKED] = {
		[C_CREATE] = BAD, [C_SETUP] = BAD, [C_SET_ENTRY] = BAD, [C_SET_ROOT] = BAD,
		[C_BIND] = BAD, [C_UNBIND] = BAD, [C_RUN] = {AXV_EAGAIN, -1, 0},
		[C_INJECT] = {0, AXV_VCPU_READY, 1}, [C_KICK] = {0, AXV_VCPU_READY, 1},
		[C_GET_REG] = OK_, [C_SET_REG] = OK_, [C_SET_RETVAL] = OK_,
		[C_ADVANCE_PC] = OK_, [C_COMPLETE] = OK_, [C_DESTROY] = BAD},
};

struct outcome {
	int rc, state, ipis;
	bool untouched; /* vcpu, port and interrupt state byte-identical */
};

static struct outcome run_call(enum call c)
{
	struct axv_vcpu v0 = v;
	struct fake_port p0 = fp;
	struct axv_virq q0;
	memcpy(&q0, &vq, sizeof(vq));
	unsigned long ipi0 = atomic_load(&mh.ipis[CPU]);
	struct outcome o;
	o.rc = do_call(c);
	o.state = (int)axv_vcpu_state(&v);
	o.ipis = (int)(atomic_load(&mh.ipis[CPU]) - ipi0);
	o.untouched = memcmp(&v0, &v, sizeof(v)) == 0 && memcmp(&p0, &fp, sizeof(fp)) == 0 &&
		      memcmp(&q0, &vq, sizeof(vq)) == 0;
	return o;
}

static enum call in_run_call;
static struct outcome in_run_outcome;

static void call_while_running(struct fake_port *p, struct axv_exit *exit)
{
	(void)p, (void)exit;
	cr_assert_eq(axv_vcpu_state(&v), AXV_VCPU_RUNNING);
	in_run_outcome = run_call(in_run_call);
}

static void check_pair(enum axv_vcpu_state s, enum call c)
{
	const struct expect *x = &table[s][c];
	struct outcome o;
	setup();
	build(s);
	if (s == AXV_VCPU_RUNNING) {
		struct axv_exit e;
		in_run_call = c;
		fp.on_run = call_while_running;
		cr_assert_eq(axv_vcpu_run(&v, &e), 0);
		o = in_run_outcome;
	} else {
		o = run_call(c);
	}
	int want_state = x->state < 0 ? (int)s : x->state;
	cr_expect_eq(o.rc, x->rc, "%s in %s: rc %d (%s), want %d", call_names[c],
		     axv_vcpu_state_name(s), o.rc, axv_strerror(o.rc), x->rc);
	cr_expect_eq(o.state, want_state, "%s in %s: ends %s, want %s", call_names[c],
		     axv_vcpu_state_name(s), axv_vcpu_state_name(o.state),
		     axv_vcpu_state_name(want_state));
	cr_expect_eq(o.ipis, x->ipis, "%s in %s: %d IPIs, want %d", call_names[c],
		     axv_vcpu_state_name(s), o.ipis, x->ipis);
	if (x->rc == AXV_ESTATE || x->rc == AXV_EAGAIN)
		cr_expect(o.untouched, "%s in %s was refused but changed something",
			  call_names[c], axv_vcpu_state_name(s));
	/* leave nothing behind for the mock's checks */
	teardown();
}

Test(vcpu_table, every_state_and_call)
{
	int pairs = 0;
	for (int s = 0; s < AXV_VCPU_STATE_COUNT; s++)
		for (int c = 0; c < C_COUNT; c++, pairs++)
			check_pair((enum axv_vcpu_state)s, (enum call)c);
	cr_expect_eq(pairs, 6 * 15);
}

/* ---- single behaviours --------------------------------------------------------------- */

Test(vcpu, state_names)
{
	cr_expect_str_eq(axv_vcpu_state_name(AXV_VCPU_INVALID), "invalid");
	cr_expect_str_eq(axv_vcpu_state_name(AXV_VCPU_BLOCKED), "blocked");
	cr_expect_str_eq(axv_vcpu_state_name(AXV_VCPU_STATE_COUNT), "unknown");
	cr_expect_str_eq(axv_vcpu_state_name((enum axv_vcpu_state)-1), "unknown");
}

Test(vcpu, create_validates_and_changes_nothing_on_failure)
{
	struct axv_vcpu_config c = config();
	struct axv_vcpu_ops ops = fake_port_ops;
	struct axv_hal hal = mh.hal;
	struct axv_vcpu zero;
	memset(&zero, 0, sizeof(zero));
	cr_expect_eq(axv_vcpu_create(NULL, &c), AXV_EINVAL);
	cr_expect_eq(axv_vcpu_create(&v, NULL), AXV_EINVAL);
	ops.run = NULL;
	c.ops = &ops;
	cr_expect_eq(axv_vcpu_create(&v, &c), AXV_EINVAL, "missing run hook");
	c = config();
	hal.cpu = NULL;
	c.hal = &hal;
	cr_expect_eq(axv_vcpu_create(&v, &c), AXV_EINVAL, "HAL without cpu hooks");
	c = config();
	fp.fail[FP_CREATE] = AXV_ENOMEM;
	cr_expect_eq(axv_vcpu_create(&v, &c), AXV_ENOMEM);
	cr_expect_eq(memcmp(&v, &zero, sizeof(v)), 0, "failed create wrote the vcpu");
	cr_expect_eq(axv_vcpu_create(&v, &c), 0);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_CREATED);
	cr_expect_eq(axv_vcpu_cpu(&v), AXV_CPU_NONE);
	cr_expect_eq(axv_vcpu_state(NULL), AXV_VCPU_INVALID);
}

Test(vcpu, setup_passes_arguments_and_failure_stays_created)
{
	build(AXV_VCPU_CREATED);
	fp.fail[FP_SET_ROOT] = AXV_EIO;
	cr_expect_eq(axv_vcpu_setup(&v, 0x1000, 0x2000, &mh), AXV_EIO);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_CREATED);
	cr_expect_eq(axv_vcpu_setup(&v, 0x1000, 0x2000, &mh), 0, "setup can be retried");
	cr_expect_eq(fp.entry, 0x1000);
	cr_expect_eq(fp.root, 0x2000);
	cr_expect_eq(fp.config, &mh);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_FREE);
}

Test(vcpu, bind_and_unbind_failures_keep_the_state)
{
	build(AXV_VCPU_FREE);
	fp.fail[FP_BIND] = AXV_EBUSY;
	cr_expect_eq(axv_vcpu_bind(&v), AXV_EBUSY);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_FREE);
	cr_expect_eq(axv_vcpu_cpu(&v), AXV_CPU_NONE);
	mh.cur_cpu = 2;
	cr_expect_eq(axv_vcpu_bind(&v), 0);
	cr_expect_eq(axv_vcpu_cpu(&v), 2);
	fp.fail[FP_UNBIND] = AXV_EIO;
	cr_expect_eq(axv_vcpu_unbind(&v), AXV_EIO);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_READY);
	cr_expect_eq(axv_vcpu_unbind(&v), 0);
	cr_expect_eq(axv_vcpu_cpu(&v), AXV_CPU_NONE);
}

Test(vcpu, calls_from_another_cpu_are_refused)
{
	struct axv_exit e;
	uint64_t val;
	build(AXV_VCPU_READY);
	mh.cur_cpu = CPU + 1;
	struct axv_vcpu v0 = v;
	cr_expect_eq(axv_vcpu_run(&v, &e), AXV_EPERM);
	cr_expect_eq(axv_vcpu_unbind(&v), AXV_EPERM);
	cr_expect_eq(axv_vcpu_get_reg(&v, 0, &val), AXV_EPERM);
	cr_expect_eq(axv_vcpu_advance_pc(&v, 4), AXV_EPERM);
	cr_expect_eq(memcmp(&v0, &v, sizeof(v)), 0);
	cr_expect_eq(fp.calls[FP_RUN], 0);
	/* Injection and kicks work from anywhere. */
	cr_expect_eq(axv_vcpu_inject(&v, IRQ), 0);
	cr_expect_eq(axv_vcpu_kick(&v), 0);
}

Test(vcpu, port_error_in_run_marks_invalid)
{
	struct axv_exit e;
	build(AXV_VCPU_READY);
	fp.fail[FP_RUN] = AXV_EIO;
	cr_expect_eq(axv_vcpu_run(&v, &e), AXV_EIO);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_INVALID);
	cr_expect_eq(axv_vcpu_cpu(&v), AXV_CPU_NONE);
	cr_expect_eq(axv_vcpu_run(&v, &e), AXV_ESTATE);
	/* The port state still exists: create refuses until destroy releases it. */
	struct axv_vcpu_config c = config();
	cr_expect_eq(axv_vcpu_create(&v, &c), AXV_ESTATE);
	cr_expect_eq(axv_vcpu_destroy(&v), 0);
	cr_expect_eq(fp.calls[FP_DESTROY], 1);
	cr_expect_eq(axv_vcpu_create(&v, &c), 0);
}

static void garbage_exit(struct fake_port *p, struct axv_exit *exit)
{
	(void)p;
	exit->reason = (enum axv_exit_reason)77;
}

Test(vcpu, port_returning_a_bad_exit_reason_marks_invalid)
{
	struct axv_exit e;
	build(AXV_VCPU_READY);
	fp.on_run = garbage_exit;
	cr_expect_eq(axv_vcpu_run(&v, &e), AXV_EIO);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_INVALID);
}

Test(vcpu, halt_blocks_and_inject_wakes)
{
	struct axv_exit e;
	build(AXV_VCPU_BLOCKED);
	cr_expect_eq(axv_vcpu_run(&v, &e), AXV_EAGAIN, "blocked: nothing to do yet");
	unsigned long ipi0 = atomic_load(&mh.ipis[CPU]);
	mh.cur_cpu = 0; /* injected from another cpu */
	cr_expect_eq(axv_vcpu_inject(&v, IRQ), 0);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_READY, "inject did not wake");
	cr_expect_eq(atomic_load(&mh.ipis[CPU]), ipi0 + 1, "the sleeping cpu got no IPI");
	cr_expect_eq(axv_vcpu_inject(&v, IRQ), AXV_EALREADY, "coalesced");
	cr_expect_eq(atomic_load(&mh.ipis[CPU]), ipi0 + 1, "a coalesced inject kicked again");
	mh.cur_cpu = CPU;
	cr_expect_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(fp.nlr, 1);
	cr_expect_eq(fp.lr[0], IRQ, "the interrupt was not delivered on entry");
	cr_expect(axv_virq_is_active(&vq, IRQ));
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_READY);
}

Test(vcpu, disabled_interrupt_does_not_wake_until_enabled)
{
	struct axv_exit e;
	build(AXV_VCPU_BLOCKED);
	cr_expect_eq(axv_vcpu_inject(&v, 9), 0);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_BLOCKED);
	cr_expect_eq(axv_vcpu_run(&v, &e), AXV_EAGAIN);
	cr_assert_eq(axv_virq_enable(&vq, 9), 0);
	/* run notices the now-deliverable interrupt by itself ... */
	cr_expect_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(fp.lr[0], 9);
	/* ... and kick wakes a blocked vcpu too. */
	fp.nscript = 0;
	fake_port_push(&fp, AXV_EXIT_HALT);
	cr_expect_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_BLOCKED);
	cr_expect_eq(axv_vcpu_kick(&v), 0);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_READY);
}

static void inject_during_run(struct fake_port *p, struct axv_exit *exit)
{
	(void)p, (void)exit;
	cr_expect_eq(axv_vcpu_inject(&v, IRQ), 0);
}

Test(vcpu, halt_with_an_interrupt_pending_does_not_block)
{
	struct axv_exit e;
	build(AXV_VCPU_READY);
	fake_port_push(&fp, AXV_EXIT_HALT);
	fp.on_run = inject_during_run; /* arrives while Running, before the HALT is seen */
	unsigned long ipi0 = atomic_load(&mh.ipis[CPU]);
	cr_expect_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HALT);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_READY, "blocked with an interrupt pending");
	cr_expect_eq(atomic_load(&mh.ipis[CPU]), ipi0 + 1, "running vcpu was not kicked");
}

Test(vcpu, interrupts_reach_the_port_by_priority_within_its_room)
{
	struct axv_exit e;
	build(AXV_VCPU_READY);
	fp.lr_cap = 2;
	for (uint32_t id = 100; id < 104; id++) {
		cr_assert_eq(axv_virq_enable(&vq, id), 0);
		cr_assert_eq(axv_virq_set_priority(&vq, id, (uint8_t)(0x90 - id)), 0);
		cr_assert_eq(axv_vcpu_inject(&v, id), 0);
	}
	cr_expect_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(fp.nlr, 2);
	cr_expect_eq(fp.lr[0], 103);
	cr_expect_eq(fp.lr[1], 102);
	cr_expect(axv_virq_is_pending(&vq, 101) && axv_virq_is_pending(&vq, 100));
}

static int vic_calls;
static int vic_deliver(void *ctx, uint32_t id, uint8_t prio)
{
	(void)ctx, (void)id, (void)prio;
	vic_calls++;
	return 0;
}

Test(vcpu, a_vic_replaces_the_port_inject_hook)
{
	static const struct axv_vic_ops vic = {.deliver = vic_deliver};
	static const struct axv_vic_ops novic = {.deliver = NULL};
	struct axv_vcpu_config c = config();
	struct axv_exit e;
	c.vic = &novic;
	cr_expect_eq(axv_vcpu_create(&v, &c), AXV_EINVAL);
	c.vic = &vic;
	cr_assert_eq(axv_vcpu_create(&v, &c), 0);
	cr_assert_eq(axv_vcpu_setup(&v, 0, 0, NULL), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	cr_assert_eq(axv_vcpu_inject(&v, IRQ), 0);
	vic_calls = 0;
	cr_expect_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(vic_calls, 1);
	cr_expect_eq(fp.calls[FP_INJECT], 0);
}

Test(vcpu, inject_validates)
{
	build(AXV_VCPU_READY);
	cr_expect_eq(axv_vcpu_inject(&v, AXV_VIRQ_MAX), AXV_ERANGE);
	cr_expect_eq(axv_vcpu_inject(&v, UINT32_MAX), AXV_ERANGE);
	cr_expect_eq(axv_vcpu_inject(NULL, 1), AXV_EINVAL);
	struct axv_vcpu w;
	struct axv_vcpu_config c = config();
	memset(&w, 0, sizeof(w));
	c.virq = NULL;
	cr_assert_eq(axv_vcpu_create(&w, &c), 0);
	cr_expect_eq(axv_vcpu_inject(&w, 1), AXV_ENODEV);
}

/* An access exit is completed at most once, and only until the vcpu runs again or is
 * re-pointed (set_entry, set_nested_root): a stale one would write a register of, and
 * advance the pc of, a guest that has moved on. */
static struct axv_exit *script_mmio_read(void)
{
	struct axv_exit *s = fake_port_push(&fp, AXV_EXIT_MMIO_READ);
	cr_assert_not_null(s);
	s->insn_len = 4;
	s->access = (struct axv_exit_access){.addr = 0x9004, .width = 1, .reg = 3,
					     .reg_width = 8};
	return s;
}

Test(vcpu, an_exit_superseded_by_the_next_run_is_not_completed)
{
	build(AXV_VCPU_READY);
	script_mmio_read();
	struct axv_exit e1, e2;
	cr_assert_eq(axv_vcpu_run(&v, &e1), 0);
	cr_assert_eq(axv_vcpu_run(&v, &e2), 0); /* the guest retried the access */
	fp.regs[3] = 7;
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e1), AXV_ESTATE, "an earlier run's exit");
	cr_expect_eq(fp.regs[3], 7);
	cr_expect_eq(fp.pc, 0);
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e2), 0);
	cr_expect_eq(fp.regs[3], 0x80);
	cr_expect_eq(fp.pc, 4);
	fp.regs[3] = 7;
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e2), AXV_ESTATE, "completed twice");
	cr_expect_eq(fp.regs[3], 7);
	cr_expect_eq(fp.pc, 4, "the pc was advanced twice");
}

Test(vcpu, an_exit_from_before_a_vcpu_reset_is_not_completed)
{
	build(AXV_VCPU_READY);
	script_mmio_read();
	struct axv_exit e1;
	cr_assert_eq(axv_vcpu_run(&v, &e1), 0);
	/* The vcpu is reset (e.g. PSCI CPU_OFF then CPU_ON): unbound, new entry, bound. */
	cr_assert_eq(axv_vcpu_unbind(&v), 0);
	cr_assert_eq(axv_vcpu_set_entry(&v, 0x50000000), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	fp.regs[3] = 7;
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e1), AXV_ESTATE, "after set_entry");
	cr_expect_eq(fp.regs[3], 7);
	cr_expect_eq(fp.pc, 0);
	struct axv_exit e2;
	cr_assert_eq(axv_vcpu_run(&v, &e2), 0);
	cr_assert_eq(axv_vcpu_unbind(&v), 0);
	cr_assert_eq(axv_vcpu_set_nested_root(&v, 0x2000), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e2), AXV_ESTATE, "after set_nested_root");
	cr_expect_eq(fp.regs[3], 7);
	cr_expect_eq(fp.pc, 0);
	/* Moving a vcpu to another cpu (unbind, bind) keeps its exit. */
	struct axv_exit e3;
	cr_assert_eq(axv_vcpu_run(&v, &e3), 0);
	cr_assert_eq(axv_vcpu_unbind(&v), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e3), 0);
	cr_expect_eq(fp.pc, 4);
}

Test(vcpu, complete_writes_the_guest_register_and_pc)
{
	build(AXV_VCPU_READY);
	struct axv_exit e;
	memset(&e, 0, sizeof(e));
	e.reason = AXV_EXIT_MMIO_READ;
	e.insn_len = 4;
	e.access = (struct axv_exit_access){.addr = 0x9004, .width = 1, .reg = 3,
					    .reg_width = 8, .sign_extend = true};
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e), 0);
	cr_expect_eq(fp.regs[3], 0xffffffffffffff80ull);
	cr_expect_eq(fp.pc, 4);
	/* A 1-byte destination keeps the other bits, read back through the port. */
	fp.regs[4] = 0x1122334455667700ull;
	e.access.reg = 4;
	e.access.reg_width = 1;
	e.access.sign_extend = false;
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e), 0);
	cr_expect_eq(fp.regs[4], 0x1122334455667780ull);
	cr_expect_eq(fp.pc, 8);
	e.access.reg_width = 8;
	e.access.reg = 40; /* the port has 32 registers */
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e), AXV_EINVAL);
	cr_expect_eq(fp.pc, 8);
	cr_expect_eq(axv_vcpu_set_retval(&v, 99), 0);
	cr_expect_eq(fp.retval, 99);
	uint64_t r;
	cr_expect_eq(axv_vcpu_get_reg(&v, 3, &r), 0);
	cr_expect_eq(r, 0xffffffffffffff80ull);
	cr_expect_eq(axv_vcpu_get_reg(&v, 3, NULL), AXV_EINVAL);
}

/* ---- per-cpu enable ------------------------------------------------------------------ */

struct hw {
	int enables, disables, fail_enable, fail_disable;
};

static int hw_enable(void *ctx)
{
	struct hw *h = ctx;
	if (h->fail_enable)
		return h->fail_enable;
	h->enables++;
	return 0;
}

static int hw_disable(void *ctx)
{
	struct hw *h = ctx;
	if (h->fail_disable)
		return h->fail_disable;
	h->disables++;
	return 0;
}

Test(percpu, reference_counted_enable)
{
	static const struct axv_percpu_ops ops = {hw_enable, hw_disable};
	static const struct axv_percpu_ops half = {hw_enable, NULL};
	struct axv_percpu p;
	struct hw h = {0};
	cr_expect_eq(axv_percpu_init(&p, 0, &half, &h), AXV_EINVAL);
	cr_expect_eq(axv_percpu_init(NULL, 0, &ops, &h), AXV_EINVAL);
	cr_assert_eq(axv_percpu_init(&p, 0, &ops, &h), 0);
	cr_expect(!axv_percpu_enabled(&p));
	cr_expect_eq(axv_percpu_disable(&p), AXV_ESTATE, "disable without enable");
	h.fail_enable = AXV_ENOTSUP;
	cr_expect_eq(axv_percpu_enable(&p), AXV_ENOTSUP);
	cr_expect(!axv_percpu_enabled(&p));
	h.fail_enable = 0;
	cr_expect_eq(axv_percpu_enable(&p), 0);
	cr_expect_eq(axv_percpu_enable(&p), 0);
	cr_expect_eq(h.enables, 1, "enable twice reached the hardware twice");
	cr_expect_eq(axv_percpu_disable(&p), 0);
	cr_expect_eq(h.disables, 0, "disabled while still referenced");
	cr_expect(axv_percpu_enabled(&p));
	h.fail_disable = AXV_EIO;
	cr_expect_eq(axv_percpu_disable(&p), AXV_EIO);
	cr_expect(axv_percpu_enabled(&p), "a failed disable dropped the reference");
	h.fail_disable = 0;
	cr_expect_eq(axv_percpu_disable(&p), 0);
	cr_expect_eq(h.disables, 1);
	cr_expect(!axv_percpu_enabled(&p));
	cr_expect_eq(axv_percpu_disable(&p), AXV_ESTATE);
}

/* The fast path: with a bus given (axv_vcpu_set_fast_bus()), an access exit the bus
 * completes goes back into the guest inside axv_vcpu_run(); the embedder sees only the
 * others, and counts of what was completed. Without one, every exit is returned. */
static void script_fast(void)
{
	script_mmio_read();                            /* claimed by the device at 0x9000 */
	struct axv_exit *s = script_mmio_read();
	s->access.addr = 0x5000;                       /* nobody's: the embedder's */
	fake_port_push(&fp, AXV_EXIT_HYPERCALL)->hypercall.nr = 9;
}

Test(vcpu, the_fast_path_completes_claimed_accesses_inside_run)
{
	build(AXV_VCPU_READY);
	script_fast();
	cr_assert_eq(axv_vcpu_set_fast_bus(&v, &bus), 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ, "the unclaimed access is returned");
	cr_expect_eq(e.access.addr, 0x5000);
	cr_expect_eq(fp.calls[FP_RUN], 2, "entered twice: the claimed access went back in");
	cr_expect_eq(fp.regs[3], 0x80, "the device's value is in the register");
	cr_expect_eq(fp.pc, 4, "and the pc moved past it, once");
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_MMIO_READ), 1);
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_HYPERCALL), 0);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_READY);
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HYPERCALL, "other exits are the embedder's");
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_REASON_COUNT), 0, "out of range: 0");
	cr_expect_eq(axv_vcpu_fast_exits(NULL, AXV_EXIT_MMIO_READ), 0);
}

/* A claimed access whose device fails on the fast path goes to the embedder with its error;
 * the embedder's axv_vcpu_complete() reports that error and does not call the device a
 * second time (a device access has effects: a read may pop a FIFO). */
Test(vcpu, a_failed_fast_completion_is_not_done_twice)
{
	build(AXV_VCPU_READY);
	script_mmio_read();
	dev_fail = AXV_EIO;
	cr_assert_eq(axv_vcpu_set_fast_bus(&v, &bus), 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ, "the failed access is the embedder's");
	cr_expect_eq(dev_calls, 1u);
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e), AXV_EIO, "the device's error");
	cr_expect_eq(dev_calls, 1u, "the device was called again for the same access");
	cr_expect_eq(fp.pc, 0, "a failed access moves no pc");
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_MMIO_READ), 0);
	/* The next run's access is the device's again. */
	dev_fail = 0;
	script_mmio_read();
	cr_assert_eq(axv_vcpu_set_fast_bus(&v, NULL), 0);
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e), 0);
	cr_expect_eq(dev_calls, 2u);
}

Test(vcpu, without_a_fast_bus_every_exit_is_returned)
{
	build(AXV_VCPU_READY);
	script_fast();
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ);
	cr_expect_eq(e.access.addr, 0x9004);
	cr_expect_eq(fp.calls[FP_RUN], 1);
	cr_expect_eq(fp.pc, 0, "nothing was completed behind the embedder's back");
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_MMIO_READ), 0);
	/* Turned on and off again. */
	cr_assert_eq(axv_vcpu_set_fast_bus(&v, &bus), 0);
	cr_assert_eq(axv_vcpu_set_fast_bus(&v, NULL), 0);
	fp.next = 0;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.access.addr, 0x9004);
}

Test(vcpu, the_fast_bus_is_set_by_the_owner_of_a_stopped_vcpu)
{
	cr_expect_eq(axv_vcpu_set_fast_bus(NULL, &bus), AXV_EINVAL);
	build(AXV_VCPU_CREATED);
	cr_expect_eq(axv_vcpu_set_fast_bus(&v, &bus), 0, "before setup");
	mh.cur_cpu = CPU + 1;
	cr_assert_eq(axv_vcpu_setup(&v, 0x40080000, 0x1000, NULL), 0);
	cr_expect_eq(axv_vcpu_set_fast_bus(&v, &bus), 0, "free: any cpu");
	mh.cur_cpu = CPU;
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	mh.cur_cpu = CPU + 1;
	cr_expect_eq(axv_vcpu_set_fast_bus(&v, NULL), AXV_EPERM, "bound elsewhere");
	mh.cur_cpu = CPU;
	cr_assert_eq(axv_vcpu_unbind(&v), 0);
	cr_assert_eq(axv_vcpu_destroy(&v), 0);
	struct axv_vcpu_config c = config();
	cr_assert_eq(axv_vcpu_create(&v, &c), 0);
	cr_expect_null(v.fast_bus, "created anew: no fast path until asked again");
}

/* A pending interrupt is flushed before every entry, fast ones included. */
static void pend_once(struct fake_port *p, struct axv_exit *exit)
{
	(void)exit;
	if (p->calls[FP_RUN] == 1)
		cr_assert_eq(axv_vcpu_inject(&v, IRQ), 0);
}

Test(vcpu, the_fast_path_delivers_interrupts_before_re_entry)
{
	build(AXV_VCPU_READY);
	script_fast();
	fp.on_run = pend_once;
	cr_assert_eq(axv_vcpu_set_fast_bus(&v, &bus), 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(fp.calls[FP_RUN], 2);
	cr_expect_eq(fp.nlr, 1, "injected during the first run, delivered before the second");
	cr_expect_eq(fp.lr[0], IRQ);
}

/* While the device of a fast completion runs the vcpu is Ready, as during an embedder's
 * completion: an injection (here from the device itself) sends no IPI and is delivered
 * before the re-entry; a kick makes the run return NOTHING instead of entering again. */
static void dev_injects(void)
{
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_READY);
	cr_assert_eq(axv_vcpu_inject(&v, IRQ), 0);
}

static void dev_kicks(void)
{
	cr_assert_eq(axv_vcpu_kick(&v), 0);
}

Test(vcpu, an_injection_from_a_fast_completion_needs_no_ipi)
{
	build(AXV_VCPU_READY);
	script_fast();
	dev_hook = dev_injects;
	cr_assert_eq(axv_vcpu_set_fast_bus(&v, &bus), 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.access.addr, 0x5000);
	cr_expect_eq(fp.calls[FP_RUN], 2);
	cr_expect_eq(atomic_load(&mh.ipis[CPU]), 0, "no IPI to itself");
	cr_expect_eq(fp.nlr, 1, "delivered before the re-entry");
	cr_expect_eq(fp.lr[0], IRQ);
}

Test(vcpu, a_kick_during_a_fast_completion_returns_to_the_owner)
{
	build(AXV_VCPU_READY);
	script_fast();
	dev_hook = dev_kicks;
	cr_assert_eq(axv_vcpu_set_fast_bus(&v, &bus), 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NOTHING, "the owner is asked to look, nothing to complete");
	cr_expect_eq(fp.calls[FP_RUN], 1, "not entered again");
	cr_expect_eq(fp.regs[3], 0x80, "the access itself was completed");
	cr_expect_eq(fp.pc, 4);
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e), AXV_EINVAL, "and cannot be completed again");
	cr_expect_eq(fp.pc, 4);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_READY);
	dev_hook = NULL;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ, "the kick was seen once");
	cr_expect_eq(e.access.addr, 0x5000);
}

/* ---- the fast path for hypercalls, and inside the port's run (issue 17) ------------------ */

static unsigned hc_calls;
static uint64_t hc_last_arg;
static int hc_decline;           /* the handler declines with this, when set */
static void (*hc_hook)(void);    /* called by the handler, when set */
static uint32_t hc_state;        /* the vcpu's state the handler saw */

static int hc_call(void *ctx, const struct axv_exit *e, uint64_t *ret)
{
	hc_calls++;
	hc_last_arg = e->hypercall.args[0];
	hc_state = axv_vcpu_state(&v);
	cr_expect_eq(ctx, &hc_calls, "the handler gets its context");
	if (hc_hook)
		hc_hook();
	if (hc_decline)
		return hc_decline;
	*ret = e->hypercall.nr + e->hypercall.args[0];
	return 0;
}

static const struct axv_hcall hcalls[] = {
	{.first = 0x1000, .last = 0x10ff, .call = hc_call, .ctx = &hc_calls},
};

/* The vcpu over the port with a run_fast hook, Ready, hypercalls 0x1000-0x10ff fast. */
static void build_fast(void)
{
	hc_calls = 0;
	hc_decline = 0;
	hc_hook = NULL;
	struct axv_vcpu_config c = config();
	c.ops = &fake_port_fast_ops;
	cr_assert_eq(axv_vcpu_create(&v, &c), 0);
	cr_assert_eq(axv_vcpu_setup(&v, 0x40080000, 0x1000, NULL), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	cr_assert_eq(axv_vcpu_set_fast_hypercalls(&v, hcalls, 1), 0);
}

static void script_hcall(uint64_t nr, uint64_t arg)
{
	struct axv_exit *s = fake_port_push(&fp, AXV_EXIT_HYPERCALL);
	cr_assert_not_null(s);
	s->hypercall.nr = nr;
	s->hypercall.args[0] = arg;
}

Test(vcpu, a_hypercall_of_the_fast_table_is_answered_inside_the_ports_run)
{
	build_fast();
	script_hcall(0x1002, 5);
	script_hcall(0x2000, 0); /* no range holds it: the embedder's */
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HYPERCALL);
	cr_expect_eq(e.hypercall.nr, 0x2000, "the call no range holds is returned");
	cr_expect_eq(fp.offers, 2u, "both offered inside the port's run");
	cr_expect_eq(fp.calls[FP_RUN], 2, "entered twice without returning");
	cr_expect_eq(hc_calls, 1u, "the handler answered the first, once");
	cr_expect_eq(hc_last_arg, 5u);
	cr_expect_eq(fp.retval, 0x1007u, "its value is the guest's return value");
	cr_expect_eq(fp.pc, 4u, "and the pc moved past the call");
	cr_expect_eq(hc_state, AXV_VCPU_RUNNING, "Running inside the port's run");
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_HYPERCALL), 1u);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_READY);
}

Test(vcpu, a_declined_hypercall_reaches_the_embedder_unchanged_and_once)
{
	build_fast();
	script_hcall(0x1003, 1);
	hc_decline = AXV_ENOTSUP;
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HYPERCALL);
	cr_expect_eq(e.hypercall.nr, 0x1003u);
	cr_expect_eq(hc_calls, 1u, "the core did not offer it a second time");
	cr_expect_eq(fp.retval, 0u, "no return value written");
	cr_expect_eq(fp.pc, 0u, "no pc moved");
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_HYPERCALL), 0u);
}

/* Without a run_fast hook the core answers the call after the read-back, with the vcpu Ready
 * (as for accesses: axv_vcpu_set_fast_bus()). */
Test(vcpu, the_core_answers_fast_hypercalls_for_a_port_without_run_fast)
{
	build(AXV_VCPU_READY);
	hc_calls = 0;
	hc_decline = 0;
	hc_hook = NULL;
	cr_assert_eq(axv_vcpu_set_fast_hypercalls(&v, hcalls, 1), 0);
	script_hcall(0x10ff, 1);
	script_hcall(0x1100, 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.hypercall.nr, 0x1100u, "the range's last number is inclusive, no more");
	cr_expect_eq(fp.calls[FP_RUN], 2);
	cr_expect_eq(hc_calls, 1u);
	cr_expect_eq(hc_state, AXV_VCPU_READY, "Ready while the core answers");
	cr_expect_eq(fp.retval, 0x1100u);
	cr_expect_eq(fp.pc, 4u);
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_HYPERCALL), 1u);
}

/* An exit the port finished itself (on aarch64 a PSCI call it answered) only asks whether to
 * go on: it is counted under its reason, and nothing is called. */
Test(vcpu, an_exit_the_port_finished_itself_re_enters_and_is_counted)
{
	build_fast();
	script_hcall(0x84000000u, 0); /* finished by the port */
	script_hcall(0x2000, 0);
	fp.done_mask = 1u;
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.hypercall.nr, 0x2000u);
	cr_expect_eq(fp.calls[FP_RUN], 2);
	cr_expect_eq(hc_calls, 0u, "nobody is called for it");
	cr_expect_eq(fp.pc, 0u, "the port moved its pc, not the core");
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_HYPERCALL), 1u);
}

/* No fast path set: the port's plain run is used, and every exit is returned. */
Test(vcpu, without_a_fast_path_the_ports_plain_run_is_used)
{
	build_fast();
	cr_assert_eq(axv_vcpu_set_fast_hypercalls(&v, NULL, 0), 0);
	script_hcall(0x1002, 5);
	fp.done_mask = 1u;
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.hypercall.nr, 0x1002u);
	cr_expect_eq(fp.offers, 0u, "nothing offered");
	cr_expect_eq(hc_calls, 0u);
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_HYPERCALL), 0u);
}

static void hc_kicks(void)
{
	cr_assert_eq(axv_vcpu_kick(&v), 0);
}

Test(vcpu, a_kick_during_a_fast_hypercall_returns_nothing_to_the_owner)
{
	build_fast();
	script_hcall(0x1002, 5);
	script_hcall(0x2000, 0);
	hc_hook = hc_kicks;
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NOTHING, "completed; the owner is asked to look");
	cr_expect_eq(fp.calls[FP_RUN], 1, "not entered again");
	cr_expect_eq(fp.retval, 0x1007u, "the call itself was answered, once");
	cr_expect_eq(fp.pc, 4u);
	cr_expect_eq(hc_calls, 1u);
	hc_hook = NULL;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.hypercall.nr, 0x2000u, "the kick was seen once");
}

/* Inside the port's run the vcpu stays Running: an injection from a handler sends an IPI (the
 * guest exits again right after the re-entry) and is delivered before the next entry. */
static void hc_injects(void)
{
	cr_assert_eq(axv_vcpu_inject(&v, IRQ), 0);
}

Test(vcpu, an_injection_from_a_fast_hypercall_in_the_ports_run_kicks)
{
	build_fast();
	script_hcall(0x1002, 5);
	script_hcall(0x2000, 0);
	hc_hook = hc_injects;
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(atomic_load(&mh.ipis[CPU]), 1, "an IPI to its own cpu");
	cr_expect(axv_virq_is_pending(&vq, IRQ), "pending for the next entry");
	hc_hook = NULL;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(fp.nlr, 1, "delivered before the next entry");
}

/* A claimed access whose device fails inside the port's run is returned with the failure
 * noted: the core does not call the device again, nor does the embedder's completion. */
Test(vcpu, a_failed_access_in_the_ports_run_is_not_done_twice)
{
	build_fast();
	dev_fail = AXV_EIO;
	script_mmio_read();
	cr_assert_eq(axv_vcpu_set_fast_bus(&v, &bus), 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ);
	cr_expect_eq(dev_calls, 1u, "the core called the device again");
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e), AXV_EIO);
	cr_expect_eq(dev_calls, 1u);
	cr_expect_eq(fp.pc, 0u);
	/* A claimed access that works is completed inside the port's run. */
	dev_fail = 0;
	fp.nscript = 0;
	fp.next = 0;
	script_mmio_read();
	script_hcall(0x2000, 0);
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HYPERCALL);
	cr_expect_eq(dev_calls, 2u);
	cr_expect_eq(fp.regs[3], 0x80u);
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_MMIO_READ), 1u);
}

Test(vcpu, the_fast_hypercall_table_is_checked_and_set_by_the_owner)
{
	static const struct axv_hcall bad_range[] = {{.first = 2, .last = 1, .call = hc_call}};
	static const struct axv_hcall no_call[] = {{.first = 1, .last = 2}};
	cr_expect_eq(axv_vcpu_set_fast_hypercalls(NULL, hcalls, 1), AXV_EINVAL);
	build(AXV_VCPU_CREATED);
	cr_expect_eq(axv_vcpu_set_fast_hypercalls(&v, NULL, 1), AXV_EINVAL);
	cr_expect_eq(axv_vcpu_set_fast_hypercalls(&v, bad_range, 1), AXV_EINVAL);
	cr_expect_eq(axv_vcpu_set_fast_hypercalls(&v, no_call, 1), AXV_EINVAL);
	cr_expect_null(v.fast_hcalls, "a refused table sets nothing");
	cr_expect_eq(axv_vcpu_set_fast_hypercalls(&v, hcalls, 1), 0);
	cr_assert_eq(axv_vcpu_setup(&v, 0x40080000, 0x1000, NULL), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	mh.cur_cpu = CPU + 1;
	cr_expect_eq(axv_vcpu_set_fast_hypercalls(&v, NULL, 0), AXV_EPERM, "bound elsewhere");
	mh.cur_cpu = CPU;
	cr_assert_eq(axv_vcpu_unbind(&v), 0);
	cr_assert_eq(axv_vcpu_destroy(&v), 0);
	struct axv_vcpu_config c = config();
	cr_assert_eq(axv_vcpu_create(&v, &c), 0);
	cr_expect_null(v.fast_hcalls, "created anew: no fast hypercalls until asked again");
}

/* ---- a port's own completion through struct axv_vcpu_fast (hcalls, bus, not_done,
 * axv_vcpu_fast_done()): the aarch64 port's direct paths ---------------------------------- */

Test(vcpu, a_port_answers_a_fast_hypercall_itself_through_the_table)
{
	build_fast();
	fp.direct = true;
	script_hcall(0x1002, 5);
	script_hcall(0x2000, 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.hypercall.nr, 0x2000u, "the call no range holds is returned");
	cr_expect_eq(fp.directs, 1u, "the port took the first on itself");
	cr_expect_eq(fp.offers, 1u, "and offered only the second");
	cr_expect_eq(hc_calls, 1u, "the handler answered once");
	cr_expect_eq(hc_state, AXV_VCPU_RUNNING, "Running inside the port's run");
	cr_expect_eq(fp.retval, 0x1007u);
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_HYPERCALL), 1u, "counted by the core");
}

Test(vcpu, a_call_declined_on_the_ports_own_path_is_not_offered_again)
{
	build_fast();
	fp.direct = true;
	hc_decline = AXV_ENOTSUP;
	script_hcall(0x1003, 1);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HYPERCALL);
	cr_expect_eq(e.hypercall.nr, 0x1003u);
	cr_expect_eq(hc_calls, 1u, "the core called the handler a second time");
	cr_expect_eq(fp.retval, 0u);
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_HYPERCALL), 0u);
}

Test(vcpu, a_device_failure_on_the_ports_own_path_is_not_done_twice)
{
	build_fast();
	fp.direct = true;
	dev_fail = AXV_EIO;
	script_mmio_read();
	cr_assert_eq(axv_vcpu_set_fast_bus(&v, &bus), 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ);
	cr_expect_eq(dev_calls, 1u, "the core called the device again");
	cr_expect_eq(axv_vcpu_complete(&v, &bus, &e), AXV_EIO, "the port's failure, noted");
	cr_expect_eq(dev_calls, 1u, "the embedder's completion called the device again");
	cr_expect_eq(fp.pc, 0u);
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_MMIO_READ), 0u);
}

Test(vcpu, a_kick_during_the_ports_own_completion_returns_nothing)
{
	build_fast();
	fp.direct = true;
	script_hcall(0x1002, 5);
	script_hcall(0x2000, 0);
	hc_hook = hc_kicks;
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NOTHING, "completed; the owner is asked to look");
	cr_expect_eq(fp.calls[FP_RUN], 1, "not entered again");
	cr_expect_eq(fp.retval, 0x1007u);
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_HYPERCALL), 1u);
	hc_hook = NULL;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.hypercall.nr, 0x2000u, "the kick was seen once");
}

/* The table a port gets is the vcpu's, and none for a port without set_retval (the core would
 * not answer a call for it either). */
static const struct axv_vcpu_fast *seen_fast;
static int fp_peek_run_fast(void *ctx, struct axv_exit *exit, const struct axv_vcpu_fast *f)
{
	seen_fast = f;
	cr_expect_null(f->hcalls);
	cr_expect_eq(f->nr_hcalls, 0u);
	cr_expect_eq(f->bus, &bus);
	return fake_port_ops.run(ctx, exit);
}

Test(vcpu, a_port_without_set_retval_gets_no_hypercall_table)
{
	static struct axv_vcpu_ops ops;
	ops = fake_port_fast_ops;
	ops.set_retval = NULL;
	ops.run_fast = fp_peek_run_fast;
	hc_calls = 0;
	struct axv_vcpu_config c = config();
	c.ops = &ops;
	cr_assert_eq(axv_vcpu_create(&v, &c), 0);
	cr_assert_eq(axv_vcpu_setup(&v, 0x40080000, 0x1000, NULL), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	cr_assert_eq(axv_vcpu_set_fast_hypercalls(&v, hcalls, 1), 0);
	cr_assert_eq(axv_vcpu_set_fast_bus(&v, &bus), 0);
	script_hcall(0x1002, 5);
	struct axv_exit e;
	seen_fast = NULL;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_not_null(seen_fast);
	cr_expect_eq(e.hypercall.nr, 0x1002u);
	cr_expect_eq(hc_calls, 0u);
}

/* A port without a set_retval hook that names its return register (struct
 * axv_vcpu_ops::retval_reg) gets the library's default: the value goes through set_reg, for
 * the embedder's axv_vcpu_set_retval() and for the calls the fast path answers. */
Test(vcpu, a_port_naming_its_return_register_gets_set_retval_through_set_reg)
{
	static struct axv_vcpu_ops ops;
	ops = fake_port_ops;
	ops.set_retval = NULL;
	ops.retval_reg = AXV_VCPU_RETVAL_REG(7);
	hc_calls = 0;
	hc_decline = 0;
	hc_hook = NULL;
	struct axv_vcpu_config c = config();
	c.ops = &ops;
	cr_assert_eq(axv_vcpu_create(&v, &c), 0);
	cr_assert_eq(axv_vcpu_setup(&v, 0x40080000, 0x1000, NULL), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	cr_expect_eq(axv_vcpu_set_retval(&v, 99), 0);
	cr_expect_eq(fp.regs[7], 99u);
	cr_expect_eq(fp.calls[FP_SET_REG], 1);
	fp.fail[FP_SET_REG] = AXV_EIO;
	cr_expect_eq(axv_vcpu_set_retval(&v, 98), AXV_EIO, "the port's set_reg error");
	cr_expect_eq(fp.regs[7], 99u);
	cr_assert_eq(axv_vcpu_set_fast_hypercalls(&v, hcalls, 1), 0);
	script_hcall(0x1002, 5);
	script_hcall(0x2000, 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.hypercall.nr, 0x2000u);
	cr_expect_eq(hc_calls, 1u);
	cr_expect_eq(fp.regs[7], 0x1007u, "the fast path's answer, through set_reg");
	cr_expect_eq(fp.calls[FP_SET_RETVAL], 0);
	cr_expect_eq(axv_vcpu_fast_exits(&v, AXV_EXIT_HYPERCALL), 1u);
}

/* Neither a set_retval hook nor a return register: #AXV_ENOSYS, and no call is answered. */
Test(vcpu, a_port_without_set_retval_or_return_register_has_no_set_retval)
{
	static struct axv_vcpu_ops ops;
	ops = fake_port_ops;
	ops.set_retval = NULL;
	struct axv_vcpu_config c = config();
	c.ops = &ops;
	cr_assert_eq(axv_vcpu_create(&v, &c), 0);
	cr_assert_eq(axv_vcpu_setup(&v, 0x40080000, 0x1000, NULL), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	cr_expect_eq(axv_vcpu_set_retval(&v, 99), AXV_ENOSYS);
	cr_expect_eq(fp.calls[FP_SET_REG], 0);
}
