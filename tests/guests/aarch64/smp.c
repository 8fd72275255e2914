/* Two vcpus (QEMU -smp 2): PSCI CPU_ON starts vcpu 1 at a given entry with a context id,
 * vcpu 1 sends an SGI to vcpu 0 through ICC_SGI1R_EL1 (trapped and routed by the vGIC),
 * vcpu 0 wakes from WFI on it, and vcpu 1 turns itself off with CPU_OFF. */
#include "guest.h"

#define SGI_PING 1
static volatile uint64_t ctx_seen, pings;

static void irq(struct frame *f)
{
	(void)f;
	uint64_t intid = SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
	if (intid == SGI_PING)
		pings++;
	if (intid < 1020)
		SYSREG_WRITE(S3_0_C12_C12_1, intid); /* ICC_EOIR1_EL1 */
}

void secondary_main(uint64_t ctx)
{
	ctx_seen = ctx;
	puts_("vcpu 1: up, pinging vcpu 0\n");
	/* ICC_SGI1R_EL1: INTID [27:24], Aff1 [23:16] = 0, TargetList [15:0] = vcpu 0. */
	SYSREG_WRITE(S3_0_C12_C11_5, ((uint64_t)SGI_PING << 24) | 1u);
	hvc6(0x84000002u, 0, 0, 0, 0, 0, 0); /* CPU_OFF: does not return */
	puts_("FAIL CPU_OFF returned\n");
}

void guest_main(uint64_t dtb)
{
	(void)dtb;
	on_irq = irq;
	gic_cpu_init();
	volatile uint32_t *isenabler0 = (volatile uint32_t *)(GICR + 0x10000 + 0x100);
	*isenabler0 = 1u << SGI_PING;
	check("vcpu 1 is off before CPU_ON", hvc6(0xc4000004u, 1, 0, 0, 0, 0, 0) == 1);
	uint64_t rc = hvc6(0xc4000003u, 1, (uint64_t)(uintptr_t)secondary_start, 0x1234, 0, 0, 0);
	unsigned wfis = 0;
	while (pings == 0 && wfis < 1000000) {
		__asm__ volatile("wfi");
		wfis++;
		__asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
	}
	check("CPU_ON of vcpu 1 succeeds", rc == 0); /* printed once vcpu 1 is quiet */
	check("vcpu 1's SGI woke vcpu 0", pings == 1);
	check("vcpu 1 started with the context id in x0", ctx_seen == 0x1234);
	uint64_t state = 0;
	for (unsigned i = 0; i < 100000 && (state = hvc6(0xc4000004u, 1, 0, 0, 0, 0, 0)) == 0; i++)
		;
	check("AFFINITY_INFO says vcpu 1 is off after CPU_OFF", state == 1);
	check("CPU_ON of a vcpu that does not exist is refused",
	      hvc6(0xc4000003u, 7, (uint64_t)(uintptr_t)secondary_start, 0, 0, 0, 0) ==
		      (uint64_t)-2);
}
