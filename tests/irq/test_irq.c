/* Unit tests of lib/irq: pending/enable/active state, priority order, ack/EOI, flush. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/err.h>
#include <axv/virq.h>

static struct axv_virq vq;

static void setup(void)
{
	memset(&vq, 0xa5, sizeof(vq)); /* init must not depend on zeroed storage */
	cr_assert_eq(axv_virq_init(&vq), 0);
}

TestSuite(irq, .init = setup);

static void enable_all(void)
{
	for (uint32_t i = 0; i < AXV_VIRQ_MAX; i++)
		cr_assert_eq(axv_virq_enable(&vq, i), 0);
}

Test(irq, init_state_is_empty)
{
	cr_expect_eq(axv_virq_init(NULL), AXV_EINVAL);
	for (uint32_t i = 0; i < AXV_VIRQ_MAX; i++) {
		uint8_t p = 1;
		cr_expect(!axv_virq_is_pending(&vq, i) && !axv_virq_is_enabled(&vq, i) &&
			  !axv_virq_is_active(&vq, i));
		cr_expect_eq(axv_virq_priority(&vq, i, &p), 0);
		cr_expect_eq(p, AXV_VIRQ_PRIO_DEFAULT);
	}
	cr_expect_eq(axv_virq_highest_pending(&vq, NULL), AXV_VIRQ_NONE);
	cr_expect(!axv_virq_any_deliverable(&vq));
}

Test(irq, at_least_1024_ids_and_bad_ids_refused)
{
	cr_assert_geq(AXV_VIRQ_MAX, 1024);
	cr_expect_eq(axv_virq_pend(&vq, AXV_VIRQ_MAX - 1), 0);
	cr_expect(axv_virq_is_pending(&vq, AXV_VIRQ_MAX - 1));
	struct axv_virq copy;
	memcpy(&copy, &vq, sizeof(vq));
	const uint32_t bad[] = {AXV_VIRQ_MAX, AXV_VIRQ_MAX + 1, 4096, 0x7fffffff, UINT32_MAX};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t p;
		uint32_t id = bad[i];
		cr_expect_eq(axv_virq_pend(&vq, id), AXV_ERANGE);
		cr_expect_eq(axv_virq_unpend(&vq, id), AXV_ERANGE);
		cr_expect_eq(axv_virq_enable(&vq, id), AXV_ERANGE);
		cr_expect_eq(axv_virq_disable(&vq, id), AXV_ERANGE);
		cr_expect_eq(axv_virq_set_priority(&vq, id, 3), AXV_ERANGE);
		cr_expect_eq(axv_virq_priority(&vq, id, &p), AXV_ERANGE);
		cr_expect_eq(axv_virq_eoi(&vq, id), AXV_ERANGE);
		cr_expect(!axv_virq_is_pending(&vq, id));
	}
	cr_expect_eq(memcmp(&copy, &vq, sizeof(vq)), 0, "a refused call changed the state");
	cr_expect_eq(axv_virq_pend(NULL, 1), AXV_EINVAL);
	cr_expect_eq(axv_virq_priority(&vq, 1, NULL), AXV_EINVAL);
}

Test(irq, pend_coalesces)
{
	cr_expect_eq(axv_virq_pend(&vq, 33), 0);
	cr_expect_eq(axv_virq_pend(&vq, 33), AXV_EALREADY);
	cr_expect(axv_virq_is_pending(&vq, 33));
	cr_expect_eq(axv_virq_unpend(&vq, 33), 0);
	cr_expect(!axv_virq_is_pending(&vq, 33));
	cr_expect_eq(axv_virq_pend(&vq, 33), 0);
}

Test(irq, priority_order_lowest_value_first_ties_to_lowest_id)
{
	enable_all();
	cr_assert_eq(axv_virq_set_priority(&vq, 900, 0x10), 0);
	cr_assert_eq(axv_virq_set_priority(&vq, 5, 0x80), 0);
	cr_assert_eq(axv_virq_set_priority(&vq, 64, 0x10), 0);
	cr_assert_eq(axv_virq_set_priority(&vq, 63, 0x20), 0);
	cr_assert_eq(axv_virq_set_priority(&vq, 1023, 0x00), 0);
	cr_assert_eq(axv_virq_set_priority(&vq, 1022, 0xff), 0);
	/* neighbours in the same priority word keep their own values */
	uint8_t p;
	cr_expect_eq(axv_virq_priority(&vq, 65, &p), 0);
	cr_expect_eq(p, AXV_VIRQ_PRIO_DEFAULT);
	cr_expect_eq(axv_virq_priority(&vq, 64, &p), 0);
	cr_expect_eq(p, 0x10);
	const uint32_t ids[] = {5, 900, 63, 64, 1022};
	for (size_t i = 0; i < 5; i++)
		cr_assert_eq(axv_virq_pend(&vq, ids[i]), 0);
	/* order: 64 (0x10, lower id than 900), 900 (0x10), 63 (0x20), 5 (0x80), 1022 (0xff) */
	const uint32_t order[] = {64, 900, 63, 5, 1022};
	const uint8_t prio[] = {0x10, 0x10, 0x20, 0x80, 0xff};
	for (size_t i = 0; i < 5; i++) {
		uint8_t hp = 0;
		cr_expect_eq(axv_virq_highest_pending(&vq, &hp), order[i], "step %zu", i);
		cr_expect_eq(hp, prio[i], "step %zu", i);
		uint32_t got = 0;
		cr_expect_eq(axv_virq_ack(&vq, &got), 0);
		cr_expect_eq(got, order[i], "ack %zu", i);
	}
	uint32_t none = 12345;
	cr_expect_eq(axv_virq_ack(&vq, &none), AXV_ENOENT);
	cr_expect_eq(none, 12345);
	/* A late arrival with the highest priority overtakes everything. */
	cr_expect_eq(axv_virq_pend(&vq, 1023), 0);
	cr_expect_eq(axv_virq_highest_pending(&vq, NULL), 1023);
}

Test(irq, enable_masks_delivery_but_keeps_pending)
{
	cr_assert_eq(axv_virq_pend(&vq, 10), 0);
	cr_assert_eq(axv_virq_pend(&vq, 20), 0);
	cr_expect_eq(axv_virq_highest_pending(&vq, NULL), AXV_VIRQ_NONE, "nothing enabled");
	cr_expect(!axv_virq_any_deliverable(&vq));
	cr_assert_eq(axv_virq_enable(&vq, 20), 0);
	cr_expect_eq(axv_virq_highest_pending(&vq, NULL), 20);
	cr_assert_eq(axv_virq_enable(&vq, 10), 0);
	cr_expect_eq(axv_virq_highest_pending(&vq, NULL), 10);
	cr_assert_eq(axv_virq_disable(&vq, 10), 0);
	cr_expect_eq(axv_virq_highest_pending(&vq, NULL), 20);
	cr_expect(axv_virq_is_pending(&vq, 10), "disable dropped a pending interrupt");
	cr_assert_eq(axv_virq_disable(&vq, 20), 0);
	cr_expect(!axv_virq_any_deliverable(&vq));
	uint32_t id;
	cr_expect_eq(axv_virq_ack(&vq, &id), AXV_ENOENT);
}

Test(irq, ack_and_eoi)
{
	enable_all();
	cr_assert_eq(axv_virq_pend(&vq, 7), 0);
	uint32_t id = 0;
	cr_assert_eq(axv_virq_ack(&vq, &id), 0);
	cr_expect_eq(id, 7);
	cr_expect(!axv_virq_is_pending(&vq, 7) && axv_virq_is_active(&vq, 7));
	/* Pending again while active: stays pending, not deliverable until EOI. */
	cr_expect_eq(axv_virq_pend(&vq, 7), 0);
	cr_expect(axv_virq_is_pending(&vq, 7) && axv_virq_is_active(&vq, 7));
	cr_expect_eq(axv_virq_highest_pending(&vq, NULL), AXV_VIRQ_NONE);
	cr_expect_eq(axv_virq_eoi(&vq, 7), 0);
	cr_expect(!axv_virq_is_active(&vq, 7));
	cr_expect_eq(axv_virq_highest_pending(&vq, NULL), 7);
	/* EOI of an id that is not active is refused and changes nothing. */
	cr_expect_eq(axv_virq_eoi(&vq, 8), AXV_ESTATE);
	cr_expect_eq(axv_virq_eoi(&vq, 7), AXV_ESTATE);
	cr_expect(axv_virq_is_pending(&vq, 7));
	cr_expect_eq(axv_virq_ack(NULL, &id), AXV_EINVAL);
	cr_expect_eq(axv_virq_ack(&vq, NULL), AXV_EINVAL);
}

Test(irq, every_id_round_trips)
{
	enable_all();
	for (uint32_t i = 0; i < AXV_VIRQ_MAX; i++)
		cr_assert_eq(axv_virq_pend(&vq, i), 0);
	for (uint32_t i = 0; i < AXV_VIRQ_MAX; i++) {
		uint32_t id;
		cr_assert_eq(axv_virq_ack(&vq, &id), 0);
		cr_assert_eq(id, i, "equal priorities go in id order");
		cr_assert_eq(axv_virq_eoi(&vq, id), 0);
	}
	cr_expect(!axv_virq_any_deliverable(&vq));
}

/* A fake controller with a few list registers. */
struct lrs {
	uint32_t id[4];
	uint8_t prio[4];
	int used, cap, syncs;
	uint32_t done; /* an id the "guest" finished, reported by sync */
};

static int lr_deliver(void *ctx, uint32_t id, uint8_t prio)
{
	struct lrs *l = ctx;
	if (l->used >= l->cap)
		return AXV_ENOSPC;
	l->id[l->used] = id;
	l->prio[l->used++] = prio;
	return 0;
}

static void lr_sync(void *ctx, struct axv_virq *v)
{
	struct lrs *l = ctx;
	l->syncs++;
	if (l->done != AXV_VIRQ_NONE) {
		cr_expect_eq(axv_virq_eoi(v, l->done), 0);
		l->done = AXV_VIRQ_NONE;
		l->used = 0;
	}
}

Test(irq, flush_delivers_by_priority_until_full)
{
	static const struct axv_vic_ops vic = {.deliver = lr_deliver, .sync = lr_sync};
	static const struct axv_vic_ops bad = {.deliver = NULL};
	struct lrs l = {.cap = 2, .done = AXV_VIRQ_NONE};
	enable_all();
	cr_assert_eq(axv_virq_set_priority(&vq, 30, 0x40), 0);
	cr_assert_eq(axv_virq_set_priority(&vq, 31, 0x20), 0);
	cr_assert_eq(axv_virq_set_priority(&vq, 32, 0x60), 0);
	cr_assert_eq(axv_virq_pend(&vq, 30), 0);
	cr_assert_eq(axv_virq_pend(&vq, 31), 0);
	cr_assert_eq(axv_virq_pend(&vq, 32), 0);
	cr_expect_eq(axv_virq_flush(&vq, &bad, &l), AXV_EINVAL);
	cr_expect_eq(axv_virq_flush(&vq, NULL, &l), AXV_EINVAL);
	cr_expect_eq(axv_virq_flush(&vq, &vic, &l), 2);
	cr_expect_eq(l.id[0], 31);
	cr_expect_eq(l.prio[0], 0x20);
	cr_expect_eq(l.id[1], 30);
	cr_expect(axv_virq_is_active(&vq, 31) && axv_virq_is_active(&vq, 30));
	cr_expect(axv_virq_is_pending(&vq, 32) && !axv_virq_is_active(&vq, 32),
		  "a refused interrupt must stay pending");
	/* The guest finishes 31: sync reports it, the LRs empty, 32 goes in. */
	l.done = 31;
	cr_expect_eq(axv_virq_flush(&vq, &vic, &l), 1);
	cr_expect_eq(l.syncs, 2);
	cr_expect_eq(l.id[0], 32);
	cr_expect(!axv_virq_is_active(&vq, 31));
}

Test(irq, activate_marks_one_id_active)
{
	cr_expect_eq(axv_virq_activate(NULL, 5), AXV_EINVAL);
	cr_expect_eq(axv_virq_activate(&vq, AXV_VIRQ_MAX), AXV_ERANGE);
	cr_assert_eq(axv_virq_pend(&vq, 5), 0);
	cr_assert_eq(axv_virq_enable(&vq, 5), 0);
	cr_expect_eq(axv_virq_activate(&vq, 5), 0);
	cr_expect(axv_virq_is_active(&vq, 5) && !axv_virq_is_pending(&vq, 5),
		  "pending became active");
	cr_expect_not(axv_virq_any_deliverable(&vq));
	cr_expect_eq(axv_virq_activate(&vq, 6), 0, "also without a pending instance");
	cr_expect(axv_virq_is_active(&vq, 6));
	cr_expect_eq(axv_virq_eoi(&vq, 5), 0);
	cr_expect_eq(axv_virq_eoi(&vq, 6), 0);
}

/* A controller that settles the state itself: 40 is taken and marked by the controller,
 * 41 left (withdrawn) after the core chose it, 42 reported gone although still pending. */
struct settle {
	uint32_t taken[4];
	unsigned ntaken, calls42;
};

static int settle_deliver(void *ctx, uint32_t id, uint8_t prio)
{
	struct settle *c = ctx;
	(void)prio;
	if (id == 41) {
		axv_virq_unpend(&vq, 41);
		return AXV_VIC_GONE;
	}
	if (id == 42) {
		c->calls42++;
		return AXV_VIC_GONE;
	}
	if (id == 40)
		axv_virq_activate(&vq, 40);
	c->taken[c->ntaken++] = id;
	return id == 40 ? AXV_VIC_TAKEN : 0;
}

Test(irq, flush_leaves_settled_ids_to_the_controller)
{
	static const struct axv_vic_ops vic = {.deliver = settle_deliver};
	struct settle c = {{0}, 0, 0};
	for (uint32_t id = 40; id <= 43; id++) {
		cr_assert_eq(axv_virq_enable(&vq, id), 0);
		cr_assert_eq(axv_virq_pend(&vq, id), 0);
	}
	cr_assert_eq(axv_virq_set_priority(&vq, 43, 0x80), 0); /* last */
	cr_expect_eq(axv_virq_flush(&vq, &vic, &c), 1,
		     "40 counted; 41 gone; 42 gone twice in a row stops the flush");
	cr_expect_eq(c.ntaken, 1);
	cr_expect_eq(c.taken[0], 40);
	cr_expect(axv_virq_is_active(&vq, 40) && !axv_virq_is_pending(&vq, 40));
	cr_expect(!axv_virq_is_active(&vq, 41) && !axv_virq_is_pending(&vq, 41),
		  "a gone id is not made active");
	cr_expect_eq(c.calls42, 2);
	cr_expect(axv_virq_is_pending(&vq, 42) && !axv_virq_is_active(&vq, 42));
	cr_expect(axv_virq_is_pending(&vq, 43), "left for the next entry");
}
