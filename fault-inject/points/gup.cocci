// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection points of gup_fast_pte_range() in
/// mm/gup.c: after the lockless PTE read, after get_dev_pagemap() (6.x
/// only: 7.x gup-fast takes no pgmap reference, and the rule finds no
/// window there), and between the grab and the PMD/PTE re-check.  Each
/// rule is named after the point it places (<zdrace/fi_points.h>).
///
// Confidence: High
// Options: --no-includes
//

virtual six
virtual seven

// The window opens at the lockless PTE read (a declaration or an
// assignment); the point is the first exit-on-condition that follows
// it, so failing falls back to the slow path as a PROT_NONE PTE does.
@gup_fast_after_pte_read@
identifier P, L;
expression E, C;
type T;
@@
gup_fast_pte_range(...)
{
<...
(
 T P = ptep_get_lockless(E);
|
 P = ptep_get_lockless(E);
)
 ...
 if (
-    C
+    zdrace_fi(ZDRACE_FI_gup_fast_after_pte_read) || C
 )
 	goto L;
...>
}

@gup_fast_after_get_pgmap@
expression P;
statement S;
@@
gup_fast_pte_range(...)
{
<...
 P = get_dev_pagemap(...);
 if (
-    unlikely(!P)
+    unlikely(!P) || zdrace_fi(ZDRACE_FI_gup_fast_after_get_pgmap)
 ) S
...>
}

// The re-check is the condition whose branch gives the grabbed folio back.
@gup_fast_after_grab@
expression F, E;
identifier L;
@@
gup_fast_pte_range(...)
{
<...
 F = try_grab_folio_fast(...);
 if (!F)
 	goto L;
 if (
-    E
+    zdrace_fi(ZDRACE_FI_gup_fast_after_grab) || E
 ) {
 	gup_put_folio(F, ...);
 	...
 }
...>
}
