"""The user-facing hints (DESIGN section 3).

At plain Python run time they do nothing: `hint` returns its argument and the
decorators return the function, marked.  The flow-graph builder recognises
them by their marker attributes (it does not import this package):

    hint                 `_ts_hint_ = True`
    @purefunction        sets `func._ts_pure_ = True`
    @dont_look_inside    sets `func._ts_dont_look_inside_ = True`
"""

HINT_FLAGS = ("concrete", "promote", "variable", "deepfreeze", "forget",
              "global_merge_point")


def hint(x, **flags):
    """Binding-time hint; see DESIGN section 3.  Returns `x` unchanged."""
    for name, value in flags.items():
        if name not in HINT_FLAGS:
            raise TypeError(f"hint() got an unknown flag {name!r}; "
                            f"known flags: {', '.join(HINT_FLAGS)}")
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
