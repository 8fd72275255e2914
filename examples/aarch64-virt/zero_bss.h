/* For the aarch64 entry code (.S) of the example, its test guests and the exit benchmark's
 * floor: ZERO_BSS clears [__bss_start, __bss_end) 8 bytes at a time (the linker scripts align
 * both to 8); it uses x1, x2 and the local labels 1 and 2. */
#ifndef ZERO_BSS_H
#define ZERO_BSS_H
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
/* clang-format on */
#endif
