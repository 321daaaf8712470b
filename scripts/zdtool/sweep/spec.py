# SPDX-License-Identifier: GPL-2.0
"""The fault-injection sweep's job matrix.

The injection points, what each accepts, and the scenarios (the cases of
the KUnit suite zdrace_sweep) are what the kernel lists (sweep.listing).
A job is one boot: one scenario, one seed
block of seeds_per_boot seeds, and an arm list of point:action entries.
Job number j is a pure function of the settings, so shards, resumed runs
and merges agree on what job j was:

	cell  = j % (scenarios x point:action pairs)	scenario varies fastest
	block = j // cells				seeds seed + block * K ...

A concurrent sweep (SMP kernels) runs every job's actors at once on
different CPUs (zdrace_sweep.concurrent=1); a seed then picks CPUs and
holds as well, and replays only statistically.
"""

import random
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from zdtool import bad_input
from zdtool.sweep import SUITE
from zdtool.sweep.listing import KernelList

# Interleavings a boot: the boot is amortized over them (6.12: 14,722
# interleavings/min at 64, 27,375 at 256), and a crash costs none of the
# seeds before it (JobRecord.rest()).
SEEDS_PER_BOOT = 256
DEFAULT_ACTIONS = ['delay=200', 'yield', 'fail']

# The teardown points past memunmap_pages()' wait: a concurrent job holds
# its teardown at the first of them that stays unarmed until gup-fast's
# walkers let go, so it never arms both.
AFTER_WAIT = ('memunmap_after_wait', 'memunmap_before_unmap')

# point:action pairs the default matrix leaves out, with the reason.  They
# run only with --with-excluded.
EXCLUDED: Dict[str, str] = {
	'page_init_before_tryget:fail':
		'a failed pgmap tryget in zone_device_page_init() trips its own '
		'WARN_ON_ONCE by design: an expected outcome, not a bug',
	**{f'fault_around_after_load:{action}':
	   'no scenario faults a file mapping: the actors run without a '
	   'user mm, so fault-around never passes the point'
	   for action in ('delay=200', 'fail')},
	**{f'{point}:{action}':
	   'no scenario cuts a file of the DAX filesystem: the scenarios run '
	   'on the device fixture; zdrace_dax_fs.cut_races_pin orders its '
	   'races at the point'
	   for point in ('dax_busy_after_unmap', 'dax_busy_after_walk')
	   for action in ('delay=200', 'yield')},
}


def parse_action(text: str, max_delay_us: int) -> str:
	"""One action of --actions, normalised (delay=0200 -> delay=200)."""
	text = text.strip()
	if text in ('yield', 'fail'):
		return text
	m = re.fullmatch(r'delay=(\d+)', text)
	if not m:
		raise bad_input(f'--actions: {text or "(empty)"}: unknown action '
				 '(delay=<us>, yield or fail)')
	us = int(m.group(1))
	if not 1 <= us <= max_delay_us:
		raise bad_input(f'--actions: {text}: delay must be 1 to '
				f'{max_delay_us} us')
	return f'delay={us}'


def _pick(what: str, given: List[str], known: List[str]) -> List[str]:
	out: List[str] = []
	for name in given:
		if name not in known:
			raise bad_input(f'--{what}: {name}: unknown (known: '
					 f'{", ".join(known)})')
		if name not in out:
			out.append(name)
	return out


@dataclass
class Job:
	index: int
	case: str
	seed: int
	seeds: int
	arm: List[str]
	concurrent: bool = False
	part: int = 0		# n: the rest of the block after n stopped boots

	@property
	def cell(self) -> str:
		return f'{self.case} {",".join(self.arm) or "(nothing armed)"}'


@dataclass
class Spec:
	"""Everything that fixes the job list; stored in the journal."""
	cases: List[str]
	pairs: List[str]		# the matrix's point:action entries
	pool: Dict[str, List[str]] = field(default_factory=dict)
	seed: int = 1
	seeds_per_boot: int = SEEDS_PER_BOOT
	points_per_job: int = 1
	shard: Tuple[int, int] = (1, 1)
	concurrent: bool = False
	# Cases whose jobs a concurrent sweep boots with no other kernel
	# running (the kernel lists them: zdrace_sweep.list=1); None in a
	# sweep begun before kernels listed them, whose kernels never share
	# the host CPUs.
	alone: Optional[List[str]] = None

	@property
	def cells(self) -> int:
		return len(self.cases) * len(self.pairs)

	def job(self, index: int) -> Job:
		cell, block = index % self.cells, index // self.cells
		case = self.cases[cell % len(self.cases)]
		primary = self.pairs[cell // len(self.cases)]
		arm = [primary] + self._extras(index, primary.split(':')[0])
		return Job(index, case, self.seed + block * self.seeds_per_boot,
			   self.seeds_per_boot, arm, self.concurrent)

	def _extras(self, index: int, primary: str) -> List[str]:
		"""points_per_job - 1 further points, each with one of its
		actions, drawn from the job number alone; a concurrent job's
		never include a second of AFTER_WAIT."""
		others = [p for p in self.pool if p != primary]
		if self.points_per_job <= 1 or not others:
			return []
		rng = random.Random(f'{self.seed}/{index}')
		want = min(len(others), self.points_per_job - 1)
		if self.concurrent:
			chosen: List[str] = []
			past_wait = primary in AFTER_WAIT
			for p in rng.sample(others, len(others)):
				if p in AFTER_WAIT and past_wait:
					continue
				past_wait = past_wait or p in AFTER_WAIT
				chosen.append(p)
				if len(chosen) == want:
					break
		else:
			chosen = rng.sample(others, want)
		order = list(self.pool)
		return [f'{p}:{rng.choice(self.pool[p])}'
			for p in sorted(chosen, key=order.index)]

	def indices(self, runs: Optional[int],
		    done: Set[int]) -> Iterator[int]:
		"""This shard's job numbers in order, below @runs if given."""
		i, n = self.shard
		j = i - 1
		while runs is None or j < runs:
			if j not in done:
				yield j
			j += n

	def to_dict(self) -> Dict[str, Any]:
		return {'cases': self.cases, 'pairs': self.pairs,
			'pool': [[p, a] for p, a in self.pool.items()],
			'seed': self.seed,
			'seeds_per_boot': self.seeds_per_boot,
			'points_per_job': self.points_per_job,
			'shard': list(self.shard), 'concurrent': self.concurrent,
			'alone': self.alone}

	@staticmethod
	def from_dict(d: Dict[str, Any]) -> 'Spec':
		return Spec(list(d['cases']), list(d['pairs']),
			    {p: list(a) for p, a in d['pool']},
			    int(d['seed']), int(d['seeds_per_boot']),
			    int(d['points_per_job']),
			    (int(d['shard'][0]), int(d['shard'][1])),
			    bool(d.get('concurrent', False)),
			    None if d.get('alone') is None else list(d['alone']))


def build_spec(kernel: KernelList, cases: Optional[List[str]] = None,
	       points: Optional[List[str]] = None,
	       actions: Optional[List[str]] = None,
	       with_excluded: bool = False, **settings: Any) -> Spec:
	"""The matrix for the kernel that listed @kernel; bad names raise."""
	by_name = {p.name: p for p in kernel.points}
	picked_cases = _pick('scenarios', cases, kernel.cases) if cases \
		else list(kernel.cases)
	names = list(by_name)
	if points:
		picked = _pick('points', points, names)
		names = [n for n in names if n in picked]
	acts = [parse_action(a, kernel.limits.max_delay_us)
		for a in (actions or DEFAULT_ACTIONS)]
	acts = list(dict.fromkeys(acts))
	pairs = []
	pool: Dict[str, List[str]] = {}
	for action in acts:
		for name in names:
			pair = f'{name}:{action}'
			if by_name[name].refuses(action):
				continue
			if pair in EXCLUDED and not with_excluded:
				continue
			pairs.append(pair)
			pool.setdefault(name, []).append(action)
	if not pairs:
		raise bad_input(f'--actions: {",".join(acts)}: no point of '
				f'{",".join(names)} accepts any of them')
	pool = {n: pool[n] for n in names if n in pool}
	spec = Spec(picked_cases, pairs, pool, **settings)
	spec.alone = [c for c in picked_cases if c in kernel.alone] \
		if spec.concurrent else []
	limits = kernel.limits
	if spec.seeds_per_boot > limits.max_seeds:
		raise bad_input(f'--seeds-per-boot: {spec.seeds_per_boot}: at '
				f'most {limits.max_seeds}')
	if spec.points_per_job > limits.max_boot_points:
		raise bad_input(f'--points-per-job: {spec.points_per_job}: at '
				f'most {limits.max_boot_points}')
	if spec.concurrent and limits.cpus < 2:
		raise bad_input(f'--concurrent: the kernel brought up {limits.cpus} '
				'CPU; concurrent schedules need 2 or more (an SMP '
				'line: KERNEL=7.3)')
	return spec


def parse_duration(text: str) -> float:
	"""Seconds from 90, 90s, 2m, 8h or 1h30m."""
	parts = re.findall(r'(\d+(?:\.\d+)?)([smh]?)', text.strip())
	if not text.strip() or ''.join(a + b for a, b in parts) != \
			text.strip():
		raise bad_input(f'--time: {text}: not a duration (e.g. 90s, '
				 '2m, 8h)')
	scale = {'': 1, 's': 1, 'm': 60, 'h': 3600}
	total = sum(float(a) * scale[b] for a, b in parts)
	if total <= 0:
		raise bad_input(f'--time: {text}: must be more than 0')
	return total


def parse_shard(text: str) -> Tuple[int, int]:
	"""i/N, 1 <= i <= N: this machine runs jobs j with j % N == i - 1."""
	m = re.fullmatch(r'(\d+)/(\d+)', text.strip())
	if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
		raise bad_input(f'--shard: {text}: expected i/N with 1 <= i <= N '
				 '(e.g. 2/4)')
	return int(m.group(1)), int(m.group(2))
