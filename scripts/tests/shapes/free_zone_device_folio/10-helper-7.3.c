// SPDX-License-Identifier: GPL-2.0
// shape: the 7.3 switch with the guarded callback of PRIVATE/COHERENT and P2PDMA split out into one static helper that says whether it called back; the switch calls back through it, so the before point stays before the switch, the after point follows the callback into the helper and opens the GENERIC and FS_DAX cases
// lines: 7.3
// expect: free_before_page_free placed
// expect: free_after_page_free placed

static bool pgmap_folio_free(struct dev_pagemap *pgmap, struct folio *folio)
{
	if (WARN_ON_ONCE(!pgmap->ops || !pgmap->ops->folio_free))
		return false; // open free_after_page_free
	pgmap->ops->folio_free(folio);
	return true;
}

void free_zone_device_folio(struct folio *folio)
{
	struct dev_pagemap *pgmap = folio->pgmap;
	unsigned long nr = folio_nr_pages(folio);
	int i;

	if (WARN_ON_ONCE(!pgmap))
		return;

	mem_cgroup_uncharge(folio);

	if (folio_test_anon(folio)) {
		mod_mthp_stat(folio_order(folio), MTHP_STAT_NR_ANON, -1);
		for (i = 0; i < nr; i++)
			__ClearPageAnonExclusive(folio_page(folio, i));
	}

	if (pgmap->type != MEMORY_DEVICE_FS_DAX &&
	    pgmap->type != MEMORY_DEVICE_GENERIC)
		folio->mapping = NULL; // open free_before_page_free

	switch (pgmap->type) {
	case MEMORY_DEVICE_PRIVATE:
	case MEMORY_DEVICE_COHERENT:
		if (pgmap_folio_free(pgmap, folio)) // close free_before_page_free
			percpu_ref_put_many(&pgmap->ref, nr);
		break;

	case MEMORY_DEVICE_GENERIC:
		/*
		 * Reset the refcount to 1 to prepare for handing out the page
		 * again.
		 */
		folio_set_count(folio, 1);
		break;

	case MEMORY_DEVICE_FS_DAX:
		wake_up_var(&folio->page); // close free_after_page_free
		break;

	case MEMORY_DEVICE_PCI_P2PDMA:
		pgmap_folio_free(pgmap, folio);
		break;
	}
}
