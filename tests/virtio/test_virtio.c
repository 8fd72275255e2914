/* Unit tests of lib/virtio: every virtio-mmio register (virtio 1.2 section 4.2.2), split
 * virtqueues with hand-built rings and chains in mock guest memory (section 2.7), every
 * validation rule, virtio-blk (5.2) and virtio-console (5.3). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "vio_env.h"

#define DISK_SECTORS 128
#define ST_OK (3u | 8u | 4u)
#define NR 0x40u /* DEVICE_NEEDS_RESET */

static struct env e;
static struct axv_virtio_blk blk;
static uint8_t disk[DISK_SECTORS * 512];
static struct axv_virtio_mmio *m = &blk.mmio;

static void setup(void)
{
	env_init(&e);
	for (size_t i = 0; i < sizeof(disk); i++)
		disk[i] = (uint8_t)(i * 7 + i / 512);
	cr_assert_eq(axv_virtio_blk_init(&blk, &e.as, disk, sizeof(disk), false, "axv-disk-0",
					 env_set_irq, &e), 0);
}

static void teardown(void)
{
	env_fini(&e);
}

static const uint64_t FEAT = F(AXV_VIRTIO_F_VERSION_1);
static const uint64_t FEAT_ALL =
	F(AXV_VIRTIO_F_VERSION_1) | F(AXV_VIRTIO_F_INDIRECT_DESC) | F(AXV_VIRTIO_F_RING_EVENT_IDX);

static void ready(uint64_t features, uint16_t num)
{
	cr_assert_eq(drv_setup(m, features, 0, num, DESC, AVAIL, USED, true), ST_OK);
}

static void notify(void)
{
	wr(m, 0x050, 0);
}

/* Header for a blk request at gpa. */
static void blk_hdr(uint64_t gpa, uint32_t type, uint64_t sector)
{
	uint8_t h[16] = {0};
	memcpy(h, &type, 4);
	memcpy(h + 8, &sector, 8);
	gput(&e, gpa, h, 16);
}

static uint8_t gbyte(uint64_t gpa)
{
	uint8_t b;
	gget(&e, gpa, &b, 1);
	return b;
}

/* A three-descriptor blk request at descriptors 0..2: header, data (len, write?), status. */
static void blk_req(uint32_t type, uint64_t sector, uint32_t len, bool data_write)
{
	blk_hdr(BUF, type, sector);
	desc(&e, DESC, 0, BUF, 16, D_NEXT, 1);
	desc(&e, DESC, 1, BUF + 0x1000, len, D_NEXT | (data_write ? D_WRITE : 0), 2);
	desc(&e, DESC, 2, BUF + 0x100, 1, D_WRITE, 0);
	gput(&e, BUF + 0x100, "\xee", 1);
	avail_add(&e, AVAIL, 8, 0);
}

static void expect_violation(enum axv_virtio_violation why)
{
	cr_expect(rd(m, 0x070) & NR, "NEEDS_RESET not set");
	cr_expect_eq(m->violation, why, "violation %d, expected %d", m->violation, why);
}

TestSuite(virtio_mmio, .init = setup, .fini = teardown);
TestSuite(virtq, .init = setup, .fini = teardown);

/* ---- registers ------------------------------------------------------------------------ */

Test(virtio_mmio, identity_registers)
{
	cr_expect_eq(rd(m, 0x000), 0x74726976u);
	cr_expect_eq(rd(m, 0x004), 2u);
	cr_expect_eq(rd(m, 0x008), AXV_VIRTIO_ID_BLOCK);
	cr_expect_eq(rd(m, 0x00c), 0x00767861u);
	cr_expect_eq(rd(m, 0x0fc), 0u);
	cr_expect_eq(rd(m, 0x070), 0u);
	/* No shared memory regions: length and base read as -1. */
	for (uint64_t r = 0x0b0; r <= 0x0bc; r += 4)
		cr_expect_eq(rd(m, r), 0xffffffffu);
	cr_expect_eq(rd(m, 0x0c0), 0u); /* QueueReset: not offered */
	wr(m, 0x0ac, 3);                /* SHMSel: accepted, nothing changes */
	wr(m, 0x000, 1);                /* read-only: ignored */
	cr_expect_eq(rd(m, 0x000), 0x74726976u);
}

Test(virtio_mmio, device_features_by_selector)
{
	wr(m, 0x014, 0);
	uint32_t lo = rd(m, 0x010);
	cr_expect(lo & (1u << 2), "SEG_MAX");
	cr_expect(lo & (1u << 6), "BLK_SIZE");
	cr_expect(lo & (1u << 9), "FLUSH");
	cr_expect(!(lo & (1u << 5)), "RO on a writable disk");
	cr_expect(lo & (1u << AXV_VIRTIO_F_INDIRECT_DESC));
	cr_expect(lo & (1u << AXV_VIRTIO_F_RING_EVENT_IDX));
	wr(m, 0x014, 1);
	cr_expect_eq(rd(m, 0x010), 1u, "VERSION_1 only in the high word");
	wr(m, 0x014, 2);
	cr_expect_eq(rd(m, 0x010), 0u);
	struct axv_virtio_blk ro;
	cr_assert_eq(axv_virtio_blk_init(&ro, &e.as, disk, sizeof(disk), true, NULL, env_set_irq,
					 &e), 0);
	wr(&ro.mmio, 0x014, 0);
	cr_expect(rd(&ro.mmio, 0x010) & (1u << 5), "RO offered");
}

Test(virtio_mmio, features_ok_needs_version_1_and_a_subset)
{
	wr(m, 0x070, 3);
	wr(m, 0x024, 0);
	wr(m, 0x020, 1u << 9);
	wr(m, 0x070, 3 | 8);
	cr_expect_eq(rd(m, 0x070), 3u, "FEATURES_OK without VERSION_1 must be refused");
	wr(m, 0x024, 1);
	wr(m, 0x020, 1 | 2); /* VERSION_1 and bit 33, not offered */
	wr(m, 0x070, 3 | 8);
	cr_expect_eq(rd(m, 0x070), 3u, "an unoffered feature must be refused");
	wr(m, 0x020, 1);
	wr(m, 0x070, 3 | 8);
	cr_expect_eq(rd(m, 0x070), 11u);
	cr_expect(axv_virtio_has_feature(m, AXV_VIRTIO_F_VERSION_1));
	cr_expect(axv_virtio_has_feature(m, 9));
	cr_expect(!axv_virtio_has_feature(m, AXV_VIRTIO_F_INDIRECT_DESC));
	cr_expect(!axv_virtio_has_feature(m, 200));
	/* DriverFeatures is frozen after FEATURES_OK. */
	wr(m, 0x024, 0);
	wr(m, 0x020, 1u << AXV_VIRTIO_F_INDIRECT_DESC);
	cr_expect(!axv_virtio_has_feature(m, AXV_VIRTIO_F_INDIRECT_DESC));
	cr_expect(axv_virtio_has_feature(m, 9));
	/* Selector 2 and above: ignored. */
	wr(m, 0x024, 2);
	wr(m, 0x020, 0xffffffffu);
	cr_expect_eq(m->driver_features, F(32) | F(9));
}

Test(virtio_mmio, driver_ok_needs_features_ok)
{
	wr(m, 0x070, 3);
	wr(m, 0x070, 3 | 4);
	cr_expect_eq(rd(m, 0x070), 3u);
	wr(m, 0x070, 3 | 0x40 | 0x80); /* the driver cannot set NEEDS_RESET; FAILED is kept */
	cr_expect_eq(rd(m, 0x070), 0x83u);
}

Test(virtio_mmio, queue_registers)
{
	wr(m, 0x030, 0);
	cr_expect_eq(rd(m, 0x034), AXV_VIRTQ_MAX_SIZE);
	cr_expect_eq(rd(m, 0x044), 0u);
	wr(m, 0x030, 1); /* blk has one queue */
	cr_expect_eq(rd(m, 0x034), 0u);
	wr(m, 0x044, 1);
	cr_expect_eq(rd(m, 0x044), 0u);
	cr_expect_eq(rd(m, 0x070), 0u, "a missing queue is ignored, not a violation");
	ready(FEAT, 8);
	cr_expect_eq(rd(m, 0x044), 1u);
	cr_expect_eq(m->q[0].num, 8);
	cr_expect_eq(m->q[0].desc, DESC);
	cr_expect_eq(m->q[0].driver, AVAIL);
	cr_expect_eq(m->q[0].device, USED);
	/* Layout writes while ready are refused. */
	wr(m, 0x038, 4);
	wr(m, 0x080, 0x5000);
	wr(m, 0x094, 1);
	wr(m, 0x0a0, 0x40003000);
	cr_expect_eq(m->q[0].num, 8);
	cr_expect_eq(m->q[0].desc, DESC);
	cr_expect_eq(m->q[0].driver, AVAIL);
	cr_expect_eq(m->q[0].device, USED);
	/* The layout registers are write-only: they read as 0. */
	cr_expect_eq(rd(m, 0x080), 0u);
	cr_expect_eq(rd(m, 0x038), 0u);
	/* QueueReady = 0 disables; then the layout can change, high halves too. */
	wr(m, 0x044, 0);
	cr_expect_eq(rd(m, 0x044), 0u);
	wr(m, 0x084, 0x12);
	cr_expect_eq(m->q[0].desc, DESC | (0x12ull << 32));
}

Test(virtio_mmio, bad_queue_setups_need_reset)
{
	struct {
		uint16_t num;
		uint64_t d, a, u;
	} bad[] = {
		{0, DESC, AVAIL, USED},             /* size 0 */
		{6, DESC, AVAIL, USED},             /* not a power of 2 */
		{512, DESC, AVAIL, USED},           /* above QueueNumMax */
		{8, DESC + 8, AVAIL, USED},         /* descriptor table misaligned (16) */
		{8, DESC, AVAIL + 1, USED},         /* available ring misaligned (2) */
		{8, DESC, AVAIL, USED + 2},         /* used ring misaligned (4) */
		{8, HOLE, AVAIL, USED},             /* descriptor table in a hole */
		{8, DESC, HOLE, USED},              /* available ring in a hole */
		{8, DESC, AVAIL, ROM},              /* used ring read-only */
		{8, DESC, AVAIL, DEVMEM},           /* used ring in device memory */
		{8, DESC, DEVMEM, USED},            /* available ring in device memory */
		{256, ROM + 0x800, AVAIL, USED},    /* table runs off the end of RAM */
		{8, DESC, AVAIL, (uint64_t)-4},     /* wraps */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int calls = e.irq_calls;
		uint32_t st = drv_setup(m, FEAT, 0, bad[i].num, bad[i].d, bad[i].a, bad[i].u, false);
		cr_expect(st & NR, "case %zu: no NEEDS_RESET", i);
		cr_expect_eq(m->violation, AXV_VIRTIO_BAD_QUEUE_SETUP, "case %zu", i);
		cr_expect_eq(rd(m, 0x044), 0u, "case %zu: queue became ready", i);
		cr_expect_eq(e.irq_calls, calls, "case %zu: interrupt before DRIVER_OK", i);
		/* DRIVER_OK can still be set; then nothing is processed. */
		wr(m, 0x070, ST_OK);
		cr_expect_eq(rd(m, 0x070), ST_OK | NR);
	}
	/* A read-only ring area is fine for the driver-written parts. */
	cr_expect_eq(drv_setup(m, FEAT, 0, 8, ROM, ROM + 0x200, USED, true), ST_OK);
}

Test(virtio_mmio, bad_setup_after_driver_ok_raises_config_interrupt)
{
	ready(FEAT, 8);
	wr(m, 0x030, 0);
	wr(m, 0x044, 0);
	wr(m, 0x038, 3);
	wr(m, 0x044, 1);
	expect_violation(AXV_VIRTIO_BAD_QUEUE_SETUP);
	cr_expect_eq(rd(m, 0x060), AXV_VIRTIO_INT_CONFIG);
	cr_expect(e.irq);
}

Test(virtio_mmio, notify_rules)
{
	/* Before DRIVER_OK a notify is not processed and not a violation ... */
	cr_assert_eq(drv_setup(m, FEAT, 0, 8, DESC, AVAIL, USED, false), 11u);
	blk_req(0, 0, 512, true);
	notify();
	cr_expect_eq(g16(&e, USED + 2), 0);
	cr_expect_eq(rd(m, 0x070), 11u);
	/* ... the buffers are processed when DRIVER_OK is set. */
	wr(m, 0x070, ST_OK);
	cr_expect_eq(g16(&e, USED + 2), 1);
	cr_expect_eq(gbyte(BUF + 0x100), 0);
	/* Notify of a queue the device lacks. */
	wr(m, 0x050, 1);
	expect_violation(AXV_VIRTIO_QUEUE_NOT_READY);
}

Test(virtio_mmio, notify_of_a_queue_not_ready)
{
	ready(FEAT, 8);
	wr(m, 0x030, 0);
	wr(m, 0x044, 0);
	notify();
	expect_violation(AXV_VIRTIO_QUEUE_NOT_READY);
	cr_expect_eq(rd(m, 0x060), AXV_VIRTIO_INT_CONFIG);
}

Test(virtio_mmio, interrupt_status_ack_and_line)
{
	ready(FEAT, 8);
	blk_req(0, 0, 512, true);
	notify();
	cr_expect_eq(rd(m, 0x060), AXV_VIRTIO_INT_VRING);
	cr_expect(e.irq);
	cr_expect_eq(e.irq_calls, 1);
	axv_virtio_config_changed(m);
	cr_expect_eq(rd(m, 0x060), AXV_VIRTIO_INT_VRING | AXV_VIRTIO_INT_CONFIG);
	cr_expect_eq(e.irq_calls, 1, "the line is already high");
	cr_expect_eq(rd(m, 0x0fc), 1u, "ConfigGeneration");
	wr(m, 0x064, AXV_VIRTIO_INT_VRING);
	cr_expect(e.irq);
	cr_expect_eq(rd(m, 0x060), AXV_VIRTIO_INT_CONFIG);
	wr(m, 0x064, AXV_VIRTIO_INT_CONFIG);
	cr_expect(!e.irq);
	cr_expect_eq(e.irq_calls, 2);
	cr_expect_eq(rd(m, 0x060), 0u);
}

Test(virtio_mmio, config_change_before_driver_ok_has_no_interrupt)
{
	axv_virtio_config_changed(m);
	cr_expect_eq(rd(m, 0x0fc), 1u);
	cr_expect_eq(rd(m, 0x060), 0u);
	cr_expect_eq(e.irq_calls, 0);
}

Test(virtio_mmio, reset_clears_everything)
{
	ready(FEAT_ALL, 8);
	blk_req(0, 0, 512, true);
	notify();
	wr(m, 0x050, 3);
	cr_assert(rd(m, 0x070) & NR);
	cr_assert(e.irq);
	wr(m, 0x070, 0);
	cr_expect_eq(rd(m, 0x070), 0u);
	cr_expect_eq(rd(m, 0x060), 0u);
	cr_expect(!e.irq, "reset lowers the line");
	cr_expect_eq(rd(m, 0x044), 0u);
	cr_expect_eq(m->driver_features, 0u);
	cr_expect_eq(m->violation, AXV_VIRTIO_OK);
	cr_expect_eq(m->violations, 1u);
	/* The device works again after a fresh setup (indices start over). */
	memset(&e.irq, 0, sizeof(e.irq));
	p16(&e, AVAIL + 2, 0);
	ready(FEAT, 8);
	blk_req(0, 1, 512, true);
	notify();
	cr_expect_eq(g16(&e, USED + 2), 1);
	cr_expect_eq(gbyte(BUF + 0x100), 0);
}

Test(virtio_mmio, only_aligned_32_bit_register_accesses)
{
	uint64_t v = 7;
	for (uint8_t w = 1; w <= 8; w *= 2) {
		if (w == 4)
			continue;
		cr_expect_eq(axv_virtio_mmio_ops.read(m, 0, w, &v), 0);
		cr_expect_eq(v, 0u, "width %u", w);
		cr_expect_eq(axv_virtio_mmio_ops.write(m, 0x070, w, 3), 0);
		cr_expect_eq(rd(m, 0x070), 0u, "width %u write took effect", w);
	}
	cr_expect_eq(axv_virtio_mmio_ops.read(m, 0x002, 4, &v), 0);
	cr_expect_eq(v, 0u);
	cr_expect_eq(axv_virtio_mmio_ops.write(m, 0x072, 4, 3), 0);
	cr_expect_eq(rd(m, 0x070), 0u);
}

Test(virtio_mmio, config_space)
{
	uint64_t v;
	cr_expect_eq(rd(m, 0x100), DISK_SECTORS);
	cr_expect_eq(rd(m, 0x104), 0u);
	cr_assert_eq(axv_virtio_mmio_ops.read(m, 0x100, 8, &v), 0);
	cr_expect_eq(v, DISK_SECTORS);
	cr_expect_eq(rd(m, 0x10c), AXV_VIRTQ_MAX_SIZE - 2, "seg_max");
	cr_expect_eq(rd(m, 0x114), 512u, "blk_size");
	cr_assert_eq(axv_virtio_mmio_ops.read(m, 0x100, 1, &v), 0);
	cr_expect_eq(v, DISK_SECTORS);
	/* Past the config space, or straddling its end: zero. */
	cr_assert_eq(axv_virtio_mmio_ops.read(m, 0x100 + 24, 4, &v), 0);
	cr_expect_eq(v, 0u);
	cr_assert_eq(axv_virtio_mmio_ops.read(m, 0x100 + 20, 8, &v), 0);
	cr_expect_eq(v, 0u);
	cr_assert_eq(axv_virtio_mmio_ops.read(m, 0x1fc, 4, &v), 0);
	cr_expect_eq(v, 0u);
	/* blk's config is read-only: writes are ignored. */
	cr_expect_eq(axv_virtio_mmio_ops.write(m, 0x100, 4, 5), 0);
	cr_expect_eq(rd(m, 0x100), DISK_SECTORS);
}

Test(virtio_mmio, through_the_bus)
{
	struct axv_bus bus;
	struct axv_bus_entry slots[4];
	size_t cap[AXV_BUS_SPACE_COUNT] = {4, 0, 0};
	cr_assert_eq(axv_bus_init(&bus, slots, cap), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x0a000000, AXV_VIRTIO_MMIO_SIZE,
				      &axv_virtio_mmio_ops, m), 0);
	uint64_t v;
	cr_assert_eq(axv_bus_read(&bus, AXV_BUS_MMIO, 0x0a000000, 4, &v), 0);
	cr_expect_eq(v, 0x74726976u);
	cr_assert_eq(axv_bus_write(&bus, AXV_BUS_MMIO, 0x0a000070, 4, 1), 0);
	cr_expect_eq(rd(m, 0x070), 1u);
	cr_assert_eq(axv_bus_read(&bus, AXV_BUS_MMIO, 0x0a000100, 4, &v), 0);
	cr_expect_eq(v, DISK_SECTORS);
}

static int dummy_notify(struct axv_virtio_mmio *mm, unsigned q)
{
	(void)mm;
	(void)q;
	return 0;
}

Test(virtio_mmio, init_validation)
{
	struct axv_virtio_blk b;
	memset(&b, 0x5a, sizeof(b));
	cr_expect_eq(axv_virtio_blk_init(NULL, &e.as, disk, 512, false, NULL, env_set_irq, &e),
		     AXV_EINVAL);
	cr_expect_eq(axv_virtio_blk_init(&b, NULL, disk, 512, false, NULL, env_set_irq, &e),
		     AXV_EINVAL);
	cr_expect_eq(axv_virtio_blk_init(&b, &e.as, NULL, 512, false, NULL, env_set_irq, &e),
		     AXV_EINVAL);
	cr_expect_eq(axv_virtio_blk_init(&b, &e.as, disk, 512, false, NULL, NULL, &e), AXV_EINVAL);
	struct axv_virtio_console c;
	cr_expect_eq(axv_virtio_console_init(&c, &e.as, NULL, NULL, env_set_irq, &e), AXV_EINVAL);
	static const struct axv_virtio_device nohook = {.device_id = 9, .num_queues = 1};
	static const struct axv_virtio_device none = {.device_id = 9, .num_queues = 0,
						      .notify = dummy_notify};
	static const struct axv_virtio_device many = {.device_id = 9, .num_queues = 5,
						      .notify = dummy_notify};
	cr_expect_eq(axv_virtio_mmio_init(&b.mmio, &e.as, &nohook, NULL, 0, NULL, 0, env_set_irq,
					  &e), AXV_EINVAL, "no notify hook");
	cr_expect_eq(axv_virtio_mmio_init(&b.mmio, &e.as, &none, NULL, 0, NULL, 0, env_set_irq, &e),
		     AXV_EINVAL);
	cr_expect_eq(axv_virtio_mmio_init(&b.mmio, &e.as, &many, NULL, 0, NULL, 0, env_set_irq, &e),
		     AXV_EINVAL);
	uint8_t big[AXV_VIRTIO_CONFIG_MAX + 1];
	cr_expect_eq(axv_virtio_mmio_init(&b.mmio, &e.as, &blk.mmio.type[0], NULL, 0, big,
					  sizeof(big), env_set_irq, &e), AXV_EINVAL);
	cr_expect_eq(axv_virtio_mmio_init(&b.mmio, &e.as, blk.mmio.type, NULL, 0, NULL, 4,
					  env_set_irq, &e), AXV_EINVAL);
	for (size_t i = 0; i < sizeof(b); i++)
		cr_assert_eq(((uint8_t *)&b)[i], 0x5a, "storage touched on failure");
}

/* ---- virtio-blk requests and the queue machinery ---------------------------------------- */

Test(virtq, blk_read_write_and_bounds)
{
	ready(FEAT, 8);
	/* IN of sector 3 into a 512-byte buffer followed by a sentinel. */
	gput(&e, BUF + 0x1000 + 512, "SENTINEL", 8);
	blk_req(0, 3, 512, true);
	notify();
	uint8_t got[512];
	gget(&e, BUF + 0x1000, got, 512);
	cr_expect_eq(memcmp(got, disk + 3 * 512, 512), 0);
	char sent[8];
	gget(&e, BUF + 0x1000 + 512, sent, 8);
	cr_expect_eq(memcmp(sent, "SENTINEL", 8), 0, "write past the buffer");
	cr_expect_eq(gbyte(BUF + 0x100), 0);
	cr_expect_eq(g16(&e, USED + 2), 1);
	cr_expect_eq(g32(&e, USED + 4), 0u, "used id");
	cr_expect_eq(g32(&e, USED + 8), 513u, "used len: data and status");
	/* OUT of two sectors at 10. */
	uint8_t pat[1024];
	for (int i = 0; i < 1024; i++)
		pat[i] = (uint8_t)(0x31 + i);
	gput(&e, BUF + 0x1000, pat, sizeof(pat));
	blk_req(1, 10, 1024, false);
	notify();
	cr_expect_eq(memcmp(disk + 10 * 512, pat, 1024), 0);
	cr_expect_eq(gbyte(BUF + 0x100), 0);
	cr_expect_eq(g32(&e, USED + 12 + 4), 1u, "used len of an OUT: the status byte");
	/* Out of bounds, overflowing sector, partial sector: IOERR, nothing copied. */
	uint64_t bad_sectors[] = {DISK_SECTORS, DISK_SECTORS - 1, UINT64_MAX, UINT64_MAX / 512 + 1};
	uint32_t bad_lens[] = {512, 1024, 512, 512};
	for (int i = 0; i < 4; i++) {
		uint8_t before[sizeof(disk)];
		memcpy(before, disk, sizeof(disk));
		blk_req(1, bad_sectors[i], bad_lens[i], false);
		notify();
		cr_expect_eq(gbyte(BUF + 0x100), 1, "case %d: IOERR", i);
		cr_expect_eq(memcmp(before, disk, sizeof(disk)), 0, "case %d: disk written", i);
		blk_req(0, bad_sectors[i], bad_lens[i], true);
		notify();
		cr_expect_eq(gbyte(BUF + 0x100), 1, "case %d: IOERR on read", i);
	}
	blk_req(0, 0, 100, true);
	notify();
	cr_expect_eq(gbyte(BUF + 0x100), 1, "partial sector");
	cr_expect_eq(rd(m, 0x070), ST_OK, "I/O errors are not violations");
	cr_expect_eq(blk.errors, 9u);
}

Test(virtq, blk_read_only_flush_get_id_unsupp)
{
	struct axv_virtio_blk ro;
	cr_assert_eq(axv_virtio_blk_init(&ro, &e.as, disk, sizeof(disk), true, "0123456789abcdefghijKL",
					 env_set_irq, &e), 0);
	m = &ro.mmio;
	cr_assert_eq(drv_setup(m, FEAT | F(5), 0, 8, DESC, AVAIL, USED, true), ST_OK);
	uint8_t before[512];
	memcpy(before, disk, 512);
	blk_req(1, 0, 512, false);
	notify();
	cr_expect_eq(gbyte(BUF + 0x100), 1, "OUT on a read-only disk: IOERR");
	cr_expect_eq(memcmp(before, disk, 512), 0);
	blk_req(4, 0, 0, true); /* FLUSH with an empty data descriptor */
	notify();
	cr_expect_eq(gbyte(BUF + 0x100), 0);
	blk_req(8, 0, 20, true); /* GET_ID */
	notify();
	char id[21] = {0};
	gget(&e, BUF + 0x1000, id, 20);
	cr_expect_str_eq(id, "0123456789abcdefghij");
	cr_expect_eq(gbyte(BUF + 0x100), 0);
	blk_req(77, 0, 16, true);
	notify();
	cr_expect_eq(gbyte(BUF + 0x100), 2, "UNSUPP");
	m = &blk.mmio;
}

Test(virtq, blk_refuses_requests_without_header_or_status)
{
	ready(FEAT, 8);
	/* Only a header: no status byte to write. */
	blk_hdr(BUF, 0, 0);
	desc(&e, DESC, 0, BUF, 16, 0, 0);
	avail_add(&e, AVAIL, 8, 0);
	/* Header of 8 bytes only. */
	desc(&e, DESC, 1, BUF, 8, D_NEXT, 2);
	desc(&e, DESC, 2, BUF + 0x100, 1, D_WRITE, 0);
	gput(&e, BUF + 0x100, "\xee", 1);
	avail_add(&e, AVAIL, 8, 1);
	notify();
	cr_expect_eq(g16(&e, USED + 2), 2);
	cr_expect_eq(g32(&e, USED + 8), 0u);
	cr_expect_eq(g32(&e, USED + 12), 1u);
	cr_expect_eq(g32(&e, USED + 16), 0u);
	cr_expect_eq(gbyte(BUF + 0x100), 0xee, "refused: status untouched");
	cr_expect_eq(rd(m, 0x070), ST_OK);
}

Test(virtq, scattered_buffers_and_segments)
{
	ready(FEAT, 16);
	/* IN of 2 sectors into 5 pieces of 1, 511, 300, 200, 12 bytes, status in the last. */
	uint32_t lens[] = {1, 511, 300, 200, 12 + 1};
	blk_hdr(BUF, 0, 5);
	desc(&e, DESC, 0, BUF, 16, D_NEXT, 1);
	uint64_t at = BUF + 0x2000;
	for (int i = 0; i < 5; i++) {
		desc(&e, DESC, 1 + i, at, lens[i], D_WRITE | (i < 4 ? D_NEXT : 0), 2 + i);
		at += 0x400;
	}
	avail_add(&e, AVAIL, 16, 0);
	struct axv_virtq_req r;
	/* Through the public pop, to check the request view. */
	cr_assert_eq(axv_virtq_pop(m, 0, &r), 0);
	cr_expect_eq(r.nseg, 6);
	cr_expect_eq(r.nout, 1);
	cr_expect_eq(r.out_len, 16u);
	cr_expect_eq(r.in_len, 1025u);
	cr_expect_eq(r.seg[2].len, 511u);
	cr_expect(r.seg[2].write);
	uint8_t b[4];
	cr_expect_eq(axv_virtq_read(m, &r, 14, b, 3), AXV_ERANGE);
	cr_expect_eq(axv_virtq_write(m, &r, 1024, b, 2), AXV_ERANGE);
	cr_expect_eq(axv_virtq_write(m, &r, 0xffffffffu, b, 2), AXV_ERANGE);
	cr_expect_eq(axv_virtq_push(m, &r, 1026), AXV_EINVAL);
	cr_expect_eq(axv_virtq_pop(m, 0, &r), AXV_ENOENT);
	cr_expect_eq(axv_virtq_pop(m, 1, &r), AXV_EINVAL);
	/* Now the same through notify. */
	avail_add(&e, AVAIL, 16, 0);
	notify();
	uint8_t got[1024];
	at = BUF + 0x2000;
	size_t k = 0;
	for (int i = 0; i < 5; i++) {
		uint32_t n = i < 4 ? lens[i] : 12;
		gget(&e, at, got + k, n);
		k += n;
		at += 0x400;
	}
	cr_expect_eq(memcmp(got, disk + 5 * 512, 1024), 0);
	cr_expect_eq(gbyte(BUF + 0x2000 + 4 * 0x400 + 12), 0);
}

Test(virtq, indirect_descriptors)
{
	ready(FEAT_ALL, 8);
	uint64_t tbl = BUF + 0x8000;
	blk_hdr(BUF, 0, 7);
	desc(&e, tbl, 0, BUF, 16, D_NEXT, 1);
	desc(&e, tbl, 1, BUF + 0x1000, 512, D_NEXT | D_WRITE, 2);
	desc(&e, tbl, 2, BUF + 0x100, 1, D_WRITE, 0);
	desc(&e, DESC, 3, tbl, 48, D_INDIRECT | D_WRITE /* ignored on the indirect one */, 0);
	avail_add(&e, AVAIL, 8, 3);
	notify();
	cr_expect_eq(rd(m, 0x070), ST_OK);
	cr_expect_eq(g32(&e, USED + 4), 3u);
	cr_expect_eq(gbyte(BUF + 0x100), 0);
	uint8_t got[512];
	gget(&e, BUF + 0x1000, got, 512);
	cr_expect_eq(memcmp(got, disk + 7 * 512, 512), 0);
}

/* Set a device up with `features`, make descriptor `head` available and notify; expect a
 * violation `why` with nothing in the used ring. */
static void expect_chain_violation(uint16_t head, enum axv_virtio_violation why)
{
	avail_add(&e, AVAIL, 8, head);
	notify();
	expect_violation(why);
	cr_expect_eq(g16(&e, USED + 2), 0, "a bad chain was used");
	cr_expect_eq(rd(m, 0x060), AXV_VIRTIO_INT_CONFIG);
	/* Nothing is processed any more, even a good chain. */
	blk_req(0, 0, 512, true);
	notify();
	cr_expect_eq(g16(&e, USED + 2), 0);
	cr_expect_eq(gbyte(BUF + 0x100), 0xee);
}

Test(virtq, indirect_not_negotiated)
{
	ready(FEAT, 8);
	desc(&e, DESC, 3, BUF + 0x8000, 48, D_INDIRECT, 0);
	expect_chain_violation(3, AXV_VIRTIO_BAD_INDIRECT);
}

Test(virtq, indirect_with_next)
{
	ready(FEAT_ALL, 8);
	desc(&e, BUF + 0x8000, 0, BUF, 16, 0, 0);
	desc(&e, DESC, 3, BUF + 0x8000, 16, D_INDIRECT | D_NEXT, 4);
	desc(&e, DESC, 4, BUF, 16, 0, 0);
	expect_chain_violation(3, AXV_VIRTIO_BAD_INDIRECT);
}

Test(virtq, nested_indirect)
{
	ready(FEAT_ALL, 8);
	desc(&e, BUF + 0x8000, 0, BUF + 0x9000, 16, D_INDIRECT, 0);
	desc(&e, DESC, 3, BUF + 0x8000, 16, D_INDIRECT, 0);
	expect_chain_violation(3, AXV_VIRTIO_BAD_INDIRECT);
}

Test(virtq, indirect_bad_lengths)
{
	uint32_t lens[] = {0, 15, 40};
	for (int i = 0; i < 3; i++) {
		p16(&e, AVAIL + 2, 0);
		p16(&e, USED + 2, 0);
		ready(FEAT_ALL, 8);
		desc(&e, DESC, 3, BUF + 0x8000, lens[i], D_INDIRECT, 0);
		avail_add(&e, AVAIL, 8, 3);
		notify();
		expect_violation(AXV_VIRTIO_BAD_LENGTH);
	}
}

Test(virtq, indirect_table_outside_ram)
{
	ready(FEAT_ALL, 8);
	desc(&e, DESC, 3, HOLE, 32, D_INDIRECT, 0);
	expect_chain_violation(3, AXV_VIRTIO_BAD_BUFFER);
}

Test(virtq, indirect_index_beyond_table)
{
	ready(FEAT_ALL, 8);
	desc(&e, BUF + 0x8000, 0, BUF, 16, D_NEXT, 2); /* the table has 2 entries */
	desc(&e, DESC, 3, BUF + 0x8000, 32, D_INDIRECT, 0);
	expect_chain_violation(3, AXV_VIRTIO_BAD_DESC_INDEX);
}

Test(virtq, chain_loop)
{
	ready(FEAT, 8);
	desc(&e, DESC, 4, BUF, 16, D_NEXT, 5);
	desc(&e, DESC, 5, BUF, 16, D_NEXT, 4);
	expect_chain_violation(4, AXV_VIRTIO_CHAIN_TOO_LONG);
}

Test(virtq, self_loop)
{
	ready(FEAT, 8);
	desc(&e, DESC, 6, BUF, 16, D_NEXT, 6);
	expect_chain_violation(6, AXV_VIRTIO_CHAIN_TOO_LONG);
}

Test(virtq, loop_inside_an_indirect_table)
{
	ready(FEAT_ALL, 8);
	uint64_t tbl = BUF + 0x8000;
	desc(&e, tbl, 0, BUF, 16, D_NEXT, 1);
	desc(&e, tbl, 1, BUF, 16, D_NEXT, 0);
	desc(&e, DESC, 3, tbl, 32, D_INDIRECT, 0);
	expect_chain_violation(3, AXV_VIRTIO_CHAIN_TOO_LONG);
}

Test(virtq, indirect_chain_longer_than_the_queue)
{
	ready(FEAT_ALL, 8);
	uint64_t tbl = BUF + 0x8000;
	for (int i = 0; i < 9; i++)
		desc(&e, tbl, i, BUF, 16, i < 8 ? D_NEXT : 0, i + 1);
	desc(&e, DESC, 3, tbl, 16 * 9, D_INDIRECT, 0);
	expect_chain_violation(3, AXV_VIRTIO_CHAIN_TOO_LONG);
}

Test(virtq, next_index_beyond_queue)
{
	ready(FEAT, 8);
	desc(&e, DESC, 2, BUF, 16, D_NEXT, 8);
	expect_chain_violation(2, AXV_VIRTIO_BAD_DESC_INDEX);
}

Test(virtq, head_index_beyond_queue)
{
	ready(FEAT, 8);
	expect_chain_violation(200, AXV_VIRTIO_BAD_DESC_INDEX);
}

Test(virtq, avail_index_beyond_queue_size)
{
	ready(FEAT, 8);
	desc(&e, DESC, 0, BUF, 16, 0, 0);
	p16(&e, AVAIL + 2, 9);
	notify();
	expect_violation(AXV_VIRTIO_BAD_AVAIL_IDX);
	cr_expect_eq(g16(&e, USED + 2), 0);
}

Test(virtq, address_wraps)
{
	ready(FEAT, 8);
	desc(&e, DESC, 0, UINT64_MAX - 7, 16, 0, 0);
	expect_chain_violation(0, AXV_VIRTIO_BAD_LENGTH);
}

Test(virtq, total_length_overflows_32_bits)
{
	size_t live = e.mh.live;
	ready(FEAT, 8);
	/* Two buffers of 4 GiB - 1 in (untouched, lazily mapped) RAM. */
	desc(&e, DESC, 0, BIG, 0xffffffffu, D_NEXT | D_WRITE, 1);
	desc(&e, DESC, 1, BIG + 0x100000000ull, 0xffffffffu, D_WRITE, 0);
	expect_chain_violation(0, AXV_VIRTIO_BAD_LENGTH);
	cr_expect_eq(e.mh.live, live, "no frame was given to BIG");
}

Test(virtq, buffer_in_a_hole)
{
	ready(FEAT, 8);
	desc(&e, DESC, 0, HOLE, 16, 0, 0);
	expect_chain_violation(0, AXV_VIRTIO_BAD_BUFFER);
}

Test(virtq, buffer_across_the_end_of_ram)
{
	ready(FEAT, 8);
	desc(&e, DESC, 0, ROM + 0x1000 - 8, 16, 0, 0); /* ROM is followed by a hole */
	expect_chain_violation(0, AXV_VIRTIO_BAD_BUFFER);
}

Test(virtq, buffer_in_device_memory)
{
	ready(FEAT, 8);
	desc(&e, DESC, 0, DEVMEM, 16, 0, 0);
	expect_chain_violation(0, AXV_VIRTIO_BAD_BUFFER);
}

Test(virtq, writable_buffer_in_read_only_memory)
{
	ready(FEAT, 8);
	blk_hdr(ROM, 0, 0); /* the guest cannot write ROM; the test can */
	desc(&e, DESC, 0, ROM, 16, D_NEXT, 1);         /* readable ROM: fine */
	desc(&e, DESC, 1, ROM + 0x100, 1, D_WRITE, 0); /* writable ROM: not */
	expect_chain_violation(0, AXV_VIRTIO_BAD_BUFFER);
}

Test(virtq, readable_after_writable)
{
	ready(FEAT, 8);
	desc(&e, DESC, 0, BUF, 16, D_WRITE | D_NEXT, 1);
	desc(&e, DESC, 1, BUF, 16, 0, 0);
	expect_chain_violation(0, AXV_VIRTIO_BAD_ORDER);
}

Test(virtq, used_ring_unmapped_after_setup)
{
	ready(FEAT, 8);
	blk_req(0, 0, 512, true);
	cr_assert_eq(axv_addrspace_unmap(&e.as, RAM + 0x2000, 0x1000), 0);
	notify();
	expect_violation(AXV_VIRTIO_BAD_BUFFER);
}

Test(virtq, pop_and_push_state_checks)
{
	struct axv_virtq_req r = {0};
	cr_expect_eq(axv_virtq_pop(m, 0, &r), AXV_ESTATE);
	cr_expect_eq(axv_virtq_pop(NULL, 0, &r), AXV_EINVAL);
	cr_expect_eq(axv_virtq_pop(m, 0, NULL), AXV_EINVAL);
	cr_expect_eq(axv_virtq_push(m, &r, 0), AXV_ESTATE);
	ready(FEAT, 8);
	blk_req(0, 0, 512, true);
	cr_assert_eq(axv_virtq_pop(m, 0, &r), 0);
	axv_virtio_needs_reset(m, AXV_VIRTIO_BAD_USED);
	cr_expect_eq(axv_virtq_push(m, &r, 0), AXV_ESTATE);
	cr_expect_eq(g16(&e, USED + 2), 0);
}

/* ---- request lifetimes: a request popped before a reset is stale ------------------------- */

/* A request held by an asynchronous device: popped, its segments copied out of the device's
 * scratch (which the next pop reuses). */
static void con_sink(void *ctx, const uint8_t *b, size_t n)
{
	(void)ctx;
	(void)b;
	(void)n;
}

struct held {
	struct axv_virtq_req r;
	struct axv_virtq_seg seg[8];
};

static void hold(struct axv_virtio_mmio *mm, unsigned q, struct held *h)
{
	cr_assert_eq(axv_virtq_pop(mm, q, &h->r), 0);
	cr_assert_leq(h->r.nseg, 8);
	memcpy(h->seg, h->r.seg, h->r.nseg * sizeof(h->seg[0]));
	h->r.seg = h->seg;
}

/* Every use of a stale request fails with AXV_ESTATE and touches neither the used ring
 * (`used`, a queue of `num`) nor the guest memory at [watch, watch + watch_len), nor the
 * host buffer of the read. */
static void expect_stale(struct axv_virtio_mmio *mm, const struct held *h, uint64_t used,
			 uint16_t num, uint64_t watch, size_t watch_len, const char *what)
{
	static uint8_t ring0[4 + 8 * 16 + 2], ring1[sizeof(ring0)], mem0[0x2000], mem1[sizeof(mem0)];
	size_t ring_len = 4 + 8u * num + 2;
	cr_assert(ring_len <= sizeof(ring0) && watch_len <= sizeof(mem0));
	gget(&e, used, ring0, ring_len);
	gget(&e, watch, mem0, watch_len);
	uint8_t buf[4];
	memset(buf, 0x5a, sizeof(buf));
	uint32_t rlen = h->r.out_len < 4 ? h->r.out_len : 4;
	uint32_t wlen = h->r.in_len < 4 ? h->r.in_len : 4;
	cr_expect_eq(axv_virtq_read(mm, &h->r, 0, buf, rlen), AXV_ESTATE, "%s: read", what);
	cr_expect_eq(axv_virtq_write(mm, &h->r, 0, "\x11\x22\x33\x44", wlen), AXV_ESTATE,
		     "%s: write", what);
	cr_expect_eq(axv_virtq_push(mm, &h->r, 0), AXV_ESTATE, "%s: push", what);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_expect_eq(buf[i], 0x5a, "%s: the read filled the host buffer", what);
	gget(&e, used, ring1, ring_len);
	gget(&e, watch, mem1, watch_len);
	cr_expect_eq(memcmp(ring0, ring1, ring_len), 0, "%s: the used ring was written", what);
	cr_expect_eq(memcmp(mem0, mem1, watch_len), 0, "%s: guest memory was written", what);
}

/* The driver's side of a re-initialisation: fresh (zeroed) rings, as after freeing them. */
static void zero_rings(uint64_t avail, uint64_t used, uint16_t num)
{
	uint8_t z[4 + 8 * 16 + 2] = {0};
	gput(&e, avail, z, 4 + 2u * num + 2);
	gput(&e, used, z, 4 + 8u * num + 2);
}

Test(virtq, blk_request_popped_before_a_device_reset_is_stale)
{
	ready(FEAT, 8);
	blk_req(0, 0, 512, true); /* IN: the device would write the data and the status */
	struct held h;
	hold(m, 0, &h);
	/* The driver resets the device, sets it up again and sets DRIVER_OK. */
	wr(m, 0x070, 0);
	zero_rings(AVAIL, USED, 8);
	ready(FEAT, 8);
	cr_assert_eq(rd(m, 0x070), ST_OK);
	expect_stale(m, &h, USED, 8, BUF, 0x1200, "after reset");
	cr_expect_eq(g16(&e, USED + 2), 0, "used idx");
	cr_expect_eq(gbyte(BUF + 0x100), 0xee, "status byte");
	/* The new queue works: a request popped now completes. */
	blk_req(0, 0, 512, true);
	notify();
	cr_expect_eq(g16(&e, USED + 2), 1);
	cr_expect_eq(gbyte(BUF + 0x100), 0);
}

Test(virtq, blk_request_popped_before_queue_reenable_is_stale)
{
	ready(FEAT, 8);
	blk_req(0, 0, 512, true);
	struct held h;
	hold(m, 0, &h);
	/* QueueReady 0 then 1, DRIVER_OK staying set. */
	wr(m, 0x030, 0);
	wr(m, 0x044, 0);
	expect_stale(m, &h, USED, 8, BUF, 0x1200, "queue disabled");
	zero_rings(AVAIL, USED, 8);
	wr(m, 0x044, 1);
	cr_assert_eq(rd(m, 0x044), 1u);
	cr_assert_eq(rd(m, 0x070), ST_OK);
	expect_stale(m, &h, USED, 8, BUF, 0x1200, "queue re-enabled");
	cr_expect_eq(g16(&e, USED + 2), 0, "used idx");
}

Test(virtq, blk_request_popped_before_needs_reset_is_stale)
{
	ready(FEAT, 8);
	blk_req(0, 0, 512, true);
	struct held h;
	hold(m, 0, &h);
	axv_virtio_needs_reset(m, AXV_VIRTIO_BAD_USED);
	expect_stale(m, &h, USED, 8, BUF, 0x1200, "needs reset");
	/* A reset does not make it valid again. */
	wr(m, 0x070, 0);
	zero_rings(AVAIL, USED, 8);
	ready(FEAT, 8);
	expect_stale(m, &h, USED, 8, BUF, 0x1200, "needs reset, then reset");
}

/* A console with both queues live, one receive buffer (device-writable, 16 bytes of 0xaa)
 * and one transmit buffer ("hi") popped and held: *rx and *tx. */
static struct axv_virtio_console *console_with_held(struct held *rx, struct held *tx)
{
	static struct axv_virtio_console c;
	env_init(&e);
	cr_assert_eq(axv_virtio_console_init(&c, &e.as, con_sink, NULL, env_set_irq, &e), 0);
	struct axv_virtio_mmio *cm = &c.mmio;
	cr_assert_eq(drv_setup(cm, FEAT, 0, 4, RAM + 0x3000, RAM + 0x4000, RAM + 0x5000, false), 11u);
	drv_queue(cm, 1, 4, RAM + 0x6000, RAM + 0x7000, RAM + 0x8000);
	wr(cm, 0x070, ST_OK);
	uint8_t aa[16];
	memset(aa, 0xaa, sizeof(aa));
	gput(&e, BUF + 0x1000, aa, sizeof(aa));
	desc(&e, RAM + 0x3000, 0, BUF + 0x1000, 16, D_WRITE, 0);
	avail_add(&e, RAM + 0x4000, 4, 0);
	gput(&e, BUF, "hi", 2);
	desc(&e, RAM + 0x6000, 0, BUF, 2, 0, 0);
	avail_add(&e, RAM + 0x7000, 4, 0);
	hold(cm, 0, rx);
	hold(cm, 1, tx);
	return &c;
}

Test(virtq_console, request_of_a_live_queue_survives_another_queue_reenable)
{
	struct held rx, tx;
	struct axv_virtio_console *c = console_with_held(&rx, &tx);
	struct axv_virtio_mmio *cm = &c->mmio;
	/* Receive queue disabled and enabled again: its request is stale, the transmit one
	 * is not. */
	wr(cm, 0x030, 0);
	wr(cm, 0x044, 0);
	zero_rings(RAM + 0x4000, RAM + 0x5000, 4);
	wr(cm, 0x044, 1);
	expect_stale(cm, &rx, RAM + 0x5000, 4, BUF + 0x1000, 16, "console rx re-enabled");
	uint8_t got[2];
	cr_expect_eq(axv_virtq_read(cm, &tx.r, 0, got, 2), 0);
	cr_expect_eq(memcmp(got, "hi", 2), 0);
	cr_expect_eq(axv_virtq_push(cm, &tx.r, 0), 0);
	cr_expect_eq(g16(&e, RAM + 0x8000 + 2), 1);
	env_fini(&e);
}

Test(virtq_console, console_requests_popped_before_a_device_reset_are_stale)
{
	struct held rx, tx;
	struct axv_virtio_console *c = console_with_held(&rx, &tx);
	struct axv_virtio_mmio *cm = &c->mmio;
	/* Reset, fresh rings, both queues set up again, DRIVER_OK. */
	wr(cm, 0x070, 0);
	zero_rings(RAM + 0x4000, RAM + 0x5000, 4);
	zero_rings(RAM + 0x7000, RAM + 0x8000, 4);
	cr_assert_eq(drv_setup(cm, FEAT, 0, 4, RAM + 0x3000, RAM + 0x4000, RAM + 0x5000, false), 11u);
	drv_queue(cm, 1, 4, RAM + 0x6000, RAM + 0x7000, RAM + 0x8000);
	wr(cm, 0x070, ST_OK);
	cr_assert_eq(rd(cm, 0x070), ST_OK);
	expect_stale(cm, &rx, RAM + 0x5000, 4, BUF + 0x1000, 16, "console rx after reset");
	expect_stale(cm, &tx, RAM + 0x8000, 4, BUF, 16, "console tx after reset");
	/* Input reaches a buffer the driver posts after the reset, not the stale one. */
	desc(&e, RAM + 0x3000, 1, BUF + 0x1100, 4, D_WRITE, 0);
	avail_add(&e, RAM + 0x4000, 4, 1);
	cr_expect_eq(axv_virtio_console_input(c, (const uint8_t *)"ok", 2), 2u);
	cr_expect_eq(g16(&e, RAM + 0x5000 + 4), 1, "the used element names the new head");
	uint8_t still[16];
	gget(&e, BUF + 0x1000, still, sizeof(still));
	uint8_t aa[16];
	memset(aa, 0xaa, sizeof(aa)); /* the receive buffer as console_with_held() wrote it */
	cr_expect_eq(memcmp(still, aa, sizeof(aa)), 0);
	env_fini(&e);
}

/* ---- notification suppression (section 2.7.7, 2.7.10) ----------------------------------- */

Test(virtq, no_interrupt_flag)
{
	ready(FEAT, 8);
	p16(&e, AVAIL, 1); /* VIRTQ_AVAIL_F_NO_INTERRUPT */
	blk_req(0, 0, 512, true);
	notify();
	cr_expect_eq(g16(&e, USED + 2), 1);
	cr_expect_eq(rd(m, 0x060), 0u);
	cr_expect_eq(e.irq_calls, 0);
	p16(&e, AVAIL, 0);
	blk_req(0, 0, 512, true);
	notify();
	cr_expect_eq(rd(m, 0x060), AXV_VIRTIO_INT_VRING);
}

Test(virtq, event_idx)
{
	ready(FEAT_ALL, 8);
	/* used_event = 2: the driver wants an interrupt once the used index passes 2. */
	p16(&e, AVAIL + 4 + 2 * 8, 2);
	for (int i = 0; i < 4; i++) {
		blk_req(0, 0, 512, true);
		notify();
		/* avail_event follows the device's position (the ring's last slot). */
		cr_expect_eq(g16(&e, USED + 4 + 8 * 8), i + 1, "avail_event after %d", i);
		uint32_t isr = rd(m, 0x060);
		/* The first push always interrupts; then only the one that makes idx 3. */
		cr_expect_eq(isr, (i == 0 || i == 2) ? AXV_VIRTIO_INT_VRING : 0u, "push %d", i);
		wr(m, 0x064, isr);
	}
	/* The flags word is ignored with EVENT_IDX. */
	cr_expect_eq(axv_virtio_has_feature(m, AXV_VIRTIO_F_RING_EVENT_IDX), true);
}

Test(virtq, ring_wraps_past_65535)
{
	ready(FEAT, 4);
	for (unsigned i = 0; i < 70000; i++) {
		desc(&e, DESC, i % 4, BUF, 16, 0, 0);
		avail_add(&e, AVAIL, 4, (uint16_t)(i % 4));
		struct axv_virtq_req r;
		cr_assert_eq(axv_virtq_pop(m, 0, &r), 0, "pop %u", i);
		cr_assert_eq(r.head, i % 4);
		cr_assert_eq(axv_virtq_push(m, &r, 0), 0);
		if (i % 5000 == 0)
			cr_assert_eq(axv_virtq_pop(m, 0, &r), AXV_ENOENT);
	}
	cr_expect_eq(g16(&e, USED + 2), (uint16_t)70000);
}

/* ---- virtio-console -------------------------------------------------------------------- */

static char out_buf[4096];
static size_t out_len;

static bool big_out;
static size_t big_total;

static void con_out(void *ctx, const uint8_t *b, size_t n)
{
	cr_assert_eq(ctx, &out_len);
	if (big_out) {
		big_total += n;
		return;
	}
	cr_assert(out_len + n <= sizeof(out_buf));
	memcpy(out_buf + out_len, b, n);
	out_len += n;
}

Test(virtio_console, output_and_input)
{
	static struct axv_virtio_console c;
	out_len = 0;
	env_init(&e);
	cr_assert_eq(axv_virtio_console_init(&c, &e.as, con_out, &out_len, env_set_irq, &e), 0);
	struct axv_virtio_mmio *cm = &c.mmio;
	cr_expect_eq(rd(cm, 0x008), AXV_VIRTIO_ID_CONSOLE);
	wr(cm, 0x030, 2);
	cr_expect_eq(rd(cm, 0x034), 0u, "two queues only");
	cr_expect_eq(axv_virtio_console_input(&c, (const uint8_t *)"x", 1), 0u, "not ready");
	/* rx at RAM+0x3000.., tx at RAM+0x6000.. */
	cr_assert_eq(drv_setup(cm, FEAT, 0, 4, RAM + 0x3000, RAM + 0x4000, RAM + 0x5000, false), 11u);
	drv_queue(cm, 1, 4, RAM + 0x6000, RAM + 0x7000, RAM + 0x8000);
	wr(cm, 0x070, ST_OK);
	cr_assert_eq(rd(cm, 0x070), ST_OK);
	/* Output: "hello, " + "world" across two descriptors, a 300-byte one after. */
	gput(&e, BUF, "hello, ", 7);
	gput(&e, BUF + 0x100, "world", 5);
	desc(&e, RAM + 0x6000, 0, BUF, 7, D_NEXT, 1);
	desc(&e, RAM + 0x6000, 1, BUF + 0x100, 5, 0, 0);
	avail_add(&e, RAM + 0x7000, 4, 0);
	uint8_t big[300];
	memset(big, '.', sizeof(big));
	gput(&e, BUF + 0x200, big, sizeof(big));
	desc(&e, RAM + 0x6000, 2, BUF + 0x200, 300, 0, 0);
	avail_add(&e, RAM + 0x7000, 4, 2);
	wr(cm, 0x050, 1);
	cr_expect_eq(out_len, 312u);
	cr_expect_eq(memcmp(out_buf, "hello, world", 12), 0);
	cr_expect_eq(g16(&e, RAM + 0x8000 + 2), 2);
	cr_expect_eq(c.tx_bytes, 312u);
	/* A 4 GiB - 1 chain (lazily mapped, untouched RAM): 64 KiB out, the rest dropped. */
	out_len = 0;
	desc(&e, RAM + 0x6000, 3, BIG, 0xffffffffu, 0, 0);
	avail_add(&e, RAM + 0x7000, 4, 3);
	big_out = true;
	wr(cm, 0x050, 1);
	big_out = false;
	cr_expect_eq(big_total, AXV_VIRTIO_CONSOLE_CHAIN_MAX);
	cr_expect_eq(c.tx_dropped, 0xffffffffull - AXV_VIRTIO_CONSOLE_CHAIN_MAX);
	cr_expect_eq(g16(&e, RAM + 0x8000 + 2), 3);
	/* Input: no receive buffer yet. */
	cr_expect_eq(axv_virtio_console_input(&c, (const uint8_t *)"abc", 3), 0u);
	/* Two receive buffers of 4 bytes: 10 bytes in, 8 accepted. */
	desc(&e, RAM + 0x3000, 0, BUF + 0x1000, 4, D_WRITE, 0);
	desc(&e, RAM + 0x3000, 1, BUF + 0x1004, 4, D_WRITE, 0);
	avail_add(&e, RAM + 0x4000, 4, 0);
	avail_add(&e, RAM + 0x4000, 4, 1);
	wr(cm, 0x050, 0); /* a receive notify processes nothing */
	cr_expect_eq(g16(&e, RAM + 0x5000 + 2), 0);
	cr_expect_eq(axv_virtio_console_input(&c, (const uint8_t *)"0123456789", 10), 8u);
	char got[9] = {0};
	gget(&e, BUF + 0x1000, got, 8);
	cr_expect_str_eq(got, "01234567");
	cr_expect_eq(g16(&e, RAM + 0x5000 + 2), 2);
	cr_expect_eq(g32(&e, RAM + 0x5000 + 8), 4u);
	cr_expect_eq(c.rx_bytes, 8u);
	cr_expect(e.irq);
	/* A bad receive chain: NEEDS_RESET, input refused. */
	desc(&e, RAM + 0x3000, 2, HOLE, 4, D_WRITE, 0);
	avail_add(&e, RAM + 0x4000, 4, 2);
	cr_expect_eq(axv_virtio_console_input(&c, (const uint8_t *)"z", 1), 0u);
	cr_expect(rd(cm, 0x070) & NR);
	cr_expect_eq(cm->violation, AXV_VIRTIO_BAD_BUFFER);
	env_fini(&e);
}

Test(virtq, empty_disk)
{
	struct axv_virtio_blk z;
	cr_assert_eq(axv_virtio_blk_init(&z, &e.as, NULL, 0, false, NULL, env_set_irq, &e), 0);
	m = &z.mmio;
	cr_expect_eq(rd(m, 0x100), 0u, "capacity");
	cr_assert_eq(drv_setup(m, FEAT, 0, 8, DESC, AVAIL, USED, true), ST_OK);
	blk_req(0, 0, 0, true);
	notify();
	cr_expect_eq(gbyte(BUF + 0x100), 0, "an empty read at sector 0 is fine");
	blk_req(0, 0, 512, true);
	notify();
	cr_expect_eq(gbyte(BUF + 0x100), 1, "past the end");
	blk_req(1, 0, 512, false);
	notify();
	cr_expect_eq(gbyte(BUF + 0x100), 1);
	m = &blk.mmio;
}

/* ---- capacity edges ---------------------------------------------------------------------
 * The largest queue (QueueNumMax, AXV_VIRTQ_MAX_SIZE) and chains of exactly its size fill
 * every per-chain array (the request's segments, the device's scratch); one more is refused.
 * Virtio 1.2 2.7.5.3.1: an indirect table holds at most Queue Size descriptors; 2.7.5.2: a
 * chain has at most Queue Size descriptors. */

#define QMAX AXV_VIRTQ_MAX_SIZE

/* A blk read of (n - 2) * 256 bytes from sector 0 as a chain of n descriptors at `table`
 * (header, n - 2 data pieces, status), each in its own buffer. */
static void blk_read_chain(uint64_t table, unsigned n)
{
	blk_hdr(BUF, 0, 0);
	desc(&e, table, 0, BUF, 16, D_NEXT, 1);
	for (unsigned i = 1; i + 1 < n; i++)
		desc(&e, table, i, BUF + 0x1000 + 256ull * (i - 1), 256, D_NEXT | D_WRITE,
		     (uint16_t)(i + 1));
	desc(&e, table, n - 1, BUF + 0x100, 1, D_WRITE, 0);
	gput(&e, BUF + 0x100, "\xee", 1);
}

static void expect_chain_read(unsigned n)
{
	cr_expect_eq(rd(m, 0x070), ST_OK, "a chain of %u descriptors was refused", n);
	cr_expect_eq(g16(&e, USED + 2), 1);
	cr_expect_eq(gbyte(BUF + 0x100), 0, "status");
	static uint8_t got[(QMAX - 2) * 256];
	gget(&e, BUF + 0x1000, got, (n - 2) * 256);
	cr_expect_eq(memcmp(got, disk, (n - 2) * 256), 0);
}

Test(virtq, queue_size_capacity_edges)
{
	/* QueueNumMax is accepted; QueueNumMax + 1 and 2 * QueueNumMax are not. */
	cr_expect_eq(drv_setup(m, FEAT, 0, QMAX, DESC, AVAIL, USED, true), ST_OK);
	wr(m, 0x070, 0);
	cr_expect_eq(rd(m, 0x070), 0u);
	/* drv_setup sets QueueReady: a size over QueueNumMax is a bad setup (NEEDS_RESET). */
	const uint16_t over[] = {QMAX + 1, QMAX * 2};
	for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
		cr_expect_eq(drv_setup(m, FEAT, 0, over[i], DESC, AVAIL, USED, false), 11u | NR,
			     "queue size %u accepted", over[i]);
		expect_violation(AXV_VIRTIO_BAD_QUEUE_SETUP);
		cr_expect_eq(rd(m, 0x044), 0u, "a queue of %u became ready", over[i]);
		wr(m, 0x070, 0);
	}
}

Test(virtq, direct_chain_of_the_queue_size)
{
	ready(FEAT, QMAX);
	blk_read_chain(DESC, QMAX);
	avail_add(&e, AVAIL, QMAX, 0);
	notify();
	expect_chain_read(QMAX);
}

Test(virtq, indirect_table_of_the_queue_size)
{
	ready(FEAT_ALL, QMAX);
	uint64_t tbl = BUF + 0x40000;
	blk_read_chain(tbl, QMAX);
	desc(&e, DESC, 5, tbl, 16 * QMAX, D_INDIRECT, 0);
	avail_add(&e, AVAIL, QMAX, 5);
	notify();
	expect_chain_read(QMAX);
}

Test(virtq, indirect_table_one_over_the_queue_size)
{
	ready(FEAT_ALL, QMAX);
	uint64_t tbl = BUF + 0x40000;
	blk_read_chain(tbl, QMAX + 1);
	desc(&e, DESC, 5, tbl, 16 * (QMAX + 1), D_INDIRECT, 0);
	avail_add(&e, AVAIL, QMAX, 5);
	notify();
	expect_violation(AXV_VIRTIO_CHAIN_TOO_LONG);
	cr_expect_eq(g16(&e, USED + 2), 0, "a chain over the queue size was used");
	cr_expect_eq(gbyte(BUF + 0x100), 0xee, "its status was written");
}
