/* The aarch64-virt example's devicetree reader and /chosen editor (examples/aarch64-virt/fdt.c),
 * built for the host: what it reads, what it writes (checked by walking the result with an
 * independent reader here), and that malformed blobs are refused without reading or writing
 * out of bounds (every byte of a valid blob mutated; the sanitizer builds watch the
 * accesses). */
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

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
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

/* ---- an independent walk of the result: the names of /chosen's tokens, in order --------- */

static int chosen_tokens(const uint8_t *fdt, char names[][32], int max)
{
	const uint8_t *st = fdt + rd32(fdt + 8);
	const char *strs = (const char *)fdt + rd32(fdt + 12);
	uint32_t size = rd32(fdt + 36), pos = 0;
	int depth = 0, n = 0;
	bool in = false;
	while (pos + 4 <= size) {
		uint32_t t = rd32(st + pos);
		pos += 4;
		if (t == 1) {
			const char *name = (const char *)st + pos;
			depth++;
			if (depth == 2)
				in = strcmp(name, "chosen") == 0;
			else if (in && n < max)
				snprintf(names[n++], 32, "node:%s", name);
			pos = (pos + (uint32_t)strlen(name) + 1 + 3) & ~3u;
		} else if (t == 2) {
			if (depth == 2)
				in = false;
			depth--;
		} else if (t == 3) {
			uint32_t len = rd32(st + pos), off = rd32(st + pos + 4);
			if (in && depth == 2 && n < max)
				snprintf(names[n++], 32, "%s", strs + off);
			pos = (pos + 8 + len + 3) & ~3u;
		} else if (t == 9) {
			break;
		}
	}
	return n;
}

static uint8_t in[4096], out[4096];

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

Test(example_fdt, copy_removes_replaces_and_adds_chosen_properties)
{
	size_t n = sample(in, true);
	uint8_t start[8] = {0, 0, 0, 0, 0x48, 0x20, 0, 0}, endv[8] = {0, 0, 0, 0, 0x48, 0x30, 0, 0};
	const struct fdt_edit edits[] = {
		{"linux,initrd-start", start, 8},
		{"linux,initrd-end", endv, 8},
		{"bootargs", "root=/dev/vda", 14},
		{"libaxv,new", "x", 2},
	};
	uint32_t size = 0;
	cr_assert_eq(fdt_copy_chosen(in, out, sizeof(out), edits, 4, &size), 0);
	uint32_t checked = 0;
	cr_assert_eq(fdt_check(out, size, &checked), 0);
	cr_expect_eq(checked, size);
	cr_expect_eq(size, n + 16 + 11, "one property (16 bytes) and its name (11) were added");
	uint32_t len = 0;
	cr_expect_str_eq(fdt_get(out, "chosen", "bootargs", &len), "root=/dev/vda");
	cr_expect_str_eq(fdt_get(out, "chosen", "libaxv,new", &len), "x");
	const uint8_t *s = fdt_get(out, "chosen", "linux,initrd-start", &len);
	cr_assert_not_null(s);
	cr_expect_eq(len, 8);
	cr_expect_eq(memcmp(s, start, 8), 0);
	cr_expect_str_eq(fdt_get(out, "chosen", "stdout-path", &len), "/pl011@9000000");
	cr_expect_str_eq(fdt_get(out, "memory@40000000", "device_type", &len), "memory");
	cr_expect_eq(rd32(out + rd32(out + 16) + 4), 0x48000000u, "the reservation is kept");
	/* Properties come before subnodes (5.4.1), each once. */
	char names[16][32];
	int k = chosen_tokens(out, names, 16);
	cr_assert_eq(k, 6);
	cr_expect_str_eq(names[0], "stdout-path");
	cr_expect_str_eq(names[5], "node:framebuffer@0");
	cr_expect_null(fdt_get(out, "framebuffer@0", "bootargs", &len));
}

Test(example_fdt, copy_without_values_removes_the_initrd_properties)
{
	sample(in, true);
	const struct fdt_edit edits[] = {
		{"linux,initrd-start", NULL, 0},
		{"linux,initrd-end", NULL, 0},
	};
	uint32_t size = 0, len = 0;
	cr_assert_eq(fdt_copy_chosen(in, out, sizeof(out), edits, 2, &size), 0);
	cr_assert_eq(fdt_check(out, size, &len), 0);
	cr_expect_null(fdt_get(out, "chosen", "linux,initrd-start", &len));
	cr_expect_null(fdt_get(out, "chosen", "linux,initrd-end", &len));
	cr_expect_str_eq(fdt_get(out, "chosen", "bootargs", &len), "console=ttyAMA0");
	char names[16][32];
	cr_expect_eq(chosen_tokens(out, names, 16), 3);
}

Test(example_fdt, copy_adds_chosen_when_there_is_none)
{
	sample(in, false);
	const struct fdt_edit edits[] = {
		{"linux,initrd-start", NULL, 0},
		{"bootargs", "quiet", 6},
	};
	uint32_t size = 0, len = 0;
	cr_assert_eq(fdt_copy_chosen(in, out, sizeof(out), edits, 2, &size), 0);
	cr_assert_eq(fdt_check(out, size, &len), 0);
	cr_expect_str_eq(fdt_get(out, "chosen", "bootargs", &len), "quiet");
	cr_expect_null(fdt_get(out, "chosen", "linux,initrd-start", &len));
	cr_expect_str_eq(fdt_get(out, "memory@40000000", "device_type", &len), "memory");
}

Test(example_fdt, copy_refuses_too_little_room_and_stays_inside_it)
{
	size_t n = sample(in, true);
	const struct fdt_edit edits[] = {{"bootargs", "a longer command line", 22}};
	uint32_t size = 0;
	cr_assert_eq(fdt_copy_chosen(in, out, sizeof(out), edits, 1, &size), 0);
	for (size_t cap = 0; cap < size; cap++) {
		memset(out, 0xa5, sizeof(out));
		cr_expect_eq(fdt_copy_chosen(in, out, cap, edits, 1, &size), AXV_ENOSPC, "cap %zu",
			     cap);
		for (size_t i = cap; i < sizeof(out); i++)
			cr_assert_eq(out[i], 0xa5, "byte %zu written with room for %zu", i, cap);
	}
	(void)n;
}

Test(example_fdt, copy_refuses_bad_edits)
{
	sample(in, true);
	uint32_t size = 0;
	const struct fdt_edit empty_name[] = {{"", "x", 2}};
	const struct fdt_edit len_without_value[] = {{"bootargs", NULL, 3}};
	cr_expect_eq(fdt_copy_chosen(in, out, sizeof(out), empty_name, 1, &size), AXV_EINVAL);
	cr_expect_eq(fdt_copy_chosen(in, out, sizeof(out), len_without_value, 1, &size),
		     AXV_EINVAL);
	cr_expect_eq(fdt_copy_chosen(in, out, sizeof(out), NULL, 1, &size), AXV_EINVAL);
	struct fdt_edit many[9];
	for (int i = 0; i < 9; i++)
		many[i] = (struct fdt_edit){"bootargs", NULL, 0};
	cr_expect_eq(fdt_copy_chosen(in, out, sizeof(out), many, 9, &size), AXV_EINVAL);
}

/* Every byte of the blob set to a few values: fdt_check() refuses it or the reader and the
 * editor handle it, never touching memory outside the blob and the output buffer (copies in
 * buffers of exactly their size, so the sanitizers see any overrun). */
Test(example_fdt, mutated_blobs_are_refused_or_handled_within_bounds)
{
	size_t n = sample(in, true);
	static const uint8_t values[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x09, 0x7f, 0x80, 0xff};
	const struct fdt_edit edits[] = {
		{"linux,initrd-start", NULL, 0},
		{"bootargs", "console=ttyAMA0 quiet", 22},
	};
	unsigned accepted = 0, copied = 0;
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
				uint8_t *o = malloc(n + 64);
				cr_assert_not_null(o);
				uint32_t osize = 0;
				if (fdt_copy_chosen(blob, o, n + 64, edits, 2, &osize) == 0) {
					copied++;
					cr_expect_leq(osize, n + 64);
					cr_expect_eq(fdt_check(o, osize, &len), 0,
						     "a copy of a mutated blob (byte %zu = 0x%x) is "
						     "malformed",
						     i, values[v]);
				}
				free(o);
			}
			free(blob);
		}
	}
	cr_expect_gt(accepted, 0);
	cr_expect_gt(copied, 0);
}
