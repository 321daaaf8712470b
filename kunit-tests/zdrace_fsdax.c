// SPDX-License-Identifier: GPL-2.0
/*
 * FS_DAX pages: the idle count a filesystem waits for before it lets a
 * block go (Sep 2022, "Fix the DAX-gup mistake").
 *
 * A DAX filesystem may not truncate or reuse a block while a DMA pin on
 * its page is outstanding, so it sleeps until the page is idle and the
 * last put wakes it.  The count it waits for differs by line: 6.12 keeps
 * FS_DAX pages 1-based (idle at 1: __put_devmap_managed_folio_refs()
 * wakes &page->_refcount when a put brings the count back to 1, and the
 * page is never freed); 7.3 counts from 0 (idle at 0: the final put
 * reaches free_zone_device_folio(), which wakes the page).  The rules are
 * the same on both:
 *
 *   - a DMA pin keeps the page busy: folio_maybe_dma_pinned() says so,
 *     and a waiter for idle sleeps on, until the pin goes;
 *   - the put that makes the page idle wakes the waiter, which was asleep
 *     before it (the case waits for that, and counts the wake-up by the
 *     time the waiter had left), whether it is a put_page() or the
 *     batched release of an unmap (release_pages(), folios_put_refs()).
 *
 * No filesystem is involved: the fake device maps FS_DAX memory as a
 * DAX driver does, and the case takes the references a mapping and a
 * pin_user_pages() would.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>

#include "zd_fixture.h"
#include "zd_kunit.h"

/* How long the idle waiter sleeps at most. */
#define ZD_IDLE_WAIT_MS		2000

struct zd_idle_waiter {
	struct page *page;
	struct task_struct *task;
	long left;		/* jiffies left when it returned */
};

static int zd_idle_wait(void *data)
{
	struct zd_idle_waiter *w = data;

	WRITE_ONCE(w->task, current);
	w->left = wait_var_event_timeout(zd_fsdax_wake_var(w->page),
					 page_ref_count(w->page) == ZD_FSDAX_IDLE,
					 msecs_to_jiffies(ZD_IDLE_WAIT_MS));
	return 0;
}

/* Start a waiter for @page to go idle; return once it sleeps. */
static struct zd_cpu_thread *
zd_idle_waiter_start(struct kunit *test, struct zd_idle_waiter *w)
{
	struct zd_cpu_thread *t;

	t = zd_cpu_thread_start(test, raw_smp_processor_id(), zd_idle_wait, w,
				"idle_wait");
	KUNIT_ASSERT_TRUE_MSG(test,
			      zd_wait_until(READ_ONCE(w->task) &&
					    !task_is_running(w->task),
					    NSEC_PER_SEC, usleep_range(20, 50)),
			      "the idle waiter never went to sleep");
	return t;
}

/*
 * After @what made the page idle: the waiter returned, woken by it, not
 * at the end of its ZD_IDLE_WAIT_MS.
 */
static void zd_idle_waiter_woken(struct kunit *test, struct zd_cpu_thread *t,
				 struct zd_idle_waiter *w, const char *what)
{
	long full = msecs_to_jiffies(ZD_IDLE_WAIT_MS);

	KUNIT_ASSERT_TRUE_MSG(test, zd_cpu_thread_wait(t, 2 * ZD_IDLE_WAIT_MS),
			      "the idle waiter never returned");
	KUNIT_EXPECT_EQ(test, page_ref_count(w->page), ZD_FSDAX_IDLE);
	kunit_info(test, "the waiter was asleep before %s and had %ld of %ld jiffies left\n",
		   what, w->left, full);
	KUNIT_EXPECT_GT_MSG(test, w->left, full / 2,
			    "%s made the page idle but woke nobody: the waiter ran out its %d ms",
			    what, ZD_IDLE_WAIT_MS);
}

static struct zd_dev *zd_fsdax_dev(struct kunit *test)
{
	return zd_dev_create(test, MEMORY_DEVICE_FS_DAX);
}

/* The page the cases use. */
#define ZD_FSDAX_PAGE	3

static void idle_count_is_the_lines(struct kunit *test)
{
	struct page *page = zd_dev_page(zd_fsdax_dev(test), ZD_FSDAX_PAGE);

	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), ZD_FSDAX_IDLE,
			    "a fresh FS_DAX page is not at the line's idle count");
	zd_fsdax_take(page);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), ZD_FSDAX_IDLE + 1);
	put_page(page);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), ZD_FSDAX_IDLE,
			    "the last put did not bring the page back to idle");
}

static void pin_keeps_page_busy(struct kunit *test)
{
	struct zd_dev *dev = zd_fsdax_dev(test);
	struct page *page = zd_dev_page(dev, ZD_FSDAX_PAGE);
	struct folio *folio = page_folio(page);
	struct zd_idle_waiter w = { .page = page };
	struct zd_cpu_thread *t;
	struct zd_ref *pin;

	zd_rule(test, ZD_RULE_fsdax_pin_keeps_busy, MEMORY_DEVICE_FS_DAX);
	zd_fsdax_take(page);
	pin = zd_ref_take(dev, page, ZD_REF_PIN);
	KUNIT_EXPECT_TRUE_MSG(test, folio_maybe_dma_pinned(folio),
			      "a FOLL_PIN reference is not seen as a DMA pin");
	KUNIT_EXPECT_EQ(test, page_ref_count(page),
			ZD_FSDAX_IDLE + 1 + GUP_PIN_COUNTING_BIAS);

	t = zd_idle_waiter_start(test, &w);
	/* The mapping goes (a truncation); the pin stays. */
	put_page(page);
	KUNIT_EXPECT_EQ(test, page_ref_count(page),
			ZD_FSDAX_IDLE + GUP_PIN_COUNTING_BIAS);
	KUNIT_EXPECT_FALSE_MSG(test, zd_cpu_thread_wait(t, 20),
			       "the idle waiter returned while a DMA pin was held");
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));

	zd_ref_drop(pin);
	zd_idle_waiter_woken(test, t, &w, "the unpin");
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
}

/* How the last reference goes. */
struct zd_put_param {
	const char *name;
	bool batched;
};

static const struct zd_put_param zd_put_params[] = {
	{ "put_page", false },
	{ "release_pages", true },
};

KUNIT_ARRAY_PARAM_DESC(zd_put, zd_put_params, name);

static void zd_put_last(struct page *page, const struct zd_put_param *p)
{
	if (p->batched)
		release_pages(&page, 1);
	else
		put_page(page);
}

static void last_put_wakes_idle_waiter(struct kunit *test)
{
	const struct zd_put_param *p = test->param_value;
	struct zd_dev *dev = zd_fsdax_dev(test);
	struct page *page = zd_dev_page(dev, ZD_FSDAX_PAGE);
	struct zd_idle_waiter w = { .page = page };
	struct zd_cpu_thread *t;
	struct zd_ref *other;

	zd_rule(test, ZD_RULE_fsdax_idle_wakeup, MEMORY_DEVICE_FS_DAX);
	zd_fsdax_take(page);
	/* A second user: its put must not wake. */
	other = zd_ref_take(dev, page, ZD_REF_GET);

	t = zd_idle_waiter_start(test, &w);
	zd_ref_drop(other);
	KUNIT_EXPECT_FALSE_MSG(test, zd_cpu_thread_wait(t, 20),
			       "the idle waiter returned while the page was in use");
	zd_put_last(page, p);
	zd_idle_waiter_woken(test, t, &w, "the last put");
}

static struct kunit_case zdrace_fsdax_cases[] = {
	KUNIT_CASE(idle_count_is_the_lines),
	KUNIT_CASE(pin_keeps_page_busy),
	KUNIT_CASE_PARAM(last_put_wakes_idle_waiter, zd_put_gen_params),
	{}
};

static struct kunit_suite zdrace_fsdax_suite = {
	.name = "zdrace_fsdax",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_fsdax_cases,
};

kunit_test_suite(zdrace_fsdax_suite);

MODULE_DESCRIPTION("zdrace: FS_DAX pages' idle count, DMA pins and the idle wake-up");
MODULE_LICENSE("GPL");
