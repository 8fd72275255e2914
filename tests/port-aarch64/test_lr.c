/* aarch64 port: axv_a64_lr_pending(), the wake-up check a halt (WFI, PSCI CPU_SUSPEND) makes
 * against the list registers (IHI 0069 12.4.6 ICH_LR<n>_EL2.State), over the LR model. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/aarch64.h>
#include <axv/irq.h>

#include "lr_model.h"

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
