# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.tree: preparation is atomic, incremental and wires our sources."""

import contextlib
import io
import os
import tempfile
import unittest
from typing import Dict, Optional

from tests import fakekernel
from zdtool import ZdError
from zdtool.kernel import series, source, tree
from zdtool.layout import Layout


class PrepareTest(unittest.TestCase):

	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()
		root = self.tmp.name
		self.src = fakekernel.make_tree(os.path.join(root, 'linux-source'))
		self.repo = os.path.join(root, 'repo')
		os.makedirs(os.path.join(self.repo, 'kunit-tests'))
		with open(os.path.join(self.repo, 'kunit-tests', 'Kconfig'), 'w') as f:
			f.write('config ZDRACE_X\n\tbool "x"\n')
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
				 r'\(1 applied\)$')

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

	def test_dropped_patch_makes_file_newer(self) -> None:
		self._prepare(self._good())
		path = os.path.join(self.layout.tree, 'mm/memremap.c')
		patched = os.stat(path).st_mtime_ns
		self._prepare({})
		self.assertIn('int a;', self._read('mm/memremap.c'))
		self.assertGreaterEqual(os.stat(path).st_mtime_ns, patched)

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


if __name__ == '__main__':
	unittest.main()
