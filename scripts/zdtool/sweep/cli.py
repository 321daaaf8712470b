# SPDX-License-Identifier: GPL-2.0
"""scripts/sweep: the nightly fault-injection sweep (docs/sweep.md).

	sweep run [--time 8h | --runs N] [--shard i/N] [--minimize] ...
	sweep run --resume DIR		continue an interrupted sweep
	sweep merge OUT DIR...		one report from the shards' outputs
	sweep report DIR		rewrite a sweep's outputs from its journal
	sweep list			the scenarios, points and actions

Bad input is one line `sweep: error: <what>: <why>` and exit status 2;
`run` and `merge` exit 1 when the sweep found a failure, 0 otherwise, and
128 + the signal number when interrupted.
"""

import argparse
import hashlib
import os
import shlex
import shutil
import sys
import time
from dataclasses import replace
from typing import Any, List, NoReturn, Optional, Tuple

from zdtool import DEFAULT_KERNEL_ARGS, bad_input
from zdtool.kernel import kunitpy, source, tree
from zdtool.kernel.runner import build_lock
from zdtool.layout import Layout
from zdtool.peers.run import not_peers_args, smp_own_args
from zdtool.sweep import journal, listing, report
from zdtool.sweep.job import Procs, Runner, check_extra, default_jobs
from zdtool.sweep.listing import KernelList
from zdtool.sweep.records import Header, KernelInfo, Settings
from zdtool.sweep.run import RunConfig, Sweep, matrix_lines, text_summary
from zdtool.sweep.spec import (EXCLUDED, SEEDS_PER_BOOT, Spec, build_spec,
			       parse_duration, parse_shard)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
	os.path.abspath(__file__)))))
# Options that fix the job list: a resumed sweep keeps its own.
FIXED = ['--scenarios', '--points', '--actions', '--with-excluded', '--seed',
	 '--seeds-per-boot', '--points-per-job', '--shard', '--out',
	 '--concurrent']


MINIMIZE_CONCURRENT = ('--minimize: not with --concurrent (a concurrent '
		       'seed replays only statistically; --replays measures '
		       'its hit rate instead)')


class Parser(argparse.ArgumentParser):
	def error(self, message: str) -> NoReturn:
		print(f'sweep: error: {message}', file=sys.stderr)
		sys.exit(2)


def _count(low: int) -> Any:
	def parse(text: str) -> int:
		try:
			n = int(text)
		except ValueError:
			n = low - 1
		if n < low:
			raise argparse.ArgumentTypeError(
				f'{text}: expected an integer >= {low}')
		return n
	return parse


def _list(values: Optional[List[str]]) -> Optional[List[str]]:
	if values is None:
		return None
	return [x for v in values for x in v.split(',') if x.strip()]


def _layout(build_root: Optional[str], line: str, area: str = '') -> Layout:
	return Layout(os.path.abspath(build_root or os.path.join(REPO, 'build')),
		      line, area)


def _args_layout(args: argparse.Namespace) -> Layout:
	"""The line's build (a KERNEL_SRC tree's area, under zdrace.py)."""
	if not args.kernel:
		raise bad_input('--kernel: which kernel line to sweep (the '
				'Makefile\'s KERNEL=)')
	return _layout(args.build_root, args.kernel, getattr(args, 'area', ''))


def _lock_path(args: argparse.Namespace, build_root: str) -> str:
	"""The build lock `make` holds while it writes the kernel."""
	return getattr(args, 'lock', None) or \
		os.environ.get('ZDRACE_BUILD_LOCK') or \
		os.path.join(build_root, '.build.lock')


def _snapshot(layout: Layout, lock: str) -> str:
	"""A copy of the line's kernel that no `make` rewrites: taken under the build lock (a build in progress is waited
	for, never booted half written), kept by its sha256 under
	BUILD/<line>/sweep-kernels/."""
	with build_lock(lock):
		linux = _linux(layout)
		sha = _sha256(linux)
		snap = os.path.join(layout.sweep_kernels, f'linux-{sha[:16]}')
		if not os.path.isfile(snap):
			os.makedirs(layout.sweep_kernels, exist_ok=True)
			tmp = f'{snap}.{os.getpid()}.tmp'
			shutil.copy2(linux, tmp)
			os.replace(tmp, snap)
	return snap


def _sha256(path: str) -> str:
	h = hashlib.sha256()
	with open(path, 'rb') as f:
		for block in iter(lambda: f.read(1 << 20), b''):
			h.update(block)
	return h.hexdigest()


def _kernel_info(linux: str, layout: Layout) -> KernelInfo:
	sha = _sha256(linux)
	info = tree.read_info(layout.tree)
	if not info:
		return KernelInfo(sha)
	return KernelInfo(sha, info.version, info.series_id, info.patches)


def _linux(layout: Layout) -> str:
	path = layout.linux
	if not os.path.isfile(path):
		raise bad_input(f'{path}: no such file; run make first')
	if not os.access(path, os.X_OK):
		raise bad_input(f'{path}: not executable; run make first')
	return path


def _out_dir(args: argparse.Namespace, spec: Spec) -> str:
	if args.out:
		out = os.path.abspath(str(args.out))
		if os.path.exists(os.path.join(out, journal.NAME)):
			raise bad_input(f'--out {args.out}: holds a sweep already; '
					 f'continue it with --resume {args.out}')
		if os.path.isdir(out) and os.listdir(out):
			raise bad_input(f'--out {args.out}: exists and is not empty')
		return out
	root = _args_layout(args).sweep
	base = time.strftime('%Y%m%d-%H%M%S')
	if spec.shard != (1, 1):
		base += '-shard{}of{}'.format(*spec.shard)
	out, n = os.path.join(root, base), 1
	while os.path.exists(out):
		n += 1
		out = os.path.join(root, f'{base}-{n}')
	return str(os.path.abspath(out))


def _line(name: str) -> source.LineSource:
	return source.load_line_source(os.path.join(REPO, 'patches', name),
				       name)


def _on_smp(line: str, concurrent: bool) -> bool:
	"""Does a sweep of @line boot its kernel with two CPUs?  A concurrent
	one does, on a line whose kernel boots so (smp_kernel_args=)."""
	return concurrent and bool(_line(line).smp_kernel_args)


def _extra(args: argparse.Namespace) -> List[str]:
	"""The line's own boot arguments for the kernel the sweep boots
	(patches/<line>/source), then --kernel_args (else the window every
	run boots with, zdtool.DEFAULT_KERNEL_ARGS), then --run_args."""
	kernel = _args_layout(args).line
	line = _line(kernel)
	given = args.kernel_args if args.kernel_args is not None else \
		list(DEFAULT_KERNEL_ARGS)
	own = line.kernel_args.split() + not_peers_args(line)
	if _on_smp(kernel, _concurrent(args)):
		own = smp_own_args(line)
	extra = own + \
		[a for v in given + (getattr(args, 'run_args', None) or [])
		 for a in shlex.split(v)]
	check_extra(extra)
	return extra


def _kernel_list(args: argparse.Namespace,
		 extra: List[str]) -> Tuple[Layout, str, KernelList]:
	"""The line's build, the copy of its kernel a sweep boots, and what
	that kernel lists."""
	layout = _args_layout(args)
	smp = _on_smp(layout.line, _concurrent(args))
	linux = _snapshot(layout, _lock_path(args, layout.build_root))
	return layout, linux, listing.read(linux, extra,
					   layout.kernel_list_smp if smp
					   else layout.kernel_list)


def _concurrent(args: argparse.Namespace) -> bool:
	"""A concurrent sweep (--concurrent, or the one being resumed)?"""
	if getattr(args, 'resume', None):
		return journal.load(os.path.abspath(args.resume)).header.spec.concurrent
	return bool(getattr(args, 'concurrent', False))


def _new(args: argparse.Namespace) -> Tuple[Spec, journal.State, str]:
	shard = parse_shard(args.shard or '1/1')
	extra = _extra(args)
	budget = parse_duration(args.time) if args.time else None
	if args.previous:
		report.previous_titles(args.previous)
	layout, linux, kernel = _kernel_list(args, extra)
	spec = build_spec(kernel, _list(args.scenarios), _list(args.points),
			  _list(args.actions), bool(args.with_excluded),
			  seed=args.seed if args.seed is not None else 1,
			  seeds_per_boot=args.seeds_per_boot or SEEDS_PER_BOOT,
			  points_per_job=args.points_per_job or 1, shard=shard,
			  concurrent=bool(args.concurrent))
	runs = args.runs if args.runs is not None or budget else spec.cells
	header = Header(time.strftime('%Y%m%d%H%M%S') + f'-{os.getpid()}',
			time.time(), spec, _kernel_info(linux, layout),
			Settings(linux, layout.line, layout.build_root, extra,
				 args.timeout or 120.0, runs, budget,
				 [list(v) for v in getattr(args, 'make_vars', [])]))
	out = _out_dir(args, spec)
	os.makedirs(out, exist_ok=True)
	j = journal.Journal(os.path.join(out, journal.NAME))
	j.append(header.to_json())
	j.close()
	return spec, journal.load(out), out


def _resumed(args: argparse.Namespace) -> Tuple[Spec, journal.State, str]:
	out = os.path.abspath(args.resume)
	state = journal.load(out)
	# The Makefile passes its KERNEL_ARGS to every run: the same again
	# is no change.
	if args.kernel_args is not None and \
			_extra(args) != state.header.settings.extra:
		raise bad_input(f'--kernel_args: {" ".join(_extra(args))}: not '
				f'those of the sweep being resumed ({args.resume}: '
				f'{" ".join(state.header.settings.extra)})')
	for flag in FIXED:
		if getattr(args, flag[2:].replace('-', '_')) is not None:
			raise bad_input(f'{flag}: fixed by the sweep being resumed '
					 f'({args.resume}); not allowed with --resume')
	if args.previous:
		report.previous_titles(args.previous)
	s = state.header.settings
	if not os.path.isfile(s.linux):
		# A snapshot `make clean` removed: the line's kernel again, if
		# it is still the same (checked below).
		s.linux = _snapshot(Layout(s.build_root, s.line),
				    _lock_path(args, s.build_root))
	sha = _kernel_info(s.linux, Layout(s.build_root, s.line)).sha256
	if sha != state.header.kernel.sha256:
		raise bad_input(f'{s.linux}: not the kernel this sweep '
				'started with (sha256 differs); start a new sweep')
	return state.header.spec, state, out


def cmd_run(args: argparse.Namespace) -> int:
	if args.concurrent and args.minimize:
		raise bad_input(MINIMIZE_CONCURRENT)
	spec, state, out = _resumed(args) if args.resume else _new(args)
	if spec.concurrent and args.minimize:
		raise bad_input(MINIMIZE_CONCURRENT + f' ({args.resume} is a '
				'concurrent sweep)')
	s = state.header.settings
	runs = args.runs if args.runs is not None else s.runs
	if args.time:
		budget: Optional[float] = parse_duration(args.time)
	elif s.time is not None:
		budget = max(0.0, s.time - state.elapsed)
	else:
		budget = None
	runner = Runner(s.linux, Layout(s.build_root, s.line).tree,
			s.extra, args.timeout or s.timeout,
			os.path.join(out, 'work'), Procs())
	kunitpy.load(runner.tree, 'kunit_parser')	# before any boot
	jobs = args.sweep_jobs or default_jobs(
		s.extra, os.cpu_count() or 1,
		shared=spec.concurrent and spec.alone is not None)
	cfg = RunConfig(out, runner, jobs, runs,
			budget, bool(args.keep_logs), bool(args.minimize),
			args.previous, 10 if args.replays is None else args.replays)
	k = state.header.kernel
	print(f'sweep: linux {k.version}, patches {s.line}@{k.series}: '
	      f'{s.linux}', flush=True)
	for line in matrix_lines(spec):
		print(line, flush=True)
	bound = [f'{runs} jobs' if runs is not None else '',
		 f'{budget:.0f} s' if budget is not None else '']
	print(f'sweep: {cfg.jobs} at a time, until {" or ".join(b for b in bound if b)}'
	      f'{f", {len(state.jobs)} done before" if state.jobs else ""}; '
	      f'output in {out}', flush=True)
	j = journal.Journal(os.path.join(out, journal.NAME))
	try:
		return Sweep(cfg, spec, state, j).run()
	finally:
		j.close()


def cmd_merge(args: argparse.Namespace) -> int:
	out = os.path.abspath(args.out)
	states = [journal.load(d) for d in args.dirs]
	base = replace(states[0].header.spec, shard=(1, 1))
	for st in states[1:]:
		if replace(st.header.spec, shard=(1, 1)) != base:
			raise bad_input(f'{st.directory}: not the same matrix as '
					 f'{states[0].directory}')
	if any(os.path.abspath(st.directory) == out for st in states):
		raise bad_input(f'{args.out}: is one of the merged directories')
	if args.previous:
		report.previous_titles(args.previous)
	os.makedirs(os.path.join(out, 'logs'), exist_ok=True)
	for st in states:
		for rec in st.jobs.values():
			dst = os.path.join(out, rec.log)
			if rec.log and not os.path.exists(dst):
				shutil.copyfile(os.path.join(st.directory, rec.log),
						dst)
	n = states[0].header.spec.shard[1]
	have = {st.header.spec.shard[0] for st in states}
	missing = [f'{i}/{n}' for i in range(1, n + 1) if i not in have]
	if missing:
		print(f'sweep: merge: no output of shard(s) {", ".join(missing)}')
	return _report(states, out, args.previous)


def _report(states: List[journal.State], out: str,
	    previous: Optional[str]) -> int:
	summary = report.summarize(states, previous)
	paths = report.write(summary, out)
	for line in text_summary(summary):
		print(line)
	print(f'sweep: report: {paths[2]}')
	return 1 if summary.failures else 0


def cmd_report(args: argparse.Namespace) -> int:
	if args.previous:
		report.previous_titles(args.previous)
	state = journal.load(args.dir)
	return _report([state], os.path.abspath(args.dir), args.previous)


def cmd_list(args: argparse.Namespace) -> int:
	_, linux, kernel = _kernel_list(args, _extra(args))
	lim = kernel.limits
	print(f'kernel: {linux} (max delay {lim.max_delay_us} us, '
	      f'{lim.max_boot_points} points and {lim.max_seeds} seeds a boot)')
	print('scenarios: ' + ', '.join(kernel.cases))
	print('points:')
	for p in kernel.points:
		print(f'  {p.name:28} {",".join(p.accepts):24} {p.window}')
	for pair, why in EXCLUDED.items():
		print(f'excluded: {pair}: {why}')
	spec = build_spec(kernel, _list(args.scenarios), _list(args.points),
			  _list(args.actions), bool(args.with_excluded))
	for line in matrix_lines(spec):
		print(line)
	return 0
