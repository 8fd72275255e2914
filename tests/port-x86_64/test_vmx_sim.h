/* A simulated processor for the VMX backend's host tests: MSRs, CPUID, control registers,
 * XCR0 and one VMCS as a field array, behind struct axv_vmx_hw. */
#ifndef AXV_TESTS_VMX_SIM_H
#define AXV_TESTS_VMX_SIM_H

#include <axv/arch/x86_64_vmx.h>

#define SIM_MAX_FIELDS 256
#define SIM_MAX_MSRS 64

/* A small map of 32-bit keys (MSR numbers, VMCS field encodings) to values; an unknown key
 * reads 0. */
struct sim_map {
	uint32_t key[SIM_MAX_FIELDS];
	uint64_t val[SIM_MAX_FIELDS];
	unsigned n;
};

/* The guest's instruction bytes behind the MMIO fetch hook (sim_mmio_ops): a fetch records
 * its linear address, counts a request for other than 1 to 16 bytes in bad_max, returns
 * rc when set, empty_rc when there are no bytes, else copies what fits and returns that. */
struct sim_code {
	uint8_t bytes[16];
	size_t len;
	int rc, empty_rc;
	uint64_t linear;
	unsigned bad_max;
};

struct sim {
	struct sim_map msrs; /* at most SIM_MAX_MSRS */
	struct sim_code code;
	bool feature_control_sticky; /* false: writes to IA32_FEATURE_CONTROL are dropped */
	unsigned msr_writes;
	/* CPUID leaves 1, 0DH.0, 7.0, 0BH, 80000001H, everything else zero */
	uint32_t cpuid1[4], cpuid_d[4], cpuid7[4], cpuid_b[4], cpuid_x1[4], cpuid5[4];
	uint64_t cr[5];
	unsigned cr_writes;
	uint64_t xcr0;
	unsigned xsetbv_calls;
	/* VMX operation */
	bool vmx_on;
	int vmxon_rc;
	axv_hpa_t vmxon_pa;
	unsigned vmxon_calls, vmxoff_calls, vmclear_calls, vmptrld_calls;
	axv_hpa_t current; /* current VMCS, or ~0 */
	struct sim_map vmcs; /* the current VMCS's fields */
	unsigned invept_calls;
	uint64_t invept_type, invept_eptp;
	/* entry: rc to return, and a hook that plays the guest (sets exit fields, registers) */
	int enter_rc;
	unsigned enter_calls;
	bool last_resume;
	void (*guest)(struct sim *s, struct axv_x86_gprs *g);
};

extern struct sim sim;
extern const struct axv_vmx_hw sim_hw;

void sim_reset(void);              /* a capable processor, VMX off */
void sim_msr_set(uint32_t msr, uint64_t v);
uint64_t sim_msr_get(uint32_t msr);
void sim_vmcs_set(uint32_t field, uint64_t v); /* bypasses read-only checks */
uint64_t sim_vmcs_get(uint32_t field);
bool sim_vmcs_has(uint32_t field);

#define SIM_EXIT_RIP 0xffffffff81234560ull

/* The fixture the VMX tests and the VMX exit harness share: one processor (sim_cpu) with its
 * VMXON region, one VMCS and one MSR bitmap, at these "physical" addresses. */
#define SIM_VMXON_PA 0x100000ull
#define SIM_VMCS_PA 0x101000ull
#define SIM_BITMAP_PA 0x102000ull
extern uint8_t sim_vmxon_page[4096];
extern uint8_t sim_vmcs_page[4096];
extern uint8_t sim_msr_bitmap[4096];
extern struct axv_vmx_cpu sim_cpu;
/* sim_reset(), then sim_cpu zeroed over sim_hw and the (cleared) VMXON region, VMX off. */
void sim_cpu_reset(void);
/* The current_cpu hook: always sim_cpu. */
struct axv_vmx_cpu *sim_current_cpu(void *arg);
/* The MMIO hooks over sim.code. */
extern const struct axv_vmx_mmio_ops sim_mmio_ops;
/* A vcpu configuration over the fixture's VMCS and MSR bitmap (no MMIO hooks). */
struct axv_vmx_vcpu_config sim_vcpu_config(enum axv_vmx_guest_mode mode);

#endif
