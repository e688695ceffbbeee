// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ptcore's userspace KUnit runner: runs every suite registered with
 * kunit_test_suites() (pointers collected in the "kunit_test_suites" link
 * section) and prints KTAP version 1 exactly as Linux 6.1's lib/kunit does:
 *
 *	KTAP version 1
 *	1..<suites>
 *	    KTAP version 1
 *	    # Subtest: <suite>
 *	    1..<cases>
 *	    ok 1 <case>
 *	        KTAP version 1			(parameterised case)
 *	        # Subtest: <case>
 *	        ok 1 <param description>
 *	    # <case>: pass:1 fail:0 skip:0 total:1
 *	    ok 2 <case>
 *	    not ok 3 <case>
 *	    ok 4 <case> # SKIP <reason>
 *	# <suite>: pass:.. fail:.. skip:.. total:..
 *	# Totals: pass:.. fail:.. skip:.. total:..
 *	ok 1 <suite>
 *
 * Usage: runner [suite-name-glob]. Exit status 1 when a case failed.
 * With PTCORE_KUNIT_SHARD=i/n in the environment, only every n-th case or
 * parameter (counted over all suites, from i on) runs and the others are
 * reported as skipped, so that n runners (under valgrind, say) share them.
 */
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kunit/test.h>

extern struct kunit_suite *__start_kunit_test_suites[] __attribute__((weak));
extern struct kunit_suite *__stop_kunit_test_suites[] __attribute__((weak));

struct kunit_resource_node {
	struct kunit_resource_node *next;
	/* the allocation follows, aligned for any type */
	long double data[];
};

struct result_stats {
	unsigned long passed, skipped, failed, total;
};

/* PTCORE_KUNIT_SHARD=i/n: this runner's share of the cases */
static unsigned long shard_index, shard_count = 1, case_counter;

static void parse_shard(void)
{
	const char *env = getenv("PTCORE_KUNIT_SHARD");
	unsigned long i, n;

	if (!env)
		return;
	if (sscanf(env, "%lu/%lu", &i, &n) != 2 || !n || i >= n) {
		fprintf(stderr, "kunit runner: PTCORE_KUNIT_SHARD=%s is not i/n with i < n\n", env);
		exit(2);
	}
	shard_index = i;
	shard_count = n;
}


/* ---- output ---- */

void kunit_harness_printk(const char *level, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	(void)level;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	/* printk ends every message on its own line */
	len = strlen(fmt);
	if (!len || fmt[len - 1] != '\n')
		putchar('\n');
	fflush(stdout);
}

/* Print a diagnostic message, one "    # " line per line of text. */
static void print_diag_lines(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		printf(KUNIT_SUBTEST_INDENT "# %.*s\n", (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static void fail_prologue(struct kunit *test, enum kunit_assert_type type,
			  const char *file, int line)
{
	kunit_set_failure(test);
	printf(KUNIT_SUBTEST_INDENT "# %s: %s FAILED at %s:%d\n", test->name,
	       type == KUNIT_ASSERTION ? "ASSERTION" : "EXPECTATION", file, line);
}

static void fail_message(const char *fmt, va_list ap)
{
	char buf[1024];

	if (!fmt)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	print_diag_lines(buf);
}

void kunit_harness_fail(struct kunit *test, enum kunit_assert_type type,
			const char *file, int line, const char *what,
			const char *fmt, ...)
{
	va_list ap;

	fail_prologue(test, type, file, line);
	if (what)
		print_diag_lines(what);
	va_start(ap, fmt);
	fail_message(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

void kunit_harness_fail_int(struct kunit *test, enum kunit_assert_type type,
			    const char *file, int line, const char *left_text,
			    const char *op, const char *right_text, long long left,
			    long long right, const char *fmt, ...)
{
	va_list ap;

	fail_prologue(test, type, file, line);
	printf(KUNIT_SUBTEST_INDENT "# Expected %s %s %s, but\n", left_text, op, right_text);
	printf(KUNIT_SUBTEST_INDENT "#     %s == %lld (0x%llx)\n", left_text, left,
	       (unsigned long long)left);
	printf(KUNIT_SUBTEST_INDENT "#     %s == %lld (0x%llx)\n", right_text, right,
	       (unsigned long long)right);
	va_start(ap, fmt);
	fail_message(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

void kunit_harness_fail_ptr(struct kunit *test, enum kunit_assert_type type,
			    const char *file, int line, const char *left_text,
			    const char *op, const char *right_text, const void *left,
			    const void *right, const char *fmt, ...)
{
	va_list ap;

	fail_prologue(test, type, file, line);
	printf(KUNIT_SUBTEST_INDENT "# Expected %s %s %s, but\n", left_text, op, right_text);
	printf(KUNIT_SUBTEST_INDENT "#     %s == %p\n", left_text, left);
	printf(KUNIT_SUBTEST_INDENT "#     %s == %p\n", right_text, right);
	va_start(ap, fmt);
	fail_message(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

void kunit_harness_fail_str(struct kunit *test, enum kunit_assert_type type,
			    const char *file, int line, const char *left_text,
			    const char *op, const char *right_text, const char *left,
			    const char *right, const char *fmt, ...)
{
	va_list ap;

	fail_prologue(test, type, file, line);
	printf(KUNIT_SUBTEST_INDENT "# Expected %s %s %s, but\n", left_text, op, right_text);
	printf(KUNIT_SUBTEST_INDENT "#     %s == \"%s\"\n", left_text, left);
	printf(KUNIT_SUBTEST_INDENT "#     %s == \"%s\"\n", right_text, right);
	va_start(ap, fmt);
	fail_message(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* ---- try/catch ---- */

void kunit_try_catch_throw(struct kunit_try_catch *try_catch)
{
	longjmp(*(jmp_buf *)try_catch->jmp, 1);
}

/* ---- resources ---- */

void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size, gfp_t gfp)
{
	struct kunit_resource_node *node;
	size_t bytes;

	if (size && n > ((size_t)-1 - sizeof(*node)) / size)
		return NULL;
	bytes = n * size;
	node = malloc(sizeof(*node) + bytes);
	if (!node)
		return NULL;
	if (gfp & __GFP_ZERO)
		memset(node->data, 0, bytes);
	node->next = test->resources;
	test->resources = node;
	return node->data;
}

void kunit_kfree(struct kunit *test, const void *ptr)
{
	struct kunit_resource_node **pp;

	for (pp = &test->resources; *pp; pp = &(*pp)->next) {
		if ((const void *)(*pp)->data == ptr) {
			struct kunit_resource_node *node = *pp;

			*pp = node->next;
			free(node);
			return;
		}
	}
	kunit_err(test, "kunit_kfree: %p was not allocated by this test", ptr);
	kunit_set_failure(test);
}

void kunit_cleanup(struct kunit *test)
{
	while (test->resources) {
		struct kunit_resource_node *node = test->resources;

		test->resources = node->next;
		free(node);
	}
}

/* ---- running ---- */

static const char *status_to_ok_not_ok(enum kunit_status status)
{
	return status == KUNIT_FAILURE ? "not ok" : "ok";
}

static void update_stats(struct result_stats *stats, enum kunit_status status)
{
	if (status == KUNIT_SUCCESS)
		stats->passed++;
	else if (status == KUNIT_SKIPPED)
		stats->skipped++;
	else
		stats->failed++;
	stats->total++;
}

static void accumulate_stats(struct result_stats *total, struct result_stats add)
{
	total->passed += add.passed;
	total->skipped += add.skipped;
	total->failed += add.failed;
	total->total += add.total;
}

/* As the kernel's default (stats_enabled=1): only when there is more than one. */
static bool should_print_stats(struct result_stats stats)
{
	return stats.total > 1;
}

static void init_test(struct kunit *test, const char *name)
{
	test->name = name;
	test->log = NULL;
	test->status = KUNIT_SUCCESS;
	test->status_comment[0] = '\0';
	test->resources = NULL;
}

/* One run of one case (one parameter): init, case, then exit and cleanup. */
static void run_case_catch_errors(struct kunit_suite *suite,
				  struct kunit_case *test_case,
				  struct kunit *test)
{
	jmp_buf jb;
	volatile bool initialised = false;

	init_test(test, test_case->name);
	test->try_catch.jmp = &jb;
	if (setjmp(jb) == 0) {
		if (suite->init) {
			int ret = suite->init(test);

			if (ret) {
				kunit_err(test, "failed to initialize: %d", ret);
				kunit_set_failure(test);
				goto cleanup;
			}
		}
		initialised = true;
		test_case->run_case(test);
	}
	/* A case that threw (assertion, skip) lands here too. */
	if (initialised && suite->exit) {
		jmp_buf jb_exit;

		test->try_catch.jmp = &jb_exit;
		if (setjmp(jb_exit) == 0)
			suite->exit(test);
	}
cleanup:
	kunit_cleanup(test);
	test->try_catch.jmp = NULL;
	fflush(stdout);

	if (test->status == KUNIT_FAILURE)
		test_case->status = KUNIT_FAILURE;
	else if (test_case->status != KUNIT_FAILURE && test->status == KUNIT_SUCCESS)
		test_case->status = KUNIT_SUCCESS;
}

/* Run one case or parameter, or report it skipped when another shard's. */
static void run_case_in_shard(struct kunit_suite *suite, struct kunit_case *test_case,
			      struct kunit *test)
{
	if (case_counter++ % shard_count == shard_index) {
		run_case_catch_errors(suite, test_case, test);
		return;
	}
	test->status = KUNIT_SKIPPED;
	snprintf(test->status_comment, sizeof(test->status_comment), "another shard's case");
}

static size_t suite_num_cases(struct kunit_suite *suite)
{
	struct kunit_case *test_case;
	size_t n = 0;

	kunit_suite_for_each_test_case(suite, test_case)
		n++;
	return n;
}

static enum kunit_status suite_status(struct kunit_suite *suite)
{
	struct kunit_case *test_case;
	enum kunit_status status = KUNIT_SKIPPED;

	if (suite->suite_init_err)
		return KUNIT_FAILURE;
	kunit_suite_for_each_test_case(suite, test_case) {
		if (test_case->status == KUNIT_FAILURE)
			return KUNIT_FAILURE;
		if (test_case->status == KUNIT_SUCCESS)
			status = KUNIT_SUCCESS;
	}
	return status;
}

static enum kunit_status run_suite(struct kunit_suite *suite, size_t suite_num,
				   struct result_stats *grand)
{
	char param_desc[KUNIT_PARAM_DESC_SIZE];
	struct result_stats suite_stats = { 0 }, total_stats = { 0 };
	struct kunit_case *test_case;
	enum kunit_status status;
	size_t case_num = 0;

	suite->status_comment[0] = '\0';
	suite->suite_init_err = 0;
	if (suite->suite_init) {
		suite->suite_init_err = suite->suite_init(suite);
		if (suite->suite_init_err) {
			printf(KUNIT_SUBTEST_INDENT "# %s: " KUNIT_SUBTEST_INDENT
			       "# failed to initialize (%d)\n", suite->name,
			       suite->suite_init_err);
			goto suite_end;
		}
	}

	printf(KUNIT_SUBTEST_INDENT "KTAP version 1\n");
	printf(KUNIT_SUBTEST_INDENT "# Subtest: %s\n", suite->name);
	printf(KUNIT_SUBTEST_INDENT "1..%zu\n", suite_num_cases(suite));
	fflush(stdout);

	kunit_suite_for_each_test_case(suite, test_case) {
		struct kunit test = { .param_value = NULL, .param_index = 0 };
		struct result_stats param_stats = { 0 };

		case_num++;
		test_case->status = KUNIT_SKIPPED;
		if (!test_case->generate_params) {
			run_case_in_shard(suite, test_case, &test);
			update_stats(&param_stats, test.status);
		} else {
			param_desc[0] = '\0';
			test.param_value = test_case->generate_params(NULL, param_desc);
			test.name = test_case->name;
			printf(KUNIT_SUBTEST_INDENT KUNIT_SUBTEST_INDENT "KTAP version 1\n");
			printf(KUNIT_SUBTEST_INDENT KUNIT_SUBTEST_INDENT "# Subtest: %s\n",
			       test_case->name);
			while (test.param_value) {
				run_case_in_shard(suite, test_case, &test);
				if (param_desc[0] == '\0')
					snprintf(param_desc, sizeof(param_desc), "param-%d",
						 test.param_index);
				printf(KUNIT_SUBTEST_INDENT KUNIT_SUBTEST_INDENT "%s %d %s\n",
				       status_to_ok_not_ok(test.status),
				       test.param_index + 1, param_desc);
				fflush(stdout);
				param_desc[0] = '\0';
				test.param_value =
					test_case->generate_params(test.param_value, param_desc);
				test.param_index++;
				update_stats(&param_stats, test.status);
			}
		}

		if (should_print_stats(param_stats))
			printf(KUNIT_SUBTEST_INDENT "# %s: pass:%lu fail:%lu skip:%lu total:%lu\n",
			       test_case->name, param_stats.passed, param_stats.failed,
			       param_stats.skipped, param_stats.total);

		printf(KUNIT_SUBTEST_INDENT "%s %zu %s%s%s\n",
		       status_to_ok_not_ok(test_case->status), case_num, test_case->name,
		       test_case->status == KUNIT_SKIPPED ? " # SKIP " : "",
		       test_case->status == KUNIT_SKIPPED ? test.status_comment : "");
		fflush(stdout);

		update_stats(&suite_stats, test_case->status);
		accumulate_stats(&total_stats, param_stats);
	}

	if (suite->suite_exit)
		suite->suite_exit(suite);

	if (should_print_stats(suite_stats))
		printf("# %s: pass:%lu fail:%lu skip:%lu total:%lu\n", suite->name,
		       suite_stats.passed, suite_stats.failed, suite_stats.skipped,
		       suite_stats.total);
	if (should_print_stats(total_stats))
		printf("# Totals: pass:%lu fail:%lu skip:%lu total:%lu\n",
		       total_stats.passed, total_stats.failed, total_stats.skipped,
		       total_stats.total);
	accumulate_stats(grand, total_stats);

suite_end:
	status = suite_status(suite);
	printf("%s %zu %s%s%s\n", status_to_ok_not_ok(status), suite_num, suite->name,
	       status == KUNIT_SKIPPED ? " # SKIP " : "",
	       status == KUNIT_SKIPPED ? suite->status_comment : "");
	fflush(stdout);
	return status;
}

int main(int argc, char **argv)
{
	const char *glob = argc > 1 ? argv[1] : NULL;
	struct kunit_suite **s, **start = __start_kunit_test_suites;
	struct kunit_suite **stop = __stop_kunit_test_suites;
	struct result_stats grand = { 0 };
	size_t n = 0, i = 0;
	int failed = 0;

	parse_shard();
	if (!start)
		start = stop = NULL;
	for (s = start; s < stop; s++)
		if (!glob || fnmatch(glob, (*s)->name, 0) == 0)
			n++;

	printf("KTAP version 1\n");
	printf("1..%zu\n", n);
	fflush(stdout);
	for (s = start; s < stop; s++) {
		if (glob && fnmatch(glob, (*s)->name, 0) != 0)
			continue;
		if (run_suite(*s, ++i, &grand) == KUNIT_FAILURE)
			failed = 1;
	}
	fprintf(stderr, "kunit runner: %zu suites, %lu cases: %lu passed, %lu failed, %lu skipped\n",
		n, grand.total, grand.passed, grand.failed, grand.skipped);
	return failed;
}
