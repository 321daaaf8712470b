# SPDX-License-Identifier: GPL-2.0
"""The selftest failures a kernel line is known to have: the
ZD_PEER_FAIL(glob, line, reason) entries of kunit-tests/zd_rules.h, the
place that declares the rules' known breaks too.  A reason is string
literals and names #defined to one in that file."""

import fnmatch
import re
from dataclasses import dataclass
from typing import Dict, List, Optional

from zdtool import ZdError

RULES_H = 'kunit-tests/zd_rules.h'

_DEFINE = re.compile(r'^#define\s+(\w+)\s+("(?:[^"\\]|\\.)*")\s*$', re.M)
_ENTRY = re.compile(r'\bZD_PEER_FAIL\(\s*"([^"]+)"\s*,\s*"([^"]+)"\s*,'
		    r'((?:\s*(?:"(?:[^"\\]|\\.)*"|\w+))+)\s*\)')
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\w+)')


@dataclass(frozen=True)
class Expected:
	glob: str
	line: str
	reason: str

	def matches(self, name: str) -> bool:
		return fnmatch.fnmatchcase(name, self.glob)


def _reason(text: str, defines: Dict[str, str], where: str) -> str:
	out = []
	for m in _TOKEN.finditer(text):
		if m.group(1) is not None:
			out.append(m.group(1))
		elif m.group(2) in defines:
			out.append(defines[m.group(2)])
		else:
			raise ZdError(f'{where}: {m.group(2)}: not a string '
				      'this file #defines')
	return ''.join(out).replace('\\"', '"')


def parse(text: str, where: str = RULES_H) -> List[Expected]:
	defines = {m.group(1): m.group(2)[1:-1]
		   for m in _DEFINE.finditer(text)}
	return [Expected(m.group(1), m.group(2),
			 _reason(m.group(3), defines, where))
		for m in _ENTRY.finditer(text)]


def load(path: str, line: str) -> List[Expected]:
	"""The entries of @path that name kernel line @line."""
	try:
		with open(path) as f:
			text = f.read()
	except OSError as e:
		raise ZdError(f'{path}: {e.strerror}') from None
	return [e for e in parse(text, path) if e.line == line]


def find(expected: List[Expected], name: str) -> Optional[Expected]:
	return next((e for e in expected if e.matches(name)), None)
