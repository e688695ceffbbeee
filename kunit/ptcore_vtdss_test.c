// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite for ptcore's Intel VT-d second-stage format, in the style of
 * the DART and ARM suites: expected values from design/ABI.md and
 * design/FORMATS.md, every map/unmap cross-checked against the oracle and
 * the x86-style walk model (hw_walk_x86.c, written from the specification),
 * and a leak check in every case. The case bodies are ptt_x86.c's.
 *
 * The format: 3 levels up to ias 39, 4 up to 48, 5 up to 57, hw_info.mode
 * the AW field (levels - 2); tables R|W, leaves R/W as asked, SNP with
 * PTCORE_PROT_CACHE, PS above 4K; no present bit (R or W present); with
 * dirty tracking (SSADE) the walker sets D, and maps leave it clear.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "ptt_util.h"
#include "ptt_x86.h"

static const struct x86_cfg vtdss_cfgs[] = {
	{ PTCORE_FMT_VTDSS, 39, 46, 0 },
	{ PTCORE_FMT_VTDSS, 48, 52, 0 },
	{ PTCORE_FMT_VTDSS, 57, 52, 0 },
	{ PTCORE_FMT_VTDSS, 36, 40, 0 },
	{ PTCORE_FMT_VTDSS, 48, 48, PTCORE_FEAT_DIRTY_TRACKING },
};

KUNIT_ARRAY_PARAM(vtdss_cfg, vtdss_cfgs, x86_cfg_desc);

static void vtdss_geometry(struct kunit *test)
{
	x86_case_geometry(test, PTCORE_FMT_VTDSS);
}

static void vtdss_bad_config(struct kunit *test)
{
	x86_case_bad_config(test, PTCORE_FMT_VTDSS);
}

static void vtdss_model(struct kunit *test)
{
	x86_case_model(test, PTCORE_FMT_VTDSS);
}

static void vtdss_dirty(struct kunit *test)
{
	x86_case_dirty(test, false);
}

static struct kunit_case vtdss_cases[] = {
	KUNIT_CASE(vtdss_geometry),
	KUNIT_CASE(vtdss_bad_config),
	KUNIT_CASE(vtdss_model),
	KUNIT_CASE_PARAM(x86_case_leaf_roundtrip, vtdss_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_case_selftest, vtdss_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_case_unmap_semantics, vtdss_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_case_free_empty_tables, vtdss_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_case_cut, vtdss_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_case_random, vtdss_cfg_gen_params),
	KUNIT_CASE_PARAM(x86_case_bad_arguments, vtdss_cfg_gen_params),
	KUNIT_CASE_PARAM(vtdss_dirty, vtdss_cfg_gen_params),
	{}
};

static struct kunit_suite vtdss_suite = {
	.name = "ptcore_vtdss",
	.init = ptt_case_init,
	.exit = ptt_case_exit,
	.test_cases = vtdss_cases,
};

kunit_test_suites(&vtdss_suite);

MODULE_DESCRIPTION("KUnit tests for ptcore's Intel VT-d second-stage format");
MODULE_LICENSE("Dual MIT/GPL");
