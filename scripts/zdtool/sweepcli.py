# SPDX-License-Identifier: GPL-2.0
"""scripts/sweep: the nightly fault-injection sweep (README "Sweep").

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
from typing import Any, Dict, List, NoReturn, Optional

from zdtool import sweepjournal, sweepreport, tree
from zdtool.sweepjob import Procs, Runner, check_extra
from zdtool.sweeprun import RunConfig, Sweep, matrix_lines, text_summary
from zdtool.sweepspec import (EXCLUDED, POINTS_H, CASES_C, Spec, SweepError,
			      build_spec, parse_cases, parse_duration,
			      parse_points, parse_shard)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
	os.path.abspath(__file__))))
# Options that fix the job list: a resumed sweep keeps its own.
FIXED = ['scenarios', 'points', 'actions', 'with_excluded', 'seed',
	 'seeds_per_boot', 'points_per_job', 'shard', 'kernel_args', 'out',
	 'source']
MAX_SEEDS_PER_BOOT = 4096	# ZD_SCHED_MAX_SEEDS in zdrace_sched.c


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


def _kernel_info(linux: str, build_root: str, line: str) -> Dict[str, Any]:
	h = hashlib.sha256()
	with open(linux, 'rb') as f:
		for block in iter(lambda: f.read(1 << 20), b''):
			h.update(block)
	info = tree.read_info(os.path.join(build_root, line, 'linux'))
	return {'sha256': h.hexdigest(),
		'version': info.version if info else 'unknown',
		'series': info.series_id if info else 'unknown',
		'patches': info.patches if info else 0}


def _linux(build_root: Optional[str], line: str) -> str:
	path = os.path.abspath(os.path.join(build_root or
					    os.path.join(REPO, 'build'), line,
					    'kunit', 'linux'))
	if not os.path.isfile(path):
		raise SweepError(f'{path}: no such file; run make first')
	if not os.access(path, os.X_OK):
		raise SweepError(f'{path}: not executable; run make first')
	return path


def _out_dir(args: argparse.Namespace, spec: Spec) -> str:
	if args.out:
		out = os.path.abspath(str(args.out))
		if os.path.exists(os.path.join(out, sweepjournal.NAME)):
			raise SweepError(f'--out {args.out}: holds a sweep already; '
					 f'continue it with --resume {args.out}')
		if os.path.isdir(out) and os.listdir(out):
			raise SweepError(f'--out {args.out}: exists and is not empty')
		return out
	root = os.path.join(args.build_root or os.path.join(REPO, 'build'),
			    'sweep')
	base = time.strftime('%Y%m%d-%H%M%S')
	if spec.shard != (1, 1):
		base += '-shard{}of{}'.format(*spec.shard)
	out, n = os.path.join(root, base), 1
	while os.path.exists(out):
		n += 1
		out = os.path.join(root, f'{base}-{n}')
	return str(os.path.abspath(out))


def _new(args: argparse.Namespace) -> 'tuple[Spec, sweepjournal.State, str]':
	source = os.path.abspath(args.source or REPO)
	spec = build_spec(source, _list(args.scenarios), _list(args.points),
			  _list(args.actions), bool(args.with_excluded),
			  seed=args.seed if args.seed is not None else 1,
			  seeds_per_boot=args.seeds_per_boot or 64,
			  points_per_job=args.points_per_job or 1,
			  shard=parse_shard(args.shard or '1/1'))
	extra = [a for v in args.kernel_args or [] for a in shlex.split(v)]
	check_extra(extra)
	budget = parse_duration(args.time) if args.time else None
	if args.previous:
		sweepreport.previous_titles(args.previous)
	linux = _linux(args.build_root, args.kernel or '6.12')
	runs = args.runs if args.runs is not None or budget else spec.cells
	line = args.kernel or '6.12'
	build_root = os.path.abspath(args.build_root or
				     os.path.join(REPO, 'build'))
	header = {'type': 'sweep', 'format': sweepjournal.FORMAT,
		  'id': time.strftime('%Y%m%d%H%M%S') + f'-{os.getpid()}',
		  'created': time.time(), 'spec': spec.to_dict(),
		  'kernel': _kernel_info(linux, build_root, line),
		  'settings': {'linux': linux, 'line': line,
			       'build_root': build_root, 'extra': extra,
			       'timeout': args.timeout or 120.0, 'runs': runs,
			       'time': budget, 'source': source}}
	out = _out_dir(args, spec)
	os.makedirs(out, exist_ok=True)
	journal = sweepjournal.Journal(os.path.join(out, sweepjournal.NAME))
	journal.append(header)
	journal.close()
	return spec, sweepjournal.load(out), out


def _resumed(args: argparse.Namespace) -> 'tuple[Spec, sweepjournal.State, str]':
	for name in FIXED:
		if getattr(args, name) is not None:
			flag = '--' + name.replace('_', '-')
			raise SweepError(f'{flag}: fixed by the sweep being resumed '
					 f'({args.resume}); not allowed with --resume')
	out = os.path.abspath(args.resume)
	state = sweepjournal.load(out)
	if args.previous:
		sweepreport.previous_titles(args.previous)
	s = state.header['settings']
	if args.kernel or args.build_root:
		s['linux'] = _linux(args.build_root or s['build_root'],
				    args.kernel or s['line'])
	elif not os.path.isfile(s['linux']):
		raise SweepError(f'{s["linux"]}: no such file; run make first')
	sha = _kernel_info(s['linux'], s['build_root'], s['line'])['sha256']
	if sha != state.header['kernel']['sha256']:
		raise SweepError(f'{s["linux"]}: not the kernel this sweep '
				 'started with (sha256 differs); start a new sweep')
	return Spec.from_dict(state.header['spec']), state, out


def cmd_run(args: argparse.Namespace) -> int:
	spec, state, out = _resumed(args) if args.resume else _new(args)
	s = state.header['settings']
	runs = args.runs if args.runs is not None else s['runs']
	if args.time:
		budget: Optional[float] = parse_duration(args.time)
	elif s['time'] is not None:
		budget = max(0.0, s['time'] - state.elapsed)
	else:
		budget = None
	runner = Runner(s['linux'], s['extra'], args.timeout or s['timeout'],
			os.path.join(out, 'work'), Procs())
	cfg = RunConfig(out, runner, args.jobs or os.cpu_count() or 1, runs,
			budget, bool(args.keep_logs), bool(args.minimize),
			args.previous)
	k = state.header['kernel']
	print(f'sweep: linux {k["version"]}, patches {s["line"]}@{k["series"]}: '
	      f'{s["linux"]}', flush=True)
	for line in matrix_lines(spec):
		print(line, flush=True)
	bound = [f'{runs} jobs' if runs is not None else '',
		 f'{budget:.0f} s' if budget is not None else '']
	print(f'sweep: {cfg.jobs} at a time, until {" or ".join(b for b in bound if b)}'
	      f'{f", {len(state.jobs)} done before" if state.jobs else ""}; '
	      f'output in {out}', flush=True)
	journal = sweepjournal.Journal(os.path.join(out, sweepjournal.NAME))
	try:
		return Sweep(cfg, spec, state, journal).run()
	finally:
		journal.close()


def cmd_merge(args: argparse.Namespace) -> int:
	out = os.path.abspath(args.out)
	states = [sweepjournal.load(d) for d in args.dirs]
	base = dict(states[0].header['spec'], shard=None)
	for st in states[1:]:
		if dict(st.header['spec'], shard=None) != base:
			raise SweepError(f'{st.directory}: not the same matrix as '
					 f'{states[0].directory}')
	if any(os.path.abspath(st.directory) == out for st in states):
		raise SweepError(f'{args.out}: is one of the merged directories')
	if args.previous:
		sweepreport.previous_titles(args.previous)
	os.makedirs(os.path.join(out, 'logs'), exist_ok=True)
	for st in states:
		for rec in st.jobs.values():
			dst = os.path.join(out, rec.get('log') or '')
			if rec.get('log') and not os.path.exists(dst):
				shutil.copyfile(os.path.join(st.directory, rec['log']),
						dst)
	n = states[0].header['spec']['shard'][1]
	have = {st.header['spec']['shard'][0] for st in states}
	missing = [f'{i}/{n}' for i in range(1, n + 1) if i not in have]
	if missing:
		print(f'sweep: merge: no output of shard(s) {", ".join(missing)}')
	return _report(states, out, args.previous)


def _report(states: List[sweepjournal.State], out: str,
	    previous: Optional[str]) -> int:
	summary = sweepreport.summarize(states, previous)
	paths = sweepreport.write(summary, out)
	for line in text_summary(summary):
		print(line)
	print(f'sweep: report: {paths[2]}')
	return 1 if summary.failures else 0


def cmd_report(args: argparse.Namespace) -> int:
	if args.previous:
		sweepreport.previous_titles(args.previous)
	state = sweepjournal.load(args.dir)
	return _report([state], os.path.abspath(args.dir), args.previous)


def cmd_list(args: argparse.Namespace) -> int:
	source = os.path.abspath(args.source or REPO)
	where = CASES_C if os.path.exists(os.path.join(source, CASES_C)) \
		else f'default list: no {CASES_C}'
	print(f'scenarios ({where}): ' +
	      ', '.join(parse_cases(os.path.join(source, CASES_C))))
	print(f'points ({POINTS_H}):')
	for p in parse_points(os.path.join(source, POINTS_H)):
		acts = [a for a in ('delay=<us>', 'yield', 'fail')
			if not p.refuses(a.split('=')[0])]
		print(f'  {p.name:28} {" ".join(acts):24} {p.window}')
	for pair, why in EXCLUDED.items():
		print(f'excluded: {pair}: {why}')
	spec = build_spec(source, _list(args.scenarios), _list(args.points),
			  _list(args.actions), bool(args.with_excluded))
	for line in matrix_lines(spec):
		print(line)
	return 0
