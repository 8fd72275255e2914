/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The real struct axv_vmx_hw: VMX and privileged instructions as inline assembly (x86_64
 * builds only; host tests use a simulation instead).
 *
 * References: Intel SDM Vol. 3C 31.2 (conventions: VMfailInvalid sets CF, VMfailValid sets
 * ZF), Vol. 2 instruction pages (VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMREAD, VMWRITE, INVEPT,
 * RDMSR, WRMSR, CPUID, MOV CR, XGETBV, XSETBV, SGDT, SIDT, STR), Vol. 3A 8.2.3 (64-bit TSS
 * descriptor: base in bytes 2-4, 7 and 8-11).
 */
#include "vmx_priv.h"
#include "host_insn.h"

#include "axv_mem.h"
#include "vmx_hw.h"

int axv_vmx_enter_asm(struct axv_x86_gprs *g, int resume);
uint64_t axv_vmx_exit_rip_asm(void);

/* "above" (CF = 0 and ZF = 0) is VMsucceed. */
static int vm_result(bool ok, bool cf)
{
	return ok ? 0 : cf ? AXV_EIO : AXV_EFAULT;
}

static int n_vmxon(void *ctx, axv_hpa_t pa)
{
	(void)ctx;
	bool ok, cf;
	__asm__ volatile("vmxon %[pa]" : "=@cca"(ok), "=@ccc"(cf) : [pa] "m"(pa) : "memory");
	return vm_result(ok, cf);
}

static int n_vmxoff(void *ctx)
{
	(void)ctx;
	bool ok, cf;
	__asm__ volatile("vmxoff" : "=@cca"(ok), "=@ccc"(cf) : : "memory");
	return vm_result(ok, cf);
}

static int n_vmclear(void *ctx, axv_hpa_t pa)
{
	(void)ctx;
	bool ok, cf;
	__asm__ volatile("vmclear %[pa]" : "=@cca"(ok), "=@ccc"(cf) : [pa] "m"(pa) : "memory");
	return vm_result(ok, cf);
}

static int n_vmptrld(void *ctx, axv_hpa_t pa)
{
	(void)ctx;
	bool ok, cf;
	__asm__ volatile("vmptrld %[pa]" : "=@cca"(ok), "=@ccc"(cf) : [pa] "m"(pa) : "memory");
	return vm_result(ok, cf);
}

static int n_vmread(void *ctx, uint32_t field, uint64_t *v)
{
	(void)ctx;
	bool ok, cf;
	uint64_t val = 0;
	__asm__ volatile("vmread %[f], %[v]"
			 : [v] "=rm"(val), "=@cca"(ok), "=@ccc"(cf)
			 : [f] "r"((uint64_t)field));
	*v = val;
	return vm_result(ok, cf);
}

static int n_vmwrite(void *ctx, uint32_t field, uint64_t v)
{
	(void)ctx;
	bool ok, cf;
	__asm__ volatile("vmwrite %[v], %[f]"
			 : "=@cca"(ok), "=@ccc"(cf)
			 : [f] "r"((uint64_t)field), [v] "rm"(v));
	return vm_result(ok, cf);
}

static int n_invept(void *ctx, uint64_t type, uint64_t eptp)
{
	(void)ctx;
	bool ok, cf;
	/* The INVEPT descriptor, read by the instruction. */
	struct {
		/* cppcheck-suppress unusedStructMember ; read by INVEPT, which cppcheck cannot see */
		uint64_t eptp, zero;
	} desc = {eptp, 0};
	__asm__ volatile("invept %[d], %[t]"
			 : "=@cca"(ok), "=@ccc"(cf)
			 : [d] "m"(desc), [t] "r"(type)
			 : "memory");
	return vm_result(ok, cf);
}

static int n_enter(void *ctx, struct axv_x86_gprs *g, bool resume)
{
	(void)ctx;
	return axv_vmx_enter_asm(g, resume ? 1 : 0);
}

static uint64_t n_exit_rip(void *ctx)
{
	(void)ctx;
	return axv_vmx_exit_rip_asm();
}

static uint64_t n_read_cr(void *ctx, unsigned cr)
{
	(void)ctx;
	uint64_t v = 0;
	if (cr == 0)
		__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	else if (cr == 3)
		__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	else if (cr == 4)
		__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void n_write_cr(void *ctx, unsigned cr, uint64_t v)
{
	(void)ctx;
	if (cr == 0)
		__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
	else if (cr == 4)
		__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static void n_host_segments(void *ctx, uint16_t sel[7], uint64_t base[5])
{
	uint8_t gdtr[10], idtr[10];
/* sel[i] = the selector the instruction insn (one output operand) reads. */
#define SELECTOR(i, insn)                                                                       \
	do {                                                                                    \
		uint16_t s_;                                                                    \
		/* NOLINTNEXTLINE(bugprone-macro-parentheses): an asm template is a literal */   \
		__asm__ volatile(insn : "=r"(s_));                                              \
		sel[i] = s_;                                                                    \
	} while (0)
	SELECTOR(0, "mov %%es, %0");
	SELECTOR(1, "mov %%cs, %0");
	SELECTOR(2, "mov %%ss, %0");
	SELECTOR(3, "mov %%ds, %0");
	SELECTOR(4, "mov %%fs, %0");
	SELECTOR(5, "mov %%gs, %0");
	SELECTOR(6, "str %0");
#undef SELECTOR
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	uint64_t gdt_base, idt_base;
	axv_memcpy(&gdt_base, gdtr + 2, 8);
	axv_memcpy(&idt_base, idtr + 2, 8);
	base[0] = x86_host_rdmsr(ctx, AXV_MSR_IA32_FS_BASE);
	base[1] = x86_host_rdmsr(ctx, AXV_MSR_IA32_GS_BASE);
	base[2] = 0;
	if (sel[6] & ~7u) {
		/* NOLINTNEXTLINE(performance-no-int-to-ptr): the host GDT, at its linear address */
		const uint8_t *d = (const uint8_t *)(uintptr_t)(gdt_base + (sel[6] & ~7u));
		uint32_t hi32;
		axv_memcpy(&hi32, d + 8, 4);
		base[2] = (uint64_t)d[2] | ((uint64_t)d[3] << 8) | ((uint64_t)d[4] << 16) |
			  ((uint64_t)d[7] << 24) | ((uint64_t)hi32 << 32);
	}
	base[3] = gdt_base;
	base[4] = idt_base;
}

const struct axv_vmx_hw axv_vmx_hw_native = {
	.ctx = NULL,
	.vmxon = n_vmxon,
	.vmxoff = n_vmxoff,
	.vmclear = n_vmclear,
	.vmptrld = n_vmptrld,
	.vmread = n_vmread,
	.vmwrite = n_vmwrite,
	.invept = n_invept,
	.enter = n_enter,
	.exit_rip = n_exit_rip,
	.rdmsr = x86_host_rdmsr,
	.wrmsr = x86_host_wrmsr,
	.cpuid = x86_host_cpuid,
	.read_cr = n_read_cr,
	.write_cr = n_write_cr,
	.xgetbv = x86_host_xgetbv,
	.xsetbv = x86_host_xsetbv,
	.host_segments = n_host_segments,
};

/* ---- EPT TLB maintenance for the HAL (tag: the EPTP) ----------------------------------- */

/* INVEPT has no address range (SDM Vol. 3C, INVEPT instruction page and "Invalidation of
 * Cached Mappings"): both hooks invalidate every EPT-derived translation on the calling
 * cpu (all-context, type 2). Other cpus that ran the address space need the same, which the
 * embedder arranges (IPI, or a flush before their next entry). */
static void tlb_flush_all(void *ctx, uint64_t tag)
{
	(void)n_invept(ctx, 2, tag);
}

static void tlb_flush_range(void *ctx, uint64_t tag, axv_gpa_t gpa, uint64_t size)
{
	(void)gpa;
	(void)size;
	tlb_flush_all(ctx, tag);
}

const struct axv_hal_tlb_ops axv_vmx_tlb_ops = {
	.flush_range = tlb_flush_range,
	.flush_all = tlb_flush_all,
};
