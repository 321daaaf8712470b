// SPDX-License-Identifier: GPL-2.0
// shape: as the fs-dax intermediate that called GENERIC back too, but through a static helper: the GENERIC case opens with that call, so the after point goes after the callback in the helper and not at the top of the case (FS_DAX, without one, still gets it)
// lines: 7.3
// expect: free_before_page_free placed
// expect: free_after_page_free placed

static void pgmap_folio_free(struct dev_pagemap *pgmap, struct folio *folio)
{
	if (WARN_ON_ONCE(!pgmap->ops || !pgmap->ops->folio_free))
		return; // open free_after_page_free
	pgmap->ops->folio_free(folio);
}

void free_zone_device_folio(struct folio *folio)
{
	struct dev_pagemap *pgmap = folio->pgmap;

	if (WARN_ON_ONCE(!pgmap))
		return;

	mem_cgroup_uncharge(folio);
	folio->mapping = NULL; // open free_before_page_free

	switch (pgmap->type) {
	case MEMORY_DEVICE_PRIVATE:
	case MEMORY_DEVICE_COHERENT:
		pgmap_folio_free(pgmap, folio); // close free_before_page_free
		percpu_ref_put_many(&pgmap->ref, folio_nr_pages(folio));
		break;

	case MEMORY_DEVICE_GENERIC:
		pgmap_folio_free(pgmap, folio);
		folio_set_count(folio, 1);
		break;

	case MEMORY_DEVICE_FS_DAX:
		wake_up_var(&folio->page); // close free_after_page_free
		break;
	}
}
