/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ptctl: replay map/unmap scripts against ptcore and show what happens.
 * Shared declarations of the tool's files. Uses only the public ptcore.h.
 */
#ifndef PTCTL_H
#define PTCTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ptcore.h"

/* One block of table memory handed out through our ops (live or freed). */
struct trec {
	uint64_t pa;
	void *va;
	size_t size;
	int live;
	int seen;		/* reached from a root by some snapshot */
	int level;		/* level it was last seen at */
	uint64_t span_start;	/* IOVA span it translated when last seen */
	uint64_t span_end;	/* inclusive */
	uint64_t seen_seq;	/* event number of the last snapshot that reached it */
};

struct flushrec {
	uint64_t seq;
	uint64_t start, end, pgsize;
	uint32_t flags;
};

/* Decoded entry kinds. */
enum pte_kind { K_EMPTY, K_INVALID, K_TABLE, K_BLOCK, K_PAGE, K_RESERVED };

struct pte_info {
	enum pte_kind kind;
	uint64_t oa;		/* output address, or the next table's PA */
	uint64_t attrs;		/* the entry without its address field */
};

struct ptctl {
	/* the table under test */
	struct ptcore_table *t;
	struct ptcore_cfg cfg;
	struct ptcore_ops ops;
	struct ptcore_hw_info hw;
	struct ptcore_gather g;
	int table_tried;	/* a table command ran (even if it failed) */
	int table_line;

	/* options */
	int verbose;
	int quiet;

	/* where we are, for callback messages */
	const char *file;
	int line;

	/* counters of our ops */
	uint64_t allocs, frees, flushes, table_syncs;
	uint64_t sync_frees;	/* frees during the current ptcore_iotlb_sync() */
	int in_destroy;
	int violations;

	/* every block our ops handed out */
	struct trec *recs;
	size_t nrecs, caprecs;

	/* every flush, in order */
	struct flushrec *fl;
	size_t nfl, capfl;
	uint64_t seq;		/* event counter shared by snapshots and flushes */
};

/* walk.c: decoding, dump, info, reachability */
int geom_bpl(const struct ptcore_hw_info *hw);
int geom_shift(const struct ptcore_hw_info *hw, int level);
int geom_top(const struct ptcore_hw_info *hw);
unsigned geom_top_entries(const struct ptcore_hw_info *hw);
uint64_t geom_root_base(const struct ptcore_hw_info *hw, unsigned i);
int fmt_is_arm(uint32_t fmt);
int fmt_is_dart(uint32_t fmt);
void decode_pte(const struct ptctl *s, int level, uint64_t pte, struct pte_info *pi);
void cmd_dump(struct ptctl *s);
void cmd_info(struct ptctl *s);
/* Walk every reachable table; record spans; returns problems found. */
int snapshot(struct ptctl *s);
/* Is @pa linked as a table anywhere in the tree? */
int table_reachable(struct ptctl *s, uint64_t pa);
struct trec *rec_find(struct ptctl *s, uint64_t pa);
/* Translate by walking raw table memory: 0, -ENOENT, -ERANGE, -EFAULT. */
int walk_translate(struct ptctl *s, uint64_t iova, uint64_t *pa);

/* ptctl.c: output and formatting helpers */
void out_break(void);
const char *fmt_size(char *buf, size_t len, uint64_t v);
const char *fmt_pgsizes(char *buf, size_t len, uint64_t bitmap);
const char *errname(int err);
const char *format_name(uint32_t fmt);
void violation(struct ptctl *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* PTCTL_H */
