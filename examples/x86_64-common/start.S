/*
 * Multiboot v1 entry (Multiboot Specification 0.6.96, 3.1 header, 3.2 machine state: 32-bit
 * protected mode, paging off, EAX = 0x2BADB002, EBX = multiboot information). Goes to long
 * mode (AMD64 APM Vol. 2, 14.6 "Enabling and Activating Long Mode": CR4.PAE, CR3, EFER.LME,
 * CR0.PG, then a far jump to a 64-bit code segment) with the first 4 GiB identity-mapped by
 * 2 MiB pages, loads a task register (a 64-bit TSS: VMX's host-state checks refuse a null
 * TR selector, Intel SDM Vol. 3C 27.2.3) and calls hyp_main(mbi) with interrupts off.
 */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000001 /* bit 0: modules page-aligned */

	.section .text.boot, "ax"
	.code32
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.globl _start
_start:
	cli
	cld
	mov	%ebx, %esi			/* multiboot information */
	mov	$__stack_top, %esp

	/* PML4[0] -> PDPT, PDPT[j] -> PD j (j < 4), PD entry i = i * 2 MiB | PS | RW | P: the
	 * first 4 GiB identity-mapped (RAM, and the local APIC at 0xfee00000, which gets PCD
	 * and PWT: uncached, SDM Vol. 3A 12.4.1). */
	mov	$boot_pdpt, %eax
	or	$3, %eax
	mov	%eax, boot_pml4
	xor	%ecx, %ecx
0:	mov	%ecx, %eax
	shl	$12, %eax
	add	$boot_pd, %eax
	or	$3, %eax
	mov	%eax, boot_pdpt(, %ecx, 8)
	inc	%ecx
	cmp	$4, %ecx
	jne	0b
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax
	cmp	$0x7f7, %ecx			/* the 2 MiB page at 0xfee00000 */
	jne	2f
	or	$0x18, %eax			/* PCD, PWT */
2:	mov	%eax, boot_pd(, %ecx, 8)
	movl	$0, boot_pd + 4(, %ecx, 8)
	inc	%ecx
	cmp	$2048, %ecx
	jne	1b

	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$(1 << 5), %eax			/* PAE */
	mov	%eax, %cr4
	mov	$0xc0000080, %ecx		/* EFER */
	rdmsr
	or	$((1 << 8) | (1 << 11)), %eax	/* LME, NXE */
	wrmsr
	mov	%cr0, %eax
	or	$((1 << 31) | (1 << 16) | 1), %eax	/* PG, WP, PE */
	mov	%eax, %cr0
	lgdt	gdt_ptr
	ljmp	$0x08, $long_mode

	.code64
long_mode:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$__stack_top, %rsp
	/* The TSS descriptor's base (SDM Vol. 3A 8.2.3: base 15:0 in bytes 2-3, 23:16 in byte
	 * 4, 31:24 in byte 7, 63:32 in bytes 8-11), then LTR (which marks it busy). */
	mov	$tss, %eax
	mov	%ax, gdt_tss + 2
	shr	$16, %eax
	mov	%al, gdt_tss + 4
	mov	%ah, gdt_tss + 7
	mov	$0x18, %ax
	ltr	%ax
	mov	%esi, %edi
	call	hyp_main
2:	cli
	hlt
	jmp	2b

	.section .data			/* writable: LTR sets the TSS busy bit */
	.align 16
gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff	/* 0x10: data, DPL 0 */
gdt_tss:				/* 0x18: 64-bit TSS, limit 103, present, type 9 */
	.word 0x67, 0
	.byte 0, 0x89, 0, 0
	.long 0, 0
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt

	.section .bss
	.align 16
tss:					/* 64-bit TSS (SDM Vol. 3A 8.7): no stacks are used */
	.skip 104

	.section .bss.pt, "aw", @nobits
	.align 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096

	.section .note.GNU-stack, "", @progbits
