"""Errors of the timeshifter."""


class TimeshiftError(Exception):
    """A bound was exceeded or a construct cannot be compiled.  The message
    names the function, the source line and the merge point, and suggests
    the hint that helps."""


class SpecializationWarning(UserWarning):
    """Something the specialisation gave up, once per place: a virtual
    container forced at a loop head (`Compiler.report()` lists them all)."""
