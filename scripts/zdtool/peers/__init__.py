# SPDX-License-Identifier: GPL-2.0
"""`make peers`: the kernel's own mm selftests (hmm-tests with
lib/test_hmm.c, gup_test with mm/gup_test.c) on the line's UML, from an
initramfs of static binaries (docs/selftests.md)."""
