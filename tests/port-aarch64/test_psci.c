/* aarch64 port: the PSCI view of a guest's vcpus (struct axv_a64_psci), CPU_ON and
 * AFFINITY_INFO answers against Arm DEN 0022D.b 5.6 and 5.7. */
#include <criterion/criterion.h>
#include <string.h>

#include <axv/arch/aarch64.h>
#include <axv/err.h>

/* Guest RAM [0x40000000, 0x50000000) is executable; nothing else is. */
static unsigned checks;
static bool ram(void *ctx, axv_gpa_t gpa)
{
	cr_assert_eq(ctx, &checks);
	checks++;
	return gpa >= 0x40000000 && gpa < 0x50000000;
}

/* Four vcpus in two clusters, one of them behind Aff2 and Aff3. */
static const uint64_t mpidr[] = {0x000, 0x001, 0x100, 0x0100010000ull};
static struct axv_a64_psci p;

static void setup(void)
{
	checks = 0;
	cr_assert_eq(axv_a64_psci_init(&p, mpidr, 4, ram, &checks), 0);
}

TestSuite(psci, .init = setup);

static struct axv_exit up(uint64_t target, uint64_t entry)
{
	struct axv_exit e;
	memset(&e, 0, sizeof(e));
	e.reason = AXV_EXIT_CPU_UP;
	e.cpu_up.target = target;
	e.cpu_up.entry = entry;
	e.cpu_up.arg = 0x1234;
	return e;
}

static int64_t cpu_on(uint64_t target, uint64_t entry, uint32_t *idx)
{
	struct axv_exit e = up(target, entry);
	return axv_a64_psci_cpu_on(&p, &e, idx);
}

Test(psci, init_validates_the_topology)
{
	struct axv_a64_psci q;
	memset(&q, 0x5a, sizeof(q));
	struct axv_a64_psci before = q;
	static const uint64_t dup[] = {0, 1, 1};
	static const uint64_t bad[] = {0, 1ull << 31};
	uint64_t many[AXV_A64_PSCI_MAX_VCPUS + 1];
	for (unsigned i = 0; i <= AXV_A64_PSCI_MAX_VCPUS; i++)
		many[i] = i;
	cr_expect_eq(axv_a64_psci_init(&q, dup, 3, ram, NULL), AXV_EINVAL, "duplicate MPIDR");
	cr_expect_eq(axv_a64_psci_init(&q, bad, 2, ram, NULL), AXV_EINVAL, "non-affinity bit");
	cr_expect_eq(axv_a64_psci_init(&q, many, 0, ram, NULL), AXV_EINVAL);
	cr_expect_eq(axv_a64_psci_init(&q, many, AXV_A64_PSCI_MAX_VCPUS + 1, ram, NULL),
		     AXV_EINVAL);
	cr_expect_eq(axv_a64_psci_init(&q, many, 2, NULL, NULL), AXV_EINVAL, "no memory check");
	cr_expect_eq(axv_a64_psci_init(&q, NULL, 2, ram, NULL), AXV_EINVAL);
	cr_expect_eq(axv_a64_psci_init(NULL, many, 2, ram, NULL), AXV_EINVAL);
	cr_expect_eq(memcmp(&q, &before, sizeof(q)), 0, "refused: untouched");
	cr_expect_eq(axv_a64_psci_init(&q, many, AXV_A64_PSCI_MAX_VCPUS, ram, NULL), 0);
	for (unsigned i = 0; i < AXV_A64_PSCI_MAX_VCPUS; i++)
		cr_expect_eq(axv_a64_psci_state(&q, i), AXV_PSCI_AFF_OFF, "all OFF");
}

Test(psci, cpu_on_checks_target_then_address_then_state)
{
	uint32_t idx = 99;
	/* 5.6.2 INVALID_PARAMETERS: no vcpu has that affinity (nothing else is looked at). */
	cr_expect_eq(cpu_on(0x002, 0x40080000, &idx), AXV_PSCI_RET_INVALID_PARAMETERS);
	cr_expect_eq(cpu_on(0x101, 0x40080000, &idx), AXV_PSCI_RET_INVALID_PARAMETERS);
	cr_expect_eq(cpu_on(0x0100000000ull, 0x40080000, &idx), AXV_PSCI_RET_INVALID_PARAMETERS);
	cr_expect_eq(cpu_on(0x002, 0, &idx), AXV_PSCI_RET_INVALID_PARAMETERS, "target first");
	cr_expect_eq(cpu_on(1ull << 31 | 1, 0x40080000, &idx), AXV_PSCI_RET_INVALID_PARAMETERS,
		     "non-affinity bits, from a caller other than the decoder");
	cr_expect_eq(checks, 0, "the memory check is not asked for a bad target");
	/* 5.6.2 INVALID_ADDRESS: the entry point is not executable guest memory. Boundaries:
	 * the first and last byte of RAM are fine, one below and the end are not. */
	cr_expect_eq(cpu_on(0x001, 0x3ffffffc, &idx), AXV_PSCI_RET_INVALID_ADDRESS);
	cr_expect_eq(cpu_on(0x001, 0x50000000, &idx), AXV_PSCI_RET_INVALID_ADDRESS);
	cr_expect_eq(cpu_on(0x001, 0, &idx), AXV_PSCI_RET_INVALID_ADDRESS);
	cr_expect_eq(cpu_on(0x001, ~0ull, &idx), AXV_PSCI_RET_INVALID_ADDRESS);
	cr_expect_eq(idx, 99, "idx written only on SUCCESS");
	for (unsigned i = 0; i < 4; i++)
		cr_expect_eq(axv_a64_psci_state(&p, i), AXV_PSCI_AFF_OFF, "nothing started");
	/* ALREADY_ON beats nothing but the two above: an ON target with a bad address is
	 * INVALID_ADDRESS (the Trusted Firmware's order). */
	cr_assert_eq(axv_a64_psci_power_on(&p, 0), 0);
	cr_expect_eq(cpu_on(0x000, 0x40080000, &idx), AXV_PSCI_RET_ALREADY_ON);
	cr_expect_eq(cpu_on(0x000, 0x60000000, &idx), AXV_PSCI_RET_INVALID_ADDRESS);
	/* SUCCESS: the target is ON_PENDING until the embedder has it ready. */
	cr_expect_eq(cpu_on(0x001, 0x4fffffff, &idx), AXV_PSCI_RET_SUCCESS, "last byte of RAM");
	cr_expect_eq(idx, 1);
	cr_expect_eq(axv_a64_psci_state(&p, 1), AXV_PSCI_AFF_ON_PENDING);
	cr_expect_eq(cpu_on(0x001, 0x40000000, &idx), AXV_PSCI_RET_ON_PENDING,
		     "a second CPU_ON while the first is carried out");
	cr_assert_eq(axv_a64_psci_power_on(&p, 1), 0);
	cr_expect_eq(cpu_on(0x001, 0x40000000, &idx), AXV_PSCI_RET_ALREADY_ON);
	/* CPU_OFF: it can be started again, at another entry. */
	cr_assert_eq(axv_a64_psci_power_off(&p, 1), 0);
	cr_expect_eq(cpu_on(0x001, 0x40000000, &idx), AXV_PSCI_RET_SUCCESS);
	cr_expect_eq(cpu_on(0x0100010000ull, 0x40000000, &idx), AXV_PSCI_RET_SUCCESS, "Aff3/Aff2");
	cr_expect_eq(idx, 3);
	/* Not a CPU_UP exit, NULL arguments. */
	struct axv_exit e = up(0x100, 0x40000000);
	e.reason = AXV_EXIT_HYPERCALL;
	cr_expect_eq(axv_a64_psci_cpu_on(&p, &e, &idx), AXV_PSCI_RET_INVALID_PARAMETERS);
	e.reason = AXV_EXIT_CPU_UP;
	cr_expect_eq(axv_a64_psci_cpu_on(NULL, &e, &idx), AXV_PSCI_RET_INVALID_PARAMETERS);
	cr_expect_eq(axv_a64_psci_cpu_on(&p, NULL, &idx), AXV_PSCI_RET_INVALID_PARAMETERS);
	cr_expect_eq(axv_a64_psci_cpu_on(&p, &e, NULL), AXV_PSCI_RET_INVALID_PARAMETERS);
	cr_expect_eq(axv_a64_psci_state(&p, 2), AXV_PSCI_AFF_OFF);
}

Test(psci, affinity_info_by_level)
{
	const int64_t ON = AXV_PSCI_AFF_ON, OFF = AXV_PSCI_AFF_OFF,
		      PENDING = AXV_PSCI_AFF_ON_PENDING, INVAL = AXV_PSCI_RET_INVALID_PARAMETERS;
	/* All off. */
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x000, 0), OFF);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x000, 1), OFF);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x000, 3), OFF);
	cr_assert_eq(axv_a64_psci_power_on(&p, 1), 0); /* MPIDR 0x001 */
	/* Level 0: exactly one core. */
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x000, 0), OFF);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x001, 0), ON);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x100, 0), OFF);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x0100010000ull, 0), OFF);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x002, 0), INVAL, "no such core");
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x0100000000ull, 0), INVAL);
	/* Level 1: cluster 0 holds 0x000 and 0x001 (ON); Aff0 of the target is ignored. */
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x000, 1), ON);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x0ff, 1), ON);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x1ff, 1), OFF, "cluster 1: 0x100 is off");
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x200, 1), INVAL, "no cluster 2");
	/* Level 2 and 3. */
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x00ffff, 2), ON);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x010000, 2), INVAL, "no Aff2 1 under Aff3 0");
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x0100010000ull, 2), OFF);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x0100000000ull, 2), INVAL);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x0100ffffffull, 3), OFF);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x00ffffffffull & 0xff00ffffffull, 3), ON);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x0200000000ull, 3), INVAL);
	/* ON_PENDING when a core of the node is being started and none is on. */
	uint32_t idx;
	cr_assert_eq(cpu_on(0x0100010000ull, 0x40000000, &idx), AXV_PSCI_RET_SUCCESS);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x0100010000ull, 0), PENDING);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0x0100000000ull, 3), PENDING);
	/* Levels and targets the MPIDR cannot have. */
	for (uint64_t lvl = 4; lvl < 70; lvl += 5)
		cr_expect_eq(axv_a64_psci_affinity_info(&p, 0, lvl), INVAL, "level %lu",
			     (unsigned long)lvl);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 0, ~0ull), INVAL);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 1ull << 31 | 1, 0), INVAL);
	cr_expect_eq(axv_a64_psci_affinity_info(&p, 1ull << 40, 3), INVAL);
	cr_expect_eq(axv_a64_psci_affinity_info(NULL, 0, 0), INVAL);
}

Test(psci, power_state_calls_are_bounded)
{
	cr_expect_eq(axv_a64_psci_power_on(&p, 4), AXV_EINVAL);
	cr_expect_eq(axv_a64_psci_power_off(&p, 4), AXV_EINVAL);
	cr_expect_eq(axv_a64_psci_power_on(NULL, 0), AXV_EINVAL);
	cr_expect_eq(axv_a64_psci_power_off(NULL, 0), AXV_EINVAL);
	cr_expect_eq(axv_a64_psci_state(&p, 4), AXV_PSCI_AFF_OFF);
	cr_expect_eq(axv_a64_psci_state(NULL, 0), AXV_PSCI_AFF_OFF);
	for (unsigned i = 0; i < 4; i++)
		cr_expect_eq(axv_a64_psci_state(&p, i), AXV_PSCI_AFF_OFF, "nothing changed");
}
