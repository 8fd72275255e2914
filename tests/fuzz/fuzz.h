/* Shared by the fuzz harnesses: a reader over the fuzz input and a check that aborts (so
 * libFuzzer, and the replay runner, report the input). Test code: libc is fine here. */
#ifndef AXV_TESTS_FUZZ_H
#define AXV_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Every harness defines this (libFuzzer's entry point). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fin {
	const uint8_t *p;
	size_t n;
};

/* Bytes run out as zeros, so every prefix of an input is an input too. */
static inline uint64_t fin_bytes(struct fin *f, unsigned k)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < k; i++) {
		uint64_t b = 0;
		if (f->n) {
			b = *f->p++;
			f->n--;
		}
		v |= b << (8 * i);
	}
	return v;
}
static inline uint8_t fin_u8(struct fin *f) { return (uint8_t)fin_bytes(f, 1); }
static inline uint16_t fin_u16(struct fin *f) { return (uint16_t)fin_bytes(f, 2); }
static inline uint32_t fin_u32(struct fin *f) { return (uint32_t)fin_bytes(f, 4); }
static inline uint64_t fin_u64(struct fin *f) { return fin_bytes(f, 8); }

#define FUZZ_CHECK(cond, ...)                                                              \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__,   \
				#cond);                                                    \
			fprintf(stderr, __VA_ARGS__);                                      \
			fputc('\n', stderr);                                               \
			abort();                                                           \
		}                                                                          \
	} while (0)

#endif
