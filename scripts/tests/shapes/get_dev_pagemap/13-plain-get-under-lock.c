// SPDX-License-Identifier: GPL-2.0
// shape: the lookup under the xarray's lock with a plain percpu_ref_get(), teardown erasing the pgmap from the array before it kills the ref: no tryget, so no window
// lines: 6.12 7.3
// expect: get_pgmap_before_tryget not-placed

struct dev_pagemap *get_dev_pagemap(unsigned long pfn)
{
	struct dev_pagemap *pgmap;

	xa_lock(&pgmap_array);
	pgmap = xa_load(&pgmap_array, pfn);
	if (pgmap)
		percpu_ref_get(&pgmap->ref);
	xa_unlock(&pgmap_array);

	return pgmap;
}
