# SPDX-License-Identifier: GPL-2.0
"""The peers' console, read back: kunit.py's parser reads the KTAP that
/init prints (one subtest per plan line, the selftest's own TAP inside),
the sweep's classifier the kernel's reports, and zd_rules.h's
scripts/zdtool/peers/expected-failures says which failures a line is
known to have.

	name				status	reason
	hmm-tests.hmm.hmm_device_private.open_close	PASS
	hmm-tests.hmm.hmm_device_coherent.anon_write_huge	XFAIL	no THP ...
	gup_test -u -n 1		PASS

A plan line with a single result (gup_test's) is named after the plan
line alone.  XFAIL (declared, and failed) counts as skipped; a declared
failure that passes is XPASS and counts as failed, as does every kernel
report (KASAN, WARNING, BUG, panic), a run that did not finish, a
declaration that matches no test, and a skip for any reason but
SKIP_REASONS: the run sets up both device types, debugfs and gup_test,
so any other skip means the setup broke.
"""

# Skips UML cannot help: it has no hugetlbfs.
SKIP_REASONS = ('Not enough huge pages',)

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

from zdtool.kernel import console, kunitpy
from zdtool.kernel.results import Counts
from zdtool.peers import expect
from zdtool.peers.expect import Expected, find
from zdtool.sweep.title import clean_lines, find_reports

START = 'zdrace-peers: start'
DONE = 'zdrace-peers: done'
_RUN = re.compile(r'^\s*#\s+RUN\s+(\S+) \.\.\.')
_EXPECT = re.compile(r'(?:\S*/)?([\w.-]+\.c:\d+:\w+:(?:Expected|.*?ASSERT).*)')


@dataclass
class Result:
	name: str
	status: str		# PASS FAIL SKIP ERROR XFAIL XPASS
	reason: str = ''

	@property
	def counts(self) -> Counts:
		if self.status == 'PASS':
			return Counts(passed=1)
		if self.status in ('SKIP', 'XFAIL'):
			return Counts(skipped=1)
		return Counts(failed=1)


@dataclass
class Run:
	results: List[Result] = field(default_factory=list)
	problems: List[str] = field(default_factory=list)	# each a failure
	test: Any = None		# kunit_parser's root test, if any

	@property
	def counts(self) -> Counts:
		total = Counts(failed=len(self.problems))
		for r in self.results:
			total += r.counts
		return total

	def to_json(self) -> Dict[str, Any]:
		return {'results': [asdict(r) for r in self.results],
			'problems': self.problems,
			'counts': asdict(self.counts)}


def _stopped_in(lines: List[str], reported: List[str]) -> str:
	"""The first case the harness started and never reported."""
	for line in lines:
		m = _RUN.match(line)
		if m and m.group(1) not in reported:
			return m.group(1)
	return ''


def _why_failed(test: Any) -> str:
	for line in test.log:
		m = _EXPECT.search(line)
		if m:
			return m.group(1)
	return ''


def _judge(name: str, status: str, reason: str,
	   expected: List[Expected]) -> Result:
	if status == 'SKIP' and reason not in SKIP_REASONS:
		return Result(name, 'FAIL', f'skipped ({reason or "no reason"}), '
			      'but the run sets up what it needs')
	known = find(expected, name)
	if known and status == 'FAIL':
		return Result(name, 'XFAIL', f'{known.reason} ({reason})'
			      if reason else known.reason)
	if known and status == 'PASS':
		return Result(name, 'XPASS', 'declared to fail in '
			      f'kunit-tests/zd_rules.h ({known.reason}) but '
			      'passed')
	return Result(name, status, reason)


def parse(text: str, tree: str, expected: List[Expected],
	  tests: List[str]) -> Run:
	"""@text: the console of a boot whose plan was @tests."""
	lines = clean_lines(text)
	run = Run()
	for rep in find_reports(lines):
		run.problems.append(f'kernel report: {rep.title} (console line '
				    f'{rep.line + 1})')
	start = next((i for i, line in enumerate(lines)
		      if line.strip() == START), None)
	if start is None:
		run.problems.append('/init never started the tests (no '
				    f'"{START}" on the console)')
		return run
	body = lines[start + 1:]
	finished = any(line.strip() == DONE for line in body)
	if not finished:
		run.problems.append('the run did not finish (no '
				    f'"{DONE}" on the console)')
	ktap = kunitpy.Ktap(tree, body)
	run.test = ktap.root
	why = console.directives(body)
	for name in tests:
		top: Optional[Any] = ktap.find(name)
		if top is None:
			run.results.append(Result(name, 'ERROR', 'no result' if finished
						  else 'not run: the run stopped first'))
			continue
		leaves = list(kunitpy.leaves(top))
		top_status = kunitpy.status(top)
		if len(leaves) == 1 and leaves[0] is not top or not top.subtests:
			leaf = leaves[0]
			status = kunitpy.status(leaf)
			if top_status in ('FAIL', 'ERROR') and status == 'PASS':
				status = top_status
			run.results.append(_judge(name, status,
						  why.get(name, '') or _why_failed(leaf) or
						  why.get(leaf.name, ''), expected))
			continue
		# kunit_parser stands in a nameless test for each one missing.
		missing = [leaf for leaf in leaves if not leaf.name]
		leaves = [leaf for leaf in leaves if leaf.name]
		for leaf in leaves:
			run.results.append(_judge(
				f'{name}.{leaf.name}', kunitpy.status(leaf),
				why.get(leaf.name, '') or _why_failed(leaf),
				expected))
		if missing:
			stopped = _stopped_in(body, [t.name for t in leaves])
			run.results.append(Result(name, 'ERROR', (
				f'{len(missing)} of {len(missing) + len(leaves)} '
				'cases never reported') + (
				f'; it stopped in {stopped}' if stopped else '')))
			continue
		# Every case ran, yet the program failed: a crash at exit, say.
		if top_status in ('FAIL', 'ERROR') and \
				all(kunitpy.status(t) != 'FAIL' for t in leaves):
			run.results.append(Result(name, top_status,
						  why.get(name, 'failed')))
	for e in expected:
		if not any(e.matches(r.name) for r in run.results):
			run.problems.append(f'{expect.NAME}: {e.line} {e.glob}: '
					    'matches no test of the run')
	return run
