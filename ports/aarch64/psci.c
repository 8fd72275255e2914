/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PSCI answers that depend on the whole guest: CPU_ON and AFFINITY_INFO over the vcpus'
 * affinities and power states (struct axv_a64_psci). Plain C: built into the port library
 * and into the host unit tests. The per-call decoding is in decode.c.
 *
 * References: Arm DEN 0022D.b (PSCI 1.1) 5.6 CPU_ON, 5.7 AFFINITY_INFO; DDI 0487 D17.2
 * MPIDR_EL1 (affinity fields Aff3 [39:32], Aff2 [23:16], Aff1 [15:8], Aff0 [7:0]).
 */
#include <stdatomic.h>

#include <axv/arch/aarch64.h>
#include <axv/err.h>

int axv_a64_psci_init(struct axv_a64_psci *p, const uint64_t *mpidrs, uint32_t nr,
		      axv_a64_psci_entry_fn entry_ok, void *ctx)
{
	if (!p || !mpidrs || !entry_ok || nr == 0 || nr > AXV_A64_PSCI_MAX_VCPUS)
		return AXV_EINVAL;
	for (uint32_t i = 0; i < nr; i++) {
		if (mpidrs[i] & ~AXV_A64_MPIDR_AFF_MASK)
			return AXV_EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (mpidrs[j] == mpidrs[i])
				return AXV_EINVAL; /* two vcpus one target: CPU_ON could not tell */
	}
	p->nr = nr;
	for (uint32_t i = 0; i < AXV_A64_PSCI_MAX_VCPUS; i++) {
		p->mpidr[i] = i < nr ? mpidrs[i] : 0;
		atomic_init(&p->state[i], AXV_PSCI_AFF_OFF);
	}
	p->entry_ok = entry_ok;
	p->entry_ctx = ctx;
	return 0;
}

/* The vcpu with exactly this affinity, or nr. */
static uint32_t find(const struct axv_a64_psci *p, uint64_t mpidr)
{
	uint32_t i = 0;
	while (i < p->nr && p->mpidr[i] != mpidr)
		i++;
	return i;
}

int64_t axv_a64_psci_cpu_on(struct axv_a64_psci *p, const struct axv_exit *e, uint32_t *idx)
{
	if (!p || !e || !idx || e->reason != AXV_EXIT_CPU_UP)
		return AXV_PSCI_RET_INVALID_PARAMETERS;
	/* 5.6.2: INVALID_PARAMETERS for a target_cpu that is not a core of the system (the
	 * decoder already refused non-affinity bits; checked again for other callers). */
	uint64_t target = e->cpu_up.target;
	uint32_t t = find(p, target);
	if ((target & ~AXV_A64_MPIDR_AFF_MASK) || t == p->nr)
		return AXV_PSCI_RET_INVALID_PARAMETERS;
	/* 5.6.2: INVALID_ADDRESS when the entry point is known to be invalid: here, not
	 * memory the guest may execute, where the vcpu would only ever take aborts. Checked
	 * before the target's state, as the Trusted Firmware's reference implementation does,
	 * so a bad address is reported whatever the target is doing. */
	if (!p->entry_ok(p->entry_ctx, e->cpu_up.entry))
		return AXV_PSCI_RET_INVALID_ADDRESS;
	uint32_t expect = AXV_PSCI_AFF_OFF;
	if (!atomic_compare_exchange_strong(&p->state[t], &expect, AXV_PSCI_AFF_ON_PENDING))
		return expect == AXV_PSCI_AFF_ON ? AXV_PSCI_RET_ALREADY_ON
						 : AXV_PSCI_RET_ON_PENDING;
	*idx = t;
	return AXV_PSCI_RET_SUCCESS;
}

/* MPIDR affinity fields at @level and above (5.7: the fields below it are ignored). */
static uint64_t level_mask(unsigned level)
{
	static const uint64_t mask[4] = {0xff00ffffffull, 0xff00ffff00ull, 0xff00ff0000ull,
					 0xff00000000ull};
	return mask[level];
}

int64_t axv_a64_psci_affinity_info(const struct axv_a64_psci *p, uint64_t target,
				   uint64_t level)
{
	/* 5.7: INVALID_PARAMETERS for a level the MPIDR does not have or a target that is
	 * not an affinity, and for a node the guest's topology does not have (no vcpu in
	 * it), as the Trusted Firmware and KVM answer. */
	if (!p || level > 3 || (target & ~AXV_A64_MPIDR_AFF_MASK))
		return AXV_PSCI_RET_INVALID_PARAMETERS;
	uint64_t m = level_mask((unsigned)level);
	bool any = false, pending = false;
	for (uint32_t i = 0; i < p->nr; i++) {
		if ((p->mpidr[i] & m) != (target & m))
			continue;
		any = true;
		uint32_t s = atomic_load(&p->state[i]);
		if (s == AXV_PSCI_AFF_ON)
			return AXV_PSCI_AFF_ON; /* a node is ON when any of its cores is */
		pending |= s == AXV_PSCI_AFF_ON_PENDING;
	}
	if (!any)
		return AXV_PSCI_RET_INVALID_PARAMETERS;
	return pending ? AXV_PSCI_AFF_ON_PENDING : AXV_PSCI_AFF_OFF;
}

int axv_a64_psci_power_on(struct axv_a64_psci *p, uint32_t idx)
{
	if (!p || idx >= p->nr)
		return AXV_EINVAL;
	atomic_store(&p->state[idx], AXV_PSCI_AFF_ON);
	return 0;
}

int axv_a64_psci_power_off(struct axv_a64_psci *p, uint32_t idx)
{
	if (!p || idx >= p->nr)
		return AXV_EINVAL;
	atomic_store(&p->state[idx], AXV_PSCI_AFF_OFF);
	return 0;
}

uint32_t axv_a64_psci_state(const struct axv_a64_psci *p, uint32_t idx)
{
	if (!p || idx >= p->nr)
		return AXV_PSCI_AFF_OFF;
	return atomic_load(&p->state[idx]);
}
