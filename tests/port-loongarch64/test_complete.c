/* loongarch64 port: a decoded MMIO or IOCSR exit completed through the device bus writes
 * the guest register with the right extension and steps the pc over the instruction. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/loongarch64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include "la64_hw.h"

static uint64_t dev_value, dev_written;
static uint8_t dev_width;

static int dev_read(void *ctx, uint64_t off, uint8_t width, uint64_t *v)
{
	(void)ctx;
	(void)off;
	dev_width = width;
	*v = dev_value;
	return 0;
}

static int dev_write(void *ctx, uint64_t off, uint8_t width, uint64_t v)
{
	(void)ctx;
	(void)off;
	dev_width = width;
	dev_written = v;
	return 0;
}

static const struct axv_device_ops dev = {dev_read, dev_write};

static int t_set(void *p, unsigned reg, uint64_t v)
{
	return axv_la64_set_reg(p, reg, v);
}

static int t_adv(void *p, uint8_t len)
{
	((struct axv_la64_ctx *)p)->pc += len;
	return 0;
}

static struct axv_la64_ctx ctx;
static struct axv_bus bus;
static struct axv_bus_entry slots[4];
static struct axv_exit ex;

static void setup(void)
{
	static const size_t cap[AXV_BUS_SPACE_COUNT] = {2, 1, 1};
	axv_la64_ctx_init(&ctx, 0x1c000000, 0);
	cr_assert_eq(axv_bus_init(&bus, slots, cap), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0x1fe00000, 0x1000, &dev, NULL), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_PORT, 0x1000, 0x100, &dev, NULL), 0);
}

TestSuite(la64_complete, .init = setup);

static void complete(void)
{
	struct axv_exit_target t = {.set_reg = t_set, .advance_pc = t_adv, .ctx = &ctx};
	cr_assert_eq(axv_la64_decode_exit(&ctx, &ex), 0);
	cr_assert_eq(axv_exit_complete(&bus, &t, &ex), 0);
}

Test(la64_complete, ld_b_sign_extends_and_ld_bu_does_not)
{
	dev_value = 0x80;
	ctx.estat = (uint64_t)AXV_LA64_ECODE_PIL << 16;
	ctx.badv = 0x1fe00010;
	ctx.badi = AXV_LA64_INSN_LD_B | (9u << 5) | 7u; /* ld.b r7, r9, 0 */
	complete();
	cr_expect_eq(ctx.gpr[7], 0xffffffffffffff80ull);
	cr_expect_eq(ctx.pc, 0x1c000004);
	cr_expect_eq(dev_width, 1);
	ctx.badi = AXV_LA64_INSN_LD_BU | (9u << 5) | 7u;
	complete();
	cr_expect_eq(ctx.gpr[7], 0x80);
	cr_expect_eq(ctx.pc, 0x1c000008);
}

Test(la64_complete, st_w_writes_the_low_word)
{
	ctx.gpr[7] = 0x1122334455667788ull;
	ctx.estat = (uint64_t)AXV_LA64_ECODE_PIS << 16;
	ctx.badv = 0x1fe00020;
	ctx.badi = AXV_LA64_INSN_ST_W | (9u << 5) | 7u;
	complete();
	cr_expect_eq(dev_written, 0x55667788);
	cr_expect_eq(dev_width, 4);
	cr_expect_eq(ctx.pc, 0x1c000004);
}

Test(la64_complete, iocsrrd_w_sign_extends)
{
	dev_value = 0x80000001u;
	ctx.gpr[5] = 0x1008;
	ctx.estat = (uint64_t)AXV_LA64_ECODE_GSPR << 16;
	ctx.badi = (AXV_LA64_INSN_IOCSRRD_B + 0x800u) | (5u << 5) | 4u; /* iocsrrd.w a0, a1 */
	complete();
	cr_expect_eq(ctx.gpr[4], 0xffffffff80000001ull);
	cr_expect_eq(ctx.pc, 0x1c000004);
}
