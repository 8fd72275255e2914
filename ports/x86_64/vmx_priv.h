/* SPDX-License-Identifier: Apache-2.0 */
/* Private helpers of the VMX backend (vmx.c, vmx_vmcs.c, vmx_exit.c, vmx_vcpu.c). */
#ifndef AXV_PORTS_X86_64_VMX_PRIV_H
#define AXV_PORTS_X86_64_VMX_PRIV_H

#include <axv/arch/x86_64_vmx.h>
#include <axv/err.h>

/* VMREAD/VMWRITE through the vcpu's ops; errors pass through. */
static inline int vmr(const struct axv_vmx_vcpu *v, uint32_t field, uint64_t *val)
{
	return v->hw->vmread(v->hw->ctx, field, val);
}

static inline int vmw(const struct axv_vmx_vcpu *v, uint32_t field, uint64_t val)
{
	return v->hw->vmwrite(v->hw->ctx, field, val);
}

/* Evaluate call (an int-returning VMX step); on an error return it from the calling
 * function. R and W below: VMREAD / VMWRITE of vcpu v's VMCS that way. */
#define VMX_TRY(call)                                                                           \
	do {                                                                                    \
		int rc_ = (call);                                                               \
		if (rc_ != 0)                                                                   \
			return rc_;                                                             \
	} while (0)
#define VMX_R(f, p) VMX_TRY(vmr(v, (f), (p)))
#define VMX_W(f, val) VMX_TRY(vmw(v, (f), (val)))

/* Guest CR0/CR4 as the guest wants them: real value within the fixed bits, read shadow and
 * guest/host mask (vmx_vmcs.c). Returns 0, AXV_EINVAL for a value that #GPs, or a VMX error. */
int axv_vmx_set_guest_cr(struct axv_vmx_vcpu *v, unsigned cr, uint64_t val);

/* Move the guest RIP by len and end STI/MOV-SS blocking (vmx_exit.c). */
int axv_vmx_advance_rip(struct axv_vmx_vcpu *v, uint64_t len);

/* EPTP for a root: WB walks (bits 2:0 = 6), 4-level walk (bits 5:3 = 3). SDM 25.6.11. */
static inline uint64_t axv_vmx_eptp(axv_hpa_t root)
{
	return (root & 0x000ffffffffff000ull) | 6u | (3u << 3);
}

#endif
