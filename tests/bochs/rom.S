/*
 * A boot ROM for Bochs that replaces the BIOS and does what a multiboot boot loader does:
 * from the reset vector (Intel SDM Vol. 3A 10.1.4 "First Instruction Executed": CS base
 * FFFF0000H, IP FFF0H, real mode) it loads a flat GDT, turns on protection (SDM Vol. 3A
 * 10.9.1 "Switching to Protected Mode") and calls rom_main() (loader.c) in 32-bit
 * protected mode with paging off, which loads the multiboot kernel packed in the ROM and
 * enters it (Multiboot Specification 0.6.96, 3.2 "Machine state").
 *
 * The code is linked at FFFF0000H (the last 64 KiB of the 4 GiB space, where the ROM
 * ends; rom.ld); its offsets inside that 64 KiB are the real-mode offsets from CS.
 */
	.section .text.entry, "ax"
	.code16
	.globl rom_base
rom_base:
start16:
	cli
	cld
	lgdtl	%cs:(gdt_ptr - rom_base)
	mov	%cr0, %eax
	or	$1, %eax			/* PE */
	mov	%eax, %cr0
	ljmpl	$0x08, $start32

	.code32
start32:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	mov	$0x8000, %esp			/* stack: below the multiboot information */
	call	rom_main
1:	cli
	hlt
	jmp	1b

/* void rom_enter(uint32_t entry, uint32_t mbi): EAX = 0x2BADB002, EBX = mbi, jump. */
	.globl rom_enter
rom_enter:
	mov	4(%esp), %ecx
	mov	8(%esp), %ebx
	mov	$0x2badb002, %eax
	jmp	*%ecx

	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff		/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: flat data */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt

	.section .resetvec, "ax"
	.code16
reset:						/* FFFFFFF0H */
	jmp	start16
	.align 16, 0xf4

	.section .note.GNU-stack, "", @progbits
