// SPDX-License-Identifier: GPL-2.0
// shape: as in 5.10 (Dan Williams, "mm/memremap_pages: support multiple ranges per invocation"): the initial references dropped one put_page() per pfn over for_each_device_pfn(), the kill and the wait behind dev_pagemap_kill()/dev_pagemap_cleanup()
// lines: 6.12 7.3
// expect: memunmap_after_kill placed
// expect: memunmap_after_put_initial not-placed
// expect: memunmap_before_wait placed
// expect: memunmap_after_wait placed
// expect: memunmap_before_unmap placed
//
// The per-page puts drop page references, and the pgmap's only as each
// page frees: not the per-range percpu_ref_put_many() the point follows.

static unsigned long pfn_next(unsigned long pfn)
{
	if (pfn % 1024 == 0)
		cond_resched();
	return pfn + 1;
}

#define for_each_device_pfn(pfn, map, i) \
	for (pfn = pfn_first(map, i); pfn < pfn_end(map, i); pfn = pfn_next(pfn))

static void dev_pagemap_cleanup(struct dev_pagemap *pgmap)
{
	if (pgmap->ops && pgmap->ops->cleanup) {
		pgmap->ops->cleanup(pgmap);
	} else { // open memunmap_before_wait, open memunmap_after_wait
		wait_for_completion(&pgmap->done); // close memunmap_before_wait
		percpu_ref_exit(pgmap->ref); // close memunmap_after_wait
	}
	/*
	 * Undo the pgmap ref assignment for the internal case as the
	 * caller may re-enable the same pgmap.
	 */
	if (pgmap->ref == &pgmap->internal_ref)
		pgmap->ref = NULL;
}

static void dev_pagemap_kill(struct dev_pagemap *pgmap)
{
	if (pgmap->ops && pgmap->ops->kill)
		pgmap->ops->kill(pgmap);
	else // open memunmap_after_kill
		percpu_ref_kill(pgmap->ref);
}

void memunmap_pages(struct dev_pagemap *pgmap)
{
	unsigned long pfn;
	int i;

	dev_pagemap_kill(pgmap);
	for (i = 0; i < pgmap->nr_range; i++)
		for_each_device_pfn(pfn, pgmap, i)
			put_page(pfn_to_page(pfn)); // close memunmap_after_kill
	dev_pagemap_cleanup(pgmap);

	for (i = 0; i < pgmap->nr_range; i++) // open memunmap_before_unmap
		pageunmap_range(pgmap, i); // close memunmap_before_unmap

	WARN_ONCE(pgmap->altmap.alloc, "failed to free all reserved pages\n");
	devmap_managed_enable_put(pgmap);
}
