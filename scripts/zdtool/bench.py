# SPDX-License-Identifier: GPL-2.0
"""`make bench`: times that matter to a developer, each against a baseline
measured in the same run on the same machine, so the ratio means something
even when the machine is busy."""

import os
import statistics
import subprocess
import time
from dataclasses import dataclass, replace
from typing import Callable, List, Tuple

from zdtool import ZdError

from zdtool.runner import KunitRun
from zdtool.tree import TreeInfo

REPEAT = 3


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

	def line(self) -> str:
		ratio = self.value / self.baseline if self.baseline else 0.0
		return (f'bench: {self.name}: {self.value:.2f} s; baseline '
			f'{self.baseline_name}: {self.baseline:.2f} s; ratio '
			f'{ratio:.2f}')


def raw_make(run: KunitRun) -> int:
	build = os.path.abspath(run.build_dir or run.layout.kunit_build)
	cmd = ['make', 'ARCH=um', f'O={build}', f'-j{run.jobs or 1}']
	return subprocess.run(cmd, cwd=run.layout.tree, stdout=subprocess.DEVNULL,
			      stderr=subprocess.DEVNULL).returncode


def rows(run: KunitRun) -> List[Row]:
	# Make sure the kernel is built before timing no-change rebuilds.
	# A failing suite still times fine; a failed build does not.
	if run.invoke('run', quiet=True) not in (0, 1):
		raise ZdError('kunit.py run failed before benchmarking')
	rebuild = timed(lambda: run.invoke('build', quiet=True))
	make_noop = timed(lambda: raw_make(run))
	suites = timed(lambda: run.invoke('exec', quiet=True), ok=(0, 1))
	empty = replace(run, filter_glob='zdrace-bench-no-such-suite')
	boot = timed(lambda: empty.invoke('exec', quiet=True), ok=(0, 1))
	return [
		Row('no-change rebuild (kunit.py build)', rebuild,
		    'raw make no-op', make_noop),
		Row('boot + suites (kunit.py exec)', suites,
		    'boot with no suite', boot),
	]


def run(kunit: KunitRun, info: TreeInfo) -> int:
	print(info.banner(), flush=True)
	print(f'bench: median of {REPEAT} runs each', flush=True)
	for row in rows(kunit):
		print(row.line(), flush=True)
	return 0
