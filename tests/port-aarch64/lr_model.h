#ifndef AXV_TESTS_LR_MODEL_H
#define AXV_TESTS_LR_MODEL_H

#include <axv/arch/aarch64.h>

struct lr_model {
	uint64_t lr[16];
	unsigned nr;
	uint64_t hcr;
	unsigned writes;
	unsigned deactivated[32]; /* physical PPIs deactivated through the ops (ICC_DIR_EL1) */
};

extern const struct axv_a64_lr_ops lr_model_ops;
void lr_model_init(struct lr_model *m, unsigned nr);
/* Every list register of the port vcpu free (lr_id, the port's record of what each holds). */
void lr_model_free_all(struct axv_a64_vcpu *av);
/* A fresh port vcpu (zero, every list register free) whose list registers are m, reset to nr
 * registers. */
void lr_model_vcpu(struct axv_a64_vcpu *av, struct lr_model *m, unsigned nr);
/* The guest acknowledges the highest-priority LR in the pending state (State 0b01; a pending
 * and active one cannot be taken before its active instance ends): returns its index, or -1. */
int lr_model_ack(struct lr_model *m, uint32_t *intid);
/* The guest ends LR n (EOI with deactivation, IHI 0069 4.1.2): active becomes inactive,
 * pending and active becomes pending. */
void lr_model_eoi(struct lr_model *m, unsigned n);
/* ICH_EISR_EL2: bit n set when LR n is inactive, not HW and asks for the EOI maintenance
 * interrupt (its EOI bit). */
uint32_t lr_model_eisr(const struct lr_model *m);

#endif
