# SPDX-License-Identifier: GPL-2.0
"""`make mutants`: re-introduce historical refcount bugs, one at a time, and
check that the suites kill every one.

Each mutant is a patch in fault-inject/mutants/<line>/, listed in that
directory's series file and applied alone on top of patches/<line>/ and
the injection points.  All
mutants share one prepared tree and one build directory under
build/<line>/mutant/, so each costs an incremental build of the files it
touches.  The unmutated series runs first in that directory: a mutant only
counts as killed against a baseline that passes.  On a line with an SMP
kernel, what the line's kernel leaves alive (and the baseline) also runs
the SMP suites on it; on a line with peers, what the suites leave alive
runs the peers, as `make check` does.
"""

import json
import os
import time
from dataclasses import dataclass, field, replace
from typing import Callable, List, Optional, Tuple

from zdtool import ZdError
from zdtool.kernel.results import Counts, walk_cases
from zdtool.kernel import replay, reports, rules
from zdtool.kernel.runner import KunitRun, failed_cases as console_failures
from zdtool.kernel.runner import first_error
from zdtool.kernel.series import Series, load_series
from zdtool.kernel.source import KernelSource
from zdtool.kernel import tree
from zdtool.layout import TreeDirs

MUTANT_DIR = 'fault-inject/mutants'


KILLED, SURVIVED, INVALID = 'killed', 'SURVIVED', 'invalid'


@dataclass
class Outcome:
	"""What one mutant did: killed (by tests), survived, or invalid: it
	does not apply or does not build, so it says nothing about the
	suites and must be fixed."""
	name: str
	verdict: str
	by: List[str] = field(default_factory=list)
	build_s: float = 0.0
	run_s: float = 0.0
	note: str = ''
	repro: str = ''

	@property
	def killed(self) -> bool:
		return self.verdict == KILLED

	def row(self, baseline: bool = False) -> str:
		verdict = self.verdict
		if baseline:
			verdict = 'passes' if self.verdict == SURVIVED else \
				'fails' if self.verdict == KILLED else INVALID
		by = ', '.join(self.by[:3]) + (' ...' if len(self.by) > 3 else '')
		return (f'| {self.name} | {verdict} | {by or self.note or "-"} | '
			f'{self.build_s:.0f} s | {self.run_s:.1f} s |')


def table(outcomes: List[Outcome]) -> str:
	lines = ['| mutant | result | killed by | build | run |',
		 '| --- | --- | --- | --- | --- |']
	return '\n'.join(lines + [o.row() for o in outcomes])


def failed_cases(json_text: str) -> List[str]:
	"""suite.case[.param] of every failed or crashed test."""
	doc = json.loads(json_text)
	names: List[str] = []
	for name, status in walk_cases(doc):
		if status in ('PASS', 'SKIP'):
			continue
		name = name.split('.', 1)[1] if '.' in name else name
		# A kernel that died mid-suite leaves an unnamed case.
		if not name or name.endswith('.'):
			name = f'{name.rstrip(".") or "kernel"} (crashed)'
		if name not in names:
			names.append(name)
	return names


@dataclass
class MutantRun:
	repo: str
	line: str
	source: KernelSource
	main: Series
	# The runs of `make`'s suites, in order: the line's kernel's, and its
	# boot with two CPUs on a line that has one (zdrace.py's _suite_runs()),
	# each built in the mutants' tree; a later one boots only if the
	# earlier left the mutant alive.
	runs: List[KunitRun]
	dirs: TreeDirs		# the shared mutant tree and build
	verbose: bool = False	# show kunit.py's run (replaying named mutants)
	# On a line with peers (the kernel's own hmm-tests and gup_test, part
	# of its `make check`): run them in the mutant's tree, named by the
	# mutant ('' for the baseline).  A mutant the suites did not kill
	# that fails them, or hangs them, is killed by them.
	peers: Optional[Callable[[str, TreeDirs], Counts]] = None

	def repro(self, name: str) -> str:
		return f'make mutants KERNEL={self.line} MUTANT={name}'

	@staticmethod
	def rule_problems(run: KunitRun) -> List[rules.Result]:
		try:
			found = rules.from_console(run.tree, run.console_log)
		except OSError:
			return []
		return [r for r in found or [] if r.problem]

	@staticmethod
	def report_problems(run: KunitRun) -> List[reports.Problem]:
		try:
			return reports.from_console(run.tree, run.console_log)[1]
		except OSError:
			return []

	def peer_failures(self, mutant: str) -> List[str]:
		"""The peers' verdict on the prepared mutant tree: what kills
		it, if anything."""
		assert self.peers
		try:
			counts = self.peers(mutant, self.dirs)
		except ZdError as e:
			return [f'peers ({e})']
		return [f'peers ({counts.failed} failed)'] if counts.failed else []

	def one(self, name: str, mutant_path: Optional[str]) -> Outcome:
		layout = self.dirs
		start = time.monotonic()
		print(f'zdrace: mutant {name}: preparing', flush=True)
		try:
			tree.prepare(layout, self.source, self.main, self.repo,
				     self.line, top=[mutant_path] if mutant_path else [])
		except ZdError as e:
			return Outcome(name, INVALID, note=f'does not apply: {e}',
				       repro=self.repro(name))
		# A failed case's command builds and boots this mutant again.
		base = self.runs[0].goal or replay.Goal('run', self.line)
		goal = base.but('mutants', ('MUTANT', name)) if mutant_path \
			else base.but('run')
		# Each kernel in the mutants' tree's directory of its name.
		runs = [replace(r, tree=layout.tree, build_dir=os.path.join(
				layout.root, os.path.basename(r.build_dir)),
				results=layout.results, goal=goal)
			for r in self.runs]
		run = runs[0]
		by: List[str] = []
		rc = 0
		build_s, run_s = time.monotonic() - start, 0.0
		for n, kernel in enumerate(runs):
			if by or rc:
				break
			t0 = time.monotonic()
			rc, output = kernel.capture('build')
			t1 = time.monotonic()
			build_s += t1 - t0
			if rc != 0:
				return Outcome(name, INVALID, build_s=build_s,
					       note=f'does not build: '
					       f'{first_error(output)}',
					       repro=self.repro(name))
			rc, by = self.boot(kernel, 'mutant' + (
				f'-{os.path.basename(kernel.build_dir)}' if n else ''))
			run = kernel
			run_s += time.monotonic() - t1
		if not by and rc == 0 and self.peers:
			t0 = time.monotonic()
			by += self.peer_failures(name if mutant_path else '')
			run_s += time.monotonic() - t0
		killed = bool(by) or rc not in (0,)
		note = '' if by else (f'kernel run exited {rc}' if rc else '')
		found = console_failures(run)
		repro = goal.command(found[0].suite, found[0].case,
				     found[0].replay) if found else \
			self.repro(name)
		return Outcome(name, KILLED if killed else SURVIVED, by,
			       build_s, run_s, note, repro)

	def boot(self, run: KunitRun, name: str) -> Tuple[int, List[str]]:
		"""Boot the built @run with the rule table, its JSON in
		results/@name.json: its exit status, and what failed."""
		run = replace(run, kernel_args=run.kernel_args + [rules.LIST_ARG])
		os.makedirs(run.results, exist_ok=True)
		json_path = os.path.join(run.results, f'{name}.json')
		if os.path.exists(json_path):
			os.unlink(json_path)
		rc = run.invoke('exec', json_path, quiet=not self.verbose)
		try:
			with open(json_path) as f:
				by = failed_cases(f.read())
		except (OSError, ValueError):
			by = []
		# A declared upstream break the mutant made disappear (or a new
		# one) fails the rules check of `make check`: that kills it too.
		by += [f'rules ({r.rule})' for r in self.rule_problems(run)]
		# So does a kernel report no case declared (a WARN, a BUG).
		by += [f'reports ({p.message()})'
		       for p in self.report_problems(run)]
		return rc, by


def find(repo: str, line: str, name: str) -> str:
	"""The path of mutant @name of @line; one that its series does not
	list is an error naming the series."""
	mutants = load_series(os.path.join(repo, MUTANT_DIR, line))
	if name not in mutants.patches:
		raise ZdError(f'{name}: not a mutant of {MUTANT_DIR}/{line}/series '
			      f'({", ".join(mutants.patches)})')
	return os.path.join(mutants.directory, name)


def run(mr: MutantRun, only: Optional[List[str]] = None) -> int:
	mutants = load_series(os.path.join(mr.repo, MUTANT_DIR, mr.line))
	if not mutants.patches:
		raise ZdError(f'{MUTANT_DIR}/{mr.line}/series: no mutants')
	names = mutants.patches
	if only:
		unknown = sorted(set(only) - set(names))
		if unknown:
			raise ZdError(f'unknown mutant(s): {", ".join(unknown)}')
		names = [n for n in names if n in only]

	if only:
		# Replaying named mutants (a repro line): their failures are
		# shown as kunit.py prints them; the full run checks the
		# unmutated kernel first.
		mr.verbose = True
		print('zdrace: baseline not run: MUTANT= names the mutants; '
		      'make mutants runs it', flush=True)
		print(table([]), flush=True)
	else:
		baseline = mr.one('(none: baseline)', None)
		print('\n'.join(table([]).splitlines() +
				[baseline.row(baseline=True)]), flush=True)
		if baseline.verdict != SURVIVED:
			raise ZdError('the unmutated kernel '
				      f'{baseline.note or "fails the suites"}; '
				      'mutant results would mean nothing')
	outcomes = []
	for name in names:
		outcome = mr.one(name, os.path.join(mutants.directory, name))
		print(outcome.row(), flush=True)
		outcomes.append(outcome)
	# Leave the shared tree unmutated for whoever looks at it next.
	tree.prepare(mr.dirs, mr.source, mr.main, mr.repo, mr.line)
	print('\n' + table(outcomes))
	for o in outcomes:
		if o.killed:
			print(f'zdrace: mutant {o.name}: its first failure again: '
			      f'{o.repro}')
	invalid = [o for o in outcomes if o.verdict == INVALID]
	for o in invalid:
		print(f'zdrace: mutant {o.name} is invalid: {o.note}\n'
		      f'zdrace:   reproduce with: {o.repro}')
	killed = sum(o.killed for o in outcomes)
	print(f'zdrace: mutants: {killed} of {len(outcomes)} killed'
	      + (f', {len(invalid)} invalid' if invalid else ''))
	return 0 if killed == len(outcomes) else 1

