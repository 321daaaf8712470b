// SPDX-License-Identifier: GPL-2.0
// shape: as in 6.14-6.18: page->pgmap read through page_pgmap() (Alistair Popple's fs-dax refcount series)
// lines: 6.12 7.3
// expect: page_init_before_tryget placed

void zone_device_page_init(struct page *page) // open page_init_before_tryget
{
	/*
	 * Drivers shouldn't be allocating pages after calling
	 * memunmap_pages().
	 */
	WARN_ON_ONCE(!percpu_ref_tryget_live(&page_pgmap(page)->ref)); // close page_init_before_tryget
	set_page_count(page, 1);
	lock_page(page);
}
