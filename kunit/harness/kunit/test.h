/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ptcore's userspace KUnit harness: the subset of the kernel's <kunit/test.h>
 * API that ptcore's suites use, with the same names, types and semantics, so
 * that one suite source builds both here and in a kernel.
 *
 * The runner (harness/runner.c) prints KTAP version 1 the way Linux 6.1's
 * lib/kunit does, so tools/testing/kunit/kunit.py parses the stream.
 *
 * Conventions: assertion failures print "    # <case>: EXPECTATION FAILED at
 * file:line" and the operands as further "    # " lines, before the case's
 * result line. KUNIT_ASSERT_* and kunit_skip() leave the case through a
 * longjmp back into the runner; the suite's exit hook and the case's
 * kunit_kmalloc() resources are released afterwards, as the kernel does.
 */
#ifndef PTCORE_HARNESS_KUNIT_TEST_H
#define PTCORE_HARNESS_KUNIT_TEST_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#define KUNIT_LOG_SIZE			512
#define KUNIT_PARAM_DESC_SIZE		128
#define KUNIT_STATUS_COMMENT_SIZE	256
#define KUNIT_SUBTEST_INDENT		"    "
#define KUNIT_SUBSUBTEST_INDENT		"        "

struct kunit;

enum kunit_status {
	KUNIT_SUCCESS,
	KUNIT_FAILURE,
	KUNIT_SKIPPED,
};

enum kunit_assert_type {
	KUNIT_ASSERTION,
	KUNIT_EXPECTATION,
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
	const void *(*generate_params)(const void *prev, char *desc);

	/* private: internal use only. */
	enum kunit_status status;
	char *log;
};

#define KUNIT_CASE(test_name) { .run_case = test_name, .name = #test_name }

#define KUNIT_CASE_PARAM(test_name, gen_params)			\
		{ .run_case = test_name, .name = #test_name,	\
		  .generate_params = gen_params }

struct kunit_suite {
	const char name[256];
	int (*suite_init)(struct kunit_suite *suite);
	void (*suite_exit)(struct kunit_suite *suite);
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases;

	/* private: internal use only */
	char status_comment[KUNIT_STATUS_COMMENT_SIZE];
	char *log;
	int suite_init_err;
};

/* The harness's stand-in for the kernel's try/catch: a jmp_buf pointer. */
struct kunit_try_catch {
	void *jmp;
};

struct kunit_resource_node;

struct kunit {
	void *priv;

	/* private: internal use only. */
	const char *name;
	char *log;
	struct kunit_try_catch try_catch;
	const void *param_value;
	int param_index;
	enum kunit_status status;
	struct kunit_resource_node *resources;
	char status_comment[KUNIT_STATUS_COMMENT_SIZE];
};

static inline void kunit_set_failure(struct kunit *test)
{
	WRITE_ONCE(test->status, KUNIT_FAILURE);
}

void __noreturn kunit_try_catch_throw(struct kunit_try_catch *try_catch);

/* ---- registration: pointers to suites in a named section ---- */

#define __kunit_test_suites(unique_array, ...)				\
	static struct kunit_suite *unique_array[]			\
	__aligned(sizeof(struct kunit_suite *))				\
	__used __section("kunit_test_suites") = { __VA_ARGS__ }

#define kunit_test_suites(...)						\
	__kunit_test_suites(__UNIQUE_ID(array), __VA_ARGS__)

#define kunit_test_suite(suite)	kunit_test_suites(&suite)

#define kunit_suite_for_each_test_case(suite, test_case)		\
	for (test_case = (suite)->test_cases; test_case->run_case; test_case++)

/* ---- parameterised cases ---- */

#define KUNIT_ARRAY_PARAM(name, array, get_desc)				\
	static const void *name##_gen_params(const void *prev, char *desc)	\
	{									\
		typeof((array)[0]) *__next = prev ?				\
			((typeof(__next))prev) + 1 : (array);			\
		if ((size_t)(__next - (array)) < ARRAY_SIZE((array))) {		\
			void (*__get_desc)(typeof(__next), char *) = get_desc;	\
			if (__get_desc)						\
				__get_desc(__next, desc);			\
			return __next;						\
		}								\
		return NULL;							\
	}

/* ---- resources freed when the case ends ---- */

void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size, gfp_t gfp);
void kunit_kfree(struct kunit *test, const void *ptr);
void kunit_cleanup(struct kunit *test);

static inline void *kunit_kmalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	return kunit_kmalloc_array(test, 1, size, gfp);
}

static inline void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	return kunit_kmalloc(test, size, gfp | __GFP_ZERO);
}

static inline void *kunit_kcalloc(struct kunit *test, size_t n, size_t size, gfp_t gfp)
{
	return kunit_kmalloc_array(test, n, size, gfp | __GFP_ZERO);
}

/* ---- logging ---- */

void kunit_harness_printk(const char *level, const char *fmt, ...) __printf(2, 3);

#define KERN_INFO	"6"
#define KERN_WARNING	"4"
#define KERN_ERR	"3"

#define kunit_log(lvl, test_or_suite, fmt, ...)				\
	do {								\
		(void)(test_or_suite);					\
		kunit_harness_printk(lvl, fmt, ##__VA_ARGS__);		\
	} while (0)

#define kunit_printk(lvl, test, fmt, ...)				\
	kunit_log(lvl, test, KUNIT_SUBTEST_INDENT "# %s: " fmt,		\
		  (test)->name, ##__VA_ARGS__)

#define kunit_info(test, fmt, ...) \
	kunit_printk(KERN_INFO, test, fmt, ##__VA_ARGS__)
#define kunit_warn(test, fmt, ...) \
	kunit_printk(KERN_WARNING, test, fmt, ##__VA_ARGS__)
#define kunit_err(test, fmt, ...) \
	kunit_printk(KERN_ERR, test, fmt, ##__VA_ARGS__)

/* ---- skipping ---- */

#define kunit_mark_skipped(test_or_suite, fmt, ...)			\
	do {								\
		WRITE_ONCE((test_or_suite)->status, KUNIT_SKIPPED);	\
		scnprintf((test_or_suite)->status_comment,		\
			  KUNIT_STATUS_COMMENT_SIZE,			\
			  fmt, ##__VA_ARGS__);				\
	} while (0)

#define kunit_skip(test_or_suite, fmt, ...)				\
	do {								\
		kunit_mark_skipped((test_or_suite), fmt, ##__VA_ARGS__);\
		kunit_try_catch_throw(&((test_or_suite)->try_catch));	\
	} while (0)

/* ---- assertions ---- */

void kunit_harness_fail(struct kunit *test, enum kunit_assert_type type,
			const char *file, int line, const char *what,
			const char *fmt, ...) __printf(6, 7);
void kunit_harness_fail_int(struct kunit *test, enum kunit_assert_type type,
			    const char *file, int line, const char *left_text,
			    const char *op, const char *right_text, long long left,
			    long long right, const char *fmt, ...) __printf(10, 11);
void kunit_harness_fail_ptr(struct kunit *test, enum kunit_assert_type type,
			    const char *file, int line, const char *left_text,
			    const char *op, const char *right_text, const void *left,
			    const void *right, const char *fmt, ...) __printf(10, 11);
void kunit_harness_fail_str(struct kunit *test, enum kunit_assert_type type,
			    const char *file, int line, const char *left_text,
			    const char *op, const char *right_text, const char *left,
			    const char *right, const char *fmt, ...) __printf(10, 11);

#define __KUNIT_END(test, type)						\
	do {								\
		if ((type) == KUNIT_ASSERTION)				\
			kunit_try_catch_throw(&(test)->try_catch);	\
	} while (0)

#define KUNIT_FAIL_ASSERTION(test, type, fmt, ...)			\
	do {								\
		kunit_harness_fail(test, type, __FILE__, __LINE__, NULL,\
				   fmt, ##__VA_ARGS__);			\
		__KUNIT_END(test, type);				\
	} while (0)

#define KUNIT_FAIL(test, fmt, ...) \
	KUNIT_FAIL_ASSERTION(test, KUNIT_EXPECTATION, fmt, ##__VA_ARGS__)

#define KUNIT_SUCCEED(test) do {} while (0)

#define KUNIT_UNARY_ASSERTION(test, type, condition, expect_true, fmt, ...)	\
	do {									\
		if (likely(!!(condition) == !!(expect_true)))			\
			break;							\
		kunit_harness_fail(test, type, __FILE__, __LINE__,		\
				   (expect_true) ?				\
				   "Expected " #condition " to be true, but is false" : \
				   "Expected " #condition " to be false, but is true", \
				   fmt, ##__VA_ARGS__);				\
		__KUNIT_END(test, type);					\
	} while (0)

#define KUNIT_BINARY_INT_ASSERTION(test, type, left, op, right, fmt, ...)	\
	do {									\
		const typeof(left) __left = (left);				\
		const typeof(right) __right = (right);				\
		if (likely(__left op __right))					\
			break;							\
		kunit_harness_fail_int(test, type, __FILE__, __LINE__, #left,	\
				       #op, #right, (long long)__left,		\
				       (long long)__right, fmt, ##__VA_ARGS__);	\
		__KUNIT_END(test, type);					\
	} while (0)

#define KUNIT_BINARY_PTR_ASSERTION(test, type, left, op, right, fmt, ...)	\
	do {									\
		const void *__left = (left);					\
		const void *__right = (right);					\
		if (likely(__left op __right))					\
			break;							\
		kunit_harness_fail_ptr(test, type, __FILE__, __LINE__, #left,	\
				       #op, #right, __left, __right,		\
				       fmt, ##__VA_ARGS__);			\
		__KUNIT_END(test, type);					\
	} while (0)

#define KUNIT_BINARY_STR_ASSERTION(test, type, left, op, right, fmt, ...)	\
	do {									\
		const char *__left = (left);					\
		const char *__right = (right);					\
		if (likely(strcmp(__left, __right) op 0))			\
			break;							\
		kunit_harness_fail_str(test, type, __FILE__, __LINE__, #left,	\
				       #op, #right, __left, __right,		\
				       fmt, ##__VA_ARGS__);			\
		__KUNIT_END(test, type);					\
	} while (0)

#define KUNIT_PTR_NULL_ASSERTION(test, type, ptr, want_null, fmt, ...)	\
	do {									\
		const void *__ptr = (ptr);					\
		if (likely(!!(__ptr == NULL) == !!(want_null)))			\
			break;							\
		kunit_harness_fail(test, type, __FILE__, __LINE__,		\
				   (want_null) ? "Expected " #ptr " is null, but is not" : \
				   "Expected " #ptr " is not null, but is",	\
				   fmt, ##__VA_ARGS__);				\
		__KUNIT_END(test, type);					\
	} while (0)

#define KUNIT_PTR_NOT_ERR_OR_NULL_ASSERTION(test, type, ptr, fmt, ...)	\
	do {									\
		const void *__ptr = (ptr);					\
		if (likely(!IS_ERR_OR_NULL(__ptr)))				\
			break;							\
		kunit_harness_fail(test, type, __FILE__, __LINE__,		\
				   !__ptr ? "Expected " #ptr " is not null, but is" : \
				   "Expected " #ptr " is not error, but is an error", \
				   fmt, ##__VA_ARGS__);				\
		__KUNIT_END(test, type);					\
	} while (0)

/* expectations */
#define KUNIT_EXPECT_TRUE(test, c) KUNIT_EXPECT_TRUE_MSG(test, c, NULL)
#define KUNIT_EXPECT_TRUE_MSG(test, c, fmt, ...) \
	KUNIT_UNARY_ASSERTION(test, KUNIT_EXPECTATION, c, true, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_FALSE(test, c) KUNIT_EXPECT_FALSE_MSG(test, c, NULL)
#define KUNIT_EXPECT_FALSE_MSG(test, c, fmt, ...) \
	KUNIT_UNARY_ASSERTION(test, KUNIT_EXPECTATION, c, false, fmt, ##__VA_ARGS__)

#define KUNIT_EXPECT_EQ(test, l, r) KUNIT_EXPECT_EQ_MSG(test, l, r, NULL)
#define KUNIT_EXPECT_EQ_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, ==, r, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_NE(test, l, r) KUNIT_EXPECT_NE_MSG(test, l, r, NULL)
#define KUNIT_EXPECT_NE_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, !=, r, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_LT(test, l, r) KUNIT_EXPECT_LT_MSG(test, l, r, NULL)
#define KUNIT_EXPECT_LT_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, <, r, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_LE(test, l, r) KUNIT_EXPECT_LE_MSG(test, l, r, NULL)
#define KUNIT_EXPECT_LE_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, <=, r, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_GT(test, l, r) KUNIT_EXPECT_GT_MSG(test, l, r, NULL)
#define KUNIT_EXPECT_GT_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, >, r, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_GE(test, l, r) KUNIT_EXPECT_GE_MSG(test, l, r, NULL)
#define KUNIT_EXPECT_GE_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_INT_ASSERTION(test, KUNIT_EXPECTATION, l, >=, r, fmt, ##__VA_ARGS__)

#define KUNIT_EXPECT_PTR_EQ(test, l, r) KUNIT_EXPECT_PTR_EQ_MSG(test, l, r, NULL)
#define KUNIT_EXPECT_PTR_EQ_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_PTR_ASSERTION(test, KUNIT_EXPECTATION, l, ==, r, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_PTR_NE(test, l, r) KUNIT_EXPECT_PTR_NE_MSG(test, l, r, NULL)
#define KUNIT_EXPECT_PTR_NE_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_PTR_ASSERTION(test, KUNIT_EXPECTATION, l, !=, r, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_STREQ(test, l, r) KUNIT_EXPECT_STREQ_MSG(test, l, r, NULL)
#define KUNIT_EXPECT_STREQ_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_STR_ASSERTION(test, KUNIT_EXPECTATION, l, ==, r, fmt, ##__VA_ARGS__)

#define KUNIT_EXPECT_NULL(test, p) KUNIT_EXPECT_NULL_MSG(test, p, NULL)
#define KUNIT_EXPECT_NULL_MSG(test, p, fmt, ...) \
	KUNIT_PTR_NULL_ASSERTION(test, KUNIT_EXPECTATION, p, true, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_NOT_NULL(test, p) KUNIT_EXPECT_NOT_NULL_MSG(test, p, NULL)
#define KUNIT_EXPECT_NOT_NULL_MSG(test, p, fmt, ...) \
	KUNIT_PTR_NULL_ASSERTION(test, KUNIT_EXPECTATION, p, false, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_NOT_ERR_OR_NULL(test, p) KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, p, NULL)
#define KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, p, fmt, ...) \
	KUNIT_PTR_NOT_ERR_OR_NULL_ASSERTION(test, KUNIT_EXPECTATION, p, fmt, ##__VA_ARGS__)

/* assertions: a failure ends the case */
#define KUNIT_ASSERT_TRUE(test, c) KUNIT_ASSERT_TRUE_MSG(test, c, NULL)
#define KUNIT_ASSERT_TRUE_MSG(test, c, fmt, ...) \
	KUNIT_UNARY_ASSERTION(test, KUNIT_ASSERTION, c, true, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_FALSE(test, c) KUNIT_ASSERT_FALSE_MSG(test, c, NULL)
#define KUNIT_ASSERT_FALSE_MSG(test, c, fmt, ...) \
	KUNIT_UNARY_ASSERTION(test, KUNIT_ASSERTION, c, false, fmt, ##__VA_ARGS__)

#define KUNIT_ASSERT_EQ(test, l, r) KUNIT_ASSERT_EQ_MSG(test, l, r, NULL)
#define KUNIT_ASSERT_EQ_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, ==, r, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_NE(test, l, r) KUNIT_ASSERT_NE_MSG(test, l, r, NULL)
#define KUNIT_ASSERT_NE_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, !=, r, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_LT(test, l, r) KUNIT_ASSERT_LT_MSG(test, l, r, NULL)
#define KUNIT_ASSERT_LT_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, <, r, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_LE(test, l, r) KUNIT_ASSERT_LE_MSG(test, l, r, NULL)
#define KUNIT_ASSERT_LE_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, <=, r, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_GT(test, l, r) KUNIT_ASSERT_GT_MSG(test, l, r, NULL)
#define KUNIT_ASSERT_GT_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, >, r, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_GE(test, l, r) KUNIT_ASSERT_GE_MSG(test, l, r, NULL)
#define KUNIT_ASSERT_GE_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_INT_ASSERTION(test, KUNIT_ASSERTION, l, >=, r, fmt, ##__VA_ARGS__)

#define KUNIT_ASSERT_PTR_EQ(test, l, r) KUNIT_ASSERT_PTR_EQ_MSG(test, l, r, NULL)
#define KUNIT_ASSERT_PTR_EQ_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_PTR_ASSERTION(test, KUNIT_ASSERTION, l, ==, r, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_PTR_NE(test, l, r) KUNIT_ASSERT_PTR_NE_MSG(test, l, r, NULL)
#define KUNIT_ASSERT_PTR_NE_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_PTR_ASSERTION(test, KUNIT_ASSERTION, l, !=, r, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_STREQ(test, l, r) KUNIT_ASSERT_STREQ_MSG(test, l, r, NULL)
#define KUNIT_ASSERT_STREQ_MSG(test, l, r, fmt, ...) \
	KUNIT_BINARY_STR_ASSERTION(test, KUNIT_ASSERTION, l, ==, r, fmt, ##__VA_ARGS__)

#define KUNIT_ASSERT_NULL(test, p) KUNIT_ASSERT_NULL_MSG(test, p, NULL)
#define KUNIT_ASSERT_NULL_MSG(test, p, fmt, ...) \
	KUNIT_PTR_NULL_ASSERTION(test, KUNIT_ASSERTION, p, true, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_NOT_NULL(test, p) KUNIT_ASSERT_NOT_NULL_MSG(test, p, NULL)
#define KUNIT_ASSERT_NOT_NULL_MSG(test, p, fmt, ...) \
	KUNIT_PTR_NULL_ASSERTION(test, KUNIT_ASSERTION, p, false, fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p) KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, p, NULL)
#define KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, p, fmt, ...) \
	KUNIT_PTR_NOT_ERR_OR_NULL_ASSERTION(test, KUNIT_ASSERTION, p, fmt, ##__VA_ARGS__)

#endif /* PTCORE_HARNESS_KUNIT_TEST_H */
