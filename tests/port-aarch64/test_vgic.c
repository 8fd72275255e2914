/* The aarch64 virtual GICv3: distributor and redistributor register model, SGI routing,
 * SPI routing, list-register overflow and refill, and hostile register accesses.
 * Register layouts: Arm IHI 0069 (GICv3) 12.9-12.11, 12.2.21, 12.4.6. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <axv/arch/aarch64.h>
#include <axv/bus.h>
#include <axv/err.h>

#include "../vcpu/fake_port.h"
#include "lr_model.h"
#include "mock_hal.h"
#include "a64_hw.h"

#define NV 3
#define NSPI 64
#define GICR_SGI 0x10000

static struct mock_hal mh;
static struct fake_port fp[NV];
static struct axv_virq virq[NV];
static struct axv_vcpu vcpu[NV];
static struct axv_vgic gic;
static const uint64_t mpidr[NV] = {0x0, 0x1, 0x100}; /* Aff1 = 1 for the third */

static void setup(void)
{
	mock_hal_init(&mh, 64);
	memset(vcpu, 0, sizeof(vcpu));
	struct axv_vcpu *vp[NV];
	struct axv_virq *qp[NV];
	for (int i = 0; i < NV; i++) {
		fake_port_init(&fp[i]);
		cr_assert_eq(axv_virq_init(&virq[i]), 0);
		struct axv_vcpu_config cfg = {.id = (uint32_t)i, .hal = &mh.hal, .ops = &fake_port_ops,
					      .port_ctx = &fp[i], .virq = &virq[i]};
		cr_assert_eq(axv_vcpu_create(&vcpu[i], &cfg), 0);
		vp[i] = &vcpu[i];
		qp[i] = &virq[i];
	}
	cr_assert_eq(axv_vgic_init(&gic, vp, qp, mpidr, NV, NSPI), 0);
}

static void teardown(void)
{
	mock_hal_fini(&mh);
}

static uint64_t rd(const struct axv_device_ops *ops, void *ctx, uint64_t off, uint8_t w)
{
	uint64_t v = 0xdeadbeef;
	cr_assert_eq(ops->read(ctx, off, w, &v), 0);
	return v;
}

static void wr(const struct axv_device_ops *ops, void *ctx, uint64_t off, uint8_t w, uint64_t v)
{
	cr_assert_eq(ops->write(ctx, off, w, v), 0);
}

#define D_RD(off, w) rd(&axv_vgic_gicd_ops, &gic, (off), (w))
#define D_WR(off, w, v) wr(&axv_vgic_gicd_ops, &gic, (off), (w), (v))
#define R_RD(i, off, w) rd(&axv_vgic_gicr_ops, axv_vgic_redist_ctx(&gic, (i)), (off), (w))
#define R_WR(i, off, w, v) wr(&axv_vgic_gicr_ops, axv_vgic_redist_ctx(&gic, (i)), (off), (w), (v))

TestSuite(vgic, .init = setup, .fini = teardown);

Test(vgic, init_validates)
{
	struct axv_vgic g2;
	struct axv_vcpu *vp[1] = {&vcpu[0]};
	struct axv_virq *qp[1] = {&virq[0]};
	memset(&g2, 0x5a, sizeof(g2));
	cr_expect_eq(axv_vgic_init(&g2, vp, qp, mpidr, 0, 32), AXV_EINVAL);
	cr_expect_eq(axv_vgic_init(&g2, vp, qp, mpidr, 9, 32), AXV_EINVAL);
	cr_expect_eq(axv_vgic_init(&g2, vp, qp, mpidr, 1, 33), AXV_EINVAL);
	cr_expect_eq(axv_vgic_init(&g2, vp, qp, mpidr, 1, 256), AXV_EINVAL);
	cr_expect_eq(axv_vgic_init(&g2, NULL, qp, mpidr, 1, 32), AXV_EINVAL);
	cr_expect_eq(((unsigned char *)&g2)[0], 0x5a, "a refused init wrote the vGIC");
	cr_expect_null(axv_vgic_redist_ctx(&gic, NV));
}

Test(vgic, identification_registers)
{
	cr_expect_eq(D_RD(0x0004, 4), (NSPI + 32) / 32 - 1 + (9u << 19), "GICD_TYPER");
	cr_expect_eq((D_RD(0xffe8, 4) >> 4) & 0xf, 3, "GICD_PIDR2.ArchRev = GICv3");
	cr_expect_eq(D_RD(0x0008, 4), 0x43b, "GICD_IIDR: Arm");
	cr_expect_eq(D_RD(0x0000, 4) & 0x50, 0x50, "ARE and DS read as one");
	D_WR(0x0000, 4, 0xffffffff);
	cr_expect_eq(D_RD(0x0000, 4), 0x53, "only the enables are writable; RWP reads 0");
	D_WR(0x0000, 4, 0);
	cr_expect_eq(D_RD(0x0000, 4), 0x50);
	for (int i = 0; i < NV; i++) {
		uint64_t t = R_RD(i, 0x0008, 8);
		uint64_t aff = (mpidr[i] & 0xff) | ((mpidr[i] >> 8) & 0xff) << 8;
		cr_expect_eq(t >> 32, aff, "GICR_TYPER affinity of %d", i);
		cr_expect_eq((t >> 8) & 0xffff, (uint64_t)i, "processor number");
		cr_expect_eq((t >> 4) & 1, i == NV - 1, "Last only on the last redistributor");
		cr_expect_eq(R_RD(i, 0x000c, 4), t >> 32, "upper half alone");
		cr_expect_eq(R_RD(i, 0x0008, 4), (uint32_t)t, "lower half alone");
		cr_expect_eq((R_RD(i, 0xffe8, 4) >> 4) & 0xf, 3);
	}
}

Test(vgic, waker_handshake)
{
	cr_expect_eq(R_RD(1, 0x14, 4), 0x6, "asleep after reset");
	R_WR(1, 0x14, 4, 0);
	cr_expect_eq(R_RD(1, 0x14, 4), 0, "ProcessorSleep cleared: ChildrenAsleep follows");
	cr_expect_eq(R_RD(0, 0x14, 4), 0x6, "other redistributors unaffected");
}

Test(vgic, spi_enable_pending_active)
{
	uint32_t id = 40; /* bank 1, bit 8 */
	D_WR(0x0104, 4, 1u << 8);
	cr_expect_eq(D_RD(0x0104, 4), 1u << 8);
	cr_expect_eq(D_RD(0x0184, 4), 1u << 8, "ICENABLER reads the same state");
	cr_expect(axv_virq_is_enabled(&virq[0], id), "mirrored into the target's state");
	cr_expect_not(axv_virq_is_enabled(&virq[1], id));
	cr_expect_eq(axv_vgic_set_spi(&gic, id, true), 0);
	cr_expect_eq(D_RD(0x0204, 4), 1u << 8, "ISPENDR");
	cr_expect_eq(axv_vgic_set_spi(&gic, id, true), AXV_EALREADY);
	cr_expect_eq(axv_vgic_set_spi(&gic, id, false), 0);
	cr_expect_eq(D_RD(0x0204, 4), 0, "level low withdraws it");
	D_WR(0x0204, 4, 1u << 8); /* ISPENDR */
	cr_expect(axv_virq_is_pending(&virq[0], id));
	uint32_t got;
	cr_assert_eq(axv_virq_ack(&virq[0], &got), 0);
	cr_expect_eq(got, id);
	cr_expect_eq(D_RD(0x0304, 4), 1u << 8, "ISACTIVER shows it active");
	D_WR(0x0384, 4, 1u << 8); /* ICACTIVER */
	cr_expect_not(axv_virq_is_active(&virq[0], id));
	D_WR(0x0184, 4, 1u << 8);
	cr_expect_not(axv_virq_is_enabled(&virq[0], id));
	D_WR(0x0204, 4, 1u << 8);
	D_WR(0x0284, 4, 1u << 8); /* ICPENDR */
	cr_expect_not(axv_virq_is_pending(&virq[0], id));
}

/* GICD_ICPENDR<n> (IHI 0069, the register description): for a level-sensitive interrupt pending because its
 * signal is asserted the write has no effect while the signal stays asserted; for an edge one,
 * or a level one whose line is low, it removes the pending state. */
Test(vgic, icpendr_leaves_an_asserted_level_spi_pending)
{
	uint32_t id = 45; /* bank 1, bit 13; ICFGR2 resets to level-sensitive */
	D_WR(0x0104, 4, 1u << 13);
	cr_assert_eq(axv_vgic_set_spi(&gic, id, true), 0);
	D_WR(0x0284, 4, 1u << 13); /* ICPENDR1 */
	cr_expect_eq(D_RD(0x0204, 4) & (1u << 13), 1u << 13, "line still high: still pending");
	cr_expect(axv_virq_is_pending(&virq[0], id));
	cr_assert_eq(axv_vgic_set_spi(&gic, id, false), 0);
	cr_expect_eq(D_RD(0x0204, 4) & (1u << 13), 0, "line low: no longer pending");
	D_WR(0x0204, 4, 1u << 13); /* ISPENDR1: pending by software, line low */
	D_WR(0x0284, 4, 1u << 13);
	cr_expect_eq(D_RD(0x0204, 4) & (1u << 13), 0, "a software pend is cleared");
	D_WR(0x0c08, 4, 2u << (2 * (id % 16))); /* edge */
	cr_assert_eq(axv_vgic_set_spi(&gic, id, true), 0);
	D_WR(0x0284, 4, 1u << 13);
	cr_expect_eq(D_RD(0x0204, 4) & (1u << 13), 0, "edge: cleared");
}

Test(vgic, spi_routing_moves_state)
{
	uint32_t id = 33;
	D_WR(0x0104, 4, 1u << 1);
	D_WR(0x0400 + id, 1, 0x80);
	cr_assert_eq(axv_vgic_set_spi(&gic, id, true), 0);
	cr_expect_eq(D_RD(0x6000 + 8 * id, 8), 0, "routed to vcpu 0 after reset");
	D_WR(0x6000 + 8 * id, 8, 0x100); /* Aff1 = 1: vcpu 2 */
	cr_expect_eq(D_RD(0x6000 + 8 * id, 8), 0x100);
	cr_expect_not(axv_virq_is_pending(&virq[0], id));
	cr_expect(axv_virq_is_pending(&virq[2], id), "pending state followed the route");
	cr_expect(axv_virq_is_enabled(&virq[2], id));
	uint8_t p = 0;
	axv_virq_priority(&virq[2], id, &p);
	cr_expect_eq(p, 0x80, "priority followed too");
	/* 32-bit halves of IROUTER. */
	D_WR(0x6000 + 8 * id, 4, 0x1);
	D_WR(0x6000 + 8 * id + 4, 4, 0x0);
	cr_expect_eq(D_RD(0x6000 + 8 * id, 8), 0x1);
	cr_expect(axv_virq_is_pending(&virq[1], id));
	/* IRM (any PE) and an affinity nobody has both fall back to vcpu 0. */
	D_WR(0x6000 + 8 * id, 8, 1ull << 31);
	cr_expect(axv_virq_is_pending(&virq[0], id));
	D_WR(0x6000 + 8 * id, 8, 0x0000000700000000ull);
	cr_expect(axv_virq_is_pending(&virq[0], id));
	cr_expect_not(axv_virq_is_pending(&virq[1], id));
}

/* An SPI has one active state, the Distributor's (IHI 0069 2.1): re-routing an SPI that a
 * vcpu has acknowledged moves the active state with the route, so the SPI is not delivered
 * again at the new vcpu until it is ended (4.1.2: active and pending is not signalled), and
 * GICD_ISACTIVER keeps reading it as active. */
Test(vgic, spi_routing_moves_active_state)
{
	uint32_t id = 45; /* bank 1, bit 13 */
	D_WR(0x0104, 4, 1u << 13);
	cr_assert_eq(axv_vgic_set_spi(&gic, id, true), 0);
	uint32_t got;
	cr_assert_eq(axv_virq_ack(&virq[0], &got), 0);
	cr_assert_eq(got, id, "vcpu 0 takes it");
	D_WR(0x6000 + 8 * id, 8, 0x1); /* re-routed to vcpu 1 while active */
	cr_expect_not(axv_virq_is_active(&virq[0], id), "no state left at the old vcpu");
	cr_expect(axv_virq_is_active(&virq[1], id), "the active state followed the route");
	cr_expect_eq(D_RD(0x0304, 4), 1u << 13, "ISACTIVER still reads it active");
	cr_expect_eq(axv_vgic_set_spi(&gic, id, true), 0, "raised again");
	cr_expect(axv_virq_is_pending(&virq[1], id), "pending at the new vcpu");
	cr_expect_eq(axv_virq_highest_pending(&virq[1], NULL), AXV_VIRQ_NONE,
		     "active and pending: not delivered again before the end");
	D_WR(0x0384, 4, 1u << 13); /* ICACTIVER: deactivated through the distributor */
	cr_expect_eq(axv_virq_highest_pending(&virq[1], NULL), id, "now it is delivered");
	cr_expect_eq(D_RD(0x0304, 4), 0);
	cr_expect_not(axv_virq_is_pending(&virq[0], id) || axv_virq_is_enabled(&virq[0], id) ||
			      axv_virq_is_active(&virq[0], id),
		      "nothing of it at vcpu 0");
}

/* A level handed over while the vGIC's lock is held is applied by the holder before the
 * lock goes (axv_vgic_set_spi() never waits: it may interrupt the holder on its own cpu). */
Test(vgic, set_spi_hands_over_while_locked)
{
	uint32_t id = 50; /* bank 1, bit 18 */
	D_WR(0x0104, 4, 1u << 18);
	atomic_store(&gic.route_lock, 1); /* "another cpu" holds it */
	cr_expect_eq(axv_vgic_set_spi(&gic, id, true), 0, "handed over, not waited for");
	cr_expect_not(axv_virq_is_pending(&virq[0], id), "not applied yet");
	atomic_store(&gic.route_lock, 0);
	cr_expect_eq(D_RD(0x0204, 4), 1u << 18, "the next holder applied it first");
	cr_expect(axv_virq_is_pending(&virq[0], id));
	/* Raise then lower handed over: the last one wins. */
	atomic_store(&gic.route_lock, 1);
	cr_expect_eq(axv_vgic_set_spi(&gic, id, false), 0);
	cr_expect_eq(axv_vgic_set_spi(&gic, id, true), 0);
	cr_expect_eq(axv_vgic_set_spi(&gic, id, false), 0);
	atomic_store(&gic.route_lock, 0);
	cr_expect_eq(D_RD(0x0204, 4), 0, "low in the end");
	/* One caller's order holds: a level handed over goes before its next direct one. */
	atomic_store(&gic.route_lock, 1);
	cr_expect_eq(axv_vgic_set_spi(&gic, id, true), 0);
	atomic_store(&gic.route_lock, 0);
	cr_expect_eq(axv_vgic_set_spi(&gic, id, false), 0);
	cr_expect_not(axv_virq_is_pending(&virq[0], id), "raise, then lower: low");
	/* A re-route while a level waits: it lands where the SPI is when it is applied. */
	atomic_store(&gic.route_lock, 1);
	cr_expect_eq(axv_vgic_set_spi(&gic, id, true), 0);
	atomic_store(&gic.route_lock, 0);
	D_WR(0x6000 + 8 * id, 8, 0x100); /* the write's own unlock applies it first... */
	cr_expect(axv_virq_is_pending(&virq[2], id), "...and the move takes it along");
	cr_expect_not(axv_virq_is_pending(&virq[0], id));
	cr_expect_eq(gic.line_any[0] | gic.line_any[1], 0, "nothing left over");
}

Test(vgic, priorities_byte_and_word)
{
	D_WR(0x0400 + 36, 4, 0x44332211);
	cr_expect_eq(D_RD(0x0400 + 36, 1), 0x11);
	cr_expect_eq(D_RD(0x0400 + 39, 1), 0x44);
	uint8_t p;
	axv_virq_priority(&virq[0], 37, &p);
	cr_expect_eq(p, 0x22);
	R_WR(1, GICR_SGI + 0x400 + 27, 1, 0xa0);
	cr_expect_eq(R_RD(1, GICR_SGI + 0x400 + 24, 4), 0xa0000000u);
	axv_virq_priority(&virq[1], 27, &p);
	cr_expect_eq(p, 0xa0, "PPI priority is per vcpu");
	axv_virq_priority(&virq[0], 27, &p);
	cr_expect_eq(p, 0);
	cr_expect_eq(D_RD(0x0400 + 20, 4), 0, "SGI/PPI priorities are not in the distributor");
}

Test(vgic, redistributor_banks_are_per_vcpu)
{
	R_WR(2, GICR_SGI + 0x100, 4, 1u << 27); /* ISENABLER0: the virtual timer PPI */
	cr_expect(axv_virq_is_enabled(&virq[2], 27));
	cr_expect_not(axv_virq_is_enabled(&virq[0], 27));
	cr_expect_eq(R_RD(2, GICR_SGI + 0x100, 4), 1u << 27);
	cr_expect_eq(R_RD(0, GICR_SGI + 0x100, 4), 0);
	R_WR(2, GICR_SGI + 0x200, 4, 1u << 27); /* ISPENDR0 */
	cr_expect(axv_virq_is_pending(&virq[2], 27));
	R_WR(2, GICR_SGI + 0x180, 4, 1u << 27); /* ICENABLER0 */
	cr_expect_not(axv_virq_is_enabled(&virq[2], 27));
	cr_expect_eq(R_RD(0, GICR_SGI + 0xc00, 4), 0xaaaaaaaau, "SGIs are edge, read-only");
	R_WR(0, GICR_SGI + 0xc00, 4, 0);
	cr_expect_eq(R_RD(0, GICR_SGI + 0xc00, 4), 0xaaaaaaaau);
	R_WR(0, GICR_SGI + 0x80, 4, 0xffffffff);
	cr_expect_eq(R_RD(0, GICR_SGI + 0x80, 4), 0xffffffff, "IGROUPR0 is stored");
	cr_expect_eq(D_RD(0x0100, 4), 0, "the distributor's bank 0 is RAZ with ARE");
}

Test(vgic, sgi_routing)
{
	/* TargetList bit 1, Aff1 0, INTID 5: vcpu 1 only. */
	cr_expect_eq(axv_vgic_send_sgi(&gic, 0, (5ull << 24) | (1u << 1)), 1);
	cr_expect(axv_virq_is_pending(&virq[1], 5));
	cr_expect_not(axv_virq_is_pending(&virq[0], 5));
	cr_expect_not(axv_virq_is_pending(&virq[2], 5));
	/* Aff1 = 1, TargetList bit 0: vcpu 2. */
	cr_expect_eq(axv_vgic_send_sgi(&gic, 0, (3ull << 24) | (1ull << 16) | 1u), 1);
	cr_expect(axv_virq_is_pending(&virq[2], 3));
	/* IRM: everyone but the sender. */
	cr_expect_eq(axv_vgic_send_sgi(&gic, 1, (7ull << 24) | (1ull << 40)), 2);
	cr_expect(axv_virq_is_pending(&virq[0], 7) && axv_virq_is_pending(&virq[2], 7));
	cr_expect_not(axv_virq_is_pending(&virq[1], 7));
	/* Range selector 1 names aff0 16-31: nobody here. A list naming self works. */
	cr_expect_eq(axv_vgic_send_sgi(&gic, 0, (2ull << 24) | (1ull << 44) | 0x3), 0);
	cr_expect_eq(axv_vgic_send_sgi(&gic, 0, (2ull << 24) | 0x1), 1);
	cr_expect(axv_virq_is_pending(&virq[0], 2));
	cr_expect_eq(axv_vgic_send_sgi(&gic, NV, 0), AXV_EINVAL);
}

Test(vgic, hostile_accesses_change_nothing)
{
	cr_expect_eq(axv_vgic_set_spi(&gic, 31, true), AXV_ERANGE);
	cr_expect_eq(axv_vgic_set_spi(&gic, 32 + NSPI, true), AXV_ERANGE);
	D_WR(0x0040, 4, 1023);         /* SETSPI of a special id */
	D_WR(0x0040, 4, 32 + NSPI);    /* and of an id past the last SPI */
	D_WR(0x0104 + 4 * (NSPI / 32), 4, 0xffffffff); /* ISENABLER past the last SPI */
	D_WR(0x6000 + 8 * (32 + NSPI), 8, 0x1);        /* IROUTER past the last SPI */
	D_WR(0x0104, 3, 0xffffffff);   /* a width that does not exist */
	D_WR(0x0104, 2, 0xffffffff);   /* a width this register does not have */
	D_WR(0x6000 + 8 * 40, 2, 0x1); /* IROUTER by halfword */
	R_WR(0, GICR_SGI + 0x100, 16, 0xffffffff);
	R_WR(0, 0x1fff8, 8, ~0ull);    /* the very end of the region */
	for (int i = 0; i < NV; i++)
		for (uint32_t id = 0; id < AXV_VIRQ_MAX; id++)
			cr_assert(!axv_virq_is_pending(&virq[i], id) &&
				  !axv_virq_is_enabled(&virq[i], id),
				  "vcpu %d id %u changed", i, id);
	cr_expect_eq(D_RD(0x6000 + 8 * 40, 8), 0, "IROUTER unchanged");
	cr_expect_eq(D_RD(0x0104, 3), 0, "bad widths read zero");
	cr_expect_eq(D_RD(0x7777, 4), 0, "reserved offsets read zero");
}

Test(vgic, random_register_traffic_stays_in_bounds)
{
	srand(11);
	for (int i = 0; i < 200000; i++) {
		static const uint8_t widths[] = {1, 2, 3, 4, 5, 8, 16};
		uint8_t w = widths[rand() % 7];
		uint64_t v = ((uint64_t)rand() << 32) ^ (uint64_t)rand();
		uint64_t v2;
		if (rand() & 1) {
			uint64_t off = (uint64_t)rand() % 0x10000;
			if (rand() & 1)
				D_WR(off, w, v);
			else
				axv_vgic_gicd_ops.read(&gic, off, w, &v2);
		} else {
			int c = rand() % NV;
			uint64_t off = (uint64_t)rand() % 0x20000;
			if (rand() & 1)
				R_WR(c, off, w, v);
			else
				axv_vgic_gicr_ops.read(axv_vgic_redist_ctx(&gic, c), off, w, &v2);
		}
		if (i % 1000 == 0)
			axv_vgic_send_sgi(&gic, (uint32_t)rand() % NV, v);
	}
	for (int i = 0; i < NV; i++)
		for (uint32_t id = 32 + NSPI; id < AXV_VIRQ_MAX; id++)
			cr_assert(!axv_virq_is_pending(&virq[i], id) &&
				  !axv_virq_is_enabled(&virq[i], id),
				  "an id beyond the SPIs was touched");
	for (uint32_t n = 0; n < NSPI; n++)
		cr_assert_lt(gic.target[n], NV, "SPI %u routed to no vcpu", n + 32);
}

/* ---- list registers attached to the vGIC ------------------------------------------------- */

static struct lr_model am[NV];
static struct axv_a64_vcpu aav[NV];

static void attach_all(void)
{
	for (uint32_t i = 0; i < NV; i++) {
		lr_model_init(&am[i], 4);
		memset(&aav[i], 0, sizeof(aav[i]));
		aav[i].lr = (struct axv_a64_lr){&lr_model_ops, &am[i], 4};
		for (int n = 0; n < 16; n++)
			aav[i].lr_id[n] = AXV_A64_LR_FREE;
		cr_assert_eq(axv_vgic_attach(&gic, i, &aav[i]), 0);
		cr_assert_eq(aav[i].gic, &gic);
	}
	cr_expect_eq(axv_vgic_attach(&gic, NV, &aav[0]), AXV_EINVAL);
	cr_expect_eq(axv_vgic_attach(NULL, 0, &aav[0]), AXV_EINVAL);
	cr_expect_eq(axv_vgic_attach(&gic, 0, NULL), AXV_EINVAL);
}

static int flush(uint32_t i)
{
	return axv_virq_flush(&virq[i], &axv_a64_vic_ops, &aav[i]);
}

/* The guest on vcpu 0 holds an SPI in a list register when it is re-routed to vcpu 1: the
 * SPI's active state goes to vcpu 1 (IHI 0069 2.1), a new instance waits there (4.1.2), and
 * the guest's end on vcpu 0 deactivates it at vcpu 1, which then gets the new instance. */
Test(lr, attached_spi_ends_where_it_moved, .init = setup, .fini = teardown)
{
	attach_all();
	uint32_t id = 44, got;
	D_WR(0x0c08, 4, 2u << (2 * (id % 16))); /* edge: the line's level plays no part here */
	D_WR(0x0104, 4, 1u << 12);
	cr_assert_eq(axv_vgic_set_spi(&gic, id, true), 0);
	cr_assert_eq(flush(0), 1, "vcpu 0 takes it into a list register");
	cr_expect(axv_virq_is_active(&virq[0], id));
	int n = lr_model_ack(&am[0], &got);
	cr_assert(n >= 0 && got == id, "the guest acknowledges it");
	D_WR(0x6000 + 8 * id, 8, 0x1); /* to vcpu 1 */
	cr_expect(axv_virq_is_active(&virq[1], id) && !axv_virq_is_active(&virq[0], id));
	cr_assert_eq(axv_vgic_set_spi(&gic, id, true), 0);
	cr_expect_eq(flush(1), 0, "vcpu 1 must wait for the end of the first instance");
	lr_model_eoi(&am[0], (unsigned)n);
	cr_expect_eq(flush(0), 0, "vcpu 0 reports the end; nothing for it to take");
	cr_expect_not(axv_virq_is_active(&virq[1], id), "ended where the state is now");
	cr_expect_eq(aav[0].lr_id[n], AXV_A64_LR_FREE);
	cr_expect_eq(flush(1), 1, "now vcpu 1 takes the second instance");
	n = lr_model_ack(&am[1], &got);
	cr_expect(n >= 0 && got == id);
	lr_model_eoi(&am[1], (unsigned)n);
	cr_expect_eq(flush(1), 0);
	for (uint32_t i = 0; i < NV; i++)
		cr_expect_not(axv_virq_is_active(&virq[i], id) || axv_virq_is_pending(&virq[i], id),
			      "nothing left at vcpu %u", i);
}

/* SGIs, PPIs and ids that are not the vGIC's SPIs go through the list registers as before. */
Test(lr, attached_non_spi_ids_are_plain, .init = setup, .fini = teardown)
{
	attach_all();
	axv_virq_enable(&virq[2], 27);
	axv_virq_pend(&virq[2], 27);
	axv_virq_enable(&virq[2], 200); /* past this vGIC's SPIs */
	axv_virq_pend(&virq[2], 200);
	cr_expect_eq(flush(2), 2);
	cr_expect(axv_virq_is_active(&virq[2], 27) && axv_virq_is_active(&virq[2], 200));
	uint32_t got;
	int n;
	while ((n = lr_model_ack(&am[2], &got)) >= 0)
		lr_model_eoi(&am[2], (unsigned)n);
	cr_expect_eq(flush(2), 0);
	cr_expect_not(axv_virq_is_active(&virq[2], 27) || axv_virq_is_active(&virq[2], 200));
}

/* ---- list registers: overflow and refill ------------------------------------------------ */

Test(lr, overflow_requests_maintenance_and_refills)
{
	struct lr_model m;
	struct axv_a64_vcpu av;
	memset(&av, 0, sizeof(av));
	for (int i = 0; i < 16; i++)
		av.lr_id[i] = AXV_A64_LR_FREE;
	lr_model_init(&m, 4);
	av.lr = (struct axv_a64_lr){&lr_model_ops, &m, 4};
	av.hw_ppis = 1u << 27;
	struct axv_virq q;
	axv_virq_init(&q);
	static const uint32_t ids[6] = {27, 40, 41, 42, 3, 50};
	static const uint8_t prio[6] = {0x10, 0x80, 0x70, 0x60, 0x20, 0x90};
	for (int i = 0; i < 6; i++) {
		axv_virq_enable(&q, ids[i]);
		axv_virq_set_priority(&q, ids[i], prio[i]);
		axv_virq_pend(&q, ids[i]);
	}
	cr_assert_eq(axv_virq_flush(&q, &axv_a64_vic_ops, &av), 4, "four list registers");
	cr_expect_eq(m.hcr, AXV_A64_ICH_HCR_EN | AXV_A64_ICH_HCR_UIE,
		     "overflow asks for the underflow maintenance interrupt");
	/* The four highest priorities went first: 27 (0x10), 3 (0x20), 42 (0x60), 41 (0x70). */
	uint32_t in[4];
	for (int n = 0; n < 4; n++)
		in[n] = (uint32_t)m.lr[n];
	cr_expect(in[0] == 27 && in[1] == 3 && in[2] == 42 && in[3] == 41);
	cr_expect(m.lr[0] & AXV_A64_LR_HW, "the timer PPI is hardware-linked");
	cr_expect_eq((m.lr[0] >> 32) & 0x1fff, 27, "pINTID 27");
	cr_expect_not(m.lr[1] & AXV_A64_LR_HW);
	cr_expect(axv_virq_is_pending(&q, 40) && axv_virq_is_pending(&q, 50), "queued");

	/* The guest takes and finishes three of them. */
	for (int k = 0; k < 3; k++) {
		uint32_t intid;
		int n = lr_model_ack(&m, &intid);
		cr_assert_geq(n, 0);
		lr_model_eoi(&m, (unsigned)n);
	}
	/* Re-entry: the finished ones complete in the core, the queued ones are refilled. */
	cr_assert_eq(axv_virq_flush(&q, &axv_a64_vic_ops, &av), 2);
	cr_expect_eq(m.hcr, AXV_A64_ICH_HCR_EN, "no overflow now: no maintenance request");
	cr_expect_not(axv_virq_is_active(&q, 27) || axv_virq_is_active(&q, 3) ||
			      axv_virq_is_active(&q, 42),
		      "finished interrupts are no longer active");
	cr_expect(axv_virq_is_active(&q, 41), "the unfinished one stays active");
	int seen40 = 0, seen50 = 0;
	for (int n = 0; n < 4; n++) {
		seen40 += (uint32_t)m.lr[n] == 40 && (m.lr[n] >> 62) == 1;
		seen50 += (uint32_t)m.lr[n] == 50 && (m.lr[n] >> 62) == 1;
	}
	cr_expect(seen40 == 1 && seen50 == 1, "the queued interrupts are now in list registers");
	cr_expect_eq(axv_a64_vic_ops.deliver(&av, 1020, 0), AXV_EINVAL, "special INTIDs refused");
}
