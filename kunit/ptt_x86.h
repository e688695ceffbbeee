/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the x86-style KUnit suites (ptcore_x86_64_test.c, ptcore_vtdss_test.c)
 * share: their configurations and the case bodies, each run on one format.
 * Expected values from design/ABI.md and design/FORMATS.md (checked against
 * Linux 6.12's amd/io_pgtable_v2.c and the VT-d specification), never from
 * ptcore. Kernel-compatible C.
 */
#ifndef PTCORE_KUNIT_PTT_X86_H
#define PTCORE_KUNIT_PTT_X86_H

#include <kunit/test.h>
#include <linux/types.h>
#include <ptcore.h>

/* One table configuration of the x86-style suites. */
struct x86_cfg {
	u32 fmt;
	unsigned char ias, oas;
	u32 features;
};

void x86_cfg_desc(const struct x86_cfg *c, char *desc);

/* Levels FORMATS.md gives @fmt for @ias: x86-64 4 or 5, VT-d 3, 4 or 5. */
unsigned int x86_expected_levels(u32 fmt, unsigned int ias);
/* hw_info.mode: x86-64 the level count, VT-d AW = levels - 2. */
unsigned int x86_expected_mode(u32 fmt, unsigned int levels);

/* Whole-format cases (no parameter). */
void x86_case_geometry(struct kunit *test, u32 fmt);
void x86_case_bad_config(struct kunit *test, u32 fmt);
/* The walk model on hand-made tables, against the specification. */
void x86_case_model(struct kunit *test, u32 fmt);
/* Cases on test->param_value (a struct x86_cfg). */
void x86_case_leaf_roundtrip(struct kunit *test);
void x86_case_selftest(struct kunit *test);
void x86_case_unmap_semantics(struct kunit *test);
void x86_case_free_empty_tables(struct kunit *test);
void x86_case_cut(struct kunit *test);
void x86_case_random(struct kunit *test);
void x86_case_bad_arguments(struct kunit *test);
/* @fresh_dirty: a new writable leaf reads as dirty (x86-64) or clean (VT-d). */
void x86_case_dirty(struct kunit *test, bool fresh_dirty);

#endif /* PTCORE_KUNIT_PTT_X86_H */
