// SPDX-License-Identifier: GPL-2.0
/*
 * zdrace fault-injection points: a struct fault_attr per point, plus an
 * action.  The points are declared in <zdrace/fi_points.h> and placed in
 * mm/ by their semantic patches (fault-inject/points/); each is one static
 * branch until armed from a test (zdrace_fi_arm()), the boot line
 * (zdrace_fi.arm=, zdrace_fi_parse()) or debugfs (zdrace_fi/<point>/).
 * The kernel's own should_fail() decides on each pass whether the action
 * runs, so the knobs behave as Documentation/fault-injection/
 * fault-injection.rst says.
 *
 * The points are placed by the shape of the code around them, so a tree
 * (a developer's, or one with a series under review) may lack a point
 * whose window it rewrote: it boots with zdrace_fi.unplaced= naming it,
 * arming it is refused, and a KUnit case that arms it skips with the
 * reason instead of waiting for a pass that never comes.
 */

#define pr_fmt(fmt) "zdrace_fi: " fmt

#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <zdrace/fi.h>
#include <zdrace/sched.h>

/* A delay action spins: keep it well below the soft-lockup threshold. */
#define ZDRACE_FI_MAX_DELAY_US	(100 * USEC_PER_MSEC)
#define ZDRACE_FI_BOOT_MAX	16
#define ZDRACE_FI_BOOT_LEN	128
/* "mm/filemap.c:1843": where a point's window was, in the series' tree. */
#define ZDRACE_FI_WHERE_LEN	64

struct zdrace_fi_state {
	struct fault_attr attr;
	enum zdrace_fi_action action;
	unsigned long delay_us;
	zdrace_fi_call_t fn;
	void *data;
	bool fn_may_sleep;
	atomic_long_t hits;	/* passes while armed */
	atomic_long_t fired;	/* passes on which the action ran */
	atomic_long_t refused;	/* sleeping actions skipped in atomic context */
};

struct zdrace_fi_desc {
	const char *name;
	const char *file;
	unsigned int flags;
	const char *window;
};

static const struct zdrace_fi_desc zdrace_fi_desc[ZDRACE_FI_NR] = {
#define ZDRACE_FI_POINT(id, f, fl, w) \
	[ZDRACE_FI_##id] = { .name = #id, .file = f, .flags = fl, .window = w },
#include <zdrace/fi_points.h>
#undef ZDRACE_FI_POINT
};

static const char * const zdrace_fi_action_names[ZDRACE_FI_NR_ACTIONS] = {
	[ZDRACE_FI_NONE] = "none",
	[ZDRACE_FI_DELAY] = "delay",
	[ZDRACE_FI_YIELD] = "yield",
	[ZDRACE_FI_FAIL] = "fail",
	[ZDRACE_FI_CALL] = "call",
};

DEFINE_STATIC_KEY_ARRAY_FALSE(zdrace_fi_key, ZDRACE_FI_NR);

static struct zdrace_fi_state zdrace_fi_state[ZDRACE_FI_NR] = {
	[0 ... ZDRACE_FI_NR - 1] = { .attr = FAULT_ATTR_INITIALIZER },
};

/* Set from the boot line only: where each point not placed was to go. */
static char zdrace_fi_unplaced[ZDRACE_FI_NR][ZDRACE_FI_WHERE_LEN];

/* Serialises arming; the fast path reads the state without it. */
static DEFINE_MUTEX(zdrace_fi_lock);

const char *zdrace_fi_name(enum zdrace_fi_point point)
{
	return point < ZDRACE_FI_NR ? zdrace_fi_desc[point].name : "?";
}
EXPORT_SYMBOL_GPL(zdrace_fi_name);

const char *zdrace_fi_window(enum zdrace_fi_point point)
{
	return point < ZDRACE_FI_NR ? zdrace_fi_desc[point].window : "?";
}
EXPORT_SYMBOL_GPL(zdrace_fi_window);

unsigned int zdrace_fi_flags(enum zdrace_fi_point point)
{
	return point < ZDRACE_FI_NR ? zdrace_fi_desc[point].flags : 0;
}
EXPORT_SYMBOL_GPL(zdrace_fi_flags);

const char *zdrace_fi_action_name(enum zdrace_fi_action action)
{
	return action < ZDRACE_FI_NR_ACTIONS ?
		zdrace_fi_action_names[action] : "?";
}
EXPORT_SYMBOL_GPL(zdrace_fi_action_name);

/*
 * Return: where @point's window was ("mm/filemap.c:1843") if the boot line
 * says it is not placed in this tree, else NULL.
 */
const char *zdrace_fi_unplaced_in(enum zdrace_fi_point point)
{
	return point < ZDRACE_FI_NR && zdrace_fi_unplaced[point][0] ?
		zdrace_fi_unplaced[point] : NULL;
}
EXPORT_SYMBOL_GPL(zdrace_fi_unplaced_in);

/* Return: the point whose name is @name, or -ENOENT. */
int zdrace_fi_lookup(const char *name)
{
	int i;

	for (i = 0; i < ZDRACE_FI_NR; i++)
		if (sysfs_streq(name, zdrace_fi_desc[i].name))
			return i;
	return -ENOENT;
}
EXPORT_SYMBOL_GPL(zdrace_fi_lookup);

unsigned long zdrace_fi_hits(enum zdrace_fi_point point)
{
	return atomic_long_read(&zdrace_fi_state[point].hits);
}
EXPORT_SYMBOL_GPL(zdrace_fi_hits);

unsigned long zdrace_fi_fired(enum zdrace_fi_point point)
{
	return atomic_long_read(&zdrace_fi_state[point].fired);
}
EXPORT_SYMBOL_GPL(zdrace_fi_fired);

/*
 * "none", "yield", "fail", "call" or "delay=<us>".
 * Return: 0, or -EINVAL for anything else.
 */
int zdrace_fi_parse_action(const char *str, enum zdrace_fi_action *action,
			   unsigned long *arg)
{
	const char *eq = strchr(str, '=');
	size_t len = eq ? eq - str : strcspn(str, "\n");
	int i;

	*arg = 0;
	for (i = 0; i < ZDRACE_FI_NR_ACTIONS; i++) {
		if (strlen(zdrace_fi_action_names[i]) != len ||
		    strncmp(str, zdrace_fi_action_names[i], len))
			continue;
		if (i == ZDRACE_FI_DELAY) {
			if (!eq || kstrtoul(eq + 1, 0, arg))
				return -EINVAL;
		} else if (eq) {
			return -EINVAL;
		}
		*action = i;
		return 0;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(zdrace_fi_parse_action);

/**
 * zdrace_fi_check() - whether @point accepts @arm: the one place that says.
 * @point: the point.
 * @arm: action and fault_attr knobs.
 * @why: if not NULL, gets the reason a request is refused.
 * @len: size of @why.
 *
 * Arming, the boot line, debugfs, the point listing and the self-test all
 * ask here.
 *
 * Return: 0, or -ENOENT/-EINVAL for a request the point cannot honour.
 */
int zdrace_fi_check(enum zdrace_fi_point point, const struct zdrace_fi_arm *arm,
		    char *why, size_t len)
{
	const char *name;
	bool sleeps;
	char dummy;

	if (!why) {
		why = &dummy;
		len = 1;
	}
	if (point >= ZDRACE_FI_NR) {
		snprintf(why, len, "no injection point %d", point);
		return -ENOENT;
	}
	name = zdrace_fi_desc[point].name;
	if (zdrace_fi_desc[point].flags & ZDRACE_FI_ABSENT) {
		snprintf(why, len, "%s: no such window on this kernel line",
			 name);
		return -ENOENT;
	}
	if (arm->action >= ZDRACE_FI_NR_ACTIONS) {
		snprintf(why, len, "%s: unknown action %d", name, arm->action);
		return -EINVAL;
	}
	sleeps = arm->action == ZDRACE_FI_YIELD ||
		 (arm->action == ZDRACE_FI_CALL && arm->fn_may_sleep);
	if (sleeps && (zdrace_fi_desc[point].flags & ZDRACE_FI_ATOMIC)) {
		snprintf(why, len,
			 "%s: runs in atomic context; a sleeping %s action is refused",
			 name, zdrace_fi_action_names[arm->action]);
		return -EINVAL;
	}
	if (arm->action == ZDRACE_FI_FAIL &&
	    !(zdrace_fi_desc[point].flags & ZDRACE_FI_CAN_FAIL)) {
		snprintf(why, len, "%s: has no failure branch; fail is refused",
			 name);
		return -EINVAL;
	}
	if (arm->action == ZDRACE_FI_FAIL &&
	    (zdrace_fi_desc[point].flags & ZDRACE_FI_RETRIES) &&
	    arm->times < 0 && arm->probability >= 100) {
		snprintf(why, len,
			 "%s: fail retries; it needs times >= 0 or probability < 100",
			 name);
		return -EINVAL;
	}
	if (arm->action == ZDRACE_FI_CALL && !arm->fn) {
		snprintf(why, len, "%s: call needs a callback", name);
		return -EINVAL;
	}
	if (arm->action == ZDRACE_FI_DELAY &&
	    arm->delay_us > ZDRACE_FI_MAX_DELAY_US) {
		snprintf(why, len, "%s: delay %lu us exceeds %lu us", name,
			 arm->delay_us, ZDRACE_FI_MAX_DELAY_US);
		return -EINVAL;
	}
	if (arm->probability > 100) {
		snprintf(why, len, "%s: probability %lu%% exceeds 100%%", name,
			 arm->probability);
		return -EINVAL;
	}
	/* Last: a request the point would refuse anyway says why. */
	if (zdrace_fi_unplaced[point][0]) {
		snprintf(why, len,
			 "point %s not placed: no window for it in %s",
			 name, zdrace_fi_unplaced[point]);
		return -ENOENT;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(zdrace_fi_check);

/* zdrace_fi_check(), with the reason of a refusal logged. */
static int zdrace_fi_check_log(enum zdrace_fi_point point,
			       const struct zdrace_fi_arm *arm)
{
	char why[128];
	int ret = zdrace_fi_check(point, arm, why, sizeof(why));

	if (ret)
		pr_err("%s\n", why);
	return ret;
}

/* Caller holds zdrace_fi_lock; the point is disabled while it changes. */
static void zdrace_fi_set(enum zdrace_fi_point point,
			  const struct zdrace_fi_arm *arm, bool knobs)
{
	struct zdrace_fi_state *st = &zdrace_fi_state[point];

	static_branch_disable(&zdrace_fi_key[point]);
	if (knobs) {
		st->attr.probability = arm->probability;
		st->attr.interval = max(arm->interval, 1UL);
		atomic_set(&st->attr.times, arm->times);
		atomic_set(&st->attr.space, arm->space);
		st->attr.task_filter = arm->task_filter;
		st->attr.verbose = arm->verbose;
		st->attr.count = 0;
	}
	st->action = arm->action;
	st->delay_us = arm->delay_us;
	st->fn = arm->fn;
	st->data = arm->data;
	st->fn_may_sleep = arm->fn_may_sleep;
	atomic_long_set(&st->hits, 0);
	atomic_long_set(&st->fired, 0);
	atomic_long_set(&st->refused, 0);
	if (arm->action != ZDRACE_FI_NONE)
		static_branch_enable(&zdrace_fi_key[point]);
}

/*
 * A KUnit case that arms a point the tree does not have cannot observe what
 * it asserts: it skips, with the reason, rather than fail or wait forever.
 */
static void zdrace_fi_skip_unplaced(enum zdrace_fi_point point)
{
#if IS_BUILTIN(CONFIG_KUNIT)
	struct kunit *test = kunit_get_current_test();

	if (test)
		kunit_skip(test,
			   "point %s not placed: no window for it in %s",
			   zdrace_fi_desc[point].name, zdrace_fi_unplaced[point]);
#endif
}

/**
 * zdrace_fi_arm() - arm one injection point.
 * @point: the point.
 * @arm: action and fault_attr knobs.
 *
 * Resets the point's hit and fired counters.  Must be called from a context
 * that may sleep.  From a KUnit case, arming a point the boot line says is
 * not placed (zdrace_fi.unplaced=) skips the case.
 *
 * Return: 0, or -ENOENT/-EINVAL (with the reason logged) for a request the
 * point cannot honour: a sleeping action in an atomic window, fail where
 * there is no failure branch, an unbounded fail on a retrying branch, a
 * point that is not placed.
 */
int zdrace_fi_arm(enum zdrace_fi_point point, const struct zdrace_fi_arm *arm)
{
	int ret;

	if (zdrace_fi_unplaced_in(point))
		zdrace_fi_skip_unplaced(point);
	ret = zdrace_fi_check_log(point, arm);
	if (ret)
		return ret;
	mutex_lock(&zdrace_fi_lock);
	zdrace_fi_set(point, arm, true);
	mutex_unlock(&zdrace_fi_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(zdrace_fi_arm);

static bool zdrace_fi_count_call(enum zdrace_fi_point point, void *data)
{
	atomic_inc(data);
	return false;
}

/**
 * zdrace_fi_arm_counter() - arm @point with a call action that only counts.
 * @point: the point.
 * @counter: zeroed, then incremented each time the point fires.
 * @task_filter: fire only for tasks with make_it_fail set.
 *
 * Return: as zdrace_fi_arm().
 */
int zdrace_fi_arm_counter(enum zdrace_fi_point point, atomic_t *counter,
			  bool task_filter)
{
	struct zdrace_fi_arm arm = {
		.action = ZDRACE_FI_CALL,
		.fn = zdrace_fi_count_call,
		.data = counter,
		ZDRACE_FI_ARM_ALWAYS,
		.task_filter = task_filter,
	};

	atomic_set(counter, 0);
	return zdrace_fi_arm(point, &arm);
}
EXPORT_SYMBOL_GPL(zdrace_fi_arm_counter);

void zdrace_fi_disarm(enum zdrace_fi_point point)
{
	if (point >= ZDRACE_FI_NR)
		return;
	mutex_lock(&zdrace_fi_lock);
	static_branch_disable(&zdrace_fi_key[point]);
	zdrace_fi_state[point].action = ZDRACE_FI_NONE;
	zdrace_fi_state[point].fn = NULL;
	mutex_unlock(&zdrace_fi_lock);
}
EXPORT_SYMBOL_GPL(zdrace_fi_disarm);

void zdrace_fi_disarm_all(void)
{
	int i;

	for (i = 0; i < ZDRACE_FI_NR; i++)
		zdrace_fi_disarm(i);
}
EXPORT_SYMBOL_GPL(zdrace_fi_disarm_all);

static bool zdrace_fi_may_sleep_here(void)
{
	if (irqs_disabled() || in_interrupt())
		return false;
	return !IS_ENABLED(CONFIG_PREEMPT_COUNT) || preemptible();
}

/**
 * zdrace_fi_spin() - spin @us microseconds on the clock, not a calibrated
 *	loop: UML's udelay() runs short.
 * @us: how long.
 */
void zdrace_fi_spin(unsigned long us)
{
	ktime_t end = ktime_add_us(ktime_get(), us);

	while (ktime_before(ktime_get(), end))
		cpu_relax();
}
EXPORT_SYMBOL_GPL(zdrace_fi_spin);

bool __zdrace_fi_hit(enum zdrace_fi_point point)
{
	struct zdrace_fi_state *st = &zdrace_fi_state[point];
	enum zdrace_fi_action action = READ_ONCE(st->action);
	zdrace_fi_call_t fn = READ_ONCE(st->fn);

	atomic_long_inc(&st->hits);
	if (action == ZDRACE_FI_NONE || !should_fail(&st->attr, 1))
		return false;

	if ((action == ZDRACE_FI_YIELD ||
	     (action == ZDRACE_FI_CALL && st->fn_may_sleep)) &&
	    !zdrace_fi_may_sleep_here()) {
		atomic_long_inc(&st->refused);
		WARN_ONCE(1, "zdrace_fi: %s: sleeping action in atomic context\n",
			  zdrace_fi_desc[point].name);
		return false;
	}
	atomic_long_inc(&st->fired);

	switch (action) {
	case ZDRACE_FI_DELAY:
		zdrace_fi_spin(st->delay_us);
		return false;
	case ZDRACE_FI_YIELD:
		/* Sleep a tick: every other runnable task gets the CPU. */
		schedule_timeout_uninterruptible(1);
		return false;
	case ZDRACE_FI_FAIL:
		return true;
	case ZDRACE_FI_CALL:
		return fn ? fn(point, st->data) : false;
	default:
		return false;
	}
}
EXPORT_SYMBOL_GPL(__zdrace_fi_hit);

/**
 * zdrace_fi_parse() - parse one arming request: the boot line's format.
 * @param: the parameter @spec came from, named in error messages.
 * @spec: "<point>:<interval>,<probability>,<space>,<times>:<action>", or
 *	"<point>:<action>" for a point that always fires; modified.
 * @point: gets the point.
 * @arm: gets the action and knobs; not checked against the point.
 *
 * The knobs are setup_fault_attr()'s, in its order; the action is one of
 * zdrace_fi_parse_action()'s but call, which takes a callback.
 *
 * Return: 0, or -ENOENT/-EINVAL with the reason logged.
 */
int zdrace_fi_parse(const char *param, char *spec,
		    enum zdrace_fi_point *point, struct zdrace_fi_arm *arm)
{
	struct fault_attr attr = FAULT_ATTR_INITIALIZER;
	char *name, *knobs, *action;
	int ret;

	*arm = (struct zdrace_fi_arm){ ZDRACE_FI_ARM_ALWAYS };
	name = strsep(&spec, ":");
	action = strrchr(spec ?: "", ':');
	knobs = action ? spec : NULL;
	if (action)
		*action++ = '\0';
	else
		action = spec;
	ret = zdrace_fi_lookup(name);
	if (ret < 0) {
		pr_err("%s=: unknown injection point '%s'\n", param, name);
		return ret;
	}
	*point = ret;
	if (knobs) {
		if (!setup_fault_attr(&attr, knobs)) {
			pr_err("%s=%s: expected <interval>,<probability>,<space>,<times>\n",
			       param, name);
			return -EINVAL;
		}
		arm->interval = attr.interval;
		arm->probability = attr.probability;
		arm->space = atomic_read(&attr.space);
		arm->times = atomic_read(&attr.times);
	}
	if (!action || zdrace_fi_parse_action(action, &arm->action,
					      &arm->delay_us) ||
	    arm->action == ZDRACE_FI_NONE || arm->action == ZDRACE_FI_CALL) {
		pr_err("%s=%s: expected an action: delay=<us>, yield or fail\n",
		       param, name);
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(zdrace_fi_parse);

/*
 * Boot line: zdrace_fi.arm=<point>:<interval>,<probability>,<space>,<times>:<action>
 * e.g. zdrace_fi.arm=gup_fast_after_grab:1,100,0,3:fail
 *      zdrace_fi.arm=memunmap_before_wait:1,100,0,-1:delay=500
 * Repeat the parameter for several points.  Applied once debugfs and the
 * static keys are up; a bad one is reported and skipped, never fatal.
 */
static char zdrace_fi_boot[ZDRACE_FI_BOOT_MAX][ZDRACE_FI_BOOT_LEN];
static int zdrace_fi_boot_nr;
static int zdrace_fi_boot_errors;

static int zdrace_fi_boot_set(const char *val, const struct kernel_param *kp)
{
	if (zdrace_fi_boot_nr == ZDRACE_FI_BOOT_MAX) {
		pr_err("zdrace_fi.arm=%s: more than %d points on the boot line\n",
		       val, ZDRACE_FI_BOOT_MAX);
		zdrace_fi_boot_errors++;
		return 0;
	}
	strscpy(zdrace_fi_boot[zdrace_fi_boot_nr++], val, ZDRACE_FI_BOOT_LEN);
	return 0;
}

static const struct kernel_param_ops zdrace_fi_boot_ops = {
	.set = zdrace_fi_boot_set,
};

module_param_cb(arm, &zdrace_fi_boot_ops, NULL, 0200);
MODULE_PARM_DESC(arm, "<point>:<interval>,<probability>,<space>,<times>:<action>");

/*
 * Boot line: zdrace_fi.unplaced=<point>@<file>:<line>, repeated; written by
 * `make review` for each point its series left no window for.
 */
static int zdrace_fi_unplaced_set(const char *val, const struct kernel_param *kp)
{
	const char *at = strchr(val, '@');
	char name[ZDRACE_FI_WHERE_LEN];
	int point;

	if (!at || at == val || at - val >= sizeof(name) || !at[1]) {
		pr_err("zdrace_fi.unplaced=%s: expected <point>@<file>:<line>\n",
		       val);
		zdrace_fi_boot_errors++;
		return 0;
	}
	strscpy(name, val, at - val + 1);
	point = zdrace_fi_lookup(name);
	if (point < 0) {
		pr_err("zdrace_fi.unplaced=: unknown injection point '%s'\n",
		       name);
		zdrace_fi_boot_errors++;
		return 0;
	}
	strscpy(zdrace_fi_unplaced[point], at + 1, ZDRACE_FI_WHERE_LEN);
	return 0;
}

static const struct kernel_param_ops zdrace_fi_unplaced_ops = {
	.set = zdrace_fi_unplaced_set,
};

module_param_cb(unplaced, &zdrace_fi_unplaced_ops, NULL, 0200);
MODULE_PARM_DESC(unplaced, "<point>@<file>:<line>: not placed in this tree");

static bool zdrace_fi_list;
module_param_named(list, zdrace_fi_list, bool, 0444);
MODULE_PARM_DESC(list, "print the points, what each accepts, and the limits");

/* Return: "none" if @point refuses fail, "fail-bounded" if it needs times. */
static const char *zdrace_fi_accepts_fail(enum zdrace_fi_point point)
{
	struct zdrace_fi_arm arm = {
		.action = ZDRACE_FI_FAIL, ZDRACE_FI_ARM_ALWAYS,
	};

	if (!zdrace_fi_check(point, &arm, NULL, 0))
		return "fail";
	arm.times = 1;
	return zdrace_fi_check(point, &arm, NULL, 0) ? NULL : "fail-bounded";
}

/*
 * For tools that drive a built kernel (scripts/sweep): its points, what
 * each accepts from the boot line, and its limits, from zdrace_fi_check()
 * itself rather than from copies of these rules.
 */
static void __init zdrace_fi_print_list(void)
{
	int i;

	pr_info("limits max_delay_us=%lu max_boot_points=%d max_seeds=%d\n",
		ZDRACE_FI_MAX_DELAY_US, ZDRACE_FI_BOOT_MAX, ZDRACE_SCHED_MAX_SEEDS);
	for (i = 0; i < ZDRACE_FI_NR; i++) {
		const struct zdrace_fi_desc *d = &zdrace_fi_desc[i];
		struct zdrace_fi_arm yield = {
			.action = ZDRACE_FI_YIELD, ZDRACE_FI_ARM_ALWAYS,
		};
		const char *fail = zdrace_fi_accepts_fail(i);
		char flags[32] = "";

		if (d->flags & ZDRACE_FI_ATOMIC)
			strlcat(flags, ",atomic", sizeof(flags));
		if (d->flags & ZDRACE_FI_CAN_FAIL)
			strlcat(flags, ",can_fail", sizeof(flags));
		if (d->flags & ZDRACE_FI_RETRIES)
			strlcat(flags, ",retries", sizeof(flags));
		if (d->flags & ZDRACE_FI_ABSENT || zdrace_fi_unplaced_in(i)) {
			pr_info("point %s file=%s flags=absent accepts=none\n",
				d->name, d->file);
			continue;
		}
		pr_info("point %s file=%s flags=%s accepts=delay%s%s%s\n",
			d->name, d->file, flags[0] ? flags + 1 : "none",
			zdrace_fi_check(i, &yield, NULL, 0) ? "" : ",yield",
			fail ? "," : "", fail ?: "");
		pr_info("window %s %s\n", d->name, d->window);
	}
}

int zdrace_fi_boot_error_count(void)
{
	return zdrace_fi_boot_errors;
}
EXPORT_SYMBOL_GPL(zdrace_fi_boot_error_count);

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS

static ssize_t zdrace_fi_action_read(struct file *file, char __user *buf,
				     size_t count, loff_t *ppos)
{
	struct zdrace_fi_state *st = file->private_data;
	char text[32];
	int len;

	if (st->action == ZDRACE_FI_DELAY)
		len = scnprintf(text, sizeof(text), "delay=%lu\n", st->delay_us);
	else
		len = scnprintf(text, sizeof(text), "%s\n",
				zdrace_fi_action_names[st->action]);
	return simple_read_from_buffer(buf, count, ppos, text, len);
}

/* Arms with the knobs already written to the fault_attr's own files. */
static ssize_t zdrace_fi_action_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	struct zdrace_fi_state *st = file->private_data;
	enum zdrace_fi_point point = st - zdrace_fi_state;
	struct zdrace_fi_arm arm = { 0 };
	char text[32];
	int ret;

	if (count >= sizeof(text))
		return -EINVAL;
	if (copy_from_user(text, ubuf, count))
		return -EFAULT;
	text[count] = '\0';
	if (zdrace_fi_parse_action(strim(text), &arm.action, &arm.delay_us) ||
	    arm.action == ZDRACE_FI_CALL) {
		pr_err("%s: action '%s': expected none, delay=<us>, yield or fail\n",
		       zdrace_fi_desc[point].name, strim(text));
		return -EINVAL;
	}
	arm.probability = st->attr.probability;
	arm.times = atomic_read(&st->attr.times);
	ret = zdrace_fi_check_log(point, &arm);
	if (ret)
		return ret;
	mutex_lock(&zdrace_fi_lock);
	zdrace_fi_set(point, &arm, false);
	mutex_unlock(&zdrace_fi_lock);
	return count;
}

static const struct file_operations zdrace_fi_action_fops = {
	.open = simple_open,
	.read = zdrace_fi_action_read,
	.write = zdrace_fi_action_write,
	.llseek = default_llseek,
};

static int zdrace_fi_window_show(struct seq_file *m, void *v)
{
	enum zdrace_fi_point point = (struct zdrace_fi_state *)m->private -
				     zdrace_fi_state;

	seq_printf(m, "%s: %s\n", zdrace_fi_desc[point].file,
		   zdrace_fi_desc[point].window);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zdrace_fi_window);

static void __init zdrace_fi_debugfs(void)
{
	struct dentry *root = debugfs_create_dir("zdrace_fi", NULL);
	int i;

	for (i = 0; i < ZDRACE_FI_NR; i++) {
		struct zdrace_fi_state *st = &zdrace_fi_state[i];
		struct dentry *dir;

		dir = fault_create_debugfs_attr(zdrace_fi_desc[i].name, root,
						&st->attr);
		if (IS_ERR(dir))
			continue;
		debugfs_create_file("action", 0600, dir, st,
				    &zdrace_fi_action_fops);
		debugfs_create_file("window", 0400, dir, st,
				    &zdrace_fi_window_fops);
		debugfs_create_ulong("hits", 0400, dir,
				     (unsigned long *)&st->hits);
		debugfs_create_ulong("fired", 0400, dir,
				     (unsigned long *)&st->fired);
	}
}

#else

static inline void zdrace_fi_debugfs(void)
{
}

#endif /* CONFIG_FAULT_INJECTION_DEBUG_FS */

/*
 * A failure report names its fault_attr by dname: a copy of the name on
 * some trees, the dentry fault_create_debugfs_attr() made on others (which
 * needs nothing from us).  Whichever this tree has, the point is named.
 */
static void __init zdrace_fi_attr_name(struct fault_attr *attr,
				       const char *name)
{
	if (!__same_type(attr->dname, struct dentry *))
		strscpy((char *)&attr->dname, name, sizeof(attr->dname));
}

static int __init zdrace_fi_init(void)
{
	int i;

	for (i = 0; i < ZDRACE_FI_NR; i++) {
		zdrace_fi_state[i].attr.verbose = 0;
		zdrace_fi_attr_name(&zdrace_fi_state[i].attr,
				    zdrace_fi_desc[i].name);
	}
	zdrace_fi_debugfs();
	if (zdrace_fi_list)
		zdrace_fi_print_list();
	for (i = 0; i < zdrace_fi_boot_nr; i++) {
		enum zdrace_fi_point point;
		struct zdrace_fi_arm arm;
		char *str = zdrace_fi_boot[i];

		pr_info("boot: arming %s\n", str);
		if (zdrace_fi_parse("zdrace_fi.arm", str, &point, &arm) ||
		    zdrace_fi_arm(point, &arm))
			zdrace_fi_boot_errors++;
	}
	return 0;
}
late_initcall(zdrace_fi_init);
