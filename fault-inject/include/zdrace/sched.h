/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zdrace interleaving harness: drive actors through injection points in a
 * chosen order, and record the trace of what they actually reached.
 *
 * Actors are kernel threads.  Exactly one runs at a time: the one the
 * schedule names runs until it reaches a gate (an armed, sleepable
 * injection point), blocks (e.g. in wait_for_completion()), or returns;
 * then the schedule picks the next.  Gates exist only at points that may
 * sleep; windows that run with IRQs off or under RCU are entered with a
 * `call` action instead, which runs the other side's step inline and notes
 * it with zd_sched_note().
 *
 * A schedule is either an explicit order (one actor index per step, e.g.
 * the n-th of all interleavings from zd_sched_nth_order()) or drawn from a
 * seed.  The same schedule gives the same trace.
 */
#ifndef _ZDRACE_SCHED_H
#define _ZDRACE_SCHED_H

#include <kunit/test.h>
#include <zdrace/fi.h>

#define ZD_SCHED_MAX_ACTORS	4
#define ZD_SCHED_MAX_STEPS	32
#define ZD_SCHED_MAX_EVENTS	64
#define ZD_SCHED_REPRO_LEN	512

enum zd_sched_kind {
	ZD_EV_GATE,	/* actor parked at a gate */
	ZD_EV_NOTE,	/* inline step noted at a point (call action) */
	ZD_EV_BLOCKED,	/* actor slept outside the harness */
	ZD_EV_DONE,	/* actor returned */
};

struct zd_sched_event {
	u8 actor;
	u8 kind;
	u8 point;
};

typedef void (*zd_actor_fn)(void *data);

struct zd_sched;

struct zd_sched *zd_sched_new(struct kunit *test);
int zd_sched_add_actor(struct zd_sched *s, const char *name, zd_actor_fn fn,
		       void *data);
int zd_sched_gate(struct zd_sched *s, enum zdrace_fi_point point);
void zd_sched_set_order(struct zd_sched *s, const u8 *order, int len);
void zd_sched_set_seed(struct zd_sched *s, u64 seed);
int zd_sched_run(struct zd_sched *s);
int zd_sched_finish(struct zd_sched *s);

void zd_sched_note(struct zd_sched *s, enum zdrace_fi_point point);
int zd_sched_nr_events(struct zd_sched *s);
const struct zd_sched_event *zd_sched_event(struct zd_sched *s, int i);
/* zd_sched_find()'s actor for a match by any actor, or by none. */
#define ZD_SCHED_ANY_ACTOR	(-1)
/* The actor of a note made outside the harness's actors. */
#define ZD_SCHED_NO_ACTOR	0xfe
/* The point of an event at no point: an actor done or blocked. */
#define ZD_SCHED_NO_POINT	0xff

int zd_sched_find(struct zd_sched *s, int actor, enum zd_sched_kind kind,
		  int point);

/* Return: the index of @actor's return in the trace, or -1. */
static inline int zd_sched_done(struct zd_sched *s, int actor)
{
	return zd_sched_find(s, actor, ZD_EV_DONE, ZD_SCHED_NO_POINT);
}

/* Return: the index of @actor's first block outside the harness, or -1. */
static inline int zd_sched_blocked(struct zd_sched *s, int actor)
{
	return zd_sched_find(s, actor, ZD_EV_BLOCKED, ZD_SCHED_NO_POINT);
}

int zd_sched_count_before(struct zd_sched *s, int actor, int end);
int zd_sched_trace_str(struct zd_sched *s, char *buf, size_t len);
bool zd_sched_same_trace(struct zd_sched *a, struct zd_sched *b);
const char *zd_sched_repro(struct zd_sched *s);

u64 zd_sched_nr_orders(const u8 *steps, int nr_actors);
int zd_sched_nth_order(const u8 *steps, int nr_actors, u64 n, u8 *order);

/* Seeds a parameterized case runs: zdrace_sched.seed=, zdrace_sched.seeds= */
u64 zd_sched_seed_base(void);
unsigned int zd_sched_seed_count(void);
const void *zd_sched_seed_params(const void *prev, char *desc);

#endif /* _ZDRACE_SCHED_H */
