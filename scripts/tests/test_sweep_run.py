# SPDX-License-Identifier: GPL-2.0
"""scripts/sweep run/merge/report end to end, on a fake UML kernel."""

import html.parser
import io
import os
import re
import threading
import time
import unittest
import xml.etree.ElementTree as ET
from typing import Any, Dict, List

from tests import sweepfake
from tests.sweeptest import SweepCase, alive
from zdtool.sweep import job as sweepjob, run as sweeprun
from zdtool.sweep.progress import Progress

POINTS = 'memunmap_before_wait,gup_fast_after_grab,final_put_zone_device'
UAF = 'KASAN: slab-use-after-free Read in free_zone_device_folio'


class _Tags(html.parser.HTMLParser):
	def __init__(self) -> None:
		super().__init__()
		self.open: List[str] = []
		self.text = ''

	def handle_starttag(self, tag: str, attrs: Any) -> None:
		if tag not in ('meta', 'br'):
			self.open.append(tag)

	def handle_endtag(self, tag: str) -> None:
		assert self.open.pop() == tag, tag

	def handle_data(self, data: str) -> None:
		self.text += data


class RunTest(SweepCase):

	def test_run_outputs_and_boot_contract(self) -> None:
		self.kernel(rules=[{'do': 'kasan', 'point': 'gup_fast_after_grab',
				    'seed': 2},
				   {'do': 'fail', 'point': 'memunmap_before_wait',
				    'seed': 1}],
			    unreached=['final_put_zone_device'])
		rc, out, err = self.sweep(*self.base(), '--points', POINTS,
					  '--actions', 'delay=50',
					  '--seeds-per-boot', '2', '--runs', '12')
		self.assertEqual(rc, 1, err)
		calls = sweepfake.calls(self.calls)
		self.assertEqual(len(calls), 12)
		for c in calls:
			self.assertTrue(c['stdin_null'] and c['own_session'], c)
			self.assertRegex(c['cwd'], r'/out/work/job-\d+$')
			self.assertEqual(c['argv'][1:5], sweepjob.BOOT_ARGS)
		self.assertFalse(os.path.exists(self.path('out', 'work')))

		doc = self.report()
		self.assertEqual(doc['version']['major'], 4)
		tests = doc['tests']
		self.assertEqual(sorted(t['misc']['index'] for t in tests),
				 list(range(12)))
		self.assertEqual(len({t['id'] for t in tests}), 12)
		for t in tests:
			self.assertIn(t['status'], ('PASS', 'FAIL'))
			self.assertEqual(t['build_id'], doc['builds'][0]['id'])
			log = t['misc']['log']
			self.assertEqual(bool(log), t['status'] == 'FAIL')
			if log:
				self.assertTrue(os.path.isfile(self.path('out', log)))
		self.assertEqual(len(os.listdir(self.path('out', 'logs'))), 6)
		failures = {f['title']: f for f in
			    doc['builds'][0]['misc']['sweep']['failures']}
		self.assertEqual(failures[UAF]['count'], 3)
		self.assertEqual(failures[UAF]['first_seed'], 2)
		self.assertIn('zdrace_sched.seed=2 zdrace_sched.seeds=1 '
			      'zdrace_sweep.arm=gup_fast_after_grab:delay=50',
			      failures[UAF]['repro'])
		self.assertEqual(len(failures), 4)	# + one test failure per case
		self.assertIn(f'3x {UAF} (first: job 3, seed 2)', out)

		suites = ET.parse(self.path('out', 'junit.xml')).getroot()
		self.assertEqual((suites.get('tests'), suites.get('failures')),
				 ('12', '6'))
		page = _Tags()
		with open(self.path('out', 'report.html')) as f:
			page.feed(f.read())
		self.assertEqual(page.open, [])
		for title in failures:
			self.assertIn(title, page.text)
		self.assertIn('interleavings/min', page.text)
		self.assertIn('never hit', page.text)

	def test_bounds_and_seed_blocks(self) -> None:
		self.kernel(sleep=0.05)
		args = ['--points', 'memunmap_before_wait', '--actions', 'delay=50',
			'--seeds-per-boot', '4', '--seed', '10']
		rc, out, err = self.sweep(*self.base(), *args, '--runs', '7')
		self.assertEqual(rc, 0, err)
		seeds = {t['misc']['index']: t['misc']['seed']
			 for t in self.report()['tests']}
		# 3 cells, then the next seed block, and the next.
		self.assertEqual(seeds, {0: 10, 1: 10, 2: 10, 3: 14, 4: 14, 5: 14,
					 6: 18})
		t0 = time.monotonic()
		rc, out, err = self.sweep(*self.base('t'), *args, '--time', '1s')
		self.assertEqual(rc, 0, err)
		self.assertLess(time.monotonic() - t0, 8)
		self.assertGreaterEqual(len(self.report('t')['tests']), 2)

	def test_crashes_hangs_and_the_process_group(self) -> None:
		pidfile = self.path('child.pid')
		self.kernel(pidfile=pidfile, rules=[
			{'do': 'bug', 'case': 'teardown_vs_gup_fast', 'seed': 1},
			{'do': 'segv', 'case': 'teardown_vs_put', 'seed': 2},
			{'do': 'crash', 'case': 'alloc_free_vs_teardown', 'seed': 1},
			{'do': 'hang', 'case': 'teardown_vs_gup_fast', 'seed': 4}])
		rc, out, err = self.sweep(*self.base(), '--points',
					  'memunmap_before_wait', '--actions',
					  'yield', '--seeds-per-boot', '2',
					  '--runs', '4', '--timeout', '2')
		self.assertEqual(rc, 1, err)
		got = {(t['misc']['index'], t['misc']['part']):
		       (t['status'], t['misc']['title'], t['misc']['fail_seed'])
		       for t in self.report()['tests']}
		# Seed 2 of jobs 0 and 2 goes on in a boot of its own.
		self.assertEqual(got, {
			(0, 0): ('FAIL', 'kernel BUG in memunmap_pages', 1),
			(0, 1): ('PASS', '', None),
			(1, 0): ('FAIL', 'BUG: unable to handle page fault in '
				 'gup_fast_pte_range', 2),
			(2, 0): ('ERROR', 'crash in zdrace_sweep.'
				 'alloc_free_vs_teardown', 1),
			(2, 1): ('PASS', '', None),
			(3, 0): ('FAIL', 'hang in zdrace_sweep.teardown_vs_gup_fast',
				 4)})
		with open(pidfile) as f:
			child = int(f.read())
		self.assertFalse(alive(child), 'the hung kernel\'s child survived')
		# Each boot had a uml_dir of its own, gone with the job; none
		# fell back to ~/.uml.
		for c in sweepfake.calls(self.calls):
			self.assertIn(f'uml_dir={c["cwd"]}/uml', c['argv'])
			self.assertIn(f'umid={os.path.basename(c["cwd"])}', c['argv'])
		self.assertFalse(os.path.exists(self.path('home', '.uml')))
		self.assertFalse(os.path.exists(self.path('out', 'work')))

	def test_stopped_block_goes_on_after_the_seed(self) -> None:
		"""A crash in seed k keeps the seeds before k, records k once
		and boots the rest of the block from k + 1."""
		self.kernel(rules=[{'do': 'panic', 'seed': 3},
				   {'do': 'panic', 'seed': 5}])
		rc, out, err = self.sweep(*self.base(), '--scenarios',
					  'teardown_vs_put', '--points',
					  'memunmap_before_wait', '--actions',
					  'yield', '--seeds-per-boot', '6',
					  '--runs', '1')
		self.assertEqual(rc, 1, err)
		self.assertIn('sweep: job 0 stopped in seed 3; seeds 4-6 go on '
			      'in another boot', out)
		self.assertIn('sweep: job 0 stopped in seed 5; seed 6 goes on '
			      'in another boot', out)
		boots = [(a['zdrace_sched.seed'], a['zdrace_sched.seeds'])
			 for a in (dict(x.split('=', 1) for x in c['argv'][1:]
					if '=' in x)
				   for c in sweepfake.calls(self.calls))]
		self.assertEqual(boots, [('1', '6'), ('4', '3'), ('6', '1')])
		tests = self.report()['tests']
		self.assertEqual([(t['misc']['part'], t['misc']['seed'],
				   t['misc']['fail_seed'],
				   t['misc']['interleavings']) for t in tests],
				 [(0, 1, 3, 2), (1, 4, 5, 1), (2, 6, None, 1)])
		self.assertEqual(len({t['id'] for t in tests}), 3)
		self.assertIn('sweep: 3 jobs (2 panic, 1 pass), 4 interleavings',
			      out)

	def test_minimize(self) -> None:
		self.kernel(rules=[{'do': 'kasan', 'point': 'gup_fast_after_grab',
				    'seed': 3}])
		rc, out, err = self.sweep(*self.base(), '--scenarios',
					  'teardown_vs_put', '--actions', 'delay=50',
					  '--points-per-job', '5', '--seeds-per-boot',
					  '3', '--runs', '6', '--minimize')
		self.assertEqual(rc, 1, err)
		fail = self.report()['builds'][0]['misc']['sweep']['failures']
		self.assertEqual(len(fail), 1)
		mini = fail[0]['minimized']
		self.assertTrue(mini['reproduced'])
		self.assertEqual(len(mini['from']), 5)
		self.assertEqual(mini['arm'], ['gup_fast_after_grab:delay=50'])
		self.assertEqual((mini['seed'], mini['seeds']), (3, 1))
		self.assertIn('minimal arm list: gup_fast_after_grab:delay=50', out)

	def test_concurrent_hit_rate(self) -> None:
		self.kernel(cpus=2, counter=self.path('boots'), rules=[
			{'do': 'fail', 'seed': 2, 'boots': [1, 3, 5, 7]}])
		rc, out, err = self.sweep(*self.base(), '--scenarios',
					  'teardown_vs_put', '--points',
					  'memunmap_before_wait', '--actions',
					  'delay=50', '--seeds-per-boot', '3',
					  '--runs', '1', '--jobs', '1', '--concurrent',
					  '--replays', '3')
		self.assertEqual(rc, 1, err)
		self.assertIn('sweep: concurrent: the actors run at once', out)
		# Boot 1 was the job; boots 2-4 replay seed 2 alone (3 fails),
		# boots 5-7 its block, seeds 1-3 (5 and 7 fail).
		self.assertIn('hit rate: seed 2 alone 1 of 3 boots, seeds 1-3 2 of '
			      '3 (concurrent: replay is statistical)', out)
		self.assertIn('windows overlapped: gup_walk_during_zap 3', out)
		for c in sweepfake.calls(self.calls):
			self.assertIn('zdrace_sweep.concurrent=1', c['argv'])
		fail = self.report()['builds'][0]['misc']['sweep']['failures'][0]
		rep = fail['replayed']
		self.assertEqual((rep['runs'], rep['hits'], rep['block_runs'],
				  rep['block_hits']), (3, 1, 3, 2))
		self.assertIn('zdrace_sweep.concurrent=1', fail['make'])

	def test_concurrent_needs_smp(self) -> None:
		self.kernel()
		self.assert_bad_input(self.base() + ['--concurrent'],
				      '--concurrent: the kernel brought up 1 CPU')
		self.assert_bad_input(self.base() + ['--concurrent', '--minimize'],
				      '--minimize: not with --concurrent')
		self.kernel(cpus=2)
		rc, _, err = self.sweep_here(*self.base(), '--concurrent', '--runs',
					     '1', '--seeds-per-boot', '1')
		self.assertEqual(rc, 0, err)
		self.assert_bad_input(['run', '--resume', self.path('out'),
				       '--minimize'],
				      '--minimize: not with --concurrent')

	def test_minimize_nothing_armed(self) -> None:
		self.kernel(rules=[{'do': 'warn', 'seed': 1}])
		rc, out, err = self.sweep(*self.base(), '--scenarios',
					  'teardown_vs_put', '--points',
					  'memunmap_before_wait', '--actions',
					  'delay=50', '--seeds-per-boot', '1',
					  '--runs', '1', '--minimize')
		self.assertEqual(rc, 1, err)
		self.assertIn('minimal arm list: (nothing armed)', out)

	def test_previous_night(self) -> None:
		args = ['--points', POINTS, '--actions', 'delay=50',
			'--seeds-per-boot', '1', '--runs', '3']
		self.kernel(rules=[{'do': 'kasan', 'case': 'teardown_vs_put'},
				   {'do': 'fail', 'case': 'teardown_vs_gup_fast'}])
		self.assertEqual(self.sweep(*self.base('a'), *args)[0], 1)
		self.kernel(rules=[{'do': 'kasan', 'case': 'teardown_vs_put'},
				   {'do': 'warn', 'case': 'alloc_free_vs_teardown'}])
		rc, out, err = self.sweep(*self.base('b'), *args, '--previous',
					  self.path('a', 'sweep.json'))
		self.assertEqual(rc, 1, err)
		self.assertIn('1 new, 1 still failing, 1 fixed', out)
		with open(self.path('b', 'report.html')) as f:
			page = f.read()
		self.assertIn('new: WARNING in zone_device_page_init', page)
		self.assertIn('fixed: test failure in zdrace_sweep.'
			      'teardown_vs_gup_fast', page)

	def test_merge_shards(self) -> None:
		self.kernel(rules=[{'do': 'kasan', 'point': 'gup_fast_after_grab'}])
		args = ['--points', POINTS, '--actions', 'delay=50',
			'--seeds-per-boot', '1', '--runs', '6']
		self.sweep(*self.base('all'), *args)
		for i in (1, 2):
			self.sweep(*self.base(f's{i}'), *args, '--shard', f'{i}/2')
		rc, out, err = self.sweep('merge', self.path('m'), self.path('s1'),
					  self.path('s2'))
		self.assertEqual(rc, 1, err)

		def view(name: str) -> Dict[int, Any]:
			return {t['misc']['index']: (t['status'], t['misc']['title'])
				for t in self.report(name)['tests']}
		self.assertEqual(view('m'), view('all'))
		self.assertEqual(len(view('s1')), 3)
		fail = self.report('m')['builds']
		self.assertEqual(len(fail), 1)
		self.assertEqual([(f['title'], f['count']) for f in
				  fail[0]['misc']['sweep']['failures']], [(UAF, 3)])
		for t in self.report('m')['tests']:
			if t['misc']['log']:
				self.assertTrue(os.path.isfile(self.path(
					'm', t['misc']['log'])))
		rc, out, _ = self.sweep('merge', self.path('m1'), self.path('s1'))
		self.assertIn('no output of shard(s) 2/2', out)
		self.sweep(*self.base('other'), '--points', 'filemap_after_load',
			   '--runs', '1')
		self.assert_bad_input(['merge', self.path('m2'), self.path('s1'),
				       self.path('other')],
				      f'{self.path("other")}: not the same matrix')

	def test_progress_bar(self) -> None:
		buf = io.StringIO()
		p = Progress(10, None, stream=buf, tty=True)
		p.job(64, False)
		p.say('sweep: new failure: X')
		p.finish()
		text = buf.getvalue()
		self.assertIn('\r[#', text)
		self.assertIn('1/10 jobs, 0 failing', text)
		self.assertIn('ETA', text)
		self.assertIn('sweep: new failure: X\n', text)


class SlotsTest(unittest.TestCase):
	"""Kernels share the host's CPUs, or an alone job runs by itself."""

	def _enter(self, slots: sweeprun.Slots, alone: bool) -> List[bool]:
		got: List[bool] = []
		threading.Thread(target=lambda: got.append(slots.enter(alone)),
				 daemon=True).start()
		return got

	def _wait(self, got: List[bool]) -> List[bool]:
		end = time.monotonic() + 5
		while not got and time.monotonic() < end:
			time.sleep(0.01)
		return got

	def test_an_alone_job_runs_with_no_other(self) -> None:
		slots = sweeprun.Slots(threading.Event())
		self.assertTrue(slots.enter(False))
		self.assertTrue(slots.enter(False))
		alone = self._enter(slots, True)
		time.sleep(0.3)
		self.assertEqual(alone, [], 'started beside running kernels')
		shared = self._enter(slots, False)
		slots.leave()
		slots.leave()
		self.assertEqual(self._wait(alone), [True])
		time.sleep(0.3)
		self.assertEqual(shared, [], 'a kernel started beside an alone one, '
				 'or ahead of it')
		slots.leave()
		self.assertEqual(self._wait(shared), [True])
		slots.leave()

	def test_stopping_ends_the_wait(self) -> None:
		stopping = threading.Event()
		slots = sweeprun.Slots(stopping)
		self.assertTrue(slots.enter(True))
		got = self._enter(slots, False)
		stopping.set()
		self.assertEqual(self._wait(got), [False])


class BadInputTest(SweepCase):

	def test_one_line_and_nothing_boots(self) -> None:
		self.kernel()
		b = self.base()
		cases = [
			(['--points', 'memunmap_before_wait,nope'],
			 '--points: nope: unknown'),
			(['--actions', 'explode'], '--actions: explode: unknown action'),
			(['--points', 'gup_fast_after_grab', '--actions', 'yield'],
			 '--actions: yield: no point'),
			(['--scenarios', 'teardown_vs_nothing'],
			 '--scenarios: teardown_vs_nothing: unknown'),
			(['--shard', '5/4'], '--shard: 5/4'),
			(['--time', '2x'], '--time: 2x'),
			(['--runs', '-1'], 'argument --runs: -1'),
			(['--seeds-per-boot', '5000'], '--seeds-per-boot: 5000'),
			(['--kernel_args', 'zdrace_sweep.arm=x:fail'],
			 '--kernel_args: zdrace_sweep.arm='),
			(['--previous', self.path('nope.json')], '--previous '),
			(['--kernel', '9.9'], self.path('build', '9.9', 'kunit',
							'linux') + ': no such file; run make first'),
		]
		for args, start in cases:
			with self.subTest(args):
				self.assert_bad_input(b + args, start)
		self.assertFalse(os.path.exists(self.path('out')))
		self.assert_bad_input(['run', '--resume', self.path('nothing')],
				      f'{self.path("nothing")}: no journal.jsonl')
		self.assert_bad_input(['bogus'], 'argument COMMAND')

	def test_boot_without_the_window_fails(self) -> None:
		"""Jobs that skip for a setup every job needs fail the sweep in
		one line; the sweep's own default boot has the window."""
		self.kernel(needs_window=True)
		rc, out, err = self.sweep('run', '--kernel', '6.12', '--build-root',
					  self.build, '--kernel_args', 'x=1',
					  '--runs', '2', '--jobs', '1',
					  '--out', self.path('bare'))
		self.assertEqual(rc, 2, out)
		self.assertEqual(len(err.splitlines()), 1, err)
		self.assertIn('skipped: no ZONE_DEVICE memory window', err)
		rc, out, err = self.sweep('run', '--kernel', '6.12', '--build-root',
					  self.build, '--runs', '2', '--jobs', '1',
					  '--out', self.path('default'))
		self.assertEqual((rc, err), (0, ''), out)
		self.assertIn('2 jobs', out)

	def test_kernel_without_the_suite(self) -> None:
		self.kernel(no_tests=True)
		rc, out, err = self.sweep(*self.base(), '--runs', '2', '--jobs', '1')
		self.assertEqual(rc, 2)
		self.assertEqual(len(err.splitlines()), 1, err)
		self.assertRegex(err, '^sweep: error: ' + re.escape(self.path(
			'build/6.12/sweep-kernels/linux-')) + '[0-9a-f]{16}: no test '
			'zdrace_sweep.teardown_vs_gup_fast in this kernel \\(built '
			'without the zdrace_sweep suite, or older than its source\\?\\)')
		self.assertTrue(os.path.exists(self.path('out', 'sweep.json')))

