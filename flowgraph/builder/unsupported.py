"""What the builder rejects, and what to write instead.

One row per AST node kind outside the low-level subset (DESIGN section 4):
the construct's name as the error message says it, and a suggestion.  The
builder's dispatch falls back to `describe(node)` for every node kind it has
no handler for, so a construct is either handled or named here.
"""

from __future__ import annotations

import ast

UNSUPPORTED: dict[type, tuple[str, str]] = {
    ast.Yield: ("yield", "return a list instead of generating values"),
    ast.YieldFrom: ("yield from", "return a list instead of generating values"),
    ast.Await: ("await", "write a plain function"),
    ast.With: ("with statement", "call the setup and cleanup code explicitly"),
    ast.AsyncWith: ("async with statement", "write a plain function"),
    ast.AsyncFor: ("async for loop", "write a plain function"),
    ast.AsyncFunctionDef: ("nested async function", "define a module-level function"),
    ast.TryStar: ("try statement", "exceptions can be raised but not caught"),
    ast.Lambda: ("lambda", "define a module-level function"),
    ast.FunctionDef: ("nested function definition", "define the function at module level"),
    ast.ClassDef: ("class definition inside a function", "define the class at module level"),
    ast.SetComp: ("set comprehension", "use a list and a for loop"),
    ast.DictComp: ("dict comprehension", "use a list or a class"),
    ast.GeneratorExp: ("generator expression", "use a list comprehension: [x for x in xs]"),
    ast.Set: ("set literal", "use a list; a set literal of constants is supported on the "
              "right of 'in' (x in {1, 2})"),
    ast.Global: ("global statement", "pass the value as an argument and return the "
                 "new value; module-level constants can be read without 'global'"),
    ast.Nonlocal: ("nonlocal statement", "pass the value as an argument"),
    ast.Import: ("import inside a function", "import at module level"),
    ast.ImportFrom: ("import inside a function", "import at module level"),
    ast.Delete: ("del statement", "assign a new value instead"),
    ast.Starred: ("starred expression (*x)", "pass the arguments one by one"),
    ast.Slice: ("slicing", "copy the items with a for loop"),
    ast.Tuple: ("tuple", "unpack a tuple in an assignment of its own: 'a, b = t'"),
    ast.NamedExpr: ("assignment expression (:=)", "assign in a separate statement"),
    ast.Match: ("match statement", "use if/elif"),
    ast.MatMult: ("@ operator", "write the computation with loops"),
    ast.Is: ("'is' comparison", "use =="),
    ast.IsNot: ("'is not' comparison", "use !="),
    ast.In: ("'in' operator", "compare with each value, or search with a loop"),
    ast.NotIn: ("'not in' operator", "compare with each value, or search with a loop"),
}


def describe(node: ast.AST) -> str:
    """The error message for an unsupported node: construct and suggestion."""
    name, hint = UNSUPPORTED.get(type(node), (None, None))
    if name is None:
        return f"{_generic_name(node)} is not supported"
    return f"{name} is not supported; {hint}"


def _generic_name(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:
        text = ""
    kind = type(node).__name__
    if text and len(text) <= 40:
        return f"{kind} '{text}'"
    return kind
