// SPDX-License-Identifier: GPL-2.0
// shape: the tryget split out into a static helper of the file returning its success: the point follows it there and fails it
// lines: 6.12 7.3
// expect: get_pgmap_before_tryget placed

static bool pgmap_tryget_live(struct dev_pagemap *pgmap)
{ // open get_pgmap_before_tryget
	return percpu_ref_tryget_live_rcu(&pgmap->ref); // close get_pgmap_before_tryget
}

struct dev_pagemap *get_dev_pagemap(unsigned long pfn)
{
	struct dev_pagemap *pgmap;
	resource_size_t phys = PFN_PHYS(pfn);

	rcu_read_lock();
	pgmap = xa_load(&pgmap_array, PHYS_PFN(phys));
	if (pgmap && !pgmap_tryget_live(pgmap))
		pgmap = NULL;
	rcu_read_unlock();

	return pgmap;
}
