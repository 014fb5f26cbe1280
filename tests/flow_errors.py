"""Checking a FlowError exactly: its message names the file and the line."""

from __future__ import annotations

import inspect

import pytest

import flowgraph
from flowgraph import FlowError


def line_of(func, text: str, nth: int = 0) -> int:
    """The absolute line of the nth source line of `func` containing `text`."""
    lines, first = inspect.getsourcelines(func)
    hits = [first + i for i, line in enumerate(lines) if text in line]
    return hits[nth]


def assert_flow_error(func, text: str, message: str, nth: int = 0) -> FlowError:
    """Building `func` raises a FlowError saying `message` at the (nth)
    line holding `text`."""
    with pytest.raises(FlowError) as info:
        flowgraph.build_graph(func)
    where = f"{inspect.getsourcefile(func)}:{line_of(func, text, nth)}"
    assert str(info.value) == f"{where}: {message}"
    return info.value
