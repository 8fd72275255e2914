/* A program built outside the source tree against the installed libaxv: it brings its own
 * HAL (a small static pool whose physical addresses are offset from its host pointers) and
 * allocates, fills and frees frames through the frame module. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <axv/err.h>
#include <axv/frame.h>
#include <axv/hal.h>

#define POOL_FRAMES 8
#define PHYS_BASE 0x80000000u
static _Alignas(4096) unsigned char pool[POOL_FRAMES][4096];
static int used[POOL_FRAMES];

static int my_alloc(void *ctx, size_t count, size_t align, axv_hpa_t *pa)
{
	(void)ctx;
	for (size_t i = 0; i + count <= POOL_FRAMES; i += align) {
		size_t k = 0;
		while (k < count && !used[i + k])
			k++;
		if (k == count) {
			for (k = 0; k < count; k++)
				used[i + k] = 1;
			*pa = PHYS_BASE + i * 4096u;
			return 0;
		}
	}
	return AXV_ENOMEM;
}

static void my_free(void *ctx, axv_hpa_t pa, size_t count)
{
	(void)ctx;
	for (size_t k = 0; k < count; k++)
		used[(pa - PHYS_BASE) / 4096u + k] = 0;
}

static void *my_p2v(void *ctx, axv_hpa_t pa)
{
	(void)ctx;
	return (unsigned char *)pool + (pa - PHYS_BASE);
}

static axv_hpa_t my_v2p(void *ctx, const void *va)
{
	(void)ctx;
	return PHYS_BASE + (axv_hpa_t)((const unsigned char *)va - (unsigned char *)pool);
}

int main(void)
{
	static const struct axv_hal_mem_ops mem = {my_alloc, my_free, my_p2v, my_v2p};
	const struct axv_hal hal = {.mem = &mem};
	struct axv_frames fr;
	axv_hpa_t pa;

	if (axv_frames_init(&fr, &hal) != 0 || axv_frame_alloc_zeroed(&fr, &pa) != 0)
		return 1;
	unsigned char *p = axv_frame_ptr(&fr, pa);
	if (p[0] != 0 || p[4095] != 0 || axv_frame_fill(&fr, pa, 1, 0x42) != 0 || p[17] != 0x42)
		return 2;
	int rc = axv_frame_free(&fr, pa);
	if (rc != 0) {
		printf("free: %s\n", axv_strerror(rc));
		return 3;
	}
	if (axv_frames_live(&fr) != 0 || axv_frames_destroy(&fr) != 0)
		return 4;
	for (int i = 0; i < POOL_FRAMES; i++)
		if (used[i])
			return 5;
	printf("consumer: allocated, filled and freed frame 0x%llx through the installed libaxv\n",
	       (unsigned long long)pa);
	return 0;
}
