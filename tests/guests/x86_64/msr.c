/* RDMSR/WRMSR through the MSR intercepts: emulated MSRs on the hypervisor's bus, EDX:EAX as
 * one 64-bit value; an MSR nobody emulates raises #GP(0) at the instruction, as on a cpu
 * that does not implement it (SDM Vol. 2B RDMSR, WRMSR: "#GP(0) if the value in ECX
 * specifies a reserved or unimplemented MSR address"). */
#include "guest.h"

static volatile uint64_t gp_count, gp_error, gp_rip;

/* #GP pushes an error code, then RIP (of the faulting instruction), CS, RFLAGS, RSP, SS.
 * The handler records them and resumes after the 2-byte RDMSR/WRMSR. */
void gp_handler(void);
__asm__(".text\n"
	".globl gp_handler\n"
	"gp_handler:\n\t"
	"push %rax\n\t"
	"mov 8(%rsp), %rax\n\t"
	"mov %rax, gp_error(%rip)\n\t"
	"mov 16(%rsp), %rax\n\t"
	"mov %rax, gp_rip(%rip)\n\t"
	"pop %rax\n\t"
	"add $8, %rsp\n\t"
	"addq $2, (%rsp)\n\t"
	"lock incq gp_count(%rip)\n\t"
	"iretq\n");

void guest_main(void)
{
	idt_set(13, gp_handler);
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
	check("no #GP for emulated MSRs", gp_count == 0);

	uint64_t at;
	rax = 0x5555, rdx = 0x6666;
	__asm__ volatile("lea 0(%%rip), %2\n\t"
			 "rdmsr"
			 : "+a"(rax), "+d"(rdx), "=&r"(at)
			 : "c"(0x40002000u));
	check("rdmsr of an unknown MSR raises #GP", gp_count == 1);
	check("with error code 0, at the rdmsr", gp_error == 0 && gp_rip == at);
	check("and leaves EDX:EAX alone", rax == 0x5555 && rdx == 0x6666);
	wrmsr(0x40002000u, 5);
	check("wrmsr of an unknown MSR raises #GP", gp_count == 2);
	check("the emulated MSRs are unchanged", rdmsr(MSR_SCRATCH) == 0x0123456789abcdefull);
}
