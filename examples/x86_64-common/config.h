/* Memory map and device addresses of the x86_64 examples (x86_64-svm, x86_64-vmx): host
 * physical and guest physical. */
#ifndef EXAMPLE_CONFIG_H
#define EXAMPLE_CONFIG_H

/* Host: 128 MiB (QEMU -m 128M; Bochs memory: guest=128). The image is at 1 MiB (link.ld);
 * multiboot modules follow it. The boot code identity-maps the first 4 GiB with 2 MiB
 * pages. */
#define FRAME_POOL_BASE 0x01000000ull /* 16 MiB .. 48 MiB: libaxv's frames (HAL) */
#define FRAME_POOL_SIZE 0x02000000ull
#define GUEST_RAM_HOST 0x04000000ull /* 64 MiB .. 64 MiB + guest RAM */
/* Guest RAM: "guest_ram=<MiB>" on the hypervisor's command line, 2..64 MiB (the host RAM
 * above GUEST_RAM_HOST); 16 MiB without it. The 64-bit test guests need 16 MiB. */
#define GUEST_RAM_DEFAULT_MIB 16
#define GUEST_RAM_MIN_MIB 2
#define GUEST_RAM_MAX_MIB 64

/* Guest physical (see tests/guests/x86_64/guest.h). */
#define GUEST_RAM_BASE 0x0ull
#define GUEST_PT_BASE 0x1000ull      /* PML4 0x1000, PDPT 0x2000, PDs 0x3000..0x6fff */
#define GUEST_PROLOGUE 0x8000ull     /* x86_64-vmx: 32-bit to long mode, then GUEST_LOAD */
#define GUEST_LOAD 0x100000ull       /* image and entry point */
#define GUEST_STACK_TOP 0xff0000ull  /* initial RSP */
#define GUEST_LAZY_BASE 0x40000000ull /* lazily backed: frames on first touch */
#define GUEST_LAZY_SIZE 0x00200000ull
#define GUEST_TESTDEV_BASE 0xd0000000ull /* MMIO test device (one 4 KiB page) */
#define GUEST_LAPIC 0xfee00000ull    /* local APIC (one 4 KiB page): ID, version, TPR, EOI,
					* SVR, ISR, IRR, LVT timer and its counters */
#define GUEST_MBI 0x9000ull          /* multiboot guests: the multiboot information ... */
#define GUEST_MBI_END 0x10000ull     /* ... its memory map, module list and strings */
#define GUEST_ASID 1

/* Guest ports and MSRs. */
#define PORT_DEBUGCON 0xe9    /* guest console: bytes go to the host serial port */
#define PORT_UART 0x3f8       /* the guest's COM1, a 16550: bytes go to the host serial port */
#define PORT_EXIT 0xf4        /* guest result: passed to QEMU's isa-debug-exit */
#define PORT_BOCHS_SHUTDOWN 0x8900 /* Bochs: "Shutdown" written here ends the emulation */
#define PORT_SCRATCH 0x510    /* 16 bytes of scratch registers; 0x520 reads the last width */
#define PORT_SCRATCH_SIZE 0x11
#define MSR_SCRATCH 0x40001000u /* four scratch MSRs */
#define MSR_SCRATCH_COUNT 4

/* Hypercalls (VMMCALL, RAX = number, RBX RCX RDX RSI RDI R8 = arguments, RAX = result). */
#define HC_WEIGHTED_SUM 0x1000 /* returns a1 + 2 a2 + 3 a3 + 4 a4 + 5 a5 + 6 a6 */
#define HC_LAZY_FAULTS 0x1001  /* returns the number of lazy pages backed so far */
#define HC_HALTS 0x1002        /* returns the number of HLT exits so far */
#define HC_EXPECT_SHUTDOWN 0x1003 /* the guest will triple-fault on purpose: report it as a pass */
#define HC_INJECT 0x1004       /* a1 = vector 32..255: make it pending (axv_vcpu_inject()) */
#define HC_HOST_TIMER 0x1005   /* a1 = count: arm the host's local APIC timer once (VMX) */
#define HC_EXT_IRQS 0x1006     /* returns the number of external-interrupt exits so far */
#define HC_LAST_NPF 0x1007     /* returns the last nested page fault: gpa | bit 0 read, 1 write, 2 fetch */

/* The host's local APIC (x86_64-vmx's external-interrupt exits; SDM Vol. 3A 12.4.1). */
#define HOST_LAPIC 0xfee00000ull
#define HOST_TIMER_VECTOR 0xec

/* isa-debug-exit values (QEMU exits with (value << 1) | 1). */
#define EXIT_PASS 0x10 /* status 33 */
#define EXIT_FAIL 0x11 /* status 35 */
#define EXIT_HYP_ERROR 0x7f /* status 255: the hypervisor itself failed */

#endif
