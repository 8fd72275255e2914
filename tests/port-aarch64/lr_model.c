/* A model of one cpu's GICv3 list registers (IHI 0069 12.4.6 ICH_LR<n>_EL2, 12.4.3
 * ICH_ELRSR_EL2, ICH_EISR_EL2): the guest side takes the highest-priority pending LR
 * (acknowledge) and ends it (EOI); an ended LR that asked for the EOI maintenance interrupt
 * is reported in EISR and is not "empty" in ELRSR until the hypervisor rewrites it. */
#include "lr_model.h"
#include "a64_hw.h"

#define STATE(v) ((v) >> 62)

static uint64_t m_read(void *ctx, unsigned n)
{
	struct lr_model *m = ctx;
	return n < m->nr ? m->lr[n] : 0;
}

static void m_write(void *ctx, unsigned n, uint64_t v)
{
	struct lr_model *m = ctx;
	if (n < m->nr) {
		m->lr[n] = v;
		m->writes++;
	}
}

/* ICH_ELRSR_EL2: State 0b00 and (HW = 1 or EOI = 0). */
static uint32_t m_empty(void *ctx)
{
	struct lr_model *m = ctx;
	uint32_t e = 0;
	for (unsigned n = 0; n < m->nr; n++)
		if (STATE(m->lr[n]) == 0 &&
		    ((m->lr[n] & AXV_A64_LR_HW) || !(m->lr[n] & AXV_A64_LR_EOI)))
			e |= 1u << n;
	return e;
}

static void m_hcr(void *ctx, uint64_t v)
{
	struct lr_model *m = ctx;
	m->hcr = v;
}

static void m_deactivate(void *ctx, uint32_t pintid)
{
	struct lr_model *m = ctx;
	if (pintid < 32)
		m->deactivated[pintid]++;
}

const struct axv_a64_lr_ops lr_model_ops = {m_read, m_write, m_empty, m_hcr, m_deactivate};

void lr_model_init(struct lr_model *m, unsigned nr)
{
	*m = (struct lr_model){.nr = nr};
}

int lr_model_ack(struct lr_model *m, uint32_t *intid)
{
	int best = -1;
	for (unsigned n = 0; n < m->nr; n++) {
		if (STATE(m->lr[n]) != 1)
			continue;
		if (best < 0 || ((m->lr[n] >> 48) & 0xff) < ((m->lr[best] >> 48) & 0xff))
			best = (int)n;
	}
	if (best < 0)
		return -1;
	m->lr[best] = (m->lr[best] & ~(3ull << 62)) | (2ull << 62); /* active */
	*intid = (uint32_t)m->lr[best];
	return best;
}

void lr_model_eoi(struct lr_model *m, unsigned n)
{
	m->lr[n] &= ~(2ull << 62); /* the active bit goes; a pending one stays */
}

uint32_t lr_model_eisr(const struct lr_model *m)
{
	uint32_t e = 0;
	for (unsigned n = 0; n < m->nr; n++)
		if (STATE(m->lr[n]) == 0 && !(m->lr[n] & AXV_A64_LR_HW) &&
		    (m->lr[n] & AXV_A64_LR_EOI))
			e |= 1u << n;
	return e;
}
