// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection points of gup_fast_pte_range() in
/// mm/gup.c: after the lockless PTE read, after get_dev_pagemap() (6.x
/// only: 7.x gup-fast takes no pgmap reference, and the rule finds no
/// window there), and between the grab and the PMD/PTE re-check.  Each
/// point is placed by the rule named after it (<zdrace/fi_points.h>),
/// on the condition the rules before it found from the operation that
/// opens its window.  A window's operation may have moved into a
/// function of this file that gup_fast_pte_range() calls (a helper split
/// out of it): the point follows it there.  Python keeps what the rules
/// learn of the file; spatch is run on one file at a time.
///
// Confidence: High
// Options: --no-includes
//

virtual six
virtual seven

@initialize:python@
@@
RANGE = 'gup_fast_pte_range'
# Where the windows may be: gup_fast_pte_range() and what it calls.
SCOPE = {RANGE}
# function -> the lines where gup_fast_pte_range() calls it
CALLS = {}
# The grabs: the fast one, its name before 6.10, and the functions of
# this file that return what one of them grabbed (return GRAB(...);).
GRABS = {'try_grab_folio_fast', 'try_grab_folio'}
# Whatever grabs: a grab, or a function of this file that calls one.
GRABBERS = set(GRABS)
# function of SCOPE -> the lines where it calls something that grabs
GRAB_LINES = {}
# (function, label, folio) of the labels that give a folio back
PUT_LABELS = set()
# The conditions the PTE-read and the grab points join.
PTE_READ_AT = set()
GRAB_AT = set()

def at(p):
	"""A position as a key: its file, line and column."""
	return (p[0].file, p[0].line, p[0].column)

@callee@
identifier H;
position p;
@@
H@p(...)

@script:python@
h << callee.H;
p << callee.p;
@@
if p[0].current_element == RANGE:
	SCOPE.add(h)
	CALLS.setdefault(h, []).append(int(p[0].line))

@wrapper@
identifier H, G : script:python () { G in GRABS };
@@
H(...) { ... return G(...); }

@script:python@
h << wrapper.H;
@@
GRABS.add(h)

@grabber@
identifier G : script:python () { G in GRABS };
position p;
@@
G@p(...)

@script:python@
p << grabber.p;
@@
GRABBERS.add(p[0].current_element)

@grab_call@
identifier G : script:python () { G in GRABBERS };
position p;
@@
G@p(...)

@script:python@
p << grab_call.p;
@@
if p[0].current_element in SCOPE:
	GRAB_LINES.setdefault(p[0].current_element, []).append(int(p[0].line))

// The pgmap window opens at get_dev_pagemap() and closes at the NULL
// check of what it returned, the statement right after it; the point
// joins that check, so failing takes the branch a failed lookup takes.
// First of the three: the PTE-read point may join the same condition.
@gup_fast_after_get_pgmap depends on six@
identifier F : script:python () { F in SCOPE };
expression P;
statement S;
@@
F(...)
{
<...
 P = get_dev_pagemap(...);
 if (
(
-    unlikely(!P)
+    unlikely(!P) || zdrace_fi(ZDRACE_FI_gup_fast_after_get_pgmap)
|
-    !P
+    !P || zdrace_fi(ZDRACE_FI_gup_fast_after_get_pgmap)
)
 ) S
...>
}

// The PTE-read window opens at the lockless read of the PTE (an
// initialised declaration or an assignment, ptep_get_lockless()) and
// closes at the grab.  The point joins the first bail-out after the read
// (a condition whose branch is a goto, a return or a break), so failing
// falls back to the slow path as a PROT_NONE PTE does.  No path from the
// read to it may grab (call a grab or a function that grabs); a read
// after a grab of its function (a re-check reading the PTE again) opens
// no window, nor does one in a helper gup_fast_pte_range() calls after
// it grabs.
@pte_read_window forall@
identifier G : script:python () { G in GRABBERS };
identifier P, L;
expression E, C;
type T;
position pr, pc;
@@
(
 T P = ptep_get_lockless@pr(E);
|
 P = ptep_get_lockless@pr(E);
)
 ... when != G(...)
 if (C@pc)
(
 goto L;
|
 return ...;
|
 break;
)

@script:python@
pr << pte_read_window.pr;
pc << pte_read_window.pc;
@@
f = pr[0].current_element
grabbed = GRAB_LINES.get(RANGE, [])
if f in SCOPE and \
   not any(g < int(pr[0].line) for g in GRAB_LINES.get(f, [])) and \
   (f == RANGE or not any(g < c for g in grabbed for c in CALLS.get(f, []))):
	PTE_READ_AT.add(at(pc))

@gup_fast_after_pte_read@
position pc : script:python () { at(pc) in PTE_READ_AT };
expression C;
statement S;
@@
 if (
-    C@pc
+    zdrace_fi(ZDRACE_FI_gup_fast_after_pte_read) || C
 ) S

// The grab window opens at the grab (try_grab_folio_fast(), its name
// before 6.10, or a function of this file returning what one grabbed),
// assigned to a local or initialising it and followed by its NULL check,
// and closes at the PMD/PTE re-check: the first condition after the NULL
// check whose branch gives the folio back, with gup_put_folio() in the
// branch or first at the label the branch jumps to.  The point joins
// it, so failing takes that branch.  Every path on from the NULL check
// must reach it (when strict): a way out before it would be a re-check
// the point comes after.
@put_label@
identifier L, X;
position p;
@@
L@p:
 gup_put_folio(X, ...);

@script:python@
L << put_label.L;
X << put_label.X;
p << put_label.p;
@@
PUT_LABELS.add((p[0].current_element, L, X))

@grab_window forall@
identifier G : script:python () { G in GRABS };
identifier X;
expression E;
type T;
statement S;
position pg, pc;
@@
(
 T X = G@pg(...);
|
 X = G@pg(...);
)
 if (\(!X\|unlikely(!X)\)) S
 ... when strict
 if (E@pc) {
 	...
 	gup_put_folio(X, ...);
 	...
 }

@script:python@
pg << grab_window.pg;
pc << grab_window.pc;
@@
if pg[0].current_element in SCOPE:
	GRAB_AT.add(at(pc))

@grab_label_window forall@
identifier G : script:python () { G in GRABS };
identifier X, L;
expression E;
type T;
statement S;
position pg, pc;
@@
(
 T X = G@pg(...);
|
 X = G@pg(...);
)
 if (\(!X\|unlikely(!X)\)) S
 ... when strict
 if (E@pc)
 	goto L;

@script:python@
pg << grab_label_window.pg;
pc << grab_label_window.pc;
X << grab_label_window.X;
L << grab_label_window.L;
@@
f = pg[0].current_element
if f in SCOPE and (f, L, X) in PUT_LABELS:
	GRAB_AT.add(at(pc))

@gup_fast_after_grab@
position pc : script:python () { at(pc) in GRAB_AT };
expression E;
statement S;
@@
 if (
-    E@pc
+    zdrace_fi(ZDRACE_FI_gup_fast_after_grab) || E
 ) S
