# SPDX-License-Identifier: GPL-2.0
"""The commands printed for failures reach kunit.py intact.

A printed line is `make <goal> KERNEL=<line> FILTER=<glob> RUN_ARGS=<boot
args>` (zdtool.kernel.replay).  `make -n` expands it to the zdrace.py
command the Makefile runs;
zdrace.py's own parser reads that; the kunit.py command zdrace.py would
run is then parsed by kunit.py's own parser (the prepared tree's), which
must see the same filter glob and every boot argument.
"""

import argparse
import os
import shlex
import subprocess
import unittest
from typing import List

from tests import kunittree
from zdtool.kernel import console, kunitpy
from zdtool.kernel.replay import Goal
from zdtool.kernel.runner import KunitRun
from zdtool.sweep import job
from zdtool.sweep.spec import Job

import zdrace  # noqa: E402 (scripts/ is on sys.path under unittest -t)

# As zdtool.kernel.replay writes them, from the kernel's replay facts.
FACTS = console.Replay(param=None, seed=42)
KERNEL_LINE = Goal('run', '6.12', run_args=(
	'zdrace_fi.arm=get_pgmap_before_tryget:3,100,0,3:fail',)).command(
		'zdrace_fi_selftest', 'seed_replays_same_trace', FACTS)
MUTANT_LINE = Goal('mutants', '6.12', (
	('MUTANT', 'free-no-count-reset.patch'),)).command(
		'zdrace_page_free_reset', 'allocator_races_refcount_reset',
		console.Replay(param=2, seed=None))
REVIEW_LINE = Goal('review', '6.12', (('SERIES', '/tmp/x series.mbox'),),
		   ('zdrace_known_upstream_fail=1',)).command(
		'zdrace_dma_pins', 'alloc_after_teardown_starts',
		console.Replay(param=0, seed=None))
TREE_LINE = Goal('run', '7.3', (('KERNEL_SRC', '/src/linux 7.3'),
				('CONFIGS', 'configs/zdrace.config'),
				('KERNEL_ARGS', 'zone_device_mem=512M'))).command(
		'zdrace_teardown_refs', 'teardown_vs_put', FACTS)


def make_dry_run(line: str) -> List[str]:
	"""The zdrace.py argv that `make` would run for @line."""
	words = shlex.split(line)
	assert words[0] == 'make', line
	out = subprocess.run(['make', '-n', '-s', '-C', kunittree.REPO,
			      '--no-print-directory'] + words[1:],
			     stdout=subprocess.PIPE, text=True, check=True,
			     env=dict(os.environ, MAKEFLAGS='')).stdout
	cmds = [shlex.split(c) for c in out.splitlines() if 'zdrace.py' in c]
	assert len(cmds) == 1, out
	cmd = cmds[0]
	return cmd[cmd.index('scripts/zdrace.py') + 1:]


def kunit_run_parser(tree: str) -> argparse.ArgumentParser:
	"""kunit.py's `run` parser, built by kunit.py's own functions."""
	kunit = kunitpy.load(tree, 'kunit')
	parser = argparse.ArgumentParser()
	kunit.add_common_opts(parser)
	kunit.add_build_opts(parser)
	kunit.add_exec_opts(parser)
	kunit.add_parse_opts(parser)
	return parser


class ReproTest(unittest.TestCase):

	def kunit_args(self, line: str) -> argparse.Namespace:
		tree = kunittree.needed(self)
		args = zdrace.parse_args(make_dry_run(line))
		run = KunitRun(tree=tree, build_dir='/nonexistent/kunit',
			       results='/nonexistent/results',
			       configs=args.config, filter_glob=args.filter_glob,
			       kernel_args=(args.kernel_args or []) +
			       (args.run_args or []))
		cmd = run.command('run')
		self.assertEqual(cmd[2], 'run')
		return kunit_run_parser(tree).parse_args(cmd[3:])

	def assert_reaches_kunit(self, line: str) -> argparse.Namespace:
		words = dict(w.split('=', 1) for w in shlex.split(line)
			     if '=' in w)
		parsed = self.kunit_args(line)
		self.assertEqual(parsed.filter_glob, words['FILTER'])
		for arg in words['RUN_ARGS'].split():
			self.assertIn(arg, parsed.kernel_args)
		# The window (the Makefile's unless the line sets it) stays,
		# before the line's arguments.
		window = next(a for a in shlex.split(words.get(
			'KERNEL_ARGS', 'zone_device_mem=256M'))
			if a.startswith('zone_device_mem='))
		self.assertIn(window, parsed.kernel_args)
		self.assertLess(parsed.kernel_args.index(window),
				parsed.kernel_args.index(
					words['RUN_ARGS'].split()[0]))
		return parsed

	def test_kernel_repro_line(self) -> None:
		parsed = self.assert_reaches_kunit(KERNEL_LINE)
		self.assertEqual(parsed.filter_glob,
				 'zdrace_fi_selftest.seed_replays_same_trace')
		for arg in ('zdrace_sched.seed=42', 'zdrace_sched.seeds=1'):
			self.assertIn(arg, parsed.kernel_args)

	def test_kernel_src_line_keeps_the_tree_and_its_settings(self) -> None:
		self.assert_reaches_kunit(TREE_LINE)
		args = zdrace.parse_args(make_dry_run(TREE_LINE))
		self.assertEqual(args.kernel_src, '/src/linux 7.3')
		self.assertEqual(args.config, ['configs/zdrace.config'])
		self.assertTrue(args.configs_given and args.kernel_args_given)
		self.assertEqual(args.kernel_args, ['zone_device_mem=512M'])

	def test_mutant_repro_line_names_the_mutant(self) -> None:
		self.assert_reaches_kunit(MUTANT_LINE)
		args = zdrace.parse_args(make_dry_run(MUTANT_LINE))
		self.assertEqual(args.command, 'mutants')
		self.assertEqual(args.mutant, ['free-no-count-reset.patch'])
		self.assertEqual(args.run_args, ['zdrace_sched.param=2'])

	def test_review_repro_line_names_the_series(self) -> None:
		self.assert_reaches_kunit(REVIEW_LINE)
		args = zdrace.parse_args(make_dry_run(REVIEW_LINE))
		self.assertEqual(args.command, 'review')
		self.assertEqual(args.series, '/tmp/x series.mbox')

	def test_sweep_make_line(self) -> None:
		line = job.make_command('6.12', Job(0, 'teardown_vs_put', 4711, 1,
						    ['final_put_zone_device:delay=200',
						     'memunmap_before_wait:yield']),
					['zone_device_mem=256M'])
		parsed = self.assert_reaches_kunit(line)
		self.assertEqual(parsed.filter_glob, 'zdrace_sweep.teardown_vs_put')
		self.assertIn('zdrace_sweep.arm=final_put_zone_device:delay=200,'
			      'memunmap_before_wait:yield', parsed.kernel_args)

	def test_sweep_make_line_keeps_the_tree(self) -> None:
		"""A sweep of a KERNEL_SRC tree replays on that tree."""
		line = job.make_command('7.3', Job(0, 'teardown_vs_put', 9, 1, []),
					[], Goal('run', '7.3', (('KERNEL_SRC',
								 '/src/linux-7.2'),)))
		args = zdrace.parse_args(make_dry_run(line))
		self.assertEqual(args.kernel_src, '/src/linux-7.2')
		self.assertEqual(args.filter_glob, 'zdrace_sweep.teardown_vs_put')
		self.assertEqual(args.run_args, ['zdrace_sched.seed=9',
						 'zdrace_sched.seeds=1'])


if __name__ == '__main__':
	unittest.main()
