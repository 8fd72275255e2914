/* The virtual PLIC (RISC-V PLIC Specification 1.0.0): register map (ch. 3), priorities and
 * thresholds (ch. 4, 6), the level-triggered gateway (ch. 5), claim and completion (ch. 7,
 * 8), and the context lines reported through the notify hook. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/riscv64.h>
#include <axv/err.h>

static struct {
	unsigned calls;
	uint32_t last_ctx;
	bool level[8];
} seen;

static void notify(void *ctx, uint32_t context, bool level)
{
	cr_assert_eq(ctx, &seen);
	seen.calls++;
	seen.last_ctx = context;
	seen.level[context] = level;
}

static uint32_t rd(struct axv_rv64_plic *p, uint64_t off)
{
	uint64_t v = 0x5a5a;
	cr_assert_eq(axv_rv64_plic_ops.read(p, off, 4, &v), 0);
	return (uint32_t)v;
}

static void wr(struct axv_rv64_plic *p, uint64_t off, uint32_t v)
{
	cr_assert_eq(axv_rv64_plic_ops.write(p, off, 4, v), 0);
}

#define PRIO(s) (4u * (s))
#define ENABLE(c) (0x2000u + 0x80u * (c))
#define THRESHOLD(c) (0x200000u + 0x1000u * (c))
#define CLAIM(c) (THRESHOLD(c) + 4)

static void setup(struct axv_rv64_plic *p)
{
	memset(&seen, 0, sizeof(seen));
	cr_assert_eq(axv_rv64_plic_init(p, 40, 2, notify, &seen), 0);
}

Test(rv64_plic, init_checks_its_arguments)
{
	struct axv_rv64_plic p;
	cr_expect_eq(axv_rv64_plic_init(NULL, 1, 1, NULL, NULL), AXV_EINVAL);
	cr_expect_eq(axv_rv64_plic_init(&p, 0, 1, NULL, NULL), AXV_EINVAL);
	cr_expect_eq(axv_rv64_plic_init(&p, 64, 1, NULL, NULL), AXV_EINVAL);
	cr_expect_eq(axv_rv64_plic_init(&p, 1, 9, NULL, NULL), AXV_EINVAL);
	cr_expect_eq(axv_rv64_plic_init(&p, 63, 8, NULL, NULL), 0);
	cr_expect_eq(axv_rv64_plic_set_level(&p, 0, true), AXV_ERANGE);
	cr_expect_eq(axv_rv64_plic_set_level(&p, 64, true), AXV_ERANGE);
	cr_expect_eq(axv_rv64_plic_set_level(NULL, 1, true), AXV_EINVAL);
}

Test(rv64_plic, registers)
{
	struct axv_rv64_plic p;
	setup(&p);
	wr(&p, PRIO(3), 0xffffffff);
	cr_expect_eq(rd(&p, PRIO(3)), 7, "3-bit WARL priority");
	wr(&p, PRIO(0), 5);
	cr_expect_eq(rd(&p, PRIO(0)), 0, "source 0 does not exist");
	wr(&p, PRIO(41), 5);
	cr_expect_eq(rd(&p, PRIO(41)), 0, "beyond the sources");
	wr(&p, ENABLE(1), 0xffffffff);
	wr(&p, ENABLE(1) + 4, 0xffffffff);
	cr_expect_eq(rd(&p, ENABLE(1)), 0xfffffffe, "id 0 never enabled");
	cr_expect_eq(rd(&p, ENABLE(1) + 4), 0x1ff, "ids up to 40");
	cr_expect_eq(rd(&p, ENABLE(2)), 0, "no third context");
	wr(&p, THRESHOLD(0), 9);
	cr_expect_eq(rd(&p, THRESHOLD(0)), 1);
	/* other widths, unaligned offsets: read zero, writes ignored */
	uint64_t v = 1;
	cr_expect_eq(axv_rv64_plic_ops.read(&p, PRIO(3), 1, &v), 0);
	cr_expect_eq(v, 0);
	cr_expect_eq(axv_rv64_plic_ops.write(&p, PRIO(3) + 1, 4, 0), 0);
	cr_expect_eq(rd(&p, PRIO(3)), 7);
	cr_expect_eq(seen.calls, 0, "nothing pending, no line changed");
}

Test(rv64_plic, claim_complete_level)
{
	struct axv_rv64_plic p;
	setup(&p);
	wr(&p, PRIO(5), 1);
	wr(&p, PRIO(7), 3);
	wr(&p, ENABLE(0), (1u << 5) | (1u << 7));
	cr_assert_eq(axv_rv64_plic_set_level(&p, 5, true), 0);
	cr_expect(seen.level[0] && seen.calls == 1, "context 0 raised");
	cr_expect(!seen.level[1]);
	cr_expect_eq(rd(&p, 0x1000), 1u << 5, "pending bit");
	cr_assert_eq(axv_rv64_plic_set_level(&p, 7, true), 0);
	cr_expect_eq(seen.calls, 1, "already high");
	cr_expect_eq(rd(&p, CLAIM(0)), 7, "the highest priority first");
	cr_expect_eq(rd(&p, CLAIM(0)), 5);
	cr_expect(!seen.level[0], "nothing claimable: line low");
	cr_expect_eq(rd(&p, CLAIM(0)), 0, "nothing left");
	cr_expect_eq(rd(&p, 0x1000), 0, "claimed: not pending");
	/* the line of 7 is still high at completion: pending again */
	wr(&p, CLAIM(0), 7);
	cr_expect(seen.level[0]);
	cr_expect_eq(rd(&p, 0x1000), 1u << 7);
	cr_expect_eq(rd(&p, CLAIM(0)), 7);
	cr_assert_eq(axv_rv64_plic_set_level(&p, 7, false), 0);
	wr(&p, CLAIM(0), 7);
	cr_expect_eq(rd(&p, 0x1000), 0, "low at completion: not pending");
	/* 5 lowered while in flight, raised again, completed: pending once more */
	cr_assert_eq(axv_rv64_plic_set_level(&p, 5, false), 0);
	cr_assert_eq(axv_rv64_plic_set_level(&p, 5, true), 0);
	cr_expect_eq(rd(&p, 0x1000), 0, "in flight: the gateway holds it");
	wr(&p, CLAIM(0), 5);
	cr_expect_eq(rd(&p, 0x1000), 1u << 5);
	cr_expect(seen.level[0]);
	/* completion of an id not enabled here, or not claimed: ignored */
	wr(&p, CLAIM(1), 5);
	wr(&p, CLAIM(0), 9);
	cr_expect_eq(rd(&p, CLAIM(0)), 5);
	cr_expect_eq(rd(&p, CLAIM(0)), 0);
}

Test(rv64_plic, threshold_priority_zero_and_contexts)
{
	struct axv_rv64_plic p;
	setup(&p);
	wr(&p, ENABLE(0), 1u << 3);
	wr(&p, ENABLE(1), 1u << 3);
	cr_assert_eq(axv_rv64_plic_set_level(&p, 3, true), 0);
	cr_expect_eq(seen.calls, 0, "priority 0 never interrupts");
	wr(&p, PRIO(3), 2);
	cr_expect(seen.level[0] && seen.level[1], "both contexts");
	wr(&p, THRESHOLD(1), 2);
	cr_expect(!seen.level[1] && seen.level[0], "threshold masks priority <= threshold");
	cr_expect_eq(rd(&p, CLAIM(1)), 0);
	cr_expect_eq(rd(&p, CLAIM(0)), 3, "context 0 takes it");
	cr_expect(!seen.level[0]);
	wr(&p, THRESHOLD(1), 0);
	cr_expect(!seen.level[1], "claimed by context 0: not claimable by 1");
	wr(&p, CLAIM(0), 3);
	cr_expect(seen.level[0] && seen.level[1], "still high: pending for both again");
}
