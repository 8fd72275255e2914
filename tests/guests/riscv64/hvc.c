/* Hypercalls: SBI Base answered by the port, libaxv's test extension and the Debug Console
 * answered by the example, unknown extensions and functions refused (SBI 3: NOT_SUPPORTED). */
#include "guest.h"

static const char msg[] = "guest: written through SBI DBCN write\n";

void guest_main(uint64_t hartid, uint64_t dtb)
{
	(void)hartid;
	(void)dtb;
	struct sbiret r = sbi(SBI_BASE, 0, 0, 0, 0, 0, 0, 0);
	check("base: spec version 2.0", r.error == 0 && r.value == 0x2000000);
	r = sbi(SBI_BASE, 1, 0, 0, 0, 0, 0, 0);
	check("base: implementation id", r.error == 0 && r.value == 0xa5);
	static const unsigned long have[] = {SBI_BASE, SBI_TIME, SBI_IPI, SBI_RFENCE, SBI_HSM,
					     SBI_SRST, SBI_DBCN};
	bool all = true;
	for (unsigned i = 0; i < sizeof(have) / sizeof(have[0]); i++)
		all = all && sbi(SBI_BASE, 3, have[i], 0, 0, 0, 0, 0).value == 1;
	check("base: probe finds every extension", all);
	check("base: probe of an unknown extension is 0",
	      sbi(SBI_BASE, 3, 0x12345678, 0, 0, 0, 0, 0).value == 0);
	r = sbi(SBI_BASE, 4, 0, 0, 0, 0, 0, 0);
	check("base: mvendorid", r.error == 0);
	check("unknown extension: NOT_SUPPORTED", sbi(0x0badbad, 0, 0, 0, 0, 0, 0, 0).error == -2);
	check("unknown base function: NOT_SUPPORTED", sbi(SBI_BASE, 77, 0, 0, 0, 0, 0, 0).error == -2);
	r = sbi(SBI_AXV, 0, 1, 2, 3, 4, 5, 6);
	check("weighted sum of six arguments", r.error == 0 && r.value == 91);
	uint64_t before = sbi(SBI_AXV, 1, 0, 0, 0, 0, 0, 0).value;
	for (int i = 0; i < 1000; i++)
		sbi(SBI_AXV, 0, (unsigned long)i, 0, 0, 0, 0, 0);
	check("1000 hypercalls answered", sbi(SBI_AXV, 1, 0, 0, 0, 0, 0, 0).value == before + 1001);
	r = sbi(SBI_DBCN, 0, sizeof(msg) - 1, (unsigned long)(uintptr_t)msg, 0, 0, 0, 0);
	check("DBCN write", r.error == 0 && r.value == sizeof(msg) - 1);
	r = sbi(SBI_DBCN, 2, '!', 0, 0, 0, 0, 0);
	sbi(SBI_DBCN, 2, '\n', 0, 0, 0, 0, 0);
	check("DBCN write_byte", r.error == 0);
	r = sbi(SBI_DBCN, 0, 16, UNMAPPED, 0, 0, 0, 0);
	check("DBCN write of unbacked memory: INVALID_PARAM", r.error == -3);
	/* a0 survives a call that returns nothing in a1, and other registers are kept */
	register unsigned long s2 __asm__("s2") = 0x1234;
	sbi(SBI_AXV, 0, 0, 0, 0, 0, 0, 0);
	__asm__ volatile("" : "+r"(s2));
	check("callee-saved registers kept", s2 == 0x1234);
}
