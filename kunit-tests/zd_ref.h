/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kinds of reference a test takes on a device page, as the linux-mm
 * threads argue about them.
 */
#ifndef _ZD_REF_H
#define _ZD_REF_H

#include "zd_device.h"

struct folio *zd_pfn_walk(unsigned long pfn);

/*
 * A reference a test holds on a device page, of one of the kinds the
 * threads argue about; dropped by zd_ref_drop() or when the test ends.
 */
enum zd_ref_kind {
	ZD_REF_GET,		/* get_page() */
	ZD_REF_PIN,		/* try_grab_folio(FOLL_PIN), as pin_user_pages() */
	ZD_REF_PGMAP,		/* get_dev_pagemap() alone, as a gup-fast walk */
	ZD_REF_GUP_FAST,	/* get_user_pages_fast() of a devmap PTE */
	ZD_REF_PIN_FAST,	/* pin_user_pages_fast() of a devmap PTE */
	ZD_REF_TRY_GET,		/* try_get_page(), as a pipe buffer's get */
	ZD_REF_ADD_PIN,		/* folio_add_pin() to a pinned page, as dio */
	ZD_REF_PFN_WALK,	/* a pfn walker's speculative get: zd_pfn_walk() */
};

struct zd_ref {
	struct zd_dev *dev;
	struct page *page;
	struct dev_pagemap *pgmap;
	enum zd_ref_kind kind;
	bool held;
};

const char *zd_ref_kind_name(enum zd_ref_kind kind);
struct zd_ref *zd_ref_take(struct zd_dev *dev, struct page *page,
			   enum zd_ref_kind kind);
void zd_ref_drop(struct zd_ref *ref);

#endif /* _ZD_REF_H */
