# SPDX-License-Identifier: GPL-2.0
"""Coverage: the gcov build, lcov tracefiles, the refcount-path manifest,
reports, the floor and the patch coverage of `make review`."""
