// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection points of a ZONE_DEVICE page's life in
/// mm/memremap.c: the driver callback of free_zone_device_folio() and the
/// pgmap tryget of zone_device_page_init().  Each rule is named after the
/// point it places (<zdrace/fi_points.h>) and finds its window by the
/// operation that opens it.
///
// Confidence: High
// Options: --no-includes
//
// -D six or -D seven: the kernel line, for the windows that differ.

virtual six
virtual seven

// 6.x: one driver callback for every type, then the type's own step.
@free_around_page_free depends on six@
expression P, F;
@@
free_zone_device_folio(...)
{
<...
+zdrace_fi(ZDRACE_FI_free_before_page_free);
 P->ops->page_free(F);
+zdrace_fi(ZDRACE_FI_free_after_page_free);
...>
}

// 7.x: a switch on the type; the point after the callback sits in every
// case that has one, and before what the others do instead.
@free_before_switch depends on seven@
expression P, C;
@@
free_zone_device_folio(...)
{
<...
+zdrace_fi(ZDRACE_FI_free_before_page_free);
 switch (P->type) {
 case C: ...
 }
...>
}

@free_after_callback depends on seven@
expression P, F;
@@
free_zone_device_folio(...)
{
<...
 P->ops->folio_free(F);
+zdrace_fi(ZDRACE_FI_free_after_page_free);
...>
}

@free_after_generic depends on seven@
expression P;
@@
free_zone_device_folio(...)
{
<...
 switch (P->type) {
 case MEMORY_DEVICE_GENERIC:
+zdrace_fi(ZDRACE_FI_free_after_page_free);
 ...
 }
...>
}

@free_after_fs_dax depends on seven@
expression P;
@@
free_zone_device_folio(...)
{
<...
 switch (P->type) {
 case MEMORY_DEVICE_FS_DAX:
+zdrace_fi(ZDRACE_FI_free_after_page_free);
 ...
 }
...>
}

// percpu_ref_tryget_live() on 6.x, percpu_ref_tryget_many() on 7.x.
@page_init_before_tryget@
identifier tryget =~ "^percpu_ref_tryget";
expression list Es;
@@
zone_device_page_init(...)
{
<...
 WARN_ON_ONCE(
-!tryget(Es)
+zdrace_fi(ZDRACE_FI_page_init_before_tryget) || !tryget(Es)
 );
...>
}
