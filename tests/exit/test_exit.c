/* Unit tests of lib/exit: exit names, the device bus and axv_exit_complete(). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>
#include <axv/frame.h>

#include "mock_hal.h"

/* ---- exit names ---------------------------------------------------------------------- */

Test(exit_name, every_reason_has_a_distinct_name)
{
	for (int r = 0; r < AXV_EXIT_REASON_COUNT; r++) {
		const char *n = axv_exit_name((enum axv_exit_reason)r);
		cr_assert_not_null(n);
		cr_expect_str_neq(n, "invalid", "reason %d has no name", r);
		for (int k = 0; k < r; k++)
			cr_expect_str_neq(n, axv_exit_name((enum axv_exit_reason)k),
					  "reasons %d and %d share a name", k, r);
	}
	cr_expect_str_eq(axv_exit_name(AXV_EXIT_MMIO_READ), "mmio-read");
	cr_expect_str_eq(axv_exit_name(AXV_EXIT_SYSTEM_RESET), "system-reset");
	cr_expect_str_eq(axv_exit_name(AXV_EXIT_HALT), "halt");
}

Test(exit_name, out_of_range_is_invalid)
{
	cr_expect_str_eq(axv_exit_name(AXV_EXIT_REASON_COUNT), "invalid");
	cr_expect_str_eq(axv_exit_name((enum axv_exit_reason)-1), "invalid");
	cr_expect_str_eq(axv_exit_name((enum axv_exit_reason)100000), "invalid");
}

/* ---- axv_exit_fault(): one description of both reports of an access fault ---------- */

Test(exit_fault, a_decoded_access_gives_its_address_and_direction)
{
	struct axv_exit e = {.reason = AXV_EXIT_MMIO_READ, .access = {.addr = 0x9000010, .width = 4}};
	struct axv_fault f;
	cr_assert_eq(axv_exit_fault(&e, &f), 0);
	cr_expect_eq(f.addr, 0x9000010);
	cr_expect_eq(f.access, AXV_MAP_READ);
	cr_expect(f.decoded && !f.write && !f.fetch && !f.walk);
	e.reason = AXV_EXIT_MMIO_WRITE;
	cr_assert_eq(axv_exit_fault(&e, &f), 0);
	cr_expect_eq(f.access, AXV_MAP_WRITE);
	cr_expect(f.decoded && f.write && !f.fetch && !f.walk);
}

Test(exit_fault, an_undecoded_fault_gives_its_kind)
{
	static const struct {
		axv_map_flags_t access;
		uint8_t flags;
		bool write, fetch, walk;
	} cases[] = {
		{AXV_MAP_READ, 0, false, false, false},
		{AXV_MAP_WRITE, 0, true, false, false},
		{AXV_MAP_READ | AXV_MAP_WRITE, 0, true, false, false},
		{AXV_MAP_EXEC, AXV_NPF_FETCH, false, true, false},
		{AXV_MAP_EXEC, 0, false, true, false},
		/* aarch64: the stage-1 walk for a fetch reads the table (ESR_EL2.S1PTW) */
		{AXV_MAP_READ, AXV_NPF_FETCH | AXV_NPF_WALK, false, true, true},
		/* a walk that sets an accessed or dirty bit writes it */
		{AXV_MAP_WRITE, AXV_NPF_WALK, true, false, true},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct axv_exit e = {.reason = AXV_EXIT_NESTED_PAGE_FAULT,
				     .npf = {.addr = 0x40001000 + i, .access = cases[i].access,
					     .flags = cases[i].flags}};
		struct axv_fault f;
		cr_assert_eq(axv_exit_fault(&e, &f), 0, "case %u", i);
		cr_expect_eq(f.addr, 0x40001000 + i, "case %u", i);
		cr_expect_eq(f.access, cases[i].access, "case %u", i);
		cr_expect(!f.decoded, "case %u", i);
		cr_expect_eq(f.write, cases[i].write, "case %u: write", i);
		cr_expect_eq(f.fetch, cases[i].fetch, "case %u: fetch", i);
		cr_expect_eq(f.walk, cases[i].walk, "case %u: walk", i);
	}
}

Test(exit_fault, other_exits_and_null_are_refused_and_touch_nothing)
{
	struct axv_fault f, before;
	memset(&f, 0xa5, sizeof(f));
	before = f;
	for (int r = 0; r < AXV_EXIT_REASON_COUNT; r++) {
		if (r == AXV_EXIT_MMIO_READ || r == AXV_EXIT_MMIO_WRITE ||
		    r == AXV_EXIT_NESTED_PAGE_FAULT)
			continue;
		struct axv_exit e = {.reason = (enum axv_exit_reason)r};
		cr_expect_eq(axv_exit_fault(&e, &f), AXV_EINVAL, "reason %s", axv_exit_name(e.reason));
	}
	struct axv_exit e = {.reason = AXV_EXIT_MMIO_READ};
	cr_expect_eq(axv_exit_fault(NULL, &f), AXV_EINVAL);
	cr_expect_eq(axv_exit_fault(&e, NULL), AXV_EINVAL);
	cr_expect_eq(memcmp(&f, &before, sizeof(f)), 0, "the output was touched");
}

/* ---- a scriptable device and guest --------------------------------------------------- */

struct dev {
	int reads, writes;
	uint64_t last_off, last_val;
	uint8_t last_width;
	uint64_t value; /* what reads return */
	int fail;       /* returned by both hooks when non-zero */
};

static int dev_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	struct dev *d = ctx;
	d->reads++;
	d->last_off = off;
	d->last_width = width;
	if (d->fail)
		return d->fail;
	*value = d->value;
	return 0;
}

static int dev_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	struct dev *d = ctx;
	d->writes++;
	d->last_off = off;
	d->last_width = width;
	d->last_val = value;
	return d->fail;
}

static const struct axv_device_ops rw_ops = {dev_read, dev_write};
static const struct axv_device_ops ro_ops = {dev_read, NULL};
static const struct axv_device_ops no_ops = {NULL, NULL};

struct guest {
	uint64_t regs[32];
	uint64_t pc;
	int set_calls, advance_calls;
};

static int g_set_reg(void *ctx, unsigned reg, uint64_t value)
{
	struct guest *g = ctx;
	if (reg >= 32)
		return AXV_EINVAL;
	g->set_calls++;
	g->regs[reg] = value;
	return 0;
}

static int g_get_reg(void *ctx, unsigned reg, uint64_t *value)
{
	struct guest *g = ctx;
	if (reg >= 32)
		return AXV_EINVAL;
	*value = g->regs[reg];
	return 0;
}

static int g_advance(void *ctx, uint8_t len)
{
	struct guest *g = ctx;
	g->advance_calls++;
	g->pc += len ? len : 4;
	return 0;
}

#define CAP 8
static struct axv_bus_entry storage[3 * CAP];
static struct axv_bus bus;
static struct dev d1, d2, d3;
static struct guest g;
static struct axv_exit_target tgt;

static void setup(void)
{
	const size_t cap[AXV_BUS_SPACE_COUNT] = {CAP, CAP, CAP};
	memset(storage, 0, sizeof(storage));
	memset(&d1, 0, sizeof(d1));
	memset(&d2, 0, sizeof(d2));
	memset(&d3, 0, sizeof(d3));
	memset(&g, 0, sizeof(g));
	g.pc = 0x8000;
	tgt = (struct axv_exit_target){
		.set_reg = g_set_reg, .advance_pc = g_advance, .ctx = &g, .get_reg = g_get_reg};
	cr_assert_eq(axv_bus_init(&bus, storage, cap), 0);
}

TestSuite(bus, .init = setup);

/* Snapshot of the bus and its storage, to prove a failed call changed nothing. */
struct snap {
	struct axv_bus bus;
	struct axv_bus_entry storage[3 * CAP];
};

static void take(struct snap *s)
{
	s->bus = bus;
	memcpy(s->storage, storage, sizeof(storage));
}

static void same(const struct snap *s)
{
	cr_expect_eq(memcmp(&s->bus, &bus, sizeof(bus)), 0, "bus changed");
	cr_expect_eq(memcmp(s->storage, storage, sizeof(storage)), 0, "storage changed");
}

Test(bus, init_rejects_bad_arguments)
{
	const size_t cap[AXV_BUS_SPACE_COUNT] = {1, 0, 0};
	const size_t huge[AXV_BUS_SPACE_COUNT] = {SIZE_MAX, 2, 0};
	struct axv_bus b2;
	memset(&b2, 0x5a, sizeof(b2));
	struct axv_bus copy = b2;
	cr_expect_eq(axv_bus_init(NULL, storage, cap), AXV_EINVAL);
	cr_expect_eq(axv_bus_init(&b2, storage, NULL), AXV_EINVAL);
	cr_expect_eq(axv_bus_init(&b2, NULL, cap), AXV_EINVAL);
	cr_expect_eq(axv_bus_init(&b2, storage, huge), AXV_ERANGE);
	cr_expect_eq(memcmp(&b2, &copy, sizeof(b2)), 0);
	const size_t none[AXV_BUS_SPACE_COUNT] = {0, 0, 0};
	cr_expect_eq(axv_bus_init(&b2, NULL, none), 0, "an empty bus needs no storage");
	cr_expect_eq(axv_bus_register(&b2, AXV_BUS_MMIO, 0, 1, &rw_ops, &d1), AXV_ENOSPC);
	cr_expect_eq(axv_bus_destroy(&b2), 0);
}

Test(bus, register_refuses_bad_ranges_and_changes_nothing)
{
	struct snap s;
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x1000, 0x1000, &rw_ops, &d1), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x4000, 0x1000, &rw_ops, &d2), 0);
	take(&s);
	struct {
		uint64_t base, size;
		const struct axv_device_ops *ops;
		int space;
		int want;
	} bad[] = {
		{0x3000, 0, &rw_ops, AXV_BUS_MMIO, AXV_EINVAL},        /* zero size */
		{0x3000, 1, NULL, AXV_BUS_MMIO, AXV_EINVAL},           /* no ops */
		{0x3000, 1, &no_ops, AXV_BUS_MMIO, AXV_EINVAL},        /* no hooks */
		{0x3000, 1, &rw_ops, AXV_BUS_SPACE_COUNT, AXV_EINVAL}, /* bad space */
		{0x3000, 1, &rw_ops, -1, AXV_EINVAL},                  /* bad space */
		{UINT64_MAX, 2, &rw_ops, AXV_BUS_MMIO, AXV_ERANGE},    /* wraps */
		{0xfffffffffffff000ull, 0x2000, &rw_ops, AXV_BUS_MMIO, AXV_ERANGE},
		{0x1000, 0x1000, &rw_ops, AXV_BUS_MMIO, AXV_EEXIST},   /* identical */
		{0x1800, 0x10, &rw_ops, AXV_BUS_MMIO, AXV_EEXIST},     /* inside */
		{0x0800, 0x801, &rw_ops, AXV_BUS_MMIO, AXV_EEXIST},    /* last byte overlaps */
		{0x1fff, 0x10, &rw_ops, AXV_BUS_MMIO, AXV_EEXIST},     /* first byte overlaps */
		{0x0000, 0x10000, &rw_ops, AXV_BUS_MMIO, AXV_EEXIST},  /* encloses both */
		{0x1fff, 0x2002, &rw_ops, AXV_BUS_MMIO, AXV_EEXIST},   /* bridges both */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(axv_bus_register(&bus, (enum axv_bus_space)bad[i].space, bad[i].base,
					      bad[i].size, bad[i].ops, &d3),
			     bad[i].want, "case %zu", i);
		same(&s);
	}
	cr_expect_eq(axv_bus_register(NULL, AXV_BUS_MMIO, 0, 1, &rw_ops, &d3), AXV_EINVAL);
	/* Exactly adjacent on both sides is fine; the same range in another space too. */
	cr_expect_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x0000, 0x1000, &rw_ops, &d3), 0);
	cr_expect_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x2000, 0x2000, &rw_ops, &d3), 0);
	cr_expect_eq(axv_bus_register(&bus, AXV_BUS_PORT, 0x1000, 0x1000, &rw_ops, &d3), 0);
	/* The top of the address space, ending exactly at 2^64 - 1. */
	cr_expect_eq(axv_bus_register(&bus, AXV_BUS_MMIO, UINT64_MAX, 1, &ro_ops, &d3), 0);
	cr_expect_eq(axv_bus_find(&bus, AXV_BUS_MMIO, UINT64_MAX)->ctx, &d3);
}

Test(bus, full_table_refuses_with_enospc)
{
	for (uint64_t i = 0; i < CAP; i++)
		cr_assert_eq(axv_bus_register(&bus, AXV_BUS_SYSREG, i * 10, 5, &rw_ops, &d1), 0);
	struct snap s;
	take(&s);
	cr_expect_eq(axv_bus_register(&bus, AXV_BUS_SYSREG, 1000, 1, &rw_ops, &d1),
		     AXV_ENOSPC);
	same(&s);
	cr_expect_eq(axv_bus_unregister(&bus, AXV_BUS_SYSREG, 31), AXV_ENOENT, "not a base");
	same(&s);
	cr_expect_eq(axv_bus_unregister(&bus, AXV_BUS_SYSREG, 30), 0);
	cr_expect_null(axv_bus_find(&bus, AXV_BUS_SYSREG, 31));
	cr_expect_eq(axv_bus_register(&bus, AXV_BUS_SYSREG, 1000, 1, &rw_ops, &d1), 0);
}

Test(bus, lookup_finds_the_right_device_among_many)
{
	static struct axv_bus_entry big[300];
	static struct dev devs[100];
	const size_t cap[AXV_BUS_SPACE_COUNT] = {100, 100, 100};
	struct axv_bus b;
	cr_assert_eq(axv_bus_init(&b, big, cap), 0);
	/* Register 100 ranges of 0x100 bytes with gaps, in a scrambled order. */
	for (unsigned k = 0; k < 100; k++) {
		unsigned i = (k * 37u) % 100u;
		cr_assert_eq(axv_bus_register(&b, AXV_BUS_MMIO, 0x10000 + i * 0x200ull, 0x100,
					      &rw_ops, &devs[i]),
			     0);
	}
	for (unsigned i = 0; i < 100; i++) {
		uint64_t base = 0x10000 + i * 0x200ull;
		cr_expect_eq(axv_bus_find(&b, AXV_BUS_MMIO, base)->ctx, &devs[i]);
		cr_expect_eq(axv_bus_find(&b, AXV_BUS_MMIO, base + 0xff)->ctx, &devs[i]);
		cr_expect_null(axv_bus_find(&b, AXV_BUS_MMIO, base + 0x100), "gap after %u", i);
		cr_expect_null(axv_bus_find(&b, AXV_BUS_MMIO, base - 1), "gap before %u", i);
	}
	/* Unregister every other one; the rest are still found. */
	for (unsigned i = 0; i < 100; i += 2)
		cr_assert_eq(axv_bus_unregister(&b, AXV_BUS_MMIO, 0x10000 + i * 0x200ull), 0);
	for (unsigned i = 0; i < 100; i++) {
		const struct axv_bus_entry *e = axv_bus_find(&b, AXV_BUS_MMIO, 0x10080 + i * 0x200ull);
		if (i % 2)
			cr_expect(e && e->ctx == &devs[i], "device %u lost", i);
		else
			cr_expect_null(e, "device %u still there", i);
	}
	cr_expect_null(axv_bus_find(&b, AXV_BUS_PORT, 0x10000), "spaces are separate");
	cr_expect_eq(axv_bus_destroy(&b), 0);
}

Test(bus, access_boundaries)
{
	uint64_t v = 0;
	d1.value = 0x1234;
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x1000, 0x1000, &rw_ops, &d1), 0);
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_MMIO, 0x1000, 1, &v), 0);
	cr_expect_eq(d1.last_off, 0);
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_MMIO, 0x1fff, 1, &v), 0);
	cr_expect_eq(d1.last_off, 0xfff);
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_MMIO, 0x1ff8, 8, &v), 0);
	cr_expect_eq(d1.last_off, 0xff8);
	cr_expect_eq(d1.reads, 3);
	/* Straddling the end, before the start, after the end: unclaimed, device untouched. */
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_MMIO, 0x1ffd, 4, &v), AXV_ENXIO);
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_MMIO, 0x0fff, 1, &v), AXV_ENXIO);
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_MMIO, 0x2000, 1, &v), AXV_ENXIO);
	cr_expect_eq(axv_bus_write(&bus, AXV_BUS_MMIO, 0x1fff, 2, 1), AXV_ENXIO);
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_MMIO, UINT64_MAX, 8, &v), AXV_ENXIO);
	cr_expect_eq(d1.reads, 3);
	cr_expect_eq(d1.writes, 0);
	/* An access at the very top of the space cannot wrap into a device at 0. */
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_PORT, 0, 0x10, &rw_ops, &d2), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_PORT, UINT64_MAX - 1, 2, &rw_ops, &d3), 0);
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_PORT, UINT64_MAX - 1, 2, &v), 0);
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_PORT, UINT64_MAX, 2, &v), AXV_ENXIO);
	cr_expect_eq(d2.reads, 0);
	/* System registers are ids: width does not extend the range. */
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_SYSREG, 0x100, 2, &rw_ops, &d2), 0);
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_SYSREG, 0x101, 8, &v), 0);
	cr_expect_eq(d2.last_off, 1);
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_SYSREG, 0x102, 8, &v), AXV_ENXIO);
}

Test(bus, bad_widths_are_refused_before_the_device)
{
	uint64_t v = 77;
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x1000, 0x1000, &rw_ops, &d1), 0);
	const unsigned bad[] = {0, 3, 5, 6, 7, 9, 16, 32, 64, 255};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(axv_bus_read(&bus, AXV_BUS_MMIO, 0x1000, (uint8_t)bad[i], &v),
			     AXV_EINVAL, "width %u", bad[i]);
		cr_expect_eq(axv_bus_write(&bus, AXV_BUS_MMIO, 0x1000, (uint8_t)bad[i], 1),
			     AXV_EINVAL, "width %u", bad[i]);
	}
	cr_expect_eq(v, 77);
	cr_expect_eq(d1.reads + d1.writes, 0);
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_MMIO, 0x1000, 4, NULL), AXV_EINVAL);
	cr_expect_eq(axv_bus_read(&bus, (enum axv_bus_space)7, 0x1000, 4, &v), AXV_EINVAL);
}

Test(bus, read_only_device_and_device_errors)
{
	uint64_t v = 5;
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x1000, 0x10, &ro_ops, &d1), 0);
	cr_expect_eq(axv_bus_write(&bus, AXV_BUS_MMIO, 0x1000, 4, 1), AXV_EACCES);
	d1.fail = AXV_EIO;
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_MMIO, 0x1000, 4, &v), AXV_EIO);
	cr_expect_eq(v, 5, "value written on error");
	d1.fail = 3; /* a buggy device returning a positive value is an I/O error */
	cr_expect_eq(axv_bus_read(&bus, AXV_BUS_MMIO, 0x1000, 4, &v), AXV_EIO);
}

Test(bus, frames_backed_bus_and_allocation_failure)
{
	struct mock_hal mh;
	struct axv_frames fr;
	mock_hal_init(&mh, 64);
	cr_assert_eq(axv_frames_init(&fr, &mh.hal), 0);
	const size_t cap[AXV_BUS_SPACE_COUNT] = {200, 10, 0};
	const size_t zero[AXV_BUS_SPACE_COUNT] = {0, 0, 0};
	struct axv_bus b;
	memset(&b, 0x5a, sizeof(b));
	struct axv_bus copy = b;
	cr_expect_eq(axv_bus_init_frames(&b, &fr, zero), AXV_EINVAL);
	mock_hal_fail_nth(&mh, 1);
	cr_expect_eq(axv_bus_init_frames(&b, &fr, cap), AXV_ENOMEM);
	cr_expect_eq(memcmp(&b, &copy, sizeof(b)), 0, "failed init wrote the bus");
	cr_expect_eq(axv_frames_live(&fr), 0);
	cr_assert_eq(axv_bus_init_frames(&b, &fr, cap), 0);
	/* 210 entries of 32 bytes: two frames. */
	cr_expect_eq(axv_frames_live(&fr), (210 * sizeof(struct axv_bus_entry) + 4095) / 4096);
	for (uint64_t i = 0; i < 200; i++)
		cr_assert_eq(axv_bus_register(&b, AXV_BUS_MMIO, (200 - i) * 16, 16, &rw_ops, &d1),
			     0);
	cr_expect_eq(axv_bus_register(&b, AXV_BUS_MMIO, 1 << 20, 16, &rw_ops, &d1), AXV_ENOSPC);
	cr_expect_eq(axv_bus_register(&b, AXV_BUS_SYSREG, 0, 1, &rw_ops, &d1), AXV_ENOSPC);
	uint64_t v;
	d1.value = 9;
	cr_expect_eq(axv_bus_read(&b, AXV_BUS_MMIO, 16 * 77 + 3, 1, &v), 0);
	cr_expect_eq(d1.last_off, 3);
	cr_expect_eq(axv_bus_destroy(&b), 0);
	cr_expect_eq(axv_frames_live(&fr), 0);
	cr_expect_eq(axv_frames_destroy(&fr), 0);
	MOCK_HAL_CHECK_CLEAN(&mh);
	mock_hal_fini(&mh);
}

/* ---- axv_exit_complete --------------------------------------------------------------- */

static struct axv_exit mmio_read(uint64_t addr, uint8_t width, uint8_t reg, uint8_t reg_width,
				 bool sext)
{
	struct axv_exit e;
	memset(&e, 0, sizeof(e));
	e.reason = AXV_EXIT_MMIO_READ;
	e.insn_len = 4;
	e.access.addr = addr;
	e.access.width = width;
	e.access.reg = reg;
	e.access.reg_width = reg_width;
	e.access.sign_extend = sext;
	return e;
}

/* Expected register values, computed by hand for two device values. */
struct width_case {
	uint64_t dev;
	uint8_t width, reg_width;
	bool sext;
	uint64_t want;
};

static const struct width_case width_cases[] = {
	/* negative in every width */
	{0x8899aabbccddeeffull, 1, 8, false, 0xffull},
	{0x8899aabbccddeeffull, 1, 8, true, 0xffffffffffffffffull},
	{0x8899aabbccddeeffull, 1, 4, true, 0xffffffffull},
	{0x8899aabbccddeeffull, 1, 4, false, 0xffull},
	{0x8899aabbccddeeffull, 1, 1, true, 0xffull},
	{0x8899aabbccddeeffull, 1, 2, true, 0xffffull},
	{0x8899aabbccddeeffull, 2, 2, true, 0xeeffull},
	{0x8899aabbccddeeffull, 2, 8, false, 0xeeffull},
	{0x8899aabbccddeeffull, 2, 8, true, 0xffffffffffffeeffull},
	{0x8899aabbccddeeffull, 2, 4, true, 0xffffeeffull},
	{0x8899aabbccddeeffull, 2, 4, false, 0xeeffull},
	{0x8899aabbccddeeffull, 4, 8, false, 0xccddeeffull},
	{0x8899aabbccddeeffull, 4, 8, true, 0xffffffffccddeeffull},
	{0x8899aabbccddeeffull, 4, 4, true, 0xccddeeffull},
	{0x8899aabbccddeeffull, 4, 4, false, 0xccddeeffull},
	{0x8899aabbccddeeffull, 8, 8, false, 0x8899aabbccddeeffull},
	{0x8899aabbccddeeffull, 8, 8, true, 0x8899aabbccddeeffull},
	/* positive in every width: sign extension changes nothing */
	{0x7f7e7d7c7b7a7978ull, 1, 8, true, 0x78ull},
	{0x7f7e7d7c7b7a7978ull, 1, 8, false, 0x78ull},
	{0x7f7e7d7c7b7a7978ull, 2, 8, true, 0x7978ull},
	{0x7f7e7d7c7b7a7978ull, 2, 4, false, 0x7978ull},
	{0x7f7e7d7c7b7a7978ull, 4, 8, true, 0x7b7a7978ull},
	{0x7f7e7d7c7b7a7978ull, 4, 4, false, 0x7b7a7978ull},
	{0x7f7e7d7c7b7a7978ull, 8, 8, true, 0x7f7e7d7c7b7a7978ull},
	{0x7f7e7d7c7b7a7978ull, 8, 8, false, 0x7f7e7d7c7b7a7978ull},
};

Test(bus, complete_read_every_width_with_and_without_sign_extension)
{
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x9000, 0x100, &rw_ops, &d1), 0);
	for (size_t i = 0; i < sizeof(width_cases) / sizeof(width_cases[0]); i++) {
		const struct width_case *c = &width_cases[i];
		d1.value = c->dev;
		g.regs[5] = 0x5555555555555555ull;
		uint64_t pc = g.pc;
		struct axv_exit e = mmio_read(0x9010, c->width, 5, c->reg_width, c->sext);
		cr_expect_eq(axv_exit_complete(&bus, &tgt, &e), 0, "case %zu", i);
		/* 1- and 2-byte destinations keep the register's other bits (x86 AL, AX). */
		uint64_t reg = c->want;
		if (c->reg_width == 1)
			reg |= 0x5555555555555500ull;
		else if (c->reg_width == 2)
			reg |= 0x5555555555550000ull;
		cr_expect_eq(g.regs[5], reg, "case %zu: reg %#llx want %#llx", i,
			     (unsigned long long)g.regs[5], (unsigned long long)reg);
		cr_expect_eq(e.access.data, c->want, "case %zu: data", i);
		cr_expect_eq(d1.last_width, c->width, "case %zu: width seen by the device", i);
		cr_expect_eq(g.pc, pc + 4, "case %zu: pc", i);
	}
}

Test(bus, complete_write_every_width_truncates)
{
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_PORT, 0x3f8, 8, &rw_ops, &d2), 0);
	const uint64_t want[] = {0, 0x88, 0x7788, 0, 0x55667788, 0, 0, 0, 0x1122334455667788ull};
	for (uint8_t w = 1; w <= 8; w *= 2) {
		struct axv_exit e;
		memset(&e, 0, sizeof(e));
		e.reason = AXV_EXIT_IO_WRITE;
		e.insn_len = 1;
		e.access.addr = 0x3f8;
		e.access.width = w;
		e.access.data = 0x1122334455667788ull;
		uint64_t pc = g.pc;
		cr_expect_eq(axv_exit_complete(&bus, &tgt, &e), 0, "width %u", w);
		cr_expect_eq(d2.last_val, want[w], "width %u: %#llx", w,
			     (unsigned long long)d2.last_val);
		cr_expect_eq(g.pc, pc + 1);
	}
	cr_expect_eq(g.set_calls, 0, "a write touched a register");
}

Test(bus, complete_routes_each_space_and_reg_none)
{
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x100, 1, &rw_ops, &d1), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_PORT, 0x100, 1, &rw_ops, &d2), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_SYSREG, 0x100, 1, &rw_ops, &d3), 0);
	d1.value = 1;
	d2.value = 2;
	d3.value = 3;
	struct axv_exit e = mmio_read(0x100, 1, 1, 8, false);
	e.reason = AXV_EXIT_IO_READ;
	cr_expect_eq(axv_exit_complete(&bus, &tgt, &e), 0);
	cr_expect_eq(g.regs[1], 2);
	e = mmio_read(0x100, 8, 2, 8, false);
	e.reason = AXV_EXIT_SYSREG_READ;
	cr_expect_eq(axv_exit_complete(&bus, &tgt, &e), 0);
	cr_expect_eq(g.regs[2], 3);
	e.reason = AXV_EXIT_SYSREG_WRITE;
	e.access.data = 42;
	cr_expect_eq(axv_exit_complete(&bus, &tgt, &e), 0);
	cr_expect_eq(d3.last_val, 42);
	/* No destination register (aarch64 XZR): the device is read, nothing is written. */
	e = mmio_read(0x100, 1, AXV_REG_NONE, 8, false);
	int before = g.set_calls;
	cr_expect_eq(axv_exit_complete(&bus, &tgt, &e), 0);
	cr_expect_eq(d1.reads, 1);
	cr_expect_eq(g.set_calls, before);
	cr_expect_eq(g.advance_calls, 4);
}

Test(bus, complete_refuses_hostile_exits_without_side_effects)
{
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x1000, 0x100, &rw_ops, &d1), 0);
	struct {
		struct axv_exit e;
		int want;
	} c[12];
	int n = 0;
	c[n].e = mmio_read(0x5000, 4, 1, 8, false), c[n++].want = AXV_ENXIO; /* unclaimed */
	c[n].e = mmio_read(0x10fe, 4, 1, 8, false), c[n++].want = AXV_ENXIO; /* straddles */
	c[n].e = mmio_read(0x1000, 3, 1, 8, false), c[n++].want = AXV_EINVAL; /* width 3 */
	c[n].e = mmio_read(0x1000, 0, 1, 8, false), c[n++].want = AXV_EINVAL; /* width 0 */
	c[n].e = mmio_read(0x1000, 16, 1, 8, false), c[n++].want = AXV_EINVAL; /* width 16 */
	c[n].e = mmio_read(0x1000, 4, 1, 3, false), c[n++].want = AXV_EINVAL; /* reg width */
	c[n].e = mmio_read(0x1000, 8, 1, 4, true), c[n++].want = AXV_EINVAL; /* reg < width */
	c[n].e = mmio_read(0x1000, 4, 1, 8, false), c[n].e.access.flags = AXV_ACCESS_REP,
	c[n++].want = AXV_ENOTSUP;
	c[n].e = mmio_read(0x1000, 4, 1, 8, false), c[n].e.reason = AXV_EXIT_HALT,
	c[n++].want = AXV_EINVAL;
	c[n].e = mmio_read(0x1000, 4, 1, 8, false),
	c[n].e.reason = (enum axv_exit_reason)999, c[n++].want = AXV_EINVAL;
	c[n].e = mmio_read(0x1000, 4, 40, 8, false), c[n++].want = AXV_EINVAL; /* bad reg */
	c[n].e = mmio_read(0x5000, 4, 1, 8, false), c[n].e.reason = AXV_EXIT_MMIO_WRITE,
	c[n++].want = AXV_ENXIO;
	for (int i = 0; i < n; i++) {
		struct guest before = g;
		cr_expect_eq(axv_exit_complete(&bus, &tgt, &c[i].e), c[i].want, "case %d", i);
		cr_expect_eq(memcmp(&before, &g, sizeof(g)), 0, "case %d touched the guest", i);
	}
	/* Only the bad-register case reached the device (its read happened first). */
	cr_expect_eq(d1.reads, 1);
	cr_expect_eq(d1.writes, 0);
	struct axv_exit e = mmio_read(0x1000, 4, 1, 8, false);
	cr_expect_eq(axv_exit_complete(NULL, &tgt, &e), AXV_EINVAL);
	cr_expect_eq(axv_exit_complete(&bus, NULL, &e), AXV_EINVAL);
	cr_expect_eq(axv_exit_complete(&bus, &tgt, NULL), AXV_EINVAL);
	struct axv_exit_target half = {.set_reg = g_set_reg, .ctx = &g};
	cr_expect_eq(axv_exit_complete(&bus, &half, &e), AXV_EINVAL);
	/* A narrow destination needs get_reg to keep the other bits: refused without it. */
	struct axv_exit_target noget = tgt;
	noget.get_reg = NULL;
	struct axv_exit narrow = mmio_read(0x1000, 1, 1, 1, false);
	struct guest before = g;
	cr_expect_eq(axv_exit_complete(&bus, &noget, &narrow), AXV_EINVAL);
	cr_expect_eq(memcmp(&before, &g, sizeof(g)), 0);
	cr_expect_eq(d1.reads, 1, "the device was read before the refusal");
	/* A device error is passed on and the pc stays. */
	d1.fail = AXV_EIO;
	uint64_t pc = g.pc;
	cr_expect_eq(axv_exit_complete(&bus, &tgt, &e), AXV_EIO);
	cr_expect_eq(g.pc, pc);
}
