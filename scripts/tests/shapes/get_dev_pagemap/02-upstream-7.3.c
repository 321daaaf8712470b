// SPDX-License-Identifier: GPL-2.0
// shape: as in 7.3 and 7.2: the cached pgmap argument gone with gup-fast's use of it (Alistair Popple, "mm/memremap: Remove unused get_dev_pagemap() parameter"), pgmap now a local declared before phys
// lines: 7.3
// expect: get_pgmap_before_tryget placed

struct dev_pagemap *get_dev_pagemap(unsigned long pfn)
{
	struct dev_pagemap *pgmap;
	resource_size_t phys = PFN_PHYS(pfn);

	rcu_read_lock();
	pgmap = xa_load(&pgmap_array, PHYS_PFN(phys)); // open get_pgmap_before_tryget
	if (pgmap && !percpu_ref_tryget_live_rcu(&pgmap->ref)) // close get_pgmap_before_tryget
		pgmap = NULL;
	rcu_read_unlock();

	return pgmap;
}
