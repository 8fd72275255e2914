/* The guest's floating-point state across exits: f0-f31 and fcsr loaded with patterns, then
 * hypercalls (one where the host uses the FP registers itself, saving and restoring the
 * guest's with axv_rv64_fp_save/restore), MMIO on the fast path, SBI calls answered by the
 * port and timer interrupts; every register and fcsr must come back unchanged. Built with D
 * (the lp64 ABI stays). */
#include "guest.h"

#define F_ALL(X)                                                                           \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14)    \
	X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27)     \
	X(28) X(29) X(30) X(31)

static uint64_t pattern(unsigned k)
{
	return 0x4000000000000000ull | ((uint64_t)k << 40) | (0x1234567ull * (k + 1));
}

static void load_all(void)
{
#define LOAD(n) __asm__ volatile("fmv.d.x f" #n ", %0" ::"r"(pattern(n)));
	F_ALL(LOAD)
#undef LOAD
}

static bool check_all(void)
{
	bool ok = true;
#define CHK(n)                                                                             \
	{                                                                                  \
		uint64_t v_;                                                               \
		__asm__ volatile("fmv.x.d %0, f" #n : "=r"(v_));                            \
		if (v_ != pattern(n)) {                                                    \
			printf_("guest: f%u = 0x%x\n", (uint64_t)(n), v_);                  \
			ok = false;                                                        \
		}                                                                          \
	}
	F_ALL(CHK)
#undef CHK
	return ok;
}

static volatile uint64_t ticks;

static void irq(struct frame *f, uint64_t code)
{
	(void)f;
	if (code == 5) {
		ticks++;
		sbi(SBI_TIME, 0, CSR_READ(time) + 20000, 0, 0, 0, 0, 0);
	}
}

void guest_main(uint64_t hartid, uint64_t dtb)
{
	(void)hartid;
	(void)dtb;
	CSR_SET(sstatus, 1u << 13); /* FS = Initial: FP on (Priv 3.1.6.6) */
	load_all();
	__asm__ volatile("fscsr %0" ::"r"(0x45ul)); /* frm = 2 (RDN), fflags NX | OF */
	check("FP registers loaded", check_all());
	on_irq = irq;
	CSR_SET(sie, 1u << 5);
	sbi(SBI_TIME, 0, CSR_READ(time) + 20000, 0, 0, 0, 0, 0);
	CSR_SET(sstatus, 1u << 1);
	bool ok = true;
	for (unsigned i = 0; i < 300 && ok; i++) {
		sbi(SBI_AXV, 2, 0, 0, 0, 0, 0, 0); /* the host clobbers its FP, restores ours */
		(void)*(volatile uint64_t *)TESTDEV;
		sbi(SBI_BASE, 0, 0, 0, 0, 0, 0, 0);
		ok = check_all();
	}
	CSR_CLEAR(sstatus, 1u << 1);
	sbi(SBI_TIME, 0, ~0ul, 0, 0, 0, 0, 0);
	uint64_t fcsr;
	__asm__ volatile("frcsr %0" : "=r"(fcsr));
	printf_("guest: %u timer interrupts during the loop\n", ticks);
	check("f0-f31 kept across 900 exits and the host's own FP use", ok);
	check("fcsr kept", fcsr == 0x45);
	check("the FP state is dirty (sstatus.FS = 3)", ((CSR_READ(sstatus) >> 13) & 3) == 3);
}
