// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The hardware-walk model: ARM VMSAv8-64 (stage 1 and 2) and Apple DART
 * (DART1, DART2, two and three levels), written from FORMATS.md.
 */
#include "hwwalk.h"

/* ARM descriptor bits (architecture) */
#define A_VALID		TC_BIT(0)
#define A_TYPE		3ULL
#define A_TABLE		3ULL
#define A_BLOCK		1ULL
#define A_PAGE		3ULL
#define A_NSTABLE	TC_BIT(63)
#define A_TBL_IGNORED	TC_MASK(58, 52)	/* software / ignored in table descriptors */
#define A_XN		(TC_BIT(54) | TC_BIT(53))
#define A_CONT		TC_BIT(52)
#define A_NG		TC_BIT(11)
#define A_AF		TC_BIT(10)
#define A_SH(v)		((uint64_t)(v) << 8)
#define A_AP_RO		TC_BIT(7)
#define A_AP_USER	TC_BIT(6)
#define A_S2AP_R	TC_BIT(6)
#define A_S2AP_W	TC_BIT(7)
#define A_NS		TC_BIT(5)
#define A_ATTR(v)	((uint64_t)(v) << 2)

/* DART */
#define D_VALID		TC_BIT(0)
#define D_SP_END	(0xfffULL << 40)
#define D1_ADDR		TC_MASK(35, 12)
#define D1_NO_READ	TC_BIT(8)
#define D1_NO_WRITE	TC_BIT(7)
#define D1_SP_DIS	TC_BIT(1)
#define D2_ADDR		TC_MASK(37, 10)
#define D2_NO_READ	TC_BIT(3)
#define D2_NO_WRITE	TC_BIT(2)
#define D2_NO_CACHE	TC_BIT(1)

static uint64_t rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

unsigned int hwm_table_bits(const struct hwm *m, unsigned int depth)
{
	return depth == 0 ? m->root_bits : m->bpl;
}

size_t hwm_table_bytes(const struct hwm *m, unsigned int depth)
{
	size_t b = (size_t)8 << hwm_table_bits(m, depth);

	/* Linux allocates at least 64 bytes for an ARM root. */
	return b < 64 ? 64 : b;
}

static bool arm_oas_ok(unsigned int oas, unsigned int g)
{
	return oas == 32 || oas == 36 || oas == 40 || oas == 42 || oas == 44 || oas == 48 ||
	       (oas == 52 && g == 16);
}

bool hwm_init(struct hwm *m, const struct ptcore_table *t, const struct ptcore_cfg *cfg)
{
	unsigned int va_bits, i;
	bool ok = true;

	memset(m, 0, sizeof(*m));
	m->t = t;
	m->format = cfg->format;
	m->features = cfg->features;
	m->ias = cfg->ias;
	ptcore_hw_info(t, &m->hi);

	switch (cfg->format) {
	case PTCORE_FMT_ARM64_LPAE_S1:
	case PTCORE_FMT_ARM64_LPAE_S2: {
		unsigned int pgd_bits;

		m->arm = true;
		m->stage = cfg->format == PTCORE_FMT_ARM64_LPAE_S2 ? 2 : 1;
		m->g = cfg->granule_lg2 ? cfg->granule_lg2 : 12;
		m->bpl = m->g - 3;
		va_bits = cfg->ias - m->g;
		m->levels = (va_bits + m->bpl - 1) / m->bpl;
		pgd_bits = va_bits - m->bpl * (m->levels - 1);
		/* 6.1: a stage-2 level-0 root of at most 16 entries is concatenated into level 1 */
		if (m->stage == 2 && m->levels == 4 && (1u << pgd_bits) <= 16) {
			m->levels = 3;
			pgd_bits += m->bpl;
		}
		m->root_bits = pgd_bits;
		m->n_roots = 1;
		m->pa_bits = cfg->oas;
		TC_CHECK(arm_oas_ok(cfg->oas, m->g), "model: oas %u accepted by create", cfg->oas);
		break;
	}
	case PTCORE_FMT_APPLE_DART:
	case PTCORE_FMT_APPLE_DART2: {
		int tbl;

		m->dart = cfg->format == PTCORE_FMT_APPLE_DART ? 1 : 2;
		m->g = cfg->granule_lg2 ? cfg->granule_lg2 : 14;
		m->bpl = m->g - 3;
		va_bits = cfg->ias - m->g;
		m->levels = 2;
		tbl = (int)va_bits - 2 * (int)m->bpl;
		if (tbl > 2) {
			m->levels = 3;
			tbl = (int)va_bits - 3 * (int)m->bpl;
		}
		if (tbl < 0)
			tbl = 0;
		TC_CHECK(tbl <= 2, "model: DART geometry needs %d TTBR bits", tbl);
		m->n_roots = 1u << tbl;
		m->root_bits = m->bpl;
		m->ttbr_shift = m->g + m->levels * m->bpl;
		/* DART1 entries hold PA[35:12] whatever oas says */
		m->pa_bits = m->dart == 1 ? 36 : cfg->oas;
		break;
	}
	default:
		TC_FAIL("model: format %u", cfg->format);
		return false;
	}

	if (m->hi.levels != m->levels) {
		TC_FAIL("hw_info.levels %u, model %u", m->hi.levels, m->levels);
		ok = false;
	}
	if (m->hi.n_roots != m->n_roots) {
		TC_FAIL("hw_info.n_roots %u, model %u", m->hi.n_roots, m->n_roots);
		ok = false;
	}
	if (m->arm && m->hi.start_level != 4 - m->levels) {
		TC_FAIL("hw_info.start_level %u, model %u", m->hi.start_level, 4 - m->levels);
		ok = false;
	}
	if (m->hi.granule_lg2 != m->g) {
		TC_FAIL("hw_info.granule_lg2 %u, model %u", m->hi.granule_lg2, m->g);
		ok = false;
	}
	for (i = 0; i < m->n_roots && i < 4; i++) {
		m->root_pa[i] = m->hi.root[i];
		if (!m->root_pa[i] || (m->root_pa[i] & (hwm_table_bytes(m, 0) - 1))) {
			TC_FAIL("hw_info.root[%u] %#" PRIx64 " not aligned to %zu", i,
				m->root_pa[i], hwm_table_bytes(m, 0));
			ok = false;
		}
	}
	return ok;
}

/* ---- descriptors ---- */

static unsigned int arm_level(const struct hwm *m, unsigned int depth)
{
	return 4 - m->levels + depth;
}

static bool arm_block_ok(const struct hwm *m, unsigned int depth)
{
	unsigned int l = arm_level(m, depth);

	switch (m->g) {
	case 12: return l == 1 || l == 2;
	case 14: return l == 2;
	default: return l == 2 || (l == 1 && m->pa_bits > 48);
	}
}

unsigned int hwm_cont_lg2(const struct hwm *m, unsigned int depth)
{
	unsigned int l;

	if (!m->arm)
		return 0;
	l = arm_level(m, depth);
	if (l == 3)
		return m->g == 12 ? 4 : m->g == 14 ? 7 : 5;
	if (l == 2)
		return m->g == 12 ? 4 : 5;
	return 0;
}

static uint64_t arm_addr_field(const struct hwm *m)
{
	return TC_MASK(47, 12);
}

static uint64_t arm_decode(const struct hwm *m, uint64_t pte)
{
	if (m->g == 16)
		return (pte & TC_MASK(47, 16)) | (((pte >> 12) & 0xf) << 48);
	return pte & TC_MASK(47, 12);
}

static uint64_t arm_encode(const struct hwm *m, uint64_t pa)
{
	if (m->g == 16)
		return (pa & TC_MASK(47, 16)) | (((pa >> 48) & 0xf) << 12);
	return pa & TC_MASK(47, 12);
}

static uint64_t dart_decode(const struct hwm *m, uint64_t pte)
{
	return m->dart == 1 ? pte & D1_ADDR : (pte & D2_ADDR) << 4;
}

static uint64_t dart_encode(const struct hwm *m, uint64_t pa)
{
	return m->dart == 1 ? pa & D1_ADDR : (pa >> 4) & D2_ADDR;
}

uint64_t hwm_expected_leaf(const struct hwm *m, uint64_t pa, unsigned int depth, uint32_t prot,
			   bool cont)
{
	bool r = prot & PTCORE_PROT_READ, w = prot & PTCORE_PROT_WRITE;
	uint64_t pte;

	if (m->dart == 1) {
		pte = dart_encode(m, pa) | D_VALID | D_SP_END | D1_SP_DIS;
		if (!r)
			pte |= D1_NO_READ;
		if (!w)
			pte |= D1_NO_WRITE;
		return pte;
	}
	if (m->dart == 2) {
		pte = dart_encode(m, pa) | D_VALID | D_SP_END;
		if (!r)
			pte |= D2_NO_READ;
		if (!w)
			pte |= D2_NO_WRITE;
		if (!(prot & PTCORE_PROT_CACHE))
			pte |= D2_NO_CACHE;
		return pte;
	}

	pte = arm_encode(m, pa) | A_AF;
	pte |= depth == m->levels - 1 ? A_PAGE : A_BLOCK;
	pte |= A_SH((prot & PTCORE_PROT_CACHE) ? 3 : 2);
	if (prot & PTCORE_PROT_NOEXEC)
		pte |= A_XN;
	if (cont)
		pte |= A_CONT;
	if (m->stage == 1) {
		pte |= A_NG;
		if (r && !w)
			pte |= A_AP_RO;
		if (!(prot & PTCORE_PROT_PRIV))
			pte |= A_AP_USER;
		if (prot & PTCORE_PROT_MMIO)
			pte |= A_ATTR(2);
		else if (prot & PTCORE_PROT_CACHE)
			pte |= A_ATTR(1);
		if (m->features & PTCORE_FEAT_ARM_NS)
			pte |= A_NS;
	} else {
		if (r)
			pte |= A_S2AP_R;
		if (w)
			pte |= A_S2AP_W;
		if (prot & PTCORE_PROT_MMIO)
			pte |= A_ATTR(1);
		else if (prot & PTCORE_PROT_CACHE)
			pte |= A_ATTR((m->features & PTCORE_FEAT_ARM_S2FWB) ? 6 : 0xf);
		else
			pte |= A_ATTR(5);
	}
	return pte;
}

/*
 * Classify an entry at @depth. Returns 0 for a table (*next set), 1 for a
 * leaf (*oa set: the entry's output address), or a negative fault.
 */
static int decode(const struct hwm *m, uint64_t pte, unsigned int depth, uint64_t *next,
		  uint64_t *oa)
{
	bool last = depth == m->levels - 1;

	if (m->dart) {
		if (!(pte & D_VALID))
			return -HWM_F_INVALID;
		if (!last) {
			*next = dart_decode(m, pte);
			if (pte != (dart_encode(m, *next) | D_VALID))
				return -HWM_F_BADDESC;
			return 0;
		}
		*oa = dart_decode(m, pte);
		return 1;
	}

	if (!(pte & A_VALID))
		return -HWM_F_INVALID;
	if (!last && (pte & A_TYPE) == A_TABLE) {
		uint64_t allowed = arm_addr_field(m) | A_TABLE | A_TBL_IGNORED;

		if (m->features & PTCORE_FEAT_ARM_NS)
			allowed |= A_NSTABLE;
		*next = arm_decode(m, pte);
		if ((pte & ~allowed) || (*next & ((1ULL << m->g) - 1)) || *next >> m->pa_bits)
			return -HWM_F_BADDESC;
		return 0;
	}
	if (last && (pte & A_TYPE) != A_PAGE)
		return -HWM_F_BADDESC;		/* a "block" at the last level is reserved */
	if (!last && !arm_block_ok(m, depth))
		return -HWM_F_BADDESC;
	*oa = arm_decode(m, pte);
	if (*oa & ((1ULL << hwm_shift(m, depth)) - 1))
		return -HWM_F_BADDESC;		/* RES0 address bits below the block size */
	if (*oa >> m->pa_bits)
		return -HWM_F_BADDESC;
	if ((pte & A_CONT) && !hwm_cont_lg2(m, depth))
		return -HWM_F_BADDESC;
	return 1;
}

/* Check the contiguous run around @idx; returns its first entry's output address. */
static int check_run(const struct hwm *m, const uint64_t *table, unsigned int idx,
		     unsigned int depth, uint64_t *first_oa)
{
	unsigned int n = 1u << hwm_cont_lg2(m, depth), base = idx & ~(n - 1), i;
	unsigned int esz = hwm_shift(m, depth);
	uint64_t first = rd(&table[base]), next, oa;

	if ((1u << hwm_table_bits(m, depth)) < n)
		return -HWM_F_CONT;
	if (decode(m, first, depth, &next, first_oa) != 1 || !(first & A_CONT))
		return -HWM_F_CONT;
	if (*first_oa & ((1ULL << (esz + hwm_cont_lg2(m, depth))) - 1))
		return -HWM_F_CONT;
	for (i = 1; i < n; i++) {
		uint64_t e = rd(&table[base + i]);

		if (decode(m, e, depth, &next, &oa) != 1 || !(e & A_CONT))
			return -HWM_F_CONT;
		if ((e ^ first) & ~arm_addr_field(m))
			return -HWM_F_CONT;
		if (oa != *first_oa + ((uint64_t)i << esz))
			return -HWM_F_CONT;
	}
	return 0;
}

int hwm_walk_from(const struct hwm *m, uint64_t iova, unsigned int depth, uint64_t table_pa,
		  struct hwm_walk *w)
{
	memset(w, 0, sizeof(*w));
	if (m->ias < 64 && iova >> m->ias) {
		w->fault = HWM_F_RANGE;
		return w->fault;
	}
	for (;; depth++) {
		unsigned int shift = hwm_shift(m, depth);
		unsigned int idx = (unsigned int)((iova >> shift) &
						  ((1ULL << hwm_table_bits(m, depth)) - 1));
		const uint64_t *table = hwm_table(m, table_pa);
		uint64_t pte, next = 0, oa = 0;
		int r;

		w->depth = depth;
		w->table_pa[depth] = table_pa;
		w->entry_pa[depth] = table_pa + 8ULL * idx;
		pte = rd(&table[idx]);
		w->pte = pte;
		r = decode(m, pte, depth, &next, &oa);
		if (r < 0) {
			w->fault = -r;
			return w->fault;
		}
		if (r == 0) {
			if (depth + 1 >= m->levels) {
				w->fault = HWM_F_BADDESC;
				return w->fault;
			}
			w->next_pa[depth] = next;
			if (m->table_ok &&
			    !m->table_ok(m->table_ok_ctx, next, hwm_table_bytes(m, depth + 1))) {
				w->fault = HWM_F_TABLE;
				return w->fault;
			}
			table_pa = next;
			continue;
		}
		w->entry_lg2 = shift;
		w->leaf_lg2 = shift;
		w->leaf_pa = oa;
		if (m->arm && (pte & A_CONT)) {
			r = check_run(m, table, idx, depth, &w->leaf_pa);
			if (r < 0) {
				w->fault = -r;
				return w->fault;
			}
			w->leaf_lg2 += hwm_cont_lg2(m, depth);
		}
		w->leaf_va = iova & ~((1ULL << w->leaf_lg2) - 1);
		w->pa = w->leaf_pa + (iova - w->leaf_va);
		return 0;
	}
}

int hwm_walk(const struct hwm *m, uint64_t iova, struct hwm_walk *w)
{
	unsigned int root = 0;

	if (m->ias < 64 && iova >> m->ias) {
		memset(w, 0, sizeof(*w));
		w->fault = HWM_F_RANGE;
		return w->fault;
	}
	if (m->dart && m->ttbr_shift < 64)
		root = (unsigned int)(iova >> m->ttbr_shift);
	if (root >= m->n_roots) {
		memset(w, 0, sizeof(*w));
		w->fault = HWM_F_RANGE;
		return w->fault;
	}
	return hwm_walk_from(m, iova, 0, m->root_pa[root], w);
}

/* ---- enumeration ---- */

static void enum_table(const struct hwm *m, const struct hwm_visitor *v, uint64_t pa,
		       unsigned int depth, uint64_t span_va)
{
	unsigned int n = 1u << hwm_table_bits(m, depth), idx;
	unsigned int shift = hwm_shift(m, depth);
	const uint64_t *table = hwm_table(m, pa);

	if (v->table)
		v->table(v->ctx, pa, hwm_table_bytes(m, depth), depth, span_va,
			 shift + hwm_table_bits(m, depth));
	for (idx = 0; idx < n; idx++) {
		uint64_t pte = rd(&table[idx]), next = 0, oa = 0;
		uint64_t va = span_va + ((uint64_t)idx << shift);
		int r = decode(m, pte, depth, &next, &oa);

		if (r == -HWM_F_INVALID) {
			if (pte && v->bad)
				v->bad(v->ctx, va, depth, pte, "invalid entry not zero");
			continue;
		}
		if (r < 0) {
			if (v->bad)
				v->bad(v->ctx, va, depth, pte, "malformed descriptor");
			continue;
		}
		if (r == 0) {
			if (depth + 1 >= m->levels) {
				if (v->bad)
					v->bad(v->ctx, va, depth, pte, "table at the last level");
				continue;
			}
			if (m->table_ok &&
			    !m->table_ok(m->table_ok_ctx, next, hwm_table_bytes(m, depth + 1))) {
				if (v->bad)
					v->bad(v->ctx, va, depth, pte, "points to no live table");
				continue;
			}
			enum_table(m, v, next, depth + 1, va);
			continue;
		}
		if (m->arm && (pte & A_CONT)) {
			unsigned int run = 1u << hwm_cont_lg2(m, depth);
			uint64_t first_oa;

			if ((idx & (run - 1)) || check_run(m, table, idx, depth, &first_oa)) {
				if (v->bad)
					v->bad(v->ctx, va, depth, pte, "bad contiguous run");
				continue;
			}
			if (v->leaf)
				v->leaf(v->ctx, va, shift + hwm_cont_lg2(m, depth), first_oa,
					pte, depth);
			idx += run - 1;
			continue;
		}
		if (v->leaf)
			v->leaf(v->ctx, va, shift, oa, pte, depth);
	}
}

void hwm_enumerate(const struct hwm *m, const struct hwm_visitor *v)
{
	unsigned int i;

	for (i = 0; i < m->n_roots; i++)
		enum_table(m, v, m->root_pa[i], 0, m->dart ? (uint64_t)i << m->ttbr_shift : 0);
}
