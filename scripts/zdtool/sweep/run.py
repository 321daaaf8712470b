# SPDX-License-Identifier: GPL-2.0
"""Run a sweep: --jobs kernels at a time, results journaled as they come.

Worker threads take the next job number of this shard (in order, skipping
the ones the journal already holds) until the --runs or --time bound, boot
it and hand the outcome to the main thread, which alone keeps or drops the
console log, journals the record (fsync) and updates the progress.  A
boot that stopped in seed k (a crash, a hang) has its seeds before k
and the failure of k journaled; the rest of its block is booted next
(journal.rest_job()), by this run or by the resume of an interrupted
one.  SIGINT or SIGTERM stop the launching, kill the running kernels
(their results are not journaled, so a resume runs them again), write
the outputs and exit 128 + the signal number.

In a concurrent sweep a job of a scenario the kernel lists as alone
(Spec.alone: windows a few instructions wide, actors that never sleep)
boots with no other kernel running: it waits for the running ones to end,
and no other starts until it ends (Slots).

A concurrent sweep's failures replay only statistically: each failure's
first failing seed is booted --replays times more alone, and its job's
whole seed block as many times (a race may need the seeds before it, or
just more tries); the journal keeps how many of each failed the same way
(the hit rates).
"""

import collections
import os
import queue
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any, Dict, Iterator, List, Optional, Tuple

from zdtool import DEFAULT_KERNEL_ARGS, bad_input
from zdtool.kernel import console as ktap_console
from zdtool.sweep import journal, minimize, report
from zdtool.sweep.job import Outcome, Runner
from zdtool.sweep.journal import Journal, State
from zdtool.sweep.progress import Progress
from zdtool.sweep.records import JobRecord, Replayed, Summary
from zdtool.sweep.spec import Job, Spec

LOGS_PER_TITLE = 3	# console logs kept per failure title (+ its first)


@dataclass
class RunConfig:
	out: str
	runner: Runner
	jobs: int
	runs: Optional[int]
	budget: Optional[float]		# seconds of launching left
	keep_logs: bool = False
	minimize: bool = False
	previous: Optional[str] = None
	replays: int = 0		# concurrent sweeps: boots per failure


class Slots:
	"""The host's CPUs among the running kernels: any number share
	them, or one runs alone.  An alone job waiting holds off new ones,
	so that it gets its turn."""

	def __init__(self, stopping: threading.Event) -> None:
		self.cond = threading.Condition()
		self.stopping = stopping
		self.running = 0
		self.alone = False		# the running job is alone
		self.waiting = 0		# alone jobs waiting for their turn

	def enter(self, alone: bool) -> bool:
		"""Wait for a slot; False if the sweep stops meanwhile."""
		with self.cond:
			self.waiting += alone
			try:
				while not self.stopping.is_set():
					if not self.alone and (
						self.running == 0 if alone
						else not self.waiting):
						self.running += 1
						self.alone = alone
						return True
					self.cond.wait(0.2)
				return False
			finally:
				self.waiting -= alone

	def leave(self) -> None:
		with self.cond:
			self.running -= 1
			self.alone = False
			self.cond.notify_all()


# Skip reasons that mean the boot lacked what every job needs: the
# sweep's setup is wrong, not a job, and no job can run.
SETUP_SKIPS = (ktap_console.NO_WINDOW,)


class Sweep:

	def __init__(self, cfg: RunConfig, spec: Spec, state: State,
		     journal: Journal, progress: Optional[Progress] = None) -> None:
		self.cfg, self.spec, self.journal = cfg, spec, journal
		self.procs = cfg.runner.procs
		self.done = set(state.jobs)
		self.rests = collections.deque(state.rests_due())
		self.indices: Iterator[int] = spec.indices(cfg.runs, self.done)
		self.deadline = None if cfg.budget is None else \
			time.monotonic() + cfg.budget
		self.lock = threading.Lock()
		self.slots = Slots(self.procs.stopping)
		self.results: 'queue.Queue[Tuple[str, Any]]' = queue.Queue()
		self.signum = 0
		self.fatal = ''
		self.kept: Dict[str, int] = {}
		self.first: Dict[str, int] = {}
		for rec in state.jobs.values():
			self._count(rec)
		total = None
		if cfg.runs is not None:
			i, n = spec.shard
			total = len(range(i - 1, cfg.runs, n))
		self.progress = progress or Progress(total, self.deadline,
						     len(self.done))
		self.progress.failures = sum(1 for r in state.jobs.values()
					     if r.failing)

	def _count(self, rec: JobRecord) -> None:
		if not rec.failing:
			return
		t = rec.title
		self.first[t] = min(self.first.get(t, rec.index), rec.index)
		if rec.log:
			self.kept[t] = self.kept.get(t, 0) + 1

	def _past_deadline(self) -> bool:
		"""--time has passed: no job is started any more."""
		return self.deadline is not None and \
			time.monotonic() >= self.deadline

	def _next(self) -> Optional[Job]:
		with self.lock:
			if self.procs.stopping.is_set() or self.fatal:
				return None
			if self._past_deadline():
				return None
			if self.rests:
				return self.rests.popleft()
			j = next(self.indices, None)
			return None if j is None else self.spec.job(j)

	def _alone(self, job: Job) -> bool:
		return self.spec.concurrent and job.case in (self.spec.alone or [])

	def _worker(self) -> None:
		while True:
			job = self._next()
			if job is None:
				return
			if not self.slots.enter(self._alone(job)):
				return
			# It may have waited past the time bound for its slot.
			if self._past_deadline():
				self.slots.leave()
				return
			try:
				self.results.put(('job', self.cfg.runner.run(job)))
			except OSError as e:
				self.results.put(('error', f'{self.cfg.runner.linux}: '
						  f'{e.strerror or e}'))
				return
			finally:
				self.slots.leave()

	def _keep_log(self, out: Outcome) -> None:
		rec = out.record
		t = rec.title
		if not (self.cfg.keep_logs or rec.failing and (
				self.kept.get(t, 0) < LOGS_PER_TITLE or
				rec.index < self.first.get(t, rec.index + 1))):
			return
		name = f'logs/job-{rec.index:06d}.log'
		os.replace(out.log, os.path.join(self.cfg.out, name))
		rec.log = name

	def _handle(self, out: Outcome) -> None:
		rec = out.record
		# Not finished, or killed by whatever stops us (systemd signals
		# the kernels too, which UML takes as an exit): a resume reruns it.
		if out.interrupted or self.procs.stopping.is_set() and \
				rec.kind in ('crash', 'exit'):
			out.cleanup()
			return
		if out.no_tests:
			self.fatal = self.fatal or (
				f'{self.cfg.runner.linux}: no test '
				f'{rec.title.split()[2]} in this kernel (built without '
				'the zdrace_sweep suite, or older than its source?)')
			out.cleanup()
			return
		if rec.kind == 'skip' and rec.note.startswith(SETUP_SKIPS):
			self.fatal = self.fatal or (
				f'job {rec.index} skipped: {rec.note}: the kernel '
				'booted without what every job needs (make sweep '
				'boots with KERNEL_ARGS, default '
				f'{" ".join(DEFAULT_KERNEL_ARGS)})')
			out.cleanup()
			return
		new = rec.failing and rec.title not in self.first
		self._keep_log(out)
		self.journal.append(rec.to_json())
		self.done.add(rec.index)
		self._count(rec)
		out.cleanup()
		if new:
			self.progress.say(f'sweep: new failure: {rec.title} (job '
					  f'{rec.index}, {rec.first_seed()})')
		rest = journal.rest_job(rec, self.spec.concurrent)
		if rest:
			with self.lock:
				self.rests.append(rest)
			left = f'seed {rest.seed} goes' if rest.seeds == 1 else \
				f'seeds {rest.seed}-{rest.seed + rest.seeds - 1} go'
			self.progress.say(f'sweep: job {rec.index} stopped in seed '
					  f'{rec.fail_seed}; {left} on in another '
					  'boot')
		self.progress.job(rec.interleavings, rec.failing)

	def _on_signal(self, signum: int, frame: Optional[FrameType]) -> None:
		self.signum = self.signum or signum
		self.procs.kill_all()

	def run(self) -> int:
		workroot = self.cfg.runner.workroot
		shutil.rmtree(workroot, ignore_errors=True)
		os.makedirs(workroot)
		os.makedirs(os.path.join(self.cfg.out, 'logs'), exist_ok=True)
		old = {s: signal.signal(s, self._on_signal)
		       for s in (signal.SIGINT, signal.SIGTERM)}
		try:
			self.journal.append({'type': 'session', 'pid': os.getpid()})
			self._launch()
			if self.cfg.minimize and not (self.signum or self.fatal):
				self._minimize()
			if self.spec.concurrent and self.cfg.replays and \
					not (self.signum or self.fatal):
				self._replay()
		finally:
			self.progress.finish()
			for s, h in old.items():
				signal.signal(s, h)
			shutil.rmtree(workroot, ignore_errors=True)
		return self._finish()

	def _launch(self) -> None:
		# Again while the last boots left rests of their blocks.
		while self._launch_round() and self.rests:
			pass

	def _launch_round(self) -> bool:
		"""Run workers until they find no job; whether one was run."""
		threads = [threading.Thread(target=self._worker, daemon=True)
			   for _ in range(max(1, self.cfg.jobs))]
		ran = False
		for t in threads:
			t.start()
		while any(t.is_alive() for t in threads) or \
				not self.results.empty():
			try:
				kind, item = self.results.get(timeout=0.2)
			except queue.Empty:
				self.progress.tick()
				continue
			if kind == 'error':
				self.fatal = self.fatal or item
				self.procs.kill_all()
			else:
				ran = True
				self._handle(item)
		for t in threads:
			t.join()
		return ran

	def _minimize(self) -> None:
		state = journal.load(self.cfg.out)
		summary = report.summarize([state])
		for f in summary.failures:
			# A death after the results is no matter of the arm list.
			if f.title in state.minimized or f.kind == 'exit' or \
					self.procs.stopping.is_set():
				continue
			self.progress.say(f'sweep: minimizing {f.title} (job '
					  f'{f.first.index}: {",".join(f.first.arm)})')
			result = minimize.minimize(f.first, self.cfg.runner,
						   self.procs.stopping.is_set)
			if result is not None:
				self.journal.append(result.to_json())

	def _replay(self) -> None:
		state = journal.load(self.cfg.out)
		for f in report.summarize([state]).failures:
			if f.title in state.replayed or f.kind == 'exit' or \
					self.procs.stopping.is_set():
				continue
			r = f.first
			# A failure no seed was named for: its block alone.
			seed = r.seed if r.fail_seed is None else r.fail_seed
			self.progress.say(f'sweep: replaying {f.title} (job {r.index}, '
					  f'seed {seed}, then its block) '
					  f'{self.cfg.replays} times each')
			alone: Optional[Tuple[int, int]] = (0, 0)
			if r.fail_seed is not None:
				alone = self._replay_one(Job(r.index, r.case, seed, 1,
							     list(r.arm), True), f.title)
			block = self._replay_one(Job(r.index, r.case, r.seed, r.seeds,
						     list(r.arm), True), f.title)
			if alone is None or block is None:
				self.progress.say(f'sweep: replays of {f.title} stopped '
						  'before they were done; not recorded')
				return
			self.journal.append(Replayed(
				f.title, r.index, seed, alone[0], alone[1], r.seed,
				r.seeds, block[0], block[1]).to_json())

	def _replay_one(self, job: Job, title: str) -> Optional[Tuple[int, int]]:
		"""Boot @job cfg.replays times, cfg.jobs at a time (one if its
		scenario runs alone): (boots, how many failed with @title); None
		if interrupted."""
		left = list(range(self.cfg.replays))
		hits: List[bool] = []
		lock = threading.Lock()

		def worker() -> None:
			while not self.procs.stopping.is_set():
				with lock:
					if not left:
						return
					n = left.pop()
				try:
					out = self.cfg.runner.run(job, tag=f'replay-{job.index}-{n}')
				except OSError as e:
					self.progress.say(f'sweep: replay of job {job.index}: '
							  f'{self.cfg.runner.linux}: '
							  f'{e.strerror or e}')
					return
				out.cleanup()
				with lock:
					if not out.interrupted:
						hits.append(out.record.title == title)

		threads = [threading.Thread(target=worker, daemon=True)
			   for _ in range(1 if self._alone(job) else
					  max(1, min(self.cfg.jobs, self.cfg.replays)))]
		for t in threads:
			t.start()
		for t in threads:
			t.join()
		if len(hits) < self.cfg.replays:
			return None
		return len(hits), sum(hits)

	def _finish(self) -> int:
		summary = report.summarize([journal.load(self.cfg.out)],
					   self.cfg.previous)
		paths = report.write(summary, self.cfg.out)
		lines = text_summary(summary)
		for line in lines:
			print(line, flush=True)
		print(f'sweep: report: {paths[2]}', flush=True)
		if self.fatal:
			raise bad_input(self.fatal)
		if self.signum:
			print(f'sweep: interrupted; resume with --resume '
			      f'{self.cfg.out}', flush=True)
			return 128 + self.signum
		return 1 if summary.failures else 0


def matrix_lines(spec: Spec) -> List[str]:
	lines = [f'sweep: matrix: {spec.cells} cells ({len(spec.cases)} '
		 f'scenarios x {len(spec.pairs)} point:action pairs), '
		 f'{spec.seeds_per_boot} seeds per boot from seed {spec.seed}, '
		 f'{spec.points_per_job} point(s) armed per job, shard '
		 '{}/{}'.format(*spec.shard)]
	if spec.concurrent:
		lines.append('sweep: concurrent: the actors run at once on '
			     'different CPUs; a seed replays only statistically')
	return lines


def text_summary(summary: Summary) -> List[str]:
	"""The lines printed at the end of a run."""
	kinds = ', '.join(f'{v} {k}' for k, v in sorted(summary.kinds.items()))
	lines = [f'sweep: {len(summary.jobs)} jobs ({kinds or "none"}), '
		 f'{summary.interleavings} interleavings, '
		 f'{summary.per_min:.0f} interleavings/min']
	for f in summary.failures:
		lines.append(f'sweep: {f.count}x {f.title} (first: job '
			     f'{f.first.index}, {f.first.first_seed()})')
		lines.append(f'sweep:   repro: {f.repro}')
		lines.append(f'sweep:   make: {f.make}')
		if f.minimized and f.minimized.reproduced:
			lines.append('sweep:   minimal arm list: ' + (
				','.join(f.minimized.arm) or '(nothing armed)'))
		elif f.minimized:
			lines.append('sweep:   minimize: not reproduced with one '
				     'seed')
		if f.replayed:
			lines.append(f'sweep:   {f.replayed.text()}')
	if summary.overlaps:
		lines.append('sweep: windows overlapped: ' + ', '.join(
			f'{k} {v}' for k, v in sorted(summary.overlaps.items())))
	if summary.trend:
		t = summary.trend
		lines.append(f'sweep: against --previous: {len(t.new)} new, '
			     f'{len(t.still)} still failing, {len(t.fixed)} fixed')
	return lines
