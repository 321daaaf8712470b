# SPDX-License-Identifier: GPL-2.0
"""zdrace tooling: prepare a patched kernel tree and run its KUnit suites."""


class ZdError(Exception):
	"""A user-facing error: printed as one line, exit status 1."""
