// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Self-test of ptcore's userspace KUnit harness. Some of these cases fail
 * or skip ON PURPOSE: kunit.mk runs this binary on its own, has
 * tools/testing/kunit/kunit.py parse the stream, and checks that the parser
 * reports exactly the expected numbers (see selftest_expect below), that
 * assertions abort and expectations do not, that hooks run in order, and
 * that kunit_kmalloc() memory is released (ASan run).
 */
#include <kunit/test.h>

static int hook_trace[16];
static int hook_n;

static void trace(int what)
{
	if (hook_n < (int)ARRAY_SIZE(hook_trace))
		hook_trace[hook_n++] = what;
}

static int hs_init(struct kunit *test)
{
	trace(1);
	test->priv = kunit_kzalloc(test, 64, GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void hs_exit(struct kunit *test)
{
	trace(3);
}

static void hs_pass(struct kunit *test)
{
	u8 *p = test->priv;
	int i;

	trace(2);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, p[i], 0);
	KUNIT_EXPECT_TRUE(test, 1 + 1 == 2);
	KUNIT_EXPECT_FALSE(test, 1 + 1 == 3);
	KUNIT_EXPECT_LT(test, 1, 2);
	KUNIT_EXPECT_LE(test, 2, 2);
	KUNIT_EXPECT_GT(test, 3, 2);
	KUNIT_EXPECT_GE(test, 3, 3);
	KUNIT_EXPECT_NE(test, 3, 4);
	KUNIT_EXPECT_PTR_EQ(test, p, p);
	KUNIT_EXPECT_PTR_NE(test, p, NULL);
	KUNIT_EXPECT_NULL(test, NULL);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_STREQ(test, "abc", "abc");
	kunit_info(test, "a diagnostic line %d", 42);
}

/* The hooks of the previous case ran in order: init, case, exit. */
static void hs_hooks_ran(struct kunit *test)
{
	KUNIT_ASSERT_GE(test, hook_n, 4);
	KUNIT_EXPECT_EQ(test, hook_trace[0], 1);
	KUNIT_EXPECT_EQ(test, hook_trace[1], 2);
	KUNIT_EXPECT_EQ(test, hook_trace[2], 3);
	KUNIT_EXPECT_EQ(test, hook_trace[3], 1);	/* this case's init */
}

static int reached_after_expect;
static int reached_after_assert;

/* Intentionally fails: an expectation continues, an assertion stops. */
static void hs_fail_expect_then_assert(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, 1, 2, "intended failure %s", "(harness self-test)");
	reached_after_expect = 1;
	KUNIT_ASSERT_TRUE(test, false);
	reached_after_assert = 1;
}

static void hs_abort_semantics(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, reached_after_expect, 1);
	KUNIT_EXPECT_EQ(test, reached_after_assert, 0);
	/* exit ran for the aborted case too: init(1) case(none) exit(3) */
	KUNIT_EXPECT_EQ(test, hook_trace[hook_n - 2], 3);
}

static void hs_skip(struct kunit *test)
{
	kunit_skip(test, "intended skip");
	KUNIT_FAIL(test, "not reached");
}

static void hs_mark_skipped(struct kunit *test)
{
	kunit_mark_skipped(test, "marked %d", 7);
}

struct hs_param {
	int value;
	bool fail;
};

static const struct hs_param hs_params[] = {
	{ 1, false }, { 2, true }, { 3, false },
};

static void hs_param_desc(const struct hs_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "value %d", p->value);
}

KUNIT_ARRAY_PARAM(hs_param, hs_params, hs_param_desc);

static int hs_param_runs;

/* One parameter of three fails on purpose. */
static void hs_param_case(struct kunit *test)
{
	const struct hs_param *p = test->param_value;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, test->param_index, p->value - 1);
	hs_param_runs++;
	KUNIT_EXPECT_FALSE(test, p->fail);
}

static void hs_param_counted(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hs_param_runs, 3);
}

static const int hs_plain[] = { 5, 6 };
KUNIT_ARRAY_PARAM(hs_plain, hs_plain, NULL);

static void hs_plain_case(struct kunit *test)
{
	const int *v = test->param_value;

	KUNIT_EXPECT_TRUE(test, *v == 5 || *v == 6);
}

static struct kunit_case hs_cases[] = {
	KUNIT_CASE(hs_pass),
	KUNIT_CASE(hs_hooks_ran),
	KUNIT_CASE(hs_fail_expect_then_assert),
	KUNIT_CASE(hs_abort_semantics),
	KUNIT_CASE(hs_skip),
	KUNIT_CASE(hs_mark_skipped),
	KUNIT_CASE_PARAM(hs_param_case, hs_param_gen_params),
	KUNIT_CASE_PARAM(hs_plain_case, hs_plain_gen_params),
	KUNIT_CASE(hs_param_counted),
	{}
};

static struct kunit_suite hs_suite = {
	.name = "ptcore_harness_selftest",
	.init = hs_init,
	.exit = hs_exit,
	.test_cases = hs_cases,
};

static void hs_skip_only(struct kunit *test)
{
	kunit_skip(test, "whole suite skipped");
}

static struct kunit_case hs_skip_cases[] = {
	KUNIT_CASE(hs_skip_only),
	{}
};

static struct kunit_suite hs_skip_suite = {
	.name = "ptcore_harness_selftest_skip",
	.test_cases = hs_skip_cases,
};

kunit_test_suites(&hs_suite, &hs_skip_suite);

MODULE_LICENSE("Dual MIT/GPL");
