// SPDX-License-Identifier: GPL-2.0
// shape: the lookup renamed get_dev_pagemap_many() with a count of references to take, get_dev_pagemap() left a static inline of <linux/memremap.h> (Dan Williams, "fsdax: Manage pgmap references at entry insertion and deletion", Sept 2022): no get_dev_pagemap() in the file, so no window of ours, and the tryget of the renamed function gets no point
// lines: 6.12 7.3
// expect: get_pgmap_before_tryget not-placed

struct dev_pagemap *get_dev_pagemap_many(unsigned long pfn,
					 struct dev_pagemap *pgmap, int refs)
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
	if (pgmap && refs > 1)
		percpu_ref_get_many(&pgmap->ref, refs - 1);
	rcu_read_unlock();

	return pgmap;
}
EXPORT_SYMBOL_GPL(get_dev_pagemap_many);
