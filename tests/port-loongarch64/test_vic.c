/* loongarch64 port: the GINTC / guest-ESTAT interrupt controller behind the core irq module.
 * Bits: LVZ GINTC.VIP [7:0] = the guest's HWI0-7 (ESTAT.IS[9:2]); guest ESTAT.IS bits 0, 1,
 * 10, 11, 12 = SWI0, SWI1, PMI, TI, IPI (Vol. 1 7.4.6). */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/loongarch64.h>
#include <axv/err.h>

static struct axv_la64_vcpu v;
static struct axv_virq virq;

static void setup(void)
{
	memset(&v, 0, sizeof(v));
	axv_la64_ctx_init(&v.ctx, 0x1c000000, 0);
	cr_assert_eq(axv_virq_init(&virq), 0);
	for (uint32_t id = 0; id < 16; id++)
		cr_assert_eq(axv_virq_enable(&virq, id), 0);
}

TestSuite(la64_vic, .init = setup);

static int flush(void)
{
	return axv_virq_flush(&virq, &axv_la64_vic_ops, &v);
}

Test(la64_vic, hardware_lines_go_to_gintc_vip)
{
	for (uint32_t id = AXV_LA64_IRQ_HWI0; id <= AXV_LA64_IRQ_HWI7; id++)
		cr_assert_eq(axv_virq_pend(&virq, id), 0);
	cr_expect_eq(flush(), 8);
	cr_expect_eq(v.ctx.gintc, 0xff, "VIP [7:0] = HWI0-7");
	cr_expect_eq(v.ctx.gcsr.estat, 0, "nothing in the guest's ESTAT");
	for (uint32_t id = AXV_LA64_IRQ_HWI0; id <= AXV_LA64_IRQ_HWI7; id++)
		cr_expect(axv_virq_is_active(&virq, id));
}

Test(la64_vic, other_lines_go_to_guest_estat)
{
	static const uint32_t ids[] = {AXV_LA64_IRQ_SWI0, AXV_LA64_IRQ_SWI1, AXV_LA64_IRQ_PMI,
				       AXV_LA64_IRQ_TI, AXV_LA64_IRQ_IPI};
	for (size_t i = 0; i < 5; i++)
		cr_assert_eq(axv_virq_pend(&virq, ids[i]), 0);
	cr_expect_eq(flush(), 5);
	cr_expect_eq(v.ctx.gcsr.estat, 0x1c03ull);
	cr_expect_eq(v.ctx.gintc, 0);
}

Test(la64_vic, ids_past_the_last_line_are_refused)
{
	cr_assert_eq(axv_virq_pend(&virq, 13), 0);
	cr_expect_eq(flush(), 0);
	cr_expect(axv_virq_is_pending(&virq, 13), "refused: stays pending");
	cr_expect_not(axv_virq_is_active(&virq, 13));
	cr_expect_eq(v.ctx.gintc, 0);
	cr_expect_eq(v.ctx.gcsr.estat, 0);
	cr_expect_eq(axv_la64_vic_ops.deliver(&v, 200, 0), AXV_EINVAL);
	cr_expect_eq(axv_la64_vic_ops.deliver(NULL, 2, 0), AXV_EINVAL);
}

Test(la64_vic, guest_cleared_lines_end_on_the_next_flush)
{
	cr_assert_eq(axv_virq_pend(&virq, AXV_LA64_IRQ_TI), 0);
	cr_assert_eq(flush(), 1);
	cr_expect(axv_virq_is_active(&virq, AXV_LA64_IRQ_TI));
	/* Still raised at the next entry: stays active. */
	cr_expect_eq(flush(), 0);
	cr_expect(axv_virq_is_active(&virq, AXV_LA64_IRQ_TI));
	/* The guest writes TICLR: hardware clears its ESTAT.IS[11], saved at exit. */
	v.ctx.gcsr.estat &= ~(1ull << 11);
	cr_expect_eq(flush(), 0);
	cr_expect_not(axv_virq_is_active(&virq, AXV_LA64_IRQ_TI), "ended by sync");
	/* The next tick is delivered again. */
	cr_assert_eq(axv_virq_pend(&virq, AXV_LA64_IRQ_TI), 0);
	cr_expect_eq(flush(), 1);
	cr_expect_eq(v.ctx.gcsr.estat, 1ull << 11);
}

Test(la64_vic, hardware_lines_end_when_lowered)
{
	cr_assert_eq(axv_virq_pend(&virq, 5), 0); /* HWI3 */
	cr_assert_eq(flush(), 1);
	cr_expect_eq(v.ctx.gintc, 1u << 3);
	/* A second injection while active waits for the end of the first. */
	cr_assert_eq(axv_virq_pend(&virq, 5), 0);
	cr_expect_eq(flush(), 0);
	cr_expect(axv_virq_is_pending(&virq, 5));
	cr_assert_eq(axv_la64_lower_irq(&v, 5), 0);
	cr_expect_eq(v.ctx.gintc, 0);
	cr_expect_eq(flush(), 1, "ended, then the pending one is delivered");
	cr_expect_eq(v.ctx.gintc, 1u << 3);
	cr_expect(axv_virq_is_active(&virq, 5));
}

Test(la64_vic, lower_validates)
{
	v.ctx.gintc = 0xff;
	v.ctx.gcsr.estat = 0x1fff;
	cr_expect_eq(axv_la64_lower_irq(&v, 13), AXV_EINVAL);
	cr_expect_eq(axv_la64_lower_irq(NULL, 2), AXV_EINVAL);
	cr_expect_eq(v.ctx.gintc, 0xff, "unchanged");
	cr_expect_eq(v.ctx.gcsr.estat, 0x1fff);
	cr_expect_eq(axv_la64_lower_irq(&v, AXV_LA64_IRQ_IPI), 0);
	cr_expect_eq(v.ctx.gcsr.estat, 0x0fff);
	cr_expect_eq(axv_la64_lower_irq(&v, AXV_LA64_IRQ_HWI7), 0);
	cr_expect_eq(v.ctx.gintc, 0x7f);
}

Test(la64_vic, other_guest_estat_bits_are_kept)
{
	v.ctx.gcsr.estat = (0x16ull << 16) | 0x2; /* a saved Ecode and SWI1 set by the guest */
	cr_assert_eq(axv_virq_pend(&virq, AXV_LA64_IRQ_IPI), 0);
	cr_assert_eq(flush(), 1);
	cr_expect_eq(v.ctx.gcsr.estat, (0x16ull << 16) | 0x2 | (1ull << 12));
}
