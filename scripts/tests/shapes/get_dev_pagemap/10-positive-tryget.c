// SPDX-License-Identifier: GPL-2.0
// shape: the tryget's success tested, the pgmap handed out through a second local that stays NULL otherwise
// lines: 6.12 7.3
// expect: get_pgmap_before_tryget placed

struct dev_pagemap *get_dev_pagemap(unsigned long pfn)
{
	struct dev_pagemap *pgmap, *ret = NULL;
	resource_size_t phys = PFN_PHYS(pfn);

	rcu_read_lock();
	pgmap = xa_load(&pgmap_array, PHYS_PFN(phys)); // open get_pgmap_before_tryget
	if (pgmap && percpu_ref_tryget_live_rcu(&pgmap->ref)) // close get_pgmap_before_tryget
		ret = pgmap;
	rcu_read_unlock();

	return ret;
}
