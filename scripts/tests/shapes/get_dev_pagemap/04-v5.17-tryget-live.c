// SPDX-License-Identifier: GPL-2.0
// shape: as before Christophe JAILLET's "mm/memremap: Use percpu_ref_tryget_live_rcu()": the ref embedded in the pgmap (5.17), the tryget percpu_ref_tryget_live() though rcu_read_lock() is held
// lines: 6.12 7.3
// expect: get_pgmap_before_tryget placed

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
	pgmap = xa_load(&pgmap_array, PHYS_PFN(phys)); // open get_pgmap_before_tryget
	if (pgmap && !percpu_ref_tryget_live(&pgmap->ref)) // close get_pgmap_before_tryget
		pgmap = NULL;
	rcu_read_unlock();

	return pgmap;
}
