/*
 * vcpus that share a physical cpu (sched.c): the example's per-cpu run queues.
 *
 * libaxv keeps no run queue: the embedder chooses which vcpu runs where. A cpu with one vcpu
 * runs it as before (main.c's cpu_loop()); a cpu with several runs them in turn: a vcpu that
 * halts (a WFI or WFIT exit: libaxv's Blocked state) gives the cpu to another runnable one,
 * one that never halts gives it up at the end of its time slice (SCHED_SLICE_US, on the EL2
 * physical timer), and one that an interrupt was injected into (axv_vcpu_inject(): Blocked
 * -> Ready, and an IPI to its cpu) is runnable again. A blocked vcpu also becomes runnable at
 * the deadline of its WFIT, and, while another vcpu holds the cpu, at the deadline of its
 * virtual or EL1 physical timer (whose registers are then in its saved context, not in the
 * cpu).
 */
#ifndef EXAMPLE_SCHED_H
#define EXAMPLE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include <axv/arch/aarch64.h>
#include <axv/vcpu.h>

/* 10 ms: Linux's own tick at HZ=100 and what KVM's guests see from CFS's default latency
 * targets on a busy host; long enough that the world switch (a few microseconds under QEMU
 * TCG, well under one on hardware) costs under 0.1 % of a slice, short enough that a vcpu
 * that spins while its peer holds a lock, or waits for an answer, loses at most 10 ms. */
#define SCHED_SLICE_US 10000u

/* One vcpu in a run queue. */
struct sched_vcpu {
	void *vm;                      /* the embedder's VM (main.c's struct vm) */
	unsigned index;                /* the vcpu's index in it */
	struct axv_vcpu *v;
	const struct axv_a64_ctx *ctx; /* its registers: its timers while it is off the cpu */
	bool has_deadline;             /* it halted in a WFIT: runnable at deadline */
	uint64_t deadline;             /* in physical count (CNTPCT_EL0) */
	uint64_t slice_end;            /* in physical count: while it runs */
};

struct sched_ops {
	/* The vcpu wants the cpu: its VM runs and the guest has it on, or the VM went down and
	 * the vcpu is still bound (its run unbinds it). */
	bool (*wants_cpu)(void *vm, unsigned index);
	/* Run it until it halts (and blocks), its slice ends (sched_slice_over()), it turns
	 * off (unbound then) or its VM goes down. */
	void (*run)(struct sched_vcpu *s);
	/* Take the cpu's pending interrupts while no vcpu runs; the timers' PPIs go to
	 * @loaded, whose timers are in the cpu (NULL: none). */
	void (*irqs)(struct axv_vcpu *loaded);
	/* Whether this cpu holds @ctx's registers, its timers included (the port's lazy
	 * switch): asked after each run, which may have entered the guest or not. */
	bool (*holds)(const struct axv_a64_ctx *ctx);
};

/* Put vcpu @index of @vm in physical cpu @cpu's run queue (before the cpus run). Returns
 * false when the queue is full. */
bool sched_add(unsigned cpu, void *vm, unsigned index, struct axv_vcpu *v,
	       const struct axv_a64_ctx *ctx);
/* How many vcpus cpu @cpu runs. */
unsigned sched_vcpus(unsigned cpu);
/* Run cpu @cpu's queue, for ever. */
_Noreturn void sched_loop(unsigned cpu, const struct sched_ops *ops);
/* The running vcpu's slice is over: its run should return at the next exit. */
bool sched_slice_over(const struct sched_vcpu *s);

/* The EL2 physical timer as an alarm (CNTHP_*_EL2, PPI 10 on QEMU virt): false when
 * @phys_deadline is already reached, else armed; its interrupt ends a WFI or makes the
 * guest exit. Disarmed by its interrupt's handler (main.c's host_irqs()) or here. */
bool alarm_arm(uint64_t phys_deadline);
void alarm_disarm(void);

#endif
