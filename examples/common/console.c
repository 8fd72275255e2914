/* Console formatting shared by the example hypervisors: each platform provides con_putc(). */
#include <stdarg.h>
#include <stdint.h>

#include "console.h"

void con_puts(const char *s)
{
	while (*s)
		con_putc(*s++);
}

static void put_num(unsigned long long v, unsigned base, int width, char pad)
{
	char buf[24];
	int n = 0;
	do {
		unsigned d = (unsigned)(v % base);
		buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	while (n < width--)
		con_putc(pad);
	while (n)
		con_putc(buf[--n]);
}

void con_vprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			con_putc(*fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			lng++, fmt++;
		switch (*fmt) {
		case 'd': {
			long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
			if (v < 0) {
				con_putc('-');
				v = -v;
			}
			put_num((unsigned long long)v, 10, width, pad);
			break;
		}
		case 'u':
			put_num(lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 10,
				width, pad);
			break;
		case 'x':
			put_num(lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 16,
				width, pad);
			break;
		case 'p':
			con_puts("0x");
			put_num((uintptr_t)va_arg(ap, void *), 16, 0, ' ');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			con_puts(s ? s : "(null)");
			break;
		}
		case 'c':
			con_putc((char)va_arg(ap, int));
			break;
		default:
			con_putc(*fmt);
		}
	}
}

void con_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	con_vprintf(fmt, ap);
	va_end(ap);
}
