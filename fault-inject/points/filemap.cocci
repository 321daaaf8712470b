// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection points of the speculative page-cache gets
/// of lookups in mm/filemap.c.  In filemap_get_entry(): between
/// xas_load() and folio_try_get(), and between the speculative get and
/// xas_reload(); failing either takes the branch that retries the
/// lookup.  In the batched read lookup: between the xarray load and
/// folio_try_get(); failing it takes the branch a failed get takes
/// there.  The rule that places a point in its window's function is
/// named after the point (<zdrace/fi_points.h>).
///
/// filemap_after_load, read_batch_after_load: the window opens at the
/// xarray load of an entry F (xas_load(), xas_next(), xas_find(), ...:
/// assigned anywhere, in a loop's header too, as a declaration's
/// initialiser, or the entry of an xas_for_each() loop) and closes at
/// the speculative get of that F, of its head (page_folio() or
/// compound_head() of F) or of a copy of it in another local:
/// folio_try_get(), or what it was before (folio_try_get_rcu(),
/// page_cache_get_speculative(), ...).  The point joins the get where
/// it is: the whole condition of an if, an operand of a || or && chain,
/// inside likely()/unlikely(), the value assigned, declared or
/// returned.  A get of anything the function did not load is no window.
///
/// filemap_after_tryget: the window opens at the speculative get (a
/// condition or an assignment that calls it) and closes at the first
/// check after it of an entry against xas_reload(): F != xas_reload()
/// (either way round, in likely()/unlikely() or not, alone or the last
/// operand of a || chain), whose branch gives the folio back; or
/// F == xas_reload() (alone or the last operand of a && chain), whose
/// branch keeps it.  The point joins that whole condition, so that
/// failing it takes the branch a moved folio takes.  A reload kept in a
/// local and compared later is not followed: joining the comparison
/// would put the point after the reload, outside its window.
///
/// Where the get moved into a static helper of the file, the points
/// follow it there if only the window's function calls the helper: the
/// load point if the helper loads F itself, or gets a folio parameter
/// the function passes a folio it loaded; the reload point if the
/// helper checks the reload after its get.  A helper other functions
/// call too (find_get_entry()) is left alone: its points would fire for
/// them.  But where such a shared helper is a bool function whose first
/// statement is the get, returning false at once when it fails, and the
/// window's function passes it a folio it loaded, the load point joins
/// that call in the function: failing it there is the helper failing
/// its get, for this caller alone.  The reload point has no such place
/// (its window is inside the shared helper) and is not placed.  A
/// function with no speculative get of an entry it loaded (a get under
/// the xarray lock, say) has no window, and nothing is placed.
///
/// The rules, for each function <f> (fge: filemap_get_entry(), rb:
/// filemap_get_read_batch()): <f>_get (the gets, of what and where),
/// <f>_load (what they get was loaded), <f>_head/<f>_head_load (or is
/// the head or a copy of what was loaded), the load point's rule; for
/// filemap_get_entry() then fge_reload (the reload check after a get)
/// and filemap_after_tryget.  Then, for what they did not place:
/// <f>_callee/<f>_shared (the static helpers the function calls, and
/// those other functions call too), <f>_pass/<f>_pass_load (it passes a
/// helper a folio it loaded), <f>_hget, <f>_hload (F loaded in the
/// helper), <f>_hparam (F a folio parameter), <f>_in_helper (the load
/// point in an unshared helper); <f>_hfirst (a shared helper begins
/// with the get), <f>_callpos, <f>_call (the load point at its call);
/// fge_hreload, fge_tryget_in_helper (the reload point in an unshared
/// helper).
///
// Confidence: High
// Options: --no-includes
//

virtual six
virtual seven

// =====================================================================
// filemap_after_load: filemap_get_entry()

// The speculative gets in the function: of what, and where.
@fge_get@
identifier F;
identifier TG =~ "^(folio_try_get|folio_try_get_rcu|folio_ref_try_add|folio_ref_try_add_rcu|page_cache_get_speculative|page_cache_add_speculative|get_page_unless_zero)$";
position p;
@@
filemap_get_entry(...)
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
@fge_load@
identifier fge_get.F;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
filemap_get_entry(...)
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

@fge_head@
identifier fge_get.F;
identifier A;
type T;
@@
filemap_get_entry(...)
{
<+...
(
 T F = \(page_folio\|compound_head\)(A);
|
 F = \(page_folio\|compound_head\)(A);
|
 T F = A;
|
 F = A;
)
...+>
}

@fge_head_load@
identifier fge_head.A;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
filemap_get_entry(...)
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

@filemap_after_load depends on fge_load || fge_head_load@
identifier fge_get.TG;
position fge_get.p;
expression list ES;
expression C, V;
statement S, S1;
type T;
identifier I;
@@
filemap_get_entry(...)
{
<...
(
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !TG(ES)
 ) S else S1
|
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !TG(ES)
 ) S
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
 ) S else S1
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
 ) S
|
 C ||
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !TG(ES)
|
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !TG(ES)
     || C
|
 C &&
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
|
 \(likely\|unlikely\)(
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !TG(ES)
 )
|
 \(likely\|unlikely\)(
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
 )
|
 T I =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
 ;
|
 V =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
|
 return
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
 ;
|
-    !TG(ES)@p
+    (zdrace_fi(ZDRACE_FI_filemap_after_load) || !TG(ES))
|
-    TG(ES)@p
+    (!zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES))
)
...>
}

// =====================================================================
// filemap_after_tryget: filemap_get_entry()

// The first check against xas_reload() after the get (a condition or
// an assignment that calls it; the check may be in the branch the get
// takes): its whole condition at p where it is true when the folio
// moved, its branch at p where it is true when it did not.
@fge_reload exists@
identifier TG =~ "^(folio_try_get|folio_try_get_rcu|folio_ref_try_add|folio_ref_try_add_rcu|page_cache_get_speculative|page_cache_add_speculative|get_page_unless_zero)$";
expression list ES;
expression C, C1, F, X, V;
statement S, S1, S2;
position p;
@@
filemap_get_entry(...)
{
...
(
 if (<+... TG(ES) ...+>) {
 ...
(
 if (\(C@p \& \(unlikely(F != xas_reload(X)) \| unlikely(xas_reload(X) != F) \| C1 || unlikely(F != xas_reload(X)) \| C1 || unlikely(xas_reload(X) != F)\)\)) S else S1
|
 if (\(C@p \& \(unlikely(F != xas_reload(X)) \| unlikely(xas_reload(X) != F) \| C1 || unlikely(F != xas_reload(X)) \| C1 || unlikely(xas_reload(X) != F)\)\)) S
|
 if (\(C \& \(likely(F == xas_reload(X)) \| likely(xas_reload(X) == F) \| C1 && likely(F == xas_reload(X)) \| C1 && likely(xas_reload(X) == F)\)\)) S@p else S1
|
 if (\(C \& \(likely(F == xas_reload(X)) \| likely(xas_reload(X) == F) \| C1 && likely(F == xas_reload(X)) \| C1 && likely(xas_reload(X) == F)\)\)) S@p
)
 ...
 }
|
(
 if (<+... TG(ES) ...+>) S2
|
 V = <+... TG(ES) ...+>;
)
 ...
(
 if (\(C@p \& \(unlikely(F != xas_reload(X)) \| unlikely(xas_reload(X) != F) \| C1 || unlikely(F != xas_reload(X)) \| C1 || unlikely(xas_reload(X) != F)\)\)) S else S1
|
 if (\(C@p \& \(unlikely(F != xas_reload(X)) \| unlikely(xas_reload(X) != F) \| C1 || unlikely(F != xas_reload(X)) \| C1 || unlikely(xas_reload(X) != F)\)\)) S
|
 if (\(C \& \(likely(F == xas_reload(X)) \| likely(xas_reload(X) == F) \| C1 && likely(F == xas_reload(X)) \| C1 && likely(xas_reload(X) == F)\)\)) S@p else S1
|
 if (\(C \& \(likely(F == xas_reload(X)) \| likely(xas_reload(X) == F) \| C1 && likely(F == xas_reload(X)) \| C1 && likely(xas_reload(X) == F)\)\)) S@p
)
)
...
}

@filemap_after_tryget@
position fge_reload.p;
expression C;
statement S, S1;
@@
(
 if (
-    C
+    !zdrace_fi(ZDRACE_FI_filemap_after_tryget) && C
 ) S@p else S1
|
 if (
-    C
+    !zdrace_fi(ZDRACE_FI_filemap_after_tryget) && C
 ) S@p
|
 if (
-    C@p
+    zdrace_fi(ZDRACE_FI_filemap_after_tryget) || C
 ) S else S1
|
 if (
-    C@p
+    zdrace_fi(ZDRACE_FI_filemap_after_tryget) || C
 ) S
)

// =====================================================================
// The static helpers of filemap_get_entry(), where its points follow
// the get when the function itself has no window.

// The static helpers the function calls, and those another function
// of the file calls too.
@fge_callee depends on !filemap_after_load || !fge_reload@
identifier H;
@@
filemap_get_entry(...)
{
<+...
 H(...)
...+>
}

@fge_shared@
identifier fge_callee.H;
identifier O !~ "^filemap_get_entry$";
@@
O(...)
{
<+...
 H
...+>
}

// The function passes a helper a folio it loaded.
@fge_pass@
identifier fge_callee.H;
identifier A;
@@
filemap_get_entry(...)
{
<+...
 H(..., A, ...)
...+>
}

@fge_pass_load@
identifier fge_pass.A;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
filemap_get_entry(...)
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

// Else in a static helper the function calls and no other function
// does: the gets there ...
@fge_hget depends on !filemap_after_load && !fge_shared@
identifier fge_callee.H;
identifier F;
identifier TG =~ "^(folio_try_get|folio_try_get_rcu|folio_ref_try_add|folio_ref_try_add_rcu|page_cache_get_speculative|page_cache_add_speculative|get_page_unless_zero)$";
type RT;
position p;
@@
static RT H(...)
{
<+...
 TG(F, ...)@p
...+>
}

// ... of an F the helper loads itself ...
@fge_hload@
identifier fge_callee.H, fge_hget.F;
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

// ... or of a folio parameter F, the function passing it a folio it
// loaded.
@fge_hparam@
identifier fge_callee.H, fge_hget.F;
@@
H(..., struct folio *F, ...)
{
...
}

@fge_in_helper depends on !filemap_after_load && !fge_shared && (fge_hload || (fge_hparam && fge_pass_load))@
identifier fge_callee.H;
identifier fge_hget.TG;
position fge_hget.p;
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
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !TG(ES)
 ) S else S1
|
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !TG(ES)
 ) S
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
 ) S else S1
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
 ) S
|
 C ||
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !TG(ES)
|
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !TG(ES)
     || C
|
 C &&
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
|
 \(likely\|unlikely\)(
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !TG(ES)
 )
|
 \(likely\|unlikely\)(
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
 )
|
 T I =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
 ;
|
 V =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
|
 return
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES)
 ;
|
-    !TG(ES)@p
+    (zdrace_fi(ZDRACE_FI_filemap_after_load) || !TG(ES))
|
-    TG(ES)@p
+    (!zdrace_fi(ZDRACE_FI_filemap_after_load) && TG(ES))
)
...>
}

// Else a shared bool helper whose first statement is the get, failing
// at once: the point joins the function's call of it, if it passes a
// folio it loaded.  Failing the call there is the helper failing its
// get, for this caller alone.
@fge_hfirst depends on !filemap_after_load && fge_shared@
identifier fge_callee.H;
identifier TG =~ "^(folio_try_get|folio_try_get_rcu|folio_ref_try_add|folio_ref_try_add_rcu|page_cache_get_speculative|page_cache_add_speculative|get_page_unless_zero)$";
expression list ES;
typedef bool;
symbol false;
@@
bool H(...)
{
(
 if (!TG(ES))
	return false;
|
 if (unlikely(!TG(ES)))
	return false;
)
 ...
}

// (the calls that pass it the loaded folio)
@fge_callpos depends on !filemap_after_load && !fge_in_helper && fge_shared && fge_hfirst && fge_pass_load@
identifier fge_callee.H, fge_pass.A;
position pc;
@@
filemap_get_entry(...)
{
<+...
 H(..., A, ...)@pc
...+>
}

@fge_call@
identifier fge_callee.H;
position fge_callpos.pc;
expression list ES;
expression C;
statement S, S1;
@@
filemap_get_entry(...)
{
<...
(
 if (
-    !H(ES)@pc
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !H(ES)
 ) S else S1
|
 if (
-    !H(ES)@pc
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !H(ES)
 ) S
|
 if (
-    H(ES)@pc
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && H(ES)
 ) S else S1
|
 if (
-    H(ES)@pc
+    !zdrace_fi(ZDRACE_FI_filemap_after_load) && H(ES)
 ) S
|
 C ||
-    !H(ES)@pc
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !H(ES)
|
 \(likely\|unlikely\)(
-    !H(ES)@pc
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !H(ES)
 )
)
...>
}

// Else in a static helper only the function calls.
@fge_hreload depends on !fge_reload && !fge_shared exists@
identifier fge_callee.H;
type RT;
identifier TG =~ "^(folio_try_get|folio_try_get_rcu|folio_ref_try_add|folio_ref_try_add_rcu|page_cache_get_speculative|page_cache_add_speculative|get_page_unless_zero)$";
expression list ES;
expression C, C1, F, X, V;
statement S, S1, S2;
position p;
@@
static RT H(...)
{
...
(
 if (<+... TG(ES) ...+>) {
 ...
(
 if (\(C@p \& \(unlikely(F != xas_reload(X)) \| unlikely(xas_reload(X) != F) \| C1 || unlikely(F != xas_reload(X)) \| C1 || unlikely(xas_reload(X) != F)\)\)) S else S1
|
 if (\(C@p \& \(unlikely(F != xas_reload(X)) \| unlikely(xas_reload(X) != F) \| C1 || unlikely(F != xas_reload(X)) \| C1 || unlikely(xas_reload(X) != F)\)\)) S
|
 if (\(C \& \(likely(F == xas_reload(X)) \| likely(xas_reload(X) == F) \| C1 && likely(F == xas_reload(X)) \| C1 && likely(xas_reload(X) == F)\)\)) S@p else S1
|
 if (\(C \& \(likely(F == xas_reload(X)) \| likely(xas_reload(X) == F) \| C1 && likely(F == xas_reload(X)) \| C1 && likely(xas_reload(X) == F)\)\)) S@p
)
 ...
 }
|
(
 if (<+... TG(ES) ...+>) S2
|
 V = <+... TG(ES) ...+>;
)
 ...
(
 if (\(C@p \& \(unlikely(F != xas_reload(X)) \| unlikely(xas_reload(X) != F) \| C1 || unlikely(F != xas_reload(X)) \| C1 || unlikely(xas_reload(X) != F)\)\)) S else S1
|
 if (\(C@p \& \(unlikely(F != xas_reload(X)) \| unlikely(xas_reload(X) != F) \| C1 || unlikely(F != xas_reload(X)) \| C1 || unlikely(xas_reload(X) != F)\)\)) S
|
 if (\(C \& \(likely(F == xas_reload(X)) \| likely(xas_reload(X) == F) \| C1 && likely(F == xas_reload(X)) \| C1 && likely(xas_reload(X) == F)\)\)) S@p else S1
|
 if (\(C \& \(likely(F == xas_reload(X)) \| likely(xas_reload(X) == F) \| C1 && likely(F == xas_reload(X)) \| C1 && likely(xas_reload(X) == F)\)\)) S@p
)
)
...
}

@fge_tryget_in_helper@
position fge_hreload.p;
expression C;
statement S, S1;
@@
(
 if (
-    C
+    !zdrace_fi(ZDRACE_FI_filemap_after_tryget) && C
 ) S@p else S1
|
 if (
-    C
+    !zdrace_fi(ZDRACE_FI_filemap_after_tryget) && C
 ) S@p
|
 if (
-    C@p
+    zdrace_fi(ZDRACE_FI_filemap_after_tryget) || C
 ) S else S1
|
 if (
-    C@p
+    zdrace_fi(ZDRACE_FI_filemap_after_tryget) || C
 ) S
)

// =====================================================================
// read_batch_after_load: filemap_get_read_batch()

// The speculative gets in the function: of what, and where.
@rb_get@
identifier F;
identifier TG =~ "^(folio_try_get|folio_try_get_rcu|folio_ref_try_add|folio_ref_try_add_rcu|page_cache_get_speculative|page_cache_add_speculative|get_page_unless_zero)$";
position p;
@@
filemap_get_read_batch(...)
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
@rb_load@
identifier rb_get.F;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
filemap_get_read_batch(...)
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

@rb_head@
identifier rb_get.F;
identifier A;
type T;
@@
filemap_get_read_batch(...)
{
<+...
(
 T F = \(page_folio\|compound_head\)(A);
|
 F = \(page_folio\|compound_head\)(A);
|
 T F = A;
|
 F = A;
)
...+>
}

@rb_head_load@
identifier rb_head.A;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
filemap_get_read_batch(...)
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

@read_batch_after_load depends on rb_load || rb_head_load@
identifier rb_get.TG;
position rb_get.p;
expression list ES;
expression C, V;
statement S, S1;
type T;
identifier I;
@@
filemap_get_read_batch(...)
{
<...
(
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !TG(ES)
 ) S else S1
|
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !TG(ES)
 ) S
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
 ) S else S1
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
 ) S
|
 C ||
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !TG(ES)
|
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !TG(ES)
     || C
|
 C &&
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
|
 \(likely\|unlikely\)(
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !TG(ES)
 )
|
 \(likely\|unlikely\)(
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
 )
|
 T I =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
 ;
|
 V =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
|
 return
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
 ;
|
-    !TG(ES)@p
+    (zdrace_fi(ZDRACE_FI_read_batch_after_load) || !TG(ES))
|
-    TG(ES)@p
+    (!zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES))
)
...>
}

// The static helpers the function calls, and those another function
// of the file calls too.
@rb_callee depends on !read_batch_after_load@
identifier H;
@@
filemap_get_read_batch(...)
{
<+...
 H(...)
...+>
}

@rb_shared@
identifier rb_callee.H;
identifier O !~ "^filemap_get_read_batch$";
@@
O(...)
{
<+...
 H
...+>
}

// The function passes a helper a folio it loaded.
@rb_pass@
identifier rb_callee.H;
identifier A;
@@
filemap_get_read_batch(...)
{
<+...
 H(..., A, ...)
...+>
}

@rb_pass_load@
identifier rb_pass.A;
type T;
expression X, E, M;
statement S;
iterator name xas_for_each, xas_for_each_marked;
@@
filemap_get_read_batch(...)
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

// Else in a static helper the function calls and no other function
// does: the gets there ...
@rb_hget depends on !read_batch_after_load && !rb_shared@
identifier rb_callee.H;
identifier F;
identifier TG =~ "^(folio_try_get|folio_try_get_rcu|folio_ref_try_add|folio_ref_try_add_rcu|page_cache_get_speculative|page_cache_add_speculative|get_page_unless_zero)$";
type RT;
position p;
@@
static RT H(...)
{
<+...
 TG(F, ...)@p
...+>
}

// ... of an F the helper loads itself ...
@rb_hload@
identifier rb_callee.H, rb_hget.F;
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

// ... or of a folio parameter F, the function passing it a folio it
// loaded.
@rb_hparam@
identifier rb_callee.H, rb_hget.F;
@@
H(..., struct folio *F, ...)
{
...
}

@rb_in_helper depends on !read_batch_after_load && !rb_shared && (rb_hload || (rb_hparam && rb_pass_load))@
identifier rb_callee.H;
identifier rb_hget.TG;
position rb_hget.p;
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
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !TG(ES)
 ) S else S1
|
 if (
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !TG(ES)
 ) S
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
 ) S else S1
|
 if (
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
 ) S
|
 C ||
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !TG(ES)
|
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !TG(ES)
     || C
|
 C &&
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
|
 \(likely\|unlikely\)(
-    !TG(ES)@p
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !TG(ES)
 )
|
 \(likely\|unlikely\)(
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
 )
|
 T I =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
 ;
|
 V =
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
|
 return
-    TG(ES)@p
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES)
 ;
|
-    !TG(ES)@p
+    (zdrace_fi(ZDRACE_FI_read_batch_after_load) || !TG(ES))
|
-    TG(ES)@p
+    (!zdrace_fi(ZDRACE_FI_read_batch_after_load) && TG(ES))
)
...>
}

// Else a shared bool helper whose first statement is the get, failing
// at once: the point joins the function's call of it, if it passes a
// folio it loaded.  Failing the call there is the helper failing its
// get, for this caller alone.
@rb_hfirst depends on !read_batch_after_load && rb_shared@
identifier rb_callee.H;
identifier TG =~ "^(folio_try_get|folio_try_get_rcu|folio_ref_try_add|folio_ref_try_add_rcu|page_cache_get_speculative|page_cache_add_speculative|get_page_unless_zero)$";
expression list ES;
typedef bool;
symbol false;
@@
bool H(...)
{
(
 if (!TG(ES))
	return false;
|
 if (unlikely(!TG(ES)))
	return false;
)
 ...
}

// (the calls that pass it the loaded folio)
@rb_callpos depends on !read_batch_after_load && !rb_in_helper && rb_shared && rb_hfirst && rb_pass_load@
identifier rb_callee.H, rb_pass.A;
position pc;
@@
filemap_get_read_batch(...)
{
<+...
 H(..., A, ...)@pc
...+>
}

@rb_call@
identifier rb_callee.H;
position rb_callpos.pc;
expression list ES;
expression C;
statement S, S1;
@@
filemap_get_read_batch(...)
{
<...
(
 if (
-    !H(ES)@pc
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !H(ES)
 ) S else S1
|
 if (
-    !H(ES)@pc
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !H(ES)
 ) S
|
 if (
-    H(ES)@pc
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && H(ES)
 ) S else S1
|
 if (
-    H(ES)@pc
+    !zdrace_fi(ZDRACE_FI_read_batch_after_load) && H(ES)
 ) S
|
 C ||
-    !H(ES)@pc
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !H(ES)
|
 \(likely\|unlikely\)(
-    !H(ES)@pc
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !H(ES)
 )
)
...>
}
