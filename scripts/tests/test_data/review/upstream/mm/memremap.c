// SPDX-License-Identifier: GPL-2.0
/* The shape of two functions of mm/memremap.c, a series applied. */
#include <linux/memremap.h>

void memunmap_pages(struct dev_pagemap *pgmap)
{
	percpu_ref_kill(&pgmap->ref);
	wait_for_completion(&pgmap->done);
}

void zone_device_page_init(struct page *page)
{
	/* Drivers shouldn't be allocating pages after memunmap_pages(). */
	WARN_ON_ONCE(!percpu_ref_tryget_many(&page->pgmap->ref, 1));
	set_page_count(page, 1);
}
