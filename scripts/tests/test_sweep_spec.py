# SPDX-License-Identifier: GPL-2.0
"""zdtool.sweep.spec/job/minimize: the matrix, its determinism and
shards, input validation, the boot line and ddmin."""

import argparse
import json
import os
import tempfile
import unittest
from typing import Any, List

from tests import sweepfake
from zdtool.sweep import cli as sweepcli, job as sweepjob, listing
from zdtool.sweep import minimize as sweepmin, spec as sweepspec
from zdtool import ZdError
from zdtool.sweep.spec import Job, Spec

REPO = sweepfake.REPO


with open(sweepfake.KERNEL_LIST) as _f:
	LISTING = _f.read()
KERNEL = listing.parse(LISTING)


class ListingTest(unittest.TestCase):

	def test_recorded_listing(self) -> None:
		points = KERNEL.points
		by = {p.name: p for p in points}
		self.assertEqual(len(points), 15)
		self.assertEqual(points[0].name, 'memunmap_after_kill')
		self.assertEqual(KERNEL.cases, ['teardown_vs_gup_fast',
						'teardown_vs_put',
						'alloc_free_vs_teardown',
						'lookup_vs_truncate'])
		self.assertEqual(KERNEL.alone, ['lookup_vs_truncate'])
		self.assertEqual(KERNEL.limits, listing.Limits(100000, 16, 4096))
		self.assertEqual(KERNEL.limits.cpus, 1)
		smp = listing.parse('[    0.1] smp: Brought up 1 node, 2 CPUs\n' +
				    LISTING)
		self.assertEqual(smp.limits.cpus, 2)
		self.assertEqual(by['memunmap_before_wait'].flags, ())
		self.assertEqual(by['filemap_after_load'].flags,
				 ('atomic', 'can_fail', 'retries'))
		self.assertEqual(by['filemap_after_load'].accepts,
				 ('delay', 'fail-bounded'))
		self.assertIn('wait_for_completion(&pgmap->done)',
			      by['memunmap_before_wait'].window)
		self.assertIsNone(by['memunmap_before_wait'].refuses('yield'))
		self.assertIsNotNone(by['gup_fast_after_grab'].refuses('yield'))
		self.assertIsNotNone(by['final_put_zone_device'].refuses('fail'))
		self.assertIsNone(by['gup_fast_after_grab'].refuses('delay=5'))
		# The sweep arms fail with bounded times.
		self.assertIsNone(by['filemap_after_load'].refuses('fail'))

	def test_alone_names_only_listed_cases(self) -> None:
		"""A scenario said to run alone counts only if it is listed."""
		text = LISTING.replace('scenario lookup_vs_truncate alone',
				       'scenario gone_vs_away alone')
		self.assertEqual(listing.parse(text).alone, [])
		old = KERNEL.to_json()
		del old['alone']
		self.assertEqual(listing.KernelList.from_json(old).alone, [])

	def test_absent_point_accepts_nothing(self) -> None:
		# As 7.3 lists gup-fast's pgmap step, which it no longer has.
		with open(sweepfake.KERNEL_LIST) as f:
			text = f.read().replace(
				'point gup_fast_after_get_pgmap file=mm/gup.c flags='
				'atomic,can_fail accepts=delay,fail',
				'point gup_fast_after_get_pgmap file=mm/gup.c flags='
				'absent accepts=none')
		by = {p.name: p for p in listing.parse(text).points}
		gone = by['gup_fast_after_get_pgmap']
		self.assertEqual((gone.flags, gone.accepts), (('absent',), ()))
		self.assertEqual(gone.refuses('delay=5'),
				 'the point has no window on this kernel line')

	def test_a_kernel_without_the_lines(self) -> None:
		with self.assertRaisesRegex(ZdError, 'no `zdrace_fi: limits`'):
			listing.parse('zdrace_sweep.a_vs_b\n')
		with self.assertRaisesRegex(ZdError, 'no zdrace_sweep.<case>'):
			listing.parse('zdrace_fi: limits max_delay_us=1 '
				      'max_boot_points=1 max_seeds=1\nzdrace_fi: '
				      'point p file=f flags=none accepts=delay\n')

	def test_one_listing_boot_per_kernel_binary(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			calls = os.path.join(d, 'list.jsonl')
			linux = sweepfake.write_kernel(d, {'list_calls': calls})
			cache = os.path.join(d, 'kernel-list.json')
			got = listing.read(linux, ['zone_device_mem=256M'], cache)
			self.assertEqual(got.cases, sweepfake.CASES)
			self.assertEqual(listing.read(linux, [], cache), got)
			self.assertEqual(len(sweepfake.calls(calls)), 1)
			argv = sweepfake.calls(calls)[0]['argv']
			self.assertIn('zdrace_fi.list=1', argv)
			self.assertIn('zone_device_mem=256M', argv)
			self.assertTrue(any(a.startswith('uml_dir=') for a in argv))
			sweepfake.write_kernel(d, {'list_calls': calls,
						   'cases': ['x_vs_y']})
			self.assertEqual(listing.read(linux, [], cache).cases,
					 ['x_vs_y'])
			self.assertEqual(len(sweepfake.calls(calls)), 2)
			self.assertEqual(sorted(os.listdir(d)), [
				'6.12', 'kernel-list.json', 'list.jsonl'])

	def test_actions(self) -> None:
		self.assertEqual(sweepspec.parse_action(' delay=0200', 100000),
				 'delay=200')
		for bad, why in (('call', 'unknown action'),
				 ('delay=0', 'delay must be'),
				 ('delay=100001', 'delay must be 1 to 100000 us'),
				 ('delay', 'unknown action')):
			with self.assertRaisesRegex(ZdError, f'^--actions: .*{why}'):
				sweepspec.parse_action(bad, 100000)

	def test_durations_and_shards(self) -> None:
		d = sweepspec.parse_duration
		self.assertEqual([d('90'), d('90s'), d('2m'), d('8h'), d('1h30m')],
				 [90, 90, 120, 28800, 5400])
		for bad in ('', '2x', 'm', '0s', '-1m'):
			with self.assertRaisesRegex(ZdError, '^--time: '):
				d(bad)
		self.assertEqual(sweepspec.parse_shard('2/4'), (2, 4))
		for bad in ('0/4', '5/4', '1', 'a/b', '1/0'):
			with self.assertRaisesRegex(ZdError, '^--shard: '):
				sweepspec.parse_shard(bad)


def _spec(**kw: Any) -> Spec:
	return sweepspec.build_spec(KERNEL, cases=sweepfake.CASES, **kw)


class MatrixTest(unittest.TestCase):

	def test_default_matrix_and_exclusion(self) -> None:
		spec = _spec()
		self.assertNotIn('page_init_before_tryget:fail', spec.pairs)
		self.assertIn('page_init_before_tryget:delay=200', spec.pairs)
		self.assertIn('memunmap_before_wait:yield', spec.pairs)
		self.assertNotIn('gup_fast_after_grab:yield', spec.pairs)
		self.assertNotIn('final_put_zone_device:fail', spec.pairs)
		# 15 delays + 5 sleepable yields + 7 fails - 1 excluded
		self.assertEqual(len(spec.pairs), 26)
		self.assertEqual(spec.cells, 78)
		self.assertIn('page_init_before_tryget:fail',
			      _spec(with_excluded=True).pairs)

	def test_alone_scenarios_of_a_concurrent_sweep(self) -> None:
		"""A concurrent sweep keeps the listed alone scenarios it runs."""
		smp = listing.parse('[    0.1] smp: Brought up 1 node, 2 CPUs\n' +
				    LISTING)
		spec = sweepspec.build_spec(smp, concurrent=True)
		self.assertEqual(spec.alone, ['lookup_vs_truncate'])
		self.assertEqual(Spec.from_dict(spec.to_dict()).alone,
				 ['lookup_vs_truncate'])
		self.assertEqual(sweepspec.build_spec(smp).alone, [])
		self.assertEqual(sweepspec.build_spec(
			smp, cases=['teardown_vs_put'], concurrent=True).alone, [])
		old = spec.to_dict()
		del old['alone']
		self.assertIsNone(Spec.from_dict(old).alone,
				  'a sweep begun before kernels listed them')

	def test_unknown_names(self) -> None:
		with self.assertRaisesRegex(ZdError, '^--points: nope: unknown'):
			_spec(points=['nope'])
		with self.assertRaisesRegex(ZdError, '^--scenarios: x: unknown'):
			sweepspec.build_spec(KERNEL, cases=['x'])
		with self.assertRaisesRegex(ZdError, '^--actions: yield: no point'):
			_spec(points=['gup_fast_after_grab'], actions=['yield'])
		with self.assertRaisesRegex(ZdError, '^--seeds-per-boot: 5000: '
					    'at most 4096'):
			_spec(seeds_per_boot=5000)
		with self.assertRaisesRegex(ZdError, '^--points-per-job: 17: '
					    'at most 16'):
			_spec(points_per_job=17)

	def test_job_order_is_fixed(self) -> None:
		spec = _spec(points=['memunmap_before_wait', 'gup_fast_after_grab'],
			     actions=['fail', 'delay=10'], seeds_per_boot=8, seed=100)
		self.assertEqual(spec.pairs, [
			'gup_fast_after_grab:fail', 'memunmap_before_wait:delay=10',
			'gup_fast_after_grab:delay=10'])
		jobs = [spec.job(j) for j in range(spec.cells + 1)]
		self.assertEqual([(j.case, j.arm, j.seed) for j in jobs[:4]], [
			('teardown_vs_gup_fast', ['gup_fast_after_grab:fail'], 100),
			('teardown_vs_put', ['gup_fast_after_grab:fail'], 100),
			('alloc_free_vs_teardown', ['gup_fast_after_grab:fail'], 100),
			('teardown_vs_gup_fast', ['memunmap_before_wait:delay=10'],
			 100)])
		# After the matrix, the next seed block.
		self.assertEqual((jobs[-1].case, jobs[-1].arm, jobs[-1].seed,
				  jobs[-1].seeds),
				 (jobs[0].case, jobs[0].arm, 108, 8))
		again = Spec.from_dict(spec.to_dict())
		self.assertEqual([again.job(j) for j in range(30)],
				 [spec.job(j) for j in range(30)])

	def test_extra_points_are_deterministic_and_valid(self) -> None:
		spec = _spec(points_per_job=4)
		# As stored in a journal and read back by --resume or merge.
		again = Spec.from_dict(json.loads(json.dumps(spec.to_dict(),
							     sort_keys=True)))
		for j in range(0, 400, 7):
			arm = spec.job(j).arm
			self.assertEqual(arm, again.job(j).arm)
			names = [a.split(':')[0] for a in arm]
			self.assertEqual(len(set(names)), 4, arm)
			for a in arm:
				self.assertIn(a, spec.pairs)

	def test_concurrent_jobs_keep_a_gate_past_the_wait(self) -> None:
		both = set(sweepspec.AFTER_WAIT)
		spec = _spec(points_per_job=6)
		armed = [{a.split(':')[0] for a in spec.job(j).arm}
			 for j in range(300)]
		self.assertTrue(any(both <= names for names in armed))
		spec.concurrent = True
		for j in range(300):
			names = {a.split(':')[0] for a in spec.job(j).arm}
			self.assertLess(len(names & both), 2, spec.job(j).arm)
			self.assertEqual(len(names), 6, spec.job(j).arm)
		self.assertTrue(Spec.from_dict(spec.to_dict()).concurrent)

	def test_shards_partition_the_jobs(self) -> None:
		spec = _spec()
		seen: List[int] = []
		for i in (1, 2, 3):
			spec.shard = (i, 3)
			mine = list(spec.indices(100, set()))
			self.assertTrue(all(j % 3 == i - 1 for j in mine))
			seen += mine
		self.assertEqual(sorted(seen), list(range(100)))
		spec.shard = (1, 1)
		self.assertEqual(list(spec.indices(6, {1, 4})), [0, 2, 3, 5])
		endless = spec.indices(None, set())
		self.assertEqual([next(endless) for _ in range(3)], [0, 1, 2])


class BootLineTest(unittest.TestCase):

	def test_contract(self) -> None:
		args = sweepjob.kernel_args(
			Job(0, 'teardown_vs_put', 5, 64, ['a:fail', 'b:delay=3']),
			['zone_device_mem=256M'])
		self.assertEqual(args, [
			'mem=1G', 'console=tty', 'kunit_shutdown=halt',
			'kunit.enable=1', 'kunit.filter_glob=zdrace_sweep.'
			'teardown_vs_put', 'zdrace_sched.seed=5',
			'zdrace_sched.seeds=64', 'zdrace_sweep.arm=a:fail,b:delay=3',
			'zone_device_mem=256M'])

	def test_extra_args(self) -> None:
		args = sweepjob.kernel_args(Job(0, 'c', 1, 1, []), [
			'zone_device_mem=512M', 'mem=2G', 'zone_device_mem=512M',
			'zdrace_known_upstream_fail=1'])
		self.assertEqual(args.count('zone_device_mem=512M'), 1)
		self.assertEqual(args[0], 'mem=2G')
		self.assertEqual(args[-1], 'zdrace_known_upstream_fail=1')
		self.assertFalse(any(a.startswith('zdrace_sweep.arm') for a in args))
		with self.assertRaisesRegex(ZdError, '^--kernel_args: '
					    'zdrace_sched.seed= is set by'):
			sweepjob.check_extra(['zdrace_sched.seed=3'])

	def test_make_command(self) -> None:
		self.assertEqual(sweepjob.make_command(
			'6.12', Job(0, 'teardown_vs_put', 5, 1, ['a:yield']),
			['zone_device_mem=256M']),
			"make run KERNEL=6.12 FILTER=zdrace_sweep.teardown_vs_put "
			"RUN_ARGS='zdrace_sched.seed=5 zdrace_sched.seeds=1 "
			"zdrace_sweep.arm=a:yield'")

	def test_default_jobs(self) -> None:
		"""One uniprocessor kernel per host CPU; an SMP kernel's vCPUs
		twice over where alone scenarios boot alone."""
		self.assertEqual(sweepjob.default_jobs(['zone_device_mem=256M'], 2), 2)
		self.assertEqual(sweepjob.default_jobs(['zone_device_mem=256M'], 2,
						       shared=True), 2)
		self.assertEqual(sweepjob.default_jobs(['seccomp=on', 'ncpus=2'], 2,
						       shared=True), 2)
		self.assertEqual(sweepjob.default_jobs(['ncpus=2'], 8, shared=True), 8)
		self.assertEqual(sweepjob.default_jobs(['ncpus=4'], 2, shared=True), 1)
		self.assertEqual(sweepjob.default_jobs(['ncpus=8'], 2, shared=True), 1)
		self.assertEqual(sweepjob.default_jobs(['ncpus=x'], 3), 3)
		# A sweep whose kernel lists no alone scenarios does not share.
		self.assertEqual(sweepjob.default_jobs(['seccomp=on', 'ncpus=2'], 2), 1)
		self.assertEqual(sweepjob.default_jobs(['ncpus=2'], 8), 4)

	def test_concurrent_sweep_boots_two_cpus(self) -> None:
		"""On a line whose kernel is SMP (7.3) the serial sweep boots it
		with one CPU in time-travel mode, the concurrent one with two,
		each without test_hmm's devices (the peers' test module is
		built in there); 6.12's kernel boots one way."""
		def extra(line: str, concurrent: bool) -> List[str]:
			return sweepcli._extra(argparse.Namespace(
				kernel=line, build_root='/b', area='',
				kernel_args=None, run_args=None,
				concurrent=concurrent))
		self.assertIn('time-travel=inf-cpu', extra('7.3', False))
		self.assertNotIn('ncpus=2', extra('7.3', False))
		self.assertIn('ncpus=2', extra('7.3', True))
		self.assertNotIn('time-travel=inf-cpu', extra('7.3', True))
		for concurrent in (False, True):
			self.assertIn('initcall_blacklist=hmm_dmirror_init',
				      extra('7.3', concurrent))
		self.assertNotIn('initcall_blacklist=hmm_dmirror_init',
				 extra('6.12', False))
		self.assertTrue(sweepcli._on_smp('7.3', True))
		self.assertFalse(sweepcli._on_smp('7.3', False))
		self.assertFalse(sweepcli._on_smp('6.12', True))

	def test_concurrent_boot_line(self) -> None:
		job = Job(3, 'teardown_vs_gup_fast', 9, 1, [], concurrent=True)
		self.assertIn('zdrace_sweep.concurrent=1',
			      sweepjob.kernel_args(job, []))
		self.assertIn('zdrace_sweep.concurrent=1',
			      sweepjob.make_command('7.3', job, []))
		with self.assertRaisesRegex(ZdError, 'zdrace_sweep.concurrent= '
					    'is set by'):
			sweepjob.check_extra(['zdrace_sweep.concurrent=0'])


class DdminTest(unittest.TestCase):

	def _check(self, items: List[str], needed: List[str]) -> None:
		tried = []

		def fails(arm: List[str]) -> bool:
			tried.append(arm)
			return all(x in arm for x in needed)
		self.assertEqual(sweepmin.ddmin(items, fails), needed)
		self.assertLess(len(tried), 4 * len(items) + 4)

	def test_shrinks(self) -> None:
		items = [f'p{i}:fail' for i in range(8)]
		self._check(items, ['p5:fail'])
		self._check(items, ['p1:fail', 'p6:fail'])
		self._check(items[:5], ['p0:fail', 'p3:fail', 'p4:fail'])
		self._check(items[:1], ['p0:fail'])


if __name__ == '__main__':
	unittest.main()
