/*
 * x86_64-vmx: a bare-metal hypervisor for Intel VMX with EPT and unrestricted guest (Bochs's
 * corei7_skylake_x, scripts/bochs.sh x86_64-vmx; QEMU's TCG does not emulate VMX), built on
 * libaxv. The same multiboot image and guests as x86_64-svm; what differs is here:
 *
 * - VMX on through the core per-cpu module (axv_vmx_percpu_ops: CPUID and FEATURE_CONTROL
 *   checks, CR0/CR4 fixed bits, CR4.VMXE, VMXON; SDM Vol. 3C 24.7);
 * - the guest address space in the EPT format (axv_pt_ept), its TLB kept by INVEPT;
 * - the vcpu: a VMCS (controls adjusted to the capability MSRs, SDM Vol. 3D A.3), an MSR
 *   bitmap, and the instruction fetch hook: every EPT violation is reported as a nested page
 *   fault, and libaxv's resolver (axv_vcpu_resolve(), x86_64-common/vm.c) decides what backs
 *   it: the address space (the lazily backed region) or a device, whose access it has the
 *   port decode (axv_vmx_decode_access(): axv_x86_fetch_insn(), axv_x86_decode_mmio()), as
 *   for the SVM backend;
 * - the guest starts in 32-bit protected mode with paging off (the backend's flat mode) at a
 *   prologue (prologue.S) that enables long mode and jumps to the test guest.
 */
#include <stdbool.h>
#include <stddef.h>

#include <axv/addrspace.h>
#include <axv/arch/x86_64.h>
#include <axv/arch/x86_64_vmx.h>
#include <axv/err.h>
#include <axv/exit.h>
#include <axv/frame.h>
#include <axv/percpu.h>
#include <axv/vcpu.h>

#include "config.h"
#include "platform.h"
#include "vm.h"

void hyp_main(uint32_t mbi);

extern const uint8_t vmx_prologue[], vmx_prologue_end[];

static struct axv_frames frames;
static struct axv_vmx_cpu vmx_cpu;
static struct axv_percpu percpu;
static struct axv_vmx_vcpu vmx_vcpu;

/* EPT translations are tagged by the EPTP; INVEPT has no range form (SDM Vol. 3C, INVEPT). */
static void vmx_flush(void)
{
	if (vmx_cpu.on && vmx_vcpu.eptp)
		axv_vmx_tlb_ops.flush_all(NULL, vmx_vcpu.eptp);
}

/* ---- the host's local APIC timer: external-interrupt exits -------------------------------- *
 * The VMCS has "external-interrupt exiting" and "acknowledge interrupt on exit" (SDM Vol. 3C
 * 25.6.1, 25.7.1): a host interrupt that arrives while the guest runs is a VM exit with basic
 * reason 1 and the vector in the exit interruption information (28.2.2), already acknowledged
 * at the local APIC; the host ends it with an EOI. The host itself runs with IF = 0 and no
 * IDT: it never takes the interrupt the ordinary way. Registers: SDM Vol. 3A 12.4.1 (base),
 * 12.5.1 (LVT timer), 12.5.4 (timer: divide configuration, initial count), 12.8.5 (EOI),
 * 12.9 (spurious-interrupt vector register, bit 8: APIC software enable). */
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV 0x3e0

static void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(HOST_LAPIC + reg) = v;
}

static int host_timer(uint32_t count)
{
	if (count == 0)
		return AXV_EINVAL;
	lapic_write(LAPIC_SVR, 0x1ff);      /* software-enabled, spurious vector 0xff */
	lapic_write(LAPIC_TIMER_DIV, 0xb);  /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, HOST_TIMER_VECTOR); /* one-shot, not masked */
	lapic_write(LAPIC_TIMER_INIT, count);
	return 0;
}

static bool vmx_exit(struct axv_exit *e)
{
	if (e->reason != AXV_EXIT_EXTERNAL_IRQ)
		return false;
	if (e->external_irq.vector != HOST_TIMER_VECTOR) {
		con_printf("x86_64-vmx: external interrupt with vector 0x%x\n",
			   e->external_irq.vector);
		vm_guest_failed("an external interrupt nobody raised", e);
	}
	lapic_write(LAPIC_EOI, 0);
	return true;
}

/* The VM-entry interruption-information field (SDM Vol. 3C 25.8.3, 27.6 "Event Injection"):
 * a hardware exception, delivered through the guest's IDT at the next VM entry. */
static int vmx_raise(uint8_t vector, bool has_error, uint32_t error)
{
	return axv_vmx_inject_event(&vmx_vcpu, vector, AXV_VMX_INTR_TYPE_HW_EXC, has_error, error);
}

static const struct vm_backend vmx_backend = {
	.name = "x86_64-vmx",
	.pt = &axv_pt_ept,
	.tag = 0,
	.flush = vmx_flush,
	.exit = vmx_exit,
	.host_timer = host_timer,
	.raise = vmx_raise,
};

static struct axv_vmx_cpu *current_cpu(void *arg)
{
	return arg; /* one cpu */
}

static int read_gpa(void *ctx, axv_gpa_t gpa, void *buf, size_t len)
{
	(void)ctx;
	return axv_addrspace_read(&vm_as, gpa, buf, len);
}

static int fetch(void *ctx, uint64_t linear, uint64_t cr0, uint64_t cr3, uint64_t cr4,
		 uint64_t efer, uint8_t *buf, size_t max)
{
	(void)ctx;
	const struct axv_x86_paging p = {cr0, cr3, cr4, efer};
	return axv_x86_fetch_insn(&p, linear, read_gpa, NULL, buf, max);
}

static const struct axv_vmx_mmio_ops mmio_ops = {fetch, NULL};

static void *page(axv_hpa_t *pa)
{
	vm_check("frame", axv_frame_alloc_zeroed(&frames, pa));
	return (void *)(uintptr_t)*pa; /* identity-mapped (start.S) */
}

void hyp_main(uint32_t mbi)
{
	con_init();
	con_puts("x86_64-vmx: libaxv example hypervisor in long mode\n");
	frames_init();
	vm_check("frames", axv_frames_init(&frames, &platform_hal));
	vmx_cpu.hw = &axv_vmx_hw_native;
	vmx_cpu.vmxon_va = page(&vmx_cpu.vmxon_pa);
	vm_check("percpu init", axv_percpu_init(&percpu, 0, &axv_vmx_percpu_ops, &vmx_cpu));
	vm_check("VMX enable", axv_percpu_enable(&percpu));
	con_printf("x86_64-vmx: VMX on, VMCS revision 0x%x, EPT/VPID capabilities 0x%lx\n",
		   vmx_cpu.caps.revision, vmx_cpu.caps.ept_vpid);

	struct vm_start start;
	vm_build(&vmx_backend, mbi, &start);
	/* A multiboot kernel starts where it says, in the backend's flat 32-bit mode (paging
	 * off: Multiboot 0.6.96, 3.2); a 64-bit test guest through the prologue. */
	uint64_t entry = start.multiboot ? start.entry : GUEST_PROLOGUE;
	if (!start.multiboot)
		vm_check("guest prologue",
			 axv_addrspace_write(&vm_as, GUEST_PROLOGUE, vmx_prologue,
					     (size_t)(vmx_prologue_end - vmx_prologue)));
	const struct axv_vcpu_config cfg = {
		.id = 0,
		.hal = &platform_hal,
		.ops = &axv_vmx_vcpu_ops,
		.port_ctx = &vmx_vcpu,
		.virq = &vm_virq,
	};
	vm_check("vcpu create", axv_vcpu_create(&vm_vcpu, &cfg));
	struct axv_vmx_vcpu_config vmx = {
		.current_cpu = current_cpu,
		.current_cpu_arg = &vmx_cpu,
		.mode = AXV_VMX_GUEST_FLAT32,
		.mmio = &mmio_ops,
	};
	vmx.vmcs_va = page(&vmx.vmcs_pa);
	vmx.msr_bitmap_va = page(&vmx.msr_bitmap_pa);
	vm_check("vcpu setup", axv_vcpu_setup(&vm_vcpu, entry, axv_addrspace_root(&vm_as), &vmx));
	if (start.multiboot) {
		vm_check("EAX", axv_vcpu_set_reg(&vm_vcpu, AXV_X86_REG_RAX, start.eax));
		vm_check("EBX", axv_vcpu_set_reg(&vm_vcpu, AXV_X86_REG_RBX, start.ebx));
	}
	con_printf("x86_64-vmx: guest RAM %lu MiB, EPT %s, %lu table frames, %lu frames used\n",
		   vm_ram_size() >> 20, axv_pt_ept.name, (uint64_t)axv_addrspace_pt_frames(&vm_as),
		   frames_used_count());
	vm_check("bind", axv_vcpu_bind(&vm_vcpu));
	if (start.multiboot)
		con_printf("x86_64-vmx: VMCS loaded; guest enters at 0x%lx in 32-bit protected "
			   "mode\n", entry);
	else
		con_printf("x86_64-vmx: VMCS loaded; guest enters at the prologue 0x%lx, then "
			   "0x%lx\n", GUEST_PROLOGUE, start.entry);
	vm_run();
}
