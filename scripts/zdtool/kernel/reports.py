# SPDX-License-Identifier: GPL-2.0
"""A kernel report is a verdict: a WARN, a BUG (a "Bad page state"
among them), KASAN or lockdep on the console while a case runs fails
the run unless the case declared exactly that report, as kasan's own
tests declare theirs; a declared report that does not come fails too.

A case declares with zd_expect_report() (kunit-tests/zd_kunit.h), which
logs

	# <case>: zdrace: expects report: WARNING in memremap_pages
	# <case>: zdrace: expects report: WARNING in zone_device_page_init (once per boot)

A report from a WARN_ONCE()-style site may have been used up by an
earlier case of the same boot: "(once per boot)" lets it not come.
Reports are titled as the sweep titles them (zdtool.sweep.title), and
told to a case by kunit_parser's reading of the console (the lines
before a case's result are its log).
"""

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Tuple

from zdtool.kernel import kunitpy
from zdtool.sweep.title import clean_lines, find_reports

_EXPECT = re.compile(r'zdrace: expects report: (.+?)( \(once per boot\))?'
		     r'\s*$')


@dataclass
class Problem:
	test: str		# suite.case[.param]
	what: str

	def message(self) -> str:
		return f'{self.test}: {self.what}'


def _cases(test: Any, path: List[str]) -> Iterator[Tuple[str, List[str]]]:
	"""(suite.case, its log) of every case below @test.  A parameterized
	case's console lines are kunit_parser's log of the case, not of its
	parameters (they have no headers of their own): its reports and
	declarations are the case's, all parameters together."""
	name = path + ([test.name] if test.name else [])
	if not test.subtests or all(not t.subtests for t in test.subtests) \
			and path:
		log = list(test.log)
		for t in test.subtests:
			log += list(t.log)
		yield '.'.join(name), log
		return
	for t in test.subtests:
		yield from _cases(t, name)


def expectations(log: List[str]) -> Dict[str, bool]:
	"""What a case's log declares: report title -> once per boot."""
	out: Dict[str, bool] = {}
	for line in log:
		m = _EXPECT.search(line)
		if m:
			out[m.group(1)] = bool(m.group(2))
	return out


def check(tree: str, text: str) -> Tuple[int, List[Problem]]:
	"""(reports seen in cases, the problems) of a console @text, read
	with the kunit_parser of the kernel tree @tree."""
	ktap = kunitpy.Ktap(tree, clean_lines(text))
	seen, problems = 0, []
	cases = (c for suite in ktap.root.subtests for c in _cases(suite, []))
	for name, log in cases:
		titles = [r.title for r in find_reports(log)]
		seen += len(titles)
		expected = expectations(log)
		for title in sorted(set(titles)):
			if title not in expected:
				problems.append(Problem(name, f'{title}, which the '
						       f'case does not declare '
						       f'(zd_expect_report())'))
		for title, once in sorted(expected.items()):
			if title not in titles and not once:
				problems.append(Problem(name, f'declares {title}, '
						       f'which did not come'))
	return seen, problems


def from_console(tree: str, console_log: str) -> Tuple[int, List[Problem]]:
	"""check() of the console kunit.py saved; OSError if it cannot."""
	with open(console_log, errors='replace') as f:
		return check(tree, f.read())
