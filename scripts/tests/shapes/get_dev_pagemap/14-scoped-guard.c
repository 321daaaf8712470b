// SPDX-License-Identifier: GPL-2.0
// shape: the lookup and the tryget in a scoped_guard(rcu) block
// lines: 6.12 7.3
// expect: get_pgmap_before_tryget placed

struct dev_pagemap *get_dev_pagemap(unsigned long pfn)
{
	struct dev_pagemap *pgmap;

	scoped_guard(rcu) {
		pgmap = xa_load(&pgmap_array, pfn); // open get_pgmap_before_tryget
		if (pgmap && !percpu_ref_tryget_live_rcu(&pgmap->ref)) // close get_pgmap_before_tryget
			pgmap = NULL;
	}

	return pgmap;
}
