# SPDX-License-Identifier: GPL-2.0
"""The console protocol: what kunit.py's parser leaves to us.

kunit.py's own parser (zdtool.kernel.kunitpy) reads the results.  Its Test
objects keep a test's name, status and log, not these, which every reader
of a console (the runner, the sweep, the boot check, peers) takes from here:

- a result line's directive: `ok 3 name # SKIP reason` (SKIP, TODO, XFAIL,
  or the free text kselftest puts there);
- a diagnostic line's text without its `# <case>: ` prefix;
- the replay facts a failed zdrace case logs (fault-inject/zdrace_sched.c),

	# <case>: zdrace: replay: param=<index|-> seed=<seed|->

  param, the index of the failed parameter of a parameterized case
  (zdrace_sched.param= runs it alone); seed, the seed of a seeded
  schedule (zdrace_sched.seed=, .seeds=1 replay it), whose seeds are its
  parameters.
"""

import re
from collections import deque
from dataclasses import dataclass
from typing import Deque, Dict, Iterable, List, Optional

_RESULT = re.compile(r'^\s*(not )?ok (\d+) (?:- )?([^#]*?)\s*'
		     r'(?:#\s*(?:(SKIP|TODO|XFAIL)\b)?\s*(.*?))?\s*$')
_DIAG = re.compile(r'^\s*# (?:[\w.-]+: )?')
# The replay facts' prefix, and the skip reason of a boot without the
# device memory window (kunit-tests/zd_device.c, zone_device_mem=).
REPLAY_PREFIX = 'zdrace: replay: '
NO_WINDOW = 'no ZONE_DEVICE memory window'
_REPLAY = re.compile(r'\b' + REPLAY_PREFIX +
		     r'param=(-|\d+) seed=(-|\d+)\s*$')


@dataclass(frozen=True)
class Result:
	"""One KTAP result line."""
	ok: bool
	number: int
	name: str
	directive: str		# SKIP, TODO, XFAIL or ''
	text: str		# what follows '#' (and the directive)


def result(line: str) -> Optional[Result]:
	m = _RESULT.match(line)
	if not m:
		return None
	return Result(not m.group(1), int(m.group(2)), m.group(3),
		      m.group(4) or '', m.group(5) or '')


def directives(lines: Iterable[str]) -> Dict[str, str]:
	"""A result line's text after '#' (a skip reason, an exit status),
	by test name, the first of each name."""
	out: Dict[str, str] = {}
	for line in lines:
		r = result(line)
		if r and r.text:
			out.setdefault(r.name, r.text)
	return out


def skip_reasons(lines: Iterable[str]) -> Dict[str, Deque[str]]:
	"""Test name -> the reasons of its skips, in console order."""
	reasons: Dict[str, Deque[str]] = {}
	for line in lines:
		r = result(line)
		if r and r.ok and r.directive == 'SKIP':
			reasons.setdefault(r.name, deque()).append(r.text)
	return reasons


def diag(line: str) -> str:
	"""A diagnostic line's text, without `# <case>: `."""
	return _DIAG.sub('', line).strip()


@dataclass(frozen=True)
class Replay:
	"""The replay facts of one failed case."""
	param: Optional[int]	# the parameter's index, if not seeded
	seed: Optional[int]	# the schedule's seed, if seeded

	def boot_args(self) -> List[str]:
		"""The boot parameters that run exactly this again."""
		args: List[str] = []
		if self.param is not None:
			args.append(f'zdrace_sched.param={self.param}')
		if self.seed is not None:
			args += [f'zdrace_sched.seed={self.seed}',
				 'zdrace_sched.seeds=1']
		return args


def replay(lines: Iterable[str]) -> Optional[Replay]:
	"""The first replay facts in @lines (a failed test's log)."""
	for line in lines:
		m = _REPLAY.search(line)
		if m:
			return Replay(*(None if g == '-' else int(g)
					for g in m.groups()))
	return None
