/* Access-fault injection: a load, a store and a fetch at a guest physical address nothing
 * backs reach the guest as load (5), store (7) and instruction (1) access faults with stval
 * the address (Priv 3.6.1, 4.1.9). */
#include "guest.h"

static uint64_t seen_cause, seen_tval, seen_epc;

static void exc(struct frame *f, uint64_t scause, uint64_t stval)
{
	seen_cause = scause;
	seen_tval = stval;
	seen_epc = f->x[0];
	if (scause == 1)
		f->x[0] = f->x[1]; /* fetch fault: return to ra */
	else
		f->x[0] += 4;
}

void guest_main(uint64_t hartid, uint64_t dtb)
{
	(void)hartid;
	(void)dtb;
	on_exc = exc;
	volatile uint64_t *p = (volatile uint64_t *)(UNMAPPED + 0x40);
	uint64_t v;
	__asm__ volatile(".option push\n.option norvc\nld %0, 0(%1)\n.option pop"
			 : "=r"(v) : "r"(p) : "memory");
	(void)v;
	check("load: load access fault", seen_cause == 5 && seen_tval == UNMAPPED + 0x40);
	__asm__ volatile(".option push\n.option norvc\nsd zero, 8(%0)\n.option pop"
			 : : "r"(p) : "memory");
	check("store: store access fault", seen_cause == 7 && seen_tval == UNMAPPED + 0x48);
	((void (*)(void))(uintptr_t)(UNMAPPED + 0x1000))();
	check("fetch: instruction access fault", seen_cause == 1 && seen_epc == UNMAPPED + 0x1000);
	/* The test device's registers end at 0x20: a load beyond them is no device's either. */
	seen_cause = 0;
	__asm__ volatile(".option push\n.option norvc\nld %0, 0(%1)\n.option pop"
			 : "=r"(v) : "r"(TESTDEV + 0x20) : "memory");
	check("load past a device: load access fault", seen_cause == 5);
	/* A hypervisor CSR from VS-mode (a virtual instruction exception, Priv 8.6.1): the
	 * guest sees an illegal instruction with the instruction in stval, as without H. */
	seen_cause = 0;
	__asm__ volatile("csrr a5, 0x600" ::: "a5", "memory"); /* 0x600027f3 */
	check("csrr hstatus: illegal instruction", seen_cause == 2 && seen_tval == 0x600027f3);
	__asm__ volatile("csrw 0x680, zero" ::: "memory");
	check("csrw hgatp: illegal instruction", seen_cause == 2);
	/* An illegal instruction (the all-zero word, Vol. I 16.1) reaches the guest's own
	 * handler with the instruction in stval, as on a machine without a hypervisor. */
	seen_cause = 0;
	__asm__ volatile(".4byte 0" ::: "memory");
	check("illegal instruction: the guest's own exception", seen_cause == 2);
	/* The guest goes on normally afterwards. */
	check("still alive", sbi(SBI_AXV, 0, 1, 0, 0, 0, 0, 0).value == 1);
}
