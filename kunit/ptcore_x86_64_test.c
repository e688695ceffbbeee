// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite for ptcore's x86-64 paging format (AMD IOMMU v2, VT-d first
 * stage), in the style of the DART and ARM suites: expected values from design/ABI.md and
 * design/FORMATS.md, every map/unmap cross-checked against the oracle and
 * the x86-style walk model (hw_walk_x86.c, written from the specification),
 * and a leak check in every case. The case bodies are ptt_x86.c's.
 *
 * The format: 4 levels up to ias 48, 5 (LA57) up to 57, hw_info.mode the
 * level count; tables P|RW|U|A, leaves P|U|A|D with RW when writable and PS
 * above 4K (bit-identical to Linux 6.12 amd/io_pgtable_v2.c, which the peer
 * differential test in bench/peer checks); a fresh writable leaf reads as
 * dirty, as it carries D from the map.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "ptt_util.h"
#include "ptt_x86.h"

static const struct x86_cfg x86_64_cfgs[] = {
	{ PTCORE_FMT_X86_64, 48, 52, 0 },
	{ PTCORE_FMT_X86_64, 57, 52, 0 },
	{ PTCORE_FMT_X86_64, 39, 40, 0 },
	{ PTCORE_FMT_X86_64, 48, 48, PTCORE_FEAT_DIRTY_TRACKING },
};

KUNIT_ARRAY_PARAM(x86_64_cfg, x86_64_cfgs, x86_cfg_desc);

static void x86_64_geometry(struct kunit *test)
{
	x86_case_geometry(test, PTCORE_FMT_X86_64);
}

static void x86_64_bad_config(struct kunit *test)
{
	x86_case_bad_config(test, PTCORE_FMT_X86_64);
}

static void x86_64_model(struct kunit *test)
{
	x86_case_model(test, PTCORE_FMT_X86_64);
}

static void x86_64_dirty(struct kunit *test)
{
	x86_case_dirty(test, true);
}

static struct kunit_case x86_64_cases[] = {
	KUNIT_CASE(x86_64_geometry),
	KUNIT_CASE(x86_64_bad_config),
	KUNIT_CASE(x86_64_model),
	KUNIT_CASE_PARAM(x86_case_leaf_roundtrip, x86_64_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_case_selftest, x86_64_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_case_unmap_semantics, x86_64_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_case_free_empty_tables, x86_64_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_case_cut, x86_64_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_case_random, x86_64_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_case_bad_arguments, x86_64_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_64_dirty, x86_64_cfg_gen_params),
	{}
};

static struct kunit_suite x86_64_suite = {
	.name = "ptcore_x86_64",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = x86_64_cases,
};

kunit_test_suites(&x86_64_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's x86-64 paging format (AMD IOMMU v2, VT-d first stage)");
MODULE_LICENSE("Dual MIT/GPL");
