// SPDX-License-Identifier: GPL-2.0
/*
 * Machinery the zdrace race suites share; see zd_kunit.h.
 */

#define pr_fmt(fmt) "zdrace_rules: " fmt

#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/kthread.h>
#include <linux/memremap.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>
#include <linux/uio.h>
#include <linux/version.h>
#include <zdrace/fi.h>
#include <zdrace/sched.h>

#include "zd_kunit.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "zdrace_rules."

static const struct zd_rule_desc {
	const char *id;
	const char *thread;
	const char *statement;
} zd_rules[ZD_NR_RULES] = {
#define ZD_RULE(id, thread, statement) \
	[ZD_RULE_##id] = { #id, thread, statement },
#define ZD_BREAK(...)
#include "zd_rules.h"
#undef ZD_RULE
#undef ZD_BREAK
};

static const struct zd_break_desc {
	enum zd_rule rule;
	const char *line;
	unsigned long types;
	const char *evidence;
} zd_declared_breaks[] = {
#define ZD_RULE(...)
#define ZD_BREAK(id, line, types, evidence) \
	{ ZD_RULE_##id, line, types, evidence },
#include "zd_rules.h"
#undef ZD_RULE
#undef ZD_BREAK
};

/* Fail, rather than skip, the declared breaks: to see them as failures. */
bool zd_known_upstream_fail = IS_ENABLED(CONFIG_ZDRACE_KNOWN_UPSTREAM_FAIL);
core_param(zdrace_known_upstream_fail, zd_known_upstream_fail, bool, 0644);

static bool zd_rules_list;
module_param_named(list, zd_rules_list, bool, 0444);
MODULE_PARM_DESC(list, "print the rules and the breaks declared per kernel line");

/* The rule the running case asserts; KUnit runs one case at a time. */
static struct zd_rule_run {
	enum zd_rule rule;
	int type;
	const struct zd_break_desc *declared;
	bool broke;
	const char *not_applicable;	/* what the line has instead */
} *zd_running;

/*
 * The kernel line running, e.g. "6.12": what zd_rules.h declares against.
 * A tree of another version runs on the nearest line's port and is judged
 * by that line's declarations: the tree says which (CONFIG_ZDRACE_LINE).
 */
static const char *zd_line(void)
{
#ifdef CONFIG_ZDRACE_LINE
	return CONFIG_ZDRACE_LINE;
#else
	static char line[16];

	if (!line[0])
		snprintf(line, sizeof(line), "%d.%d", LINUX_VERSION_MAJOR,
			 LINUX_VERSION_PATCHLEVEL);
	return line;
#endif
}

static const struct zd_break_desc *zd_declared(enum zd_rule rule, int type)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(zd_declared_breaks); i++) {
		const struct zd_break_desc *b = &zd_declared_breaks[i];

		if (b->rule == rule && !strcmp(b->line, zd_line()) &&
		    (!b->types || (type >= 0 && (b->types & BIT(type)))))
			return b;
	}
	return NULL;
}

/**
 * zd_rule() - the rule a case asserts, for its verdict and the declared breaks.
 * @test: the case.
 * @rule: the rule, from zd_rules.h.
 * @type: the pgmap type it runs on, or ZD_NO_TYPE.
 */
void zd_rule(struct kunit *test, enum zd_rule rule, int type)
{
	struct zd_rule_run *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->rule = rule;
	r->type = type;
	r->declared = zd_declared(rule, type);
	zd_running = r;
}

static char *zd_vformat(struct kunit *test, const char *fmt, va_list args)
{
	char *why = kunit_kmalloc(test, KUNIT_STATUS_COMMENT_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, why);
	vsnprintf(why, KUNIT_STATUS_COMMENT_SIZE, fmt, args);
	return why;
}

/**
 * zd_breaks() - end the case: the kernel breaks its rule, with the evidence.
 * @test: the case, which called zd_rule().
 * @fmt: the evidence.
 *
 * A break zd_rules.h declares for this kernel line and type is a skip
 * whose reason starts "known upstream: " (a failure under
 * zdrace_known_upstream_fail=1); one it does not declare is a failure.
 * Does not return.
 */
void zd_breaks(struct kunit *test, const char *fmt, ...)
{
	struct zd_rule_run *r = zd_running;
	va_list args;
	char *why;

	va_start(args, fmt);
	why = zd_vformat(test, fmt, args);
	va_end(args);
	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "a break with no rule: %s", why);
	r->broke = true;
	/* The KTAP skip reason is one line; the log keeps it whole. */
	kunit_info(test, "known upstream: %s\n", why);
	if (!r->declared)
		KUNIT_FAIL_AND_ABORT(test,
				     "rule %s breaks on %s, which kunit-tests/zd_rules.h does not declare: %s",
				     zd_rules[r->rule].id, zd_line(), why);
	if (zd_known_upstream_fail)
		KUNIT_FAIL_AND_ABORT(test, "known upstream: %s", why);
	kunit_skip(test, "known upstream: %s", why);
}

void zd_expect_report(struct kunit *test, const char *title, bool once)
{
	kunit_info(test, "zdrace: expects report: %s%s\n", title,
		   once ? " (once per boot)" : "");
}

/**
 * zd_not_applicable() - end the case: this kernel has no such mechanism.
 * @test: the case.
 * @fmt: what is missing.
 *
 * Does not return.
 */
void zd_not_applicable(struct kunit *test, const char *fmt, ...)
{
	va_list args;
	char *why;

	va_start(args, fmt);
	why = zd_vformat(test, fmt, args);
	va_end(args);
	if (zd_running)
		zd_running->not_applicable = why;
	kunit_skip(test, "not applicable on %s: %s", zd_line(), why);
}

static const char *zd_verdict(struct kunit *test, struct zd_rule_run *r)
{
	if (test->status == KUNIT_FAILURE)
		return "fails";
	if (r->broke)
		return "breaks";
	if (r->not_applicable)
		return "n/a";
	return test->status == KUNIT_SKIPPED ? "skipped" : "holds";
}

void zd_suite_exit(struct kunit *test)
{
	struct zd_rule_run *r = zd_running;

	zdrace_fi_disarm_all();
	current->make_it_fail = 0;
	zd_running = NULL;
	zdrace_replay_exit(test);
	if (r)
		kunit_info(test, "rule %s %s expected=%s%s%s\n",
			   zd_rules[r->rule].id, zd_verdict(test, r),
			   r->declared ? "breaks" : "holds",
			   r->not_applicable ? ": " : "",
			   r->not_applicable ?: "");
}

static void __init zd_types_str(unsigned long types, char *buf, size_t len)
{
	static const char * const names[] = {
		[MEMORY_DEVICE_PRIVATE] = "private",
		[MEMORY_DEVICE_COHERENT] = "coherent",
		[MEMORY_DEVICE_FS_DAX] = "fs_dax",
		[MEMORY_DEVICE_GENERIC] = "generic",
		[MEMORY_DEVICE_PCI_P2PDMA] = "p2pdma",
	};
	int i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if ((types & BIT(i)) && names[i])
			n += scnprintf(buf + n, len - n, "%s%s", n ? "," : "",
				       names[i]);
	if (!n)
		strscpy(buf, "any", len);
}

/* zdrace_rules.list=1: the table the comparison of kernel lines starts from. */
static int __init zd_rules_print(void)
{
	char types[48];
	int i;

	if (!zd_rules_list)
		return 0;
	pr_info("line %s\n", zd_line());
	for (i = 0; i < ZD_NR_RULES; i++)
		pr_info("rule %s thread=\"%s\": %s\n", zd_rules[i].id,
			zd_rules[i].thread, zd_rules[i].statement);
	for (i = 0; i < ARRAY_SIZE(zd_declared_breaks); i++) {
		const struct zd_break_desc *b = &zd_declared_breaks[i];

		zd_types_str(b->types, types, sizeof(types));
		pr_info("break %s line=%s types=%s: %s\n",
			zd_rules[b->rule].id, b->line, types, b->evidence);
	}
	return 0;
}
late_initcall(zd_rules_print);

const enum zdrace_fi_point zd_teardown_gates[ZD_TEARDOWN_NR_GATES] = {
	ZDRACE_FI_memunmap_after_kill,
	ZDRACE_FI_memunmap_after_put_initial,
	ZDRACE_FI_memunmap_before_wait,
	ZDRACE_FI_memunmap_after_wait,
	ZDRACE_FI_memunmap_before_unmap,
};

/* PRIVATE and COHERENT pages hold their own pgmap reference: no puts. */
static bool zd_teardown_reaches(enum memory_type type,
				enum zdrace_fi_point point)
{
	return point != ZDRACE_FI_memunmap_after_put_initial ||
	       (type != MEMORY_DEVICE_PRIVATE && type != MEMORY_DEVICE_COHERENT);
}

/**
 * zd_teardown_steps_to() - gates memunmap_pages() passes to reach @point.
 * @type: the pgmap's type.
 * @point: one of zd_teardown_gates.
 *
 * Return: how many gates a teardown of @type parks at, @point included,
 * or -EINVAL if @point is not a teardown gate.
 */
int zd_teardown_steps_to(enum memory_type type, enum zdrace_fi_point point)
{
	int i, n = 0;

	for (i = 0; i < ZD_TEARDOWN_NR_GATES; i++) {
		n += zd_teardown_reaches(type, zd_teardown_gates[i]);
		if (zd_teardown_gates[i] == point)
			return n;
	}
	return -EINVAL;
}

/**
 * zd_gate_teardown() - park @s's actors at memunmap_pages()'s gates.
 * @test: the test, failed if a gate cannot be armed.
 * @s: the harness.
 * @except: a mask of BIT(point)s left ungated (armed otherwise).
 */
void zd_gate_teardown(struct kunit *test, struct zdrace_sched *s,
		      unsigned long except)
{
	int i;

	for (i = 0; i < ZD_TEARDOWN_NR_GATES; i++) {
		if (except & BIT(zd_teardown_gates[i]))
			continue;
		KUNIT_ASSERT_EQ_MSG(test, zdrace_sched_gate(s, zd_teardown_gates[i]),
				    0, "cannot gate %s",
				    zdrace_fi_name(zd_teardown_gates[i]));
	}
}

static const char *zd_order_case_name(const struct zd_order_table *t,
				      const void *c)
{
	return *(const char * const *)((const char *)c + t->name_offset);
}

/* Fill @t's parameters; the last slot marks an overflow, never a drop. */
static int zd_order_fill(const struct zd_order_table *t)
{
	int nr = 0;
	size_t i;
	u64 n;

	for (i = 0; i < t->nr_cases; i++) {
		const void *c = (const char *)t->cases + i * t->case_size;
		u8 steps[ZDRACE_SCHED_MAX_ACTORS] = { 0 };

		t->steps(c, steps);
		for (n = 0; n < zdrace_sched_nr_orders(steps, t->nr_actors); n++) {
			struct zd_order_param *p = &t->params[nr++];

			if (nr == ZD_ORDER_PARAMS_MAX) {
				*p = (struct zd_order_param){ .overflow = true };
				return nr;
			}
			*p = (struct zd_order_param){
				.c = c, .n = n, .nr_actors = t->nr_actors,
			};
			memcpy(p->steps, steps, sizeof(steps));
		}
	}
	return nr;
}

/**
 * zd_order_next() - the KUnit generator behind ZD_ORDER_PARAMS().
 * @t: the table.
 * @prev: the previous parameter, or NULL for the first.
 * @desc: "<case name>, order <n>".
 *
 * Return: the next parameter, or NULL after the last.
 */
const void *zd_order_next(const struct zd_order_table *t, const void *prev,
			  char *desc)
{
	static int nr;	/* KUnit runs one case's parameters at a time */
	const struct zd_order_param *p;

	if (!prev)
		nr = zd_order_fill(t);
	p = prev ? (const struct zd_order_param *)prev + 1 : t->params;
	if (p - t->params >= nr)
		return NULL;
	if (p->overflow)
		strscpy(desc, "orders past ZD_ORDER_PARAMS_MAX",
			KUNIT_PARAM_DESC_SIZE);
	else
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, order %llu",
			 zd_order_case_name(t, p->c), p->n);
	return p;
}

/**
 * zd_order_get() - the schedule parameter @p stands for.
 * @test: the test, failed if the table overflowed.
 * @p: the parameter.
 * @order: at least ZDRACE_SCHED_MAX_STEPS entries.
 *
 * Return: the order's length.
 */
int zd_order_get(struct kunit *test, const struct zd_order_param *p,
		 u8 *order)
{
	int len;

	KUNIT_ASSERT_FALSE_MSG(test, p->overflow,
			       "more than %d (case, order) parameters: raise ZD_ORDER_PARAMS_MAX",
			       ZD_ORDER_PARAMS_MAX - 1);
	len = zdrace_sched_nth_order(p->steps, p->nr_actors, p->n, order);
	KUNIT_ASSERT_GT_MSG(test, len, 0, "no order %llu of these steps",
			    p->n);
	return len;
}

/* Return: the index of @actor's first step in @order, or @len. */
int zd_order_first(const u8 *order, int len, int actor)
{
	int k;

	for (k = 0; k < len && order[k] != actor; k++)
		;
	return k;
}

struct zd_cpu_thread {
	struct kunit *test;
	int (*fn)(void *data);
	void *data;
	struct task_struct *task;
	struct completion done;
};

static int zd_cpu_thread_main(void *arg)
{
	struct zd_cpu_thread *t = arg;

	current->kunit_test = t->test;
	t->fn(t->data);
	current->kunit_test = NULL;
	complete(&t->done);

	/* Exit only through kthread_stop(), so @t outlives every access. */
	zdrace_wait_for_stop();
	return 0;
}

static void zd_cpu_thread_stop(void *arg)
{
	struct zd_cpu_thread *t = arg;

	kthread_stop(t->task);
	put_task_struct(t->task);
}

/**
 * zd_cpu_thread_start() - run @fn(@data) in a kernel thread bound to @cpu.
 * @test: the test; the thread is stopped when it ends.
 * @cpu: an online CPU.
 * @fn: what the thread runs, once.
 * @data: its argument.
 * @name: the thread's name, after "zd_".
 *
 * Return: the thread, for zd_cpu_thread_wait(); the test is aborted if it
 * cannot be started.
 */
struct zd_cpu_thread *zd_cpu_thread_start(struct kunit *test, unsigned int cpu,
					  int (*fn)(void *data), void *data,
					  const char *name)
{
	struct zd_cpu_thread *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct task_struct *task;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_TRUE_MSG(test, cpu_online(cpu), "CPU%u is offline", cpu);
	t->test = test;
	t->fn = fn;
	t->data = data;
	init_completion(&t->done);
	task = kthread_create(zd_cpu_thread_main, t, "zd_%s/%u", name, cpu);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(task), "cannot start %s: %pe", name,
			       task);
	kthread_bind(task, cpu);
	t->task = get_task_struct(task);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zd_cpu_thread_stop, t));
	wake_up_process(task);
	return t;
}

/* Return: true if @t's function returned within @timeout_ms. */
bool zd_cpu_thread_wait(struct zd_cpu_thread *t, unsigned int timeout_ms)
{
	return wait_for_completion_timeout(&t->done,
					   msecs_to_jiffies(timeout_ms)) > 0;
}

/*
 * Return: an online CPU other than @cpu; the case is skipped on a kernel
 * with one CPU online.
 */
unsigned int zd_other_cpu(struct kunit *test, unsigned int cpu)
{
	unsigned int other = cpumask_any_but(cpu_online_mask, cpu);

	if (other >= nr_cpu_ids)
		kunit_skip(test, "one CPU online: nothing to race on");
	return other;
}

KUNIT_DEFINE_ACTION_WRAPPER(zd_fput, fput, struct file *);
KUNIT_DEFINE_ACTION_WRAPPER(zd_folio_put, folio_put, struct folio *);

/**
 * zd_count_point() - count every pass of @point, by any task, in @counter.
 * @test: the test; zd_suite_exit() disarms the point.
 * @point: the point.
 * @counter: the count.
 */
void zd_count_point(struct kunit *test, enum zdrace_fi_point point,
		    atomic_t *counter)
{
	KUNIT_ASSERT_EQ(test, zdrace_fi_arm_counter(point, counter, false), 0);
}

/* A difference the page-cache ledger found. */
struct zd_cache_diff {
	pgoff_t index;
	const char *field;
	unsigned long want, found;
};

/* Differences the page-cache ledger prints in full; the rest are counted. */
#define ZD_CACHE_LEDGER_SHOWN	4

struct zd_cache_ledger {
	struct kunit *test;
	struct file *file;
	struct zd_cache_diff diffs[ZD_CACHE_LEDGER_SHOWN];
	int nr;
};

static void zd_cache_diff(struct zd_cache_ledger *l, pgoff_t index,
			  const char *field, unsigned long want,
			  unsigned long found)
{
	if (want == found)
		return;
	if (l->nr < ZD_CACHE_LEDGER_SHOWN)
		l->diffs[l->nr] = (struct zd_cache_diff){ index, field, want,
							  found };
	l->nr++;
}

/*
 * The end-of-case check of a file's page cache, run just before the file
 * is put, once the case's own references are gone and its mappings
 * zapped: every
 * folio in it holds only the page cache's references (one a page), is
 * neither mapped nor locked, and belongs to the file.  A lookup that kept
 * a reference, or a case that left a folio frozen, locked or mapped,
 * fails the case, naming the file, the index, the field, the expected
 * and the found value.  A skipped case is not judged.
 */
static void zd_cache_ledger_scan(struct zd_cache_ledger *l)
{
	struct address_space *mapping = l->file->f_mapping;
	XA_STATE(xas, &mapping->i_pages, 0);
	struct folio *folio;

	l->nr = 0;
	/* Per-CPU LRU batches hold references of their own. */
	lru_add_drain_all();
	rcu_read_lock();
	xas_for_each(&xas, folio, ULONG_MAX) {
		if (xas_retry(&xas, folio) || xa_is_value(folio))
			continue;
		zd_cache_diff(l, xas.xa_index, "refcount",
			      folio_nr_pages(folio), folio_ref_count(folio));
		zd_cache_diff(l, xas.xa_index, "mapcount", 0,
			      folio_mapcount(folio));
		zd_cache_diff(l, xas.xa_index, "locked", 0,
			      folio_test_locked(folio));
		zd_cache_diff(l, xas.xa_index, "mapping",
			      (unsigned long)mapping,
			      (unsigned long)READ_ONCE(folio->mapping));
	}
	rcu_read_unlock();
}

static void zd_cache_ledger(void *data)
{
	struct zd_cache_ledger *l = data;
	const char *name = l->file->f_path.dentry->d_name.name;
	bool failed = l->test->status == KUNIT_FAILURE;
	int i;

	if (l->test->status == KUNIT_SKIPPED)
		return;
	/*
	 * Take the file's pages out of every mm that maps them, and give an
	 * mm its exiting thread still unmaps time to drop what it holds.
	 */
	unmap_mapping_range(l->file->f_mapping, 0, 0, 1);
	zd_wait_until((zd_cache_ledger_scan(l), !l->nr), ZD_LEDGER_SETTLE_NS,
		      msleep(5));
	for (i = 0; i < min(l->nr, ZD_CACHE_LEDGER_SHOWN); i++)
		KUNIT_FAIL(l->test,
			   "ledger: %s, page %lu in the page cache: %s expected %#lx, found %#lx",
			   name, l->diffs[i].index, l->diffs[i].field,
			   l->diffs[i].want, l->diffs[i].found);
	if (l->nr > ZD_CACHE_LEDGER_SHOWN)
		KUNIT_FAIL(l->test, "ledger: %s: %d differences in all, %d shown",
			   name, l->nr, ZD_CACHE_LEDGER_SHOWN);
	/* zd_suite_exit() ran before the cleanups: log the replay here. */
	if (!failed && l->nr)
		zdrace_replay_info(l->test);
}

/**
 * zd_cache_ledger_diffs() - how far @file's page cache is from holding
 * only its own references, without failing.
 * @test: the test.
 * @file: the file.
 *
 * Return: the number of folio fields that differ (see zd_cache_ledger()).
 */
int zd_cache_ledger_diffs(struct kunit *test, struct file *file)
{
	struct zd_cache_ledger l = { .test = test, .file = file };

	zd_cache_ledger_scan(&l);
	return l.nr;
}

/* Put @file when @test ends, its page cache checked first. */
static void zd_file_put_checked(struct kunit *test, struct file *file)
{
	struct zd_cache_ledger *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);

	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, zd_fput, file));
	KUNIT_ASSERT_NOT_NULL(test, l);
	l->test = test;
	l->file = file;
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zd_cache_ledger, l));
}

/**
 * zd_shmem_file() - a new shmem file of @nr_pages pages, all in its page
 * cache, uptodate and on the LRU.
 * @test: the test; when it ends, the file's page cache is checked
 *	(zd_cache_ledger()) and the file put.
 * @name: the file's name.
 * @nr_pages: its size in pages.
 *
 * Return: the file; the test is aborted if it cannot be made.
 */
struct file *zd_shmem_file(struct kunit *test, const char *name,
			   unsigned int nr_pages)
{
	struct file *file;
	unsigned int i;

	file = shmem_file_setup(name, (loff_t)nr_pages * PAGE_SIZE,
				ZD_SHMEM_FLAGS);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	zd_file_put_checked(test, file);
	for (i = 0; i < nr_pages; i++) {
		struct folio *folio = shmem_read_folio(file->f_mapping, i);

		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(folio),
				       "shmem_read_folio(%u): %ld", i,
				       PTR_ERR(folio));
		folio_put(folio);
	}
	/*
	 * A new folio waits in a per-CPU LRU batch, which holds a reference
	 * until it is drained; on an SMP kernel that drain can come at any
	 * time, from the CPU the test just left.  Drain every batch now, so
	 * that the count a case reads is the count it will find.
	 */
	lru_add_drain_all();
	return file;
}

/**
 * zd_shmem_file_folio() - page @index of @file, held until the test ends.
 * @test: the test.
 * @file: the file, as zd_shmem_file() made it.
 * @index: the page.
 *
 * Return: the folio; the test is aborted if it is not in the page cache.
 */
struct folio *zd_shmem_file_folio(struct kunit *test, struct file *file,
				  pgoff_t index)
{
	struct folio *folio = filemap_get_folio(file->f_mapping, index);

	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zd_folio_put, folio));
	return folio;
}

/**
 * zd_shmem_folio() - page 0 of a new shmem file, in its page cache and on
 * the LRU.
 * @test: the test; the file and a reference to the folio are dropped when
 *	it ends.
 * @name: the file's name.
 *
 * The test's reference keeps the folio from being reclaimed or migrated
 * while a case plays with its count or its slot.
 *
 * Return: the folio; the test is aborted if it cannot be made.
 */
struct folio *zd_shmem_folio(struct kunit *test, const char *name)
{
	return zd_shmem_file_folio(test, zd_shmem_file(test, name, 1), 0);
}

static const struct file_operations zd_cache_fops = {
	.owner = THIS_MODULE,
};

/**
 * zd_cache_file() - a file on an inode of its own with no backing store:
 * a page cache that holds what __filemap_get_folio(FGP_CREAT) puts there,
 * and that truncation empties when the inode goes.
 * @test: the test; when it ends, the file's page cache is checked
 *	(zd_cache_ledger()) and the file put.
 * @name: the file's name.
 *
 * Return: the file; the test is aborted if it cannot be made.
 */
struct file *zd_cache_file(struct kunit *test, const char *name)
{
	struct file *file = anon_inode_create_getfile(name, &zd_cache_fops,
						      NULL, O_RDWR, NULL);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "%s: %ld", name,
			       PTR_ERR(file));
	zd_file_put_checked(test, file);
	return file;
}

/**
 * zd_cache_read() - read page @index of @file through filemap_read(), the
 * batched page-cache lookup of read(2) (filemap_get_read_batch()), with
 * no I/O: shmem has no ->read_folio() to fill a page not in the cache.
 * @file: the file.
 * @index: the page.
 * @buf: a page-sized buffer for what it holds.
 *
 * Return: the bytes read, -EAGAIN when the page is not in the cache and
 * uptodate, or another negative errno.
 */
ssize_t zd_cache_read(struct file *file, pgoff_t index, void *buf)
{
	struct kvec kvec = { .iov_base = buf, .iov_len = PAGE_SIZE };
	struct iov_iter iter;
	struct kiocb kiocb;

	init_sync_kiocb(&kiocb, file);
	kiocb.ki_flags |= IOCB_NOIO;
	kiocb.ki_pos = (loff_t)index * PAGE_SIZE;
	iov_iter_kvec(&iter, ITER_DEST, &kvec, 1, PAGE_SIZE);
	return filemap_read(&kiocb, &iter, 0);
}

/**
 * zd_cache_contig_get() - the folio at @index of @mapping through the
 * contiguous-range lookup (filemap_get_folios_contig()) asked for that
 * index alone.
 * @mapping: the mapping.
 * @index: the page.
 * @next: set to where the lookup says the next one starts.
 *
 * Return: the folio with the lookup's reference, or NULL.
 */
struct folio *zd_cache_contig_get(struct address_space *mapping,
				  pgoff_t index, pgoff_t *next)
{
	struct folio_batch fbatch;

	*next = index;
	folio_batch_init(&fbatch);
	if (!filemap_get_folios_contig(mapping, next, index, &fbatch))
		return NULL;
	return fbatch.folios[0];
}

/**
 * zd_cache_map() - map the first @nr_pages pages of @file read-only and
 * shared into the test's mm, unfaulted: a read fault there maps its
 * neighbours by fault-around (filemap_map_pages()).
 * @test: the test; the mapping goes with its mm.
 * @file: the file, as zd_shmem_file() made it.
 * @nr_pages: how many pages to map.
 *
 * Return: the user address; the test is aborted if it cannot be mapped.
 */
unsigned long zd_cache_map(struct kunit *test, struct file *file,
			   unsigned int nr_pages)
{
	unsigned long addr = kunit_vm_mmap(test, file, 0,
					   (unsigned long)nr_pages * PAGE_SIZE,
					   PROT_READ, MAP_SHARED, 0);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
			       "kunit_vm_mmap: %ld", (long)addr);
	return addr;
}
