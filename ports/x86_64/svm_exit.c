/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AMD SVM exit decoding: the VMCB's EXITCODE, EXITINFO1/2 and the register file become a
 * struct axv_exit. Plain C, host-tested on hand-built VMCBs.
 *
 * References (AMD64 APM Vol. 2): appendix C "SVM Intercept Exit Codes"; 15.10.2 "IN and OUT
 * Behavior" (EXITINFO1 fields, EXITINFO2 = next RIP); 15.11 "MSR Intercepts" (EXITINFO1 0 =
 * RDMSR, 1 = WRMSR); 15.25.6 "Nested versus Guest Page Faults, Fault Ordering" (EXITINFO1 =
 * error code, EXITINFO2 = faulting guest physical address); 15.7.1 "State Saved on Exit"
 * (nRIP only with the NRIPS feature, which QEMU's TCG lacks: RIP is advanced by the known
 * lengths: HLT F4 is 1 byte, VMMCALL 0F 01 D9 is 3, RDMSR/WRMSR 0F 32/0F 30 and CPUID 0F A2
 * are 2).
 */
#include <axv/arch/x86_64.h>
#include <axv/err.h>

#include "svm_priv.h"
#include "svm_hw.h"

#define LEN_HLT 1u
#define LEN_CPUID 2u
#define LEN_MSR 2u
#define LEN_VMMCALL 3u

/* CS attribute bits (VMCB format): L (bit 9), D/B (bit 10). */
#define CS_ATTR_L (1u << 9)
#define CS_ATTR_DB (1u << 10)

typedef int (*exit_fn)(struct axv_svm_vcpu *v, uint64_t code, struct axv_exit *e);

static uint64_t rip_of(const struct axv_svm_vcpu *v)
{
	return svm_rd64(v->vmcb, AXV_SVM_VMCB_RIP);
}

/* Skip the intercepted instruction. An interrupt shadow (after STI or MOV SS) covers only the
 * instruction that follows it, which is the one skipped: it ends here (APM Vol. 2, 15.21.5
 * "Interrupt Shadows"), or an interrupt that wakes a "sti; hlt" could never be injected. */
static void set_rip(struct axv_svm_vcpu *v, uint64_t rip)
{
	svm_wr64(v->vmcb, AXV_SVM_VMCB_RIP, rip);
	svm_wr64(v->vmcb, AXV_SVM_VMCB_INTERRUPT_SHADOW,
		 svm_rd64(v->vmcb, AXV_SVM_VMCB_INTERRUPT_SHADOW) & ~1ull);
}

static int unhandled(struct axv_svm_vcpu *v, uint64_t code, struct axv_exit *e)
{
	e->reason = AXV_EXIT_UNHANDLED;
	e->unhandled.raw = code;
	e->unhandled.info = svm_rd64(v->vmcb, AXV_SVM_VMCB_EXITINFO1);
	return 0;
}

static int on_intr(struct axv_svm_vcpu *v, uint64_t code, struct axv_exit *e)
{
	(void)v;
	e->reason = AXV_EXIT_EXTERNAL_IRQ;
	e->external_irq.vector = code == AXV_SVM_EXIT_NMI ? 2u : AXV_SVM_VECTOR_UNKNOWN;
	return 0;
}

static int on_hlt(struct axv_svm_vcpu *v, uint64_t code, struct axv_exit *e)
{
	(void)code;
	e->reason = AXV_EXIT_HALT;
	e->halt.has_deadline = false; /* HLT waits for an interrupt only */
	e->halt.deadline = 0;
	set_rip(v, e->pc + LEN_HLT);
	return 0;
}

static int on_shutdown(struct axv_svm_vcpu *v, uint64_t code, struct axv_exit *e)
{
	(void)v;
	(void)code;
	e->reason = AXV_EXIT_SYSTEM_DOWN;
	return 0;
}

static int on_cpuid(struct axv_svm_vcpu *v, uint64_t code, struct axv_exit *e)
{
	uint32_t out[4];
	if (!v->cpuid)
		return unhandled(v, code, e);
	uint64_t *r = v->gprs.r;
	(void)axv_svm_cpuid(v->cpuid, v->cpuid_ctx, (uint32_t)r[AXV_X86_REG_RAX],
			    (uint32_t)r[AXV_X86_REG_RCX], out);
	/* 32-bit results zero-extend into the 64-bit registers. */
	r[AXV_X86_REG_RAX] = out[0];
	r[AXV_X86_REG_RBX] = out[1];
	r[AXV_X86_REG_RCX] = out[2];
	r[AXV_X86_REG_RDX] = out[3];
	set_rip(v, e->pc + LEN_CPUID);
	e->reason = AXV_EXIT_NOTHING;
	return 0;
}

static int on_vmmcall(struct axv_svm_vcpu *v, uint64_t code, struct axv_exit *e)
{
	(void)code;
	const uint64_t *r = v->gprs.r;
	e->reason = AXV_EXIT_HYPERCALL;
	e->insn_len = LEN_VMMCALL;
	e->hypercall.nr = r[AXV_X86_REG_RAX];
	e->hypercall.args[0] = r[AXV_X86_REG_RBX];
	e->hypercall.args[1] = r[AXV_X86_REG_RCX];
	e->hypercall.args[2] = r[AXV_X86_REG_RDX];
	e->hypercall.args[3] = r[AXV_X86_REG_RSI];
	e->hypercall.args[4] = r[AXV_X86_REG_RDI];
	e->hypercall.args[5] = r[AXV_X86_REG_R8];
	e->hypercall.imm = 0;
	e->hypercall.smc = false;
	return 0;
}

static int on_msr(struct axv_svm_vcpu *v, uint64_t code, struct axv_exit *e)
{
	uint64_t info1 = svm_rd64(v->vmcb, AXV_SVM_VMCB_EXITINFO1);
	const uint64_t *r = v->gprs.r;
	if (info1 > 1)
		return unhandled(v, code, e);
	e->insn_len = LEN_MSR;
	e->access.addr = (uint32_t)r[AXV_X86_REG_RCX];
	e->access.width = 8;
	e->access.reg = AXV_X86_REG_EDX_EAX;
	e->access.reg_width = 8;
	e->access.sign_extend = false;
	e->access.flags = 0;
	if (info1 == 0) {
		e->reason = AXV_EXIT_SYSREG_READ;
		e->access.data = 0;
	} else {
		e->reason = AXV_EXIT_SYSREG_WRITE;
		e->access.data = (r[AXV_X86_REG_RDX] << 32) | (uint32_t)r[AXV_X86_REG_RAX];
	}
	return 0;
}

static int on_ioio(struct axv_svm_vcpu *v, uint64_t code, struct axv_exit *e)
{
	uint64_t info1 = svm_rd64(v->vmcb, AXV_SVM_VMCB_EXITINFO1);
	uint64_t next = svm_rd64(v->vmcb, AXV_SVM_VMCB_EXITINFO2);
	uint8_t width;
	switch (info1 & (AXV_SVM_IOIO_SZ8 | AXV_SVM_IOIO_SZ16 | AXV_SVM_IOIO_SZ32)) {
	case AXV_SVM_IOIO_SZ8:
		width = 1;
		break;
	case AXV_SVM_IOIO_SZ16:
		width = 2;
		break;
	case AXV_SVM_IOIO_SZ32:
		width = 4;
		break;
	default:
		return unhandled(v, code, e);
	}
	uint64_t len = next - e->pc;
	if (len == 0 || len > AXV_X86_MAX_INSN_LEN)
		return unhandled(v, code, e);
	bool in = info1 & AXV_SVM_IOIO_TYPE_IN;
	bool str = info1 & AXV_SVM_IOIO_STR;
	e->insn_len = (uint8_t)len;
	e->access.addr = (info1 >> AXV_SVM_IOIO_PORT_SHIFT) & 0xffffu;
	e->access.width = width;
	e->access.sign_extend = false;
	e->access.flags = (uint8_t)((str ? AXV_ACCESS_STRING : 0) |
				    ((info1 & AXV_SVM_IOIO_REP) ? AXV_ACCESS_REP : 0));
	if (in) {
		e->reason = AXV_EXIT_IO_READ;
		e->access.data = 0;
		e->access.reg = str ? AXV_REG_NONE : AXV_X86_REG_RAX;
		e->access.reg_width = width; /* IN AL/AX keep RAX's other bits; IN EAX clears 63:32 */
	} else {
		e->reason = AXV_EXIT_IO_WRITE;
		e->access.reg = str ? AXV_REG_NONE : AXV_X86_REG_RAX;
		e->access.reg_width = width;
		e->access.data = str ? 0 : axv_access_trunc(v->gprs.r[AXV_X86_REG_RAX], width);
	}
	return 0;
}

static unsigned code_mode(const struct axv_svm_vcpu *v)
{
	uint16_t attr;
	axv_memcpy(&attr, v->vmcb + AXV_SVM_VMCB_CS + AXV_SVM_SEG_ATTRIB, 2);
	uint64_t efer = svm_rd64(v->vmcb, AXV_SVM_VMCB_EFER);
	if ((efer & AXV_SVM_EFER_LMA) && (attr & CS_ATTR_L))
		return AXV_X86_MODE_64;
	return (attr & CS_ATTR_DB) ? AXV_X86_MODE_32 : AXV_X86_MODE_16;
}

int axv_svm_decode_access(struct axv_svm_vcpu *v, struct axv_exit *exit)
{
	if (!v || !exit || exit->reason != AXV_EXIT_NESTED_PAGE_FAULT)
		return AXV_EINVAL;
	if (!v->vmcb)
		return AXV_ESTATE;
	/* 15.25.6: EXITINFO1 is the fault's error code, EXITINFO2 its address. A fetch (ID) or
	 * the guest's own page-table walk (TABLE) is no instruction data access. */
	uint64_t err = svm_rd64(v->vmcb, AXV_SVM_VMCB_EXITINFO1);
	if (svm_rd64(v->vmcb, AXV_SVM_VMCB_EXITCODE) != AXV_SVM_EXIT_NPF ||
	    svm_rd64(v->vmcb, AXV_SVM_VMCB_EXITINFO2) != exit->npf.addr)
		return AXV_EINVAL; /* not the exit the VMCB holds */
	if (!v->as || (err & (AXV_SVM_NPF_ID | AXV_SVM_NPF_TABLE)) ||
	    (exit->npf.access & AXV_MAP_EXEC))
		return AXV_ENOTSUP;
	uint8_t bytes[AXV_X86_MAX_INSN_LEN];
	unsigned mode = code_mode(v);
	uint64_t lin = exit->pc;
	if (mode != AXV_X86_MODE_64)
		lin = (svm_rd64(v->vmcb, AXV_SVM_VMCB_CS + AXV_SVM_SEG_BASE) + exit->pc) & 0xffffffffu;
	/* Fetch what is readable: up to 15 bytes, fewer when the next page is not mapped. */
	size_t have = 0;
	while (have < sizeof(bytes)) {
		size_t chunk = 4096 - (size_t)((lin + have) & 0xfff);
		if (chunk > sizeof(bytes) - have)
			chunk = sizeof(bytes) - have;
		if (axv_svm_read_guest_virt(v, lin + have, bytes + have, chunk) != 0)
			break;
		have += chunk;
	}
	if (have == 0)
		return AXV_EFAULT;
	struct axv_x86_mmio d;
	struct axv_exit x;
	if (axv_x86_decode_mmio(bytes, have, mode, &d) != 0 ||
	    axv_x86_mmio_exit(&d, exit->npf.addr, exit->pc, (err & AXV_SVM_NPF_RW) != 0, &v->gprs,
			      &x) != 0)
		return AXV_ENOTSUP;
	x.insn_len = d.len;
	x.pc = exit->pc;
	x.gen = exit->gen;
	*exit = x;
	return 0;
}

/* A nested page fault (15.25.6), reported undecoded whatever backs it: axv_vcpu_resolve()
 * decides, and has it decoded (axv_svm_decode_access()) only for a device. */
static int on_npf(const struct axv_svm_vcpu *v, struct axv_exit *e)
{
	uint64_t err = svm_rd64(v->vmcb, AXV_SVM_VMCB_EXITINFO1);
	axv_gpa_t gpa = svm_rd64(v->vmcb, AXV_SVM_VMCB_EXITINFO2);
	bool write = err & AXV_SVM_NPF_RW;
	e->reason = AXV_EXIT_NESTED_PAGE_FAULT;
	e->npf.addr = gpa;
	e->npf.access = (err & AXV_SVM_NPF_ID) ? AXV_MAP_EXEC
			: write		       ? AXV_MAP_WRITE
					       : AXV_MAP_READ;
	e->npf.flags = ((err & AXV_SVM_NPF_ID) ? AXV_NPF_FETCH : 0) |
		       ((err & AXV_SVM_NPF_TABLE) ? AXV_NPF_WALK : 0);
	return 0;
}

/* Exit codes 0x00..0x9f, by code (appendix C); NULL entries are unhandled. */
static const exit_fn exit_table[0xa0] = {
	[AXV_SVM_EXIT_INTR] = on_intr,
	[AXV_SVM_EXIT_NMI] = on_intr,
	[AXV_SVM_EXIT_CPUID] = on_cpuid,
	[AXV_SVM_EXIT_HLT] = on_hlt,
	[AXV_SVM_EXIT_IOIO] = on_ioio,
	[AXV_SVM_EXIT_MSR] = on_msr,
	[AXV_SVM_EXIT_SHUTDOWN] = on_shutdown,
	[AXV_SVM_EXIT_VMMCALL] = on_vmmcall,
};

/* APM Vol. 2, 15.7.2 "Intercepts During IDT Interrupt Delivery": an exit in the middle of
 * delivering an event (a guest exception whose stack page was lazily backed, ...) leaves the
 * event in EXITINTINFO; it is re-injected through EVENTINJ (same format) at the next VMRUN,
 * or it would be lost. EVENTINJ is cleared otherwise, so nothing stale is injected. */
static void reinject(struct axv_svm_vcpu *v)
{
	uint64_t info = svm_rd64(v->vmcb, AXV_SVM_VMCB_EXITINTINFO);
	svm_wr64(v->vmcb, AXV_SVM_VMCB_EVENTINJ, (info & AXV_SVM_EVENT_VALID) ? info : 0);
}

int axv_svm_decode_exit(struct axv_svm_vcpu *v, struct axv_exit *exit)
{
	if (!v || !exit)
		return AXV_EINVAL;
	if (!v->vmcb)
		return AXV_ESTATE;
	uint64_t code = svm_rd64(v->vmcb, AXV_SVM_VMCB_EXITCODE);
	reinject(v);
	axv_memset(exit, 0, sizeof(*exit));
	exit->pc = rip_of(v);
	if ((uint32_t)code == AXV_SVM_EXIT_INVALID) {
		exit->reason = AXV_EXIT_FAIL_ENTRY;
		exit->fail_entry.hw_reason = code;
		return 0;
	}
	if (code == AXV_SVM_EXIT_NPF)
		return on_npf(v, exit);
	if (code < sizeof(exit_table) / sizeof(exit_table[0]) && exit_table[code])
		return exit_table[code](v, code, exit);
	return unhandled(v, code, exit);
}
