// SPDX-License-Identifier: GPL-2.0
// shape: as in 6.2-6.9 (mm/swap.c): an unbraced if/else-if chain, free_zone_device_page(&folio->page), the small/large frees split into static helpers
// lines: 6.12 7.3
// expect: final_put_zone_device placed

static void __folio_put_small(struct folio *folio)
{
	__page_cache_release(folio);
	mem_cgroup_uncharge(folio);
	free_unref_page(&folio->page, 0);
}

static void __folio_put_large(struct folio *folio)
{
	/*
	 * __page_cache_release() is supposed to be called for thp, not for
	 * hugetlb. This is because hugetlb page does never have PageLRU set
	 * (it's never listed to any LRU lists) and no memcg routines should
	 * be called for hugetlb (it has a separate hugetlb_cgroup.)
	 */
	if (!folio_test_hugetlb(folio))
		__page_cache_release(folio);
	destroy_large_folio(folio);
}

void __folio_put(struct folio *folio)
{
	if (unlikely(folio_is_zone_device(folio))) // open final_put_zone_device
		free_zone_device_page(&folio->page); // close final_put_zone_device
	else if (unlikely(folio_test_large(folio)))
		__folio_put_large(folio);
	else
		__folio_put_small(folio);
}
