/*
 * The guest prologue of x86_64-vmx: the VMX backend starts a guest in 32-bit protected mode
 * with paging off (flat segments; unrestricted guest), and the test guests expect 64-bit
 * mode with paging on. The hypervisor copies these bytes to guest physical GUEST_PROLOGUE
 * and starts the vcpu there; they enable long mode the architectural way (SDM Vol. 3A
 * 10.8.5 "Initializing IA-32e Mode": CR4.PAE, CR3, IA32_EFER.LME, then CR0.PG; a far jump to
 * a 64-bit code segment, 3.4.5 and 5.2.1), set RSP and jump to GUEST_LOAD. The guest's own
 * instructions do it inside VMX non-root operation; the backend follows EFER.LMA into the
 * "IA-32e mode guest" entry control at each exit (SDM Vol. 3C 27.3.1.1).
 */
#include "config.h"

#define AT(sym) ((sym) - vmx_prologue + GUEST_PROLOGUE)

	.section .rodata.prologue, "a"
	.globl vmx_prologue, vmx_prologue_end
	.code32
vmx_prologue:
	mov	$GUEST_PT_BASE, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$(1 << 5), %eax			/* PAE */
	mov	%eax, %cr4
	mov	$0xc0000080, %ecx		/* IA32_EFER */
	rdmsr
	or	$(1 << 8), %eax			/* LME */
	wrmsr
	mov	%cr0, %eax
	or	$((1 << 31) | 1), %eax		/* PG, PE */
	mov	%eax, %cr0
	lgdt	AT(gdt_ptr)
	ljmp	$0x08, $AT(long64)
	.code64
long64:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	$GUEST_STACK_TOP, %rsp
	mov	$GUEST_LOAD, %eax
	jmp	*%rax
	.align 8
gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
gdt_ptr:
	.word gdt_ptr - gdt - 1
	.long AT(gdt)
vmx_prologue_end:

	.section .note.GNU-stack, "", @progbits
