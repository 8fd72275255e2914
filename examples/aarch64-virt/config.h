/*
 * The example's memory map and guest configuration: the one place to change them.
 *
 * QEMU virt, -m 1G: host RAM 0x4000_0000 .. 0x8000_0000. QEMU puts its generated DTB at the
 * start of RAM for an ELF kernel (with -append's string as /chosen/bootargs); the hypervisor
 * image is linked above it. scripts/qemu.sh's aarch64-hyp machine loads everything else.
 */
#ifndef EXAMPLE_CONFIG_H
#define EXAMPLE_CONFIG_H

/* Host physical layout. */
#define HOST_RAM_BASE 0x40000000ull
#define HOST_RAM_SIZE 0x40000000ull      /* 1 GiB: run QEMU with -m 1G */
#define HOST_DTB_ADDR 0x40000000ull      /* QEMU's DTB: its /chosen/bootargs (-append) */
#define HYP_BASE 0x40200000ull           /* link address of this image (link.ld) */
#define FRAME_POOL_BASE 0x44000000ull    /* host frames for tables and lazy guest RAM */
/* 16 MiB: page tables (3 frames for Linux's 256 MiB of RAM in 2 MiB blocks, about 130 in
 * 4 KiB pages), the 2 MiB lazy region and the bus: many times what the guests use. The
 * pool's free list is kept in its frames, so its initialisation touches every one: with
 * 192 MiB that cost 28 ms of a boot under QEMU TCG when the host's memory came quickly and
 * over 600 ms when it did not. */
#define FRAME_POOL_SIZE 0x01000000ull
#define GUEST_IMAGE_ADDR 0x50000000ull   /* -device loader,file=IMAGE,addr=...,force-raw=on */
#define GUEST_IMAGE_SIZE_ADDR 0x540ffff0ull /* loader data=<size>,data-len=4 (0: absent) */
/* scripts/qemu.sh's DTB argument is loaded at 0x54000000 (-device loader,file=DTB,...), which
 * bounds the image; the hypervisor does not read it: it builds each VM's tree (main.c). */
#define GUEST_IMAGE_MAX (0x54000000ull - GUEST_IMAGE_ADDR)
#define GUEST_DTB_MAX 0x10000ull         /* a guest's tree is built in a buffer this big */
#define GUEST_INITRD_ADDR 0x54100000ull  /* optional: -device loader,file=INITRD,... */
#define GUEST_INITRD_SIZE_ADDR 0x540ffff8ull /* optional: loader data=<size>,data-len=4 */
#define GUEST_DISK_ADDR 0x58000000ull    /* optional: -device loader,file=DISK,addr=... */
#define GUEST_DISK_SIZE_ADDR 0x57fffff8ull /* optional: loader data=<size>,data-len=4 */
#define GUEST_DISK_MAX 0x08000000ull     /* at most 128 MiB */
#define GUEST_RAM_HOST 0x60000000ull     /* host backing of guest RAM (linear map) */
/* The second VM of the two-VM table (vms.c, EXAMPLE_TWO_VMS): its image (scripts/qemu.sh
 * --image2) and size word, and the host backing of its RAM. */
#define VM2_IMAGE_ADDR 0x7c000000ull
#define VM2_IMAGE_SIZE_ADDR 0x7bfffff0ull
#define VM2_IMAGE_MAX 0x02000000ull      /* 32 MiB */
#define VM2_RAM_HOST 0x74000000ull
#define VM2_RAM_SIZE 0x04000000ull       /* 64 MiB, up to 0x7800_0000 */
/* The two-Linux table (vms.c, EXAMPLE_TWO_LINUX: scripts/demo.sh): the second VM's initrd
 * (scripts/qemu.sh --initrd2) and size word, and the host backing of its 128 MiB of RAM
 * (0x7000_0000-0x7800_0000, free in the other tables). */
#define VM2_INITRD_ADDR 0x78000000ull
#define VM2_INITRD_SIZE_ADDR 0x7bfffff8ull
#define VM2_LINUX_RAM_HOST 0x70000000ull
#define VM2_LINUX_RAM_SIZE 0x08000000ull
/* The third VM of the three-VM table (EXAMPLE_THREE_VMS): its image (scripts/qemu.sh
 * --image3) and size word, and its RAM's host backing, between guest RAM's and VM2's: the
 * same host range as the two-Linux table's (below), never loaded with it (scripts/qemu.sh
 * refuses --image3 with --initrd2). */
#define VM3_IMAGE_ADDR 0x78000000ull
#define VM3_IMAGE_SIZE_ADDR 0x7bfffff8ull
#define VM3_IMAGE_MAX 0x03000000ull      /* 48 MiB */
#define VM3_RAM_HOST 0x70000000ull
#define VM3_RAM_SIZE 0x04000000ull       /* 64 MiB, up to 0x7400_0000 */

/* Guest physical layout (the QEMU virt layout, so Linux and its DTB feel at home). */
#define GUEST_RAM_BASE 0x40000000ull
#define GUEST_RAM_SIZE 0x10000000ull     /* 256 MiB */
#define GUEST_KERNEL_OFFSET 0x80000ull   /* a raw image, or an Image with image_size 0 */
#define GUEST_DTB_OFFSET 0x08000000ull   /* DTB at RAM base + 128 MiB */
#define GUEST_INITRD_OFFSET 0x08200000ull
#define GUEST_LAZY_BASE 0x80000000ull    /* a lazily backed region for the fault-in test */
#define GUEST_LAZY_SIZE 0x00200000ull
#define GUEST_UART_BASE 0x09000000ull    /* emulated PL011, SPI 1 */
#define GUEST_UART_INTID 33
#define GUEST_RTC_BASE 0x09010000ull     /* the host's PL031, passed through, SPI 2 */
#define GUEST_RTC_INTID 34
#define GUEST_BOOTARGS_MAX 2048          /* Linux arm64's COMMAND_LINE_SIZE */
#define GUEST_VIRTIO_BLK_BASE 0x0a000000ull /* virtio-mmio block device, SPI 16 */
#define GUEST_VIRTIO_BLK_INTID 48
#define GUEST_VIRTIO_CON_BASE 0x0a000200ull /* virtio-mmio console, SPI 17 */
#define GUEST_VIRTIO_CON_INTID 49
#define GUEST_TESTDEV_BASE 0x0a100000ull /* MMIO test device (test guests only) */
/* One vcpu per physical cpu: as many as QEMU's -smp gives, at most MAX_CPUS. */
#define GUEST_SPIS 32                    /* INTIDs 32-63 */

/* Host devices. */
#define HOST_UART_BASE 0x09000000ull     /* the console, SPI 1 */
#define HOST_UART_INTID 33
#define HOST_RTC_BASE 0x09010000ull      /* PL031, SPI 2 */
#define HOST_RTC_INTID 34
#define GUEST_GICD_BASE 0x08000000ull    /* the vGIC, where QEMU virt has its GIC */
#define GUEST_GICR_BASE 0x080a0000ull
#define GICD_BASE 0x08000000ull
#define GICR_BASE 0x080a0000ull
#define GICR_STRIDE 0x20000ull

#define HYP_STACK_SIZE 0x8000
#define MAX_CPUS 4

#endif
