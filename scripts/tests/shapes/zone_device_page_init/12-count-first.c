// SPDX-License-Identifier: GPL-2.0
// shape: steps reordered: the page count set and the page locked before the tryget
// lines: 6.12 7.3
// expect: page_init_before_tryget placed

void zone_device_page_init(struct page *page)
{
	set_page_count(page, 1);
	lock_page(page); // open page_init_before_tryget

	/*
	 * Drivers shouldn't be allocating pages after calling
	 * memunmap_pages().
	 */
	WARN_ON_ONCE(!percpu_ref_tryget_live(&page_pgmap(page)->ref)); // close page_init_before_tryget
}
