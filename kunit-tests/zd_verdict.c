// SPDX-License-Identifier: GPL-2.0
/*
 * The rules' verdicts: which rule a case asserts, and what the line
 * declares; see zd_verdict.h.
 */

#define pr_fmt(fmt) "zdrace_rules: " fmt

#include <kunit/test.h>
#include <linux/init.h>
#include <linux/memremap.h>
#include <linux/moduleparam.h>
#include <linux/version.h>
#include <zdrace/fi.h>
#include <zdrace/sched.h>

#include "zd_verdict.h"

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
	/* A skip would hide what the case found wrong before the break. */
	if (test->status == KUNIT_FAILURE)
		KUNIT_FAIL_AND_ABORT(test, "known upstream: %s; and failed before it",
				     why);
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
