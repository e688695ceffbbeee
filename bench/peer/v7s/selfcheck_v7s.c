// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Self-check of the ARMv7s peer (peer_v7s.h) before anything is compared
 * with it: through alloc_io_pgtable_ops(ARM_V7S), one map of each size
 * (4K, 64K, 1M, 16M) is read back with iova_to_phys and, from the TTBR
 * down, as table memory, decoded with the ARMv7 short-descriptor layout
 * written out here from the architecture (not from the kernel file); then
 * unmapped again. The TTBR walk attributes, PRRR/NMRR, the NS quirk, a
 * DMA-incoherent walker (every table write synced, a level 2 synced before
 * the entry pointing to it), refusals and leaks are checked too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer_v7s.h"

#define PROT_R		0x01
#define PROT_W		0x02
#define PROT_CACHE	0x04
#define PROT_NOEXEC	0x08
#define PROT_MMIO	0x10
#define PROT_PRIV	0x20

static unsigned int checks, failures;

#define CHECK(cond, ...) do {							\
	checks++;								\
	if (!(cond)) {								\
		failures++;							\
		fprintf(stderr, "selfcheck_v7s: %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);					\
		fputc('\n', stderr);						\
	}									\
} while (0)

/* ---- the ARMv7 short-descriptor format, as the architecture defines it ---- */

/* first level: 1:0 = 01 page table, 10 section (bit 18: supersection) */
#define L1_TYPE(e)	((e) & 3)
#define L1_TABLE	1
#define L1_SECT		2
#define L1_SUPER	(1U << 18)
#define L1_NS_TABLE	(1U << 3)
#define L1_NS_SECT	(1U << 19)
#define L1_XN		(1U << 4)
#define L1_B		(1U << 2)
#define L1_C		(1U << 3)
#define L1_AP0		(1U << 10)	/* with AFE: the access flag */
#define L1_AP1		(1U << 11)	/* unprivileged access */
#define L1_TEX0		(1U << 12)
#define L1_AP2		(1U << 15)	/* read-only */
#define L1_S		(1U << 16)
#define L1_NG		(1U << 17)
/* second level: bit 1 small page (bit 0 its XN), 1:0 = 01 large page (XN bit 15) */
#define L2_SMALL	2
#define L2_LARGE	1
#define L2_XN_SMALL	1U
#define L2_XN_LARGE	(1U << 15)
#define L2_B		(1U << 2)
#define L2_C		(1U << 3)
#define L2_AP0		(1U << 4)
#define L2_AP1		(1U << 5)
#define L2_TEX0_SMALL	(1U << 6)
#define L2_TEX0_LARGE	(1U << 12)
#define L2_AP2		(1U << 9)
#define L2_S		(1U << 10)
#define L2_NG		(1U << 11)

/* TTBR0 (no LPAE): IRGN[1] bit 0, S bit 1, RGN 4:3, NOS bit 5, IRGN[0] bit 6 */
/* inner and outer write-back write-allocate */
#define TTBR_WBWA	((1U << 6) | (1U << 3))
#define TTBR_S		(1U << 1)
#define TTBR_NOS	(1U << 5)

/* Kernel warnings since the last call. */
static uint64_t warned(void)
{
	static uint64_t seen;
	uint64_t now = peer_v7s_warnings(), d = now - seen;

	seen = now;
	return d;
}

static const uint32_t *table_at(uint64_t pa)
{
	return v7s_mem_p2v(peer_v7s_mem(), pa);
}

/* The level-1 table of @p, from its TTBR. */
static const uint32_t *l1_of(const struct peer_v7s *p)
{
	struct peer_v7s_info in;

	peer_v7s_info(p, &in);
	return table_at(in.ttbr & ~0x3fffU);
}

/* The attribute bits a leaf of @prot must carry (AP, TEX[0], B/C, XN, S, nG), per level. */
static uint32_t want_attrs(uint32_t prot, int lvl, bool large)
{
	uint32_t a = lvl == 1 ? L1_AP0 | L1_S | L1_NG : L2_AP0 | L2_S | L2_NG;

	if (!(prot & PROT_PRIV))
		a |= lvl == 1 ? L1_AP1 : L2_AP1;
	if (!(prot & PROT_W))
		a |= lvl == 1 ? L1_AP2 : L2_AP2;
	if (!(prot & PROT_MMIO))
		a |= lvl == 1 ? L1_TEX0 : large ? L2_TEX0_LARGE : L2_TEX0_SMALL;
	if (prot & PROT_MMIO)
		a |= lvl == 1 ? L1_B : L2_B;
	else if (prot & PROT_CACHE)
		a |= lvl == 1 ? L1_B | L1_C : L2_B | L2_C;
	if (prot & PROT_NOEXEC)
		a |= lvl == 1 ? L1_XN : large ? L2_XN_LARGE : L2_XN_SMALL;
	return a;
}

/* Check one mapping of @size at @iova -> @pa in table memory and through iova_to_phys. */
static void check_leaf(struct peer_v7s *p, uint64_t iova, uint64_t pa, uint64_t size,
		       uint32_t prot, bool ns)
{
	const uint32_t *l1 = l1_of(p), *l2;
	uint32_t e, want, i, n;
	uint64_t off;

	for (off = 0; off < size; off += size / 4 > 4096 ? size / 4 : 4096)
		CHECK(peer_v7s_iova_to_phys(p, iova + off + 0x123) == pa + off + 0x123,
		      "size %#" PRIx64 ": iova_to_phys(%#" PRIx64 ") = %#" PRIx64, size,
		      iova + off + 0x123, peer_v7s_iova_to_phys(p, iova + off + 0x123));
	if (size >= (1U << 20)) {
		n = size == (1U << 24) ? 16 : 1;
		want = (uint32_t)pa | L1_SECT | want_attrs(prot, 1, false) |
		       (n == 16 ? L1_SUPER : 0) | (ns ? L1_NS_SECT : 0);
		for (i = 0; i < n; i++) {
			e = l1[(iova >> 20) + i];
			CHECK(e == want, "size %#" PRIx64 ": level-1 entry %u is %#x, want %#x",
			      size, i, e, want);
		}
		return;
	}
	e = l1[iova >> 20];
	CHECK(L1_TYPE(e) == L1_TABLE && !(e & 0x3f4) && !(e & L1_NS_TABLE) == !ns,
	      "size %#" PRIx64 ": level-1 entry %#x is no table", size, e);
	l2 = table_at(e & ~0x3ffU);
	CHECK(l2 != NULL, "level-1 entry %#x points outside the arena", e);
	if (!l2)
		return;
	n = size == (1U << 16) ? 16 : 1;
	want = (uint32_t)pa | (n == 16 ? L2_LARGE : L2_SMALL) | want_attrs(prot, 2, n == 16);
	for (i = 0; i < n; i++) {
		e = l2[((iova >> 12) & 0xff) + i];
		CHECK(e == want, "size %#" PRIx64 ": level-2 entry %u is %#x, want %#x", size, i, e,
		      want);
	}
}

/* Every table of @p: level 1, and each level 2 it points to, in the device view. */
static void check_synced(struct peer_v7s *p)
{
	const uint32_t *l1 = l1_of(p);
	size_t stale = v7s_mem_stale(peer_v7s_mem(), l1, 4096 * 4);
	unsigned int i;

	for (i = 0; i < 4096; i++)
		if (L1_TYPE(l1[i]) == L1_TABLE)
			stale += v7s_mem_stale(peer_v7s_mem(), table_at(l1[i] & ~0x3ffU), 1024);
	CHECK(!stale, "%zu bytes of table memory never synced", stale);
	CHECK(!peer_v7s_mem()->early, "%" PRIu64 " table entries synced before their tables",
	      peer_v7s_mem()->early);
}

static void run(unsigned int flags, uint32_t prot)
{
	static const uint64_t sizes[] = { 1ULL << 12, 1ULL << 16, 1ULL << 20, 1ULL << 24 };
	bool ns = flags & PEER_V7S_NS, incoherent = flags & PEER_V7S_INCOHERENT;
	struct peer_v7s *p = peer_v7s_create(0x1111000, 32, 32, flags);
	uint64_t syncs = peer_v7s_mem()->syncs, mapped, iova, pa, got, walks, left;
	struct peer_v7s_info in;
	struct peer_v7s_stats st;
	const uint32_t *l1;
	unsigned int i;
	int ret;

	CHECK(p != NULL, "alloc_io_pgtable_ops(ARM_V7S) refused flags %#x", flags);
	if (!p)
		return;
	peer_v7s_info(p, &in);
	CHECK(in.pgsize_bitmap == 0x1111000 && in.ias == 32 && in.oas == 32 && in.tcr == 0,
	      "cfg: sizes %#" PRIx64 " ias %u oas %u tcr %#x", in.pgsize_bitmap, in.ias, in.oas,
	      in.tcr);
	/* a 16K level 1, 16K aligned, below 4G; walk attributes by coherency */
	l1 = l1_of(p);
	CHECK(l1 && (in.ttbr & 0x3f80) == 0 && !((uintptr_t)l1 & 0x3fff),
	      "TTBR %#x: level 1 not 16K aligned", in.ttbr);
	CHECK((in.ttbr & 0x7f) == (incoherent ? TTBR_S : TTBR_S | TTBR_NOS | TTBR_WBWA),
	      "TTBR attributes %#x (%s walk)", in.ttbr & 0x7f, incoherent ? "incoherent" :
	      "coherent");
	/* TEX remap: index 1 (B) device, 4 (TEX[0]) and 7 (TEX[0], C, B) normal */
	CHECK(((in.prrr >> 2) & 3) == 1 && ((in.prrr >> 8) & 3) == 2 && ((in.prrr >> 14) & 3) == 2,
	      "PRRR %#x: memory types of indices 1/4/7", in.prrr);
	CHECK(((in.nmrr >> 14) & 3) == 1 && ((in.nmrr >> 30) & 3) == 1 && !(in.nmrr & 0x3fff3fff),
	      "NMRR %#x: only index 7 cacheable, write-back write-allocate", in.nmrr);
	for (i = 0; i < 4096 && !l1[i]; i++)
		;
	CHECK(i == 4096, "new level-1 entry %u is %#x", i, l1[i]);
	CHECK(!peer_v7s_iova_to_phys(p, 42) && !peer_v7s_iova_to_phys(p, (1ULL << 31) + 42),
	      "an empty table translates");

	/* each size at its own 16M, mapped, read back, mapped again (refused), unmapped */
	for (i = 0; i < 4; i++) {
		iova = (uint64_t)(i + 1) << 24;
		pa = ((uint64_t)(0xa0 + i) << 24) + (sizes[i] < (1U << 24) ? 3 * sizes[i] : 0);
		ret = peer_v7s_map(p, iova, pa, sizes[i], 2, prot, &mapped);
		CHECK(!ret && mapped == 2 * sizes[i], "map %#" PRIx64 " x 2: %d, %#" PRIx64,
		      sizes[i], ret, mapped);
		check_leaf(p, iova, pa, sizes[i], prot, ns);
		check_leaf(p, iova + sizes[i], pa + sizes[i], sizes[i], prot, ns);
		peer_v7s_expect_warnings(true);
		ret = peer_v7s_map(p, iova + sizes[i], 0, sizes[i], 1, prot, &mapped);
		peer_v7s_expect_warnings(false);
		/* (6.12 warns about that outside its selftest) */
		CHECK(ret == -EEXIST && !mapped && warned() == 1, "map over a leaf: %d", ret);
	}
	peer_v7s_stats(p, &st);
	CHECK(!st.tlb_add_page && !st.tlb_flush_walk, "maps into nothing flushed");
	if (incoherent)
		check_synced(p);
	else
		CHECK(peer_v7s_mem()->syncs == syncs, "a coherent walk synced");
	peer_v7s_expect_warnings(true);
	ret = peer_v7s_map(p, 1ULL << 32, 0, 4096, 1, prot, &mapped);
	peer_v7s_expect_warnings(false);
	CHECK(ret == -ERANGE && warned() == 1, "map above ias: %d", ret);
	CHECK(peer_v7s_map(p, 0, 0, 4096, 1, PROT_NOEXEC, &mapped) == -EINVAL,
	      "map without read or write accepted");

	for (i = 0; i < 4; i++) {
		iova = (uint64_t)(i + 1) << 24;
		got = peer_v7s_unmap(p, iova, 2 * sizes[i], &walks);
		CHECK(got == 2 * sizes[i], "unmap %#" PRIx64 " x 2: %#" PRIx64, sizes[i], got);
		CHECK(!peer_v7s_iova_to_phys(p, iova) && !peer_v7s_iova_to_phys(p, iova + sizes[i]),
		      "size %#" PRIx64 " still translates after its unmap", sizes[i]);
		/* a 4K or 64K unmap leaves the level 2, empty */
		if (sizes[i] < (1U << 20)) {
			const uint32_t *l2 = table_at(l1[iova >> 20] & ~0x3ffU);

			CHECK(L1_TYPE(l1[iova >> 20]) == L1_TABLE && l2 && !l2[0] && !l2[16] &&
			      !walks, "size %#" PRIx64 ": level 2 after unmap", sizes[i]);
			/* a 1M unmap over it removes the table, with a walk flush */
			got = peer_v7s_unmap_pages(p, iova, 1U << 20, 1);
			peer_v7s_stats(p, &st);
			CHECK(got == (1U << 20) && !l1[iova >> 20] && st.tlb_flush_walk,
			      "1M unmap over a level 2: %#" PRIx64 ", entry %#x", got,
			      l1[iova >> 20]);
		} else {
			CHECK(!l1[iova >> 20], "size %#" PRIx64 ": level-1 entry %#x after unmap",
			      sizes[i], l1[iova >> 20]);
		}
	}

	/*
	 * iommu_unmap()'s cut: a 1M range of 256 4K pages goes as one 1M unmap
	 * (table freed); 16 4K pages at a 64K boundary as one 64K unmap.
	 */
	ret = peer_v7s_map(p, 0x300000, 0x700000, 4096, 256, prot, &mapped);
	CHECK(!ret && mapped == 1U << 20, "map 256 x 4K: %d", ret);
	got = peer_v7s_unmap(p, 0x300000, 1U << 20, &walks);
	CHECK(got == 1U << 20 && walks == 1 && !l1[3], "unmap 1M of 4K pages: %#" PRIx64
	      ", %" PRIu64 " walk flushes, entry %#x", got, walks, l1[3]);
	ret = peer_v7s_map(p, 0x310000, 0x710000, 4096, 16, prot, &mapped);
	CHECK(!ret, "map 16 x 4K: %d", ret);
	peer_v7s_stats(p, &st);
	left = st.tlb_add_page;
	got = peer_v7s_unmap(p, 0x310000, 1U << 16, &walks);
	peer_v7s_stats(p, &st);
	CHECK(got == 1U << 16 && st.tlb_add_page - left == 16 && !walks,
	      "unmap 64K of 4K pages: %#" PRIx64 ", %" PRIu64 " pages added", got,
	      st.tlb_add_page - left);
	CHECK(peer_v7s_unmap_pages(p, 0x300000, 1U << 20, 1) == 1U << 20, "1M unmap of a level 2");

	/* a 4K unmap inside a 64K large page splits it; the rest still translates */
	ret = peer_v7s_map(p, 0x400000, 0x800000, 1U << 16, 1, prot, &mapped);
	got = peer_v7s_unmap_pages(p, 0x404000, 4096, 1);
	CHECK(!ret && got == 4096 && !peer_v7s_iova_to_phys(p, 0x404000) &&
	      peer_v7s_iova_to_phys(p, 0x40f000) == 0x80f000 &&
	      peer_v7s_iova_to_phys(p, 0x400000) == 0x800000, "split of a 64K page");
	got = peer_v7s_unmap(p, 0x400000, 1U << 20, &walks);
	CHECK(got == 1U << 20 && walks == 1, "1M unmap of the split page's table: %#" PRIx64, got);

	/* a 4K unmap inside a section splits it too; 6.12 loses the section's address */
	ret = peer_v7s_map(p, 0x500000, 0x900000, 1U << 20, 1, prot, &mapped);
	got = peer_v7s_unmap_pages(p, 0x500000, 4096, 1);
	CHECK(!ret && got == 4096 && !peer_v7s_iova_to_phys(p, 0x500000), "split of a section");
	if (!flags && prot == (PROT_R | PROT_W | PROT_CACHE))
		printf("selfcheck_v7s: a split section's second page translates to %#" PRIx64
		       " (mapped at %#x): the differential never splits\n",
		       peer_v7s_iova_to_phys(p, 0x501000), 0x901000);
	peer_v7s_unmap(p, 0x500000, 1U << 20, NULL);

	if (incoherent)
		check_synced(p);
	for (i = 0; i < 4096 && !l1[i]; i++)
		;
	CHECK(i == 4096, "level-1 entry %u is %#x after every unmap", i, l1[i]);
	peer_v7s_destroy(p);
}

int main(void)
{
	static const uint32_t prots[] = {
		PROT_R | PROT_W | PROT_CACHE, PROT_R, PROT_W | PROT_NOEXEC, PROT_R | PROT_MMIO,
		PROT_R | PROT_W | PROT_PRIV | PROT_NOEXEC, PROT_R | PROT_MMIO | PROT_CACHE,
	};
	static const unsigned int flags[] = { 0, PEER_V7S_NS, PEER_V7S_INCOHERENT,
					      PEER_V7S_NS | PEER_V7S_INCOHERENT };
	unsigned int f, i, runs = 0;
	uint64_t warn;

	for (f = 0; f < 4; f++)
		for (i = 0; i < sizeof(prots) / sizeof(prots[0]); i++, runs++)
			run(flags[f], prots[i]);
	/* what io-pgtable refuses: ias or oas beyond 32, unknown quirks are not reachable */
	CHECK(!peer_v7s_create(0x1111000, 33, 32, 0), "ias 33 accepted");
	CHECK(!peer_v7s_create(0x1111000, 32, 33, 0), "oas 33 accepted");
	/* nothing else warned; every table, object and cache is gone */
	warn = warned();
	CHECK(!warn, "%" PRIu64 " kernel warnings", warn);
	CHECK(!peer_v7s_mem()->live && !peer_v7s_mem()->bad_free && !peer_v7s_mem()->bad_sync,
	      "arena: %" PRIu64 " blocks live, %" PRIu64 " bad frees, %" PRIu64 " bad syncs",
	      peer_v7s_mem()->live, peer_v7s_mem()->bad_free, peer_v7s_mem()->bad_sync);
	CHECK(!peer_v7s_kmalloc_live() && !peer_v7s_caches_live(),
	      "%" PRIu64 " kmallocs and %" PRIu64 " kmem_caches leaked", peer_v7s_kmalloc_live(),
	      peer_v7s_caches_live());
	printf("selfcheck_v7s: %u configurations (NS x incoherent x %zu prots), %u checks, "
	       "%" PRIu64 " table blocks allocated, %" PRIu64 " syncs: %s\n", runs,
	       sizeof(prots) / sizeof(prots[0]), checks, peer_v7s_mem()->allocs,
	       peer_v7s_mem()->syncs, failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
