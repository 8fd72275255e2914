/* Test guest runtime: console, checks, the hypercall stub, the final report. */
#include <stdarg.h>

#include "guest.h"

void guest_done(void);

static int nfail, npass;

static void putc_(char c)
{
	outb(PORT_DEBUGCON, (uint8_t)c);
}

void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void put_num(uint64_t v, unsigned base)
{
	char b[24];
	int n = 0;
	do {
		unsigned d = (unsigned)(v % base);
		b[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	while (n)
		putc_(b[--n]);
}

void printf_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putc_(*fmt);
			continue;
		}
		switch (*++fmt) {
		case 'x':
			put_num(va_arg(ap, uint64_t), 16);
			break;
		case 'u':
			put_num(va_arg(ap, uint64_t), 10);
			break;
		case 's':
			puts_(va_arg(ap, const char *));
			break;
		default:
			putc_(*fmt);
		}
	}
	va_end(ap);
}

void check(const char *name, bool ok)
{
	printf_("%s %s\n", ok ? "PASS" : "FAIL", name);
	if (ok)
		npass++;
	else
		nfail++;
}

int failures(void)
{
	return nfail;
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
