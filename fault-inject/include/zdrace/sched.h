/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zdrace interleaving harness: drive actors through injection points in a
 * chosen order, and record the trace of what they actually reached.
 *
 * Actors are kernel threads, all bound to one CPU even on an SMP kernel.
 * Exactly one runs at a time: the one the schedule names runs until it
 * reaches a gate (an armed, sleepable injection point), blocks (e.g. in
 * wait_for_completion()), or returns; then the schedule picks the next.
 * Gates exist only at points that may sleep; windows that run with IRQs
 * off or under RCU are entered with a `call` action instead, which runs
 * the other side's step inline and notes it with zdrace_sched_note().
 *
 * A schedule is either an explicit order (one actor index per step, e.g.
 * the n-th of all interleavings from zdrace_sched_nth_order()) or drawn from a
 * seed.  The same schedule gives the same trace.
 *
 * A seeded schedule may instead be concurrent (zdrace_sched_set_concurrent(),
 * SMP only): the actors run at once on different CPUs, the seed picks the
 * CPUs and how long each is held at its start and at each gate, and the
 * trace records what happened in the order it did; a replay is statistical.
 */
#ifndef _ZDRACE_SCHED_H
#define _ZDRACE_SCHED_H

#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <zdrace/fi.h>

#define ZDRACE_SCHED_MAX_ACTORS	4
#define ZDRACE_SCHED_MAX_STEPS	32
#define ZDRACE_SCHED_MAX_EVENTS	64
/* Seeds one boot of the harness may run (zdrace_sched.seeds=). */
#define ZDRACE_SCHED_MAX_SEEDS	4096

enum zdrace_sched_kind {
	ZDRACE_SCHED_EV_GATE,	/* actor parked at a gate */
	ZDRACE_SCHED_EV_NOTE,	/* inline step noted at a point (call action) */
	ZDRACE_SCHED_EV_BLOCKED,	/* actor slept outside the harness */
	ZDRACE_SCHED_EV_DONE,	/* actor returned */
};

struct zdrace_sched_event {
	u8 actor;
	u8 kind;
	u8 point;
};

typedef void (*zdrace_actor_fn)(void *data);

/*
 * The end of a kthread whose creator frees what it uses: sleep until
 * kthread_stop(), so that the thread exits only once nothing is touched.
 */
static inline void zdrace_wait_for_stop(void)
{
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
}

/*
 * Whether @t sleeps: off its runqueue and not being woken.  A wakeup
 * queued on another CPU's wake list shows only once that CPU takes it.
 */
static inline bool zdrace_task_sleeps(struct task_struct *t)
{
	return (READ_ONCE(t->__state) &
		(TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)) &&
	       !READ_ONCE(t->on_rq);
}

/* How often @t was switched out: a sleeper that ran in between differs. */
static inline unsigned long zdrace_task_switches(struct task_struct *t)
{
	return READ_ONCE(t->nvcsw) + READ_ONCE(t->nivcsw);
}

struct zdrace_sched;

struct zdrace_sched *zdrace_sched_new(struct kunit *test);
int zdrace_sched_add_actor(struct zdrace_sched *s, const char *name, zdrace_actor_fn fn,
			   void *data);
int zdrace_sched_gate(struct zdrace_sched *s, enum zdrace_fi_point point);
void zdrace_sched_set_order(struct zdrace_sched *s, const u8 *order, int len);
void zdrace_sched_set_seed(struct zdrace_sched *s, u64 seed);
int zdrace_sched_set_concurrent(struct zdrace_sched *s);
bool zdrace_sched_is_concurrent(struct zdrace_sched *s);
void zdrace_sched_on_gate(struct zdrace_sched *s, zdrace_fi_call_t fn, void *data);
void zdrace_sched_pause(struct zdrace_sched *s, bool (*served)(void *data),
			void *data);
int zdrace_sched_run(struct zdrace_sched *s);
int zdrace_sched_finish(struct zdrace_sched *s);

void zdrace_sched_note(struct zdrace_sched *s, enum zdrace_fi_point point);
int zdrace_sched_nr_events(struct zdrace_sched *s);
const struct zdrace_sched_event *zdrace_sched_event(struct zdrace_sched *s, int i);
/* zdrace_sched_find()'s actor for a match by any actor, or by none. */
#define ZDRACE_SCHED_ANY_ACTOR	(-1)
/* The actor of a note made outside the harness's actors. */
#define ZDRACE_SCHED_NO_ACTOR	0xfe
/* The point of an event at no point: an actor done or blocked. */
#define ZDRACE_SCHED_NO_POINT	0xff

int zdrace_sched_find(struct zdrace_sched *s, int actor, enum zdrace_sched_kind kind,
		      int point);

/* Return: the index of @actor's return in the trace, or -1. */
static inline int zdrace_sched_done(struct zdrace_sched *s, int actor)
{
	return zdrace_sched_find(s, actor, ZDRACE_SCHED_EV_DONE, ZDRACE_SCHED_NO_POINT);
}

/* Return: the index of @actor's first block outside the harness, or -1. */
static inline int zdrace_sched_blocked(struct zdrace_sched *s, int actor)
{
	return zdrace_sched_find(s, actor, ZDRACE_SCHED_EV_BLOCKED, ZDRACE_SCHED_NO_POINT);
}

int zdrace_sched_count_before(struct zdrace_sched *s, int actor, int end);
int zdrace_sched_trace_str(struct zdrace_sched *s, char *buf, size_t len);
bool zdrace_sched_same_trace(struct zdrace_sched *a, struct zdrace_sched *b);
/*
 * Replays: a failed case logs "zdrace: replay: param=<index> seed=<seed>";
 * zdrace_sched.param= (with zdrace_sched.seed=, .seeds=1) runs it alone.
 */
void zdrace_replay_info(struct kunit *test);
int zdrace_replay_init(struct kunit *test);
void zdrace_replay_exit(struct kunit *test);
bool zdrace_sched_has_harness(struct kunit *test);

u64 zdrace_sched_nr_orders(const u8 *steps, int nr_actors);
int zdrace_sched_nth_order(const u8 *steps, int nr_actors, u64 n, u8 *order);

/* Seeds a parameterized case runs: zdrace_sched.seed=, zdrace_sched.seeds= */
u64 zdrace_sched_seed_base(void);
unsigned int zdrace_sched_seed_count(void);
const void *zdrace_sched_seed_params(const void *prev, char *desc);

#endif /* _ZDRACE_SCHED_H */
