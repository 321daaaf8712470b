/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device's end-of-case ledger: each page's refcount state and the
 * pgmap's count against the idle state memremap_pages() left, checked
 * when the device is torn down.
 */
#ifndef _ZD_DEV_LEDGER_H
#define _ZD_DEV_LEDGER_H

#include "zd_device.h"

void zd_page_state(struct page *page, struct zd_page_state *st);
void zd_dev_ledger(struct zd_dev *dev);
int zd_dev_ledger_diffs(struct zd_dev *dev);
void zd_ledger_judge(struct kunit *test, int (*scan)(void *data, bool report),
		     void *data, const char *what);

#endif /* _ZD_DEV_LEDGER_H */
