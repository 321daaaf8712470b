// SPDX-License-Identifier: GPL-2.0
// shape: the lookup a maple tree's mtree_load() instead of the xarray (Matthew Wilcox on the list, "the xarray is the wrong data structure here", 2021), phys's declaration split from its initialiser
// lines: 6.12 7.3
// expect: get_pgmap_before_tryget placed

struct dev_pagemap *get_dev_pagemap(unsigned long pfn)
{
	struct dev_pagemap *pgmap;
	resource_size_t phys;

	phys = PFN_PHYS(pfn);
	rcu_read_lock();
	pgmap = mtree_load(&pgmap_tree, phys); // open get_pgmap_before_tryget
	if (pgmap && !percpu_ref_tryget_live_rcu(&pgmap->ref)) // close get_pgmap_before_tryget
		pgmap = NULL;
	rcu_read_unlock();

	return pgmap;
}
