# SPDX-License-Identifier: GPL-2.0
"""The kernel prints facts, the host writes the command: a failed case's
replay facts, read with kunit.py's own parser, select exactly that case,
parameter and seed, for every goal."""

import unittest

from tests import kunittree
from zdtool.kernel import console, kunitpy, replay

# A console as the suites print it (the format of KUnit's own output):
# a parameterized case whose second parameter failed, a seeded case whose
# seed 5 failed in a harness report, a plain case failed at its cleanup,
# and a parameterized case of a kernel that printed no facts.
CONSOLE = '''KTAP version 1
1..2
    KTAP version 1
    # Subtest: zdrace_dma_pins
    1..2
        KTAP version 1
        # Subtest: teardown_waits_for_unpin
        ok 1 PRIVATE
        # teardown_waits_for_unpin: EXPECTATION FAILED at kunit-tests/zdrace_dma_pins.c:120
        Expected refs == 1, but
        # teardown_waits_for_unpin: zdrace: replay: param=1 seed=-
        not ok 2 COHERENT
        ok 3 FS_DAX # SKIP not applicable
    # teardown_waits_for_unpin: pass:1 fail:1 skip:1 total:3
    not ok 1 teardown_waits_for_unpin
        KTAP version 1
        # Subtest: seed_replays_same_trace
        ok 1 seed 4
        # seed_replays_same_trace: EXPECTATION FAILED at kunit-tests/zdrace_fi_selftest.c:600
        actor b blocked
        trace: a:gate:x b:blocked
        zdrace: replay: param=- seed=5
        not ok 2 seed 5
    not ok 2 seed_replays_same_trace
# zdrace_dma_pins: pass:0 fail:2 skip:0 total:2
not ok 1 zdrace_dma_pins
    KTAP version 1
    # Subtest: zdrace_teardown_refs
    1..2
    # teardown_vs_put: ledger: PRIVATE page 3: refcount expected 0, found 1
    # teardown_vs_put: zdrace: replay: param=- seed=-
    not ok 1 teardown_vs_put
        KTAP version 1
        # Subtest: old_kernel_case
        not ok 1 order 1
    not ok 2 old_kernel_case
# zdrace_teardown_refs: pass:0 fail:2 skip:0 total:2
not ok 2 zdrace_teardown_refs
'''


class FactsTest(unittest.TestCase):

	def test_replay_facts(self) -> None:
		self.assertEqual(console.replay(['    # c: zdrace: replay: '
						 'param=3 seed=-']),
				 console.Replay(3, None))
		self.assertEqual(console.replay(['zdrace: replay: param=- '
						 'seed=18446744073709551615']),
				 console.Replay(None, 2 ** 64 - 1))
		self.assertIsNone(console.replay(['zdrace: replay: param=x']))

	def test_boot_args_select_the_parameter_and_the_seed(self) -> None:
		self.assertEqual(console.Replay(2, None).boot_args(),
				 ['zdrace_sched.param=2'])
		self.assertEqual(console.Replay(None, 9).boot_args(),
				 ['zdrace_sched.seed=9', 'zdrace_sched.seeds=1'])
		self.assertEqual(console.Replay(None, None).boot_args(), [])

	def test_result_lines(self) -> None:
		r = console.result('        ok 3 FS_DAX # SKIP not applicable')
		assert r is not None
		self.assertEqual((r.ok, r.number, r.name, r.directive, r.text),
				 (True, 3, 'FS_DAX', 'SKIP', 'not applicable'))
		r = console.result('not ok 12 - hmm.anon_write # exit=1')
		assert r is not None
		self.assertEqual((r.ok, r.name, r.directive, r.text),
				 (False, 'hmm.anon_write', '', 'exit=1'))
		self.assertIsNone(console.result('    # Subtest: x'))


class FailuresTest(unittest.TestCase):

	def failures(self) -> list:
		ktap = kunitpy.Ktap(kunittree.needed(self), CONSOLE.splitlines())
		return replay.failures(ktap)

	def test_each_failure_with_its_facts(self) -> None:
		found = self.failures()
		self.assertEqual([(f.name, f.replay) for f in found], [
			('zdrace_dma_pins.teardown_waits_for_unpin [COHERENT]',
			 console.Replay(1, None)),
			('zdrace_dma_pins.seed_replays_same_trace [seed 5]',
			 console.Replay(None, 5)),
			('zdrace_teardown_refs.teardown_vs_put',
			 console.Replay(None, None)),
			('zdrace_teardown_refs.old_kernel_case [order 1]', None)])
		self.assertEqual(found[3].notes, ['the kernel logged no replay '
						  'facts: every parameter runs'])

	def test_one_command_per_goal(self) -> None:
		found = self.failures()
		run = replay.Goal('run', '7.3', run_args=('zdrace_fi.arm=x:1',))
		self.assertEqual(
			run.command(found[0].suite, found[0].case, found[0].replay),
			"make run KERNEL=7.3 FILTER=zdrace_dma_pins."
			"teardown_waits_for_unpin RUN_ARGS='zdrace_fi.arm=x:1 "
			"zdrace_sched.param=1'")
		mutant = run.but('mutants', ('MUTANT', 'm.patch'))
		self.assertEqual(
			mutant.command(found[1].suite, found[1].case,
				       found[1].replay),
			"make mutants KERNEL=7.3 MUTANT=m.patch FILTER="
			"zdrace_dma_pins.seed_replays_same_trace "
			"RUN_ARGS='zdrace_fi.arm=x:1 zdrace_sched.seed=5 "
			"zdrace_sched.seeds=1'")
		review = replay.Goal('review', '6.12', (
			('SERIES', 'v2..v3'), ('KERNEL_SRC', '/g/linux')))
		self.assertEqual(
			review.command(found[2].suite, found[2].case,
				       found[2].replay),
			'make review KERNEL=6.12 SERIES=v2..v3 '
			'KERNEL_SRC=/g/linux FILTER=zdrace_teardown_refs.'
			'teardown_vs_put')

	def test_a_replay_replays_once(self) -> None:
		goal = replay.Goal('run', '6.12', run_args=(
			'zdrace_sched.param=9', 'zdrace_fi.arm=x:1'))
		self.assertEqual(goal.command('s', 'c', console.Replay(9, None)),
				 'make run KERNEL=6.12 FILTER=s.c RUN_ARGS='
				 "'zdrace_fi.arm=x:1 zdrace_sched.param=9'")

	def test_a_crashed_suite_runs_again_whole(self) -> None:
		# A crash ends the suite before it names a case: "FILTER=s."
		# would run nothing.
		goal = replay.Goal('mutants', '7.3', variables=(('MUTANT', 'm.patch'),))
		self.assertEqual(goal.command('zdrace_migrate', ''),
				 'make mutants KERNEL=7.3 MUTANT=m.patch '
				 'FILTER=zdrace_migrate')

	def test_printed_lines(self) -> None:
		out = replay.lines(replay.Goal('run', '6.12'), self.failures())
		self.assertEqual(out[:2], [
			'zdrace: fail: zdrace_dma_pins.teardown_waits_for_unpin '
			'[COHERENT]',
			'zdrace:   reproduce with: make run KERNEL=6.12 FILTER='
			'zdrace_dma_pins.teardown_waits_for_unpin '
			'RUN_ARGS=zdrace_sched.param=1'])
		self.assertIn('zdrace:   (the kernel logged no replay facts: '
			      'every parameter runs)', out)


if __name__ == '__main__':
	unittest.main()
