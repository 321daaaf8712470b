# SPDX-License-Identifier: GPL-2.0
"""Bad boot parameters must be reported and skip tests, never crash.

Boots the built kernel once with a malformed zone_device_mem= and an
unknown injection point, and checks the console: both are named in a clear
message, the kernel reaches the end of the run, and every ZONE_DEVICE test
is skipped with the reason.
"""

import os
import re
from collections import deque
from dataclasses import dataclass, field, replace
from typing import List

from zdtool.kernel import console, kunitpy
from zdtool.kernel.results import Counts
from zdtool.kernel.runner import KunitRun

BAD_ARGS = ['zone_device_mem=12Q',
	    'zdrace_fi.arm=no_such_point:1,100,0,1:fail']
SUITE = 'zone_device_smoke'
EXPECTED_MESSAGES = [
	r'zone_device_mem=12Q: malformed',
	r"zdrace_fi: zdrace_fi\.arm=: unknown injection point 'no_such_point'",
]
SKIP_REASON = f'{console.NO_WINDOW}: malformed size'


@dataclass
class Verdict:
	problems: List[str] = field(default_factory=list)
	skipped: int = 0

	def counts(self) -> Counts:
		return Counts(0, 1, 0) if self.problems else Counts(1, 0, 0)


def evaluate(log: str, tree: str) -> Verdict:
	"""Judge a console log of the bad-parameter boot; @tree's kunit.py
	parses it."""
	verdict = Verdict()
	for pattern in EXPECTED_MESSAGES:
		if not re.search(pattern, log):
			verdict.problems.append(f'no console message /{pattern}/')
	ktap = kunitpy.Ktap(tree, log.splitlines())
	suite = ktap.find(SUITE)
	if suite is None or kunitpy.status(suite) == 'ERROR':
		verdict.problems.append(f'the kernel never finished {SUITE}')
	reasons = console.skip_reasons(log.splitlines())
	for case in kunitpy.leaves(suite) if suite else []:
		name = getattr(case, 'name')
		status = kunitpy.status(case)
		reason = reasons.get(name, deque([''])).popleft() \
			if status == 'SKIP' else ''
		if status != 'SKIP':
			verdict.problems.append(f'{name}: {status}, not skipped')
		elif SKIP_REASON not in reason:
			verdict.problems.append(f'{name}: skipped for another '
						f'reason: {reason}')
		else:
			verdict.skipped += 1
	if not verdict.skipped:
		verdict.problems.append(f'no {SUITE} test was skipped')
	return verdict


def run(kunit: KunitRun) -> Counts:
	"""Boot with BAD_ARGS (no rebuild) and judge the console."""
	# The line's own arguments stay (an SMP line's ncpus=, say); only the
	# device memory window is replaced by the bad one.
	args = [a for a in kunit.kernel_args
		if not a.startswith('zone_device_mem=')]
	bad = replace(kunit, kernel_args=args + BAD_ARGS, filter_glob=SUITE)
	print(f'zdrace: boot check: {" ".join(BAD_ARGS)}', flush=True)
	bad.invoke('exec', quiet=True)
	try:
		with open(kunit.console_log, errors='replace') as f:
			verdict = evaluate(f.read(), kunit.tree)
	except OSError as e:
		verdict = Verdict([f'no console log: {e.strerror}'])
	for problem in verdict.problems:
		print(f'zdrace: boot check: FAIL: {problem}', flush=True)
	if not verdict.problems:
		print(f'zdrace: boot check: ok: both reported, {verdict.skipped} '
		      f'{SUITE} cases skipped with the reason', flush=True)
	return verdict.counts()
