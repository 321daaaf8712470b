# SPDX-License-Identifier: GPL-2.0
"""make review of a series written against upstream: the report in the
reviewer's line numbers (recorded data), and the order in which the
review tree is made (a fake kernel)."""

import contextlib
import io
import json
import os
import shutil
import tempfile
import textwrap
import unittest

from tests import fakekernel
from zdtool.coverage import lcovinfo, linemap, manifest, patchcov
from zdtool.kernel import points, series, source, upstream
from zdtool.layout import TreeDirs

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)),
		    'test_data', 'review')
# The shape of a review of coverage/examples/6.12/: the reviewer's
# mm/memremap.c (two functions, zone-device-page-init-tryget.mbox's change
# made), the one that ran (with the points), a tracefile of it, and the
# record of filemap-try-get-folio.mbox's review tree.
UPSTREAM = os.path.join(DATA, 'upstream')
RAN = os.path.join(DATA, 'ran')
RAN_ROOT = '/build/6.12/review/linux'


class LineMapTest(unittest.TestCase):

	def test_moved_and_rewritten_lines(self) -> None:
		old = ['a', 'if (x)', 'b']
		new = ['hook', 'a', 'if (hook ||', '    x)', 'b']
		self.assertEqual(linemap.line_map(old, new),
				 {1: [2], 2: [3, 4], 3: [5]})
		cov = lcovinfo.FileCoverage('f', {2: 5, 3: 0, 4: 7})
		self.assertEqual(linemap.remap(cov, linemap.line_map(old, new))
				 .lines, {1: 5, 2: 7})


class ReportTest(unittest.TestCase):
	"""The changed line of zone_device_page_init(), as the reviewer
	numbers it, with the coverage of the line our hook rewrote."""

	def setUp(self) -> None:
		with open(os.path.join(DATA, 'review.info')) as f:
			ran = lcovinfo.relative(lcovinfo.parse(f.read()), RAN_ROOT)
		self.cov = linemap.to_tree(ran, RAN, UPSTREAM, ['mm/memremap.c'])
		entries = manifest.parse('mm/memremap.c\n')
		self.sel = manifest.resolve(entries, UPSTREAM)
		self.whole = {e.path: e.whole() for e in entries}

	def test_changed_line_is_the_reviewers(self) -> None:
		pc = patchcov.classify({'mm/memremap.c': [14]}, self.sel,
				       self.whole, self.cov, UPSTREAM)
		self.assertEqual([(l.line, l.function, l.status, l.hits, l.code)
				  for l in pc.lines], [
			(14, 'zone_device_page_init', 'covered', 41,
			 'WARN_ON_ONCE(!percpu_ref_tryget_many(&page->pgmap->ref, '
			 '1));')])
		# In the kernel that ran, 14 is not that line: the hooks above
		# moved it to 16.
		with open(os.path.join(RAN, 'mm/memremap.c')) as f:
			lines = f.read().splitlines()
		self.assertNotIn('tryget', lines[13])
		self.assertIn('zdrace_fi(ZDRACE_FI_page_init_before_tryget)',
			      lines[15])

	def test_not_placed_points_are_reported(self) -> None:
		with open(os.path.join(DATA, 'record-filemap.json')) as f:
			record = json.load(f)
		rt = upstream.ReviewTree(RAN_ROOT, UPSTREAM, '/pristine',
					 record['placed'], record['absent'],
					 [points.NotPlaced(**n)
					  for n in record['not_placed']])
		self.assertEqual(len(rt.placed), 13)
		self.assertEqual([n.boot_arg() for n in rt.not_placed], [
			'zdrace_fi.unplaced=filemap_after_load@mm/filemap.c:1867',
			'zdrace_fi.unplaced=filemap_after_tryget@mm/filemap.c:1867'])
		pc = patchcov.PatchCoverage(not_placed=[n.message() for n in
							 rt.not_placed])
		text = patchcov.markdown(pc, 't', {})
		self.assertIn('- point filemap_after_load not placed: the series '
			      'changed its window (mm/filemap.c:1867); the cases '
			      'that arm it skip\n', text)
		doc = json.loads(patchcov.to_json(pc, 't', {}))
		self.assertEqual(len(doc['not_placed']), 2)


# A fake kernel line: one point, placed in f() of mm/memremap.c.
TABLE = textwrap.dedent('''\
	ZDRACE_FI_POINT(p, "mm/memremap.c", 0, "f(): before g()")
	''')
RULE = textwrap.dedent('''\
	@p@
	@@
	f(...)
	{
	<...
	+zdrace_fi(ZDRACE_FI_p);
	 g();
	...>
	}
	''')
MEMREMAP = 'void f(void)\n{\n\tint a;\n\tg();\n}\n'


def _patch(path: str, old: str, new: str, subject: str) -> str:
	"""A mail changing one line of a file laid out as MEMREMAP."""
	lines = MEMREMAP.splitlines()
	i = lines.index(old)
	body = ''.join((f'-{l}\n+{new}\n' if j == i else f' {l}\n')
		       for j, l in enumerate(lines))
	return (f'From: zdrace <zdrace@localhost>\nSubject: [PATCH] {subject}\n'
		f'\n---\n--- a/{path}\n+++ b/{path}\n'
		f'@@ -1,{len(lines)} +1,{len(lines)} @@\n{body}')


class FlowTest(unittest.TestCase):
	"""pristine + theirs = upstream; + ours, then the points."""

	def setUp(self) -> None:
		if not shutil.which(points.SPATCH):
			self.skipTest(f'no {points.SPATCH} (Debian package '
				      f'{points.PACKAGE})')
		self.tmp = tempfile.TemporaryDirectory()
		root = self.tmp.name
		files = dict(fakekernel.FILES, **{'mm/memremap.c': MEMREMAP,
						  'include/linux/types.h': ''})
		self.src = fakekernel.make_tree(os.path.join(root, 'src'), files)
		self.repo = os.path.join(root, 'repo')
		fakekernel.make_points(self.repo, TABLE, RULE)
		fakekernel.write_series(os.path.join(self.repo, 'patches/6.12'), {
			'0001-before.patch': fakekernel.patch_text(
				'mm/gup.c', 'int d;', 'int port;', 'port'),
			'0101-after.patch': fakekernel.patch_text(
				'mm/gup.c', 'int port;', 'int after;', 'after')})
		self.dirs = TreeDirs(os.path.join(root, 'review'), self.src)

	def tearDown(self) -> None:
		self.tmp.cleanup()

	def _review(self, theirs: str) -> upstream.ReviewTree:
		d = os.path.join(self.tmp.name, 'theirs')
		shutil.rmtree(d, ignore_errors=True)
		fakekernel.write_series(d, {'0001-theirs.patch': theirs})
		ours = series.load_series(os.path.join(self.repo, 'patches/6.12'))
		with contextlib.redirect_stdout(io.StringIO()):
			_, rt = upstream.prepare(
				self.dirs, source.KernelSource(self.src, False), ours,
				patchcov.load_review_series(d, ''), self.repo, '6.12',
				['mm/gup.c'])
		return rt

	def _read(self, tree: str, rel: str) -> str:
		with open(os.path.join(tree, rel)) as f:
			return f.read()

	def test_series_first_then_ours_and_the_points(self) -> None:
		gup = fakekernel.patch_text('mm/gup.c', 'int d;', 'int theirs;',
					    'theirs')
		# Theirs and our 0001 change the same line: ours comes second.
		with self.assertRaisesRegex(Exception, '0001-before.patch does '
					    'not apply to mm/gup.c'):
			self._review(gup)
		theirs = _patch('mm/memremap.c', '\tint a;', '\tint b;', 'b')
		rt = self._review(theirs)
		self.assertEqual(rt.placed, ['p'])
		self.assertEqual(self._read(rt.upstream, 'mm/memremap.c'),
				 MEMREMAP.replace('int a;', 'int b;'))
		self.assertEqual(self._read(rt.tree, 'mm/memremap.c'),
				 'void f(void)\n{\n\tint b;\n\tzdrace_fi(ZDRACE_FI_p);'
				 '\n\tg();\n}\n')
		self.assertEqual(self._read(rt.tree, 'mm/gup.c'), 'int after;\n')
		self.assertEqual(self._read(rt.upstream, 'mm/gup.c'), 'int d;\n')
		self.assertFalse(os.path.exists(os.path.join(rt.upstream,
							     'Makefile')))
		# Pristine untouched.
		self.assertEqual(self._read(self.src, 'mm/memremap.c'), MEMREMAP)

	def test_a_window_the_series_removed_is_named(self) -> None:
		rt = self._review(_patch('mm/memremap.c', '\tg();', '\th();', 'h'))
		self.assertEqual(rt.placed, [])
		self.assertEqual([n.message() for n in rt.not_placed], [
			'point p not placed: the series changed its window '
			'(mm/memremap.c:4)'])
		self.assertNotIn('zdrace_fi', self._read(rt.tree, 'mm/memremap.c'))

	def test_same_inputs_are_a_no_op(self) -> None:
		theirs = _patch('mm/memremap.c', '\tint a;', '\tint b;', 'b')
		first = self._review(theirs)
		stamp = os.stat(os.path.join(first.tree, 'mm/memremap.c'))
		again = self._review(theirs)
		self.assertEqual(again.placed, ['p'])
		self.assertEqual(os.stat(os.path.join(again.tree, 'mm/memremap.c'))
				 .st_ino, stamp.st_ino)


if __name__ == '__main__':
	unittest.main()
