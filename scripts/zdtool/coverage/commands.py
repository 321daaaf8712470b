# SPDX-License-Identifier: GPL-2.0
"""The coverage subcommands of zdrace.py: coverage, coverage-floor, review,
and the coverage step of `make check` and `make bench`.

Build dirs (under build/<line>/), each with its own .config, so the
normal build stays fast:
	coverage-kunit/		`make coverage`, the suites' configs + coverage
	review/upstream		`make review`: pristine + the series
	review/linux, review/kunit	... + our patches and points
Reports go to build/<line>/coverage/ (review: .../coverage/review/).
"""

import contextlib
import json
import os
import sys
from dataclasses import dataclass, field, replace
from typing import Callable, ContextManager, Iterator, List, Tuple

from zdtool import ZdError
from zdtool.coverage import pipeline as coverage, gitrange, \
	linemap, manifest, patchcov, report, unexecuted
from zdtool.kernel import series, source, upstream
from zdtool.kernel.bench import Row, timed
from zdtool.kernel.results import Counts
from zdtool.kernel.runner import KunitRun, build_lock
from zdtool.kernel.tree import TreeInfo
from zdtool.layout import Layout

COVERAGE_CONFIG = 'configs/coverage.config'
MANIFEST = 'coverage/{line}/refcount-paths'
# Per kernel line: what the line's code builds differs.
FLOOR = 'coverage/{line}/floor.json'
UNEXECUTED = 'coverage/{line}/unexecuted'
# What the refcount paths aim at, percent: reported, not enforced (the
# floor and the unexecuted list are).
TARGETS = {'functions': 100.0, 'lines': 90.0, 'branches': 70.0}


@dataclass
class Context:
	"""What every coverage command needs from zdrace.py."""
	repo: str
	layout: Layout
	kunit: KunitRun		# the normal run: configs, jobs, kernel_args
	lock: str		# '' when the caller already holds it
	# Fragments of the normal run the gcov build leaves out (the
	# peers': what it never boots would count as never run).
	not_covered: List[str] = field(default_factory=list)

	def locked(self) -> ContextManager:
		return build_lock(self.lock) if self.lock else \
			contextlib.nullcontext()

	def repo_path(self, rel: str) -> str:
		return os.path.join(self.repo, rel)

	@property
	def manifest(self) -> str:
		"""The line's refcount-path manifest, relative to the repository."""
		return MANIFEST.format(line=self.layout.line)

	@property
	def floor(self) -> str:
		"""The line's floor file, relative to the repository."""
		return FLOOR.format(line=self.layout.line)

	@property
	def unexecuted(self) -> str:
		"""The line's list of lines left unexecuted, relative to the
		repository."""
		return UNEXECUTED.format(line=self.layout.line)

	def outputs(self, sub: str = '') -> coverage.Outputs:
		return coverage.Outputs(os.path.join(self.layout.coverage, sub))

	def coverage_run(self, tree: str, build_dir: str,
			 results: str) -> KunitRun:
		goal = self.kunit.goal
		return replace(self.kunit, tree=tree, build_dir=build_dir,
			       results=results,
			       configs=[c for c in self.kunit.configs
					if c not in self.not_covered] +
			       [self.repo_path(COVERAGE_CONFIG)],
			       goal=goal.but('coverage') if goal else None)


def _coverage(ctx: Context, info: TreeInfo, html: bool,
	      quiet: bool = False, check_rules: bool = False) -> \
		Tuple[coverage.Captured, unexecuted.Check, Tuple[int, int]]:
	"""The gcov run (with the rules and reports checks: @check_rules)
	and its reports; its unexecuted lines against the line's list, a
	section on them added to refcount.md; and (taken, total) of the
	refcount paths' branch arms on asserting lines."""
	layout = ctx.layout
	run = ctx.coverage_run(layout.tree, layout.coverage_kunit,
			       layout.results)
	selection = coverage.Selection.load(ctx.repo_path(ctx.manifest),
					    layout.tree)
	out = ctx.outputs()
	with ctx.locked():
		# Under the lock: two runs must not both call apt-get.
		coverage.ensure_lcov()
		cap = coverage.run_and_capture(run, info, out, 'zdrace',
					       check_rules)
	_, everything = coverage.report(cap, info, out, selection, layout.tree,
					html)
	picked = selection.restrict(everything)
	lines = unexecuted.unexecuted(picked, selection.funcs, layout.tree)
	asserting = report.assertion_arms(
		picked, lambda path: _source(os.path.join(layout.tree, path)))
	result = unexecuted.check(
		lines, unexecuted.load(ctx.repo_path(ctx.unexecuted)))
	with open(out.path('refcount.md'), 'a') as f:
		f.write('\n' + unexecuted.markdown(result, ctx.unexecuted))
	if not quiet:
		print(coverage.timing_line(cap.timings), flush=True)
	return cap, result, asserting


def _floor(ctx: Context) -> Tuple[bool, List[str]]:
	if not os.path.isfile(ctx.repo_path(ctx.floor)):
		line = ctx.layout.line
		return False, [f'zdrace: coverage floor: no {ctx.floor}; measure '
			       f'one with make coverage KERNEL={line} && make '
			       f'coverage-floor KERNEL={line}']
	return coverage.check_floor(ctx.outputs().path('refcount.json'),
				    ctx.repo_path(ctx.floor), ctx.floor)


def _unexecuted(ctx: Context, result: unexecuted.Check) -> List[str]:
	"""What to print of the run's unexecuted lines against the list."""
	msgs = unexecuted.messages(result, ctx.unexecuted)
	if not result.ok():
		msgs.append(f'zdrace: coverage: add cases that run these lines, '
			    f'or list them in {ctx.unexecuted} with the reason; '
			    f'drop entries that ran; reproduce with: make '
			    f'coverage KERNEL={ctx.layout.line}')
	return msgs


def _source(path: str) -> List[str]:
	try:
		with open(path, errors='replace') as f:
			return f.read().split('\n')
	except OSError:
		return []


def _targets(ctx: Context, asserting: Tuple[int, int]) -> List[str]:
	"""How the refcount paths stand against TARGETS, and their branches
	off the asserting lines (@asserting: no target, a reading aid)."""
	with open(ctx.outputs().path('refcount.json')) as f:
		total = json.load(f)['total']
	parts = []
	for what, target in TARGETS.items():
		hit, n = total[f'{what}_hit'], total[what]
		pct = 100.0 * hit / n if n else 100.0
		parts.append(f'{what} {pct:.1f}% ({hit}/{n}) of {target:.0f}%'
			     f'{"" if pct >= target else " (short)"}')
	lines = ['zdrace: coverage targets: ' + ', '.join(parts)]
	taken, arms = asserting
	hit = total['branches_hit'] - taken
	n = total['branches'] - arms
	if arms and n:
		lines.append(f'zdrace: coverage: {arms - taken} of the '
			     f'{total["branches"] - total["branches_hit"]} '
			     f'branch arms not taken are on WARN/BUG lines '
			     f'(an assertion firing); off those lines '
			     f'{100.0 * hit / n:.1f}% ({hit}/{n}) are taken')
	return lines


def _verdict(ctx: Context, listed: unexecuted.Check,
	     asserting: Tuple[int, int]) -> Tuple[bool, List[str]]:
	"""The floor and the unexecuted list, with what to print."""
	ok, lines = _floor(ctx)
	more = _unexecuted(ctx, listed)
	return ok and listed.ok(), lines + more + _targets(ctx, asserting)


def cmd_coverage(ctx: Context, info: TreeInfo) -> int:
	cap, listed, asserting = _coverage(ctx, info, html=True)
	out = ctx.outputs()
	ok, lines = _verdict(ctx, listed, asserting)
	with open(out.path('refcount.md')) as f:
		print(f.read(), end='')
	for line in lines:
		print(line, flush=True)
	print(f'zdrace: coverage reports in {out.root}: refcount.md, '
	      f'refcount.json, html/refcount/index.html, '
	      f'html/kernel/index.html')
	if not ok:
		print(f'zdrace: coverage: failed ({ctx.floor}, '
		      f'{ctx.unexecuted})', flush=True)
	return 1 if not ok or cap.counts.failed else 0


def cmd_floor(ctx: Context) -> int:
	os.makedirs(os.path.dirname(ctx.repo_path(ctx.floor)), exist_ok=True)
	changes = coverage.floor_from_report(
		ctx.outputs().path('refcount.json'), ctx.repo_path(ctx.floor))
	for change in changes:
		print(f'zdrace: coverage floor: {change}')
	if not changes:
		print(f'zdrace: coverage floor: {ctx.floor} already at the last '
		      f'measurement')
	return 0


def check(ctx: Context, info: TreeInfo) -> Counts:
	"""`make check`'s run of the line's kernel: the suites in its gcov
	build, their rules and reports checked as `make` checks them, and
	the floor on what they ran; their results and one for the floor."""
	print('zdrace: the suites in the gcov build, then the coverage '
	      'floor (lcov)', flush=True)
	try:
		cap, listed, asserting = _coverage(ctx, info, html=True,
						   check_rules=True)
		ok, lines = _verdict(ctx, listed, asserting)
	except (ZdError, OSError) as e:
		print(f'zdrace: error: coverage: {e}; reproduce with: make '
		      f'coverage KERNEL={ctx.layout.line}', flush=True)
		return Counts(failed=1)
	for line in lines:
		print(line, flush=True)
	print(f'zdrace: coverage floor: {"passed" if ok else "failed"}',
	      flush=True)
	return cap.counts + (Counts(passed=1) if ok else Counts(failed=1))


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
	"""Send this process's and its children's output to /dev/null."""
	sys.stdout.flush()
	sys.stderr.flush()
	saved = [os.dup(1), os.dup(2)]
	null = os.open(os.devnull, os.O_WRONLY)
	try:
		os.dup2(null, 1)
		os.dup2(null, 2)
		yield
	finally:
		sys.stdout.flush()
		sys.stderr.flush()
		os.dup2(saved[0], 1)
		os.dup2(saved[1], 2)
		for fd in saved + [null]:
			os.close(fd)


def bench_row(ctx: Context, info: TreeInfo) -> Callable[[], Row]:
	"""`make bench`: the whole coverage pipeline against `kunit.py run`,
	both with nothing to rebuild."""
	def pipeline() -> int:
		with _silenced():
			cap, _, _ = _coverage(ctx, info, html=True, quiet=True)
		return 1 if cap.counts.failed else 0

	def row() -> Row:
		print('bench: coverage: bringing the gcov build up to date',
		      flush=True)
		pipeline()
		plain = timed(lambda: ctx.kunit.invoke('run', quiet=True),
			      ok=(0, 1))
		cov = timed(pipeline, ok=(0, 1))
		return Row('coverage build + run + report (no change)', cov,
			   'plain build + run (kunit.py run)', plain)
	return row


def check_series(series_path: str) -> None:
	"""Refuse a bad SERIES= before anything is prepared or built."""
	if not series_path:
		raise ZdError('no series given: make review '
			      'SERIES=path/to/series.mbox (or a directory, or '
			      'base..head with KERNEL_SRC= a git tree)')
	if gitrange.is_range(series_path):
		return
	if not os.path.exists(series_path):
		raise ZdError(f'SERIES={series_path}: no such file or directory')


def cmd_review(ctx: Context, info: TreeInfo, series_path: str,
	       kernel_src: str) -> int:
	"""SERIES on the pristine source, our patches and points around it,
	built with coverage; patch coverage in the reviewer's line numbers."""
	main = ctx.layout
	review = main.review
	out = ctx.outputs('review')
	os.makedirs(out.root, exist_ok=True)
	named = series_path
	if gitrange.is_range(series_path):
		# The range's mails, on the tree at its base.
		series_path, base = gitrange.export(
			kernel_src, series_path, os.path.join(review.root, 'range'))
		src = source.KernelSource(base, True)
	else:
		src = source.find_source(main.line, kernel_src or None,
					 ctx.repo_path(os.path.join('patches',
								    main.line)),
					 ctx.layout.fetched)
	theirs = patchcov.load_review_series(
		series_path, os.path.join(review.root, 'series'))
	ours = series.load_series(ctx.repo_path(os.path.join('patches',
							     main.line)))
	print(f'zdrace: review: {len(theirs)} patch(es) of {named} on '
	      f'linux {info.version}, then patches/{main.line}/ and the '
	      f'injection points', flush=True)
	with ctx.locked():
		head, rt = upstream.prepare(
			review, src, ours, theirs, ctx.repo, main.line,
			[e.path for e in manifest.load(ctx.repo_path(ctx.manifest))])
	print(f'zdrace: review: {len(rt.placed)} injection points placed'
	      + (f', {len(rt.absent)} absent on {main.line}' if rt.absent
		 else ''), flush=True)
	for np in rt.not_placed:
		print(f'zdrace: review: {np.message()}', flush=True)
	gone: List[str] = []
	theirs_sel = coverage.Selection.load(ctx.repo_path(ctx.manifest),
					     rt.upstream, gone)
	for what in gone:
		print(f'zdrace: review: {ctx.manifest} names {what}, which the '
		      f'series removes or renames', flush=True)
	ran_sel = coverage.Selection.load(ctx.repo_path(ctx.manifest),
					  rt.tree, [])
	run = ctx.coverage_run(rt.tree, review.kunit, review.results)
	# A failed case's command reviews the same series again.
	if run.goal:
		review_vars = [('SERIES', named), ('KERNEL_SRC', kernel_src)] \
			if named != series_path else \
			[('SERIES', os.path.abspath(series_path))]
		run = replace(run, goal=run.goal.but('review', *review_vars))
	with ctx.locked():
		coverage.ensure_lcov()
		cap = coverage.run_and_capture(run, head, out, 'review')
	extra = {'series': f'{named} ({len(theirs)} patches)'}
	_, cov = coverage.report(cap, head, out, ran_sel, rt.tree,
				 html=True, extra=extra)
	changed = patchcov.changed_lines(rt.base, rt.upstream,
					 patchcov.touched_files(theirs))
	cov = linemap.to_tree(cov, rt.tree, rt.upstream, changed)
	pc = patchcov.classify(changed, theirs_sel.funcs, theirs_sel.whole,
			       cov, rt.upstream)
	pc.not_placed = [np.message() for np in rt.not_placed]
	title = 'zdrace patch coverage of the refcount paths'
	meta = {'series': f'{named} ({len(theirs)} patches)',
		'kernel': head.banner().split(': ', 1)[1],
		'lines numbered as in': f'linux {info.version} + the series '
		f'({rt.upstream})',
		'injection points': f'{len(rt.placed)} placed, '
		f'{len(rt.not_placed)} not placed, {len(rt.absent)} absent',
		'suites': cap.counts.summary()}
	text = patchcov.markdown(pc, title, meta)
	with open(out.path('review.md'), 'w') as f:
		f.write(text)
	with open(out.path('review.json'), 'w') as f:
		f.write(patchcov.to_json(pc, title, meta))
	print(text, end='')
	print(coverage.timing_line(cap.timings))
	print(f'zdrace: review reports in {out.root}: review.md, review.json, '
	      f'refcount.md, html/refcount/index.html, html/kernel/index.html')
	return 1 if cap.counts.failed else 0
