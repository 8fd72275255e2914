/* Interrupts under VMX (x86_64-vmx only):
 * - a virtual interrupt made pending while the guest has IF = 0 waits: the backend asks for
 *   an interrupt-window exit (Intel SDM Vol. 3C 25.6.2, "interrupt-window exiting"; exit
 *   reason 7) and injects it at the entry after the guest sets IF (25.8.3, 27.6 "Event
 *   injection"), through the guest's IDT;
 * - a host interrupt (the host's local APIC timer) while the guest runs is an
 *   external-interrupt exit (25.6.1; exit reason 1) that the guest never sees. */
#include "guest.h"

#define VEC 0x30

static volatile uint64_t taken;

void vec_handler(void);
__asm__(".text\n"
	".globl vec_handler\n"
	"vec_handler:\n\t"
	"lock incq taken(%rip)\n\t"
	"iretq\n");

void guest_main(void)
{
	idt_set(VEC, vec_handler);
	__asm__ volatile("cli");
	check("an interrupt is made pending", vmmcall(HC_INJECT, VEC, 0, 0, 0, 0, 0) == 0);
	for (volatile int i = 0; i < 1000; i++)
		;
	(void)vmmcall(HC_HALTS, 0, 0, 0, 0, 0, 0); /* an exit and an entry with IF = 0 */
	check("it waits while IF = 0", taken == 0);
	__asm__ volatile("sti\n\tnop\n\tcli" ::: "memory");
	check("it is taken once IF = 1 (interrupt-window exit, injection)", taken == 1);

	uint64_t before = vmmcall(HC_EXT_IRQS, 0, 0, 0, 0, 0, 0);
	check("the host timer is armed", vmmcall(HC_HOST_TIMER, 20000, 0, 0, 0, 0, 0) == 0);
	uint64_t n = before;
	/* With "external-interrupt exiting", RFLAGS.IF does not block external interrupts in
	 * the guest: they exit even with IF = 0 (SDM Vol. 3C 26.4.1 "Event Blocking"). Bochs
	 * 2.7 exits only when the guest has IF = 1, so the guest waits with IF = 1; had the
	 * interrupt reached it instead, its IDT has no gate for the vector: a triple fault. */
	__asm__ volatile("sti");
	for (unsigned round = 0; round < 2000 && n == before; round++) {
		for (volatile int i = 0; i < 1000; i++)
			;
		n = vmmcall(HC_EXT_IRQS, 0, 0, 0, 0, 0, 0);
	}
	check("the host's timer interrupt was an external-interrupt exit", n == before + 1);
	__asm__ volatile("cli");
	check("and the guest never saw it", taken == 1);
}
