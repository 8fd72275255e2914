#include "fake_port.h"

#include <string.h>

#include <axv/bus.h>
#include <axv/err.h>

static struct fake_port *P(void *ctx)
{
	return ctx;
}

/* Count the call and return (and clear) its scripted failure. */
static int hook(struct fake_port *p, enum fp_hook h)
{
	p->calls[h]++;
	int rc = p->fail[h];
	p->fail[h] = 0;
	return rc;
}

static int fp_create(void *ctx, uint32_t id)
{
	(void)id;
	return hook(P(ctx), FP_CREATE);
}

static int fp_setup(void *ctx, const void *config)
{
	int rc = hook(P(ctx), FP_SETUP);
	if (rc == 0)
		P(ctx)->config = config;
	return rc;
}

static int fp_set_entry(void *ctx, axv_gpa_t entry)
{
	int rc = hook(P(ctx), FP_SET_ENTRY);
	if (rc == 0)
		P(ctx)->entry = entry;
	return rc;
}

static int fp_set_root(void *ctx, axv_hpa_t root)
{
	int rc = hook(P(ctx), FP_SET_ROOT);
	if (rc == 0)
		P(ctx)->root = root;
	return rc;
}

static int fp_bind(void *ctx)
{
	return hook(P(ctx), FP_BIND);
}

static int fp_unbind(void *ctx)
{
	return hook(P(ctx), FP_UNBIND);
}

static int fp_run(void *ctx, struct axv_exit *exit)
{
	struct fake_port *p = P(ctx);
	int rc = hook(p, FP_RUN);
	if (rc != 0)
		return rc;
	memset(exit, 0, sizeof(*exit));
	if (p->nscript) {
		*exit = p->script[p->next];
		p->next = (p->next + 1) % p->nscript;
	} else {
		exit->reason = AXV_EXIT_NOTHING;
	}
	if (p->on_run)
		p->on_run(p, exit);
	return 0;
}

static int fp_get_reg(void *ctx, unsigned reg, uint64_t *value)
{
	struct fake_port *p = P(ctx);
	int rc = hook(p, FP_GET_REG);
	if (rc == 0 && reg >= FP_REGS)
		rc = AXV_EINVAL;
	if (rc == 0)
		*value = p->regs[reg];
	return rc;
}

static int fp_set_reg(void *ctx, unsigned reg, uint64_t value)
{
	struct fake_port *p = P(ctx);
	int rc = hook(p, FP_SET_REG);
	if (rc == 0 && reg >= FP_REGS)
		rc = AXV_EINVAL;
	if (rc == 0)
		p->regs[reg] = value;
	return rc;
}

static int fp_set_retval(void *ctx, uint64_t value)
{
	int rc = hook(P(ctx), FP_SET_RETVAL);
	if (rc == 0)
		P(ctx)->retval = value;
	return rc;
}

static int fp_inject(void *ctx, uint32_t id, uint8_t prio)
{
	struct fake_port *p = P(ctx);
	(void)prio;
	int rc = hook(p, FP_INJECT);
	if (rc != 0)
		return rc;
	if (p->nlr >= p->lr_cap)
		return AXV_ENOSPC;
	p->lr[p->nlr++] = id;
	return 0;
}

static int fp_advance_pc(void *ctx, uint8_t len)
{
	int rc = hook(P(ctx), FP_ADVANCE_PC);
	if (rc == 0)
		P(ctx)->pc += len ? len : 4;
	return rc;
}

static void fp_destroy(void *ctx)
{
	(void)hook(P(ctx), FP_DESTROY);
}

static int fp_decode(void *ctx, struct axv_exit *exit)
{
	struct fake_port *p = P(ctx);
	int rc = hook(p, FP_DECODE);
	if (rc != 0)
		return rc;
	axv_gpa_t gpa = exit->npf.addr;
	exit->reason = p->decoded_reason;
	exit->access = p->decoded;
	exit->access.addr = gpa;
	exit->insn_len = 4;
	return 0;
}

const struct axv_vcpu_ops fake_port_ops = {
	.create = fp_create,
	.setup = fp_setup,
	.set_entry = fp_set_entry,
	.set_nested_root = fp_set_root,
	.bind = fp_bind,
	.unbind = fp_unbind,
	.run = fp_run,
	.get_reg = fp_get_reg,
	.set_reg = fp_set_reg,
	.set_retval = fp_set_retval,
	.inject = fp_inject,
	.advance_pc = fp_advance_pc,
	.destroy = fp_destroy,
	.decode = fp_decode,
};

void fake_port_init(struct fake_port *p)
{
	memset(p, 0, sizeof(*p));
	p->lr_cap = FP_LRS;
}

struct axv_exit *fake_port_push(struct fake_port *p, enum axv_exit_reason reason)
{
	if (p->nscript >= FP_SCRIPT)
		return NULL;
	struct axv_exit *e = &p->script[p->nscript++];
	memset(e, 0, sizeof(*e));
	e->reason = reason;
	return e;
}

/* A port's own completion (fake_port::direct): -1 not taken, 0 leave, 1 go on. */
static int fp_direct(struct fake_port *p, struct axv_exit *exit, const struct axv_vcpu_fast *f)
{
	if (exit->reason == AXV_EXIT_HYPERCALL) {
		const struct axv_hcall *h = axv_vcpu_fast_hcall(f, exit->hypercall.nr);
		if (!h)
			return -1;
		p->directs++;
		uint64_t ret = 0;
		if (h->call(h->ctx, exit, &ret) != 0) {
			f->not_done(f->core, 0);
			return 0;
		}
		p->retval = ret;
		p->pc += 4;
	} else if (exit->reason == AXV_EXIT_MMIO_READ && f->bus) {
		const struct axv_bus_entry *d = axv_bus_find(f->bus, AXV_BUS_MMIO, exit->access.addr);
		if (!d)
			return -1;
		p->directs++;
		uint64_t val = 0;
		int rc = d->ops->read(d->ctx, exit->access.addr - d->base, exit->access.width, &val);
		if (rc != 0) {
			f->not_done(f->core, rc);
			return 0;
		}
		if (exit->access.reg < FP_REGS)
			p->regs[exit->access.reg] = val;
		p->pc += 4;
	} else {
		return -1;
	}
	if (axv_vcpu_fast_done(f, exit->reason))
		return 1;
	exit->reason = AXV_EXIT_NOTHING;
	return 0;
}

static int fp_run_fast(void *ctx, struct axv_exit *exit, const struct axv_vcpu_fast *fast)
{
	struct fake_port *p = P(ctx);
	for (;;) {
		unsigned i = p->next;
		int rc = fp_run(ctx, exit);
		if (rc != 0)
			return rc;
		if (p->direct) {
			int d = fp_direct(p, exit, fast);
			if (d == 0)
				return 0;
			if (d == 1)
				continue;
		}
		p->offers++;
		if (!fast->complete(fast->core, exit, (p->done_mask >> i) & 1u, NULL))
			return 0;
		if (p->calls[FP_RUN] > 1000)
			return 0; /* a test's script that never leaves: stop */
	}
}

const struct axv_vcpu_ops fake_port_fast_ops = {
	.create = fp_create,
	.setup = fp_setup,
	.set_entry = fp_set_entry,
	.set_nested_root = fp_set_root,
	.bind = fp_bind,
	.unbind = fp_unbind,
	.run = fp_run,
	.get_reg = fp_get_reg,
	.set_reg = fp_set_reg,
	.set_retval = fp_set_retval,
	.inject = fp_inject,
	.advance_pc = fp_advance_pc,
	.destroy = fp_destroy,
	.run_fast = fp_run_fast,
};
