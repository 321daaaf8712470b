# SPDX-License-Identifier: GPL-2.0
"""zdtool.coverage.unexecuted: the list of lines left unexecuted."""

import os
import tempfile
import unittest

from zdtool import ZdError
from zdtool.coverage import lcovinfo, manifest, unexecuted
from zdtool.coverage.cfuncs import find_functions

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
	os.path.abspath(__file__))))

LIST = '''# comment
[mm/gup.c folio_add_pin] a large folio
\tfolio_ref_inc(folio);
\tatomic_inc(&folio->_pincount);

[mm/filemap.c next_uptodate_folio] a value entry
\tcontinue;

[mm/filemap.c next_uptodate_folio] may run: xas_retry()
\tcontinue;
\tgoto skip;
'''

SOURCE = '''static int f(int a)
{
	if (a)
		return 1;
	if (a > 2)
		return 1;
	return 0;
}
'''


def _line(path: str, fn: str, n: int, text: str) -> unexecuted.Line:
	return unexecuted.Line(path, fn, n, text)


class ParseTest(unittest.TestCase):

	def test_entries_with_their_lines(self) -> None:
		entries = unexecuted.parse(LIST, 'l')
		self.assertEqual([(e.path, e.function, e.may_run, e.texts)
				  for e in entries],
				 [('mm/gup.c', 'folio_add_pin', False,
				   ['folio_ref_inc(folio);',
				    'atomic_inc(&folio->_pincount);']),
				  ('mm/filemap.c', 'next_uptodate_folio', False,
				   ['continue;']),
				  ('mm/filemap.c', 'next_uptodate_folio', True,
				   ['continue;', 'goto skip;'])])
		self.assertEqual(entries[0].where, 'l:2')

	def test_bad_lists_name_the_line(self) -> None:
		for text, error in (
			('\tx;\n', 'l:1: a source line before any'),
			('[mm/gup.c] why\n\tx;\n', 'l:1: "[mm/gup.c]": name a file'),
			('[mm/gup.c f]\n\tx;\n', 'l:1: [mm/gup.c f] says no reason'),
			('[mm/gup.c f] a\n\tx;\n[mm/gup.c f] b\n\ty;\n',
			 'l:3: [mm/gup.c f] already at l:1'),
			('[mm/gup.c f] a\n', 'l:1: [mm/gup.c f] lists no line'),
			('mm/gup.c f\n', 'l:1: expected "[file function] why"')):
			with self.subTest(text=text):
				with self.assertRaises(ZdError) as cm:
					unexecuted.parse(text, 'l')
				self.assertIn(error, str(cm.exception))

	def test_no_list_is_an_empty_one(self) -> None:
		self.assertEqual(unexecuted.load('/nonexistent/unexecuted'), [])


class CheckTest(unittest.TestCase):

	def setUp(self) -> None:
		self.entries = unexecuted.parse(LIST, 'l')

	def test_every_line_listed(self) -> None:
		lines = [_line('mm/gup.c', 'folio_add_pin', 231,
			       'folio_ref_inc(folio);'),
			 _line('mm/gup.c', 'folio_add_pin', 232,
			       'atomic_inc(&folio->_pincount);'),
			 _line('mm/filemap.c', 'next_uptodate_folio', 3508,
			       'continue;'),
			 _line('mm/filemap.c', 'next_uptodate_folio', 3510,
			       'continue;')]
		result = unexecuted.check(lines, self.entries)
		self.assertTrue(result.ok())
		self.assertEqual(len(result.listed), 4)
		# The entry that must stay unexecuted takes a text first.
		self.assertFalse(result.listed[2][1].may_run)
		self.assertTrue(result.listed[3][1].may_run)

	def test_a_line_not_listed_fails(self) -> None:
		extra = _line('mm/gup.c', 'folio_add_pin', 230, 'WARN_ON_ONCE(x);')
		result = unexecuted.check([extra], self.entries)
		self.assertFalse(result.ok())
		self.assertEqual(result.unlisted, [extra])
		msgs = unexecuted.messages(result, 'coverage/6.12/unexecuted')
		self.assertIn('zdrace: coverage: mm/gup.c:230 folio_add_pin() '
			      'never ran and is not in coverage/6.12/unexecuted: '
			      'WARN_ON_ONCE(x);', msgs)

	def test_the_same_text_in_another_function_is_not_listed(self) -> None:
		line = _line('mm/gup.c', 'gup_fast', 10, 'continue;')
		self.assertEqual(unexecuted.check([line], self.entries).unlisted,
				 [line])

	def test_a_listed_line_that_ran_is_stale(self) -> None:
		result = unexecuted.check([_line('mm/gup.c', 'folio_add_pin', 231,
						 'folio_ref_inc(folio);')],
					  self.entries)
		self.assertFalse(result.ok())
		stale = [(e.function, t) for e, t in result.stale]
		self.assertEqual(stale, [
			('folio_add_pin', 'atomic_inc(&folio->_pincount);'),
			('next_uptodate_folio', 'continue;')])
		self.assertIn('l:2: [mm/gup.c folio_add_pin] lists '
			      '"atomic_inc(&folio->_pincount);", which ran or is '
			      'not there', '\n'.join(
				      unexecuted.messages(result, 'l')))

	def test_may_run_lines_are_never_stale(self) -> None:
		lines = [_line('mm/gup.c', 'folio_add_pin', 231,
			       'folio_ref_inc(folio);'),
			 _line('mm/gup.c', 'folio_add_pin', 232,
			       'atomic_inc(&folio->_pincount);'),
			 _line('mm/filemap.c', 'next_uptodate_folio', 3510,
			       'continue;')]
		self.assertTrue(unexecuted.check(lines, self.entries).ok())

	def test_markdown_gives_lines_and_reasons(self) -> None:
		lines = [_line('mm/gup.c', 'folio_add_pin', 231,
			       'folio_ref_inc(folio);')]
		md = unexecuted.markdown(unexecuted.check(lines, self.entries),
					 'coverage/7.3/unexecuted')
		self.assertIn('- 1 lines listed with their reason, 0 unlisted, '
			      '2 stale entries', md)
		self.assertIn('| mm/gup.c `folio_add_pin` | 231 | a large folio |',
			      md)


class UnexecutedLinesTest(unittest.TestCase):

	def test_lines_with_count_zero_with_function_and_text(self) -> None:
		with tempfile.TemporaryDirectory() as tree:
			os.makedirs(os.path.join(tree, 'mm'))
			with open(os.path.join(tree, 'mm/x.c'), 'w') as f:
				f.write(SOURCE)
			cov = lcovinfo.FileCoverage('mm/x.c', {3: 5, 4: 0, 5: 5,
							       6: 0, 7: 5})
			funcs = {'mm/x.c': find_functions(SOURCE)}
			lines = unexecuted.unexecuted({'mm/x.c': cov}, funcs, tree)
		self.assertEqual(lines, [_line('mm/x.c', 'f', 4, 'return 1;'),
					 _line('mm/x.c', 'f', 6, 'return 1;')])


class ShippedListsTest(unittest.TestCase):
	"""coverage/<line>/unexecuted parse, and name manifest files only."""

	def test_each_line_has_a_list_of_manifest_files(self) -> None:
		for line in ('6.12', '7.3'):
			with self.subTest(line=line):
				base = os.path.join(REPO, 'coverage', line)
				entries = unexecuted.load(os.path.join(base,
								       'unexecuted'))
				self.assertTrue(entries)
				files = {e.path for e in manifest.load(
					os.path.join(base, 'refcount-paths'))}
				for e in entries:
					self.assertIn(e.path, files, e.where)


if __name__ == '__main__':
	unittest.main()
