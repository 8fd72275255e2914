/* A model of one cpu's GICv3 list registers (IHI 0069 12.4.6): the guest side can take the
 * highest-priority pending LR (acknowledge) and finish it (EOI), which empties it. */
#include "lr_model.h"

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

static uint32_t m_empty(void *ctx)
{
	struct lr_model *m = ctx;
	uint32_t e = 0;
	for (unsigned n = 0; n < m->nr; n++)
		if ((m->lr[n] >> 62) == 0)
			e |= 1u << n;
	return e;
}

static void m_hcr(void *ctx, uint64_t v)
{
	struct lr_model *m = ctx;
	m->hcr = v;
}

const struct axv_a64_lr_ops lr_model_ops = {m_read, m_write, m_empty, m_hcr};

void lr_model_init(struct lr_model *m, unsigned nr)
{
	*m = (struct lr_model){.nr = nr};
}

int lr_model_ack(struct lr_model *m, uint32_t *intid)
{
	int best = -1;
	for (unsigned n = 0; n < m->nr; n++) {
		if ((m->lr[n] >> 62) != 1)
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
	m->lr[n] &= ~(3ull << 62);
}
