// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection point of the final put of a ZONE_DEVICE
/// folio: in __folio_put(), before free_zone_device_folio().  The function
/// is in mm/swap.c on 6.x and in mm/folio.c on 7.x; <zdrace/fi_points.h>
/// says which file a line runs this on.
///
// Confidence: High
// Options: --no-includes
//

virtual six
virtual seven

@final_put_zone_device@
expression F;
@@
__folio_put(...)
{
<...
 if (unlikely(folio_is_zone_device(F))) {
+	zdrace_fi(ZDRACE_FI_final_put_zone_device);
 	free_zone_device_folio(F);
 	...
 }
...>
}
