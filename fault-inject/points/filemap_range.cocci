// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection points of the page-cache gets of
/// fault-around (next_uptodate_folio()) and of the contiguous-range
/// lookup (filemap_get_folios_contig()) in mm/filemap.c: between the
/// xarray load and the speculative get; failing it takes the branch a
/// failed get takes there (skip the folio, or retry).  Each rule is named
/// after the point it places (<zdrace/fi_points.h>).
///
/// Anchor: the window opens at the xarray load of an entry F
/// (xas_load(), xas_next(), xas_next_entry(), xas_find(), ...: assigned
/// anywhere, in a loop's header too, as a declaration's initialiser, or
/// the entry of an xas_for_each() loop) and closes at the speculative
/// get of that F, or of its head (page_folio()/compound_head() of F,
/// directly or through a local): folio_try_get(), or what it was before
/// (folio_try_get_rcu(), page_cache_get_speculative(), ...).  The point
/// joins the get where it is: the whole condition of an if, an operand
/// of a || chain, inside likely()/unlikely(), the value assigned,
/// declared or returned.  A get of anything the function did not load
/// is no window.
///
/// Where the get moved into a static helper of the file, the point
/// follows it there if only the window's function calls the helper, and
/// the helper either loads F itself or gets F as a folio parameter, the
/// function passing the helper an entry it loaded.  A helper other
/// functions call too (find_get_entry()) is left alone: the point would
/// fire for them.  A function with no speculative get of a loaded entry
/// (a get under the xarray lock, say, or of an entry its caller loaded)
/// has no window of its own, and nothing is placed.
///
/// The rules of each point: <p>_get (the gets, of what and where),
/// <p>_load (what they get was loaded), <p>_head/<p>_head_load (or is
/// the head of what was loaded), the point's rule; then, only if that
/// placed nothing, <p>_hget (the functions of the file with a get),
/// <p>_callee/<p>_shared (the function calls one, no other function
/// does), <p>_hload (it loads F itself), <p>_hparam/<p>_hpass/
/// <p>_hpass_load (F a folio parameter, passed a loaded entry), and
/// <p>_in_helper, which places the point there.
///
// Confidence: High
// Options: --no-includes
//

virtual six
virtual seven

// ---------------------------------------------------------------------
// fault_around_after_load: next_uptodate_folio()

// The speculative gets in the function: of what, and where.
@fa_get@
identifier F;
identifier TG =~ "^(folio_try_get|folio_try_get_rcu|folio_ref_try_add|folio_ref_try_add_rcu|page_cache_get_speculative|page_cache_add_speculative|get_page_unless_zero)$";
position p;
@@
next_uptodate_folio(...)
{
<+...
(
 TG(F, ...)@p
|
 TG(\(page_folio\|compound_head\)(F), ...)@p
)
...+>
}

// ... of an entry the function loaded from the xarray, or its head.
@fa_load@
identifier fa_get.F;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
next_uptodate_folio(...)
{
<+...
(
 T F = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...);
|
 F = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...)
|
 xas_for_each(X, F, E) S
|
 xas_for_each_marked(X, F, E, M) S
)
...+>
}

@fa_head@
identifier fa_get.F;
identifier A;
type T;
@@
next_uptodate_folio(...)
{
<+...
(
 T F = \(page_folio\|compound_head\)(A);
|
 F = \(page_folio\|compound_head\)(A);
)
...+>
}

@fa_head_load@
identifier fa_head.A;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
next_uptodate_folio(...)
{
<+...
(
 T A = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...);
|
 A = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...)
|
 xas_for_each(X, A, E) S
|
 xas_for_each_marked(X, A, E, M) S
)
...+>
}

@fault_around_after_load depends on fa_load || fa_head_load@
identifier fa_get.TG;
position fa_get.p;
expression list ES;
expression C, V;
statement S, S1;
type T;
identifier I;
@@
next_uptodate_folio(...)
{
<...
(
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_fault_around_after_load) || !TG(ES)
 ) S else S1
|
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_fault_around_after_load) || !TG(ES)
 ) S
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES)
 ) S else S1
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES)
 ) S
|
 C ||
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_fault_around_after_load) || !TG(ES)
|
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_fault_around_after_load) || !TG(ES)
     || C
|
 \(likely\|unlikely\)(
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_fault_around_after_load) || !TG(ES)
 )
|
 \(likely\|unlikely\)(
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES)
 )
|
 T I =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES)
 ;
|
 V =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES)
|
 return
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES)
 ;
|
-    !TG(ES)@p
+    (zdrace_fi(ZDRACE_FI_fault_around_after_load) || !TG(ES))
|
-    TG(ES)@p
+    (!zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES))
)
...>
}

// Else in a static helper: a function of the file with a speculative
// get, that the function calls and no other function does.
@fa_hget depends on !fault_around_after_load@
identifier H;
identifier F;
identifier TG =~ "^(folio_try_get|folio_try_get_rcu|folio_ref_try_add|folio_ref_try_add_rcu|page_cache_get_speculative|page_cache_add_speculative|get_page_unless_zero)$";
position p;
@@
H(...)
{
<+...
 TG(F, ...)@p
...+>
}

@fa_callee@
identifier fa_hget.H;
@@
next_uptodate_folio(...)
{
<+...
 H(...)
...+>
}

@fa_shared depends on fa_callee@
identifier fa_hget.H;
identifier O !~ "^next_uptodate_folio$";
@@
O(...)
{
<+...
 H
...+>
}

// The helper loads F itself ...
@fa_hload@
identifier fa_hget.H, fa_hget.F;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
H(...)
{
<+...
(
 T F = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...);
|
 F = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...)
|
 xas_for_each(X, F, E) S
|
 xas_for_each_marked(X, F, E, M) S
)
...+>
}

// ... or F is a folio parameter, and the function passes the helper an
// entry it loaded.
@fa_hparam@
identifier fa_hget.H, fa_hget.F;
@@
H(..., struct folio *F, ...)
{
...
}

@fa_hpass depends on fa_callee@
identifier fa_hget.H;
identifier A;
@@
next_uptodate_folio(...)
{
<+...
 H(..., A, ...)
...+>
}

@fa_hpass_load@
identifier fa_hpass.A;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
next_uptodate_folio(...)
{
<+...
(
 T A = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...);
|
 A = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...)
|
 xas_for_each(X, A, E) S
|
 xas_for_each_marked(X, A, E, M) S
)
...+>
}

@fa_in_helper depends on !fault_around_after_load && fa_callee && !fa_shared && (fa_hload || (fa_hparam && fa_hpass_load))@
identifier fa_hget.H;
identifier fa_hget.TG;
position fa_hget.p;
expression list ES;
expression C, V;
statement S, S1;
type T;
identifier I;
@@
H(...)
{
<...
(
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_fault_around_after_load) || !TG(ES)
 ) S else S1
|
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_fault_around_after_load) || !TG(ES)
 ) S
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES)
 ) S else S1
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES)
 ) S
|
 C ||
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_fault_around_after_load) || !TG(ES)
|
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_fault_around_after_load) || !TG(ES)
     || C
|
 \(likely\|unlikely\)(
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_fault_around_after_load) || !TG(ES)
 )
|
 \(likely\|unlikely\)(
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES)
 )
|
 T I =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES)
 ;
|
 V =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES)
|
 return
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES)
 ;
|
-    !TG(ES)@p
+    (zdrace_fi(ZDRACE_FI_fault_around_after_load) || !TG(ES))
|
-    TG(ES)@p
+    (!zdrace_fi(ZDRACE_FI_fault_around_after_load) && TG(ES))
)
...>
}

// ---------------------------------------------------------------------
// contig_after_load: filemap_get_folios_contig()

// The speculative gets in the function: of what, and where.
@contig_get@
identifier F;
identifier TG =~ "^(folio_try_get|folio_try_get_rcu|folio_ref_try_add|folio_ref_try_add_rcu|page_cache_get_speculative|page_cache_add_speculative|get_page_unless_zero)$";
position p;
@@
filemap_get_folios_contig(...)
{
<+...
(
 TG(F, ...)@p
|
 TG(\(page_folio\|compound_head\)(F), ...)@p
)
...+>
}

// ... of an entry the function loaded from the xarray, or its head.
@contig_load@
identifier contig_get.F;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
filemap_get_folios_contig(...)
{
<+...
(
 T F = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...);
|
 F = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...)
|
 xas_for_each(X, F, E) S
|
 xas_for_each_marked(X, F, E, M) S
)
...+>
}

@contig_head@
identifier contig_get.F;
identifier A;
type T;
@@
filemap_get_folios_contig(...)
{
<+...
(
 T F = \(page_folio\|compound_head\)(A);
|
 F = \(page_folio\|compound_head\)(A);
)
...+>
}

@contig_head_load@
identifier contig_head.A;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
filemap_get_folios_contig(...)
{
<+...
(
 T A = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...);
|
 A = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...)
|
 xas_for_each(X, A, E) S
|
 xas_for_each_marked(X, A, E, M) S
)
...+>
}

@contig_after_load depends on contig_load || contig_head_load@
identifier contig_get.TG;
position contig_get.p;
expression list ES;
expression C, V;
statement S, S1;
type T;
identifier I;
@@
filemap_get_folios_contig(...)
{
<...
(
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_contig_after_load) || !TG(ES)
 ) S else S1
|
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_contig_after_load) || !TG(ES)
 ) S
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES)
 ) S else S1
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES)
 ) S
|
 C ||
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_contig_after_load) || !TG(ES)
|
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_contig_after_load) || !TG(ES)
     || C
|
 \(likely\|unlikely\)(
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_contig_after_load) || !TG(ES)
 )
|
 \(likely\|unlikely\)(
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES)
 )
|
 T I =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES)
 ;
|
 V =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES)
|
 return
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES)
 ;
|
-    !TG(ES)@p
+    (zdrace_fi(ZDRACE_FI_contig_after_load) || !TG(ES))
|
-    TG(ES)@p
+    (!zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES))
)
...>
}

// Else in a static helper: a function of the file with a speculative
// get, that the function calls and no other function does.
@contig_hget depends on !contig_after_load@
identifier H;
identifier F;
identifier TG =~ "^(folio_try_get|folio_try_get_rcu|folio_ref_try_add|folio_ref_try_add_rcu|page_cache_get_speculative|page_cache_add_speculative|get_page_unless_zero)$";
position p;
@@
H(...)
{
<+...
 TG(F, ...)@p
...+>
}

@contig_callee@
identifier contig_hget.H;
@@
filemap_get_folios_contig(...)
{
<+...
 H(...)
...+>
}

@contig_shared depends on contig_callee@
identifier contig_hget.H;
identifier O !~ "^filemap_get_folios_contig$";
@@
O(...)
{
<+...
 H
...+>
}

// The helper loads F itself ...
@contig_hload@
identifier contig_hget.H, contig_hget.F;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
H(...)
{
<+...
(
 T F = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...);
|
 F = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...)
|
 xas_for_each(X, F, E) S
|
 xas_for_each_marked(X, F, E, M) S
)
...+>
}

// ... or F is a folio parameter, and the function passes the helper an
// entry it loaded.
@contig_hparam@
identifier contig_hget.H, contig_hget.F;
@@
H(..., struct folio *F, ...)
{
...
}

@contig_hpass depends on contig_callee@
identifier contig_hget.H;
identifier A;
@@
filemap_get_folios_contig(...)
{
<+...
 H(..., A, ...)
...+>
}

@contig_hpass_load@
identifier contig_hpass.A;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
filemap_get_folios_contig(...)
{
<+...
(
 T A = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...);
|
 A = \(xas_load\|xas_next\|xas_prev\|xas_next_entry\|xas_next_marked\|xas_find\|xas_find_marked\|xa_load\)(...)
|
 xas_for_each(X, A, E) S
|
 xas_for_each_marked(X, A, E, M) S
)
...+>
}

@contig_in_helper depends on !contig_after_load && contig_callee && !contig_shared && (contig_hload || (contig_hparam && contig_hpass_load))@
identifier contig_hget.H;
identifier contig_hget.TG;
position contig_hget.p;
expression list ES;
expression C, V;
statement S, S1;
type T;
identifier I;
@@
H(...)
{
<...
(
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_contig_after_load) || !TG(ES)
 ) S else S1
|
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_contig_after_load) || !TG(ES)
 ) S
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES)
 ) S else S1
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES)
 ) S
|
 C ||
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_contig_after_load) || !TG(ES)
|
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_contig_after_load) || !TG(ES)
     || C
|
 \(likely\|unlikely\)(
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_contig_after_load) || !TG(ES)
 )
|
 \(likely\|unlikely\)(
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES)
 )
|
 T I =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES)
 ;
|
 V =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES)
|
 return
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES)
 ;
|
-    !TG(ES)@p
+    (zdrace_fi(ZDRACE_FI_contig_after_load) || !TG(ES))
|
-    TG(ES)@p
+    (!zdrace_fi(ZDRACE_FI_contig_after_load) && TG(ES))
)
...>
}
