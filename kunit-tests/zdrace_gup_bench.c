// SPDX-License-Identifier: GPL-2.0
/*
 * gup-fast microbenchmark for `make bench`: one get_user_pages_fast_only()
 * and put_page() on a devmap PTE, the path through three injection points,
 * built with the points compiled in (unarmed) and out.  It checks only
 * that every call returned the page, and prints the fastest and median
 * batch as "zdrace-bench: <name> <min ps> ps/op min <median ps> ps/op
 * median".  Host interference only adds time, so the fastest batch is the
 * figure that compares across kernels.
 */

#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "zd_fixture.h"

#define ZD_BENCH_BATCHES	31
#define ZD_BENCH_ITERS		20000

static int zd_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void gup_fast_devmap(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	unsigned long addr = zd_dev_map_user(dev, 1);
	u64 ps[ZD_BENCH_BATCHES];
	unsigned long misses = 0;
	struct page *page;
	int b, i;

	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)addr), 0);
	for (b = 0; b < ZD_BENCH_BATCHES; b++) {
		ktime_t start = ktime_get();

		for (i = 0; i < ZD_BENCH_ITERS; i++) {
			if (get_user_pages_fast_only(addr, 1, 0, &page) == 1)
				put_page(page);
			else
				misses++;
		}
		ps[b] = ktime_to_ns(ktime_sub(ktime_get(), start)) * 1000 /
			ZD_BENCH_ITERS;
	}
	KUNIT_EXPECT_EQ_MSG(test, misses, 0UL, "gup-fast missed the page");
	sort(ps, ZD_BENCH_BATCHES, sizeof(ps[0]), zd_cmp_u64, NULL);
	kunit_info(test, "zdrace-bench: %s %llu ps/op min %llu ps/op median\n",
		   __func__, ps[0], ps[ZD_BENCH_BATCHES / 2]);
}

static struct kunit_case zdrace_gup_bench_cases[] = {
	KUNIT_CASE(gup_fast_devmap),
	{}
};

static struct kunit_suite zdrace_gup_bench_suite = {
	.name = "zdrace_gup_bench",
	.test_cases = zdrace_gup_bench_cases,
};

kunit_test_suite(zdrace_gup_bench_suite);

MODULE_DESCRIPTION("gup-fast microbenchmark for zdrace's make bench");
MODULE_LICENSE("GPL");
