/* Assembler macros for the aarch64 entry code (.S) of the example, its test guests and the
 * exit benchmark's floor.
 * ZERO_BSS: clears [__bss_start, __bss_end) 8 bytes at a time (the linker scripts align both
 * to 8); uses x1, x2 and the local labels 1 and 2.
 * PAIRS op, off, regs...: op (stp or ldp) on the registers two by two at [sp, #off],
 * [sp, #off + 16] and on, as a frame of x0..x30 lays them out (DDI 0487 C6.2: STP, LDP,
 * signed offset). */
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

.macro PAIRS op, off, a, b, rest:vararg
	\op	\a, \b, [sp, #(\off)]
	.ifnb \rest
	PAIRS \op, (\off + 16), \rest
	.endif
.endm
/* clang-format on */
#endif
