# SPDX-License-Identifier: GPL-2.0
"""zdtool.coverage.cfuncs: function ranges in kernel C, headers included."""

import os
import unittest

from zdtool.coverage import cfuncs

DATA = os.path.join(os.path.dirname(__file__), 'test_data')

SOURCE = '''\
/* SPDX-License-Identifier: GPL-2.0 */
#define BRACES(x) { x; \\
	}
struct s {
	int a;
};
static const char *msg = "{ not a body }";
static int table[] = { 1, 2 };

static inline int one(int x)
{
	/* } a brace in a comment */
	return x + '}';
}

static void
two(void)
{
	if (one(1)) {
		table[0] = 2;
	}
}

#ifdef CONFIG_A
int three(void) __releases(lock)
{
	return 1;
}
#else
int three(void)
{
	return 0;
}
#endif
__printf(1, 2) void four(const char *fmt, ...) { }
'''


class FindFunctionsTest(unittest.TestCase):

	def setUp(self) -> None:
		self.found = cfuncs.find_functions(SOURCE)

	def test_only_function_definitions(self) -> None:
		self.assertEqual(sorted(self.found), ['four', 'one', 'three', 'two'])

	def test_ranges(self) -> None:
		self.assertEqual(self.found['one'],
				 [cfuncs.FuncRange('one', 10, 10, 14)])
		# Return type on its own line: the range starts there.
		self.assertEqual(self.found['two'],
				 [cfuncs.FuncRange('two', 16, 17, 22)])
		self.assertEqual(self.found['four'][0].first, 35)

	def test_ifdef_alternatives_are_both_kept(self) -> None:
		self.assertEqual([(r.first, r.last) for r in self.found['three']],
				 [(25, 28), (30, 33)])

	def test_recorded_header(self) -> None:
		with open(os.path.join(DATA, 'page_ref.h')) as f:
			found = cfuncs.find_functions(f.read())
		self.assertIn('folio_try_get', found)
		self.assertIn('page_ref_add_unless', found)
		r = found['folio_try_get'][0]
		self.assertLess(r.first, r.last)


if __name__ == '__main__':
	unittest.main()
