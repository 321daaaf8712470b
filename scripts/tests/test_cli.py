# SPDX-License-Identifier: GPL-2.0
"""zdrace.py front end: bad input gives one line and a non-zero exit."""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stdout
from typing import Tuple

from tests import fakekernel
from zdtool.kernel import runner
import zdrace  # noqa: E402 (scripts/ is on sys.path under unittest -t)

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


class NewerLineTest(unittest.TestCase):
	"""A KERNEL_SRC tree newer than every line carried takes the newest
	line's series, said once."""

	def resolve(self, makefile: str) -> Tuple[str, str, str]:
		with tempfile.TemporaryDirectory() as d:
			files = dict(fakekernel.FILES, Makefile=makefile)
			fakekernel.make_tree(d, files)
			args = argparse.Namespace(kernel='6.12', kernel_src=d,
						  newer_line='')
			out = io.StringIO()
			with redirect_stdout(out):
				zdrace.resolve_line(args)
			return args.kernel, args.newer_line, out.getvalue()

	def test_newer_tree_takes_the_newest_series(self) -> None:
		newest = zdrace.carried_lines()[-1]
		kernel, newer, said = self.resolve(
			'VERSION = 9\nPATCHLEVEL = 1\nSUBLEVEL = 0\n'
			'EXTRAVERSION = -rc1\n')
		self.assertEqual((kernel, newer), (newest, '9.1'))
		self.assertIn('newer than every line carried', said)
		self.assertIn(f'using the {newest} series', said)

	def test_carried_line_is_left_alone(self) -> None:
		self.assertEqual(self.resolve(fakekernel.FILES['Makefile'])[:2],
				 ('6.12', ''))


if __name__ == '__main__':
	unittest.main()


class LineConfigsTest(unittest.TestCase):
	"""configs/<line>/*.config go into every kunit.py run of the line,
	after the run's own fragments; a line without any gets none (6.99:
	none carried)."""

	def kunit_run(self, line: str) -> runner.KunitRun:
		args = argparse.Namespace(kernel=line, build_root='/nonexistent',
					  jobs=0, filter_glob='', kernel_args=[],
					  timeout=0)
		return zdrace._kunit_run(args, ['/own.config'])

	def test_smp_line(self) -> None:
		run = self.kunit_run('7.3')
		self.assertEqual([os.path.relpath(c, zdrace.REPO)
				  for c in run.line_configs],
				 ['configs/7.3/hz.config', 'configs/7.3/smp.config'])
		cmd = run.command('build')
		own = cmd.index('--kunitconfig=/own.config')
		self.assertIn(f'--kunitconfig={run.line_configs[0]}',
			      cmd[own + 1:])

	def test_uniprocessor_line(self) -> None:
		run = self.kunit_run('6.12')
		self.assertEqual([os.path.relpath(c, zdrace.REPO)
				  for c in run.line_configs],
				 ['configs/6.12/time-travel.config'])
		self.assertIn('time-travel=inf-cpu', run.kernel_args)

	def test_line_without_configs(self) -> None:
		self.assertEqual(self.kunit_run('6.99').line_configs, [])
