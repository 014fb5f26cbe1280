"""Helpers copied into modules as text made once (runtime.HelperText): each
helper's copy is the definition its builder makes, with what it refers to
declared and its branch weights numbered again in the module."""

import re

import pytest
from llvmlite import binding as llvm
from llvmlite import ir

from rgen.llvm import jit, runtime
from rgen.llvm.compiler import HELPERS
from rgen.llvm.runtime import Runtime


def module_with(names) -> str:
    """The text of a module that first declares a C string and branch
    weights of its own (so the copies' must be numbered and named apart),
    then copies the helpers `names`."""
    module = ir.Module(name="probe")
    module.triple, module.data_layout = jit.module_header()
    rt = Runtime(module, HELPERS)
    rt.cstring("a message of the module's own")
    module.add_metadata([ir.MetaDataString(module, "unrelated"), ir.Constant(ir.IntType(32), 5)])
    for name in names:
        rt.helper(name)
    return str(module)


def built(name: str) -> str:
    """The helper's definition as its builder makes it in a fresh module."""
    module = ir.Module(name="built")
    return str(Runtime(module, HELPERS).build_helper(name))


@pytest.mark.parametrize("name", sorted(HELPERS))
def test_every_helper_copied_as_text_is_what_its_builder_makes(name):
    text = runtime.helper_text(HELPERS, name)
    assert text is not None, name
    source = module_with([name])
    module = llvm.parse_assembly(source)
    module.verify()
    ours = re.search(r'define [^\n]*@"%s"\(.*?\n}\n' % re.escape(name), source, re.S).group(0)
    # the same instructions; only the names of C strings and metadata differ
    assert normalised(ours) == normalised(built(name))


def normalised(text: str) -> str:
    return re.sub(r'@"msg[.\w]*"', "@MSG", re.sub(r"!\d+", "!N", text))


def test_two_helpers_sharing_one_declare_it_once_and_weights_are_renumbered():
    source = module_with(["rt.decref", "rt.raise", "mod"])
    assert source.count('declare void @"_Py_Dealloc"') == 1
    assert source.count('define internal void @"rt.decref"') == 1
    # the module's own metadata is !0; the helpers' branch weights follow it
    assert '!0 = !{ !"unrelated", i32 5 }' in source
    weights = set(re.findall(r"!prof (!\d+)", source))
    assert weights and "!0" not in weights
    for ref in weights:
        assert f'{ref} = !{{ !"branch_weights"' in source
    llvm.parse_assembly(source).verify()
