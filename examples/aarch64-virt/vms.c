/* The example's VM table (vms.h). The default is one VM: the guest QEMU's loader put at the
 * addresses of config.h, on every physical cpu QEMU started, as the tests and the demo run
 * it. */
#include "vms.h"

static const struct vm_desc single[] = {
	{
		.name = "vm0",
		.vmid = 1,
		.vcpus = 0,
		.ram_base = GUEST_RAM_BASE,
		.ram_size = GUEST_RAM_SIZE,
		.ram_host = GUEST_RAM_HOST,
		.lazy_base = GUEST_LAZY_BASE,
		.lazy_size = GUEST_LAZY_SIZE,
		.uart = true,
		.rtc = true,
		.virtio = true,
		.testdev = true,
		.src = {.image = GUEST_IMAGE_ADDR, .image_size = GUEST_IMAGE_SIZE_ADDR,
			.image_max = GUEST_IMAGE_MAX, .initrd = GUEST_INITRD_ADDR,
			.initrd_size = GUEST_INITRD_SIZE_ADDR, .disk = GUEST_DISK_ADDR,
			.disk_size = GUEST_DISK_SIZE_ADDR},
	},
};

const struct vm_desc *vm_table(unsigned *n)
{
	*n = sizeof(single) / sizeof(single[0]);
	return single;
}
