// SPDX-License-Identifier: GPL-2.0
// shape: the WARN_ON_ONCE() made the condition of an if that returns, the count set and lock taken only on success
// lines: 6.12 7.3
// expect: page_init_before_tryget placed

void zone_device_page_init(struct page *page) // open page_init_before_tryget
{
	/*
	 * Drivers shouldn't be allocating pages after calling
	 * memunmap_pages().
	 */
	if (WARN_ON_ONCE(!percpu_ref_tryget_live(&page_pgmap(page)->ref))) // close page_init_before_tryget
		return;
	set_page_count(page, 1);
	lock_page(page);
}
