// SPDX-License-Identifier: GPL-2.0
/*
 * zdrace interleaving harness; see <zdrace/sched.h>.
 *
 * One token: the controller (the KUnit test thread) hands it to the actor
 * the schedule names and waits until that actor parks at a gate, returns,
 * or is seen sleeping outside the harness (blocked).  Events are appended
 * by the controller alone, in the order it observes them, so the trace
 * does not depend on host timing.  Every wait is bounded: a stuck actor
 * fails the test with the trace instead of hanging it.
 */

#define pr_fmt(fmt) "zdrace_sched: " fmt

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <zdrace/sched.h>

/* An actor that runs this long without parking or sleeping is stuck. */
#define ZD_SCHED_STEP_TIMEOUT_MS	2000
/* An actor asleep outside the harness this long counts as blocked. */
#define ZD_SCHED_BLOCK_US		5000
#define ZD_SCHED_POLL_US		100

enum zd_actor_state {
	ZD_ACTOR_WAITING,	/* parked: at start or at a gate */
	ZD_ACTOR_RUNNING,
	ZD_ACTOR_BLOCKED,
	ZD_ACTOR_DONE,
};

struct zd_actor {
	struct zd_sched *s;
	const char *name;
	zd_actor_fn fn;
	void *data;
	struct task_struct *task;
	enum zd_actor_state state;
	int gate;		/* point it parked at, -1 at start */
	bool reported;		/* its current park has been recorded */
	bool go;
};

struct zd_sched {
	struct kunit *test;
	int nr_actors;
	struct zd_actor actor[ZD_SCHED_MAX_ACTORS];
	u8 order[ZD_SCHED_MAX_STEPS];
	int order_len;
	int pos;
	bool seeded;
	u64 seed;
	struct rnd_state rnd;
	DECLARE_BITMAP(gates, ZDRACE_FI_NR);
	spinlock_t lock;		/* actor states, events */
	wait_queue_head_t wq;
	int nr_events;
	bool overflow;
	char repro[ZD_SCHED_REPRO_LEN];
	bool reported;		/* trace already in a failure message */
	struct zd_sched_event ev[ZD_SCHED_MAX_EVENTS];
};

static u64 zd_seed_base = 1;
module_param_named(seed, zd_seed_base, ullong, 0444);
MODULE_PARM_DESC(seed, "first seed of seeded schedules");

static unsigned int zd_seed_count = 8;
module_param_named(seeds, zd_seed_count, uint, 0444);
MODULE_PARM_DESC(seeds, "number of seeds a seeded case runs");

static const char * const zd_kind_names[] = {
	[ZD_EV_GATE] = "gate",
	[ZD_EV_NOTE] = "note",
	[ZD_EV_BLOCKED] = "blocked",
	[ZD_EV_DONE] = "done",
};

static void zd_sched_add_event(struct zd_sched *s, int actor,
			       enum zd_sched_kind kind, int point)
{
	if (s->nr_events == ZD_SCHED_MAX_EVENTS) {
		s->overflow = true;
		return;
	}
	s->ev[s->nr_events++] = (struct zd_sched_event) {
		.actor = actor, .kind = kind, .point = point,
	};
}

static struct zd_actor *zd_current_actor(struct zd_sched *s)
{
	int i;

	for (i = 0; i < s->nr_actors; i++)
		if (s->actor[i].task == current)
			return &s->actor[i];
	return NULL;
}

/* Park @a and wait until the controller hands it the token. */
static void zd_actor_park(struct zd_sched *s, struct zd_actor *a, int gate)
{
	spin_lock(&s->lock);
	a->gate = gate;
	a->reported = false;
	a->go = false;
	a->state = ZD_ACTOR_WAITING;
	spin_unlock(&s->lock);
	wake_up_all(&s->wq);
	wait_event(s->wq, READ_ONCE(a->go));
}

/* The `call` action of a gate: park the actor that reached it. */
static bool zd_sched_gate_cb(enum zdrace_fi_point point, void *data)
{
	struct zd_sched *s = data;
	struct zd_actor *a = zd_current_actor(s);

	if (a)
		zd_actor_park(s, a, point);
	return false;
}

static int zd_actor_main(void *arg)
{
	struct zd_actor *a = arg;
	struct zd_sched *s = a->s;

	/* KASAN reports from this thread then fail the test. */
	current->kunit_test = s->test;
	wait_event(s->wq, READ_ONCE(a->go));
	a->fn(a->data);
	current->kunit_test = NULL;
	spin_lock(&s->lock);
	a->state = ZD_ACTOR_DONE;
	a->reported = false;
	spin_unlock(&s->lock);
	wake_up_all(&s->wq);

	/* Exit only through kthread_stop(), so @s outlives every access. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/*
 * Test exit: disarm the gates, let parked actors run on, stop the threads.
 * An actor still asleep outside the harness cannot be stopped: its harness
 * is leaked rather than freed under it, and the leak is reported.
 */
static void zd_sched_cleanup(void *data)
{
	struct zd_sched *s = data;
	unsigned long deadline;
	bool stuck = false;
	int i;

	if (s->test->status == KUNIT_FAILURE && !s->reported) {
		char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);

		if (buf) {
			zd_sched_trace_str(s, buf, PAGE_SIZE);
			kunit_info(s->test, "trace: %s\n", buf);
			kfree(buf);
		}
		kunit_info(s->test, "repro: %s\n", zd_sched_repro(s));
	}
	for (i = 0; i < ZDRACE_FI_NR; i++)
		if (test_bit(i, s->gates))
			zdrace_fi_disarm(i);
	for (i = 0; i < s->nr_actors; i++)
		WRITE_ONCE(s->actor[i].go, true);
	wake_up_all(&s->wq);

	deadline = jiffies + msecs_to_jiffies(ZD_SCHED_STEP_TIMEOUT_MS);
	for (i = 0; i < s->nr_actors; i++) {
		struct zd_actor *a = &s->actor[i];

		if (!a->task)
			continue;
		wait_event_timeout(s->wq, READ_ONCE(a->state) == ZD_ACTOR_DONE,
				   max_t(long, deadline - jiffies, 1));
		if (READ_ONCE(a->state) != ZD_ACTOR_DONE) {
			pr_err("actor %s of test %s never returned; leaking its harness\n",
			       a->name, s->test->name);
			stuck = true;
			continue;
		}
		kthread_stop(a->task);
		put_task_struct(a->task);
	}
	if (!stuck)
		kfree(s);
}

/**
 * zd_sched_new() - a harness for one test run, freed with the test.
 * @test: the test; its failure reports carry the trace.
 *
 * Return: the harness; the test is aborted if it cannot be allocated.
 */
struct zd_sched *zd_sched_new(struct kunit *test)
{
	struct zd_sched *s = kzalloc(sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->test = test;
	spin_lock_init(&s->lock);
	init_waitqueue_head(&s->wq);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zd_sched_cleanup, s));
	return s;
}
EXPORT_SYMBOL_GPL(zd_sched_new);

int zd_sched_add_actor(struct zd_sched *s, const char *name, zd_actor_fn fn,
		       void *data)
{
	struct zd_actor *a;

	if (s->nr_actors == ZD_SCHED_MAX_ACTORS)
		return -ENOSPC;
	a = &s->actor[s->nr_actors];
	a->s = s;
	a->name = name;
	a->fn = fn;
	a->data = data;
	a->gate = -1;
	a->state = ZD_ACTOR_WAITING;
	return s->nr_actors++;
}
EXPORT_SYMBOL_GPL(zd_sched_add_actor);

/**
 * zd_sched_gate() - make @point a gate where actors park.
 * @s: the harness.
 * @point: a point that may sleep.
 *
 * Return: 0, or -EINVAL for a point in an atomic window (use a `call`
 * action and zd_sched_note() there).
 */
int zd_sched_gate(struct zd_sched *s, enum zdrace_fi_point point)
{
	struct zdrace_fi_arm arm = {
		.action = ZDRACE_FI_CALL,
		.fn = zd_sched_gate_cb,
		.data = s,
		.fn_may_sleep = true,
		ZDRACE_FI_ARM_ALWAYS,
	};
	int ret = zdrace_fi_arm(point, &arm);

	if (!ret)
		__set_bit(point, s->gates);
	return ret;
}
EXPORT_SYMBOL_GPL(zd_sched_gate);

void zd_sched_set_order(struct zd_sched *s, const u8 *order, int len)
{
	s->order_len = min(len, ZD_SCHED_MAX_STEPS);
	memcpy(s->order, order, s->order_len);
	s->seeded = false;
}
EXPORT_SYMBOL_GPL(zd_sched_set_order);

void zd_sched_set_seed(struct zd_sched *s, u64 seed)
{
	s->seed = seed;
	s->seeded = true;
	prandom_seed_state(&s->rnd, seed);
}
EXPORT_SYMBOL_GPL(zd_sched_set_seed);

/* Note an inline step (from a `call` action) by the current actor. */
void zd_sched_note(struct zd_sched *s, enum zdrace_fi_point point)
{
	struct zd_actor *a = zd_current_actor(s);
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	zd_sched_add_event(s, a ? a - s->actor : ZD_SCHED_NO_ACTOR, ZD_EV_NOTE,
			   point);
	spin_unlock_irqrestore(&s->lock, flags);
}
EXPORT_SYMBOL_GPL(zd_sched_note);

/* The next actor to run: from the order, the seed, or the lowest waiting. */
static int zd_sched_pick(struct zd_sched *s)
{
	int waiting[ZD_SCHED_MAX_ACTORS];
	int i, n = 0;

	for (i = 0; i < s->nr_actors; i++)
		if (s->actor[i].state == ZD_ACTOR_WAITING)
			waiting[n++] = i;
	if (!n)
		return -1;
	if (s->seeded)
		return waiting[prandom_u32_state(&s->rnd) % n];
	while (s->pos < s->order_len) {
		i = s->order[s->pos++];
		if (i < s->nr_actors && s->actor[i].state == ZD_ACTOR_WAITING)
			return i;
	}
	return waiting[0];
}

/*
 * Wait until @a is parked, done or blocked.  Blocked means asleep outside
 * the harness for ZD_SCHED_BLOCK_US in a row.
 * Return: 0, or -ETIMEDOUT when it kept running past the step timeout.
 */
static int zd_sched_settle(struct zd_sched *s, struct zd_actor *a)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(ZD_SCHED_STEP_TIMEOUT_MS);
	unsigned int asleep_us = 0;

	for (;;) {
		enum zd_actor_state st = READ_ONCE(a->state);

		if (st == ZD_ACTOR_WAITING || st == ZD_ACTOR_DONE)
			return 0;
		if (!task_is_running(a->task)) {
			asleep_us += ZD_SCHED_POLL_US;
			if (asleep_us >= ZD_SCHED_BLOCK_US) {
				spin_lock(&s->lock);
				if (a->state == ZD_ACTOR_RUNNING)
					a->state = ZD_ACTOR_BLOCKED;
				spin_unlock(&s->lock);
				if (READ_ONCE(a->state) == ZD_ACTOR_BLOCKED)
					return 0;
			}
		} else {
			asleep_us = 0;
		}
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		usleep_range(ZD_SCHED_POLL_US, 2 * ZD_SCHED_POLL_US);
	}
}

/* Record what changed for @a since it was last reported. */
static void zd_sched_observe(struct zd_sched *s, struct zd_actor *a)
{
	int idx = a - s->actor;

	spin_lock(&s->lock);
	if (!a->reported) {
		if (a->state == ZD_ACTOR_WAITING && a->gate >= 0)
			zd_sched_add_event(s, idx, ZD_EV_GATE, a->gate);
		else if (a->state == ZD_ACTOR_DONE)
			zd_sched_add_event(s, idx, ZD_EV_DONE, ZD_SCHED_NO_POINT);
		else if (a->state == ZD_ACTOR_BLOCKED)
			zd_sched_add_event(s, idx, ZD_EV_BLOCKED, ZD_SCHED_NO_POINT);
		a->reported = a->state != ZD_ACTOR_RUNNING;
	}
	spin_unlock(&s->lock);
}

/* Let blocked actors that were woken reach their next gate, in order. */
static int zd_sched_drain(struct zd_sched *s)
{
	int i, ret;

	for (i = 0; i < s->nr_actors; i++) {
		struct zd_actor *a = &s->actor[i];

		/* Woken and already at its next gate, or done: record it. */
		if (READ_ONCE(a->state) != ZD_ACTOR_RUNNING)
			zd_sched_observe(s, a);
		if (READ_ONCE(a->state) != ZD_ACTOR_BLOCKED)
			continue;
		if (!task_is_running(a->task))
			continue;
		spin_lock(&s->lock);
		if (a->state == ZD_ACTOR_BLOCKED) {
			a->state = ZD_ACTOR_RUNNING;
			a->reported = false;
		}
		spin_unlock(&s->lock);
		ret = zd_sched_settle(s, a);
		if (ret)
			return ret;
		zd_sched_observe(s, a);
	}
	return 0;
}

/* Boot parameters a replay needs besides the seed: what was armed. */
static const char * const zd_repro_params[] = {
	"zdrace_fi.arm=", "zdrace_sweep.arm=", "zdrace_known_upstream_fail=",
};

/* Append the boot line's words that start with one of zd_repro_params. */
static int zd_sched_repro_args(char *buf, size_t len)
{
	const char *word = saved_command_line;
	int n = 0, i;

	while (word && *word) {
		size_t wlen;

		word = skip_spaces(word);
		wlen = strcspn(word, " ");
		for (i = 0; i < ARRAY_SIZE(zd_repro_params); i++)
			if (!strncmp(word, zd_repro_params[i],
				     strlen(zd_repro_params[i])))
				n += scnprintf(buf + n, len - n, " %.*s",
					       (int)wlen, word);
		word += wlen;
	}
	return n;
}

/**
 * zd_sched_repro() - one command line that replays this schedule.
 * @s: the harness.
 *
 * Run from the repository root, it rebuilds what the goal needs (the
 * mutant of `make mutants`, say: CONFIG_ZDRACE_REPRO_GOAL) and boots
 * the case with what was armed.  A seeded schedule replays from its seed
 * alone; an enumerated one by running its case, whose parameters
 * enumerate the same orders.
 */
const char *zd_sched_repro(struct zd_sched *s)
{
	char args[ZD_SCHED_REPRO_LEN / 2] = "";
	int n = 0;

	if (s->seeded)
		n = scnprintf(args, sizeof(args),
			      " zdrace_sched.seed=%llu zdrace_sched.seeds=1",
			      s->seed);
	n += zd_sched_repro_args(args + n, sizeof(args) - n);
	snprintf(s->repro, sizeof(s->repro),
		 "make %s KERNEL=%d.%d FILTER='*.%s'%s%s%s",
		 CONFIG_ZDRACE_REPRO_GOAL, LINUX_VERSION_MAJOR,
		 LINUX_VERSION_PATCHLEVEL, s->test->name,
		 n ? " RUN_ARGS='" : "", n ? args + 1 : "", n ? "'" : "");
	return s->repro;
}
EXPORT_SYMBOL_GPL(zd_sched_repro);

static void zd_sched_report(struct zd_sched *s, const char *why)
{
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);

	if (buf)
		zd_sched_trace_str(s, buf, PAGE_SIZE);
	KUNIT_FAIL(s->test, "%s\ntrace: %s\nrepro: %s", why, buf ?: "?",
		   zd_sched_repro(s));
	s->reported = true;
	kfree(buf);
}

static bool zd_sched_all_done(struct zd_sched *s)
{
	int i;

	for (i = 0; i < s->nr_actors; i++)
		if (READ_ONCE(s->actor[i].state) != ZD_ACTOR_DONE)
			return false;
	return true;
}

/* Run steps until every actor is done or only blocked ones remain. */
static int zd_sched_steps(struct zd_sched *s)
{
	int ret, next;

	for (;;) {
		ret = zd_sched_drain(s);
		if (ret)
			return ret;
		next = zd_sched_pick(s);
		if (next < 0)
			return zd_sched_all_done(s) ? 0 : -EDEADLK;
		spin_lock(&s->lock);
		s->actor[next].state = ZD_ACTOR_RUNNING;
		s->actor[next].reported = false;
		WRITE_ONCE(s->actor[next].go, true);
		spin_unlock(&s->lock);
		wake_up_all(&s->wq);
		ret = zd_sched_settle(s, &s->actor[next]);
		if (ret)
			return ret;
		zd_sched_observe(s, &s->actor[next]);
	}
}

/**
 * zd_sched_run() - start the actors and run the schedule.
 * @s: the harness, with actors, gates and an order or seed.
 *
 * Return: 0 when every actor returned; -EDEADLK when some are still
 * blocked (the test must unblock them, then call zd_sched_finish());
 * -ETIMEDOUT when an actor ran away.  Failures other than -EDEADLK are
 * reported on the test with the trace and a repro line.
 */
int zd_sched_run(struct zd_sched *s)
{
	int i, ret;

	for (i = 0; i < s->nr_actors; i++) {
		struct zd_actor *a = &s->actor[i];
		struct task_struct *t;

		t = kthread_run(zd_actor_main, a, "zd_%s", a->name);
		if (IS_ERR(t)) {
			KUNIT_FAIL(s->test, "cannot start actor %s", a->name);
			a->state = ZD_ACTOR_DONE;
			return PTR_ERR(t);
		}
		a->task = get_task_struct(t);
	}
	ret = zd_sched_steps(s);
	if (ret == -ETIMEDOUT)
		zd_sched_report(s, "an actor neither parked, blocked nor returned in time");
	return ret;
}
EXPORT_SYMBOL_GPL(zd_sched_run);

/**
 * zd_sched_finish() - after unblocking actors, run them to completion.
 * @s: the harness.
 *
 * Return: 0, or -ETIMEDOUT (reported) if they still do not return.
 */
int zd_sched_finish(struct zd_sched *s)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(ZD_SCHED_STEP_TIMEOUT_MS);
	int ret;

	do {
		ret = zd_sched_steps(s);
		if (ret != -EDEADLK)
			break;
		usleep_range(ZD_SCHED_POLL_US, 2 * ZD_SCHED_POLL_US);
	} while (time_before(jiffies, deadline));
	if (ret)
		zd_sched_report(s, "actors still blocked after the test released them");
	return ret;
}
EXPORT_SYMBOL_GPL(zd_sched_finish);

int zd_sched_nr_events(struct zd_sched *s)
{
	return s->nr_events;
}
EXPORT_SYMBOL_GPL(zd_sched_nr_events);

const struct zd_sched_event *zd_sched_event(struct zd_sched *s, int i)
{
	return i < s->nr_events ? &s->ev[i] : NULL;
}
EXPORT_SYMBOL_GPL(zd_sched_event);

/*
 * @actor may be ZD_SCHED_ANY_ACTOR (notes made from outside any actor
 * carry none of the actors' indices).
 *
 * Return: index of the first matching event, or -1.
 */
int zd_sched_find(struct zd_sched *s, int actor, enum zd_sched_kind kind,
		  int point)
{
	int i;

	for (i = 0; i < s->nr_events; i++) {
		const struct zd_sched_event *e = &s->ev[i];

		if ((actor == ZD_SCHED_ANY_ACTOR || e->actor == actor) &&
		    e->kind == kind &&
		    e->point == point)
			return i;
	}
	return -1;
}
EXPORT_SYMBOL_GPL(zd_sched_find);

/* Return: how many of the events before index @end are @actor's. */
int zd_sched_count_before(struct zd_sched *s, int actor, int end)
{
	int i, n = 0;

	for (i = 0; i < min(end, s->nr_events); i++)
		n += s->ev[i].actor == actor;
	return n;
}
EXPORT_SYMBOL_GPL(zd_sched_count_before);

/* "actor:kind[:point] ..." in event order. */
int zd_sched_trace_str(struct zd_sched *s, char *buf, size_t len)
{
	int i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < s->nr_events; i++) {
		const struct zd_sched_event *e = &s->ev[i];
		const char *who = e->actor < s->nr_actors ?
				  s->actor[e->actor].name : "test";

		n += scnprintf(buf + n, len - n, "%s%s:%s", i ? " " : "", who,
			       zd_kind_names[e->kind]);
		if (e->point != ZD_SCHED_NO_POINT)
			n += scnprintf(buf + n, len - n, ":%s",
				       zdrace_fi_name(e->point));
	}
	if (s->overflow)
		n += scnprintf(buf + n, len - n, " ...");
	return n;
}
EXPORT_SYMBOL_GPL(zd_sched_trace_str);

bool zd_sched_same_trace(struct zd_sched *a, struct zd_sched *b)
{
	return a->nr_events == b->nr_events && a->overflow == b->overflow &&
	       !memcmp(a->ev, b->ev, a->nr_events * sizeof(a->ev[0]));
}
EXPORT_SYMBOL_GPL(zd_sched_same_trace);

/* Interleavings of actors taking steps[i] steps each: a multinomial. */
u64 zd_sched_nr_orders(const u8 *steps, int nr_actors)
{
	u64 result = 1;
	int i, k, total = 0;

	for (i = 0; i < nr_actors; i++)
		for (k = 1; k <= steps[i]; k++) {
			total++;
			result = result * total / k;
		}
	return result;
}
EXPORT_SYMBOL_GPL(zd_sched_nr_orders);

/**
 * zd_sched_nth_order() - the @n-th interleaving, in lexicographic order.
 * @steps: how many steps each actor takes.
 * @nr_actors: number of actors.
 * @n: which interleaving, below zd_sched_nr_orders().
 * @order: out, one actor index per step.
 *
 * Return: the number of steps, or -EINVAL if @n is out of range.
 */
int zd_sched_nth_order(const u8 *steps, int nr_actors, u64 n, u8 *order)
{
	u8 left[ZD_SCHED_MAX_ACTORS];
	int i, pos, total = 0;

	if (nr_actors > ZD_SCHED_MAX_ACTORS)
		return -EINVAL;
	memcpy(left, steps, nr_actors);
	for (i = 0; i < nr_actors; i++)
		total += steps[i];
	if (total > ZD_SCHED_MAX_STEPS || n >= zd_sched_nr_orders(steps, nr_actors))
		return -EINVAL;
	for (pos = 0; pos < total; pos++) {
		for (i = 0; i < nr_actors; i++) {
			u64 with_i;

			if (!left[i])
				continue;
			left[i]--;
			with_i = zd_sched_nr_orders(left, nr_actors);
			if (n < with_i) {
				order[pos] = i;
				break;
			}
			n -= with_i;
			left[i]++;
		}
	}
	return total;
}
EXPORT_SYMBOL_GPL(zd_sched_nth_order);

u64 zd_sched_seed_base(void)
{
	return zd_seed_base;
}
EXPORT_SYMBOL_GPL(zd_sched_seed_base);

unsigned int zd_sched_seed_count(void)
{
	return min_t(unsigned int, zd_seed_count, ZDRACE_SCHED_MAX_SEEDS);
}
EXPORT_SYMBOL_GPL(zd_sched_seed_count);

/* KUNIT_CASE_PARAM generator over the seeds the boot line asks for. */
const void *zd_sched_seed_params(const void *prev, char *desc)
{
	static u64 seeds[ZDRACE_SCHED_MAX_SEEDS];
	unsigned int i = prev ? (const u64 *)prev - seeds + 1 : 0;

	if (i >= zd_sched_seed_count())
		return NULL;
	seeds[i] = zd_seed_base + i;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "seed %llu", seeds[i]);
	return &seeds[i];
}
EXPORT_SYMBOL_GPL(zd_sched_seed_params);
