# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.points: the point table, and placing the points by shape.

The placement tests run spatch on the prepared trees' pristine sources
(build/<line>/pristine): the result must be byte for byte the prepared
tree's mm/ files and what its generated points patch makes, and the
example series of coverage/examples/6.12/ must leave the points placed
or name the ones they leave no window for.  Without spatch or a
prepared tree they skip, saying why; under `make check` they fail.
"""

import os
import re
import shutil
import tempfile
import unittest
from typing import Dict, List

from tests import kunittree
from zdtool.coverage import patchcov
from zdtool.kernel import points
from zdtool.kernel.series import apply_patch

REPO = kunittree.REPO
EXAMPLES = os.path.join(REPO, 'coverage', 'examples', '6.12')


def _build_root() -> str:
	return os.path.dirname(os.path.dirname(os.path.abspath(
		kunittree.tree())))


def _need(case: unittest.TestCase, what: str, ok: bool) -> None:
	if ok:
		return
	if os.environ.get('ZDRACE_TREE_REQUIRED'):
		case.fail(what)
	case.skipTest(what)


def _line_dirs(case: unittest.TestCase, line: str) -> Dict[str, str]:
	_need(case, f'no {points.SPATCH} (Debian package {points.PACKAGE})',
	      shutil.which(points.SPATCH) is not None)
	root = os.path.join(_build_root(), line)
	dirs = {'pristine': os.path.join(root, 'pristine'),
		'linux': os.path.join(root, 'linux')}
	for d in dirs.values():
		if not os.path.isfile(os.path.join(d, 'mm', 'memremap.c')):
			# Only the line under test is required to be prepared.
			case.skipTest(f'{d}: no prepared {line} tree (make prepare '
				      f'KERNEL={line})')
	return dirs


class TableTest(unittest.TestCase):

	def test_lines_read_their_entries(self) -> None:
		six = {p.name: p for p in points.load_table(REPO, '6.12')}
		seven = {p.name: p for p in points.load_table(REPO, '7.3')}
		self.assertEqual(set(six), set(seven))
		self.assertEqual(six['final_put_zone_device'].file, 'mm/swap.c')
		self.assertEqual(seven['final_put_zone_device'].file, 'mm/folio.c')
		# A 7.x tree may still have it where 6.x does, and back.
		self.assertEqual(seven['final_put_zone_device'].files,
				 ('mm/folio.c', 'mm/swap.c'))
		self.assertEqual(six['final_put_zone_device'].files,
				 ('mm/swap.c', 'mm/folio.c'))
		self.assertEqual(six['filemap_after_load'].files,
				 ('mm/filemap.c',))
		self.assertFalse(six['gup_fast_after_get_pgmap'].absent)
		self.assertTrue(seven['gup_fast_after_get_pgmap'].absent)
		self.assertEqual(six['page_init_before_tryget'].function,
				 'zone_device_page_init')

	def test_every_point_has_a_rule(self) -> None:
		placed = {n for sp in points.semantic_patches(REPO)
			  for n in sp.points}
		for line in ('6.12', '7.3'):
			names = {p.name for p in points.load_table(REPO, line)}
			self.assertEqual(names - placed, set(), line)
			self.assertEqual(placed - names, set(), line)


class WrapTest(unittest.TestCase):
	"""Kernel style for spatch's one-liners."""

	def test_breaks_after_or_under_the_open_paren(self) -> None:
		self.assertEqual(points.wrap_line(
			'\tWARN_ON_ONCE(zdrace_fi(ZDRACE_FI_page_init_before_tryget)'
			' || !percpu_ref_tryget_live(&page->pgmap->ref));'), [
			'\tWARN_ON_ONCE(zdrace_fi(ZDRACE_FI_page_init_before_tryget) ||',
			'\t\t     !percpu_ref_tryget_live(&page->pgmap->ref));'])
		self.assertEqual(points.wrap_line(
			'\tif (pgmap && (zdrace_fi(ZDRACE_FI_get_pgmap_before_tryget)'
			' || !percpu_ref_tryget_live_rcu(&pgmap->ref)))'), [
			'\tif (pgmap && (zdrace_fi(ZDRACE_FI_get_pgmap_before_tryget) ||',
			'\t\t      !percpu_ref_tryget_live_rcu(&pgmap->ref)))'])

	def test_fills_each_line_it_can(self) -> None:
		self.assertEqual(points.wrap_line(
			'\t\tif (zdrace_fi(ZDRACE_FI_gup_fast_after_grab) || '
			'unlikely(pmd_val(pmd) != pmd_val(*pmdp)) || '
			'unlikely(pte_val(pte) != pte_val(ptep_get(ptep)))) {'), [
			'\t\tif (zdrace_fi(ZDRACE_FI_gup_fast_after_grab) ||',
			'\t\t    unlikely(pmd_val(pmd) != pmd_val(*pmdp)) ||',
			'\t\t    unlikely(pte_val(pte) != pte_val(ptep_get(ptep)))) {'])

	def test_breaks_after_and_too(self) -> None:
		self.assertEqual(points.wrap_line(
			'\t\tif (!zdrace_fi(ZDRACE_FI_contig_after_load) && '
			'folio_try_get(folio)) {'), [
			'\t\tif (!zdrace_fi(ZDRACE_FI_contig_after_load) &&',
			'\t\t    folio_try_get(folio)) {'])

	def test_short_lines_and_strings_stay(self) -> None:
		line = '\tif (zdrace_fi(ZDRACE_FI_filemap_after_load) || ' \
		       '!folio_try_get(folio))'
		self.assertEqual(points.wrap_line(line), [line])
		self.assertEqual(points._pieces('f("a || b") || g()'),
				 ['f("a || b") ||', 'g()'])


class NotPlacedTest(unittest.TestCase):

	def test_locate_names_the_changed_line_of_the_window(self) -> None:
		with tempfile.TemporaryDirectory() as tmp:
			os.makedirs(os.path.join(tmp, 'mm'))
			with open(os.path.join(tmp, 'mm/filemap.c'), 'w') as f:
				f.write('int x;\n\nvoid *filemap_get_entry(int i)\n{\n'
					'\treturn 0;\n}\n')
			p = points.Point('filemap_after_load', 'mm/filemap.c', False,
					 'filemap_get_entry(): after xas_load()')
			self.assertEqual(points.locate(p, tmp, {
				'mm/filemap.c': [1, 5]}).where, 'mm/filemap.c:5')
			self.assertEqual(points.locate(p, tmp, {}).where,
					 'mm/filemap.c:3')
			n = points.locate(p, tmp, {'mm/filemap.c': [1, 5]})
			self.assertEqual(n.message(), 'point filemap_after_load not '
					 'placed: the series changed its window '
					 '(mm/filemap.c:5)')
			self.assertEqual(n.boot_arg(), 'zdrace_fi.unplaced='
					 'filemap_after_load@mm/filemap.c:5')
			# Not under review: the tree has no such code, or no
			# such function, or no such file.
			self.assertEqual(points.locate(p, tmp).message(),
					 'point filemap_after_load not placed: '
					 'filemap_get_entry() has no code of its '
					 'window\'s shape (mm/filemap.c:3)')
			moved = points.Point('y', 'mm/filemap.c', False, 'h(): y')
			self.assertEqual(points.locate(moved, tmp).message(),
					 'point y not placed: no function h() '
					 '(mm/filemap.c)')
			gone = points.Point('x', 'mm/gone.c', False, 'g(): y')
			self.assertEqual(points.locate(gone, tmp).message(),
					 'point x not placed: no such file (mm/gone.c)')


class PlacementTest(unittest.TestCase):
	"""spatch on real sources."""

	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()

	def tearDown(self) -> None:
		self.tmp.cleanup()

	def _copy(self, src: str, line: str) -> str:
		"""The point files of @line from @src, in a tree of their own."""
		dst = os.path.join(self.tmp.name, line)
		for p in points.load_table(REPO, line):
			path = os.path.join(dst, p.file)
			os.makedirs(os.path.dirname(path), exist_ok=True)
			shutil.copy(os.path.join(src, p.file), path)
		return dst

	def _placed(self, line: str) -> None:
		"""Placing on the pristine point files gives the prepared
		tree's, no point outside its window; and the patch the tree
		records (for posting, and for checkpatch) makes the same."""
		dirs = _line_dirs(self, line)
		tree = self._copy(dirs['pristine'], line)
		placement = points.place(tree, REPO, line)
		self.assertEqual(placement.unplaced, [])
		again = self._copy(dirs['pristine'], line + '-patched')
		apply_patch(again, os.path.join(dirs['linux'],
						'.zdrace-points.patch'))
		for rel in placement.files:
			with open(os.path.join(tree, rel), 'rb') as a, \
			     open(os.path.join(dirs['linux'], rel), 'rb') as b, \
			     open(os.path.join(again, rel), 'rb') as c:
				placed = a.read()
				self.assertTrue(placed == b.read(),
						f'{line}: {rel} differs from the '
						f'prepared tree')
				self.assertTrue(placed == c.read(),
						f'{line}: the points patch makes '
						f'another {rel}')
		self.assertEqual(len(placement.files),
				 len({p.file for p in points.load_table(REPO, line)
				      if not p.absent}))

	def test_6_12_places_every_point(self) -> None:
		self._placed('6.12')

	def test_7_3_places_every_point(self) -> None:
		self._placed('7.3')

	def _review(self, mbox: str) -> List[str]:
		dirs = _line_dirs(self, '6.12')
		tree = self._copy(dirs['pristine'], '6.12')
		upstream = os.path.join(self.tmp.name, 'upstream')
		work = os.path.join(self.tmp.name, 'series')
		paths = patchcov.load_review_series(os.path.join(EXAMPLES, mbox),
						    work)
		for path in paths:
			apply_patch(tree, path)
		shutil.copytree(tree, upstream)
		changed = patchcov.changed_lines(dirs['pristine'], upstream,
						 patchcov.touched_files(paths))
		placement = points.place(tree, REPO, '6.12')
		self.assertEqual(len(placement.placed) +
				 len(placement.unplaced),
				 len(points.load_table(REPO, '6.12')))
		self.upstream = upstream
		return [points.locate(p, upstream, changed).message()
			for p in placement.unplaced]

	def _line_of(self, rel: str, text: str) -> int:
		"""The number of the first line of @rel in the reviewer's tree
		that is @text: read from the tree at hand, as every sublevel
		of the line numbers it differently."""
		with open(os.path.join(self.upstream, rel)) as f:
			for n, line in enumerate(f, 1):
				if line.rstrip('\n') == text:
					return n
		self.fail(f'{rel}: no line {text!r}')

	def test_series_changing_the_page_init_tryget(self) -> None:
		self.assertEqual(self._review(
			'zone-device-page-init-tryget.mbox'), [])

	def test_series_changing_the_gup_fast_recheck(self) -> None:
		self.assertEqual(self._review('gup-fast-recheck-lockless.mbox'),
				 [])

	def test_series_rewriting_filemap_get_entry(self) -> None:
		found = self._review('filemap-try-get-folio.mbox')
		# The first line the series changed in filemap_get_entry().
		where = 'mm/filemap.c:%d' % self._line_of(
			'mm/filemap.c', '\tif (!filemap_try_get_folio(&xas, folio))')
		# The get moved into a helper find_get_entry() calls too: the
		# load point joins filemap_get_entry()'s call of it (the get
		# is the helper's first statement); the reload point's window
		# is inside the shared helper, where it would fire for
		# find_get_entry() as well, so it is not placed.
		self.assertEqual(found, [
			f'point filemap_after_tryget not placed: the series changed '
			f'its window ({where})'])
		with open(os.path.join(self.tmp.name, '6.12', 'mm/filemap.c')) as f:
			placed = f.read()
		self.assertTrue(re.search(
			r'\tif \(zdrace_fi\(ZDRACE_FI_filemap_after_load\) \|\|\s+'
			r'!filemap_try_get_folio\(&xas, folio\)\)\n\t\tgoto repeat;',
			placed), 'filemap_after_load does not join the call of '
			'filemap_try_get_folio() in filemap_get_entry()')


if __name__ == '__main__':
	unittest.main()
