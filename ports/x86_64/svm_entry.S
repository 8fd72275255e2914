/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SVM world switch (AMD64 APM Vol. 2, 15.5 "VMRUN Instruction", 15.5.2 "VMSAVE and VMLOAD",
 * 15.17 "Global Interrupt Flag"). VMRUN saves and restores only part of the state: the host
 * RAX, RSP, RIP, RFLAGS, segment and control registers go to VM_HSAVE_PA; the guest's RAX,
 * RSP, RIP and RFLAGS are in the VMCB. Every other general register belongs to whoever runs,
 * so this stub loads the guest's from the register file before VMRUN and stores them after
 * #VMEXIT, and preserves the host's callee-saved registers (SysV ABI) on the stack. The
 * hidden state VMLOAD/VMSAVE switch (FS/GS/TR/LDTR, KernelGsBase, STAR family, SYSENTER) is
 * saved for the host in its own page and loaded from / saved to the guest VMCB.
 *
 * void axv_svm_vmrun(uint64_t vmcb_pa, uint64_t *gprs, uint64_t host_vmcb_pa)
 *   rdi = guest VMCB physical address, rsi = RAX..R15 (16 slots), rdx = host VMSAVE page
 */
#include "gprs_asm.h"

	.text
	.globl axv_svm_vmrun
	.type axv_svm_vmrun, @function
axv_svm_vmrun:
	host_callee_push
	push	%rsi			/* 8(%rsp): register file */
	push	%rdx			/* 0(%rsp): host VMSAVE page */

	clgi				/* no interrupt or NMI until STGI */
	mov	%rdx, %rax
	vmsave				/* host hidden state */
	mov	%rdi, %rax		/* RAX = VMCB physical address from here to VMRUN */

	gprs_move load, %rsi
	mov	8*7(%rsi), %rdi
	mov	8*6(%rsi), %rsi

	vmload
	vmrun
	vmsave				/* RAX is the VMCB address again (restored by #VMEXIT) */

	mov	8(%rsp), %rax		/* register file */
	gprs_move store, %rax
	mov	%rsi, 8*6(%rax)
	mov	%rdi, 8*7(%rax)

	pop	%rax			/* host VMSAVE page */
	vmload
	stgi
	add	$8, %rsp
	host_callee_pop
	ret
	.size axv_svm_vmrun, . - axv_svm_vmrun

	.section .note.GNU-stack, "", @progbits
