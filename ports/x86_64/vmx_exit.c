/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VMX run and exit decoding: a table indexed by the basic exit reason, bounds-checked.
 * CPUID, CR accesses, XSETBV, windows and the VMX instructions are answered in place.
 * Plain C over struct axv_vmx_hw (host-tested).
 *
 * References: Intel SDM Vol. 3C 28.2 (exit information: "Exit Qualification for Control-Register Accesses"
 * accesses, I/O instructions and EPT violations), 27.8 / 28.2.1 (exit
 * reason bit 31: VM-entry failure), 28.2.4 (IDT-vectoring information: re-inject), 31.4
 * (VM-instruction error numbers); Vol. 3D Appendix C; Vol. 2A CPUID, Vol. 2C XSETBV.
 */
#include "vmx_priv.h"

#include "axv_mem.h"
#include "vmx_hw.h"

struct xinfo {
	uint32_t reason; /* full exit reason */
	uint64_t qual;   /* exit qualification */
	uint64_t len;    /* VM-exit instruction length */
	uint64_t rip;    /* guest RIP at the exit */
};

typedef int (*exit_fn)(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e);

#define EFER_LMA (1ull << 10)
#define AR_L (1u << 13)
#define AR_DB (1u << 14)
#define CR0_TS (1ull << 3)
#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_SMX (1u << 6)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID7_EBX_INVPCID (1u << 10)
#define CPUIDX1_EDX_RDTSCP (1u << 27)
#define PROC_NMI_WINDOW_EXITING (1u << 22)
#define INTERRUPTIBILITY_STI_MOVSS 0x3u

#define R VMX_R
#define W VMX_W

static uint64_t *gpr(struct axv_vmx_vcpu *v, unsigned n)
{
	return &v->regs.r[n & 15u];
}

int axv_vmx_advance_rip(struct axv_vmx_vcpu *v, uint64_t len)
{
	uint64_t rip, st;
	R(AXV_VMCS_GUEST_RIP, &rip);
	W(AXV_VMCS_GUEST_RIP, rip + len);
	/* Blocking by STI or MOV SS ends with the next instruction. */
	R(AXV_VMCS_GUEST_INTERRUPTIBILITY, &st);
	if (st & INTERRUPTIBILITY_STI_MOVSS)
		W(AXV_VMCS_GUEST_INTERRUPTIBILITY, st & ~(uint64_t)INTERRUPTIBILITY_STI_MOVSS);
	return 0;
}

static int unhandled(const struct xinfo *i, struct axv_exit *e, uint64_t info)
{
	e->reason = AXV_EXIT_UNHANDLED;
	e->insn_len = 0;
	e->unhandled.raw = i->reason;
	e->unhandled.info = info;
	return 0;
}

/* Done in place: skip the instruction, nothing for the embedder. */
static int done(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	int rc = axv_vmx_advance_rip(v, i->len);
	e->reason = AXV_EXIT_NOTHING;
	e->insn_len = 0;
	return rc;
}

static int fault(struct axv_vmx_vcpu *v, struct axv_exit *e, uint8_t vec, bool err)
{
	e->reason = AXV_EXIT_NOTHING;
	e->insn_len = 0;
	int rc = axv_vmx_inject_event(v, vec, AXV_VMX_INTR_TYPE_HW_EXC, err, 0);
	/* An event already queued goes first; the instruction, not skipped, faults again. */
	return rc == AXV_EBUSY ? 0 : rc;
}

/* ---- handlers -------------------------------------------------------------------------- */

static int h_exception_nmi(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	uint64_t info;
	R(AXV_VMCS_EXIT_INTR_INFO, &info);
	if (((info >> 8) & 7u) == AXV_VMX_INTR_TYPE_NMI) {
		e->reason = AXV_EXIT_EXTERNAL_IRQ; /* a host NMI: vector 2 for the embedder */
		e->external_irq.vector = 2;
		return 0;
	}
	return unhandled(i, e, info);
}

static int h_external_interrupt(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	uint64_t info;
	R(AXV_VMCS_EXIT_INTR_INFO, &info);
	if (!(info & AXV_VMX_INTR_VALID))
		return unhandled(i, e, info);
	/* Acknowledged on exit (exit control bit 15): the embedder handles and EOIs it. */
	e->reason = AXV_EXIT_EXTERNAL_IRQ;
	e->external_irq.vector = (uint32_t)(info & 0xffu);
	return 0;
}

static int h_triple_fault(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	(void)v;
	(void)i;
	e->reason = AXV_EXIT_SYSTEM_DOWN;
	return 0;
}

static int h_window(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	uint64_t proc;
	R(AXV_VMCS_PROC_BASED_CTLS, &proc);
	bool intr = (i->reason & 0xffffu) == AXV_VMX_EXIT_INTERRUPT_WINDOW;
	proc &= ~(uint64_t)(intr ? AXV_VMX_PROC_INTR_WINDOW_EXITING : PROC_NMI_WINDOW_EXITING);
	W(AXV_VMCS_PROC_BASED_CTLS, proc);
	e->reason = AXV_EXIT_NOTHING; /* the pending interrupt goes in at the next entry */
	return 0;
}

static int h_cpuid(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	uint32_t leaf = (uint32_t)*gpr(v, AXV_X86_REG_RAX);
	uint32_t sub = (uint32_t)*gpr(v, AXV_X86_REG_RCX);
	uint32_t r[4] = {0, 0, 0, 0};
	if (leaf >= AXV_VMX_CPUID_HV_BASE && leaf <= 0x4fffffffu) {
		if (leaf == AXV_VMX_CPUID_HV_BASE) {
			r[0] = AXV_VMX_CPUID_HV_BASE + 1; /* highest hypervisor leaf */
			r[1] = 0x6162696cu;               /* "liba" */
			r[2] = 0x00007678u;               /* "xv" */
		} else if (leaf == AXV_VMX_CPUID_HV_BASE + 1) {
			/* The libaxv version, as the SVM backend gives it (AXV_SVM_CPUID_HV_INFO):
			 * a guest sees one hypervisor whichever backend runs it. */
			r[0] = 0x000100u; /* 0.1.0 */
		}
	} else {
		v->hw->cpuid(v->hw->ctx, leaf, sub, r);
		switch (leaf) {
		case 1: {
			uint64_t cr4;
			R(AXV_VMCS_GUEST_CR4, &cr4);
			r[1] = (r[1] & 0x00ffffffu) | (v->id << 24); /* initial APIC id */
			r[2] &= ~(CPUID1_ECX_VMX | CPUID1_ECX_SMX | CPUID1_ECX_MONITOR |
				  CPUID1_ECX_OSXSAVE);
			r[2] |= CPUID1_ECX_HYPERVISOR;
			if (cr4 & AXV_X86_CR4_OSXSAVE)
				r[2] |= CPUID1_ECX_OSXSAVE;
			break;
		}
		case 5: /* MONITOR/MWAIT: hidden */
			r[0] = r[1] = r[2] = r[3] = 0;
			break;
		case 7:
			if (sub == 0 && !(v->proc2 & AXV_VMX_PROC2_ENABLE_INVPCID))
				r[1] &= ~CPUID7_EBX_INVPCID;
			break;
		case 0xb:
		case 0x1f:
			r[3] = v->id; /* x2APIC id */
			break;
		case 0x80000001u:
			if (!(v->proc2 & AXV_VMX_PROC2_ENABLE_RDTSCP))
				r[3] &= ~CPUIDX1_EDX_RDTSCP;
			break;
		default:
			break;
		}
	}
	*gpr(v, AXV_X86_REG_RAX) = r[0];
	*gpr(v, AXV_X86_REG_RBX) = r[1];
	*gpr(v, AXV_X86_REG_RCX) = r[2];
	*gpr(v, AXV_X86_REG_RDX) = r[3];
	return done(v, i, e);
}

static int h_hlt(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	int rc = axv_vmx_advance_rip(v, i->len);
	e->reason = AXV_EXIT_HALT; /* resumes after the HLT once woken */
	e->halt.has_deadline = false; /* HLT waits for an interrupt only */
	e->halt.deadline = 0;
	return rc;
}

static int h_vmcall(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	static const uint8_t args[6] = {AXV_X86_REG_RBX, AXV_X86_REG_RCX, AXV_X86_REG_RDX,
					AXV_X86_REG_RSI, AXV_X86_REG_RDI, AXV_X86_REG_R8};
	e->reason = AXV_EXIT_HYPERCALL;
	e->hypercall.nr = *gpr(v, AXV_X86_REG_RAX);
	for (unsigned k = 0; k < 6; k++)
		e->hypercall.args[k] = *gpr(v, args[k]);
	return axv_vmx_advance_rip(v, i->len); /* the return value goes to RAX (set_retval) */
}

static int h_ud(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	(void)i;
	return fault(v, e, AXV_X86_VEC_UD, false); /* no nested VMX, no SMX, no MONITOR */
}

static int cr_view(struct axv_vmx_vcpu *v, unsigned cr, uint64_t *val)
{
	uint64_t real, mask, shadow;
	R(cr == 0 ? AXV_VMCS_GUEST_CR0 : AXV_VMCS_GUEST_CR4, &real);
	R(cr == 0 ? AXV_VMCS_CR0_GUEST_HOST_MASK : AXV_VMCS_CR4_GUEST_HOST_MASK, &mask);
	R(cr == 0 ? AXV_VMCS_CR0_READ_SHADOW : AXV_VMCS_CR4_READ_SHADOW, &shadow);
	*val = (real & ~mask) | (shadow & mask);
	return 0;
}

static int h_cr_access(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	unsigned cr = i->qual & 0xfu, type = (i->qual >> 4) & 3u, reg = (i->qual >> 8) & 0xfu;
	uint64_t val, efer;
	int rc;
	R(AXV_VMCS_GUEST_IA32_EFER, &efer);
	switch (type) {
	case 0: /* MOV to CR */
		val = *gpr(v, reg);
		if (!(efer & EFER_LMA))
			val &= 0xffffffffu; /* 32-bit operand outside IA-32e mode */
		if (cr == 3) {
			W(AXV_VMCS_GUEST_CR3, val);
			return done(v, i, e);
		}
		if (cr != 0 && cr != 4)
			return unhandled(i, e, i->qual);
		rc = axv_vmx_set_guest_cr(v, cr, val);
		if (rc == AXV_EINVAL)
			return fault(v, e, AXV_X86_VEC_GP, true);
		return rc ? rc : done(v, i, e);
	case 1: /* MOV from CR: only CR3 (CR3-store exiting forced on by the capability MSR) */
		if (cr != 3)
			return unhandled(i, e, i->qual);
		R(AXV_VMCS_GUEST_CR3, gpr(v, reg));
		return done(v, i, e);
	case 2: /* CLTS */
		rc = cr_view(v, 0, &val);
		if (rc == 0)
			rc = axv_vmx_set_guest_cr(v, 0, val & ~CR0_TS);
		if (rc == AXV_EINVAL) /* as MOV to CR0 and LMSW: a CR0 the processor refuses */
			return fault(v, e, AXV_X86_VEC_GP, true);
		return rc ? rc : done(v, i, e);
	default: { /* LMSW: loads CR0[3:0]; can set PE, cannot clear it */
		uint64_t src = (i->qual >> 16) & 0xfu;
		rc = cr_view(v, 0, &val);
		if (rc == 0)
			rc = axv_vmx_set_guest_cr(v, 0, (val & ~0xeull) | src | (val & 1u));
		if (rc == AXV_EINVAL)
			return fault(v, e, AXV_X86_VEC_GP, true);
		return rc ? rc : done(v, i, e);
	}
	}
}

static int h_io(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	/* Exit qualification for I/O instructions (28.2.1): size-1 in 2:0, IN in 3, string 4, REP 5, port 31:16. */
	unsigned size = (unsigned)(i->qual & 7u) + 1u;
	if (size != 1 && size != 2 && size != 4)
		return unhandled(i, e, i->qual);
	bool in = (i->qual & 8u) != 0;
	e->reason = in ? AXV_EXIT_IO_READ : AXV_EXIT_IO_WRITE;
	e->insn_len = (uint8_t)i->len;
	e->access.addr = (i->qual >> 16) & 0xffffu;
	e->access.width = (uint8_t)size;
	e->access.reg_width = (uint8_t)size;
	e->access.reg = AXV_X86_REG_RAX;
	if (i->qual & 16u) {
		e->access.flags = AXV_ACCESS_STRING | ((i->qual & 32u) ? AXV_ACCESS_REP : 0);
		e->access.reg = AXV_REG_NONE; /* INS/OUTS: the embedder walks RSI/RDI/RCX */
	} else if (!in) {
		e->access.data = *gpr(v, AXV_X86_REG_RAX) & ((1ull << (size * 8u)) - 1u);
	}
	return 0;
}

static int h_msr(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	bool rd = (i->reason & 0xffffu) == AXV_VMX_EXIT_RDMSR;
	e->reason = rd ? AXV_EXIT_SYSREG_READ : AXV_EXIT_SYSREG_WRITE;
	e->insn_len = (uint8_t)i->len;
	e->access.addr = (uint32_t)*gpr(v, AXV_X86_REG_RCX);
	e->access.width = 8;
	e->access.reg_width = 8;
	e->access.reg = AXV_X86_REG_EDX_EAX;
	if (!rd)
		(void)axv_x86_gpr_get(&v->regs, AXV_X86_REG_EDX_EAX, &e->access.data);
	return 0;
}

static int h_entry_fail(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	(void)v;
	e->reason = AXV_EXIT_FAIL_ENTRY;
	e->fail_entry.hw_reason = i->reason;
	return 0;
}

/* Fetch and decode the instruction at RIP; 0 with @e an MMIO exit, or a negative code
 * (AXV_EFAULT: the bytes could not be read). */
static int mmio(struct axv_vmx_vcpu *v, const struct xinfo *i, axv_gpa_t gpa, bool fault_write,
		struct axv_exit *e)
{
	const struct axv_vmx_mmio_ops *m = v->cfg.mmio;
	uint64_t cs_base, ar, cr0, cr3, cr4, efer;
	R(AXV_VMCS_GUEST_CS_BASE, &cs_base);
	R(AXV_VMCS_GUEST_CS_AR, &ar);
	R(AXV_VMCS_GUEST_CR0, &cr0);
	R(AXV_VMCS_GUEST_CR3, &cr3);
	R(AXV_VMCS_GUEST_CR4, &cr4);
	R(AXV_VMCS_GUEST_IA32_EFER, &efer);
	unsigned mode = ((efer & EFER_LMA) && (ar & AR_L)) ? AXV_X86_MODE_64
			: (ar & AR_DB)                      ? AXV_X86_MODE_32
							    : AXV_X86_MODE_16;
	uint64_t linear = cs_base + i->rip;
	if (mode != AXV_X86_MODE_64)
		linear &= 0xffffffffu;
	uint8_t buf[AXV_X86_MAX_INSN_LEN];
	int n = m->fetch(m->ctx, linear, cr0, cr3, cr4, efer, buf, sizeof(buf));
	if (n <= 0 || n > (int)sizeof(buf))
		return AXV_EFAULT;
	struct axv_x86_mmio d;
	int rc = axv_x86_decode_mmio(buf, (size_t)n, mode, &d);
	if (rc)
		return rc;
	return axv_x86_mmio_exit(&d, gpa, i->rip, fault_write, &v->regs, e);
}

static int h_ept_violation(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	uint64_t gpa;
	R(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, &gpa);
	/* Exit qualification for EPT violations (28.2.1): bit 0 data read, 1 data write, 2
	 * instruction fetch. Reported undecoded, memory or device alike: axv_vcpu_resolve()
	 * decides, and has the instruction decoded (axv_vmx_decode_access()) only for a device. */
	axv_map_flags_t access = ((i->qual & 1u) ? AXV_MAP_READ : 0) |
				 ((i->qual & 2u) ? AXV_MAP_WRITE : 0) |
				 ((i->qual & 4u) ? AXV_MAP_EXEC : 0);
	/* A violation that names no access is malformed: a nested page fault without an
	 * access would be refused by axv_addrspace_handle_fault() (EINVAL). */
	if (access == 0)
		return unhandled(i, e, i->qual);
	e->reason = AXV_EXIT_NESTED_PAGE_FAULT;
	e->npf.addr = gpa;
	e->npf.access = access;
	e->npf.flags = (i->qual & 4u) ? AXV_NPF_FETCH : 0;
	/* Bit 7 set, bit 8 clear (Table 28-7): an access to a paging-structure entry of the
	 * guest's walk or its A/D update, not the instruction's operand. */
	if ((i->qual & 0x180u) == 0x80u)
		e->npf.flags |= AXV_NPF_WALK;
	return 0;
}

static int h_ept_misconfig(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	uint64_t gpa;
	R(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, &gpa);
	/* No qualification, no access kind (28.2.1): an EPT entry with a reserved combination
	 * (28.3.3.1), which the library's EPT format never writes. Not a guest access fault the
	 * resolver can place: unhandled, with the address. */
	return unhandled(i, e, gpa);
}

int axv_vmx_decode_access(struct axv_vmx_vcpu *v, struct axv_exit *exit)
{
	if (!v || !exit || exit->reason != AXV_EXIT_NESTED_PAGE_FAULT)
		return AXV_EINVAL;
	if (!v->cpu)
		return AXV_ESTATE;
	axv_map_flags_t a = exit->npf.access;
	/* Only an instruction's data access: a fetch is not one, nor the guest's own page
	 * walk, nor an access that is neither a read nor a write. */
	if (!v->cfg.mmio || (a & AXV_MAP_EXEC) ||
	    (exit->npf.flags & (AXV_NPF_FETCH | AXV_NPF_WALK)) ||
	    !(a & (AXV_MAP_READ | AXV_MAP_WRITE)))
		return AXV_ENOTSUP;
	const struct xinfo i = {.reason = AXV_VMX_EXIT_EPT_VIOLATION, .rip = exit->pc};
	struct axv_exit d;
	int rc = mmio(v, &i, exit->npf.addr, (a & AXV_MAP_WRITE) != 0, &d);
	/* Not an instruction the decoder knows (ENOTSUP), cut short (EAGAIN: the fetch hook gave
	 * fewer bytes than it needs), or not this access (EINVAL from axv_x86_mmio_exit()). */
	if (rc == AXV_EINVAL || rc == AXV_ENOTSUP || rc == AXV_EAGAIN)
		return AXV_ENOTSUP;
	if (rc != 0)
		return rc;
	d.pc = exit->pc;
	d.gen = exit->gen;
	*exit = d;
	return 0;
}

static int h_xsetbv(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	/* XSETBV #GP(0) (Vol. 2C): CPL > 0, ECX != 0, bit 0 clear, unsupported bits, AVX
	 * without SSE, AVX-512 bits 7:5 not all equal or without AVX. */
	uint64_t ss_ar, val;
	R(AXV_VMCS_GUEST_SS_AR, &ss_ar);
	(void)axv_x86_gpr_get(&v->regs, AXV_X86_REG_EDX_EAX, &val);
	const struct axv_vmx_caps *c = &v->cpu->caps;
	uint64_t avx512 = val & 0xe0u;
	bool ok = c->xsave && ((ss_ar >> 5) & 3u) == 0 && (uint32_t)*gpr(v, AXV_X86_REG_RCX) == 0 &&
		  (val & 1u) && !(val & ~c->xcr0_supported) && (!(val & 4u) || (val & 2u)) &&
		  (avx512 == 0 || (avx512 == 0xe0u && (val & 4u)));
	if (!ok)
		return fault(v, e, AXV_X86_VEC_GP, true);
	v->xcr0 = val; /* loaded around each entry */
	return done(v, i, e);
}

static int h_skip(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	return done(v, i, e); /* INVD, WBINVD, PAUSE: nothing to emulate */
}

static int h_nothing(struct axv_vmx_vcpu *v, const struct xinfo *i, struct axv_exit *e)
{
	(void)v;
	(void)i;
	e->reason = AXV_EXIT_NOTHING;
	return 0;
}

/* Indexed by basic exit reason (Appendix C). NULL: #AXV_EXIT_UNHANDLED. */
static const exit_fn handlers[AXV_VMX_EXIT_REASON_MAX] = {
	[AXV_VMX_EXIT_EXCEPTION_NMI] = h_exception_nmi,
	[AXV_VMX_EXIT_EXTERNAL_INTERRUPT] = h_external_interrupt,
	[AXV_VMX_EXIT_TRIPLE_FAULT] = h_triple_fault,
	[AXV_VMX_EXIT_INTERRUPT_WINDOW] = h_window,
	[AXV_VMX_EXIT_NMI_WINDOW] = h_window,
	[AXV_VMX_EXIT_CPUID] = h_cpuid,
	[AXV_VMX_EXIT_GETSEC] = h_ud,
	[AXV_VMX_EXIT_HLT] = h_hlt,
	[AXV_VMX_EXIT_INVD] = h_skip,
	[AXV_VMX_EXIT_VMCALL] = h_vmcall,
	[AXV_VMX_EXIT_VMCLEAR] = h_ud,
	[AXV_VMX_EXIT_VMLAUNCH] = h_ud,
	[AXV_VMX_EXIT_VMPTRLD] = h_ud,
	[AXV_VMX_EXIT_VMPTRST] = h_ud,
	[AXV_VMX_EXIT_VMREAD] = h_ud,
	[AXV_VMX_EXIT_VMRESUME] = h_ud,
	[AXV_VMX_EXIT_VMWRITE] = h_ud,
	[AXV_VMX_EXIT_VMXOFF] = h_ud,
	[AXV_VMX_EXIT_VMXON] = h_ud,
	[AXV_VMX_EXIT_CR_ACCESS] = h_cr_access,
	[AXV_VMX_EXIT_IO_INSTRUCTION] = h_io,
	[AXV_VMX_EXIT_RDMSR] = h_msr,
	[AXV_VMX_EXIT_WRMSR] = h_msr,
	[AXV_VMX_EXIT_ENTRY_FAIL_GUEST] = h_entry_fail,
	[AXV_VMX_EXIT_ENTRY_FAIL_MSR] = h_entry_fail,
	[AXV_VMX_EXIT_MWAIT] = h_ud,
	[AXV_VMX_EXIT_MONITOR] = h_ud,
	[AXV_VMX_EXIT_PAUSE] = h_skip,
	[AXV_VMX_EXIT_ENTRY_FAIL_MCE] = h_entry_fail,
	[AXV_VMX_EXIT_EPT_VIOLATION] = h_ept_violation,
	[AXV_VMX_EXIT_EPT_MISCONFIG] = h_ept_misconfig,
	[AXV_VMX_EXIT_INVEPT] = h_ud,
	[AXV_VMX_EXIT_PREEMPTION_TIMER] = h_nothing,
	[AXV_VMX_EXIT_INVVPID] = h_ud,
	[AXV_VMX_EXIT_WBINVD] = h_skip,
	[AXV_VMX_EXIT_XSETBV] = h_xsetbv,
};

/* 28.2.4: an exit during event delivery leaves the event in the IDT-vectoring fields;
 * queue it again for the next entry. */
static int reinject(struct axv_vmx_vcpu *v, uint64_t len)
{
	uint64_t info, err;
	R(AXV_VMCS_IDT_VECTORING_INFO, &info);
	if (!(info & AXV_VMX_INTR_VALID))
		return 0;
	unsigned type = (info >> 8) & 7u;
	if (info & AXV_VMX_INTR_DELIVER_ERROR) {
		R(AXV_VMCS_IDT_VECTORING_ERROR_CODE, &err);
		W(AXV_VMCS_ENTRY_EXCEPTION_ERROR_CODE, err);
	}
	if (type >= AXV_VMX_INTR_TYPE_SW_INT && type <= AXV_VMX_INTR_TYPE_SW_EXC)
		W(AXV_VMCS_ENTRY_INSTRUCTION_LEN, len);
	W(AXV_VMCS_ENTRY_INTR_INFO, info & (AXV_VMX_INTR_VALID | AXV_VMX_INTR_DELIVER_ERROR | 0x7ffu));
	return 0;
}

int axv_vmx_decode_exit(struct axv_vmx_vcpu *v, struct axv_exit *e)
{
	if (!v || !e)
		return AXV_EINVAL;
	if (!v->cpu)
		return AXV_ESTATE;
	struct xinfo i;
	uint64_t reason;
	R(AXV_VMCS_EXIT_REASON, &reason);
	R(AXV_VMCS_EXIT_QUALIFICATION, &i.qual);
	R(AXV_VMCS_EXIT_INSTRUCTION_LEN, &i.len);
	R(AXV_VMCS_GUEST_RIP, &i.rip);
	i.reason = (uint32_t)reason;
	if (i.len > AXV_X86_MAX_INSN_LEN)
		i.len = 0;
	axv_memset(e, 0, sizeof(*e));
	e->pc = i.rip;
	if (i.reason & AXV_VMX_EXIT_REASON_ENTRY_FAIL)
		return h_entry_fail(v, &i, e);
	int rc = reinject(v, i.len);
	if (rc)
		return rc;
	unsigned basic = i.reason & 0xffffu;
	exit_fn h = basic < AXV_VMX_EXIT_REASON_MAX ? handlers[basic] : NULL;
	if (!h)
		return unhandled(&i, e, i.qual);
	return h(v, &i, e);
}

int axv_vmx_vcpu_run(struct axv_vmx_vcpu *v, struct axv_exit *e)
{
	if (!v || !e)
		return AXV_EINVAL;
	if (!v->cpu)
		return AXV_ESTATE;
	const struct axv_vmx_hw *hw = v->hw;
	struct axv_vmx_cpu *cpu = v->cpu;
	W(AXV_VMCS_GUEST_RSP, v->regs.r[AXV_X86_REG_RSP]);
	bool swap = cpu->caps.xsave && v->xcr0 != cpu->host_xcr0;
	if (swap)
		hw->xsetbv(hw->ctx, 0, v->xcr0);
	int rc = hw->enter(hw->ctx, &v->regs, v->launched);
	if (swap)
		hw->xsetbv(hw->ctx, 0, cpu->host_xcr0);
	if (rc != 0) {
		/* VMfailValid: the VM-instruction error (31.4: 7 bad controls, 8 bad host
		 * state...); VMfailInvalid: 0. */
		uint64_t err = 0, rip = 0;
		if (rc == AXV_EFAULT)
			(void)vmr(v, AXV_VMCS_VM_INSTRUCTION_ERROR, &err);
		(void)vmr(v, AXV_VMCS_GUEST_RIP, &rip);
		axv_memset(e, 0, sizeof(*e));
		e->reason = AXV_EXIT_FAIL_ENTRY;
		e->pc = rip;
		e->fail_entry.hw_reason = err;
		return 0;
	}
	v->launched = true;
	R(AXV_VMCS_GUEST_RSP, &v->regs.r[AXV_X86_REG_RSP]);
	/* Keep "IA-32e mode guest" equal to the EFER.LMA the exit saved (27.3.1.1 checks
	 * them against each other at the next entry; the guest enables long mode itself). */
	uint64_t efer, entry;
	R(AXV_VMCS_GUEST_IA32_EFER, &efer);
	R(AXV_VMCS_ENTRY_CTLS, &entry);
	uint64_t want = (efer & EFER_LMA) ? entry | AXV_VMX_ENTRY_IA32E_MODE
					  : entry & ~(uint64_t)AXV_VMX_ENTRY_IA32E_MODE;
	if (want != entry)
		W(AXV_VMCS_ENTRY_CTLS, want);
	return axv_vmx_decode_exit(v, e);
}
