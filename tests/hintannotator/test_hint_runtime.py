"""`hint` at plain Python run time: returns its argument, rejects unknown
flags and flags given by position, and takes exactly the flags of HINT_FLAGS."""

import inspect

import pytest

from hintannotator import hint
from hintannotator.hints import HINT_FLAGS


def test_hint_returns_its_argument_for_every_flag():
    for flag in HINT_FLAGS:
        marker = object()
        assert hint(marker, **{flag: True}) is marker
    assert hint(None, global_merge_point=True) is None


def test_the_parameters_are_the_flags():
    params = list(inspect.signature(hint).parameters)
    assert params[0] == "x" and tuple(params[2:]) == HINT_FLAGS


def test_an_unknown_flag_is_rejected():
    with pytest.raises(TypeError, match=r"^hint\(\) got an unexpected keyword argument "
                       r"'promotee'$"):
        hint(1, promotee=True)


def test_a_flag_by_position_is_rejected():
    with pytest.raises(TypeError, match=r"^hint\(\) takes its flags by keyword, e\.g\. "
                       r"hint\(x, promote=True\)$"):
        hint(1, True)
