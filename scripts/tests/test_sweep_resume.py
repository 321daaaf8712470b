# SPDX-License-Identifier: GPL-2.0
"""The sweep's journal: a sweep killed (SIGKILL) or interrupted (SIGINT)
mid-run resumes with --resume, runs every job exactly once and loses no
finished result."""

import json
import os
import shutil
import signal
import time
from typing import Any, Dict, List

from tests import sweepfake
from tests.sweeptest import SweepCase, alive
from zdtool.sweep import journal as sweepjournal
from zdtool import ZdError

RUNS = 14


class ResumeTest(SweepCase):

	def _start(self) -> Any:
		self.kernel(sleep=0.08, rules=[{'do': 'kasan', 'seed': 2,
						'point': 'gup_fast_after_grab'}])
		return self.start(*self.base(), '--points', 'memunmap_before_wait,'
				  'gup_fast_after_grab', '--actions', 'delay=50,fail',
				  '--seeds-per-boot', '2', '--runs', str(RUNS),
				  '--jobs', '2')

	def _wait_for_jobs(self, proc: Any, n: int) -> None:
		deadline = time.monotonic() + 30
		while time.monotonic() < deadline and proc.poll() is None:
			if os.path.exists(self.path('out', 'journal.jsonl')) and \
					len(self.journal_jobs()) >= n:
				return
			time.sleep(0.02)
		self.fail(f'no {n} finished jobs (exit {proc.poll()})')

	def _check_complete(self, before: List[Dict[str, Any]]) -> None:
		jobs = self.journal_jobs()
		indices = [j['index'] for j in jobs]
		self.assertEqual(sorted(indices), list(range(RUNS)))
		by_index = {j['index']: j for j in jobs}
		for rec in before:
			self.assertEqual(by_index[rec['index']], rec)
		tests = self.report()['tests']
		self.assertEqual(sorted(t['misc']['index'] for t in tests),
				 list(range(RUNS)))
		fail = self.report()['builds'][0]['misc']['sweep']['failures']
		# 9 cells; seed 2 is in the first block only: jobs 3-8 fail.
		self.assertEqual([f['count'] for f in fail], [6])

	def test_sigkill_then_resume(self) -> None:
		proc = self._start()
		self._wait_for_jobs(proc, 4)
		os.kill(proc.pid, signal.SIGKILL)
		proc.communicate()
		before = self.journal_jobs()
		self.assertLess(len(before), RUNS)
		# A record torn by the kill: ignored, then cut off.
		with open(self.path('out', 'journal.jsonl'), 'a') as f:
			f.write('{"type": "job", "index": 3, "kind": "pa')
		state = sweepjournal.load(self.path('out'))
		self.assertEqual(sorted(state.jobs), sorted(
			r['index'] for r in before))

		rc, out, err = self.sweep('run', '--resume', self.path('out'))
		self.assertEqual(rc, 1, err)
		self.assertIn(f'{len(before)} done before', out)
		self._check_complete(before)
		with open(self.path('out', 'journal.jsonl'), 'rb') as f:
			data = f.read()
		self.assertTrue(data.endswith(b'\n'))
		for line in data.splitlines():
			json.loads(line)
		self.assertFalse(os.path.exists(self.path('out', 'work')))
		self.assertFalse(os.path.exists(self.path('home', '.uml')))

	def test_sigint_then_resume(self) -> None:
		proc = self._start()
		self._wait_for_jobs(proc, 2)
		os.kill(proc.pid, signal.SIGINT)
		t0 = time.monotonic()
		out, err = proc.communicate(timeout=20)
		self.assertLess(time.monotonic() - t0, 5)
		self.assertEqual(proc.returncode, 130, err)
		self.assertIn('resume with --resume', out)
		before = self.journal_jobs()
		self.assertEqual(len(self.report()['tests']), len(before))
		for call in sweepfake.calls(self.calls):
			self.assertFalse(alive(call['pid']), call['pid'])
		rc, out, err = self.sweep('run', '--resume', self.path('out'),
					  '--jobs', '1')
		self.assertEqual(rc, 1, err)
		self._check_complete(before)

	def test_resume_runs_the_rest_of_a_stopped_block(self) -> None:
		"""Killed before the rest of a crashed boot's block ran: the
		resume boots it, from the seed after the crash, once."""
		self.kernel(rules=[{'do': 'panic', 'seed': 2}])
		rc, out, err = self.sweep(*self.base(), '--scenarios',
					  'teardown_vs_put', '--points',
					  'memunmap_before_wait', '--seeds-per-boot',
					  '4', '--runs', '1')
		self.assertEqual(rc, 1, err)
		path = self.path('out', 'journal.jsonl')
		with open(path) as f:
			lines = [x for x in f if '"part": 1' not in x]
		with open(path, 'w') as f:
			f.writelines(lines)
		self.assertEqual(len(sweepjournal.load(self.path('out'))
				     .rests_due()), 1)
		os.remove(self.calls)
		rc, out, err = self.sweep('run', '--resume', self.path('out'))
		self.assertEqual(rc, 1, err)
		seeds = [a for c in sweepfake.calls(self.calls)
			 for a in c['argv'] if a.startswith('zdrace_sched.seed')]
		self.assertEqual(seeds, ['zdrace_sched.seed=3',
					 'zdrace_sched.seeds=2'])
		state = sweepjournal.load(self.path('out'))
		self.assertEqual(state.rests_due(), [])
		self.assertEqual([(r.part, r.seed, r.interleavings)
				  for r in state.records()],
				 [(0, 1, 1), (1, 3, 2)])

	def test_resume_keeps_the_matrix(self) -> None:
		self.kernel()
		self.assertEqual(self.sweep(*self.base(), '--points',
					    'memunmap_before_wait', '--runs', '1',
					    '--actions', 'delay=50')[0], 0)
		self.assert_bad_input(['run', '--resume', self.path('out'),
				       '--points', 'gup_fast_after_grab'],
				      '--points: fixed by the sweep being resumed')
		self.assert_bad_input(['run', '--kernel', '6.12', '--out',
				       self.path('out'), '--build-root', self.build],
				      f'--out {self.path("out")}: holds a sweep '
				      'already')
		# Another kernel binary: the sweep goes on booting its copy; once
		# `make clean` removed that, it refuses the new one.
		self.kernel(rules=[{'do': 'warn'}])
		snaps = self.path('build', '6.12', 'sweep-kernels')
		self.assertEqual(len(os.listdir(snaps)), 1)
		shutil.rmtree(snaps)
		self.assert_bad_input(['run', '--resume', self.path('out')],
				      f'{os.path.join(snaps, "linux-")}')
		self.assertIn('not the kernel this sweep started with',
			      self.sweep('run', '--resume', self.path('out'))[2])
		with self.assertRaises(ZdError):
			sweepjournal.load(self.path('build'))

