/*
 * The example's VMs, described in one table (vms.c): adding a VM is an entry, not code.
 *
 * Each VM gets its own VMID, stage-2 address space, vGIC, PSCI state, device bus, PL011,
 * virtio devices and RAM (main.c builds them from its entry); nothing of one VM is mapped in
 * another. Several vcpus may share a physical cpu: sched.c runs them in turn.
 */
#ifndef EXAMPLE_VMS_H
#define EXAMPLE_VMS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define MAX_VMS 4

/* Where QEMU's generic loader put a VM's files in host memory (scripts/qemu.sh); a size
 * word holds the file's length (0: absent). 0 for an address: no such file. */
struct vm_src {
	uint64_t image, image_size;   /* the kernel or test guest; required */
	uint64_t image_max;           /* the most bytes the loader's region there holds */
	uint64_t initrd, initrd_size; /* optional */
	uint64_t disk, disk_size;     /* optional: virtio-blk's read-only disk */
};

struct vm_desc {
	const char *name;         /* the console prefix, the log's name */
	unsigned vmid;            /* VTTBR_EL2.VMID, unique, nonzero */
	/* vcpus: 0 = one per physical cpu QEMU started (-smp N), vcpu i on cpu i; else that
	 * many, vcpu i on physical cpu pcpu[i]. */
	unsigned vcpus;
	unsigned pcpu[MAX_CPUS];
	uint64_t ram_base, ram_size; /* guest physical */
	uint64_t ram_host;           /* host physical backing (linear), ram_size bytes */
	uint64_t lazy_base, lazy_size; /* a lazily backed region (0 size: none) */
	bool uart;                   /* the PL011 at GUEST_UART_BASE */
	bool rtc;                    /* the host's PL031 passed through (one VM at most) */
	bool virtio;                 /* virtio-blk and virtio-console */
	bool testdev;                /* the MMIO test device */
	struct vm_src src;
	const char *bootargs;        /* NULL: QEMU's -append, if any, else the DTB's own */
};

/* The VM table in force and its length (vms.c). */
const struct vm_desc *vm_table(unsigned *n);

#endif
