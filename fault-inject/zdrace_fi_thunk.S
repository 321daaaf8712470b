/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zdrace_fi_thunk: __zdrace_fi_hit(%edi), its result in %al, every other
 * register a call may clobber saved; see zdrace_fi() in <zdrace/fi.h>.
 * The caller steps over its red zone before the call.
 */

#include <linux/export.h>
#include <linux/linkage.h>

	.text
SYM_FUNC_START(zdrace_fi_thunk)
	push	%rbp
	mov	%rsp, %rbp
	push	%rdi
	push	%rsi
	push	%rdx
	push	%rcx
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	/* The ABI's alignment at a call, whatever the hooked code's. */
	and	$-16, %rsp
	call	__zdrace_fi_hit
	lea	-64(%rbp), %rsp
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rcx
	pop	%rdx
	pop	%rsi
	pop	%rdi
	pop	%rbp
	ret
SYM_FUNC_END(zdrace_fi_thunk)
EXPORT_SYMBOL_GPL(zdrace_fi_thunk)
