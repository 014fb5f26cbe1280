"""Errors of the hint annotator."""


class HintError(Exception):
    """A binding-time requirement that cannot hold (a `concrete` value that
    depends on a red input or on mutable memory, a concrete value joined with a
    red one, a misplaced global merge point).  The message names the variable,
    the source line and the red input, and says which hint would help."""
