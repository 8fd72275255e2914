/* Test guest runtime: console, checks, the hypercall stub, the final report. */
#include <stdarg.h>

#include "guest.h"

void guest_done(void);

void putc_(char c)
{
	outb(PORT_DEBUGCON, (uint8_t)c);
}

/* The hypercall instruction of the cpu we run on: VMMCALL (0F 01 D9) on AMD, VMCALL
 * (0F 01 C1) on Intel, where VMMCALL raises #UD (AMD64 APM Vol. 3 VMMCALL; Intel SDM Vol. 3C
 * 26.1.3 "VMCALL causes a VM exit"). CPUID leaf 0's vendor string says which. */
static int intel; /* 0: not looked at yet, 1: AMD (or other), 2: Intel */

bool guest_on_intel(void)
{
	if (!intel) {
		uint32_t r[4];
		cpuid(0, 0, r);
		/* "GenuineIntel": EBX "Genu", EDX "ineI", ECX "ntel" */
		intel = (r[1] == 0x756e6547u && r[3] == 0x49656e69u && r[2] == 0x6c65746eu) ? 2 : 1;
	}
	return intel == 2;
}

/* RAX = nr, RBX RCX RDX RSI RDI R8 = arguments, RAX = result. */
uint64_t vmmcall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
		 uint64_t a6)
{
	register uint64_t r8 __asm__("r8") = a6;
	if (guest_on_intel())
		__asm__ volatile("vmcall"
				 : "+a"(nr), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5),
				   "+r"(r8)
				 :
				 : "memory");
	else
		__asm__ volatile("vmmcall"
				 : "+a"(nr), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5),
				   "+r"(r8)
				 :
				 : "memory");
	return nr;
}

void guest_report(void)
{
	printf_("DONE %u passed, %u failed\n", (uint64_t)npass, (uint64_t)nfail);
}

void guest_done(void)
{
	guest_report();
	outl(PORT_EXIT, nfail ? EXIT_FAIL : EXIT_PASS);
}
