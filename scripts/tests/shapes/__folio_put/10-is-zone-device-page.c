// SPDX-License-Identifier: GPL-2.0
// shape: the test on the head page, is_zone_device_page(&folio->page), as put_page() paths did before the folio helpers, with a tracepoint before the free
// lines: 6.12 7.3
// expect: final_put_zone_device placed

void __folio_put(struct folio *folio)
{
	if (unlikely(is_zone_device_page(&folio->page))) { // open final_put_zone_device
		trace_mm_page_free(&folio->page, folio_order(folio));
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
