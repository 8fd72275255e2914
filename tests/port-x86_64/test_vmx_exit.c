/* x86_64 VMX backend: decoding of every basic exit reason from hand-built exit information
 * in the simulated VMCS.
 *
 * Formats, Intel SDM Vol. 3C: 28.2.1 exit-qualification tables (CR accesses: CR 3:0, type
 * 5:4, GPR 11:8, LMSW data 31:16; I/O: size-1 2:0, IN 3, string 4, REP 5,
 * port 31:16; EPT violations: read 0, write 1, fetch 2); 25.9.2 interruption
 * information (vector 7:0, type 10:8, valid 31); exit reason bit 31 = entry failure;
 * Vol. 3D Appendix C (reason numbers). */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/x86_64_vmx.h>
#include <axv/bus.h>
#include <axv/err.h>

#include "test_dev.h"
#include "test_vmx_sim.h"
#include "vmx_hw.h"

static struct axv_vmx_vcpu vc;
static struct axv_exit e;

#define RIP0 0x100000ull

static void setup(void)
{
	sim_cpu_reset();
	cr_assert_eq(axv_vmx_cpu_enable(&sim_cpu), 0);
	cr_assert_eq(axv_vmx_vcpu_ops.create(&vc, 2), 0);
	struct axv_vmx_vcpu_config c = sim_vcpu_config(AXV_VMX_GUEST_FLAT32);
	c.mmio = &sim_mmio_ops;
	cr_assert_eq(axv_vmx_vcpu_ops.setup(&vc, &c), 0);
	cr_assert_eq(axv_vmx_vcpu_ops.set_entry(&vc, RIP0), 0);
	cr_assert_eq(axv_vmx_vcpu_ops.bind(&vc), 0);
	for (unsigned i = 0; i < 16; i++)
		vc.regs.r[i] = 0x0101010101010101ull * (i + 1);
	sim.code.empty_rc = AXV_EFAULT; /* no instruction bytes: the fetch faults */
	memset(&e, 0x5a, sizeof(e));
}

/* Hand-built exit information, then decode. */
static int exit_with(uint32_t reason, uint64_t qual, uint64_t len)
{
	sim_vmcs_set(AXV_VMCS_EXIT_REASON, reason);
	sim_vmcs_set(AXV_VMCS_EXIT_QUALIFICATION, qual);
	sim_vmcs_set(AXV_VMCS_EXIT_INSTRUCTION_LEN, len);
	return axv_vmx_decode_exit(&vc, &e);
}

static uint64_t rip(void)
{
	return sim_vmcs_get(AXV_VMCS_GUEST_RIP);
}

TestSuite(vmx_exit, .init = setup);

/* Every basic reason 0..77 and beyond decodes to a valid axv_exit, never an error. */
Test(vmx_exit, every_basic_reason_decodes)
{
	for (uint32_t r = 0; r < 0x10000; r += (r < 100 ? 1 : 997)) {
		setup();
		sim_vmcs_set(AXV_VMCS_EXIT_INTR_INFO, 0x80000030);
		sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, 0x5000);
		int rc = exit_with(r, 0, 2);
		cr_assert_eq(rc, 0, "reason %u: rc %d", r, rc);
		cr_assert_lt((unsigned)e.reason, (unsigned)AXV_EXIT_REASON_COUNT, "reason %u", r);
		cr_expect_eq(e.pc, RIP0, "reason %u", r);
	}
}

Test(vmx_exit, reason_table)
{
	static const struct {
		uint32_t hw;
		enum axv_exit_reason want;
	} t[] = {
		{AXV_VMX_EXIT_TRIPLE_FAULT, AXV_EXIT_SYSTEM_DOWN},
		{AXV_VMX_EXIT_INIT, AXV_EXIT_UNHANDLED},
		{AXV_VMX_EXIT_SIPI, AXV_EXIT_UNHANDLED},
		{AXV_VMX_EXIT_TASK_SWITCH, AXV_EXIT_UNHANDLED},
		{AXV_VMX_EXIT_HLT, AXV_EXIT_HALT},
		{AXV_VMX_EXIT_INVD, AXV_EXIT_NOTHING},
		{AXV_VMX_EXIT_WBINVD, AXV_EXIT_NOTHING},
		{AXV_VMX_EXIT_PAUSE, AXV_EXIT_NOTHING},
		{AXV_VMX_EXIT_PREEMPTION_TIMER, AXV_EXIT_NOTHING},
		{AXV_VMX_EXIT_DR_ACCESS, AXV_EXIT_UNHANDLED},
		{AXV_VMX_EXIT_RDTSC, AXV_EXIT_UNHANDLED},
		{AXV_VMX_EXIT_APIC_ACCESS, AXV_EXIT_UNHANDLED},
		{AXV_VMX_EXIT_TDCALL, AXV_EXIT_UNHANDLED},
		{AXV_VMX_EXIT_REASON_MAX, AXV_EXIT_UNHANDLED},
		{0xffff, AXV_EXIT_UNHANDLED},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setup();
		cr_assert_eq(exit_with(t[i].hw, 0x1234, 1), 0);
		cr_expect_eq(e.reason, t[i].want, "hw %u: got %s", t[i].hw, axv_exit_name(e.reason));
		if (t[i].want == AXV_EXIT_UNHANDLED) {
			cr_expect_eq(e.unhandled.raw, t[i].hw);
			cr_expect_eq(e.unhandled.info, 0x1234);
		}
	}
}

Test(vmx_exit, vmx_and_monitor_instructions_raise_ud)
{
	static const uint32_t ud[] = {AXV_VMX_EXIT_GETSEC, AXV_VMX_EXIT_VMCLEAR,
				      AXV_VMX_EXIT_VMLAUNCH, AXV_VMX_EXIT_VMPTRLD,
				      AXV_VMX_EXIT_VMPTRST, AXV_VMX_EXIT_VMREAD,
				      AXV_VMX_EXIT_VMRESUME, AXV_VMX_EXIT_VMWRITE,
				      AXV_VMX_EXIT_VMXOFF, AXV_VMX_EXIT_VMXON,
				      AXV_VMX_EXIT_INVEPT, AXV_VMX_EXIT_INVVPID,
				      AXV_VMX_EXIT_MWAIT, AXV_VMX_EXIT_MONITOR};
	for (size_t i = 0; i < sizeof(ud) / sizeof(ud[0]); i++) {
		setup();
		cr_assert_eq(exit_with(ud[i], 0, 3), 0);
		cr_expect_eq(e.reason, AXV_EXIT_NOTHING);
		/* #UD: vector 6, type 3 (hardware exception), valid */
		cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000306, "hw %u", ud[i]);
		cr_expect_eq(rip(), RIP0, "the faulting instruction is not skipped");
	}
}

Test(vmx_exit, cpuid_hypervisor_leaves)
{
	vc.regs.r[AXV_X86_REG_RAX] = 0xffffffff40000000ull; /* upper half ignored */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CPUID, 0, 2), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RAX], 0x40000001);
	char sig[13] = {0};
	uint32_t w[3] = {(uint32_t)vc.regs.r[AXV_X86_REG_RBX], (uint32_t)vc.regs.r[AXV_X86_REG_RCX],
			 (uint32_t)vc.regs.r[AXV_X86_REG_RDX]};
	memcpy(sig, w, 12);
	cr_expect_str_eq(sig, "libaxv");
	cr_expect_eq(rip(), RIP0 + 2);
	setup();
	vc.regs.r[AXV_X86_REG_RAX] = 0x40000005;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CPUID, 0, 2), 0);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RAX], 0);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RBX], 0);
}

/* The guest sees one libaxv, whichever backend runs it: leaf 0x40000001 gives the version
 * (major << 16 | minor << 8 | patch) as the SVM backend does (AXV_SVM_CPUID_HV_INFO). */
Test(vmx_exit, cpuid_version_leaf_as_svm)
{
	vc.regs.r[AXV_X86_REG_RAX] = 0x40000001;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CPUID, 0, 2), 0);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RAX], 0x100, "version 0.1.0, got 0x%llx",
		     (unsigned long long)vc.regs.r[AXV_X86_REG_RAX]);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RBX] | vc.regs.r[AXV_X86_REG_RCX] |
			     vc.regs.r[AXV_X86_REG_RDX],
		     0);
	cr_expect_eq(rip(), RIP0 + 2);
}

Test(vmx_exit, cpuid_filters_host_leaves)
{
	vc.regs.r[AXV_X86_REG_RAX] = 1;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CPUID, 0, 2), 0);
	uint32_t ecx = (uint32_t)vc.regs.r[AXV_X86_REG_RCX];
	cr_expect_eq(ecx & (1u << 5), 0, "VMX hidden");
	cr_expect_eq(ecx & (1u << 6), 0, "SMX hidden");
	cr_expect_eq(ecx & (1u << 3), 0, "MONITOR hidden");
	cr_expect_eq(ecx & (1u << 27), 0, "OSXSAVE follows the guest's CR4 (clear)");
	cr_expect_neq(ecx & (1u << 31), 0, "hypervisor present");
	cr_expect_neq(ecx & (1u << 26), 0, "XSAVE kept");
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RBX] >> 24, 2, "initial APIC id = vcpu id");
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RBX] & 0xffffff, 0x100800);
	/* OSXSAVE mirrors the guest's CR4 */
	setup();
	sim_vmcs_set(AXV_VMCS_GUEST_CR4, 0x2000 | AXV_X86_CR4_OSXSAVE);
	vc.regs.r[AXV_X86_REG_RAX] = 1;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CPUID, 0, 2), 0);
	cr_expect_neq(vc.regs.r[AXV_X86_REG_RCX] & (1u << 27), 0);
	/* leaf 0BH: x2APIC id; leaf 5: zero */
	setup();
	vc.regs.r[AXV_X86_REG_RAX] = 0xb;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CPUID, 0, 2), 0);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RDX], 2);
	setup();
	vc.regs.r[AXV_X86_REG_RAX] = 5;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CPUID, 0, 2), 0);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RAX], 0);
	/* RDTSCP stays (enabled by the secondary controls); without it, hidden */
	setup();
	vc.regs.r[AXV_X86_REG_RAX] = 0x80000001u;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CPUID, 0, 2), 0);
	cr_expect_neq(vc.regs.r[AXV_X86_REG_RDX] & (1u << 27), 0);
	setup();
	vc.proc2 &= ~AXV_VMX_PROC2_ENABLE_RDTSCP;
	vc.regs.r[AXV_X86_REG_RAX] = 0x80000001u;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CPUID, 0, 2), 0);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RDX] & (1u << 27), 0);
	cr_expect_neq(vc.regs.r[AXV_X86_REG_RDX] & (1u << 29), 0, "LM kept");
}

Test(vmx_exit, vmcall_is_a_hypercall)
{
	cr_assert_eq(exit_with(AXV_VMX_EXIT_VMCALL, 0, 3), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HYPERCALL);
	cr_expect_eq(e.hypercall.nr, vc.regs.r[AXV_X86_REG_RAX]);
	cr_expect_eq(e.hypercall.args[0], vc.regs.r[AXV_X86_REG_RBX]);
	cr_expect_eq(e.hypercall.args[1], vc.regs.r[AXV_X86_REG_RCX]);
	cr_expect_eq(e.hypercall.args[2], vc.regs.r[AXV_X86_REG_RDX]);
	cr_expect_eq(e.hypercall.args[3], vc.regs.r[AXV_X86_REG_RSI]);
	cr_expect_eq(e.hypercall.args[4], vc.regs.r[AXV_X86_REG_RDI]);
	cr_expect_eq(e.hypercall.args[5], vc.regs.r[AXV_X86_REG_R8]);
	cr_expect_eq(e.insn_len, 0);
	cr_expect_eq(rip(), RIP0 + 3, "RIP past VMCALL (0F 01 C1)");
}

Test(vmx_exit, hlt_blocks_past_the_instruction)
{
	cr_assert_eq(exit_with(AXV_VMX_EXIT_HLT, 0, 1), 0);
	cr_expect_eq(e.reason, AXV_EXIT_HALT);
	cr_expect_eq(rip(), RIP0 + 1);
}

Test(vmx_exit, io_instructions)
{
	/* OUT DX, AL to 0x3f8: size 0 (1 byte), OUT, DX operand */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_IO_INSTRUCTION, 0x03f80000, 1), 0);
	cr_expect_eq(e.reason, AXV_EXIT_IO_WRITE);
	cr_expect_eq(e.access.addr, 0x3f8);
	cr_expect_eq(e.access.width, 1);
	cr_expect_eq(e.access.data, 0x01);
	cr_expect_eq(e.insn_len, 1);
	/* IN EAX, 0x71 (immediate form bit 6): size 3 (4 bytes), IN */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_IO_INSTRUCTION, 0x00710000 | 0x40 | 0x8 | 3, 2), 0);
	cr_expect_eq(e.reason, AXV_EXIT_IO_READ);
	cr_expect_eq(e.access.addr, 0x71);
	cr_expect_eq(e.access.width, 4);
	cr_expect_eq(e.access.reg, AXV_X86_REG_RAX);
	cr_expect_eq(e.access.reg_width, 4);
	cr_expect_eq(e.access.flags, 0);
	cr_expect_eq(e.insn_len, 2);
	/* OUT DX, AX: 2 bytes */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_IO_INSTRUCTION, 0x00600001, 2), 0);
	cr_expect_eq(e.access.width, 2);
	cr_expect_eq(e.access.data, 0x0101);
	/* REP OUTSB: string + REP */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_IO_INSTRUCTION, 0x03f80000 | 0x10 | 0x20, 2), 0);
	cr_expect_eq(e.reason, AXV_EXIT_IO_WRITE);
	cr_expect_eq(e.access.flags, AXV_ACCESS_STRING | AXV_ACCESS_REP);
	cr_expect_eq(e.access.reg, AXV_REG_NONE);
	/* INSW without REP */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_IO_INSTRUCTION, 0x00600000 | 0x10 | 0x8 | 1, 1), 0);
	cr_expect_eq(e.reason, AXV_EXIT_IO_READ);
	cr_expect_eq(e.access.flags, AXV_ACCESS_STRING);
	/* size 2 (3 bytes) is not an encoding: unhandled, not a crash */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_IO_INSTRUCTION, 0x00600002, 1), 0);
	cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED);
}

static int t_set(void *ctx, unsigned r, uint64_t v)
{
	return axv_vmx_vcpu_ops.set_reg(ctx, r, v);
}
static int t_get(void *ctx, unsigned r, uint64_t *v)
{
	return axv_vmx_vcpu_ops.get_reg(ctx, r, v);
}
static int t_adv(void *ctx, uint8_t n)
{
	return axv_vmx_vcpu_ops.advance_pc(ctx, n);
}

Test(vmx_exit, msr_exits_complete_through_the_bus)
{
	struct axv_bus bus;
	struct axv_bus_entry slots[3];
	const size_t cap[AXV_BUS_SPACE_COUNT] = {1, 1, 1};
	cr_assert_eq(axv_bus_init(&bus, slots, cap), 0);
	cr_assert_eq(axv_bus_register(&bus, AXV_BUS_SYSREG, 0x1b, 1, &test_dev_ops, NULL), 0);
	struct axv_exit_target t = {t_set, t_adv, &vc, t_get};

	/* RDMSR IA32_APIC_BASE (1BH): EDX:EAX <- value, RAX/RDX upper halves cleared */
	vc.regs.r[AXV_X86_REG_RCX] = 0xdead00000000001bull;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_RDMSR, 0, 2), 0);
	cr_expect_eq(e.reason, AXV_EXIT_SYSREG_READ);
	cr_expect_eq(e.access.addr, 0x1b, "ECX only");
	cr_expect_eq(e.access.reg, AXV_X86_REG_EDX_EAX);
	cr_expect_eq(e.access.width, 8);
	test_dev.value = 0xfee00900aabbccddull;
	cr_assert_eq(axv_exit_complete(&bus, &t, &e), 0);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RAX], 0xaabbccdd);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RDX], 0xfee00900);
	cr_expect_eq(rip(), RIP0 + 2);

	/* WRMSR: EDX:EAX -> data */
	vc.regs.r[AXV_X86_REG_RAX] = 0xffffffff00000800ull;
	vc.regs.r[AXV_X86_REG_RDX] = 0xffffffff00000001ull;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_WRMSR, 0, 2), 0);
	cr_expect_eq(e.reason, AXV_EXIT_SYSREG_WRITE);
	cr_expect_eq(e.access.data, 0x0000000100000800ull);
	cr_assert_eq(axv_exit_complete(&bus, &t, &e), 0);
	cr_expect_eq(test_dev.written, 0x0000000100000800ull);
}

Test(vmx_exit, ept_violation_outside_mmio_is_a_nested_page_fault)
{
	sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, 0x12345678);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x2 | 0x8, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(e.npf.addr, 0x12345678);
	cr_expect_eq(e.npf.access, AXV_MAP_WRITE);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x1, 0), 0);
	cr_expect_eq(e.npf.access, AXV_MAP_READ);
	/* a fetch is never decoded as a device access */
	sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, 0xfee00000);
	memcpy(sim.code.bytes, (uint8_t[]){0x89, 0x08}, 2);
	sim.code.len = 2;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x4, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(e.npf.access, AXV_MAP_EXEC);
	cr_expect_eq(axv_vmx_decode_access(&vc, &e), AXV_ENOTSUP);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(sim.code.linear, 0);
}

/* A qualification with none of read, write, fetch (bits 2:0) made a nested page fault with
 * no access, which axv_addrspace_handle_fault() refuses: it is unhandled (found by the
 * vmx-exit fuzz harness). */
Test(vmx_exit, ept_violation_without_an_access_is_unhandled)
{
	sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, 0x12345678);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x8 | 0x80, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED);
	cr_expect_eq(e.unhandled.raw, AXV_VMX_EXIT_EPT_VIOLATION);
	cr_expect_eq(e.unhandled.info, 0x88);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x1 | 0x2, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT, "read-modify-write: both");
	cr_expect_eq(e.npf.access, AXV_MAP_READ | AXV_MAP_WRITE);
}

/* The resolver's decode hook (axv_vmx_decode_access()) turns the undecoded fault into the
 * access the instruction makes, fetched at CS base + RIP. */
Test(vmx_exit, ept_violation_at_a_device_is_decoded_on_demand)
{
	sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, 0xfee000b0);
	sim_vmcs_set(AXV_VMCS_GUEST_CS_BASE, 0x10);
	/* 32-bit code (CS.D): 89 08 = mov [eax], ecx */
	memcpy(sim.code.bytes, (uint8_t[]){0x89, 0x08, 0x90}, 3);
	sim.code.len = 3;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x2, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	e.gen = 77;
	cr_assert_eq(axv_vmx_decode_access(&vc, &e), 0);
	cr_expect_eq(sim.code.linear, RIP0 + 0x10, "CS base + RIP");
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_WRITE);
	cr_expect_eq(e.access.addr, 0xfee000b0);
	cr_expect_eq(e.access.width, 4);
	cr_expect_eq(e.access.data, 0x02020202);
	cr_expect_eq(e.insn_len, 2);
	cr_expect_eq(e.pc, RIP0);
	cr_expect_eq(e.gen, 77, "the exit's generation is kept");
	cr_expect_eq(rip(), RIP0, "decoding moves no RIP");
	/* 64-bit code (EFER.LMA, CS.L): 48 8b 05 disp32 = mov rax, [rip + disp] */
	sim_vmcs_set(AXV_VMCS_GUEST_IA32_EFER, 0x500);
	sim_vmcs_set(AXV_VMCS_GUEST_CS_AR, 0xa09b);
	memcpy(sim.code.bytes, (uint8_t[]){0x48, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00}, 7);
	sim.code.len = 7;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x1, 0), 0);
	cr_assert_eq(axv_vmx_decode_access(&vc, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_READ);
	cr_expect_eq(e.access.width, 8);
	cr_expect_eq(e.access.reg, AXV_X86_REG_RAX);
	cr_expect_eq(e.insn_len, 7);
	/* the fault says write, the bytes say load (changed after the fault): refused, the
	 * fault left as it was */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x2, 0), 0);
	struct axv_exit before = e;
	cr_expect_eq(axv_vmx_decode_access(&vc, &e), AXV_ENOTSUP);
	cr_expect_eq(memcmp(&before, &e, sizeof(e)), 0);
	/* bytes the decoder does not know, or no bytes */
	memcpy(sim.code.bytes, (uint8_t[]){0x0f, 0x0b}, 2);
	sim.code.len = 2;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x1, 0), 0);
	cr_expect_eq(axv_vmx_decode_access(&vc, &e), AXV_ENOTSUP);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	sim.code.len = 0;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x1, 0), 0);
	cr_expect_eq(axv_vmx_decode_access(&vc, &e), AXV_EFAULT);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	/* not a nested page fault; no vcpu */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_HLT, 0, 1), 0);
	cr_expect_eq(axv_vmx_decode_access(&vc, &e), AXV_EINVAL);
	cr_expect_eq(axv_vmx_decode_access(NULL, &e), AXV_EINVAL);
	/* the vcpu ops offer it as their decode hook */
	cr_expect_not_null(axv_vmx_vcpu_ops.decode);
}

/* An EPT misconfiguration has no access kind to resolve: unhandled, with the address. */
Test(vmx_exit, ept_misconfiguration)
{
	sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, 0x9000);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_MISCONFIG, 0, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED);
	cr_expect_eq(e.unhandled.raw, AXV_VMX_EXIT_EPT_MISCONFIG);
	cr_expect_eq(e.unhandled.info, 0x9000);
	sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, 0xfee00010);
	memcpy(sim.code.bytes, (uint8_t[]){0x88, 0x18}, 2);
	sim.code.len = 2;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_MISCONFIG, 0, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED);
	cr_expect_eq(e.unhandled.info, 0xfee00010);
	cr_expect_eq(sim.code.linear, 0, "nothing fetched");
}

/* CLTS on a CR0 that the processor refuses (bits 63:32 set: no VM entry leaves that, but
 * the VMCS is not the decoder's to trust) returned EINVAL from the decoder, whose other CR
 * paths inject #GP (found by the vmx-exit fuzz harness). */
Test(vmx_exit, clts_on_a_refused_cr0_injects_gp)
{
	sim_vmcs_set(AXV_VMCS_CR0_GUEST_HOST_MASK, 0);
	sim_vmcs_set(AXV_VMCS_GUEST_CR0, 0x100000031ull);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CR_ACCESS, 0x20, 2), 0, "decoding never fails");
	cr_expect_eq(e.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000b0d, "#GP(0)");
	cr_expect_eq(rip(), RIP0, "RIP unchanged");
}

Test(vmx_exit, cr_access)
{
	/* MOV CR0, RBX (type 0, CR 0, GPR 3): PG|PE|ET; NE forced, shadow as written */
	vc.regs.r[AXV_X86_REG_RBX] = 0x80000011;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CR_ACCESS, 0x300, 3), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_CR0), 0x80000031);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_CR0_READ_SHADOW), 0x80000011);
	cr_expect_eq(rip(), RIP0 + 3);
	/* PG without PE: #GP(0) (vector 13, type 3, error code), RIP unchanged */
	vc.regs.r[AXV_X86_REG_RBX] = 0x80000010;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CR_ACCESS, 0x300, 3), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000b0d);
	cr_expect_eq(rip(), RIP0 + 3);
	/* MOV CR4, RCX with VMXE: #GP */
	sim_vmcs_set(AXV_VMCS_ENTRY_INTR_INFO, 0);
	vc.regs.r[AXV_X86_REG_RCX] = 0x2000;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CR_ACCESS, 0x104, 3), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000b0d);
	/* MOV CR4, RCX = PAE|OSXSAVE: VMXE kept in the real CR4, hidden in the shadow */
	sim_vmcs_set(AXV_VMCS_ENTRY_INTR_INFO, 0);
	vc.regs.r[AXV_X86_REG_RCX] = 0x40020;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CR_ACCESS, 0x104, 3), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_CR4), 0x42020);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_CR4_READ_SHADOW), 0x40020);
	/* MOV CR3, RSP (GPR 4: synced from the VMCS by run) */
	vc.regs.r[AXV_X86_REG_RSP] = 0x9000;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CR_ACCESS, 0x403, 3), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_CR3), 0x9000);
	/* MOV RDX, CR3 (type 1, GPR 2) */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CR_ACCESS, 0x213, 3), 0);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RDX], 0x9000);
	/* CLTS (type 2) and LMSW (type 3, source data 31:16): LMSW cannot clear PE */
	sim_vmcs_set(AXV_VMCS_GUEST_CR0, 0x80000039); /* with TS */
	sim_vmcs_set(AXV_VMCS_CR0_READ_SHADOW, 0x80000019);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CR_ACCESS, 0x20, 2), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_CR0), 0x80000031);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CR_ACCESS, 0x30 | (0x0eull << 16), 3), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_CR0_READ_SHADOW), 0x8000001f, "PE stays, MP EM TS set");
	/* MOV to CR8: not emulated */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_CR_ACCESS, 0x008, 3), 0);
	cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED);
}

Test(vmx_exit, xsetbv)
{
	/* XCR0 = x87|SSE|AVX, ECX = 0, CPL 0 */
	vc.regs.r[AXV_X86_REG_RCX] = 0;
	vc.regs.r[AXV_X86_REG_RAX] = 7;
	vc.regs.r[AXV_X86_REG_RDX] = 0;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_XSETBV, 0, 3), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(vc.xcr0, 7);
	cr_expect_eq(rip(), RIP0 + 3);
	static const uint64_t bad[] = {0x6, 0x5, 0xf, 0x1ull << 32};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup();
		vc.regs.r[AXV_X86_REG_RCX] = 0;
		vc.regs.r[AXV_X86_REG_RAX] = (uint32_t)bad[i];
		vc.regs.r[AXV_X86_REG_RDX] = bad[i] >> 32;
		cr_assert_eq(exit_with(AXV_VMX_EXIT_XSETBV, 0, 3), 0);
		cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000b0d, "value %#llx",
			     (unsigned long long)bad[i]);
		cr_expect_eq(vc.xcr0, 1);
		cr_expect_eq(rip(), RIP0);
	}
	/* ECX != 0 and CPL 3 (SS.DPL) also #GP */
	setup();
	vc.regs.r[AXV_X86_REG_RCX] = 1;
	vc.regs.r[AXV_X86_REG_RAX] = 1;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_XSETBV, 0, 3), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000b0d);
	setup();
	vc.regs.r[AXV_X86_REG_RCX] = 0;
	vc.regs.r[AXV_X86_REG_RAX] = 1;
	sim_vmcs_set(AXV_VMCS_GUEST_SS_AR, 0xc0f3);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_XSETBV, 0, 3), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000b0d);
}

Test(vmx_exit, interrupts_and_nmis)
{
	/* external interrupt acknowledged on exit: vector from the interruption information */
	sim_vmcs_set(AXV_VMCS_EXIT_INTR_INFO, 0x80000041);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EXTERNAL_INTERRUPT, 0, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_EXTERNAL_IRQ);
	cr_expect_eq(e.external_irq.vector, 0x41);
	/* a host NMI (type 2) */
	sim_vmcs_set(AXV_VMCS_EXIT_INTR_INFO, 0x80000202);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EXCEPTION_NMI, 0, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_EXTERNAL_IRQ);
	cr_expect_eq(e.external_irq.vector, 2);
	/* a guest exception (#PF, type 3): not intercepted by this backend, unhandled */
	sim_vmcs_set(AXV_VMCS_EXIT_INTR_INFO, 0x80000b0e);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EXCEPTION_NMI, 0x1000, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_UNHANDLED);
	cr_expect_eq(e.unhandled.info, 0x80000b0e);
	/* interrupt window: exiting turned off again, run again */
	sim_vmcs_set(AXV_VMCS_PROC_BASED_CTLS, 0xb50065f2 | AXV_VMX_PROC_INTR_WINDOW_EXITING);
	/* bit 27 of the exit reason (exit from enclave mode) does not change the basic reason */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_INTERRUPT_WINDOW | (1u << 27), 0, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_PROC_BASED_CTLS), 0xb50065f2);
	sim_vmcs_set(AXV_VMCS_PROC_BASED_CTLS, 0xb50065f2 | (1u << 22));
	cr_assert_eq(exit_with(AXV_VMX_EXIT_NMI_WINDOW, 0, 0), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_PROC_BASED_CTLS), 0xb50065f2);
}

Test(vmx_exit, event_being_delivered_is_reinjected)
{
	/* an EPT violation while delivering vector 0x30, and one while delivering #GP(0x10) */
	sim_vmcs_set(AXV_VMCS_IDT_VECTORING_INFO, 0x80000030);
	sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, 0x7000);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x2, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000030);
	sim_vmcs_set(AXV_VMCS_IDT_VECTORING_INFO, 0x80000b0d);
	sim_vmcs_set(AXV_VMCS_IDT_VECTORING_ERROR_CODE, 0x10);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x2, 0), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000b0d);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_EXCEPTION_ERROR_CODE), 0x10);
	/* INT 0x80 (software interrupt, type 4) keeps its instruction length */
	sim_vmcs_set(AXV_VMCS_IDT_VECTORING_INFO, 0x80000480);
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x2, 2), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000480);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INSTRUCTION_LEN), 2);
}

Test(vmx_exit, entry_failures)
{
	/* 33 | bit 31: invalid guest state; 34: MSR loading; 41: machine check */
	static const uint32_t r[] = {0x80000021u, 0x80000022u, 0x80000029u, 0x80000000u};
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(exit_with(r[i], 0, 0), 0);
		cr_expect_eq(e.reason, AXV_EXIT_FAIL_ENTRY);
		cr_expect_eq(e.fail_entry.hw_reason, r[i]);
	}
	/* the same basic reasons without bit 31 are still reported as entry failures */
	cr_assert_eq(exit_with(AXV_VMX_EXIT_ENTRY_FAIL_GUEST, 0, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_FAIL_ENTRY);
}

Test(vmx_exit, decode_needs_a_loaded_vcpu)
{
	cr_expect_eq(axv_vmx_decode_exit(NULL, &e), AXV_EINVAL);
	cr_expect_eq(axv_vmx_decode_exit(&vc, NULL), AXV_EINVAL);
	axv_vmx_vcpu_ops.unbind(&vc);
	cr_expect_eq(axv_vmx_decode_exit(&vc, &e), AXV_ESTATE);
}

Test(vmx_exit, ept_violation_at_a_device_is_reported_undecoded)
{
	sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, 0xfee000b0);
	memcpy(sim.code.bytes, (uint8_t[]){0x89, 0x08, 0x90}, 3);
	sim.code.len = 3;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x2, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT, "reason %s", axv_exit_name(e.reason));
	cr_expect_eq(e.npf.addr, 0xfee000b0);
	cr_expect_eq(e.npf.access, AXV_MAP_WRITE);
	cr_expect_eq(sim.code.linear, 0, "no instruction fetched for the report");
}

/* Qualification bit 7 set, bit 8 clear (SDM Vol. 3C 28.2.1, Table 28-7): the access was to a
 * paging-structure entry of the guest's walk (or its A/D update), not the instruction's
 * operand. Reported as a walk; never decoded into an access of the instruction at RIP. With
 * bit 8 set it is the translation of the linear address: the operand, decoded as usual. */
Test(vmx_exit, a_fault_on_the_guests_page_walk_is_never_decoded)
{
	sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, 0xfee000b0);
	memcpy(sim.code.bytes, (uint8_t[]){0x89, 0x08, 0x90}, 3);
	sim.code.len = 3;
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x2 | 0x80, 0), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NESTED_PAGE_FAULT);
	cr_expect_eq(e.npf.flags, AXV_NPF_WALK, "flags %#x", e.npf.flags);
	struct axv_exit before = e;
	cr_expect_eq(axv_vmx_decode_access(&vc, &e), AXV_ENOTSUP);
	cr_expect_eq(memcmp(&before, &e, sizeof(e)), 0, "the fault is left as it was");
	cr_expect_eq(sim.code.linear, 0, "no instruction fetched");
	cr_assert_eq(exit_with(AXV_VMX_EXIT_EPT_VIOLATION, 0x2 | 0x80 | 0x100, 0), 0);
	cr_expect_eq(e.npf.flags, 0, "the operand's own translation");
	cr_expect_eq(axv_vmx_decode_access(&vc, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_MMIO_WRITE);
}
