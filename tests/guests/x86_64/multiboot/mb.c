/*
 * The multiboot test kernel: what a guest someone already has expects of an x86 machine.
 * Entered as a multiboot v1 kernel (Multiboot 0.6.96, 3.2) it checks
 * - its three program headers were loaded where they say, bss zeroed;
 * - EAX = 0x2BADB002, protected mode with paging off;
 * - the multiboot information (3.3): memory sizes and the memory map against the RAM its
 *   command line says it was given ("ram=<MiB>"), its command line ("mbtest=42"), one module
 *   and its string;
 * - the 16550 at 0x3f8 (PC16550D datasheet): divisor latch, LCR, LSR.THRE/TEMT; every line
 *   it prints goes through it;
 * - an MSR nobody emulates raises #GP(0) at the RDMSR, which its handler skips; the local
 *   APIC base MSR says 0xfee00000, enabled, BSP (SDM Vol. 3A 12.4.4);
 * - the local APIC (SDM Vol. 3A 12.5.4): version, one-shot timer with divide 1, its interrupt
 *   through the IDT while the kernel waits in HLT, EOI clears the in-service bit.
 * It reports through port 0xf4 (0x10 pass, 0x11 fail), as the other test guests do.
 */
#include <stdbool.h>
#include <stdint.h>

#include "../../../../examples/x86_64-common/x86_io.h"

void mb_main(uint32_t magic, uint32_t mbi);
void gp_handler(void);
void timer_handler(void);

volatile uint32_t gp_count, gp_error, gp_eip, timer_ticks;

#define COM1 X86_COM1
#define LAPIC 0xfee00000u
#define TIMER_VEC 0x40

static const char rodata_mark[] = "libaxv rodata";
static volatile uint32_t data_word = 0x600dda7au;
static volatile uint8_t bss_block[4096];

static inline uint32_t rd(uint32_t a)
{
	return *(volatile uint32_t *)a;
}
static inline void wr(uint32_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

static void putu(uint32_t v)
{
	char b[12];
	int n = 0;
	do {
		b[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		x86_com1_putc(b[--n]);
}

static unsigned npass, nfail;

static void check(const char *what, bool ok)
{
	x86_com1_puts(ok ? "PASS " : "FAIL ");
	x86_com1_puts(what);
	x86_com1_putc('\n');
	if (ok)
		npass++;
	else
		nfail++;
}

static bool has(const char *s, const char *w)
{
	for (; *s; s++) {
		unsigned i = 0;
		while (w[i] && s[i] == w[i])
			i++;
		if (!w[i])
			return true;
	}
	return false;
}

/* The value of "key=<decimal>" in s, or 0. */
static uint32_t value(const char *s, const char *key)
{
	for (; *s; s++) {
		unsigned i = 0;
		while (key[i] && s[i] == key[i])
			i++;
		if (key[i])
			continue;
		uint32_t v = 0;
		for (s += i; *s >= '0' && *s <= '9'; s++)
			v = v * 10 + (uint32_t)(*s - '0');
		return v;
	}
	return 0;
}

/* Our own GDT (flat 32-bit code 0x08, data 0x10) and IDT (32-bit interrupt gates, SDM
 * Vol. 3A 7.11): the loader promises neither. */
static const uint64_t gdt[3] __attribute__((aligned(8))) = {0, 0x00cf9a000000ffffull,
							    0x00cf92000000ffffull};
static uint64_t idt[256] __attribute__((aligned(8)));

static void gate(unsigned vec, void (*h)(void))
{
	uint32_t a = (uint32_t)(uintptr_t)h;
	idt[vec] = (a & 0xffffu) | (0x08u << 16) | ((uint64_t)(0x8e00u | (a & 0xffff0000u)) << 32);
}

static void tables(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} g = {sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt},
	  i = {sizeof(idt) - 1, (uint32_t)(uintptr_t)idt};
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp $0x08, $1f\n"
			 "1:\tmov $0x10, %%eax\n\t"
			 "mov %%eax, %%ds\n\tmov %%eax, %%es\n\tmov %%eax, %%ss\n\t"
			 "mov %%eax, %%fs\n\tmov %%eax, %%gs"
			 :
			 : "m"(g)
			 : "eax", "memory");
	gate(13, gp_handler);
	gate(TIMER_VEC, timer_handler);
	__asm__ volatile("lidt %0" : : "m"(i));
}

static void uart(void)
{
	outb(COM1 + 1, 0);
	outb(COM1 + 3, 0x80);
	outb(COM1 + 0, 3); /* 38400 baud */
	outb(COM1 + 1, 0);
	bool latch = inb(COM1 + 0) == 3;
	outb(COM1 + 3, 0x03);
	outb(COM1 + 2, 0x07);
	bool lcr = inb(COM1 + 3) == 0x03;
	bool lsr = (inb(COM1 + 5) & 0x61) == 0x60; /* THRE, TEMT; no data ready */
	x86_com1_puts("multiboot guest: 16550 at 0x3f8 programmed\n");
	check("16550: the divisor latch reads back", latch);
	check("16550: LCR reads back 8N1", lcr);
	check("16550: LSR says THRE and TEMT, nothing received", lsr);
}

static void loaded(void)
{
	check("code loaded at 1 MiB", (uintptr_t)mb_main >= 0x100000 && (uintptr_t)mb_main < 0x180000);
	check("read-only data loaded at 1.5 MiB (second program header)",
	      (uintptr_t)rodata_mark >= 0x180000 && has(rodata_mark, "rodata"));
	check("data loaded at 2 MiB (third program header)",
	      (uintptr_t)&data_word >= 0x200000 && data_word == 0x600dda7au);
	bool zero = true;
	for (unsigned i = 0; i < sizeof(bss_block); i++)
		zero &= bss_block[i] == 0;
	check("bss (p_memsz beyond p_filesz) zeroed", zero);
}

static void info(uint32_t magic, uint32_t mbi)
{
	uint32_t cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	check("EAX = 0x2BADB002", magic == 0x2badb002u);
	check("protected mode, paging off", (cr0 & 1u) && !(cr0 & 0x80000000u));
	uint32_t flags = rd(mbi);
	check("information: memory, command line, modules, memory map (flags 0, 2, 3, 6)",
	      (flags & 0x4du) == 0x4du);
	const char *cmd = (const char *)(uintptr_t)rd(mbi + 16);
	x86_com1_puts("multiboot guest: command line \"");
	x86_com1_puts(cmd);
	x86_com1_puts("\"\n");
	check("command line holds mbtest=42", value(cmd, "mbtest=") == 42);
	uint32_t ram = value(cmd, "ram=");
	check("command line says the RAM size", ram >= 4);
	x86_com1_puts("multiboot guest: mem_lower ");
	putu(rd(mbi + 4));
	x86_com1_puts(" KiB, mem_upper ");
	putu(rd(mbi + 8));
	x86_com1_puts(" KiB\n");
	check("mem_lower 639 KiB", rd(mbi + 4) == 639);
	check("mem_upper = RAM above 1 MiB", rd(mbi + 8) == ram * 1024 - 1024);
	uint32_t mm = rd(mbi + 48), end = mm + rd(mbi + 44);
	bool low = false, high = false, lapic = false;
	unsigned n = 0;
	while (mm < end && n++ < 32) {
		uint32_t base = rd(mm + 4), base_hi = rd(mm + 8), len = rd(mm + 12),
			 type = rd(mm + 20);
		if (base == 0 && base_hi == 0 && type == 1 && len >= 0x9f000)
			low = true;
		if (base == 0x100000 && type == 1 && len == ram * 0x100000u - 0x100000)
			high = true;
		if (base == LAPIC && type != 1)
			lapic = true;
		mm += rd(mm) + 4; /* size does not count itself */
	}
	check("memory map: low RAM available", low);
	check("memory map: RAM from 1 MiB to the configured size", high);
	check("memory map: the local APIC page is not RAM", lapic);
	check("one module", rd(mbi + 20) == 1);
	uint32_t mod = rd(mbi + 24);
	const char *mdata = (const char *)(uintptr_t)rd(mod);
	check("the module's bytes", rd(mod + 4) > rd(mod) && has(mdata, "libaxv multiboot module"));
	check("the module is page-aligned (header flag 0)", (rd(mod) & 0xfffu) == 0);
	check("the module's string", has((const char *)(uintptr_t)rd(mod + 8), "module.txt"));
}

static uint32_t rdmsr_lo(uint32_t msr, uint32_t *eip)
{
	uint32_t lo = 0x5555, hi = 0x6666, at;
	__asm__ volatile("call 1f\n1:\tpop %2\n\t"
			 "add $(2f - 1b), %2\n"
			 "2:\trdmsr"
			 : "+a"(lo), "+d"(hi), "=&r"(at)
			 : "c"(msr));
	*eip = at;
	return lo;
}

static void msrs(void)
{
	uint32_t at;
	uint32_t base = rdmsr_lo(0x1b, &at);
	check("IA32_APIC_BASE: 0xfee00000, enabled, BSP", base == 0xfee00900u && gp_count == 0);
	uint32_t lo = rdmsr_lo(0x40002000u, &at);
	check("an unknown MSR raises #GP", gp_count == 1);
	check("#GP(0) at the RDMSR, EDX:EAX untouched", gp_error == 0 && gp_eip == at &&
							     lo == 0x5555);
}

static void apic(void)
{
	check("local APIC version 0x14", (rd(LAPIC + 0x30) & 0xffu) == 0x14);
	wr(LAPIC + 0xf0, 0x1ff);            /* SVR: enabled, spurious vector 0xff */
	wr(LAPIC + 0x3e0, 0xb);             /* divide by 1 */
	wr(LAPIC + 0x320, TIMER_VEC);       /* one-shot, not masked */
	wr(LAPIC + 0x380, 200000);          /* initial count: starts it */
	uint32_t cur = rd(LAPIC + 0x390);
	check("the timer counts down from its initial count", cur <= 200000);
	unsigned waits = 0;
	while (timer_ticks == 0 && waits < 1000) {
		__asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
		waits++;
	}
	check("its interrupt arrives while the kernel waits in HLT", timer_ticks == 1);
	check("one-shot: the count stays at 0", rd(LAPIC + 0x390) == 0);
	check("the EOI ended it: ISR clear", (rd(LAPIC + 0x100 + 0x10 * (TIMER_VEC / 32)) &
					      (1u << (TIMER_VEC % 32))) == 0);
}

void mb_main(uint32_t magic, uint32_t mbi)
{
	tables();
	uart();
	loaded();
	info(magic, mbi);
	msrs();
	apic();
	x86_com1_puts("DONE ");
	putu(npass);
	x86_com1_puts(" passed, ");
	putu(nfail);
	x86_com1_puts(" failed\n");
	outl(0xf4, nfail ? 0x11 : 0x10);
}
