# SPDX-License-Identifier: GPL-2.0
"""--minimize: the smallest arm list that still fails with the same title.

Each test boots the failure's case for its one seed (zdrace_sched.seeds=1)
with a subset of the job's point:action entries.  The full list is tried
first (a failure that does not come back with one seed is reported as not
reproduced), then nothing armed (a bug that needs no injection), then
Zeller's delta debugging (ddmin) shrinks the list to one where removing
any single entry loses the failure.
"""

from typing import Callable, Dict, List, Optional, Tuple

from zdtool.sweep.job import Runner
from zdtool.sweep.records import JobRecord, Minimized
from zdtool.sweep.spec import Job


def ddmin(items: List[str], fails: Callable[[List[str]], bool]) -> List[str]:
	"""A 1-minimal sublist of @items for which @fails holds (it must hold
	for @items itself)."""
	n = 2
	while len(items) >= 2:
		size = len(items) // n
		chunks = [items[i:i + size] for i in range(0, len(items), size)]
		if len(chunks) > n:	# fold a short tail into the last chunk
			chunks[-2:] = [chunks[-2] + chunks[-1]]
		reduced = False
		for i, chunk in enumerate(chunks):
			if fails(chunk):
				items, n, reduced = chunk, 2, True
				break
			rest = [x for j, c in enumerate(chunks) if j != i for x in c]
			if n > 2 and fails(rest):
				items, n, reduced = rest, max(n - 1, 2), True
				break
		if not reduced:
			if n >= len(items):
				break
			n = min(len(items), n * 2)
	return items


def minimize(rec: JobRecord, runner: Runner,
	     should_stop: Callable[[], bool]) -> Optional[Minimized]:
	"""Shrink @rec's arm list; None if interrupted."""
	seed = rec.seed if rec.fail_seed is None else rec.fail_seed
	seeds = rec.seeds if rec.fail_seed is None else 1
	cache: Dict[Tuple[str, ...], bool] = {}
	stopped = []

	def fails(arm: List[str]) -> bool:
		key = tuple(arm)
		if key not in cache:
			if should_stop():
				stopped.append(True)
				return False
			job = Job(rec.index, rec.case, seed, seeds, list(arm))
			out = runner.run(job, tag=f'min-{rec.index}-{len(cache)}')
			out.cleanup()
			if out.interrupted:
				stopped.append(True)
			cache[key] = out.record.title == rec.title
		return cache[key]

	result = Minimized(rec.title, rec.index, seed, seeds, list(rec.arm))
	if not fails(rec.arm):
		result.arm = list(rec.arm)
	elif fails([]):
		result.reproduced = True
	else:
		result.reproduced = True
		result.arm = ddmin(list(rec.arm), fails)
	result.boots = len(cache)
	return None if stopped else result
