/* Test guest runtime: console, checks, the hypercall stub, the final report. */
#include <stdarg.h>

#include "guest.h"

void guest_done(void);

void putc_(char c)
{
	outb(PORT_DEBUGCON, (uint8_t)c);
}

/* VMMCALL (0F 01 D9): RAX = nr, RBX RCX RDX RSI RDI R8 = arguments, RAX = result. */
uint64_t vmmcall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
		 uint64_t a6)
{
	register uint64_t r8 __asm__("r8") = a6;
	__asm__ volatile("vmmcall"
			 : "+a"(nr), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5), "+r"(r8)
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
