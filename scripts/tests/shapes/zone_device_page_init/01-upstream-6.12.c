// SPDX-License-Identifier: GPL-2.0
// shape: as in 6.12 (since 6.1, Alistair Popple's "mm/memremap.c: take a pgmap reference on page allocation"): a live tryget under WARN_ON_ONCE(), then the count set and the page locked
// lines: 6.12
// expect: page_init_before_tryget placed

void zone_device_page_init(struct page *page) // open page_init_before_tryget
{
	/*
	 * Drivers shouldn't be allocating pages after calling
	 * memunmap_pages().
	 */
	WARN_ON_ONCE(!percpu_ref_tryget_live(&page->pgmap->ref)); // close page_init_before_tryget
	set_page_count(page, 1);
	lock_page(page);
}
