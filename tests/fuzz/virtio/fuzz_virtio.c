/*
 * libFuzzer harness for lib/virtio: arbitrary register accesses, guest memory contents,
 * descriptor chains and notifications against a virtio-blk and a virtio-console device over
 * mock guest memory. AddressSanitizer catches any host overread or overwrite (the disk is a
 * heap block of exactly its size); the checks below catch a device that wrote outside guest
 * RAM or its disk, or that left the interrupt line out of step with InterruptStatus.
 *
 * Input: a sequence of commands, each one opcode byte and its operands (little-endian);
 * a truncated command ends the input.
 *
 * Request lifetimes: the harness can also act as an asynchronous device, popping a request
 * (command 7), keeping it across any other commands and using it later (command 8: read,
 * write or push). It keeps its own record of whether the request went stale (the device
 * reset, in DEVICE_NEEDS_RESET, or its queue disabled since the pop: include/axv/virtio.h,
 * struct axv_virtq_req); a stale request must fail with AXV_ESTATE and leave guest RAM and
 * the used ring as they were, and a fresh one on a live queue must not fail so.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <axv/arch/x86_64.h>
#include <axv/err.h>
#include <axv/virtio.h>

#include "mock_hal.h"

#define RAM 0x40000000ull
#define RAM_SIZE 0x10000ull
#define ROM 0x40010000ull
#define DEVMEM 0x40020000ull
#define HOLE 0x40030000ull
#define BIG 0x100000000ull
#define BIG_SIZE 0x200000000ull
#define DISK 8192u

static struct mock_hal mh;
static struct axv_addrspace as;
static struct axv_virtio_blk blk;
static struct axv_virtio_console con;
static uint8_t *disk, *disk_copy;
static bool blk_irq, con_irq;
static size_t out_total;

static void set_blk_irq(void *ctx, bool level)
{
	(void)ctx;
	if (level == blk_irq)
		abort(); /* the transport only reports changes */
	blk_irq = level;
}

static void set_con_irq(void *ctx, bool level)
{
	(void)ctx;
	if (level == con_irq)
		abort();
	con_irq = level;
}

static void con_out(void *ctx, const uint8_t *b, size_t n)
{
	(void)ctx;
	volatile uint8_t sink = 0;
	for (size_t i = 0; i < n; i++) /* touch every byte: ASan checks the range */
		sink ^= b[i];
	(void)sink;
	out_total += n;
}

static void once(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	mock_hal_init(&mh, 256);
	mh.poison = false;
	if (axv_addrspace_init(&as, &mh.hal, &axv_pt_ept, 0, 1ull << 36, 1) ||
	    axv_addrspace_map_alloc(&as, RAM, RAM_SIZE, AXV_MAP_READ | AXV_MAP_WRITE, true) ||
	    axv_addrspace_map_alloc(&as, ROM, 0x1000, AXV_MAP_READ, true) ||
	    axv_addrspace_map_alloc(&as, DEVMEM, 0x1000,
				    AXV_MAP_READ | AXV_MAP_WRITE | AXV_MAP_DEVICE, true) ||
	    axv_addrspace_map_alloc(&as, BIG, BIG_SIZE, AXV_MAP_READ | AXV_MAP_WRITE, false))
		abort();
	disk = malloc(DISK);
	disk_copy = malloc(DISK);
	if (!disk || !disk_copy)
		abort();
}

struct in {
	const uint8_t *p;
	size_t n;
};

static bool take(struct in *in, void *dst, size_t n)
{
	if (in->n < n)
		return false;
	memcpy(dst, in->p, n);
	in->p += n;
	in->n -= n;
	return true;
}

/* A guest address steered towards the interesting places. */
static uint64_t gaddr(uint8_t sel, uint32_t off)
{
	static const uint64_t base[8] = {RAM, RAM, RAM, ROM, DEVMEM, HOLE, BIG, 0};
	if ((sel & 7) == 7)
		return ((uint64_t)off << 32) | off; /* anything */
	uint64_t b = base[sel & 7];
	return b + (b == BIG ? (uint64_t)off << 8 : off % (b == RAM ? RAM_SIZE : 0x1100));
}

static void ram_zero(void)
{
	static uint8_t zero[RAM_SIZE];
	if (axv_addrspace_write(&as, RAM, zero, sizeof(zero)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t base_frames;

/* The request the harness holds as an asynchronous device (commands 7 and 8). */
static struct {
	bool valid;                                /* a request is held */
	bool stale;                                /* the harness's own verdict */
	struct axv_virtio_mmio *m;                 /* its device */
	struct axv_virtq_req r;                    /* r.seg points at seg */
	struct axv_virtq_seg seg[AXV_VIRTQ_MAX_SIZE];
} held;

/* After each command: anything that ends the held request's lifetime? A reset is noted
 * where the harness writes Status 0; NEEDS_RESET and a disabled queue are seen here. */
static void held_update(void)
{
	if (held.valid && ((held.m->status & AXV_VIRTIO_STATUS_NEEDS_RESET) ||
			   !held.m->q[held.r.queue].ready))
		held.stale = true;
}

/* Guest RAM snapshot around a use of a stale request. */
static uint8_t ram_before[RAM_SIZE], ram_after[RAM_SIZE];

static void use_held(uint8_t kind, uint16_t off, uint8_t len, uint32_t written)
{
	if (!held.valid)
		return;
	struct axv_virtio_mmio *m = held.m;
	uint8_t buf[256];
	memset(buf, 0xa5, sizeof(buf));
	if (held.stale && axv_addrspace_read(&as, RAM, ram_before, sizeof(ram_before)))
		abort();
	int rc;
	switch (kind % 3) {
	case 0:
		rc = axv_virtq_read(m, &held.r, off, buf, len);
		break;
	case 1:
		rc = axv_virtq_write(m, &held.r, off, buf, len);
		break;
	default:
		rc = axv_virtq_push(m, &held.r, held.r.in_len ? written % (held.r.in_len + 1) : 0);
		held.valid = false; /* pushed, or refused: the device is done with it */
		break;
	}
	if (held.stale) {
		if (rc != AXV_ESTATE)
			abort(); /* a stale request was used */
		if (axv_addrspace_read(&as, RAM, ram_after, sizeof(ram_after)) ||
		    memcmp(ram_before, ram_after, sizeof(ram_after)))
			abort(); /* ... or wrote guest RAM (the used ring lies in it) */
		for (unsigned i = 0; i < sizeof(buf); i++)
			if (buf[i] != 0xa5)
				abort(); /* ... or filled the host buffer */
	} else if (rc == AXV_ESTATE && (m->status & AXV_VIRTIO_STATUS_DRIVER_OK) &&
		   m->q[held.r.queue].ready) {
		abort(); /* a request of the live setup it came from was refused */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	once();
	if (!base_frames)
		base_frames = mh.live;
	if (mh.live != base_frames) {
		/* A device wrote into the lazily mapped area (the guest's own RAM): give it
		 * its frames back so the pool never runs dry across inputs. */
		if (axv_addrspace_unmap(&as, BIG, BIG_SIZE) ||
		    axv_addrspace_map_alloc(&as, BIG, BIG_SIZE, AXV_MAP_READ | AXV_MAP_WRITE,
					    false) ||
		    mh.live != base_frames)
			abort();
	}
	ram_zero();
	/* Read-only RAM and device memory: a device must never write them. */
	static uint8_t pat[0x1000], chk[0x1000];
	for (unsigned i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 13 + 5);
	if (axv_addrspace_write(&as, ROM, pat, sizeof(pat)) ||
	    axv_addrspace_write(&as, DEVMEM, pat, sizeof(pat)))
		abort();
	for (unsigned i = 0; i < DISK; i++)
		disk[i] = (uint8_t)i;
	blk_irq = con_irq = false;
	bool ro = size && (data[0] & 1);
	if (axv_virtio_blk_init(&blk, &as, disk, DISK, ro, "fuzz", set_blk_irq, NULL) ||
	    axv_virtio_console_init(&con, &as, con_out, NULL, set_con_irq, NULL))
		abort();
	held.valid = false;
	struct in in = {data + (size ? 1 : 0), size ? size - 1 : 0}; /* byte 0: ro flag */
	uint8_t op;
	while (take(&in, &op, 1)) {
		struct axv_virtio_mmio *m = (op & 0x80) ? &con.mmio : &blk.mmio;
		switch (op & 0x7f) {
		case 0: { /* register or config write */
			uint16_t off;
			uint8_t w;
			uint64_t v;
			if (!take(&in, &off, 2) || !take(&in, &w, 1) || !take(&in, &v, 8))
				goto end;
			uint8_t width = (uint8_t)(1u << (w & 3));
			off %= AXV_VIRTIO_MMIO_SIZE;
			uint64_t at = off & ~(uint64_t)(width - 1) & (w & 4 ? ~0ull : ~3ull);
			(void)axv_virtio_mmio_ops.write(m, at, width, v);
			if (held.valid && m == held.m && width == 4 && at == 0x070 && (uint32_t)v == 0)
				held.stale = true; /* device reset (section 4.2.2, Status) */
			break;
		}
		case 1: { /* register read */
			uint16_t off;
			uint8_t w;
			uint64_t v;
			if (!take(&in, &off, 2) || !take(&in, &w, 1))
				goto end;
			(void)axv_virtio_mmio_ops.read(m, off % AXV_VIRTIO_MMIO_SIZE,
						       (uint8_t)(1u << (w & 3)), &v);
			break;
		}
		case 2: { /* guest memory write */
			uint16_t off;
			uint8_t len, buf[256];
			if (!take(&in, &off, 2) || !take(&in, &len, 1) || !take(&in, buf, len))
				goto end;
			uint64_t at = RAM + off % RAM_SIZE;
			if (at + len > RAM + RAM_SIZE)
				len = (uint8_t)(RAM + RAM_SIZE - at);
			if (axv_addrspace_write(&as, at, buf, len))
				abort();
			break;
		}
		case 3: { /* descriptor: table offset, index, address, len, flags, next */
			uint16_t toff, idx, flags, next;
			uint8_t sel;
			uint32_t aoff, len;
			if (!take(&in, &toff, 2) || !take(&in, &idx, 2) || !take(&in, &sel, 1) ||
			    !take(&in, &aoff, 4) || !take(&in, &len, 4) || !take(&in, &flags, 2) ||
			    !take(&in, &next, 2))
				goto end;
			uint64_t addr = gaddr(sel, aoff);
			uint8_t d[16];
			memcpy(d, &addr, 8);
			memcpy(d + 8, &len, 4);
			memcpy(d + 12, &flags, 2);
			memcpy(d + 14, &next, 2);
			uint64_t at = RAM + ((toff + 16ull * (idx % 512)) % (RAM_SIZE - 16));
			(void)axv_addrspace_write(&as, at, d, 16);
			break;
		}
		case 4: { /* driver setup of a queue: features, queue, num, ring offsets */
			uint64_t f;
			uint8_t q;
			uint16_t num, d, a, u;
			if (!take(&in, &f, 8) || !take(&in, &q, 1) || !take(&in, &num, 2) ||
			    !take(&in, &d, 2) || !take(&in, &a, 2) || !take(&in, &u, 2))
				goto end;
			/* q bit 6: another queue of a device already negotiated. */
			static const uint32_t seq[] = {0x070, 0, 0x070, 1, 0x070, 3, 0x024, 0};
			if (held.valid && m == held.m && !(q & 0x40))
				held.stale = true; /* the sequence starts with a reset */
			for (unsigned k = 0; k < 8 && !(q & 0x40); k += 2)
				(void)axv_virtio_mmio_ops.write(m, seq[k], 4, seq[k + 1]);
			if (!(q & 0x40)) {
				(void)axv_virtio_mmio_ops.write(m, 0x020, 4, (uint32_t)f);
				(void)axv_virtio_mmio_ops.write(m, 0x024, 4, 1);
				(void)axv_virtio_mmio_ops.write(m, 0x020, 4,
								(uint32_t)(f >> 32) | 1);
				(void)axv_virtio_mmio_ops.write(m, 0x070, 4, 11);
			}
			const uint32_t qs[][2] = {
				{0x030, q & 3},
				{0x038, num},
				{0x080, (uint32_t)(RAM + d % RAM_SIZE)},
				{0x090, (uint32_t)(RAM + a % RAM_SIZE)},
				{0x0a0, (uint32_t)(RAM + u % RAM_SIZE)},
				{0x044, 1},
			};
			for (unsigned k = 0; k < 6; k++)
				(void)axv_virtio_mmio_ops.write(m, qs[k][0], 4, qs[k][1]);
			if (q & 0x80)
				(void)axv_virtio_mmio_ops.write(m, 0x070, 4, 15);
			break;
		}
		case 5: { /* make a head available on queue q and notify */
			uint8_t q;
			uint16_t head;
			if (!take(&in, &q, 1) || !take(&in, &head, 2))
				goto end;
			unsigned qi = q & 3;
			const struct axv_virtq *vq = &m->q[qi];
			/* The guest writes only its read/write RAM. */
			if (vq->num && vq->driver >= RAM &&
			    vq->driver + 4 + 2ull * vq->num <= RAM + RAM_SIZE) {
				uint16_t idx = 0;
				(void)axv_addrspace_read(&as, vq->driver + 2, &idx, 2);
				(void)axv_addrspace_write(&as,
					vq->driver + 4 + 2ull * (idx % vq->num), &head, 2);
				idx++;
				(void)axv_addrspace_write(&as, vq->driver + 2, &idx, 2);
			}
			(void)axv_virtio_mmio_ops.write(m, 0x050, 4, (q & 0x80) ? q : qi);
			break;
		}
		case 6: { /* host console input */
			uint8_t len, buf[256];
			if (!take(&in, &len, 1) || !take(&in, buf, len))
				goto end;
			size_t got = axv_virtio_console_input(&con, buf, len);
			if (got > len)
				abort();
			break;
		}
		case 7: { /* an asynchronous device pops a request of queue q and keeps it */
			uint8_t q;
			if (!take(&in, &q, 1))
				goto end;
			struct axv_virtq_req r;
			if (axv_virtq_pop(m, q & 3, &r) == 0) {
				held.valid = true;
				held.stale = false;
				held.m = m;
				held.r = r;
				memcpy(held.seg, r.seg, r.nseg * sizeof(held.seg[0]));
				held.r.seg = held.seg;
			}
			break;
		}
		case 8: { /* ... and uses it later: read, write or push */
			uint8_t kind, len;
			uint16_t off;
			uint32_t written;
			if (!take(&in, &kind, 1) || !take(&in, &off, 2) || !take(&in, &len, 1) ||
			    !take(&in, &written, 4))
				goto end;
			use_held(kind, off, len, written);
			break;
		}
		default:
			break;
		}
		/* Invariants after every command. */
		if (blk_irq != (blk.mmio.isr != 0) || con_irq != (con.mmio.isr != 0))
			abort();
		held_update();
	}
end:
	if (getenv("FUZZ_VIRTIO_TRACE"))
		fprintf(stderr, "blk: status %#x violation %d reqs %llu errors %llu; "
				"con: status %#x violation %d tx %llu rx %llu\n",
			blk.mmio.status, blk.mmio.violation, (unsigned long long)blk.reqs,
			(unsigned long long)blk.errors, con.mmio.status, con.mmio.violation,
			(unsigned long long)con.tx_bytes, (unsigned long long)con.rx_bytes);
	/* A read-only disk never changes. */
	if (ro) {
		for (unsigned i = 0; i < DISK; i++)
			if (disk[i] != (uint8_t)i)
				abort();
	}
	if (axv_addrspace_read(&as, ROM, chk, sizeof(chk)) || memcmp(chk, pat, sizeof(pat)) ||
	    axv_addrspace_read(&as, DEVMEM, chk, sizeof(chk)) || memcmp(chk, pat, sizeof(pat)))
		abort(); /* a device wrote read-only RAM or device memory */
	/* Every host pointer the library took was to a live frame; nothing freed twice. */
	if (mh.stray_ptrs || mh.bad_frees)
		abort();
	return 0;
}
