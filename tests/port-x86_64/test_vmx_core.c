/* x86_64 VMX backend under the core vcpu module (lib/vcpu) with the mock HAL: the state
 * machine drives axv_vmx_vcpu_ops over the simulated processor. HLT blocks the vcpu, an
 * injection wakes it, the interrupt waits for an interrupt window, VMCALL completes through
 * the core, and an EPT violation at a device is resolved by axv_vcpu_resolve() (decoded on
 * demand through the port's decode hook); plus a fuzz of random exit information. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <axv/arch/x86_64_vmx.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/percpu.h>
#include <axv/vcpu.h>

#include "mock_hal.h"
#include "test_vmx_sim.h"
#include "vmx_hw.h"

static uint8_t vmxon_page[4096] __attribute__((aligned(4096)));
static uint8_t vmcs_page[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static struct axv_vmx_cpu cpu;
static struct axv_vmx_vcpu vc;
static struct axv_vcpu v;
static struct axv_virq vq;
static struct mock_hal mh;
static uint8_t code[15];
static size_t code_len;

static struct axv_vmx_cpu *current_cpu(void *arg)
{
	(void)arg;
	return &cpu;
}

static int fetch(void *ctx, uint64_t linear, uint64_t cr0, uint64_t cr3, uint64_t cr4,
		 uint64_t efer, uint8_t *buf, size_t max)
{
	(void)ctx;
	(void)linear;
	(void)cr0;
	(void)cr3;
	(void)cr4;
	(void)efer;
	size_t n = code_len < max ? code_len : max;
	memcpy(buf, code, n);
	return n ? (int)n : AXV_EFAULT;
}

static const struct axv_vmx_mmio_ops mmio_ops = {fetch, NULL};

static void setup(void)
{
	sim_reset();
	mock_hal_init(&mh, 16);
	memset(&cpu, 0, sizeof(cpu));
	memset(&v, 0, sizeof(v));
	cpu.hw = &sim_hw;
	cpu.vmxon_va = vmxon_page;
	cpu.vmxon_pa = 0x100000;
	struct axv_percpu pc;
	cr_assert_eq(axv_percpu_init(&pc, 0, &axv_vmx_percpu_ops, &cpu), 0);
	cr_assert_eq(axv_vmx_percpu_ops.hardware_enable(&cpu), 0);
	cr_assert_eq(axv_virq_init(&vq), 0);
	cr_assert_eq(axv_virq_enable(&vq, 0x30), 0);
	struct axv_vcpu_config c = {.id = 0, .hal = &mh.hal, .ops = &axv_vmx_vcpu_ops,
				    .port_ctx = &vc, .virq = &vq};
	cr_assert_eq(axv_vcpu_create(&v, &c), 0);
	struct axv_vmx_vcpu_config vcfg = {
		.current_cpu = current_cpu,
		.vmcs_va = vmcs_page,
		.vmcs_pa = 0x101000,
		.msr_bitmap_va = msr_bitmap,
		.msr_bitmap_pa = 0x102000,
		.mode = AXV_VMX_GUEST_FLAT32,
		.mmio = &mmio_ops,
	};
	cr_assert_eq(axv_vcpu_setup(&v, 0x100000, 0x200000, &vcfg), 0);
	cr_assert_eq(axv_vcpu_bind(&v), 0);
}

static void teardown(void)
{
	mock_hal_fini(&mh);
}

TestSuite(vmx_core, .init = setup, .fini = teardown);

static unsigned step;

/* The guest: HLT; (woken) takes an interrupt window; VMCALL; a store to MMIO. */
static void guest(struct sim *s, struct axv_x86_gprs *g)
{
	(void)s;
	switch (step++) {
	case 0:
		sim_vmcs_set(AXV_VMCS_EXIT_REASON, AXV_VMX_EXIT_HLT);
		sim_vmcs_set(AXV_VMCS_EXIT_INSTRUCTION_LEN, 1);
		break;
	case 1: /* STI opened the window */
		sim_vmcs_set(AXV_VMCS_GUEST_RFLAGS, 0x202);
		sim_vmcs_set(AXV_VMCS_EXIT_REASON, AXV_VMX_EXIT_INTERRUPT_WINDOW);
		break;
	case 2: /* the handler ran (vector 0x30 was in the entry field); then VMCALL */
		cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000030);
		sim_vmcs_set(AXV_VMCS_ENTRY_INTR_INFO, 0); /* consumed by the entry (27.6) */
		g->r[AXV_X86_REG_RAX] = 0x11;
		sim_vmcs_set(AXV_VMCS_EXIT_REASON, AXV_VMX_EXIT_VMCALL);
		sim_vmcs_set(AXV_VMCS_EXIT_INSTRUCTION_LEN, 3);
		break;
	default: /* mov [ebx], ax (66 89 03) on a device page */
		g->r[AXV_X86_REG_RAX] = 0xabcd1234;
		memcpy(code, (uint8_t[]){0x66, 0x89, 0x03}, 3);
		code_len = 3;
		sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, 0xfed00040);
		sim_vmcs_set(AXV_VMCS_EXIT_QUALIFICATION, 0x2);
		sim_vmcs_set(AXV_VMCS_EXIT_REASON, AXV_VMX_EXIT_EPT_VIOLATION);
		sim_vmcs_set(AXV_VMCS_EXIT_INSTRUCTION_LEN, 0);
		break;
	}
}

static uint64_t written;
static int dev_write(void *ctx, uint64_t off, uint8_t w, uint64_t val)
{
	(void)ctx;
	cr_expect_eq(off, 0x40);
	cr_expect_eq(w, 2);
	written = val;
	return 0;
}
static const struct axv_device_ops dev = {NULL, dev_write};

Test(vmx_core, halt_block_inject_window_hypercall_mmio)
{
	struct axv_exit e;
	step = 0;
	sim.guest = guest;
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HALT);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_BLOCKED);
	cr_expect_eq(axv_vcpu_run(&v, &e), AXV_EAGAIN, "nothing deliverable: stays blocked");

	cr_assert_eq(axv_vcpu_inject(&v, 0x30), 0);
	cr_expect_eq(axv_vcpu_state(&v), AXV_VCPU_READY, "the injection woke it");
	/* IF = 0 at the HLT: no room, interrupt-window exiting instead */
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_PROC_BASED_CTLS) & AXV_VMX_PROC_INTR_WINDOW_EXITING, 0,
		     "window exiting off again after the window exit");
	/* now the interrupt goes in, the guest takes it and makes a hypercall */
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HYPERCALL);
	cr_expect_eq(e.hypercall.nr, 0x11);
	cr_assert_eq(axv_vcpu_set_retval(&v, 0), 0);
	uint64_t rax;
	cr_assert_eq(axv_vcpu_get_reg(&v, AXV_X86_REG_RAX, &rax), 0);
	cr_expect_eq(rax, 0);

	/* An EPT violation at a device: reported undecoded, then the resolver has the port
	 * decode the store from the instruction bytes and completes it through the bus */
	struct axv_bus bus;
	struct axv_bus_entry slots[3];
	const size_t cap[AXV_BUS_SPACE_COUNT] = {1, 1, 1};
	cr_assert_eq(axv_bus_init(&bus, slots, cap), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_MMIO, 0xfed00000, 0x1000, &dev, NULL), 0);
	uint64_t rip0 = sim_vmcs_get(AXV_VMCS_GUEST_RIP);
	cr_assert_eq(axv_vcpu_run(&v, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(e.npf.addr, 0xfed00040);
	cr_expect_eq(e.npf.access, AXV_MAP_WRITE);
	const struct axv_fault_env env = {.bus = &bus};
	enum axv_resolved how = 0;
	cr_assert_eq(axv_vcpu_resolve(&v, &env, &e, &how), 0);
	cr_expect_eq(how, AXV_RESOLVED_DEVICE);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_WRITE);
	cr_expect_eq(e.insn_len, 3);
	cr_expect_eq(written, 0x1234);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_RIP), rip0 + 3);

	cr_assert_eq(axv_vcpu_unbind(&v), 0);
	cr_expect_eq(sim.current, ~0ull);
	cr_expect_eq(axv_vmx_percpu_ops.hardware_disable(&cpu), 0);
}

/* Random exit information: every decode returns 0 with a valid reason. */
Test(vmx_core, random_exit_information_never_breaks_the_decoder)
{
	unsigned seed = 7;
	static const uint32_t fields[] = {
		AXV_VMCS_EXIT_REASON, AXV_VMCS_EXIT_QUALIFICATION, AXV_VMCS_EXIT_INSTRUCTION_LEN,
		AXV_VMCS_EXIT_INTR_INFO, AXV_VMCS_IDT_VECTORING_INFO, AXV_VMCS_GUEST_PHYSICAL_ADDRESS,
		AXV_VMCS_GUEST_CS_AR, AXV_VMCS_GUEST_IA32_EFER, AXV_VMCS_GUEST_SS_AR};
	for (unsigned it = 0; it < 20000; it++) {
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			seed = seed * 1103515245u + 12345u;
			uint64_t r = ((uint64_t)seed << 32) ^ (seed >> 3);
			if (fields[f] == AXV_VMCS_EXIT_REASON)
				r = (seed >> 8) % 90u | ((seed & 1u) ? 0 : (uint64_t)(seed & 0x80000000u));
			if (fields[f] == AXV_VMCS_GUEST_PHYSICAL_ADDRESS && (seed & 2u))
				r = 0xfed00000 + (seed & 0xfffu);
			sim_vmcs_set(fields[f], r);
		}
		for (unsigned i = 0; i < 16; i++)
			vc.regs.r[i] = (uint64_t)rand() << 17 ^ (uint64_t)rand();
		code_len = (seed >> 4) % 16;
		for (size_t i = 0; i < code_len; i++)
			code[i] = (uint8_t)rand();
		sim_vmcs_set(AXV_VMCS_ENTRY_INTR_INFO, 0);
		struct axv_exit e;
		int rc = axv_vmx_decode_exit(&vc, &e);
		cr_assert_eq(rc, 0, "rc %d", rc);
		cr_assert_lt((unsigned)e.reason, (unsigned)AXV_EXIT_REASON_COUNT);
		if (e.reason == AXV_EXIT_NESTED_PAGE_FAULT) {
			const struct axv_exit before = e;
			rc = axv_vmx_decode_access(&vc, &e);
			cr_assert(rc == 0 || rc == AXV_ENOTSUP || rc == AXV_EFAULT, "rc %d", rc);
			if (rc != 0)
				cr_assert_eq(memcmp(&before, &e, sizeof(e)), 0);
		}
		if ((e.reason == AXV_EXIT_MMIO_READ || e.reason == AXV_EXIT_MMIO_WRITE))
			cr_assert(e.insn_len >= 1 && e.insn_len <= 15 && e.access.width <= 8);
	}
}
