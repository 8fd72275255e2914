/* Fuzz harness: the aarch64 virtual GICv3 under hostile register traffic.
 *
 * Input: the number of vcpus (1 to 8), their affinities and the number of SPIs, then
 * operations: guest reads and writes of any width at any offset of the distributor and the
 * redistributors through the device bus (as exits would reach them), direct calls with
 * widths the bus would refuse, SPI line changes, SGI register writes (ICC_SGI1R_EL1) from
 * any vcpu, and acknowledge/EOI by the vcpus. After every operation it checks that each
 * SPI's pending, active and enabled state lives only in the vcpu its route names (an SPI's
 * active state moves with its route, IHI 0069 2.1), that the
 * distributor's enable bits and priorities agree with that vcpu's state, that routes point
 * at existing vcpus, that reads through the bus agree with the state, and the return codes
 * of set_spi and send_sgi; at the end, that no interrupt id past the configured ones was
 * ever made pending or enabled. */
#include <string.h>

#include <axv/arch/aarch64.h>
#include <axv/bus.h>
#include <axv/err.h>

#include "../vcpu/fake_port.h"
#include "fuzz.h"
#include "mock_hal.h"

#define GICD 0x08000000ull
#define GICR 0x080a0000ull

static struct mock_hal mh;
static bool mh_ready;
static struct fake_port fp[AXV_VGIC_MAX_VCPUS];
static struct axv_virq virq[AXV_VGIC_MAX_VCPUS];
static struct axv_vcpu vcpu[AXV_VGIC_MAX_VCPUS];
static struct axv_vgic gic;
static uint64_t mpidr[AXV_VGIC_MAX_VCPUS];
static uint32_t nv, nspi;

static uint64_t pick_off(struct fin *in, bool dist)
{
	static const uint16_t dist_regs[] = {0x0000, 0x0004, 0x0040, 0x0048, 0x0080, 0x0100,
					     0x0180, 0x0200, 0x0280, 0x0300, 0x0380, 0x0400,
					     0x0c00, 0x0d00, 0x6000, 0xffe8};
	static const uint32_t redist_regs[] = {0x0000, 0x0008, 0x000c, 0x0014, 0xffe8,
					       0x10080, 0x10100, 0x10180, 0x10200, 0x10280,
					       0x10300, 0x10380, 0x10400, 0x10c00, 0x10c04,
					       0x10d00};
	uint8_t k = fin_u8(in);
	uint64_t base;
	if (k & 0x80)
		return dist ? fin_u16(in) : fin_u32(in) % AXV_VGIC_GICR_SIZE;
	base = dist ? dist_regs[k % 16] : redist_regs[k % 16];
	uint64_t delta = fin_u8(in);
	if (dist && base == 0x6000)
		delta *= 8;
	else if (base == 0x0400 || base == 0x10400)
		delta = delta % 0x40;
	else
		delta = (delta % 32) & ~3u;
	return base + delta + (k & 0x40 ? 4 : 0);
}

static void check_state(void)
{
	for (uint32_t n = 0; n < nspi; n++) {
		uint32_t id = 32 + n;
		uint32_t t = atomic_load(&gic.target[n]);
		FUZZ_CHECK(t < nv, "SPI %u routed to vcpu %u of %u", id, t, nv);
		for (uint32_t v = 0; v < nv; v++) {
			if (v == t)
				continue;
			FUZZ_CHECK(!axv_virq_is_pending(&virq[v], id) &&
					   !axv_virq_is_enabled(&virq[v], id) &&
					   !axv_virq_is_active(&virq[v], id),
				   "SPI %u has state in vcpu %u but is routed to %u", id, v, t);
		}
		bool en = (atomic_load(&gic.enabled[n / 32]) >> (id % 32)) & 1;
		FUZZ_CHECK(en == axv_virq_is_enabled(&virq[t], id),
			   "SPI %u: distributor enable %d, vcpu %u's %d", id, en, t,
			   axv_virq_is_enabled(&virq[t], id));
		uint8_t p = 0;
		axv_virq_priority(&virq[t], id, &p);
		FUZZ_CHECK(p == gic.prio[n], "SPI %u priority %u, distributor %u", id, p, gic.prio[n]);
	}
}

static void check_bus_view(const struct axv_bus *bus, struct fin *in)
{
	/* ISPENDR / ISENABLER words of one SPI bank, as the guest reads them. */
	if (nspi == 0)
		return;
	uint32_t bank = 1 + fin_u8(in) % (nspi / 32);
	uint64_t en = 0, pend = 0;
	FUZZ_CHECK(axv_bus_read(bus, AXV_BUS_MMIO, GICD + 0x100 + 4 * bank, 4, &en) == 0, "read");
	FUZZ_CHECK(axv_bus_read(bus, AXV_BUS_MMIO, GICD + 0x200 + 4 * bank, 4, &pend) == 0, "read");
	for (uint32_t i = 0; i < 32; i++) {
		uint32_t id = bank * 32 + i;
		uint32_t t = atomic_load(&gic.target[id - 32]);
		FUZZ_CHECK(((en >> i) & 1) == axv_virq_is_enabled(&virq[t], id), "ISENABLER %u", id);
		FUZZ_CHECK(((pend >> i) & 1) == axv_virq_is_pending(&virq[t], id), "ISPENDR %u", id);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = {data, size};
	if (!mh_ready) { /* the vcpus only need the cpu hooks: one mock for every input */
		mock_hal_init(&mh, 16);
		mh_ready = true;
	}
	uint8_t cfg = fin_u8(&in);
	nv = 1 + cfg % AXV_VGIC_MAX_VCPUS;
	nspi = 32 * ((cfg >> 3) % (AXV_VGIC_MAX_SPIS / 32 + 1));
	struct axv_vcpu *vp[AXV_VGIC_MAX_VCPUS];
	struct axv_virq *qp[AXV_VGIC_MAX_VCPUS];
	memset(vcpu, 0, sizeof(vcpu));
	for (uint32_t i = 0; i < nv; i++) {
		fake_port_init(&fp[i]);
		FUZZ_CHECK(axv_virq_init(&virq[i]) == 0, "virq");
		struct axv_vcpu_config c = {.id = i, .hal = &mh.hal, .ops = &fake_port_ops,
					    .port_ctx = &fp[i], .virq = &virq[i]};
		FUZZ_CHECK(axv_vcpu_create(&vcpu[i], &c) == 0, "vcpu");
		vp[i] = &vcpu[i];
		qp[i] = &virq[i];
		/* Affinities: distinct by default, anything (even equal) if the input says so. */
		mpidr[i] = (cfg & 0x80) ? fin_u64(&in) & AXV_A64_MPIDR_AFF_MASK
					: (uint64_t)(i % 4) | (uint64_t)(i / 4) << 8;
	}
	FUZZ_CHECK(axv_vgic_init(&gic, vp, qp, mpidr, nv, nspi) == 0, "vgic init");
	struct axv_bus bus;
	struct axv_bus_entry slots[AXV_VGIC_MAX_VCPUS + 1];
	const size_t cap[AXV_BUS_SPACE_COUNT] = {AXV_VGIC_MAX_VCPUS + 1, 0, 0};
	FUZZ_CHECK(axv_bus_init(&bus, slots, cap) == 0, "bus");
	FUZZ_CHECK(axv_bus_register(&bus, AXV_BUS_MMIO, GICD, AXV_VGIC_GICD_SIZE, &axv_vgic_gicd_ops,
				    &gic) == 0,
		   "gicd");
	for (uint32_t i = 0; i < nv; i++)
		FUZZ_CHECK(axv_bus_register(&bus, AXV_BUS_MMIO, GICR + i * AXV_VGIC_GICR_SIZE,
					    AXV_VGIC_GICR_SIZE, &axv_vgic_gicr_ops,
					    axv_vgic_redist_ctx(&gic, i)) == 0,
			   "gicr");
	FUZZ_CHECK(axv_vgic_redist_ctx(&gic, nv) == NULL, "redist ctx past the last vcpu");

	for (unsigned op = 0; op < 128 && in.n > 0; op++) {
		uint8_t k = fin_u8(&in);
		uint32_t who = fin_u8(&in) % nv;
		bool dist = (k & 0x10) != 0;
		uint64_t base = dist ? GICD : GICR + who * AXV_VGIC_GICR_SIZE;
		switch (k % 7) {
		case 0:
		case 1: { /* guest write through the bus */
			uint64_t off = pick_off(&in, dist);
			uint8_t w = (uint8_t)(1u << (fin_u8(&in) % 4));
			uint64_t v = (k & 0x20) ? fin_u64(&in) : fin_u32(&in);
			int rc = axv_bus_write(&bus, AXV_BUS_MMIO, base + off, w, v);
			FUZZ_CHECK(rc == 0 || (rc == AXV_ENXIO && off + w > (dist ? AXV_VGIC_GICD_SIZE : AXV_VGIC_GICR_SIZE)),
				   "write off %#llx width %u: %d", (unsigned long long)off, w, rc);
			break;
		}
		case 2: { /* guest read through the bus */
			uint64_t off = pick_off(&in, dist);
			uint8_t w = (uint8_t)(1u << (fin_u8(&in) % 4));
			uint64_t v = 0;
			int rc = axv_bus_read(&bus, AXV_BUS_MMIO, base + off, w, &v);
			FUZZ_CHECK(rc == 0 || rc == AXV_ENXIO, "read: %d", rc);
			break;
		}
		case 3: { /* widths and offsets the bus would never pass */
			uint64_t off = fin_u64(&in);
			uint8_t w = fin_u8(&in);
			uint64_t v = 0;
			const struct axv_device_ops *ops = dist ? &axv_vgic_gicd_ops : &axv_vgic_gicr_ops;
			void *ctx = dist ? (void *)&gic : axv_vgic_redist_ctx(&gic, who);
			FUZZ_CHECK(ops->write(ctx, off, w, fin_u64(&in)) <= 0, "direct write");
			FUZZ_CHECK(ops->read(ctx, off, w, &v) <= 0, "direct read");
			break;
		}
		case 4: { /* an SPI line */
			uint32_t id = fin_u16(&in) % 1100;
			bool level = k & 0x20;
			int rc = axv_vgic_set_spi(&gic, id, level);
			bool ok = id >= 32 && id < 32 + nspi;
			if (!ok) {
				FUZZ_CHECK(rc == AXV_ERANGE, "set_spi %u: %d", id, rc);
				break;
			}
			uint32_t t = atomic_load(&gic.target[id - 32]);
			FUZZ_CHECK(level ? (rc == 0 || rc == AXV_EALREADY) : rc == 0,
				   "set_spi %u: %d", id, rc);
			FUZZ_CHECK(axv_virq_is_pending(&virq[t], id) == level,
				   "SPI %u line %d but pending %d", id, level,
				   axv_virq_is_pending(&virq[t], id));
			break;
		}
		case 5: { /* ICC_SGI1R_EL1 from a vcpu (or a bad sender) */
			uint32_t src = fin_u8(&in) % (nv + 2);
			uint64_t v = fin_u64(&in);
			int rc = axv_vgic_send_sgi(&gic, src, v);
			if (src >= nv) {
				FUZZ_CHECK(rc == AXV_EINVAL, "send_sgi from %u: %d", src, rc);
				break;
			}
			FUZZ_CHECK(rc >= 0 && (uint32_t)rc <= nv, "send_sgi: %d", rc);
			if (v & (1ull << 40))
				FUZZ_CHECK((uint32_t)rc == nv - 1, "IRM: %d of %u", rc, nv);
			uint32_t sgi = (uint32_t)(v >> 24) & 0xf;
			unsigned pending = 0;
			for (uint32_t i = 0; i < nv; i++)
				pending += axv_virq_is_pending(&virq[i], sgi);
			FUZZ_CHECK(pending >= (unsigned)rc, "SGI %u sent to %d vcpus, pending in %u",
				   sgi, rc, pending);
			break;
		}
		default: { /* the vcpu's cpu interface: acknowledge, maybe EOI */
			uint32_t id;
			int rc = axv_virq_ack(&virq[who], &id);
			if (rc == 0) {
				FUZZ_CHECK(id < AXV_VIRQ_MAX && axv_virq_is_active(&virq[who], id),
					   "acked %u", id);
				if (k & 0x20)
					FUZZ_CHECK(axv_virq_eoi(&virq[who], id) == 0, "eoi");
			}
			break;
		}
		}
		check_state();
		check_bus_view(&bus, &in);
	}
	for (uint32_t i = 0; i < nv; i++)
		for (uint32_t id = 32 + nspi; id < AXV_VIRQ_MAX; id++)
			FUZZ_CHECK(!axv_virq_is_pending(&virq[i], id) &&
					   !axv_virq_is_enabled(&virq[i], id) &&
					   !axv_virq_is_active(&virq[i], id),
				   "vcpu %u: id %u past the configured SPIs has state", i, id);
	for (uint32_t i = 0; i < nv; i++)
		FUZZ_CHECK(axv_vcpu_destroy(&vcpu[i]) == 0, "vcpu destroy");
	return 0;
}
