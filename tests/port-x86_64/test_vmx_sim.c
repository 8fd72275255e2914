/* The simulated processor (see test_vmx_sim.h). VMREAD/VMWRITE follow the SDM's rules that
 * matter to the backend: no current VMCS is VMfailInvalid; a write to a read-only field
 * (encoding bits 11:10 = 1, Vol. 3D B.1) is VMfailValid; values are truncated to the field
 * width (bits 14:13: 0 16-bit, 1 64-bit, 2 32-bit, 3 natural). */
#include <string.h>

#include <axv/err.h>

#include "test_vmx_sim.h"
#include "vmx_hw.h"

struct sim sim;

static int find_msr(uint32_t msr)
{
	for (unsigned i = 0; i < sim.nmsr; i++)
		if (sim.msr_id[i] == msr)
			return (int)i;
	return -1;
}

void sim_msr_set(uint32_t msr, uint64_t v)
{
	int i = find_msr(msr);
	if (i < 0) {
		i = (int)sim.nmsr++;
		sim.msr_id[i] = msr;
	}
	sim.msr_val[i] = v;
}

uint64_t sim_msr_get(uint32_t msr)
{
	int i = find_msr(msr);
	return i < 0 ? 0 : sim.msr_val[i];
}

static int find_field(uint32_t f)
{
	for (unsigned i = 0; i < sim.nfields; i++)
		if (sim.field[i] == f)
			return (int)i;
	return -1;
}

void sim_vmcs_set(uint32_t f, uint64_t v)
{
	int i = find_field(f);
	if (i < 0) {
		i = (int)sim.nfields++;
		sim.field[i] = f;
	}
	sim.value[i] = v;
}

uint64_t sim_vmcs_get(uint32_t f)
{
	int i = find_field(f);
	return i < 0 ? 0 : sim.value[i];
}

bool sim_vmcs_has(uint32_t f)
{
	return find_field(f) >= 0;
}

/* Realistic capability MSRs (values of a recent Intel core, trimmed), TRUE controls. */
void sim_reset(void)
{
	memset(&sim, 0, sizeof(sim));
	sim.current = ~0ull;
	sim.feature_control_sticky = true;
	sim.cpuid1[2] = (1u << 5) | (1u << 26) | (1u << 3) | (1u << 6); /* VMX XSAVE MONITOR SMX */
	sim.cpuid1[1] = 0x07100800u;
	sim.cpuid_d[0] = 0x7;   /* x87 SSE AVX */
	sim.cpuid7[1] = (1u << 10) | (1u << 0);
	sim.cpuid_b[3] = 0x55;
	sim.cpuid_x1[3] = (1u << 27) | (1u << 29);
	sim.cpuid5[0] = 0x40;
	sim.cr[0] = 0x80050033; /* PG WP AM NE ET MP PE */
	sim.cr[3] = 0x1000;
	sim.cr[4] = 0x000006a0; /* PAE PGE OSFXSR OSXMMEXCPT */
	sim.xcr0 = 0x7;
	/* BASIC: revision 4, size 4096, WB (6 << 50), TRUE controls (bit 55), INS/OUTS info */
	sim_msr_set(AXV_MSR_IA32_VMX_BASIC, 4ull | (4096ull << 32) | (6ull << 50) | (1ull << 55) |
						(1ull << 54));
	sim_msr_set(AXV_MSR_IA32_VMX_PINBASED_CTLS, 0x0000007f00000016ull);
	sim_msr_set(AXV_MSR_IA32_VMX_TRUE_PINBASED_CTLS, 0x0000007f00000016ull);
	sim_msr_set(AXV_MSR_IA32_VMX_PROCBASED_CTLS, 0xfff9fffe0401e172ull);
	sim_msr_set(AXV_MSR_IA32_VMX_TRUE_PROCBASED_CTLS, 0xfff9fffe04006172ull);
	sim_msr_set(AXV_MSR_IA32_VMX_PROCBASED_CTLS2, 0x00553cfe00000000ull);
	sim_msr_set(AXV_MSR_IA32_VMX_EXIT_CTLS, 0x00ffffff00036dffull);
	sim_msr_set(AXV_MSR_IA32_VMX_TRUE_EXIT_CTLS, 0x00ffffff00036dfbull);
	sim_msr_set(AXV_MSR_IA32_VMX_ENTRY_CTLS, 0x0003ffff000011ffull);
	sim_msr_set(AXV_MSR_IA32_VMX_TRUE_ENTRY_CTLS, 0x0003ffff000011fbull);
	sim_msr_set(AXV_MSR_IA32_VMX_CR0_FIXED0, 0x80000021ull);
	sim_msr_set(AXV_MSR_IA32_VMX_CR0_FIXED1, 0xffffffffull);
	sim_msr_set(AXV_MSR_IA32_VMX_CR4_FIXED0, 0x2000ull);
	sim_msr_set(AXV_MSR_IA32_VMX_CR4_FIXED1, 0x3767ffull);
	sim_msr_set(AXV_MSR_IA32_VMX_EPT_VPID_CAP, 0x00000f0106734141ull);
	sim_msr_set(AXV_MSR_IA32_FEATURE_CONTROL, 0);
	sim_msr_set(AXV_MSR_IA32_EFER, 0xd01);
	sim_msr_set(AXV_MSR_IA32_PAT, 0x0007040600070406ull);
	sim_msr_set(AXV_MSR_IA32_SYSENTER_CS, 0x10);
}

static int s_vmxon(void *ctx, axv_hpa_t pa)
{
	(void)ctx;
	sim.vmxon_calls++;
	sim.vmxon_pa = pa;
	if (sim.vmxon_rc == 0)
		sim.vmx_on = true;
	return sim.vmxon_rc;
}

static int s_vmxoff(void *ctx)
{
	(void)ctx;
	sim.vmxoff_calls++;
	if (!sim.vmx_on)
		return AXV_EIO;
	sim.vmx_on = false;
	return 0;
}

static int s_vmclear(void *ctx, axv_hpa_t pa)
{
	(void)ctx;
	sim.vmclear_calls++;
	if (!sim.vmx_on)
		return AXV_EIO;
	if (sim.current == pa)
		sim.current = ~0ull;
	return 0;
}

static int s_vmptrld(void *ctx, axv_hpa_t pa)
{
	(void)ctx;
	sim.vmptrld_calls++;
	if (!sim.vmx_on)
		return AXV_EIO;
	sim.current = pa;
	return 0;
}

static uint64_t width_mask(uint32_t f)
{
	switch ((f >> 13) & 3u) {
	case 0:
		return 0xffffull;
	case 2:
		return 0xffffffffull;
	default:
		return ~0ull;
	}
}

static int s_vmread(void *ctx, uint32_t f, uint64_t *v)
{
	(void)ctx;
	if (sim.current == ~0ull)
		return AXV_EIO;
	*v = sim_vmcs_get(f) & width_mask(f);
	return 0;
}

static int s_vmwrite(void *ctx, uint32_t f, uint64_t v)
{
	(void)ctx;
	if (sim.current == ~0ull)
		return AXV_EIO;
	if (((f >> 10) & 3u) == 1)
		return AXV_EFAULT; /* read-only data field */
	sim_vmcs_set(f, v & width_mask(f));
	return 0;
}

static int s_invept(void *ctx, uint64_t type, uint64_t eptp)
{
	(void)ctx;
	sim.invept_calls++;
	sim.invept_type = type;
	sim.invept_eptp = eptp;
	return 0;
}

static int s_enter(void *ctx, struct axv_x86_gprs *g, bool resume)
{
	(void)ctx;
	sim.enter_calls++;
	sim.last_resume = resume;
	if (sim.enter_rc)
		return sim.enter_rc;
	if (sim.guest)
		sim.guest(&sim, g);
	return 0;
}

static uint64_t s_exit_rip(void *ctx)
{
	(void)ctx;
	return SIM_EXIT_RIP;
}

static uint64_t s_rdmsr(void *ctx, uint32_t msr)
{
	(void)ctx;
	return sim_msr_get(msr);
}

static void s_wrmsr(void *ctx, uint32_t msr, uint64_t v)
{
	(void)ctx;
	sim.msr_writes++;
	if (msr == AXV_MSR_IA32_FEATURE_CONTROL && !sim.feature_control_sticky)
		return;
	sim_msr_set(msr, v);
}

static void s_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)ctx;
	const uint32_t *src = NULL;
	static const uint32_t zero[4];
	if (leaf == 1)
		src = sim.cpuid1;
	else if (leaf == 0xd && sub == 0)
		src = sim.cpuid_d;
	else if (leaf == 7 && sub == 0)
		src = sim.cpuid7;
	else if (leaf == 0xb)
		src = sim.cpuid_b;
	else if (leaf == 0x80000001u)
		src = sim.cpuid_x1;
	else if (leaf == 5)
		src = sim.cpuid5;
	else
		src = zero;
	memcpy(out, src, 16);
}

static uint64_t s_read_cr(void *ctx, unsigned cr)
{
	(void)ctx;
	return cr < 5 ? sim.cr[cr] : 0;
}

static void s_write_cr(void *ctx, unsigned cr, uint64_t v)
{
	(void)ctx;
	sim.cr_writes++;
	if (cr < 5)
		sim.cr[cr] = v;
}

static uint64_t s_xgetbv(void *ctx, uint32_t xcr)
{
	(void)ctx;
	return xcr == 0 ? sim.xcr0 : 0;
}

static void s_xsetbv(void *ctx, uint32_t xcr, uint64_t v)
{
	(void)ctx;
	sim.xsetbv_calls++;
	if (xcr == 0)
		sim.xcr0 = v;
}

static void s_host_segments(void *ctx, uint16_t sel[7], uint64_t base[5])
{
	(void)ctx;
	static const uint16_t s[7] = {0x18, 0x10, 0x18, 0x18, 0, 0, 0x40};
	static const uint64_t b[5] = {0x1000, 0x2000, 0x3000, 0x4000, 0x5000};
	memcpy(sel, s, sizeof(s));
	memcpy(base, b, sizeof(b));
}

const struct axv_vmx_hw sim_hw = {
	.ctx = &sim,
	.vmxon = s_vmxon,
	.vmxoff = s_vmxoff,
	.vmclear = s_vmclear,
	.vmptrld = s_vmptrld,
	.vmread = s_vmread,
	.vmwrite = s_vmwrite,
	.invept = s_invept,
	.enter = s_enter,
	.exit_rip = s_exit_rip,
	.rdmsr = s_rdmsr,
	.wrmsr = s_wrmsr,
	.cpuid = s_cpuid,
	.read_cr = s_read_cr,
	.write_cr = s_write_cr,
	.xgetbv = s_xgetbv,
	.xsetbv = s_xsetbv,
	.host_segments = s_host_segments,
};
