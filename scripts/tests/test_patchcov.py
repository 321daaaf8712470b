# SPDX-License-Identifier: GPL-2.0
"""zdtool.coverage.patchcov: a series' changed lines and their coverage."""

import contextlib
import io
import json
import os
import tempfile
import unittest

from tests import fakekernel
from zdtool import ZdError
from zdtool.coverage import lcovinfo, manifest, patchcov
from zdtool.layout import Layout
from zdtool.kernel import series, source, tree

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
	os.path.abspath(__file__))))
EXAMPLE = os.path.join(REPO, 'coverage', 'examples', 'refcount-example.mbox')


class SplitTest(unittest.TestCase):

	def test_example_series(self) -> None:
		with tempfile.TemporaryDirectory() as work:
			paths = patchcov.load_review_series(EXAMPLE, work)
			self.assertEqual([os.path.basename(p) for p in paths], [
				'0001-mm-memremap-say-how-many-reserved-pages-'
				'memunmap_pages-leaks.patch',
				'0002-mm-gup-dump-the-folio-when-folio_add_pin-finds-'
				'no-pin.patch'])
			with open(paths[0]) as f:
				first = f.read()
		self.assertIn('+++ b/mm/memremap.c', first)
		self.assertNotIn('mm/gup.c', first)

	def test_plain_diff_is_one_patch(self) -> None:
		text = fakekernel.patch_text('mm/gup.c', 'int d;', 'int e;', 'x')
		text = text[text.index('Subject'):]
		with tempfile.NamedTemporaryFile('w', suffix='.patch') as f:
			f.write(text)
			f.flush()
			mails = patchcov.split_mbox(f.name)
		self.assertEqual([(m.subject, m.text) for m in mails],
				 [('[PATCH] x', text)])

	def test_unified_zero(self) -> None:
		diff = ('--- a\n+++ b\n@@ -3 +3 @@\n-x\n+y\n'
			'@@ -10,0 +11,2 @@\n+p\n+q\n@@ -20,2 +22,0 @@\n-r\n-s\n')
		self.assertEqual(patchcov.parse_unified_zero(diff), [3, 11, 12])


class LoadSeriesTest(unittest.TestCase):

	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()
		self.work = os.path.join(self.tmp.name, 'work')

	def tearDown(self) -> None:
		self.tmp.cleanup()

	def test_mbox_is_split_into_files(self) -> None:
		paths = patchcov.load_review_series(EXAMPLE, self.work)
		self.assertEqual(len(paths), 2)
		self.assertEqual(patchcov.touched_files(paths),
				 ['mm/gup.c', 'mm/memremap.c'])

	def test_directory_in_name_order(self) -> None:
		d = os.path.join(self.tmp.name, 'd')
		os.makedirs(d)
		for name in ('0002-b.patch', '0001-a.patch', 'notes.txt'):
			with open(os.path.join(d, name), 'w') as f:
				f.write(fakekernel.patch_text('mm/gup.c', 'int d;',
							      'int e;', name[5:6]))
		self.assertEqual([os.path.basename(p) for p in
				  patchcov.load_review_series(d, self.work)],
				 ['0001-a.patch', '0002-b.patch'])

	def test_bad_input_is_one_line(self) -> None:
		with self.assertRaisesRegex(ZdError, r'^SERIES=/nonexistent: no '
					    r'such file or directory$'):
			patchcov.load_review_series('/nonexistent', self.work)
		empty = os.path.join(self.tmp.name, 'empty')
		os.makedirs(empty)
		with self.assertRaisesRegex(ZdError, 'no \\*.patch files'):
			patchcov.load_review_series(empty, self.work)
		junk = os.path.join(self.tmp.name, 'junk.txt')
		with open(junk, 'w') as f:
			f.write('hello\n')
		with self.assertRaisesRegex(ZdError, 'no diff in it'):
			patchcov.load_review_series(junk, self.work)


class ClassifyTest(unittest.TestCase):
	"""Base tree, series applied on top, coverage of the result."""

	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()
		files = {
			'mm/memremap.c': 'void f(void)\n{\n\tint a;\n\ta = 1;\n'
					 '\t/* c */\n}\n',
			'mm/gup.c': 'void g(void)\n{\n\tint b;\n}\n'
				    'void h(void)\n{\n\tint b;\n}\n',
			'mm/other.c': 'int x;\n'}
		self.base = fakekernel.make_tree(os.path.join(self.tmp.name,
							      'base'), files)
		changed = dict(files)
		changed['mm/memremap.c'] = files['mm/memremap.c'].replace(
			'a = 1;\n\t/* c */', 'a = 2;\n\t/* C */')
		changed['mm/gup.c'] = files['mm/gup.c'].replace(
			'void h(void)\n{\n\tint b;', 'void h(void)\n{\n\tint c;')
		changed['mm/other.c'] = 'int y;\n'
		self.head = fakekernel.make_tree(os.path.join(self.tmp.name,
							      'head'), changed)

	def tearDown(self) -> None:
		self.tmp.cleanup()

	def test_statuses(self) -> None:
		entries = manifest.parse('mm/memremap.c\nmm/gup.c\n\th\n')
		sel = manifest.resolve(entries, self.head)
		whole = {e.path: e.whole() for e in entries}
		cov = {'mm/memremap.c': lcovinfo.FileCoverage(
			'mm/memremap.c', lines={1: 1, 4: 1}),
		       'mm/gup.c': lcovinfo.FileCoverage(
			'mm/gup.c', lines={5: 0, 7: 0})}
		changed = patchcov.changed_lines(
			self.base, self.head, ['mm/memremap.c', 'mm/gup.c',
					       'mm/other.c'])
		self.assertEqual(changed, {'mm/memremap.c': [4, 5],
					   'mm/gup.c': [7], 'mm/other.c': [1]})
		pc = patchcov.classify(changed, sel, whole, cov, self.head)
		self.assertEqual([(l.file, l.line, l.function, l.status)
				  for l in pc.lines], [
			('mm/gup.c', 7, 'h', 'not covered'),
			('mm/memremap.c', 4, 'f', 'covered'),
			('mm/memremap.c', 5, 'f', 'not code')])
		self.assertEqual(pc.outside, {'mm/other.c': 1})
		text = patchcov.markdown(pc, 't', {'series': 'x'})
		self.assertIn('| mm/memremap.c:4 | f        | covered (1x)',
			      text)
		self.assertIn('code 2, covered 1 (50.0%)', text)
		doc = json.loads(patchcov.to_json(pc, 't', {}))
		self.assertEqual(doc['counts']['not covered'], 1)
		# Without data for the file, a line is "not built".
		pc = patchcov.classify(changed, sel, whole, {}, self.head)
		self.assertEqual({l.status for l in pc.lines}, {'not built'})


class ReviewTreeTest(unittest.TestCase):
	"""The review tree: our series + theirs, on the shared pristine."""

	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()
		root = self.tmp.name
		self.src = fakekernel.make_tree(os.path.join(root, 'src'))
		self.repo = os.path.join(root, 'repo')
		fakekernel.make_points(self.repo, 'ZDRACE_FI_POINT(p, "mm/none.c", '
				       '0, "f(): g")\n', '')
		self.main = Layout(os.path.join(root, 'build'), '6.12')

	def tearDown(self) -> None:
		self.tmp.cleanup()

	def _prepare(self, theirs: dict) -> tree.TreeInfo:
		d = os.path.join(self.tmp.name, 'theirs')
		fakekernel.write_series(d, theirs)
		review = self.main.review
		paths = patchcov.load_review_series(d, '')
		ks = source.KernelSource(self.src, False)
		with contextlib.redirect_stdout(io.StringIO()):
			return tree.prepare(review, ks, series.Series('/', paths),
					    self.repo, '6.12')

	def test_applies_and_names_a_failing_patch(self) -> None:
		good = fakekernel.patch_text('mm/memremap.c', 'int a;', 'int A;',
					     'good')
		info = self._prepare({'0001-good.patch': good})
		self.assertEqual(info.patches, 1)
		bad = fakekernel.patch_text('mm/memremap.c', 'int zz;', 'int B;',
					    'bad')
		with self.assertRaisesRegex(ZdError, r'^patch 0002-bad.patch does '
					    r'not apply to mm/memremap.c'):
			self._prepare({'0001-good.patch': good,
				       '0002-bad.patch': bad})


if __name__ == '__main__':
	unittest.main()
