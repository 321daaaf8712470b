// SPDX-License-Identifier: GPL-2.0
// shape: the ZONE_DEVICE test taken into a local first, and the branch tested on it
// lines: 6.12 7.3
// expect: final_put_zone_device placed

void __folio_put(struct folio *folio)
{
	bool zone_device;

	zone_device = folio_is_zone_device(folio); // open final_put_zone_device
	if (unlikely(zone_device)) {
		free_zone_device_folio(folio); // close final_put_zone_device
		return;
	}

	if (folio_test_hugetlb(folio)) {
		free_huge_folio(folio);
		return;
	}

	page_cache_release(folio);
	folio_unqueue_deferred_split(folio);
	mem_cgroup_uncharge(folio);
	free_frozen_pages(&folio->page, folio_order(folio));
}
