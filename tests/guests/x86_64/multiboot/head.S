/*
 * A multiboot v1 test kernel (see mb.c): the header (Multiboot Specification 0.6.96, 3.1.1:
 * magic, flags, checksum; flags bit 0 page-aligned modules, bit 1 memory information), the
 * entry (3.2: 32-bit protected mode, paging off, EAX = 0x2BADB002, EBX = the information,
 * no stack, no GDT or IDT it may rely on), and the interrupt handlers.
 */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000003

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl mb_start
mb_start:
	mov	$stack_top, %esp
	push	%ebx
	push	%eax
	call	mb_main
1:	cli
	hlt
	jmp	1b

/* #GP (SDM Vol. 3A 7.15, interrupt 13): the cpu pushes EFLAGS, CS, EIP (of the faulting
 * instruction) and an error code; record them, resume after the 2-byte RDMSR/WRMSR. */
	.globl gp_handler
gp_handler:
	push	%eax
	mov	4(%esp), %eax
	mov	%eax, gp_error
	mov	8(%esp), %eax
	mov	%eax, gp_eip
	pop	%eax
	add	$4, %esp
	addl	$2, (%esp)
	lock incl gp_count
	iret

/* The local APIC timer's vector: count it and end it with an EOI (SDM Vol. 3A 12.8.5). */
	.globl timer_handler
timer_handler:
	lock incl timer_ticks
	movl	$0, 0xfee000b0
	iret

	.section .bss
	.align 16
	.skip 8192
stack_top:

	.section .note.GNU-stack, "", @progbits
