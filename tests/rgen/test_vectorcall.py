"""rgen.vectorcall.inherit_vectorcall: a functools.partial subclass called
through partial's vectorcall (no argument tuple, no Python frame)."""

import functools
import operator

import pytest

from rgen.vectorcall import HAVE_VECTORCALL, inherit_vectorcall


def test_the_flag_is_set_and_calls_still_work():
    @inherit_vectorcall
    class Adder(functools.partial):
        pass
    assert Adder.__flags__ & HAVE_VECTORCALL
    add = Adder(operator.add)
    assert add(3, 4) == 7
    add.__setstate__((operator.mul, (), {}, add.__dict__))
    assert add(3, 4) == 12                      # the swapped function is called
    assert Adder(operator.sub, 10)(4) == 6      # partial's own arguments still apply


def test_a_class_with_its_own_call_is_refused():
    class Called(functools.partial):
        def __call__(self, *args):
            return 0
    with pytest.raises(TypeError, match="without __call__"):
        inherit_vectorcall(Called)


def test_the_native_classes_have_it():
    from rgen.llvm import NativeFunction
    from timeshifter.compiler import Residual
    assert NativeFunction.__flags__ & HAVE_VECTORCALL
    assert Residual.__flags__ & HAVE_VECTORCALL
