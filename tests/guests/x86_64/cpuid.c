/* CPUID is emulated by libaxv: host values with SVM (AMD) or VMX (Intel) hidden, the
 * hypervisor bit, and the libaxv leaves at 0x40000000, the same under both backends. */
#include "guest.h"

static bool same(const uint32_t *r, const char *s)
{
	const char *p = (const char *)r;
	for (unsigned i = 0; i < 12; i++)
		if (p[i] != s[i])
			return false;
	return true;
}

void guest_main(void)
{
	uint32_t r[4], sig[3];
	cpuid(0x40000000u, 0, r);
	sig[0] = r[1], sig[1] = r[2], sig[2] = r[3];
	check("leaf 0x40000000 says libaxv", same(sig, "libaxv\0\0\0\0\0\0"));
	check("leaf 0x40000000 gives the last leaf", r[0] == 0x40000001u);
	cpuid(0x40000001u, 0, r);
	check("leaf 0x40000001 gives the version 0.1.0", r[0] == 0x100);
	cpuid(0x40000077u, 0, r);
	check("unknown hypervisor leaves read zero", (r[0] | r[1] | r[2] | r[3]) == 0);
	cpuid(1, 0, r);
	check("leaf 1 sets the hypervisor bit", r[2] & (1u << 31));
	check("leaf 1 hides VMX", !(r[2] & (1u << 5)));
	cpuid(0x80000001u, 0, r);
	check("leaf 0x80000001 hides SVM", !(r[2] & (1u << 2)));
	check("and shows long mode", r[3] & (1u << 29));
	cpuid(0, 0, r);
	sig[0] = r[1], sig[1] = r[3], sig[2] = r[2];
	check("leaf 0 passes the host vendor through",
	      same(sig, guest_on_intel() ? "GenuineIntel" : "AuthenticAMD") && r[0] >= 1);
	uint64_t rax = 0xffffffff40000000ull, rbx = ~0ull, rcx = ~0ull, rdx = ~0ull;
	__asm__ volatile("cpuid" : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx));
	check("results zero-extend to 64 bits", (rax >> 32) == 0 && (rbx >> 32) == 0 &&
							 (rcx >> 32) == 0 && (rdx >> 32) == 0);
}
