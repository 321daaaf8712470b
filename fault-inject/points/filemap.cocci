// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection points of the speculative page-cache gets
/// in mm/filemap.c.  In filemap_get_entry(): between xas_load() and
/// folio_try_get(), and between the speculative get and xas_reload();
/// failing either takes the branch that retries the lookup.  In the
/// batched read lookup, fault-around and the contiguous-range lookup:
/// between the xarray load and folio_try_get(); failing it takes the
/// branch a failed get takes there (retry, or skip the folio).  Each rule
/// is named after the point it places (<zdrace/fi_points.h>).
///
// Confidence: High
// Options: --no-includes
//

virtual six
virtual seven

@filemap_after_load@
expression F;
identifier L;
@@
filemap_get_entry(...)
{
<...
 if (
-    !folio_try_get(F)
+    zdrace_fi(ZDRACE_FI_filemap_after_load) || !folio_try_get(F)
 )
 	goto L;
...>
}

@filemap_after_tryget@
expression F, X;
statement S;
@@
filemap_get_entry(...)
{
<...
 if (
-    unlikely(F != xas_reload(X))
+    zdrace_fi(ZDRACE_FI_filemap_after_tryget) || unlikely(F != xas_reload(X))
 ) S
...>
}

@read_batch_after_load@
expression F;
identifier L;
@@
filemap_get_read_batch(...)
{
<...
 if (
-    !folio_try_get(F)
+    zdrace_fi(ZDRACE_FI_read_batch_after_load) || !folio_try_get(F)
 )
 	goto L;
...>
}

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
