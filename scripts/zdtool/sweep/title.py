# SPDX-License-Identifier: GPL-2.0
"""Kernel reports in a console log, titled the way syzkaller titles them.

A title names the kind of report and the function it points at, with
addresses, offsets, pids and other numbers stripped, so that the same bug
seen in many runs has one title:

	KASAN: slab-use-after-free Read in free_zone_device_folio
	WARNING in zone_device_page_init
	kernel BUG in memunmap_pages
	BUG: unable to handle page fault in gup_fast_pte_range
	refcount bug in put_dev_pagemap
	kernel panic: <message>
	INFO: task hung in memunmap_pages

UML specifics: BUG() prints `BUG: failure at <file>:<line>/<func>()!` and
panics; a kernel-mode segfault prints the registers (`RIP: 0033:<func>+..`)
and panics with `Segfault with no mm` (kernel threads) or `Kernel mode fault
at addr 0x.., ip 0x..`.
"""

import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

# Reports every boot of this UML configuration prints: not findings.
IGNORED: Dict[str, str] = {
	'WARNING in um_pci_init':
		'UML virt-pci warns at every boot when no virtio device is '
		'configured',
}

_TS = re.compile(r'^\[\s*\d+\.\d+\](?:\[\s*[TC]\d+\])? ?')
_FRAME = re.compile(r'^\s*(?:\[<[0-9a-f]+>\]\s*)?(?:\? )?'
		    r'([A-Za-z_][\w.]*)\+0x([0-9a-f]+)/0x[0-9a-f]+')
_RIP = re.compile(r'\b[RE]?IP: (?:[0-9a-f]{4}:)?(?:\[<[0-9a-f]+>\] )?'
		  r'([A-Za-z_][\w.]*)\+0x')
# Frames that are the reporting machinery or generic helpers, never the
# culprit (syzkaller skips much the same).
_SKIP = re.compile(
	r'^(dump_stack|show_stack|show_regs|dump_trace|_?printk|vprintk|'
	r'__warn|warn_slowpath|report_bug|panic|__might|___might|'
	r'kasan_|__kasan|__asan|print_address|print_report|'
	r'check_memory_region|mem(cpy|set|move)|__mem(cpy|set|move)|'
	r'refcount_|__refcount|(raw_|arch_)?atomic|instrument_|'
	r'um_set_signals|os_|timer_read|ktime_get|new_thread_handler|'
	r'kthread|ret_from_fork|schedule|__schedule|preempt_schedule|'
	r'_raw_spin|__raw_spin|do_raw_spin|lock_acquire|lock_release|'
	r'mutex_|__mutex|wait_for_completion|__wait_for_common|'
	r'wait_for_common|schedule_timeout|kunit_|__kunit|zd_sched_|'
	r'zdrace_fi|__zdrace_fi|should_fail|zd_count_cb|bad_page|'
	r'dump_page|__dump_page)')


def clean_lines(text: str) -> List[str]:
	"""Console lines without printk timestamps or carriage returns."""
	return [_TS.sub('', line.rstrip('\r'))
		for line in text.replace('\r\n', '\n').split('\n')]


def symbol(text: str) -> str:
	"""func+0x1e/0x80 or func.isra.0 -> func."""
	name = text.split('+', 1)[0]
	return re.sub(r'\.(isra|constprop|part|cold|llvm)\b.*$', '', name)


def strip(text: str) -> str:
	"""Drop addresses, offsets, pids and line numbers; numbers become N."""
	s = re.sub(r'\+0x[0-9a-fA-F]+/0x[0-9a-fA-F]+', '', text)
	s = re.sub(r'\b0x[0-9a-fA-F]+\b|\b[0-9a-f]{8,}\b', '', s)
	s = re.sub(r'\b(PID|pid|CPU|cpu|UID): ?\d+', '', s)
	s = re.sub(r'(\.[ch]|\.S):\d+\b', r'\1', s)
	s = re.sub(r'(?<![\w.])\d+(?:\.\d+)?(?![\w.])', 'N', s)
	s = re.sub(r'\s+', ' ', re.sub(r' \(\s*\)', '', s))
	s = re.sub(r' ([,;:)])', r'\1', s).replace('( ', '(')
	return s.strip(' ,;:')


def _frames(lines: List[str], start: int, limit: int = 80) -> List[str]:
	"""Meaningful function names of the stack after @start."""
	out = []
	for line in lines[start + 1:start + 1 + limit]:
		if re.match(r'\s*-+\[ end|\s*=====|\s*(ok|not ok) \d', line):
			break
		m = _FRAME.match(line)
		if m and int(m.group(2), 16) != 0:
			name = symbol(m.group(1))
			if not _SKIP.match(name):
				out.append(name)
	return out


def _rip(lines: List[str], i: int, back: int, ahead: int) -> Optional[str]:
	"""The function of the register dump near line @i, if any."""
	for j in list(range(i, min(len(lines), i + ahead))) + \
			list(range(i - 1, max(-1, i - back), -1)):
		m = _RIP.search(lines[j])
		if m:
			return symbol(m.group(1))
	return None


def _in(lines: List[str], i: int, fn: Optional[str] = None) -> str:
	"""' in <culprit>': @fn unless it is a helper, else the stack's."""
	if fn and not _SKIP.match(fn):
		return f' in {fn}'
	frames = _frames(lines, i)
	return f' in {frames[0]}' if frames else (f' in {fn}' if fn else '')


@dataclass
class Report:
	kind: str	# kasan, bug, warn, panic, hang
	title: str
	line: int


def _kasan(m: 're.Match[str]', lines: List[str], i: int) -> Tuple[str, str]:
	access = ''
	for line in lines[i + 1:i + 4]:
		a = re.match(r'\s*(Read|Write) of size', line)
		if a:
			access = ' ' + a.group(1)
			break
	return 'kasan', (f'{m.group(1)}: {m.group(2)}{access}'
			 f'{_in(lines, i, symbol(m.group(3)))}')


def _warn(m: 're.Match[str]', lines: List[str], i: int) -> Tuple[str, str]:
	fn = symbol(m.group(1))
	if fn == 'refcount_warn_saturate':
		frames = _frames(lines, i)
		return 'warn', 'refcount bug' + (f' in {frames[0]}'
						  if frames else '')
	return 'warn', f'WARNING in {fn}'


def _panic(m: 're.Match[str]', lines: List[str], i: int) -> Tuple[str, str]:
	msg = m.group(1).strip()
	fault = re.match(r'(Segfault with no mm|Kernel mode fault at addr '
			 r'(0x[0-9a-f]+)|Kernel tried to access user memory)',
			 msg)
	if not fault:
		return 'panic', f'kernel panic: {strip(msg)}'
	fn = _rip(lines, i, 60, 0)
	where = f' in {fn}' if fn else ''
	if fault.group(2) and int(fault.group(2), 16) < 4096:
		return 'bug', f'BUG: kernel NULL pointer dereference{where}'
	return 'bug', f'BUG: unable to handle page fault{where}'


def _x86_fault(m: 're.Match[str]', lines: List[str],
	       i: int) -> Tuple[str, str]:
	fn = _rip(lines, i, 0, 40)
	return 'bug', m.group(1) + (f' in {fn}' if fn else '')


def _kernel_bug(m: 're.Match[str]', lines: List[str],
		i: int) -> Tuple[str, str]:
	fn = _rip(lines, i, 0, 40)
	return 'bug', 'kernel BUG' + (f' in {fn}' if fn
				      else f' at {m.group(1)}')


def _bug(m: 're.Match[str]', lines: List[str], i: int) -> Tuple[str, str]:
	what = re.split(r':| at | in process ', m.group(1))[0]
	return 'bug', f'BUG: {strip(what)}{_in(lines, i)}'


def _hung(m: 're.Match[str]', lines: List[str], i: int) -> Tuple[str, str]:
	return 'hang', f'INFO: task hung{_in(lines, i)}'


_Rule = Callable[['re.Match[str]', List[str], int], Tuple[str, str]]
# First match wins for a line; more specific patterns first.
RULES: List[Tuple['re.Pattern[str]', _Rule]] = [
	(re.compile(r'BUG: (KASAN|KFENCE|KMSAN): ([\w-]+)(?: (?:read|write))?'
		    r' in (\S+)'), _kasan),
	# lockdep's reports: "WARNING: possible circular locking dependency
	# detected" and its like.
	(re.compile(r'WARNING: (possible [\w ]+|inconsistent lock state|'
		    r'suspicious RCU usage|bad unlock balance detected!?|'
		    r'lock held when returning to user space!?)\s*$'),
	 lambda m, ls, i: ('warn', f'lockdep: {m.group(1).rstrip("!")}'
			   f'{_in(ls, i)}')),
	(re.compile(r'WARNING: CPU: \d+ PID: \d+ at \S+ (\S+)'), _warn),
	# 7.x: "WARNING: mm/memremap.c:284 at memremap_pages+0xdbf/0x1770,
	# CPU#1: kunit_try_catch/99".
	(re.compile(r'WARNING: \S+ at ([^\s,]+),? CPU#\d+'), _warn),
	(re.compile(r'BUG: failure at \S+/(\w+)\(\)!'),
	 lambda m, ls, i: ('bug', f'kernel BUG in {m.group(1)}')),
	(re.compile(r'kernel BUG at ([^:\s]+)(?::\d+)?!'), _kernel_bug),
	(re.compile(r'(BUG: kernel NULL pointer dereference|BUG: unable to '
		    r'handle page fault|general protection fault)'), _x86_fault),
	(re.compile(r'^\s*Kernel panic - not syncing: (.*)'), _panic),
	(re.compile(r'INFO: task \S+ blocked for more than'), _hung),
	(re.compile(r'^\s*BUG: (.+)'), _bug),
]


def find_reports(lines: List[str]) -> List[Report]:
	"""Every report, in console order (ignored ones left out)."""
	reports = []
	for i, line in enumerate(lines):
		for pattern, rule in RULES:
			m = pattern.search(line)
			if m:
				kind, title = rule(m, lines, i)
				if title not in IGNORED:
					reports.append(Report(kind, title, i))
				break
	return reports
