/* The example's VM tables (vms.h).
 *
 * The default is one VM: the guest QEMU's loader put at the addresses of config.h, on every
 * physical cpu QEMU started, as the tests and the demo run it. Built with EXAMPLE_TWO_VMS
 * (aarch64-virt-2vm.elf), two VMs on QEMU virt with -smp 4: vm-a, the first guest (Linux,
 * say) with its initrd, disk and the host's RTC on physical cpus 0 and 1; vm-b, a second
 * guest (scripts/qemu.sh --image2) on cpu 2, with its own 64 MiB of RAM at the same guest
 * address, backed elsewhere; cpu 3 idles. Built with EXAMPLE_TWO_LINUX
 * (aarch64-virt-2linux.elf, scripts/demo.sh): the same vm-a, and vm-b a second Linux with 1
 * vcpu on cpu 2, 128 MiB of RAM and its own initrd (scripts/qemu.sh --image2, --initrd2).
 * Built with EXAMPLE_THREE_VMS (aarch64-virt-3vm.elf), the two-VM table and vm-c, a third
 * guest (scripts/qemu.sh --image3) whose two vcpus share physical cpu 3: sched.c runs them in
 * turn. */
#include "vms.h"

/* The first VM as the tests and the demo know it: the addresses of config.h, its image,
 * initrd and disk where scripts/qemu.sh's loader puts them, every device, the host's PL031. */
#define FIRST_VM                                                                           \
	.vmid = 1, .ram_base = GUEST_RAM_BASE, .ram_size = GUEST_RAM_SIZE,                  \
	.ram_host = GUEST_RAM_HOST, .lazy_base = GUEST_LAZY_BASE, .lazy_size = GUEST_LAZY_SIZE, \
	.uart = true, .rtc = true, .virtio = true, .testdev = true,                         \
	.src = {.image = GUEST_IMAGE_ADDR, .image_size = GUEST_IMAGE_SIZE_ADDR,             \
		.image_max = GUEST_IMAGE_MAX, .initrd = GUEST_INITRD_ADDR,                  \
		.initrd_size = GUEST_INITRD_SIZE_ADDR, .disk = GUEST_DISK_ADDR,             \
		.disk_size = GUEST_DISK_SIZE_ADDR}

#if defined(EXAMPLE_TWO_LINUX)
static const struct vm_desc table[] = {
	{.name = "vm-a", .vcpus = 2, .pcpu = {0, 1}, FIRST_VM},
	{.name = "vm-b", .vmid = 2, .vcpus = 1, .pcpu = {2},
	 .ram_base = GUEST_RAM_BASE, .ram_size = VM2_LINUX_RAM_SIZE,
	 .ram_host = VM2_LINUX_RAM_HOST, .uart = true,
	 .src = {.image = VM2_IMAGE_ADDR, .image_size = VM2_IMAGE_SIZE_ADDR,
		 .image_max = VM2_IMAGE_MAX, .initrd = VM2_INITRD_ADDR,
		 .initrd_size = VM2_INITRD_SIZE_ADDR},
	 .bootargs = "console=ttyAMA0 panic=-1"},
};
#elif !defined(EXAMPLE_TWO_VMS) && !defined(EXAMPLE_THREE_VMS)
static const struct vm_desc table[] = {
	{.name = "vm0", .vcpus = 0, FIRST_VM},
};
#else
static const struct vm_desc table[] = {
	{.name = "vm-a", .vcpus = 2, .pcpu = {0, 1}, FIRST_VM},
	{.name = "vm-b", .vmid = 2, .vcpus = 1, .pcpu = {2},
	 .ram_base = GUEST_RAM_BASE, .ram_size = VM2_RAM_SIZE, .ram_host = VM2_RAM_HOST,
	 .lazy_base = GUEST_LAZY_BASE, .lazy_size = GUEST_LAZY_SIZE,
	 .uart = true, .virtio = true, .testdev = true,
	 .src = {.image = VM2_IMAGE_ADDR, .image_size = VM2_IMAGE_SIZE_ADDR,
		 .image_max = VM2_IMAGE_MAX},
	 .bootargs = "console=ttyAMA0 vm=2"}, /* vm=2: isolate.c's role */
#ifdef EXAMPLE_THREE_VMS
	/* Two vcpus on one physical cpu: sched.c's run queue of cpu 3 holds both. */
	{.name = "vm-c", .vmid = 3, .vcpus = 2, .pcpu = {3, 3},
	 .ram_base = GUEST_RAM_BASE, .ram_size = VM3_RAM_SIZE, .ram_host = VM3_RAM_HOST,
	 .uart = true, .testdev = true,
	 .src = {.image = VM3_IMAGE_ADDR, .image_size = VM3_IMAGE_SIZE_ADDR,
		 .image_max = VM3_IMAGE_MAX},
	 .bootargs = "console=ttyAMA0 vm=3"},
#endif
};
#endif

const struct vm_desc *vm_table(unsigned *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}
