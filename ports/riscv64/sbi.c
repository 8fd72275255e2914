/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SBI for the guest (RISC-V Supervisor Binary Interface Specification 1.0.0; DBCN from 2.0).
 * Plain C over the vcpu context: what the port can answer itself it answers; the calls that
 * need the hypervisor's view of other harts or of time become exits.
 */
#include <axv/arch/riscv64.h>
#include <axv/err.h>

/* SBI 4.1: spec version: major in bits 30:24, minor in 23:0. 2.0: DBCN (SBI 2.0 chapter 12)
 * is a 2.0 extension, and Linux uses it only from an SBI of 2.0 or later. */
#define SBI_SPEC_2_0 (2u << 24)
/* SBI 9.1: HSM hart_suspend types. */
#define HSM_SUSPEND_RETENTIVE 0x00000000u
#define HSM_SUSPEND_NON_RETENTIVE 0x80000000u
/* SBI 10.1: SRST reset types. */
#define SRST_SHUTDOWN 0u
#define SRST_COLD_REBOOT 1u
#define SRST_WARM_REBOOT 2u

void axv_rv64_sbi_return(struct axv_rv64_ctx *c, int64_t error, uint64_t value)
{
	if (!c)
		return;
	c->x[10] = (uint64_t)error;
	c->x[11] = value;
	c->pc += 4; /* ecall is 4 bytes (Vol. I 2.8) */
}

static bool known_ext(uint64_t eid)
{
	switch (eid) {
	case AXV_SBI_EXT_BASE:
	case AXV_SBI_EXT_TIME:
	case AXV_SBI_EXT_IPI:
	case AXV_SBI_EXT_RFENCE:
	case AXV_SBI_EXT_HSM:
	case AXV_SBI_EXT_SRST:
	case AXV_SBI_EXT_DBCN:
		return true;
	default:
		return false;
	}
}

static int base(struct axv_rv64_ctx *c, uint64_t fid, uint64_t impl_id)
{
	switch (fid) {
	case 0: axv_rv64_sbi_return(c, AXV_SBI_SUCCESS, SBI_SPEC_2_0); break; /* 4.1 */
	case 1: axv_rv64_sbi_return(c, AXV_SBI_SUCCESS, impl_id); break;      /* 4.2 */
	case 2: axv_rv64_sbi_return(c, AXV_SBI_SUCCESS, 0x10000); break;      /* 4.3 */
	case 3: axv_rv64_sbi_return(c, AXV_SBI_SUCCESS, known_ext(c->x[10]) ? 1 : 0); break;
	case 4: /* 4.5-4.7: mvendorid, marchid, mimpid: 0 is a legal "not implemented" */
	case 5:
	case 6: axv_rv64_sbi_return(c, AXV_SBI_SUCCESS, 0); break;
	default: axv_rv64_sbi_return(c, AXV_SBI_ERR_NOT_SUPPORTED, 0); break;
	}
	return AXV_SBI_DONE;
}

static int hsm(struct axv_rv64_ctx *c, struct axv_exit *e, uint64_t fid)
{
	switch (fid) {
	case 0: /* 9.1 hart_start(hartid, start_addr, opaque) */
		e->reason = AXV_EXIT_CPU_UP;
		e->cpu_up.target = c->x[10];
		e->cpu_up.entry = c->x[11];
		e->cpu_up.arg = c->x[12];
		return AXV_SBI_EXIT;
	case 1: /* 9.2 hart_stop(): does not return on success */
		e->reason = AXV_EXIT_CPU_DOWN;
		e->cpu_down.state = 0;
		return AXV_SBI_EXIT;
	case 3: /* 9.4 hart_suspend(type, resume_addr, opaque) */
		if ((uint32_t)c->x[10] == HSM_SUSPEND_RETENTIVE && (c->x[10] >> 32) == 0) {
			/* Retentive: like wfi, returns SBI_SUCCESS once an interrupt is pending. */
			axv_rv64_sbi_return(c, AXV_SBI_SUCCESS, 0);
			e->reason = AXV_EXIT_HALT;
			e->insn_len = 0;
			e->halt.has_deadline = false;
			e->halt.deadline = 0;
			return AXV_SBI_EXIT;
		}
		if ((uint32_t)c->x[10] == HSM_SUSPEND_NON_RETENTIVE && (c->x[10] >> 32) == 0)
			axv_rv64_sbi_return(c, AXV_SBI_ERR_NOT_SUPPORTED, 0);
		else
			axv_rv64_sbi_return(c, AXV_SBI_ERR_INVALID_PARAM, 0);
		return AXV_SBI_DONE;
	case 2: /* 9.3 hart_get_status(hartid): the embedder knows the harts */
		return AXV_SBI_EMBEDDER;
	default:
		axv_rv64_sbi_return(c, AXV_SBI_ERR_NOT_SUPPORTED, 0);
		return AXV_SBI_DONE;
	}
}

int axv_rv64_sbi(struct axv_rv64_ctx *c, struct axv_exit *e, uint64_t impl_id)
{
	if (!c || !e || e->reason != AXV_EXIT_HYPERCALL)
		return AXV_EINVAL;
	uint64_t eid = c->x[17], fid = c->x[16];
	switch (eid) {
	case AXV_SBI_EXT_BASE:
		return base(c, fid, impl_id);
	case AXV_SBI_EXT_HSM:
		return hsm(c, e, fid);
	case AXV_SBI_EXT_IPI:
		if (fid != 0) { /* 7.1 send_ipi(hart_mask, hart_mask_base) is the only one */
			axv_rv64_sbi_return(c, AXV_SBI_ERR_NOT_SUPPORTED, 0);
			return AXV_SBI_DONE;
		}
		e->reason = AXV_EXIT_SEND_IPI;
		e->ipi.target = c->x[10];
		e->ipi.aux = c->x[11];
		e->ipi.all = c->x[11] == ~0ull; /* SBI 3.1: hart_mask_base -1: every hart */
		e->ipi.self = false;
		e->ipi.vector = AXV_RV64_VIRQ_SOFT;
		return AXV_SBI_EXIT;
	case AXV_SBI_EXT_SRST:
		if (fid != 0) {
			axv_rv64_sbi_return(c, AXV_SBI_ERR_NOT_SUPPORTED, 0);
			return AXV_SBI_DONE;
		}
		/* 10.1 system_reset(reset_type, reset_reason) */
		if ((c->x[10] >> 32) != 0 || (uint32_t)c->x[10] > SRST_WARM_REBOOT) {
			axv_rv64_sbi_return(c, (uint32_t)c->x[10] >= 0xf0000000u && !(c->x[10] >> 32)
						       ? AXV_SBI_ERR_NOT_SUPPORTED
						       : AXV_SBI_ERR_INVALID_PARAM,
					    0);
			return AXV_SBI_DONE;
		}
		e->reason = (uint32_t)c->x[10] == SRST_SHUTDOWN ? AXV_EXIT_SYSTEM_DOWN
								 : AXV_EXIT_SYSTEM_RESET;
		return AXV_SBI_EXIT;
	case AXV_SBI_EXT_TIME:
	case AXV_SBI_EXT_RFENCE:
	case AXV_SBI_EXT_DBCN:
	case AXV_SBI_EXT_LEGACY_PUTCHAR:
	case AXV_SBI_EXT_AXV:
		return AXV_SBI_EMBEDDER;
	default:
		/* SBI 3: an unknown extension gets SBI_ERR_NOT_SUPPORTED. */
		axv_rv64_sbi_return(c, AXV_SBI_ERR_NOT_SUPPORTED, 0);
		return AXV_SBI_DONE;
	}
}
