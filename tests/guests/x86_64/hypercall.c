/* Hypercalls (VMMCALL on AMD, VMCALL on Intel): number and six arguments in, result in RAX, every other register kept
 * by the entry stub; HLT exits and resumes after the instruction. */
#include "guest.h"

/* Fill the registers VMRUN / VMLAUNCH do not save with patterns, make the hypercall, and
 * store them. */
static void regs_after_vmmcall(uint64_t out[9])
{
	uint8_t intel = guest_on_intel();
	__asm__ volatile("cmpb $0, %1\n\t" /* MOVs keep the flags */
			 "push %%rbp\n\t"
			 "mov $0x1002, %%eax\n\t"
			 "mov $0x0303030303030303, %%rbx\n\t"
			 "mov $0x0505050505050505, %%rbp\n\t"
			 "mov $0x0909090909090909, %%r9\n\t"
			 "mov $0x0a0a0a0a0a0a0a0a, %%r10\n\t"
			 "mov $0x0b0b0b0b0b0b0b0b, %%r11\n\t"
			 "mov $0x0c0c0c0c0c0c0c0c, %%r12\n\t"
			 "mov $0x0d0d0d0d0d0d0d0d, %%r13\n\t"
			 "mov $0x0e0e0e0e0e0e0e0e, %%r14\n\t"
			 "mov $0x0f0f0f0f0f0f0f0f, %%r15\n\t"
			 "jne 1f\n\t"
			 "vmmcall\n\t"
			 "jmp 2f\n"
			 "1:\tvmcall\n"
			 "2:\tmov %%rbx, 0(%%rdi)\n\t"
			 "mov %%rbp, 8(%%rdi)\n\t"
			 "mov %%r9, 16(%%rdi)\n\t"
			 "mov %%r10, 24(%%rdi)\n\t"
			 "mov %%r11, 32(%%rdi)\n\t"
			 "mov %%r12, 40(%%rdi)\n\t"
			 "mov %%r13, 48(%%rdi)\n\t"
			 "mov %%r14, 56(%%rdi)\n\t"
			 "mov %%r15, 64(%%rdi)\n\t"
			 "pop %%rbp"
			 :
			 : "D"(out), "m"(intel)
			 : "rax", "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12",
			   "r13", "r14", "r15", "memory");
}

void guest_main(void)
{
	check("weighted sum of six arguments",
	      vmmcall(HC_WEIGHTED_SUM, 1, 10, 100, 1000, 10000, 100000) == 654321);
	check("large arguments", vmmcall(HC_WEIGHTED_SUM, 1ull << 40, 0, 0, 0, 0, 1ull << 50) ==
					 (1ull << 40) + 6 * (1ull << 50));
	check("an unknown hypercall returns -1", vmmcall(0x9999, 0, 0, 0, 0, 0, 0) == ~0ull);
	uint64_t r[9];
	regs_after_vmmcall(r);
	const uint64_t want[9] = {0x0303030303030303ull, 0x0505050505050505ull,
				  0x0909090909090909ull, 0x0a0a0a0a0a0a0a0aull,
				  0x0b0b0b0b0b0b0b0bull, 0x0c0c0c0c0c0c0c0cull,
				  0x0d0d0d0d0d0d0d0dull, 0x0e0e0e0e0e0e0e0eull,
				  0x0f0f0f0f0f0f0f0full};
	bool kept = true;
	for (unsigned i = 0; i < 9; i++)
		kept &= r[i] == want[i];
	check("rbx, rbp, r9..r15 survive the exit", kept);
	uint64_t halts = vmmcall(HC_HALTS, 0, 0, 0, 0, 0, 0);
	__asm__ volatile("hlt");
	__asm__ volatile("hlt");
	check("hlt exits and resumes after the instruction",
	      vmmcall(HC_HALTS, 0, 0, 0, 0, 0, 0) == halts + 2);
}
