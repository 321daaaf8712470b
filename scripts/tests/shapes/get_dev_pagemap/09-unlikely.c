// SPDX-License-Identifier: GPL-2.0
// shape: the failed tryget marked unlikely(), the pgmap renamed map
// lines: 6.12 7.3
// expect: get_pgmap_before_tryget placed

struct dev_pagemap *get_dev_pagemap(unsigned long pfn)
{
	struct dev_pagemap *map;
	resource_size_t phys = PFN_PHYS(pfn);

	rcu_read_lock();
	map = xa_load(&pgmap_array, PHYS_PFN(phys)); // open get_pgmap_before_tryget
	if (map && unlikely(!percpu_ref_tryget_live_rcu(&map->ref))) // close get_pgmap_before_tryget
		map = NULL;
	rcu_read_unlock();

	return map;
}
