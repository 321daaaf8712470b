/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zdrace fault-injection points in the ZONE_DEVICE refcount paths.
 *
 * Every point is a struct fault_attr (probability, interval, times, space,
 * verbose, task-filter: see Documentation/fault-injection/) plus an action
 * run when should_fail() says so: delay, yield, fail or call.  A point that
 * is not armed costs one static branch.
 */
#ifndef _ZDRACE_FI_H
#define _ZDRACE_FI_H

#include <linux/jump_label.h>
#include <linux/types.h>
#include <linux/version.h>

#define ZDRACE_FI_ATOMIC	BIT(0)
#define ZDRACE_FI_CAN_FAIL	BIT(1)
#define ZDRACE_FI_RETRIES	BIT(2)
#define ZDRACE_FI_ABSENT	BIT(3)

/* A point table entry that differs between kernel lines: 6.x, then 7.x. */
#define ZDRACE_FI_BY_LINE(six, seven)	(LINUX_VERSION_MAJOR >= 7 ? (seven) : (six))

enum zdrace_fi_point {
#define ZDRACE_FI_POINT(id, ...) ZDRACE_FI_##id,
#include <zdrace/fi_points.h>
#undef ZDRACE_FI_POINT
	ZDRACE_FI_NR
};

enum zdrace_fi_action {
	ZDRACE_FI_NONE,
	ZDRACE_FI_DELAY,	/* spin delay_us microseconds */
	ZDRACE_FI_YIELD,	/* force a reschedule (sleepable points only) */
	ZDRACE_FI_FAIL,		/* take the site's failure branch */
	ZDRACE_FI_CALL,		/* run a test-armed callback inline */
	ZDRACE_FI_NR_ACTIONS
};

/* A call action's callback; returning true takes the failure branch. */
typedef bool (*zdrace_fi_call_t)(enum zdrace_fi_point point, void *data);

#ifdef CONFIG_ZDRACE_FI

extern struct static_key_false zdrace_fi_key[ZDRACE_FI_NR];

bool __zdrace_fi_hit(enum zdrace_fi_point point);

#if defined(CONFIG_UML) && defined(CONFIG_X86_64)
/*
 * __zdrace_fi_hit() of the point pushed before the call, its result in
 * the carry flag, with every register saved.  zdrace_fi() calls it from
 * an asm statement that ties no register, so that the compiler sees
 * neither a call nor a register taken in the hooked function: either,
 * even on the static branch's cold side, changes how the whole function
 * keeps its values (a call moves every value live across it into
 * callee-saved registers), which then runs slower with the point
 * unarmed.
 */
void zdrace_fi_thunk(void);

/*
 * zdrace_fi() - pass injection point @point.
 *
 * UML's x86_64 code may keep data in the red zone below the stack
 * pointer, which a call from an asm statement would overwrite: the call
 * steps over it.
 *
 * Return: true if the armed action is `fail` (or a call that asks for it):
 * the caller then takes its failure branch.
 */
static __always_inline bool zdrace_fi(enum zdrace_fi_point point)
{
	if (!static_branch_unlikely(&zdrace_fi_key[point]))
		return false;
	asm goto("lea -128(%%rsp), %%rsp\n\t"
		 "pushq %0\n\t"
		 "call zdrace_fi_thunk\n\t"
		 "lea 136(%%rsp), %%rsp\n\t"
		 "jc %l[fail]"
		 : : "i" (point) : "cc", "memory" : fail);
	return false;
fail:
	return true;
}
#else
/*
 * zdrace_fi() - pass injection point @point.
 *
 * Return: true if the armed action is `fail` (or a call that asks for it):
 * the caller then takes its failure branch.
 */
static __always_inline bool zdrace_fi(enum zdrace_fi_point point)
{
	if (static_branch_unlikely(&zdrace_fi_key[point]))
		return __zdrace_fi_hit(point);
	return false;
}
#endif

/* How a test or the boot line arms one point. */
struct zdrace_fi_arm {
	enum zdrace_fi_action action;
	unsigned long delay_us;
	zdrace_fi_call_t fn;
	void *data;
	bool fn_may_sleep;
	/* struct fault_attr knobs */
	unsigned long probability;	/* percent */
	unsigned long interval;
	int times;			/* -1: unlimited */
	int space;
	bool task_filter;		/* only tasks with make_it_fail */
	unsigned long verbose;
};

/* Every point fires, unlimited, for every task. */
#define ZDRACE_FI_ARM_ALWAYS	.probability = 100, .interval = 1, .times = -1

int zdrace_fi_check(enum zdrace_fi_point point, const struct zdrace_fi_arm *arm,
		    char *why, size_t len);
int zdrace_fi_parse(const char *param, char *spec,
		    enum zdrace_fi_point *point, struct zdrace_fi_arm *arm);
int zdrace_fi_arm(enum zdrace_fi_point point, const struct zdrace_fi_arm *arm);
int zdrace_fi_arm_counter(enum zdrace_fi_point point, atomic_t *counter,
			  bool task_filter);
void zdrace_fi_disarm(enum zdrace_fi_point point);
void zdrace_fi_disarm_all(void);
int zdrace_fi_lookup(const char *name);
const char *zdrace_fi_name(enum zdrace_fi_point point);
const char *zdrace_fi_window(enum zdrace_fi_point point);
unsigned int zdrace_fi_flags(enum zdrace_fi_point point);
const char *zdrace_fi_unplaced_in(enum zdrace_fi_point point);
unsigned long zdrace_fi_hits(enum zdrace_fi_point point);
unsigned long zdrace_fi_fired(enum zdrace_fi_point point);
int zdrace_fi_parse_action(const char *str, enum zdrace_fi_action *action,
			   unsigned long *arg);
const char *zdrace_fi_action_name(enum zdrace_fi_action action);
int zdrace_fi_boot_error_count(void);
void zdrace_fi_spin(unsigned long us);

#else /* !CONFIG_ZDRACE_FI */

static __always_inline bool zdrace_fi(enum zdrace_fi_point point)
{
	return false;
}

#endif /* CONFIG_ZDRACE_FI */

#endif /* _ZDRACE_FI_H */
