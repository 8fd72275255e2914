/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Virtual GICv3 distributor and redistributors, emulated through the device bus. The CPU
 * interface is the hardware's (list registers: vcpu.c). Plain C over the core vcpu and irq
 * modules: built into the port and into the host tests.
 *
 * References: Arm IHI 0069 (GICv3/v4 architecture specification): 12.9 distributor register
 * map, 12.10 redistributor RD_base, 12.11 SGI_base, 12.2.21 ICC_SGI1R_EL1, 12.1.3 IIDR /
 * PIDR2 (ArchRev); 2.1 (the Distributor holds each SPI's pending and active state), 4.1.2
 * (interrupt handling state machine). Affinity routing is always enabled and there is one
 * security state.
 *
 * Concurrency. An SPI's state lives in the axv_virq of the vcpu its route names (target[]):
 * its pending, active and enable bits, and its priority. route_lock, a test-and-set
 * spinlock, makes every reader and writer of an SPI's route or of those bits atomic with
 * re-routing: the distributor's handlers for IROUTER, the SPI banks, IPRIORITYR, ICFGR and
 * SETSPI/CLRSPI, device lines (axv_vgic_set_spi), and the list registers' take and end of
 * an SPI (lr.c through vgic_lr.h). The plain distributor words (route, prio, icfgr, igroup,
 * igrpmod) and the redistributors' stored words are only touched under it too.
 *
 * What sits in a running vcpu's list registers is the hardware's until that vcpu exits
 * (lr.c takes it back then). In between, register reads go by what was noted when it was
 * written (lr_unacked, lr_pending: written pending, so pending and not active; a withdrawal
 * clears lr_pending) and by the timer levels seen at the last exit (ppi_level): a read from
 * the vcpu itself (an exit) is exact, a read from another vcpu is as of that vcpu's last
 * exit, as it would be a moment late on hardware too.
 *
 * Order: route_lock is the only lock, and it is not recursive. Under it only the irq core's
 * atomics (which take no lock) and axv_vcpu_inject/kick (atomics and the HAL's send_ipi)
 * are called; nothing under it calls back into the vGIC.
 *
 * axv_vgic_set_spi() may interrupt a holder on its own cpu, so it never waits: when the lock
 * is taken it leaves the level in line[] (and a bit in line_any[]), and holders apply such
 * levels when they get the lock and again before they let it go (lock, unlock). The
 * hand-over is a Dekker pair on sequentially consistent atomics: the caller writes line_any,
 * then tries the lock; the holder frees the lock, then reads line_any. One of the two sees
 * the other.
 */
#include <stdatomic.h>

#include <axv/arch/aarch64.h>
#include <axv/bus.h>
#include <axv/err.h>

#include "axv_mem.h"
#include "vgic_lr.h"

/* Distributor (IHI 0069 table 12-25). */
#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IIDR 0x0008
#define GICD_SETSPI_NSR 0x0040
#define GICD_CLRSPI_NSR 0x0048
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ISPENDR 0x0200
#define GICD_ICPENDR 0x0280
#define GICD_ISACTIVER 0x0300
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0c00
#define GICD_IGRPMODR 0x0d00
#define GICD_IROUTER 0x6000
#define GICD_PIDR2 0xffe8
#define GICD_CTLR_EN_MASK 0x3u      /* EnableGrp0, EnableGrp1 */
#define GICD_CTLR_ARE (1u << 4)     /* affinity routing: RAO/WI here */
#define GICD_CTLR_DS (1u << 6)      /* single security state: RAO/WI here */
#define GICD_IROUTER_IRM (1ull << 31)

/* Redistributor RD_base (table 12-27) and SGI_base (table 12-29) frames. */
#define GICR_CTLR 0x0000
#define GICR_IIDR 0x0004
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_PIDR2 0xffe8
#define GICR_SGI_BASE 0x10000
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_ICENABLER0 0x0180
#define GICR_ISPENDR0 0x0200
#define GICR_ICPENDR0 0x0280
#define GICR_ISACTIVER0 0x0300
#define GICR_ICACTIVER0 0x0380
#define GICR_IPRIORITYR 0x0400
#define GICR_ICFGR0 0x0c00
#define GICR_ICFGR1 0x0c04
#define GICR_IGRPMODR0 0x0d00
#define GICR_WAKER_SLEEP (1u << 1)  /* ProcessorSleep */
#define GICR_WAKER_ASLEEP (1u << 2) /* ChildrenAsleep */
#define GICR_TYPER_LAST (1u << 4)

#define IIDR_ARM 0x0000043bu       /* Implementer: Arm (JEP106 0x43B) */
#define PIDR2_GICV3 0x30u          /* ArchRev [7:4] = 3 */
#define TARGET_NONE 0xffu

/* The five bit-per-interrupt register banks share one handler. */
enum bank { B_GROUP, B_GRPMOD, B_SENABLE, B_CENABLE, B_SPEND, B_CPEND, B_SACTIVE, B_CACTIVE };

static bool spi_ok(const struct axv_vgic *g, uint32_t id)
{
	return id >= 32 && id < 32 + g->nr_spis;
}

/* ---- the lock ---------------------------------------------------------------------------------- */

#define LINE_LOW 1
#define LINE_HIGH 2

static bool trylock(struct axv_vgic *g)
{
	return atomic_exchange(&g->route_lock, 1) == 0;
}

static void apply_lines(struct axv_vgic *g);

/* Levels handed over before the lock was ours happened before what we do under it. */
static void lock(struct axv_vgic *g)
{
	while (!trylock(g))
		while (atomic_load_explicit(&g->route_lock, memory_order_relaxed))
			;
	apply_lines(g);
}

/* A line change where the SPI's state is now (lock held). The level is kept: a
 * level-sensitive SPI whose line is still high when the guest ends it is pending again
 * (IHI 0069 4.1.2). A low line withdraws the pending state, also of an instance in a list
 * register that the guest has not acknowledged yet (at that vcpu's exit it is dropped). */
static int line_set(struct axv_vgic *g, uint32_t n, bool level)
{
	uint32_t h = atomic_load(&g->target[n]);
	if (h >= g->nr_vcpus)
		return AXV_ERANGE;
	uint32_t bit = 1u << (n % 32);
	if (!level) {
		g->line_hi[n / 32] &= ~bit;
		atomic_fetch_and(&g->lr_pending[n / 32], ~bit);
		return axv_virq_unpend(g->virq[h], 32 + n);
	}
	g->line_hi[n / 32] |= bit;
	return axv_vcpu_inject(g->vcpu[h], 32 + n);
}

/* Apply the levels axv_vgic_set_spi() handed over (lock held). */
static void apply_lines(struct axv_vgic *g)
{
	for (uint32_t k = 0; k < g->nr_spis / 32; k++) {
		uint32_t w = atomic_exchange(&g->line_any[k], 0);
		while (w) {
			uint32_t n = k * 32 + (uint32_t)__builtin_ctz(w);
			w &= w - 1;
			uint8_t req = atomic_exchange(&g->line[n], 0);
			if (req)
				(void)line_set(g, n, req == LINE_HIGH);
		}
	}
}

static bool lines_waiting(struct axv_vgic *g)
{
	for (uint32_t k = 0; k < g->nr_spis / 32; k++)
		if (atomic_load(&g->line_any[k]))
			return true;
	return false;
}

/* Let the lock go, with no handed-over level left behind: a caller that found the lock
 * taken wrote its level before trying the lock, so after freeing the lock either we see it
 * here, or its try (or a later holder's) gets the lock and applies it. */
static void unlock(struct axv_vgic *g)
{
	for (;;) {
		apply_lines(g);
		atomic_store(&g->route_lock, 0);
		if (!lines_waiting(g) || !trylock(g))
			return;
	}
}

/* The vcpu an affinity names, or TARGET_NONE. */
static uint32_t vcpu_of(const struct axv_vgic *g, uint64_t aff)
{
	for (uint32_t i = 0; i < g->nr_vcpus; i++)
		if ((g->mpidr[i] & AXV_A64_MPIDR_AFF_MASK) == (aff & AXV_A64_MPIDR_AFF_MASK))
			return i;
	return TARGET_NONE;
}

int axv_vgic_init(struct axv_vgic *g, struct axv_vcpu *const *vcpus,
		  struct axv_virq *const *virqs, const uint64_t *mpidrs, uint32_t nr_vcpus,
		  uint32_t nr_spis)
{
	if (!g || !vcpus || !virqs || !mpidrs || nr_vcpus == 0 ||
	    nr_vcpus > AXV_VGIC_MAX_VCPUS || nr_spis > AXV_VGIC_MAX_SPIS || nr_spis % 32)
		return AXV_EINVAL;
	for (uint32_t i = 0; i < nr_vcpus; i++)
		if (!vcpus[i] || !virqs[i])
			return AXV_EINVAL;
	axv_memset(g, 0, sizeof(*g));
	g->nr_vcpus = nr_vcpus;
	g->nr_spis = nr_spis;
	for (uint32_t i = 0; i < nr_vcpus; i++) {
		g->vcpu[i] = vcpus[i];
		g->virq[i] = virqs[i];
		g->mpidr[i] = mpidrs[i] & AXV_A64_MPIDR_AFF_MASK;
		g->redist[i].gic = g;
		g->redist[i].idx = i;
		g->redist[i].waker = GICR_WAKER_SLEEP;
	}
	for (uint32_t i = 0; i < nr_spis; i++) {
		g->route[i] = g->mpidr[0];
		atomic_init(&g->target[i], 0);
		atomic_init(&g->line[i], 0);
	}
	for (uint32_t k = 0; k < AXV_VGIC_MAX_SPIS / 32; k++) {
		atomic_init(&g->line_any[k], 0);
		atomic_init(&g->lr_unacked[k], 0);
		atomic_init(&g->lr_pending[k], 0);
	}
	for (uint32_t i = 0; i < nr_vcpus; i++) {
		atomic_init(&g->redist[i].lr_unacked, 0);
		atomic_init(&g->redist[i].lr_pending, 0);
		atomic_init(&g->redist[i].ppi_level, 0);
	}
	atomic_init(&g->route_lock, 0);
	return 0;
}

int axv_vgic_attach(struct axv_vgic *g, uint32_t idx, struct axv_a64_vcpu *v)
{
	if (!g || !v || idx >= g->nr_vcpus)
		return AXV_EINVAL;
	v->gic = g;
	v->gic_idx = idx;
	return 0;
}

void *axv_vgic_redist_ctx(struct axv_vgic *g, uint32_t idx)
{
	if (!g || idx >= g->nr_vcpus)
		return NULL;
	return &g->redist[idx];
}

/* ---- one interrupt's state ------------------------------------------------------------------ */

/* The vcpu index that holds interrupt @id's state, seen from vcpu @self (SGIs/PPIs). For an
 * SPI the caller holds the lock. */
static uint32_t holder(struct axv_vgic *g, uint32_t self, uint32_t id)
{
	return id < 32 ? self : atomic_load(&g->target[id - 32]);
}

/* The word that notes interrupt @id of vcpu @h in a list register (the bit is id % 32): a
 * redistributor's for an SGI or PPI, the distributor's for an SPI. */
static _Atomic uint32_t *lr_word(struct axv_vgic *g, uint32_t h, uint32_t id, bool pending)
{
	if (id < 32)
		return pending ? &g->redist[h].lr_pending : &g->redist[h].lr_unacked;
	return pending ? &g->lr_pending[(id - 32) / 32] : &g->lr_unacked[(id - 32) / 32];
}

static bool lr_noted(struct axv_vgic *g, uint32_t h, uint32_t id, bool pending)
{
	return (atomic_load(lr_word(g, h, id, pending)) >> (id % 32) & 1) != 0;
}

static void lr_clear(struct axv_vgic *g, uint32_t h, uint32_t id, bool pending)
{
	atomic_fetch_and(lr_word(g, h, id, pending), ~(1u << (id % 32)));
}

/* Forget what was noted of @id in a list register; whether a pending instance was noted. */
static bool lr_forget(struct axv_vgic *g, uint32_t h, uint32_t id)
{
	uint32_t bit = 1u << (id % 32);
	lr_clear(g, h, id, false);
	return (atomic_fetch_and(lr_word(g, h, id, true), ~bit) & bit) != 0;
}

/* GICD_ICFGR<n> Int_config[1] (IHI 0069, the register description): 0 level, 1 edge. */
static bool spi_level(const struct axv_vgic *g, uint32_t id)
{
	uint32_t n = id - 32;
	return !(g->icfgr[n / 16] & (2u << (2 * (n % 16))));
}

static bool line_high(const struct axv_vgic *g, uint32_t id)
{
	uint32_t n = id - 32;
	return (g->line_hi[n / 32] >> (n % 32) & 1) != 0;
}

/* Pend @id at vcpu @h, from vcpu @self's own cpu: @self is exiting or about to enter and
 * looks at its state itself; another vcpu is woken or kicked. */
static void pend_at(struct axv_vgic *g, uint32_t h, uint32_t self, uint32_t id)
{
	if (h == self)
		(void)axv_virq_pend(g->virq[h], id);
	else
		(void)axv_vcpu_inject(g->vcpu[h], id);
}

/* After a deactivation at vcpu @h: wake or kick it if an instance was waiting behind the
 * active state (4.1.2: active and pending becomes pending). */
static void kick_if_deliverable(struct axv_vgic *g, uint32_t h, uint32_t id)
{
	struct axv_virq *q = g->virq[h];
	if (axv_virq_is_pending(q, id) && axv_virq_is_enabled(q, id))
		(void)axv_vcpu_kick(g->vcpu[h]);
}

static bool bank_get(struct axv_vgic *g, uint32_t self, enum bank b, uint32_t id)
{
	uint32_t h = holder(g, self, id);
	if (h >= g->nr_vcpus)
		return false;
	struct axv_virq *q = g->virq[h];
	switch (b) {
	case B_SENABLE:
	case B_CENABLE:
		return axv_virq_is_enabled(q, id);
	case B_SPEND:
	case B_CPEND:
		/* Queued, or pending in a list register, or a timer whose output is asserted
		 * (a level-sensitive interrupt is pending while asserted, 4.1.2). */
		return axv_virq_is_pending(q, id) || lr_noted(g, h, id, true) ||
		       (id < 32 && (atomic_load(&g->redist[h].ppi_level) >> id & 1));
	case B_SACTIVE:
	case B_CACTIVE:
		/* In flight but not acknowledged yet is pending, not active. */
		return axv_virq_is_active(q, id) && !lr_noted(g, h, id, false);
	default:
		return false;
	}
}

static void bank_set(struct axv_vgic *g, uint32_t self, enum bank b, uint32_t id)
{
	uint32_t h = holder(g, self, id);
	if (h >= g->nr_vcpus)
		return;
	struct axv_virq *q = g->virq[h];
	switch (b) {
	case B_SENABLE:
		if (id >= 32)
			atomic_fetch_or(&g->enabled[(id - 32) / 32], 1u << (id % 32));
		axv_virq_enable(q, id);
		if (axv_virq_is_pending(q, id))
			(void)axv_vcpu_kick(g->vcpu[h]); /* it may be blocked on exactly this */
		break;
	case B_CENABLE:
		if (id >= 32)
			atomic_fetch_and(&g->enabled[(id - 32) / 32], ~(1u << (id % 32)));
		axv_virq_disable(q, id);
		break;
	case B_SPEND:
		(void)axv_vcpu_inject(g->vcpu[h], id);
		break;
	case B_CPEND:
		/* A level-sensitive SPI whose line is asserted stays pending (IHI 0069
		 * GICD_ICPENDR<n>: the write has no effect while the signal is asserted). */
		if (id >= 32 && spi_level(g, id) && line_high(g, id))
			break;
		lr_clear(g, h, id, true); /* also one in a list register, not yet taken */
		axv_virq_unpend(q, id);
		break;
	case B_CACTIVE:
		if (axv_virq_eoi(q, id) == 0)
			kick_if_deliverable(g, h, id);
		break;
	default: /* B_SACTIVE: a guest cannot make an interrupt active by itself here */
		break;
	}
}

/* A 32-bit bit-per-interrupt register covering ids first..first+31. SPI banks and stored
 * words are read and written whole under the lock: one register access is one step. */
static uint32_t bank_read(struct axv_vgic *g, uint32_t self, enum bank b, uint32_t first,
			  const uint32_t *store)
{
	bool locked = first >= 32 || store;
	uint32_t v = 0;
	if (locked)
		lock(g);
	if (store) {
		v = *store;
	} else {
		for (uint32_t i = 0; i < 32; i++)
			if (bank_get(g, self, b, first + i))
				v |= 1u << i;
	}
	if (locked)
		unlock(g);
	return v;
}

static void bank_write(struct axv_vgic *g, uint32_t self, enum bank b, uint32_t first,
		       uint32_t *store, uint32_t v)
{
	bool locked = first >= 32 || store;
	if (locked)
		lock(g);
	if (store) {
		*store = v;
	} else {
		for (uint32_t i = 0; i < 32; i++)
			if (v & (1u << i))
				bank_set(g, self, b, first + i);
	}
	if (locked)
		unlock(g);
}

static uint8_t prio_get(struct axv_vgic *g, uint32_t self, uint32_t id)
{
	uint8_t p = 0;
	if (id >= 32) {
		lock(g);
		p = g->prio[id - 32];
		unlock(g);
		return p;
	}
	axv_virq_priority(g->virq[self], id, &p);
	return p;
}

static void prio_set(struct axv_vgic *g, uint32_t self, uint32_t id, uint8_t p)
{
	if (id >= 32) {
		lock(g);
		g->prio[id - 32] = p;
		uint32_t h = atomic_load(&g->target[id - 32]);
		if (h < g->nr_vcpus)
			axv_virq_set_priority(g->virq[h], id, p);
		unlock(g);
		return;
	}
	axv_virq_set_priority(g->virq[self], id, p);
}

/* The priority bytes of ids first .. first + width - 1 in GICD_IPRIORITYR<n> (SPIs, 12.9) or
 * GICR_IPRIORITYR<n> (SGIs and PPIs of redistributor self, 12.11): one byte per id, at any
 * access width. Ids outside [lo, end) read as zero and ignore writes. Reads (wr NULL) return
 * the bytes; a write sets each id's priority from its byte of *wr. */
static uint64_t prio_bytes(struct axv_vgic *g, uint32_t self, uint32_t first, uint8_t width,
			   uint32_t lo, uint32_t end, const uint64_t *wr)
{
	uint64_t v = 0;
	for (uint32_t k = 0; k < width; k++) {
		uint32_t id = first + k;
		if (id < lo || id >= end)
			continue;
		if (wr)
			prio_set(g, self, id, (uint8_t)(*wr >> (8 * k)));
		else
			v |= (uint64_t)prio_get(g, self, id) << (8 * k);
	}
	return v;
}

/* GICD_IROUTER write (lock held): move the SPI's whole state to the vcpu now named.
 *
 * The SPI has one pending and one active state, the Distributor's (IHI 0069 2.1), so both
 * move, with the enable bit and the priority, in one step under the lock: a device line or
 * a SETSPI/ISPENDR at the same time lands before the move (and is moved) or after it (at the
 * new vcpu), and a pending instance is neither lost nor delivered twice (12.9 GICD_IROUTER<n>:
 * a pending interrupt uses the old or the new route). An active SPI stays active at the new
 * vcpu until the guest ends it on the vcpu that took it (axv_a64_vgic_end_spi() finds it
 * there), so a new instance is not delivered at the new vcpu meanwhile: an active and
 * pending interrupt is not signalled before its deactivation (4.1.2). */
static void reroute(struct axv_vgic *g, uint32_t id, uint64_t route)
{
	uint32_t n = id - 32;
	g->route[n] = route & (AXV_A64_MPIDR_AFF_MASK | GICD_IROUTER_IRM);
	/* IRM = 1 (any PE): this model picks vcpu 0. A route to no vcpu also falls back to
	 * vcpu 0 rather than losing the interrupt. */
	uint32_t to = (route & GICD_IROUTER_IRM) ? 0 : vcpu_of(g, route);
	if (to == TARGET_NONE)
		to = 0;
	uint32_t from = atomic_load(&g->target[n]);
	if (from == to)
		return;
	struct axv_virq *a = g->virq[from], *b = g->virq[to];
	bool en = atomic_load(&g->enabled[n / 32]) & (1u << (id % 32));
	axv_virq_disable(a, id);
	bool pend = axv_virq_is_pending(a, id);
	bool act = axv_virq_is_active(a, id);
	axv_virq_unpend(a, id);
	if (act)
		(void)axv_virq_eoi(a, id);
	axv_virq_set_priority(b, id, g->prio[n]);
	if (act)
		axv_virq_activate(b, id);
	if (en)
		axv_virq_enable(b, id);
	atomic_store(&g->target[n], (uint8_t)to);
	if (pend)
		(void)axv_vcpu_inject(g->vcpu[to], id); /* pends and wakes or kicks it */
}

static bool width_ok(uint8_t width)
{
	return width == 1 || width == 2 || width == 4 || width == 8;
}

/* ---- distributor -------------------------------------------------------------------------------- */

static bool dist_bank(uint64_t off, uint64_t base, enum bank b, enum bank *out, uint32_t *first)
{
	if (off < base || off >= base + 0x80)
		return false;
	*out = b;
	*first = (uint32_t)(off - base) / 4 * 32;
	return true;
}

static bool dist_find_bank(uint64_t off, enum bank *b, uint32_t *first)
{
	return dist_bank(off, GICD_IGROUPR, B_GROUP, b, first) ||
	       dist_bank(off, GICD_ISENABLER, B_SENABLE, b, first) ||
	       dist_bank(off, GICD_ICENABLER, B_CENABLE, b, first) ||
	       dist_bank(off, GICD_ISPENDR, B_SPEND, b, first) ||
	       dist_bank(off, GICD_ICPENDR, B_CPEND, b, first) ||
	       dist_bank(off, GICD_ISACTIVER, B_SACTIVE, b, first) ||
	       dist_bank(off, GICD_ICACTIVER, B_CACTIVE, b, first) ||
	       dist_bank(off, GICD_IGRPMODR, B_GRPMOD, b, first);
}

static uint32_t *dist_store(struct axv_vgic *g, enum bank b, uint32_t first)
{
	if (b == B_GROUP)
		return &g->igroup[(first - 32) / 32];
	if (b == B_GRPMOD)
		return &g->igrpmod[(first - 32) / 32];
	return NULL;
}

/* The distributor registers (12.9) an access at off falls in, before the single ones
 * (GICD_CTLR, TYPER, IIDR, PIDR2, SETSPI_NSR, CLRSPI_NSR): D_PRIO, GICD_IPRIORITYR's byte of
 * id *n; D_ROUTE, GICD_IROUTER of SPI *n; D_BANK, bank *b of the 32 ids from *n; D_ICFGR,
 * GICD_ICFGR<*n> (16 ids each). */
enum dist_reg { D_SINGLE, D_PRIO, D_ROUTE, D_BANK, D_ICFGR };

static enum dist_reg dist_reg_at(const struct axv_vgic *g, uint64_t off, enum bank *b,
				 uint32_t *n)
{
	if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + 0x400) {
		*n = (uint32_t)(off - GICD_IPRIORITYR);
		return D_PRIO;
	}
	if (off >= GICD_IROUTER + 32 * 8 && off < GICD_IROUTER + (32 + g->nr_spis) * 8) {
		*n = (uint32_t)(off - GICD_IROUTER) / 8;
		return D_ROUTE;
	}
	if (dist_find_bank(off, b, n))
		return D_BANK;
	if (off >= GICD_ICFGR && off < GICD_ICFGR + 0x100) {
		*n = (uint32_t)(off - GICD_ICFGR) / 4;
		return D_ICFGR;
	}
	return D_SINGLE;
}

/* GICD_IROUTER<id> (12.9.23): 64-bit, or a 32-bit half; a half written merges with the
 * other half as it is now. */
static void dist_route(struct axv_vgic *g, uint32_t id, uint64_t off, uint8_t width,
		       uint64_t *value, bool write)
{
	unsigned half = (off & 4) ? 32 : 0;
	if (write && !(width == 8 && !half) && width != 4)
		return;
	lock(g);
	uint64_t r = g->route[id - 32];
	if (!write) {
		*value = width == 8 && !half ? r : (uint32_t)(r >> half);
	} else {
		if (width == 8)
			r = *value;
		else if (half)
			r = (r & 0xffffffffull) | (*value << 32);
		else
			r = (r & ~0xffffffffull) | (*value & 0xffffffffull);
		reroute(g, id, r);
	}
	unlock(g);
}

static uint64_t dist_single_read(struct axv_vgic *g, uint64_t off)
{
	switch (off) {
	case GICD_CTLR:
		return (atomic_load(&g->ctlr) & GICD_CTLR_EN_MASK) | GICD_CTLR_ARE | GICD_CTLR_DS;
	case GICD_TYPER:
		/* ITLinesNumber [4:0], CPUNumber [7:5] (unused with ARE), IDbits [23:19] = 9. */
		return ((g->nr_spis + 32) / 32 - 1) | (9u << 19);
	case GICD_IIDR:
		return IIDR_ARM;
	case GICD_PIDR2:
		return PIDR2_GICV3;
	default:
		return 0;
	}
}

static void dist_single_write(struct axv_vgic *g, uint64_t off, uint64_t value)
{
	switch (off) {
	case GICD_CTLR:
		atomic_store(&g->ctlr, (uint32_t)value & GICD_CTLR_EN_MASK);
		break;
	case GICD_SETSPI_NSR:
		if (spi_ok(g, (uint32_t)value & 0x3ff))
			axv_vgic_set_spi(g, (uint32_t)value & 0x3ff, true);
		break;
	case GICD_CLRSPI_NSR:
		if (spi_ok(g, (uint32_t)value & 0x3ff))
			axv_vgic_set_spi(g, (uint32_t)value & 0x3ff, false);
		break;
	}
}

/* A distributor access: *value is what is written (write), or receives what is read (zero
 * for what reads as zero). Every register but IPRIORITYR and IROUTER is 32-bit: other
 * widths read as zero and ignore writes. */
static void gicd_access(struct axv_vgic *g, uint64_t off, uint8_t width, uint64_t *value,
			bool write)
{
	enum bank b = B_GROUP;
	uint32_t n = 0;
	if (!width_ok(width))
		return;
	switch (dist_reg_at(g, off, &b, &n)) {
	case D_PRIO:
		if (write)
			(void)prio_bytes(g, 0, n, width, 32, 32 + g->nr_spis, value);
		else
			*value = prio_bytes(g, 0, n, width, 32, 32 + g->nr_spis, NULL);
		return;
	case D_ROUTE:
		dist_route(g, n, off, width, value, write);
		return;
	case D_BANK:
		if (width != 4 || n < 32 || !spi_ok(g, n))
			return;
		if (write)
			bank_write(g, 0, b, n, dist_store(g, b, n), (uint32_t)*value);
		else
			*value = bank_read(g, 0, b, n, dist_store(g, b, n));
		return;
	case D_ICFGR:
		if (width != 4)
			return;
		if (n >= 2 && spi_ok(g, n * 16)) {
			lock(g);
			if (write) /* Int_config bits only */
				g->icfgr[n - 2] = (uint32_t)*value & 0xaaaaaaaau;
			else
				*value = g->icfgr[n - 2];
			unlock(g);
		} else if (n == 0 && !write) {
			*value = 0xaaaaaaaau; /* SGIs: edge, read-only */
		}
		return;
	case D_SINGLE:
		break;
	}
	if (width != 4)
		return;
	if (write)
		dist_single_write(g, off, *value);
	else
		*value = dist_single_read(g, off);
}

static int gicd_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	*value = 0;
	gicd_access(ctx, off, width, value, false);
	return 0;
}

static int gicd_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	gicd_access(ctx, off, width, &value, true);
	return 0;
}

const struct axv_device_ops axv_vgic_gicd_ops = {gicd_read, gicd_write};

/* ---- redistributors ---------------------------------------------------------------------------- */

static bool redist_find_bank(uint64_t off, enum bank *b)
{
	static const struct {
		uint64_t off;
		enum bank b;
	} map[] = {
		{GICR_IGROUPR0, B_GROUP},     {GICR_ISENABLER0, B_SENABLE}, {GICR_ICENABLER0, B_CENABLE},
		{GICR_ISPENDR0, B_SPEND},     {GICR_ICPENDR0, B_CPEND},     {GICR_ISACTIVER0, B_SACTIVE},
		{GICR_ICACTIVER0, B_CACTIVE}, {GICR_IGRPMODR0, B_GRPMOD},
	};
	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].off == off) {
			*b = map[i].b;
			return true;
		}
	}
	return false;
}

static uint32_t *redist_store(struct axv_vgic_redist *r, enum bank b)
{
	if (b == B_GROUP)
		return &r->igroup0;
	if (b == B_GRPMOD)
		return &r->igrpmod0;
	return NULL;
}

static uint64_t redist_typer(const struct axv_vgic_redist *r)
{
	const struct axv_vgic *g = r->gic;
	uint64_t m = g->mpidr[r->idx];
	/* Affinity_Value [63:32] = Aff3.Aff2.Aff1.Aff0, Processor_Number [23:8], Last [4]. */
	uint64_t aff = ((m >> 32) & 0xff) << 24 | ((m >> 16) & 0xff) << 16 |
		       ((m >> 8) & 0xff) << 8 | (m & 0xff);
	return aff << 32 | (uint64_t)r->idx << 8 |
	       (r->idx == g->nr_vcpus - 1 ? GICR_TYPER_LAST : 0);
}

static int gicr_read(void *ctx, uint64_t off, uint8_t width, uint64_t *value)
{
	struct axv_vgic_redist *r = ctx;
	struct axv_vgic *g = r->gic;
	enum bank b;
	*value = 0;
	if (!width_ok(width))
		return 0;
	if (off == GICR_TYPER || off == GICR_TYPER + 4) {
		uint64_t t = redist_typer(r);
		*value = width == 8 && off == GICR_TYPER ? t : (uint32_t)(t >> ((off & 4) ? 32 : 0));
		return 0;
	}
	if (off >= GICR_SGI_BASE + GICR_IPRIORITYR && off < GICR_SGI_BASE + GICR_IPRIORITYR + 32) {
		*value = prio_bytes(g, r->idx, (uint32_t)(off - GICR_SGI_BASE - GICR_IPRIORITYR),
				    width, 0, 32, NULL);
		return 0;
	}
	if (width != 4)
		return 0;
	if (off >= GICR_SGI_BASE && redist_find_bank(off - GICR_SGI_BASE, &b)) {
		*value = bank_read(g, r->idx, b, 0, redist_store(r, b));
		return 0;
	}
	switch (off) {
	case GICR_IIDR:
		*value = IIDR_ARM;
		break;
	case GICR_WAKER:
		lock(g);
		*value = (r->waker & GICR_WAKER_SLEEP) ? GICR_WAKER_SLEEP | GICR_WAKER_ASLEEP : 0;
		unlock(g);
		break;
	case GICR_PIDR2:
		*value = PIDR2_GICV3;
		break;
	case GICR_SGI_BASE + GICR_ICFGR0:
		*value = 0xaaaaaaaau;
		break;
	case GICR_SGI_BASE + GICR_ICFGR1:
		lock(g);
		*value = r->icfgr1;
		unlock(g);
		break;
	}
	return 0;
}

static int gicr_write(void *ctx, uint64_t off, uint8_t width, uint64_t value)
{
	struct axv_vgic_redist *r = ctx;
	struct axv_vgic *g = r->gic;
	enum bank b;
	if (!width_ok(width))
		return 0;
	if (off >= GICR_SGI_BASE + GICR_IPRIORITYR && off < GICR_SGI_BASE + GICR_IPRIORITYR + 32) {
		(void)prio_bytes(g, r->idx, (uint32_t)(off - GICR_SGI_BASE - GICR_IPRIORITYR),
				 width, 0, 32, &value);
		return 0;
	}
	if (width != 4)
		return 0;
	if (off >= GICR_SGI_BASE && redist_find_bank(off - GICR_SGI_BASE, &b)) {
		bank_write(g, r->idx, b, 0, redist_store(r, b), (uint32_t)value);
		return 0;
	}
	switch (off) {
	case GICR_WAKER:
		/* ProcessorSleep only changes what the register reads: this model delivers to a
		 * "sleeping" redistributor as to any other, so no SPI state moves here. */
		lock(g);
		r->waker = (uint32_t)value & GICR_WAKER_SLEEP;
		unlock(g);
		break;
	case GICR_SGI_BASE + GICR_ICFGR1:
		lock(g);
		r->icfgr1 = (uint32_t)value & 0xaaaaaaaau;
		unlock(g);
		break;
	}
	return 0;
}

const struct axv_device_ops axv_vgic_gicr_ops = {gicr_read, gicr_write};

/* ---- SGIs and SPIs ------------------------------------------------------------------------------- */

int axv_vgic_send_sgi(struct axv_vgic *g, uint32_t src, uint64_t value)
{
	if (!g || src >= g->nr_vcpus)
		return AXV_EINVAL;
	uint32_t intid = (uint32_t)(value >> 24) & 0xf;
	bool irm = value & (1ull << 40);
	uint64_t aff = ((value >> 48) & 0xff) << 32 | ((value >> 32) & 0xff) << 16 |
		       ((value >> 16) & 0xff) << 8;
	uint32_t rs = (uint32_t)(value >> 44) & 0xf;
	uint32_t list = (uint32_t)value & 0xffff;
	int sent = 0;
	for (uint32_t i = 0; i < g->nr_vcpus; i++) {
		uint64_t m = g->mpidr[i];
		bool hit;
		if (irm) {
			hit = i != src; /* "all but self" */
		} else {
			uint32_t aff0 = (uint32_t)(m & 0xff);
			hit = (m & 0xff00ffff00ull) == aff && aff0 / 16 == rs &&
			      (list & (1u << (aff0 % 16)));
		}
		if (hit) {
			int rc = axv_vcpu_inject(g->vcpu[i], intid);
			if (rc == 0 || rc == AXV_EALREADY)
				sent++;
		}
	}
	return sent;
}

int axv_vgic_set_spi(struct axv_vgic *g, uint32_t intid, bool level)
{
	if (!g)
		return AXV_EINVAL;
	if (!spi_ok(g, intid))
		return AXV_ERANGE;
	uint32_t n = intid - 32;
	if (trylock(g)) {
		apply_lines(g); /* levels this caller handed over earlier go first */
		int rc = line_set(g, n, level);
		unlock(g);
		return rc;
	}
	/* Taken, maybe by what this call interrupted: hand the level to the holder. */
	atomic_store(&g->line[n], level ? LINE_HIGH : LINE_LOW);
	atomic_fetch_or(&g->line_any[n / 32], 1u << (n % 32));
	if (trylock(g)) /* the holder may have looked before the level was there */
		unlock(g);
	return 0;
}

/* ---- the list registers' side (vgic_lr.h) ------------------------------------------------------ */

/* The start of the list-register calls on SPI id for vcpu self: validate, take the lock and
 * give the vcpu that holds the SPI (#AXV_ERANGE, nothing taken, for bad arguments). */
static int spi_lock(struct axv_vgic *g, uint32_t self, uint32_t id, uint32_t *holder)
{
	if (!g || !spi_ok(g, id) || self >= g->nr_vcpus)
		return AXV_ERANGE;
	lock(g);
	*holder = atomic_load(&g->target[id - 32]);
	return 0;
}

int axv_a64_vgic_take_spi(struct axv_vgic *g, uint32_t self, uint32_t id)
{
	uint32_t h;
	int rc = spi_lock(g, self, id, &h);
	if (rc != 0)
		return rc;
	rc = AXV_ENOENT;
	struct axv_virq *q = g->virq[self];
	if (h == self && axv_virq_is_pending(q, id) &&
	    axv_virq_is_enabled(q, id) && !axv_virq_is_active(q, id)) {
		axv_virq_activate(q, id);
		axv_a64_vgic_lr_put(g, self, id);
		rc = 0;
	}
	unlock(g);
	return rc;
}

int axv_a64_vgic_end_spi(struct axv_vgic *g, uint32_t self, uint32_t id)
{
	uint32_t h;
	int rc = spi_lock(g, self, id, &h);
	if (rc != 0)
		return rc;
	(void)lr_forget(g, h, id);
	rc = axv_virq_eoi(g->virq[h], id);
	if (spi_level(g, id) && line_high(g, id))
		pend_at(g, h, self, id); /* still asserted: pending again */
	else if (rc == 0 && h != self)
		kick_if_deliverable(g, h, id);
	unlock(g);
	return rc;
}

int axv_a64_vgic_return_spi(struct axv_vgic *g, uint32_t self, uint32_t id)
{
	uint32_t h;
	if (spi_lock(g, self, id, &h) != 0)
		return AXV_ERANGE;
	bool still = lr_forget(g, h, id);
	(void)axv_virq_eoi(g->virq[h], id);
	if (still)
		pend_at(g, h, self, id);
	else if (h != self)
		kick_if_deliverable(g, h, id);
	unlock(g);
	return 0;
}

void axv_a64_vgic_lr_put(struct axv_vgic *g, uint32_t self, uint32_t id)
{
	if (!g || self >= g->nr_vcpus || (id >= 32 && !spi_ok(g, id)))
		return;
	uint32_t bit = 1u << (id % 32);
	atomic_fetch_or(lr_word(g, self, id, true), bit);
	atomic_fetch_or(lr_word(g, self, id, false), bit);
}

void axv_a64_vgic_lr_pend(struct axv_vgic *g, uint32_t self, uint32_t id)
{
	if (!g || self >= g->nr_vcpus || id >= 32)
		return;
	atomic_fetch_or(&g->redist[self].lr_pending, 1u << id);
}

bool axv_a64_vgic_lr_seen(struct axv_vgic *g, uint32_t self, uint32_t id)
{
	if (!g || self >= g->nr_vcpus || (id >= 32 && !spi_ok(g, id)))
		return true;
	return lr_forget(g, self, id);
}

void axv_a64_vgic_ppi_levels(struct axv_vgic *g, uint32_t self, uint32_t mask, uint32_t levels)
{
	if (!g || self >= g->nr_vcpus)
		return;
	_Atomic uint32_t *w = &g->redist[self].ppi_level; /* one writer: @self's cpu */
	atomic_store(w, (atomic_load(w) & ~mask) | (levels & mask));
}
