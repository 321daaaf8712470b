// SPDX-License-Identifier: GPL-2.0
// shape: as in Ralph Campbell's "mm: remove extra ZONE_DEVICE struct page refcount" v3 (Alex Sierra, June 2021, on 5.11): the kill and the wait still behind dev_pagemap_kill()/dev_pagemap_cleanup() with their ops->kill/ops->cleanup escapes, pgmap->ref a pointer
// lines: 6.12 7.3
// expect: memunmap_after_kill placed
// expect: memunmap_after_put_initial placed
// expect: memunmap_before_wait placed
// expect: memunmap_after_wait placed
// expect: memunmap_before_unmap placed
//
// The points follow the kill and the wait into the helpers.  The wait's
// helper comes first in the file, so the windows of its points are
// marked within it.

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
	int i;

	dev_pagemap_kill(pgmap);
	for (i = 0; i < pgmap->nr_range; i++) // open memunmap_after_put_initial
		percpu_ref_put_many(pgmap->ref, pfn_end(pgmap, i) - // close memunmap_after_kill
						pfn_first(pgmap, i));
	dev_pagemap_cleanup(pgmap); // close memunmap_after_put_initial

	for (i = 0; i < pgmap->nr_range; i++) // open memunmap_before_unmap
		pageunmap_range(pgmap, i); // close memunmap_before_unmap

	WARN_ONCE(pgmap->altmap.alloc, "failed to free all reserved pages\n");
	devmap_managed_enable_put(pgmap);
}
