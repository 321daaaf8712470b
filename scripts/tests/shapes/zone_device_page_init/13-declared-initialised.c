// SPDX-License-Identifier: GPL-2.0
// shape: the tryget as the initialiser of a local, WARN_ON() (not _ONCE) on it
// lines: 6.12 7.3
// expect: page_init_before_tryget placed

void zone_device_page_init(struct page *page) // open page_init_before_tryget
{
	bool live = percpu_ref_tryget_live(&page_pgmap(page)->ref); // close page_init_before_tryget

	/*
	 * Drivers shouldn't be allocating pages after calling
	 * memunmap_pages().
	 */
	WARN_ON(!live);
	set_page_count(page, 1);
	lock_page(page);
}
