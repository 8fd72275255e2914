/* VM B's side of tests/guests/aarch64/run-storm.sh and scripts/bench-multivm.sh
 * (aarch64-virt-2vm.elf, vm-b, while Linux boots in vm-a). What it does until VM A is off
 * (the example's hypercall 0x1004) or 120 s have passed, by build (meson: STORM_MODE):
 *
 * 0, the storm: rounds of every kind of exit a hostile guest can make cheaply and that
 * touches shared machinery:
 *  - hypercalls: one the example does not know (SMCCC NOT_SUPPORTED, -1: DEN 0028 7.2), the
 *    fast path's null call, PSCI_VERSION, and CPU_ON and AFFINITY_INFO for vcpus this VM does
 *    not have (INVALID_PARAMETERS, -2: DEN 0022D.b 5.6, 5.7);
 *  - SGIs to vcpus that do not exist (ICC_SGI1R_EL1, IHI 0069 12.2.22: TargetList bits 1-15
 *    at Aff1 0, every bit at Aff1 1, and IRM 1, "every PE but this one": none here);
 *  - GIC writes: the distributor's enables, SPI priorities, routes to a vcpu that does not
 *    exist (GICD_IROUTER<n>), SPIs pended and cleared again (12.9), and stores to the
 *    redistributor frames of vcpus it does not have, each of which must abort in this guest
 *    (the example gives an unbacked access a synchronous external abort).
 * 1, busy: a CPU loop without exits.
 * 2, idle: WFI, woken every 10 ms by its virtual timer (PPI 27, acknowledged and ended
 *    through ICC_IAR1_EL1/ICC_EOIR1_EL1 with PSTATE.I masked) to look whether VM A is off. */
#include "guest.h"

#ifndef STORM_MODE
#define STORM_MODE 0
#endif
#define HC_NULL 0x1002
#define HC_VM_DOWN 0x1004
#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_ON 0xc4000003u
#define PSCI_AFFINITY_INFO 0xc4000004u
#define INVALID_PARAMETERS ((uint64_t)-2)
#define NOT_SUPPORTED ((uint64_t)-1)

static volatile uint64_t aborts, bad_esr;

static void sync_handler(struct frame *f, uint64_t esr, uint64_t far)
{
	(void)f;
	(void)far;
	if ((esr >> 26) != 0x25 || (esr & 0x3f) != 0x10) /* data abort, synchronous external */
		bad_esr++;
	aborts++;
	SYSREG_WRITE(elr_el1, SYSREG_READ(elr_el1) + 4);
}

/* Plain stores with a base register only: a store with writeback (which the compiler may
 * pick in a loop) has no valid syndrome (ESR_EL2.ISV 0, Arm ARM D17.2.40), and the example,
 * which does not decode instructions, gives it an abort instead of emulating it. */
static void w32(uint64_t a, uint32_t v)
{
	__asm__ volatile("str %w1, [%0]" : : "r"(a), "r"(v) : "memory");
}

static void w64(uint64_t a, uint64_t v)
{
	__asm__ volatile("str %1, [%0]" : : "r"(a), "r"(v) : "memory");
}

static bool vm_a_off(void)
{
	return hvc6(HC_VM_DOWN, 0, 0, 0, 0, 0, 0) == 1;
}

void guest_main(uint64_t dtb)
{
	(void)dtb;
	uint64_t freq = SYSREG_READ(cntfrq_el0), t0 = SYSREG_READ(cntvct_el0);
	uint64_t rounds = 0, hcalls = 0, sgis = 0, gicw = 0, gicr_stores = 0, wrong = 0;
	bool a_off = false;
	on_sync = sync_handler;
	if (STORM_MODE == 2) {
		gic_init_os(0);
		gicr_enable_ppi(27, 0xa0);
	}
	while (!(a_off = vm_a_off()) && SYSREG_READ(cntvct_el0) - t0 < 120 * freq) {
		if (STORM_MODE == 1) {
			for (volatile unsigned i = 0; i < 1000000; i++)
				;
			continue;
		}
		if (STORM_MODE == 2) {
			SYSREG_WRITE(cntv_tval_el0, freq / 100);
			SYSREG_WRITE(cntv_ctl_el0, 1); /* enabled, not masked */
			__asm__ volatile("isb\n\twfi");
			uint64_t id = SYSREG_READ(S3_0_C12_C12_0) & 0xffffff; /* ICC_IAR1_EL1 */
			SYSREG_WRITE(cntv_ctl_el0, 0);
			if (id < 1020)
				SYSREG_WRITE(S3_0_C12_C12_1, id); /* ICC_EOIR1_EL1 */
			continue;
		}
		for (unsigned k = 0; k < 16; k++) {
			wrong += hvc6(0x5a5a + k, k, 0, 0, 0, 0, 0) != NOT_SUPPORTED;
			wrong += hvc6(HC_NULL, 0, 0, 0, 0, 0, 0) != 0;
			wrong += hvc6(PSCI_VERSION, 0, 0, 0, 0, 0, 0) == NOT_SUPPORTED;
			wrong += hvc6(PSCI_CPU_ON, 1 + k % 7, 0x40080000, 0, 0, 0, 0) !=
				 INVALID_PARAMETERS;
			wrong += hvc6(PSCI_AFFINITY_INFO, 0x100 + k, 0, 0, 0, 0, 0) !=
				 INVALID_PARAMETERS;
			hcalls += 5;
		}
		for (uint64_t k = 0; k < 16; k++) {
			/* INTID [27:24], Aff1 [23:16], IRM [40], TargetList [15:0]. */
			SYSREG_WRITE(S3_0_C12_C11_5, k << 24 | 0xfffe);
			SYSREG_WRITE(S3_0_C12_C11_5, k << 24 | 1ul << 16 | 0xffff);
			SYSREG_WRITE(S3_0_C12_C11_5, k << 24 | 1ul << 40);
			sgis += 3;
		}
		w32(GICD + 0x0, 3); /* GICD_CTLR: both groups on */
		for (unsigned n = 32; n < 64; n++) {
			w64(GICD + 0x6000 + 8 * n, 5 + (n & 3)); /* GICD_IROUTER<n>: no such vcpu */
			gicw++;
		}
		for (unsigned n = 32; n < 64; n += 4) { /* GICD_IPRIORITYR<n>, four SPIs a word */
			w32(GICD + 0x400 + n, 0x10203040u + n);
			gicw++;
		}
		w32(GICD + 0x104, 0xffffffffu); /* ISENABLER1: SPIs 32-63 */
		w32(GICD + 0x204, 0xffffffffu); /* ISPENDR1 */
		w32(GICD + 0x284, 0xffffffffu); /* ICPENDR1 */
		w32(GICD + 0x184, 0xffffffffu); /* ICENABLER1 */
		w32(GICD + 0x0, 0);
		gicw += 5;
		for (unsigned cpu = 1; cpu < 4; cpu++) { /* GICR_WAKER, GICR_ISENABLER0 */
			w32(GICR + 0x20000ul * cpu + 0x14, 0);
			w32(GICR + 0x20000ul * cpu + 0x10100, 0xffffffffu);
			gicr_stores += 2;
		}
		rounds++;
	}
	on_sync = 0;
	uint64_t secs = (SYSREG_READ(cntvct_el0) - t0) / freq;
	printf_("guest: mode %u for %u s: %u rounds, %u hypercalls, %u SGIs to absent vcpus, %u "
		"GIC writes, %u stores to absent redistributors (%u aborts)\n",
		(uint64_t)STORM_MODE, secs, rounds, hcalls, sgis, gicw, gicr_stores, aborts);
	check("VM A went off while this VM ran", a_off);
	check("every hypercall got its answer (NOT_SUPPORTED, 0, a version, INVALID_PARAMETERS)",
	      wrong == 0);
	check("every store to an absent redistributor aborted in this guest, as a synchronous "
	      "external abort",
	      aborts == gicr_stores && bad_esr == 0);
}
