// SPDX-License-Identifier: GPL-2.0
// shape: window removed: ZONE_DEVICE folios no longer reach __folio_put() (folio_put() hands them to free_zone_device_folio() itself), only a warning is left
// lines: 6.12 7.3
// expect: final_put_zone_device not-placed

void __folio_put(struct folio *folio)
{
	VM_WARN_ON_ONCE_FOLIO(folio_is_zone_device(folio), folio);

	if (folio_test_hugetlb(folio)) {
		free_huge_folio(folio);
		return;
	}

	page_cache_release(folio);
	folio_unqueue_deferred_split(folio);
	mem_cgroup_uncharge(folio);
	free_frozen_pages(&folio->page, folio_order(folio));
}
