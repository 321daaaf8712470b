// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection points of fs/dax.c's busy-page lookup,
/// dax_layout_busy_page_range(): a truncate, a hole punch or an eviction
/// calls it to find a page of the range that something still references
/// (a DMA pin) before it breaks the layout, and waits on what it
/// returns.  Each rule is named after the point it places
/// (<zdrace/fi_points.h>):
///
///   dax_busy_after_unmap  after the unmap of the range's user mappings
///                         (unmap_mapping_pages() or
///                         unmap_mapping_range()), before the walk for a
///                         busy page: the window gup-fast races, as the
///                         comment above the unmap argues
///   dax_busy_after_walk   after the walk, its lock dropped, before the
///                         function returns what it found: the page its
///                         caller will wait on may go idle, or gain a
///                         pin, in it
///
/// The walk's result is what the function assigned from dax_busy_page()
/// (or dax_busy_folio()), directly or in a larger expression.  The
/// point goes before each return of it that follows the walk's unlock
/// (xas_unlock_irq(), xa_unlock_irq(), rcu_read_unlock(), ...), with no
/// lock taken in between: never inside the locked walk, as both points
/// may sleep.  A step split out into a function of the file that
/// dax_layout_busy_page_range() calls takes its point with it.  Where no
/// such operation is left, the point is not placed.
///
// Confidence: High
// Options: --no-includes
//

virtual six
virtual seven

@initialize:python@
@@
# The window's function and the functions of the file it calls.
busy_fns = set(["dax_layout_busy_page_range"])

@busy_callee@
identifier F;
@@
dax_layout_busy_page_range(...)
{
<... F(...) ...>
}

@script:python@
F << busy_callee.F;
@@
busy_fns.add(F)

@dax_busy_after_unmap@
identifier fn : script:python () { fn in busy_fns };
identifier U =~ "^unmap_mapping_(pages|range)$";
@@
fn(...)
{
<...
 U(...);
+zdrace_fi(ZDRACE_FI_dax_busy_after_unmap);
...>
}

// The walk: what it found, and in which function.
@busy_walk@
identifier fn : script:python () { fn in busy_fns };
identifier P;
identifier B =~ "^dax_busy_(page|folio)$";
expression E;
@@
fn(...)
{
<+...
 P = <+... B(E) ...+>;
...+>
}

@dax_busy_after_walk@
identifier busy_walk.P;
identifier fn : script:python () { fn in busy_fns };
identifier UL =~ "^(xas_unlock_irq|xas_unlock_irqrestore|xas_unlock|xa_unlock_irq|xa_unlock_irqrestore|xa_unlock|rcu_read_unlock)$";
identifier LK =~ "^(xas_lock_irq|xas_lock_irqsave|xas_lock|xa_lock_irq|xa_lock_irqsave|xa_lock|rcu_read_lock)$";
@@
fn(...)
{
<...
 UL(...);
 ... when != LK(...)
     when exists
+zdrace_fi(ZDRACE_FI_dax_busy_after_walk);
 return <+... P ...+>;
...>
}
