// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit: ptcore called from softirq context while process context uses the
 * same table. Kernel only (it needs timers), so it is not one of the
 * ptcore_*_test.c suites that the userspace harness runs.
 *
 * The DMA API unmaps from softirq and hardirq context (network drivers'
 * NAPI, interrupt handlers). A lock that process context takes with
 * interrupts on and softirq context takes too deadlocks when the softirq
 * interrupts its holder on the same CPU; lockdep reports it as
 * "inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage", which fails the
 * UML runs (scripts/kunit_uml.sh).
 *
 * Both contexts run the round that takes ptcore's one remaining lock: a
 * page mapped and unmapped (leaving an empty leaf table), a block that
 * replaces that table (the map parks it), and the unmap of the block (which
 * takes the parked table onto its gather) and its sync. Each context owns
 * its own IOVA range below one shared level-1 table.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/timer.h>
#include <ptcore.h>

#define SIRQ_ROUNDS	64
#define SIRQ_PROT	(PTCORE_PROT_READ | PTCORE_PROT_WRITE)
/* The ABI carries gfp_t as its bits. */
#define SIRQ_ATOMIC	((__force u32)GFP_ATOMIC)
#define SIRQ_KERNEL	((__force u32)GFP_KERNEL)

struct sirq_ctx {
	struct ptcore_table *t;
	struct timer_list timer;
	atomic_t rounds;		/* done in softirq context */
	atomic_t errors;
	atomic64_t flushes;
	u64 softirq_base;
	bool stop;
};

static void sirq_flush(void *cookie, const struct ptcore_gather *g)
{
	struct sirq_ctx *c = cookie;

	atomic64_inc(&c->flushes);
}

static const struct ptcore_ops sirq_ops = { .iotlb_flush = sirq_flush };

/* One round at @base; returns the number of calls that did not do what they must. */
static int sirq_round(struct ptcore_table *t, u64 base, u64 pa, u32 gfp)
{
	struct ptcore_gather g;
	u64 done = 0, phys = 0;
	int bad = 0;

	bad += ptcore_map_pages(t, base + SZ_4K, pa, SZ_4K, 1, SIRQ_PROT, gfp, &done) != 0;
	ptcore_gather_init(&g);
	bad += ptcore_unmap(t, base + SZ_4K, SZ_4K, &g, &done) != 0;
	ptcore_iotlb_sync(t, &g);
	/* The leaf table is empty now: the block replaces it, and the map parks it. */
	bad += ptcore_map_pages(t, base, pa, SZ_2M, 1, SIRQ_PROT, gfp, &done) != 0;
	bad += ptcore_iova_to_phys(t, base + 0x123, &phys) != 0 || phys != pa + 0x123;
	ptcore_gather_init(&g);
	bad += ptcore_unmap(t, base, SZ_2M, &g, &done) != 0;
	bad += g.nr_tables != 1;	/* the parked table rides on this gather */
	ptcore_iotlb_sync(t, &g);
	return bad;
}

static void sirq_timer(struct timer_list *timer)
{
	struct sirq_ctx *c = from_timer(c, timer, timer);
	int n = atomic_read(&c->rounds);

	if (!in_softirq())
		atomic_inc(&c->errors);
	atomic_add(sirq_round(c->t, c->softirq_base + (u64)(n % 8) * SZ_2M, SZ_1G, SIRQ_ATOMIC),
		   &c->errors);
	if (atomic_inc_return(&c->rounds) < SIRQ_ROUNDS && !READ_ONCE(c->stop))
		mod_timer(&c->timer, jiffies + 1);
}

static void unmap_from_softirq(struct kunit *test)
{
	struct ptcore_cfg cfg = {
		.format = PTCORE_FMT_ARM64_LPAE_S1, .ias = 48, .oas = 48, .granule_lg2 = 12,
		.ops = &sirq_ops,
	};
	struct ptcore_mem_stats m0, m1;
	unsigned long deadline = jiffies + 20 * HZ;
	struct sirq_ctx *c;
	unsigned int process_rounds = 0;
	int errors = 0;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	cfg.cookie = c;
	ptcore_mem_stats(&m0);
	KUNIT_ASSERT_EQ(test, ptcore_table_create(&cfg, &c->t), 0);
	/* Both ranges lie below one level-1 table: [1G, 1G + 16M) and [1G + 16M, ...). */
	c->softirq_base = SZ_1G + SZ_16M;

	timer_setup(&c->timer, sirq_timer, 0);
	mod_timer(&c->timer, jiffies + 1);
	while (atomic_read(&c->rounds) < SIRQ_ROUNDS && time_before(jiffies, deadline)) {
		errors += sirq_round(c->t, SZ_1G + (u64)(process_rounds % 8) * SZ_2M, SZ_2G,
				     SIRQ_KERNEL);
		process_rounds++;
		cond_resched();
	}
	WRITE_ONCE(c->stop, true);
	timer_delete_sync(&c->timer);

	KUNIT_EXPECT_EQ(test, errors, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->errors), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rounds), SIRQ_ROUNDS);
	KUNIT_EXPECT_GT(test, process_rounds, 0);
	/* every round's sync flushed (two unmaps), and so did each replacing map */
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&c->flushes),
			3ULL * (atomic_read(&c->rounds) + process_rounds));
	ptcore_table_destroy(c->t);
	ptcore_mem_stats(&m1);
	KUNIT_EXPECT_EQ(test, m1.tables_live, m0.tables_live);
	kunit_info(test, "%d rounds in softirq context, %u in process context",
		   atomic_read(&c->rounds), process_rounds);
}

static struct kunit_case softirq_cases[] = {
	KUNIT_CASE(unmap_from_softirq),
	{}
};

static struct kunit_suite softirq_suite = {
	.name = "ptcore_softirq",
	.test_cases = softirq_cases,
};

kunit_test_suites(&softirq_suite);
