/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VMX backend behind the core vcpu module: struct axv_vcpu_ops over an axv_vmx_vcpu and
 * struct axv_percpu_ops over axv_vmx_cpu_enable(). Plain C over struct axv_vmx_hw.
 *
 * References: Intel SDM Vol. 3C 25.4.2 (interruptibility state), 27.3.1.5 (event injection
 * checks), INVEPT instruction page (types), 25.6.2 (interrupt-window exiting).
 */
#include "vmx_priv.h"

#include "axv_mem.h"
#include "vmx_hw.h"

#define INVEPT_SINGLE 1u
#define INVEPT_ALL 2u
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)

static struct axv_vmx_vcpu *V(void *ctx)
{
	return ctx;
}

static int op_create(void *ctx, uint32_t id)
{
	struct axv_vmx_vcpu *v = V(ctx);
	axv_memset(v, 0, sizeof(*v));
	v->id = id;
	v->xcr0 = 1;
	return 0;
}

static int op_setup(void *ctx, const void *config)
{
	return axv_vmx_vcpu_setup(V(ctx), config);
}

static int op_set_entry(void *ctx, axv_gpa_t entry)
{
	struct axv_vmx_vcpu *v = V(ctx);
	if (!v->vmcs_ready) {
		v->entry = entry;
		return 0;
	}
	/* Later changes move RIP within the current code segment (flat guests). */
	if (!v->cpu || v->cfg.mode != AXV_VMX_GUEST_FLAT32)
		return AXV_ESTATE;
	v->entry = entry;
	return vmw(v, AXV_VMCS_GUEST_RIP, entry);
}

static int op_set_nested_root(void *ctx, axv_hpa_t root)
{
	struct axv_vmx_vcpu *v = V(ctx);
	if (root & 0xfffu)
		return AXV_EINVAL;
	v->eptp = axv_vmx_eptp(root);
	if (!v->cpu)
		return 0; /* written at the next load */
	int rc = vmw(v, AXV_VMCS_EPT_POINTER, v->eptp);
	if (rc)
		return rc;
	bool single = (v->cpu->caps.ept_vpid & EPT_CAP_INVEPT_SINGLE) != 0;
	return v->hw->invept(v->hw->ctx, single ? INVEPT_SINGLE : INVEPT_ALL, v->eptp);
}

static int op_bind(void *ctx)
{
	struct axv_vmx_vcpu *v = V(ctx);
	if (!v->configured)
		return AXV_ESTATE;
	struct axv_vmx_cpu *cpu = v->cfg.current_cpu(v->cfg.current_cpu_arg);
	if (!cpu || !cpu->on)
		return AXV_ESTATE; /* this cpu was not enabled */
	return axv_vmx_vcpu_load(v, cpu);
}

static int op_unbind(void *ctx)
{
	return axv_vmx_vcpu_put(V(ctx));
}

static int op_run(void *ctx, struct axv_exit *exit)
{
	return axv_vmx_vcpu_run(V(ctx), exit);
}

AXV_VCPU_REG_HOOKS(op, struct axv_vmx_vcpu, regs, axv_x86_gpr_get, axv_x86_gpr_set)

/* One external interrupt per entry, when the guest can take it (RFLAGS.IF, no STI/MOV-SS
 * blocking, nothing queued); otherwise ask for an interrupt-window exit and retry then. */
static int op_inject(void *ctx, uint32_t id, uint8_t prio)
{
	(void)prio;
	struct axv_vmx_vcpu *v = V(ctx);
	if (id < 32 || id > 255)
		return AXV_EINVAL;
	if (!v->cpu)
		return AXV_ESTATE;
	uint64_t rflags, st, info, proc;
	int rc = vmr(v, AXV_VMCS_GUEST_RFLAGS, &rflags);
	if (!rc)
		rc = vmr(v, AXV_VMCS_GUEST_INTERRUPTIBILITY, &st);
	if (!rc)
		rc = vmr(v, AXV_VMCS_ENTRY_INTR_INFO, &info);
	if (rc)
		return rc;
	if ((rflags & AXV_X86_RFLAGS_IF) && !(st & 3u) && !(info & AXV_VMX_INTR_VALID)) {
		rc = axv_vmx_inject_event(v, (uint8_t)id, AXV_VMX_INTR_TYPE_EXT, false, 0);
		if (rc == 0) {
			uint64_t act;
			/* A halted guest wakes to take it (activity state 1 = HLT). */
			if (vmr(v, AXV_VMCS_GUEST_ACTIVITY_STATE, &act) == 0 && act != 0)
				rc = vmw(v, AXV_VMCS_GUEST_ACTIVITY_STATE, 0);
		}
		return rc;
	}
	rc = vmr(v, AXV_VMCS_PROC_BASED_CTLS, &proc);
	if (!rc && (v->cpu->caps.proc.may1 & AXV_VMX_PROC_INTR_WINDOW_EXITING))
		rc = vmw(v, AXV_VMCS_PROC_BASED_CTLS, proc | AXV_VMX_PROC_INTR_WINDOW_EXITING);
	return rc ? rc : AXV_ENOSPC;
}

static int op_advance_pc(void *ctx, uint8_t insn_len)
{
	struct axv_vmx_vcpu *v = V(ctx);
	uint64_t len = insn_len;
	if (!v->cpu)
		return AXV_ESTATE;
	if (len == 0) {
		int rc = vmr(v, AXV_VMCS_EXIT_INSTRUCTION_LEN, &len);
		if (rc)
			return rc;
	}
	return axv_vmx_advance_rip(v, len);
}

static int op_decode(void *ctx, struct axv_exit *exit)
{
	return axv_vmx_decode_access(V(ctx), exit);
}

const struct axv_vcpu_ops axv_vmx_vcpu_ops = {
	AXV_VCPU_OPS_HOOKS(op),
	.retval_reg = AXV_VCPU_RETVAL_REG(AXV_X86_REG_RAX),
	.inject = op_inject,
	.decode = op_decode,
};

AXV_PERCPU_OPS_DEFINE(axv_vmx_percpu_ops, struct axv_vmx_cpu, axv_vmx_cpu_enable,
		      axv_vmx_cpu_disable);
