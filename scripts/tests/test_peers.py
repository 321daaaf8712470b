# SPDX-License-Identifier: GPL-2.0
"""make peers: the initramfs, the declared failures, the console's
results (recorded from real 7.3 runs: the series, and the series with
the window-map-short mutant), the boot lines."""

import os
import shutil
import stat
import tempfile
import time
import unittest
from typing import List

from tests import kunittree
from zdtool import ZdError
from zdtool.kernel import source
from zdtool.peers import cpio, expect, results
from zdtool.peers import run as peers
from zdtool.peers.userspace import PLAN, PROGRAMS, SELFTESTS, Test, Userspace

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test_data',
		    'peers')
NAMES = [t.name for t in PLAN]


def _console(name: str) -> str:
	with open(os.path.join(DATA, name), errors='replace') as f:
		return f.read()


def _expected() -> List[expect.Expected]:
	return expect.load('7.3')


class CpioTest(unittest.TestCase):

	def test_round_trip(self) -> None:
		tmp = tempfile.mkdtemp()
		self.addCleanup(shutil.rmtree, tmp)
		host = os.path.join(tmp, 'prog')
		with open(host, 'wb') as f:
			f.write(b'\x7fELF' + bytes(range(7)))
		path = os.path.join(tmp, 'a.cpio')
		entries = [cpio.Entry.directory('/dev'),
			   cpio.Entry.node('/dev/console', 'c', 5, 1),
			   cpio.Entry.file('/init', host, 0o755),
			   cpio.Entry.text('/peers/plan', 'a\t1\t/bin/a\n')]
		cpio.write(path, entries)
		self.assertEqual(cpio.read(path), entries)
		with open(path, 'rb') as f:
			data = f.read()
		self.assertEqual(len(data) % 4, 0)
		self.assertTrue(data.startswith(b'070701'))
		self.assertIn(b'TRAILER!!!\0', data)
		self.assertTrue(stat.S_ISCHR(cpio.read(path)[1].mode))


class ExpectTest(unittest.TestCase):

	def test_declared_failures_of_each_line(self) -> None:
		seven = _expected()
		self.assertEqual(len(seven), 6)
		self.assertEqual(expect.load('6.12'), [])
		hit = expect.find(seven, 'hmm-tests.hmm.hmm_device_coherent.'
				  'migrate_anon_huge_zero_err')
		assert hit is not None
		self.assertTrue(hit.reason.startswith('no THP on UML'))
		self.assertIsNone(expect.find(seven, 'hmm-tests.hmm.'
					      'hmm_device_private.migrate'))

	def test_named_reasons(self) -> None:
		text = ('# comment\nreason thp: no "THP"\n\n'
			'7.3 p.*.c thp: here  # and a comment\n6.12 q thp\n')
		self.assertEqual(expect.parse(text), [
			expect.Expected('p.*.c', '7.3', 'no "THP" (here)'),
			expect.Expected('q', '6.12', 'no "THP"')])
		with self.assertRaisesRegex(ZdError, ':1: nope: no such reason'):
			expect.parse('7.3 a nope')
		with self.assertRaisesRegex(ZdError, ':1: not "<line> <glob>'):
			expect.parse('7.3')


class ResultsTest(unittest.TestCase):

	def test_the_series(self) -> None:
		tree = kunittree.needed(self)
		run = results.parse(_console('console-7.3.log'), tree, _expected(),
				    NAMES)
		self.assertEqual(run.problems, [])
		self.assertEqual((run.counts.passed, run.counts.failed,
				  run.counts.skipped), (60, 0, 26))
		by = {r.name: r for r in run.results}
		self.assertEqual(len([r for r in run.results
				      if r.status == 'XFAIL']), 22)
		huge = by['hmm-tests.hmm.hmm_device_private.anon_write_huge']
		self.assertEqual(huge.status, 'XFAIL')
		self.assertIn('hmm-tests.c:738:anon_write_huge:Expected buffer',
			      huge.reason)
		self.assertEqual(by['hmm-tests.hmm.hmm_device_private.compound']
				 .reason, 'Not enough huge pages')
		self.assertEqual(by['hmm-tests.hmm.hmm_device_coherent.'
				    'hmm_gup_test'].status, 'PASS')
		self.assertEqual(by['gup_test -L -n -1'].status, 'PASS')

	def test_a_declared_failure_that_passes_fails(self) -> None:
		tree = kunittree.needed(self)
		declared = _expected() + [expect.Expected(
			'hmm-tests.hmm2.*.snapshot', '7.3', 'believed broken')]
		run = results.parse(_console('console-7.3.log'), tree, declared,
				    NAMES)
		xpass = [r for r in run.results if r.status == 'XPASS']
		self.assertEqual(len(xpass), 2)
		self.assertIn('believed broken', xpass[0].reason)
		self.assertEqual(run.counts.failed, 2)

	def test_a_broken_setup_is_no_skip(self) -> None:
		tree = kunittree.needed(self)
		text = _console('console-7.3.log').replace(
			'ok 9 hmm.hmm_device_private.anon_write_hugetlbfs # SKIP '
			'Not enough huge pages', 'ok 9 hmm.hmm_device_private.'
			'anon_write_hugetlbfs # SKIP DEVICE_COHERENT not available')
		declared = _expected() + [expect.Expected(
			'hmm-tests.hmm.*.renamed_case', '7.3', 'gone')]
		run = results.parse(text, tree, declared, NAMES)
		by = {r.name: r for r in run.results}
		skip = by['hmm-tests.hmm.hmm_device_private.anon_write_hugetlbfs']
		self.assertEqual(skip.status, 'FAIL')
		self.assertIn('DEVICE_COHERENT not available', skip.reason)
		self.assertEqual(run.problems, [
			'scripts/zdtool/peers/expected-failures: 7.3 '
			'hmm-tests.hmm.*.renamed_case: matches no test of the run'])
		self.assertEqual(run.counts.failed, 2)

	def test_a_broken_port(self) -> None:
		tree = kunittree.needed(self)
		run = results.parse(_console('console-7.3-window-map-short.log'),
				    tree, _expected(), NAMES)
		by = {r.name: r for r in run.results}
		self.assertEqual(by['hmm-tests'].reason, '31 of 78 cases never '
				 'reported; it stopped in '
				 'hmm.hmm_device_coherent.migrate')
		self.assertEqual(by['gup_test -u -n 1'].reason,
				 'not run: the run stopped first')
		self.assertTrue(run.problems[0].startswith(
			'kernel report: BUG: unable to handle page fault'))
		self.assertIn('did not finish', run.problems[1])
		self.assertEqual(run.counts.failed, 11)

	def test_no_start(self) -> None:
		tree = kunittree.needed(self)
		run = results.parse('Kernel panic - not syncing: No working '
				    'init found.\n', tree, [], NAMES)
		self.assertEqual(run.results, [])
		self.assertEqual(len(run.problems), 2)
		self.assertIn('/init never started', run.problems[1])


class BootTest(unittest.TestCase):

	def test_window_and_coherent_ranges(self) -> None:
		text = 'x\nzone_device_mem: hotplug window [mem 0x40000000-' \
		       '0x9fffffff] (1536 MiB)\n'
		start, end = peers.window(text, 'probe.log')
		self.assertEqual((start, end), (0x40000000, 0xa0000000))
		self.assertEqual(peers.coherent_args(start, end), [
			'test_hmm.spm_addr_dev1=0x40000000',
			'test_hmm.spm_addr_dev0=0x50000000'])
		with self.assertRaisesRegex(ZdError, 'leaves no room'):
			peers.coherent_args(start, start + (512 << 20))
		with self.assertRaisesRegex(ZdError, '^probe.log: no '):
			peers.window('no window here', 'probe.log')

	def test_boot_line(self) -> None:
		cmd = peers.boot_line('linux', ['ncpus=2'], 'i.cpio', ['x=1'])
		self.assertEqual(cmd[:2], ['linux', 'ncpus=2'])
		self.assertIn('kunit.enable=0', cmd)
		self.assertIn(f'zone_device_mem={peers.WINDOW}', cmd)
		self.assertEqual(cmd[-2:], ['initrd=i.cpio', 'x=1'])
		self.assertEqual(Test('g', 'gup_test', ('-u', '-n', '1'), 60)
				 .plan_line(), 'g\t60\t/bin/gup_test\t-u\t-n\t1')

	def test_line_declares_peers(self) -> None:
		patches = os.path.join(kunittree.REPO, 'patches')
		self.assertEqual(source.load_line_source(
			os.path.join(patches, '7.3'), '7.3').peers, 'yes')
		self.assertEqual(source.load_line_source(
			os.path.join(patches, '6.12'), '6.12').peers, '')


@unittest.skipUnless(shutil.which('gcc'), 'no host gcc')
class UserspaceTest(unittest.TestCase):
	"""The initramfs from a tree of stand-in selftest sources."""

	def setUp(self) -> None:
		self.tmp = tempfile.mkdtemp()
		self.addCleanup(shutil.rmtree, self.tmp)
		self.mm = os.path.join(self.tmp, 'tree', SELFTESTS, 'mm')
		os.makedirs(self.mm)
		for p in PROGRAMS:
			for i, src in enumerate(p.sources):
				with open(os.path.join(self.mm, src), 'w') as f:
					f.write('int main(void) { return 0; }\n' if i == 0
						else f'int {src[:-2]}_x;\n')

	def test_build_and_rebuild_only_what_is_stale(self) -> None:
		user = Userspace(os.path.join(self.tmp, 'tree'),
				 os.path.join(self.tmp, 'out'))
		entries = {e.name: e for e in cpio.read(user.build())}
		for name in ('/init', '/bin/hmm-tests', '/bin/gup_test',
			     '/peers/plan', '/dev/console', '/tmp'):
			self.assertIn(name, entries)
		self.assertEqual(entries['/dev/console'].rdev, (5, 1))
		plan = entries['/peers/plan'].data.decode().splitlines()
		self.assertEqual(plan, [t.plan_line() for t in PLAN])
		built = os.path.getmtime(os.path.join(self.tmp, 'out', 'gup_test'))
		time.sleep(0.01)
		user.build()
		self.assertEqual(os.path.getmtime(os.path.join(
			self.tmp, 'out', 'gup_test')), built)

	def test_missing_source(self) -> None:
		os.unlink(os.path.join(self.mm, 'gup_test.c'))
		user = Userspace(os.path.join(self.tmp, 'tree'),
				 os.path.join(self.tmp, 'out'))
		with self.assertRaisesRegex(ZdError, 'gup_test.c: no such file'):
			user.build()


if __name__ == '__main__':
	unittest.main()
