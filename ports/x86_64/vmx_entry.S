/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VMX world switch (x86_64 builds only).
 *
 * int axv_vmx_enter_asm(struct axv_x86_gprs *g, int resume)
 *   Saves the host's callee-saved registers and g on the stack, writes HOST_RSP, loads the
 *   guest's general registers from g (RSP excluded: the VMCS switches RSP, RIP, RFLAGS),
 *   and executes VMLAUNCH (resume == 0) or VMRESUME. A VM exit lands on
 *   axv_vmx_exit_point (the VMCS HOST_RIP) with RSP = HOST_RSP; it stores the guest's
 *   registers into g and returns 0. A failed VM entry falls through and returns -5
 *   (AXV_EIO, VMfailInvalid: CF = 1) or -14 (AXV_EFAULT, VMfailValid: ZF = 1).
 *
 * Offsets: struct axv_x86_gprs { uint64_t r[16]; } in the SDM's register order RAX, RCX,
 * RDX, RBX, RSP, RBP, RSI, RDI, R8..R15. References: Intel SDM Vol. 3C 27.1 (VM entry
 * and VMfail), 28.5 (loading host state: RSP and RIP from the host-state area, RFLAGS
 * cleared but bit 1), 31.2 (VMfailInvalid / VMfailValid conventions).
 */
#define VMCS_HOST_RSP 0x6c14

	.text
	.globl axv_vmx_enter_asm
	.type axv_vmx_enter_asm, @function
axv_vmx_enter_asm:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi			/* g, for the exit path */
	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe .Lfail			/* CF or ZF: VMWRITE failed */
	test %esi, %esi			/* flags survive the MOVs below */
	mov 0x00(%rdi), %rax
	mov 0x08(%rdi), %rcx
	mov 0x10(%rdi), %rdx
	mov 0x18(%rdi), %rbx
	mov 0x28(%rdi), %rbp
	mov 0x30(%rdi), %rsi
	mov 0x40(%rdi), %r8
	mov 0x48(%rdi), %r9
	mov 0x50(%rdi), %r10
	mov 0x58(%rdi), %r11
	mov 0x60(%rdi), %r12
	mov 0x68(%rdi), %r13
	mov 0x70(%rdi), %r14
	mov 0x78(%rdi), %r15
	mov 0x38(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp .Lfail
1:	vmresume
.Lfail:
	mov $-5, %eax
	jc 2f
	mov $-14, %eax
2:	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size axv_vmx_enter_asm, . - axv_vmx_enter_asm

	.globl axv_vmx_exit_point
	.type axv_vmx_exit_point, @function
axv_vmx_exit_point:
	push %rdi			/* the guest's RDI */
	mov 8(%rsp), %rdi		/* g */
	mov %rax, 0x00(%rdi)
	mov %rcx, 0x08(%rdi)
	mov %rdx, 0x10(%rdi)
	mov %rbx, 0x18(%rdi)
	mov %rbp, 0x28(%rdi)
	mov %rsi, 0x30(%rdi)
	mov %r8, 0x40(%rdi)
	mov %r9, 0x48(%rdi)
	mov %r10, 0x50(%rdi)
	mov %r11, 0x58(%rdi)
	mov %r12, 0x60(%rdi)
	mov %r13, 0x68(%rdi)
	mov %r14, 0x70(%rdi)
	mov %r15, 0x78(%rdi)
	pop %rax
	mov %rax, 0x38(%rdi)
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	xor %eax, %eax
	ret
	.size axv_vmx_exit_point, . - axv_vmx_exit_point

	/* uint64_t axv_vmx_exit_rip_asm(void): the address of axv_vmx_exit_point, RIP-relative
	 * (no GOT in position-independent builds). */
	.globl axv_vmx_exit_rip_asm
	.type axv_vmx_exit_rip_asm, @function
axv_vmx_exit_rip_asm:
	lea axv_vmx_exit_point(%rip), %rax
	ret
	.size axv_vmx_exit_rip_asm, . - axv_vmx_exit_rip_asm

	.section .note.GNU-stack, "", @progbits
