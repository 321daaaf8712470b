// SPDX-License-Identifier: GPL-2.0
// shape: the grab and the PMD/PTE re-check split out into gup_fast_grab_pte_folio(), the grab as an initialised declaration and the bail-outs as return NULL (the shape gup_fast_pmd_leaf() has); the grab point follows it into the helper; 7.3's gup_fast_pmd_leaf() follows, with the same shape but not called, and must get no point
// lines: 6.12 7.3
// expect: gup_fast_after_pte_read placed
// expect: gup_fast_after_get_pgmap not-placed
// expect: gup_fast_after_grab placed

/*
 * Grab the folio of @page for GUP-fast, provided the PMD and the PTE still
 * hold what was read; NULL to leave the page to ordinary GUP.
 */
static struct folio *gup_fast_grab_pte_folio(struct page *page, pte_t pte,
		pte_t *ptep, pmd_t pmd, pmd_t *pmdp, unsigned int flags)
{
	struct folio *folio = try_grab_folio_fast(page, 1, flags); // open gup_fast_after_grab

	if (!folio)
		return NULL;

	if (unlikely(pmd_val(pmd) != pmd_val(pmdp_get_lockless(pmdp))) || // close gup_fast_after_grab
	    unlikely(pte_val(pte) != pte_val(ptep_get_lockless(ptep)))) {
		gup_put_folio(folio, 1, flags);
		return NULL;
	}
	return folio;
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

		if (pte_protnone(pte))
			goto pte_unmap;

		if (!pte_access_permitted(pte, flags & FOLL_WRITE))
			goto pte_unmap;

		if (pte_special(pte))
			goto pte_unmap;

		/* If it's not marked as special it must have a valid memmap. */
		VM_WARN_ON_ONCE(!pfn_valid(pte_pfn(pte)));
		page = pte_page(pte);

		folio = gup_fast_grab_pte_folio(page, pte, ptep, pmd, pmdp, flags); // close gup_fast_after_pte_read
		if (!folio)
			goto pte_unmap;

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

static int gup_fast_pmd_leaf(pmd_t orig, pmd_t *pmdp, unsigned long addr,
		unsigned long end, unsigned int flags, struct page **pages,
		int *nr)
{
	struct page *page;
	struct folio *folio;
	int refs;

	if (!pmd_access_permitted(orig, flags & FOLL_WRITE))
		return 0;

	if (pmd_special(orig))
		return 0;

	refs = (end - addr) >> PAGE_SHIFT;
	page = pmd_page(orig) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);

	folio = try_grab_folio_fast(page, refs, flags);
	if (!folio)
		return 0;

	if (unlikely(pmd_val(orig) != pmd_val(pmdp_get_lockless(pmdp)))) {
		gup_put_folio(folio, refs, flags);
		return 0;
	}

	if (!gup_fast_folio_allowed(folio, flags)) {
		gup_put_folio(folio, refs, flags);
		return 0;
	}
	if (!pmd_write(orig) && gup_must_unshare(NULL, flags, &folio->page)) {
		gup_put_folio(folio, refs, flags);
		return 0;
	}

	pages += *nr;
	*nr += refs;
	for (; refs; refs--)
		*(pages++) = page++;
	folio_set_referenced(folio);
	return 1;
}
