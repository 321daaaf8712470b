# SPDX-License-Identifier: GPL-2.0
"""A patch series as a reviewer saves it from the list: which mails of a
thread are the series to review.

A lore thread mbox, `b4 am` output or a directory of `git format-patch`
files holds more than the patches: a cover letter (`[PATCH v2 0/3]`, no
diff), replies (`Re: [PATCH v2 1/3]`), and often every version of the
series.  The series reviewed is the newest version whose patches 1..N
are all there, in `[PATCH n/N]` order; every other mail is skipped with
a one-line note saying what it was, and a newer version with a patch
missing is named with what it lacks.
"""

import email
import email.policy
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from zdtool import ZdError

_REPLY = re.compile(r'^\s*(re|fwd?|aw|sv)\s*:', re.I)
_DIFF = re.compile(r'^(diff --git |--- (a/|/dev/null)\S*.*\n\+\+\+ )', re.M)


@dataclass
class Mail:
	"""One mail of a thread, as far as choosing the series goes."""
	subject: str
	text: str		# the mail as GNU patch and git am read it
	position: int		# 1-based, in the file
	reply: bool = False
	version: int = 1
	number: int = 0		# n of [PATCH n/N]; 0 for a cover letter
	total: int = 0		# N; 0 where the subject has no n/N

	@property
	def has_diff(self) -> bool:
		return bool(_DIFF.search(self.text))

	def label(self) -> str:
		return f"mail {self.position} '{self.subject}'"


def parse_subject(subject: str) -> Tuple[bool, int, int, int]:
	"""(reply, version, n, N) of a subject such as
	'Re: [RFC PATCH mm-unstable v2 3/5] mm: x'; n and N are 0 where it
	has no n/N."""
	reply = bool(_REPLY.match(subject))
	version, number, total = 1, 0, 0
	for tag in re.findall(r'\[([^]]*)\]', subject):
		if not re.search(r'\b(PATCH|RFC)\b', tag, re.I):
			continue
		m = re.search(r'\bv(\d+)\b', tag, re.I)
		if m:
			version = int(m.group(1))
		m = re.search(r'\b(\d+)/(\d+)\b', tag)
		if m:
			number, total = int(m.group(1)), int(m.group(2))
	return reply, version, number, total


def _body_text(raw: bytes) -> str:
	"""The mail as text, its patch decoded where the transfer encoding
	(quoted-printable, base64) or an attachment would hide it."""
	msg = email.message_from_bytes(raw, policy=email.policy.compat32)
	if not msg.is_multipart() and msg.get('Content-Transfer-Encoding',
					       '').lower() not in ('quoted-printable',
								   'base64'):
		return raw.decode(errors='replace')
	parts = [p for p in msg.walk() if not p.is_multipart()]
	bodies = []
	for part in parts:
		payload = part.get_payload(decode=True)
		if isinstance(payload, bytes):
			bodies.append(payload.decode(part.get_content_charset()
						     or 'utf-8', errors='replace'))
	body = next((b for b in bodies if _DIFF.search(b)), '\n'.join(bodies))
	headers = ''.join(f'{k}: {v}\n' for k, v in msg.items()
			  if k.lower() in ('from', 'date', 'subject'))
	return f'{headers}\n{body}'


def read_mail(raw: bytes, position: int) -> Mail:
	msg = email.message_from_bytes(raw)
	subject = ' '.join(str(msg.get('Subject', '')).split())
	reply, version, number, total = parse_subject(subject)
	return Mail(subject, _body_text(raw), position, reply, version, number,
		    total)


def choose(mails: List[Mail], where: str) -> Tuple[List[Mail], List[str]]:
	"""The series to review among @mails (of @where, for errors), and a
	note for every mail left out and every newer version incomplete."""
	notes: List[str] = []
	versions: Dict[int, Dict[int, Mail]] = {}
	unnumbered: Dict[int, List[Mail]] = {}
	for mail in mails:
		if mail.reply:
			notes.append(f'skipped {mail.label()}: a reply')
		elif not mail.has_diff:
			what = 'the cover letter' if mail.total and not mail.number \
				else 'no diff in it'
			notes.append(f'skipped {mail.label()}: {what}')
		elif mail.total:
			# A resent patch replaces the one sent before it.
			versions.setdefault(mail.version, {})[mail.number] = mail
		else:
			unnumbered.setdefault(mail.version, []).append(mail)
	for version, plain in unnumbered.items():
		if version in versions:
			for mail in plain:
				notes.append(f'skipped {mail.label()}: not one of the '
					     f'numbered patches of v{version}')
		else:
			versions[version] = {n: m for n, m in
					     enumerate(plain, 1)}
			for m in plain:
				m.total = len(plain)
	if not versions:
		raise ZdError(f'SERIES={where}: no patch in it (no mail with a '
			      f'diff)')
	chosen: Optional[int] = None
	for version in sorted(versions, reverse=True):
		got = versions[version]
		total = max(m.total for m in got.values())
		missing = [n for n in range(1, total + 1) if n not in got]
		if missing and chosen is None:
			lacks = ', '.join(f'{n}/{total}' for n in missing)
			notes.append(f'v{version} is incomplete: patch {lacks} '
				     f'missing')
		elif chosen is None:
			chosen = version
		else:
			notes.append(f'skipped v{version} ({len(got)} patches): '
				     f'v{chosen} is newer')
	if chosen is None:
		raise ZdError(f'SERIES={where}: no complete version of the '
			      f'series: {notes[-1]}')
	series = [versions[chosen][n] for n in sorted(versions[chosen])]
	return series, notes
