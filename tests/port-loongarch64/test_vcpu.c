/* loongarch64 port behind the core vcpu module: axv_la64_vcpu_ops and axv_la64_percpu_ops
 * over a scripted LVZ runtime. This file defines axv_la64_run(), axv_la64_this_cpu() and
 * axv_la64_cpu_enable()/disable(), which on hardware live in lvz.c: the "guest" of each run
 * is the next entry of a script that sets the exit syndrome (ESTAT, BADV, BADI) the way the
 * exit vector would, and the test sees what the world switch would load (GINTC, guest
 * ESTAT, the guest id, the nested root). */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <string.h>

#include <axv/arch/loongarch64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/percpu.h>

#include "mock_hal.h"
#include "la64_hw.h"

#define CPU 1

struct step {
	uint64_t estat, badv, badi;
	int rc;
};

static struct {
	struct step script[8];
	unsigned n, next;
	int runs, enables, disables;
	uint64_t seen_gintc, seen_gestat, seen_root;
	uint32_t seen_gid;
	struct axv_la64_cpu *this_cpu;
	int enable_rc;
} rt;

/* ---- the scripted LVZ runtime ---------------------------------------------------------- */

int axv_la64_run(struct axv_la64_cpu *cpu, struct axv_la64_ctx *c)
{
	if (!cpu || !c)
		return AXV_EINVAL;
	rt.runs++;
	rt.seen_gintc = c->gintc;
	rt.seen_gestat = c->gcsr.estat;
	rt.seen_root = c->root;
	rt.seen_gid = c->gid;
	cr_assert_lt(rt.next, rt.n, "the guest ran past its script");
	const struct step *s = &rt.script[rt.next++];
	if (s->rc)
		return s->rc;
	c->estat = s->estat;
	c->badv = s->badv;
	c->badi = s->badi;
	return 0;
}

struct axv_la64_cpu *axv_la64_this_cpu(void)
{
	return rt.this_cpu;
}

int axv_la64_cpu_enable(struct axv_la64_cpu *cpu)
{
	rt.enables++;
	if (rt.enable_rc)
		return rt.enable_rc;
	cpu->enabled = true;
	rt.this_cpu = cpu;
	return 0;
}

int axv_la64_cpu_disable(struct axv_la64_cpu *cpu)
{
	rt.disables++;
	cpu->enabled = false;
	rt.this_cpu = NULL;
	return 0;
}

static void push(uint32_t ecode, uint64_t badv, uint32_t badi, uint64_t is)
{
	rt.script[rt.n++] = (struct step){((uint64_t)ecode << 16) | is, badv, badi, 0};
}

/* ---- fixture ------------------------------------------------------------------------------ */

static struct mock_hal mh;
static struct axv_la64_cpu cpu;
static struct axv_percpu pcpu;
static struct axv_la64_vcpu lv;
static struct axv_virq vq;
static struct axv_vcpu v;
static struct axv_bus bus;
static struct axv_bus_entry slots[2];
static uint64_t dev_reg = 0x11223344;

static int dev_read(void *ctx, uint64_t off, uint8_t w, uint64_t *val)
{
	(void)ctx;
	(void)off;
	(void)w;
	*val = dev_reg;
	return 0;
}

static int dev_write(void *ctx, uint64_t off, uint8_t w, uint64_t val)
{
	(void)ctx;
	(void)off;
	(void)w;
	dev_reg = val;
	return 0;
}

static const struct axv_device_ops dev = {dev_read, dev_write};
static const uint32_t words[3] = {0x0014c010u, 0x03f2f2feu, 0x007ccfc7u};

static void setup(void)
{
	memset(&rt, 0, sizeof(rt));
	memset(&cpu, 0, sizeof(cpu));
	memset(&lv, 0, sizeof(lv));
	memset(&v, 0, sizeof(v));
	mock_hal_init(&mh, 16);
	mh.cur_cpu = CPU;
	cr_assert_eq(axv_virq_init(&vq), 0);
	for (uint32_t id = 0; id < AXV_LA64_IRQ_COUNT; id++)
		cr_assert_eq(axv_virq_enable(&vq, id), 0);
	const size_t cap[AXV_BUS_SPACE_COUNT] = {1, 1, 0};
	cr_assert_eq(axv_bus_init(&bus, slots, cap), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x1fe00000, 0x100, &dev, NULL), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_PORT, 0x1000, 0x100, &dev, NULL), 0);
	struct axv_vcpu_config vc = {.id = 2, .hal = &mh.hal, .ops = &axv_la64_vcpu_ops,
				     .port_ctx = &lv, .virq = &vq, .vic = &axv_la64_vic_ops,
				     .vic_ctx = &lv};
	cr_assert_eq(axv_vcpu_create(&v, &vc), 0);
}

static void teardown(void)
{
	mock_hal_fini(&mh);
}

TestSuite(la64_vcpu, .init = setup, .fini = teardown);

static const struct axv_la64_vcpu_config good = {
	.gid = 7, .a0 = 0xa0, .a1 = 0xa1, .a2 = 0xa2, .cpucfg = words, .nr_cpucfg = 3};

static void up(void)
{
	cr_assert_eq(axv_percpu_init(&pcpu, CPU, &axv_la64_percpu_ops, &cpu), 0);
	cr_assert_eq(axv_percpu_enable(&pcpu), 0);
	cr_assert_eq(axv_vcpu_setup(&v, 0x1c000000, 0x8000000, &good), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
}

Test(la64_vcpu, create_resets_the_context)
{
	cr_expect_eq(lv.ctx.gcsr.cpuid, 2);
	cr_expect_eq(lv.ctx.gcsr.crmd, AXV_LA64_CRMD_DA);
	cr_expect_eq(lv.id, 2);
	cr_expect_null(lv.cpu);
}

Test(la64_vcpu, setup_validates_and_changes_nothing_on_error)
{
	struct axv_la64_vcpu before = lv;
	struct axv_la64_vcpu_config bad = good;
	cr_expect_eq(axv_vcpu_setup(&v, 0x1c000000, 0x8000000, NULL), AXV_EINVAL);
	bad.gid = 0;
	cr_expect_eq(axv_vcpu_setup(&v, 0x1c000000, 0x8000000, &bad), AXV_EINVAL);
	bad.gid = 256;
	cr_expect_eq(axv_vcpu_setup(&v, 0x1c000000, 0x8000000, &bad), AXV_EINVAL);
	bad = good;
	bad.cpucfg = NULL;
	cr_expect_eq(axv_vcpu_setup(&v, 0x1c000000, 0x8000000, &bad), AXV_EINVAL);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_CREATED);
	cr_expect_eq(axv_vcpu_set_entry(&v, 0x1c000002), AXV_EINVAL, "not 4-byte aligned");
	cr_expect_eq(axv_vcpu_set_nested_root(&v, 0x8000800), AXV_EINVAL, "not 4 KiB aligned");
	cr_expect_eq(memcmp(&before, &lv, sizeof(lv)), 0, "refused calls left the port as it was");

	cr_assert_eq(axv_vcpu_setup(&v, 0x1c000000, 0x8000000, &good), 0);
	cr_expect_eq(lv.ctx.pc, 0x1c000000);
	cr_expect_eq(lv.ctx.root, 0x8000000);
	cr_expect_eq(lv.ctx.gid, 7);
	cr_expect_eq(lv.ctx.gpr[4], 0xa0);
	cr_expect_eq(lv.ctx.gpr[5], 0xa1);
	cr_expect_eq(lv.ctx.gpr[6], 0xa2);
	cr_expect_eq(lv.ctx.cpucfg, words);
}

Test(la64_vcpu, bind_needs_an_enabled_cpu)
{
	cr_assert_eq(axv_vcpu_setup(&v, 0x1c000000, 0x8000000, &good), 0);
	cr_expect_eq(axv_vcpu_bind(&v), AXV_ESTATE);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_FREE);
	cr_assert_eq(axv_percpu_init(&pcpu, CPU, &axv_la64_percpu_ops, &cpu), 0);
	rt.enable_rc = AXV_ENOTSUP; /* no LVZ */
	cr_expect_eq(axv_percpu_enable(&pcpu), AXV_ENOTSUP);
	cr_expect_eq(axv_vcpu_bind(&v), AXV_ESTATE);
	rt.enable_rc = 0;
	cr_assert_eq(axv_percpu_enable(&pcpu), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
	cr_expect_eq(lv.cpu, &cpu);
	cr_assert_eq(axv_vcpu_unbind(&v), 0);
	cr_expect_null(lv.cpu);
	cr_assert_eq(axv_percpu_disable(&pcpu), 0);
	cr_expect_eq(rt.enables, 2);
	cr_expect_eq(rt.disables, 1);
}

Test(la64_vcpu, mmio_read_completes_into_the_register)
{
	up();
	push(AXV_LA64_ECODE_PIL, 0x1fe00010, AXV_LA64_INSN_LD_W | (9u << 5) | 7u, 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(rt.seen_root, 0x8000000, "the nested root reaches PGDL");
	cr_expect_eq(rt.seen_gid, 7);
	cr_assert_eq(e.reason, AXV_EXIT_MMIO_READ);
	dev_reg = 0x80000000u;
	cr_assert_eq(axv_vcpu_complete(&v, &bus, &e), 0);
	uint64_t r7;
	cr_assert_eq(axv_vcpu_get_reg(&v, 7, &r7), 0);
	cr_expect_eq(r7, 0xffffffff80000000ull, "ld.w sign-extends");
	cr_expect_eq(lv.ctx.pc, 0x1c000004);
}

Test(la64_vcpu, iocsr_write_and_hypercall)
{
	up();
	lv.ctx.gpr[5] = 0x1010;
	lv.ctx.gpr[4] = 0xabcd;
	push(AXV_LA64_ECODE_GSPR, 0, (AXV_LA64_INSN_IOCSRWR_B + 0x400u) | (5u << 5) | 4u, 0);
	push(AXV_LA64_ECODE_HVC, 0, AXV_LA64_INSN_HVCL_OP | 0x100u, 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_assert_eq(e.reason, AXV_EXIT_IO_WRITE);
	cr_assert_eq(axv_vcpu_complete(&v, &bus, &e), 0);
	cr_expect_eq(dev_reg, 0xabcd, "iocsrwr.h");
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_assert_eq(e.reason, AXV_EXIT_HYPERCALL);
	cr_expect_eq(e.hypercall.imm, 0x100);
	cr_expect_eq(e.hypercall.nr, 0xabcd);
	cr_assert_eq(axv_vcpu_set_retval(&v, 0), 0);
	cr_assert_eq(axv_vcpu_advance_pc(&v, e.insn_len), 0);
	cr_expect_eq(lv.ctx.gpr[4], 0);
	cr_expect_eq(lv.ctx.pc, 0x1c000008);
}

Test(la64_vcpu, idle_blocks_and_an_injected_timer_wakes_and_reaches_guest_estat)
{
	up();
	push(AXV_LA64_ECODE_GSPR, 0, AXV_LA64_INSN_IDLE_OP, 0);
	push(AXV_LA64_ECODE_INT, 0, 0, 1u << 11);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HALT);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_BLOCKED);
	cr_expect_eq(lv.ctx.pc, 0x1c000004, "resumes after the idle");
	unsigned long ipi0 = atomic_load(&mh.ipis[CPU]);
	cr_assert_eq(axv_vcpu_inject(&v, AXV_LA64_IRQ_TI), 0);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_READY);
	cr_expect_eq(atomic_load(&mh.ipis[CPU]), ipi0 + 1);
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(rt.seen_gestat & (1u << 11), 1u << 11, "TI set in the guest's ESTAT");
	cr_expect_eq(e.reason, AXV_EXIT_EXTERNAL_IRQ);
	cr_expect_eq(e.external_irq.vector, AXV_LA64_IRQ_TI);
}

Test(la64_vcpu, hardware_line_goes_through_gintc)
{
	up();
	push(AXV_LA64_ECODE_INT, 0, 0, 1u << 2);
	cr_assert_eq(axv_vcpu_inject(&v, AXV_LA64_IRQ_HWI0 + 3), 0);
	struct axv_exit e;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(rt.seen_gintc, 1u << 3, "GINTC.VIP bit 3 = HWI3");
	cr_expect(axv_virq_is_active(&vq, AXV_LA64_IRQ_HWI0 + 3));
}

Test(la64_vcpu, a_runtime_error_invalidates_the_vcpu)
{
	up();
	rt.script[rt.n++] = (struct step){0, 0, 0, AXV_EIO};
	struct axv_exit e;
	cr_expect_eq(axv_vcpu_run(&v, &e), AXV_EIO);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_INVALID);
}
