# SPDX-License-Identifier: GPL-2.0
"""kunit.py's own modules, imported from the prepared tree.

The KTAP parser (kunit_parser.py), the JSON writer (kunit_json.py) and
kunit.py's argument parser are those of the kernel under test, found in
build/<line>/linux/tools/testing/kunit; nothing is copied.  They are
imported once per process, from the first tree asked for.
"""

import importlib
import inspect
import io
import os
import sys
from types import ModuleType
from typing import Any, Iterable, Iterator, List

from zdtool import ZdError

KUNIT_DIR = 'tools/testing/kunit'


def kunit_dir(tree: str) -> str:
	return os.path.join(tree, KUNIT_DIR)


def load(tree: str, name: str) -> ModuleType:
	"""Module @name (kunit_parser, kunit_json, kunit) of @tree's kunit.py.

	Its console output is dropped: we parse, kunit.py's run prints.
	"""
	where = kunit_dir(tree)
	path = os.path.join(where, f'{name}.py')
	if name not in sys.modules and not os.path.isfile(path):
		raise ZdError(f'{path}: no such file; prepare the tree first '
			      f'(make prepare)')
	if where not in sys.path and os.path.isdir(where):
		sys.path.append(where)
	module = importlib.import_module(name)
	quiet = quiet_printer()
	for m in (module, sys.modules.get('kunit_parser')):
		if m is not None and hasattr(m, 'stdout'):
			m.stdout = quiet  # type: ignore[attr-defined]
	return module


def quiet_printer() -> Any:
	"""A kunit_printer.Printer that prints nowhere (6.12 and 7.x both take
	an `output`)."""
	printer = importlib.import_module('kunit_printer')
	return printer.Printer(output=io.StringIO())


class Ktap:
	"""kunit_parser's reading of a console log."""

	def __init__(self, tree: str, lines: Iterable[str]) -> None:
		self.parser = load(tree, 'kunit_parser')
		parse = self.parser.parse_run_tests
		# Since 6.16 the parser takes the printer it reports through.
		if 'printer' in inspect.signature(parse).parameters:
			self.root = parse(list(lines), quiet_printer())
		else:
			self.root = parse(list(lines))
		self.Status = self.parser.TestStatus

	@property
	def found(self) -> bool:
		"""Whether the log had KTAP output at all."""
		return bool(self.root.status !=
			    self.Status.FAILURE_TO_PARSE_TESTS)

	@property
	def no_tests(self) -> bool:
		return bool(self.root.status == self.Status.NO_TESTS)

	def find(self, *path: str) -> Any:
		"""The test at suite[.case[.param]], if it ran."""
		test = self.root
		for name in path:
			test = next((t for t in test.subtests if t.name == name),
				    None)
			if test is None:
				return None
		return test


def leaves(test: Any) -> Iterator[Any]:
	"""The cases of @test without subtests, in console order."""
	subtests: List[Any] = test.subtests
	if not subtests:
		yield test
	for t in subtests:
		yield from leaves(t)


def status(test: Any) -> str:
	"""PASS, FAIL, SKIP or ERROR, as kunit_json.py names them."""
	name = test.status.name
	return {'SUCCESS': 'PASS', 'FAILURE': 'FAIL',
		'SKIPPED': 'SKIP'}.get(name, 'ERROR')
