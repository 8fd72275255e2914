/* Shared test-guest output: PASS/FAIL lines and a small printf over the guest's putc_(). */
#ifndef TEST_GUEST_PRINT_H
#define TEST_GUEST_PRINT_H

#include <stdbool.h>
#include <stdint.h>

extern int nfail, npass;

void putc_(char c); /* the architecture's console byte */
void puts_(const char *s);
/* %x %u (64-bit arguments), %s, %%. */
void printf_(const char *fmt, ...);
void check(const char *name, bool ok);
int failures(void);

#endif
