// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection points of mm/memremap.c's teardown and
/// pgmap lookup: the steps of memunmap_pages() and the pgmap tryget of
/// get_dev_pagemap().  Each rule is named after the point it places
/// (<zdrace/fi_points.h>) and finds its window by the operation that
/// opens it, so a series that moves or rewrites the lines nearby leaves
/// it placeable:
///
///   memunmap_after_kill         after percpu_ref_kill() (or
///                               percpu_ref_kill_and_confirm()), of any ref
///   memunmap_after_put_initial  after the loop of percpu_ref_put_many()
///                               (or percpu_ref_put()) that no loop
///                               encloses, inside the type check that
///                               guards it; where no loop puts, after a
///                               percpu_ref_put_many() on its own
///   memunmap_before_wait,       around the one wait_for_completion*() on
///   memunmap_after_wait         a pgmap's done: the statement calling
///                               it, or the while or if whose condition
///                               does; none where a loop's body waits
///                               (the point would run between retries)
///                               or where more than one call waits
///   memunmap_before_unmap       before each pageunmap_range()
///   get_pgmap_before_tryget     in the condition of the live tryget
///                               (percpu_ref_tryget_live[_rcu]()): it
///                               fails when the point says so
///
/// A step split out into a function of the file that the window's
/// function calls takes its point with it.  Where no such operation is
/// left, the point is not placed.
///
/// The rules that pick a loop by where it is run before any rule
/// changes the code: Coccinelle gives the positions of the code as the
/// rules before left it.
///
// Confidence: High
// Options: --no-includes
//
// -D six or -D seven: the kernel line, for the windows that differ.

virtual six
virtual seven

@initialize:python@
@@
import re

# The window's function and the functions of the file it calls.
memunmap_fns = set(["memunmap_pages"])
get_pgmap_fns = set(["get_dev_pagemap"])
# The loops of memunmap_fns: where each starts, the span of its body and
# the body's text.  SmPL matches no do-while loop: their bodies are read
# from the source (a do without braces makes the loops unknown).
memunmap_loops = []
memunmap_unknown_do = [False]
# Where the waits on a pgmap's done are.
memunmap_waits = set()

# A position metavariable is a list: of one position in a constraint,
# of every occurrence a <... ...> matched in a script.
def at(x):
	return (x.file, int(x.line), int(x.column))

def where(p):
	return at(p[0])

def span(x):
	return (at(x), (x.file, int(x.line_end), int(x.column_end)))

def in_loop(pos):
	"""Whether pos lies in the body of a loop."""
	return any(lo <= pos <= hi for _, (lo, hi), _ in memunmap_loops)

def calls(text, names):
	return re.search(r'\b(' + names + r')\s*\(', text) is not None

PUTS = r'percpu_ref_put_many|percpu_ref_put'
OTHER_STEPS = r'percpu_ref_kill\w*|wait_for_completion\w*|pageunmap_range'

def puts_initial(pos):
	"""Whether the loop starting at pos is the loop of initial puts: no
	loop encloses it, it puts and it takes no other step of the
	teardown."""
	return not memunmap_unknown_do[0] and not in_loop(pos) and any(
		start == pos and calls(text, PUTS) and not calls(text, OTHER_STEPS)
		for start, _, text in memunmap_loops)

def puts_in_loop():
	return memunmap_unknown_do[0] or any(
		calls(text, PUTS) for _, _, text in memunmap_loops)

def one_wait():
	"""Whether one call waits on the done, not in a loop's body."""
	return not memunmap_unknown_do[0] and len(memunmap_waits) == 1 and \
		not any(in_loop(pos) for pos in memunmap_waits)

# C comments and literals; the slash spelled out, as SmPL would take
# two of them in a script for a comment of its own.
_SLASH = chr(47)
_SKIP = re.compile(_SLASH + r'\*.*?\*' + _SLASH + '|' + _SLASH + _SLASH +
		   r'[^\n]*|"(?:\\.|[^"\\])*"|' + r"'(?:\\.|[^'\\])*'", re.S)

def _code(text):
	"""The text with its comments and literals blanked, lines kept."""
	return _SKIP.sub(lambda m: re.sub(r'[^\n]', ' ', m.group(0)), text)

def _braces(code, begin):
	"""The offset of the brace closing the one at begin."""
	depth = 0
	for end in range(begin, len(code)):
		if code[end] == '{':
			depth += 1
		elif code[end] == '}':
			depth -= 1
			if depth == 0:
				return end
	return len(code) - 1

def add_do_loops(path, line):
	"""Add the do-while loops of the function named on the line of path
	to memunmap_loops."""
	with open(path) as f:
		code = _code(f.read())
	def where_off(off):
		return (path, code.count('\n', 0, off) + 1,
			off - (code.rfind('\n', 0, off) + 1))
	start = sum(len(l) + 1 for l in code.split('\n')[:line - 1])
	begin = code.find('{', start)
	end = _braces(code, begin)
	for m in re.finditer(r'\bdo\b\s*', code[begin:end]):
		body = begin + m.end()
		if code[body] != '{':
			memunmap_unknown_do[0] = True
			continue
		close = _braces(code, body)
		memunmap_loops.append((where_off(begin + m.start()),
				       (where_off(body), where_off(close)),
				       code[body:close + 1]))

// scoped_guard() runs its block once: the code parses as the block of
// an iterator, which no rule takes for a loop.

@memunmap_callee@
iterator name scoped_guard, scoped_cond_guard;
identifier F;
@@
memunmap_pages(...)
{
<... F(...) ...>
}

@script:python@
F << memunmap_callee.F;
@@
memunmap_fns.add(F)

@get_pgmap_callee@
identifier F;
@@
get_dev_pagemap(...)
{
<... F(...) ...>
}

@script:python@
F << get_pgmap_callee.F;
@@
get_pgmap_fns.add(F)

// Where memunmap_fns loop and wait, before any rule changes the code.

@memunmap_fn@
identifier fn : script:python () { fn in memunmap_fns };
position p;
@@
fn@p(...)
{
...
}

@script:python@
p << memunmap_fn.p;
@@
for x in p:
	add_do_loops(x.file, int(x.line))

@memunmap_loop@
identifier fn : script:python () { fn in memunmap_fns };
position p, b;
statement S;
@@
fn(...)
{
<...
(
 for@p (...;...;...) S@b
|
 while@p (...) S@b
)
...>
}

@script:python@
p << memunmap_loop.p;
b << memunmap_loop.b;
S << memunmap_loop.S;
@@
# Loops of the same body text share an environment.
for x, y in zip(sorted(p, key=at), sorted(b, key=at)):
	memunmap_loops.append((at(x), span(y), S))

@memunmap_iterator_loop@
identifier fn : script:python () { fn in memunmap_fns };
iterator I : script:python () { I not in ("scoped_guard", "scoped_cond_guard") };
position p, b;
statement S;
@@
fn(...)
{
<...
 I@p(...) S@b
...>
}

@script:python@
p << memunmap_iterator_loop.p;
b << memunmap_iterator_loop.b;
S << memunmap_iterator_loop.S;
@@
for x, y in zip(sorted(p, key=at), sorted(b, key=at)):
	memunmap_loops.append((at(x), span(y), S))

@memunmap_wait@
identifier fn : script:python () { fn in memunmap_fns };
identifier W =~ "^wait_for_completion";
expression P;
expression list ES;
position w;
@@
fn(...)
{
<...
 W@w(&P->done, ES)
...>
}

@script:python@
w << memunmap_wait.w;
@@
for x in w:
	memunmap_waits.add(at(x))

// The initial puts: a loop in the type check (as in 6.12 and 7.3), else
// the loop of puts, else a put where no loop puts.

@memunmap_after_put_initial@
identifier fn : script:python () { fn in memunmap_fns };
expression R, E, N;
position p : script:python () { puts_initial(where(p)) };
@@
fn(...)
{
<+...
 if (E)
+{
 for@p (...;...;...)
 	percpu_ref_put_many(R, N);
+zdrace_fi(ZDRACE_FI_memunmap_after_put_initial);
+}
...+>
}

@memunmap_after_put_initial_loop depends on !memunmap_after_put_initial@
identifier fn : script:python () { fn in memunmap_fns };
position p : script:python () { puts_initial(where(p)) };
statement S;
iterator I;
@@
fn(...)
{
<+...
(
 for@p (...;...;...) S
+zdrace_fi(ZDRACE_FI_memunmap_after_put_initial);
|
 while@p (...) S
+zdrace_fi(ZDRACE_FI_memunmap_after_put_initial);
|
 I@p(...) S
+zdrace_fi(ZDRACE_FI_memunmap_after_put_initial);
)
...+>
}

@memunmap_after_put_initial_single depends on !memunmap_after_put_initial && !memunmap_after_put_initial_loop@
identifier fn : script:python () { fn == "memunmap_pages" and not puts_in_loop() };
expression R, N;
@@
fn(...)
{
<...
 percpu_ref_put_many(R, N);
+zdrace_fi(ZDRACE_FI_memunmap_after_put_initial);
...>
}

@memunmap_after_kill@
identifier fn : script:python () { fn in memunmap_fns };
expression R;
@@
fn(...)
{
<...
(
 percpu_ref_kill(R);
+zdrace_fi(ZDRACE_FI_memunmap_after_kill);
|
 percpu_ref_kill_and_confirm(R, ...);
+zdrace_fi(ZDRACE_FI_memunmap_after_kill);
)
...>
}

@memunmap_around_wait@
identifier fn : script:python () { fn in memunmap_fns and one_wait() };
identifier W =~ "^wait_for_completion";
identifier F;
expression P, E;
expression list ES;
statement S, S2;
@@
fn(...)
{
<...
(
+zdrace_fi(ZDRACE_FI_memunmap_before_wait);
 W(&P->done, ES);
+zdrace_fi(ZDRACE_FI_memunmap_after_wait);
|
+zdrace_fi(ZDRACE_FI_memunmap_before_wait);
 E = <+... W(&P->done, ES) ...+>;
+zdrace_fi(ZDRACE_FI_memunmap_after_wait);
|
+zdrace_fi(ZDRACE_FI_memunmap_before_wait);
 F(..., <+... W(&P->done, ES) ...+>, ...);
+zdrace_fi(ZDRACE_FI_memunmap_after_wait);
|
+zdrace_fi(ZDRACE_FI_memunmap_before_wait);
 while (<+... W(&P->done, ES) ...+>) S
+zdrace_fi(ZDRACE_FI_memunmap_after_wait);
|
+zdrace_fi(ZDRACE_FI_memunmap_before_wait);
 if (<+... W(&P->done, ES) ...+>) S else S2
+zdrace_fi(ZDRACE_FI_memunmap_after_wait);
|
+zdrace_fi(ZDRACE_FI_memunmap_before_wait);
 if (<+... W(&P->done, ES) ...+>) S
+zdrace_fi(ZDRACE_FI_memunmap_after_wait);
)
...>
}

@memunmap_before_unmap@
identifier fn : script:python () { fn in memunmap_fns };
expression P, I;
@@
fn(...)
{
<...
+zdrace_fi(ZDRACE_FI_memunmap_before_unmap);
 pageunmap_range(P, I);
...>
}

// The tryget: negated (as in 6.12 and 7.3), the point joins the
// condition as the failure it stands for; else, beside a success, it
// turns it into a failure.

@get_pgmap_before_tryget disable unlikely@
identifier fn : script:python () { fn in get_pgmap_fns };
identifier T =~ "^percpu_ref_tryget_live(_rcu)?$";
expression R;
@@
fn(...)
{
<+...
(
- unlikely(!T(R))
+ unlikely(zdrace_fi(ZDRACE_FI_get_pgmap_before_tryget) || !T(R))
|
- !T(R)
+ (zdrace_fi(ZDRACE_FI_get_pgmap_before_tryget) || !T(R))
)
...+>
}

@get_pgmap_before_tryget_positive depends on !get_pgmap_before_tryget disable unlikely@
identifier fn : script:python () { fn in get_pgmap_fns };
identifier T =~ "^percpu_ref_tryget_live(_rcu)?$";
expression R;
@@
fn(...)
{
<...
(
- likely(T(R))
+ likely(!zdrace_fi(ZDRACE_FI_get_pgmap_before_tryget) && T(R))
|
- T(R)
+ (!zdrace_fi(ZDRACE_FI_get_pgmap_before_tryget) && T(R))
)
...>
}
