// SPDX-License-Identifier: GPL-2.0
/*
 * zdrace interleaving harness; see <zdrace/sched.h>.
 *
 * One token: the controller (the KUnit test thread) hands it to the actor
 * the schedule names and waits until that actor parks at a gate, returns,
 * or sleeps outside the harness waiting for another actor (blocked).
 * Events are appended by the controller alone, in the order it observes
 * them, so the trace does not depend on host timing.  Every wait is bounded: a stuck actor
 * fails the test with the trace instead of hanging it.
 */

#define pr_fmt(fmt) "zdrace_sched: " fmt

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <zdrace/sched.h>

/* An actor that runs this long without parking or sleeping is stuck. */
#define ZDRACE_SCHED_STEP_TIMEOUT_MS	2000
/*
 * An actor asleep outside the harness this long, once the grace periods
 * it may wait for have ended, counts as blocked.
 */
#define ZDRACE_SCHED_BLOCK_US		1000
#define ZDRACE_SCHED_POLL_US		100
/*
 * Concurrent schedules: the longest seeded hold at a start or a gate (a
 * few of the SMP line's grace periods), ...
 */
#define ZDRACE_SCHED_HOLD_US		4096
/*
 * ... where a case pauses an actor (a walker holding its page): long
 * enough to outlast a teardown's kill, its grace periods and its wait,
 */
#define ZDRACE_SCHED_PAUSE_US		65536
/* ... and the longest that spins. */
#define ZDRACE_SCHED_SPIN_US		1000
/* ... and how long an actor waits at the start for the others to arrive. */
#define ZDRACE_SCHED_START_US		20000

enum zdrace_actor_state {
	ZDRACE_ACTOR_WAITING,	/* parked: at start or at a gate */
	ZDRACE_ACTOR_RUNNING,
	ZDRACE_ACTOR_BLOCKED,
	ZDRACE_ACTOR_DONE,
};

struct zdrace_actor {
	struct zdrace_sched *s;
	const char *name;
	zdrace_actor_fn fn;
	void *data;
	struct task_struct *task;
	enum zdrace_actor_state state;
	int gate;		/* point it parked at, -1 at start */
	bool reported;		/* its current park has been recorded */
	bool go;
	u32 start_hold;		/* concurrent: the seed's hold at its start */
};

struct zdrace_sched {
	struct kunit *test;
	int nr_actors;
	struct zdrace_actor actor[ZDRACE_SCHED_MAX_ACTORS];
	u8 order[ZDRACE_SCHED_MAX_STEPS];
	int order_len;
	int pos;
	bool seeded;
	bool concurrent;
	u64 seed;
	struct rnd_state rnd;
	zdrace_fi_call_t on_gate;
	void *on_gate_data;
	atomic_t arrived;		/* concurrent: actors at the start line */
	DECLARE_BITMAP(gates, ZDRACE_FI_NR);
	spinlock_t lock;		/* actor states, events */
	wait_queue_head_t wq;
	int nr_events;
	bool overflow;
	bool reported;		/* trace already in a failure message */
	struct zdrace_sched_event ev[ZDRACE_SCHED_MAX_EVENTS];
};

/* What a failed concurrent schedule says under its replay facts. */
static const char zdrace_sched_statistical[] =
	"replay: statistical (the actors ran at once); rerun it to see how often it fails";

/* The case whose harness logs its own replay facts (one case runs at a time). */
static struct kunit *zdrace_sched_owner;

static u64 zdrace_seed_base = 1;
module_param_named(seed, zdrace_seed_base, ullong, 0444);
MODULE_PARM_DESC(seed, "first seed of seeded schedules");

static unsigned int zdrace_seed_count = 8;
module_param_named(seeds, zdrace_seed_count, uint, 0444);
MODULE_PARM_DESC(seeds, "number of seeds a seeded case runs");

/* A replay runs one parameter of its case: zdrace_sched.param=<index>. */
static int zdrace_replay_param = -1;
module_param_named(param, zdrace_replay_param, int, 0444);
MODULE_PARM_DESC(param, "run only this parameter (index) of each parameterized case");

static const char * const zdrace_kind_names[] = {
	[ZDRACE_SCHED_EV_GATE] = "gate",
	[ZDRACE_SCHED_EV_NOTE] = "note",
	[ZDRACE_SCHED_EV_BLOCKED] = "blocked",
	[ZDRACE_SCHED_EV_DONE] = "done",
};

static void zdrace_sched_add_event(struct zdrace_sched *s, int actor,
				   enum zdrace_sched_kind kind, int point)
{
	if (s->nr_events == ZDRACE_SCHED_MAX_EVENTS) {
		s->overflow = true;
		return;
	}
	s->ev[s->nr_events++] = (struct zdrace_sched_event) {
		.actor = actor, .kind = kind, .point = point,
	};
}

static struct zdrace_actor *zdrace_current_actor(struct zdrace_sched *s)
{
	int i;

	for (i = 0; i < s->nr_actors; i++)
		if (s->actor[i].task == current)
			return &s->actor[i];
	return NULL;
}

/* Park @a and wait until the controller hands it the token. */
static void zdrace_actor_park(struct zdrace_sched *s, struct zdrace_actor *a, int gate)
{
	spin_lock(&s->lock);
	a->gate = gate;
	a->reported = false;
	a->go = false;
	a->state = ZDRACE_ACTOR_WAITING;
	spin_unlock(&s->lock);
	wake_up_all(&s->wq);
	wait_event(s->wq, READ_ONCE(a->go));
}

/*
 * A concurrent schedule's hold, from one draw @r of its seed: up to
 * @max_us, its scale drawn first (1 us to the whole), so that windows
 * microseconds wide and steps a grace period long are both met.  Short
 * holds spin; long ones sleep, so as not to hold back the grace periods
 * the teardown waits for.
 */
static unsigned int zdrace_sched_hold_us(u32 r, unsigned int max_us)
{
	unsigned int scale = ((r & 0xffff) * (ilog2(max_us) + 1)) >> 16;

	return (r >> 16) % ((1U << scale) + 1);
}

static void zdrace_sched_hold(u32 r, unsigned int max_us)
{
	unsigned int us = zdrace_sched_hold_us(r, max_us);

	if (us < ZDRACE_SCHED_SPIN_US)
		zdrace_fi_spin(us);
	else
		usleep_range(us, us + us / 4);
}

/*
 * A concurrent actor's start: wait, bounded, until every actor runs (a
 * wakeup on another CPU takes far longer than the windows to be met),
 * then hold for the seed's while.
 */
static void zdrace_actor_start(struct zdrace_sched *s, struct zdrace_actor *a)
{
	u64 end = ktime_get_ns() + ZDRACE_SCHED_START_US * NSEC_PER_USEC;

	atomic_inc(&s->arrived);
	while (atomic_read(&s->arrived) < s->nr_actors &&
	       ktime_get_ns() < end) {
		cond_resched();
		cpu_relax();
	}
	zdrace_sched_hold(a->start_hold, ZDRACE_SCHED_HOLD_US);
}

/* The concurrent schedule's next draw from its seed. */
static u32 zdrace_sched_draw(struct zdrace_sched *s)
{
	unsigned long flags;
	u32 r;

	spin_lock_irqsave(&s->lock, flags);
	r = prandom_u32_state(&s->rnd);
	spin_unlock_irqrestore(&s->lock, flags);
	return r;
}

/* A concurrent actor's hold of up to @max_us, from the next draw. */
static void zdrace_sched_hold_next(struct zdrace_sched *s, unsigned int max_us)
{
	zdrace_sched_hold(zdrace_sched_draw(s), max_us);
}

/* How often a long pause looks whether it has served its purpose. */
#define ZDRACE_SCHED_PAUSE_SLICE_US	200

/**
 * zdrace_sched_pause() - in a concurrent schedule, hold the calling actor
 *	a seeded while, as at a gate, where the case says (e.g. while it
 *	holds a reference); nothing in any other schedule.
 * @s: the harness.
 * @served: true once what the pause is for has happened (the teardown
 *	reached the wait the actor holds its reference across), or NULL.
 * @data: for @served.
 *
 * A long hold ends early once @served: from there on it would only keep
 * the others waiting.  Holds too short to sleep spin as at a gate.
 */
void zdrace_sched_pause(struct zdrace_sched *s, bool (*served)(void *data),
			void *data)
{
	unsigned int us, slice;
	u32 r;

	if (!s->concurrent)
		return;
	r = zdrace_sched_draw(s);
	us = zdrace_sched_hold_us(r, ZDRACE_SCHED_PAUSE_US);
	if (!served || us < ZDRACE_SCHED_SPIN_US) {
		zdrace_sched_hold(r, ZDRACE_SCHED_PAUSE_US);
		return;
	}
	while (us && !served(data)) {
		slice = min(us, ZDRACE_SCHED_PAUSE_SLICE_US);
		usleep_range(slice, slice + slice / 4);
		us -= slice;
	}
}
EXPORT_SYMBOL_GPL(zdrace_sched_pause);

/* A concurrent schedule's gate: record @a there, then pause it. */
static void zdrace_actor_pass(struct zdrace_sched *s, struct zdrace_actor *a, int gate)
{
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	zdrace_sched_add_event(s, a - s->actor, ZDRACE_SCHED_EV_GATE, gate);
	spin_unlock_irqrestore(&s->lock, flags);
	zdrace_sched_hold_next(s, ZDRACE_SCHED_HOLD_US);
}

/* The `call` action of a gate: the case's hook, then park or pass. */
static bool zdrace_sched_gate_cb(enum zdrace_fi_point point, void *data)
{
	struct zdrace_sched *s = data;
	struct zdrace_actor *a = zdrace_current_actor(s);

	if (!a)
		return false;
	if (s->on_gate)
		s->on_gate(point, s->on_gate_data);
	if (s->concurrent)
		zdrace_actor_pass(s, a, point);
	else
		zdrace_actor_park(s, a, point);
	return false;
}

static int zdrace_actor_main(void *arg)
{
	struct zdrace_actor *a = arg;
	struct zdrace_sched *s = a->s;
	unsigned long flags;

	/* KASAN reports from this thread then fail the test. */
	current->kunit_test = s->test;
	wait_event(s->wq, READ_ONCE(a->go));
	if (s->concurrent)
		zdrace_actor_start(s, a);
	a->fn(a->data);
	current->kunit_test = NULL;
	spin_lock_irqsave(&s->lock, flags);
	a->state = ZDRACE_ACTOR_DONE;
	/* Concurrent actors record their own events, as they happen. */
	a->reported = s->concurrent;
	if (s->concurrent)
		zdrace_sched_add_event(s, a - s->actor, ZDRACE_SCHED_EV_DONE,
				       ZDRACE_SCHED_NO_POINT);
	spin_unlock_irqrestore(&s->lock, flags);
	wake_up_all(&s->wq);

	/* Exit only through kthread_stop(), so @s outlives every access. */
	zdrace_wait_for_stop();
	return 0;
}

/*
 * The facts a replay of @test needs, as "zdrace: replay: param=<index>
 * seed=<seed>" ("-" where one does not apply): the host turns them into
 * the command that runs this case, parameter and schedule again.  A
 * seeded case's parameters are its seeds, so the seed alone selects it.
 */
static void zdrace_replay_str(struct kunit *test, const u64 *seed, char *buf,
			      size_t len)
{
	char param[16] = "-", nr[24] = "-";

	if (seed)
		snprintf(nr, sizeof(nr), "%llu", *seed);
	else if (test->param_value)
		snprintf(param, sizeof(param), "%d", test->param_index);
	snprintf(buf, len, "zdrace: replay: param=%s seed=%s", param, nr);
}

/**
 * zdrace_replay_info() - log the facts that replay @test's failure, for a
 *	failure no harness reported.
 * @test: the failed case.
 */
void zdrace_replay_info(struct kunit *test)
{
	char buf[64];

	zdrace_replay_str(test, NULL, buf, sizeof(buf));
	kunit_info(test, "%s\n", buf);
}
EXPORT_SYMBOL_GPL(zdrace_replay_info);

/**
 * zdrace_replay_init() - run only the parameter a replay asks for.
 * @test: the case about to run.
 *
 * A suite's init: with zdrace_sched.param=<index> on the boot line, every
 * other parameter of a parameterized case is skipped.
 *
 * Return: 0.
 */
int zdrace_replay_init(struct kunit *test)
{
	if (zdrace_replay_param >= 0 && test->param_value &&
	    test->param_index != zdrace_replay_param)
		kunit_skip(test, "replaying parameter %d only",
			   zdrace_replay_param);
	return 0;
}
EXPORT_SYMBOL_GPL(zdrace_replay_init);

/**
 * zdrace_replay_exit() - log a failed case's replay facts, unless its
 *	harness did.
 * @test: the case that ran.
 */
void zdrace_replay_exit(struct kunit *test)
{
	if (test->status == KUNIT_FAILURE && !zdrace_sched_has_harness(test))
		zdrace_replay_info(test);
}
EXPORT_SYMBOL_GPL(zdrace_replay_exit);

static void zdrace_sched_replay_str(struct zdrace_sched *s, char *buf,
				    size_t len)
{
	zdrace_replay_str(s->test, s->seeded ? &s->seed : NULL, buf, len);
}

static void zdrace_sched_replay_info(struct zdrace_sched *s)
{
	char buf[64];

	zdrace_sched_replay_str(s, buf, sizeof(buf));
	kunit_info(s->test, "%s\n", buf);
}

/*
 * Test exit: disarm the gates, let parked actors run on, stop the threads.
 * An actor still asleep outside the harness cannot be stopped: its harness
 * is leaked rather than freed under it, and the leak is reported.
 */
static void zdrace_sched_cleanup(void *data)
{
	struct zdrace_sched *s = data;
	unsigned long deadline;
	bool stuck = false;
	int i;

	if (s->test->status == KUNIT_FAILURE && !s->reported) {
		char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);

		if (buf) {
			zdrace_sched_trace_str(s, buf, PAGE_SIZE);
			kunit_info(s->test, "trace: %s\n", buf);
			kfree(buf);
		}
		zdrace_sched_replay_info(s);
		if (s->concurrent)
			kunit_info(s->test, "%s\n", zdrace_sched_statistical);
	}
	for (i = 0; i < ZDRACE_FI_NR; i++)
		if (test_bit(i, s->gates))
			zdrace_fi_disarm(i);
	for (i = 0; i < s->nr_actors; i++)
		WRITE_ONCE(s->actor[i].go, true);
	wake_up_all(&s->wq);

	deadline = jiffies + msecs_to_jiffies(ZDRACE_SCHED_STEP_TIMEOUT_MS);
	for (i = 0; i < s->nr_actors; i++) {
		struct zdrace_actor *a = &s->actor[i];

		if (!a->task)
			continue;
		wait_event_timeout(s->wq, READ_ONCE(a->state) == ZDRACE_ACTOR_DONE,
				   max_t(long, deadline - jiffies, 1));
		if (READ_ONCE(a->state) != ZDRACE_ACTOR_DONE) {
			pr_err("actor %s of test %s never returned; leaking its harness\n",
			       a->name, s->test->name);
			stuck = true;
			continue;
		}
		kthread_stop(a->task);
		put_task_struct(a->task);
	}
	if (zdrace_sched_owner == s->test)
		zdrace_sched_owner = NULL;
	if (!stuck)
		kfree(s);
}

/**
 * zdrace_sched_new() - a harness for one test run, freed with the test.
 * @test: the test; its failure reports carry the trace.
 *
 * Return: the harness; the test is aborted if it cannot be allocated.
 */
struct zdrace_sched *zdrace_sched_new(struct kunit *test)
{
	struct zdrace_sched *s = kzalloc(sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->test = test;
	spin_lock_init(&s->lock);
	init_waitqueue_head(&s->wq);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zdrace_sched_cleanup, s));
	zdrace_sched_owner = test;
	return s;
}
EXPORT_SYMBOL_GPL(zdrace_sched_new);

/* Return: whether @test runs a harness, which logs its own replay facts. */
bool zdrace_sched_has_harness(struct kunit *test)
{
	return zdrace_sched_owner == test;
}
EXPORT_SYMBOL_GPL(zdrace_sched_has_harness);

int zdrace_sched_add_actor(struct zdrace_sched *s, const char *name, zdrace_actor_fn fn,
			   void *data)
{
	struct zdrace_actor *a;

	if (s->nr_actors == ZDRACE_SCHED_MAX_ACTORS)
		return -ENOSPC;
	a = &s->actor[s->nr_actors];
	a->s = s;
	a->name = name;
	a->fn = fn;
	a->data = data;
	a->gate = -1;
	a->state = ZDRACE_ACTOR_WAITING;
	return s->nr_actors++;
}
EXPORT_SYMBOL_GPL(zdrace_sched_add_actor);

/**
 * zdrace_sched_gate() - make @point a gate where actors park.
 * @s: the harness.
 * @point: a point that may sleep.
 *
 * Return: 0, or -EINVAL for a point in an atomic window (use a `call`
 * action and zdrace_sched_note() there).
 */
int zdrace_sched_gate(struct zdrace_sched *s, enum zdrace_fi_point point)
{
	struct zdrace_fi_arm arm = {
		.action = ZDRACE_FI_CALL,
		.fn = zdrace_sched_gate_cb,
		.data = s,
		.fn_may_sleep = true,
		ZDRACE_FI_ARM_ALWAYS,
	};
	int ret = zdrace_fi_arm(point, &arm);

	if (!ret)
		__set_bit(point, s->gates);
	return ret;
}
EXPORT_SYMBOL_GPL(zdrace_sched_gate);

void zdrace_sched_set_order(struct zdrace_sched *s, const u8 *order, int len)
{
	s->order_len = min(len, ZDRACE_SCHED_MAX_STEPS);
	memcpy(s->order, order, s->order_len);
	s->seeded = false;
}
EXPORT_SYMBOL_GPL(zdrace_sched_set_order);

void zdrace_sched_set_seed(struct zdrace_sched *s, u64 seed)
{
	s->seed = seed;
	s->seeded = true;
	prandom_seed_state(&s->rnd, seed);
}
EXPORT_SYMBOL_GPL(zdrace_sched_set_seed);

/**
 * zdrace_sched_set_concurrent() - run a seeded schedule's actors at once.
 * @s: the harness, seeded.
 *
 * The seed binds the actors to CPUs in turn from one it picks, holds each
 * for a while at its start and at every gate it passes (a gate records
 * the actor and lets it go on), and nothing parks.  The trace is the
 * order in which the events happened, so the same seed need not give the
 * same trace: its replay is statistical.
 *
 * Return: 0; -EINVAL for an unseeded schedule; -EOPNOTSUPP with fewer
 * than two CPUs online.
 */
int zdrace_sched_set_concurrent(struct zdrace_sched *s)
{
	if (!s->seeded)
		return -EINVAL;
	if (num_online_cpus() < 2)
		return -EOPNOTSUPP;
	s->concurrent = true;
	return 0;
}
EXPORT_SYMBOL_GPL(zdrace_sched_set_concurrent);

bool zdrace_sched_is_concurrent(struct zdrace_sched *s)
{
	return s->concurrent;
}
EXPORT_SYMBOL_GPL(zdrace_sched_is_concurrent);

/**
 * zdrace_sched_on_gate() - call @fn(@point, @data) at each gate an actor
 *	reaches, before it parks or, in a concurrent schedule, passes.
 * @s: the harness.
 * @fn: the case's hook; it may sleep; its return value is ignored.
 * @data: its argument.
 */
void zdrace_sched_on_gate(struct zdrace_sched *s, zdrace_fi_call_t fn, void *data)
{
	s->on_gate = fn;
	s->on_gate_data = data;
}
EXPORT_SYMBOL_GPL(zdrace_sched_on_gate);

/* Note an inline step (from a `call` action) by the current actor. */
void zdrace_sched_note(struct zdrace_sched *s, enum zdrace_fi_point point)
{
	struct zdrace_actor *a = zdrace_current_actor(s);
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	zdrace_sched_add_event(s, a ? a - s->actor : ZDRACE_SCHED_NO_ACTOR, ZDRACE_SCHED_EV_NOTE,
			       point);
	spin_unlock_irqrestore(&s->lock, flags);
}
EXPORT_SYMBOL_GPL(zdrace_sched_note);

/* The next actor to run: from the order, the seed, or the lowest waiting. */
static int zdrace_sched_pick(struct zdrace_sched *s)
{
	int waiting[ZDRACE_SCHED_MAX_ACTORS];
	int i, n = 0;

	for (i = 0; i < s->nr_actors; i++)
		if (s->actor[i].state == ZDRACE_ACTOR_WAITING)
			waiting[n++] = i;
	if (!n)
		return -1;
	if (s->seeded)
		return waiting[prandom_u32_state(&s->rnd) % n];
	while (s->pos < s->order_len) {
		i = s->order[s->pos++];
		if (i < s->nr_actors && s->actor[i].state == ZDRACE_ACTOR_WAITING)
			return i;
	}
	return waiting[0];
}

/*
 * Wait until @a is parked, done or blocked.  Blocked means asleep outside
 * the harness, waiting for another actor.  What the paths under test
 * wait for on their own are grace periods (percpu_ref_kill()'s switch to
 * atomic mode, synchronize_rcu(), section_deactivate()'s expedited one):
 * once @a is seen asleep, every grace period it may wait for is let end
 * (rcu_barrier() for those that end in a callback, with
 * rcutree.rcu_normal_wake_from_gp=0 synchronize_rcu() among them; an
 * expedited one for the expedited), however long the host takes.  If it
 * then sleeps on, without having run, for ZDRACE_SCHED_BLOCK_US (a
 * wakeup already sent but not yet taken, a lock a kworker holds), it is
 * blocked.
 * Return: 0, or -ETIMEDOUT when it kept running past the step timeout.
 */
static int zdrace_sched_settle(struct zdrace_sched *s, struct zdrace_actor *a)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(ZDRACE_SCHED_STEP_TIMEOUT_MS);
	unsigned long switches = 0;
	u64 asleep_since = 0;

	for (;;) {
		enum zdrace_actor_state st = READ_ONCE(a->state);

		if (st == ZDRACE_ACTOR_WAITING || st == ZDRACE_ACTOR_DONE)
			return 0;
		if (!zdrace_task_sleeps(a->task) ||
		    zdrace_task_switches(a->task) != switches) {
			asleep_since = 0;
		} else if (!asleep_since) {
			rcu_barrier();
			synchronize_rcu_expedited();
			asleep_since = ktime_get_ns();
		} else if (ktime_get_ns() - asleep_since >=
			   ZDRACE_SCHED_BLOCK_US * NSEC_PER_USEC) {
			spin_lock(&s->lock);
			if (a->state == ZDRACE_ACTOR_RUNNING)
				a->state = ZDRACE_ACTOR_BLOCKED;
			spin_unlock(&s->lock);
			if (READ_ONCE(a->state) == ZDRACE_ACTOR_BLOCKED)
				return 0;
		}
		switches = zdrace_task_switches(a->task);
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		usleep_range(ZDRACE_SCHED_POLL_US, 2 * ZDRACE_SCHED_POLL_US);
	}
}

/* Record what changed for @a since it was last reported. */
static void zdrace_sched_observe(struct zdrace_sched *s, struct zdrace_actor *a)
{
	int idx = a - s->actor;

	spin_lock(&s->lock);
	if (!a->reported) {
		if (a->state == ZDRACE_ACTOR_WAITING && a->gate >= 0)
			zdrace_sched_add_event(s, idx, ZDRACE_SCHED_EV_GATE,
					       a->gate);
		else if (a->state == ZDRACE_ACTOR_DONE)
			zdrace_sched_add_event(s, idx, ZDRACE_SCHED_EV_DONE,
					       ZDRACE_SCHED_NO_POINT);
		else if (a->state == ZDRACE_ACTOR_BLOCKED)
			zdrace_sched_add_event(s, idx, ZDRACE_SCHED_EV_BLOCKED,
					       ZDRACE_SCHED_NO_POINT);
		a->reported = a->state != ZDRACE_ACTOR_RUNNING;
	}
	spin_unlock(&s->lock);
}

/* Let blocked actors that were woken reach their next gate, in order. */
static int zdrace_sched_drain(struct zdrace_sched *s)
{
	int i, ret;

	for (i = 0; i < s->nr_actors; i++) {
		struct zdrace_actor *a = &s->actor[i];

		/* Woken and already at its next gate, or done: record it. */
		if (READ_ONCE(a->state) != ZDRACE_ACTOR_RUNNING)
			zdrace_sched_observe(s, a);
		if (READ_ONCE(a->state) != ZDRACE_ACTOR_BLOCKED)
			continue;
		if (zdrace_task_sleeps(a->task))
			continue;
		spin_lock(&s->lock);
		if (a->state == ZDRACE_ACTOR_BLOCKED) {
			a->state = ZDRACE_ACTOR_RUNNING;
			a->reported = false;
		}
		spin_unlock(&s->lock);
		ret = zdrace_sched_settle(s, a);
		if (ret)
			return ret;
		zdrace_sched_observe(s, a);
	}
	return 0;
}

static void zdrace_sched_report(struct zdrace_sched *s, const char *why)
{
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	char replay[64];

	if (buf)
		zdrace_sched_trace_str(s, buf, PAGE_SIZE);
	zdrace_sched_replay_str(s, replay, sizeof(replay));
	KUNIT_FAIL(s->test, "%s\ntrace: %s\n%s%s%s", why, buf ?: "?", replay,
		   s->concurrent ? "\n" : "",
		   s->concurrent ? zdrace_sched_statistical : "");
	s->reported = true;
	kfree(buf);
}

static bool zdrace_sched_all_done(struct zdrace_sched *s)
{
	int i;

	for (i = 0; i < s->nr_actors; i++)
		if (READ_ONCE(s->actor[i].state) != ZDRACE_ACTOR_DONE)
			return false;
	return true;
}

/* Run steps until every actor is done or only blocked ones remain. */
static int zdrace_sched_steps(struct zdrace_sched *s)
{
	int ret, next;

	for (;;) {
		ret = zdrace_sched_drain(s);
		if (ret)
			return ret;
		next = zdrace_sched_pick(s);
		if (next < 0)
			return zdrace_sched_all_done(s) ? 0 : -EDEADLK;
		spin_lock(&s->lock);
		s->actor[next].state = ZDRACE_ACTOR_RUNNING;
		s->actor[next].reported = false;
		WRITE_ONCE(s->actor[next].go, true);
		spin_unlock(&s->lock);
		wake_up_all(&s->wq);
		ret = zdrace_sched_settle(s, &s->actor[next]);
		if (ret)
			return ret;
		zdrace_sched_observe(s, &s->actor[next]);
	}
}

/*
 * A concurrent schedule: wait, bounded, for every actor to return.
 * Return: 0, or -EDEADLK while some have not.
 */
static int zdrace_sched_wait_all(struct zdrace_sched *s)
{
	return wait_event_timeout(s->wq, zdrace_sched_all_done(s),
				  msecs_to_jiffies(ZDRACE_SCHED_STEP_TIMEOUT_MS)) ?
	       0 : -EDEADLK;
}

/* A concurrent schedule: let every actor go at once, then wait for them. */
static int zdrace_sched_start_all(struct zdrace_sched *s)
{
	int i;

	spin_lock(&s->lock);
	for (i = 0; i < s->nr_actors; i++) {
		s->actor[i].state = ZDRACE_ACTOR_RUNNING;
		WRITE_ONCE(s->actor[i].go, true);
	}
	spin_unlock(&s->lock);
	wake_up_all(&s->wq);
	return zdrace_sched_wait_all(s);
}

/**
 * zdrace_sched_run() - start the actors and run the schedule.
 * @s: the harness, with actors, gates and an order or seed.
 *
 * Return: 0 when every actor returned; -EDEADLK when some are still
 * blocked (the test must unblock them, then call zdrace_sched_finish());
 * -ETIMEDOUT when an actor ran away.  Failures other than -EDEADLK are
 * reported on the test with the trace and its replay facts.
 */
int zdrace_sched_run(struct zdrace_sched *s)
{
	/*
	 * Every actor on one CPU: on an SMP kernel, an actor that another
	 * wakes then waits for the CPU, as on a uniprocessor, instead of
	 * running alongside the one that holds the token.
	 */
	unsigned int cpu = raw_smp_processor_id(), first = 0;
	int i, ret;

	if (s->concurrent)
		first = prandom_u32_state(&s->rnd);
	for (i = 0; i < s->nr_actors; i++) {
		struct zdrace_actor *a = &s->actor[i];
		struct task_struct *t;

		t = kthread_create(zdrace_actor_main, a, "zd_%s", a->name);
		if (IS_ERR(t)) {
			KUNIT_FAIL(s->test, "cannot start actor %s", a->name);
			a->state = ZDRACE_ACTOR_DONE;
			return PTR_ERR(t);
		}
		if (s->concurrent) {
			cpu = cpumask_nth((first + i) % num_online_cpus(),
					  cpu_online_mask);
			a->start_hold = prandom_u32_state(&s->rnd);
		}
		kthread_bind(t, cpu);
		a->task = get_task_struct(t);
		wake_up_process(t);
	}
	ret = s->concurrent ? zdrace_sched_start_all(s) : zdrace_sched_steps(s);
	if (ret == -ETIMEDOUT)
		zdrace_sched_report(s, "an actor neither parked, blocked nor returned in time");
	return ret;
}
EXPORT_SYMBOL_GPL(zdrace_sched_run);

/**
 * zdrace_sched_finish() - after unblocking actors, run them to completion.
 * @s: the harness.
 *
 * Return: 0, or -ETIMEDOUT (reported) if they still do not return.
 */
int zdrace_sched_finish(struct zdrace_sched *s)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(ZDRACE_SCHED_STEP_TIMEOUT_MS);
	int ret;

	do {
		ret = s->concurrent ? zdrace_sched_wait_all(s) :
				      zdrace_sched_steps(s);
		if (ret != -EDEADLK)
			break;
		usleep_range(ZDRACE_SCHED_POLL_US, 2 * ZDRACE_SCHED_POLL_US);
	} while (time_before(jiffies, deadline));
	if (ret)
		zdrace_sched_report(s, s->concurrent ?
				    "concurrent actors had not returned within the step timeout" :
				    "actors still blocked after the test released them");
	return ret;
}
EXPORT_SYMBOL_GPL(zdrace_sched_finish);

int zdrace_sched_nr_events(struct zdrace_sched *s)
{
	return s->nr_events;
}
EXPORT_SYMBOL_GPL(zdrace_sched_nr_events);

const struct zdrace_sched_event *zdrace_sched_event(struct zdrace_sched *s, int i)
{
	return i < s->nr_events ? &s->ev[i] : NULL;
}
EXPORT_SYMBOL_GPL(zdrace_sched_event);

/*
 * @actor may be ZDRACE_SCHED_ANY_ACTOR (notes made from outside any actor
 * carry none of the actors' indices).
 *
 * Return: index of the first matching event, or -1.
 */
int zdrace_sched_find(struct zdrace_sched *s, int actor, enum zdrace_sched_kind kind,
		      int point)
{
	int i;

	for (i = 0; i < s->nr_events; i++) {
		const struct zdrace_sched_event *e = &s->ev[i];

		if ((actor == ZDRACE_SCHED_ANY_ACTOR || e->actor == actor) &&
		    e->kind == kind &&
		    e->point == point)
			return i;
	}
	return -1;
}
EXPORT_SYMBOL_GPL(zdrace_sched_find);

/* Return: how many of the events before index @end are @actor's. */
int zdrace_sched_count_before(struct zdrace_sched *s, int actor, int end)
{
	int i, n = 0;

	for (i = 0; i < min(end, s->nr_events); i++)
		n += s->ev[i].actor == actor;
	return n;
}
EXPORT_SYMBOL_GPL(zdrace_sched_count_before);

/* "actor:kind[:point] ..." in event order. */
int zdrace_sched_trace_str(struct zdrace_sched *s, char *buf, size_t len)
{
	int i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < s->nr_events; i++) {
		const struct zdrace_sched_event *e = &s->ev[i];
		const char *who = e->actor < s->nr_actors ?
				  s->actor[e->actor].name : "test";

		n += scnprintf(buf + n, len - n, "%s%s:%s", i ? " " : "", who,
			       zdrace_kind_names[e->kind]);
		if (e->point != ZDRACE_SCHED_NO_POINT)
			n += scnprintf(buf + n, len - n, ":%s",
				       zdrace_fi_name(e->point));
	}
	if (s->overflow)
		n += scnprintf(buf + n, len - n, " ...");
	return n;
}
EXPORT_SYMBOL_GPL(zdrace_sched_trace_str);

bool zdrace_sched_same_trace(struct zdrace_sched *a, struct zdrace_sched *b)
{
	return a->nr_events == b->nr_events && a->overflow == b->overflow &&
	       !memcmp(a->ev, b->ev, a->nr_events * sizeof(a->ev[0]));
}
EXPORT_SYMBOL_GPL(zdrace_sched_same_trace);

/* Interleavings of actors taking steps[i] steps each: a multinomial. */
u64 zdrace_sched_nr_orders(const u8 *steps, int nr_actors)
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
EXPORT_SYMBOL_GPL(zdrace_sched_nr_orders);

/**
 * zdrace_sched_nth_order() - the @n-th interleaving, in lexicographic order.
 * @steps: how many steps each actor takes.
 * @nr_actors: number of actors.
 * @n: which interleaving, below zdrace_sched_nr_orders().
 * @order: out, one actor index per step.
 *
 * Return: the number of steps, or -EINVAL if @n is out of range.
 */
int zdrace_sched_nth_order(const u8 *steps, int nr_actors, u64 n, u8 *order)
{
	u8 left[ZDRACE_SCHED_MAX_ACTORS];
	int i, pos, total = 0;

	if (nr_actors > ZDRACE_SCHED_MAX_ACTORS)
		return -EINVAL;
	memcpy(left, steps, nr_actors);
	for (i = 0; i < nr_actors; i++)
		total += steps[i];
	if (total > ZDRACE_SCHED_MAX_STEPS || n >= zdrace_sched_nr_orders(steps, nr_actors))
		return -EINVAL;
	for (pos = 0; pos < total; pos++) {
		for (i = 0; i < nr_actors; i++) {
			u64 with_i;

			if (!left[i])
				continue;
			left[i]--;
			with_i = zdrace_sched_nr_orders(left, nr_actors);
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
EXPORT_SYMBOL_GPL(zdrace_sched_nth_order);

u64 zdrace_sched_seed_base(void)
{
	return zdrace_seed_base;
}
EXPORT_SYMBOL_GPL(zdrace_sched_seed_base);

unsigned int zdrace_sched_seed_count(void)
{
	return min_t(unsigned int, zdrace_seed_count, ZDRACE_SCHED_MAX_SEEDS);
}
EXPORT_SYMBOL_GPL(zdrace_sched_seed_count);

/* KUNIT_CASE_PARAM generator over the seeds the boot line asks for. */
const void *zdrace_sched_seed_params(const void *prev, char *desc)
{
	static u64 seeds[ZDRACE_SCHED_MAX_SEEDS];
	unsigned int i = prev ? (const u64 *)prev - seeds + 1 : 0;

	if (i >= zdrace_sched_seed_count())
		return NULL;
	seeds[i] = zdrace_seed_base + i;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "seed %llu", seeds[i]);
	return &seeds[i];
}
EXPORT_SYMBOL_GPL(zdrace_sched_seed_params);
