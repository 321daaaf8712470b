# SPDX-License-Identifier: GPL-2.0
"""The rules the suites assert (kunit-tests/zd_rules.h), read back from a
run's console: which hold, which break, and whether that is what the
kernel line declares.

A kernel booted with zdrace_rules.list=1 prints the table itself:

	zdrace_rules: line 6.12
	zdrace_rules: rule <id> thread="<thread>": <statement>
	zdrace_rules: break <id> line=<line> types=<types>: <evidence>

and every case that asserts a rule logs, from its suite's exit,

	rule <id> <holds|breaks|n/a|fails|skipped> expected=<holds|breaks>

with the evidence of a break in the case's own "known upstream: " line.
Which test a line belongs to is kunit_parser's reading of the KTAP.
"""

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from zdtool.kernel import kunitpy

# Boot parameter that makes the kernel print its rule table.
LIST_ARG = 'zdrace_rules.list=1'

_PREFIX = r'^(?:\[[^\]]*\]\s*)*zdrace_rules: '
_LINE = re.compile(_PREFIX + r'line (\S+)\s*$')
_RULE = re.compile(_PREFIX + r'rule (\w+) thread="(.*)": (.*)$')
_BREAK = re.compile(_PREFIX + r'break (\w+) line=(\S+) types=(\S+): (.*)$')
_VERDICT = re.compile(r'\brule (\w+) (holds|breaks|n/a|fails|skipped) '
		      r'expected=(holds|breaks)(?:: (.*?))?\s*$')
_EVIDENCE = re.compile(r'\bknown upstream: (.*)$')

# An aggregate verdict: the worst any case of the rule showed.
_ORDER = ('fails', 'breaks', 'holds', 'skipped', 'n/a')


@dataclass
class Rule:
	id: str
	thread: str
	statement: str


@dataclass
class Break:
	id: str
	line: str
	types: str
	evidence: str


@dataclass
class Table:
	"""What the kernel declares: its line, its rules, the breaks."""
	line: str = ''
	rules: Dict[str, Rule] = field(default_factory=dict)
	breaks: List[Break] = field(default_factory=list)

	def declared(self, rule: str) -> List[Break]:
		return [b for b in self.breaks
			if b.id == rule and b.line == self.line]


@dataclass
class Verdict:
	"""One case's (one parameter's) verdict on one rule."""
	rule: str
	verdict: str
	expected: str
	test: str
	evidence: str = ''


@dataclass
class Result:
	"""One rule on one kernel line, over every case that asserts it."""
	rule: str
	thread: str
	statement: str
	verdict: str
	declared_break: bool
	cases: int
	evidence: str = ''
	tests: List[str] = field(default_factory=list)
	problem: str = ''
	# Cases the line has no mechanism for, and what it has instead.
	not_applicable: List[str] = field(default_factory=list)
	not_applicable_why: str = ''

	def to_json(self) -> Dict[str, Any]:
		return asdict(self)


def read_table(lines: Iterable[str]) -> Table:
	table = Table()
	for text in lines:
		text = text.rstrip('\n')
		m = _LINE.match(text)
		if m:
			table.line = m.group(1)
			continue
		m = _RULE.match(text)
		if m:
			table.rules[m.group(1)] = Rule(*m.groups())
			continue
		m = _BREAK.match(text)
		if m:
			table.breaks.append(Break(*m.groups()))
	return table


def _walk(test: Any, path: Tuple[str, ...]) -> Iterable[Tuple[str, Any]]:
	here = path + (test.name,) if test.name else path
	yield '.'.join(here), test
	for sub in test.subtests:
		yield from _walk(sub, here)


def read_verdicts(tree: str, lines: List[str]) -> List[Verdict]:
	"""The verdict lines, each with the test kunit_parser gives it."""
	ktap = kunitpy.Ktap(tree, lines)
	out = []
	for top in ktap.root.subtests:
		for name, test in _walk(top, ()):
			evidence = ''
			for text in test.log:
				m = _EVIDENCE.search(text)
				if m:
					evidence = m.group(1).strip()
				m = _VERDICT.search(text)
				if m:
					out.append(Verdict(m.group(1), m.group(2),
							   m.group(3), name,
							   (m.group(4) or
							    evidence).strip()))
					evidence = ''
	return out


def aggregate(table: Table, verdicts: List[Verdict]) -> List[Result]:
	"""One result per rule of @table; a rule no case asserted is n/a.

	A rule whose declared break no case showed, or that broke where
	nothing was declared, carries a problem."""
	results = []
	for rule in table.rules.values():
		mine = [v for v in verdicts if v.rule == rule.id]
		shown = {v.verdict for v in mine}
		verdict = next((o for o in _ORDER if o in shown), 'n/a')
		# The kernel says per case whether its line and type declare
		# the break: a run filtered to other types declares none.
		declared = any(v.expected == 'breaks' for v in mine)
		broke = [v for v in mine if v.verdict == 'breaks']
		res = Result(rule.id, rule.thread, rule.statement, verdict,
			     declared, len(mine),
			     broke[0].evidence if broke else '',
			     [v.test for v in (broke or mine)][:3])
		if declared and mine and not broke:
			res.problem = (f'rule {rule.id} is declared broken on '
				       f'{table.line} (kunit-tests/zd_rules.h) but '
				       f'held in all {len(mine)} cases: fixed '
				       f'upstream? drop the ZD_BREAK()')
		elif broke and not declared:
			res.problem = (f'rule {rule.id} breaks on {table.line}, '
				       f'which kunit-tests/zd_rules.h does not '
				       f'declare: {broke[0].test}')
		na = [v for v in mine if v.verdict == 'n/a']
		res.not_applicable = [v.test for v in na]
		res.not_applicable_why = na[0].evidence if na else ''
		results.append(res)
	return results


def from_console(tree: str, path: str) -> Optional[List[Result]]:
	"""The results of the run whose console is @path, or None if the
	kernel printed no rule table (booted without LIST_ARG)."""
	return from_consoles(tree, [path])


def from_consoles(tree: str, paths: List[str]) -> Optional[List[Result]]:
	"""The results of one line over the consoles of its kernels' runs
	(its kernel's, its SMP kernel's): the table the first printed, the
	cases of all; None if none printed a rule table."""
	table, verdicts = Table(), []
	for path in paths:
		with open(path, errors='replace') as f:
			lines = f.readlines()
		if not table.rules:
			table = read_table(lines)
		verdicts += read_verdicts(tree, lines)
	if not table.rules:
		return None
	return aggregate(table, verdicts)
