/* Unit tests of axv_vcpu_resolve(): a guest access fault goes to the address space first
 * (lazy page, permissions), then to the device bus (decoding an undecoded fault on demand
 * through the port's decode hook), and nothing changes when nothing backs it. The fake port
 * (fake_port.c) and the mock HAL, with the EPT format. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/addrspace.h>
#include <axv/arch/x86_64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/vcpu.h>

#include "fake_port.h"
#include "mock_hal.h"

#define CPU 1
#define RAM 0x100000ull   /* populated RAM, read/write */
#define LAZY 0x200000ull  /* lazily backed RAM, read/write */
#define ROM 0x300000ull   /* populated, read-only */
#define DEV 0x9000ull     /* the device */
#define HOLE 0x7000ull    /* nothing */
#define PC0 0x40080000ull

static struct mock_hal mh;
static struct fake_port fp;
static struct axv_vcpu v;
static struct axv_addrspace as;
static struct axv_bus bus;
static struct axv_bus_entry bus_storage[3];
static struct axv_fault_env env;

/* What the hooks and the device saw (cleared by setup). */
static struct {
	int locked;         /* lock depth now */
	unsigned locks;     /* lock calls */
	unsigned unlocks;   /* unlock calls */
	unsigned reads, writes;
	int dev_locked;     /* lock depth seen by the device (must stay 0) */
	uint64_t last;      /* the last value written */
} t;

/* Both lock hooks: the depth goes from 1 - to to to, never nested, never unheld. */
static void lock_move(void *ctx, int to)
{
	cr_assert_eq(ctx, &env);
	cr_assert_eq(t.locked, 1 - to, "the resolver's lock is not recursive, nor released unheld");
	t.locked = to;
	*(to ? &t.locks : &t.unlocks) += 1;
}

static void lock(void *ctx)
{
	lock_move(ctx, 1);
}

static void unlock(void *ctx)
{
	lock_move(ctx, 0);
}

static int dev_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	(void)ctx, (void)width;
	t.reads++;
	t.dev_locked += t.locked;
	*value = 0x89abcdef0123c000ull + off;
	return 0;
}

static int dev_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	(void)ctx, (void)off, (void)width;
	t.writes++;
	t.dev_locked += t.locked;
	t.last = value;
	return 0;
}

static const struct axv_device_ops dev_ops = {.read = dev_read, .write = dev_write};

static struct axv_vcpu_ops ops_no_decode;

static void build(const struct axv_vcpu_ops *ops)
{
	const struct axv_vcpu_config c = {.id = 0, .hal = &mh.hal, .ops = ops, .port_ctx = &fp};
	cr_assert_eq(axv_vcpu_create(&v, &c), 0);
	cr_assert_eq(axv_vcpu_setup(&v, PC0, axv_addrspace_root(&as), NULL), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	fp.pc = PC0;
}

static void setup(void)
{
	memset(&t, 0, sizeof(t));
	mock_hal_init(&mh, 256);
	fake_port_init(&fp);
	memset(&v, 0, sizeof(v));
	mh.cur_cpu = CPU;
	cr_assert_eq(axv_addrspace_init(&as, &mh.hal, &axv_pt_ept, 0, 1ull << 30, 1), 0);
	cr_assert_eq(axv_addrspace_map_alloc(&as, RAM, 0x4000, AXV_MAP_READ | AXV_MAP_WRITE, true),
		     0);
	cr_assert_eq(axv_addrspace_map_alloc(&as, LAZY, 0x4000, AXV_MAP_READ | AXV_MAP_WRITE, false),
		     0);
	cr_assert_eq(axv_addrspace_map_alloc(&as, ROM, 0x1000, AXV_MAP_READ, true), 0);
	const size_t cap[AXV_BUS_SPACE_COUNT] = {1, 1, 1};
	cr_assert_eq(axv_bus_init(&bus, bus_storage, cap), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, DEV, 0x1000, &dev_ops, NULL), 0);
	env = (struct axv_fault_env){.as = &as, .bus = &bus, .lock = lock, .unlock = unlock,
				     .lock_ctx = &env};
	ops_no_decode = fake_port_ops;
	ops_no_decode.decode = NULL;
	build(&fake_port_ops);
}

static void teardown(void)
{
	cr_expect_eq(t.locks, t.unlocks, "every lock released");
	cr_expect_eq(t.locked, 0);
	cr_expect_eq(t.dev_locked, 0, "no device called under the lock");
	cr_expect_eq(axv_vcpu_unbind(&v), 0);
	cr_expect_eq(axv_vcpu_destroy(&v), 0);
	cr_expect_eq(axv_addrspace_destroy(&as), 0);
	MOCK_HAL_CHECK_CLEAN(&mh);
	mock_hal_fini(&mh);
}

TestSuite(resolve, .init = setup, .fini = teardown);

/* Run the vcpu once to get an exit of this reason (the fake port's script), so that the
 * exit carries the run's generation. */
static struct axv_exit *run(struct axv_exit *e, enum axv_exit_reason reason)
{
	fp.nscript = 0;
	fp.next = 0;
	struct axv_exit *s = fake_port_push(&fp, reason);
	s->pc = fp.pc;
	cr_assert_eq(axv_vcpu_run(&v, e), 0);
	cr_assert_eq(e->reason, reason);
	return e;
}

static struct axv_exit *npf(struct axv_exit *e, axv_gpa_t gpa, axv_map_flags_t access)
{
	run(e, AXV_EXIT_NESTED_PAGE_FAULT);
	e->npf.addr = gpa;
	e->npf.access = access;
	e->npf.flags = (access & AXV_MAP_EXEC) ? AXV_NPF_FETCH : 0;
	return e;
}

static struct axv_exit *mmio(struct axv_exit *e, bool write, axv_gpa_t gpa, uint8_t width)
{
	run(e, write ? AXV_EXIT_MMIO_WRITE : AXV_EXIT_MMIO_READ);
	e->insn_len = 4;
	e->access = (struct axv_exit_access){.addr = gpa, .width = width, .reg = 3,
					     .reg_width = 8, .data = 0x1122334455667788ull};
	return e;
}

static bool mapped(axv_gpa_t gpa)
{
	axv_hpa_t hpa;
	return axv_addrspace_translate(&as, gpa, &hpa, NULL, NULL) == 0;
}

/* The guest-visible state and the library's, for "nothing changed" checks. */
struct snap {
	uint64_t regs[FP_REGS];
	uint64_t pc;
	size_t frames;
	unsigned reads, writes;
	struct axv_exit exit;
};

static void snap(struct snap *s, const struct axv_exit *e)
{
	memcpy(s->regs, fp.regs, sizeof(s->regs));
	s->pc = fp.pc;
	s->frames = axv_addrspace_frames(&as);
	s->reads = t.reads;
	s->writes = t.writes;
	s->exit = *e;
}

static void unchanged(const struct snap *s, const struct axv_exit *e, const char *what)
{
	cr_expect_eq(memcmp(s->regs, fp.regs, sizeof(s->regs)), 0, "%s: registers", what);
	cr_expect_eq(fp.pc, s->pc, "%s: pc", what);
	cr_expect_eq(axv_addrspace_frames(&as), s->frames, "%s: frames", what);
	cr_expect_eq(t.reads, s->reads, "%s: device reads", what);
	cr_expect_eq(t.writes, s->writes, "%s: device writes", what);
	cr_expect_eq(memcmp(&s->exit, e, sizeof(*e)), 0, "%s: the exit", what);
}

/* Resolving @e fails with @want, and nothing changed: registers, pc, frames, devices, the
 * exit itself. */
static void refused(struct axv_exit *e, int want, const char *what)
{
	struct snap s;
	snap(&s, e);
	cr_expect_eq(axv_vcpu_resolve(&v, &env, e, NULL), want, "%s", what);
	unchanged(&s, e, what);
}

Test(resolve, a_lazy_ram_page_is_faulted_in_and_the_guest_retries)
{
	struct axv_exit e;
	enum axv_resolved how = 0;
	cr_assert(!mapped(LAZY + 0x1000));
	/* undecoded (x86 EPT violation) */
	npf(&e, LAZY + 0x1234, AXV_MAP_WRITE);
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, &how), 0);
	cr_expect_eq(how, AXV_RESOLVED_MEMORY);
	cr_expect(mapped(LAZY + 0x1000));
	cr_expect_eq(fp.pc, PC0, "the access is retried: no pc advance");
	cr_expect_eq(fp.calls[FP_DECODE], 0, "a RAM fault pays for no instruction fetch");
	/* decoded (aarch64 data abort with ISV on a lazy page) */
	mmio(&e, false, LAZY + 0x2008, 4);
	how = 0;
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, &how), 0);
	cr_expect_eq(how, AXV_RESOLVED_MEMORY);
	cr_expect(mapped(LAZY + 0x2000));
	cr_expect_eq(fp.pc, PC0);
	cr_expect_eq(fp.calls[FP_SET_REG], 0);
	cr_expect_eq(t.reads + t.writes, 0, "no device call");
	cr_expect_eq(t.locks, 2);
}

Test(resolve, a_device_completes_a_decoded_access)
{
	struct axv_exit e;
	enum axv_resolved how = 0;
	mmio(&e, false, DEV + 0x10, 4);
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, &how), 0);
	cr_expect_eq(how, AXV_RESOLVED_DEVICE);
	cr_expect_eq(t.reads, 1);
	cr_expect_eq(fp.regs[3], 0x0123c010ull, "the low 4 bytes, zero-extended");
	cr_expect_eq(fp.pc, PC0 + 4, "pc advanced");
	mmio(&e, true, DEV + 0x20, 2);
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, &how), 0);
	cr_expect_eq(t.last, 0x7788u);
	cr_expect_eq(fp.pc, PC0 + 8);
	/* completed: a second resolution of the same exit is refused */
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, &how), AXV_ESTATE);
	cr_expect_eq(t.writes, 1);
}

Test(resolve, an_unbacked_access_is_enxio_and_changes_nothing)
{
	struct axv_exit e;
	enum axv_resolved how = 0;
	mmio(&e, true, HOLE, 4);
	refused(&e, AXV_ENXIO, "decoded");
	npf(&e, HOLE + 8, AXV_MAP_READ);
	refused(&e, AXV_ENXIO, "undecoded");
	cr_expect_eq(fp.calls[FP_DECODE], 0, "no decode for an unbacked fault");
	/* outside the address space altogether */
	npf(&e, 1ull << 40, AXV_MAP_READ);
	refused(&e, AXV_ENXIO, "beyond the space");
	/* an instruction fetch from a device address is not the device's */
	npf(&e, DEV, AXV_MAP_EXEC);
	refused(&e, AXV_ENXIO, "fetch");
	cr_expect_eq(fp.calls[FP_DECODE], 0);
	/* no bus at all */
	env.bus = NULL;
	mmio(&e, false, DEV, 4);
	refused(&e, AXV_ENXIO, "no bus");
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, &how), AXV_ENXIO);
	cr_expect_eq(how, 0, "how is set only on success");
}

Test(resolve, an_area_without_the_permission_is_eacces)
{
	struct axv_exit e;
	mmio(&e, true, ROM + 0x10, 4);
	refused(&e, AXV_EACCES, "decoded write to ROM");
	npf(&e, ROM, AXV_MAP_WRITE);
	refused(&e, AXV_EACCES, "undecoded write to ROM");
	npf(&e, RAM, AXV_MAP_EXEC);
	refused(&e, AXV_EACCES, "fetch from non-executable RAM");
	cr_expect_eq(fp.calls[FP_DECODE], 0);
}

Test(resolve, an_undecoded_fault_at_a_device_is_decoded_on_demand)
{
	struct axv_exit e;
	enum axv_resolved how = 0;
	fp.decoded_reason = AXV_EXIT_MMIO_READ;
	fp.decoded = (struct axv_exit_access){.width = 2, .reg = 5, .reg_width = 8,
					      .sign_extend = true};
	npf(&e, DEV + 0x40, AXV_MAP_READ);
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, &how), 0);
	cr_expect_eq(how, AXV_RESOLVED_DEVICE);
	cr_expect_eq(fp.calls[FP_DECODE], 1);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ, "the exit is the decoded access");
	cr_expect_eq(e.access.addr, DEV + 0x40);
	cr_expect_eq(t.reads, 1);
	cr_expect_eq(fp.regs[5], 0xffffffffffffc040ull, "0xc040 sign-extended from 2 bytes");
	cr_expect_eq(fp.pc, PC0 + 4);
	cr_expect_eq(t.locks, 2, "the address space, then the decode");
}

/* A fault on the guest's own page-table walk at a device address is no access of the
 * instruction at the pc: never decoded, never sent to the device. */
Test(resolve, a_page_walk_at_a_device_is_never_sent_to_it)
{
	struct axv_exit e;
	fp.decoded_reason = AXV_EXIT_MMIO_WRITE;
	fp.decoded = (struct axv_exit_access){.width = 8, .reg = 5, .reg_width = 8};
	npf(&e, DEV + 0x40, AXV_MAP_WRITE);
	e.npf.flags = AXV_NPF_WALK;
	refused(&e, AXV_ENXIO, "a walk at a device");
	cr_expect_eq(fp.calls[FP_DECODE], 0, "not decoded");
	/* in guest memory it is resolved like any other fault: the table page is faulted in */
	npf(&e, LAZY, AXV_MAP_READ);
	e.npf.flags = AXV_NPF_WALK;
	enum axv_resolved how = 0;
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, &how), 0);
	cr_expect_eq(how, AXV_RESOLVED_MEMORY);
}

Test(resolve, an_undecoded_fault_without_a_decoder_is_enotsup)
{
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_unbind(&v), 0);
	cr_assert_eq(axv_vcpu_destroy(&v), 0);
	memset(&v, 0, sizeof(v));
	build(&ops_no_decode);
	npf(&e, DEV + 0x40, AXV_MAP_WRITE);
	refused(&e, AXV_ENOTSUP, "no decode hook");
}

Test(resolve, a_failed_decode_leaves_the_fault_as_it_was)
{
	struct axv_exit e;
	fp.decoded_reason = AXV_EXIT_MMIO_WRITE;
	fp.decoded = (struct axv_exit_access){.width = 4};
	fp.fail[FP_DECODE] = AXV_ENOTSUP;
	npf(&e, DEV, AXV_MAP_WRITE);
	refused(&e, AXV_ENOTSUP, "decode failed");
	/* a decoder that returns something that is not an access: refused, exit restored */
	fp.decoded_reason = AXV_EXIT_HYPERCALL;
	npf(&e, DEV, AXV_MAP_WRITE);
	refused(&e, AXV_EIO, "decoded into a non-access");
}

Test(resolve, a_bad_width_is_refused_before_any_device_call)
{
	struct axv_exit e;
	mmio(&e, false, DEV, 3);
	refused(&e, AXV_EINVAL, "width 3");
	fp.decoded_reason = AXV_EXIT_MMIO_WRITE;
	fp.decoded = (struct axv_exit_access){.width = 16, .data = 1};
	npf(&e, DEV, AXV_MAP_WRITE);
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, NULL), AXV_EINVAL);
	cr_expect_eq(t.writes, 0);
	cr_expect_eq(fp.pc, PC0);
}

Test(resolve, stale_exits_and_bad_arguments_touch_nothing)
{
	struct axv_exit e, old;
	struct snap s;
	npf(&old, LAZY, AXV_MAP_READ);
	npf(&e, LAZY + 0x1000, AXV_MAP_READ); /* a later run supersedes old */
	snap(&s, &old);
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &old, NULL), AXV_ESTATE);
	unchanged(&s, &old, "stale");
	cr_expect(!mapped(LAZY));
	cr_expect_eq(t.locks, 0);
	cr_expect_eq(axv_vcpu_resolve(NULL, &env, &e, NULL), AXV_EINVAL);
	cr_expect_eq(axv_vcpu_resolve(&v, NULL, &e, NULL), AXV_EINVAL);
	cr_expect_eq(axv_vcpu_resolve(&v, &env, NULL, NULL), AXV_EINVAL);
	struct axv_fault_env half = env;
	half.unlock = NULL;
	cr_expect_eq(axv_vcpu_resolve(&v, &half, &e, NULL), AXV_EINVAL, "a lone lock hook");
	run(&e, AXV_EXIT_HYPERCALL);
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, NULL), AXV_EINVAL, "not an access fault");
	cr_expect_eq(t.locks, 0);
	cr_expect_eq(axv_addrspace_frames(&as), s.frames);
	/* without lock hooks, and without an address space: straight to the bus */
	env.lock = NULL;
	env.unlock = NULL;
	env.as = NULL;
	mmio(&e, false, DEV, 8);
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, NULL), 0);
	cr_expect_eq(t.reads, 1);
}

/* The lock is taken and released in pairs on every path, errors included (teardown checks
 * the totals; the hooks assert that it is never taken twice or released unheld). */
Test(resolve, the_lock_is_paired_on_every_path)
{
	struct axv_exit e;
	struct {
		axv_gpa_t gpa;
		axv_map_flags_t access;
		int fail_decode;
		int want;
		unsigned want_locks;
	} c[] = {
		{LAZY, AXV_MAP_READ, 0, 0, 1},                  /* memory */
		{ROM, AXV_MAP_WRITE, 0, AXV_EACCES, 1},         /* permission */
		{HOLE, AXV_MAP_READ, 0, AXV_ENXIO, 1},          /* unbacked */
		{DEV, AXV_MAP_READ, 0, 0, 2},                   /* device, decoded */
		{DEV, AXV_MAP_READ, AXV_EFAULT, AXV_EFAULT, 2}, /* decode fails */
	};
	fp.decoded_reason = AXV_EXIT_MMIO_READ;
	fp.decoded = (struct axv_exit_access){.width = 4, .reg = 1, .reg_width = 8};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		t.locks = t.unlocks = 0;
		fp.fail[FP_DECODE] = c[i].fail_decode;
		npf(&e, c[i].gpa, c[i].access);
		cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, NULL), c[i].want, "case %u", i);
		cr_expect_eq(t.locks, c[i].want_locks, "case %u", i);
		cr_expect_eq(t.unlocks, t.locks, "case %u", i);
		cr_expect_eq(t.locked, 0, "case %u", i);
	}
	/* the address space fails (no frame left for the lazy page) */
	mh.fail_nth = mh.alloc_calls + 1;
	mh.fail_from = true;
	t.locks = t.unlocks = 0;
	npf(&e, LAZY + 0x3000, AXV_MAP_READ);
	cr_expect_eq(axv_vcpu_resolve(&v, &env, &e, NULL), AXV_ENOMEM);
	mh.fail_nth = 0;
	mh.fail_from = false;
	cr_expect_eq(t.locks, 1);
	cr_expect_eq(t.unlocks, 1);
}
