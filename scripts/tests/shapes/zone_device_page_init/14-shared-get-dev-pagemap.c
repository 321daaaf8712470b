// SPDX-License-Identifier: GPL-2.0
// shape: the reference taken through get_dev_pagemap(), whose tryget gup and the pfn walkers share (and which carries get_pgmap_before_tryget): a shared helper never gets this point
// lines: 6.12
// expect: page_init_before_tryget not-placed

struct dev_pagemap *get_dev_pagemap(unsigned long pfn,
		struct dev_pagemap *pgmap)
{
	resource_size_t phys = PFN_PHYS(pfn);

	/*
	 * In the cached case we're already holding a live reference.
	 */
	if (pgmap) {
		if (phys >= pgmap->range.start && phys <= pgmap->range.end)
			return pgmap;
		put_dev_pagemap(pgmap);
	}

	/* fall back to slow path lookup */
	rcu_read_lock();
	pgmap = xa_load(&pgmap_array, PHYS_PFN(phys));
	if (pgmap && !percpu_ref_tryget_live_rcu(&pgmap->ref))
		pgmap = NULL;
	rcu_read_unlock();

	return pgmap;
}
EXPORT_SYMBOL_GPL(get_dev_pagemap);

void zone_device_page_init(struct page *page)
{
	/*
	 * Drivers shouldn't be allocating pages after calling
	 * memunmap_pages().
	 */
	WARN_ON_ONCE(!get_dev_pagemap(page_to_pfn(page), NULL));
	set_page_count(page, 1);
	lock_page(page);
}
