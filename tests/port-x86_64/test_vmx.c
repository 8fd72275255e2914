/* x86_64 VMX backend: hardware enable against simulated MSRs and CPUID (with the failure
 * cases), VMCS setup values, run, and the vcpu ops. The simulation is test_vmx_sim.c.
 *
 * Facts checked, Intel SDM Vol. 3C/3D: 24.7 enable sequence; A.1 IA32_VMX_BASIC (revision
 * 30:0, size 44:32, memory type 53:50, TRUE controls bit 55, 32-bit limit bit 48); A.3-A.5
 * allowed-0 (low half) / allowed-1 (high half); A.7-A.8 fixed bits; 25.6.9 MSR bitmap
 * layout; 25.6.11 EPTP; 27.3.1 guest-state rules (unrestricted guest, TR busy TSS, link
 * pointer all ones). */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/x86_64_vmx.h>
#include <axv/err.h>

#include "test_vmx_sim.h"
#include "vmx_hw.h"

static uint8_t vmxon_page[4096] __attribute__((aligned(4096)));
static uint8_t vmcs_page[4096] __attribute__((aligned(4096)));
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static struct axv_vmx_cpu cpu;
static struct axv_vmx_vcpu vc;

#define VMXON_PA 0x100000ull
#define VMCS_PA 0x101000ull
#define BITMAP_PA 0x102000ull

static struct axv_vmx_cpu *current_cpu(void *arg)
{
	(void)arg;
	return &cpu;
}

static void setup(void)
{
	sim_reset();
	memset(&cpu, 0, sizeof(cpu));
	memset(vmxon_page, 0, sizeof(vmxon_page));
	memset(vmcs_page, 0, sizeof(vmcs_page));
	cpu.hw = &sim_hw;
	cpu.vmxon_va = vmxon_page;
	cpu.vmxon_pa = VMXON_PA;
}

static struct axv_vmx_vcpu_config config(enum axv_vmx_guest_mode mode)
{
	struct axv_vmx_vcpu_config c = {
		.current_cpu = current_cpu,
		.vmcs_va = vmcs_page,
		.vmcs_pa = VMCS_PA,
		.msr_bitmap_va = msr_bitmap,
		.msr_bitmap_pa = BITMAP_PA,
		.mode = mode,
	};
	return c;
}

/* An enabled cpu and a vcpu loaded on it. */
static void loaded(enum axv_vmx_guest_mode mode, axv_gpa_t entry)
{
	cr_assert_eq(axv_vmx_cpu_enable(&cpu), 0);
	cr_assert_eq(axv_vmx_vcpu_ops.create(&vc, 3), 0);
	struct axv_vmx_vcpu_config c = config(mode);
	cr_assert_eq(axv_vmx_vcpu_ops.setup(&vc, &c), 0);
	cr_assert_eq(axv_vmx_vcpu_ops.set_entry(&vc, entry), 0);
	cr_assert_eq(axv_vmx_vcpu_ops.set_nested_root(&vc, 0x200000), 0);
	cr_assert_eq(axv_vmx_vcpu_ops.bind(&vc), 0);
}

TestSuite(vmx, .init = setup);

/* ---- enable --------------------------------------------------------------------------- */

Test(vmx, enable_follows_the_sdm)
{
	cr_assert_eq(axv_vmx_cpu_enable(&cpu), 0);
	cr_expect_eq(sim_msr_get(AXV_MSR_IA32_FEATURE_CONTROL), 0x5, "lock + VMXON outside SMX");
	cr_expect_eq(sim.cr[4], 0x000006a0 | 0x2000 | 0x40000, "VMXE and OSXSAVE added");
	cr_expect_eq(sim.cr[0], 0x80050033, "CR0 already satisfied the fixed bits");
	cr_expect_eq(sim.vmxon_calls, 1);
	cr_expect_eq(sim.vmxon_pa, VMXON_PA);
	uint32_t rev;
	memcpy(&rev, vmxon_page, 4);
	cr_expect_eq(rev, 4, "revision id at the start of the VMXON region");
	cr_expect(cpu.on);
	cr_expect_eq(cpu.caps.revision, 4);
	cr_expect_eq(cpu.caps.region_size, 4096);
	/* TRUE controls were read (BASIC bit 55): procbased must1 without CR3 exiting */
	cr_expect_eq(cpu.caps.proc.must1, 0x04006172);
	cr_expect_eq(cpu.caps.proc.may1, 0xfff9fffe);
	cr_expect_eq(cpu.caps.exit.must1, 0x00036dfb);
	cr_expect_eq(cpu.caps.proc2.may1, 0x00553cfe);
	cr_expect_eq(cpu.caps.ept_vpid, 0x00000f0106734141ull);
	cr_expect(cpu.caps.xsave);
	cr_expect_eq(cpu.caps.xcr0_supported, 7);
	cr_expect_eq(cpu.host_xcr0, 7);
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_EALREADY);
}

Test(vmx, enable_without_true_controls_reads_the_plain_msrs)
{
	sim_msr_set(AXV_MSR_IA32_VMX_BASIC, 4ull | (4096ull << 32) | (6ull << 50));
	cr_assert_eq(axv_vmx_cpu_enable(&cpu), 0);
	cr_expect_eq(cpu.caps.proc.must1, 0x0401e172, "CR3 load/store exiting forced");
	cr_expect_eq(cpu.caps.exit.must1, 0x00036dff);
}

Test(vmx, enable_fails_without_vmx)
{
	sim.cpuid1[2] &= ~(1u << 5);
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_ENOTSUP);
	cr_expect_eq(sim.vmxon_calls, 0);
	cr_expect_eq(sim.cr_writes, 0, "nothing changed");
	cr_expect_eq(sim.msr_writes, 0);
	cr_expect(!cpu.on);
}

Test(vmx, feature_control_locked_without_vmxon_is_refused)
{
	sim_msr_set(AXV_MSR_IA32_FEATURE_CONTROL, AXV_FEATURE_CONTROL_LOCK);
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_EPERM);
	cr_expect_eq(sim.msr_writes, 0, "a locked MSR is not written");
	cr_expect_eq(sim.cr_writes, 0);
	cr_expect_eq(sim.vmxon_calls, 0);
	/* Locked with only the inside-SMX bit: still refused */
	sim_msr_set(AXV_MSR_IA32_FEATURE_CONTROL, AXV_FEATURE_CONTROL_LOCK | AXV_FEATURE_CONTROL_VMX_SMX);
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_EPERM);
}

Test(vmx, feature_control_locked_with_vmxon_is_used_as_is)
{
	sim_msr_set(AXV_MSR_IA32_FEATURE_CONTROL, AXV_FEATURE_CONTROL_LOCK | AXV_FEATURE_CONTROL_VMX);
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), 0);
	cr_expect_eq(sim.msr_writes, 0);
}

Test(vmx, feature_control_write_that_does_not_stick_is_refused)
{
	sim.feature_control_sticky = false;
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_EPERM);
	cr_expect_eq(sim.vmxon_calls, 0);
}

Test(vmx, wrong_fixed_bits_are_refused)
{
	/* CR0 without PG where CR0_FIXED0 demands it */
	sim.cr[0] = 0x00000031;
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_ENOTSUP);
	cr_expect_eq(sim.cr_writes, 0);
	cr_expect_eq(sim.vmxon_calls, 0);
	/* CR4 with a bit CR4_FIXED1 forbids */
	setup();
	sim.cr[4] |= 1ull << 23;
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_ENOTSUP);
	/* CR4_FIXED1 without VMXE: VMX cannot be entered */
	setup();
	sim_msr_set(AXV_MSR_IA32_VMX_CR4_FIXED1, 0x3747ff & ~0x2000ull);
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_ENOTSUP);
	/* CR0 fixed bits not met by a host that has NE clear: NE is set by enable */
	setup();
	sim.cr[0] = 0x80050013;
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), 0);
	cr_expect_eq(sim.cr[0], 0x80050033);
}

Test(vmx, basic_msr_limits)
{
	/* region size 8 KiB */
	sim_msr_set(AXV_MSR_IA32_VMX_BASIC, 4ull | (8192ull << 32) | (6ull << 50));
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_ENOTSUP);
	/* uncacheable regions */
	sim_msr_set(AXV_MSR_IA32_VMX_BASIC, 4ull | (4096ull << 32));
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_ENOTSUP);
	/* 32-bit physical addresses only, region above 4 GiB */
	sim_msr_set(AXV_MSR_IA32_VMX_BASIC, 4ull | (4096ull << 32) | (6ull << 50) | (1ull << 48));
	cpu.vmxon_pa = 0x100000000ull;
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_ENOTSUP);
	cr_expect_eq(sim.vmxon_calls, 0);
	cpu.vmxon_pa = 0x1000;
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), 0);
}

Test(vmx, vmxon_failure_restores_cr4)
{
	sim.vmxon_rc = AXV_EIO;
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_EIO);
	cr_expect_eq(sim.cr[4], 0x000006a0);
	cr_expect(!cpu.on);
}

Test(vmx, vmxe_already_set_is_busy)
{
	sim.cr[4] |= AXV_X86_CR4_VMXE;
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_EBUSY);
	cr_expect_eq(sim.vmxon_calls, 0);
}

Test(vmx, enable_without_xsave_leaves_osxsave)
{
	sim.cpuid1[2] &= ~(1u << 26);
	cr_assert_eq(axv_vmx_cpu_enable(&cpu), 0);
	cr_expect_eq(sim.cr[4], 0x000006a0 | 0x2000);
	cr_expect(!cpu.caps.xsave);
}

Test(vmx, bad_arguments)
{
	cr_expect_eq(axv_vmx_cpu_enable(NULL), AXV_EINVAL);
	cpu.vmxon_pa = 0x100010;
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_EINVAL);
	cpu.vmxon_pa = VMXON_PA;
	cpu.vmxon_va = NULL;
	cr_expect_eq(axv_vmx_cpu_enable(&cpu), AXV_EINVAL);
	cr_expect_eq(axv_vmx_cpu_disable(&cpu), AXV_ESTATE);
}

Test(vmx, disable_undoes_enable)
{
	cr_assert_eq(axv_vmx_cpu_enable(&cpu), 0);
	cr_assert_eq(axv_vmx_cpu_disable(&cpu), 0);
	cr_expect_eq(sim.vmxoff_calls, 1);
	cr_expect_eq(sim.cr[4], 0x000006a0, "VMXE and the OSXSAVE enable added are cleared");
	cr_expect(!cpu.on);
	cr_expect_eq(axv_vmx_cpu_disable(&cpu), AXV_ESTATE);
	/* through the per-cpu ops */
	cr_expect_eq(axv_vmx_percpu_ops.hardware_enable(&cpu), 0);
	cr_expect_eq(axv_vmx_percpu_ops.hardware_disable(&cpu), 0);
	cr_expect_eq(sim.vmxoff_calls, 2);
}

Test(vmx, adjust_ctl)
{
	struct axv_vmx_ctl_cap c = {.must1 = 0x16, .may1 = 0x7f};
	uint32_t out = 0;
	cr_expect_eq(axv_vmx_adjust_ctl(&c, 0x9, 0x9, &out), 0);
	cr_expect_eq(out, 0x1f, "must-1 bits forced on");
	cr_expect_eq(axv_vmx_adjust_ctl(&c, 0x109, 0x9, &out), 0);
	cr_expect_eq(out, 0x1f, "an optional bit not allowed is dropped");
	out = 0x1234;
	cr_expect_eq(axv_vmx_adjust_ctl(&c, 0x109, 0x109, &out), AXV_ENOTSUP);
	cr_expect_eq(out, 0x1234, "untouched on failure");
}

/* ---- VMCS setup ----------------------------------------------------------------------- */

Test(vmx, vmcs_controls_from_the_capability_msrs)
{
	loaded(AXV_VMX_GUEST_FLAT32, 0x100000);
	cr_expect_eq(sim.current, VMCS_PA);
	cr_expect_eq(sim.vmclear_calls, 1, "first load: VMCLEAR, then VMPTRLD");
	uint32_t rev;
	memcpy(&rev, vmcs_page, 4);
	cr_expect_eq(rev, 4);
	/* pin: EXT INTR (0) + NMI (3) + must1 0x16 */
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_PIN_BASED_CTLS), 0x1f);
	/* primary: HLT, MWAIT, uncond. I/O, MSR bitmaps, MONITOR, secondary + TRUE must1 */
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_PROC_BASED_CTLS), 0xb50065f2);
	/* secondary: EPT (1), RDTSCP (3), unrestricted (7), INVPCID (12) */
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_PROC_BASED_CTLS2), 0x108a);
	/* exit: host 64-bit (9), ack intr (15), save/load PAT (18, 19), save/load EFER (20, 21) */
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_EXIT_CTLS), 0x3feffb);
	/* entry: load PAT (14), load EFER (15), not IA-32e + must1 0x11fb */
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_CTLS), 0xd1fb);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_EXCEPTION_BITMAP), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_MSR_BITMAP), BITMAP_PA);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_LINK_POINTER), ~0ull);
	/* EPTP: root | WB (6) | walk length 4 - 1 = 3 in bits 5:3 */
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_EPT_POINTER), 0x200000 | 6 | (3 << 3));
}

Test(vmx, vmcs_guest_state_flat32)
{
	loaded(AXV_VMX_GUEST_FLAT32, 0x100000);
	/* CR0: guest wants PE|ET; NE forced by CR0_FIXED0 (PE/PG exempt: unrestricted) */
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_CR0), 0x31);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_CR0_READ_SHADOW), 0x11);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_CR0_GUEST_HOST_MASK), 0x20);
	/* CR4: VMXE forced and hidden; bits CR4_FIXED1 forbids are host-owned */
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_CR4), 0x2000);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_CR4_READ_SHADOW), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_CR4_GUEST_HOST_MASK), 0xffc8b800);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_RIP), 0x100000);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_RFLAGS), 2);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_DR7), 0x400);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_IA32_PAT), 0x0007040600070406ull);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_IA32_EFER), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_CS_SELECTOR), 0x08);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_CS_AR), 0xc09b);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_ES_LIMIT + 2), 0xffffffffu, "CS limit");
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_SS_AR), 0xc093);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_ES_AR + 12), 0x10000, "LDTR unusable");
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_ES_AR + 14), 0x8b, "TR busy 32-bit TSS");
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_ACTIVITY_STATE), 0);
	/* host state */
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_HOST_RIP), SIM_EXIT_RIP);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_HOST_CR0), 0x80050033);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_HOST_CR3), 0x1000);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_HOST_CR4), 0x000006a0 | 0x2000 | 0x40000);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_HOST_CS_SELECTOR), 0x10);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_HOST_TR_SELECTOR), 0x40);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_HOST_TR_BASE), 0x3000);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_HOST_IDTR_BASE), 0x5000);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_HOST_IA32_EFER), 0xd01);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_HOST_SYSENTER_CS), 0x10);
}

Test(vmx, vmcs_guest_state_real_mode)
{
	loaded(AXV_VMX_GUEST_REAL, 0xf0010);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_CR0), 0x30, "PE clear: unrestricted guest");
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_CR0_READ_SHADOW), 0x10);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_CS_SELECTOR), 0xf000);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_CS_BASE), 0xf0000);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_RIP), 0x10);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_CS_AR), 0x9b);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_ES_LIMIT + 2), 0xffff);
}

Test(vmx, vmcs_without_ept_or_unrestricted_guest_is_refused)
{
	cr_assert_eq(axv_vmx_cpu_enable(&cpu), 0);
	cpu.caps.proc2.may1 &= ~AXV_VMX_PROC2_UNRESTRICTED_GUEST;
	cr_assert_eq(axv_vmx_vcpu_ops.create(&vc, 0), 0);
	struct axv_vmx_vcpu_config c = config(AXV_VMX_GUEST_FLAT32);
	cr_assert_eq(axv_vmx_vcpu_ops.setup(&vc, &c), 0);
	cr_expect_eq(axv_vmx_vcpu_ops.bind(&vc), AXV_ENOTSUP);
	cr_expect_eq(sim.current, ~0ull, "VMCLEARed again");
	cr_expect(vc.cpu == NULL);
	cpu.caps.proc2.may1 |= AXV_VMX_PROC2_UNRESTRICTED_GUEST;
	cpu.caps.ept_vpid &= ~(1ull << 6); /* no 4-level EPT walks */
	cr_expect_eq(axv_vmx_vcpu_ops.bind(&vc), AXV_ENOTSUP);
}

Test(vmx, bind_needs_an_enabled_cpu_and_a_setup)
{
	cr_assert_eq(axv_vmx_vcpu_ops.create(&vc, 0), 0);
	cr_expect_eq(axv_vmx_vcpu_ops.bind(&vc), AXV_ESTATE);
	struct axv_vmx_vcpu_config c = config(AXV_VMX_GUEST_FLAT32);
	cr_assert_eq(axv_vmx_vcpu_ops.setup(&vc, &c), 0);
	cr_expect_eq(axv_vmx_vcpu_ops.bind(&vc), AXV_ESTATE, "cpu not enabled");
	c.vmcs_pa = 0x1234;
	cr_expect_eq(axv_vmx_vcpu_ops.setup(&vc, &c), AXV_EINVAL);
	c = config(7);
	cr_expect_eq(axv_vmx_vcpu_ops.setup(&vc, &c), AXV_EINVAL);
	cr_expect_eq(axv_vmx_vcpu_ops.setup(&vc, NULL), AXV_EINVAL);
}

Test(vmx, msr_bitmap)
{
	loaded(AXV_VMX_GUEST_FLAT32, 0x100000);
	/* 25.6.9: read-low bitmap at 0, read-high at 1024, write-low at 2048, write-high 3072 */
	cr_expect_eq(msr_bitmap[0x10 / 8] & (1u << (0x10 % 8)), 1u << 0, "TSC reads exit");
	cr_expect_eq(msr_bitmap[0x174 / 8] & (1u << (0x174 % 8)), 0, "SYSENTER_CS passes");
	cr_expect_eq(msr_bitmap[2048 + 0x174 / 8] & (1u << (0x174 % 8)), 0);
	cr_expect_eq(msr_bitmap[1024 + 0x100 / 8] & 1u, 0, "FS_BASE read passes");
	cr_expect_eq(msr_bitmap[3072 + 0x100 / 8] & 1u, 0, "FS_BASE write passes");
	cr_expect_eq(msr_bitmap[1024 + 0x80 / 8] & 1u, 0, "EFER passes (load/save controls)");
	cr_expect_eq(msr_bitmap[1024 + 0x102 / 8] & (1u << 2), 1u << 2, "KERNEL_GS_BASE exits");
	cr_expect_eq(msr_bitmap[0x277 / 8] & (1u << (0x277 % 8)), 0, "PAT passes with the PAT controls");
	cr_expect_eq(axv_vmx_msr_passthrough(&vc, 0x10, true, false), 0);
	cr_expect_eq(msr_bitmap[0x10 / 8] & 1u, 0);
	cr_expect_eq(msr_bitmap[2048 + 0x10 / 8] & 1u, 1u, "TSC writes still exit");
	cr_expect_eq(axv_vmx_msr_passthrough(&vc, 0x40000000, true, true), AXV_ERANGE);
}

Test(vmx, unbind_clears_and_rebind_relaunches)
{
	loaded(AXV_VMX_GUEST_FLAT32, 0x100000);
	vc.launched = true;
	cr_assert_eq(axv_vmx_vcpu_ops.unbind(&vc), 0);
	cr_expect_eq(sim.current, ~0ull);
	cr_expect(!vc.launched, "after VMCLEAR the next entry is VMLAUNCH");
	unsigned clears = sim.vmclear_calls;
	sim_vmcs_set(AXV_VMCS_GUEST_RIP, 0x100042); /* state kept in the VMCS */
	cr_assert_eq(axv_vmx_vcpu_ops.bind(&vc), 0);
	cr_expect_eq(sim.vmclear_calls, clears, "no second VMCLEAR on rebind");
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_RIP), 0x100042, "guest state not reset");
	/* set_nested_root while loaded: EPTP rewritten and INVEPT single-context (cap bit 25) */
	cr_assert_eq(axv_vmx_vcpu_ops.set_nested_root(&vc, 0x300000), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_EPT_POINTER), 0x300000 | 0x1e);
	cr_expect_eq(sim.invept_calls, 1);
	cr_expect_eq(sim.invept_type, 1);
	cr_expect_eq(axv_vmx_vcpu_ops.set_nested_root(&vc, 0x300010), AXV_EINVAL);
}

/* ---- run ------------------------------------------------------------------------------- */

static void guest_hlt(struct sim *s, struct axv_x86_gprs *g)
{
	(void)s;
	g->r[AXV_X86_REG_RBX] = 0xb0b;
	sim_vmcs_set(AXV_VMCS_EXIT_REASON, AXV_VMX_EXIT_HLT);
	sim_vmcs_set(AXV_VMCS_EXIT_INSTRUCTION_LEN, 1);
	sim_vmcs_set(AXV_VMCS_GUEST_RSP, 0x7000);
}

Test(vmx, run_enters_decodes_and_resumes)
{
	loaded(AXV_VMX_GUEST_FLAT32, 0x100000);
	vc.regs.r[AXV_X86_REG_RSP] = 0x8000;
	vc.xcr0 = 3;
	sim.guest = guest_hlt;
	struct axv_exit e;
	cr_assert_eq(axv_vmx_vcpu_ops.run(&vc, &e), 0);
	cr_expect_eq(sim.last_resume, false, "first entry: VMLAUNCH");
	cr_expect_eq(e.reason, AXV_EXIT_HALT);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RBX], 0xb0b, "registers saved at exit");
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RSP], 0x7000, "RSP read back from the VMCS");
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_RIP), 0x100001, "past the HLT");
	cr_expect_eq(sim.xsetbv_calls, 2, "guest XCR0 around the entry");
	cr_expect_eq(sim.xcr0, 7, "host XCR0 back");
	cr_assert_eq(axv_vmx_vcpu_ops.run(&vc, &e), 0);
	cr_expect_eq(sim.last_resume, true, "then VMRESUME");
}

static void guest_long_mode(struct sim *s, struct axv_x86_gprs *g)
{
	(void)s;
	(void)g;
	sim_vmcs_set(AXV_VMCS_GUEST_IA32_EFER, 0x500); /* LME | LMA */
	sim_vmcs_set(AXV_VMCS_EXIT_REASON, AXV_VMX_EXIT_PAUSE);
}

Test(vmx, run_keeps_ia32e_mode_guest_equal_to_efer_lma)
{
	loaded(AXV_VMX_GUEST_FLAT32, 0x100000);
	sim.guest = guest_long_mode;
	struct axv_exit e;
	cr_assert_eq(axv_vmx_vcpu_run(&vc, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_NOTHING);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_CTLS), 0xd1fb | AXV_VMX_ENTRY_IA32E_MODE);
}

Test(vmx, failed_entry_reports_the_instruction_error)
{
	loaded(AXV_VMX_GUEST_FLAT32, 0x100000);
	sim.enter_rc = AXV_EFAULT; /* VMfailValid */
	sim_vmcs_set(AXV_VMCS_VM_INSTRUCTION_ERROR, 7); /* invalid control fields (31.4) */
	struct axv_exit e;
	cr_assert_eq(axv_vmx_vcpu_run(&vc, &e), 0);
	cr_expect_eq(e.reason, AXV_EXIT_FAIL_ENTRY);
	cr_expect_eq(e.fail_entry.hw_reason, 7);
	cr_expect_eq(e.pc, 0x100000);
	cr_expect(!vc.launched);
	sim.enter_rc = AXV_EIO; /* VMfailInvalid */
	cr_assert_eq(axv_vmx_vcpu_run(&vc, &e), 0);
	cr_expect_eq(e.fail_entry.hw_reason, 0);
	axv_vmx_vcpu_ops.unbind(&vc);
	cr_expect_eq(axv_vmx_vcpu_run(&vc, &e), AXV_ESTATE);
}

/* ---- injection -------------------------------------------------------------------------- */

Test(vmx, inject_waits_for_an_interrupt_window)
{
	loaded(AXV_VMX_GUEST_FLAT32, 0x100000);
	/* IF = 0: not now; interrupt-window exiting requested */
	cr_expect_eq(axv_vmx_vcpu_ops.inject(&vc, 0x30, 0), AXV_ENOSPC);
	cr_expect(sim_vmcs_get(AXV_VMCS_PROC_BASED_CTLS) & AXV_VMX_PROC_INTR_WINDOW_EXITING);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0);
	/* IF = 1 but blocked by STI */
	sim_vmcs_set(AXV_VMCS_GUEST_RFLAGS, 0x202);
	sim_vmcs_set(AXV_VMCS_GUEST_INTERRUPTIBILITY, 1);
	cr_expect_eq(axv_vmx_vcpu_ops.inject(&vc, 0x30, 0), AXV_ENOSPC);
	/* open: vector | type 0 (external) << 8 | valid */
	sim_vmcs_set(AXV_VMCS_GUEST_INTERRUPTIBILITY, 0);
	cr_expect_eq(axv_vmx_vcpu_ops.inject(&vc, 0x30, 0), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000030);
	/* one event per entry */
	cr_expect_eq(axv_vmx_vcpu_ops.inject(&vc, 0x31, 0), AXV_ENOSPC);
	cr_expect_eq(axv_vmx_vcpu_ops.inject(&vc, 8, 0), AXV_EINVAL, "exceptions are not interrupts");
	cr_expect_eq(axv_vmx_vcpu_ops.inject(&vc, 256, 0), AXV_EINVAL);
	/* a hardware exception with an error code */
	sim_vmcs_set(AXV_VMCS_ENTRY_INTR_INFO, 0);
	cr_expect_eq(axv_vmx_inject_event(&vc, 13, AXV_VMX_INTR_TYPE_HW_EXC, true, 0x18), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_INTR_INFO), 0x80000b0d);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_ENTRY_EXCEPTION_ERROR_CODE), 0x18);
	cr_expect_eq(axv_vmx_inject_event(&vc, 13, AXV_VMX_INTR_TYPE_HW_EXC, false, 0), AXV_EBUSY);
	cr_expect_eq(axv_vmx_inject_event(&vc, 3, AXV_VMX_INTR_TYPE_SW_EXC, false, 0), AXV_EINVAL);
}

Test(vmx, registers_and_pc)
{
	loaded(AXV_VMX_GUEST_FLAT32, 0x100000);
	cr_expect_eq(axv_vmx_vcpu_ops.set_reg(&vc, AXV_X86_REG_EDX_EAX, 0x1122334455667788ull), 0);
	uint64_t v;
	cr_expect_eq(axv_vmx_vcpu_ops.get_reg(&vc, AXV_X86_REG_RDX, &v), 0);
	cr_expect_eq(v, 0x11223344);
	/* The return register is RAX, written by the library's default set_retval. */
	cr_expect_null(axv_vmx_vcpu_ops.set_retval);
	cr_expect_eq(axv_vmx_vcpu_ops.retval_reg, AXV_VCPU_RETVAL_REG(AXV_X86_REG_RAX));
	cr_expect_eq(axv_vmx_vcpu_ops.set_reg(&vc, axv_vmx_vcpu_ops.retval_reg - 1u, 42), 0);
	cr_expect_eq(vc.regs.r[AXV_X86_REG_RAX], 42);
	cr_expect_eq(axv_vmx_vcpu_ops.get_reg(&vc, 99, &v), AXV_EINVAL);
	sim_vmcs_set(AXV_VMCS_GUEST_INTERRUPTIBILITY, 2); /* MOV SS blocking */
	sim_vmcs_set(AXV_VMCS_EXIT_INSTRUCTION_LEN, 2);
	cr_expect_eq(axv_vmx_vcpu_ops.advance_pc(&vc, 0), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_RIP), 0x100002, "length from the VMCS");
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_INTERRUPTIBILITY), 0, "blocking ends");
	cr_expect_eq(axv_vmx_vcpu_ops.advance_pc(&vc, 3), 0);
	cr_expect_eq(sim_vmcs_get(AXV_VMCS_GUEST_RIP), 0x100005);
}

/* ---- field encodings -------------------------------------------------------------------- */

/* Appendix B / 25.11.2: bit 0 access type (0 = full), bits 11:10 type (0 control, 1 read-only
 * data, 2 guest state, 3 host state), bit 12 reserved, bits 14:13 width (0 16-bit, 1 64-bit,
 * 2 32-bit, 3 natural). Every named field must sit in the group its name says. */
Test(vmx, field_encodings_have_the_right_width_and_type)
{
	enum { W16 = 0, W64 = 1, W32 = 2, WN = 3, CTL = 0, RO = 1, GST = 2, HST = 3 };
	static const struct {
		uint32_t f;
		unsigned width, type;
		const char *name;
	} t[] = {
#define F(n, w, ty) {AXV_VMCS_##n, w, ty, #n}
		F(GUEST_ES_SELECTOR, W16, GST), F(GUEST_CS_SELECTOR, W16, GST),
		F(GUEST_TR_SELECTOR, W16, GST), F(HOST_ES_SELECTOR, W16, HST),
		F(HOST_CS_SELECTOR, W16, HST), F(HOST_SS_SELECTOR, W16, HST),
		F(HOST_DS_SELECTOR, W16, HST), F(HOST_FS_SELECTOR, W16, HST),
		F(HOST_GS_SELECTOR, W16, HST), F(HOST_TR_SELECTOR, W16, HST),
		F(MSR_BITMAP, W64, CTL), F(EPT_POINTER, W64, CTL),
		F(GUEST_PHYSICAL_ADDRESS, W64, RO), F(LINK_POINTER, W64, GST),
		F(GUEST_IA32_DEBUGCTL, W64, GST), F(GUEST_IA32_PAT, W64, GST),
		F(GUEST_IA32_EFER, W64, GST), F(HOST_IA32_PAT, W64, HST), F(HOST_IA32_EFER, W64, HST),
		F(PIN_BASED_CTLS, W32, CTL), F(PROC_BASED_CTLS, W32, CTL),
		F(EXCEPTION_BITMAP, W32, CTL), F(CR3_TARGET_COUNT, W32, CTL), F(EXIT_CTLS, W32, CTL),
		F(EXIT_MSR_STORE_COUNT, W32, CTL), F(EXIT_MSR_LOAD_COUNT, W32, CTL),
		F(ENTRY_CTLS, W32, CTL), F(ENTRY_MSR_LOAD_COUNT, W32, CTL),
		F(ENTRY_INTR_INFO, W32, CTL), F(ENTRY_EXCEPTION_ERROR_CODE, W32, CTL),
		F(ENTRY_INSTRUCTION_LEN, W32, CTL), F(PROC_BASED_CTLS2, W32, CTL),
		F(VM_INSTRUCTION_ERROR, W32, RO), F(EXIT_REASON, W32, RO), F(EXIT_INTR_INFO, W32, RO),
		F(EXIT_INTR_ERROR_CODE, W32, RO), F(IDT_VECTORING_INFO, W32, RO),
		F(IDT_VECTORING_ERROR_CODE, W32, RO), F(EXIT_INSTRUCTION_LEN, W32, RO),
		F(GUEST_ES_LIMIT, W32, GST), F(GUEST_GDTR_LIMIT, W32, GST),
		F(GUEST_IDTR_LIMIT, W32, GST), F(GUEST_ES_AR, W32, GST), F(GUEST_CS_AR, W32, GST),
		F(GUEST_SS_AR, W32, GST), F(GUEST_INTERRUPTIBILITY, W32, GST),
		F(GUEST_ACTIVITY_STATE, W32, GST), F(GUEST_SYSENTER_CS, W32, GST),
		F(HOST_SYSENTER_CS, W32, HST), F(CR0_GUEST_HOST_MASK, WN, CTL),
		F(CR4_GUEST_HOST_MASK, WN, CTL), F(CR0_READ_SHADOW, WN, CTL),
		F(CR4_READ_SHADOW, WN, CTL), F(EXIT_QUALIFICATION, WN, RO),
		F(GUEST_LINEAR_ADDRESS, WN, RO), F(GUEST_CR0, WN, GST), F(GUEST_CR3, WN, GST),
		F(GUEST_CR4, WN, GST), F(GUEST_ES_BASE, WN, GST), F(GUEST_CS_BASE, WN, GST),
		F(GUEST_GDTR_BASE, WN, GST), F(GUEST_IDTR_BASE, WN, GST), F(GUEST_DR7, WN, GST),
		F(GUEST_RSP, WN, GST), F(GUEST_RIP, WN, GST), F(GUEST_RFLAGS, WN, GST),
		F(GUEST_PENDING_DBG, WN, GST), F(GUEST_SYSENTER_ESP, WN, GST),
		F(GUEST_SYSENTER_EIP, WN, GST), F(HOST_CR0, WN, HST), F(HOST_CR3, WN, HST),
		F(HOST_CR4, WN, HST), F(HOST_FS_BASE, WN, HST), F(HOST_GS_BASE, WN, HST),
		F(HOST_TR_BASE, WN, HST), F(HOST_GDTR_BASE, WN, HST), F(HOST_IDTR_BASE, WN, HST),
		F(HOST_SYSENTER_ESP, WN, HST), F(HOST_SYSENTER_EIP, WN, HST), F(HOST_RSP, WN, HST),
		F(HOST_RIP, WN, HST),
#undef F
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_expect_eq((t[i].f >> 13) & 3u, t[i].width, "%s width", t[i].name);
		cr_expect_eq((t[i].f >> 10) & 3u, t[i].type, "%s type", t[i].name);
		cr_expect_eq(t[i].f & 0x1001u, 0, "%s: full access, bit 12 clear", t[i].name);
		for (size_t j = 0; j < i; j++)
			cr_expect_neq(t[i].f, t[j].f, "%s duplicates %s", t[i].name, t[j].name);
	}
	/* The segment groups are 2 apart in ES, CS, SS, DS, FS, GS, LDTR, TR order (B.1.2). */
	cr_expect_eq(AXV_VMCS_GUEST_TR_SELECTOR, AXV_VMCS_GUEST_ES_SELECTOR + 14);
	cr_expect_eq(AXV_VMCS_GUEST_SS_AR, AXV_VMCS_GUEST_ES_AR + 4);
	cr_expect_eq(AXV_VMCS_GUEST_GDTR_BASE, AXV_VMCS_GUEST_ES_BASE + 16);
	cr_expect_eq(AXV_VMCS_HOST_TR_SELECTOR, AXV_VMCS_HOST_ES_SELECTOR + 12);
	cr_expect_eq(AXV_VMCS_HOST_IDTR_BASE, AXV_VMCS_HOST_FS_BASE + 8);
}
