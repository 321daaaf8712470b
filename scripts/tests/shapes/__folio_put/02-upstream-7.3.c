// SPDX-License-Identifier: GPL-2.0
// shape: as in 7.3 (mm/folio.c) and 7.2 (mm/swap.c, same text): free_frozen_pages() for the buddy free
// lines: 7.3
// expect: final_put_zone_device placed

void __folio_put(struct folio *folio)
{
	if (unlikely(folio_is_zone_device(folio))) { // open final_put_zone_device
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
