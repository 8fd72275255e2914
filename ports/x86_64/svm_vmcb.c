/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AMD SVM: VMCB set-up, the I/O and MSR permission maps, CPUID emulation and guest-virtual
 * reads. Plain C (no SVM instruction here), so the host tests run it on any machine.
 *
 * References (AMD64 APM Vol. 2, rev. 3.41):
 *  - 15.5.1 "Basic Operation" / 15.5.2: VMRUN consistency checks (ASID != 0, EFER.SVME,
 *    VMRUN intercept, CR0.CD = 0 when CR0.NW = 1, long-mode CR4.PAE/CR0.PE rules).
 *  - 15.10.1 "I/O Permissions Map": 12 KiB, one bit per port, bit set = intercept; an access
 *    of n bytes checks the bits of all n ports (hence the third page).
 *  - 15.11 "MSR Intercepts": 8 KiB, two bits per MSR (even: read, odd: write) in three
 *    2 KiB vectors for MSRs 0..1fff, c0000000..c0001fff, c0010000..c0011fff.
 *  - 15.16 "TLB Control"; 15.25 "Nested Paging"; appendix B "Layout of VMCB".
 *  - 4.7.2/4.8 "Segment descriptors" for the VMCB attribute encoding (descriptor bits
 *    47:40 -> attrib 7:0, bits 55:52 -> attrib 11:8).
 */
#include <axv/arch/x86_64.h>
#include <axv/err.h>
#include <axv/frame.h>

#include "axv_mem.h"
#include "svm_priv.h"
#include "svm_hw.h"

/* ---- VMCB access ----------------------------------------------------------------------- */

uint64_t axv_svm_vmcb_read(const struct axv_svm_vcpu *v, uint32_t off)
{
	if (!v || !v->vmcb || off > AXV_SVM_VMCB_SIZE - 8)
		return 0;
	return svm_rd64(v->vmcb, off);
}

int axv_svm_vmcb_write(struct axv_svm_vcpu *v, uint32_t off, uint64_t val)
{
	if (!v)
		return AXV_EINVAL;
	if (!v->vmcb)
		return AXV_ESTATE;
	if (off > AXV_SVM_VMCB_SIZE - 8)
		return AXV_ERANGE;
	svm_wr64(v->vmcb, off, val);
	return 0;
}

/* APM Vol. 2, 15.20 "Event Injection": EVENTINJ holds one event (vector 7:0, type 10:8 = 0
 * for an external interrupt, V 31) that the next VMRUN delivers through the guest's IDT as
 * if it had just arrived, so it must only be queued when the guest accepts interrupts:
 * RFLAGS.IF (bit 9) set and no interrupt shadow (INTERRUPT_SHADOW bit 0, 15.21.5). */
int axv_svm_inject_irq(struct axv_svm_vcpu *v, uint32_t vector)
{
	if (!v || vector < 32 || vector > 255)
		return AXV_EINVAL;
	if (!v->vmcb)
		return AXV_ESTATE;
	if (!(svm_rd64(v->vmcb, AXV_SVM_VMCB_RFLAGS) & (1ull << 9)) ||
	    (svm_rd64(v->vmcb, AXV_SVM_VMCB_INTERRUPT_SHADOW) & 1u) ||
	    (svm_rd64(v->vmcb, AXV_SVM_VMCB_EVENTINJ) & AXV_SVM_EVENT_VALID))
		return AXV_ENOSPC;
	svm_wr64(v->vmcb, AXV_SVM_VMCB_EVENTINJ, vector | AXV_SVM_EVENT_VALID);
	return 0;
}

/* ---- permission maps ------------------------------------------------------------------- */

int axv_svm_set_io_intercept(struct axv_svm_vcpu *v, uint32_t port, uint32_t count,
			     bool intercept)
{
	if (!v || count == 0)
		return AXV_EINVAL;
	if (!v->iopm)
		return AXV_ESTATE;
	if (port > 0xffffu || count > 0x10000u - port)
		return AXV_ERANGE;
	for (uint32_t p = port; p < port + count; p++) {
		if (intercept)
			v->iopm[p / 8] |= (uint8_t)(1u << (p % 8));
		else
			v->iopm[p / 8] &= (uint8_t)~(1u << (p % 8));
	}
	return 0;
}

/* Byte offset of an MSR's 2-bit pair in the MSRPM, or -1 outside the three vectors. */
static long msrpm_bit(uint32_t msr)
{
	static const struct {
		uint32_t base;
		uint32_t offset;
	} vec[] = {
		{0x00000000u, 0x0000u},
		{0xc0000000u, 0x0800u},
		{0xc0010000u, 0x1000u},
	};
	for (unsigned i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
		if (msr - vec[i].base < 0x2000u)
			return (long)vec[i].offset * 8 + (long)(msr - vec[i].base) * 2;
	return -1;
}

int axv_svm_set_msr_intercept(struct axv_svm_vcpu *v, uint32_t msr, bool read, bool write)
{
	if (!v)
		return AXV_EINVAL;
	if (!v->msrpm)
		return AXV_ESTATE;
	long bit = msrpm_bit(msr);
	if (bit < 0)
		return AXV_ERANGE;
	uint8_t *b = &v->msrpm[bit / 8];
	unsigned sh = (unsigned)(bit % 8);
	*b = (uint8_t)((*b & ~(3u << sh)) | ((read ? 1u : 0u) << sh) | ((write ? 2u : 0u) << sh));
	return 0;
}

void axv_svm_request_flush(struct axv_svm_vcpu *v)
{
	if (v)
		atomic_store(&v->flush, true);
}

/* ---- set-up ---------------------------------------------------------------------------- */

/* MSRs VMLOAD/VMSAVE switch (APM Vol. 2, 15.5.2 "VMSAVE and VMLOAD"): safe to pass through. */
static const uint32_t passthrough_msrs[] = {
	0xc0000081u, /* STAR */
	0xc0000082u, /* LSTAR */
	0xc0000083u, /* CSTAR */
	0xc0000084u, /* SFMASK */
	0xc0000100u, /* FS.base */
	0xc0000101u, /* GS.base */
	0xc0000102u, /* KernelGsBase */
	0x00000174u, /* SYSENTER_CS */
	0x00000175u, /* SYSENTER_ESP */
	0x00000176u, /* SYSENTER_EIP */
};

/* VMCB segment attributes: type[3:0] S[4] DPL[6:5] P[7] AVL[8] L[9] D/B[10] G[11]. */
#define SEG_ATTR_CODE64 0x029bu /* type 0xb (exec/read, accessed), S, P, L */
#define SEG_ATTR_DATA 0x0c93u   /* type 0x3 (read/write, accessed), S, P, D/B, G */
#define SEG_ATTR_TSS64 0x008bu  /* type 0xb (busy 64-bit TSS), P */
#define SEG_ATTR_LDT 0x0082u    /* type 0x2 (LDT), P */

/* Control registers (APM Vol. 2, 3.1). */
#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define RFLAGS_FIXED (1ull << 1)
#define PAT_DEFAULT 0x0007040600070406ull /* power-on PAT (APM Vol. 2, 7.8.1) */

static void seg(uint8_t *vmcb, uint32_t off, uint16_t sel, uint16_t attr, uint32_t limit)
{
	svm_wr16(vmcb, off + AXV_SVM_SEG_SELECTOR, sel);
	svm_wr16(vmcb, off + AXV_SVM_SEG_ATTRIB, attr);
	svm_wr32(vmcb, off + AXV_SVM_SEG_LIMIT, limit);
	svm_wr64(vmcb, off + AXV_SVM_SEG_BASE, 0);
}

static void vmcb_defaults(struct axv_svm_vcpu *v, uint32_t asid, uint64_t rsp, uint64_t cr3)
{
	uint8_t *b = v->vmcb;
	axv_memset(b, 0, AXV_SVM_VMCB_SIZE);
	svm_wr32(b, AXV_SVM_VMCB_INTERCEPT_MISC1,
		 AXV_SVM_INTERCEPT1_INTR | AXV_SVM_INTERCEPT1_NMI | AXV_SVM_INTERCEPT1_SMI |
			 AXV_SVM_INTERCEPT1_CPUID | AXV_SVM_INTERCEPT1_INVD |
			 AXV_SVM_INTERCEPT1_HLT | AXV_SVM_INTERCEPT1_INVLPGA |
			 AXV_SVM_INTERCEPT1_IOIO_PROT | AXV_SVM_INTERCEPT1_MSR_PROT |
			 AXV_SVM_INTERCEPT1_SHUTDOWN);
	svm_wr32(b, AXV_SVM_VMCB_INTERCEPT_MISC2,
		 AXV_SVM_INTERCEPT2_VMRUN | AXV_SVM_INTERCEPT2_VMMCALL |
			 AXV_SVM_INTERCEPT2_VMLOAD | AXV_SVM_INTERCEPT2_VMSAVE |
			 AXV_SVM_INTERCEPT2_STGI | AXV_SVM_INTERCEPT2_CLGI |
			 AXV_SVM_INTERCEPT2_SKINIT | AXV_SVM_INTERCEPT2_MONITOR |
			 AXV_SVM_INTERCEPT2_MWAIT | AXV_SVM_INTERCEPT2_XSETBV);
	svm_wr64(b, AXV_SVM_VMCB_IOPM_BASE_PA, v->iopm_pa);
	svm_wr64(b, AXV_SVM_VMCB_MSRPM_BASE_PA, v->msrpm_pa);
	svm_wr32(b, AXV_SVM_VMCB_GUEST_ASID, asid);
	svm_wr8(b, AXV_SVM_VMCB_TLB_CONTROL, AXV_SVM_TLB_CONTROL_FLUSH_ALL);
	svm_wr64(b, AXV_SVM_VMCB_VINTR, AXV_SVM_VINTR_MASKING);
	svm_wr64(b, AXV_SVM_VMCB_NP_CONTROL, AXV_SVM_NP_ENABLE);
	svm_wr64(b, AXV_SVM_VMCB_N_CR3, v->ncr3);

	/* 64-bit long mode, flat segments, CPL 0. */
	seg(b, AXV_SVM_VMCB_CS, 0x08, SEG_ATTR_CODE64, 0xffffffffu);
	seg(b, AXV_SVM_VMCB_DS, 0x10, SEG_ATTR_DATA, 0xffffffffu);
	seg(b, AXV_SVM_VMCB_ES, 0x10, SEG_ATTR_DATA, 0xffffffffu);
	seg(b, AXV_SVM_VMCB_SS, 0x10, SEG_ATTR_DATA, 0xffffffffu);
	seg(b, AXV_SVM_VMCB_FS, 0x10, SEG_ATTR_DATA, 0xffffffffu);
	seg(b, AXV_SVM_VMCB_GS, 0x10, SEG_ATTR_DATA, 0xffffffffu);
	seg(b, AXV_SVM_VMCB_TR, 0x18, SEG_ATTR_TSS64, 0x67);
	seg(b, AXV_SVM_VMCB_LDTR, 0, SEG_ATTR_LDT, 0xffff);
	seg(b, AXV_SVM_VMCB_GDTR, 0, 0, 0xffff);
	seg(b, AXV_SVM_VMCB_IDTR, 0, 0, 0xffff);
	svm_wr8(b, AXV_SVM_VMCB_CPL, 0);
	svm_wr64(b, AXV_SVM_VMCB_EFER,
		 AXV_SVM_EFER_LME | AXV_SVM_EFER_LMA | AXV_SVM_EFER_NXE | AXV_SVM_EFER_SVME);
	svm_wr64(b, AXV_SVM_VMCB_CR0, CR0_PE | CR0_ET | CR0_NE | CR0_PG);
	svm_wr64(b, AXV_SVM_VMCB_CR3, cr3);
	svm_wr64(b, AXV_SVM_VMCB_CR4, CR4_PAE);
	svm_wr64(b, AXV_SVM_VMCB_DR6, 0xffff0ff0u);
	svm_wr64(b, AXV_SVM_VMCB_DR7, 0x400u);
	svm_wr64(b, AXV_SVM_VMCB_RFLAGS, RFLAGS_FIXED);
	svm_wr64(b, AXV_SVM_VMCB_RIP, v->entry);
	svm_wr64(b, AXV_SVM_VMCB_RSP, rsp);
	svm_wr64(b, AXV_SVM_VMCB_G_PAT, PAT_DEFAULT);
}

int axv_svm_vcpu_init(struct axv_svm_vcpu *v, const struct axv_svm_vcpu_config *cfg)
{
	if (!v || !cfg || !cfg->frames || cfg->asid == 0 || (cfg->cpus && !cfg->hal))
		return AXV_EINVAL;
	struct axv_frames *fr = cfg->frames;
	axv_hpa_t vmcb, iopm, msrpm;
	int rc = axv_frame_alloc_zeroed(fr, &vmcb);
	if (rc != 0)
		return rc;
	rc = axv_frame_alloc_run(fr, AXV_SVM_IOPM_FRAMES, 1, 0, &iopm);
	if (rc != 0)
		goto free_vmcb;
	rc = axv_frame_alloc_run(fr, AXV_SVM_MSRPM_FRAMES, 1, 0, &msrpm);
	if (rc != 0)
		goto free_iopm;
	uint8_t *vmcb_p = axv_frame_ptr(fr, vmcb);
	uint8_t *iopm_p = axv_frame_ptr(fr, iopm);
	uint8_t *msrpm_p = axv_frame_ptr(fr, msrpm);
	if (!vmcb_p || !iopm_p || !msrpm_p) {
		rc = AXV_EFAULT;
		goto free_msrpm;
	}

	axv_gpa_t entry = v->entry;
	axv_hpa_t ncr3 = v->ncr3;
	uint32_t id = v->id;
	axv_memset(v, 0, sizeof(*v));
	v->entry = entry;
	v->ncr3 = ncr3;
	v->id = id;
	v->vmcb = vmcb_p;
	v->vmcb_pa = vmcb;
	v->iopm = iopm_p;
	v->iopm_pa = iopm;
	v->msrpm = msrpm_p;
	v->msrpm_pa = msrpm;
	v->frames = fr;
	v->as = cfg->as;
	v->cpuid = cfg->cpuid;
	v->cpuid_ctx = cfg->cpuid_ctx;
	v->cpus = cfg->cpus;
	v->nr_cpus = cfg->nr_cpus;
	v->hal = cfg->hal;
	atomic_store(&v->flush, true);

	axv_memset(iopm_p, 0xff, (size_t)AXV_SVM_IOPM_FRAMES * 4096u);
	axv_memset(msrpm_p, 0xff, (size_t)AXV_SVM_MSRPM_FRAMES * 4096u);
	for (unsigned i = 0; i < sizeof(passthrough_msrs) / sizeof(passthrough_msrs[0]); i++)
		(void)axv_svm_set_msr_intercept(v, passthrough_msrs[i], false, false);
	vmcb_defaults(v, cfg->asid, cfg->rsp, cfg->cr3);
	v->gprs.r[AXV_X86_REG_RSP] = cfg->rsp;
	return 0;

free_msrpm:
	(void)axv_frame_free_run(fr, msrpm, AXV_SVM_MSRPM_FRAMES);
free_iopm:
	(void)axv_frame_free_run(fr, iopm, AXV_SVM_IOPM_FRAMES);
free_vmcb:
	(void)axv_frame_free(fr, vmcb);
	return rc;
}

void axv_svm_vcpu_fini(struct axv_svm_vcpu *v)
{
	if (!v || !v->frames)
		return;
	(void)axv_frame_free_run(v->frames, v->msrpm_pa, AXV_SVM_MSRPM_FRAMES);
	(void)axv_frame_free_run(v->frames, v->iopm_pa, AXV_SVM_IOPM_FRAMES);
	(void)axv_frame_free(v->frames, v->vmcb_pa);
	v->frames = NULL;
	v->vmcb = v->iopm = v->msrpm = NULL;
	v->vmcb_pa = v->iopm_pa = v->msrpm_pa = 0;
}

/* ---- CPUID ----------------------------------------------------------------------------- */

int axv_svm_cpuid(void (*fn)(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]),
		  void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	if (!fn || !out)
		return AXV_EINVAL;
	if (leaf >= AXV_SVM_CPUID_HV_BASE && leaf <= 0x4fffffffu) {
		out[0] = out[1] = out[2] = out[3] = 0;
		if (leaf == AXV_SVM_CPUID_HV_BASE) {
			out[0] = AXV_SVM_CPUID_HV_LAST;
			out[1] = AXV_SVM_CPUID_HV_EBX;
			out[2] = AXV_SVM_CPUID_HV_ECX;
			out[3] = AXV_SVM_CPUID_HV_EDX;
		} else if (leaf == AXV_SVM_CPUID_HV_INFO) {
			out[0] = 0x000100u; /* 0.1.0 */
		}
		return 0;
	}
	fn(ctx, leaf, subleaf, out);
	if (leaf == 1)
		out[2] |= AXV_SVM_CPUID_ECX_HYPERVISOR;
	else if (leaf == AXV_SVM_CPUID_EXT_FEATURES)
		out[2] &= ~AXV_SVM_CPUID_ECX_SVM;
	else if (leaf == AXV_SVM_CPUID_SVM_LEAF)
		out[0] = out[1] = out[2] = out[3] = 0;
	return 0;
}

/* ---- guest-virtual reads (APM Vol. 2, 5.3 "Long-Mode Page Translation") ---------------- *
 * The walk itself is the port's shared one (axv_x86_guest_translate, insn.c); this backend
 * only accepts paging off or 4-level long mode and reads through the address space. */

#define CR4_LA57 (1ull << 12)

struct gpa_reader {
	const struct axv_addrspace *as;
};

static int read_gpa(void *ctx, axv_gpa_t gpa, void *buf, size_t len)
{
	const struct gpa_reader *r = ctx;
	return axv_addrspace_read(r->as, gpa, buf, len);
}

/* Translate one guest-virtual address; *room = bytes left in its 4 KiB page. */
static int gva_to_gpa(const struct axv_svm_vcpu *v, uint64_t gva, axv_gpa_t *gpa,
		      uint64_t *room)
{
	const struct axv_x86_paging p = {
		.cr0 = svm_rd64(v->vmcb, AXV_SVM_VMCB_CR0),
		.cr3 = svm_rd64(v->vmcb, AXV_SVM_VMCB_CR3),
		.cr4 = svm_rd64(v->vmcb, AXV_SVM_VMCB_CR4),
		.efer = svm_rd64(v->vmcb, AXV_SVM_VMCB_EFER),
	};
	if ((p.cr0 & CR0_PG) &&
	    (!(p.efer & AXV_SVM_EFER_LMA) || !(p.cr4 & CR4_PAE) || (p.cr4 & CR4_LA57)))
		return AXV_ENOTSUP;
	struct gpa_reader r = {v->as};
	if (axv_x86_guest_translate(&p, gva, read_gpa, &r, gpa) != 0)
		return AXV_EFAULT;
	*room = 4096 - (gva & 0xfff);
	return 0;
}

int axv_svm_read_guest_virt(const struct axv_svm_vcpu *v, uint64_t gva, void *buf, size_t len)
{
	if (!v || !v->vmcb || !v->as || (!buf && len))
		return AXV_EINVAL;
	uint8_t *out = buf;
	while (len) {
		axv_gpa_t gpa;
		uint64_t room;
		int rc = gva_to_gpa(v, gva, &gpa, &room);
		if (rc != 0)
			return rc;
		size_t n = room < len ? (size_t)room : len;
		if (axv_addrspace_read(v->as, gpa, out, n) != 0)
			return AXV_EFAULT;
		out += n;
		len -= n;
		gva += n;
	}
	return 0;
}
