// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The interval-map oracle: see oracle.h. */
#include "oracle.h"

void orc_init(struct oracle *o)
{
	o->n = 0;
	o->cap = 64;
	o->v = malloc(o->cap * sizeof(*o->v));
	if (!o->v)
		abort();
}

void orc_free(struct oracle *o)
{
	free(o->v);
	o->v = NULL;
	o->n = o->cap = 0;
}

void orc_copy(struct oracle *dst, const struct oracle *src)
{
	dst->cap = src->cap;
	dst->n = src->n;
	dst->v = malloc(dst->cap * sizeof(*dst->v));
	if (!dst->v)
		abort();
	memcpy(dst->v, src->v, src->n * sizeof(*src->v));
}

size_t orc_lower(const struct oracle *o, uint64_t iova)
{
	size_t lo = 0, hi = o->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (o->v[mid].iova + (o->v[mid].size - 1) < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long orc_find(const struct oracle *o, uint64_t iova)
{
	size_t i = orc_lower(o, iova);

	if (i < o->n && o->v[i].iova <= iova)
		return (long)i;
	return -1;
}

static bool fits(uint64_t addr, uint64_t len, unsigned int bits)
{
	if (bits >= 64)
		return true;
	return !(addr >> bits) && len <= (1ULL << bits) - addr;
}

int orc_map_args(const struct orc_geom *g, uint64_t iova, uint64_t pa, uint64_t pgsize,
		 uint64_t pgcount, uint32_t prot)
{
	uint64_t len;

	if (!pgsize || (pgsize & (pgsize - 1)) || !(pgsize & g->pgsize_bitmap))
		return -EINVAL;
	if (!pgcount)
		return -EINVAL;
	if ((iova | pa) & (pgsize - 1))
		return -EINVAL;
	if (!(prot & (PTCORE_PROT_READ | PTCORE_PROT_WRITE)))
		return -EINVAL;
	if (pgcount > UINT64_MAX / pgsize)
		return -EOVERFLOW;
	len = pgcount * pgsize;
	if (iova + (len - 1) < iova || pa + (len - 1) < pa)
		return -EOVERFLOW;
	if (!fits(iova, len, g->ias) || !fits(pa, len, g->pa_bits))
		return -ERANGE;
	return 0;
}

uint64_t orc_map_room(const struct oracle *o, uint64_t iova, uint64_t pgsize, uint64_t pgcount)
{
	size_t i = orc_lower(o, iova);
	uint64_t first;

	if (i == o->n)
		return pgcount;
	first = o->v[i].iova > iova ? o->v[i].iova : iova;
	if ((first - iova) / pgsize >= pgcount)
		return pgcount;
	return (first - iova) / pgsize;
}

void orc_insert(struct oracle *o, uint64_t iova, uint64_t pa, uint64_t pgsize, uint64_t count,
		uint32_t prot)
{
	size_t at = orc_lower(o, iova);
	uint64_t k;

	if (!count)
		return;
	while (o->n + count > o->cap) {
		o->cap *= 2;
		o->v = realloc(o->v, o->cap * sizeof(*o->v));
		if (!o->v)
			abort();
	}
	memmove(&o->v[at + count], &o->v[at], (o->n - at) * sizeof(*o->v));
	for (k = 0; k < count; k++) {
		o->v[at + k].iova = iova + k * pgsize;
		o->v[at + k].size = pgsize;
		o->v[at + k].pa = pa + k * pgsize;
		o->v[at + k].prot = prot;
	}
	o->n += count;
}

int orc_unmap_args(const struct orc_geom *g, uint64_t iova, uint64_t len)
{
	if (!len)
		return -EINVAL;
	if (iova + (len - 1) < iova)
		return -EOVERFLOW;
	if (!fits(iova, len, g->ias))
		return -ERANGE;
	return 0;
}

void orc_unmap(struct oracle *o, const struct orc_geom *g, uint64_t iova, uint64_t len,
	       struct orc_unmap_result *r)
{
	uint64_t cur = iova, last = iova + (len - 1);
	size_t i, first_idx;

	memset(r, 0, sizeof(*r));
	r->ret = orc_unmap_args(g, iova, len);
	if (r->ret)
		return;
	first_idx = i = orc_lower(o, iova);
	if (i < o->n && o->v[i].iova < iova) {
		r->ret = -EINVAL;	/* starts inside a leaf: nothing removed */
		return;
	}
	/* Remove leaves while each starts exactly where the previous ended. */
	while (cur <= last) {
		if (i == o->n || o->v[i].iova != cur) {
			r->ret = -EINVAL;	/* a hole */
			break;
		}
		r->pgsize |= o->v[i].size;
		cur = o->v[i].iova + o->v[i].size;
		i++;
		if (!cur)
			break;		/* the top of the address space */
	}
	r->unmapped = cur - iova;
	if (r->unmapped) {
		r->first = iova;
		r->last = cur - 1;
	}
	memmove(&o->v[first_idx], &o->v[i], (o->n - i) * sizeof(*o->v));
	o->n -= i - first_idx;
}
