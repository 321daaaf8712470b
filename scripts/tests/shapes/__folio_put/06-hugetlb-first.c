// SPDX-License-Identifier: GPL-2.0
// shape: checks reordered: the hugetlb test before the ZONE_DEVICE one, a VM_WARN_ON_ONCE_FOLIO() between the test and the free
// lines: 6.12 7.3
// expect: final_put_zone_device placed

void __folio_put(struct folio *folio)
{
	if (folio_test_hugetlb(folio)) {
		free_huge_folio(folio);
		return;
	}

	if (unlikely(folio_is_zone_device(folio))) { // open final_put_zone_device
		VM_WARN_ON_ONCE_FOLIO(folio_ref_count(folio), folio);
		free_zone_device_folio(folio); // close final_put_zone_device
		return;
	}

	page_cache_release(folio);
	folio_unqueue_deferred_split(folio);
	mem_cgroup_uncharge(folio);
	free_frozen_pages(&folio->page, folio_order(folio));
}
