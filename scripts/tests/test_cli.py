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
from typing import List, Tuple

from tests import fakekernel
from zdtool import ZdError
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


class NearestLineTest(unittest.TestCase):
	"""A KERNEL_SRC tree runs on the nearest line carried, said once, in
	a build area of its own; KERNEL= must name a carried line."""

	def resolve(self, version: str, kernel: str = '6.12',
		    given: bool = False) -> Tuple[str, str, str]:
		major, minor, *rest = version.split('.')
		makefile = (f'VERSION = {major}\nPATCHLEVEL = {minor}\n'
			    f'SUBLEVEL = {rest[0] if rest else 0}\n'
			    f'EXTRAVERSION = {rest[1] if len(rest) > 1 else ""}\n')
		with tempfile.TemporaryDirectory() as d:
			fakekernel.make_tree(d, dict(fakekernel.FILES,
						     Makefile=makefile))
			args = argparse.Namespace(kernel=kernel, kernel_src=d,
						  kernel_given=given, area='',
						  other_line=False)
			out = io.StringIO()
			with redirect_stdout(out):
				zdrace.resolve_line(args)
			return args.kernel, args.area, out.getvalue()

	def test_lines(self) -> None:
		lines = zdrace.carried_lines()
		self.assertIn('6.12', lines)
		self.assertIn('7.3', lines)
		for version, line in (('6.12.118', '6.12'), ('6.6.50', '6.12'),
				      ('6.13.2', '6.12'), ('7.2.13', '7.3'),
				      ('7.3.0.-rc7', '7.3'), ('7.4.0.-rc1', '7.3'),
				      ('9.1.0.-rc1', lines[-1])):
			with self.subTest(version=version):
				kernel, area, said = self.resolve(version)
				self.assertEqual(kernel, line)
				self.assertTrue(area.startswith(f'{line}/trees/'), area)
				self.assertIn(f'on the {line} line (', said)

	def test_why_is_said(self) -> None:
		said = self.resolve('7.2.13')[2]
		self.assertIn('linux 7.2.13, on the 7.3 line (no 7.2 line is '
			      'carried; 7.3 is the nearest newer line of major 7)',
			      said)
		self.assertIn('(its own line)', self.resolve('6.12.118')[2])

	def test_kernel_the_user_gave_must_agree(self) -> None:
		self.assertEqual(self.resolve('7.2.13', '7.3', True)[0], '7.3')
		with self.assertRaisesRegex(ZdError, r'is linux 7\.2\.13, which '
					    r'runs on the 7\.3 line .*set KERNEL=7\.3'):
			self.resolve('7.2.13', '6.12', True)

	def test_a_line_not_carried_is_refused(self) -> None:
		proc = _zdrace('--kernel=7.2', 'prepare')
		self.assertEqual(proc.returncode, 1)
		self.assertEqual(proc.stderr.strip().splitlines(), [
			'zdrace: error: KERNEL=7.2: not a line zdrace carries '
			f'({", ".join(zdrace.carried_lines())}); for another kernel '
			'set KERNEL_SRC= to its tree or tarball, which runs on the '
			'nearest line'])


if __name__ == '__main__':
	unittest.main()


class LineConfigsTest(unittest.TestCase):
	"""configs/<line>/*.config go into every kunit.py run of the line,
	after the run's own fragments; a line without any gets none (6.99:
	none carried)."""

	def kunit_run(self, line: str) -> runner.KunitRun:
		args = zdrace.parse_args([f'--kernel={line}',
					  '--build-root=/nonexistent', '--jobs=0',
					  '--timeout=0', 'run'])
		return zdrace._kunit_run(args, ['/own.config'])

	def test_line_with_an_smp_kernel(self) -> None:
		"""7.3: its kernel is SMP with time-travel support
		(configs/7.3/), built with the peers' fragments; booted with one
		CPU in time-travel mode, and the same build with two CPUs for
		the SMP suites, its console kept apart."""
		run = self.kunit_run('7.3')
		self.assertEqual([os.path.relpath(c, zdrace.REPO)
				  for c in run.line_configs],
				 ['configs/7.3/hz.config', 'configs/7.3/pmem.config',
				  'configs/7.3/smp.config',
				  'configs/7.3/time-travel.config'])
		self.assertIn('time-travel=inf-cpu', run.kernel_args)
		self.assertNotIn('ncpus=2', run.kernel_args)
		self.assertIn('initcall_blacklist=hmm_dmirror_init',
			      run.kernel_args)
		self.assertIn('kunit.filter=module!=zdrace_smp_races',
			      run.kernel_args)
		self.assertTrue(run.smp)
		self.assertIn(os.path.join(zdrace.REPO, 'configs/peers.config'),
			      run.configs)
		cmd = run.command('build')
		own = cmd.index('--kunitconfig=/own.config')
		self.assertIn(f'--kunitconfig={run.line_configs[0]}',
			      cmd[own + 1:])
		smp = zdrace._smp_run(self.args('7.3'), run)
		assert smp is not None
		self.assertEqual(smp.command('build'), cmd)
		self.assertIn('ncpus=2', smp.kernel_args)
		self.assertIn('initcall_blacklist=hmm_dmirror_init',
			      smp.kernel_args)
		self.assertNotIn('time-travel=inf-cpu', smp.kernel_args)
		self.assertNotIn('kunit.filter=module!=zdrace_smp_races',
				 smp.kernel_args)
		self.assertEqual(smp.build_dir, run.build_dir)
		self.assertEqual(smp.console_log,
				 '/nonexistent/7.3/kunit/test-smp.log')
		self.assertEqual(run.console_log,
				 '/nonexistent/7.3/kunit/test.log')

	def test_gcov_build_boots_no_peers(self) -> None:
		"""7.3's gcov build leaves the peers' fragments out (what it
		never boots would count as never run); `make`'s keeps them."""
		ctx = zdrace._coverage_context(self.args('7.3'))
		peers_config = os.path.join(zdrace.REPO, 'configs/peers.config')
		self.assertIn(peers_config, ctx.kunit.configs)
		gcov = ctx.coverage_run('/t', '/b', '/r')
		self.assertNotIn(peers_config, gcov.configs)
		self.assertIn(os.path.join(zdrace.REPO, 'configs/coverage.config'),
			      gcov.configs)
		self.assertEqual(gcov.line_configs, ctx.kunit.line_configs)

	def test_suite_runs_split_the_filter(self) -> None:
		def runs(line: str, *filt: str) -> List[Tuple[str, str]]:
			return [(name, run.filter_glob) for run, name, _ in
				zdrace._suite_runs(self.args(line, *filt))]
		self.assertEqual(runs('7.3'), [('zdrace', ''),
					       ('zdrace-smp', 'zdrace_smp_races')])
		self.assertEqual(runs('7.3', '--filter_glob=zdrace_smp_races.zap*'),
				 [('zdrace-smp', 'zdrace_smp_races.zap*')])
		self.assertEqual(runs('7.3', '--filter_glob=zone_device_smoke.*'),
				 [('zdrace', 'zone_device_smoke.*')])
		self.assertEqual(runs('6.12', '--filter_glob=zdrace_*'),
				 [('zdrace', 'zdrace_*')])
		# A concurrent sweep job's replay needs two CPUs.
		self.assertEqual(runs('7.3', '--filter_glob=zdrace_sweep.x',
				      '--run_args=zdrace_sweep.concurrent=1'),
				 [('zdrace-smp', 'zdrace_sweep.x')])

	def args(self, line: str, *more: str) -> argparse.Namespace:
		return zdrace.parse_args([f'--kernel={line}',
					  '--build-root=/nonexistent', '--jobs=0',
					  '--timeout=0', *more, 'run'])

	def test_uniprocessor_line(self) -> None:
		run = self.kunit_run('6.12')
		self.assertEqual([os.path.relpath(c, zdrace.REPO)
				  for c in run.line_configs],
				 ['configs/6.12/pmem.config',
				  'configs/6.12/time-travel.config'])
		self.assertIn('time-travel=inf-cpu', run.kernel_args)

	def test_line_without_configs(self) -> None:
		self.assertEqual(self.kunit_run('6.99').line_configs, [])
