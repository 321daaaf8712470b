# SPDX-License-Identifier: GPL-2.0
"""The shape corpus (scripts/tests/shapes/, zdtool.kernel.shapes): every
rewrite of a function that carries points gets each point placed in its
window or reported not placed, as the variant expects; never placed
outside it.  Without spatch the corpus skips, saying why; under `make
check` it fails."""

import os
import shutil
import tempfile
import unittest
from concurrent.futures import ThreadPoolExecutor

from tests import kunittree
from zdtool.kernel import points, shapes

REPO = kunittree.REPO
# Every function a point sits in has at least this many variants.
MIN_VARIANTS = 10


def _need_spatch(case: unittest.TestCase) -> None:
	if shutil.which(points.SPATCH):
		return
	if os.environ.get('ZDRACE_TREE_REQUIRED'):
		case.fail(f'no {points.SPATCH}')
	case.skipTest(f'no {points.SPATCH} (Debian package {points.PACKAGE})')


class CorpusTest(unittest.TestCase):

	def test_every_function_has_its_variants(self) -> None:
		have: dict = {}
		for v in shapes.corpus(REPO):
			have[v.function] = have.get(v.function, 0) + 1
		for line in ('6.12', '7.3'):
			for p in points.load_table(REPO, line):
				if p.absent:
					continue
				self.assertGreaterEqual(
					have.get(p.function, 0), MIN_VARIANTS,
					f'{p.function}() carries {p.name}: '
					f'{shapes.CORPUS}/{p.function}/ has too few '
					f'variants')

	def test_each_variant_as_expected(self) -> None:
		_need_spatch(self)
		runs = [(v, line) for v in shapes.corpus(REPO) for line in v.lines]
		# Each check runs spatch in a directory of its own: one check
		# per CPU at a time.
		with ThreadPoolExecutor(os.cpu_count()) as pool:
			results = list(pool.map(
				lambda run: shapes.check(run[0], REPO, run[1]), runs))
		for (v, line), got in zip(runs, results):
			for point, outcome in got.items():
				with self.subTest(variant=v.name, line=line,
						  point=point):
					self.assertNotEqual(outcome, shapes.MISPLACED)
					self.assertEqual(outcome, v.expect[point],
							 v.shape)


MISPLACED_VARIANT = '''// SPDX-License-Identifier: GPL-2.0
// shape: a window marked to end before the point the rule places
// lines: 6.12
// expect: memunmap_after_kill placed
// expect: memunmap_before_wait not-placed

void memunmap_pages(struct dev_pagemap *pgmap)
{
	percpu_ref_kill(&pgmap->ref); // open memunmap_after_kill, close memunmap_after_kill
	wait_for_completion(&pgmap->done);
}
'''


class CheckTest(unittest.TestCase):
	"""What check() calls a point outside its marks, and a point the
	variant says has no window but the rule placed."""

	def test_outside_the_marks_is_misplaced(self) -> None:
		_need_spatch(self)
		with tempfile.TemporaryDirectory() as d:
			path = os.path.join(d, 'memunmap_pages', '01-x.c')
			os.makedirs(os.path.dirname(path))
			with open(path, 'w') as f:
				f.write(MISPLACED_VARIANT)
			v = shapes.parse(path)
			self.assertEqual(v.opens, {'memunmap_after_kill': 9})
			# The first after its close mark, the second where
			# the variant marks no window at all.
			self.assertEqual(shapes.check(v, REPO, '6.12'), {
				'memunmap_after_kill': shapes.MISPLACED,
				'memunmap_before_wait': shapes.MISPLACED})


if __name__ == '__main__':
	unittest.main()
