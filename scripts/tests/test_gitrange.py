# SPDX-License-Identifier: GPL-2.0
"""zdtool.coverage.gitrange: a commit range of a git tree reviewed as its
mails, on the tree at its base."""

import contextlib
import io
import os
import subprocess
import tarfile
import tempfile
import unittest

from tests import fakekernel
from zdtool import ZdError
from zdtool.coverage import gitrange, patchcov


def _git(tree: str, *args: str) -> str:
	env = dict(os.environ, GIT_AUTHOR_NAME='A', GIT_AUTHOR_EMAIL='a@x',
		   GIT_COMMITTER_NAME='A', GIT_COMMITTER_EMAIL='a@x')
	return subprocess.run(['git', '-C', tree, *args], env=env, check=True,
			      stdout=subprocess.PIPE, text=True).stdout


class RangeTest(unittest.TestCase):

	def test_names(self) -> None:
		self.assertTrue(gitrange.is_range('v7.3..HEAD'))
		self.assertTrue(gitrange.is_range('origin/mm-stable..my-series'))
		self.assertFalse(gitrange.is_range('../x.mbox'))
		self.assertFalse(gitrange.is_range('a..'))

	def test_mails_and_base(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			tree = fakekernel.make_tree(os.path.join(d, 'linux'))
			_git(tree, 'init', '-q')
			_git(tree, 'add', '.')
			_git(tree, 'commit', '-qm', 'base')
			_git(tree, 'tag', 'base')
			for n, (rel, old, new) in enumerate((
					('mm/gup.c', 'int d;', 'int e;'),
					('mm/memremap.c', 'int b;', 'int B;')), 1):
				with open(os.path.join(tree, rel)) as f:
					text = f.read()
				with open(os.path.join(tree, rel), 'w') as f:
					f.write(text.replace(old, new))
				_git(tree, 'commit', '-qam', f'mm: change {n}')
			out = io.StringIO()
			with contextlib.redirect_stdout(out):
				mbox, base = gitrange.export(tree, 'base..HEAD',
							     os.path.join(d, 'w'))
				again = gitrange.export(tree, 'base..HEAD',
							os.path.join(d, 'w'))
			self.assertEqual(again, (mbox, base))
			self.assertEqual(out.getvalue().count('git archive'), 1)
			with tarfile.open(base) as t:
				gup = t.extractfile('linux/mm/gup.c')
				self.assertEqual(gup.read() if gup else b'', b'int d;\n')
			with contextlib.redirect_stdout(io.StringIO()):
				paths = patchcov.load_review_series(
					mbox, os.path.join(d, 'series'))
			self.assertEqual([os.path.basename(p) for p in paths],
					 ['0001-mm-change-1.patch',
					  '0002-mm-change-2.patch'])
			with self.assertRaisesRegex(ZdError, 'unknown revision|bad '
						    'revision|Needed a single'):
				gitrange.export(tree, 'nope..HEAD', os.path.join(d, 'w'))
			with self.assertRaisesRegex(ZdError, 'set KERNEL_SRC= to the '
						    'git tree it is in'):
				gitrange.export('', 'base..HEAD', os.path.join(d, 'w'))


if __name__ == '__main__':
	unittest.main()
