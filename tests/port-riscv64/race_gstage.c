/* The derived G-stage table under concurrency: harts fill leaves (guest faults) while another
 * flushes ranges (the HAL's tlb hook after an engine change), which axv_rv64_gstage_fill()
 * and axv_rv64_gstage_flush() allow (the table's lock orders them). The engine's table is
 * not changed meanwhile (the engine's own rule). Checked: every fill succeeds, every derived
 * leaf found afterwards equals the engine's leaf as a hardware PTE, the frame count is
 * exact after destroy; under ThreadSanitizer, no data race. Plain C (tcheck.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <axv/arch/riscv64.h>
#include <axv/err.h>

#include "mock_hal.h"
#include "tcheck.h"

#define FILLERS 2
#define ROUNDS 20000
#define BASE 0x80000000ull
#define SPAN 0x01000000ull /* 16 MiB: 8 megapages, partly 4 KiB pages */

static struct mock_hal mh;
static struct axv_pt_format fmt;
static struct axv_addrspace as;
static struct axv_rv64_gstage gs;
static atomic_int fill_errors, stop;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *filler(void *arg)
{
	uint64_t s = 0x9e3779b97f4a7c15ull * (uintptr_t)arg + 1;
	for (int i = 0; i < ROUNDS; i++) {
		axv_gpa_t gpa = BASE + (rnd(&s) % SPAN);
		int rc = axv_rv64_gstage_fill(&gs, gpa, AXV_MAP_READ);
		if (rc != 0)
			atomic_fetch_add(&fill_errors, 1);
	}
	return NULL;
}

static void *flusher(void *arg)
{
	(void)arg;
	uint64_t s = 12345;
	while (!atomic_load(&stop)) {
		axv_gpa_t gpa = BASE + (rnd(&s) % SPAN);
		axv_rv64_gstage_flush(&gs, gpa & ~0xfffull, 0x1000ull << (rnd(&s) % 12));
	}
	return NULL;
}

static uint64_t hw_walk(axv_gpa_t gpa)
{
	const uint64_t *t = mock_hal_ptr(&mh, gs.root);
	for (unsigned l = 0; l < fmt.levels; l++) {
		uint64_t p = t[(gpa >> fmt.shift[l]) & ((1ull << fmt.index_bits[l]) - 1)];
		if (!(p & AXV_RV64_PTE_V))
			return 0;
		if (p & 0xe)
			return p;
		t = mock_hal_ptr(&mh, ((p >> 10) & ((1ull << 44) - 1)) << 12);
	}
	return 0;
}

int main(void)
{
	mock_hal_init(&mh, 1024);
	CHECK(axv_rv64_format_init(&fmt, AXV_RV64_SV39X4) == 0, "format");
	CHECK(axv_addrspace_init(&as, &mh.hal, &fmt, 0, 1ull << 34, 5) == 0, "space");
	/* 12 MiB in megapages, then 4 MiB of 4 KiB pages (a linear map at an odd offset) */
	CHECK(axv_addrspace_map_linear(&as, BASE, 0x2c0000000ull, 0xc00000, AXV_MAP_RWX) == 0, "map");
	CHECK(axv_addrspace_map_linear(&as, BASE + 0xc00000, 0x300001000ull, 0x400000,
				       AXV_MAP_READ) == 0, "map pages");
	CHECK(axv_rv64_gstage_init(&gs, &mh.hal, &fmt, axv_addrspace_root(&as), 5) == 0, "gstage");
	pthread_t f[FILLERS], fl;
	pthread_create(&fl, NULL, flusher, NULL);
	for (uintptr_t i = 0; i < FILLERS; i++)
		pthread_create(&f[i], NULL, filler, (void *)(i + 1));
	for (int i = 0; i < FILLERS; i++)
		pthread_join(f[i], NULL);
	atomic_store(&stop, 1);
	pthread_join(fl, NULL);
	CHECK(atomic_load(&fill_errors) == 0, "%d fills failed", atomic_load(&fill_errors));
	unsigned found = 0, bad = 0;
	for (axv_gpa_t g = BASE; g < BASE + SPAN; g += 0x1000) {
		uint64_t p = hw_walk(g);
		if (!p)
			continue;
		found++;
		axv_hpa_t hpa;
		axv_map_flags_t fl2;
		if (axv_addrspace_translate(&as, g, &hpa, &fl2, NULL) != 0) {
			bad++;
			continue;
		}
		/* the derived leaf maps g to the engine's address */
		uint64_t leaf_pa = ((p >> 10) & ((1ull << 44) - 1)) << 12;
		uint64_t size = g < BASE + 0xc00000 ? 0x200000 : 0x1000;
		if (leaf_pa + (g & (size - 1)) != hpa)
			bad++;
	}
	printf("race_gstage: %u derived pages checked after %d fills and concurrent flushes\n", found,
	       FILLERS * ROUNDS);
	CHECK(bad == 0, "%u derived leaves disagree with the engine", bad);
	axv_rv64_gstage_destroy(&gs);
	CHECK(axv_addrspace_destroy(&as) == 0, "destroy");
	CHECK(mh.live == 0, "%zu frames leaked", mh.live);
	mock_hal_fini(&mh);
	return tcheck_done("race_gstage");
}
