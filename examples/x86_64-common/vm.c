/*
 * The backend-independent part of the x86_64 example hypervisors (see vm.h): guest memory
 * (RAM linearly mapped, a lazily backed region), the guest's page tables and image, the
 * devices on a libaxv device bus (debug console and exit ports, scratch ports, scratch MSRs,
 * an MMIO test device) and the run loop over libaxv's vcpu and exit modules.
 */
#include "vm.h"

#include <stddef.h>

#include <axv/arch/x86_64.h>
#include <axv/err.h>
#include <axv/frame.h>

#include "config.h"
#include "platform.h"

/* The example is the embedder: its global state is its own (libaxv keeps none). */
struct axv_addrspace vm_as;
struct axv_vcpu vm_vcpu;
struct axv_virq vm_virq;
uint64_t vm_exits[AXV_EXIT_REASON_COUNT];
static const struct vm_backend *be;
static struct axv_bus bus;
static struct axv_bus_entry bus_slots[16];
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

bool vm_is_ram(uint64_t gpa)
{
	size_t n = axv_addrspace_area_count(&vm_as);
	for (size_t i = 0; i < n; i++) {
		struct axv_area_info a;
		if (axv_addrspace_area(&vm_as, i, &a) == 0 && gpa - a.gpa < a.size)
			return true;
	}
	return false;
}

/* Copy the first multiboot module (the guest) into guest RAM (Multiboot 0.6.96, 3.3:
 * flags bit 3, mods_count at 20, mods_addr at 24; a module is start, end, string, 0). */
static void load_guest(uint32_t mbi)
{
	if (!(rd32(mbi) & (1u << 3)) || rd32(mbi + 20) == 0)
		vm_fatal("no guest image: pass it as the first multiboot module", AXV_ENOENT);
	uint32_t mod = rd32(mbi + 24);
	uint32_t start = rd32(mod), end = rd32(mod + 4);
	if (end <= start || end - start > GUEST_STACK_TOP - 0x10000 - GUEST_LOAD)
		vm_fatal("guest image size", AXV_ERANGE);
	vm_check("copy guest image", axv_addrspace_write(&vm_as, GUEST_LOAD,
							 (const void *)(uintptr_t)start,
							 end - start));
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

void vm_build(const struct vm_backend *b, uint32_t mbi, struct vm_start *start)
{
	be = b;
	vm_check("address space", axv_addrspace_init(&vm_as, &platform_hal, b->pt, 0,
						     1ull << 32, b->tag));
	vm_check("map guest RAM", axv_addrspace_map_linear(&vm_as, GUEST_RAM_BASE, GUEST_RAM_HOST,
							   GUEST_RAM_SIZE, AXV_MAP_RWX));
	vm_check("map lazy region", axv_addrspace_map_alloc(&vm_as, GUEST_LAZY_BASE,
							    GUEST_LAZY_SIZE,
							    AXV_MAP_READ | AXV_MAP_WRITE, false));
	guest_page_tables();
	load_guest(mbi);
	start->entry = GUEST_LOAD;
	start->rsp = GUEST_STACK_TOP;
	start->cr3 = GUEST_PT_BASE;

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

_Noreturn void vm_run(void)
{
	for (;;) {
		struct axv_exit e;
		int rc = axv_vcpu_run(&vm_vcpu, &e);
		if (rc == AXV_EAGAIN) {
			/* Halted with nothing to deliver: this example has no interrupt source,
			 * so it wakes the vcpu at once (a scheduler would wait here). */
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
			rc = axv_vcpu_complete(&vm_vcpu, &bus, &e);
			if (rc == AXV_ENXIO) { /* not emulated: reads as zero, writes ignored */
				if (e.reason == AXV_EXIT_SYSREG_READ)
					vm_check("msr raz",
						 axv_vcpu_set_reg(&vm_vcpu, e.access.reg, 0));
				vm_check("advance pc", axv_vcpu_advance_pc(&vm_vcpu, e.insn_len));
			} else {
				vm_check("msr", rc);
			}
			break;
		case AXV_EXIT_MMIO_READ:
		case AXV_EXIT_MMIO_WRITE:
			rc = axv_vcpu_complete(&vm_vcpu, &bus, &e);
			if (rc != 0) {
				con_printf("%s: mmio at 0x%lx: %s\n", be->name, e.access.addr,
					   axv_strerror(rc));
				vm_guest_failed("MMIO access nobody emulates", &e);
			}
			break;
		case AXV_EXIT_NESTED_PAGE_FAULT:
			rc = axv_addrspace_handle_fault(&vm_as, e.npf.addr, e.npf.access);
			if (rc != 0) {
				con_printf("%s: nested page fault at 0x%lx: %s\n", be->name,
					   e.npf.addr, axv_strerror(rc));
				vm_guest_failed("nested page fault", &e);
			}
			lazy_faults++;
			last_npf = (e.npf.addr & ~0xfffull) |
				   ((e.npf.access & AXV_MAP_READ) ? 1 : 0) |
				   ((e.npf.access & AXV_MAP_WRITE) ? 2 : 0) |
				   ((e.npf.access & AXV_MAP_EXEC) ? 4 : 0);
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
