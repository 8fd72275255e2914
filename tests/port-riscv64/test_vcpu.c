/* riscv64 port behind the core vcpu module: axv_rv64_vcpu_ops, axv_rv64_vic_ops and the
 * G-stage fault path over a scripted HS runtime. This file defines axv_rv64_enter(),
 * axv_rv64_fetch16() and axv_rv64_cpu_enable()/disable(), which on hardware live in hs.c:
 * each entry runs the next step of a script that sets the trap CSRs as the hardware would,
 * and the test sees what the world switch would load (hvip, hgatp, the pc). */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/riscv64.h>
#include <axv/err.h>

#include "mock_hal.h"
#include "rv64_hw.h"

struct step {
	uint64_t scause, stval, htval, htinst;
	void (*guest)(struct axv_rv64_ctx *c); /* what the guest does before it traps */
};

static struct {
	struct step script[16];
	unsigned n, next;
	uint64_t seen_hvip[16], seen_pc[16], seen_hgatp;
	struct axv_rv64_cpu cpu;
} rt;

int axv_rv64_enter(struct axv_rv64_cpu *cpu, struct axv_rv64_ctx *c)
{
	if (!cpu || !cpu->enabled || !c)
		return AXV_ESTATE;
	cr_assert_lt(rt.next, rt.n, "the guest ran past its script (pc 0x%lx)", c->pc);
	rt.seen_hvip[rt.next] = c->hvip;
	rt.seen_pc[rt.next] = c->pc;
	rt.seen_hgatp = c->hgatp;
	const struct step *s = &rt.script[rt.next++];
	if (s->guest)
		s->guest(c);
	c->scause = s->scause;
	c->stval = s->stval;
	c->htval = s->htval;
	c->htinst = s->htinst;
	return 0;
}

int axv_rv64_fetch16(void *ctx, uint64_t gva, uint16_t *half)
{
	(void)ctx;
	(void)gva;
	(void)half;
	return AXV_EFAULT;
}

int axv_rv64_cpu_enable(struct axv_rv64_cpu *cpu)
{
	cpu->enabled = true;
	return 0;
}

int axv_rv64_cpu_disable(struct axv_rv64_cpu *cpu)
{
	cpu->enabled = false;
	return 0;
}

static struct axv_rv64_cpu *this_cpu(void *ctx)
{
	(void)ctx;
	return &rt.cpu;
}

static void push(uint64_t scause, uint64_t stval, uint64_t htval,
		 void (*guest)(struct axv_rv64_ctx *c))
{
	rt.script[rt.n++] = (struct step){scause, stval, htval, 0, guest};
}

struct env {
	struct mock_hal mh;
	struct axv_pt_format f;
	struct axv_addrspace as;
	uint64_t hgatp;
	struct axv_virq virq;
	struct axv_rv64_vcpu port;
	struct axv_vcpu v;
};

static void env_init(struct env *e)
{
	memset(&rt, 0, sizeof(rt));
	mock_hal_init(&e->mh, 256);
	cr_assert_eq(axv_rv64_format_init(&e->f, AXV_RV64_SV39X4), 0);
	cr_assert_eq(axv_addrspace_init(&e->as, &e->mh.hal, &e->f, 0, 1ull << 34, 3), 0);
	cr_assert_eq(axv_addrspace_map_linear(&e->as, 0x80000000, 0x2c0000000ull, 0x400000,
					      AXV_MAP_RWX), 0);
	cr_assert_eq(axv_rv64_hgatp(e->f.levels, axv_addrspace_root(&e->as), 3, &e->hgatp), 0);
	cr_assert_eq(axv_virq_init(&e->virq), 0);
	for (uint32_t id = 1; id <= 9; id += 4)
		cr_assert_eq(axv_virq_enable(&e->virq, id), 0);
	struct axv_vcpu_config cfg = {
		.id = 0, .hal = &e->mh.hal, .ops = &axv_rv64_vcpu_ops, .port_ctx = &e->port,
		.virq = &e->virq, .vic = &axv_rv64_vic_ops, .vic_ctx = &e->port,
	};
	memset(&e->v, 0, sizeof(e->v));
	cr_assert_eq(axv_vcpu_create(&e->v, &cfg), 0);
	struct axv_rv64_vcpu_config pc = {.hartid = 0, .a1 = 0x9f000000, .hgatp = e->hgatp,
					  .sbi_impl_id = 7, .this_cpu = this_cpu};
	cr_assert_eq(axv_vcpu_setup(&e->v, 0x80200000, axv_addrspace_root(&e->as), &pc), 0);
	cr_assert_eq(axv_rv64_cpu_enable(&rt.cpu), 0);
	cr_assert_eq(axv_vcpu_bind(&e->v), 0);
}

static void env_fini(struct env *e)
{
	cr_expect_eq(axv_vcpu_unbind(&e->v), 0);
	cr_expect_eq(axv_vcpu_destroy(&e->v), 0);
	cr_expect_eq(axv_addrspace_destroy(&e->as), 0);
	mock_hal_fini(&e->mh);
}

static void sbi_base_version(struct axv_rv64_ctx *c)
{
	c->x[17] = AXV_SBI_EXT_BASE;
	c->x[16] = 0;
}

static void sbi_test_call(struct axv_rv64_ctx *c)
{
	c->x[17] = AXV_SBI_EXT_AXV;
	c->x[16] = 0;
	c->x[10] = 5;
}

static void timer_enabled(struct axv_rv64_ctx *c)
{
	c->vs.vsie = 1u << 5; /* STIE; the guest masks interrupts (SIE = 0) and idles */
	c->vs.vsstatus = 0;
}

/* The hardware walks the engine's table (hgatp names its root): a guest-page fault is a
 * real one and goes to the embedder as a nested page fault; the next run retries at the
 * faulting pc. SBI Base is answered inside run; the entry gets a0 = hartid, a1, hgatp. */
Test(rv64_vcpu, faults_go_out_and_base_calls_stay_inside_run)
{
	struct env e;
	env_init(&e);
	push(AXV_RV64_EXC_INSN_GUEST_PAGE, 0x80200000, 0x80200000 >> 2, NULL);
	push(AXV_RV64_EXC_ECALL_VS, 0, 0, sbi_base_version);
	push(AXV_RV64_EXC_ECALL_VS, 0, 0, sbi_test_call);
	struct axv_exit x;
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0);
	cr_expect_eq(x.reason, AXV_EXIT_NESTED_PAGE_FAULT, "reason %d", x.reason);
	cr_expect_eq(x.npf.addr, 0x80200000);
	cr_expect_eq(x.npf.access, AXV_MAP_EXEC);
	cr_expect_eq(e.port.gfaults, 1);
	cr_expect_eq(e.port.gfence_due, 1, "the address is fenced at the next entry");
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0);
	cr_expect_eq(e.port.gfence_due, 0);
	cr_expect_eq(x.reason, AXV_EXIT_HYPERCALL, "reason %d raw 0x%lx", x.reason, x.unhandled.raw);
	cr_expect_eq(x.hypercall.nr, AXV_SBI_EXT_AXV);
	cr_expect_eq(rt.next, 3, "three entries, two exits");
	cr_expect_eq(rt.seen_pc[0], 0x80200000);
	cr_expect_eq(rt.seen_pc[1], 0x80200000, "retried at the faulting pc");
	cr_expect_eq(rt.seen_pc[2], 0x80200004, "after the answered ecall: 0x%lx", rt.seen_pc[2]);
	cr_expect_eq(rt.seen_hgatp, e.hgatp);
	cr_expect_eq(e.hgatp, (8ull << 60) | (3ull << 44) | (axv_addrspace_root(&e.as) >> 12));
	uint64_t a1;
	cr_expect_eq(axv_vcpu_get_reg(&e.v, 11, &a1), 0);
	env_fini(&e);
}

/* wfi with a timer interrupt already in hvip (delivered, so active in the core's state) and
 * enabled in vsie: the wfi completes at once (Priv 3.3.3: it resumes when an enabled
 * interrupt is pending, whatever sstatus.SIE), so the vcpu must not block. Found by Debian's
 * Linux with 2 vcpus on a loaded host: both vcpus blocked forever in their idle loops. */
Test(rv64_vcpu, wfi_with_an_interrupt_in_hvip_does_not_block)
{
	struct env e;
	env_init(&e);
	cr_assert_eq(axv_vcpu_inject(&e.v, AXV_RV64_VIRQ_TIMER), 0);
	push(AXV_RV64_EXC_VIRTUAL_INSN, AXV_RV64_INSN_WFI, 0, timer_enabled);
	push(AXV_RV64_EXC_ECALL_VS, 0, 0, sbi_test_call);
	struct axv_exit x;
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0);
	cr_expect_eq(rt.seen_hvip[0] & AXV_RV64_HVIP_VSTIP, AXV_RV64_HVIP_VSTIP, "delivered");
	cr_expect_neq(axv_vcpu_state(&e.v), AXV_VCPU_BLOCKED, "blocked with VSTIP pending");
	if (x.reason == AXV_EXIT_HALT)
		cr_assert_eq(axv_vcpu_run(&e.v, &x), 0, "run again");
	cr_expect_eq(x.reason, AXV_EXIT_HYPERCALL);
	cr_expect_eq(rt.seen_pc[1], 0x80200004, "past the wfi");
	env_fini(&e);
}

/* wfi with nothing pending: a HALT exit, the vcpu blocked, pc past the wfi. Withdrawing the
 * timer line (axv_rv64_irq_lower) clears hvip and ends the interrupt. */
Test(rv64_vcpu, wfi_blocks_and_irq_lower_ends_the_interrupt)
{
	struct env e;
	env_init(&e);
	push(AXV_RV64_EXC_VIRTUAL_INSN, AXV_RV64_INSN_WFI, 0, timer_enabled);
	push(AXV_RV64_EXC_ECALL_VS, 0, 0, sbi_test_call);
	push(AXV_RV64_EXC_ECALL_VS, 0, 0, sbi_test_call);
	struct axv_exit x;
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0);
	cr_expect_eq(x.reason, AXV_EXIT_HALT);
	cr_expect_eq(axv_vcpu_state(&e.v), AXV_VCPU_BLOCKED);
	cr_expect_eq(axv_vcpu_run(&e.v, &x), AXV_EAGAIN);
	cr_assert_eq(axv_vcpu_inject(&e.v, AXV_RV64_VIRQ_TIMER), 0);
	cr_expect_eq(axv_vcpu_state(&e.v), AXV_VCPU_READY);
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0);
	cr_expect_eq(rt.seen_pc[1], 0x80200004);
	cr_expect(rt.seen_hvip[1] & AXV_RV64_HVIP_VSTIP);
	cr_expect(axv_virq_is_active(&e.virq, AXV_RV64_VIRQ_TIMER));
	cr_assert_eq(axv_rv64_irq_lower(&e.port, &e.virq, AXV_RV64_VIRQ_TIMER), 0);
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0);
	cr_expect_eq(rt.seen_hvip[2] & AXV_RV64_HVIP_VSTIP, 0);
	cr_expect(!axv_virq_is_active(&e.virq, AXV_RV64_VIRQ_TIMER), "ended");
	cr_expect_eq(axv_rv64_irq_lower(&e.port, &e.virq, 3), AXV_EINVAL);
	env_fini(&e);
}

/* The guest clears its SSIP (hvip.VSSIP, Priv 8.2.3): the core sees the interrupt ended. */
static void clear_ssip(struct axv_rv64_ctx *c)
{
	c->hvip &= ~AXV_RV64_HVIP_VSSIP;
	sbi_test_call(c);
}

Test(rv64_vcpu, guest_clears_its_software_interrupt)
{
	struct env e;
	env_init(&e);
	cr_assert_eq(axv_vcpu_inject(&e.v, AXV_RV64_VIRQ_SOFT), 0);
	push(AXV_RV64_EXC_ECALL_VS, 0, 0, clear_ssip);
	push(AXV_RV64_EXC_ECALL_VS, 0, 0, sbi_test_call);
	struct axv_exit x;
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0);
	cr_expect(rt.seen_hvip[0] & AXV_RV64_HVIP_VSSIP);
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0);
	cr_expect(!axv_virq_is_active(&e.virq, AXV_RV64_VIRQ_SOFT));
	cr_expect_eq(axv_vcpu_inject(&e.v, AXV_RV64_VIRQ_SOFT), 0, "may be sent again");
	env_fini(&e);
}

/* The external line (a PLIC context): hvip.VSEIP follows axv_rv64_set_ext_level() at each
 * entry (Priv 8.2.3), and a wfi with it high and SEIE set does not block. */
static void ext_enabled(struct axv_rv64_ctx *c)
{
	c->vs.vsie = 1u << 9; /* SEIE */
}

Test(rv64_vcpu, external_line_follows_its_level)
{
	struct env e;
	env_init(&e);
	axv_rv64_set_ext_level(&e.port, true);
	push(AXV_RV64_EXC_VIRTUAL_INSN, AXV_RV64_INSN_WFI, 0, ext_enabled);
	push(AXV_RV64_EXC_ECALL_VS, 0, 0, sbi_test_call);
	push(AXV_RV64_EXC_ECALL_VS, 0, 0, sbi_test_call);
	struct axv_exit x;
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0);
	cr_expect_eq(x.reason, AXV_EXIT_HYPERCALL, "the wfi did not block");
	cr_expect(rt.seen_hvip[0] & AXV_RV64_HVIP_VSEIP);
	cr_expect(rt.seen_hvip[1] & AXV_RV64_HVIP_VSEIP);
	axv_rv64_set_ext_level(&e.port, false);
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0);
	cr_expect_eq(rt.seen_hvip[2] & AXV_RV64_HVIP_VSEIP, 0, "lowered");
	env_fini(&e);
}

/* The guest ends its software interrupt (clears SSIP, Priv 8.2.3: hvip.VSSIP) while another
 * hart sends it a new one, then idles: the new one was pended while the first was active,
 * so it is deliverable only once the end is seen, which must happen before the core decides
 * whether the halt blocks (vic on_exit). Found by the pingpong guest: both vcpus blocked
 * forever with an IPI pending. */
static struct axv_vcpu *racing_vcpu;

static void end_ssip_while_another_arrives_then_wfi(struct axv_rv64_ctx *c)
{
	c->hvip &= ~AXV_RV64_HVIP_VSSIP;
	cr_assert_eq(axv_vcpu_inject(racing_vcpu, AXV_RV64_VIRQ_SOFT), 0, "pended while active");
	c->vs.vsie = 1u << 1; /* SSIE */
}

Test(rv64_vcpu, an_ended_interrupt_pended_again_wakes_the_halt)
{
	struct env e;
	env_init(&e);
	racing_vcpu = &e.v;
	cr_assert_eq(axv_vcpu_inject(&e.v, AXV_RV64_VIRQ_SOFT), 0);
	push(AXV_RV64_EXC_VIRTUAL_INSN, AXV_RV64_INSN_WFI, 0,
	     end_ssip_while_another_arrives_then_wfi);
	push(AXV_RV64_EXC_ECALL_VS, 0, 0, sbi_test_call);
	struct axv_exit x;
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0);
	cr_expect(rt.seen_hvip[0] & AXV_RV64_HVIP_VSSIP, "the first one delivered");
	cr_expect_neq(axv_vcpu_state(&e.v), AXV_VCPU_BLOCKED, "blocked with an IPI pending");
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0, "runs again");
	cr_expect(rt.seen_hvip[1] & AXV_RV64_HVIP_VSSIP, "the second one delivered");
	env_fini(&e);
}

/* Another hart pends an IPI while the guest runs (the vcpu is Running: the injector sends a
 * kick, still on its way) and the guest idles before the kick arrives: the exit is a wfi with
 * nothing in hvip. The core publishes Blocked, then looks for a deliverable interrupt: the
 * halt does not block, and the next entry has VSSIP (the wfi ends on it, Priv 3.3.3). */
static void ipi_pended_while_running_then_wfi(struct axv_rv64_ctx *c)
{
	cr_assert_eq(axv_vcpu_state(racing_vcpu), AXV_VCPU_RUNNING);
	cr_assert_eq(axv_vcpu_inject(racing_vcpu, AXV_RV64_VIRQ_SOFT), 0);
	c->vs.vsie = 1u << 1; /* SSIE */
}

Test(rv64_vcpu, an_ipi_pended_while_running_wakes_the_halt_that_follows)
{
	struct env e;
	env_init(&e);
	racing_vcpu = &e.v;
	push(AXV_RV64_EXC_VIRTUAL_INSN, AXV_RV64_INSN_WFI, 0, ipi_pended_while_running_then_wfi);
	push(AXV_RV64_EXC_ECALL_VS, 0, 0, sbi_test_call);
	struct axv_exit x;
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0);
	cr_expect_eq(x.reason, AXV_EXIT_HALT);
	cr_expect_eq(rt.seen_hvip[0] & AXV_RV64_HVIP_VSSIP, 0, "nothing in hvip at the wfi");
	cr_expect_eq(axv_vcpu_state(&e.v), AXV_VCPU_READY, "blocked with an IPI pending");
	cr_expect_eq(atomic_load(&e.mh.ipis[0]), 1, "the injector kicked the running vcpu");
	cr_assert_eq(axv_vcpu_run(&e.v, &x), 0, "runs again");
	cr_expect(rt.seen_hvip[1] & AXV_RV64_HVIP_VSSIP, "delivered at the next entry");
	env_fini(&e);
}
