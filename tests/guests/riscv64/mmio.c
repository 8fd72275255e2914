/* MMIO loads and stores of every width, sign- and zero-extending, 32-bit and compressed
 * encodings, through the example's test device: offset 0 reads 0x8182838485868788, offset 8
 * is a scratch register, offset 16 reads the width of the last store. The hypervisor decodes
 * each from the guest's code (QEMU gives no htinst). */
#include "guest.h"

#define LOAD(insn, addr)                                                                   \
	({                                                                                 \
		uint64_t v_ = 0x5555555555555555ull;                                       \
		__asm__ volatile(".option push\n.option norvc\n" insn " %0, 0(%1)\n.option pop" \
				 : "=r"(v_) : "r"(addr) : "memory");                        \
		v_;                                                                        \
	})
#define STORE(insn, addr, v)                                                               \
	__asm__ volatile(".option push\n.option norvc\n" insn " %0, 0(%1)\n.option pop"     \
			 : : "r"((uint64_t)(v)), "r"(addr) : "memory")

void guest_main(uint64_t hartid, uint64_t dtb)
{
	(void)hartid;
	(void)dtb;
	uintptr_t p = TESTDEV;
	check("lb sign-extends", LOAD("lb", p) == 0xffffffffffffff88ull);
	check("lbu zero-extends", LOAD("lbu", p) == 0x88);
	check("lh sign-extends", LOAD("lh", p) == 0xffffffffffff8788ull);
	check("lhu zero-extends", LOAD("lhu", p) == 0x8788);
	check("lw sign-extends", LOAD("lw", p) == 0xffffffff85868788ull);
	check("lwu zero-extends", LOAD("lwu", p) == 0x85868788);
	check("ld", LOAD("ld", p) == 0x8182838485868788ull);
	STORE("sb", p + 8, 0x1122334455667799ull);
	check("sb stores one byte", LOAD("ld", p + 8) == 0x99 && LOAD("ld", p + 16) == 1);
	STORE("sh", p + 8, 0x1122334455667799ull);
	check("sh stores two bytes", LOAD("ld", p + 8) == 0x7799 && LOAD("ld", p + 16) == 2);
	STORE("sw", p + 8, 0x1122334455667799ull);
	check("sw stores four bytes", LOAD("ld", p + 8) == 0x55667799 && LOAD("ld", p + 16) == 4);
	STORE("sd", p + 8, 0x1122334455667799ull);
	check("sd stores eight bytes",
	      LOAD("ld", p + 8) == 0x1122334455667799ull && LOAD("ld", p + 16) == 8);
	__asm__ volatile("sd zero, 0(%0)" : : "r"(p + 8) : "memory");
	check("sd zero stores zero", LOAD("ld", p + 8) == 0);
	/* Compressed forms (Vol. I 16.3): c.lw, c.ld, c.sw, c.sd with x8-x15 registers. */
	register uint64_t base __asm__("s0") = p;
	register uint64_t val __asm__("s1");
	__asm__ volatile("c.lw %0, 0(%1)" : "=r"(val) : "r"(base) : "memory");
	check("c.lw sign-extends", val == 0xffffffff85868788ull);
	__asm__ volatile("c.ld %0, 0(%1)" : "=r"(val) : "r"(base) : "memory");
	check("c.ld", val == 0x8182838485868788ull);
	val = 0xaabbccdd11223344ull;
	__asm__ volatile("c.sw %0, 8(%1)" : : "r"(val), "r"(base) : "memory");
	check("c.sw stores four bytes", LOAD("ld", p + 8) == 0x11223344 && LOAD("ld", p + 16) == 4);
	__asm__ volatile("c.sd %0, 8(%1)" : : "r"(val), "r"(base) : "memory");
	check("c.sd stores eight bytes", LOAD("ld", p + 8) == 0xaabbccdd11223344ull);
	/* An access no device claims (offset 0x18 is read-only, 0x20 is outside it). */
	check("reads counted", LOAD("ld", p + 24) > 10);
}
