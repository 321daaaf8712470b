// SPDX-License-Identifier: GPL-2.0
// shape: the PTE read and the checks on it split out into gup_fast_pte_page(), which returns the page or NULL for slow GUP (7.3 otherwise); the point follows the read into the helper, at its first bail-out
// lines: 6.12 7.3
// expect: gup_fast_after_pte_read placed
// expect: gup_fast_after_get_pgmap not-placed
// expect: gup_fast_after_grab placed

/*
 * Read the PTE at @ptep into *@ptevalp and return the page GUP-fast may take
 * there, or NULL if it must leave it to ordinary GUP.
 */
static struct page *gup_fast_pte_page(pte_t *ptep, pte_t *ptevalp,
		unsigned int flags)
{
	pte_t pte;

	pte = ptep_get_lockless(ptep); // open gup_fast_after_pte_read
	*ptevalp = pte;

	/*
	 * Always fallback to ordinary GUP on PROT_NONE-mapped pages:
	 * pte_access_permitted() better should reject these pages
	 * either way: otherwise, GUP-fast might succeed in
	 * cases where ordinary GUP would fail due to VMA access
	 * permissions.
	 */
	if (pte_protnone(pte))
		return NULL;

	if (!pte_access_permitted(pte, flags & FOLL_WRITE))
		return NULL;

	if (pte_special(pte))
		return NULL;

	/* If it's not marked as special it must have a valid memmap. */
	VM_WARN_ON_ONCE(!pfn_valid(pte_pfn(pte)));
	return pte_page(pte);
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
		struct page *page;
		struct folio *folio;
		pte_t pte;

		page = gup_fast_pte_page(ptep, &pte, flags);
		if (!page)
			goto pte_unmap;

		folio = try_grab_folio_fast(page, 1, flags); // open gup_fast_after_grab, close gup_fast_after_pte_read
		if (!folio)
			goto pte_unmap;

		if (unlikely(pmd_val(pmd) != pmd_val(pmdp_get_lockless(pmdp))) || // close gup_fast_after_grab
		    unlikely(pte_val(pte) != pte_val(ptep_get_lockless(ptep)))) {
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
