/* aarch64 port: axv_a64_lr_pending(), the wake-up check a halt (WFI, PSCI CPU_SUSPEND) makes
 * against the list registers (IHI 0069 12.4.6 ICH_LR<n>_EL2.State), over the LR model. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/aarch64.h>
#include <axv/virq.h>

#include "lr_model.h"
#include "a64_hw.h"

Test(lr_pending, follows_the_list_register_state)
{
	struct lr_model m;
	struct axv_a64_vcpu av;
	memset(&av, 0, sizeof(av));
	for (int i = 0; i < 16; i++)
		av.lr_id[i] = AXV_A64_LR_FREE;
	cr_expect_not(axv_a64_lr_pending(&av), "unbound");
	cr_expect_not(axv_a64_lr_pending(NULL));
	lr_model_init(&m, 4);
	av.lr = (struct axv_a64_lr){&lr_model_ops, &m, 4};
	cr_expect_not(axv_a64_lr_pending(&av), "empty");

	struct axv_virq q;
	axv_virq_init(&q);
	axv_virq_enable(&q, 27);
	axv_virq_set_priority(&q, 27, 0xa0);
	axv_virq_pend(&q, 27);
	cr_assert_eq(axv_virq_flush(&q, &axv_a64_vic_ops, &av), 1);
	cr_expect_not(axv_virq_any_deliverable(&q),
		      "the core no longer sees it: it is in a list register");
	cr_expect(axv_a64_lr_pending(&av), "pending in a list register: a wake-up event");

	uint32_t intid;
	int n = lr_model_ack(&m, &intid);
	cr_assert_eq(n, 0);
	cr_expect_not(axv_a64_lr_pending(&av), "active: the guest is handling it");
	m.lr[0] |= AXV_A64_LR_PENDING; /* pending again while active: not takeable yet */
	cr_expect_not(axv_a64_lr_pending(&av));
	m.lr[0] &= ~(3ull << AXV_A64_LR_STATE_SHIFT);
	cr_expect_not(axv_a64_lr_pending(&av), "finished");
	/* A list register not ours (lr_id free) is not looked at. */
	m.lr[2] = AXV_A64_LR_PENDING | 40;
	cr_expect_not(axv_a64_lr_pending(&av));
}

/* The fast path offers an access exit only while no list register holds an interrupt of the
 * vcpu (ports/aarch64/vcpu.c), which it reads from one word, lr_busy: it must say exactly
 * which lr_id entries are in use, through deliveries, ends, take-backs and refills. */
static uint32_t used(const struct axv_a64_vcpu *av)
{
	uint32_t m = 0;
	for (unsigned n = 0; n < 16; n++)
		if (av->lr_id[n] != AXV_A64_LR_FREE)
			m |= 1u << n;
	return m;
}

Test(lr_busy, says_which_list_registers_hold_an_interrupt)
{
	struct lr_model m;
	struct axv_a64_vcpu av;
	memset(&av, 0, sizeof(av));
	for (int i = 0; i < 16; i++)
		av.lr_id[i] = AXV_A64_LR_FREE;
	lr_model_init(&m, 4);
	av.lr = (struct axv_a64_lr){&lr_model_ops, &m, 4};
	struct axv_virq q;
	axv_virq_init(&q);
	for (uint32_t id = 1; id <= 6; id++) {
		axv_virq_enable(&q, id);
		axv_virq_set_priority(&q, id, 0xa0);
		axv_virq_pend(&q, id);
	}
	cr_expect_eq(av.lr_busy, 0u, "nothing delivered yet");
	cr_assert_eq(axv_virq_flush(&q, &axv_a64_vic_ops, &av), 4, "four list registers");
	cr_expect_eq(av.lr_busy, 0xfu);
	cr_expect_eq(av.lr_busy, used(&av));

	/* The guest takes one and ends it, takes another and keeps it active; two stay
	 * pending, never acknowledged. At the exit: the ended one is freed, the pending ones
	 * go back to the core, the active one stays. */
	uint32_t a, b;
	int na = lr_model_ack(&m, &a);
	cr_assert_geq(na, 0);
	lr_model_eoi(&m, (unsigned)na);
	int nb = lr_model_ack(&m, &b);
	cr_assert_geq(nb, 0);
	axv_a64_vic_ops.on_exit(&av, &q);
	cr_expect_eq(av.lr_busy, 1u << nb, "only the active one is still in use");
	cr_expect_eq(av.lr_busy, used(&av));

	/* The next entry refills: the two taken back and the two that waited. */
	cr_assert_eq(axv_virq_flush(&q, &axv_a64_vic_ops, &av), 3, "three list registers free");
	cr_expect_eq(av.lr_busy, 0xfu);
	cr_expect_eq(av.lr_busy, used(&av));

	/* Everything taken and ended, one by one over exits: the word ends empty. */
	for (unsigned round = 0; round < 8 && av.lr_busy; round++) {
		uint32_t id;
		int n;
		while ((n = lr_model_ack(&m, &id)) >= 0)
			lr_model_eoi(&m, (unsigned)n);
		for (unsigned k = 0; k < 4; k++)
			if ((av.lr_busy >> k & 1u) && (m.lr[k] >> AXV_A64_LR_STATE_SHIFT) == 2)
				lr_model_eoi(&m, k);
		axv_a64_vic_ops.on_exit(&av, &q);
		cr_expect_eq(av.lr_busy, used(&av), "round %u", round);
		(void)axv_virq_flush(&q, &axv_a64_vic_ops, &av);
		cr_expect_eq(av.lr_busy, used(&av), "round %u after the refill", round);
	}
	cr_expect_eq(av.lr_busy, 0u, "all six ended");
	cr_expect_not(axv_virq_any_deliverable(&q));
}
