# SPDX-License-Identifier: GPL-2.0
"""zdtool.coverage.lcovinfo: reading and merging lcov tracefiles."""

import os
import unittest

from zdtool.coverage import lcovinfo

DATA = os.path.join(os.path.dirname(__file__), 'test_data')
# Where the recorded capture's kernel tree was.
TREE = '/work/main/build/6.12/linux'

TWO_OBJECTS = '''\
TN:
SF:/k/include/linux/page_ref.h
FN:231,page_ref_add_unless
FNDA:0,page_ref_add_unless
BRDA:237,0,0,-
BRDA:237,0,1,-
DA:151,2
DA:237,0
end_of_record
TN:
SF:/k/include/linux/page_ref.h
FN:231,page_ref_add_unless
FNDA:3,page_ref_add_unless
BRDA:237,0,0,1
BRDA:237,0,1,0
DA:151,1
DA:237,3
DA:240,0
end_of_record
'''


class ParseTest(unittest.TestCase):

	def test_records_of_one_file_add_up(self) -> None:
		cov = lcovinfo.parse(TWO_OBJECTS)['/k/include/linux/page_ref.h']
		self.assertEqual(cov.lines, {151: 3, 237: 3, 240: 0})
		self.assertEqual(cov.functions, {'page_ref_add_unless': (231, 3)})
		# A branch whose block never ran ('-') in one object and ran in
		# the other is the other's count.
		self.assertEqual(cov.branches, {(237, 0, 0): 1, (237, 0, 1): 0})
		self.assertEqual(lcovinfo.summarise(cov.lines,
						    cov.branches.values()),
				 (2, 3, 1, 2))

	def test_recorded_capture(self) -> None:
		files = lcovinfo.relative(
			lcovinfo.read(os.path.join(DATA, 'refcount_sample.info')),
			TREE)
		self.assertEqual(sorted(files),
				 ['include/linux/page_ref.h', 'mm/swap.c'])
		ref = files['include/linux/page_ref.h']
		# folio_ref_inc() (158-161) was inlined: no function record,
		# but its lines ran.
		self.assertNotIn('folio_ref_inc', ref.functions)
		self.assertEqual(ref.line_range(158, 161), {158: 2, 160: 2})
		self.assertEqual(files['mm/swap.c'].functions['__folio_put'],
				 (97, 6))

	def test_dump_round_trip(self) -> None:
		files = lcovinfo.parse(TWO_OBJECTS)
		again = lcovinfo.parse(lcovinfo.dump(files.values()))
		self.assertEqual(again, files)

	def test_restrict_to_functions(self) -> None:
		cov = lcovinfo.parse(TWO_OBJECTS)['/k/include/linux/page_ref.h']
		part = cov.restrict([(231, 238)])
		self.assertEqual(part.lines, {237: 3})
		self.assertEqual(sorted(part.branches), [(237, 0, 0), (237, 0, 1)])
		self.assertEqual(list(part.functions), ['page_ref_add_unless'])
		self.assertEqual(cov.restrict([(1, 2)]).lines, {})

	def test_outside_tree_is_left_out(self) -> None:
		files = lcovinfo.parse(TWO_OBJECTS.replace('/k/', '/elsewhere/',
							   1))
		self.assertEqual(sorted(lcovinfo.relative(files, '/k')),
				 ['include/linux/page_ref.h'])

	def test_errors_name_the_line(self) -> None:
		with self.assertRaisesRegex(lcovinfo.TracefileError,
					    r'^t:1: data outside a record'):
			lcovinfo.parse('DA:1,1\n', 't')
		with self.assertRaisesRegex(lcovinfo.TracefileError,
					    r'^t:2: bad numbers'):
			lcovinfo.parse('SF:/a.c\nDA:x,1\nend_of_record\n', 't')
		with self.assertRaisesRegex(lcovinfo.TracefileError,
					    'no end_of_record'):
			lcovinfo.parse('SF:/a.c\nDA:1,1\n', 't')
		with self.assertRaisesRegex(lcovinfo.TracefileError, 'nope.info'):
			lcovinfo.read('/nonexistent/nope.info')


if __name__ == '__main__':
	unittest.main()
