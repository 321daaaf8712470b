// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection points of the page-cache gets of
/// fault-around (next_uptodate_folio()) and of the contiguous-range
/// lookup (filemap_get_folios_contig()) in mm/filemap.c: between the
/// xarray load and folio_try_get(); failing it takes the branch a failed
/// get takes there (skip the folio, or retry).  Each rule is named after
/// the point it places (<zdrace/fi_points.h>).
///
// Confidence: High
// Options: --no-includes
//

virtual six
virtual seven

@fault_around_after_load@
expression F;
@@
next_uptodate_folio(...)
{
<...
 if (
-    !folio_try_get(F)
+    zdrace_fi(ZDRACE_FI_fault_around_after_load) || !folio_try_get(F)
 )
 	continue;
...>
}

@contig_after_load@
expression F;
identifier L;
@@
filemap_get_folios_contig(...)
{
<...
 if (
-    !folio_try_get(F)
+    zdrace_fi(ZDRACE_FI_contig_after_load) || !folio_try_get(F)
 )
 	goto L;
...>
}
