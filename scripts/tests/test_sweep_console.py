# SPDX-License-Identifier: GPL-2.0
"""zdtool.sweep.console/title: classifying console logs, syzkaller-style
titles, deduplication by title.

The logs in test_data/sweep/ are a real boot of this UML kernel (from
test_data/bad_boot.log, with the sweep's command line) followed by the
zdrace_sweep suite's KTAP output and kernel reports written in the formats
the kernel prints them: KASAN's report, __warn(), asm-generic BUG(), UML's
show_regs() and segv() panics, KUnit's expectation failures.
"""

import os
import unittest

from tests import kunittree
from zdtool.sweep import console as sweepconsole, report as sweepreport, title as sweeptitle
from zdtool.sweep import postmortem
from zdtool.sweep.journal import State
from zdtool.sweep.records import (Header, JobRecord, KernelInfo, PointStat,
				  Settings)
from zdtool.sweep.spec import Spec

DATA = os.path.join(os.path.dirname(__file__), 'test_data', 'sweep')


def _log(name: str) -> str:
	with open(os.path.join(DATA, name)) as f:
		return f.read()


# name: (case, first seed, seeds, rc, timed out,
#	 kind, status, title, failing seed)
SAMPLES = {
	'pass.log': ('teardown_vs_put', 1, 8, 0, False, 'pass', 'PASS', '',
		     None),
	'skip.log': ('alloc_free_vs_teardown', 1, 4, 0, False, 'skip', 'SKIP',
		     '', None),
	'kasan.log': ('teardown_vs_put', 1, 4, 0, False, 'kasan', 'FAIL',
		      'KASAN: slab-use-after-free Read in free_zone_device_folio',
		      3),
	'warn.log': ('alloc_free_vs_teardown', 1, 3, 0, False, 'warn', 'FAIL',
		     'WARNING in zone_device_page_init', 2),
	'bug.log': ('teardown_vs_put', 5, 4, -6, False, 'bug', 'FAIL',
		    'kernel BUG in memunmap_pages', 6),
	'panic_segv.log': ('teardown_vs_gup_fast', 1, 4, -6, False, 'bug',
			   'FAIL', 'BUG: unable to handle page fault in '
			   'gup_fast_pte_range', 2),
	'fault_null.log': ('teardown_vs_gup_fast', 9, 2, -6, False, 'bug',
			   'FAIL', 'BUG: kernel NULL pointer dereference in '
			   'put_dev_pagemap', 9),
	'panic.log': ('alloc_free_vs_teardown', 1, 4, -6, False, 'panic',
		      'FAIL', 'kernel panic: corrupted stack end detected inside '
		      'scheduler', 3),
	'test_failure.log': ('teardown_vs_gup_fast', 1, 8, 0, False, 'failure',
			     'FAIL', 'test failure in zdrace_sweep.'
			     'teardown_vs_gup_fast: Expected page_ref_count(page)'
			     ' == ctx->expected_refs', 5),
	'hang.log': ('teardown_vs_put', 1, 8, None, True, 'hang', 'FAIL',
		     'hang in zdrace_sweep.teardown_vs_put', 4),
	'crash.log': ('alloc_free_vs_teardown', 17, 8, 1, False, 'crash',
		      'ERROR', 'crash in zdrace_sweep.alloc_free_vs_teardown', 19),
}


class ClassifyTest(unittest.TestCase):

	def setUp(self) -> None:
		self.tree = kunittree.needed(self)

	def test_recorded_logs(self) -> None:
		for name, (case, seed, seeds, rc, hung, kind, status, title,
			   fail_seed) in SAMPLES.items():
			with self.subTest(name):
				v = sweepconsole.classify(_log(name), self.tree, case,
							  seed, seeds, rc, hung)
				self.assertEqual((v.kind, v.status, v.title, v.seed),
						 (kind, status, title, fail_seed))

	def test_boot_warning_of_uml_is_ignored(self) -> None:
		self.assertIn('um_pci_init', _log('pass.log'))
		v = sweepconsole.classify(_log('pass.log'), self.tree,
					  'teardown_vs_put', 1, 8)
		self.assertEqual(v.reports, [])

	def test_trace_and_repro_of_the_failing_seed(self) -> None:
		v = sweepconsole.classify(_log('test_failure.log'), self.tree,
					  'teardown_vs_gup_fast', 1, 8)
		self.assertEqual(v.trace, ['a:gate:gup_fast_after_pte_read '
					   'b:gate:memunmap_after_kill a:gate:'
					   'gup_fast_after_grab b:blocked a:done '
					   'b:done'])
		self.assertEqual(v.repro, 'zdrace: replay: param=- seed=5')
		k = sweepconsole.classify(_log('kasan.log'), self.tree,
					  'teardown_vs_put', 1, 4)
		self.assertEqual(len(k.trace), 1)
		self.assertEqual(k.repro, 'zdrace: replay: param=- seed=3')
		self.assertIn('Read of size 8', k.excerpt)

	def test_kunit_fail_message_without_indent(self) -> None:
		log = _log('test_failure.log')
		cut = log.index('    # teardown_vs_gup_fast: EXPECTATION FAILED at '
				'kunit-tests')
		end = log.index('        not ok 5 seed 5')
		log = log[:cut] + log[end:].replace('not ok 5', 'ok 5', 1)
		v = sweepconsole.classify(log, self.tree,
					  'teardown_vs_gup_fast', 1, 8)
		self.assertEqual(v.title, 'test failure in zdrace_sweep.'
				 'teardown_vs_gup_fast: actor b blocked at '
				 'memunmap_before_wait for N ms')
		self.assertEqual(v.seed, 7)

	def test_suite_exit_lines_with_timestamps(self) -> None:
		text = ('[    1.000000] zdrace_sweep: armed gup_fast_after_grab '
			'fail hits=3 fired=1\nzdrace_sweep: armed filemap_after_load '
			'delay=200 hits=0 fired=0\n[   12.5][T1] zdrace_sweep: '
			'interleavings=64\n')
		con = sweepconsole.parse(text, self.tree)
		self.assertEqual(con.armed, [
			PointStat('gup_fast_after_grab', 'fail', 3, 1),
			PointStat('filemap_after_load', 'delay=200', 0, 0)])
		self.assertEqual(sweepconsole.interleavings(con), 64)

	def test_ktap_dash_and_timestamps(self) -> None:
		text = ('[    0.1] KTAP version 1\n[    0.1] 1..1\n'
			'[    0.1]     # Subtest: zdrace_sweep\n[    0.1]     1..1\n'
			'[    0.1]         # Subtest: c\n'
			'[    0.2]         ok 1 - seed 4\n'
			'[    0.3]         not ok 2 - seed 5\n'
			'[    0.4]         ok 3 seed 6 # SKIP no window\n'
			'[    0.5]     not ok 1 c\n[    0.6] not ok 1 zdrace_sweep\n')
		con = sweepconsole.parse(text, self.tree)
		self.assertEqual([(s.seed, s.status) for s in con.seeds],
				 [(4, 'pass'), (5, 'fail'), (6, 'skip')])
		self.assertTrue(con.suite_done)

	def test_no_test_in_kernel(self) -> None:
		v = sweepconsole.classify('KTAP version 1\n1..0\n', self.tree,
					  'x', 1, 4)
		self.assertTrue(v.no_tests)


class TitleTest(unittest.TestCase):

	def test_strip(self) -> None:
		s = sweeptitle.strip
		self.assertEqual(s('scheduling while atomic: kunit_try_catch/141/'
				   '0x00000002'),
				 'scheduling while atomic: kunit_try_catch/N/')
		self.assertEqual(s('Bad page at ffff888012345678 pfn 0x1c0040 '
				   'PID: 143'), 'Bad page at pfn')
		self.assertEqual(s('EXPECTATION FAILED at mm/memremap.c:214'),
				 'EXPECTATION FAILED at mm/memremap.c')
		self.assertEqual(s('refs == 2 (0x2), s1 kept'), 'refs == N, s1 kept')

	def test_symbol(self) -> None:
		self.assertEqual(sweeptitle.symbol('show_stack.cold+0x90/0x19c'),
				 'show_stack')
		self.assertEqual(sweeptitle.symbol('zd_put.isra.0+0x1/0x2'), 'zd_put')

	def _title(self, text: str) -> str:
		return sweeptitle.find_reports(sweeptitle.clean_lines(text))[0].title

	def test_other_reports(self) -> None:
		stack = ('Call Trace:\n [<6085e4af>] ? _printk+0x0/0xd3\n'
			 ' [<601a1b2c>] ? refcount_warn_saturate+0x12/0x80\n'
			 ' [<6030c244>] ? put_dev_pagemap+0x24/0x70\n')
		self.assertEqual(self._title(
			'refcount_t: underflow; use-after-free.\nWARNING: CPU: 0 PID: '
			'9 at lib/refcount.c:28 refcount_warn_saturate+0x12/0x80\n' +
			stack), 'refcount bug in put_dev_pagemap')
		self.assertEqual(self._title(
			'WARNING: possible circular locking dependency detected\n'
			+ stack), 'lockdep: possible circular locking dependency '
			'detected in put_dev_pagemap')
		# 7.x's format of the same line.
		self.assertEqual(self._title(
			'WARNING: mm/memremap.c:284 at memremap_pages+0xdbf/0x1770, '
			'CPU#1: kunit_try_catch/99\n'), 'WARNING in memremap_pages')
		self.assertEqual(self._title(
			'refcount_t: underflow; use-after-free.\nWARNING: '
			'lib/refcount.c:28 at refcount_warn_saturate+0x12/0x80, '
			'CPU#0: kworker/0:1/9\n' + stack),
			'refcount bug in put_dev_pagemap')
		self.assertEqual(self._title(
			'[  3.1] BUG: sleeping function called from invalid context at '
			'mm/gup.c:1234\n' + stack),
			'BUG: sleeping function called from invalid context in '
			'put_dev_pagemap')
		self.assertEqual(self._title(
			'kernel BUG at mm/memremap.c:171!\nOops: invalid opcode: 0000 '
			'[#1]\nRIP: 0010:memunmap_pages+0x5c2/0x6a0\n'),
			'kernel BUG in memunmap_pages')
		self.assertEqual(self._title(
			'Oops: general protection fault, probably for non-canonical '
			'address 0xdffffc0000000001: 0000 [#1]\nRIP: 0010:'
			'folio_put+0x1e/0x80\n'), 'general protection fault in folio_put')
		self.assertEqual(self._title(
			'INFO: task kunit_try_catch:141 blocked for more than 120 '
			'seconds.\n' + stack.replace('put_dev_pagemap',
						     'memunmap_pages')),
			'INFO: task hung in memunmap_pages')
		self.assertEqual(self._title(
			'BUG: KASAN: double-free in kfree+0x1/0x2\nFree of addr '
			'ffff8880 by task a/1\n'), 'KASAN: double-free in kfree')


def _rec(index: int, title: str, kind: str = 'kasan',
	 status: str = 'FAIL') -> JobRecord:
	return JobRecord(index, 'teardown_vs_put', 1 + index, 4,
			 ['final_put_zone_device:delay=200'], kind, title, status,
			 0.0, 1.0, fail_seed=2 + index, interleavings=4,
			 points=[PointStat('final_put_zone_device', 'delay=200',
					   index % 4, 0)])


class AfterResultsTest(unittest.TestCase):
	"""A kernel that printed every result and then died: its own verdict,
	never `crash in <case>`.  exit_sigabrt.gdb is gdb's backtrace of the
	core of such a 6.12 UML kernel (a timer interrupt run by main() after
	halt_skas()); exit_sigabrt_truncated.gdb the same core written without
	the host stack, as a KASAN kernel's is when the dump stops at its
	shadow."""

	def setUp(self) -> None:
		self.tree = kunittree.needed(self)

	def _bt(self, name: str) -> list:
		return [line.strip() for line in _log(name).splitlines()
			if line.startswith('#')]

	def test_signal_after_results_without_core(self) -> None:
		v = sweepconsole.classify(_log('pass.log'), self.tree,
					  'teardown_vs_put', 1, 8, -6)
		self.assertEqual((v.kind, v.status, v.title, v.seed),
				 ('exit', 'ERROR', 'UML exit: SIGABRT', None))
		self.assertIn('after the results (8 seeds reported)', v.note)

	def test_signal_after_results_with_backtrace(self) -> None:
		bt = self._bt('exit_sigabrt.gdb')
		death = postmortem.Death('SIGABRT', -6, '/w/core', bt,
					 postmortem.faulting_frames(bt))
		v = sweepconsole.classify(_log('pass.log'), self.tree,
					  'teardown_vs_put', 1, 8, -6, death=death)
		self.assertEqual((v.kind, v.title),
				 ('exit', 'UML exit: SIGABRT in irq_enter'))
		self.assertEqual(v.trace, ['irq_enter', 'do_IRQ', 'timer_handler',
					   'timer_real_alarm_handler',
					   'unblock_signals', 'main'])

	def test_exit_status_after_results(self) -> None:
		v = sweepconsole.classify(_log('pass.log'), self.tree,
					  'teardown_vs_put', 1, 8, 1)
		self.assertEqual(v.title, 'UML exit: exit status 1')

	def test_death_before_the_end_is_still_a_crash_in_the_case(self) -> None:
		v = sweepconsole.classify(_log('crash.log'), self.tree,
					  'alloc_free_vs_teardown', 17, 8, -6)
		self.assertEqual((v.kind, v.title), (
			'crash', 'crash in zdrace_sweep.alloc_free_vs_teardown'))

	def test_outermost_signal_frame_is_where_it_faulted(self) -> None:
		self.assertEqual(postmortem.faulting_frames(
			self._bt('exit_sigabrt_truncated.gdb')), ['irq_enter'])
		self.assertEqual(postmortem.faulting_frames(
			['#0  0x1 in foo.isra.0 ()', '#1  0x2 in bar[cold] ()']),
			['foo', 'bar'])

	def test_core_file_from_a_plain_core_pattern(self) -> None:
		import tempfile
		from unittest import mock
		with tempfile.TemporaryDirectory() as d:
			open(os.path.join(d, 'core.linux.42.6'), 'w').close()
			reads = {postmortem.CORE_PATTERN: 'core.%e.%p.%s',
				 postmortem.CORE_USES_PID: '0'}
			with mock.patch.object(postmortem, '_read', reads.get):
				self.assertEqual(postmortem.find_core(d, 42, 6),
						 (os.path.join(d, 'core.linux.42.6'), ''))
			reads[postmortem.CORE_PATTERN] = '|/lib/systemd/systemd-coredump %P'
			with mock.patch.object(postmortem, '_read', reads.get):
				self.assertEqual(postmortem.find_core(d, 42, 6), (
					'', 'core piped to /lib/systemd/systemd-coredump'))


class DedupTest(unittest.TestCase):

	def test_same_title_is_one_entry_with_a_count(self) -> None:
		spec = Spec(['teardown_vs_put'], ['final_put_zone_device:delay=200'],
			    {'final_put_zone_device': ['delay=200'],
			     'memunmap_after_kill': ['delay=200']})
		header = Header('1', 0.0, spec, KernelInfo('0' * 64),
				Settings('/b/linux', '6.12', '/b', [], 120.0, None,
					 None))
		uaf = 'KASAN: slab-use-after-free Read in free_zone_device_folio'
		jobs = {i: _rec(i, uaf) for i in (7, 3, 9)}
		jobs[4] = _rec(4, '', 'pass', 'PASS')
		jobs[5] = _rec(5, 'WARNING in zone_device_page_init', 'warn')
		s = sweepreport.summarize([State('/o', header, jobs, {},
						 [(0.0, 60.0)])])
		self.assertEqual([(f.title, f.count, f.first.index)
				  for f in s.failures],
				 [(uaf, 3, 3), ('WARNING in zone_device_page_init',
						1, 5)])
		self.assertIn('zdrace_sched.seed=5 zdrace_sched.seeds=1 ',
			      s.failures[0].repro)
		self.assertEqual(s.interleavings, 20)
		self.assertAlmostEqual(s.per_min, 20.0)
		points = {p.point: p for p in s.points}
		self.assertEqual(points['final_put_zone_device'].hit_jobs, 4)
		self.assertFalse(points['memunmap_after_kill'].hit)


if __name__ == '__main__':
	unittest.main()
