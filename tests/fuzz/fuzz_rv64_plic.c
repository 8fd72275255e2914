/* Fuzz harness: the riscv64 virtual PLIC (PLIC 1.0.0) under a hostile guest: any sequence of
 * 32-bit and other-width reads and writes at any offset (biased to the real registers) and
 * of line changes by devices, checked against a model written here from the specification:
 * pending bits, claims (highest priority above the threshold, lowest id on ties), the gateway
 * (one request per source in flight; pending again at completion while the line is high),
 * completions of ids not enabled or not in flight ignored, and every context line reported
 * through the notify hook exactly when it changes. */
#include <string.h>

#include <axv/arch/riscv64.h>
#include <axv/err.h>

#include "fuzz.h"

#define NSRC 40u
#define NCTX 3u

static struct {
	uint32_t prio[NSRC + 1];
	uint64_t level, pending, claimed, enable[NCTX];
	uint32_t threshold[NCTX];
} m;
static bool line_seen[NCTX];
static unsigned notifies;

static void notify(void *ctx, uint32_t context, bool level)
{
	(void)ctx;
	FUZZ_CHECK(context < NCTX, "context %u", context);
	FUZZ_CHECK(line_seen[context] != level, "notify without a change (ctx %u)", context);
	line_seen[context] = level;
	notifies++;
}

static uint32_t model_best(uint32_t c)
{
	uint32_t id = 0, prio = 0;
	for (uint32_t s = 1; s <= NSRC; s++) {
		if (!((m.pending & m.enable[c] & ~m.claimed) >> s & 1))
			continue;
		if (m.prio[s] > m.threshold[c] && m.prio[s] > prio) {
			prio = m.prio[s];
			id = s;
		}
	}
	return id;
}

static const uint64_t bases[] = {0x0, 0x4, 0x50, 0x1000, 0x1004, 0x2000, 0x2004, 0x2080,
				 0x2100, 0x2180, 0x200000, 0x200004, 0x201000, 0x201004,
				 0x202004, 0x203004, 0x208000};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = {data, size};
	static struct axv_rv64_plic p;
	memset(&m, 0, sizeof(m));
	memset(line_seen, 0, sizeof(line_seen));
	notifies = 0;
	FUZZ_CHECK(axv_rv64_plic_init(&p, NSRC, NCTX, notify, NULL) == 0, "init");
	for (unsigned step = 0; step < 256 && in.n; step++) {
		uint8_t op = fin_u8(&in);
		if ((op & 3) == 0) { /* a device drives a line */
			uint32_t s = fin_u8(&in) % (NSRC + 2);
			bool lv = op & 4;
			int rc = axv_rv64_plic_set_level(&p, s, lv);
			if (s < 1 || s > NSRC) {
				FUZZ_CHECK(rc == AXV_ERANGE, "bad source accepted");
				continue;
			}
			FUZZ_CHECK(rc == 0, "set_level %d", rc);
			uint64_t b = 1ull << s;
			if (lv) {
				m.level |= b;
				if (!(m.claimed & b))
					m.pending |= b;
			} else {
				m.level &= ~b;
				m.pending &= ~b;
			}
		} else {
			uint64_t off = (op & 0x80) ? fin_u32(&in) : bases[fin_u8(&in) % 17] + (fin_u8(&in) & 0x7c);
			uint8_t width = (op & 0x40) ? (uint8_t)(1u << (fin_u8(&in) % 4)) : 4;
			bool write = op & 1;
			uint64_t v = fin_u32(&in);
			bool reg = width == 4 && !(off & 3);
			if (write) {
				FUZZ_CHECK(axv_rv64_plic_ops.write(&p, off, width, v) == 0, "write");
				if (!reg)
					continue;
				if (off >= 4 && off < 0x1000 && off / 4 <= NSRC) {
					m.prio[off / 4] = (uint32_t)v & 7;
				} else if (off >= 0x2000 && off < 0x2000 + 0x80 * NCTX &&
					   (off - 0x2000) % 0x80 < 8) {
					uint64_t c = (off - 0x2000) / 0x80, w = (off - 0x2000) % 0x80 / 4;
					uint64_t mask = (((1ull << (NSRC + 1)) - 1) & ~1ull);
					uint64_t sh = 0xffffffffull << (32 * w);
					m.enable[c] = (m.enable[c] & ~sh) | (((uint64_t)(uint32_t)v << (32 * w)) & mask);
				} else if (off >= 0x200000 && off < 0x200000 + 0x1000ull * NCTX) {
					uint32_t c = (uint32_t)((off - 0x200000) / 0x1000);
					uint64_t r = (off - 0x200000) % 0x1000;
					if (r == 0) {
						m.threshold[c] = (uint32_t)v & 7;
					} else if (r == 4) {
						uint32_t id = (uint32_t)v;
						if (id >= 1 && id <= NSRC && (m.enable[c] >> id & 1) &&
						    (m.claimed >> id & 1)) {
							m.claimed &= ~(1ull << id);
							if (m.level >> id & 1)
								m.pending |= 1ull << id;
						}
					}
				}
			} else {
				uint64_t got = 0xdead;
				FUZZ_CHECK(axv_rv64_plic_ops.read(&p, off, width, &got) == 0, "read");
				uint64_t want = 0;
				if (reg) {
					if (off < 0x1000 && off / 4 >= 1 && off / 4 <= NSRC) {
						want = m.prio[off / 4];
					} else if (off == 0x1000 || off == 0x1004) {
						want = (uint32_t)(m.pending >> (32 * ((off - 0x1000) / 4)));
					} else if (off >= 0x2000 && off < 0x2000 + 0x80 * NCTX &&
						   (off - 0x2000) % 0x80 < 8) {
						uint64_t c = (off - 0x2000) / 0x80, w = (off - 0x2000) % 0x80 / 4;
						want = (uint32_t)(m.enable[c] >> (32 * w));
					} else if (off >= 0x200000 && off < 0x200000 + 0x1000ull * NCTX) {
						uint32_t c = (uint32_t)((off - 0x200000) / 0x1000);
						uint64_t r = (off - 0x200000) % 0x1000;
						if (r == 0) {
							want = m.threshold[c];
						} else if (r == 4) {
							want = model_best(c);
							if (want) {
								m.pending &= ~(1ull << want);
								m.claimed |= 1ull << want;
							}
						}
					}
				}
				FUZZ_CHECK(got == want, "read 0x%llx width %u: 0x%llx, model 0x%llx",
					   (unsigned long long)off, width, (unsigned long long)got,
					   (unsigned long long)want);
			}
		}
		FUZZ_CHECK((m.pending & m.claimed) == 0, "model: pending and in flight");
		for (uint32_t c = 0; c < NCTX; c++)
			FUZZ_CHECK(line_seen[c] == (model_best(c) != 0), "context %u line", c);
	}
	return 0;
}
