"""Errors of the timeshifter."""


class TimeshiftError(Exception):
    """A bound was exceeded or a construct cannot be compiled.  The message
    names the function, the source line and the merge point, and suggests
    the hint that helps."""
