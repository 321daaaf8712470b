/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The zdrace fake device and what the suites do with it: the driver
 * (zd_device.h), its ledger (zd_dev_ledger.h), user mappings
 * (zd_dev_map.h) and references (zd_ref.h).
 */
#ifndef _ZD_FIXTURE_H
#define _ZD_FIXTURE_H

#include "zd_dev_ledger.h"
#include "zd_dev_map.h"
#include "zd_device.h"
#include "zd_ref.h"

#endif /* _ZD_FIXTURE_H */
