// SPDX-License-Identifier: GPL-2.0
// shape: the else-if chain of 6.9 with free_zone_device_page() converted to free_zone_device_folio() (Matthew Wilcox's folio conversion, v6.10), before the chain was unrolled into early returns
// lines: 6.12 7.3
// expect: final_put_zone_device placed

void __folio_put(struct folio *folio)
{
	if (unlikely(folio_is_zone_device(folio))) // open final_put_zone_device
		free_zone_device_folio(folio); // close final_put_zone_device
	else if (unlikely(folio_test_large(folio)))
		__folio_put_large(folio);
	else
		__folio_put_small(folio);
}
