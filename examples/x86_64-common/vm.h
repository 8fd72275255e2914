/* The part of the x86_64 example hypervisors that does not depend on the backend (SVM or
 * VMX): the guest's memory and image, its devices on a libaxv device bus, and the run loop
 * that completes exits through libaxv's exit model. Each example's main.c turns its
 * backend on, creates the vcpu with its backend's configuration and calls vm_run(). */
#ifndef EXAMPLE_VM_H
#define EXAMPLE_VM_H

#include <stdbool.h>
#include <stdint.h>

#include <axv/addrspace.h>
#include <axv/exit.h>
#include <axv/virq.h>
#include <axv/vcpu.h>

/* What differs between the backends. */
struct vm_backend {
	const char *name;              /* "x86_64-svm", printed on every line */
	const struct axv_pt_format *pt; /* the nested page-table format */
	uint64_t tag;                  /* the address space's TLB tag (ASID, or 0) */
	/* Invalidate the guest's nested translations (the HAL's TLB hooks call it). */
	void (*flush)(void);
	/* An exit the backend handles itself (external interrupts, windows); true if it did. */
	bool (*exit)(struct axv_exit *e);
	/* Arm a host timer interrupt once, after @count ticks (HC_HOST_TIMER), or NULL. */
	int (*host_timer)(uint32_t count);
	/* Make the next entry deliver hardware exception @vector (with @error when @has_error)
	 * before the guest's next instruction (#GP for an MSR nobody emulates). */
	int (*raise)(uint8_t vector, bool has_error, uint32_t error);
};

/* How the guest starts. A flat 64-bit test binary: long mode, paging on through the page
 * tables at cr3. A multiboot kernel (an ELF32 with a multiboot header): 32-bit protected
 * mode, paging off, EAX = 0x2BADB002, EBX = the multiboot information (Multiboot 0.6.96,
 * 3.2 "Machine state"). */
struct vm_start {
	bool multiboot;
	uint64_t entry; /* guest physical entry point */
	uint64_t rsp;   /* initial stack pointer (flat binaries) */
	uint64_t cr3;   /* guest page tables (flat binaries: identity map of 0..4 GiB) */
	uint32_t eax, ebx; /* multiboot: magic and information address */
};

extern struct axv_addrspace vm_as;
extern struct axv_vcpu vm_vcpu;
extern struct axv_virq vm_virq; /* the vcpu's interrupt state: pass it at axv_vcpu_create() */
extern uint64_t vm_exits[AXV_EXIT_REASON_COUNT];

_Noreturn void vm_fatal(const char *what, int rc);
void vm_check(const char *what, int rc);
_Noreturn void vm_guest_failed(const char *why, const struct axv_exit *e);

/* Guest memory (its size from "guest_ram=<MiB>" on the hypervisor's command line), the
 * guest image (the first multiboot module: a flat binary, or a multiboot ELF32 kernel whose
 * command line is that module's string and whose modules are the hypervisor's further
 * modules), the devices; fills @start. */
void vm_build(const struct vm_backend *b, uint32_t mbi, struct vm_start *start);
/* The guest's RAM in bytes (from 0). */
uint64_t vm_ram_size(void);
/* Print the summary line ("<name>: guest result 0x.. after N exits") and end the run. */
_Noreturn void vm_finish(void);
/* Run the bound vcpu until the guest reports its result. */
_Noreturn void vm_run(void);

#endif
