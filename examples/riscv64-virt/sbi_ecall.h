/* One SBI call, for the riscv64 example (HS-mode, calling the firmware) and its test guests
 * (VS-mode, calling the example): RISC-V SBI specification v2.0, chapter 3 (binary encoding):
 * ECALL with the extension id in a7, the function id in a6, arguments in a0-a5; the error
 * comes back in a0, the value in a1. */
#ifndef SBI_ECALL_H
#define SBI_ECALL_H

struct sbiret {
	long error;
	unsigned long value;
};

static inline struct sbiret sbi_ecall(unsigned long eid, unsigned long fid, unsigned long a0,
				      unsigned long a1, unsigned long a2, unsigned long a3,
				      unsigned long a4, unsigned long a5)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	register unsigned long r2 __asm__("a2") = a2;
	register unsigned long r3 __asm__("a3") = a3;
	register unsigned long r4 __asm__("a4") = a4;
	register unsigned long r5 __asm__("a5") = a5;
	register unsigned long r6 __asm__("a6") = fid;
	register unsigned long r7 __asm__("a7") = eid;
	__asm__ volatile("ecall"
			 : "+r"(r0), "+r"(r1)
			 : "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r6), "r"(r7)
			 : "memory");
	return (struct sbiret){(long)r0, r1};
}

#endif
