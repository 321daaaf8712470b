# SPDX-License-Identifier: GPL-2.0
"""`make bench`: times that matter to a developer, each against a baseline
measured in the same run on the same machine, so the ratio means something
even when the machine is busy."""

import contextlib
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

from zdtool import ZdError

from zdtool.kernel.runner import KunitRun, build
from zdtool.layout import Layout
from zdtool.kernel.tree import TreeInfo
from zdtool.sweep.spec import SEEDS_PER_BOOT

REPEAT = 3
# How long the load build runs before the loaded timings start.
LOAD_RAMP_S = 10.0


def timed(func: Callable[[], int], ok: Tuple[int, ...] = (0,),
	  repeat: int = REPEAT) -> float:
	"""Median wall time of func(); an exit status not in ok aborts."""
	times = []
	for _ in range(repeat):
		start = time.monotonic()
		rc = func()
		times.append(time.monotonic() - start)
		if rc not in ok:
			raise ZdError(f'benchmarked command exited {rc}')
	return statistics.median(times)


@dataclass
class Row:
	name: str
	value: float
	baseline_name: str
	baseline: float
	unit: str = 's'
	digits: int = 2

	def ratio(self) -> float:
		return self.value / self.baseline if self.baseline else 0.0

	def line(self) -> str:
		d = self.digits
		return (f'bench: {self.name}: {self.value:.{d}f} {self.unit}; '
			f'baseline {self.baseline_name}: {self.baseline:.{d}f} '
			f'{self.unit}; ratio {self.ratio():.{max(d, 2)}f}')


def raw_make(run: KunitRun) -> int:
	build = os.path.abspath(run.build_dir)
	cmd = ['make', 'ARCH=um', f'O={build}', f'-j{run.jobs or 1}']
	return subprocess.run(cmd, cwd=run.tree, stdout=subprocess.DEVNULL,
			      stderr=subprocess.DEVNULL).returncode


def _stamped_build(run: KunitRun) -> int:
	rc, _ = build(run, show=False)
	return rc


@contextlib.contextmanager
def kernel_build_load(run: KunitRun) -> Iterator[None]:
	"""A cold build of the same kernel tree, in a directory of its own,
	running (two jobs) for as long as the block lasts: the load a
	developer's machine has while they compile."""
	with tempfile.TemporaryDirectory(prefix='zdrace-bench-load.') as out:
		cmd = ['make', 'ARCH=um', f'O={out}', '-j2', 'defconfig', 'all']
		proc = subprocess.Popen(cmd, cwd=run.tree,
					stdout=subprocess.DEVNULL,
					stderr=subprocess.DEVNULL,
					start_new_session=True)
		try:
			time.sleep(LOAD_RAMP_S)
			if proc.poll() is not None:
				raise ZdError(f'the load build ({" ".join(cmd)} in '
					      f'{run.tree}) ended at once')
			yield
		finally:
			os.killpg(proc.pid, signal.SIGKILL)
			proc.wait()


def rows(run: KunitRun) -> List[Row]:
	# Make sure the kernel is built before timing no-change rebuilds.
	# A failing suite still times fine; a failed build does not.
	if run.invoke('run', quiet=True) not in (0, 1):
		raise ZdError('kunit.py run failed before benchmarking')
	_stamped_build(run)
	noop = timed(lambda: _stamped_build(run))
	rebuild = timed(lambda: run.invoke('build', quiet=True))
	make_noop = timed(lambda: raw_make(run))
	return [
		Row('nothing-changed build (make\'s stamp check)', noop,
		    'raw make no-op', make_noop),
		Row('no-change rebuild (kunit.py build)', rebuild,
		    'raw make no-op', make_noop),
	] + suite_rows(run)


def suite_rows(run: KunitRun, what: str = '') -> List[Row]:
	"""The suites of the built @run, against a boot with none, and beside
	a kernel build against idle; @what names the kernel ('': the line's
	kernel)."""
	suites = timed(lambda: run.invoke('exec', quiet=True), ok=(0, 1))
	empty = replace(run, filter_glob='zdrace-bench-no-such-suite')
	boot = timed(lambda: empty.invoke('exec', quiet=True), ok=(0, 1))
	print(f'bench: the suites{what} again, beside a cold kernel build',
	      flush=True)
	with kernel_build_load(run):
		loaded = timed(lambda: run.invoke('exec', quiet=True), ok=(0, 1))
	return [
		Row(f'boot + suites{what} (kunit.py exec)', suites,
		    'boot with no suite', boot),
		Row(f'boot + suites{what} beside a kernel build (make -j2)',
		    loaded, 'boot + suites, idle', suites),
	]


def smp_rows(smp: KunitRun) -> List[Row]:
	"""A line's kernel booted with two CPUs (its SMP suites, the
	concurrent sweep): built if stale, then its suite_rows()."""
	if _stamped_build(smp) != 0:
		raise ZdError(f'the line\'s kernel ({smp.build_dir}) failed to '
			      f'build')
	return suite_rows(smp, f' on two CPUs ({smp.filter_glob})')


# Edit one test to its result: this suite's source is touched, then
# rebuilt and run alone.
EDIT_SUITE = 'zone_device_smoke'
SWEEP_SECONDS = 30
_PER_MIN = re.compile(r'^sweep: \d+ jobs .*?, (\d+) interleavings/min$', re.M)


def edit_one_test_row(run: KunitRun, repo: str) -> Row:
	"""Touch one suite's source, then build and run that suite, against
	the same with nothing touched."""
	path = os.path.join(repo, 'kunit-tests', f'{EDIT_SUITE}.c')
	one = replace(run, filter_glob=f'{EDIT_SUITE}.*')

	def edited() -> int:
		os.utime(path)
		return one.invoke('run', quiet=True)

	return Row(f'edit one test to its result ({EDIT_SUITE}.c touched, '
		   'make run FILTER=)', timed(edited, ok=(0, 1)),
		   'the same run, nothing touched',
		   timed(lambda: one.invoke('run', quiet=True), ok=(0, 1)))


def sweep_per_min(repo: str, layout: Layout, kernel_args: Sequence[str],
		  seeds: int, concurrent: bool = False,
		  jobs: Optional[int] = None) -> float:
	"""A SWEEP_SECONDS sweep of the built kernel, @jobs kernels at a time
	(None: the sweep's default): interleavings/min."""
	with tempfile.TemporaryDirectory(prefix='zdrace-bench-sweep.') as out:
		cmd = [sys.executable, os.path.join(repo, 'scripts', 'sweep'),
		       'run', f'--kernel={layout.line}',
		       f'--build-root={layout.build_root}',
		       *(f'--kernel_args={a}' for a in kernel_args),
		       f'--time={SWEEP_SECONDS}s', f'--seeds-per-boot={seeds}',
		       f'--out={os.path.join(out, "sweep")}',
		       *(['--concurrent'] if concurrent else []),
		       *([f'--jobs={jobs}'] if jobs else [])]
		proc = subprocess.run(cmd, stdout=subprocess.PIPE,
				      stderr=subprocess.STDOUT, text=True)
	m = _PER_MIN.search(proc.stdout)
	if proc.returncode not in (0, 1) or not m:
		raise ZdError(f'the benchmark sweep ({" ".join(cmd)}) exited '
			      f'{proc.returncode} without a rate')
	return float(m.group(1))


def sweep_rows(repo: str, layout: Layout, kernel_args: Sequence[str],
	       concurrent: bool = False) -> List[Row]:
	"""The sweep's rate with its default seeds a boot, against one
	interleaving a boot (what a boot costs); with @concurrent (an SMP
	line), the concurrent sweep's rate against that serial one, and
	against one kernel at a time."""
	serial = sweep_per_min(repo, layout, kernel_args, SEEDS_PER_BOOT)
	rows = [Row(f'sweep, {SEEDS_PER_BOOT} seeds a boot', serial,
		    'one seed a boot', sweep_per_min(repo, layout, kernel_args, 1),
		    unit='interleavings/min', digits=0)]
	if concurrent:
		shared = sweep_per_min(repo, layout, kernel_args,
				       SEEDS_PER_BOOT, concurrent=True)
		rows.append(Row(f'concurrent sweep, {SEEDS_PER_BOOT} seeds a boot',
				shared, 'serial sweep', serial,
				unit='interleavings/min', digits=0))
		rows.append(Row('concurrent sweep, kernels sharing the host CPUs '
				'(the default)', shared, 'one kernel at a time '
				'(--jobs 1)',
				sweep_per_min(repo, layout, kernel_args,
					      SEEDS_PER_BOOT, concurrent=True,
					      jobs=1),
				unit='interleavings/min', digits=0))
	return rows


GUP_BENCH_CONFIG = 'configs/bench.config'
TIME_TRAVEL = 'time-travel='
GUP_BENCH_RE = re.compile(r'zdrace-bench: gup_fast_devmap (\d+) ps/op min')
# Unarmed injection points must cost no more than this.
GUP_BENCH_BUDGET = 1.01
# Boots of each benchmark kernel, alternated so that load drifting over
# the run hits both alike.
GUP_BENCH_ROUNDS = 15


def gup_bench_kernel(run: KunitRun, layout: Layout, fi: str,
		     repo: str) -> KunitRun:
	"""Build the microbenchmark kernel with CONFIG_ZDRACE_FI=@fi."""
	build = layout.bench_fi(fi)
	# A time-travel kernel's clock stands still while it computes.
	args = [a for a in run.kernel_args if not a.startswith(TIME_TRAVEL)]
	bench = replace(run, configs=[os.path.join(repo, GUP_BENCH_CONFIG)],
			build_dir=build, filter_glob='zdrace_gup_bench',
			kconfig_add=[f'CONFIG_ZDRACE_FI={fi}'], kernel_args=args)
	print(f'bench: building the gup-fast benchmark, CONFIG_ZDRACE_FI={fi}',
	      flush=True)
	if bench.invoke('build', quiet=True) != 0:
		raise ZdError(f'gup-fast benchmark build ({build}) failed')
	return bench


def gup_fast_ps(bench: KunitRun) -> float:
	"""Boot @bench once: its fastest batch, in ps per gup-fast call."""
	bench.invoke('exec', quiet=True)
	log = bench.console_log
	with open(log, errors='replace') as f:
		m = GUP_BENCH_RE.search(f.read())
	if not m:
		raise ZdError(f'{log}: no gup-fast figure')
	return float(m.group(1))


def gup_fast_row(run: KunitRun, layout: Layout, repo: str,
		 rounds: int = GUP_BENCH_ROUNDS) -> Row:
	"""Unarmed points compiled in, against the same kernel without them:
	the fastest batch over @rounds alternated boots of each."""
	off_kernel = gup_bench_kernel(run, layout, 'n', repo)
	on_kernel = gup_bench_kernel(run, layout, 'y', repo)
	off: List[float] = []
	on: List[float] = []
	for i in range(rounds):
		off.append(gup_fast_ps(off_kernel))
		on.append(gup_fast_ps(on_kernel))
		print(f'bench: gup-fast round {i + 1}/{rounds}: compiled out '
		      f'{off[-1]:.0f} ps, compiled in {on[-1]:.0f} ps', flush=True)
	return Row('gup-fast devmap call, points compiled in and unarmed',
		   min(on), 'points compiled out', min(off), unit='ps', digits=3)


def run(kunit: KunitRun, layout: Layout, info: TreeInfo,
	extra: Sequence[Callable[[], List[Row]]] = (),
	repo: str = '.') -> int:
	"""@extra: more rows, each group timed when its turn comes."""
	print(info.banner(), flush=True)
	print(f'bench: median of {REPEAT} runs each', flush=True)
	for row in rows(kunit):
		print(row.line(), flush=True)
	for make_rows in extra:
		for row in make_rows():
			print(row.line(), flush=True)
	row = gup_fast_row(kunit, layout, repo)
	print(row.line(), flush=True)
	verdict = 'within' if row.ratio() <= GUP_BENCH_BUDGET else 'OVER'
	print(f'bench: unarmed injection points: {verdict} the '
	      f'{GUP_BENCH_BUDGET - 1:.0%} budget', flush=True)
	return 0
