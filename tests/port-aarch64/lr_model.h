#ifndef AXV_TESTS_LR_MODEL_H
#define AXV_TESTS_LR_MODEL_H

#include <axv/arch/aarch64.h>

struct lr_model {
	uint64_t lr[16];
	unsigned nr;
	uint64_t hcr;
	unsigned writes;
};

extern const struct axv_a64_lr_ops lr_model_ops;
void lr_model_init(struct lr_model *m, unsigned nr);
/* The guest acknowledges the highest-priority pending LR: returns its index, or -1. */
int lr_model_ack(struct lr_model *m, uint32_t *intid);
/* The guest finishes LR n (EOI with deactivation): the LR becomes empty. */
void lr_model_eoi(struct lr_model *m, unsigned n);

#endif
