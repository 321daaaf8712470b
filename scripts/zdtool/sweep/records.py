# SPDX-License-Identifier: GPL-2.0
"""What a sweep writes down: its header, one record per job, minimized arm
lists (the journal's lines), and the summary its reports are made from.

Each journaled record converts to and from the JSON object of its
journal line; the keys are those of journal format FORMAT.
"""

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, List, Optional, Tuple, Type, TypeVar

from zdtool.sweep.spec import Spec

FORMAT = 2
FAILING = ('FAIL', 'ERROR')

T = TypeVar('T')


def _known(cls: Type[T], d: Dict[str, Any]) -> T:
	"""@cls from the keys of @d it has a field for."""
	names = {f.name for f in fields(cls)}
	return cls(**{k: v for k, v in d.items() if k in names})


@dataclass
class KernelInfo:
	"""The kernel binary a sweep boots, and the tree it was built from."""
	sha256: str
	version: str = 'unknown'
	series: str = 'unknown'
	patches: int = 0


@dataclass
class Settings:
	"""How the jobs of a sweep are run; not part of the job list."""
	linux: str
	line: str
	build_root: str
	extra: List[str]
	timeout: float
	runs: Optional[int]
	time: Optional[float]
	# `make` variables that built the kernel (KERNEL_SRC=, CONFIGS=):
	# each failure's make line sets them again.
	make_vars: List[List[str]] = field(default_factory=list)


@dataclass
class Header:
	"""The journal's first line."""
	id: str
	created: float
	spec: Spec
	kernel: KernelInfo
	settings: Settings

	def to_json(self) -> Dict[str, Any]:
		return {'type': 'sweep', 'format': FORMAT, 'id': self.id,
			'created': self.created, 'spec': self.spec.to_dict(),
			'kernel': asdict(self.kernel),
			'settings': asdict(self.settings)}

	@staticmethod
	def from_json(d: Dict[str, Any]) -> 'Header':
		return Header(d['id'], float(d['created']),
			      Spec.from_dict(d['spec']),
			      _known(KernelInfo, d['kernel']),
			      _known(Settings, d['settings']))


@dataclass
class PointStat:
	"""An armed point's counters, from the suite's exit lines."""
	point: str
	action: str
	hits: int
	fired: int


@dataclass
class JobRecord:
	"""A finished job."""
	index: int
	case: str
	seed: int
	seeds: int
	arm: List[str]
	kind: str
	title: str
	status: str
	start: float
	duration: float
	rc: Optional[int] = None
	fail_seed: Optional[int] = None
	trace: List[str] = field(default_factory=list)
	repro: str = ''
	excerpt: str = ''
	reports: List[str] = field(default_factory=list)
	note: str = ''
	interleavings: int = 0
	points: List[PointStat] = field(default_factory=list)
	log: str = ''
	overlaps: Dict[str, int] = field(default_factory=dict)
	part: int = 0		# see Job.part
	stopped: bool = False	# the kernel stopped at fail_seed, before the block's end

	@property
	def failing(self) -> bool:
		return self.status in FAILING

	def rest(self) -> Optional[Tuple[int, int]]:
		"""(first seed, seeds) of the block left after the seed the
		kernel stopped at, if any: a crash or hang in seed k loses none
		of the seeds before it and skips only k."""
		if not self.stopped or self.fail_seed is None:
			return None
		first, end = self.fail_seed + 1, self.seed + self.seeds
		return (first, end - first) if first < end else None

	def first_seed(self) -> str:
		"""The failing seed, or the block of seeds the job ran."""
		if self.fail_seed is not None:
			return f'seed {self.fail_seed}'
		return f'seeds {self.seed}-{self.seed + self.seeds - 1}'

	def to_json(self) -> Dict[str, Any]:
		return dict(asdict(self), type='job')

	@staticmethod
	def from_json(d: Dict[str, Any]) -> 'JobRecord':
		rec = _known(JobRecord, d)
		rec.points = [_known(PointStat, p) if isinstance(p, dict) else p
			      for p in rec.points]
		return rec


@dataclass
class Minimized:
	"""A failure's smallest arm list (--minimize)."""
	title: str
	job: int
	seed: int
	seeds: int
	start_arm: List[str]		# the job's arm list it started from
	reproduced: bool = False
	arm: List[str] = field(default_factory=list)
	boots: int = 0

	def to_json(self) -> Dict[str, Any]:
		d = asdict(self)
		d['from'] = d.pop('start_arm')
		return dict(d, type='minimized')

	@staticmethod
	def from_json(d: Dict[str, Any]) -> 'Minimized':
		return _known(Minimized, dict(d, start_arm=d.get('from', [])))


@dataclass
class Replayed:
	"""A concurrent failure booted again and again, its failing seed
	alone and its job's seed block: the hit rates."""
	title: str
	job: int
	seed: int
	runs: int
	hits: int			# runs that failed with the same title
	block_seed: int = 0
	block_seeds: int = 0
	block_runs: int = 0
	block_hits: int = 0

	def to_json(self) -> Dict[str, Any]:
		return dict(asdict(self), type='replayed')

	@staticmethod
	def from_json(d: Dict[str, Any]) -> 'Replayed':
		return _known(Replayed, d)

	def text(self) -> str:
		last = self.block_seed + self.block_seeds - 1
		alone = f'seed {self.seed} alone {self.hits} of {self.runs} ' \
			'boots, ' if self.runs else ''
		return (f'hit rate: {alone}seeds {self.block_seed}-{last} '
			f'{self.block_hits} of {self.block_runs} (concurrent: '
			'replay is statistical)')


@dataclass
class Failure:
	"""The jobs that failed with one title."""
	title: str
	kind: str
	status: str
	count: int
	first: JobRecord		# the lowest-numbered job that hit it
	cases: List[str]
	repro: str
	make: str
	minimized: Optional[Minimized] = None
	replayed: Optional[Replayed] = None


@dataclass
class PointRow:
	"""One injection point over a sweep."""
	point: str
	actions: List[str] = field(default_factory=list)
	jobs: int = 0
	hit_jobs: int = 0
	hits: int = 0
	fired: int = 0

	@property
	def hit(self) -> bool:
		return self.hit_jobs > 0


@dataclass
class Trend:
	"""Failure titles against a previous night's."""
	new: List[str]
	still: List[str]
	fixed: List[str]


@dataclass
class Summary:
	headers: List[Header]
	jobs: List[Tuple[JobRecord, int]]	# (record, header number)
	failures: List[Failure] = field(default_factory=list)
	points: List[PointRow] = field(default_factory=list)
	kinds: Dict[str, int] = field(default_factory=dict)
	interleavings: int = 0
	elapsed: float = 0.0
	per_min: float = 0.0
	trend: Optional[Trend] = None
	shards: List[str] = field(default_factory=list)
	# windows of two actors that overlapped, summed over the jobs
	overlaps: Dict[str, int] = field(default_factory=dict)
