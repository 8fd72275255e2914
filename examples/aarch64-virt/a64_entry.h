/* Assembler macros for the aarch64 entry code (.S) of the example, its test guests and the
 * exit benchmark's floor.
 * ZERO_BSS: clears [__bss_start, __bss_end) 8 bytes at a time (the linker scripts align both
 * to 8); uses x1, x2 and the local labels 1 and 2.
 * PAIRS_X0_X17 op, PAIRS_X18_X29 op: op (stp or ldp) on the register pairs x0/x1 .. x16/x17
 * at [sp, #0] .. [sp, #128], and x18/x19 .. x28/x29 at [sp, #144] .. [sp, #224], the layout
 * of a frame of x0..x30 (DDI 0487 C6.2: STP, LDP, signed offset). */
#ifndef A64_ENTRY_H
#define A64_ENTRY_H
/* clang-format off */
.macro ZERO_BSS
	ldr	x1, =__bss_start
	ldr	x2, =__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:
.endm

.macro PAIRS_X0_X17 op
	\op	x0, x1, [sp, #0]
	\op	x2, x3, [sp, #16]
	\op	x4, x5, [sp, #32]
	\op	x6, x7, [sp, #48]
	\op	x8, x9, [sp, #64]
	\op	x10, x11, [sp, #80]
	\op	x12, x13, [sp, #96]
	\op	x14, x15, [sp, #112]
	\op	x16, x17, [sp, #128]
.endm

.macro PAIRS_X18_X29 op
	\op	x18, x19, [sp, #144]
	\op	x20, x21, [sp, #160]
	\op	x22, x23, [sp, #176]
	\op	x24, x25, [sp, #192]
	\op	x26, x27, [sp, #208]
	\op	x28, x29, [sp, #224]
.endm
/* clang-format on */
#endif
