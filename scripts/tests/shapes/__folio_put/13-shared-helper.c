// SPDX-License-Identifier: GPL-2.0
// shape: the ZONE_DEVICE test-and-free split out into a static helper that folios_put_refs() shares: a helper other callers share never gets the point (it would fire for batched puts too), so __folio_put() is left without a window
// lines: 6.12 7.3
// expect: final_put_zone_device not-placed

static bool folio_put_zone_device(struct folio *folio)
{
	if (likely(!folio_is_zone_device(folio)))
		return false;
	free_zone_device_folio(folio);
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

void folios_put_refs(struct folio_batch *folios, unsigned int *refs)
{
	int i, j;

	for (i = 0, j = 0; i < folios->nr; i++) {
		struct folio *folio = folios->folios[i];
		unsigned int nr_refs = refs ? refs[i] : 1;

		if (!folio_ref_sub_and_test(folio, nr_refs))
			continue;
		if (folio_put_zone_device(folio))
			continue;
		folios->folios[j++] = folio;
	}
	folios->nr = j;
}
