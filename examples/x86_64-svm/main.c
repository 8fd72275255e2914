/*
 * x86_64-svm: a bare-metal hypervisor for QEMU's pc machine under TCG with SVM and nested paging
 * (scripts/qemu.sh x86_64-svm), built on libaxv.
 *
 * start.S brings the cpu from multiboot's 32-bit protected mode to long mode; hyp_main() then
 * builds its HAL (a frame allocator over host RAM, identity phys <-> virt), turns SVM on
 * through the core per-cpu module, builds one guest address space with the NPT format (guest
 * RAM linearly mapped, a lazily backed region), loads the guest image that QEMU passed as a
 * multiboot module, registers the emulated devices on a device bus (debug console and exit
 * ports, scratch ports, scratch MSRs, an MMIO test device) and runs the vcpu through libaxv's
 * vcpu, exit and SVM modules. The guest starts in 64-bit mode with paging on: the first 4 GiB
 * identity-mapped by 2 MiB pages in guest memory (see config.h for the addresses).
 */
#include <stdbool.h>
#include <stddef.h>

#include <axv/addrspace.h>
#include <axv/arch/x86_64.h>
#include <axv/err.h>
#include <axv/exit.h>
#include <axv/frame.h>
#include <axv/vcpu.h>

#include "config.h"
#include "platform.h"

void hyp_main(uint32_t mbi);

/* The example is the embedder: its global state is its own (libaxv keeps none). */
static struct axv_frames frames;
static struct axv_svm_cpu svm_cpu;
static struct axv_percpu percpu;
static struct axv_addrspace as;
static struct axv_bus bus;
static struct axv_bus_entry bus_slots[8];
static struct axv_vcpu vcpu;
static struct axv_svm_vcpu svm_vcpu;
static uint64_t exits[AXV_EXIT_REASON_COUNT];
static uint64_t lazy_faults;
static bool expect_shutdown;

static _Noreturn void fatal(const char *what, int rc)
{
	con_printf("x86_64-svm: FATAL: %s: %s (%d)\n", what, axv_strerror(rc), rc);
	platform_exit(EXIT_HYP_ERROR);
}

static void check(const char *what, int rc)
{
	if (rc != 0)
		fatal(what, rc);
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
	axv_svm_request_flush(&svm_vcpu);
}

static uint32_t rd32(uint64_t pa)
{
	return *(volatile uint32_t *)(uintptr_t)pa;
}

/* Copy the first multiboot module (the guest) into guest RAM (Multiboot 0.6.96, 3.3:
 * flags bit 3, mods_count at 20, mods_addr at 24; a module is start, end, string, 0). */
static void load_guest(uint32_t mbi)
{
	if (!(rd32(mbi) & (1u << 3)) || rd32(mbi + 20) == 0)
		fatal("no guest image: pass it with -initrd", AXV_ENOENT);
	uint32_t mod = rd32(mbi + 24);
	uint32_t start = rd32(mod), end = rd32(mod + 4);
	if (end <= start || end - start > GUEST_STACK_TOP - 0x10000 - GUEST_LOAD)
		fatal("guest image size", AXV_ERANGE);
	check("copy guest image", axv_addrspace_write(&as, GUEST_LOAD,
						      (const void *)(uintptr_t)start, end - start));
	con_printf("x86_64-svm: guest image %u bytes at 0x%lx\n", end - start, GUEST_LOAD);
}

/* The guest's page tables (APM Vol. 2, 5.3): PML4 -> one PDPT -> four PDs of 2 MiB pages,
 * identity for guest physical 0..4 GiB (RAM, the lazy region and the MMIO device). */
static void guest_page_tables(void)
{
	const uint64_t pml4 = GUEST_PT_BASE, pdpt = pml4 + 0x1000, pd = pdpt + 0x1000;
	uint64_t e = pdpt | 3;
	check("guest PML4", axv_addrspace_write(&as, pml4, &e, 8));
	for (uint64_t i = 0; i < 4; i++) {
		e = (pd + i * 0x1000) | 3;
		check("guest PDPT", axv_addrspace_write(&as, pdpt + i * 8, &e, 8));
	}
	for (uint64_t i = 0; i < 4 * 512; i++) {
		e = (i << 21) | 0x83; /* PS | RW | P */
		check("guest PD", axv_addrspace_write(&as, pd + i * 8, &e, 8));
	}
}

static void build_vm(uint32_t mbi)
{
	check("address space", axv_addrspace_init(&as, &platform_hal, &axv_pt_npt, 0, 1ull << 32,
						  GUEST_ASID));
	check("map guest RAM", axv_addrspace_map_linear(&as, GUEST_RAM_BASE, GUEST_RAM_HOST,
							GUEST_RAM_SIZE, AXV_MAP_RWX));
	check("map lazy region", axv_addrspace_map_alloc(&as, GUEST_LAZY_BASE, GUEST_LAZY_SIZE,
							 AXV_MAP_READ | AXV_MAP_WRITE, false));
	guest_page_tables();
	load_guest(mbi);

	const size_t cap[AXV_BUS_SPACE_COUNT] = {2, 4, 2};
	check("device bus", axv_bus_init(&bus, bus_slots, cap));
	check("debugcon", axv_bus_register(&bus, AXV_BUS_PORT, PORT_DEBUGCON, 1, &debugcon_ops,
					   NULL));
	check("exit port", axv_bus_register(&bus, AXV_BUS_PORT, PORT_EXIT, 4, &exitdev_ops,
					    &exitdev));
	check("scratch ports", axv_bus_register(&bus, AXV_BUS_PORT, PORT_SCRATCH,
						PORT_SCRATCH_SIZE, &scratch_ops, &scratch_ports));
	check("test device", axv_bus_register(&bus, AXV_BUS_MMIO, GUEST_TESTDEV_BASE, 0x1000,
					      &scratch_ops, &scratch_mmio));
	check("scratch MSRs", axv_bus_register(&bus, AXV_BUS_SYSREG, MSR_SCRATCH,
					       MSR_SCRATCH_COUNT, &msr_ops, scratch_msr));

	const struct axv_vcpu_config cfg = {
		.id = 0,
		.hal = &platform_hal,
		.ops = &axv_svm_vcpu_ops,
		.port_ctx = &svm_vcpu,
	};
	check("vcpu create", axv_vcpu_create(&vcpu, &cfg));
	const struct axv_svm_vcpu_config svm = {
		.frames = &frames,
		.as = &as,
		.asid = GUEST_ASID,
		.rsp = GUEST_STACK_TOP,
		.cr3 = GUEST_PT_BASE,
		.cpuid = NULL, /* the host's CPUID */
		.cpus = &svm_cpu,
		.nr_cpus = 1,
		.hal = &platform_hal,
	};
	check("vcpu setup", axv_vcpu_setup(&vcpu, GUEST_LOAD, axv_addrspace_root(&as), &svm));
	platform_tlb_flush = flush_guest_tlb;
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
		ret = exits[AXV_EXIT_HALT];
		break;
	case HC_EXPECT_SHUTDOWN:
		expect_shutdown = true;
		ret = 0;
		break;
	}
	check("set return value", axv_vcpu_set_retval(&vcpu, ret));
	check("advance pc", axv_vcpu_advance_pc(&vcpu, e->insn_len));
}

/* A port nobody emulates: reads float high (all ones), writes are dropped. */
static void unclaimed_port(struct axv_exit *e)
{
	if (e->reason == AXV_EXIT_IO_READ) {
		uint64_t rax, ones = ~0ull >> (64 - 8 * e->access.width);
		check("get RAX", axv_vcpu_get_reg(&vcpu, AXV_X86_REG_RAX, &rax));
		if (e->access.width == 4)
			rax = ones;
		else
			rax = (rax & ~ones) | ones;
		check("set RAX", axv_vcpu_set_reg(&vcpu, AXV_X86_REG_RAX, rax));
	}
	check("advance pc", axv_vcpu_advance_pc(&vcpu, e->insn_len));
}

static _Noreturn void guest_failed(const char *why, const struct axv_exit *e)
{
	con_printf("x86_64-svm: FATAL: %s: exit %s at rip 0x%lx (raw 0x%lx info 0x%lx)\n", why,
		   axv_exit_name(e->reason), e->pc, e->unhandled.raw, e->unhandled.info);
	platform_exit(EXIT_HYP_ERROR);
}

static _Noreturn void finish(void)
{
	uint64_t total = 0;
	for (unsigned r = 0; r < AXV_EXIT_REASON_COUNT; r++)
		total += exits[r];
	con_printf("x86_64-svm: guest result 0x%x after %lu exits (%lu port, %lu msr, %lu mmio, "
		   "%lu hypercall, %lu halt, %lu page fault, %lu cpuid/other)\n",
		   exitdev.value, total, exits[AXV_EXIT_IO_READ] + exits[AXV_EXIT_IO_WRITE],
		   exits[AXV_EXIT_SYSREG_READ] + exits[AXV_EXIT_SYSREG_WRITE],
		   exits[AXV_EXIT_MMIO_READ] + exits[AXV_EXIT_MMIO_WRITE],
		   exits[AXV_EXIT_HYPERCALL], exits[AXV_EXIT_HALT],
		   exits[AXV_EXIT_NESTED_PAGE_FAULT], exits[AXV_EXIT_NOTHING]);
	platform_exit(exitdev.value);
}

/* Show the VMRUN-failure path on the real (emulated) cpu: a VMCB with ASID 0 fails VMRUN's
 * consistency checks (APM Vol. 2, 15.5.1) and comes back as a fail-entry exit. A failed
 * VMRUN may overwrite the VMCB's save area, so the VMCB and the registers are restored. */
static uint8_t vmcb_copy[AXV_SVM_VMCB_SIZE];

static void vmrun_failure_selftest(void)
{
	const uint8_t *vmcb = svm_vcpu.vmcb;
	struct axv_x86_gprs regs = svm_vcpu.gprs;
	for (unsigned i = 0; i < AXV_SVM_VMCB_SIZE; i++)
		vmcb_copy[i] = vmcb[i];
	uint64_t asid = axv_svm_vmcb_read(&svm_vcpu, AXV_SVM_VMCB_GUEST_ASID);
	check("ASID 0", axv_svm_vmcb_write(&svm_vcpu, AXV_SVM_VMCB_GUEST_ASID,
					   asid & ~0xffffffffull));
	struct axv_exit e;
	check("run", axv_vcpu_run(&vcpu, &e));
	if (e.reason != AXV_EXIT_FAIL_ENTRY || (uint32_t)e.fail_entry.hw_reason != 0xffffffffu)
		guest_failed("VMRUN with ASID 0 was not refused", &e);
	con_printf("x86_64-svm: self-test: VMRUN with ASID 0 refused: %s, exit code 0x%lx\n",
		   axv_exit_name(e.reason), e.fail_entry.hw_reason);
	for (unsigned i = 0; i < AXV_SVM_VMCB_SIZE; i++)
		svm_vcpu.vmcb[i] = vmcb_copy[i];
	svm_vcpu.gprs = regs;
	axv_svm_request_flush(&svm_vcpu);
}

static _Noreturn void run(void)
{
	check("bind", axv_vcpu_bind(&vcpu));
	vmrun_failure_selftest();
	for (;;) {
		struct axv_exit e;
		int rc = axv_vcpu_run(&vcpu, &e);
		if (rc == AXV_EAGAIN) {
			/* Halted with nothing to deliver: this example has no interrupt source,
			 * so it wakes the vcpu at once (a scheduler would wait here). */
			check("kick", axv_vcpu_kick(&vcpu));
			continue;
		}
		check("run", rc);
		if ((unsigned)e.reason < AXV_EXIT_REASON_COUNT)
			exits[e.reason]++;
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
				guest_failed("string port I/O is not emulated", &e);
			rc = axv_vcpu_complete(&vcpu, &bus, &e);
			if (rc == AXV_ENXIO)
				unclaimed_port(&e);
			else
				check("port I/O", rc);
			if (exitdev.done)
				finish();
			break;
		case AXV_EXIT_SYSREG_READ:
		case AXV_EXIT_SYSREG_WRITE:
			rc = axv_vcpu_complete(&vcpu, &bus, &e);
			if (rc == AXV_ENXIO) { /* not emulated: reads as zero, writes ignored */
				if (e.reason == AXV_EXIT_SYSREG_READ)
					check("msr raz", axv_vcpu_set_reg(&vcpu, e.access.reg, 0));
				check("advance pc", axv_vcpu_advance_pc(&vcpu, e.insn_len));
			} else {
				check("msr", rc);
			}
			break;
		case AXV_EXIT_MMIO_READ:
		case AXV_EXIT_MMIO_WRITE:
			rc = axv_vcpu_complete(&vcpu, &bus, &e);
			if (rc != 0) {
				con_printf("x86_64-svm: mmio at 0x%lx: %s\n", e.access.addr,
					   axv_strerror(rc));
				guest_failed("MMIO access nobody emulates", &e);
			}
			break;
		case AXV_EXIT_NESTED_PAGE_FAULT:
			rc = axv_addrspace_handle_fault(&as, e.npf.addr, e.npf.access);
			if (rc != 0) {
				con_printf("x86_64-svm: nested page fault at 0x%lx: %s\n", e.npf.addr,
					   axv_strerror(rc));
				guest_failed("nested page fault", &e);
			}
			lazy_faults++;
			break;
		case AXV_EXIT_SYSTEM_DOWN:
			if (!expect_shutdown)
				guest_failed("the guest shut down (triple fault)", &e);
			con_puts("x86_64-svm: guest shut down (triple fault), as announced\n");
			exitdev.value = EXIT_PASS;
			finish();
		case AXV_EXIT_FAIL_ENTRY:
			con_printf("x86_64-svm: VMRUN failed: exit code 0x%lx\n",
				   e.fail_entry.hw_reason);
			platform_exit(EXIT_HYP_ERROR);
		default:
			guest_failed("unhandled exit", &e);
		}
	}
}

void hyp_main(uint32_t mbi)
{
	con_init();
	con_puts("x86_64-svm: libaxv example hypervisor in long mode\n");
	frames_init();
	check("frames", axv_frames_init(&frames, &platform_hal));
	svm_cpu.frames = &frames;
	check("percpu init", axv_percpu_init(&percpu, 0, &axv_svm_percpu_ops, &svm_cpu));
	check("SVM enable", axv_percpu_enable(&percpu));
	con_printf("x86_64-svm: SVM on, %u ASIDs\n", svm_cpu.nasid);
	build_vm(mbi);
	con_printf("x86_64-svm: guest RAM %lu MiB, NPT %s, %lu table frames, %lu frames used\n",
		   GUEST_RAM_SIZE >> 20, axv_pt_npt.name, (uint64_t)axv_addrspace_pt_frames(&as),
		   frames_used_count());
	run();
}
