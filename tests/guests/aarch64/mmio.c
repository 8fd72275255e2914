/* MMIO loads and stores of every width, with and without sign extension, through the
 * example's test device: offset 0 reads the pattern 0x8182838485868788 (truncated to the
 * access width), offset 8 is a scratch register, offset 16 reads the width of the last
 * store in bytes. */
#include "guest.h"

#define LOAD(insn, reg, addr)                                                              \
	({                                                                                 \
		uint64_t v_ = 0x5555555555555555ull;                                       \
		__asm__ volatile(insn " " reg "0, [%1]" : "+r"(v_) : "r"(addr) : "memory");  \
		v_;                                                                        \
	})
#define STORE(insn, reg, addr, v)                                                          \
	__asm__ volatile(insn " " reg "0, [%1]" : : "r"((uint64_t)(v)), "r"(addr) : "memory")

void guest_main(uint64_t dtb)
{
	(void)dtb;
	uintptr_t p = TESTDEV;
	check("ldrb zero-extends", LOAD("ldrb", "%w", p) == 0x88);
	check("ldrh zero-extends", LOAD("ldrh", "%w", p) == 0x8788);
	check("ldr w zero-extends", LOAD("ldr", "%w", p) == 0x85868788);
	check("ldr x", LOAD("ldr", "%x", p) == 0x8182838485868788ull);
	check("ldrsb x sign-extends", LOAD("ldrsb", "%x", p) == 0xffffffffffffff88ull);
	check("ldrsb w sign-extends to 32 bits", LOAD("ldrsb", "%w", p) == 0xffffff88ull);
	check("ldrsh x sign-extends", LOAD("ldrsh", "%x", p) == 0xffffffffffff8788ull);
	check("ldrsh w sign-extends to 32 bits", LOAD("ldrsh", "%w", p) == 0xffff8788ull);
	check("ldrsw sign-extends", LOAD("ldrsw", "%x", p) == 0xffffffff85868788ull);

	STORE("strb", "%w", p + 8, 0x1122334455667799ull);
	check("strb stores one byte", LOAD("ldr", "%x", p + 8) == 0x99 &&
					       LOAD("ldr", "%x", p + 16) == 1);
	STORE("strh", "%w", p + 8, 0x1122334455667799ull);
	check("strh stores two bytes", LOAD("ldr", "%x", p + 8) == 0x7799 &&
					       LOAD("ldr", "%x", p + 16) == 2);
	STORE("str", "%w", p + 8, 0x1122334455667799ull);
	check("str w stores four bytes", LOAD("ldr", "%x", p + 8) == 0x55667799 &&
						 LOAD("ldr", "%x", p + 16) == 4);
	STORE("str", "%x", p + 8, 0x1122334455667799ull);
	check("str x stores eight bytes", LOAD("ldr", "%x", p + 8) == 0x1122334455667799ull &&
						  LOAD("ldr", "%x", p + 16) == 8);
	__asm__ volatile("str xzr, [%0]" : : "r"(p + 8) : "memory");
	check("str xzr stores zero", LOAD("ldr", "%x", p + 8) == 0);
}
