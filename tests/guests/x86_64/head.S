/* Test guest entry: the hypervisor starts us in 64-bit mode with paging on (identity map of
 * the first 4 GiB), RSP set and interrupts off. Clear .bss, run guest_main, report. */
	.section .text.head, "ax"
	.globl _head
_head:
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	rep stosb
	call	guest_main
	call	guest_done
1:	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
