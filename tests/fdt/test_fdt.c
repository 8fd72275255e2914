/* The devicetree writer (lib/fdt), checked by an independent reader: Debian's libfdt
 * (fdt_check_full, path and property lookups, the reservation block), on a guest-like tree,
 * at every buffer size from too small to enough, with every call order the writer must
 * refuse, every name rule, and random trees read back node by node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <libfdt.h>

#include <axv/err.h>
#include <axv/fdt.h>

#define BIG 65536
static uint8_t buf[BIG + 64] __attribute__((aligned(8)));

/* A guest-like tree, written call by call; stops at the first failing call and returns its
 * code (0 when the whole tree was written and sealed). *calls counts the calls made. */
static int guest_tree(struct axv_fdt *f, uint32_t *size, int *calls)
{
	static const char *const compat[] = {"linux,dummy-virt"};
	static const char *const uart[] = {"arm,pl011", "arm,primecell"};
	static const uint64_t mem[] = {0x40000000ull, 0x8000000ull};
	static const uint32_t irq[] = {0, 1, 4};
	int rc = 0;
	*calls = 0;
	/* Before each call, a copy of the writer and of the buffer: a call that fails must
	 * leave both exactly as they were. */
	static uint8_t snap[BIG + 64];
#define STEP(x)                                                                            \
	do {                                                                               \
		if (rc == 0) {                                                             \
			struct axv_fdt before = *f;                                        \
			memcpy(snap, f->buf, f->cap);                                      \
			rc = (x);                                                          \
			++*calls;                                                          \
			if (rc != 0) {                                                     \
				cr_assert_eq(memcmp(&before, f, sizeof(*f)), 0,            \
					     "call %d failed (%d) and changed the writer",  \
					     *calls, rc);                                  \
				cr_assert_eq(memcmp(snap, f->buf, f->cap), 0,              \
					     "call %d failed (%d) and changed the buffer",  \
					     *calls, rc);                                  \
			}                                                                  \
		}                                                                          \
	} while (0)
	STEP(axv_fdt_reserve(f, 0x48000000ull, 0x1000));
	STEP(axv_fdt_reserve(f, 0x1ffff0000ull, 0x20000));
	STEP(axv_fdt_begin_node(f, ""));
	STEP(axv_fdt_prop_u32(f, "#address-cells", 2));
	STEP(axv_fdt_prop_u32(f, "#size-cells", 2));
	STEP(axv_fdt_prop_strings(f, "compatible", compat, 1));
	STEP(axv_fdt_prop_string(f, "model", "libaxv guest"));
	STEP(axv_fdt_begin_node(f, "memory@40000000"));
	STEP(axv_fdt_prop_string(f, "device_type", "memory"));
	STEP(axv_fdt_prop_u64s(f, "reg", mem, 2));
	STEP(axv_fdt_end_node(f));
	STEP(axv_fdt_begin_node(f, "cpus"));
	STEP(axv_fdt_prop_u32(f, "#address-cells", 1));
	STEP(axv_fdt_prop_u32(f, "#size-cells", 0));
	for (uint32_t c = 0; c < 2; c++) {
		STEP(axv_fdt_begin_node(f, c ? "cpu@1" : "cpu@0"));
		STEP(axv_fdt_prop_string(f, "device_type", "cpu"));
		STEP(axv_fdt_prop_u32(f, "reg", c));
		STEP(axv_fdt_end_node(f));
	}
	STEP(axv_fdt_end_node(f));
	STEP(axv_fdt_begin_node(f, "intc@8000000"));
	STEP(axv_fdt_prop(f, "interrupt-controller", NULL, 0));
	STEP(axv_fdt_prop_u32(f, "phandle", 1));
	STEP(axv_fdt_end_node(f));
	STEP(axv_fdt_begin_node(f, "pl011@9000000"));
	STEP(axv_fdt_prop_strings(f, "compatible", uart, 2));
	STEP(axv_fdt_prop_cells(f, "interrupts", irq, 3));
	STEP(axv_fdt_end_node(f));
	STEP(axv_fdt_begin_node(f, "chosen"));
	STEP(axv_fdt_prop_string(f, "bootargs", "console=ttyAMA0 earlycon"));
	STEP(axv_fdt_prop_u64(f, "linux,initrd-start", 0x48000000ull));
	STEP(axv_fdt_end_node(f));
	STEP(axv_fdt_end_node(f));
	STEP(axv_fdt_finish(f, size));
#undef STEP
	return rc;
}

static const void *prop(const void *fdt, const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, path);
	cr_assert_geq(node, 0, "%s: %s", path, fdt_strerror(node));
	const void *p = fdt_getprop(fdt, node, name, len);
	cr_assert_not_null(p, "%s %s missing", path, name);
	return p;
}

Test(fdt, a_guest_tree_reads_back_through_libfdt)
{
	struct axv_fdt f;
	uint32_t size = 0;
	int calls;
	cr_assert_eq(axv_fdt_init(&f, buf, BIG, 3), 0);
	cr_assert_eq(guest_tree(&f, &size, &calls), 0);
	cr_assert_eq(fdt_check_full(buf, size), 0, "%s", fdt_strerror(fdt_check_full(buf, size)));
	cr_expect_eq(fdt_totalsize(buf), size);
	cr_expect_eq(fdt_version(buf), 17);
	cr_expect_eq(fdt_last_comp_version(buf), 16);
	cr_expect_eq(fdt_boot_cpuid_phys(buf), 3);
	cr_expect_eq(fdt_num_mem_rsv(buf), 2);
	uint64_t a, s;
	cr_expect_eq(fdt_get_mem_rsv(buf, 1, &a, &s), 0);
	cr_expect_eq(a, 0x1ffff0000ull);
	cr_expect_eq(s, 0x20000ull);
	int len;
	const fdt32_t *c = prop(buf, "/", "#address-cells", &len);
	cr_expect_eq(len, 4);
	cr_expect_eq(fdt32_to_cpu(*c), 2u);
	/* Properties are 4-byte aligned (section 5.4.1): 64-bit values are read unaligned. */
	const fdt64_t *reg = prop(buf, "/memory@40000000", "reg", &len);
	cr_expect_eq(len, 16);
	cr_expect_eq(fdt64_ld(&reg[0]), 0x40000000ull);
	cr_expect_eq(fdt64_ld(&reg[1]), 0x8000000ull);
	c = prop(buf, "/cpus/cpu@1", "reg", &len);
	cr_expect_eq(fdt32_to_cpu(*c), 1u);
	prop(buf, "/intc@8000000", "interrupt-controller", &len);
	cr_expect_eq(len, 0);
	int uart = fdt_path_offset(buf, "/pl011@9000000");
	cr_expect_eq(fdt_stringlist_count(buf, uart, "compatible"), 2);
	cr_expect_eq(fdt_node_check_compatible(buf, uart, "arm,primecell"), 0);
	const fdt32_t *irq = prop(buf, "/pl011@9000000", "interrupts", &len);
	cr_expect_eq(len, 12);
	cr_expect_eq(fdt32_to_cpu(irq[2]), 4u);
	cr_expect_str_eq(prop(buf, "/chosen", "bootargs", &len), "console=ttyAMA0 earlycon");
	cr_expect_eq(fdt64_ld(prop(buf, "/chosen", "linux,initrd-start", &len)), 0x48000000ull);
	cr_expect_eq(fdt_node_offset_by_phandle(buf, 1), fdt_path_offset(buf, "/intc@8000000"));
	/* Each property name is stored once: "#address-cells" and "device_type", "compatible"
	 * and "reg" are used twice but counted once. */
	const char *names[] = {"#address-cells", "#size-cells", "compatible", "model",
			       "device_type", "reg", "interrupt-controller", "phandle",
			       "interrupts", "bootargs", "linux,initrd-start"};
	size_t want = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		want += strlen(names[i]) + 1;
	cr_expect_eq(fdt_size_dt_strings(buf), want);
}

/* At every buffer size, each call either succeeds or fails with AXV_ENOSPC leaving the
 * writer and the bytes written so far as they were; nothing is written past the buffer;
 * and once the buffer is large enough the blob is the same as with a large buffer. */
Test(fdt, every_buffer_size_fails_cleanly_or_gives_the_same_blob)
{
	static uint8_t ref[BIG] __attribute__((aligned(8)));
	struct axv_fdt f;
	uint32_t ref_size = 0, size;
	int calls;
	cr_assert_eq(axv_fdt_init(&f, ref, BIG, 0), 0);
	cr_assert_eq(guest_tree(&f, &ref_size, &calls), 0);
	int total_calls = calls;
	for (uint32_t cap = 64; cap <= ref_size + 16; cap++) {
		memset(buf, 0xa5, sizeof(buf));
		cr_assert_eq(axv_fdt_init(&f, buf, cap, 0), 0);
		size = 0;
		int rc = guest_tree(&f, &size, &calls);
		if (rc == 0) {
			cr_assert_geq(cap, ref_size);
			cr_assert_eq(size, ref_size, "cap %u", cap);
			cr_assert_eq(memcmp(buf, ref, size), 0, "cap %u: a different blob", cap);
		} else {
			cr_assert_eq(rc, AXV_ENOSPC, "cap %u: call %d gave %d", cap, calls, rc);
			cr_assert_lt(cap, ref_size + 16, "cap %u is enough, yet call %d failed", cap,
				     calls);
		}
		for (uint32_t i = cap; i < sizeof(buf); i++)
			cr_assert_eq(buf[i], 0xa5, "cap %u: byte %u past the buffer written", cap, i);
	}
	cr_expect_gt(total_calls, 30);
}

Test(fdt, init_refuses_what_it_cannot_use)
{
	struct axv_fdt f;
	memset(&f, 0x5a, sizeof(f));
	struct axv_fdt same = f;
	cr_expect_eq(axv_fdt_init(NULL, buf, 256, 0), AXV_EINVAL);
	cr_expect_eq(axv_fdt_init(&f, NULL, 256, 0), AXV_EINVAL);
	cr_expect_eq(axv_fdt_init(&f, buf + 4, 256, 0), AXV_EINVAL, "misaligned");
	cr_expect_eq(axv_fdt_init(&f, buf, 63, 0), AXV_EINVAL, "too small");
	cr_expect_eq(axv_fdt_init(&f, buf, (size_t)1 << 32, 0), AXV_EINVAL, "too large");
	cr_expect_eq(memcmp(&f, &same, sizeof(f)), 0, "a refused init wrote the writer");
	cr_expect_eq(axv_fdt_init(&f, buf, 64, 0), 0);
}

Test(fdt, calls_out_of_order_are_refused)
{
	struct axv_fdt f;
	uint32_t size;
	cr_assert_eq(axv_fdt_init(&f, buf, 4096, 0), 0);
	cr_expect_eq(axv_fdt_prop_u32(&f, "a", 1), AXV_ESTATE, "a property before the root");
	cr_expect_eq(axv_fdt_end_node(&f), AXV_ESTATE, "no node open");
	cr_expect_eq(axv_fdt_finish(&f, &size), AXV_ESTATE, "no root yet");
	cr_expect_eq(axv_fdt_begin_node(&f, "cpus"), AXV_ESTATE, "a named node at the top");
	cr_expect_eq(axv_fdt_reserve(&f, 0, 0), AXV_EINVAL, "an empty reservation");
	cr_expect_eq(axv_fdt_reserve(&f, ~0ull, 2), AXV_EINVAL, "a wrapping reservation");
	cr_assert_eq(axv_fdt_begin_node(&f, ""), 0);
	cr_expect_eq(axv_fdt_reserve(&f, 0x1000, 0x1000), AXV_ESTATE, "a reservation after a node");
	cr_expect_eq(axv_fdt_begin_node(&f, ""), AXV_ESTATE, "an unnamed node below the root");
	cr_expect_eq(axv_fdt_finish(&f, &size), AXV_ESTATE, "the root is open");
	/* AXV_FDT_MAX_DEPTH nodes open, the root included, and no more. */
	for (unsigned d = 1; d < AXV_FDT_MAX_DEPTH; d++)
		cr_assert_eq(axv_fdt_begin_node(&f, "n"), 0, "depth %u", d);
	cr_expect_eq(axv_fdt_begin_node(&f, "n"), AXV_E2BIG);
	for (unsigned d = 0; d < AXV_FDT_MAX_DEPTH; d++)
		cr_assert_eq(axv_fdt_end_node(&f), 0);
	cr_expect_eq(axv_fdt_end_node(&f), AXV_ESTATE, "every node closed");
	cr_expect_eq(axv_fdt_begin_node(&f, ""), AXV_ESTATE, "a second root");
	cr_expect_eq(axv_fdt_begin_node(&f, "x"), AXV_ESTATE, "a node after the root");
	cr_expect_eq(axv_fdt_prop_u32(&f, "a", 1), AXV_ESTATE, "a property after the root");
	cr_expect_eq(axv_fdt_finish(NULL, &size), AXV_EINVAL);
	cr_expect_eq(axv_fdt_finish(&f, NULL), AXV_EINVAL);
	cr_assert_eq(axv_fdt_finish(&f, &size), 0);
	cr_expect_eq(fdt_check_full(buf, size), 0);
	cr_expect_eq(axv_fdt_finish(&f, &size), AXV_ESTATE, "sealed twice");
	cr_expect_eq(axv_fdt_begin_node(&f, "x"), AXV_ESTATE, "a node after the seal");
	cr_expect_eq(axv_fdt_end_node(&f), AXV_ESTATE, "end after the seal");
}

Test(fdt, names_follow_the_specification)
{
	struct axv_fdt f;
	cr_assert_eq(axv_fdt_init(&f, buf, 8192, 0), 0);
	cr_assert_eq(axv_fdt_begin_node(&f, ""), 0);
	/* Section 2.2.1: node-name[@unit-address], 1 to 31 characters, a letter first. */
	const char *bad_nodes[] = {"1cpu", "cpu@", "a b", "cpu@1 2", "cpu@@1", "@1", "a/b",
				   "abcdefghijklmnopqrstuvwxyz123456" /* 32 */};
	for (size_t i = 0; i < sizeof(bad_nodes) / sizeof(*bad_nodes); i++)
		cr_expect_eq(axv_fdt_begin_node(&f, bad_nodes[i]), AXV_EINVAL, "node \"%s\"",
			     bad_nodes[i]);
	const char *good_nodes[] = {"a", "cpu@0", "virtio_mmio@a000000", "pl011@9000000",
				    "Z,x.y_z+1-2", "abcdefghijklmnopqrstuvwxyz12345" /* 31 */};
	for (size_t i = 0; i < sizeof(good_nodes) / sizeof(*good_nodes); i++) {
		cr_expect_eq(axv_fdt_begin_node(&f, good_nodes[i]), 0, "node \"%s\"",
			     good_nodes[i]);
		cr_expect_eq(axv_fdt_end_node(&f), 0);
	}
	/* Section 2.2.4: 1 to 31 characters of 0-9 a-z A-Z , . _ + ? # - */
	const char *bad_props[] = {"", "a b", "a@b", "a/b", "abcdefghijklmnopqrstuvwxyz123456"};
	for (size_t i = 0; i < sizeof(bad_props) / sizeof(*bad_props); i++)
		cr_expect_eq(axv_fdt_prop_u32(&f, bad_props[i], 0), AXV_EINVAL, "property \"%s\"",
			     bad_props[i]);
	const char *good_props[] = {"#address-cells", "linux,initrd-start", "a?", "x+y",
				    "abcdefghijklmnopqrstuvwxyz12345"};
	for (size_t i = 0; i < sizeof(good_props) / sizeof(*good_props); i++)
		cr_expect_eq(axv_fdt_prop_u32(&f, good_props[i], 0), 0, "property \"%s\"",
			     good_props[i]);
	cr_expect_eq(axv_fdt_begin_node(NULL, "a"), AXV_EINVAL);
	cr_expect_eq(axv_fdt_begin_node(&f, NULL), AXV_EINVAL);
	cr_expect_eq(axv_fdt_prop(&f, NULL, NULL, 0), AXV_EINVAL);
	cr_expect_eq(axv_fdt_prop(&f, "a", NULL, 1), AXV_EINVAL, "no value but a length");
	cr_expect_eq(axv_fdt_prop_cells(&f, "a", NULL, 1), AXV_EINVAL);
	cr_expect_eq(axv_fdt_prop_u64s(&f, "a", NULL, 1), AXV_EINVAL);
	cr_expect_eq(axv_fdt_prop_string(&f, "a", NULL), AXV_EINVAL);
	const char *strs[] = {"x", NULL};
	cr_expect_eq(axv_fdt_prop_strings(&f, "a", strs, 2), AXV_EINVAL, "a NULL entry");
	cr_expect_eq(axv_fdt_prop_strings(&f, "a", strs, 0), AXV_EINVAL, "no entry");
	cr_expect_eq(axv_fdt_end_node(&f), 0);
	uint32_t size;
	cr_assert_eq(axv_fdt_finish(&f, &size), 0);
	cr_expect_eq(fdt_check_full(buf, size), 0);
	cr_expect_geq(fdt_path_offset(buf, "/virtio_mmio@a000000"), 0);
}

/* Random trees (nodes, properties of random names and lengths, repeated names), read back by
 * libfdt in document order: every node and property as written, in order. */
struct rnd {
	uint64_t s;
};
static uint32_t rnd(struct rnd *r, uint32_t n)
{
	r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(r->s >> 33) % n;
}

#define MAX_ITEMS 400
struct item {
	int kind; /* 1 begin, 2 end, 3 prop */
	char name[40];
	uint32_t len;
	uint8_t val[64];
};

Test(fdt, random_trees_read_back_in_document_order)
{
	static struct item items[MAX_ITEMS];
	struct rnd r = {42};
	for (int round = 0; round < 300; round++) {
		struct axv_fdt f;
		cr_assert_eq(axv_fdt_init(&f, buf, BIG, 0), 0);
		cr_assert_eq(axv_fdt_begin_node(&f, ""), 0);
		unsigned n = 0, depth = 1;
		unsigned want = 20 + rnd(&r, 200);
		while (n < want || depth > 1) {
			struct item *it = &items[n];
			uint32_t k = rnd(&r, 10);
			if (n >= want || (k < 2 && depth > 1)) {
				it->kind = 2;
				cr_assert_eq(axv_fdt_end_node(&f), 0);
				depth--;
			} else if (k < 4 && depth < AXV_FDT_MAX_DEPTH) {
				it->kind = 1;
				snprintf(it->name, sizeof(it->name), "n%u@%x", rnd(&r, 5), rnd(&r, 1000));
				cr_assert_eq(axv_fdt_begin_node(&f, it->name), 0, "%s", it->name);
				depth++;
			} else {
				it->kind = 3;
				snprintf(it->name, sizeof(it->name), "p%u", rnd(&r, 12));
				it->len = rnd(&r, 65);
				for (uint32_t i = 0; i < it->len; i++)
					it->val[i] = (uint8_t)rnd(&r, 256);
				cr_assert_eq(axv_fdt_prop(&f, it->name, it->val, it->len), 0);
			}
			n++;
			cr_assert_lt(n, MAX_ITEMS);
		}
		cr_assert_eq(axv_fdt_end_node(&f), 0);
		uint32_t size;
		cr_assert_eq(axv_fdt_finish(&f, &size), 0);
		cr_assert_eq(fdt_check_full(buf, size), 0, "round %d", round);
		/* Walk the tags in order with libfdt. */
		int off = 0, next;
		uint32_t tag = fdt_next_tag(buf, off, &next);
		cr_assert_eq(tag, FDT_BEGIN_NODE);
		off = next;
		for (unsigned i = 0; i < n; i++) {
			tag = fdt_next_tag(buf, off, &next);
			const struct item *it = &items[i];
			if (it->kind == 1) {
				cr_assert_eq(tag, FDT_BEGIN_NODE, "round %d item %u", round, i);
				cr_assert_str_eq(fdt_get_name(buf, off, NULL), it->name);
			} else if (it->kind == 2) {
				cr_assert_eq(tag, FDT_END_NODE, "round %d item %u", round, i);
			} else {
				cr_assert_eq(tag, FDT_PROP, "round %d item %u", round, i);
				int len;
				const char *pname;
				const void *v = fdt_getprop_by_offset(buf, off, &pname, &len);
				cr_assert_not_null(v);
				cr_assert_str_eq(pname, it->name);
				cr_assert_eq((uint32_t)len, it->len);
				cr_assert_eq(memcmp(v, it->val, it->len), 0);
			}
			off = next;
		}
		cr_assert_eq(fdt_next_tag(buf, off, &next), FDT_END_NODE);
		cr_assert_eq(fdt_next_tag(buf, next, &next), FDT_END);
	}
}
