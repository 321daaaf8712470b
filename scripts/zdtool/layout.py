# SPDX-License-Identifier: GPL-2.0
"""Every directory the tooling writes, named once.

	BUILD/<line>/pristine/		the kernel source, unpacked once
	BUILD/<line>/linux/		the prepared tree (pristine + series)
	BUILD/<line>/kunit/		its kunit.py build (make, make check);
					test-smp.log: the console of its boot
					with two CPUs (smp_kernel_args=)
	BUILD/<line>/results/		kunit.py's JSON of each run
	BUILD/<line>/stock/		make stock: the patched kernel
	BUILD/<line>/stock-pristine/	make stock: the unpatched kernel
	BUILD/<line>/coverage-kunit/	make coverage: the gcov build
	BUILD/<line>/review/		make review: the series' tree (upstream/),
					ours around it (linux/), its build
	BUILD/<line>/mutant/		make mutants: a tree + build of its own
	BUILD/<line>/bench-fi-{n,y}/	make bench: the gup-fast kernels
	BUILD/<line>/peers/		make peers: its kernel build, and in
					user/ the static tests and initramfs
	BUILD/<line>/kernel-list.json	the sweep's reading of the kernel
					(-smp.json: booted with two CPUs)
	BUILD/<line>/sweep-kernels/	the kernels sweeps boot (copies)
	BUILD/<line>/source/		the line's Debian package, when fetched
	BUILD/<line>/trees/<v>-<hash>/	a KERNEL_SRC tree: all of the above
					that its runs make, on their own
	BUILD/<line>/coverage/		coverage reports (review/: make review)
	BUILD/compare/			make compare: the rules x lines table
	BUILD/sweep/<timestamp>/	sweep outputs

`make clean` removes what build_output() lists: everything of the line
above but the pristine and fetched source and the prepared tree (the
sweeps and the comparison belong to every line: `make distclean`).
"""

import os
from dataclasses import dataclass
from typing import List

BENCH_FI = ('n', 'y')		# CONFIG_ZDRACE_FI of the two bench kernels


@dataclass(frozen=True)
class TreeDirs:
	"""A prepared tree and its kunit.py build, under @root."""
	root: str
	pristine: str		# the source it is hard-linked to

	@property
	def tree(self) -> str:
		return os.path.join(self.root, 'linux')

	@property
	def new_tree(self) -> str:
		return os.path.join(self.root, 'linux.new')

	@property
	def old_tree(self) -> str:
		return os.path.join(self.root, 'linux.old')

	@property
	def kunit(self) -> str:
		return os.path.join(self.root, 'kunit')

	@property
	def results(self) -> str:
		return os.path.join(self.root, 'results')


@dataclass(frozen=True)
class Layout:
	"""The build area of kernel line @line under @build_root (BUILD=):
	BUILD/<line>/, or for a KERNEL_SRC tree @area, a directory of its
	own (BUILD/<line>/trees/<version>-<hash>/)."""
	build_root: str
	line: str
	area: str = ''

	@property
	def root(self) -> str:
		return os.path.join(self.build_root, self.area or self.line)

	@property
	def pristine(self) -> str:
		return os.path.join(self.root, 'pristine')

	@property
	def main(self) -> TreeDirs:
		return TreeDirs(self.root, self.pristine)

	@property
	def tree(self) -> str:
		return self.main.tree

	@property
	def kunit(self) -> str:
		return self.main.kunit

	@property
	def linux(self) -> str:
		"""The UML kernel `make` built."""
		return os.path.join(self.kunit, 'linux')

	@property
	def results(self) -> str:
		return self.main.results

	@property
	def fetched(self) -> str:
		"""Debian's source package of the line, fetched with apt sources
		of its own (patches/<line>/source); kept like the pristine tree."""
		return os.path.join(self.root, 'source')

	@property
	def stock(self) -> str:
		return os.path.join(self.root, 'stock')

	@property
	def stock_pristine(self) -> str:
		return os.path.join(self.root, 'stock-pristine')

	@property
	def coverage_kunit(self) -> str:
		return os.path.join(self.root, 'coverage-kunit')

	@property
	def review(self) -> TreeDirs:
		return TreeDirs(os.path.join(self.root, 'review'), self.pristine)

	@property
	def mutant(self) -> TreeDirs:
		return TreeDirs(os.path.join(self.root, 'mutant'), self.pristine)

	@property
	def peers(self) -> str:
		return os.path.join(self.root, 'peers')

	@property
	def peers_user(self) -> str:
		return os.path.join(self.peers, 'user')

	def bench_fi(self, fi: str) -> str:
		return os.path.join(self.root, f'bench-fi-{fi}')

	@property
	def kernel_list(self) -> str:
		return os.path.join(self.root, 'kernel-list.json')

	@property
	def kernel_list_smp(self) -> str:
		return os.path.join(self.root, 'kernel-list-smp.json')

	@property
	def coverage(self) -> str:
		return os.path.join(self.root, 'coverage')

	@property
	def sweep(self) -> str:
		return os.path.join(self.build_root, 'sweep')

	@property
	def sweep_kernels(self) -> str:
		"""The kernels sweeps boot: copies no build rewrites."""
		return os.path.join(self.root, 'sweep-kernels')

	@property
	def compare(self) -> str:
		return os.path.join(self.build_root, 'compare')

	def build_output(self) -> List[str]:
		"""What `make clean` removes."""
		return [self.kunit, self.results, self.stock, self.stock_pristine,
			self.coverage_kunit, self.review.root, self.mutant.root,
			*(self.bench_fi(fi) for fi in BENCH_FI), self.peers,
			self.kernel_list, self.kernel_list_smp, self.coverage,
			self.sweep_kernels]
