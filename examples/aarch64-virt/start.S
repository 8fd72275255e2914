/* Entry at EL2 from QEMU (-kernel ELF): x0 = 0, MMU off. Secondary cpus enter at
 * secondary_entry through PSCI CPU_ON with x0 = their index. */
#include "a64_entry.h"

	.section .text.boot, "ax"
	.global	_start
_start:
	mov	x19, #0
	ZERO_BSS
	b	cpu_start

	.global	secondary_entry
secondary_entry:
	mov	x19, x0
cpu_start:
	msr	daifset, #0xf
	ldr	x1, =__stacks
	add	x2, x19, #1
	mov	x3, #0x8000
	madd	x1, x2, x3, x1		/* stack top of cpu x19 */
	mov	sp, x1
	mov	x0, x19
	bl	hyp_main
3:	wfe
	b	3b

	.section .note.GNU-stack, "", %progbits
