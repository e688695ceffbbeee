// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The interval-map oracle: see oracle.h. Every rule here is ABI.md's.
 *
 * Conventions in this file: o is the oracle, v its records, g the geometry
 * the argument checks need, r an unmap prediction.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>

#include "oracle.h"

#define ORC_MIN_CAP 64

static int orc_grow(struct oracle *o, size_t need)
{
	struct orc_leaf *v;
	size_t cap = o->cap ? o->cap : ORC_MIN_CAP;

	if (need <= o->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	v = kvmalloc_array(cap, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	if (o->n)
		memcpy(v, o->v, o->n * sizeof(*v));
	kvfree(o->v);
	o->v = v;
	o->cap = cap;
	return 0;
}

int orc_init(struct oracle *o)
{
	memset(o, 0, sizeof(*o));
	return orc_grow(o, ORC_MIN_CAP);
}

void orc_free(struct oracle *o)
{
	kvfree(o->v);
	memset(o, 0, sizeof(*o));
}

int orc_copy(struct oracle *dst, const struct oracle *src)
{
	memset(dst, 0, sizeof(*dst));
	if (orc_grow(dst, src->cap ? src->cap : ORC_MIN_CAP))
		return -ENOMEM;
	if (src->n)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
	dst->n = src->n;
	dst->bytes = src->bytes;
	return 0;
}

size_t orc_lower(const struct oracle *o, u64 iova)
{
	size_t lo = 0, hi = o->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->v[mid].iova + (o->v[mid].size - 1) < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long orc_find(const struct oracle *o, u64 iova)
{
	size_t i = orc_lower(o, iova);

	if (i < o->n && o->v[i].iova <= iova)
		return (long)i;
	return -1;
}

bool orc_overlaps(const struct oracle *o, u64 iova, u64 len)
{
	size_t i = orc_lower(o, iova);

	return len && i < o->n && o->v[i].iova <= iova + (len - 1);
}

/* [addr, addr + len) below 2^bits */
static bool fits(u64 addr, u64 len, unsigned int bits)
{
	if (bits >= 64)
		return true;
	return !(addr >> bits) && len <= (1ULL << bits) - addr;
}

int orc_map_args(const struct orc_geom *g, u64 iova, u64 pa, u64 pgsize, u64 pgcount, u32 prot)
{
	u64 len;

	if (!pgsize || (pgsize & (pgsize - 1)) || !(pgsize & g->pgsize_bitmap))
		return -EINVAL;
	if (!pgcount)
		return -EINVAL;
	if ((iova | pa) & (pgsize - 1))
		return -EINVAL;
	if (!(prot & (PTCORE_PROT_READ | PTCORE_PROT_WRITE)))
		return -EINVAL;
	if (pgcount > U64_MAX / pgsize)
		return -EOVERFLOW;
	len = pgcount * pgsize;
	if (iova + (len - 1) < iova || pa + (len - 1) < pa)
		return -EOVERFLOW;
	if (!fits(iova, len, g->ias) || !fits(pa, len, g->pa_bits))
		return -ERANGE;
	return 0;
}

u64 orc_map_room(const struct oracle *o, u64 iova, u64 pgsize, u64 pgcount)
{
	size_t i = orc_lower(o, iova);
	u64 first;

	if (i == o->n)
		return pgcount;
	first = o->v[i].iova > iova ? o->v[i].iova : iova;
	if ((first - iova) / pgsize >= pgcount)
		return pgcount;
	return (first - iova) / pgsize;
}

int orc_insert(struct oracle *o, u64 iova, u64 pa, u64 pgsize, u64 count, u32 prot)
{
	size_t at = orc_lower(o, iova);
	u64 k;

	if (!count)
		return 0;
	if (count > (u64)(SIZE_MAX / sizeof(*o->v)) - o->n || orc_grow(o, o->n + count))
		return -ENOMEM;
	if (at < o->n)
		memmove(&o->v[at + count], &o->v[at], (o->n - at) * sizeof(*o->v));
	for (k = 0; k < count; k++) {
		o->v[at + k].iova = iova + k * pgsize;
		o->v[at + k].size = pgsize;
		o->v[at + k].pa = pa + k * pgsize;
		o->v[at + k].prot = prot;
	}
	o->n += count;
	o->bytes += count * pgsize;
	return 0;
}

/* Drop the records [i0, i1). */
static void orc_drop(struct oracle *o, size_t i0, size_t i1)
{
	size_t i;

	for (i = i0; i < i1; i++)
		o->bytes -= o->v[i].size;
	if (i1 < o->n)
		memmove(&o->v[i0], &o->v[i1], (o->n - i1) * sizeof(*o->v));
	o->n -= i1 - i0;
}

void orc_remove(struct oracle *o, u64 iova, u64 len)
{
	size_t i0 = orc_lower(o, iova), i1 = i0;

	while (len && i1 < o->n && o->v[i1].iova <= iova + (len - 1))
		i1++;
	orc_drop(o, i0, i1);
}

/* log2 of the highest and of the lowest set bit (@x not 0) */
static unsigned int hi_bit(u64 x)
{
	return 63 - (unsigned int)__builtin_clzll(x);
}

static unsigned int lo_bit(u64 x)
{
	return (unsigned int)__builtin_ctzll(x);
}

/* bits 0..@h */
static u64 mask_upto(unsigned int h)
{
	return h >= 63 ? U64_MAX : (2ULL << h) - 1;
}

u64 orc_pgsize(u64 bitmap, u64 iova, u64 pa, u64 size, u64 *count)
{
	u64 merge = iova | pa, sizes, bigger, next, offset;
	unsigned int idx;

	*count = 0;
	if (!size)
		return 0;
	/* the sizes that fit, and that both addresses are aligned to */
	sizes = bitmap & mask_upto(hi_bit(size));
	if (merge)
		sizes &= mask_upto(lo_bit(merge));
	if (!sizes)
		return 0;
	idx = hi_bit(sizes);
	bigger = bitmap & ~mask_upto(idx);
	if (bigger) {
		next = 1ULL << lo_bit(bigger);
		/* stop at the next larger size's boundary when it then fits and lines up */
		offset = next - (merge & (next - 1));
		if (!((iova ^ pa) & (next - 1)) && offset + next > offset && offset + next <= size)
			size = offset;
	}
	*count = size >> idx;
	return 1ULL << idx;
}

int orc_insert_split(struct oracle *o, u64 bitmap, u64 iova, u64 pa, u64 len, u32 prot)
{
	while (len) {
		u64 count, size = orc_pgsize(bitmap, iova, pa, len, &count);
		int ret;

		if (!size || !count)
			return -EINVAL;
		ret = orc_insert(o, iova, pa, size, count, prot);
		if (ret)
			return ret;
		iova += size * count;
		pa += size * count;
		len -= size * count;
	}
	return 0;
}

int orc_unmap_args(const struct orc_geom *g, u64 iova, u64 len)
{
	if (!len)
		return -EINVAL;
	if (iova + (len - 1) < iova)
		return -EOVERFLOW;
	if (!fits(iova, len, g->ias))
		return -ERANGE;
	return 0;
}

void orc_unmap_predict(const struct oracle *o, const struct orc_geom *g, u64 iova, u64 len,
		       struct orc_unmap_result *r)
{
	u64 cur = iova, last = iova + (len - 1);
	size_t i;

	memset(r, 0, sizeof(*r));
	r->ret = orc_unmap_args(g, iova, len);
	if (r->ret)
		return;
	r->i0 = orc_lower(o, iova);
	r->i1 = r->i0;
	if (r->i0 < o->n && o->v[r->i0].iova < iova) {
		r->ret = -EINVAL; /* starts inside a leaf: nothing removed */
		return;
	}
	/* Remove leaves while each starts exactly where the previous ended. */
	for (i = r->i0; cur <= last; i++) {
		if (i == o->n || o->v[i].iova != cur) {
			r->ret = -EINVAL; /* a hole */
			break;
		}
		r->pgsize |= o->v[i].size;
		cur = o->v[i].iova + o->v[i].size;
		if (!cur) {
			i++;
			break; /* the top of the address space */
		}
	}
	r->i1 = i;
	r->unmapped = cur - iova;
	if (r->unmapped) {
		r->first = iova;
		r->last = cur - 1;
	}
}

void orc_unmap_apply(struct oracle *o, const struct orc_unmap_result *r)
{
	if (r->i1 > r->i0)
		orc_drop(o, r->i0, r->i1);
}

void orc_unmap(struct oracle *o, const struct orc_geom *g, u64 iova, u64 len,
	       struct orc_unmap_result *r)
{
	orc_unmap_predict(o, g, iova, len, r);
	orc_unmap_apply(o, r);
}
