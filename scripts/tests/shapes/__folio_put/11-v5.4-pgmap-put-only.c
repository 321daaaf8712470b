// SPDX-License-Identifier: GPL-2.0
// shape: window removed: as __put_page() of 5.4-5.16, the ZONE_DEVICE branch only drops the pgmap reference (no free_zone_device_*(): the driver's page_free ran from put_devmap_managed_page())
// lines: 6.12 7.3
// expect: final_put_zone_device not-placed

void __folio_put(struct folio *folio)
{
	if (is_zone_device_page(&folio->page)) {
		put_dev_pagemap(folio->page.pgmap);

		/*
		 * The page belongs to the device that created pgmap. Do
		 * not return it to page allocator.
		 */
		return;
	}

	if (unlikely(folio_test_large(folio)))
		__folio_put_large(folio);
	else
		__folio_put_small(folio);
}
