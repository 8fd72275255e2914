/* The aarch64-virt example's devicetree reader (examples/aarch64-virt/fdt.c), built for the
 * host: what it reads, and that malformed blobs are refused without reading out of bounds
 * (every byte of a valid blob mutated; the sanitizer builds watch the accesses). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <axv/err.h>

#include "../../examples/aarch64-virt/fdt.h"

/* ---- a tiny DTB builder (devicetree spec v0.4, chapter 5) -------------------------------- */

struct dtb {
	uint8_t st[2048];
	size_t stn;
	char strs[512];
	size_t strn;
};

static void be32_at(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void tok(struct dtb *d, uint32_t v)
{
	be32_at(d->st + d->stn, v);
	d->stn += 4;
}

static void bytes(struct dtb *d, const void *p, size_t n)
{
	memcpy(d->st + d->stn, p, n);
	d->stn += n;
	while (d->stn & 3)
		d->st[d->stn++] = 0;
}

static void begin(struct dtb *d, const char *name)
{
	tok(d, 1);
	bytes(d, name, strlen(name) + 1);
}

static void end(struct dtb *d)
{
	tok(d, 2);
}

static void prop(struct dtb *d, const char *name, const void *val, uint32_t len)
{
	uint32_t off = (uint32_t)d->strn;
	memcpy(d->strs + d->strn, name, strlen(name) + 1);
	d->strn += strlen(name) + 1;
	tok(d, 3);
	tok(d, len);
	tok(d, off);
	bytes(d, val, len);
}

static void str_prop(struct dtb *d, const char *name, const char *s)
{
	prop(d, name, s, (uint32_t)strlen(s) + 1);
}

/* Header, one reservation (and the terminator), structure block, strings block. */
static size_t finish(struct dtb *d, uint8_t *out)
{
	tok(d, 9);
	size_t rsv = 40, st = rsv + 32, str = st + d->stn, total = str + d->strn;
	memset(out, 0, total);
	be32_at(out + 0, FDT_MAGIC);
	be32_at(out + 4, (uint32_t)total);
	be32_at(out + 8, (uint32_t)st);
	be32_at(out + 12, (uint32_t)str);
	be32_at(out + 16, (uint32_t)rsv);
	be32_at(out + 20, 17);
	be32_at(out + 24, 16);
	be32_at(out + 28, 0);
	be32_at(out + 32, (uint32_t)d->strn);
	be32_at(out + 36, (uint32_t)d->stn);
	be32_at(out + rsv + 4, 0x48000000u); /* reserve 0x48000000 + 0x1000 */
	be32_at(out + rsv + 12, 0x1000u);
	memcpy(out + st, d->st, d->stn);
	memcpy(out + str, d->strs, d->strn);
	return total;
}

/* The example DTB: root with a model, /chosen with bootargs, an initrd placeholder and a
 * subnode, then /memory. */
static size_t sample(uint8_t *out, bool with_chosen)
{
	static struct dtb d;
	memset(&d, 0, sizeof(d));
	begin(&d, "");
	str_prop(&d, "model", "test");
	if (with_chosen) {
		begin(&d, "chosen");
		str_prop(&d, "bootargs", "console=ttyAMA0");
		const uint8_t zero8[8] = {0};
		prop(&d, "linux,initrd-start", zero8, 8);
		prop(&d, "linux,initrd-end", zero8, 8);
		str_prop(&d, "stdout-path", "/pl011@9000000");
		begin(&d, "framebuffer@0");
		str_prop(&d, "bootargs", "not /chosen's");
		end(&d);
		end(&d);
	}
	begin(&d, "memory@40000000");
	str_prop(&d, "device_type", "memory");
	end(&d);
	end(&d);
	return finish(&d, out);
}

static uint8_t in[4096];

Test(example_fdt, check_accepts_a_valid_blob_and_refuses_broken_headers)
{
	size_t n = sample(in, true);
	uint32_t size = 0;
	cr_assert_eq(fdt_check(in, sizeof(in), &size), 0);
	cr_expect_eq(size, n);
	cr_expect_eq(fdt_check(in, n - 1, &size), AXV_ERANGE, "larger than the room given");
	cr_expect_eq(fdt_check(in, 39, &size), AXV_EINVAL);
	cr_expect_eq(fdt_check(NULL, 4096, &size), AXV_EINVAL);
	struct {
		unsigned field;
		uint32_t value;
	} bad[] = {
		{0, 0xd00dfeefu},        /* magic */
		{4, 20},                 /* totalsize below the header */
		{8, 41},                 /* misaligned structure block */
		{8, (uint32_t)n},        /* structure block past the end */
		{36, 6},                 /* structure size not a multiple of 4 */
		{12, (uint32_t)n - 2},   /* strings block past the end */
		{32, 0xfffffff0u},       /* strings size wraps */
		{16, 44},                /* misaligned reservation block */
		{16, (uint32_t)n - 8},   /* reservation block runs off the end */
		{20, 16},                /* version 16: no size_dt_struct */
		{24, 18},                /* a last compatible version after ours */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t saved[4];
		memcpy(saved, in + bad[i].field, 4);
		be32_at(in + bad[i].field, bad[i].value);
		cr_expect_neq(fdt_check(in, sizeof(in), &size), 0, "header field %u = 0x%x",
			      bad[i].field, bad[i].value);
		memcpy(in + bad[i].field, saved, 4);
	}
}

Test(example_fdt, get_reads_a_property_of_a_child_of_the_root)
{
	sample(in, true);
	uint32_t len = 0;
	const char *v = fdt_get(in, "chosen", "bootargs", &len);
	cr_assert_not_null(v);
	cr_expect_str_eq(v, "console=ttyAMA0");
	cr_expect_eq(len, 16);
	cr_expect_str_eq(fdt_get(in, "memory@40000000", "device_type", &len), "memory");
	cr_expect_null(fdt_get(in, "chosen", "model", &len), "the root's property is not /chosen's");
	cr_expect_null(fdt_get(in, "chosen", "nothing", &len));
	cr_expect_null(fdt_get(in, "framebuffer@0", "bootargs", &len), "a grandchild is not a child");
	cr_expect_null(fdt_get(in, "memory", "device_type", &len), "names are matched in full");
}

/* Every byte of the blob set to a few values: fdt_check() refuses it or the reader handles
 * it, never touching memory outside the blob (a buffer of exactly its size, so the
 * sanitizers see any overrun). */
Test(example_fdt, mutated_blobs_are_refused_or_handled_within_bounds)
{
	size_t n = sample(in, true);
	static const uint8_t values[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x09, 0x7f, 0x80, 0xff};
	unsigned accepted = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t v = 0; v < sizeof(values); v++) {
			uint8_t *blob = malloc(n);
			cr_assert_not_null(blob);
			memcpy(blob, in, n);
			blob[i] = values[v];
			uint32_t size = 0, len = 0;
			if (fdt_check(blob, n, &size) == 0) {
				accepted++;
				fdt_get(blob, "chosen", "bootargs", &len);
				fdt_get(blob, "memory@40000000", "device_type", &len);
			}
			free(blob);
		}
	}
	cr_expect_gt(accepted, 0);
}
