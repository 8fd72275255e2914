/* Fuzz harness: the emulated-device bus and exit completion, against a model.
 *
 * Input: a setup byte (caller storage or HAL frames, capacities, an injected allocation
 * failure), then operations: register and unregister ranges in the three spaces, find,
 * direct reads and writes, and exits with every field taken from the input (reason, width,
 * register, register width, sign extension, flags, address, data, instruction length),
 * completed with axv_exit_complete() against a guest whose register hooks may fail. The
 * model predicts every return code, which device is called with which offset, width and
 * value, the register value written (truncation, sign extension, narrow destinations keeping
 * their other bits) and whether the pc advances; refused registrations leave the bus
 * byte-identical; destroy gives every frame back. */
#include <string.h>

#include <axv/bus.h>
#include <axv/err.h>
#include <axv/exit.h>

#include "fuzz.h"
#include "mock_hal.h"

#define MAXDEV 12
#define NOPS 4

struct dev {
	unsigned id;
	uint64_t value; /* what a read returns (full 64 bits: the bus must truncate) */
	int fail;       /* returned by the next call */
	unsigned calls;
	uint64_t last_off, last_val;
	uint8_t last_width;
	bool last_write;
};

struct mrange {
	uint64_t base, last;
	unsigned ops, dev;
};

static struct dev devs[MAXDEV];
static struct mrange model[AXV_BUS_SPACE_COUNT][MAXDEV];
static size_t mcount[AXV_BUS_SPACE_COUNT];
static size_t mcap[AXV_BUS_SPACE_COUNT];

static int d_read(void *ctx, uint64_t off, uint8_t width, uint64_t *v)
{
	struct dev *d = ctx;
	FUZZ_CHECK(axv_width_valid(width), "device read with width %u", width);
	d->calls++;
	d->last_off = off;
	d->last_width = width;
	d->last_write = false;
	if (d->fail)
		return d->fail;
	*v = d->value;
	return 0;
}

static int d_write(void *ctx, uint64_t off, uint8_t width, uint64_t v)
{
	struct dev *d = ctx;
	FUZZ_CHECK(axv_width_valid(width), "device write with width %u", width);
	d->calls++;
	d->last_off = off;
	d->last_width = width;
	d->last_val = v;
	d->last_write = true;
	return d->fail;
}

static const struct axv_device_ops ops_tab[NOPS] = {
	{d_read, d_write}, {d_read, NULL}, {NULL, d_write}, {NULL, NULL}};

/* The guest: registers, pc, and failures. */
struct guest {
	uint64_t reg[32];
	uint64_t pc;
	int fail_set, fail_get, fail_pc;
	unsigned sets, gets, advances;
};

static int g_set(void *ctx, unsigned reg, uint64_t v)
{
	struct guest *g = ctx;
	g->sets++;
	FUZZ_CHECK(reg != AXV_REG_NONE, "set_reg of AXV_REG_NONE");
	if (g->fail_set)
		return g->fail_set;
	if (reg < 32)
		g->reg[reg] = v;
	return 0;
}

static int g_get(void *ctx, unsigned reg, uint64_t *v)
{
	struct guest *g = ctx;
	g->gets++;
	if (g->fail_get)
		return g->fail_get;
	*v = reg < 32 ? g->reg[reg] : 0;
	return 0;
}

static int g_adv(void *ctx, uint8_t len)
{
	struct guest *g = ctx;
	g->advances++;
	if (g->fail_pc)
		return g->fail_pc;
	g->pc += len;
	return 0;
}

static uint64_t low(uint64_t v, unsigned bytes)
{
	return bytes >= 8 ? v : v & ((1ull << (8 * bytes)) - 1);
}

static int small_err(uint8_t b)
{
	static const int e[] = {0, 0, 0, 0, AXV_EIO, AXV_EINVAL, AXV_EPERM, 1};
	return e[b % 8];
}

/* The model's device for an access, or -1; *idx gets the range index. */
static int model_claim(unsigned space, uint64_t addr, unsigned width, size_t *idx)
{
	for (size_t i = 0; i < mcount[space]; i++) {
		const struct mrange *r = &model[space][i];
		if (addr < r->base || addr > r->last)
			continue;
		if (space != AXV_BUS_SYSREG &&
		    (addr > UINT64_MAX - (width - 1) || addr + (width - 1) > r->last))
			return -1;
		*idx = i;
		return (int)r->dev;
	}
	return -1;
}

static uint64_t pick_addr(struct fin *in, unsigned space)
{
	uint8_t k = fin_u8(in);
	switch (k % 5) {
	case 0:
		return fin_u16(in);
	case 1:
		if (mcount[space]) {
			const struct mrange *r = &model[space][fin_u8(in) % mcount[space]];
			return (k & 0x80 ? r->last : r->base) + (int8_t)fin_u8(in);
		}
		return fin_u8(in);
	case 2:
		return UINT64_MAX - fin_u8(in);
	case 3:
		return fin_u64(in);
	default:
		return 0x1000ull * fin_u8(in) + fin_u8(in) % 32;
	}
}

static void check_tables(const struct axv_bus *bus)
{
	for (unsigned s = 0; s < AXV_BUS_SPACE_COUNT; s++) {
		FUZZ_CHECK(bus->space[s].count == mcount[s], "space %u: %zu ranges, model %zu", s,
			   bus->space[s].count, mcount[s]);
		for (size_t i = 0; i < mcount[s]; i++) {
			/* The model is kept sorted too. */
			const struct axv_bus_entry *e = &bus->space[s].slots[i];
			FUZZ_CHECK(e->base == model[s][i].base && e->last == model[s][i].last &&
					   e->ops == &ops_tab[model[s][i].ops] &&
					   e->ctx == &devs[model[s][i].dev],
				   "space %u range %zu differs from the model", s, i);
		}
	}
}

static void op_register(struct axv_bus *bus, struct fin *in, struct axv_bus_entry *storage,
			size_t total)
{
	uint8_t b = fin_u8(in);
	unsigned space = b % 4; /* 3: an unknown space */
	unsigned opsi = (b >> 2) % NOPS;
	unsigned dev = (b >> 4) % MAXDEV;
	uint64_t base = pick_addr(in, space % 3);
	uint8_t sk = fin_u8(in);
	uint64_t size = sk & 0x80 ? fin_u64(in) : sk & 0x40 ? 0u : 1u + (uint64_t)(sk & 0x3f) * (sk & 1 ? 1 : 64);
	int want = 0;
	if (space >= AXV_BUS_SPACE_COUNT || opsi == 3 || size == 0)
		want = AXV_EINVAL;
	else if (base > UINT64_MAX - (size - 1))
		want = AXV_ERANGE;
	else {
		uint64_t last = base + (size - 1);
		for (size_t i = 0; i < mcount[space]; i++)
			if (!(last < model[space][i].base || base > model[space][i].last))
				want = AXV_EEXIST;
		if (!want && mcount[space] >= mcap[space])
			want = AXV_ENOSPC;
	}
	struct axv_bus before;
	memcpy(&before, bus, sizeof(before));
	static struct axv_bus_entry saved[3 * MAXDEV];
	if (total)
		memcpy(saved, storage, total * sizeof(*storage));
	int rc = axv_bus_register(bus, (enum axv_bus_space)space, base, size, &ops_tab[opsi],
				  &devs[dev]);
	FUZZ_CHECK(rc == want, "register space %u base %#llx size %#llx: %d, want %d", space,
		   (unsigned long long)base, (unsigned long long)size, rc, want);
	if (rc != 0) {
		FUZZ_CHECK(memcmp(&before, bus, sizeof(before)) == 0, "refused register changed the bus");
		FUZZ_CHECK(!total || memcmp(saved, storage, total * sizeof(*storage)) == 0,
			   "refused register changed the table");
		return;
	}
	size_t i = 0;
	while (i < mcount[space] && model[space][i].base < base)
		i++;
	memmove(&model[space][i + 1], &model[space][i], (mcount[space] - i) * sizeof(model[0][0]));
	model[space][i] = (struct mrange){base, base + (size - 1), opsi, dev};
	mcount[space]++;
}

static void op_unregister(struct axv_bus *bus, struct fin *in)
{
	uint8_t b = fin_u8(in);
	unsigned space = b % 4;
	uint64_t base = (b & 0x10) && space < 3 && mcount[space]
				? model[space][fin_u8(in) % mcount[space]].base
				: pick_addr(in, space % 3);
	int want = space >= AXV_BUS_SPACE_COUNT ? AXV_EINVAL : AXV_ENOENT;
	size_t at = 0;
	if (space < AXV_BUS_SPACE_COUNT)
		for (size_t i = 0; i < mcount[space]; i++)
			if (model[space][i].base == base) {
				want = 0;
				at = i;
			}
	int rc = axv_bus_unregister(bus, (enum axv_bus_space)space, base);
	FUZZ_CHECK(rc == want, "unregister space %u base %#llx: %d, want %d", space,
		   (unsigned long long)base, rc, want);
	if (rc == 0) {
		memmove(&model[space][at], &model[space][at + 1],
			(mcount[space] - at - 1) * sizeof(model[0][0]));
		mcount[space]--;
	}
}

static void reset_calls(void)
{
	for (unsigned i = 0; i < MAXDEV; i++)
		devs[i].calls = 0;
}

static unsigned total_calls(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MAXDEV; i++)
		n += devs[i].calls;
	return n;
}

static void op_direct(const struct axv_bus *bus, struct fin *in)
{
	uint8_t b = fin_u8(in);
	unsigned space = b % 4;
	bool write = b & 4;
	uint8_t width = (b & 8) ? fin_u8(in) : (uint8_t)(1u << ((b >> 4) % 4));
	uint64_t addr = pick_addr(in, space % 3);
	uint64_t val = fin_u64(in);
	reset_calls();
	int want;
	size_t idx = 0;
	int dev = -1;
	if (space >= AXV_BUS_SPACE_COUNT || !axv_width_valid(width))
		want = AXV_EINVAL;
	else if ((dev = model_claim(space, addr, width, &idx)) < 0)
		want = AXV_ENXIO;
	else if (write ? !ops_tab[model[space][idx].ops].write : !ops_tab[model[space][idx].ops].read)
		want = AXV_EACCES;
	else {
		want = devs[dev].fail = small_err(fin_u8(in));
		if (want > 0)
			want = AXV_EIO;
		devs[dev].value = fin_u64(in);
	}
	uint64_t out = 0x5a5a5a5a5a5a5a5aull;
	int rc = write ? axv_bus_write(bus, (enum axv_bus_space)space, addr, width, val)
		       : axv_bus_read(bus, (enum axv_bus_space)space, addr, width, &out);
	FUZZ_CHECK(rc == want, "%s space %u addr %#llx width %u: %d, want %d",
		   write ? "write" : "read", space, (unsigned long long)addr, width, rc, want);
	FUZZ_CHECK(total_calls() == (dev >= 0 && (want == 0 || devs[dev].fail) ? 1u : 0u),
		   "device calls %u", total_calls());
	if (rc == 0) {
		const struct dev *d = &devs[dev];
		FUZZ_CHECK(d->last_off == addr - model[space][idx].base && d->last_width == width,
			   "device got offset %#llx width %u", (unsigned long long)d->last_off,
			   d->last_width);
		if (write)
			FUZZ_CHECK(d->last_val == low(val, width), "device got %#llx",
				   (unsigned long long)d->last_val);
		else
			FUZZ_CHECK(out == low(d->value, width), "read gave %#llx",
				   (unsigned long long)out);
	} else if (!write) {
		FUZZ_CHECK(out == 0x5a5a5a5a5a5a5a5aull, "a failed read wrote its output");
	}
	if (dev >= 0)
		devs[dev].fail = 0;
	/* find agrees with the model for the first byte */
	if (space < AXV_BUS_SPACE_COUNT) {
		const struct axv_bus_entry *e = axv_bus_find(bus, (enum axv_bus_space)space, addr);
		size_t j = 0;
		int m = model_claim(space, addr, 1, &j);
		FUZZ_CHECK((e == NULL) == (m < 0), "find disagrees with the model");
		if (e)
			FUZZ_CHECK(e->base == model[space][j].base, "find returned another range");
	} else {
		FUZZ_CHECK(axv_bus_find(bus, (enum axv_bus_space)space, addr) == NULL, "find");
	}
}

static void op_exit(const struct axv_bus *bus, struct fin *in)
{
	struct axv_exit e;
	memset(&e, 0, sizeof(e));
	uint8_t b = fin_u8(in);
	e.reason = (enum axv_exit_reason)(b % (AXV_EXIT_REASON_COUNT + 2));
	uint8_t wb = fin_u8(in);
	e.access.width = (wb & 0x80) ? fin_u8(in) : (uint8_t)(1u << (wb % 4));
	e.access.reg_width = (wb & 0x40) ? fin_u8(in) : (uint8_t)(1u << ((wb >> 2) % 4));
	e.access.sign_extend = (wb & 0x20) != 0;
	uint8_t rb = fin_u8(in);
	e.access.reg = rb & 0x80 ? AXV_REG_NONE : rb % 32;
	e.access.flags = (rb & 0x60) == 0x60 ? fin_u8(in) : 0;
	e.insn_len = fin_u8(in) % 16;
	e.pc = 0x1000;
	bool merge_hook = (b & 0x80) == 0;
	unsigned space = 3;
	bool read = false;
	switch (e.reason) {
	case AXV_EXIT_MMIO_READ: space = AXV_BUS_MMIO; read = true; break;
	case AXV_EXIT_MMIO_WRITE: space = AXV_BUS_MMIO; break;
	case AXV_EXIT_IO_READ: space = AXV_BUS_PORT; read = true; break;
	case AXV_EXIT_IO_WRITE: space = AXV_BUS_PORT; break;
	case AXV_EXIT_SYSREG_READ: space = AXV_BUS_SYSREG; read = true; break;
	case AXV_EXIT_SYSREG_WRITE: space = AXV_BUS_SYSREG; break;
	default: break;
	}
	e.access.addr = pick_addr(in, space % 3);
	e.access.data = fin_u64(in);
	struct guest g;
	memset(&g, 0, sizeof(g));
	for (unsigned i = 0; i < 32; i++)
		g.reg[i] = 0x0101010101010101ull * (i + 1) ^ 0x8000000080008080ull;
	uint8_t fb = fin_u8(in);
	g.fail_set = (fb & 3) == 3 ? small_err(fb >> 2) : 0;
	g.fail_get = (fb & 12) == 12 ? small_err(fb >> 4) : 0;
	g.fail_pc = (fb & 48) == 48 ? small_err(fb >> 5) : 0;
	struct guest g0 = g;
	struct axv_exit_target t = {g_set, g_adv, &g, merge_hook ? g_get : NULL};
	reset_calls();

	/* The model. */
	int want = 0;
	int dev = -1;
	size_t idx = 0;
	bool merge = read && e.access.reg != AXV_REG_NONE && e.access.reg_width < 4;
	uint64_t dval = fin_u64(in);
	int dfail = small_err(fin_u8(in));
	bool refused = true; /* by validation, or nobody to call */
	if (space >= 3 || !axv_width_valid(e.access.width) ||
	    (read && (!axv_width_valid(e.access.reg_width) ||
		      e.access.reg_width < e.access.width)) ||
	    (merge && !merge_hook))
		want = AXV_EINVAL;
	else if (e.access.flags & (AXV_ACCESS_STRING | AXV_ACCESS_REP))
		want = AXV_ENOTSUP;
	else if ((dev = model_claim(space, e.access.addr, e.access.width, &idx)) < 0)
		want = AXV_ENXIO;
	else if (read ? !ops_tab[model[space][idx].ops].read : !ops_tab[model[space][idx].ops].write)
		want = AXV_EACCES;
	else {
		refused = false;
		devs[dev].fail = dfail;
		devs[dev].value = dval;
		if (dfail)
			want = dfail > 0 ? AXV_EIO : dfail;
		else if (read && merge && g.fail_get)
			want = g.fail_get > 0 ? AXV_EIO : g.fail_get;
		else if (read && e.access.reg != AXV_REG_NONE && g.fail_set)
			want = g.fail_set > 0 ? AXV_EIO : g.fail_set;
		else if (g.fail_pc)
			want = g.fail_pc > 0 ? AXV_EIO : g.fail_pc;
	}
	uint64_t v = 0;
	if (read && dev >= 0) {
		v = low(dval, e.access.width);
		if (e.access.sign_extend && e.access.width < 8 && (v >> (8 * e.access.width - 1)) & 1)
			v |= ~0ull << (8 * e.access.width);
		v = low(v, e.access.reg_width);
	}
	struct axv_exit e0;
	memcpy(&e0, &e, sizeof(e));
	int rc = axv_exit_complete(bus, &t, &e);
	FUZZ_CHECK(rc == want, "complete reason %d width %u reg %u reg_width %u flags %#x addr %#llx: %d, want %d",
		   e0.reason, e0.access.width, e0.access.reg, e0.access.reg_width, e0.access.flags,
		   (unsigned long long)e0.access.addr, rc, want);
	if (refused) {
		FUZZ_CHECK(total_calls() == 0 && g.sets == 0 && g.gets == 0 && g.advances == 0,
			   "a refused exit called a device or the guest");
		FUZZ_CHECK(memcmp(&e0, &e, sizeof(e)) == 0, "a refused exit was changed");
	}
	if (dev >= 0 && want != AXV_EACCES)
		FUZZ_CHECK(devs[dev].calls == 1 && devs[dev].last_off == e0.access.addr - model[space][idx].base &&
				   devs[dev].last_width == e0.access.width &&
				   (read || devs[dev].last_val == low(e0.access.data, e0.access.width)),
			   "device call");
	if (rc == 0) {
		FUZZ_CHECK(g.pc == g0.pc + e0.insn_len && g.advances == 1, "pc not advanced");
		if (read) {
			FUZZ_CHECK(e.access.data == v, "data %#llx, want %#llx",
				   (unsigned long long)e.access.data, (unsigned long long)v);
			if (e0.access.reg != AXV_REG_NONE) {
				uint64_t r = merge ? (g0.reg[e0.access.reg] &
						      ~low(~0ull, e0.access.reg_width)) | v
						   : v;
				FUZZ_CHECK(g.reg[e0.access.reg] == r, "register %u = %#llx, want %#llx",
					   e0.access.reg, (unsigned long long)g.reg[e0.access.reg],
					   (unsigned long long)r);
			} else {
				FUZZ_CHECK(g.sets == 0, "set_reg for AXV_REG_NONE");
			}
		}
	} else {
		FUZZ_CHECK(g.pc == g0.pc, "pc advanced on failure");
	}
	for (unsigned i = 0; i < 32; i++)
		if (!(rc == 0 && read && i == e0.access.reg))
			FUZZ_CHECK(g.reg[i] == g0.reg[i] || (read && i == e0.access.reg && g.sets),
				   "register %u changed", i);
	if (dev >= 0)
		devs[dev].fail = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = {data, size};
	static struct mock_hal mh;
	struct axv_frames fr;
	struct axv_bus bus;
	static struct axv_bus_entry storage[3 * MAXDEV];
	memset(devs, 0, sizeof(devs));
	memset(mcount, 0, sizeof(mcount));
	for (unsigned i = 0; i < MAXDEV; i++)
		devs[i].id = i;
	uint8_t setup = fin_u8(&in);
	size_t total = 0;
	for (unsigned s = 0; s < AXV_BUS_SPACE_COUNT; s++) {
		mcap[s] = (setup >> (2 * s)) % 4 * 4; /* 0, 4, 8 or 12 */
		total += mcap[s];
	}
	bool frames = setup & 0x40;
	mock_hal_init(&mh, 16);
	FUZZ_CHECK(axv_frames_init(&fr, &mh.hal) == 0, "frames");
	int rc;
	if (frames) {
		bool fail = setup & 0x80;
		if (fail)
			mock_hal_fail_nth(&mh, 1);
		memset(&bus, 0x5a, sizeof(bus));
		struct axv_bus copy;
		memcpy(&copy, &bus, sizeof(bus));
		rc = axv_bus_init_frames(&bus, &fr, mcap);
		mock_hal_fail_nth(&mh, 0);
		if (total == 0 || fail) {
			FUZZ_CHECK(rc == (total ? AXV_ENOMEM : AXV_EINVAL), "init_frames: %d", rc);
			FUZZ_CHECK(memcmp(&copy, &bus, sizeof(bus)) == 0, "failed init wrote the bus");
			FUZZ_CHECK(mh.live == 0, "failed init leaked");
			rc = axv_bus_init(&bus, storage, mcap);
			frames = false;
		}
	} else {
		rc = axv_bus_init(&bus, storage, mcap);
	}
	FUZZ_CHECK(rc == 0, "init: %d", rc);
	struct axv_bus_entry *st = frames ? bus.space[0].slots : storage;
	if (frames) /* the tables' storage is contiguous from space 0 even if its cap is 0 */
		st = axv_frame_ptr(&fr, bus.storage_pa);
	for (unsigned op = 0; op < 200 && in.n > 0; op++) {
		uint8_t k = fin_u8(&in);
		switch (k % 4) {
		case 0:
			op_register(&bus, &in, st, total);
			break;
		case 1:
			op_unregister(&bus, &in);
			break;
		case 2:
			op_direct(&bus, &in);
			break;
		default:
			op_exit(&bus, &in);
			break;
		}
		check_tables(&bus);
	}
	FUZZ_CHECK(axv_bus_destroy(&bus) == 0, "destroy");
	FUZZ_CHECK(axv_frames_destroy(&fr) == 0, "frames destroy");
	char why[160];
	FUZZ_CHECK(mock_hal_clean(&mh, why, sizeof(why)), "%s", why);
	mock_hal_fini(&mh);
	return 0;
}
