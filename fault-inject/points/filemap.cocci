// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection points of the speculative page-cache gets
/// of lookups in mm/filemap.c.  In filemap_get_entry(): between
/// xas_load() and folio_try_get(), and between the speculative get and
/// xas_reload(); failing either takes the branch that retries the
/// lookup.  In the batched read lookup: between the xarray load and
/// folio_try_get(); failing it takes the branch a failed get takes
/// there.  Each rule is named after the point it places
/// (<zdrace/fi_points.h>).
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
