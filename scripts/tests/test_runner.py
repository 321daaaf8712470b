# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.runner: a build that fails says so, with the compiler's
first error and the command that rebuilds; no kernel is booted."""

import contextlib
import io
import os
import tempfile
import unittest
from typing import List, Optional, Tuple

from zdtool import ZdError
from zdtool.kernel import runner, tree

BUILD = ('  CC      mm/filemap.o\n'
	 'zdrace/fault-inject/zdrace_fi.c: In function \'zdrace_fi_init\':\n'
	 'ERROR:root:zdrace/fault-inject/zdrace_fi.c:746:17: error: passing '
	 'argument 1 '
	 'of \'strscpy\' from incompatible pointer type\n'
	 'mm/gup.c:12:1: error: expected \';\'\n'
	 'make[3]: *** [scripts/Makefile.build:229: zdrace_fi.o] Error 1\n')


class _FailingBuild(runner.KunitRun):
	execs: List[str] = []

	def tee(self, verb: str) -> Tuple[int, str]:
		print(BUILD, end='')
		return 1, BUILD

	def invoke(self, verb: str, json_path: Optional[str] = None,
		   quiet: bool = False) -> int:
		self.execs.append(verb)
		return 0


class BuildFailureTest(unittest.TestCase):

	def test_first_error(self) -> None:
		self.assertEqual(runner.first_error(BUILD),
				 'zdrace/fault-inject/zdrace_fi.c:746:17: error: '
				 'passing argument 1 of \'strscpy\' from '
				 'incompatible pointer type')
		self.assertEqual(runner.first_error('ld: x.o: undefined '
						    'reference to `f\'\nmake: '
						    '*** Error 1\n'),
				 'ld: x.o: undefined reference to `f\'')
		self.assertEqual(runner.first_error('a\nlast words\n'),
				 'last words')

	def test_no_boot_and_the_command(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			run = _FailingBuild(tree=d, build_dir=f'{d}/kunit',
					    results=f'{d}/results', configs=[])
			out = io.StringIO()
			with contextlib.redirect_stdout(out):
				counts = runner.run_suites(run, 'zdrace: linux x', 'z',
							   check_rules=True)
		self.assertEqual((counts.passed, counts.failed), (0, 1))
		self.assertEqual(run.execs, [])
		lines = out.getvalue().splitlines()
		self.assertIn('zdrace: build failed: zdrace/fault-inject/'
			      'zdrace_fi.c:746:17: error: passing argument 1 of '
			      '\'strscpy\' from incompatible pointer type', lines)
		rebuild = [l for l in lines if l.startswith('zdrace: rebuild '
							    'with: ')]
		self.assertEqual(len(rebuild), 1)
		self.assertIn(f'cd {d} && ', rebuild[0])
		self.assertIn('tools/testing/kunit/kunit.py build --build_dir=',
			      rebuild[0])


class TreeArgsTest(unittest.TestCase):
	"""Every boot names the points its own tree lacks, whichever tree
	it is (main, mutant, review): not another tree's."""

	def test_boot_args_come_from_the_tree_booted(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			info = tree.TreeInfo('6.12.118', 'x', 1, placement={
				'placed': [], 'absent': [], 'not_placed': [
					{'point': 'p', 'where': 'mm/gup.c:7',
					 'why': 'w'}]})
			tree._write_info(d, info)
			run = runner.KunitRun(tree=d, build_dir=f'{d}/kunit',
					      results=f'{d}/r', configs=[],
					      kernel_args=['a=1'])
			self.assertIn('--kernel_args=zdrace_fi.unplaced=p@mm/gup.c:7',
				      run.command('exec'))
			self.assertIn('--kernel_args=a=1', run.command('exec'))
			self.assertNotIn('--kernel_args=zdrace_fi.unplaced=p@'
					 'mm/gup.c:7', run.command('build'))
			other = runner.KunitRun(tree=f'{d}/none', build_dir=d,
						results=d, configs=[])
			self.assertEqual([a for a in other.command('exec')
					  if 'unplaced' in a], [])


class PmemTest(unittest.TestCase):
	"""A kernel built with persistent memory boots with a fresh ext4
	image of its own as zone_device_pmem=; others boot without."""

	def test_image_for_a_pmem_kernel(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			pmem = os.path.join(d, 'pmem.config')
			with open(pmem, 'w') as f:
				f.write('# a comment\nCONFIG_UML_PMEM=y\n')
			run = runner.KunitRun(tree=d, build_dir=f'{d}/kunit',
					      results=f'{d}/r', configs=[],
					      line_configs=[pmem])
			image = f'{d}/kunit/{runner.PMEM_IMAGE}'
			self.assertIn(f'--kernel_args=zone_device_pmem={image}',
				      run.command('exec'))
			self.assertFalse(any('zone_device_pmem' in a
					     for a in run.command('build')))
			run.boot_files('exec')
			with open(image, 'rb') as f:
				f.seek(1024 + 0x38)	# the ext2/3/4 superblock magic
				self.assertEqual(f.read(2), b'\x53\xef')
			self.assertEqual(os.path.getsize(image), runner.PMEM_SIZE)
			plain = runner.KunitRun(tree=d, build_dir=d, results=d,
						configs=[])
			self.assertEqual(plain.pmem_image, '')


class OwnConsoleTest(unittest.TestCase):
	"""A boot with a console of its own leaves test.log, another boot's
	console, as it was."""

	def test_boot_keeps_the_other_console(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			log = os.path.join(d, 'test.log')
			with open(log, 'w') as f:
				f.write('one CPU\n')
			run = runner.KunitRun(tree=d, build_dir=d, results=d,
					      configs=[],
					      console='test-smp.log')
			with run.own_console('exec'):
				with open(log, 'w') as f:
					f.write('two CPUs\n')
			with open(log) as f:
				self.assertEqual(f.read(), 'one CPU\n')
			with open(run.console_log) as f:
				self.assertEqual(f.read(), 'two CPUs\n')
			# A boot that wrote no console leaves none of its own.
			with run.own_console('exec'):
				pass
			self.assertFalse(os.path.exists(run.console_log))
			with open(log) as f:
				self.assertEqual(f.read(), 'one CPU\n')


class SmpSplitTest(unittest.TestCase):
	"""What a line's kernel and its SMP kernel each run of FILTER=."""
	CASES = {'zdrace_page_ref': ['get_put', 'zap_then_put'],
		 'zdrace_smp_races': ['zap_waits', 'all_vcpus_online'],
		 'zone_device_smoke': ['map_unmap']}

	def split(self, glob: str) -> Tuple[Optional[str], Optional[str]]:
		return runner.split_filter(glob, 'zdrace_smp_races', self.CASES)

	def test_all(self) -> None:
		self.assertEqual(self.split(''), ('', 'zdrace_smp_races'))
		self.assertEqual(self.split('zdrace_*'),
				 ('zdrace_*', 'zdrace_smp_races'))
		self.assertEqual(self.split('*.zap*'),
				 ('*.zap*', 'zdrace_smp_races.zap*'))

	def test_one_kernel(self) -> None:
		self.assertEqual(self.split('zdrace_smp_races.zap*'),
				 (None, 'zdrace_smp_races.zap*'))
		self.assertEqual(self.split('zone_device_smoke'),
				 ('zone_device_smoke', None))
		# A wildcard suite whose cases are on one kernel only.
		self.assertEqual(self.split('*.all_vcpus_online'),
				 (None, '*.all_vcpus_online'))
		self.assertEqual(self.split('*.map_unmap'), ('*.map_unmap', None))
		# Nothing matches: the line's kernel says so.
		self.assertEqual(self.split('nosuch'), ('nosuch', None))

	def test_one_glob_only(self) -> None:
		runner.check_filter('zdrace_*.teardown_*')
		for bad in ('a*:b*', 'a*,b*', 'a b'):
			with self.assertRaisesRegex(ZdError, r'^FILTER=.*one kunit '
						    r'filter glob'):
				runner.check_filter(bad)

	def test_suites_and_cases_of_the_sources(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			with open(os.path.join(d, 'a.c'), 'w') as f:
				f.write('static struct kunit_case a_cases[] = {\n'
					'\tKUNIT_CASE(one),\n'
					'\tKUNIT_CASE_PARAM(two, two_gen_params),\n'
					'\t{}\n};\n'
					'static struct kunit_suite __refdata a = {\n'
					'\t.init = a_init,\n\t.name = "zd_a",\n};\n')
			self.assertEqual(runner.suite_cases(d),
					 {'zd_a': ['one', 'two']})
		here = os.path.dirname(os.path.abspath(__file__))
		ours = runner.suite_cases(os.path.join(here, '..', '..',
						       'kunit-tests'))
		self.assertIn('zap_waits_for_irqs_off_walker',
			      ours['zdrace_smp_races'])
		self.assertIn('cut_races_pin', ours['zdrace_dax_fs'])

	def test_suites_left_out_by_module(self) -> None:
		"""A boot with one CPU leaves the SMP suites out by their
		modules, the sources' names; no glob, no filter."""
		with tempfile.TemporaryDirectory() as d:
			for name, suites in (('zd_a', ['zd_a_races']),
					     ('zd_b', ['zd_b', 'zd_b_more']),
					     ('zd_c', ['zd_c_races'])):
				with open(os.path.join(d, f'{name}.c'), 'w') as f:
					f.write(''.join(
						f'static struct kunit_suite {s} = {{\n'
						f'\t.name = "{s}",\n}};\n'
						for s in suites))
			self.assertEqual(runner.suite_modules(d, '*_races'),
					 ['zd_a', 'zd_c'])
			self.assertEqual(runner.not_suites_args(d, '*_races'),
					 ['kunit.filter=module!=zd_a,module!=zd_c'])
			self.assertEqual(runner.not_suites_args(d, 'zd_b_more'),
					 ['kunit.filter=module!=zd_b'])
			self.assertEqual(runner.not_suites_args(d, ''), [])
			self.assertEqual(runner.not_suites_args(d, 'nosuch'), [])


if __name__ == '__main__':
	unittest.main()
