"""The user-facing hints (DESIGN section 3).

At plain Python run time they do nothing: `hint` returns its argument and the
decorators return the function, marked.  The flow-graph builder recognises
them by their marker attributes (it does not import this package):

    hint                 `_ts_hint_ = True`
    @purefunction        sets `func._ts_pure_ = True`
    @dont_look_inside    sets `func._ts_dont_look_inside_ = True`
"""

HINT_FLAGS = ("concrete", "promote", "variable", "deepfreeze", "forget",
              "global_merge_point", "can_enter_jit")


_BY_KEYWORD = object()


def hint(x, _flags_by_keyword=_BY_KEYWORD, /, concrete=False, promote=False, variable=False,
         deepfreeze=False, forget=False, global_merge_point=False, can_enter_jit=False):
    """Binding-time hint; see DESIGN section 3.  Returns `x` unchanged.

    The flags are parameters (HINT_FLAGS, in order), so that a call costs no
    more than a no-op function's (44 ns; a `**flags` check cost 125 ns) and
    Python itself rejects an unknown flag; a flag given by position lands in
    `_flags_by_keyword` and is rejected here."""
    if _flags_by_keyword is not _BY_KEYWORD:
        raise TypeError("hint() takes its flags by keyword, e.g. hint(x, promote=True)")
    return x


hint._ts_hint_ = True


def purefunction(func):
    """A call with all-green arguments runs at compile time."""
    func._ts_pure_ = True
    return func


def dont_look_inside(func):
    """Never inlined: calls are always residual."""
    func._ts_dont_look_inside_ = True
    return func
