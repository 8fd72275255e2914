/* The interrupt lifecycle through the list registers, run by the core vcpu module as on a
 * cpu: axv_vcpu_run() flushes into the LR model, the fake port's run lets the "guest" act
 * on its list registers (acknowledge, end, raise) while it runs, and the exit comes back
 * through the core. References: IHI 0069 4.1.2 (the interrupt state machine; active and
 * pending becomes pending at deactivation; a level-sensitive interrupt is pending while
 * asserted), 12.4.6 ICH_LR<n>_EL2 (State, HW, EOI), ICH_EISR_EL2, ICH_ELRSR_EL2. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/aarch64.h>
#include <axv/err.h>

#include "../vcpu/fake_port.h"
#include "lr_model.h"
#include "mock_hal.h"
#include "a64_hw.h"

#define NV 2
#define NSPI 32
#define GICR_SGI 0x10000

static struct mock_hal mh;
static struct fake_port fp[NV];
static struct axv_virq virq[NV];
static struct axv_vcpu vcpu[NV];
static struct axv_a64_vcpu av[NV];
static struct lr_model lrm[NV];
static struct axv_vgic gic;
static const uint64_t mpidr[NV] = {0x0, 0x1};

/* What the guest does while vcpu i runs (set per test), and what it saw. */
static void (*guest[NV])(unsigned i, struct axv_exit *e);
static unsigned acks[NV][64];

static void on_run(struct fake_port *p, struct axv_exit *e)
{
	unsigned i = (unsigned)(p - fp);
	if (guest[i])
		guest[i](i, e);
}

static void setup(void)
{
	mock_hal_init(&mh, 16);
	memset(vcpu, 0, sizeof(vcpu));
	memset(acks, 0, sizeof(acks));
	struct axv_vcpu *vp[NV];
	struct axv_virq *qp[NV];
	for (unsigned i = 0; i < NV; i++) {
		fake_port_init(&fp[i]);
		fp[i].on_run = on_run;
		guest[i] = NULL;
		cr_assert_eq(axv_virq_init(&virq[i]), 0);
		lr_model_vcpu(&av[i], &lrm[i], 4);
		struct axv_vcpu_config c = {.id = i, .hal = &mh.hal, .ops = &fake_port_ops,
					    .port_ctx = &fp[i], .virq = &virq[i],
					    .vic = &axv_a64_vic_ops, .vic_ctx = &av[i]};
		cr_assert_eq(axv_vcpu_create(&vcpu[i], &c), 0);
		cr_assert_eq(axv_vcpu_setup(&vcpu[i], 0x40080000, 0x1000, NULL), 0);
		vp[i] = &vcpu[i];
		qp[i] = &virq[i];
	}
	cr_assert_eq(axv_vgic_init(&gic, vp, qp, mpidr, NV, NSPI), 0);
	for (unsigned i = 0; i < NV; i++) {
		cr_assert_eq(axv_vgic_attach(&gic, i, &av[i]), 0);
		mh.cur_cpu = i;
		cr_assert_eq(axv_vcpu_bind(&vcpu[i]), 0);
	}
}

static void teardown(void)
{
	mock_hal_fini(&mh);
}

TestSuite(lifecycle, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------------------ */

static int run(unsigned i, enum axv_exit_reason reason)
{
	fp[i].nscript = 0;
	fake_port_push(&fp[i], reason);
	mh.cur_cpu = i;
	struct axv_exit e;
	return axv_vcpu_run(&vcpu[i], &e);
}

static uint64_t d_rd(uint64_t off)
{
	uint64_t v = 0;
	cr_assert_eq(axv_vgic_gicd_ops.read(&gic, off, 4, &v), 0);
	return v;
}

static void d_wr(uint64_t off, uint64_t v)
{
	cr_assert_eq(axv_vgic_gicd_ops.write(&gic, off, 4, v), 0);
}

static void d_wr64(uint64_t off, uint64_t v)
{
	cr_assert_eq(axv_vgic_gicd_ops.write(&gic, off, 8, v), 0);
}

static uint64_t r_rd(unsigned i, uint64_t off)
{
	uint64_t v = 0;
	cr_assert_eq(axv_vgic_gicr_ops.read(axv_vgic_redist_ctx(&gic, i), off, 4, &v), 0);
	return v;
}

static void r_wr(unsigned i, uint64_t off, uint64_t v)
{
	cr_assert_eq(axv_vgic_gicr_ops.write(axv_vgic_redist_ctx(&gic, i), off, 4, v), 0);
}

static bool ppi_pending(unsigned i, uint32_t id)
{
	return r_rd(i, GICR_SGI + 0x200) >> id & 1; /* GICR_ISPENDR0 */
}

static bool ppi_active(unsigned i, uint32_t id)
{
	return r_rd(i, GICR_SGI + 0x300) >> id & 1; /* GICR_ISACTIVER0 */
}

static bool spi_pending(uint32_t id)
{
	return d_rd(0x200 + 4 * (id / 32)) >> (id % 32) & 1; /* GICD_ISPENDR */
}

static bool spi_active(uint32_t id)
{
	return d_rd(0x300 + 4 * (id / 32)) >> (id % 32) & 1; /* GICD_ISACTIVER */
}

/* The guest acknowledges what its list registers offer; returns the LR or -1. */
static int ack(unsigned i, uint32_t *id)
{
	int n = lr_model_ack(&lrm[i], id);
	if (n >= 0 && *id < 64)
		acks[i][*id]++;
	return n;
}

static int lr_of(unsigned i, uint32_t id)
{
	for (unsigned n = 0; n < lrm[i].nr; n++)
		if ((lrm[i].lr[n] >> 62) != 0 && (uint32_t)lrm[i].lr[n] == id)
			return (int)n;
	return -1;
}

/* A guest that only looks whether @look_for sits in one of its list registers. */
static uint32_t look_for;
static int looked[NV];

static void g_look(unsigned i, struct axv_exit *e)
{
	(void)e;
	looked[i] = lr_of(i, look_for);
}

/* Run vcpu i once with the guest looking for @id: is it in a list register? */
static bool delivered(unsigned i, uint32_t id)
{
	guest[i] = g_look;
	look_for = id;
	looked[i] = -1;
	cr_assert_eq(run(i, AXV_EXIT_NOTHING), 0);
	guest[i] = NULL;
	return looked[i] >= 0;
}

static void send_sgi(unsigned from, uint32_t sgi, unsigned to)
{
	cr_assert_eq(axv_vgic_send_sgi(&gic, from, (uint64_t)sgi << 24 | 1u << to), 1);
}

static void spi_setup(uint32_t id, bool edge, unsigned to)
{
	uint64_t cfg = 0x0c00 + 4 * (id / 16);
	uint32_t bit = 2u << (2 * (id % 16));
	uint32_t v = (uint32_t)d_rd(cfg);
	d_wr(cfg, edge ? v | bit : v & ~bit);
	d_wr64(0x6000 + 8 * id, mpidr[to]);
	d_wr(0x100 + 4 * (id / 32), 1u << (id % 32));
}

/* ---- an SGI raised again while its last instance is active --------------------------------- */

/* Run 1: the guest takes SGI 3; meanwhile vcpu 1 sends it again (pending, and a kick: the
 * exit). Run 2: the new instance must already be in the list register behind the active
 * one, so that the guest's EOI makes it pending at once and the guest takes it with no
 * exit in between. */
static void g_sgi_again_1(unsigned i, struct axv_exit *e)
{
	(void)e;
	uint32_t id;
	cr_assert_geq(ack(i, &id), 0, "the guest takes the first SGI");
	cr_assert_eq(id, 3);
	send_sgi(1, 3, 0);
}

static void g_sgi_again_2(unsigned i, struct axv_exit *e)
{
	(void)e;
	int n = lr_of(i, 3);
	cr_assert_geq(n, 0);
	cr_expect_eq(lrm[i].lr[n] >> 62, 3, "behind the active instance: pending and active");
	lr_model_eoi(&lrm[i], (unsigned)n);
	uint32_t id = 0;
	int m = ack(i, &id);
	cr_expect(m >= 0 && id == 3, "the second instance is taken right after the EOI");
	if (m >= 0)
		lr_model_eoi(&lrm[i], (unsigned)m);
}

Test(lifecycle, sgi_raised_again_while_active_follows_in_the_same_list_register)
{
	r_wr(0, GICR_SGI + 0x100, 1u << 3);
	send_sgi(1, 3, 0);
	guest[0] = g_sgi_again_1;
	cr_assert_eq(run(0, AXV_EXIT_EXTERNAL_IRQ), 0);
	cr_expect(ppi_pending(0, 3) && ppi_active(0, 3),
		  "after the exit: active (in the guest) and pending (the new instance)");
	guest[0] = g_sgi_again_2;
	cr_assert_eq(run(0, AXV_EXIT_EXTERNAL_IRQ), 0);
	guest[0] = NULL;
	cr_assert_eq(run(0, AXV_EXIT_NOTHING), 0);
	cr_expect_eq(acks[0][3], 2, "two instances, two deliveries");
	cr_expect_not(ppi_pending(0, 3) || ppi_active(0, 3));
	cr_expect_not(axv_virq_is_pending(&virq[0], 3) || axv_virq_is_active(&virq[0], 3));
}

/* The same with the guest ending the first instance and then waiting in WFI: the halt must
 * not block the vcpu, the second instance is deliverable (the lost IPI). */
static void g_sgi_wfi(unsigned i, struct axv_exit *e)
{
	(void)e;
	uint32_t id;
	int n = ack(i, &id);
	cr_assert_geq(n, 0);
	send_sgi(1, 3, 0);
	lr_model_eoi(&lrm[i], (unsigned)n); /* ended without an exit; then WFI */
}

Test(lifecycle, sgi_raised_again_then_wfi_is_not_lost)
{
	r_wr(0, GICR_SGI + 0x100, 1u << 3);
	send_sgi(1, 3, 0);
	guest[0] = g_sgi_wfi;
	cr_assert_eq(run(0, AXV_EXIT_HALT), 0);
	cr_expect_eq(axv_vcpu_state(&vcpu[0]), AXV_VCPU_READY,
		     "a WFI with the second SGI pending does not block the vcpu");
	cr_expect(delivered(0, 3), "the vcpu runs, with the second SGI in a list register");
}

/* ---- SPIs ----------------------------------------------------------------------------------- */

/* An SPI's list register asks for the EOI maintenance interrupt; the guest ends it after
 * the device raised it again: the end is seen at the maintenance exit and the new instance
 * is delivered. */
static void g_spi_again(unsigned i, struct axv_exit *e)
{
	(void)e;
	uint32_t id;
	int n = ack(i, &id);
	cr_assert(n >= 0 && id == 40);
	cr_expect(lrm[i].lr[n] & AXV_A64_LR_EOI, "an SPI's list register asks for the EOI "
						 "maintenance interrupt");
	axv_vgic_set_spi(&gic, 40, false);
	axv_vgic_set_spi(&gic, 40, true); /* a second edge while active */
	lr_model_eoi(&lrm[i], (unsigned)n);
	cr_expect(lr_model_eisr(&lrm[i]) & 1u << n, "the EOI maintenance interrupt is due");
}

Test(lifecycle, spi_raised_again_while_active_is_delivered_after_the_eoi)
{
	spi_setup(40, true, 0);
	axv_vgic_set_spi(&gic, 40, true);
	guest[0] = g_spi_again;
	cr_assert_eq(run(0, AXV_EXIT_EXTERNAL_IRQ), 0); /* the maintenance interrupt */
	cr_expect_eq(lr_model_eisr(&lrm[0]), 0, "handled: the list register was cleared");
	cr_expect(spi_pending(40) && !spi_active(40), "ended; the new instance pending");
	cr_expect(delivered(0, 40), "the new instance is delivered at the next entry");
}

/* A level SPI whose line is still high when the guest ends it is pending again at once;
 * once the line is low, the end leaves nothing behind. */
static void g_level(unsigned i, struct axv_exit *e)
{
	(void)e;
	uint32_t id;
	int n = ack(i, &id);
	if (n < 0)
		return;
	if (acks[i][41] >= 2)
		axv_vgic_set_spi(&gic, 41, false); /* the handler quiets the device */
	lr_model_eoi(&lrm[i], (unsigned)n);
}

Test(lifecycle, level_spi_still_asserted_at_its_eoi_is_pending_again)
{
	spi_setup(41, false, 0);
	axv_vgic_set_spi(&gic, 41, true);
	guest[0] = g_level;
	cr_assert_eq(run(0, AXV_EXIT_EXTERNAL_IRQ), 0);
	cr_expect_eq(acks[0][41], 1);
	cr_expect(spi_pending(41), "line still high after the EOI: pending again");
	cr_assert_eq(run(0, AXV_EXIT_EXTERNAL_IRQ), 0);
	cr_expect_eq(acks[0][41], 2, "delivered again");
	cr_expect_not(spi_pending(41) || spi_active(41), "line low at the second EOI: done");
	cr_assert_eq(run(0, AXV_EXIT_NOTHING), 0);
	cr_expect_eq(acks[0][41], 2);
}

/* An SPI at vcpu 1, which never acknowledges it (interrupts masked) and turns off: while
 * it sits in vcpu 1's list register it reads pending, not active; at vcpu 1's exit it goes
 * back to pending, so routed to vcpu 0 it is delivered there. */
static void g_masked(unsigned i, struct axv_exit *e)
{
	(void)e;
	cr_expect_geq(lr_of(i, 42), 0, "in vcpu 1's list register");
	cr_expect(spi_pending(42) && !spi_active(42),
		  "not acknowledged: pending, not active, as seen from another vcpu");
}

Test(lifecycle, spi_never_acknowledged_goes_back_to_pending_at_the_exit)
{
	spi_setup(42, true, 1);
	axv_vgic_set_spi(&gic, 42, true);
	guest[1] = g_masked;
	cr_assert_eq(run(1, AXV_EXIT_CPU_DOWN), 0);
	cr_expect_lt(lr_of(1, 42), 0, "taken back from vcpu 1's list register");
	cr_expect(axv_virq_is_pending(&virq[1], 42) && !axv_virq_is_active(&virq[1], 42));
	mh.cur_cpu = 1;
	cr_assert_eq(axv_vcpu_unbind(&vcpu[1]), 0);
	d_wr64(0x6000 + 8 * 42, mpidr[0]);
	cr_expect(delivered(0, 42), "delivered at vcpu 0");
}

/* ---- the virtual timer's PPI, hardware-linked, as a level ------------------------------------ */

#define CNT_ENABLE 1u
#define CNT_IMASK 2u
#define CNT_ISTATUS 4u

static uint64_t timer_ctl;
static bool timer_ack;
static int timer_acked;

static void g_timer(unsigned i, struct axv_exit *e)
{
	(void)e;
	av[i].ctx.el1.cntv_ctl_el0 = timer_ctl; /* what the exit saves */
	if (timer_ack) {
		uint32_t id = 0;
		timer_acked = ack(i, &id) >= 0 && id == 27;
		timer_ack = false;
	}
}

static void timer_setup(void)
{
	av[0].hw_ppis = 1u << 27;
	r_wr(0, GICR_SGI + 0x100, 1u << 27);
	cr_assert_eq(axv_vcpu_inject(&vcpu[0], 27), 0); /* the host took the physical PPI */
	guest[0] = g_timer;
}

Test(lifecycle, timer_masked_before_acknowledge_is_withdrawn)
{
	timer_setup();
	timer_ctl = CNT_ENABLE | CNT_IMASK | CNT_ISTATUS;
	cr_assert_eq(run(0, AXV_EXIT_MMIO_READ), 0);
	cr_expect_not(ppi_pending(0, 27), "masked: GICR_ISPENDR0 reads it not pending");
	cr_expect_not(ppi_active(0, 27));
	cr_expect_lt(lr_of(0, 27), 0, "withdrawn from the list register");
	cr_expect_not(axv_virq_is_pending(&virq[0], 27) || axv_virq_is_active(&virq[0], 27));
	cr_expect_eq(lrm[0].deactivated[27], 1, "the physical PPI is deactivated, to fire again");
	cr_expect_not(delivered(0, 27), "not delivered again");
}

Test(lifecycle, timer_still_firing_stays_pending_and_reads_active_once_taken)
{
	timer_setup();
	timer_ctl = CNT_ENABLE | CNT_ISTATUS;
	cr_assert_eq(run(0, AXV_EXIT_MMIO_READ), 0);
	cr_expect(ppi_pending(0, 27) && !ppi_active(0, 27), "not acknowledged: pending only");
	cr_expect_eq(lrm[0].deactivated[27], 0, "the physical PPI stays active");
	timer_ack = true;
	cr_assert_eq(run(0, AXV_EXIT_MMIO_READ), 0);
	cr_expect(timer_acked, "delivered again at the entry, and acknowledged");
	cr_expect(ppi_active(0, 27), "acknowledged: active");
	cr_expect(ppi_pending(0, 27), "still firing: pending too (a level, active and pending)");
	timer_ctl = CNT_ENABLE | CNT_IMASK | CNT_ISTATUS;
	cr_assert_eq(run(0, AXV_EXIT_MMIO_READ), 0);
	cr_expect(!ppi_pending(0, 27) && ppi_active(0, 27), "masked while active");
	cr_expect_eq(lrm[0].deactivated[27], 0, "the guest's EOI will deactivate it");
}

Test(lifecycle, timer_moved_into_the_future_is_withdrawn)
{
	timer_setup();
	timer_ctl = CNT_ENABLE; /* ISTATUS 0: the compare value is ahead */
	cr_assert_eq(run(0, AXV_EXIT_MMIO_READ), 0);
	cr_expect_not(ppi_pending(0, 27));
	cr_expect_lt(lr_of(0, 27), 0);
	cr_expect_eq(lrm[0].deactivated[27], 1);
}

/* A vcpu whose timer interrupt is active in a hardware-linked list register leaves its cpu to
 * another vcpu (ports/aarch64/vcpu.c, lr_unlink(): the physical PPI deactivated, the saved
 * list register turned into a software one in the same state). The timer still firing when
 * it comes back, the host takes the PPI again and injects it: the software list register
 * takes the link back (HW = 1, pINTID 27, still active), so that the guest's end deactivates
 * the physical PPI and the next departure can undo the link again. Kept apart as a second
 * instance in the core, the new activation of the physical PPI would be out of reach of the
 * interface switch: the other vcpu's timer silenced again at the second departure. */
static int unlinked_lr;
static unsigned seen_state, seen_27;
static uint64_t seen_lr;

static void g_unlinked(unsigned i, struct axv_exit *e)
{
	(void)e;
	seen_lr = lrm[i].lr[unlinked_lr];
	seen_state = (unsigned)(seen_lr >> AXV_A64_LR_STATE_SHIFT);
	seen_27 = 0;
	for (unsigned k = 0; k < lrm[i].nr; k++)
		seen_27 += (lrm[i].lr[k] >> 62) != 0 && (uint32_t)lrm[i].lr[k] == 27;
}

/* What vcpu.c does to a saved list register when the vcpu's interface leaves the cpu. */
static void unlink_lr(unsigned i, int n)
{
	lrm[i].lr[n] &= ~(AXV_A64_LR_HW | (0x1fffull << AXV_A64_LR_PINTID_SHIFT));
}

Test(lifecycle, timer_taken_again_after_an_unlink_relinks_its_list_register)
{
	timer_setup();
	timer_ctl = CNT_ENABLE | CNT_ISTATUS;
	timer_ack = true;
	cr_assert_eq(run(0, AXV_EXIT_MMIO_READ), 0);
	cr_assert(timer_acked);
	int n = lr_of(0, 27);
	cr_assert_geq(n, 0);
	cr_assert(lrm[0].lr[n] & AXV_A64_LR_HW, "delivered hardware-linked");
	for (int round = 0; round < 2; round++) { /* leaves and comes back twice */
		unlink_lr(0, n);
		cr_assert_eq(axv_vcpu_inject(&vcpu[0], 27), 0, "round %d: the timer fired again",
			     round);
		unlinked_lr = n;
		guest[0] = g_unlinked; /* looks at the list registers while it runs */
		cr_assert_eq(run(0, AXV_EXIT_MMIO_READ), 0);
		guest[0] = g_timer;
		cr_expect_eq(seen_state, 2, "round %d: still active, not pending and active", round);
		cr_expect(seen_lr & AXV_A64_LR_HW, "round %d: the link taken back", round);
		cr_expect_eq((seen_lr >> AXV_A64_LR_PINTID_SHIFT) & 0x1fff, 27, "round %d", round);
		cr_expect_eq(seen_27, 1, "round %d: one list register holds 27 (two would be "
					 "UNPREDICTABLE)", round);
		cr_expect_not(axv_virq_is_pending(&virq[0], 27),
			      "round %d: no second instance waits in the core", round);
	}
	cr_expect_eq(lrm[0].deactivated[27], 0, "the guest's end deactivates it, not the port");
	lr_model_eoi(&lrm[0], (unsigned)n); /* the guest ends it */
	timer_ctl = CNT_ENABLE | CNT_IMASK | CNT_ISTATUS; /* and quieted its timer */
	cr_assert_eq(run(0, AXV_EXIT_MMIO_READ), 0);
	cr_expect_lt(lr_of(0, 27), 0, "ended");
	cr_expect_not(axv_virq_is_pending(&virq[0], 27) || axv_virq_is_active(&virq[0], 27));
}
