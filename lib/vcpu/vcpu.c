/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vcpu state machine. Every transition goes through state_set(), which checks it
 * against one table of legal transitions and publishes it with a compare-and-swap, so a
 * transition that races with a concurrent wake either happens whole or not at all.
 *
 * Who changes the state: the owner (every lifecycle call, run) and, for exactly one
 * transition, BLOCKED -> READY, any cpu through axv_vcpu_inject() or axv_vcpu_kick().
 *
 * Lost wake-ups: run publishes BLOCKED and then looks for a deliverable interrupt;
 * an injector pends and then reads the state. All four accesses are sequentially
 * consistent, so at least one side sees the other and the vcpu ends READY.
 */
#include <stdatomic.h>

#include <axv/bus.h>
#include <axv/err.h>
#include <axv/vcpu.h>

#include "vcpu_priv.h"

enum { S_INVALID = AXV_VCPU_INVALID, S_CREATED = AXV_VCPU_CREATED, S_FREE = AXV_VCPU_FREE,
       S_READY = AXV_VCPU_READY, S_RUNNING = AXV_VCPU_RUNNING, S_BLOCKED = AXV_VCPU_BLOCKED,
       S_COUNT = AXV_VCPU_STATE_COUNT };

/* legal[from][to]: the only transitions that exist. */
static const bool legal[S_COUNT][S_COUNT] = {
	[S_INVALID] = {[S_CREATED] = true, [S_INVALID] = true},
	[S_CREATED] = {[S_FREE] = true, [S_INVALID] = true},
	[S_FREE] = {[S_READY] = true, [S_INVALID] = true},
	[S_READY] = {[S_RUNNING] = true, [S_FREE] = true},
	[S_RUNNING] = {[S_READY] = true, [S_BLOCKED] = true, [S_INVALID] = true},
	[S_BLOCKED] = {[S_READY] = true},
};

static bool state_set(struct axv_vcpu *v, uint32_t from, uint32_t to)
{
	if (from >= S_COUNT || to >= S_COUNT || !legal[from][to])
		return false;
	return atomic_compare_exchange_strong(&v->state, &from, to);
}

static inline uint32_t state_get(const struct axv_vcpu *v)
{
	return atomic_load((_Atomic uint32_t *)&v->state);
}

static const char *const state_names[S_COUNT] = {
	[S_INVALID] = "invalid", [S_CREATED] = "created", [S_FREE] = "free",
	[S_READY] = "ready",     [S_RUNNING] = "running", [S_BLOCKED] = "blocked",
};

const char *axv_vcpu_state_name(enum axv_vcpu_state state)
{
	return (unsigned)state < (unsigned)S_COUNT ? state_names[state] : "unknown";
}

static inline int port_rc(int rc)
{
	return rc > 0 ? AXV_EIO : rc;
}

/* The port writes the hypercall return register: its set_retval hook, or the library's
 * default through set_reg of the register the port names (struct axv_vcpu_ops::retval_reg). */
static inline bool has_retval(const struct axv_vcpu_ops *o)
{
	return o->set_retval || o->retval_reg != 0;
}

static int port_set_retval(const struct axv_vcpu *v, uint64_t value)
{
	if (v->ops->set_retval)
		return v->ops->set_retval(v->port_ctx, value);
	return v->ops->set_reg(v->port_ctx, v->ops->retval_reg - 1u, value);
}

static inline uint32_t this_cpu(const struct axv_vcpu *v)
{
	return v->hal->cpu->cpu_id(v->hal->ctx);
}

static inline bool on_bound_cpu(const struct axv_vcpu *v)
{
	return atomic_load((_Atomic uint32_t *)&v->cpu) == this_cpu(v);
}

static inline void ipi(struct axv_vcpu *v)
{
	uint32_t cpu = atomic_load(&v->cpu);
	if (cpu != AXV_CPU_NONE)
		v->hal->cpu->send_ipi(v->hal->ctx, cpu);
}

static bool in(uint32_t s, unsigned mask)
{
	return s < S_COUNT && (mask & (1u << s)) != 0;
}

#define M(s) (1u << (s))

int axv_vcpu_create(struct axv_vcpu *v, const struct axv_vcpu_config *cfg)
{
	if (!v || !cfg || !cfg->ops || axv_hal_check(cfg->hal, AXV_HAL_NEED_CPU) != 0)
		return AXV_EINVAL;
	const struct axv_vcpu_ops *o = cfg->ops;
	if (!o->run || !o->get_reg || !o->set_reg || !o->set_entry || !o->set_nested_root ||
	    !o->advance_pc)
		return AXV_EINVAL;
	if (cfg->vic && !cfg->vic->deliver)
		return AXV_EINVAL;
	if (state_get(v) != S_INVALID || v->port_created)
		return AXV_ESTATE;
	if (o->create) {
		int rc = port_rc(o->create(cfg->port_ctx, cfg->id));
		if (rc != 0)
			return rc;
	}
	v->id = cfg->id;
	v->hal = cfg->hal;
	v->ops = o;
	v->port_ctx = cfg->port_ctx;
	v->virq = cfg->virq;
	v->vic = cfg->vic;
	v->vic_ctx = cfg->vic_ctx;
	v->fast_bus = NULL; /* a vcpu created anew starts with every exit the embedder's */
	v->fast_hcalls = NULL;
	v->fast_nr_hcalls = 0;
	v->fast_fail_gen = 0;
	v->port_created = true;
	atomic_store(&v->cpu, AXV_CPU_NONE);
	state_set(v, S_INVALID, S_CREATED);
	return 0;
}

int axv_vcpu_set_entry(struct axv_vcpu *v, axv_gpa_t entry)
{
	if (!v)
		return AXV_EINVAL;
	if (!in(state_get(v), M(S_CREATED) | M(S_FREE)))
		return AXV_ESTATE;
	v->exit_gen++; /* a reset of the vcpu: no earlier exit may be completed */
	return port_rc(v->ops->set_entry(v->port_ctx, entry));
}

int axv_vcpu_set_nested_root(struct axv_vcpu *v, axv_hpa_t root)
{
	if (!v)
		return AXV_EINVAL;
	if (!in(state_get(v), M(S_CREATED) | M(S_FREE)))
		return AXV_ESTATE;
	v->exit_gen++;
	return port_rc(v->ops->set_nested_root(v->port_ctx, root));
}

/* The owner's lifecycle steps start here: #AXV_EINVAL for NULL, #AXV_ESTATE unless the vcpu
 * is in state s. */
static int lifecycle_in(const struct axv_vcpu *v, uint32_t s)
{
	if (!v)
		return AXV_EINVAL;
	return state_get(v) != s ? AXV_ESTATE : 0;
}

/* An optional port hook of the lifecycle (bind, unbind): 0 when the port has none. */
static int port_opt(const struct axv_vcpu *v, int (*hook)(void *ctx))
{
	return hook ? port_rc(hook(v->port_ctx)) : 0;
}

int axv_vcpu_setup(struct axv_vcpu *v, axv_gpa_t entry, axv_hpa_t nested_root,
		   const void *config)
{
	int rc = lifecycle_in(v, S_CREATED);
	if (rc != 0)
		return rc;
	v->exit_gen++;
	if (v->ops->setup)
		rc = port_rc(v->ops->setup(v->port_ctx, config));
	if (rc == 0)
		rc = port_rc(v->ops->set_entry(v->port_ctx, entry));
	if (rc == 0)
		rc = port_rc(v->ops->set_nested_root(v->port_ctx, nested_root));
	if (rc != 0)
		return rc;
	state_set(v, S_CREATED, S_FREE);
	return 0;
}

int axv_vcpu_bind(struct axv_vcpu *v)
{
	int rc = lifecycle_in(v, S_FREE);
	if (rc == 0)
		rc = port_opt(v, v->ops->bind);
	if (rc != 0)
		return rc;
	/* The cpu is published before the state, so whoever sees a bound state can kick. */
	atomic_store(&v->cpu, this_cpu(v));
	state_set(v, S_FREE, S_READY);
	return 0;
}

int axv_vcpu_unbind(struct axv_vcpu *v)
{
	int rc = lifecycle_in(v, S_READY);
	if (rc == 0 && !on_bound_cpu(v))
		rc = AXV_EPERM;
	if (rc == 0)
		rc = port_opt(v, v->ops->unbind);
	if (rc != 0)
		return rc;
	/* READY is only left by the owner, so this cannot fail. */
	state_set(v, S_READY, S_FREE);
	atomic_store(&v->cpu, AXV_CPU_NONE);
	return 0;
}

/* Adapter: the port's inject hook as an interrupt controller. ctx is the vcpu. */
static int port_deliver(void *ctx, uint32_t id, uint8_t prio)
{
	struct axv_vcpu *v = ctx;
	return v->ops->inject(v->port_ctx, id, prio);
}

static const struct axv_vic_ops port_vic = {.deliver = port_deliver};

static void deliver_irqs(struct axv_vcpu *v)
{
	if (!v->virq)
		return;
	if (v->vic)
		(void)axv_virq_flush(v->virq, v->vic, v->vic_ctx);
	else if (v->ops->inject)
		(void)axv_virq_flush(v->virq, &port_vic, v);
}

static int target_set_reg(void *ctx, unsigned reg, uint64_t value);
static int target_get_reg(void *ctx, unsigned reg, uint64_t *value);
static int target_advance_pc(void *ctx, uint8_t insn_len);

/* The fast path's work on one exit (axv_vcpu_set_fast_bus(), axv_vcpu_set_fast_hypercalls()):
 * FAST_NO, not the fast path's (untouched); FAST_FAILED, a device or target failed (the
 * embedder gets the exit, and its completion the same error without a second device call:
 * axv_vcpu_complete()); FAST_DONE, completed. */
enum fast_rc { FAST_NO, FAST_FAILED, FAST_DONE };

static const struct axv_hcall *hcall_find(const struct axv_vcpu *v, uint64_t nr)
{
	for (size_t i = 0; i < v->fast_nr_hcalls; i++)
		if (nr >= v->fast_hcalls[i].first && nr <= v->fast_hcalls[i].last)
			return &v->fast_hcalls[i];
	return NULL;
}

static enum fast_rc fast_work(struct axv_vcpu *v, struct axv_exit *exit,
			     const struct axv_exit_target *target)
{
	enum axv_bus_space space;
	switch (exit->reason) {
	case AXV_EXIT_HYPERCALL: {
		const struct axv_hcall *h = hcall_find(v, exit->hypercall.nr);
		uint64_t ret = 0;
		if (!h || !has_retval(v->ops) || h->call(h->ctx, exit, &ret) != 0)
			return FAST_NO; /* declined: the handler changed nothing */
		int rc = port_rc(port_set_retval(v, ret));
		if (rc == 0)
			rc = port_rc(target ? target->advance_pc(target->ctx, exit->insn_len)
					    : v->ops->advance_pc(v->port_ctx, exit->insn_len));
		if (rc != 0) {
			v->fast_fail_gen = v->exit_gen;
			v->fast_fail_rc = rc;
			return FAST_FAILED;
		}
		return FAST_DONE;
	}
	case AXV_EXIT_MMIO_READ:
	case AXV_EXIT_MMIO_WRITE:
		space = AXV_BUS_MMIO;
		break;
	case AXV_EXIT_SYSREG_READ:
	case AXV_EXIT_SYSREG_WRITE:
		space = AXV_BUS_SYSREG;
		break;
	default:
		return FAST_NO;
	}
	if (!v->fast_bus)
		return FAST_NO;
	const struct axv_exit_target t = {
		.set_reg = target_set_reg, .advance_pc = target_advance_pc, .ctx = v,
		.get_reg = target_get_reg};
	int rc = axv_exit_complete(v->fast_bus, target ? target : &t, exit);
	if (rc == 0)
		return FAST_DONE;
	/* Unclaimed (no device called): the embedder's, who may have another bus. Looked up
	 * only now, so that a claimed access costs one lookup. */
	if (rc == AXV_ENXIO && !axv_bus_find(v->fast_bus, space, exit->access.addr))
		return FAST_NO;
	/* Claimed and failed, by the device or by what axv_exit_complete() checks first:
	 * the embedder's completion of this exit gets the same error without a second device
	 * call (axv_vcpu_complete()). */
	v->fast_fail_gen = v->exit_gen; /* this run's exit (axv_exit::gen) */
	v->fast_fail_rc = rc;
	return FAST_FAILED;
}

static void fast_count(struct axv_vcpu *v, enum axv_exit_reason r)
{
	_Atomic uint64_t *n = &v->fast_exits[r];
	atomic_store_explicit(n, atomic_load_explicit(n, memory_order_relaxed) + 1,
			      memory_order_relaxed); /* only the owner writes it */
}

/* A completed exit: go on unless the owner asked for control (a kick). Then the exit becomes
 * NOTHING: completed, nothing left to do but run. @order: how the request is read (see the
 * callers). */
static bool fast_go_on(struct axv_vcpu *v, struct axv_exit *exit, memory_order order)
{
	fast_count(v, exit->reason);
	if (atomic_load_explicit(&v->kick_req, order)) {
		exit->reason = AXV_EXIT_NOTHING;
		return false;
	}
	return true;
}

/* The fast path in axv_vcpu_run()'s loop, after the interrupt controller's read-back: the
 * exit the port returned is completed here, and the guest goes back in without the
 * embedder. */
static bool fast_complete(struct axv_vcpu *v, struct axv_exit *exit)
{
	/* Ready while the device or handler runs, as for an embedder's completion: an
	 * injection (from this device too) only pends, and the flush before the re-entry
	 * delivers it. Only the owner leaves Ready, so neither transition can fail. */
	(void)state_set(v, S_RUNNING, S_READY);
	enum fast_rc rc = fast_work(v, exit, NULL);
	(void)state_set(v, S_READY, S_RUNNING);
	/* A kick while Ready: Running again (published above) before fast_go_on() loads the
	 * request, while a kicker stores its request before it reads the state, so either it
	 * saw Running and sent an IPI or fast_go_on() sees its request. */
	return rc == FAST_DONE && fast_go_on(v, exit, memory_order_seq_cst);
}

/* The fast path inside the port's run (struct axv_vcpu_fast): the vcpu stays Running, so
 * an injection meanwhile sends an IPI and the guest exits again right after the re-entry. */
static bool port_fast(void *core, struct axv_exit *exit, bool done,
		      const struct axv_exit_target *target)
{
	struct axv_vcpu *v = core;
	if ((unsigned)exit->reason >= (unsigned)AXV_EXIT_REASON_COUNT)
		return false;
	if (!done && fast_work(v, exit, target) != FAST_DONE) {
		v->fast_seen_gen = v->exit_gen; /* offered once: the core does not try it again */
		return false;
	}
	/* Running all along: a kicker that stored its request also sends an IPI, which ends
	 * the next entry at once, so a request this load misses is seen at that exit. */
	return fast_go_on(v, exit, memory_order_relaxed);
}

/* struct axv_vcpu_fast::not_done: an exit the port took on itself and did not complete. */
static void port_not_done(void *core, int rc)
{
	struct axv_vcpu *v = core;
	v->fast_seen_gen = v->exit_gen; /* offered once: the core does not try it again */
	if (rc != 0) {
		v->fast_fail_gen = v->exit_gen; /* as fast_work() records a failed completion */
		v->fast_fail_rc = rc;
	}
}

static bool has_fast(const struct axv_vcpu *v)
{
	return v->fast_bus || v->fast_nr_hcalls;
}

int axv_vcpu_run(struct axv_vcpu *v, struct axv_exit *exit)
{
	if (!v || !exit)
		return AXV_EINVAL;
	uint32_t s = state_get(v);
	if (s != S_READY && s != S_BLOCKED)
		return AXV_ESTATE;
	if (!on_bound_cpu(v))
		return AXV_EPERM;
	if (s == S_BLOCKED) {
		if (!axv_virq_any_deliverable(v->virq))
			return AXV_EAGAIN;
		/* Wake ourselves; if this fails an injector already did (-> READY). */
		(void)state_set(v, S_BLOCKED, S_READY);
	}
	if (!state_set(v, S_READY, S_RUNNING))
		return AXV_ESTATE; /* not reachable with one owner; refuse rather than guess */
	atomic_store(&v->kick_req, 0); /* a kick before this run was the owner's to see */

	const struct axv_vcpu_fast fast = {.complete = port_fast,
					   .core = v,
					   .hcalls = has_retval(v->ops) ? v->fast_hcalls : NULL,
					   .nr_hcalls = has_retval(v->ops) ? v->fast_nr_hcalls : 0,
					   .bus = v->fast_bus,
					   .not_done = port_not_done,
					   .counts = v->fast_exits,
					   .kick = &v->kick_req};
	for (;;) {
		/* After publishing RUNNING: an injection from now on sees RUNNING and kicks. */
		deliver_irqs(v);
		/* The guest moves on: the exit of the previous run may no longer be completed. */
		uint64_t gen = ++v->exit_gen;
		int rc = v->ops->run_fast && has_fast(v)
				 ? port_rc(v->ops->run_fast(v->port_ctx, exit, &fast))
				 : port_rc(v->ops->run(v->port_ctx, exit));
		if (rc == 0 && (unsigned)exit->reason >= (unsigned)AXV_EXIT_REASON_COUNT)
			rc = AXV_EIO; /* a port that returns garbage is a failed port */
		if (rc != 0) {
			state_set(v, S_RUNNING, S_INVALID);
			atomic_store(&v->cpu, AXV_CPU_NONE);
			return rc;
		}
		exit->gen = gen;
		/* What the guest did with its interrupts, before the halt decision below. */
		if (v->virq && v->vic && v->vic->on_exit)
			v->vic->on_exit(v->vic_ctx, v->virq);
		if (!has_fast(v) || v->fast_seen_gen == gen || !fast_complete(v, exit))
			break;
	}
	if (exit->reason == AXV_EXIT_HALT) {
		state_set(v, S_RUNNING, S_BLOCKED);
		/* Publish BLOCKED, then look: an injection that pended before our store is
		 * seen here; one that pends after it sees BLOCKED and wakes us. */
		if (axv_virq_any_deliverable(v->virq))
			(void)state_set(v, S_BLOCKED, S_READY);
	} else {
		state_set(v, S_RUNNING, S_READY);
	}
	return 0;
}

/* Wake a blocked vcpu or kick a running one. */
static void poke(struct axv_vcpu *v)
{
	uint32_t s = state_get(v);
	/* Running: kick it out of the guest. Blocked: make it ready, and interrupt its cpu,
	 * which may sleep in the embedder's idle loop. */
	if (s == S_RUNNING || (s == S_BLOCKED && state_set(v, S_BLOCKED, S_READY)))
		ipi(v);
}

int axv_vcpu_inject(struct axv_vcpu *v, uint32_t id)
{
	if (!v)
		return AXV_EINVAL;
	if (state_get(v) == S_INVALID)
		return AXV_ESTATE;
	if (!v->virq)
		return AXV_ENODEV;
	int rc = axv_virq_pend(v->virq, id);
	if (rc != 0)
		return rc;
	if (axv_virq_is_enabled(v->virq, id))
		poke(v);
	return 0;
}

int axv_vcpu_kick(struct axv_vcpu *v)
{
	if (!v)
		return AXV_EINVAL;
	if (!in(state_get(v), M(S_READY) | M(S_RUNNING) | M(S_BLOCKED)))
		return AXV_ESTATE;
	atomic_store(&v->kick_req, 1); /* before reading the state again: see fast_complete() */
	poke(v);
	return 0;
}

enum axv_vcpu_state axv_vcpu_state(const struct axv_vcpu *v)
{
	return v ? (enum axv_vcpu_state)state_get(v) : AXV_VCPU_INVALID;
}

uint32_t axv_vcpu_cpu(const struct axv_vcpu *v)
{
	return v ? atomic_load((_Atomic uint32_t *)&v->cpu) : AXV_CPU_NONE;
}

/* Owner access to the port's registers: stopped states, on the bound cpu when bound. */
static int owner_access(const struct axv_vcpu *v, unsigned states)
{
	if (!v)
		return AXV_EINVAL;
	uint32_t s = state_get(v);
	if (!in(s, states))
		return AXV_ESTATE;
	if ((s == S_READY || s == S_BLOCKED) && !on_bound_cpu(v))
		return AXV_EPERM;
	return 0;
}

#define STOPPED (M(S_CREATED) | M(S_FREE) | M(S_READY) | M(S_BLOCKED))
#define BOUND_STOPPED (M(S_READY) | M(S_BLOCKED))

int axv_vcpu_get_reg(struct axv_vcpu *v, unsigned reg, uint64_t *value)
{
	int rc = owner_access(v, STOPPED);
	if (rc != 0)
		return rc;
	if (!value)
		return AXV_EINVAL;
	return port_rc(v->ops->get_reg(v->port_ctx, reg, value));
}

int axv_vcpu_set_reg(struct axv_vcpu *v, unsigned reg, uint64_t value)
{
	int rc = owner_access(v, STOPPED);
	return rc != 0 ? rc : port_rc(v->ops->set_reg(v->port_ctx, reg, value));
}

int axv_vcpu_set_retval(struct axv_vcpu *v, uint64_t value)
{
	int rc = owner_access(v, BOUND_STOPPED);
	if (rc != 0)
		return rc;
	if (!has_retval(v->ops))
		return AXV_ENOSYS;
	return port_rc(port_set_retval(v, value));
}

int axv_vcpu_advance_pc(struct axv_vcpu *v, uint8_t insn_len)
{
	int rc = owner_access(v, BOUND_STOPPED);
	return rc != 0 ? rc : port_rc(v->ops->advance_pc(v->port_ctx, insn_len));
}

static int target_set_reg(void *ctx, unsigned reg, uint64_t value)
{
	struct axv_vcpu *v = ctx;
	return v->ops->set_reg(v->port_ctx, reg, value);
}

static int target_get_reg(void *ctx, unsigned reg, uint64_t *value)
{
	struct axv_vcpu *v = ctx;
	return v->ops->get_reg(v->port_ctx, reg, value);
}

static int target_advance_pc(void *ctx, uint8_t insn_len)
{
	struct axv_vcpu *v = ctx;
	return v->ops->advance_pc(v->port_ctx, insn_len);
}

int axv_vcpu_exit_usable(const struct axv_vcpu *v, const struct axv_exit *exit)
{
	int rc = owner_access(v, BOUND_STOPPED);
	if (rc != 0)
		return rc;
	if (!exit)
		return AXV_EINVAL;
	/* Lifetime (struct axv_exit): only the last run's exit, once; 0 is the embedder's own. */
	if (exit->gen != 0 && exit->gen != v->exit_gen)
		return AXV_ESTATE;
	return 0;
}

int axv_vcpu_complete(struct axv_vcpu *v, const struct axv_bus *bus, struct axv_exit *exit)
{
	int rc = axv_vcpu_exit_usable(v, exit);
	if (rc != 0)
		return rc;
	if (exit->gen != 0 && exit->gen == v->fast_fail_gen)
		return v->fast_fail_rc; /* the fast path already called the device for it */
	const struct axv_exit_target t = {
		.set_reg = target_set_reg, .advance_pc = target_advance_pc, .ctx = v,
		.get_reg = target_get_reg};
	rc = axv_exit_complete(bus, &t, exit);
	if (rc == 0 && exit->gen != 0)
		v->exit_gen++; /* used up: a second completion would advance the pc again */
	return rc;
}

int axv_vcpu_destroy(struct axv_vcpu *v)
{
	if (!v)
		return AXV_EINVAL;
	uint32_t s = state_get(v);
	if (!in(s, M(S_INVALID) | M(S_CREATED) | M(S_FREE)))
		return AXV_ESTATE;
	if (v->port_created && v->ops->destroy)
		v->ops->destroy(v->port_ctx);
	v->port_created = false;
	v->exit_gen++; /* kept across destroy and create: old exits stay stale */
	atomic_store(&v->cpu, AXV_CPU_NONE);
	(void)state_set(v, s, S_INVALID);
	return 0;
}

int axv_vcpu_set_fast_bus(struct axv_vcpu *v, const struct axv_bus *bus)
{
	int rc = owner_access(v, STOPPED);
	if (rc != 0)
		return rc;
	v->fast_bus = bus;
	return 0;
}

uint64_t axv_vcpu_fast_exits(const struct axv_vcpu *v, enum axv_exit_reason reason)
{
	if (!v || (unsigned)reason >= (unsigned)AXV_EXIT_REASON_COUNT)
		return 0;
	return atomic_load_explicit((_Atomic uint64_t *)&v->fast_exits[reason],
				    memory_order_relaxed);
}

int axv_vcpu_set_fast_hypercalls(struct axv_vcpu *v, const struct axv_hcall *calls,
				 size_t count)
{
	int rc = owner_access(v, STOPPED);
	if (rc != 0)
		return rc;
	if (count && !calls)
		return AXV_EINVAL;
	for (size_t i = 0; i < count; i++)
		if (!calls[i].call || calls[i].last < calls[i].first)
			return AXV_EINVAL;
	v->fast_hcalls = count ? calls : NULL;
	v->fast_nr_hcalls = count;
	return 0;
}
