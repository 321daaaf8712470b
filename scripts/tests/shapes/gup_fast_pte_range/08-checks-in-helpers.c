// SPDX-License-Identifier: GPL-2.0
// shape: the PTE checks before the grab split out into gup_fast_pte_allowed() and the PMD/PTE re-check into gup_fast_pte_unchanged(), each called in one condition with unlikely() (7.3 otherwise); the points stay in the caller's conditions
// lines: 6.12 7.3
// expect: gup_fast_after_pte_read placed
// expect: gup_fast_after_get_pgmap not-placed
// expect: gup_fast_after_grab placed

/* Whether GUP-fast may take what @pte maps, or must leave it to slow GUP. */
static inline bool gup_fast_pte_allowed(pte_t pte, unsigned int flags)
{
	/*
	 * Always fallback to ordinary GUP on PROT_NONE-mapped pages:
	 * pte_access_permitted() better should reject these pages
	 * either way: otherwise, GUP-fast might succeed in
	 * cases where ordinary GUP would fail due to VMA access
	 * permissions.
	 */
	if (pte_protnone(pte))
		return false;
	if (!pte_access_permitted(pte, flags & FOLL_WRITE))
		return false;
	return !pte_special(pte);
}

/* Whether neither the PMD nor the PTE changed since GUP-fast read them. */
static inline bool gup_fast_pte_unchanged(pmd_t pmd, pmd_t *pmdp, pte_t pte,
		pte_t *ptep)
{
	return pmd_val(pmd) == pmd_val(pmdp_get_lockless(pmdp)) &&
	       pte_val(pte) == pte_val(ptep_get_lockless(ptep));
}

static int gup_fast_pte_range(pmd_t pmd, pmd_t *pmdp, unsigned long addr,
		unsigned long end, unsigned int flags, struct page **pages,
		int *nr)
{
	int ret = 0;
	pte_t *ptep, *ptem;

	ptem = ptep = pte_offset_map(&pmd, addr);
	if (!ptep)
		return 0;
	do {
		pte_t pte = ptep_get_lockless(ptep); // open gup_fast_after_pte_read
		struct page *page;
		struct folio *folio;

		if (unlikely(!gup_fast_pte_allowed(pte, flags)))
			goto pte_unmap;

		/* If it's not marked as special it must have a valid memmap. */
		VM_WARN_ON_ONCE(!pfn_valid(pte_pfn(pte)));
		page = pte_page(pte);

		folio = try_grab_folio_fast(page, 1, flags); // open gup_fast_after_grab, close gup_fast_after_pte_read
		if (!folio)
			goto pte_unmap;

		if (unlikely(!gup_fast_pte_unchanged(pmd, pmdp, pte, ptep))) { // close gup_fast_after_grab
			gup_put_folio(folio, 1, flags);
			goto pte_unmap;
		}

		if (!gup_fast_folio_allowed(folio, flags)) {
			gup_put_folio(folio, 1, flags);
			goto pte_unmap;
		}

		if (!pte_write(pte) && gup_must_unshare(NULL, flags, page)) {
			gup_put_folio(folio, 1, flags);
			goto pte_unmap;
		}

		if ((flags & FOLL_PIN) && arch_make_folio_accessible(folio)) {
			gup_put_folio(folio, 1, flags);
			goto pte_unmap;
		}
		folio_set_referenced(folio);
		pages[*nr] = page;
		(*nr)++;
	} while (ptep++, addr += PAGE_SIZE, addr != end);

	ret = 1;

pte_unmap:
	pte_unmap(ptem);
	return ret;
}
