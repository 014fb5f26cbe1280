"""The compiler split: the specialisation machinery needs only a `Host`, and
the backend that builds residual code comes from the options."""

import pytest

from examples.arith import power
from hintannotator import hint
from rgen import GraphBackend
from timeshifter import make_compiler
from timeshifter.specializer import Host, Specializer


def promoting(n: int, x: int) -> int:
    k = hint(n, promote=True)
    return k * x + 1


class CountingBackend(GraphBackend):
    made = 0

    def __init__(self):
        super().__init__()
        CountingBackend.made += 1


def test_a_specializer_runs_on_a_host_alone():
    """The machinery specialises from the host's pieces, no Compiler involved,
    to the same residual graph as the facade."""
    comp = make_compiler(power, green=["n"])
    host = Host(comp.options, comp.graph, {code.graph: code for code in comp.codes})
    graph, ops = Specializer(host).specialize(comp.root, [None, 5])
    expected = comp.specialize(5)
    assert str(graph) == str(expected.graph)
    assert ops == expected.ops_emitted
    assert host.stats["specializations"] == 1 and comp.stats["specializations"] == 1


def test_the_backend_comes_from_the_options():
    """A callable `backend` option makes the backend of every run: the root
    specialisation and each promotion case compiled later."""
    CountingBackend.made = 0
    comp = make_compiler(promoting, backend=CountingBackend)
    res = comp.specialize()
    assert CountingBackend.made == 1
    assert [res.interpret(3, 4), res(5, 6)] == [promoting(3, 4), promoting(5, 6)] == [13, 31]
    assert CountingBackend.made == 3 and comp.stats["promotion cases"] == 2
    default = make_compiler(promoting).specialize()
    assert str(default.graph) == str(res.graph)


def test_a_bad_backend_option_is_named():
    with pytest.raises(ValueError) as info:
        make_compiler(power, green=["n"], backend="jvm")
    assert str(info.value) == ("option backend must be 'graph', 'llvm' or a callable making "
                               "an rgen.Backend, have 'jvm'")
