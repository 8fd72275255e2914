/* A scripted fake port for the vcpu tests: registers in memory, per-hook call counters and
 * injectable failures, a script of exits that run() returns in turn, and a few "list
 * registers" that the inject hook fills. */
#ifndef AXV_TESTS_FAKE_PORT_H
#define AXV_TESTS_FAKE_PORT_H

#include <axv/vcpu.h>

enum fp_hook {
	FP_CREATE, FP_SETUP, FP_SET_ENTRY, FP_SET_ROOT, FP_BIND, FP_UNBIND, FP_RUN,
	FP_GET_REG, FP_SET_REG, FP_SET_RETVAL, FP_INJECT, FP_ADVANCE_PC, FP_DESTROY, FP_DECODE,
	FP_HOOKS
};

#define FP_REGS 32
#define FP_SCRIPT 16
#define FP_LRS 4

struct fake_port;
/* Called inside run(), with the vcpu Running, before the scripted exit is returned. */
typedef void (*fp_run_cb)(struct fake_port *p, struct axv_exit *exit);

struct fake_port {
	uint64_t regs[FP_REGS];
	uint64_t pc, retval;
	axv_gpa_t entry;
	axv_hpa_t root;
	const void *config;
	int calls[FP_HOOKS];
	int fail[FP_HOOKS]; /* the next call of that hook returns this (then it is cleared) */
	struct axv_exit script[FP_SCRIPT];
	unsigned nscript, next;
	uint32_t lr[FP_LRS]; /* interrupts put into the "hardware" by inject */
	unsigned nlr, lr_cap;
	fp_run_cb on_run;
	void *user;
	/* run_fast (fake_port_fast_ops): script entries the port finishes itself (offered with
	 * done = true), and how many exits it offered to the fast path. */
	uint32_t done_mask;
	unsigned offers;
	/* run_fast: take hypercalls and MMIO reads on itself through the fast path's table and
	 * bus (struct axv_vcpu_fast::hcalls, bus, not_done; axv_vcpu_fast_done()), as the
	 * aarch64 port's direct paths do, instead of offering them to complete(). */
	bool direct;
	unsigned directs; /* exits it took on itself */
	/* decode (axv_vcpu_ops::decode): a nested page fault becomes this access (reason, width,
	 * register, data; the address and insn_len stay the fault's and 4), unless the hook's
	 * scripted failure (fail[FP_DECODE]) is set. */
	struct axv_exit_access decoded;
	enum axv_exit_reason decoded_reason;
};

extern const struct axv_vcpu_ops fake_port_ops;
/* The same port with a run_fast hook: each scripted exit is offered to the fast path, and
 * run goes on to the next one while the fast path completes them. */
extern const struct axv_vcpu_ops fake_port_fast_ops;

void fake_port_init(struct fake_port *p);
/* Append an exit of this reason to the script (run cycles through the script). */
struct axv_exit *fake_port_push(struct fake_port *p, enum axv_exit_reason reason);

#endif
