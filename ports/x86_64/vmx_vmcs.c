/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VMCS setup for a guest with EPT and unrestricted guest: controls adjusted to the
 * capability MSRs, guest state for a flat 32-bit or real-mode start, host state, the MSR
 * bitmap, event injection. Plain C over struct axv_vmx_hw (host-tested).
 *
 * References: Intel SDM Vol. 3C 25.4 (guest-state area), 25.5 (host-state area), 25.6
 * (execution controls; 25.6.6 CR0/CR4 guest/host masks and read shadows, 25.6.9 MSR
 * bitmaps, 25.6.11 EPTP), 25.7/25.8 (exit and entry controls; 25.8.3 event injection),
 * 27.3.1 (guest-state checks: unrestricted guest exempts CR0.PE and CR0.PG from the fixed
 * bits; TR must be a busy TSS; the link pointer is all ones), 10.1.1 (reset state: PAT,
 * DR7, RFLAGS), Vol. 3D Appendix A.
 */
#include "vmx_priv.h"
#include "vmx_hw.h"

/* Segment access rights (25.4.1, Table 25-2): type 3:0, S 4, DPL 6:5, P 7, L 13, D/B 14,
 * G 15, unusable 16. */
#define AR_CODE32 0xc09bu /* execute/read, accessed, S, P, D, G */
#define AR_DATA32 0xc093u /* read/write, accessed, S, P, D, G */
#define AR_CODE16 0x009bu
#define AR_DATA16 0x0093u
#define AR_TSS_BUSY 0x008bu /* 32-bit busy TSS, P */
#define AR_UNUSABLE 0x10000u
#define PAT_RESET 0x0007040600070406ull
#define RFLAGS_RESERVED1 0x2u
#define DR7_RESET 0x400u
#define CR0_CD (1ull << 30)
#define CR0_NW (1ull << 29)
#define CR4_PAE (1ull << 5)

/* EPT/VPID capabilities needed (A.10): 4-level walks (bit 6), WB paging structures (bit 14). */
#define EPT_CAP_WALK4 (1ull << 6)
#define EPT_CAP_WB (1ull << 14)

#define W VMX_W

int axv_vmx_set_guest_cr(struct axv_vmx_vcpu *v, unsigned cr, uint64_t val)
{
	const struct axv_vmx_caps *c = &v->cpu->caps;
	uint64_t f0, f1;
	uint32_t real_f, shadow_f, mask_f;
	if (cr == 0) {
		/* #GP on MOV to CR0 (Vol. 2B MOV CR): PG without PE, NW without CD. */
		if (((val & AXV_X86_CR0_PG) && !(val & AXV_X86_CR0_PE)) ||
		    ((val & CR0_NW) && !(val & CR0_CD)) || (val >> 32))
			return AXV_EINVAL;
		/* Unrestricted guest: PE and PG need not follow the fixed bits (27.3.1.1). */
		f0 = c->cr0_fixed0 & ~(AXV_X86_CR0_PE | AXV_X86_CR0_PG);
		f1 = c->cr0_fixed1;
		real_f = AXV_VMCS_GUEST_CR0;
		shadow_f = AXV_VMCS_CR0_READ_SHADOW;
		mask_f = AXV_VMCS_CR0_GUEST_HOST_MASK;
	} else if (cr == 4) {
		if (val & AXV_X86_CR4_VMXE)
			return AXV_EINVAL; /* no nested VMX: the guest never sees VMX in CPUID */
		f0 = c->cr4_fixed0;
		f1 = c->cr4_fixed1;
		if (val & ~f1 & ~AXV_X86_CR4_VMXE)
			return AXV_EINVAL; /* a bit this processor cannot set */
		real_f = AXV_VMCS_GUEST_CR4;
		shadow_f = AXV_VMCS_CR4_READ_SHADOW;
		mask_f = AXV_VMCS_CR4_GUEST_HOST_MASK;
	} else {
		return AXV_EINVAL;
	}
	/* Bits the fixed MSRs force either way are host-owned: the guest reads its own value
	 * from the shadow and a write that changes one exits (25.6.6). */
	uint64_t mask = (f0 | ~f1) & 0xffffffffull;
	if (cr == 4)
		mask |= AXV_X86_CR4_VMXE;
	W(real_f, (val | f0) & f1);
	W(shadow_f, val);
	W(mask_f, mask);
	return 0;
}

static int adjust_all(struct axv_vmx_vcpu *v, uint32_t ctl[5])
{
	const struct axv_vmx_caps *c = &v->cpu->caps;
	VMX_TRY(axv_vmx_adjust_ctl(&c->pin, AXV_VMX_PIN_EXT_INTR_EXITING | AXV_VMX_PIN_NMI_EXITING,
				   AXV_VMX_PIN_EXT_INTR_EXITING | AXV_VMX_PIN_NMI_EXITING, &ctl[0]));
	const uint32_t proc_req = AXV_VMX_PROC_HLT_EXITING | AXV_VMX_PROC_UNCOND_IO_EXITING |
				  AXV_VMX_PROC_USE_MSR_BITMAPS | AXV_VMX_PROC_SECONDARY;
	VMX_TRY(axv_vmx_adjust_ctl(&c->proc,
				   proc_req | AXV_VMX_PROC_MWAIT_EXITING |
					   AXV_VMX_PROC_MONITOR_EXITING,
				   proc_req, &ctl[1]));
	const uint32_t proc2_req = AXV_VMX_PROC2_ENABLE_EPT | AXV_VMX_PROC2_UNRESTRICTED_GUEST;
	VMX_TRY(axv_vmx_adjust_ctl(&c->proc2,
				   proc2_req | AXV_VMX_PROC2_ENABLE_RDTSCP |
					   AXV_VMX_PROC2_ENABLE_INVPCID,
				   proc2_req, &ctl[2]));
	if ((c->ept_vpid & (EPT_CAP_WALK4 | EPT_CAP_WB)) != (EPT_CAP_WALK4 | EPT_CAP_WB))
		return AXV_ENOTSUP;
	const uint32_t exit_req = AXV_VMX_EXIT_HOST_ADDR_SPACE_SIZE |
				  AXV_VMX_EXIT_ACK_INTR_ON_EXIT | AXV_VMX_EXIT_SAVE_EFER |
				  AXV_VMX_EXIT_LOAD_EFER;
	VMX_TRY(axv_vmx_adjust_ctl(&c->exit,
				   exit_req | AXV_VMX_EXIT_SAVE_PAT | AXV_VMX_EXIT_LOAD_PAT,
				   exit_req, &ctl[3]));
	/* Without both PAT controls, load neither (the guest PAT then stays the host's and
	 * PAT accesses exit through the MSR bitmap). */
	bool pat = (ctl[3] & (AXV_VMX_EXIT_SAVE_PAT | AXV_VMX_EXIT_LOAD_PAT)) ==
		   (AXV_VMX_EXIT_SAVE_PAT | AXV_VMX_EXIT_LOAD_PAT);
	VMX_TRY(axv_vmx_adjust_ctl(&c->entry,
				   AXV_VMX_ENTRY_LOAD_EFER | (pat ? AXV_VMX_ENTRY_LOAD_PAT : 0),
				   AXV_VMX_ENTRY_LOAD_EFER, &ctl[4]));
	if (!(ctl[4] & AXV_VMX_ENTRY_LOAD_PAT))
		ctl[3] &= ~(AXV_VMX_EXIT_SAVE_PAT | AXV_VMX_EXIT_LOAD_PAT) | c->exit.must1;
	/* A guest starting outside IA-32e mode. */
	if (ctl[4] & AXV_VMX_ENTRY_IA32E_MODE)
		return AXV_ENOTSUP;
	return 0;
}

static void msr_bit(uint8_t *bm, uint32_t msr, unsigned base_off, bool set)
{
	/* 25.6.9: read-low at 0, read-high at 1024, write-low at 2048, write-high at 3072;
	 * low = 0..1FFFH, high = C0000000H..C0001FFFH; one bit per MSR. */
	uint32_t idx;
	unsigned off = base_off;
	if (msr <= 0x1fffu) {
		idx = msr;
	} else {
		idx = msr - 0xc0000000u;
		off += 1024;
	}
	uint8_t m = (uint8_t)(1u << (idx & 7u));
	if (set)
		bm[off + idx / 8] |= m;
	else
		bm[off + idx / 8] &= (uint8_t)~m;
}

int axv_vmx_msr_passthrough(struct axv_vmx_vcpu *v, uint32_t msr, bool read, bool write)
{
	if (!v || !v->cfg.msr_bitmap_va)
		return AXV_EINVAL;
	if (!(msr <= 0x1fffu || (msr >= 0xc0000000u && msr <= 0xc0001fffu)))
		return AXV_ERANGE; /* outside the bitmap: always exits */
	msr_bit(v->cfg.msr_bitmap_va, msr, 0, !read);
	msr_bit(v->cfg.msr_bitmap_va, msr, 2048, !write);
	return 0;
}

int axv_vmx_vcpu_setup(struct axv_vmx_vcpu *v, const struct axv_vmx_vcpu_config *cfg)
{
	if (!v || !cfg || !cfg->current_cpu || !cfg->vmcs_va || !cfg->msr_bitmap_va ||
	    (cfg->vmcs_pa & 0xfffu) || (cfg->msr_bitmap_pa & 0xfffu) ||
	    (cfg->mode != AXV_VMX_GUEST_FLAT32 && cfg->mode != AXV_VMX_GUEST_REAL))
		return AXV_EINVAL;
	if (cfg->mmio && !cfg->mmio->fetch)
		return AXV_EINVAL;
	v->cfg = *cfg;
	/* Every MSR exits, except those the VMCS switches itself (25.4.2: SYSENTER, FS/GS
	 * base; EFER and PAT with the load/save controls, checked at load). */
	uint8_t *bm = cfg->msr_bitmap_va;
	for (unsigned i = 0; i < 4096; i++)
		bm[i] = 0xff;
	static const uint32_t pass[] = {AXV_MSR_IA32_SYSENTER_CS, AXV_MSR_IA32_SYSENTER_ESP,
					AXV_MSR_IA32_SYSENTER_EIP, AXV_MSR_IA32_FS_BASE,
					AXV_MSR_IA32_GS_BASE, AXV_MSR_IA32_EFER};
	for (unsigned i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		(void)axv_vmx_msr_passthrough(v, pass[i], true, true);
	v->configured = true;
	return 0;
}

static int guest_segments(struct axv_vmx_vcpu *v, uint64_t *rip)
{
	bool real = v->cfg.mode == AXV_VMX_GUEST_REAL;
	uint64_t cs_base = real ? (v->entry & 0xf0000u) : 0;
	uint32_t limit = real ? 0xffffu : 0xffffffffu;
	for (unsigned s = 0; s < 6; s++) { /* ES CS SS DS FS GS */
		bool cs = s == 1;
		uint64_t sel = real ? (cs ? cs_base >> 4 : 0) : (cs ? 0x08 : 0x10);
		W(AXV_VMCS_GUEST_ES_SELECTOR + 2 * s, sel);
		W(AXV_VMCS_GUEST_ES_BASE + 2 * s, cs ? cs_base : 0);
		W(AXV_VMCS_GUEST_ES_LIMIT + 2 * s, limit);
		W(AXV_VMCS_GUEST_ES_AR + 2 * s,
		  real ? (cs ? AR_CODE16 : AR_DATA16) : (cs ? AR_CODE32 : AR_DATA32));
	}
	/* LDTR unusable; TR a busy TSS (27.3.1.2); GDTR/IDTR empty. */
	W(AXV_VMCS_GUEST_ES_SELECTOR + 12, 0);
	W(AXV_VMCS_GUEST_ES_BASE + 12, 0);
	W(AXV_VMCS_GUEST_ES_LIMIT + 12, 0);
	W(AXV_VMCS_GUEST_ES_AR + 12, AR_UNUSABLE);
	W(AXV_VMCS_GUEST_TR_SELECTOR, 0);
	W(AXV_VMCS_GUEST_ES_BASE + 14, 0);
	W(AXV_VMCS_GUEST_ES_LIMIT + 14, 0xffff);
	W(AXV_VMCS_GUEST_ES_AR + 14, AR_TSS_BUSY);
	W(AXV_VMCS_GUEST_GDTR_BASE, 0);
	W(AXV_VMCS_GUEST_GDTR_LIMIT, 0xffff);
	W(AXV_VMCS_GUEST_IDTR_BASE, 0);
	W(AXV_VMCS_GUEST_IDTR_LIMIT, 0xffff);
	*rip = v->entry - cs_base;
	return 0;
}

static int vmcs_init(struct axv_vmx_vcpu *v)
{
	uint32_t ctl[5];
	int rc = adjust_all(v, ctl);
	if (rc)
		return rc;
	v->proc2 = ctl[2];
	W(AXV_VMCS_PIN_BASED_CTLS, ctl[0]);
	W(AXV_VMCS_PROC_BASED_CTLS, ctl[1]);
	W(AXV_VMCS_PROC_BASED_CTLS2, ctl[2]);
	W(AXV_VMCS_EXIT_CTLS, ctl[3]);
	W(AXV_VMCS_ENTRY_CTLS, ctl[4]);
	W(AXV_VMCS_EXCEPTION_BITMAP, 0);
	W(AXV_VMCS_CR3_TARGET_COUNT, 0);
	W(AXV_VMCS_EXIT_MSR_STORE_COUNT, 0);
	W(AXV_VMCS_EXIT_MSR_LOAD_COUNT, 0);
	W(AXV_VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	W(AXV_VMCS_ENTRY_INTR_INFO, 0);
	W(AXV_VMCS_MSR_BITMAP, v->cfg.msr_bitmap_pa);
	W(AXV_VMCS_LINK_POINTER, ~0ull);
	if (ctl[4] & AXV_VMX_ENTRY_LOAD_PAT)
		(void)axv_vmx_msr_passthrough(v, AXV_MSR_IA32_PAT, true, true);

	uint64_t cr0 = AXV_X86_CR0_ET | (v->cfg.mode == AXV_VMX_GUEST_FLAT32 ? AXV_X86_CR0_PE : 0);
	rc = axv_vmx_set_guest_cr(v, 0, cr0);
	if (rc)
		return rc;
	rc = axv_vmx_set_guest_cr(v, 4, 0);
	if (rc)
		return rc;
	W(AXV_VMCS_GUEST_CR3, 0);
	uint64_t rip;
	rc = guest_segments(v, &rip);
	if (rc)
		return rc;
	W(AXV_VMCS_GUEST_RIP, rip);
	W(AXV_VMCS_GUEST_RSP, v->regs.r[AXV_X86_REG_RSP]);
	W(AXV_VMCS_GUEST_RFLAGS, RFLAGS_RESERVED1);
	W(AXV_VMCS_GUEST_DR7, DR7_RESET);
	W(AXV_VMCS_GUEST_IA32_DEBUGCTL, 0);
	W(AXV_VMCS_GUEST_IA32_EFER, 0);
	W(AXV_VMCS_GUEST_IA32_PAT, PAT_RESET);
	W(AXV_VMCS_GUEST_SYSENTER_CS, 0);
	W(AXV_VMCS_GUEST_SYSENTER_ESP, 0);
	W(AXV_VMCS_GUEST_SYSENTER_EIP, 0);
	W(AXV_VMCS_GUEST_INTERRUPTIBILITY, 0);
	W(AXV_VMCS_GUEST_ACTIVITY_STATE, 0);
	W(AXV_VMCS_GUEST_PENDING_DBG, 0);
	v->xcr0 = 1; /* x87 only, the reset value of XCR0 */
	return 0;
}

/* The host-state area (25.5): this cpu's control registers, segments and MSRs. */
static int host_state(struct axv_vmx_vcpu *v)
{
	const struct axv_vmx_hw *hw = v->hw;
	void *x = hw->ctx;
	uint16_t sel[7];
	uint64_t base[5];
	hw->host_segments(x, sel, base);
	W(AXV_VMCS_HOST_CR0, hw->read_cr(x, 0));
	W(AXV_VMCS_HOST_CR3, hw->read_cr(x, 3));
	W(AXV_VMCS_HOST_CR4, hw->read_cr(x, 4));
	for (unsigned i = 0; i < 7; i++)
		W(AXV_VMCS_HOST_ES_SELECTOR + 2 * i, sel[i]);
	for (unsigned i = 0; i < 5; i++)
		W(AXV_VMCS_HOST_FS_BASE + 2 * i, base[i]);
	W(AXV_VMCS_HOST_SYSENTER_CS, hw->rdmsr(x, AXV_MSR_IA32_SYSENTER_CS));
	W(AXV_VMCS_HOST_SYSENTER_ESP, hw->rdmsr(x, AXV_MSR_IA32_SYSENTER_ESP));
	W(AXV_VMCS_HOST_SYSENTER_EIP, hw->rdmsr(x, AXV_MSR_IA32_SYSENTER_EIP));
	W(AXV_VMCS_HOST_IA32_EFER, hw->rdmsr(x, AXV_MSR_IA32_EFER));
	W(AXV_VMCS_HOST_IA32_PAT, hw->rdmsr(x, AXV_MSR_IA32_PAT));
	W(AXV_VMCS_HOST_RIP, hw->exit_rip(x));
	return 0;
}

int axv_vmx_vcpu_load(struct axv_vmx_vcpu *v, struct axv_vmx_cpu *cpu)
{
	if (!v)
		return AXV_EINVAL;
	if (!v->configured || !cpu || !cpu->on || v->cpu)
		return AXV_ESTATE;
	const struct axv_vmx_hw *hw = cpu->hw;
	int rc;
	if (!v->vmcs_ready) {
		/* 25.2: revision id in the first 31 bits, shadow bit 31 clear; VMCLEAR makes
		 * the region a clear, inactive VMCS. */
		uint32_t *region = v->cfg.vmcs_va;
		region[0] = cpu->caps.revision;
		rc = hw->vmclear(hw->ctx, v->cfg.vmcs_pa);
		if (rc)
			return rc;
	}
	rc = hw->vmptrld(hw->ctx, v->cfg.vmcs_pa);
	if (rc)
		return rc;
	v->cpu = cpu;
	v->hw = hw;
	if (!v->vmcs_ready)
		rc = vmcs_init(v);
	if (rc == 0)
		rc = host_state(v);
	if (rc == 0 && v->eptp)
		rc = vmw(v, AXV_VMCS_EPT_POINTER, v->eptp);
	if (rc != 0) {
		(void)hw->vmclear(hw->ctx, v->cfg.vmcs_pa);
		v->cpu = NULL;
		return rc;
	}
	v->vmcs_ready = true;
	return 0;
}

int axv_vmx_vcpu_put(struct axv_vmx_vcpu *v)
{
	if (!v)
		return AXV_EINVAL;
	if (!v->cpu)
		return AXV_ESTATE;
	int rc = v->hw->vmclear(v->hw->ctx, v->cfg.vmcs_pa);
	if (rc)
		return rc;
	v->launched = false; /* after VMCLEAR the next entry is a VMLAUNCH (25.11.3) */
	v->cpu = NULL;
	return 0;
}

int axv_vmx_inject_event(struct axv_vmx_vcpu *v, uint8_t vector, unsigned type, bool has_error,
			 uint32_t error)
{
	if (!v || !v->cpu)
		return AXV_EINVAL;
	/* Software interrupts and exceptions need an instruction length: not offered. */
	if (type != AXV_VMX_INTR_TYPE_EXT && type != AXV_VMX_INTR_TYPE_NMI &&
	    type != AXV_VMX_INTR_TYPE_HW_EXC)
		return AXV_EINVAL;
	uint64_t cur;
	int rc = vmr(v, AXV_VMCS_ENTRY_INTR_INFO, &cur);
	if (rc)
		return rc;
	if (cur & AXV_VMX_INTR_VALID)
		return AXV_EBUSY;
	uint32_t info = vector | (type << 8) | AXV_VMX_INTR_VALID |
			(has_error ? AXV_VMX_INTR_DELIVER_ERROR : 0);
	if (has_error)
		W(AXV_VMCS_ENTRY_EXCEPTION_ERROR_CODE, error);
	W(AXV_VMCS_ENTRY_INTR_INFO, info);
	return 0;
}
