# SPDX-License-Identifier: GPL-2.0
"""What the kernel under test offers the sweep, read from the kernel.

One short boot of the built kernel lists both:

	kunit.action=list	kunit prints `<suite>.<case>` per test; those
				of zdrace_sweep are the scenarios
	zdrace_fi.list=1	zdrace_fi prints, once, its limits and points:

	zdrace_fi: limits max_delay_us=<n> max_boot_points=<n> max_seeds=<n>
	zdrace_fi: point <name> file=<path> flags=<f,..|none> accepts=<a,..|none>
	zdrace_fi: window <name> <text>

	zdrace_sweep.list=1	the scenarios a concurrent sweep boots alone:

	zdrace_sweep: scenario <case> alone

(after printk's timestamp, if any), and the CPUs the kernel brought up,
which concurrent schedules need two of.  `accepts` names the actions the
point takes with unbounded times (delay, yield, fail), plus fail-bounded
when it takes fail only with bounded times.  The result is cached beside
the build, keyed by the kernel binary's size and mtime.
"""

import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from zdtool import ZdError, write_atomic
from zdtool.kernel.compare import cpus_in_text
from zdtool.sweep import SUITE
from zdtool.sweep.boot import BOOT_ARGS, Procs, boot
from zdtool.sweep.title import clean_lines

LIST_ARGS = ['kunit.action=list', f'kunit.filter_glob={SUITE}.*',
	     'zdrace_fi.list=1', f'{SUITE}.list=1']
TIMEOUT = 60.0

_LIMITS = re.compile(r'^zdrace_fi: limits max_delay_us=(\d+) '
		     r'max_boot_points=(\d+) max_seeds=(\d+)\s*$')
_POINT = re.compile(r'^zdrace_fi: point (\w+) file=(\S+) flags=(\S+) '
		    r'accepts=(\S+)\s*$')
_WINDOW = re.compile(r'^zdrace_fi: window (\w+) (.*?)\s*$')
_CASE = re.compile(rf'^\s*{SUITE}\.(\w+)\s*$')
_ALONE = re.compile(rf'^{SUITE}: scenario (\w+) alone\s*$')


@dataclass(frozen=True)
class Point:
	name: str
	file: str
	flags: Tuple[str, ...]		# atomic, can_fail, retries
	accepts: Tuple[str, ...]	# delay, yield, fail, fail-bounded
	window: str = ''

	def refuses(self, action: str) -> Optional[str]:
		"""Why the kernel would not arm @action here, or None.  The
		sweep arms with bounded times, so fail-bounded takes fail."""
		kind = action.split('=', 1)[0]
		if kind in self.accepts or \
				kind == 'fail' and 'fail-bounded' in self.accepts:
			return None
		if not self.accepts:
			return 'the point has no window on this kernel line'
		return f'the point accepts only {", ".join(self.accepts)}'


@dataclass
class Limits:
	max_delay_us: int
	max_boot_points: int
	max_seeds: int
	cpus: int = 1


@dataclass
class KernelList:
	"""The scenarios, points and limits of one kernel binary."""
	cases: List[str]
	points: List[Point]
	limits: Limits
	key: Dict[str, Any] = field(default_factory=dict)
	alone: List[str] = field(default_factory=list)	# of cases

	def to_json(self) -> Dict[str, Any]:
		return asdict(self)

	@staticmethod
	def from_json(d: Dict[str, Any]) -> 'KernelList':
		return KernelList(list(d['cases']),
				  [Point(p['name'], p['file'], tuple(p['flags']),
					 tuple(p['accepts']), p['window'])
				   for p in d['points']],
				  Limits(**d['limits']), dict(d['key']),
				  list(d.get('alone', [])))


def parse(text: str, where: str = 'the listing boot') -> KernelList:
	"""The listing boot's console."""
	cases: List[str] = []
	alone: List[str] = []
	points: Dict[str, Point] = {}
	windows: Dict[str, str] = {}
	limits: Optional[Limits] = None
	for line in clean_lines(text):
		m = _LIMITS.match(line)
		if m:
			limits = Limits(*(int(x) for x in m.groups()))
		m = _POINT.match(line)
		if m:
			name, file, flags, accepts = m.groups()
			points[name] = Point(name, file, tuple(
				f for f in flags.split(',') if f != 'none'),
				tuple(a for a in accepts.split(',') if a != 'none'))
		m = _WINDOW.match(line)
		if m:
			windows[m.group(1)] = m.group(2)
		m = _CASE.match(line)
		if m and m.group(1) not in cases:
			cases.append(m.group(1))
		m = _ALONE.match(line)
		if m and m.group(1) not in alone:
			alone.append(m.group(1))
	if limits is None or not points:
		raise ZdError(f'{where}: no `zdrace_fi: limits` or `point` lines '
			      '(a kernel without zdrace_fi.list=?)')
	if not cases:
		raise ZdError(f'{where}: no {SUITE}.<case> listed (a kernel '
			      f'built without the {SUITE} suite?)')
	limits.cpus = cpus_in_text(text)
	return KernelList(cases, [Point(p.name, p.file, p.flags, p.accepts,
					windows.get(p.name, ''))
				  for p in points.values()], limits,
			  alone=[c for c in alone if c in cases])


def _key(linux: str) -> Dict[str, Any]:
	"""The binary, and what the listing boot asks it: a cache of other
	arguments (an older sweep's) is listed again."""
	st = os.stat(linux)
	return {'linux': os.path.abspath(linux), 'size': st.st_size,
		'mtime_ns': st.st_mtime_ns, 'args': LIST_ARGS}


def read(linux: str, boot_args: List[str], cache: str) -> KernelList:
	"""@linux's listing, from @cache when it is of this binary."""
	key = _key(linux)
	try:
		with open(cache) as f:
			cached = KernelList.from_json(json.load(f))
		if cached.key == key:
			return cached
	except (OSError, ValueError, KeyError, TypeError):
		pass
	os.makedirs(os.path.dirname(cache), exist_ok=True)
	work = tempfile.mkdtemp(prefix='kernel-list.', dir=os.path.dirname(cache))
	try:
		log = os.path.join(work, 'console.log')
		uml_dir = os.path.join(work, 'uml')
		cmd = [linux] + BOOT_ARGS + LIST_ARGS + boot_args + \
			[f'uml_dir={uml_dir}', 'umid=kernel-list']
		b = boot(cmd, work, log, TIMEOUT, Procs())
		with open(log, errors='replace') as f:
			text = f.read()
		if b.rc is None:
			raise ZdError(f'{linux}: the listing boot ({" ".join(cmd[1:])}'
				      f') did not finish in {TIMEOUT:.0f} s')
		listing = parse(text, f'{linux} {" ".join(LIST_ARGS)}')
	finally:
		shutil.rmtree(work, ignore_errors=True)
	listing.key = key
	write_atomic(cache, json.dumps(listing.to_json(), indent=1))
	return listing
