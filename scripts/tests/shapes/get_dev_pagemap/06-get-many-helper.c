// SPDX-License-Identifier: GPL-2.0
// shape: Dan Williams' get_dev_pagemap_many() as a static helper of the file that get_dev_pagemap() calls for one reference: the point follows the tryget into the helper
// lines: 6.12 7.3
// expect: get_pgmap_before_tryget placed

static struct dev_pagemap *__get_dev_pagemap(unsigned long pfn, int refs)
{
	struct dev_pagemap *pgmap;

	rcu_read_lock();
	pgmap = xa_load(&pgmap_array, PHYS_PFN(PFN_PHYS(pfn))); // open get_pgmap_before_tryget
	if (pgmap && !percpu_ref_tryget_live_rcu(&pgmap->ref)) // close get_pgmap_before_tryget
		pgmap = NULL;
	if (pgmap && refs > 1)
		percpu_ref_get_many(&pgmap->ref, refs - 1);
	rcu_read_unlock();

	return pgmap;
}

struct dev_pagemap *get_dev_pagemap_many(unsigned long pfn, int refs)
{
	return __get_dev_pagemap(pfn, refs);
}
EXPORT_SYMBOL_GPL(get_dev_pagemap_many);

struct dev_pagemap *get_dev_pagemap(unsigned long pfn)
{
	return __get_dev_pagemap(pfn, 1);
}
EXPORT_SYMBOL_GPL(get_dev_pagemap);
