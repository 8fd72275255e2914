/* List-register capacity edges: with every number of list registers a GICv3 can have
 * (ICH_VTR_EL2.ListRegs + 1, 1 to 16; Arm IHI 0069 12.5.29), flushing nr - 1, nr, nr + 1 and
 * 2 * nr + 1 pending interrupts fills min(pending, nr) list registers, asks for the underflow
 * maintenance interrupt (ICH_HCR_EL2.UIE) exactly when some are left over, and, as the guest
 * takes and finishes what the list registers hold, delivers every interrupt exactly once. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/aarch64.h>
#include <axv/err.h>

#include "lr_model.h"
#include "a64_hw.h"

static void run(unsigned nr, unsigned pending)
{
	struct lr_model m;
	struct axv_a64_vcpu av;
	struct axv_virq q;
	memset(&av, 0, sizeof(av));
	for (int i = 0; i < 16; i++)
		av.lr_id[i] = AXV_A64_LR_FREE;
	lr_model_init(&m, nr);
	av.lr = (struct axv_a64_lr){&lr_model_ops, &m, nr};
	axv_virq_init(&q);
	/* SPIs 32.. with distinct priorities; each is raised once. */
	for (unsigned i = 0; i < pending; i++) {
		axv_virq_enable(&q, 32 + i);
		axv_virq_set_priority(&q, 32 + i, (uint8_t)(0x10 + 2 * i));
		axv_virq_pend(&q, 32 + i);
	}
	unsigned seen[64] = {0};
	unsigned want = pending < nr ? pending : nr;
	int n = axv_virq_flush(&q, &axv_a64_vic_ops, &av);
	cr_expect_eq(n, (int)want, "%u LRs, %u pending: flushed %d", nr, pending, n);
	cr_expect_eq(!!(m.hcr & AXV_A64_ICH_HCR_UIE), pending > nr,
		     "%u LRs, %u pending: underflow maintenance %s", nr, pending,
		     pending > nr ? "not requested" : "requested without overflow");
	for (unsigned round = 0; round < 2 * pending + 2; round++) {
		uint32_t intid;
		int lr;
		while ((lr = lr_model_ack(&m, &intid)) >= 0) {
			cr_assert(intid >= 32 && intid < 32 + pending, "intid %u", intid);
			seen[intid - 32]++;
			lr_model_eoi(&m, (unsigned)lr);
		}
		if (axv_virq_flush(&q, &axv_a64_vic_ops, &av) <= 0)
			break;
	}
	for (unsigned i = 0; i < pending; i++)
		cr_expect_eq(seen[i], 1u, "%u LRs, %u pending: SPI %u delivered %u times", nr,
			     pending, 32 + i, seen[i]);
	cr_expect_not(m.hcr & AXV_A64_ICH_HCR_UIE, "%u LRs: maintenance still requested at the end",
		      nr);
}

Test(lr_capacity, every_list_register_count)
{
	static const unsigned nrs[] = {1, 2, 4, 15, 16};
	for (size_t k = 0; k < sizeof(nrs) / sizeof(nrs[0]); k++) {
		unsigned nr = nrs[k];
		const unsigned counts[] = {nr - 1, nr, nr + 1, 2 * nr + 1};
		for (size_t c = 0; c < 4; c++)
			run(nr, counts[c]);
	}
}
