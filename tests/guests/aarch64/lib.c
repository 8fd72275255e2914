/* Test guest runtime: console, checks, calls, exception dispatch. */
#include <stdarg.h>

#include "guest.h"

void (*on_sync)(struct frame *f, uint64_t esr, uint64_t far);
void (*on_irq)(struct frame *f);

void putc_(char c)
{
	*(volatile uint32_t *)UART = (uint8_t)c;
}

#define CALL(insn)                                                                         \
	register uint64_t x0 __asm__("x0") = nr;                                           \
	register uint64_t x1 __asm__("x1") = a1;                                           \
	register uint64_t x2 __asm__("x2") = a2;                                           \
	register uint64_t x3 __asm__("x3") = a3;                                           \
	register uint64_t x4 __asm__("x4") = a4;                                           \
	register uint64_t x5 __asm__("x5") = a5;                                           \
	register uint64_t x6 __asm__("x6") = a6;                                           \
	__asm__ volatile(insn " #0"                                                        \
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)                          \
			 : "r"(x4), "r"(x5), "r"(x6)                                       \
			 : "memory", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",  \
			   "x15", "x16", "x17");                                           \
	return x0;

uint64_t hvc6(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
	      uint64_t a6)
{
	CALL("hvc")
}

uint64_t smc6(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
	      uint64_t a6)
{
	CALL("smc")
}

void psci_system_off(void)
{
	printf_("DONE %u passed, %u failed\n", (uint64_t)npass, (uint64_t)nfail);
	smc6(0x84000008u, 0, 0, 0, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

/* Guests without secondary vcpus never start one. */
__attribute__((weak)) void secondary_main(uint64_t ctx)
{
	(void)ctx;
	for (;;)
		__asm__ volatile("wfi");
}

void guest_sync(struct frame *f);
void guest_irq(struct frame *f);
void guest_unexpected(struct frame *f);

void guest_sync(struct frame *f)
{
	uint64_t esr = SYSREG_READ(esr_el1), far = SYSREG_READ(far_el1);
	if (on_sync) {
		on_sync(f, esr, far);
		return;
	}
	printf_("FAIL unexpected synchronous exception esr %x far %x elr %x\n", esr, far,
		SYSREG_READ(elr_el1));
	psci_system_off();
}

void guest_irq(struct frame *f)
{
	if (on_irq) {
		on_irq(f);
		return;
	}
	puts_("FAIL unexpected interrupt\n");
	psci_system_off();
}

void guest_unexpected(struct frame *f)
{
	(void)f;
	printf_("FAIL unexpected exception esr %x\n", SYSREG_READ(esr_el1));
	psci_system_off();
}

/* The GIC CPU interface of this vcpu (virtual, through ICH_VMCR): system registers on, all
 * priorities, Group 1 enabled. */
void gic_cpu_init(void)
{
	SYSREG_WRITE(S3_0_C12_C12_5, SYSREG_READ(S3_0_C12_C12_5) | 1); /* ICC_SRE_EL1.SRE */
	__asm__ volatile("isb");
	SYSREG_WRITE(S3_0_C4_C6_0, 0xff); /* ICC_PMR_EL1 */
	SYSREG_WRITE(S3_0_C12_C12_7, 1);  /* ICC_IGRPEN1_EL1 */
	__asm__ volatile("isb");
}
