/* An MMIO device reached through a nested page fault and the instruction decoder: stores and
 * loads of every width, immediates, zero and sign extension. */
#include "guest.h"

#define REG(type, off) (*(volatile type *)(TESTDEV + (off)))

static unsigned last_width(void)
{
	return REG(uint8_t, TESTDEV_WIDTH) & 0xff;
}

void guest_main(void)
{
	REG(uint8_t, 0) = 0x5a;
	check("1-byte store", last_width() == 1);
	check("1-byte load", REG(uint8_t, 0) == 0x5a);
	REG(uint16_t, 2) = 0xbeef;
	check("2-byte store and load", last_width() == 2 && REG(uint16_t, 2) == 0xbeef);
	REG(uint32_t, 4) = 0xcafef00du;
	check("4-byte store and load", last_width() == 4 && REG(uint32_t, 4) == 0xcafef00du);
	REG(uint64_t, 8) = 0x0123456789abcdefull;
	check("8-byte store and load",
	      last_width() == 8 && REG(uint64_t, 8) == 0x0123456789abcdefull);
	check("little-endian view", REG(uint32_t, 12) == 0x01234567u);
	/* mov dword [mem], imm32 (C7 /0) */
	__asm__ volatile("movl $0x7f00ff01, (%0)" : : "r"(TESTDEV + 16) : "memory");
	check("store of an immediate", REG(uint32_t, 16) == 0x7f00ff01u);
	uint64_t z, s;
	__asm__ volatile("movzbq (%1), %0" : "=r"(z) : "r"(TESTDEV + 2) : "memory");
	check("movzx zero-extends", z == 0xef);
	__asm__ volatile("movsbq (%1), %0" : "=r"(s) : "r"(TESTDEV + 2) : "memory");
	check("movsx sign-extends", s == 0xffffffffffffffefull);
	uint64_t rax = 0x1111111111111111ull;
	__asm__ volatile("movw (%1), %%ax" : "+a"(rax) : "r"(TESTDEV + 2) : "memory");
	check("a 2-byte load keeps rax[63:16]", rax == 0x111111111111beefull);
	__asm__ volatile("movl (%1), %%eax" : "+a"(rax) : "r"(TESTDEV + 4) : "memory");
	check("a 4-byte load clears rax[63:32]", rax == 0xcafef00dull);
	/* r8..r15 through REX: mov r13, [rbx + rsi*8 + 8] */
	uint64_t r13;
	__asm__ volatile("mov 8(%%rbx,%%rsi,8), %%r13\n\tmov %%r13, %0"
			 : "=r"(r13)
			 : "b"(TESTDEV), "S"(0ull)
			 : "r13", "memory");
	check("REX.R destination with SIB addressing", r13 == 0x0123456789abcdefull);
}
