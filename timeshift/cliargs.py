"""Command-line arguments of `timeshift` turned into Python objects.

`MODULE:FUNC` names a module (imported with the current directory first on
the path, as `python -m` does) or a `.py` file, and a function in it.
Values are parsed in this order:

1. a Python literal (`ast.literal_eval`): `7`, `'abc'`, `[1, 2]`, `0xA5`;
2. `module:NAME`: an attribute of that module (`examples.interpreters:SQUARE`);
3. `NAME`: a global of the module named in MODULE:FUNC, or of the
   function's own module (`SQUARE`).

A red argument for a `str` parameter that is not a string literal is taken
as the text itself.  Every value is checked against the parameter's type.
Each mistake is a `CliError` whose message fits on one line.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import os
import re
import sys
from pathlib import Path

from flowgraph.lltypes import Bool, Char, Float, ListType, Signed, Str

_GREEN_ITEM = re.compile(r"^[A-Za-z_]\w*=")
_PYTYPES = {Signed: int, Float: (float, int), Bool: bool, Str: str, Char: str}


class CliError(Exception):
    """A mistake on the command line; `timeshift` prints it and exits with 2."""


# -- MODULE:FUNC ------------------------------------------------------------------

def load_function(spec: str):
    """The function named by `spec` ("MODULE:FUNC" or "path/file.py:FUNC")."""
    module_name, colon, func_name = spec.rpartition(":")
    if not colon or not module_name or not func_name:
        raise CliError(f"want MODULE:FUNC (e.g. examples.interpreters:interpret), have {spec!r}")
    module = load_module(module_name)
    func = getattr(module, func_name, None)
    if func is None:
        raise CliError(f"module {module_name!r} has no function {func_name!r}")
    if not inspect.isfunction(func):
        raise CliError(f"{spec} is a {type(func).__name__}, not a function")
    _loaded_from[func] = module
    return func


_loaded_from: dict = {}     # function -> the module named on the command line


def load_module(name: str):
    """Import the module `name`, or load it from a file if it ends in .py."""
    if name.endswith(".py"):
        return _load_file(Path(name))
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        raise CliError(f"cannot import module {name!r}: {e}") from None
    except Exception as e:      # noqa: BLE001 -- any failure of the user's module
        raise CliError(f"importing module {name!r} failed: {type(e).__name__}: {e}") from None


def _load_file(path: Path):
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    name = path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as e:      # noqa: BLE001
        del sys.modules[name]
        raise CliError(f"loading {path} failed: {type(e).__name__}: {e}") from None
    return module


# -- values ---------------------------------------------------------------------------

def parse_greens(func, items: list) -> dict:
    """NAME=VALUE items -> {name: value}, names checked against func's parameters."""
    params = list(inspect.signature(func).parameters)
    greens: dict = {}
    for item in items:
        name, eq, text = item.partition("=")
        if not eq:
            raise CliError(f"--green wants NAME=VALUE, have {item!r}")
        if name not in params:
            raise CliError(f"{func.__name__}() has no parameter {name!r}; "
                           f"parameters: {', '.join(params)}")
        if name in greens:
            raise CliError(f"green {name!r} given twice")
        greens[name] = parse_value(func, name, text)
    return greens


def parse_value(func, name: str, text: str):
    """The value written `text` for the parameter `name` of `func`."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    if ":" in text:
        module_name, _, attr = text.rpartition(":")
        module = load_module(module_name)
        if not hasattr(module, attr):
            raise CliError(f"bad value for {name!r}: module {module_name!r} has no "
                           f"attribute {attr!r}")
        return getattr(module, attr)
    module = _loaded_from.get(func)
    namespaces = ([vars(module)] if module is not None else []) + [func.__globals__]
    for namespace in namespaces:
        if text.isidentifier() and text in namespace:
            return namespace[text]
    where = module.__name__ if module is not None else func.__module__
    raise CliError(f"bad value for {name!r}: {text!r} is neither a Python literal nor "
                   f"a name in module {where!r} (or module:NAME)")


def check_value(what: str, value, lltype) -> None:
    """Raise CliError unless `value` fits the low-level type of its parameter."""
    if isinstance(lltype, ListType):
        ok = isinstance(value, list)
    elif lltype in _PYTYPES:
        ok = isinstance(value, _PYTYPES[lltype]) and not (
            lltype in (Signed, Float) and isinstance(value, bool))
        ok = ok and (lltype is not Char or len(value) == 1)
    else:
        return
    if not ok:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise CliError(f"{what} must be {lltype}, have {type(value).__name__} {shown}")


def split_run_greens(greens: list, args: list) -> tuple:
    """`--green` of `run` also swallows the red arguments written after it:
    items that are not NAME=VALUE are red arguments, in command-line order."""
    if greens and not _GREEN_ITEM.match(greens[0]):
        raise CliError(f"--green wants NAME=VALUE, have {greens[0]!r}")
    reds = [item for item in greens if not _GREEN_ITEM.match(item)]
    return [item for item in greens if _GREEN_ITEM.match(item)], list(args) + reds


def parse_reds(func, params: list, texts: list) -> list:
    """The red arguments `texts` for the red parameters `params` (Variables)."""
    if len(texts) != len(params):
        names = ", ".join(v.name for v in params)
        raise CliError(f"{func.__name__}() takes {len(params)} red argument(s) ({names}), "
                       f"got {len(texts)}")
    values = []
    for v, text in zip(params, texts):
        if v.concretetype in (Str, Char):
            value = _literal_str(text)
        else:
            value = parse_value(func, v.name, text)
        check_value(f"red argument {v.name!r}", value, v.concretetype)
        values.append(value)
    return values


def _literal_str(text: str) -> str:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    return value if isinstance(value, str) else text


def parse_options(items: list) -> dict:
    """NAME=VALUE compiler options; a value that is no literal stays a string."""
    options = {}
    for item in items:
        name, eq, text = item.partition("=")
        if not eq or not name:
            raise CliError(f"--option wants NAME=VALUE, have {item!r}")
        options[name] = _literal_or_text(text)
    return options


def _literal_or_text(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
