"""flowgraph.builder: its public names, loaded from `flowgraph.builder.build` on first use,
so that a module of the package (`flowgraph.builder.typeinfer`, say) imports alone."""

__all__ = [
    "BuildContext",
    "FunctionBuilder",
    "build_graph"]


def __getattr__(name):
    if name in __all__:
        from importlib import import_module
        return getattr(import_module("flowgraph.builder.build"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
