/*
 * The boot ROM's loader (32-bit protected mode, paging off, running from ROM; rom.S): loads
 * the multiboot kernel packed in the ROM by scripts/bochs-rom.py, copies its modules and
 * command line to RAM, builds the multiboot information and enters the kernel
 * (Multiboot Specification 0.6.96: 3.1 the header, 3.2 the machine state, 3.3 the
 * information format). Only ELF kernels are loaded (3.1.3: no a.out kludge): each PT_LOAD
 * program header is copied to its physical address and its bss zeroed.
 *
 * It prints what it does on COM1 (a 16550 at 0x3f8) and, when it cannot boot the kernel,
 * ends the Bochs run by writing "Shutdown" to port 0x8900.
 */
#include <stdint.h>

#include "../../examples/x86_64-common/x86_io.h"
#include "rom.h"

void rom_main(void);
void rom_enter(uint32_t entry, uint32_t mbi) __attribute__((noreturn));

static void putx(uint32_t v)
{
	x86_com1_puts("0x");
	for (int i = 28; i >= 0; i -= 4)
		x86_com1_putc("0123456789abcdef"[(v >> i) & 15]);
}

/* Bochs's shutdown port: the string "Shutdown" written to 0x8900 ends the emulation. */
static void bochs_shutdown(void)
{
	for (const char *s = "Shutdown"; *s; s++)
		__asm__ volatile("outb %0, %1" : : "a"(*s), "d"((uint16_t)0x8900));
}

static void __attribute__((noreturn)) die(const char *why)
{
	x86_com1_puts("bochs-rom: cannot boot: ");
	x86_com1_puts(why);
	x86_com1_puts("\n");
	bochs_shutdown();
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void copy(uint32_t dst, uint32_t src, uint32_t n)
{
	volatile uint8_t *d = (volatile uint8_t *)dst;
	const volatile uint8_t *s = (const volatile uint8_t *)src;
	for (uint32_t i = 0; i < n; i++)
		d[i] = s[i];
}

static void zero(uint32_t dst, uint32_t n)
{
	volatile uint8_t *d = (volatile uint8_t *)dst;
	for (uint32_t i = 0; i < n; i++)
		d[i] = 0;
}

static uint32_t rd32(uint32_t a)
{
	return *(const volatile uint32_t *)a;
}
static uint16_t rd16(uint32_t a)
{
	return *(const volatile uint16_t *)a;
}
static void wr32(uint32_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

static uint32_t strcopy(uint32_t dst, uint32_t src)
{
	uint32_t n = 0;
	while (*(const volatile char *)(src + n) && n < 4095)
		n++;
	copy(dst, src, n);
	*(volatile char *)(dst + n) = 0;
	return n + 1;
}

/* Multiboot 3.1.1: the header is in the first 8192 bytes, 32-bit aligned; magic + flags +
 * checksum sum to zero. Returns its flags. */
static uint32_t mb_header(uint32_t img, uint32_t size)
{
	for (uint32_t off = 0; off + 12 <= size && off < 8192; off += 4) {
		if (rd32(img + off) == 0x1badb002u &&
		    rd32(img + off) + rd32(img + off + 4) + rd32(img + off + 8) == 0)
			return rd32(img + off + 4);
	}
	die("no multiboot header in the first 8192 bytes");
}

/* Load an ELF32 executable's PT_LOAD segments at their physical addresses; returns the
 * end of the highest one. */
static uint32_t load_elf(uint32_t img, uint32_t size, uint32_t ram, uint32_t *entry)
{
	if (size < 52 || rd32(img) != 0x464c457fu || *(const volatile uint8_t *)(img + 4) != 1 ||
	    rd16(img + 16) != 2 || rd16(img + 18) != 3)
		die("the kernel is not an ELF32 i386 executable");
	uint32_t phoff = rd32(img + 28), phent = rd16(img + 42), phnum = rd16(img + 44);
	if (phent < 32 || phoff > size || phnum > (size - phoff) / phent)
		die("program headers outside the image");
	uint32_t end = 0;
	for (uint32_t i = 0; i < phnum; i++) {
		uint32_t ph = img + phoff + i * phent;
		if (rd32(ph) != 1) /* PT_LOAD */
			continue;
		uint32_t off = rd32(ph + 4), pa = rd32(ph + 12), fsz = rd32(ph + 16),
			 msz = rd32(ph + 20);
		if (fsz > msz || off > size || fsz > size - off || pa < 0x100000u ||
		    pa > ram || msz > ram - pa)
			die("a program header outside RAM or the image");
		copy(pa, img + off, fsz);
		zero(pa + fsz, msz - fsz);
		x86_com1_puts("bochs-rom: segment ");
		putx(pa);
		x86_com1_puts(" + ");
		putx(msz);
		x86_com1_puts("\n");
		if (pa + msz > end)
			end = pa + msz;
	}
	if (end == 0)
		die("no PT_LOAD program header");
	*entry = rd32(img + 24);
	return end;
}

/* Multiboot 3.3 memory map entry: size (of the rest, 20), base, length, type. */
static uint32_t mmap_entry(uint32_t at, uint64_t base, uint64_t len, uint32_t type)
{
	wr32(at, 20);
	wr32(at + 4, (uint32_t)base);
	wr32(at + 8, (uint32_t)(base >> 32));
	wr32(at + 12, (uint32_t)len);
	wr32(at + 16, (uint32_t)(len >> 32));
	wr32(at + 20, type);
	return at + 24;
}

void rom_main(void)
{
	outb(0x92, (uint8_t)(inb(0x92) | 2)); /* A20 on (fast A20 gate) */
	x86_com1_init();
	const uint32_t d = ROM_DIR;
	if (rd32(d + ROM_DIR_MAGIC) != ROM_MAGIC)
		die("no payload directory in the ROM");
	uint32_t ram = rd32(d + ROM_DIR_RAM_KB) << 10;
	uint32_t entry;
	uint32_t img = rd32(d + ROM_DIR_KERNEL), size = rd32(d + ROM_DIR_KERNEL_SIZE);
	uint32_t flags = mb_header(img, size);
	if (flags & 0xfffcu)
		die("multiboot header flags this loader does not offer (video, a.out kludge)");
	uint32_t end = load_elf(img, size, ram, &entry);

	/* The information, its strings and module list at 0x9000..0xffff (below the kernel). */
	const uint32_t mbi = 0x9000, mmap = 0x9100, mods = 0x9200;
	uint32_t str = 0x9400;
	zero(mbi, 0x7000);
	uint32_t nmods = rd32(d + ROM_DIR_NMODS);
	if (nmods > ROM_MAX_MODS)
		die("too many modules");
	uint32_t next = (end + 0xfffu) & ~0xfffu; /* modules page-aligned after the kernel */
	for (uint32_t i = 0; i < nmods; i++) {
		uint32_t m = d + ROM_DIR_MODS + i * 12;
		uint32_t src = rd32(m), len = rd32(m + 4);
		if (next > ram || len > ram - next)
			die("the modules do not fit in RAM");
		copy(next, src, len);
		wr32(mods + i * 16, next);
		wr32(mods + i * 16 + 4, next + len);
		wr32(mods + i * 16 + 8, str);
		str += strcopy(str, rd32(m + 8));
		x86_com1_puts("bochs-rom: module ");
		putx(next);
		x86_com1_puts(" + ");
		putx(len);
		x86_com1_puts("\n");
		next = (next + len + 0xfffu) & ~0xfffu;
	}
	uint32_t cmdline = str;
	str += strcopy(str, rd32(d + ROM_DIR_CMDLINE));
	if (str > 0xffff)
		die("the command line and module strings are too long");
	uint32_t rom_size = rd32(d + ROM_DIR_ROM_SIZE);
	uint32_t mm = mmap;
	mm = mmap_entry(mm, 0, 0x9fc00, 1);
	mm = mmap_entry(mm, 0x9fc00, 0x400, 2);
	mm = mmap_entry(mm, 0xe0000, 0x20000, 2);
	mm = mmap_entry(mm, 0x100000, ram - 0x100000, 1);
	mm = mmap_entry(mm, 0x100000000ull - rom_size, rom_size, 2);
	/* flags: 0 mem_lower/upper, 2 cmdline, 3 mods, 6 mmap */
	wr32(mbi + 0, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6));
	wr32(mbi + 4, 639);
	wr32(mbi + 8, (ram >> 10) - 1024);
	wr32(mbi + 16, cmdline);
	wr32(mbi + 20, nmods);
	wr32(mbi + 24, mods);
	wr32(mbi + 44, mm - mmap);
	wr32(mbi + 48, mmap);
	x86_com1_puts("bochs-rom: entering the kernel at ");
	putx(entry);
	x86_com1_puts("\n");
	while (!(inb(X86_COM1 + 5) & 0x40)) /* LSR.TEMT: all sent before the kernel takes COM1 */
		;
	rom_enter(entry, mbi);
}
