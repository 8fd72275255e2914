/*
 * The backend-independent part of the x86_64 example hypervisors (see vm.h): guest memory
 * (RAM linearly mapped, a lazily backed region), the guest's page tables and image, the
 * devices on a libaxv device bus (debug console and exit ports, scratch ports, scratch MSRs,
 * an MMIO test device) and the run loop over libaxv's vcpu and exit modules.
 */
#include "vm.h"

#include <stddef.h>

#include <axv/arch/x86_64.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/frame.h>

#include "config.h"
#include "devices.h"
#include "platform.h"

/* The example is the embedder: its global state is its own (libaxv keeps none). */
struct axv_addrspace vm_as;
struct axv_vcpu vm_vcpu;
struct axv_virq vm_virq;
uint64_t vm_exits[AXV_EXIT_REASON_COUNT];
static const struct vm_backend *be;
static struct axv_bus bus;
static struct axv_bus_entry bus_slots[16];
static struct uart uart;
static struct lapic lapic;
static uint64_t guest_ram; /* bytes */
static uint64_t lazy_faults;
static uint64_t last_npf; /* gpa | bit 0 read, 1 write, 2 fetch */
static bool expect_shutdown;

_Noreturn void vm_fatal(const char *what, int rc)
{
	con_printf("%s: FATAL: %s: %s (%d)\n", be ? be->name : "x86_64", what, axv_strerror(rc),
		   rc);
	platform_exit(EXIT_HYP_ERROR);
}

void vm_check(const char *what, int rc)
{
	if (rc != 0)
		vm_fatal(what, rc);
}

_Noreturn void vm_guest_failed(const char *why, const struct axv_exit *e)
{
	con_printf("%s: FATAL: %s: exit %s at rip 0x%lx (raw 0x%lx info 0x%lx)\n", be->name, why,
		   axv_exit_name(e->reason), e->pc, e->unhandled.raw, e->unhandled.info);
	platform_exit(EXIT_HYP_ERROR);
}

/* ---- devices ------------------------------------------------------------------------------ */

static int debugcon_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	(void)ctx, (void)off, (void)width;
	*value = PORT_DEBUGCON; /* Bochs convention: reads back 0xe9 */
	return 0;
}

static int debugcon_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	(void)ctx, (void)off, (void)width;
	con_putc((char)value);
	return 0;
}

static const struct axv_device_ops debugcon_ops = {debugcon_read, debugcon_write};

struct exitdev {
	bool done;
	uint32_t value;
};
static struct exitdev exitdev;

static int exitdev_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	struct exitdev *d = ctx;
	(void)off, (void)width;
	d->done = true;
	d->value = (uint32_t)value;
	return 0;
}

static const struct axv_device_ops exitdev_ops = {NULL, exitdev_write};

/* Byte registers any width may access; one extra register reports the last access width. */
struct scratch {
	uint8_t reg[64];
	uint64_t size;       /* register bytes */
	uint8_t last_width;  /* width of the last register access */
	uint64_t accesses;
};
static struct scratch scratch_ports = {.size = 16};
static struct scratch scratch_mmio = {.size = 64};

static int scratch_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	struct scratch *s = ctx;
	if (off == (s->size == 16 ? 0x10 : 0x100)) { /* the width register */
		*value = s->last_width | (s->accesses << 8);
		return 0;
	}
	if (off + width > s->size)
		return AXV_ENXIO;
	uint64_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)s->reg[off + i] << (8 * i);
	*value = v;
	s->last_width = width;
	s->accesses++;
	return 0;
}

static int scratch_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	struct scratch *s = ctx;
	if (off + width > s->size)
		return AXV_EACCES;
	for (unsigned i = 0; i < width; i++)
		s->reg[off + i] = (uint8_t)(value >> (8 * i));
	s->last_width = width;
	s->accesses++;
	return 0;
}

static const struct axv_device_ops scratch_ops = {scratch_read, scratch_write};

static uint64_t scratch_msr[MSR_SCRATCH_COUNT];

static int msr_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	uint64_t *r = ctx;
	(void)width;
	*value = r[off];
	return 0;
}

static int msr_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	uint64_t *r = ctx;
	(void)width;
	r[off] = value;
	return 0;
}

static const struct axv_device_ops msr_ops = {msr_read, msr_write};

/* ---- the vm ------------------------------------------------------------------------------- */

static void flush_guest_tlb(void)
{
	be->flush();
}

static uint32_t rd32(uint64_t pa)
{
	return *(volatile uint32_t *)(uintptr_t)pa;
}

/* ---- loading the guest (Multiboot 0.6.96: 3.1 the OS image, 3.3 the information) ---------- */

static uint16_t rd16(uint64_t pa)
{
	return *(volatile uint16_t *)(uintptr_t)pa;
}

static size_t str_len(uint32_t pa, size_t max)
{
	size_t n = 0;
	while (n < max && *(volatile char *)(uintptr_t)(pa + n))
		n++;
	return n;
}

/* "guest_ram=<MiB>" on the hypervisor's own command line (information flags bit 2). */
static uint64_t ram_from_cmdline(uint32_t mbi)
{
	uint64_t mib = GUEST_RAM_DEFAULT_MIB;
	if (!(rd32(mbi) & (1u << 2)))
		return mib << 20;
	const char *c = (const char *)(uintptr_t)rd32(mbi + 16);
	static const char key[] = "guest_ram=";
	for (size_t i = 0; c[i]; i++) {
		if (i > 0 && c[i - 1] != ' ')
			continue;
		size_t k = 0;
		while (key[k] && c[i + k] == key[k])
			k++;
		if (key[k])
			continue;
		const char *p = c + i + k;
		mib = 0;
		while (*p >= '0' && *p <= '9' && mib < 100000)
			mib = mib * 10 + (uint64_t)(*p++ - '0');
		if (*p == 'M')
			p++;
		if ((*p && *p != ' ') || mib < GUEST_RAM_MIN_MIB || mib > GUEST_RAM_MAX_MIB) {
			con_printf("%s: guest_ram=%s: give 2 to 64 (MiB)\n", be->name, c + i + k);
			vm_fatal("guest_ram", AXV_ERANGE);
		}
	}
	return mib << 20;
}

static void guest_write(uint64_t gpa, const void *src, uint64_t len, const char *what)
{
	if (gpa > guest_ram || len > guest_ram - gpa) {
		con_printf("%s: %s at 0x%lx + 0x%lx is outside the guest's %lu MiB of RAM\n",
			   be->name, what, gpa, len, guest_ram >> 20);
		vm_fatal(what, AXV_ERANGE);
	}
	vm_check(what, axv_addrspace_write(&vm_as, gpa, src, len));
}

static void guest_w32(uint64_t gpa, uint32_t v)
{
	guest_write(gpa, &v, 4, "multiboot information");
}

/* 3.1.1-3.1.2: the header in the first 8192 bytes, 32-bit aligned, magic + flags + checksum
 * = 0. Bits 0 (page-aligned modules) and 1 (memory information) are honoured; a kernel that
 * asks for a video mode (2) or for the a.out address fields (16) is refused by name. */
static void multiboot_header(uint32_t img, uint32_t size)
{
	for (uint32_t off = 0; off + 12 <= size && off < 8192; off += 4) {
		uint32_t magic = rd32(img + off), flags = rd32(img + off + 4);
		if (magic != 0x1badb002u || magic + flags + rd32(img + off + 8) != 0)
			continue;
		if (flags & (1u << 2))
			vm_fatal("the multiboot kernel asks for a video mode (header flag 2): "
				 "no display is emulated", AXV_ENOTSUP);
		if (flags & (1u << 16))
			vm_fatal("the multiboot kernel asks for its header's load addresses (flag "
				 "16, the a.out kludge): only ELF program headers are loaded",
				 AXV_ENOTSUP);
		if (flags & 0xfff8u)
			vm_fatal("the multiboot kernel requires a feature (header flags 3..15) "
				 "this loader does not know", AXV_ENOTSUP);
		return;
	}
	vm_fatal("an ELF guest without a multiboot header in its first 8192 bytes", AXV_ENOENT);
}

/* The ELF32 executable's PT_LOAD program headers, each where its physical address says
 * (System V ABI: e_phoff, e_phentsize, e_phnum; p_offset, p_paddr, p_filesz, p_memsz), the
 * rest of p_memsz zeroed. Returns the end of the highest. */
static uint64_t load_elf32(uint32_t img, uint32_t size, uint64_t *entry)
{
	if (size < 52 || *(volatile uint8_t *)(uintptr_t)(img + 4) != 1 /* ELFCLASS32 */ ||
	    *(volatile uint8_t *)(uintptr_t)(img + 5) != 1 /* little-endian */ ||
	    rd16(img + 16) != 2 /* ET_EXEC */ || rd16(img + 18) != 3 /* EM_386 */)
		vm_fatal("the guest is an ELF but not an i386 ELF32 executable", AXV_ENOTSUP);
	uint32_t phoff = rd32(img + 28), phent = rd16(img + 42), phnum = rd16(img + 44);
	if (phent < 32 || phoff > size || phnum > (size - phoff) / phent)
		vm_fatal("the guest's program headers are outside its file", AXV_ERANGE);
	uint64_t end = 0;
	unsigned loaded = 0;
	for (uint32_t i = 0; i < phnum; i++) {
		uint32_t ph = img + phoff + i * phent;
		if (rd32(ph) != 1) /* PT_LOAD */
			continue;
		uint64_t off = rd32(ph + 4), pa = rd32(ph + 12), fsz = rd32(ph + 16),
			 msz = rd32(ph + 20);
		if (fsz > msz || off > size || fsz > size - off)
			vm_fatal("a program header's bytes are outside the guest's file", AXV_ERANGE);
		if (pa < GUEST_MBI_END)
			vm_fatal("a program header below 64 KiB (the multiboot information's place)",
				 AXV_ERANGE);
		guest_write(pa, (const void *)(uintptr_t)(img + off), fsz, "program header");
		for (uint64_t z = fsz; z < msz; z += 8) {
			uint64_t zero = 0;
			guest_write(pa + z, &zero, msz - z < 8 ? msz - z : 8, "program header");
		}
		con_printf("%s: program header %u: 0x%lx + 0x%lx (0x%lx from the file)\n",
			   be->name, i, pa, msz, fsz);
		loaded++;
		if (pa + msz > end)
			end = pa + msz;
	}
	if (!loaded)
		vm_fatal("the guest has no PT_LOAD program header", AXV_ENOENT);
	*entry = rd32(img + 24);
	return end;
}

/* The multiboot information (3.3) at GUEST_MBI: memory (flags bit 0: mem_lower 639 KiB,
 * mem_upper = RAM above 1 MiB), command line (bit 2), modules (bit 3), memory map (bit 6:
 * entries of size 20 + 4: base, length, type 1 available / 2 reserved). */
static uint32_t multiboot_info(uint32_t mbi, uint64_t kernel_end, uint32_t cmdline)
{
	const uint32_t info = (uint32_t)GUEST_MBI, mmap = info + 0x100, mods = info + 0x200;
	uint32_t str = info + 0x400;
	uint8_t zero[64] = {0};
	guest_write(info, zero, sizeof(zero), "multiboot information");
	/* The guest's modules: the hypervisor's modules after the first, page-aligned after
	 * the kernel, each with its string. */
	uint32_t nmods = (rd32(mbi) & (1u << 3)) ? rd32(mbi + 20) : 0;
	uint32_t hmods = rd32(mbi + 24), count = 0;
	uint64_t next = (kernel_end + 0xfff) & ~0xfffull;
	for (uint32_t i = 1; i < nmods && i < 32; i++, count++) {
		uint32_t m = hmods + i * 16, start = rd32(m), end = rd32(m + 4);
		if (end < start)
			vm_fatal("a module ends before it starts", AXV_ERANGE);
		guest_write(next, (const void *)(uintptr_t)start, end - start, "module");
		size_t n = str_len(rd32(m + 8), 255);
		if (str + n + 1 > GUEST_MBI_END)
			vm_fatal("module strings longer than the information's room", AXV_ERANGE);
		guest_write(str, (const void *)(uintptr_t)rd32(m + 8), n, "module string");
		guest_write(str + n, zero, 1, "module string");
		guest_w32(mods + count * 16, (uint32_t)next);
		guest_w32(mods + count * 16 + 4, (uint32_t)(next + (end - start)));
		guest_w32(mods + count * 16 + 8, str);
		guest_w32(mods + count * 16 + 12, 0);
		con_printf("%s: guest module %u at 0x%lx, %u bytes\n", be->name, count, next,
			   end - start);
		str += (uint32_t)n + 1;
		next = (next + (end - start) + 0xfff) & ~0xfffull;
	}
	size_t n = str_len(cmdline, 1024);
	if (str + n + 1 > GUEST_MBI_END)
		vm_fatal("a guest command line longer than the information's room", AXV_ERANGE);
	guest_write(str, (const void *)(uintptr_t)cmdline, n, "command line");
	guest_write(str + n, zero, 1, "command line");
	const struct {
		uint64_t base, len;
		uint32_t type;
	} map[] = {
		{0, 0x9fc00, 1},
		{0x9fc00, 0x400, 2},
		{0xf0000, 0x10000, 2},
		{0x100000, guest_ram - 0x100000, 1},
		{GUEST_LAPIC, 0x1000, 2},
	};
	uint32_t at = mmap;
	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++, at += 24) {
		guest_w32(at, 20);
		guest_w32(at + 4, (uint32_t)map[i].base);
		guest_w32(at + 8, (uint32_t)(map[i].base >> 32));
		guest_w32(at + 12, (uint32_t)map[i].len);
		guest_w32(at + 16, (uint32_t)(map[i].len >> 32));
		guest_w32(at + 20, map[i].type);
	}
	guest_w32(info + 0, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6));
	guest_w32(info + 4, 639);
	guest_w32(info + 8, (uint32_t)((guest_ram >> 10) - 1024));
	guest_w32(info + 16, str);
	guest_w32(info + 20, count);
	guest_w32(info + 24, mods);
	guest_w32(info + 44, at - mmap);
	guest_w32(info + 48, mmap);
	con_printf("%s: multiboot information at 0x%x: %u KiB upper memory, %u modules, "
		   "command line \"%s\"\n", be->name, info, (uint32_t)((guest_ram >> 10) - 1024),
		   count, (const char *)(uintptr_t)cmdline);
	return info;
}

/* The first multiboot module is the guest (flags bit 3, mods_count at 20, mods_addr at 24;
 * a module is start, end, string, 0): a multiboot ELF32 kernel, or a flat binary. */
static void load_guest(uint32_t mbi, struct vm_start *st)
{
	if (!(rd32(mbi) & (1u << 3)) || rd32(mbi + 20) == 0)
		vm_fatal("no guest image: pass it as the first multiboot module", AXV_ENOENT);
	uint32_t mod = rd32(mbi + 24);
	uint32_t start = rd32(mod), end = rd32(mod + 4);
	if (end <= start)
		vm_fatal("guest image size", AXV_ERANGE);
	if (end - start >= 4 && rd32(start) == 0x464c457fu) { /* "\x7fELF" */
		multiboot_header(start, end - start);
		uint64_t entry;
		uint64_t kend = load_elf32(start, end - start, &entry);
		st->multiboot = true;
		st->entry = entry;
		st->eax = 0x2badb002u;
		st->ebx = multiboot_info(mbi, kend, rd32(mod + 8));
		con_printf("%s: multiboot guest, entry 0x%lx\n", be->name, entry);
		return;
	}
	if (guest_ram < GUEST_STACK_TOP)
		vm_fatal("the 64-bit test guests need guest_ram=16 or more", AXV_ERANGE);
	if (end - start > GUEST_STACK_TOP - 0x10000 - GUEST_LOAD)
		vm_fatal("guest image size", AXV_ERANGE);
	guest_write(GUEST_LOAD, (const void *)(uintptr_t)start, end - start, "guest image");
	con_printf("%s: guest image %u bytes at 0x%lx\n", be->name, end - start, GUEST_LOAD);
}

/* The guest's page tables (SDM Vol. 3A 4.5, APM Vol. 2 5.3): PML4 -> one PDPT -> four PDs
 * of 2 MiB pages, identity for guest physical 0..4 GiB (RAM, the lazy region, devices). */
static void guest_page_tables(void)
{
	const uint64_t pml4 = GUEST_PT_BASE, pdpt = pml4 + 0x1000, pd = pdpt + 0x1000;
	uint64_t e = pdpt | 3;
	vm_check("guest PML4", axv_addrspace_write(&vm_as, pml4, &e, 8));
	for (uint64_t i = 0; i < 4; i++) {
		e = (pd + i * 0x1000) | 3;
		vm_check("guest PDPT", axv_addrspace_write(&vm_as, pdpt + i * 8, &e, 8));
	}
	for (uint64_t i = 0; i < 4 * 512; i++) {
		e = (i << 21) | 0x83; /* PS | RW | P */
		vm_check("guest PD", axv_addrspace_write(&vm_as, pd + i * 8, &e, 8));
	}
}

uint64_t vm_ram_size(void)
{
	return guest_ram;
}

void vm_build(const struct vm_backend *b, uint32_t mbi, struct vm_start *start)
{
	be = b;
	guest_ram = ram_from_cmdline(mbi);
	vm_check("address space", axv_addrspace_init(&vm_as, &platform_hal, b->pt, 0,
						     1ull << 32, b->tag));
	vm_check("map guest RAM", axv_addrspace_map_linear(&vm_as, GUEST_RAM_BASE, GUEST_RAM_HOST,
							   guest_ram, AXV_MAP_RWX));
	vm_check("map lazy region", axv_addrspace_map_alloc(&vm_as, GUEST_LAZY_BASE,
							    GUEST_LAZY_SIZE,
							    AXV_MAP_READ | AXV_MAP_WRITE, false));
	*start = (struct vm_start){0};
	load_guest(mbi, start);
	if (!start->multiboot) {
		guest_page_tables();
		start->entry = GUEST_LOAD;
		start->rsp = GUEST_STACK_TOP;
		start->cr3 = GUEST_PT_BASE;
	}

	const size_t cap[AXV_BUS_SPACE_COUNT] = {4, 8, 4};
	vm_check("device bus", axv_bus_init(&bus, bus_slots, cap));
	vm_check("debugcon", axv_bus_register(&bus, AXV_BUS_PORT, PORT_DEBUGCON, 1, &debugcon_ops,
					      NULL));
	vm_check("exit port", axv_bus_register(&bus, AXV_BUS_PORT, PORT_EXIT, 4, &exitdev_ops,
					       &exitdev));
	vm_check("scratch ports", axv_bus_register(&bus, AXV_BUS_PORT, PORT_SCRATCH,
						   PORT_SCRATCH_SIZE, &scratch_ops,
						   &scratch_ports));
	vm_check("test device", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_TESTDEV_BASE, 0x1000,
						 &scratch_ops, &scratch_mmio));
	vm_check("16550 UART", axv_bus_register(&bus, AXV_BUS_PORT, PORT_UART, 8, &uart_ops,
						&uart));
	/* Reset state (SDM Vol. 3A 12.4.7.1): software-disabled, every LVT entry masked. */
	lapic = (struct lapic){.vcpu = &vm_vcpu, .virq = &vm_virq, .svr = 0xff, .dfr = ~0u,
			       .lvt_timer = 1u << 16, .lvt_lint0 = 1u << 16,
			       .lvt_lint1 = 1u << 16, .lvt_error = 1u << 16};
	vm_check("local APIC", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_LAPIC, 0x1000,
						&lapic_ops, &lapic));
	vm_check("scratch MSRs", axv_bus_register(&bus, AXV_BUS_SYSREG, MSR_SCRATCH,
						  MSR_SCRATCH_COUNT, &msr_ops, scratch_msr));
	platform_tlb_flush = flush_guest_tlb;
	/* Interrupt ids 32..255 are the guest's vectors (0..31 are exceptions). */
	vm_check("virq", axv_virq_init(&vm_virq));
	for (uint32_t id = 32; id < 256; id++)
		vm_check("virq enable", axv_virq_enable(&vm_virq, id));
}

/* ---- running it ----------------------------------------------------------------------------- */

static void hypercall(struct axv_exit *e)
{
	uint64_t ret = (uint64_t)-1;
	const uint64_t *a = e->hypercall.args;
	switch (e->hypercall.nr) {
	case HC_WEIGHTED_SUM:
		ret = a[0] + 2 * a[1] + 3 * a[2] + 4 * a[3] + 5 * a[4] + 6 * a[5];
		break;
	case HC_LAZY_FAULTS:
		ret = lazy_faults;
		break;
	case HC_HALTS:
		ret = vm_exits[AXV_EXIT_HALT];
		break;
	case HC_EXPECT_SHUTDOWN:
		expect_shutdown = true;
		ret = 0;
		break;
	case HC_INJECT:
		ret = (uint64_t)(int64_t)(a[0] >= 32 && a[0] < 256
						  ? axv_vcpu_inject(&vm_vcpu, (uint32_t)a[0])
						  : AXV_ERANGE);
		break;
	case HC_HOST_TIMER:
		ret = (uint64_t)(int64_t)(be->host_timer ? be->host_timer((uint32_t)a[0])
							 : AXV_ENOTSUP);
		break;
	case HC_EXT_IRQS:
		ret = vm_exits[AXV_EXIT_EXTERNAL_IRQ];
		break;
	case HC_LAST_NPF:
		ret = last_npf;
		break;
	}
	vm_check("set return value", axv_vcpu_set_retval(&vm_vcpu, ret));
	/* A port that reports the instruction's length has not skipped it (SVM's VMMCALL);
	 * one that reports 0 already has (VMX's VMCALL). */
	if (e->insn_len)
		vm_check("advance pc", axv_vcpu_advance_pc(&vm_vcpu, e->insn_len));
}

/* IA32_APIC_BASE (SDM Vol. 3A 12.4.4): the local APIC at GUEST_LAPIC, enabled, bootstrap
 * processor. Writing the same value is allowed; moving or disabling it is not emulated and
 * raises #GP. */
#define MSR_IA32_APIC_BASE 0x1bu

static void apic_base_msr(struct axv_exit *e)
{
	if (e->reason == AXV_EXIT_SYSREG_READ) {
		vm_check("APIC base", axv_vcpu_set_reg(&vm_vcpu, e->access.reg, lapic_base_msr()));
	} else if (e->access.data != lapic_base_msr()) {
		con_printf("%s: the guest moves or disables its local APIC (IA32_APIC_BASE 0x%lx):"
			   " not emulated, #GP\n", be->name, e->access.data);
		vm_check("#GP", be->raise(13, true, 0));
		return;
	}
	vm_check("advance pc", axv_vcpu_advance_pc(&vm_vcpu, e->insn_len));
}

/* A port nobody emulates: reads float high (all ones), writes are dropped. */
static void unclaimed_port(struct axv_exit *e)
{
	if (e->reason == AXV_EXIT_IO_READ) {
		uint64_t rax, ones = ~0ull >> (64 - 8 * e->access.width);
		vm_check("get RAX", axv_vcpu_get_reg(&vm_vcpu, AXV_X86_REG_RAX, &rax));
		if (e->access.width == 4)
			rax = ones;
		else
			rax = (rax & ~ones) | ones;
		vm_check("set RAX", axv_vcpu_set_reg(&vm_vcpu, AXV_X86_REG_RAX, rax));
	}
	vm_check("advance pc", axv_vcpu_advance_pc(&vm_vcpu, e->insn_len));
}

_Noreturn void vm_finish(void)
{
	uint64_t total = 0;
	const uint64_t *x = vm_exits;
	for (unsigned r = 0; r < AXV_EXIT_REASON_COUNT; r++)
		total += x[r];
	con_printf("%s: guest result 0x%x after %lu exits (%lu port, %lu msr, %lu mmio, "
		   "%lu hypercall, %lu halt, %lu page fault, %lu irq, %lu cpuid/other)\n",
		   be->name, exitdev.value, total, x[AXV_EXIT_IO_READ] + x[AXV_EXIT_IO_WRITE],
		   x[AXV_EXIT_SYSREG_READ] + x[AXV_EXIT_SYSREG_WRITE],
		   x[AXV_EXIT_MMIO_READ] + x[AXV_EXIT_MMIO_WRITE], x[AXV_EXIT_HYPERCALL],
		   x[AXV_EXIT_HALT], x[AXV_EXIT_NESTED_PAGE_FAULT], x[AXV_EXIT_EXTERNAL_IRQ],
		   x[AXV_EXIT_NOTHING]);
	platform_exit(exitdev.value);
}

/* A guest access fault, decoded or not: libaxv's resolver tries guest memory (a lazy page),
 * then the device bus (decoding the instruction for a device only). The guest here has one
 * vcpu, so the address space needs no lock. */
static void guest_access_fault(struct axv_exit *e)
{
	const struct axv_fault_env env = {.as = &vm_as, .bus = &bus};
	const enum axv_exit_reason reported = e->reason;
	struct axv_fault f;
	vm_check("fault", axv_exit_fault(e, &f));
	enum axv_resolved how = AXV_RESOLVED_MEMORY;
	int rc = axv_vcpu_resolve(&vm_vcpu, &env, e, &how);
	if (rc != 0) {
		con_printf("%s: guest access at 0x%lx: %s\n", be->name, f.addr, axv_strerror(rc));
		vm_guest_failed("guest access nothing backs", e);
	}
	if (how == AXV_RESOLVED_DEVICE) {
		/* Counted as the access it was decoded into (the summary's "mmio"). */
		vm_exits[reported]--;
		vm_exits[e->reason]++;
		return;
	}
	lazy_faults++;
	last_npf = (f.addr & ~0xfffull) | ((f.access & AXV_MAP_READ) ? 1 : 0) |
		   ((f.access & AXV_MAP_WRITE) ? 2 : 0) | ((f.access & AXV_MAP_EXEC) ? 4 : 0);
}

_Noreturn void vm_run(void)
{
	for (;;) {
		struct axv_exit e;
		(void)lapic_poll(&lapic);
		int rc = axv_vcpu_run(&vm_vcpu, &e);
		if (rc == AXV_EAGAIN) {
			/* Halted with nothing to deliver. With the local APIC timer counting, wait
			 * for it (its interrupt wakes the vcpu); otherwise there is no interrupt
			 * source: wake the vcpu at once (a scheduler would wait here). */
			if (lapic_deadline(&lapic) && !(lapic.lvt_timer & (1u << 16))) {
				while (!lapic_poll(&lapic) && lapic_deadline(&lapic))
					__asm__ volatile("pause");
				continue;
			}
			vm_check("kick", axv_vcpu_kick(&vm_vcpu));
			continue;
		}
		vm_check("run", rc);
		if ((unsigned)e.reason < AXV_EXIT_REASON_COUNT)
			vm_exits[e.reason]++;
		if (be->exit && be->exit(&e))
			continue;
		switch (e.reason) {
		case AXV_EXIT_NOTHING:
		case AXV_EXIT_HALT:
		case AXV_EXIT_EXTERNAL_IRQ:
			break;
		case AXV_EXIT_HYPERCALL:
			hypercall(&e);
			break;
		case AXV_EXIT_IO_READ:
		case AXV_EXIT_IO_WRITE:
			if (e.access.flags & AXV_ACCESS_STRING)
				vm_guest_failed("string port I/O is not emulated", &e);
			rc = axv_vcpu_complete(&vm_vcpu, &bus, &e);
			if (rc == AXV_ENXIO)
				unclaimed_port(&e);
			else
				vm_check("port I/O", rc);
			if (exitdev.done)
				vm_finish();
			break;
		case AXV_EXIT_SYSREG_READ:
		case AXV_EXIT_SYSREG_WRITE:
			if (e.access.addr == MSR_IA32_APIC_BASE) {
				apic_base_msr(&e);
				break;
			}
			rc = axv_vcpu_complete(&vm_vcpu, &bus, &e);
			if (rc == AXV_ENXIO) {
				/* An MSR nobody emulates: RDMSR and WRMSR raise #GP(0) for an
				 * unimplemented MSR (SDM Vol. 2B RDMSR, WRMSR; AMD64 APM Vol. 3
				 * RDMSR, WRMSR), at the instruction, which is not skipped. */
				vm_check("#GP", be->raise(13, true, 0));
			} else {
				vm_check("msr", rc);
			}
			break;
		case AXV_EXIT_MMIO_READ:
		case AXV_EXIT_MMIO_WRITE:
		case AXV_EXIT_NESTED_PAGE_FAULT:
			guest_access_fault(&e);
			break;
		case AXV_EXIT_SYSTEM_DOWN:
			if (!expect_shutdown)
				vm_guest_failed("the guest shut down (triple fault)", &e);
			con_printf("%s: guest shut down (triple fault), as announced\n", be->name);
			exitdev.value = EXIT_PASS;
			vm_finish();
		case AXV_EXIT_FAIL_ENTRY:
			con_printf("%s: VM entry failed: 0x%lx\n", be->name,
				   e.fail_entry.hw_reason);
			platform_exit(EXIT_HYP_ERROR);
		default:
			vm_guest_failed("unhandled exit", &e);
		}
	}
}
