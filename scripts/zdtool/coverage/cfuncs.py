# SPDX-License-Identifier: GPL-2.0
"""Where each function of a C source or header starts and ends.

gcov counts lines, and for a static inline function in a header it has
no function of its own in most objects (the body was inlined into its
callers), so per-function numbers are taken from the lines inside the
function's definition.  This is a scanner, not a compiler: it finds
top-level `name(...) {...}` definitions after removing comments,
literals and preprocessor lines, which is enough for kernel C.
Functions made by macros are not seen.
"""

import bisect
import re
from dataclasses import dataclass
from typing import Dict, List

# Attribute-like macros that take arguments and may precede the name.
_ATTRIBUTES = {'__attribute__', '__printf', '__scanf', '__section',
	       '__aligned', '__alloc_size', '__diagnose_as', '__must_hold',
	       '__acquires', '__releases', '__cond_acquires', '__assume_aligned',
	       '__malloc', 'alignas', '_Alignas', '__counted_by'}
_KEYWORDS = {'if', 'for', 'while', 'switch', 'return', 'sizeof', 'do',
	     'typeof', '__typeof__', 'struct', 'union', 'enum'}
_CALL = re.compile(r'([A-Za-z_]\w*)\s*\(')


@dataclass(frozen=True)
class FuncRange:
	name: str
	first: int	# first line of the definition (return type)
	name_line: int	# line holding the name
	last: int	# line of the closing brace


def _blank(text: str) -> str:
	"""Comments, string/char literals and preprocessor lines become
	spaces; newlines stay, so offsets map to the same line numbers."""
	out = []
	i, n = 0, len(text)
	line_start = True
	while i < n:
		c = text[i]
		if line_start and c == '#':
			# A directive, with its backslash continuations.
			j = i
			while j < n and text[j] != '\n':
				if text[j] == '\\' and j + 1 < n and text[j + 1] == '\n':
					j += 2
					continue
				j += 1
			out.append(re.sub(r'[^\n]', ' ', text[i:j]))
			i = j
			continue
		if c == '/' and text.startswith('/*', i):
			j = text.find('*/', i + 2)
			j = n if j < 0 else j + 2
			out.append(re.sub(r'[^\n]', ' ', text[i:j]))
			i = j
			continue
		if c == '/' and text.startswith('//', i):
			j = text.find('\n', i)
			j = n if j < 0 else j
			out.append(' ' * (j - i))
			i = j
			continue
		if c in '"\'':
			j = i + 1
			while j < n and text[j] != c and text[j] != '\n':
				j += 2 if text[j] == '\\' else 1
			j = min(j + 1, n)
			out.append(c + re.sub(r'[^\n]', ' ', text[i + 1:j - 1]) + c
				   if j - i >= 2 else text[i:j])
			i = j
			continue
		if c == '\n':
			line_start = True
		elif not c.isspace():
			line_start = False
		out.append(c)
		i += 1
	return ''.join(out)


def _name(header: str) -> str:
	"""The defined function's name in the text before its body, or ''."""
	depth = 0
	for i, c in enumerate(header):
		if c in '([':
			depth += 1
		elif c in ')]':
			depth -= 1
		elif c == '=' and depth == 0:
			return ''	# an initializer: `... x = {`
	for m in _CALL.finditer(header):
		if _paren_depth(header, m.start()) != 0:
			continue
		word = m.group(1)
		if word in _ATTRIBUTES:
			continue
		if word in _KEYWORDS:
			return ''
		return word
	return ''


def _paren_depth(text: str, end: int) -> int:
	return text.count('(', 0, end) - text.count(')', 0, end)


def find_functions(text: str) -> Dict[str, List[FuncRange]]:
	"""Name -> its definitions (several when #ifdef branches differ)."""
	code = _blank(text)
	line_of = [0] * (len(code) + 1)
	line = 1
	for i, c in enumerate(code):
		line_of[i] = line
		if c == '\n':
			line += 1
	line_of[len(code)] = line

	found: Dict[str, List[FuncRange]] = {}
	depth = 0
	head_start = 0		# where the current top-level declaration began
	open_at = -1
	name = ''
	for i, c in enumerate(code):
		if c == '{':
			if depth == 0:
				name = _name(code[head_start:i])
				open_at = i
			depth += 1
		elif c == '}':
			depth -= 1
			if depth < 0:
				depth = 0	# unbalanced: resynchronise
			if depth == 0:
				if name:
					head = code[head_start:open_at]
					skip = len(head) - len(head.lstrip())
					m = re.search(r'\b' + re.escape(name) + r'\s*\(',
						      head)
					name_at = head_start + (m.start() if m else skip)
					found.setdefault(name, []).append(FuncRange(
						name, line_of[head_start + skip],
						line_of[name_at], line_of[i]))
				name = ''
				head_start = i + 1
		elif c == ';' and depth == 0:
			head_start = i + 1
	return found


def _closing(code: str, at: int, hi: int) -> int:
	"""Where the bracket opened at @at closes (before @hi), else @hi."""
	pair = {'(': ')', '{': '}'}[code[at]]
	depth = 0
	for i in range(at, hi):
		if code[i] == code[at]:
			depth += 1
		elif code[i] == pair:
			depth -= 1
			if depth == 0:
				return i
	return hi


def find_block(text: str, func: FuncRange, anchor: str) -> List[FuncRange]:
	"""The statement blocks of @func whose `if` condition holds @anchor
	(code, not a comment): from the `if` line to the block's closing
	brace (the line before it when an `else` follows the brace there),
	each as a range named `function@anchor`.  A braceless body ends at
	its semicolon."""
	code = _blank(text)
	starts = [0]
	for line in code.split('\n'):
		starts.append(starts[-1] + len(line) + 1)
	lo, hi = starts[func.first - 1], starts[min(func.last, len(starts) - 1)]

	def line_of(at: int) -> int:
		return bisect.bisect_right(starts, at)

	name = f'{func.name}@{anchor}'
	found: List[FuncRange] = []
	at = code.find(anchor, lo, hi)
	while at >= 0:
		# The `if (` whose condition holds the anchor.
		depth, i, if_at = 0, at, None
		while i > lo and not if_at:
			i -= 1
			if code[i] == ')':
				depth += 1
			elif code[i] == '(':
				if depth == 0:
					if_at = re.search(r'\bif\s*$', code[lo:i])
				depth -= 1
		if not if_at:
			at = code.find(anchor, at + len(anchor), hi)
			continue
		start = lo + if_at.start()
		# Past the condition's closing parenthesis, then the body.
		k = _closing(code, i, hi) + 1
		while k < hi and code[k].isspace():
			k += 1
		end = _closing(code, k, hi) if k < hi and code[k] == '{' else \
			code.find(';', k, hi)
		if end >= 0:
			eol = code.find('\n', end, hi)
			last = line_of(end)
			# A brace that an `else` follows on its line is the else's.
			if code[end] == '}' and code[end + 1:eol if eol >= 0 else hi].strip():
				last -= 1
			found.append(FuncRange(name, line_of(start), line_of(start),
					       last))
		at = code.find(anchor, max(end, at + len(anchor)), hi)
	return found
