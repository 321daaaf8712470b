# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.tree: preparation is atomic, incremental and wires our sources."""

import contextlib
import io
import os
import shutil
import tempfile
import unittest
from typing import Dict, List, Optional, Sequence

from tests import fakekernel
from zdtool import ZdError
from zdtool.kernel import points, series, source, tree
from zdtool.layout import Layout


NO_FILE_TABLE = 'ZDRACE_FI_POINT(p, "mm/none.c", 0, "f(): before g()")\n'
# One point, placed in f() of mm/memremap.c before g().
TABLE = 'ZDRACE_FI_POINT(p, "mm/memremap.c", 0, "f(): before g()")\n'
RULE = '@p@\n@@\nf(...)\n{\n<...\n+zdrace_fi(ZDRACE_FI_p);\n g();\n...>\n}\n'
MEMREMAP = '#include <linux/types.h>\n\nvoid f(void)\n{\n\tg();\n}\n'


class PrepareTest(unittest.TestCase):

	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()
		root = self.tmp.name
		self.src = fakekernel.make_tree(os.path.join(root, 'linux-source'))
		self.repo = os.path.join(root, 'repo')
		os.makedirs(os.path.join(self.repo, 'kunit-tests'))
		with open(os.path.join(self.repo, 'kunit-tests', 'Kconfig'), 'w') as f:
			f.write('config ZDRACE_X\n\tbool "x"\n')
		# A point in a file the fake kernel does not have.
		fakekernel.make_points(self.repo, NO_FILE_TABLE, '')
		self.patch_dir = os.path.join(self.repo, 'patches', '6.12')
		self.layout = Layout(os.path.join(root, 'build'), '6.12').main

	def tearDown(self) -> None:
		self.tmp.cleanup()

	def _prepare(self, patches: Optional[Dict[str, str]] = None,
		     src: Optional[str] = None) -> tree.TreeInfo:
		fakekernel.write_series(self.patch_dir, patches or {})
		ks = source.KernelSource(src or self.src,
					 (src or '').endswith('.tar.xz'))
		with contextlib.redirect_stdout(io.StringIO()):
			return tree.prepare(self.layout, ks,
					    series.load_series(self.patch_dir),
					    self.repo, '6.12')

	def _read(self, rel: str) -> str:
		with open(os.path.join(self.layout.tree, rel)) as f:
			return f.read()

	def _good(self, new: str = 'int A;') -> dict:
		return {'0001-good.patch': fakekernel.patch_text(
			'mm/memremap.c', 'int a;', new, 'good')}

	def test_patched_and_wired(self) -> None:
		info = self._prepare(self._good())
		self.assertEqual(info.version, '6.12.117')
		self.assertEqual(info.patches, 1)
		self.assertIn('int A;', self._read('mm/memremap.c'))
		self.assertIn('source "zdrace/Kconfig"', self._read('Kconfig'))
		self.assertIn('zdrace/', self._read('Kbuild'))
		self.assertIn('source "zdrace/kunit-tests/Kconfig"',
			      self._read('zdrace/Kconfig'))
		self.assertIn('config ZDRACE_X',
			      self._read('zdrace/kunit-tests/Kconfig'))
		self.assertRegex(info.banner(),
				 r'^zdrace: linux 6\.12\.117, patches 6\.12@[0-9a-f]{12} '
				 r'\(1 applied, 0 points placed\)$')
		self.assertEqual(info.placement_lines(), [
			'zdrace: 0 injection points placed',
			'zdrace: point p not placed: no such file (mm/none.c)'])
		self.assertEqual(info.boot_args(), ['zdrace_fi.unplaced=p@mm/none.c'])

	def test_source_is_never_modified(self) -> None:
		self._prepare(self._good())
		with open(os.path.join(self.src, 'mm/memremap.c')) as f:
			self.assertTrue(f.read().startswith('int a;'))
		with open(os.path.join(self.src, 'Kconfig')) as f:
			self.assertNotIn('zdrace', f.read())

	def test_unchanged_is_a_no_op(self) -> None:
		first = self._prepare(self._good())
		marker = os.path.join(self.layout.tree, 'marker')
		open(marker, 'w').close()
		second = self._prepare(self._good())
		self.assertEqual(first.stamp, second.stamp)
		self.assertTrue(os.path.exists(marker), 'tree was rebuilt')

	def test_failed_patch_keeps_previous_tree(self) -> None:
		self._prepare(self._good())
		bad = dict(self._good())
		bad['0002-bad.patch'] = fakekernel.patch_text(
			'mm/memremap.c', 'int nope;', 'int B;', 'bad')
		with self.assertRaises(ZdError) as cm:
			self._prepare(bad)
		self.assertIn('0002-bad.patch', str(cm.exception))
		self.assertIn('mm/memremap.c', str(cm.exception))
		self.assertIn('int A;', self._read('mm/memremap.c'))
		self.assertFalse(os.path.exists(self.layout.new_tree))
		info = tree.read_info(self.layout.tree)
		self.assertEqual(info.patches if info else None, 1)

	def test_mtimes_kept_unless_content_changed(self) -> None:
		self._prepare(self._good())
		gup = os.path.join(self.layout.tree, 'mm/gup.c')
		memremap = os.path.join(self.layout.tree, 'mm/memremap.c')
		kconfig = os.path.join(self.layout.tree, 'Kconfig')
		old = {p: os.stat(p).st_mtime_ns for p in (gup, memremap, kconfig)}
		os.utime(self.layout.tree)  # nothing else may depend on this
		more = dict(self._good())
		more['0002-gup.patch'] = fakekernel.patch_text(
			'mm/gup.c', 'int d;', 'int D;', 'gup').replace(
			' int b;\n int c;\n', '').replace('-1,3 +1,3', '-1 +1')
		self._prepare(more)
		self.assertEqual(os.stat(memremap).st_mtime_ns, old[memremap])
		self.assertEqual(os.stat(kconfig).st_mtime_ns, old[kconfig])
		self.assertGreater(os.stat(gup).st_mtime_ns, old[gup])

	def test_other_trees_keep_their_mtimes(self) -> None:
		"""A mutant tree mutated and restored, hard-linked to the same
		pristine files as the main tree, changes no mtime there."""
		self._prepare(self._good())
		files = [os.path.join(d, 'mm/gup.c')
			 for d in (self.src, self.layout.tree)]
		before = [os.stat(p).st_mtime_ns for p in files]
		mutant = os.path.join(self.tmp.name, 'mutant.patch')
		with open(mutant, 'w') as f:
			f.write(fakekernel.patch_text('mm/gup.c', 'int d;', 'int M;',
						      'm').replace(' int b;\n int c;\n', '')
				.replace('-1,3 +1,3', '-1 +1'))
		dirs = Layout(os.path.join(self.tmp.name, 'build'), '6.12').mutant
		ks = source.KernelSource(self.src, False)
		tops: List[List[str]] = [[mutant], []]
		with contextlib.redirect_stdout(io.StringIO()):
			for top in tops:
				tree.prepare(dirs, ks, series.load_series(self.patch_dir),
					     self.repo, '6.12', top=top)
		with open(os.path.join(dirs.tree, 'mm/gup.c')) as f:
			self.assertEqual(f.read(), 'int d;\n')
		self.assertEqual([os.stat(p).st_mtime_ns for p in files], before)

	def test_dropped_patch_makes_file_newer(self) -> None:
		self._prepare(self._good())
		path = os.path.join(self.layout.tree, 'mm/memremap.c')
		patched = os.stat(path).st_mtime_ns
		self._prepare({})
		self.assertIn('int a;', self._read('mm/memremap.c'))
		self.assertGreaterEqual(os.stat(path).st_mtime_ns, patched)

	def test_revert_outlives_an_unbuilt_preparation(self) -> None:
		"""A mutant of one file, its revert, then a mutant of another
		file, with no build between the last two (make mutants'
		reset, then MUTANT=): the first file keeps its revert's mtime,
		newer than the object built from the mutant, not the pristine
		one's, older."""
		self._prepare(self._good())
		memremap = os.path.join(self.layout.tree, 'mm/memremap.c')
		built = os.stat(memremap).st_mtime_ns	# the mutant's object
		self._prepare({})
		reverted = os.stat(memremap).st_mtime_ns
		self.assertGreaterEqual(reverted, built)
		self._prepare({'0001-other.patch': fakekernel.patch_text(
			'mm/gup.c', 'int d;', 'int D;', 'other')})
		self.assertIn('int a;', self._read('mm/memremap.c'))
		self.assertEqual(os.stat(memremap).st_mtime_ns, reverted)

	def test_tarball_source(self) -> None:
		tarball = fakekernel.make_tarball(
			self.src, os.path.join(self.tmp.name, 'linux-source-6.12.tar.xz'))
		info = self._prepare(self._good(), src=tarball)
		self.assertEqual(info.version, '6.12.117')
		self.assertIn('int A;', self._read('mm/memremap.c'))

	def test_wrong_kernel_line(self) -> None:
		with open(os.path.join(self.src, 'Makefile'), 'w') as f:
			f.write('VERSION = 7\nPATCHLEVEL = 3\nSUBLEVEL = 0\n')
		with self.assertRaisesRegex(ZdError, 'set KERNEL=7.3'):
			self._prepare()

	def test_recover_interrupted_swap(self) -> None:
		self._prepare(self._good())
		os.rename(self.layout.tree, self.layout.old_tree)
		os.makedirs(self.layout.new_tree)
		tree.recover(self.layout)
		self.assertTrue(os.path.isdir(self.layout.tree))
		self.assertFalse(os.path.exists(self.layout.old_tree))
		self.assertFalse(os.path.exists(self.layout.new_tree))


class PointsTest(unittest.TestCase):
	"""Every tree: the port, the points placed by shape, then what goes
	on top (a mutant), with a record and the patch the points make."""

	def setUp(self) -> None:
		if not shutil.which(points.SPATCH):
			if os.environ.get('ZDRACE_TREE_REQUIRED'):
				self.fail(f'no {points.SPATCH}')
			self.skipTest(f'no {points.SPATCH} (Debian package '
				      f'{points.PACKAGE})')
		self.tmp = tempfile.TemporaryDirectory()
		root = self.tmp.name
		self.src = fakekernel.make_tree(os.path.join(root, 'src'), dict(
			fakekernel.FILES, **{'mm/memremap.c': MEMREMAP}))
		self.repo = os.path.join(root, 'repo')
		fakekernel.make_points(self.repo, TABLE, RULE)
		self.series = os.path.join(self.repo, 'patches', '6.12')
		fakekernel.write_series(self.series, {})
		self.layout = Layout(os.path.join(root, 'build'), '6.12').main

	def tearDown(self) -> None:
		self.tmp.cleanup()

	def _prepare(self, top: Sequence[str] = ()) -> tree.TreeInfo:
		with contextlib.redirect_stdout(io.StringIO()):
			return tree.prepare(self.layout,
					    source.KernelSource(self.src, False),
					    series.load_series(self.series), self.repo,
					    '6.12', top=top)

	def _read(self, rel: str) -> str:
		with open(os.path.join(self.layout.tree, rel)) as f:
			return f.read()

	def test_placed_with_its_header_and_patch(self) -> None:
		info = self._prepare()
		self.assertEqual(info.placement['placed'], ['p'])
		self.assertEqual(info.boot_args(), [])
		self.assertEqual(self._read('mm/memremap.c'),
				 '#include <linux/types.h>\n#include <zdrace/fi.h>\n\n'
				 'void f(void)\n{\n\tzdrace_fi(ZDRACE_FI_p);\n\tg();\n}\n')
		patch = self._read(tree.POINTS_PATCH)
		self.assertIn('Subject: [PATCH] mm: add points\n', patch)
		self.assertIn(' 1 file changed, 2 insertions(+), 0 deletions(-)\n',
			      patch)
		self.assertIn('diff --git a/mm/memremap.c b/mm/memremap.c\n', patch)
		# The patch turns the pristine file into the placed one.
		shutil.copytree(self.src, os.path.join(self.tmp.name, 'again'))
		series.apply_patch(os.path.join(self.tmp.name, 'again'),
				   os.path.join(self.layout.tree, tree.POINTS_PATCH))
		with open(os.path.join(self.tmp.name, 'again/mm/memremap.c')) as f:
			self.assertEqual(f.read(), self._read('mm/memremap.c'))

	def test_a_mutant_goes_on_top_of_the_points(self) -> None:
		mutant = os.path.join(self.tmp.name, 'mutant.patch')
		with open(mutant, 'w') as f:
			f.write('--- a/mm/memremap.c\n+++ b/mm/memremap.c\n'
				'@@ -4,3 +4,3 @@\n {\n-\tzdrace_fi(ZDRACE_FI_p);\n'
				'+\tzdrace_fi(ZDRACE_FI_p); /* mutated */\n \tg();\n')
		info = self._prepare([mutant])
		self.assertIn('/* mutated */', self._read('mm/memremap.c'))
		self.assertEqual(info.placement['placed'], ['p'])
		# Without it again: a new tree, not a no-op.
		self._prepare()
		self.assertNotIn('mutated', self._read('mm/memremap.c'))

	def test_a_window_the_tree_lacks_is_named(self) -> None:
		with open(os.path.join(self.src, 'mm/memremap.c'), 'w') as f:
			f.write('void f(void)\n{\n\th();\n}\n')
		info = self._prepare()
		self.assertEqual(info.placement_lines()[1:], [
			'zdrace: point p not placed: f() has no code of its '
			'window\'s shape (mm/memremap.c:1)'])


if __name__ == '__main__':
	unittest.main()
