/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AMD SVM on the hardware: per-cpu enable (EFER.SVME, VM_HSAVE_PA), the host CPUID, and the
 * port behind the core vcpu module (struct axv_vcpu_ops, struct axv_percpu_ops).
 * x86_64 builds only.
 *
 * References (AMD64 APM Vol. 2): 15.4 "Enabling SVM" (CPUID Fn8000_0001 ECX[SVM], VM_CR
 * SVMDIS, EFER.SVME); 15.30.4 "VM_HSAVE_PA MSR" (4 KiB aligned host save area); 15.25.3
 * "Enabling Nested Paging" (CPUID Fn8000_000A EDX[NP], NASID in EBX); 15.16 "TLB Control".
 */
#include <axv/arch/x86_64.h>
#include <axv/err.h>
#include <axv/frame.h>
#include <axv/percpu.h>

#include "host_insn.h"
#include "svm_priv.h"
#include "svm_hw.h"

void axv_svm_vmrun(uint64_t vmcb_pa, uint64_t *gprs, uint64_t host_vmcb_pa);

void axv_svm_host_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	x86_host_cpuid(ctx, leaf, subleaf, out);
}

int axv_svm_cpu_enable(struct axv_svm_cpu *c, struct axv_frames *frames)
{
	if (!c || !frames)
		return AXV_EINVAL;
	if (c->enabled)
		return AXV_EALREADY;
	uint32_t r[4];
	x86_host_cpuid(NULL, 0x80000000u, 0, r);
	if (r[0] < AXV_SVM_CPUID_SVM_LEAF)
		return AXV_ENODEV;
	x86_host_cpuid(NULL, AXV_SVM_CPUID_EXT_FEATURES, 0, r);
	if (!(r[2] & AXV_SVM_CPUID_ECX_SVM))
		return AXV_ENODEV;
	x86_host_cpuid(NULL, AXV_SVM_CPUID_SVM_LEAF, 0, r);
	if (!(r[3] & AXV_SVM_CPUID_EDX_NP))
		return AXV_ENODEV;
	uint32_t nasid = r[1];
	if (x86_host_rdmsr(NULL, AXV_SVM_MSR_VM_CR) & AXV_SVM_VM_CR_SVMDIS)
		return AXV_EPERM;
	axv_hpa_t hsave, host;
	int rc = axv_frame_alloc_zeroed(frames, &hsave);
	if (rc != 0)
		return rc;
	rc = axv_frame_alloc_zeroed(frames, &host);
	if (rc != 0) {
		(void)axv_frame_free(frames, hsave);
		return rc;
	}
	c->frames = frames;
	c->hsave_pa = hsave;
	c->host_vmcb_pa = host;
	c->nasid = nasid;
	x86_host_wrmsr(NULL, AXV_SVM_MSR_EFER,
		       x86_host_rdmsr(NULL, AXV_SVM_MSR_EFER) | AXV_SVM_EFER_SVME);
	x86_host_wrmsr(NULL, AXV_SVM_MSR_VM_HSAVE_PA, hsave);
	c->enabled = true;
	return 0;
}

int axv_svm_cpu_disable(struct axv_svm_cpu *c)
{
	if (!c)
		return AXV_EINVAL;
	if (!c->enabled)
		return AXV_ESTATE;
	x86_host_wrmsr(NULL, AXV_SVM_MSR_VM_HSAVE_PA, 0);
	x86_host_wrmsr(NULL, AXV_SVM_MSR_EFER,
		       x86_host_rdmsr(NULL, AXV_SVM_MSR_EFER) & ~AXV_SVM_EFER_SVME);
	(void)axv_frame_free(c->frames, c->host_vmcb_pa);
	(void)axv_frame_free(c->frames, c->hsave_pa);
	c->enabled = false;
	return 0;
}

/* ---- vcpu ops ------------------------------------------------------------------------ */

static struct axv_svm_vcpu *V(void *ctx)
{
	return ctx;
}

static int op_create(void *ctx, uint32_t id)
{
	struct axv_svm_vcpu *v = V(ctx);
	axv_memset(v, 0, sizeof(*v));
	v->id = id;
	return 0;
}

static int op_setup(void *ctx, const void *config)
{
	struct axv_svm_vcpu *v = V(ctx);
	const struct axv_svm_vcpu_config *cfg = config;
	if (!cfg)
		return AXV_EINVAL;
	if (v->vmcb)
		axv_svm_vcpu_fini(v); /* a retried setup starts over */
	struct axv_svm_vcpu_config c = *cfg;
	if (!c.cpuid)
		c.cpuid = x86_host_cpuid;
	return axv_svm_vcpu_init(v, &c);
}

static int op_set_entry(void *ctx, axv_gpa_t entry)
{
	struct axv_svm_vcpu *v = V(ctx);
	v->entry = entry;
	if (v->vmcb)
		svm_wr64(v->vmcb, AXV_SVM_VMCB_RIP, entry);
	return 0;
}

static int op_set_nested_root(void *ctx, axv_hpa_t root)
{
	struct axv_svm_vcpu *v = V(ctx);
	if (root & 0xfffu)
		return AXV_EINVAL;
	v->ncr3 = root;
	if (v->vmcb) {
		svm_wr64(v->vmcb, AXV_SVM_VMCB_N_CR3, root);
		atomic_store(&v->flush, true);
	}
	return 0;
}

static int op_bind(void *ctx)
{
	struct axv_svm_vcpu *v = V(ctx);
	if (!v->vmcb || !v->cpus || !v->hal || !v->hal->cpu || !v->hal->cpu->cpu_id)
		return AXV_ESTATE;
	uint32_t cpu = v->hal->cpu->cpu_id(v->hal->ctx);
	if (cpu >= v->nr_cpus || !v->cpus[cpu].enabled)
		return AXV_ESTATE;
	v->cpu = &v->cpus[cpu];
	atomic_store(&v->flush, true); /* another cpu's TLB may hold this ASID */
	return 0;
}

static int op_unbind(void *ctx)
{
	V(ctx)->cpu = NULL;
	return 0;
}

static int op_run(void *ctx, struct axv_exit *exit)
{
	struct axv_svm_vcpu *v = V(ctx);
	if (!v->cpu || !v->vmcb)
		return AXV_ESTATE;
	uint8_t *b = v->vmcb;
	svm_wr64(b, AXV_SVM_VMCB_RAX, v->gprs.r[AXV_X86_REG_RAX]);
	svm_wr64(b, AXV_SVM_VMCB_RSP, v->gprs.r[AXV_X86_REG_RSP]);
	bool flush = atomic_exchange(&v->flush, false);
	svm_wr8(b, AXV_SVM_VMCB_TLB_CONTROL,
		flush ? AXV_SVM_TLB_CONTROL_FLUSH_ALL : AXV_SVM_TLB_CONTROL_NONE);
	svm_wr64(b, AXV_SVM_VMCB_CLEAN, 0);
	axv_svm_vmrun(v->vmcb_pa, v->gprs.r, v->cpu->host_vmcb_pa);
	v->gprs.r[AXV_X86_REG_RAX] = svm_rd64(b, AXV_SVM_VMCB_RAX);
	v->gprs.r[AXV_X86_REG_RSP] = svm_rd64(b, AXV_SVM_VMCB_RSP);
	return axv_svm_decode_exit(v, exit);
}

AXV_VCPU_REG_HOOKS(op, struct axv_svm_vcpu, gprs, axv_x86_gpr_get, axv_x86_gpr_set)

/* The decoder gives exact lengths: IOIO from EXITINFO2, MMIO from the decoder, 2 for
 * RDMSR/WRMSR, 3 for VMMCALL; HLT and CPUID were advanced already (insn_len 0). */
static int op_advance_pc(void *ctx, uint8_t insn_len)
{
	struct axv_svm_vcpu *v = V(ctx);
	if (!v->vmcb)
		return AXV_ESTATE;
	if (insn_len > AXV_X86_MAX_INSN_LEN)
		return AXV_EINVAL;
	svm_wr64(v->vmcb, AXV_SVM_VMCB_RIP, svm_rd64(v->vmcb, AXV_SVM_VMCB_RIP) + insn_len);
	/* The skipped instruction was the one an interrupt shadow covered (APM Vol. 2 15.21.5). */
	svm_wr64(v->vmcb, AXV_SVM_VMCB_INTERRUPT_SHADOW,
		 svm_rd64(v->vmcb, AXV_SVM_VMCB_INTERRUPT_SHADOW) & ~1ull);
	return 0;
}

/* One external interrupt per VMRUN, when the guest can take it (axv_svm_inject_irq());
 * otherwise #AXV_ENOSPC: it stays pending and is tried again before the next VMRUN. No
 * virtual-interrupt window (V_IRQ and the VINTR intercept) is asked for: an interrupt
 * pended while the guest has IF = 0 waits for the guest's next exit. */
static int op_inject(void *ctx, uint32_t id, uint8_t prio)
{
	(void)prio;
	return axv_svm_inject_irq(V(ctx), id);
}

static void op_destroy(void *ctx)
{
	axv_svm_vcpu_fini(V(ctx));
}

static int op_decode(void *ctx, struct axv_exit *exit)
{
	return axv_svm_decode_access(V(ctx), exit);
}

const struct axv_vcpu_ops axv_svm_vcpu_ops = {
	AXV_VCPU_OPS_HOOKS(op),
	.retval_reg = AXV_VCPU_RETVAL_REG(AXV_X86_REG_RAX),
	.inject = op_inject,
	.destroy = op_destroy,
	.decode = op_decode,
};

/* ---- per-cpu enable ------------------------------------------------------------------ */

static int pc_enable(struct axv_svm_cpu *c)
{
	return axv_svm_cpu_enable(c, c->frames);
}

AXV_PERCPU_OPS_DEFINE(axv_svm_percpu_ops, struct axv_svm_cpu, pc_enable, axv_svm_cpu_disable);
