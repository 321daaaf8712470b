# SPDX-License-Identifier: GPL-2.0
"""zdtool.lint: what `make lint` checks, and how a finding is reported."""

import contextlib
import io
import os
import tempfile
import unittest

from zdtool import ZdError, lint
from zdtool.kernel.results import Counts


def _touch(path: str) -> None:
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path, 'w') as f:
		f.write('\n')


class LintTest(unittest.TestCase):

	def test_checks(self) -> None:
		with tempfile.TemporaryDirectory() as root:
			repo, tree = os.path.join(root, 'repo'), os.path.join(root, 't')
			with self.assertRaisesRegex(ZdError, 'checkpatch.pl: no such'):
				lint.checks(repo, tree, '6.12')
			for rel in ('patches/6.12/0001-a.patch', 'patches/6.12/series',
				    'patches/7.3/0001-b.patch', 'kunit-tests/s.c',
				    'kunit-tests/s.h', 'kunit-tests/Kconfig',
				    'fault-inject/include/zdrace/fi.h',
				    'fault-inject/mutants/6.12/m.patch'):
				_touch(os.path.join(repo, rel))
			_touch(os.path.join(tree, lint.CHECKPATCH))
			got = lint.checks(repo, tree, '6.12')
		self.assertEqual([c.name for c in got], [
			'patches/6.12/0001-a.patch', 'kunit-tests/s.c',
			'kunit-tests/s.h', 'fault-inject/include/zdrace/fi.h',
			'scripts/ (mypy)'])
		patch, c_file = got[0], got[1]
		self.assertEqual(patch.cwd, tree)
		self.assertEqual(patch.cmd, [lint.CHECKPATCH, '--strict', '--quiet',
					     '--ignore',
					     'FILE_PATH_CHANGES,ARCH_INCLUDE_LINUX',
					     os.path.join(repo, got[0].name)])
		self.assertEqual(c_file.cmd[-2:], ['-f', os.path.join(
			repo, 'kunit-tests/s.c')])
		self.assertEqual(got[-1].cmd[-1], os.path.join(repo, lint.MYPY_CONFIG))

	def test_one_result_per_check_and_the_command(self) -> None:
		ok = lint.Check('a.c', ['true'], '/')
		bad = lint.Check('b.c', ['sh', '-c', 'echo "WARNING: x"; exit 1'],
				 '/')
		out = io.StringIO()
		with contextlib.redirect_stdout(out):
			counts = lint.execute([ok, bad], jobs=2)
		self.assertEqual(counts, Counts(1, 1, 0))
		self.assertIn('zdrace: lint: FAIL: b.c\nWARNING: x\n'
			      'zdrace: lint: reproduce with: cd / && sh -c '
			      '\'echo "WARNING: x"; exit 1\'\n', out.getvalue())


if __name__ == '__main__':
	unittest.main()
