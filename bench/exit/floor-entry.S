/* The floor's entry points and EL2 vector table (bench/exit/floor.c says what the floor is).
 *
 * _start: cpu 0 from QEMU (-kernel ELF at EL2, MMU off). floor_secondary_entry: cpu 1 through
 * PSCI CPU_ON from floor.c (x0 = its index). Each cpu gets a stack of its own and runs C.
 *
 * An exception from the guest (lower EL, AArch64, synchronous) saves x0..x30 on the cpu's
 * EL2 stack, calls floor_sync(regs), which answers the exit in place (it may change the
 * saved registers and ELR_EL2), restores them and ERETs: nothing else is saved or switched.
 * Anything else taken at EL2 is fatal (floor_bad).
 *
 * References: DDI 0487 D1.10.2 (vector offsets), D1.10.1 (exception entry and return).
 */
#define STACK_SIZE 0x4000
#define FRAME 256 /* x0..x30, 16-byte aligned */

#include "../../examples/aarch64-virt/a64_entry.h"

	.section .text.boot, "ax"
	.global	_start
_start:
	msr	daifset, #0xf
	ZERO_BSS
	mov	x19, #0
	b	cpu_start

	.global	floor_secondary_entry
floor_secondary_entry:
	msr	daifset, #0xf
	mov	x19, x0
cpu_start:
	bl	floor_stack_top		/* x0 = cpu (x19): the top of its stack */
	mov	sp, x0
	mov	x0, x19
	bl	floor_main		/* does not return */
3:	wfe
	b	3b

/* floor_stack_top(cpu): top of cpu's stack (cpu 0 or 1); uses only x0, x1. */
	.global	floor_stack_top
floor_stack_top:
	ldr	x1, =__stacks
	add	x0, x0, #1
	lsl	x0, x0, #14		/* STACK_SIZE */
	add	x0, x1, x0
	ret

/* floor_enter(pc, x0, stack_top): enter the guest at EL1h, DAIF masked, with x0 and every
 * other general register zero; SP_EL2 is reset to stack_top, where every exit frame goes. */
	.global	floor_enter
floor_enter:
	msr	elr_el2, x0
	mov	x3, #0x3c5		/* SPSR_EL2: EL1h, D, A, I, F masked */
	msr	spsr_el2, x3
	mov	sp, x2
	mov	x0, x1
	.irp	r, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30
	mov	x\r, xzr
	.endr
	isb
	eret

	.text
.macro bad kind
	.balign	0x80
	mov	x0, #\kind
	b	floor_bad
.endm

	.balign	2048
	.global	floor_vectors
floor_vectors:
	bad	0	/* current EL, SP_EL0: sync, IRQ, FIQ, SError */
	bad	1
	bad	2
	bad	3
	bad	4	/* current EL, SP_ELx */
	bad	5
	bad	6
	bad	7
	.balign	0x80	/* lower EL, AArch64: synchronous */
	sub	sp, sp, #FRAME
	PAIRS	stp, 0, x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, \
		x18, x19, x20, x21, x22, x23, x24, x25, x26, x27, x28, x29
	str	x30, [sp, #240]
	mov	x0, sp
	bl	floor_sync
	b	floor_return
	bad	9	/* lower EL, AArch64: IRQ (HCR_EL2.IMO is clear: never) */
	bad	10	/* FIQ */
	bad	11	/* SError */
	bad	12	/* lower EL, AArch32 */
	bad	13
	bad	14
	bad	15

floor_return:
	PAIRS	ldp, 0, x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, \
		x18, x19, x20, x21, x22, x23, x24, x25, x26, x27, x28, x29
	ldr	x30, [sp, #240]
	add	sp, sp, #FRAME
	eret

	.section .note.GNU-stack, "", %progbits
