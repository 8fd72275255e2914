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
#include "gprs_asm.h"

#define VMCS_HOST_RSP 0x6c14

	.text
	.globl axv_vmx_enter_asm
	.type axv_vmx_enter_asm, @function
axv_vmx_enter_asm:
	host_callee_push
	push %rdi			/* g, for the exit path */
	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe .Lfail			/* CF or ZF: VMWRITE failed */
	test %esi, %esi			/* flags survive the MOVs below */
	mov 0x00(%rdi), %rax
	gprs_move load, %rdi
	mov 0x30(%rdi), %rsi
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
	host_callee_pop
	ret
	.size axv_vmx_enter_asm, . - axv_vmx_enter_asm

	.globl axv_vmx_exit_point
	.type axv_vmx_exit_point, @function
axv_vmx_exit_point:
	push %rdi			/* the guest's RDI */
	mov 8(%rsp), %rdi		/* g */
	mov %rax, 0x00(%rdi)
	gprs_move store, %rdi
	mov %rsi, 0x30(%rdi)
	pop %rax
	mov %rax, 0x38(%rdi)
	pop %rdi
	host_callee_pop
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
