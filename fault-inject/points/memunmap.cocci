// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection points of mm/memremap.c's teardown and
/// pgmap lookup: the steps of memunmap_pages() and the pgmap tryget of
/// get_dev_pagemap().  Each rule is named after the point it places
/// (<zdrace/fi_points.h>) and finds its window by the operation that
/// opens it, so a series that moves or rewrites the lines nearby leaves
/// it placeable.
///
// Confidence: High
// Options: --no-includes
//
// -D six or -D seven: the kernel line, for the windows that differ.

virtual six
virtual seven

@memunmap_after_kill@
expression P;
@@
memunmap_pages(...)
{
<...
 percpu_ref_kill(&P->ref);
+zdrace_fi(ZDRACE_FI_memunmap_after_kill);
...>
}

@memunmap_after_put_initial@
expression P, E, N;
@@
memunmap_pages(...)
{
<...
 if (E)
+{
 for (...;...;...)
 	percpu_ref_put_many(&P->ref, N);
+zdrace_fi(ZDRACE_FI_memunmap_after_put_initial);
+}
...>
}

@memunmap_around_wait@
expression P;
@@
memunmap_pages(...)
{
<...
+zdrace_fi(ZDRACE_FI_memunmap_before_wait);
 wait_for_completion(&P->done);
+zdrace_fi(ZDRACE_FI_memunmap_after_wait);
...>
}

@memunmap_before_unmap@
expression P, I;
@@
memunmap_pages(...)
{
<...
 for (...;...;...)
+{
+zdrace_fi(ZDRACE_FI_memunmap_before_unmap);
 pageunmap_range(P, I);
+}
...>
}

@get_pgmap_before_tryget@
expression P, R;
@@
get_dev_pagemap(...)
{
<...
 if (P &&
-    !percpu_ref_tryget_live_rcu(R)
+    (zdrace_fi(ZDRACE_FI_get_pgmap_before_tryget) || !percpu_ref_tryget_live_rcu(R))
 )
 P = NULL;
...>
}
