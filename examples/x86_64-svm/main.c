/*
 * x86_64-svm: a bare-metal hypervisor for AMD SVM with nested paging (QEMU's pc machine
 * under TCG, scripts/qemu.sh x86_64-svm; Bochs's ryzen, scripts/bochs.sh x86_64-svm), built
 * on libaxv.
 *
 * start.S (examples/x86_64-common) brings the cpu from multiboot's 32-bit protected mode to
 * long mode; hyp_main() then builds its HAL (a frame allocator over host RAM, identity phys
 * <-> virt), turns SVM on through the core per-cpu module, and lets the common part
 * (x86_64-common/vm.c) build the guest (NPT address space, image, devices); it creates the
 * vcpu with the SVM backend and runs it through libaxv's vcpu, exit and SVM modules. The
 * guest starts in 64-bit mode with paging on: the first 4 GiB identity-mapped by 2 MiB pages
 * in guest memory (see config.h for the addresses).
 */
#include <stdbool.h>
#include <stddef.h>

#include <axv/addrspace.h>
#include <axv/arch/x86_64.h>
#include <axv/err.h>
#include <axv/exit.h>
#include <axv/frame.h>
#include <axv/percpu.h>
#include <axv/vcpu.h>

#include "config.h"
#include "platform.h"
#include "vm.h"
#include <axv/arch/x86_64_hw.h>

void hyp_main(uint32_t mbi);

static struct axv_frames frames;
static struct axv_svm_cpu svm_cpu;
static struct axv_percpu percpu;
static struct axv_svm_vcpu svm_vcpu;

static void svm_flush(void)
{
	axv_svm_request_flush(&svm_vcpu);
}

/* EVENTINJ (APM Vol. 2, 15.20 "Event Injection"): vector 7:0, type 10:8 (3: exception),
 * EV 11 (push the error code in 63:32), V 31. Delivered at the next VMRUN. */
static int svm_raise(uint8_t vector, bool has_error, uint32_t error)
{
	uint64_t ev = vector | (3ull << 8) | AXV_SVM_EVENT_VALID |
		      (has_error ? (1ull << 11) | ((uint64_t)error << 32) : 0);
	return axv_svm_vmcb_write(&svm_vcpu, AXV_SVM_VMCB_EVENTINJ, ev);
}

static const struct vm_backend svm_backend = {
	.name = "x86_64-svm",
	.pt = &axv_pt_npt,
	.tag = GUEST_ASID,
	.flush = svm_flush,
	.exit = NULL,
	.host_timer = NULL, /* no host interrupts: the example runs with GIF and IF clear */
	.raise = svm_raise,
};

/* A multiboot kernel starts in 32-bit protected mode with paging off (Multiboot 0.6.96,
 * 3.2): the backend sets a long-mode VMCB up, which is changed here through the VMCB
 * accessors: CR0 = PE | ET | NE, CR3 = CR4 = 0, EFER = SVME only (VMRUN requires it, APM
 * Vol. 2 15.5.1), CS a flat 32-bit code segment (VMCB segment attributes, 15.5.1: type 0xb,
 * S, P; D/B and G in bits 10 and 11), RSP 0. RAX and RBX come from the registers. */
#define SEG_ATTR_CODE32 0x0c9bull

static void start_flat32(void)
{
	static const struct {
		uint32_t off;
		uint64_t val;
	} w[] = {
		{AXV_SVM_VMCB_CR0, 0x31},
		{AXV_SVM_VMCB_CR3, 0},
		{AXV_SVM_VMCB_CR4, 0},
		{AXV_SVM_VMCB_EFER, AXV_SVM_EFER_SVME},
		/* selector 0x08 | attributes << 16 | limit << 32 */
		{AXV_SVM_VMCB_CS, 0x08 | (SEG_ATTR_CODE32 << 16) | (0xffffffffull << 32)},
		{AXV_SVM_VMCB_RSP, 0},
	};
	for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		vm_check("32-bit VMCB", axv_svm_vmcb_write(&svm_vcpu, w[i].off, w[i].val));
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
	vm_check("ASID 0", axv_svm_vmcb_write(&svm_vcpu, AXV_SVM_VMCB_GUEST_ASID,
					      asid & ~0xffffffffull));
	struct axv_exit e;
	vm_check("run", axv_vcpu_run(&vm_vcpu, &e));
	if (e.reason != AXV_EXIT_FAIL_ENTRY || (uint32_t)e.fail_entry.hw_reason != 0xffffffffu)
		vm_guest_failed("VMRUN with ASID 0 was not refused", &e);
	con_printf("x86_64-svm: self-test: VMRUN with ASID 0 refused: %s, exit code 0x%lx\n",
		   axv_exit_name(e.reason), e.fail_entry.hw_reason);
	for (unsigned i = 0; i < AXV_SVM_VMCB_SIZE; i++)
		svm_vcpu.vmcb[i] = vmcb_copy[i];
	svm_vcpu.gprs = regs;
	axv_svm_request_flush(&svm_vcpu);
}

void hyp_main(uint32_t mbi)
{
	con_init();
	con_puts("x86_64-svm: libaxv example hypervisor in long mode\n");
	frames_init();
	vm_check("frames", axv_frames_init(&frames, &platform_hal));
	svm_cpu.frames = &frames;
	vm_check("percpu init", axv_percpu_init(&percpu, 0, &axv_svm_percpu_ops, &svm_cpu));
	vm_check("SVM enable", axv_percpu_enable(&percpu));
	con_printf("x86_64-svm: SVM on, %u ASIDs\n", svm_cpu.nasid);

	struct vm_start start;
	vm_build(&svm_backend, mbi, &start);
	const struct axv_vcpu_config cfg = {
		.id = 0,
		.hal = &platform_hal,
		.ops = &axv_svm_vcpu_ops,
		.port_ctx = &svm_vcpu,
		.virq = &vm_virq,
	};
	vm_check("vcpu create", axv_vcpu_create(&vm_vcpu, &cfg));
	const struct axv_svm_vcpu_config svm = {
		.frames = &frames,
		.as = &vm_as,
		.asid = GUEST_ASID,
		.rsp = start.rsp,
		.cr3 = start.cr3,
		.cpuid = NULL, /* the host's CPUID */
		.cpus = &svm_cpu,
		.nr_cpus = 1,
		.hal = &platform_hal,
	};
	vm_check("vcpu setup", axv_vcpu_setup(&vm_vcpu, start.entry, axv_addrspace_root(&vm_as),
					      &svm));
	if (start.multiboot) {
		start_flat32();
		vm_check("EAX", axv_vcpu_set_reg(&vm_vcpu, AXV_X86_REG_RAX, start.eax));
		vm_check("EBX", axv_vcpu_set_reg(&vm_vcpu, AXV_X86_REG_RBX, start.ebx));
	}
	con_printf("x86_64-svm: guest RAM %lu MiB, NPT %s, %lu table frames, %lu frames used\n",
		   vm_ram_size() >> 20, axv_pt_npt.name, (uint64_t)axv_addrspace_pt_frames(&vm_as),
		   frames_used_count());
	vm_check("bind", axv_vcpu_bind(&vm_vcpu));
	vmrun_failure_selftest();
	vm_run();
}
