/* Test guest runtime: console, checks, the hypercall stub, the final report. */
#include <stdarg.h>

#include "guest.h"

void guest_done(void);

void putc_(char c)
{
	outb(PORT_DEBUGCON, (uint8_t)c);
}

/* The hypercall instruction of the cpu we run on: VMMCALL (0F 01 D9) on AMD, VMCALL
 * (0F 01 C1) on Intel, where VMMCALL raises #UD (AMD64 APM Vol. 3 VMMCALL; Intel SDM Vol. 3C
 * 26.1.3 "VMCALL causes a VM exit"). CPUID leaf 0's vendor string says which. */
static int intel; /* 0: not looked at yet, 1: AMD (or other), 2: Intel */

bool guest_on_intel(void)
{
	if (!intel) {
		uint32_t r[4];
		cpuid(0, 0, r);
		/* "GenuineIntel": EBX "Genu", EDX "ineI", ECX "ntel" */
		intel = (r[1] == 0x756e6547u && r[3] == 0x49656e69u && r[2] == 0x6c65746eu) ? 2 : 1;
	}
	return intel == 2;
}

/* RAX = nr, RBX RCX RDX RSI RDI R8 = arguments, RAX = result. */
uint64_t vmmcall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
		 uint64_t a6)
{
	register uint64_t r8 __asm__("r8") = a6;
	if (guest_on_intel())
		__asm__ volatile("vmcall"
				 : "+a"(nr), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5),
				   "+r"(r8)
				 :
				 : "memory");
	else
		__asm__ volatile("vmmcall"
				 : "+a"(nr), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5),
				   "+r"(r8)
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

/* A 64-bit interrupt gate (SDM Vol. 3A 7.14.1, AMD64 APM Vol. 2 4.8.4): offset 15:0,
 * selector, IST, type 0xe with P, offset 31:16, offset 63:32. */
struct gate {
	uint16_t off0, sel;
	uint8_t ist, attr;
	uint16_t off1;
	uint32_t off2, zero;
};
static struct gate idt[256] __attribute__((aligned(16)));

/* The guest's own GDT: interrupt delivery loads CS from it (the hypervisor's start state
 * need not have a GDT in memory). 0x08: 64-bit code, 0x10: data. */
static const uint64_t gdt[3] __attribute__((aligned(16))) = {0, 0x00af9a000000ffffull,
							     0x00cf92000000ffffull};

static void gdt_load(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} d = {sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt};
	/* LGDT, then reload CS with a far return and the data segments. */
	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x08\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\tmov $0x10, %%eax\n\t"
			 "mov %%eax, %%ds\n\t"
			 "mov %%eax, %%es\n\t"
			 "mov %%eax, %%ss\n\t"
			 :
			 : "m"(d)
			 : "rax", "memory");
}

void idt_set(unsigned vec, void (*handler)(void))
{
	static bool gdt_done;
	if (!gdt_done) {
		gdt_load();
		gdt_done = true;
	}
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	uint64_t h = (uint64_t)(uintptr_t)handler;
	idt[vec & 255] = (struct gate){(uint16_t)h, cs, 0, 0x8e, (uint16_t)(h >> 16),
				       (uint32_t)(h >> 32), 0};
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} d = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
	__asm__ volatile("lidt %0" : : "m"(d));
}
