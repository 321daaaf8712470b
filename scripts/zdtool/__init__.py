# SPDX-License-Identifier: GPL-2.0
"""zdrace tooling: prepare a patched kernel tree, run its KUnit suites
(kernel/), measure their coverage (coverage/) and sweep its injection
points (sweep/)."""

import os
import sys
from typing import Callable

# Boot parameters of every run when KERNEL_ARGS (--kernel_args) does not
# say: the ZONE_DEVICE memory window the suites and the sweep use.  The
# one place they are named.
DEFAULT_KERNEL_ARGS = ('zone_device_mem=256M',)

# Exit statuses of scripts/zdrace.py and scripts/sweep.
FAILED = 1		# an operation failed, or a test did
BAD_INPUT = 2		# what the user asked for cannot be done (as argparse)


class ZdError(Exception):
	"""A user-facing error: printed as one line `<prog>: error: <message>`,
	the program then exits with @status."""

	def __init__(self, message: str, status: int = FAILED) -> None:
		super().__init__(message)
		self.status = status


def bad_input(message: str) -> ZdError:
	return ZdError(message, BAD_INPUT)


def write_atomic(path: str, text: str) -> None:
	"""@path holds @text whole, or what it held before: written beside
	it, synced, then renamed over it."""
	tmp = path + '.tmp'
	with open(tmp, 'w') as f:
		f.write(text)
		f.flush()
		os.fsync(f.fileno())
	os.replace(tmp, path)


def run_command(prog: str, func: Callable[[], int]) -> int:
	"""Run a CLI's @func: a ZdError is one line `<prog>: error: ...` and
	its status, an interrupt exits 130."""
	try:
		return int(func())
	except ZdError as e:
		print(f'{prog}: error: {e}', file=sys.stderr)
		return e.status
	except KeyboardInterrupt:
		print(f'{prog}: interrupted', file=sys.stderr)
		return 130
