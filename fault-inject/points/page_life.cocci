// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection points of a ZONE_DEVICE page's life in
/// mm/memremap.c: around the driver's free callback in
/// free_zone_device_folio(), and before the pgmap tryget of
/// zone_device_page_init().  Each rule is named after the point it places
/// (<zdrace/fi_points.h>) and finds its window by the operation that
/// opens or closes it, in whatever form the code takes: the rules go by
/// the code's shape, not by the kernel line.
///
/// A window's operation may have moved into a helper: a function of the
/// file that the window's function calls and that nothing else in the
/// file calls (callers, window() below).  The point follows it there; a
/// function that other callers share (get_dev_pagemap(), say) never gets
/// it.
///
/// free_zone_device_folio(): the driver callback is ops->page_free() up
/// to 6.x and ops->folio_free() on 7.x, called through the pgmap's ops or
/// a local copy of them, with whatever arguments.
///
/// - free_before_page_free.  Where a switch on the pgmap type makes the
///   callback in its body (6.15 on), the point goes before that switch:
///   every type passes it, those without a callback too.  Else it goes
///   right before each callback: one callback for every type (6.x), or
///   one ahead of a switch that only puts or resets (an intermediate of
///   the fs-dax rework), where before the switch would be after the call.
/// - free_after_page_free.  Right after each callback, before the pgmap
///   put or the count reset that follows it.  In a switch that makes the
///   callback, the GENERIC and FS_DAX cases have none: there the point
///   opens the case, before the count reset or the idle wake-up, unless
///   the case calls back itself (an intermediate of the fs-dax rework):
///   then it is after that call only.
///
/// zone_device_page_init(): the pgmap tryget, percpu_ref_tryget_live() on
/// 6.x and percpu_ref_tryget_many() of 1 << order references on 7.x.
///
/// - page_init_before_tryget.  The point makes the tryget fail: it joins
///   the test of its failure, under WARN_ON_ONCE(), WARN_ON(), unlikely()
///   or as an if's condition; where there is none, it stands in for the
///   tryget's result where that is returned or kept in a variable.  A
///   reference taken without a tryget (percpu_ref_get_many()) has no
///   window.
///
// Confidence: High
// Options: --no-includes
//
// -D six or -D seven: the kernel line; unused, the windows go by shape.

virtual six
virtual seven

@initialize:python@
@@
# The SmPL reader takes the slash pairs and quotes of C for its own: they
# are spelled with chr() here.
import re
SLASH, STAR, NL, BACKSLASH = chr(47), chr(42), chr(10), chr(92)
QUOTES = (chr(34), chr(39))
GAP = chr(91) + chr(32) + chr(9) + NL + chr(93) + STAR

# function -> the functions of the file that call it
callers = {}

# Is fn the window function owner, or a helper of it alone?
def window(fn, owner):
	return fn == owner or callers.get(fn) == set([owner])

# text with its comments and literals blanked, lines and columns kept
def blank(text):
	out, i, n = [], 0, len(text)
	while i < n:
		c = text[i]
		d = text[i + 1] if i + 1 < n else NL
		if c == SLASH and d in (SLASH, STAR):
			if d == STAR:
				j = text.find(STAR + SLASH, i + 2)
				j = n if j < 0 else j + 2
			else:
				j = text.find(NL, i)
				j = n if j < 0 else j
		elif c in QUOTES:
			j = i + 1
			while j < n and text[j] != c and text[j] != NL:
				j += 2 if text[j] == BACKSLASH else 1
			j = min(j + 1, n)
		else:
			out.append(c)
			i += 1
			continue
		out.append(str().join(x if x == NL else chr(32) for x in text[i:j]))
		i = j
	return str().join(out)

# The braced body of the statement whose keyword is at line:col (col
# from 0) of file, comments and literals blanked.
def body(file, line, col):
	with open(file) as f:
		text = blank(f.read())
	lines = text.split(NL)
	start = text.find(chr(123), sum(len(l) + 1 for l in lines[:line - 1]) + col)
	depth = 0
	for i in range(max(start, 0), len(text)):
		if text[i] == chr(123):
			depth += 1
		elif text[i] == chr(125):
			depth -= 1
			if depth == 0:
				return text[start:i + 1]
	return str()

# A call of the driver free callback: ->page_free( or ->folio_free(
CALLBACK = re.compile('->' + GAP + '(page|folio)_free' + GAP + '[(]')

# The helpers of the window that make that callback themselves.
calling_back = set()

# Is the switch at p one whose body calls the driver back, itself or
# through such a helper?
def typed_switch(p):
	text = body(p[0].file, int(p[0].line), int(p[0].column))
	if CALLBACK.search(text):
		return True
	return any(re.search('(^|[^A-Za-z0-9_])' + h + GAP + '[(]', text)
		   for h in calling_back)

@calls@
identifier g;
position p;
@@
g@p(...)

@script:python@
g << calls.g;
p << calls.p;
@@
callers.setdefault(g, set()).add(p[0].current_element)

@calls_back@
identifier fn : script:python() { window(fn, "free_zone_device_folio") };
identifier cb =~ "^(page|folio)_free$";
expression E;
@@
fn(...)
{
<+...
 E->cb(...);
...+>
}

@script:python@
fn << calls_back.fn;
@@
calling_back.add(fn)

@free_before_switch@
identifier fn : script:python() { window(fn, "free_zone_device_folio") };
expression P, C;
position p : script:python() { typed_switch(p) };
@@
fn(...)
{
<+...
+zdrace_fi(ZDRACE_FI_free_before_page_free);
 switch@p (P->type) {
 case C: ...
 }
...+>
}

@free_before_callback depends on !free_before_switch@
identifier fn : script:python() { window(fn, "free_zone_device_folio") };
identifier cb =~ "^(page|folio)_free$";
expression E;
@@
fn(...)
{
<...
+zdrace_fi(ZDRACE_FI_free_before_page_free);
 E->cb(...);
...>
}

@free_after_callback@
identifier fn : script:python() { window(fn, "free_zone_device_folio") };
identifier cb =~ "^(page|folio)_free$";
expression E;
@@
fn(...)
{
<...
 E->cb(...);
+zdrace_fi(ZDRACE_FI_free_after_page_free);
...>
}

@free_after_generic@
identifier fn : script:python() { window(fn, "free_zone_device_folio") };
identifier cb =~ "^(page|folio)_free$";
identifier h : script:python() { h in calling_back };
expression P, E;
position p : script:python() { typed_switch(p) };
@@
fn(...)
{
<...
 switch@p (P->type) {
 case MEMORY_DEVICE_GENERIC:
+zdrace_fi(ZDRACE_FI_free_after_page_free);
 ... when != E->cb(...)
     when != h(...);
 break;
 }
...>
}

@free_after_fs_dax@
identifier fn : script:python() { window(fn, "free_zone_device_folio") };
identifier cb =~ "^(page|folio)_free$";
identifier h : script:python() { h in calling_back };
expression P, E;
position p : script:python() { typed_switch(p) };
@@
fn(...)
{
<...
 switch@p (P->type) {
 case MEMORY_DEVICE_FS_DAX:
+zdrace_fi(ZDRACE_FI_free_after_page_free);
 ... when != E->cb(...)
     when != h(...);
 break;
 }
...>
}

@page_init_before_tryget@
identifier fn : script:python() { window(fn, "zone_device_page_init") };
identifier tryget =~ "^percpu_ref_tryget";
identifier W =~ "^(WARN_ON_ONCE|WARN_ON|unlikely|likely)$";
expression list Es;
@@
fn(...)
{
<+...
 W(
-!tryget(Es)
+zdrace_fi(ZDRACE_FI_page_init_before_tryget) || !tryget(Es)
 )
...+>
}

@page_init_before_tryget_if depends on !page_init_before_tryget@
identifier fn : script:python() { window(fn, "zone_device_page_init") };
identifier tryget =~ "^percpu_ref_tryget";
expression list Es;
statement S;
@@
fn(...)
{
<+...
 if (
-!tryget(Es)
+zdrace_fi(ZDRACE_FI_page_init_before_tryget) || !tryget(Es)
 ) S
...+>
}

@page_init_before_tryget_result depends on !page_init_before_tryget && !page_init_before_tryget_if@
identifier fn : script:python() { window(fn, "zone_device_page_init") };
identifier tryget =~ "^percpu_ref_tryget";
identifier X;
expression list Es;
type T;
@@
fn(...)
{
<...
(
 return
-tryget(Es)
+!zdrace_fi(ZDRACE_FI_page_init_before_tryget) && tryget(Es)
 ;
|
 X =
-tryget(Es)
+!zdrace_fi(ZDRACE_FI_page_init_before_tryget) && tryget(Es)
 ;
|
 T X =
-tryget(Es)
+!zdrace_fi(ZDRACE_FI_page_init_before_tryget) && tryget(Es)
 ;
)
...>
}
