# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.series: the series file, its hash and patch application."""

import contextlib
import io
import os
import tempfile
import unittest

from tests import fakekernel
from zdtool import ZdError
from zdtool.kernel import series

DATA = os.path.join(os.path.dirname(__file__), 'test_data')


def _read(name: str) -> str:
	with open(os.path.join(DATA, name)) as f:
		return f.read()


class ParseSeriesTest(unittest.TestCase):

	def test_comments_and_blank_lines(self) -> None:
		text = '# header\n0001-a.patch\n\n  0002-b.patch -p1  # note\n'
		self.assertEqual(series.parse_series(text),
				 ['0001-a.patch', '0002-b.patch'])

	def test_missing_directory_is_empty_series(self) -> None:
		s = series.load_series('/nonexistent/zdrace/patches')
		self.assertEqual(s.patches, [])

	def test_listed_patch_missing(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			with open(os.path.join(d, 'series'), 'w') as f:
				f.write('0001-gone.patch\n')
			with self.assertRaisesRegex(ZdError, '0001-gone.patch'):
				series.load_series(d)

	def test_patches_without_series_file(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			open(os.path.join(d, '0001-x.patch'), 'w').close()
			with self.assertRaisesRegex(ZdError, 'series: missing'):
				series.load_series(d)

	def test_digest_follows_order_and_content(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			a = fakekernel.patch_text('mm/gup.c', 'int d;', 'int e;', 'a')
			b = fakekernel.patch_text('mm/gup.c', 'int e;', 'int f;', 'b')
			fakekernel.write_series(d, {'1.patch': a, '2.patch': b})
			first = series.load_series(d).digest()
			fakekernel.write_series(d, {'2.patch': b, '1.patch': a})
			self.assertNotEqual(series.load_series(d).digest(), first)
			self.assertEqual(series.load_series(d).touched_files(),
					 ['mm/gup.c'])


class FailedFileTest(unittest.TestCase):

	def test_hunk_failed(self) -> None:
		self.assertEqual(series.failed_file(_read('patch_hunk_failed.txt')),
				 'mm/memremap.c')

	def test_file_missing(self) -> None:
		self.assertEqual(series.failed_file(_read('patch_no_file.txt')),
				 'mm/nonexistent.c')

	def test_success_names_nothing(self) -> None:
		self.assertIsNone(series.failed_file('patching file mm/gup.c\n'))


class ApplyPatchTest(unittest.TestCase):

	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()
		self.tree = fakekernel.make_tree(os.path.join(self.tmp.name, 't'))

	def tearDown(self) -> None:
		self.tmp.cleanup()

	def _patch(self, text: str) -> str:
		path = os.path.join(self.tmp.name, 'p.patch')
		with open(path, 'w') as f:
			f.write(text)
		return path

	def test_applies(self) -> None:
		series.apply_patch(self.tree, self._patch(fakekernel.patch_text(
			'mm/memremap.c', 'int a;', 'int A;', 'ok')))
		with open(os.path.join(self.tree, 'mm/memremap.c')) as f:
			self.assertTrue(f.read().startswith('int A;'))

	def test_failure_names_patch_and_file(self) -> None:
		path = self._patch(fakekernel.patch_text(
			'mm/memremap.c', 'int zz;', 'int A;', 'bad'))
		with self.assertRaises(ZdError) as cm:
			series.apply_patch(self.tree, path)
		self.assertIn('p.patch', str(cm.exception))
		self.assertIn('mm/memremap.c', str(cm.exception))

	def test_does_not_write_through_hard_links(self) -> None:
		linked = os.path.join(self.tmp.name, 'linked')
		os.system(f'cp -al {self.tree} {linked}')
		series.apply_patch(linked, self._patch(fakekernel.patch_text(
			'mm/memremap.c', 'int a;', 'int A;', 'ok')))
		with open(os.path.join(self.tree, 'mm/memremap.c')) as f:
			self.assertTrue(f.read().startswith('int a;'))


class OptionalPatchTest(unittest.TestCase):
	"""A patch marked where-it-applies: applied whole where the code it
	changes is there, skipped with a notice where it is not (the change
	is upstream); never half applied."""

	def test_applied_or_skipped_whole(self) -> None:
		with tempfile.TemporaryDirectory() as tmp:
			tree = fakekernel.make_tree(os.path.join(tmp, 't'))
			d = os.path.join(tmp, 'p')
			two_files = fakekernel.patch_text(
				'mm/gup.c', 'int d;', 'int D;', 'x').replace(
				' int b;\n int c;\n', '').replace('-1,3 +1,3', '-1 +1') + \
				fakekernel.patch_text('mm/memremap.c', 'int gone;',
						      'int G;', 'x').split('---\n', 1)[1]
			fakekernel.write_series(d, {
				'0001-here.patch': fakekernel.patch_text(
					'mm/memremap.c', 'int a;', 'int A;', 'here'),
				'0002-gone.patch': two_files})
			with open(os.path.join(d, 'series'), 'w') as f:
				f.write('0001-here.patch where-it-applies\n'
					'0002-gone.patch where-it-applies\n')
			s = series.load_series(d)
			self.assertEqual(s.optional, ['0001-here.patch',
						      '0002-gone.patch'])
			out = io.StringIO()
			with contextlib.redirect_stdout(out):
				skipped = series.apply_series(tree, s)
			self.assertEqual(skipped, ['0002-gone.patch'])
			self.assertEqual(out.getvalue(), 'zdrace: notice: 0002-gone.patch '
					 'skipped (where-it-applies): it does not apply '
					 'to mm/memremap.c: Hunk #1 FAILED at 1.\n')
			for rel, text in (('mm/memremap.c', 'int A;'),
					  ('mm/gup.c', 'int d;')):
				with open(os.path.join(tree, rel)) as f:
					self.assertTrue(f.read().startswith(text), rel)

	def test_unknown_option(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			fakekernel.write_series(d, {'0001-a.patch': ''})
			with open(os.path.join(d, 'series'), 'w') as f:
				f.write('0001-a.patch -p0\n')
			with self.assertRaisesRegex(ZdError, r'0001-a.patch: unknown '
						    r'option -p0 \(only where-it-applies\)'):
				series.load_series(d)


if __name__ == '__main__':
	unittest.main()
