/* SPDX-License-Identifier: Apache-2.0 */
/* SVM port internals: little-endian VMCB field access (the VMCB is a byte array). */
#ifndef AXV_PORT_X86_64_SVM_PRIV_H
#define AXV_PORT_X86_64_SVM_PRIV_H

#include <stdatomic.h>
#include <stdint.h>

#include "axv_mem.h"

static inline uint64_t svm_rd64(const uint8_t *b, uint32_t off)
{
	uint64_t v;
	axv_memcpy(&v, b + off, 8);
	return v;
}

static inline uint32_t svm_rd32(const uint8_t *b, uint32_t off)
{
	uint32_t v;
	axv_memcpy(&v, b + off, 4);
	return v;
}

static inline void svm_wr64(uint8_t *b, uint32_t off, uint64_t v)
{
	axv_memcpy(b + off, &v, 8);
}

static inline void svm_wr32(uint8_t *b, uint32_t off, uint32_t v)
{
	axv_memcpy(b + off, &v, 4);
}

static inline void svm_wr16(uint8_t *b, uint32_t off, uint16_t v)
{
	axv_memcpy(b + off, &v, 2);
}

static inline void svm_wr8(uint8_t *b, uint32_t off, uint8_t v)
{
	b[off] = v;
}

#endif
