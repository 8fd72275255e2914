/* Console output of the example hypervisors: con_putc() is the platform's (a UART), the
 * formatting on top of it is shared (examples/common/console.c). */
#ifndef EXAMPLE_CONSOLE_H
#define EXAMPLE_CONSOLE_H

#include <stdarg.h>

void con_putc(char c);
void con_puts(const char *s);
/* A small printf: %d %u %x with l/ll and a width (0 pad), %s, %c, %p. */
void con_printf(const char *fmt, ...);
void con_vprintf(const char *fmt, va_list ap);

#endif
