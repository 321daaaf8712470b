// SPDX-License-Identifier: GPL-2.0
/* The shape of two functions of mm/memremap.c, a series applied. */
#include <linux/memremap.h>
#include <zdrace/fi.h>

void memunmap_pages(struct dev_pagemap *pgmap)
{
	percpu_ref_kill(&pgmap->ref);
	zdrace_fi(ZDRACE_FI_memunmap_after_kill);
	wait_for_completion(&pgmap->done);
}

void zone_device_page_init(struct page *page)
{
	/* Drivers shouldn't be allocating pages after memunmap_pages(). */
	WARN_ON_ONCE(zdrace_fi(ZDRACE_FI_page_init_before_tryget) ||
		     !percpu_ref_tryget_many(&page->pgmap->ref, 1));
	set_page_count(page, 1);
}
