"""flowgraph.interp: its public names, loaded from `flowgraph.interp.run` on first use,
so that a module of the package (`flowgraph.interp.runtime`, say) imports alone."""

__all__ = [
    "CanEnterJit",
    "MergePoint",
    "Promote",
    "Record",
    "TailCall",
    "get_source",
    "has_tail_ops",
    "record_class",
    "resume_frames",
    "resume_graph",
    "run_graph",
    "struct_factory",
    "trampoline"]


def __getattr__(name):
    if name in __all__:
        from importlib import import_module
        return getattr(import_module("flowgraph.interp.run"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
