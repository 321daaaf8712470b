# SPDX-License-Identifier: GPL-2.0
"""zdtool.coverage.manifest: coverage/refcount-paths and its resolution."""

import os
import tempfile
import unittest

from zdtool import ZdError
from zdtool.coverage import manifest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
	os.path.abspath(__file__))))

TEXT = '''\
# comment
mm/memremap.c

mm/gup.c	# trailing comment
	try_grab_folio
	gup_fast*  unpin_folio
'''


class ParseTest(unittest.TestCase):

	def test_files_and_functions(self) -> None:
		entries = manifest.parse(TEXT)
		self.assertEqual([(e.path, e.patterns) for e in entries], [
			('mm/memremap.c', []),
			('mm/gup.c', ['try_grab_folio', 'gup_fast*', 'unpin_folio'])])
		self.assertTrue(entries[0].whole())
		self.assertTrue(entries[1].wants('gup_fast_pte_range'))
		self.assertFalse(entries[1].wants('follow_page_pte'))

	def test_errors_name_the_line(self) -> None:
		for text, message in (
			('\tfoo\n', r'^m:1: function "foo" before any file$'),
			('a.c\na.c\n', r'^m:2: a.c listed twice$'),
			('/abs/a.c\n', r'^m:1: /abs/a.c: must be relative'),
			('a.c foo\n', r'^m:1: "a.c foo": one file per line'),
			('# nothing\n', r'^m: lists no file$')):
			with self.assertRaisesRegex(ZdError, message):
				manifest.parse(text, 'm')

	def test_checked_in_manifests_parse(self) -> None:
		for line, final_put in (('6.12', 'mm/swap.c'), ('7.3', 'mm/folio.c')):
			entries = manifest.load(os.path.join(REPO, 'coverage', line,
							     'refcount-paths'))
			paths = [e.path for e in entries]
			for must in ('mm/memremap.c', 'mm/gup.c',
				     'include/linux/page_ref.h', 'include/linux/mm.h',
				     final_put, 'mm/filemap.c',
				     'include/linux/memremap.h'):
				self.assertIn(must, paths, line)


class ResolveTest(unittest.TestCase):

	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()
		os.makedirs(os.path.join(self.tmp.name, 'mm'))
		with open(os.path.join(self.tmp.name, 'mm/gup.c'), 'w') as f:
			f.write('int try_grab_folio(void)\n{\n\treturn 0;\n}\n'
				'static int gup_fast(void)\n{\n\treturn 1;\n}\n'
				'static int other(void)\n{\n\treturn 2;\n}\n')

	def tearDown(self) -> None:
		self.tmp.cleanup()

	def test_selects_functions(self) -> None:
		got = manifest.resolve(manifest.parse('mm/gup.c\n\ttry_grab_*\n'
						      '\tgup_fast*\n'), self.tmp.name)
		self.assertEqual(sorted(got['mm/gup.c']),
				 ['gup_fast', 'try_grab_folio'])
		self.assertEqual(manifest.function_at(got['mm/gup.c'], 7),
				 'gup_fast')
		self.assertIsNone(manifest.function_at(got['mm/gup.c'], 10))

	def test_pattern_matching_nothing_is_an_error(self) -> None:
		with self.assertRaisesRegex(ZdError, r'mm/gup.c: no function '
					    r'matches "renamed_fn"'):
			manifest.resolve(manifest.parse('mm/gup.c\n\trenamed_fn\n'),
					 self.tmp.name)

	def test_missing_pattern_can_be_noted(self) -> None:
		missing: list = []
		got = manifest.resolve(manifest.parse('mm/gup.c\n\trenamed_fn\n'
						      '\tgup_fast\n'),
				       self.tmp.name, missing)
		self.assertEqual(list(got['mm/gup.c']), ['gup_fast'])
		self.assertEqual(missing, ['mm/gup.c: renamed_fn'])

	def test_selects_blocks_by_their_condition(self) -> None:
		with open(os.path.join(self.tmp.name, 'mm/memory.c'), 'w') as f:
			f.write('int fault(int e)\n{\n'		# 1-2
				'\tif (is_swap(e)) {\n\t\tswap();\n'	# 3-4
				'\t} else if (is_private(e)) {\n'		# 5
				'\t\tget();\n\t\tput();\n'		# 6-7
				'\t} else {\n\t\treturn 1;\n\t}\n'	# 8-10
				'\t/* is_private(e) */\n'		# 11
				'\tif (is_private(e))\n\t\tagain();\n'	# 12-13
				'\treturn 0;\n}\n')
		got = manifest.resolve(manifest.parse(
			'mm/memory.c\n\tfault@is_private(e)\n'), self.tmp.name)
		blocks = got['mm/memory.c']
		self.assertEqual(list(blocks), ['fault@is_private(e)'])
		# The else-if up to the line before the brace that opens the
		# else, and the braceless one; not the comment.
		self.assertEqual([(r.first, r.last)
				  for r in blocks['fault@is_private(e)']],
				 [(5, 7), (12, 13)])
		self.assertEqual(manifest.function_at(blocks, 6),
				 'fault@is_private(e)')
		self.assertIsNone(manifest.function_at(blocks, 9))
		with self.assertRaisesRegex(ZdError, r'no block of fault\(\) has '
					    r'an if holding "is_gone\(e\)"'):
			manifest.resolve(manifest.parse(
				'mm/memory.c\n\tfault@is_gone(e)\n'),
				self.tmp.name)

	def test_missing_file_is_an_error(self) -> None:
		with self.assertRaisesRegex(ZdError, 'mm/nope.c'):
			manifest.resolve(manifest.parse('mm/nope.c\n'),
					 self.tmp.name)


if __name__ == '__main__':
	unittest.main()
