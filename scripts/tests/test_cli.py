# SPDX-License-Identifier: GPL-2.0
"""zdrace.py front end: bad input gives one line and a non-zero exit."""

import os
import subprocess
import sys
import unittest

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZDRACE = os.path.join(SCRIPTS, 'zdrace.py')


def _zdrace(*args: str) -> subprocess.CompletedProcess:
	env = dict(os.environ)
	env.pop('KERNEL_SRC', None)
	return subprocess.run([sys.executable, ZDRACE, *args], env=env,
			      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
			      text=True)


class BadInputTest(unittest.TestCase):

	def test_nonexistent_kernel_src(self) -> None:
		proc = _zdrace('--kernel=6.12', '--kernel-src=/nonexistent',
			       'prepare')
		self.assertNotEqual(proc.returncode, 0)
		self.assertEqual(proc.stderr.strip().splitlines(), [
			'zdrace: error: KERNEL_SRC=/nonexistent: no such file or '
			'directory'])

	def test_missing_kunitconfig(self) -> None:
		from zdtool import ZdError
		from zdtool.kernel import runner
		with self.assertRaisesRegex(ZdError, 'kunitconfig /nope.config'):
			runner.check_configs(['/nope.config'])

	def test_kernel_line_required(self) -> None:
		proc = _zdrace('prepare')
		self.assertEqual(proc.returncode, 2)
		self.assertIn('--kernel', proc.stderr)


if __name__ == '__main__':
	unittest.main()
