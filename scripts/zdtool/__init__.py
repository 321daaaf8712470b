# SPDX-License-Identifier: GPL-2.0
"""zdrace tooling: prepare a patched kernel tree, run its KUnit suites
(kernel/), measure their coverage (coverage/) and sweep its injection
points (sweep/)."""

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
