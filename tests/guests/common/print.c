/* Output and checks shared by the test guests of every architecture: each guest runtime
 * provides putc_() (its console port), everything else is here. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "print.h"

int nfail, npass;

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
