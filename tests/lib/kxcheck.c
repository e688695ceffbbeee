// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Bridge to the KUnit suites' hardware-walk model (kunit/hw_walk.h), built
 * against the userspace KUnit harness headers (-Ikunit/harness -Ikunit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "hw_walk.h"
#include "kxcheck.h"
#include "tcommon.h"

struct kx {
	struct hw_walk w;
	const struct ptcore_table *t;
	bool (*table_ok)(void *ctx, uint64_t pa, size_t bytes);
	void *ctx;
};

struct kx_scan {
	const struct kx *k;
	const struct oracle *o;
	unsigned long bad;
	uint64_t bytes;
	char *msg;
	size_t len;
};

bool kx_available(void)
{
	return true;
}

static const u64 *kx_read(void *ctx, u64 pa, u64 bytes)
{
	struct kx *k = ctx;

	/* Only live table memory is read. */
	if (k->table_ok && !k->table_ok(k->ctx, pa, (size_t)bytes))
		return NULL;
	return ptcore_phys_to_virt(k->t, pa);
}

struct kx *kx_create(const struct ptcore_table *t, uint32_t features,
		     bool (*table_ok)(void *ctx, uint64_t pa, size_t bytes), void *ctx)
{
	struct ptcore_hw_info hi;
	const char *why = "";
	struct kx *k = calloc(1, sizeof(*k));

	if (!k)
		abort();
	k->t = t;
	k->table_ok = table_ok;
	k->ctx = ctx;
	ptcore_hw_info(t, &hi);
	if (hw_walk_init(&k->w, &hi, features, kx_read, k, &why)) {
		TC_FAIL("kunit hw_walk refuses the registers of this table: %s", why);
		free(k);
		return NULL;
	}
	return k;
}

void kx_destroy(struct kx *k)
{
	free(k);
}

static void kx_note(struct kx_scan *s, const char *what, u64 iova)
{
	if (!s->bad++)
		snprintf(s->msg, s->len, "%s at IOVA %#llx", what, (unsigned long long)iova);
}

static int kx_leaf(void *ctx, const struct hw_leaf *leaf)
{
	struct kx_scan *s = ctx;
	long i = orc_find(s->o, leaf->iova);
	const struct orc_leaf *l;
	bool s1 = s->k->w.format == PTCORE_FMT_ARM64_LPAE_S1;

	if (i < 0) {
		kx_note(s, "second model finds a leaf the oracle does not have", leaf->iova);
		return 0;
	}
	l = &s->o->v[i];
	if (leaf->iova + leaf->size > l->iova + l->size)
		kx_note(s, "second model: leaf larger than the oracle's", leaf->iova);
	if (leaf->oa != l->pa + (leaf->iova - l->iova))
		kx_note(s, "second model: output address differs", leaf->iova);
	if (leaf->write != !!(l->prot & PTCORE_PROT_WRITE))
		kx_note(s, "second model: write permission differs", leaf->iova);
	if (!s1 && leaf->read != !!(l->prot & PTCORE_PROT_READ))
		kx_note(s, "second model: read permission differs", leaf->iova);
	s->bytes += leaf->size;
	return 0;
}

unsigned long kx_check(struct kx *k, const struct oracle *o, char *msg, size_t len)
{
	struct kx_scan s = { .k = k, .o = o, .msg = msg, .len = len };
	uint64_t want = 0;
	size_t i;
	int ret;

	ret = hw_walk_for_each(&k->w, NULL, kx_leaf, &s);
	if (ret < 0)
		kx_note(&s, hw_fault_name((enum hw_fault)-ret), 0);
	for (i = 0; i < o->n; i++)
		want += o->v[i].size;
	if (s.bytes != want)
		kx_note(&s, "second model: mapped bytes differ from the oracle's", 0);
	return s.bad;
}

int kx_translate(struct kx *k, uint64_t iova, uint64_t *pa)
{
	struct hw_leaf leaf;
	enum hw_fault f = hw_walk_iova(&k->w, iova, &leaf);

	if (f != HW_OK)
		return (int)f;
	*pa = leaf.oa;
	return 0;
}
