/* Fuzz harness: VMX exit decoding over a simulated VMCS (tests/port-x86_64/test_vmx_sim.c):
 * the exit reason, qualification, instruction length, interruption information, guest
 * physical address, guest control registers, general registers and, for EPT violations at
 * an MMIO address, the instruction bytes, all from the input.
 *
 * Checks: decoding never fails and gives a valid reason with the exit's RIP; RIP moves only
 * for exits handled in place or already stepped over, and then forward by at most 15 bytes;
 * widths, registers and flags of access exits are valid, and every MMIO, port and MSR exit
 * without the string flags is completed by axv_exit_complete() through a bus; nested page
 * faults name one access kind; unhandled exits carry the raw reason. */
#include <string.h>

#include <axv/arch/x86_64_vmx.h>
#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>

#include "../port-x86_64/test_vmx_sim.h"
#include "fuzz.h"
#include "fuzz_x86.h"
#include "vmx_hw.h"

static struct axv_vmx_vcpu vc;

#define RIP0 0x100000ull

static axv_gpa_t mmio_lo, mmio_hi;

/* Does the stand-in device (the resolver's bus) hold @gpa? */
static bool is_device(axv_gpa_t gpa)
{
	return gpa >= mmio_lo && gpa < mmio_hi;
}

static const uint32_t reasons[] = {
	AXV_VMX_EXIT_EXCEPTION_NMI, AXV_VMX_EXIT_EXTERNAL_INTERRUPT, AXV_VMX_EXIT_TRIPLE_FAULT,
	AXV_VMX_EXIT_CPUID, AXV_VMX_EXIT_HLT, AXV_VMX_EXIT_VMCALL, AXV_VMX_EXIT_CR_ACCESS,
	AXV_VMX_EXIT_IO_INSTRUCTION, AXV_VMX_EXIT_RDMSR, AXV_VMX_EXIT_WRMSR,
	AXV_VMX_EXIT_EPT_VIOLATION, AXV_VMX_EXIT_EPT_MISCONFIG, AXV_VMX_EXIT_XSETBV,
	AXV_VMX_EXIT_INTERRUPT_WINDOW, AXV_VMX_EXIT_NMI_WINDOW, AXV_VMX_EXIT_VMXON};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = {data, size};
	sim_cpu_reset();
	memset(&vc, 0, sizeof(vc));
	FUZZ_CHECK(axv_vmx_cpu_enable(&sim_cpu) == 0, "enable");
	FUZZ_CHECK(axv_vmx_vcpu_ops.create(&vc, 2) == 0, "create");
	uint8_t mode = fin_u8(&in);
	struct axv_vmx_vcpu_config cfg =
		sim_vcpu_config((mode & 1) ? AXV_VMX_GUEST_REAL : AXV_VMX_GUEST_FLAT32);
	cfg.mmio = (mode & 2) ? NULL : &sim_mmio_ops;
	FUZZ_CHECK(axv_vmx_vcpu_ops.setup(&vc, &cfg) == 0, "setup");
	FUZZ_CHECK(axv_vmx_vcpu_ops.set_entry(&vc, (mode & 1) ? 0x7c00 : RIP0) == 0, "entry");
	FUZZ_CHECK(axv_vmx_vcpu_ops.bind(&vc) == 0, "bind");

	uint8_t rb = fin_u8(&in);
	uint32_t reason = rb & 0x80 ? fin_u32(&in)
				    : reasons[rb % (sizeof(reasons) / sizeof(reasons[0]))];
	uint64_t qual = fin_u64(&in);
	uint8_t ilen = fin_u8(&in);
	sim_vmcs_set(AXV_VMCS_EXIT_REASON, reason);
	sim_vmcs_set(AXV_VMCS_EXIT_QUALIFICATION, qual);
	sim_vmcs_set(AXV_VMCS_EXIT_INSTRUCTION_LEN, ilen & 0x80 ? ilen : ilen % 16);
	sim_vmcs_set(AXV_VMCS_EXIT_INTR_INFO, fin_u32(&in));
	axv_gpa_t gpa = fin_u8(&in) & 1 ? UINT64_MAX - fin_u16(&in) : fin_u32(&in);
	sim_vmcs_set(AXV_VMCS_GUEST_PHYSICAL_ADDRESS, gpa);
	mmio_lo = gpa & ~0xfffull;
	mmio_hi = fin_u8(&in) & 1 ? mmio_lo : mmio_lo + 0x1000; /* empty: not MMIO */
	if (fin_u8(&in) & 1) {
		sim_vmcs_set(AXV_VMCS_GUEST_CR0, fin_u64(&in));
		sim_vmcs_set(AXV_VMCS_GUEST_CR4, fin_u64(&in));
		sim_vmcs_set(AXV_VMCS_GUEST_IA32_EFER, fin_u64(&in));
		sim_vmcs_set(AXV_VMCS_GUEST_CS_AR, fin_u32(&in));
	}
	sim.code.len = fin_u8(&in) % 17;
	for (size_t i = 0; i < sizeof(sim.code.bytes); i++)
		sim.code.bytes[i] = fin_u8(&in);
	sim.code.rc = (fin_u8(&in) & 7) == 7 ? AXV_EFAULT : 0;
	for (unsigned i = 0; i < 16; i++)
		vc.regs.r[i] = in.n ? fin_u64(&in) : 0x0101010101010101ull * (i + 1);
	test_dev.value = fin_u64(&in);
	uint64_t rip0 = sim_vmcs_get(AXV_VMCS_GUEST_RIP);

	struct axv_exit e;
	memset(&e, 0x5a, sizeof(e));
	FUZZ_CHECK(axv_vmx_decode_exit(NULL, &e) == AXV_EINVAL, "NULL vcpu");
	int rc = axv_vmx_decode_exit(&vc, &e);
	FUZZ_CHECK(rc == 0, "reason %#x: decode %d", reason, rc);
	FUZZ_CHECK((unsigned)e.reason < AXV_EXIT_REASON_COUNT, "reason %d", e.reason);
	FUZZ_CHECK(e.pc == rip0, "exit pc");
	uint64_t rip = sim_vmcs_get(AXV_VMCS_GUEST_RIP);
	if (rip != rip0) {
		FUZZ_CHECK(rip - rip0 <= 15, "RIP moved by %#llx", (unsigned long long)(rip - rip0));
		FUZZ_CHECK(e.reason == AXV_EXIT_NOTHING || e.reason == AXV_EXIT_HALT ||
				   e.reason == AXV_EXIT_HYPERCALL,
			   "RIP moved for reason %d", e.reason);
	}
	/* What axv_vcpu_resolve() does for a fault a device holds: decode it on demand. */
	if (e.reason == AXV_EXIT_NESTED_PAGE_FAULT && is_device(e.npf.addr)) {
		const struct axv_exit before = e;
		rc = axv_vmx_decode_access(&vc, &e);
		FUZZ_CHECK(rc == 0 || rc == AXV_ENOTSUP || rc == AXV_EFAULT, "decode_access %d", rc);
		if (rc != 0)
			FUZZ_CHECK(memcmp(&before, &e, sizeof(e)) == 0, "failed decode changed the exit");
		else
			FUZZ_CHECK((e.reason == AXV_EXIT_MMIO_READ || e.reason == AXV_EXIT_MMIO_WRITE) &&
					   e.access.addr == before.npf.addr && e.pc == before.pc,
				   "decoded into reason %d", e.reason);
		FUZZ_CHECK(sim_vmcs_get(AXV_VMCS_GUEST_RIP) == rip, "decode moved RIP");
	}
	FUZZ_CHECK(sim.code.bad_max == 0, "a fetch of other than 1 to 16 bytes");
	switch (e.reason) {
	case AXV_EXIT_NESTED_PAGE_FAULT:
		/* What axv_addrspace_handle_fault() accepts: a non-empty subset of R, W, X. */
		FUZZ_CHECK(e.npf.access != 0 && !(e.npf.access & ~AXV_MAP_RWX),
			   "npf access %#x", e.npf.access);
		break;
	case AXV_EXIT_UNHANDLED:
		FUZZ_CHECK((uint32_t)e.unhandled.raw == reason || (reason & 0x80000000u) == 0,
			   "raw reason");
		break;
	case AXV_EXIT_FAIL_ENTRY:
		/* Bit 31, or a basic reason that only an entry failure has (SDM Vol. 3C 27.8:
		 * invalid guest state 33, MSR loading 34, machine check 41). */
		FUZZ_CHECK((reason & 0x80000000u) || (reason & 0xffffu) == 33 ||
				   (reason & 0xffffu) == 34 || (reason & 0xffffu) == 41,
			   "entry failure from reason %#x", reason);
		break;
	default:
		break;
	}
	fuzz_x86_access_exit(&e, &vc.regs, reason);
	axv_vmx_vcpu_ops.unbind(&vc);
	return 0;
}
