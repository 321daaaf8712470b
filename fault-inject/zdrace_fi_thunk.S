/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zdrace_fi_thunk: __zdrace_fi_hit() of the point its caller pushed, the
 * result in the carry flag, every register saved; see zdrace_fi() in
 * <zdrace/fi.h>.  The caller steps over its red zone before the push and
 * drops the point after the call.
 */

#include <linux/export.h>
#include <linux/linkage.h>

	.text
SYM_FUNC_START(zdrace_fi_thunk)
	push	%rbp
	mov	%rsp, %rbp
	push	%rax
	push	%rdi
	push	%rsi
	push	%rdx
	push	%rcx
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	/* The point, above the return address. */
	mov	16(%rbp), %rdi
	/* The ABI's alignment at a call, whatever the hooked code's. */
	and	$-16, %rsp
	call	__zdrace_fi_hit
	/* Carry set: the caller takes its failure branch. */
	neg	%al
	lea	-72(%rbp), %rsp
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rcx
	pop	%rdx
	pop	%rsi
	pop	%rdi
	pop	%rax
	pop	%rbp
	ret
SYM_FUNC_END(zdrace_fi_thunk)
EXPORT_SYMBOL_GPL(zdrace_fi_thunk)
