/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Register sequences the two x86 world switches share (vmx_entry.S, svm_entry.S;
 * assembler macros, x86_64 builds only).
 *
 * The guest's general registers live in struct axv_x86_gprs { uint64_t r[16]; }, slot n at
 * 8 * n in the SDM's register order RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15. RSP is
 * never moved here (the VMCS / VMCB switch it); RAX, RSI and RDI are the stubs' own (base
 * registers, VMRUN's operand), so each stub moves them itself around gprs_move.
 */
#ifndef AXV_X86_GPRS_ASM_H
#define AXV_X86_GPRS_ASM_H

/* The host's callee-saved registers (SysV ABI), pushed on entry ... */
.macro host_callee_push
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
.endm

/* ... and popped on the way out. */
.macro host_callee_pop
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
.endm

/* Move general register %\reg to (store) or from (load) slot \slot at \base. */
.macro gpr_move dir, slot, reg, base
	.ifc \dir, load
	mov	8*\slot(\base), %\reg
	.else
	mov	%\reg, 8*\slot(\base)
	.endif
.endm

/* Load (\dir = load) or store (\dir = store) RCX, RDX, RBX, RBP and R8-R15 from / into the
 * register file at \base. */
.macro gprs_move dir, base
	gpr_move \dir, 1, rcx, \base
	gpr_move \dir, 2, rdx, \base
	gpr_move \dir, 3, rbx, \base
	gpr_move \dir, 5, rbp, \base
	.irp n, 8, 9, 10, 11, 12, 13, 14, 15
	gpr_move \dir, \n, r\n, \base
	.endr
.endm

#endif
