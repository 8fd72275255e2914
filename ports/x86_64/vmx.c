/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VMX per-cpu enable and disable, capability MSRs, control adjustment. Plain C over
 * struct axv_vmx_hw: built into the port library and into the host tests.
 *
 * References: Intel SDM Vol. 3C 24.7 "Enabling and Entering VMX Operation", 24.8
 * "Restrictions on VMX Operation", 25.11.5 "VMXON Region"; Vol. 3D Appendix A.1 (BASIC),
 * A.3-A.5 (control capabilities: bits 31:0 allowed-0, bits 63:32 allowed-1), A.7-A.8 (fixed
 * bits), A.10 (EPT/VPID); Vol. 2A CPUID (leaf 1 ECX bit 5 VMX, bit 26 XSAVE; leaf 0DH).
 */
#include <axv/arch/x86_64_vmx.h>
#include <axv/err.h>

#include "vmx_priv.h"
#include "vmx_hw.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_XSAVE (1u << 26)

/* IA32_VMX_BASIC (A.1): 30:0 revision, 44:32 region size, 48 32-bit addresses only,
 * 53:50 memory type (6 = WB), 55 TRUE capability MSRs. */
#define BASIC_REVISION(b) ((uint32_t)((b) & 0x7fffffffu))
#define BASIC_SIZE(b) ((uint32_t)(((b) >> 32) & 0x1fffu))
#define BASIC_ADDR32 (1ull << 48)
#define BASIC_MEMTYPE(b) ((unsigned)(((b) >> 50) & 0xfu))
#define BASIC_TRUE_CTLS (1ull << 55)
#define MEMTYPE_WB 6u
#define PROC2_ENABLE_VPID (1u << 5)

static struct axv_vmx_ctl_cap ctl_cap(uint64_t msr)
{
	struct axv_vmx_ctl_cap c = {(uint32_t)msr, (uint32_t)(msr >> 32)};
	return c;
}

int axv_vmx_adjust_ctl(const struct axv_vmx_ctl_cap *cap, uint32_t want, uint32_t required,
		       uint32_t *out)
{
	if (!cap || !out)
		return AXV_EINVAL;
	uint32_t v = (want | cap->must1) & cap->may1;
	if ((v & required) != required)
		return AXV_ENOTSUP;
	*out = v;
	return 0;
}

static bool fixed_ok(uint64_t v, uint64_t fixed0, uint64_t fixed1)
{
	return (v & fixed0) == fixed0 && (v & ~fixed1) == 0;
}

static void read_caps(const struct axv_vmx_hw *hw, struct axv_vmx_caps *c, uint64_t basic)
{
	void *x = hw->ctx;
	bool tr = (basic & BASIC_TRUE_CTLS) != 0;
	c->basic = basic;
	c->revision = BASIC_REVISION(basic);
	c->region_size = BASIC_SIZE(basic);
	c->pin = ctl_cap(hw->rdmsr(x, tr ? AXV_MSR_IA32_VMX_TRUE_PINBASED_CTLS
				       : AXV_MSR_IA32_VMX_PINBASED_CTLS));
	c->proc = ctl_cap(hw->rdmsr(x, tr ? AXV_MSR_IA32_VMX_TRUE_PROCBASED_CTLS
					: AXV_MSR_IA32_VMX_PROCBASED_CTLS));
	c->exit = ctl_cap(hw->rdmsr(x, tr ? AXV_MSR_IA32_VMX_TRUE_EXIT_CTLS
					: AXV_MSR_IA32_VMX_EXIT_CTLS));
	c->entry = ctl_cap(hw->rdmsr(x, tr ? AXV_MSR_IA32_VMX_TRUE_ENTRY_CTLS
					 : AXV_MSR_IA32_VMX_ENTRY_CTLS));
	c->proc2 = ctl_cap(0);
	c->ept_vpid = 0;
	/* The secondary controls exist only if the primary may enable them (A.3.3), and the
	 * EPT/VPID MSR only if EPT or VPID may be enabled (A.10). */
	if (c->proc.may1 & AXV_VMX_PROC_SECONDARY) {
		c->proc2 = ctl_cap(hw->rdmsr(x, AXV_MSR_IA32_VMX_PROCBASED_CTLS2));
		if (c->proc2.may1 & (AXV_VMX_PROC2_ENABLE_EPT | PROC2_ENABLE_VPID))
			c->ept_vpid = hw->rdmsr(x, AXV_MSR_IA32_VMX_EPT_VPID_CAP);
	}
	c->cr0_fixed0 = hw->rdmsr(x, AXV_MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = hw->rdmsr(x, AXV_MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = hw->rdmsr(x, AXV_MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = hw->rdmsr(x, AXV_MSR_IA32_VMX_CR4_FIXED1);
}

int axv_vmx_cpu_enable(struct axv_vmx_cpu *cpu)
{
	if (!cpu || !cpu->hw || !cpu->vmxon_va || (cpu->vmxon_pa & 0xfffu))
		return AXV_EINVAL;
	if (cpu->on)
		return AXV_EALREADY;
	const struct axv_vmx_hw *hw = cpu->hw;
	void *x = hw->ctx;

	/* 24.6 "Discovering support for VMX": CPUID.1:ECX.VMX[bit 5]. */
	uint32_t r[4];
	hw->cpuid(x, 1, 0, r);
	if (!(r[2] & CPUID1_ECX_VMX))
		return AXV_ENOTSUP;
	bool xsave = (r[2] & CPUID1_ECX_XSAVE) != 0;

	uint64_t cr4 = hw->read_cr(x, 4);
	if (cr4 & AXV_X86_CR4_VMXE)
		return AXV_EBUSY; /* someone else's VMX operation, or a second enable */

	/* 24.7: VMXON faults unless IA32_FEATURE_CONTROL is locked with bit 2 set. Lock it
	 * ourselves when firmware left it unlocked. */
	uint64_t fc = hw->rdmsr(x, AXV_MSR_IA32_FEATURE_CONTROL);
	if (!(fc & AXV_FEATURE_CONTROL_LOCK)) {
		hw->wrmsr(x, AXV_MSR_IA32_FEATURE_CONTROL,
			  fc | AXV_FEATURE_CONTROL_LOCK | AXV_FEATURE_CONTROL_VMX);
		fc = hw->rdmsr(x, AXV_MSR_IA32_FEATURE_CONTROL);
	}
	if (!(fc & AXV_FEATURE_CONTROL_LOCK) || !(fc & AXV_FEATURE_CONTROL_VMX))
		return AXV_EPERM; /* disabled by firmware */

	/* A.1: the regions we hand out are one 4 KiB write-back page. */
	uint64_t basic = hw->rdmsr(x, AXV_MSR_IA32_VMX_BASIC);
	struct axv_vmx_caps caps = {0};
	read_caps(hw, &caps, basic);
	if (caps.region_size == 0 || caps.region_size > 4096u ||
	    BASIC_MEMTYPE(basic) != MEMTYPE_WB)
		return AXV_ENOTSUP;
	if ((basic & BASIC_ADDR32) && (cpu->vmxon_pa >> 32))
		return AXV_ENOTSUP;

	/* 24.8 and A.7/A.8: CR0 and CR4 within the fixed bits. CR0.NE is the one CR0 bit set
	 * here (harmless for a 64-bit host); anything else is the host's to fix. */
	uint64_t cr0 = hw->read_cr(x, 0);
	uint64_t new_cr0 = cr0 | (caps.cr0_fixed0 & AXV_X86_CR0_NE);
	uint64_t add4 = AXV_X86_CR4_VMXE | (xsave ? AXV_X86_CR4_OSXSAVE : 0);
	uint64_t new_cr4 = cr4 | add4;
	if (!fixed_ok(new_cr0, caps.cr0_fixed0, caps.cr0_fixed1) ||
	    !fixed_ok(new_cr4, caps.cr4_fixed0, caps.cr4_fixed1))
		return AXV_ENOTSUP;
	if (xsave) {
		hw->cpuid(x, 0xd, 0, r);
		caps.xsave = true;
		caps.xcr0_supported = ((uint64_t)r[3] << 32) | r[0];
	}

	if (new_cr0 != cr0)
		hw->write_cr(x, 0, new_cr0);
	hw->write_cr(x, 4, new_cr4);
	cpu->host_xcr0 = xsave ? hw->xgetbv(x, 0) : 0;

	/* 25.11.5: the VMXON region starts with the revision identifier, bit 31 clear. */
	uint32_t *region = cpu->vmxon_va;
	region[0] = caps.revision;
	int rc = hw->vmxon(x, cpu->vmxon_pa);
	if (rc != 0) {
		hw->write_cr(x, 4, cr4);
		return AXV_EIO;
	}
	cpu->caps = caps;
	cpu->cr4_before = cr4;
	cpu->on = true;
	return 0;
}

int axv_vmx_cpu_disable(struct axv_vmx_cpu *cpu)
{
	if (!cpu || !cpu->hw)
		return AXV_EINVAL;
	if (!cpu->on)
		return AXV_ESTATE;
	const struct axv_vmx_hw *hw = cpu->hw;
	if (hw->vmxoff(hw->ctx) != 0)
		return AXV_EIO;
	/* Clear only what enable added; leave the host's other CR4 changes alone. */
	uint64_t added = (AXV_X86_CR4_VMXE | AXV_X86_CR4_OSXSAVE) & ~cpu->cr4_before;
	hw->write_cr(hw->ctx, 4, hw->read_cr(hw->ctx, 4) & ~added);
	cpu->on = false;
	return 0;
}
