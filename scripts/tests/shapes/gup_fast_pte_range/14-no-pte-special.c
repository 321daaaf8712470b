// SPDX-License-Identifier: GPL-2.0
// shape: the window removed altogether: the stub every version has for !CONFIG_ARCH_HAS_PTE_SPECIAL, which leaves the whole range to ordinary GUP
// lines: 6.12 7.3
// expect: gup_fast_after_pte_read not-placed
// expect: gup_fast_after_get_pgmap not-placed
// expect: gup_fast_after_grab not-placed

/*
 * If we can't determine whether or not a pte is special, then fail immediately
 * for ptes. Note, we can still pin HugeTLB and THP as these are guaranteed not
 * to be special.
 *
 * For a futex to be placed on a THP tail page, get_futex_key requires a
 * get_user_pages_fast_only implementation that can pin pages. Thus it's still
 * useful to have gup_fast_pmd_leaf even if we can't operate on ptes.
 */
static int gup_fast_pte_range(pmd_t pmd, pmd_t *pmdp, unsigned long addr,
		unsigned long end, unsigned int flags, struct page **pages,
		int *nr)
{
	return 0;
}
