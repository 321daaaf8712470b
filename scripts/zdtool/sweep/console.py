# SPDX-License-Identifier: GPL-2.0
"""Read one sweep boot's console and classify the run.

The results come from kunit.py's own KTAP parser (the prepared tree's
kunit_parser.py): the status of each seed of the parameterized case
(`seed 7`), of the suite, and whether there was KTAP output at all.  Read
here are only what it leaves alone: where each seed's output sits in the
console (to pin a kernel report on a seed), the diagnostic lines
(`# <case>: EXPECTATION FAILED at ...`, `trace: ...`, the replay facts
`zdrace: replay: ...`, zdtool.kernel.console), skip
reasons, and the suite's exit lines:

	zdrace_sweep: armed <point> <action> hits=<n> fired=<n>
	zdrace_sweep: overlap <window>=<n>
	zdrace_sweep: interleavings=<n>

A run is one of: pass, skip, failure (a test failed, no kernel report),
kasan, bug (BUG, Oops, kernel-mode fault), warn, panic, hang (timed out,
or a hung-task report), crash (the kernel exited without the end of its
KTAP output, or non-zero, with no report) and exit (the suite's results
are all there, no test failed and no report was printed, but the kernel
process then died of a signal or exited non-zero: a bug of UML's exit
path, not of the case, titled by the signal and, from the core dump,
the function it faulted in, `UML exit: SIGABRT in irq_enter`).
"""

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from zdtool.kernel import console as ktap_console, kunitpy
from zdtool.sweep import SUITE
from zdtool.sweep.postmortem import Death, signame
from zdtool.sweep.records import PointStat
from zdtool.sweep.title import clean_lines, find_reports, strip

_ARMED = re.compile(r'zdrace_sweep: armed (\S+) (\S+) hits=(\d+) '
		    r'fired=(\d+)')
_INTERLEAVINGS = re.compile(r'zdrace_sweep: interleavings=(\d+)')
_OVERLAP = re.compile(r'zdrace_sweep: overlap (\w+)=(\d+)')
_EXPECT = re.compile(r'(EXPECTATION|ASSERTION) FAILED at (\S+)')

STATUS = {'pass': 'PASS', 'skip': 'SKIP', 'crash': 'ERROR',
	  'exit': 'ERROR'}	# else FAIL
KINDS = ['pass', 'skip', 'failure', 'kasan', 'bug', 'warn', 'panic',
	 'hang', 'crash', 'exit']


@dataclass
class SeedResult:
	seed: int
	status: str		# pass, fail or skip
	line: int		# its result line
	first: int		# first line of its output


@dataclass
class Console:
	lines: List[str]
	seeds: List[SeedResult] = field(default_factory=list)
	ktap: bool = False
	no_tests: bool = False		# plan 1..0: the filter matched nothing
	suite_done: bool = False
	armed: List[PointStat] = field(default_factory=list)
	interleavings: Optional[int] = None
	overlaps: Dict[str, int] = field(default_factory=dict)


_SEED_STATUS = {'PASS': 'pass', 'SKIP': 'skip'}	# else fail


def parse(text: str, tree: str) -> Console:
	"""@text's results as kunit.py of the kernel tree at @tree reads them."""
	con = Console(clean_lines(text))
	ktap = kunitpy.Ktap(tree, con.lines)
	con.ktap, con.no_tests = ktap.found, ktap.no_tests
	suite = ktap.find(SUITE)
	con.suite_done = suite is not None and \
		kunitpy.status(suite) != 'ERROR'
	at: Dict[str, int] = {}
	for i, line in enumerate(con.lines):
		r = ktap_console.result(line)
		if r and re.fullmatch(r'seed \d+', r.name):
			at.setdefault(r.name, i)
		a = _ARMED.search(line)
		if a:
			con.armed.append(PointStat(a.group(1), a.group(2),
						   int(a.group(3)), int(a.group(4))))
		n = _INTERLEAVINGS.search(line)
		if n:
			con.interleavings = int(n.group(1))
		o = _OVERLAP.search(line)
		if o:
			con.overlaps[o.group(1)] = int(o.group(2))
	for case in getattr(suite, 'subtests', []):
		for param in case.subtests:
			if param.name in at:
				status = _SEED_STATUS.get(kunitpy.status(param),
							  'fail')
				con.seeds.append(SeedResult(int(param.name.split()[1]),
							    status, at[param.name], 0))
	con.seeds.sort(key=lambda s: s.line)
	for i, s in enumerate(con.seeds):
		s.first = con.seeds[i - 1].line + 1 if i else 0
	return con


@dataclass
class Verdict:
	kind: str
	title: str
	seed: Optional[int] = None	# the seed that failed, if known
	trace: List[str] = field(default_factory=list)
	repro: str = ''			# the kernel's replay facts
	excerpt: str = ''
	reports: List[str] = field(default_factory=list)
	note: str = ''
	no_tests: bool = False		# the kernel has no such test

	@property
	def status(self) -> str:
		return STATUS.get(self.kind, 'FAIL')


def _message(lines: List[str]) -> str:
	"""The first expectation's message, numbers stripped."""
	for i, line in enumerate(lines):
		m = _EXPECT.search(line)
		if not m:
			continue
		for nxt in lines[i + 1:i + 4]:
			text = ktap_console.diag(nxt)
			if not text or text.startswith(
					('trace:', ktap_console.REPLAY_PREFIX)) or \
					ktap_console.result(nxt) or \
					_EXPECT.search(nxt):
				break
			return strip(re.sub(r',? but$', '', text))
		return f'{m.group(1)} FAILED at {strip(m.group(2))}'
	return ''


def _seed_at(con: Console, line: int, first_seed: int,
	     seeds: int) -> Optional[SeedResult]:
	"""The seed whose output holds @line: a result after it, else the
	seed after the last result (the one running when it stopped)."""
	for s in con.seeds:
		if s.line >= line:
			return s
	nxt = con.seeds[-1].seed + 1 if con.seeds else first_seed
	if nxt >= first_seed + seeds:
		return None
	return SeedResult(nxt, 'fail', len(con.lines),
			  con.seeds[-1].line + 1 if con.seeds else 0)


def classify(text: str, tree: str, case: str, first_seed: int, seeds: int,
	     rc: Optional[int] = 0, timed_out: bool = False,
	     death: Optional[Death] = None) -> Verdict:
	"""Judge one boot of zdrace_sweep.<case> over seeds
	first_seed..first_seed + seeds - 1; @tree holds kunit.py."""
	return judge(parse(text, tree), case, first_seed, seeds, rc, timed_out,
		     death)


def after_results(con: Console, rc: Optional[int]) -> bool:
	"""Whether the kernel died only after all its results (no report, no
	failed seed): what postmortem.examine() is worth running for."""
	return con.suite_done and rc is not None and rc != 0 and \
		not find_reports(con.lines) and \
		not any(s.status == 'fail' for s in con.seeds)


def _exit_verdict(con: Console, rc: Optional[int],
		  death: Optional[Death]) -> Verdict:
	d = death or Death(signame(rc), rc)
	title = f'UML exit: {d.what}' + (f' in {d.where}' if d.where else '')
	done = sum(1 for s in con.seeds if s.status != 'skip')
	note = [f'after the results ({done} seeds reported)']
	if d.backtrace:
		note.append('host backtrace from its core dump')
	if d.note:
		note.append(d.note)
	v = Verdict('exit', title, note=', '.join(note))
	v.trace = list(d.frames)
	v.excerpt = '\n'.join(d.backtrace or con.lines[-40:])
	return v


def judge(con: Console, case: str, first_seed: int, seeds: int,
	  rc: Optional[int] = 0, timed_out: bool = False,
	  death: Optional[Death] = None) -> Verdict:
	"""classify() of a parsed console; @death: how the kernel process
	ended, from its core dump (postmortem.examine()), if it was read."""
	reports = find_reports(con.lines)
	where = f'{SUITE}.{case}'
	failed = [s for s in con.seeds if s.status == 'fail']
	at: Optional[SeedResult] = None
	if reports:
		r = reports[0]
		v = Verdict(r.kind, r.title, excerpt='\n'.join(
			con.lines[r.line:r.line + 40]))
		at = _seed_at(con, r.line, first_seed, seeds)
	elif timed_out:
		v = Verdict('hang', f'hang in {where}',
			    note='killed after the timeout')
		at = _seed_at(con, len(con.lines), first_seed, seeds)
	elif failed:
		at = failed[0]
		msg = _message(con.lines[at.first:at.line])
		v = Verdict('failure', f'test failure in {where}' +
			    (f': {msg}' if msg else ''))
	elif con.no_tests and not con.seeds:
		v = Verdict('crash', f'no test {where} in the kernel',
			    note='KTAP plan 1..0', no_tests=True)
	elif con.suite_done and rc is not None and rc != 0:
		v = _exit_verdict(con, rc, death)
	elif not con.suite_done or rc != 0:
		why = []
		if not con.suite_done:
			why.append('no KTAP end' if con.ktap else 'no KTAP output')
		if rc != 0:
			why.append(f'exit status {rc}')
		v = Verdict('crash', f'crash in {where}', note=', '.join(why))
		at = _seed_at(con, len(con.lines), first_seed, seeds)
	elif con.seeds and all(s.status == 'skip' for s in con.seeds):
		v = Verdict('skip', '')
		v.note = _skip_reason(con)
	else:
		v = Verdict('pass', '')
	v.reports = [r.title for r in reports]
	if at is not None and v.kind not in ('pass', 'skip'):
		v.seed = at.seed
		region = con.lines[at.first:at.line + 1]
		if not v.excerpt:
			v.excerpt = '\n'.join(region[-40:])
		for line in region:
			text = ktap_console.diag(line)
			if text.startswith('trace: '):
				v.trace.append(text[len('trace: '):])
			elif text.startswith(ktap_console.REPLAY_PREFIX) and \
					not v.repro:
				v.repro = text
	return v


def _skip_reason(con: Console) -> str:
	for line in con.lines:
		r = ktap_console.result(line)
		if r and r.directive == 'SKIP' and r.text:
			return r.text
	return ''


def interleavings(con: Console) -> int:
	"""The suite's count, else the seeds that ran."""
	if con.interleavings is not None:
		return con.interleavings
	return sum(1 for s in con.seeds if s.status != 'skip')
