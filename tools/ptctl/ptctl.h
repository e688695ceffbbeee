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

/* ---- a parsed script (script.c) ---- */

enum ckind {
	C_TABLE, C_MAP, C_MAPRANGE, C_MAP_RANGE, C_UNMAP, C_UNMAP_PAGES, C_UNMAP_COLLECT, C_CUT,
	C_SYNC, C_TRANSLATE, C_DUMP, C_INFO, C_STATS, C_ECHO, C_EXPECT,
};

enum ekind {
	E_RET, E_ANYERR, E_MAPPED, E_UNMAPPED, E_PHYS, E_GATHER_EMPTY, E_GATHER, E_PGSIZE,
	E_NR_TABLES, E_FLUSH, E_FLUSHES, E_FREES, E_LIVE, E_HW,
};

/* what kind of result an `expect` may look at */
enum rkind { R_NONE, R_MAP, R_UNMAP, R_UNMAP_PAGES, R_TRANSLATE, R_TABLE, R_CUT };

struct cmd {
	enum ckind kind;
	int line;
	char *text;
	uint64_t a, b, c, d;
	uint32_t prot;
	struct ptcore_cfg cfg;
	enum ekind ek;
	int walk;		/* expect gather/flush: -1 don't care, 0 leaf, 1 leaf+walk */
	int err;
	int hwf;		/* expect hw: index into hw_fields */
};

struct script {
	const char *file;
	struct cmd *cmds;
	size_t n, cap;
};

/* table configuration being built from keys */
struct tcfg {
	struct ptcore_cfg cfg;
	int have_ias, have_oas;
};

/* the result of the last command an `expect` may look at */
struct result {
	enum rkind kind;
	int line;
	int ret;
	uint64_t bytes;		/* mapped / unmapped */
	uint64_t phys;
};

/* script.c: parsing */
/* Apply key=value to @tc. Returns NULL or a message. */
const char *apply_key(struct tcfg *tc, const char *key, const char *val);
/* Defaults for what the keys left unset. */
void tcfg_finish(struct tcfg *tc);
/* Parse @buf (modified), numbering lines from @first_line; exits 2 on an error. */
void parse_buffer(struct script *sc, char *buf, int first_line, enum rkind *last);
/* The whole of @f, NUL-terminated; exits 2 on binary data or a read error. */
char *read_all(FILE *f, const char *name);
void script_free(struct script *sc);
/* Names of the `expect hw FIELD` fields, and their values. */
extern const char *const hw_fields[];
extern const size_t nr_hw_fields;
uint64_t hw_field(const struct ptcore_hw_info *hw, int i);

/* cmd.c: execution */
extern struct ptctl S;
extern struct tcfg cmdline_cfg;
extern int expects_passed;
void run(struct ptctl *s, struct script *sc);
void destroy_table(struct ptctl *s, const char *why);
/* Destroy the table and check nothing leaked (at exit and on a failed expect). */
void cleanup(void);

/* ops.c: the table ops given to ptcore */
void *op_alloc(void *cookie, size_t size, uint64_t *phys, uint32_t gfp);
void op_free(void *cookie, void *va, uint64_t phys, size_t size);
void op_sync_table(void *cookie, void *va, size_t len);
void op_flush(void *cookie, const struct ptcore_gather *g);
/* Table blocks our ops handed out and did not get back. */
uint64_t live_tables(struct ptctl *s);

/* dump.c: dump, info, reachability, translation, through the walk model */
int fmt_is_arm(uint32_t fmt);
int fmt_is_dart(uint32_t fmt);
/* dump_x86.c: x86-64 and VT-d second-stage entries and registers */
int fmt_is_x86(uint32_t fmt);
void x86_attrs(uint32_t fmt, int table, uint64_t attrs, char *buf, size_t len);
void x86_info(const struct ptcore_hw_info *hw);
/* dump_v7s.c: ARM short-descriptor entries and registers */
void v7s_attrs(int first, int table, uint64_t attrs, char *buf, size_t len);
void v7s_info(const struct ptcore_hw_info *hw);
void cmd_dump(struct ptctl *s);
void cmd_info(struct ptctl *s);
/* Walk every reachable table; record spans; returns problems found. */
int snapshot(struct ptctl *s);
/* Is @pa linked as a table anywhere in the tree? */
int table_reachable(struct ptctl *s, uint64_t pa);
struct trec *rec_find(struct ptctl *s, uint64_t pa);
/* Translate by walking raw table memory: 0, -ENOENT, -ERANGE, -EFAULT. */
int walk_translate(struct ptctl *s, uint64_t iova, uint64_t *pa);

/* output.c: formatting, the output layout, errors */
void out_break(void);
void begin_cmd(int line, const char *text);
void result(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die_at(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
const char *fmt_features(char *buf, size_t len, uint32_t f);
const char *fmt_prot(char *buf, uint32_t prot);
void print_gather(const char *what, const struct ptcore_gather *g);
int errno_by_name(const char *name, int *err);
/* Format and feature names of scripts and options: 0 and the value, or -1. */
int format_by_name(const char *name, uint32_t *fmt);
int feature_by_name(const char *name, uint32_t *bit);
const char *fmt_size(char *buf, size_t len, uint64_t v);
const char *fmt_pgsizes(char *buf, size_t len, uint64_t bitmap);
const char *errname(int err);
const char *format_name(uint32_t fmt);
void violation(struct ptctl *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* PTCTL_H */
