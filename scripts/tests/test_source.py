# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.source: KERNEL_SRC validation and version parsing."""

import os
import tempfile
import unittest
from unittest import mock

from tests import fakekernel
from zdtool import ZdError
from zdtool.kernel import source


class FindSourceTest(unittest.TestCase):

	def test_nonexistent(self) -> None:
		with self.assertRaisesRegex(ZdError, r'^KERNEL_SRC=/nonexistent: '
					    'no such file or directory$'):
			source.find_source('6.12', '/nonexistent')

	def test_directory_without_kunit(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			with self.assertRaisesRegex(ZdError, 'not a kernel source'):
				source.find_source('6.12', d)

	def test_plain_file(self) -> None:
		with tempfile.NamedTemporaryFile(suffix='.txt') as f:
			with self.assertRaisesRegex(ZdError, 'neither a directory'):
				source.find_source('6.12', f.name)

	def test_tree(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			fakekernel.make_tree(d)
			ks = source.find_source('6.12', d)
			self.assertFalse(ks.is_tarball)
			self.assertEqual(source.tree_version(d), '6.12.117')


class VersionTest(unittest.TestCase):

	def test_kernel_line(self) -> None:
		self.assertEqual(source.kernel_line('6.12.117'), '6.12')
		self.assertEqual(source.kernel_line('7.3.0-rc1'), '7.3')

	def test_extraversion(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			files = dict(fakekernel.FILES)
			files['Makefile'] = ('VERSION = 7\nPATCHLEVEL = 3\n'
					     'SUBLEVEL = 0\nEXTRAVERSION = -rc2\n')
			fakekernel.make_tree(d, files)
			self.assertEqual(source.tree_version(d), '7.3.0-rc2')

	def test_no_makefile(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			with self.assertRaisesRegex(ZdError, 'cannot read Makefile'):
				source.tree_version(d)


if __name__ == '__main__':
	unittest.main()


FAKE_APT = '''#!/bin/sh
# apt-get as the fetch drives it: records its options, "downloads" a .deb.
echo "$@" >> "$FAKE_APT_LOG"
case " $* " in
*" update "*) exit "${FAKE_APT_UPDATE_RC:-0}" ;;
*" download "*) : > "linux-source-7.3_7.3.4-1~bpo13+1_all.deb" ;;
esac
'''
FAKE_APT_CACHE = '''#!/bin/sh
# apt-cache policy/pkgnames over the fake archive: FAKE_APT_GONE says the
# line's package has left it.
case " $* " in
*" policy "*)
	if [ -n "$FAKE_APT_GONE" ]; then echo "N: Unable to locate package"
	else echo "linux-source-7.3:"; echo "  Candidate: 7.3.4-1~bpo13+1"; fi ;;
*" pkgnames "*)
	echo linux-source-7.4; echo linux-source-6.1; echo linux-source ;;
esac
'''
FAKE_DPKG_DEB = '''#!/bin/sh
# dpkg-deb -x DEB DIR: unpack a tarball where the real package has it.
mkdir -p "$3/usr/src" && : > "$3/usr/src/linux-source-7.3.tar.xz"
'''


class LineSourceTest(unittest.TestCase):

	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()
		self.addCleanup(self.tmp.cleanup)
		self.dir = self.tmp.name

	def write(self, name: str, text: str, mode: int = 0o644) -> str:
		path = os.path.join(self.dir, name)
		os.makedirs(os.path.dirname(path), exist_ok=True)
		with open(path, 'w') as f:
			f.write(text)
		os.chmod(path, mode)
		return path

	def test_default_is_the_machine_s_package(self) -> None:
		ls = source.load_line_source(self.dir, '6.12')
		self.assertEqual(ls, source.LineSource('linux-source-6.12', '', ''))

	def test_parse(self) -> None:
		self.write('source', '# comment\npackage=linux-source-7.3\n'
			   'suite = trixie-backports  # inline\ntested=7.3.4\n')
		self.assertEqual(source.load_line_source(self.dir, '7.3'),
				 source.LineSource('linux-source-7.3',
						   'trixie-backports', '7.3.4'))

	def test_bad_line_names_file_and_line(self) -> None:
		self.write('source', 'package=x\nmirror=http://x\n')
		with self.assertRaisesRegex(ZdError, r'/source:2: expected '):
			source.load_line_source(self.dir, '7.3')

	def test_sublevel_notice(self) -> None:
		ls = source.LineSource('linux-source-7.3', 's', '7.3.4')
		self.assertEqual(source.sublevel_notice(ls, '7.3.4'), '')
		self.assertEqual(source.sublevel_notice(ls, '7.3.9'),
				 'zdrace: notice: linux 7.3.9; the 7.3 series was '
				 'tested on 7.3.4')
		self.assertEqual(source.sublevel_notice(ls, '7.2.13', '7.3'),
				 'zdrace: notice: linux 7.2.13 runs on the 7.3 '
				 'series, tested on 7.3.4')

	def fake_tools(self) -> str:
		bin_dir = os.path.join(self.dir, 'bin')
		self.write('bin/apt-get', FAKE_APT, 0o755)
		self.write('bin/apt-cache', FAKE_APT_CACHE, 0o755)
		self.write('bin/dpkg-deb', FAKE_DPKG_DEB, 0o755)
		log = os.path.join(self.dir, 'apt.log')
		env = mock.patch.dict(os.environ, {
			'PATH': bin_dir + os.pathsep + os.environ['PATH'],
			'FAKE_APT_LOG': log})
		env.start()
		self.addCleanup(env.stop)
		return log

	def test_fetch_private_keeps_apt_to_itself(self) -> None:
		log = self.fake_tools()
		self.write('patches/source', 'package=linux-source-7.3\n'
			   'suite=trixie-backports\n')
		fetch = os.path.join(self.dir, 'build', 'source')
		ks = source.find_source('7.3', None,
					os.path.join(self.dir, 'patches'), fetch)
		self.assertTrue(ks.is_tarball)
		self.assertEqual(ks.path, os.path.join(
			fetch, 'unpacked/usr/src/linux-source-7.3.tar.xz'))
		with open(os.path.join(fetch, 'sources.list')) as f:
			self.assertEqual(f.read(), 'deb [signed-by=/usr/share/keyrings/'
					 'debian-archive-keyring.gpg] http://deb.debian.'
					 'org/debian trixie-backports main\n')
		with open(log) as f:
			calls = f.read().splitlines()
		self.assertEqual(len(calls), 2)
		for call in calls:
			self.assertIn(f'Dir::Etc::SourceList={fetch}/sources.list',
				      call)
			self.assertIn('Dir::Etc::SourceParts=/dev/null', call)
			self.assertIn(f'Dir::State::Lists={fetch}/lists', call)
		# Fetched once: the next run finds the unpacked tarball.
		source.find_source('7.3', None, os.path.join(self.dir, 'patches'),
				   fetch)
		with open(log) as f:
			self.assertEqual(len(f.read().splitlines()), 2)

	def test_fetch_failure_names_package_and_suite(self) -> None:
		self.fake_tools()
		os.environ['FAKE_APT_UPDATE_RC'] = '100'  # restored by fake_tools
		ls = source.LineSource('linux-source-7.3', 'trixie-backports', '')
		with self.assertRaisesRegex(ZdError, r'^apt-get update of '
					    r'linux-source-7.3 from trixie-backports '
					    r'failed'):
			source.fetch_private(ls, os.path.join(self.dir, 'f'))

	def test_suites_and_a_package_gone(self) -> None:
		log = self.fake_tools()
		ls = source.LineSource('linux-source-7.3', 'trixie-backports sid',
				       '')
		root = os.path.join(self.dir, 'f')
		os.environ['FAKE_APT_GONE'] = '1'  # restored by fake_tools
		with self.assertRaises(ZdError) as cm:
			source.fetch_private(ls, root)
		self.assertEqual(str(cm.exception),
				 'linux-source-7.3 is in none of Debian '
				 'trixie-backports, sid any more; the nearest there '
				 'is linux-source-7.4: fetch it (apt-get download '
				 'linux-source-7.4; dpkg-deb -x linux-source-7.4_*.deb '
				 'DIR) and run make KERNEL_SRC=DIR/usr/src/'
				 'linux-source-7.4.tar.xz')
		with open(os.path.join(root, 'sources.list')) as f:
			self.assertEqual([l.split()[-2] for l in f],
					 ['trixie-backports', 'sid'])
		with open(log) as f:
			self.assertNotIn('download', f.read())

	def test_line_key_orders_lines(self) -> None:
		self.assertEqual(sorted(['7.3', '6.12', '7.10'], key=source.line_key),
				 ['6.12', '7.3', '7.10'])
