/* RDMSR/WRMSR through the MSRPM intercept: emulated MSRs on the hypervisor's bus, EDX:EAX as
 * one 64-bit value, unknown MSRs read as zero. */
#include "guest.h"

void guest_main(void)
{
	wrmsr(MSR_SCRATCH, 0x0123456789abcdefull);
	check("wrmsr/rdmsr round trip 64 bits", rdmsr(MSR_SCRATCH) == 0x0123456789abcdefull);
	for (unsigned i = 1; i < 4; i++)
		wrmsr(MSR_SCRATCH + i, 0x1111111111111111ull * i);
	check("four independent MSRs", rdmsr(MSR_SCRATCH) == 0x0123456789abcdefull &&
					       rdmsr(MSR_SCRATCH + 3) == 0x3333333333333333ull);
	uint64_t rax = 0xdeadbeef00000000ull, rdx = 0xdeadbeef00000000ull;
	__asm__ volatile("rdmsr" : "+a"(rax), "+d"(rdx) : "c"(MSR_SCRATCH + 2));
	check("rdmsr clears rax[63:32] and rdx[63:32]",
	      rax == 0x22222222ull && rdx == 0x22222222ull);
	uint64_t rcx = 0xffffffff00000000ull | (MSR_SCRATCH + 1);
	rax = 0, rdx = 0;
	__asm__ volatile("rdmsr" : "+a"(rax), "+d"(rdx) : "c"(rcx));
	check("rdmsr uses ECX only", rax == 0x11111111ull);
	check("an unknown MSR reads zero", rdmsr(0x40002000u) == 0);
	wrmsr(0x40002000u, 5);
	check("and ignores writes", rdmsr(0x40002000u) == 0);
}
