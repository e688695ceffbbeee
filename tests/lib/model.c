// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The walk model bound to a ptcore table: see model.h. */
#include "model.h"

static const u64 *tm_read(void *ctx, u64 pa, u64 bytes)
{
	const struct tmodel *m = ctx;

	if (m->table_ok && !m->table_ok(m->table_ok_ctx, pa, (size_t)bytes))
		return NULL;
	return ptcore_phys_to_virt(m->t, pa);
}

bool tm_init(struct tmodel *m, const struct ptcore_table *t, const struct ptcore_cfg *cfg)
{
	struct ptcore_hw_info hi;
	const char *why = NULL;
	unsigned int i;
	bool ok = true;

	memset(m, 0, sizeof(*m));
	m->t = t;
	ptcore_hw_info(t, &hi);
	if (hw_walk_init(&m->w, &hi, cfg->features, tm_read, m, &why)) {
		TC_FAIL("model: hardware refuses the registers of %s: %s", tc_fmt_name(cfg->format),
			why);
		return false;
	}
	if (hw_walk_check_cfg(&m->w, cfg, &why)) {
		TC_FAIL("model: %s granule %u ias %u oas %u: %s", tc_fmt_name(cfg->format),
			cfg->granule_lg2, cfg->ias, cfg->oas, why);
		ok = false;
	}
	for (i = 0; i < m->w.n_roots; i++) {
		uint64_t bytes = hw_walk_table_bytes(&m->w, m->w.start_level);

		if (!hi.root[i] || (hi.root[i] & (bytes - 1))) {
			TC_FAIL("hw_info.root[%u] %#" PRIx64 " not aligned to %" PRIu64, i,
				hi.root[i], bytes);
			ok = false;
		}
	}
	return ok;
}
