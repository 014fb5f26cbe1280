"""Errors raised while building or checking flow graphs."""


class FlowError(Exception):
    """A construct outside the supported subset, or a type conflict.

    The message names the construct and `file:line`, and where possible says
    what to write instead.
    """

    def __init__(self, message: str, filename: str = "?", lineno: int = 0):
        self.filename = filename
        self.lineno = lineno
        self.bare_message = message
        super().__init__(f"{filename}:{lineno}: {message}")


class CheckError(Exception):
    """A violated flow-graph invariant (raised by `checkgraph`)."""
