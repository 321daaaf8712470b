// SPDX-License-Identifier: GPL-2.0
// shape: the ZONE_DEVICE branch split out into a static helper that tests and frees, the caller returning on its result
// lines: 6.12 7.3
// expect: final_put_zone_device placed

static bool folio_put_zone_device(struct folio *folio)
{
	if (likely(!folio_is_zone_device(folio))) // open final_put_zone_device
		return false;
	free_zone_device_folio(folio); // close final_put_zone_device
	return true;
}

void __folio_put(struct folio *folio)
{
	if (folio_put_zone_device(folio))
		return;

	if (folio_test_hugetlb(folio)) {
		free_huge_folio(folio);
		return;
	}

	page_cache_release(folio);
	folio_unqueue_deferred_split(folio);
	mem_cgroup_uncharge(folio);
	free_frozen_pages(&folio->page, folio_order(folio));
}
