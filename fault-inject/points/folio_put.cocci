// SPDX-License-Identifier: GPL-2.0
///
/// Place the zdrace injection point of the final put of a ZONE_DEVICE
/// folio: in __folio_put(), before free_zone_device_folio().  The function
/// is in mm/swap.c on 6.x and in mm/folio.c on 7.x; <zdrace/fi_points.h>
/// says which file a line runs this on.
///
/// - final_put_zone_device.  The window opens at the test that the folio
///   is a ZONE_DEVICE one (folio_is_zone_device(), or is_zone_device_page()
///   of its head page) and closes at the free that test leads to
///   (free_zone_device_folio(), or free_zone_device_page() as before
///   6.10): the point goes right before that free, wherever the branch
///   has it (a braced or unbraced if, an else-if chain, a label the test
///   jumps to).  The function that tests and frees is __folio_put(), or a
///   helper the branch was split out into: a function of the file that
///   __folio_put() calls and nothing else in the file calls (callers,
///   window() below).  A function that frees without testing, or tests
///   without freeing (the branch gone, or only a pgmap put left in it),
///   gets no point.
///
// Confidence: High
// Options: --no-includes
//
// -D six or -D seven: the kernel line; unused, the window goes by shape.

virtual six
virtual seven

@initialize:python@
@@
# function -> the functions of the file that call it
callers = {}

# Is fn the window function owner, or a helper of it alone?
def window(fn, owner):
	return fn == owner or callers.get(fn) == set([owner])

# The functions of the window that test for a ZONE_DEVICE folio.
testing = set()

@calls@
identifier g;
position p;
@@
g@p(...)

@script:python@
g << calls.g;
p << calls.p;
@@
callers.setdefault(g, set()).add(p[0].current_element)

@tested@
identifier fn : script:python() { window(fn, "__folio_put") };
identifier test =~ "^(folio_is_zone_device|is_zone_device_page)$";
@@
fn(...)
{
<+...
 test(...)
...+>
}

@script:python@
fn << tested.fn;
@@
testing.add(fn)

@final_put_zone_device@
identifier fn : script:python() { fn in testing };
identifier free =~ "^free_zone_device_(folio|page)$";
@@
fn(...)
{
<...
+zdrace_fi(ZDRACE_FI_final_put_zone_device);
 free(...);
...>
}
