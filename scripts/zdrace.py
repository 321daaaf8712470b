#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""zdrace front end: prepare the kernel tree, run suites, check, bench.

Every subcommand takes the kernel line (--kernel, e.g. from KERNEL= in the
Makefile) and optionally a source (--kernel-src, KERNEL_SRC=).
"""

import argparse
import copy
import glob
import os
import shutil
import sys
import time
import unittest
from dataclasses import replace
from typing import List, Optional, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from zdtool import DEFAULT_KERNEL_ARGS, ZdError, lint, run_command  # noqa: E402
from zdtool.coverage import commands as covcmd  # noqa: E402
from zdtool.kernel import bench, bootcheck, mutants, runner  # noqa: E402
from zdtool.kernel import series, source, stock, tree  # noqa: E402
from zdtool.kernel import compare, points, replay, rules, shapes  # noqa: E402
from zdtool.kernel.results import Counts  # noqa: E402
from zdtool.layout import Layout, TreeDirs  # noqa: E402
from zdtool.peers import run as peers  # noqa: E402
from zdtool.sweep import args as sweep_args  # noqa: E402
from zdtool.sweep import job as sweepjob  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _layout(args: argparse.Namespace) -> Layout:
	return Layout(os.path.abspath(args.build_root), args.kernel,
		      getattr(args, 'area', ''))


def _source(args: argparse.Namespace) -> source.KernelSource:
	return source.find_source(args.kernel, args.kernel_src,
				  os.path.join(REPO, 'patches', args.kernel),
				  _layout(args).fetched)


def prepare(args: argparse.Namespace) -> tree.TreeInfo:
	source.ensure_host_tools()
	src = _source(args)
	patches = series.load_series(os.path.join(REPO, 'patches', args.kernel))
	with runner.build_lock(args.lock) as waited:
		args.lock_wait += waited
		info = tree.prepare(_layout(args).main, src, patches, REPO,
				    args.kernel, other_line=args.other_line)
	notice = source.sublevel_notice(source.load_line_source(
		os.path.join(REPO, 'patches', args.kernel), args.kernel),
		info.version, args.kernel)
	for text in ([notice] if notice else []) + info.placement_lines():
		print(text, flush=True)
	return info


# What `make <goal>` a failed case's command runs again (Makefile goals).
_GOALS = {'check': 'run', 'compare': 'run', 'bench': 'run', 'stock': 'run',
	  'coverage-floor': 'coverage'}


def _goal(args: argparse.Namespace) -> replay.Goal:
	"""The run as the user started it: the goal, the line, and the
	variables they set that shape the kernel or its boot."""
	variables = []
	if args.kernel_src:
		variables.append(('KERNEL_SRC', os.path.abspath(args.kernel_src)))
	if args.configs_given:
		variables.append(('CONFIGS', ' '.join(args.config)))
	if args.kernel_args_given:
		variables.append(('KERNEL_ARGS', ' '.join(args.kernel_args or [])))
	return replay.Goal(_GOALS.get(args.command, args.command), args.kernel,
			   tuple(variables), tuple(args.run_args or []))


def _line_configs(line: str) -> List[str]:
	"""configs/<line>/*.config, what every kernel of the line needs."""
	return sorted(glob.glob(os.path.join(REPO, 'configs', line, '*.config')))


def _peer_configs(args: argparse.Namespace, configs: List[str]) -> List[str]:
	"""What the line's kernel is built with besides @configs to be the
	peers' kernel too: configs/peers.config on a line with peers."""
	if not _line_source(args).peers:
		return []
	return [os.path.join(REPO, c) for c in peers.CONFIGS
		if os.path.join(REPO, c) not in configs]


def _kunit_run(args: argparse.Namespace, configs: List[str],
	       build_dir: str = '') -> runner.KunitRun:
	"""kunit.py on the line's kernel, the one `make` builds.  On a line
	with peers it is their kernel too (_peer_configs()): booted for
	anything else, without test_hmm's devices.  A line's SMP suites
	(smp_suites=) run when it boots with two CPUs (_smp_run()), not
	here."""
	layout = _layout(args)
	line = _line_source(args)
	peer_configs = _peer_configs(args, configs)
	return runner.KunitRun(tree=layout.tree,
			       build_dir=build_dir or layout.kunit,
			       results=layout.results,
			       configs=configs + peer_configs,
			       line_configs=_line_configs(args.kernel),
			       jobs=args.jobs, filter_glob=args.filter_glob,
			       kernel_args=line.kernel_args.split() +
			       peers.not_peers_args(line) +
			       runner.not_suites_args(
				       os.path.join(REPO, 'kunit-tests'),
				       line.smp_suites) +
			       (args.kernel_args or []) + (args.run_args or []),
			       timeout=args.timeout, goal=_goal(args))


def _smp_run(args: argparse.Namespace,
	     base: runner.KunitRun) -> Optional[runner.KunitRun]:
	"""@base, the run of the line's kernel, booted with two CPUs
	(smp_kernel_args= of patches/<line>/source), its console kept
	apart: None on a line whose kernel has no such boot."""
	line = _line_source(args)
	if not line.smp_kernel_args:
		return None
	return replace(base, console=SMP_CONSOLE,
		       kernel_args=peers.smp_own_args(line) +
		       (args.kernel_args or []) + (args.run_args or []))


# The console of the line's kernel's boot with two CPUs, beside kunit.py's
# test.log of its other boot.
SMP_CONSOLE = 'test-smp.log'

# The results of `make`'s runs: BUILD/<line>/results/<name>.json.
RESULTS, SMP_RESULTS = 'zdrace', 'zdrace-smp'


def _suite_runs(args: argparse.Namespace) -> \
		List[Tuple[runner.KunitRun, str, str]]:
	"""The runs of the suites `make` does on the line: (run, results
	name, what it is), its kernel's and, on a line whose kernel boots
	with two CPUs, that boot's with the SMP suites (smp_suites=); each with its part of
	FILTER=, and only if it has cases of it."""
	base = _kunit_run(args, args.config)
	smp = _smp_run(args, base)
	if smp is None:
		return [(base, RESULTS, '')]
	if sweepjob.CONCURRENT_ARG in (args.run_args or []):
		# A concurrent sweep job's replay: all on two CPUs.
		return [(smp, SMP_RESULTS, ', two CPUs')]
	up_glob, smp_glob = runner.split_filter(
		args.filter_glob or '', _line_source(args).smp_suites,
		runner.suite_cases(os.path.join(REPO, 'kunit-tests')))
	runs = []
	if up_glob is not None:
		runs.append((replace(base, filter_glob=up_glob), RESULTS, ''))
	if smp_glob is not None:
		runs.append((replace(smp, filter_glob=smp_glob), SMP_RESULTS,
			     ', two CPUs'))
	return runs


def _run_suites(args: argparse.Namespace, info: tree.TreeInfo,
		only: Optional[List[str]] = None) -> \
		Tuple[Counts, List[runner.KunitRun]]:
	"""The suites on each kernel of the line (@only: the kernels whose
	results are named there), with the rules and reports checks of each
	boot; under the build lock."""
	counts, done = Counts(), []
	runs = [r for r in _suite_runs(args) if only is None or r[1] in only]
	with runner.build_lock(args.lock) as waited:
		args.lock_wait += waited
		for run, name, what in runs:
			counts += runner.run_suites(run, info.banner() + what,
						    name, check_rules=True)
			done.append(run)
	# What a kernel this run did not boot wrote before is not its.
	ran = [name for _, name, _ in runs]
	for name in (RESULTS, SMP_RESULTS):
		if name not in ran and name not in (only or []):
			runner.forget_results(_layout(args).results, name)
	return counts, done


def cmd_prepare(args: argparse.Namespace) -> int:
	print(prepare(args).banner())
	return 0


def cmd_run(args: argparse.Namespace) -> int:
	start = time.monotonic()
	info = prepare(args)
	counts, _ = _run_suites(args, info)
	took = time.monotonic() - start - args.lock_wait
	wait = f' (+{args.lock_wait:.1f} s waiting for the build lock)' \
		if args.lock_wait >= 0.1 else ''
	print(f'zdrace: make finished in {took:.1f} s{wait}')
	return 1 if counts.failed else 0


def cmd_stock(args: argparse.Namespace) -> int:
	"""The kernel's default KUnit suites, unpatched and patched."""
	info = prepare(args)
	layout = _layout(args)
	src = _source(args)
	patched = _kunit_run(args, [os.path.join(layout.tree,
						 stock.DEFAULT_CONFIG)] +
			     args.config, layout.stock)
	with runner.build_lock(args.lock):
		pristine = tree.extract_pristine(layout.main, src)
		return stock.run(patched, pristine, layout.stock_pristine,
				 info.banner())


def unit_tests(verbosity: int = 1) -> Counts:
	"""The tooling's own tests, scripts/tests/test_*.py."""
	here = os.path.dirname(os.path.abspath(__file__))
	suite = unittest.defaultTestLoader.discover(
		os.path.join(here, 'tests'), top_level_dir=here)
	result = unittest.TextTestRunner(verbosity=verbosity,
					 stream=sys.stdout).run(suite)
	failed = len(result.failures) + len(result.errors) + \
		len(result.unexpectedSuccesses)
	skipped = len(result.skipped)
	return Counts(result.testsRun - failed - skipped, failed, skipped)


def cmd_check(args: argparse.Namespace) -> int:
	"""The tooling's tests once, then per kernel line (--lines, else
	--kernel): lint, the suites, the rules, the boot check and the
	coverage floor; one summary line for all."""
	lines = [args.kernel] if args.kernel_src or not args.lines else \
		carried_lines() if args.lines == 'all' else args.lines.split(',')
	total = Counts()
	for n, line in enumerate(lines):
		largs = copy.copy(args)
		largs.kernel = line
		print(f'zdrace: check of the {line} line', flush=True)
		try:
			info: Optional[tree.TreeInfo] = prepare(largs)
		except ZdError as e:
			print(f'zdrace: error: {e}', file=sys.stderr)
			info = None
		counts = Counts()
		if n == 0:
			counts += _check_tooling(largs, info)
		try:
			counts += lint.run(REPO, _layout(largs).tree, line,
					   largs.jobs)
		except ZdError as e:
			print(f'zdrace: error: lint: {e}', file=sys.stderr)
			counts += Counts(failed=1)
		counts += _check_kernel(largs, info) if info else \
			Counts(failed=1)
		print(f'zdrace: check of the {line} line: {counts.summary()}',
		      flush=True)
		total += counts
	print(total.summary())
	return 1 if total.failed else 0


def _compare_run(args: argparse.Namespace, label: str) -> \
		Tuple[compare.LineRun, int]:
	"""The suites on one kernel, and its rules column (@label, with
	%s for the tree's version)."""
	info = prepare(args)
	counts, runs = _run_suites(args, info)
	consoles = [run.console_log for run in runs]
	found = rules.from_consoles(runs[0].tree, consoles)
	if found is None:
		raise ZdError(f'{", ".join(consoles)}: linux {info.version} '
			      f'printed no rule table')
	banner = compare.with_cpus(info.banner(),
				   [compare.cpus_from_console(c)
				    for c in consoles])
	return compare.LineRun(label.replace('%s', info.version), banner,
			       found), counts.failed


def cmd_compare(args: argparse.Namespace) -> int:
	"""The suites on each line (--lines) and on each extra tree
	(--trees, on its nearest line), then the rules table in
	BUILD/compare/ (rules.md, rules.json): a column each."""
	lines = args.lines.split(',') if args.lines and args.lines != 'all' \
		else carried_lines()
	runs, failed = [], 0
	for line in lines:
		largs = copy.copy(args)
		largs.kernel, largs.kernel_src = line, None
		largs.area, largs.other_line = '', False
		run, f = _compare_run(largs, line)
		runs.append(run)
		failed += f
	for src in args.trees.split():
		largs = copy.copy(args)
		largs.kernel_src, largs.kernel_given = src, False
		resolve_line(largs)
		run, f = _compare_run(largs, f'%s (on {largs.kernel})')
		runs.append(run)
		failed += f
	for path in compare.write(Layout(os.path.abspath(args.build_root),
					 '').compare, runs):
		print(f'zdrace: compare: {path}')
	return 1 if failed else 0


def _check_tooling(args: argparse.Namespace,
		   info: Optional[tree.TreeInfo]) -> Counts:
	"""The tooling's tests, parsing with the prepared tree's kunit.py:
	here a test that cannot find it fails instead of skipping."""
	os.environ['ZDRACE_TREE'] = _layout(args).tree
	if info:
		os.environ['ZDRACE_TREE_REQUIRED'] = '1'
	try:
		# The placement tests run spatch on the prepared trees.
		points.ensure_spatch()
	except ZdError as e:
		print(f'zdrace: error: {e}', file=sys.stderr)
	print('zdrace: tooling tests (scripts/tests)', flush=True)
	tool = unit_tests()
	print(f'zdrace: tooling tests: {tool.summary()}', flush=True)
	return tool


def _check_kernel(args: argparse.Namespace, info: tree.TreeInfo) -> Counts:
	"""The suites, the boot check and the coverage floor.  The line's
	kernel is built once, with gcov: its suites, their rules and reports
	count as `make`'s do, and the floor is held on the same run.  An SMP
	kernel runs its suites as `make` runs them."""
	ctx = _coverage_context(args)
	try:
		counts, _ = _run_suites(args, info, only=[SMP_RESULTS])
	except ZdError as e:
		print(f'zdrace: error: {e}', file=sys.stderr)
		counts = Counts(failed=1)
	counts += covcmd.check(ctx, info)
	# The bad-boot check boots the line's kernel, here its gcov build,
	# built even if FILTER= ran only the SMP suites.
	main = ctx.coverage_run(ctx.layout.tree, ctx.layout.coverage_kunit,
				ctx.layout.results)
	try:
		with runner.build_lock(args.lock):
			rc, output = runner.build(main, show=False)
			if rc != 0:
				raise ZdError(f'build failed: {runner.first_error(output)};'
					      f' rebuild with: {main.repro("build")}')
			counts += bootcheck.run(main)
	except ZdError as e:
		print(f'zdrace: error: {e}', file=sys.stderr)
		counts += Counts(failed=1)
	if _line_source(args).peers:
		try:
			counts += _peers(args, info)
		except ZdError as e:
			print(f'zdrace: error: peers: {e}', file=sys.stderr)
			counts += Counts(failed=1)
	return counts


def _line_source(args: argparse.Namespace) -> source.LineSource:
	return source.load_line_source(os.path.join(REPO, 'patches',
						    args.kernel), args.kernel)


def _peers_kernel(args: argparse.Namespace, base: runner.KunitRun,
		  dirs: TreeDirs) -> Tuple[Optional[runner.KunitRun], List[str]]:
	"""The kernel the peers boot in the tree of @dirs, and the line's
	boot arguments for it: the line's kernel with two CPUs where it
	boots so, else (None) their own build."""
	smp = _smp_run(args, base)
	if smp is None:
		return None, _line_source(args).kernel_args.split()
	return replace(smp, tree=dirs.tree, build_dir=dirs.kunit,
		       filter_glob=''), \
		_line_source(args).smp_kernel_args.split()


def _mutant_peers(args: argparse.Namespace, base: runner.KunitRun,
		  dirs: TreeDirs, mutant: str, banner: str) -> Counts:
	"""make peers in the mutants' tree @dirs, prepared with @mutant on
	top ('': none, the baseline)."""
	repro = f'make peers KERNEL={args.kernel}' + \
		(f' MUTANT={mutant}' if mutant else '')
	kernel, line_args = _peers_kernel(args, base, dirs)
	return peers.run(replace(base, tree=dirs.tree), Layout(dirs.root, ''),
			 args.kernel, REPO, line_args, banner, repro, kernel)


def _peers(args: argparse.Namespace, info: tree.TreeInfo,
	   mutant: str = '') -> Counts:
	"""make peers; with @mutant, in the mutants' tree (BUILD/<line>/
	mutant/) with that mutant on top of the series, left unmutated."""
	line = _line_source(args)
	if not line.peers:
		raise ZdError(f'the {args.kernel} line runs no user processes '
			      f'(patches/{args.kernel}/source has no peers=yes)')
	layout, base = _layout(args), _kunit_run(args, args.config)
	repro = f'make peers KERNEL={args.kernel}'
	with runner.build_lock(args.lock):
		if not mutant:
			kernel, line_args = _peers_kernel(args, base, layout.main)
			return peers.run(base, layout, args.kernel, REPO,
					 line_args, info.banner(), repro, kernel)
		path = mutants.find(REPO, args.kernel, mutant)
		main = series.load_series(os.path.join(REPO, 'patches',
							args.kernel))
		dirs = layout.mutant
		try:
			# Its points are the main tree's: the mutant goes on top.
			tree.prepare(dirs, _source(args), main, REPO, args.kernel,
				     top=[path])
			return _mutant_peers(args, base, dirs, mutant,
					     f'{info.banner()}, mutant {mutant}')
		finally:
			tree.prepare(dirs, _source(args), main, REPO, args.kernel)


def cmd_peers(args: argparse.Namespace) -> int:
	"""The kernel's own hmm-tests and gup_test on the line's UML."""
	counts = _peers(args, prepare(args), args.mutant or '')
	return 1 if counts.failed else 0


def cmd_bench(args: argparse.Namespace) -> int:
	info = prepare(args)
	run = _kunit_run(args, args.config)
	smp = next((r for r, name, _ in _suite_runs(args)
		    if name == SMP_RESULTS), None)
	with runner.build_lock(args.lock):
		coverage = covcmd.bench_row(_coverage_context(args, locked=True),
					    info)
		rows = [lambda: [bench.edit_one_test_row(run, REPO)],
			lambda: bench.smp_rows(smp) if smp else [],
			lambda: bench.sweep_rows(REPO, _layout(args),
						 args.kernel_args or [],
						 concurrent=smp is not None or
						 run.smp),
			lambda: [coverage()]]
		return bench.run(run, _layout(args), info, rows, repo=REPO)


def _coverage_context(args: argparse.Namespace,
		      locked: bool = False) -> covcmd.Context:
	# The gcov build boots no peers: test_hmm's and userfaultfd's copies
	# of the mm inlines and branches would count as never run.
	return covcmd.Context(repo=REPO, layout=_layout(args),
			      kunit=_kunit_run(args, args.config),
			      not_covered=_peer_configs(args, args.config),
			      lock='' if locked else args.lock)


def cmd_coverage(args: argparse.Namespace) -> int:
	"""gcov build + suites + lcov: build/<line>/coverage/, checked against the
	floor in coverage/<line>/floor.json."""
	return covcmd.cmd_coverage(_coverage_context(args), prepare(args))


def cmd_coverage_floor(args: argparse.Namespace) -> int:
	return covcmd.cmd_floor(_coverage_context(args))


def cmd_review(args: argparse.Namespace) -> int:
	covcmd.check_series(args.series)
	return covcmd.cmd_review(_coverage_context(args), prepare(args),
				 args.series, args.kernel_src)


def cmd_mutants(args: argparse.Namespace) -> int:
	"""Each historical bug in fault-inject/mutants/ must be killed."""
	prepare(args)
	src = _source(args)
	main = series.load_series(os.path.join(REPO, 'patches', args.kernel))
	# A mutant that hangs the kernel must not cost the default 300 s.
	run = _kunit_run(args, args.config)
	run.timeout = min(run.timeout, 120)
	mr = mutants.MutantRun(repo=REPO, line=args.kernel, source=src,
			       main=main, dirs=_layout(args).mutant,
			       runs=[replace(r, timeout=run.timeout)
				     for r, _, _ in _suite_runs(args)])
	if _line_source(args).peers:
		mr.peers = lambda mutant, dirs: _mutant_peers(
			args, run, dirs, mutant,
			f'zdrace: peers of mutant {mutant or "(none)"}')
	with runner.build_lock(args.lock):
		return mutants.run(mr, args.mutant)


def cmd_sweep(args: argparse.Namespace) -> int:
	"""The fault-injection sweep (docs/sweep.md) of the kernel `make`
	builds: prepared and built as `make run` does (KERNEL_SRC=,
	CONFIGS=), under the build lock; the sweep then boots a copy of it
	taken under that lock (zdtool.sweep.cli), so that a `make` meanwhile
	never changes, or half-writes, what it boots."""
	args.make_vars = _goal(args).variables
	if args.sweep_command in ('run', 'list') and \
			not getattr(args, 'resume', None):
		info = prepare(args)
		run = _kunit_run(args, args.config)
		smp = _smp_run(args, run)
		if smp is not None and getattr(args, 'concurrent', False):
			# A concurrent sweep boots the line's kernel with two CPUs.
			run = smp
		print(f'{info.banner()}: building for the sweep', flush=True)
		with runner.build_lock(args.lock) as waited:
			args.lock_wait += waited
			rc, output = runner.build(run, show=False)
		if rc != 0:
			raise ZdError(f'build failed: {runner.first_error(output)}; '
				      f'rebuild with: {run.repro("build")}')
	return int(args.sweep_func(args))


def cmd_clean(args: argparse.Namespace) -> int:
	"""Every build output of the line; the pristine source and the
	prepared tree stay."""
	for path in _layout(args).build_output():
		if os.path.isdir(path) and not os.path.islink(path):
			shutil.rmtree(path)
		elif os.path.lexists(path):
			os.unlink(path)
	return 0


def cmd_lint(args: argparse.Namespace) -> int:
	"""checkpatch --strict on our patches and C, mypy on the tooling."""
	prepare(args)
	counts = lint.run(REPO, _layout(args).tree, args.kernel, args.jobs)
	return 1 if counts.failed else 0


def cmd_shapes(args: argparse.Namespace) -> int:
	"""Every variant of the shape corpus placed on every line it names:
	a table of outcomes; non-zero if one is not as expected."""
	rows, wrong = shapes.table(REPO)
	print('\n'.join(rows))
	print(f'zdrace: shapes: {len(rows) - 2} outcomes, {wrong} not as '
	      f'expected')
	return 1 if wrong else 0


def cmd_info(args: argparse.Namespace) -> int:
	info = tree.read_info(_layout(args).tree)
	if not info:
		raise ZdError(f'{_layout(args).tree}: not prepared; run make')
	print(info.banner())
	return 0


def build_parser() -> argparse.ArgumentParser:
	parser = argparse.ArgumentParser(
		prog='zdrace.py',
		description='Prepare a patched UML kernel and run zdrace suites.')
	parser.add_argument('--kernel', required=True, metavar='LINE',
			    help='kernel line, e.g. the Makefile\'s KERNEL=')
	parser.add_argument('--kernel-given', action='store_true',
			    help='the user named --kernel (a KERNEL_SRC tree '
			    'must then be of that line)')
	parser.add_argument('--kernel-src', default=os.environ.get('KERNEL_SRC')
			    or None, metavar='PATH',
			    help='kernel tree or tarball (default: Debian\'s '
			    'linux-source-LINE package)')
	parser.add_argument('--build-root', default=os.path.join(REPO, 'build'),
			    metavar='DIR')
	parser.add_argument('--lock', default=os.environ.get(
		'ZDRACE_BUILD_LOCK', os.path.join(REPO, 'build', '.build.lock')),
			    help='lock file serialising kernel builds')
	parser.add_argument('--config', action='append', default=[],
			    metavar='FILE', help='kunitconfig fragment '
			    '(repeatable)')
	# One job more than the CPUs: a compile waiting on the disk or a
	# make serialisation point leaves no CPU idle.
	parser.add_argument('--jobs', type=int,
			    default=len(os.sched_getaffinity(0)) + 1)
	parser.add_argument('--filter_glob', default='', metavar='GLOB')
	parser.add_argument('--kernel_args', action='append', metavar='ARG',
			    help='boot parameter of every run (KERNEL_ARGS=)')
	parser.add_argument('--run_args', action='append', metavar='ARG',
			    help='boot parameter of this run (RUN_ARGS=)')
	parser.add_argument('--kernel-args-given', action='store_true',
			    help='the user set --kernel_args (a replay sets '
			    'them too)')
	parser.add_argument('--configs-given', action='store_true',
			    help='the user set --config (a replay sets them '
			    'too)')
	parser.add_argument('--timeout', type=int, default=300,
			    help='seconds for one kernel run (kunit.py)')
	sub = parser.add_subparsers(dest='command', required=True)
	for name, func, text in (
		('prepare', cmd_prepare, 'extract, patch and wire the tree'),
		('run', cmd_run, 'prepare, build and run the zdrace suites'),
		('check', cmd_check, 'tooling tests + suites, one summary line'),
		('compare', cmd_compare, 'the rules x kernel lines table'),
		('stock', cmd_stock, 'the kernel\'s default suites, patched'),
		('bench', cmd_bench, 'time the no-change rebuild and suite run'),
		('info', cmd_info, 'print the prepared tree\'s version line'),
		('lint', cmd_lint, 'checkpatch --strict on patches and C, mypy '
		 'on scripts/'),
		('clean', cmd_clean, 'remove the build output (keeps the '
		 'pristine source and the prepared tree)'),
		('mutants', cmd_mutants, 're-introduce historical bugs; all must '
		 'be killed'),
		('coverage', cmd_coverage, 'gcov build + suites + lcov reports'),
		('coverage-floor', cmd_coverage_floor,
		 'raise coverage/<line>/floor.json to the last coverage report'),
		('review', cmd_review, 'patch coverage of a series (--series)'),
		('peers', cmd_peers, 'the kernel\'s own hmm-tests and gup_test '
		 'on the line\'s UML'),
		('shapes', cmd_shapes, 'where the points go in every rewrite of '
		 'the shape corpus'),
		('sweep', cmd_sweep, 'the fault-injection sweep of the built '
		 'kernel (docs/sweep.md)')):
		p = sub.add_parser(name, help=text)
		p.set_defaults(func=func)
	sweep_args.add_commands(sub.choices['sweep'], kernel_options=False)
	for verb, default in (('check', '--kernel'), ('compare', 'all')):
		sub.choices[verb].add_argument(
			'--lines', default='', metavar='LINE,...',
			help=f'these kernel lines, or all (default: {default})')
	sub.choices['compare'].add_argument(
		'--trees', default='', metavar='"SRC ..."',
		help='kernel trees or tarballs to add a column each for, on '
		'their nearest line')
	sub.choices['mutants'].add_argument(
		'--mutant', action='append', metavar='NAME',
		help='only this mutant (repeatable; default: all)')
	sub.choices['peers'].add_argument(
		'--mutant', metavar='NAME', help='with this mutant of '
		'fault-inject/mutants/LINE/ on top of the series')
	sub.choices['review'].add_argument(
		'--series', default='', metavar='MBOX|DIR',
		help='the series to review: an mbox or a directory of patches')
	return parser


def carried_lines() -> List[str]:
	"""The kernel lines patches/ has a series for, oldest first."""
	root = os.path.join(REPO, 'patches')
	lines = [d for d in os.listdir(root)
		 if os.path.isfile(os.path.join(root, d, 'series'))]
	return sorted(lines, key=source.line_key)


def resolve_line(args: argparse.Namespace) -> None:
	"""The line a run is on.  Without KERNEL_SRC, KERNEL= must name a
	line patches/ carries.  A KERNEL_SRC tree (directory, git tree or
	tarball) runs on the line nearest its version (its own; else the
	same major's nearest older, then newer; else any's), said once, in
	a build area of its own under the line's; a KERNEL= the user gave
	must agree with that choice."""
	lines = carried_lines()
	if not args.kernel_src:
		if args.kernel not in lines:
			raise ZdError(f'KERNEL={args.kernel}: not a line zdrace '
				      f'carries ({", ".join(lines)}); for another '
				      f'kernel set KERNEL_SRC= to its tree or '
				      f'tarball, which runs on the nearest line')
		return
	src = source.find_source(args.kernel, args.kernel_src)
	version = source.source_version(src)
	line, why = source.nearest_line(version, lines)
	if args.kernel_given and args.kernel != line:
		raise ZdError(f'KERNEL_SRC={args.kernel_src} is linux {version}, '
			      f'which runs on the {line} line ({why}), not '
			      f'KERNEL={args.kernel}: drop KERNEL= or set '
			      f'KERNEL={line}')
	print(f'zdrace: KERNEL_SRC={args.kernel_src}: linux {version}, on the '
	      f'{line} line ({why})', flush=True)
	args.kernel = line
	args.area = source.tree_area(line, version, src)
	args.other_line = source.kernel_line(version) != line


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
	"""The command line, with the defaults no option gave."""
	args = build_parser().parse_args(argv)
	if args.kernel_args is None:
		args.kernel_args = list(DEFAULT_KERNEL_ARGS)
	return args


def main(argv: Optional[Sequence[str]] = None) -> int:
	args = parse_args(argv)
	args.lock_wait = 0.0
	args.area = ''
	args.other_line = False

	def run() -> int:
		runner.check_filter(args.filter_glob)
		resolve_line(args)
		return int(args.func(args))
	return run_command('zdrace', run)


if __name__ == '__main__':
	sys.exit(main())
