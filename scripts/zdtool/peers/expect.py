# SPDX-License-Identifier: GPL-2.0
"""The selftest failures a kernel line is known to have: the entries of
expected-failures, next to this file (its header says the format)."""

import fnmatch
import os
import re
from dataclasses import dataclass
from typing import Dict, List, Optional

from zdtool import ZdError

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)),
		    'expected-failures')
# Where it is, as messages name it.
NAME = 'scripts/zdtool/peers/expected-failures'

_REASON = re.compile(r'^reason ([\w-]+):\s*(.+)$')
_ENTRY = re.compile(r'^(\S+)\s+(\S+)\s+([\w-]+)(?::\s*(.+))?$')


@dataclass(frozen=True)
class Expected:
	glob: str
	line: str
	reason: str

	def matches(self, name: str) -> bool:
		return fnmatch.fnmatchcase(name, self.glob)


def parse(text: str, where: str = NAME) -> List[Expected]:
	reasons: Dict[str, str] = {}
	out = []
	for n, raw in enumerate(text.splitlines(), 1):
		line = raw.split('#', 1)[0].strip()
		if not line:
			continue
		r = _REASON.match(line)
		e = _ENTRY.match(line)
		if r:
			reasons[r.group(1)] = r.group(2)
		elif e and e.group(3) in reasons:
			why = reasons[e.group(3)]
			if e.group(4):
				why += f' ({e.group(4)})'
			out.append(Expected(e.group(2), e.group(1), why))
		elif e:
			raise ZdError(f'{where}:{n}: {e.group(3)}: no such reason '
				      '(a "reason <name>: <text>" line before it)')
		else:
			raise ZdError(f'{where}:{n}: not "<line> <glob> <reason>" '
				      f'or "reason <name>: <text>": {raw.strip()}')
	return out


def load(line: str, path: str = PATH) -> List[Expected]:
	"""The entries of @path that name kernel line @line."""
	try:
		with open(path) as f:
			text = f.read()
	except OSError as e:
		raise ZdError(f'{path}: {e.strerror}') from None
	return [e for e in parse(text, path) if e.line == line]


def find(expected: List[Expected], name: str) -> Optional[Expected]:
	return next((e for e in expected if e.matches(name)), None)
