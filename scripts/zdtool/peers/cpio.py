# SPDX-License-Identifier: GPL-2.0
"""An initramfs: the "newc" cpio format of usr/gen_init_cpio, written
without privileges (device nodes are only headers), owned by root.

	Entry.directory('/proc')
	Entry.file('/init', path_on_host, 0o755)
	Entry.node('/dev/console', 'c', 5, 1)
"""

import os
import stat
from dataclasses import dataclass
from typing import BinaryIO, Iterable, List, Tuple

MAGIC = b'070701'
TRAILER = 'TRAILER!!!'


@dataclass(frozen=True)
class Entry:
	name: str		# path inside the archive, from /
	mode: int		# with its file type bits
	data: bytes = b''
	rdev: Tuple[int, int] = (0, 0)

	@staticmethod
	def directory(name: str) -> 'Entry':
		return Entry(name, stat.S_IFDIR | 0o755)

	@staticmethod
	def file(name: str, host_path: str, perm: int = 0o644) -> 'Entry':
		with open(host_path, 'rb') as f:
			return Entry(name, stat.S_IFREG | perm, f.read())

	@staticmethod
	def text(name: str, text: str, perm: int = 0o644) -> 'Entry':
		return Entry(name, stat.S_IFREG | perm, text.encode())

	@staticmethod
	def node(name: str, kind: str, major: int, minor: int) -> 'Entry':
		ftype = stat.S_IFCHR if kind == 'c' else stat.S_IFBLK
		return Entry(name, ftype | 0o600, rdev=(major, minor))


def _pad(f: BinaryIO, n: int) -> None:
	f.write(b'\0' * (-n % 4))


def _header(ino: int, e: Entry, name: bytes) -> bytes:
	nlink = 2 if stat.S_ISDIR(e.mode) else 1
	fields = [ino, e.mode, 0, 0, nlink, 0, len(e.data), 0, 0,
		  e.rdev[0], e.rdev[1], len(name) + 1, 0]
	return MAGIC + b''.join(b'%08X' % v for v in fields)


def write(path: str, entries: Iterable[Entry]) -> None:
	"""@entries, parents before children, then the trailer; atomically."""
	tmp = path + '.tmp'
	with open(tmp, 'wb') as f:
		ino = 721
		for e in list(entries) + [Entry(TRAILER, 0)]:
			name = e.name.lstrip('/').encode() or b'.'
			head = _header(ino, e, name) + name + b'\0'
			f.write(head)
			_pad(f, len(head))
			f.write(e.data)
			_pad(f, len(e.data))
			ino += 1
	os.replace(tmp, path)


def read(path: str) -> List[Entry]:
	"""The entries of a newc archive (for tests)."""
	with open(path, 'rb') as f:
		data = f.read()
	out: List[Entry] = []
	pos = 0
	while True:
		head = data[pos:pos + 110]
		if head[:6] != MAGIC:
			raise ValueError(f'{path}: no newc header at {pos}')
		v = [int(head[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
		namesize, size = v[11], v[6]
		start = pos + 110
		name = data[start:start + namesize - 1].decode()
		pos = start + namesize
		pos += -pos % 4
		body = data[pos:pos + size]
		pos += size
		pos += -pos % 4
		if name == TRAILER:
			return out
		out.append(Entry('/' + name, v[1], body, (v[9], v[10])))
