# SPDX-License-Identifier: GPL-2.0
"""Bad boot parameters must be reported and skip tests, never crash.

Boots the built kernel once with a malformed zone_device_mem= and an
unknown injection point, and checks the console: both are named in a clear
message, the kernel reaches the end of the run, and every ZONE_DEVICE test
is skipped with the reason.
"""

import os
import re
from dataclasses import dataclass, field, replace
from typing import List

from zdtool.kernel.results import Counts
from zdtool.kernel.runner import KunitRun

BAD_ARGS = ['zone_device_mem=12Q',
	    'zdrace_fi.arm=no_such_point:1,100,0,1:fail']
SUITE = 'zone_device_smoke'
EXPECTED_MESSAGES = [
	r'zone_device_mem=12Q: malformed',
	r"zdrace_fi: zdrace_fi\.arm=: unknown injection point 'no_such_point'",
]
SKIP_REASON = 'no ZONE_DEVICE memory window: malformed size'
_RESULT = re.compile(r'^\s*(not ok|ok) \d+ (\S+)(.*)$')


@dataclass
class Verdict:
	problems: List[str] = field(default_factory=list)
	skipped: int = 0

	def counts(self) -> Counts:
		return Counts(0, 1, 0) if self.problems else Counts(1, 0, 0)


def evaluate(log: str) -> Verdict:
	"""Judge a console log of the bad-parameter boot."""
	verdict = Verdict()
	for pattern in EXPECTED_MESSAGES:
		if not re.search(pattern, log):
			verdict.problems.append(f'no console message /{pattern}/')
	in_suite = False
	for line in log.splitlines():
		if f'# Subtest: {SUITE}' in line:
			in_suite = True
			continue
		m = _RESULT.match(line)
		if not m or not in_suite:
			continue
		status, name, rest = m.groups()
		if name == SUITE:
			in_suite = False
			continue
		if rest.strip() == '# SKIP':
			continue	# a parameterized case: its params say why
		if '# SKIP' not in rest:
			verdict.problems.append(f'{name}: {status}, not skipped')
		elif SKIP_REASON not in rest:
			verdict.problems.append(f'{name}: skipped for another '
						f'reason:{rest}')
		else:
			verdict.skipped += 1
	if not verdict.skipped:
		verdict.problems.append(f'no {SUITE} test was skipped')
	if not re.search(r'^\s*(not )?ok \d+ ' + SUITE + r'\b', log, re.M):
		verdict.problems.append(f'the kernel never finished {SUITE}')
	return verdict


def run(kunit: KunitRun) -> Counts:
	"""Boot with BAD_ARGS (no rebuild) and judge the console."""
	bad = replace(kunit, kernel_args=list(BAD_ARGS), filter_glob=SUITE)
	print(f'zdrace: boot check: {" ".join(BAD_ARGS)}', flush=True)
	bad.invoke('exec', quiet=True)
	build = os.path.abspath(kunit.build_dir or kunit.layout.kunit_build)
	try:
		with open(os.path.join(build, 'test.log'), errors='replace') as f:
			verdict = evaluate(f.read())
	except OSError as e:
		verdict = Verdict([f'no console log: {e.strerror}'])
	for problem in verdict.problems:
		print(f'zdrace: boot check: FAIL: {problem}', flush=True)
	if not verdict.problems:
		print(f'zdrace: boot check: ok: both reported, {verdict.skipped} '
		      f'{SUITE} cases skipped with the reason', flush=True)
	return verdict.counts()
