"""The `timeshift` command (also `python -m timeshift`).

    timeshift demo [--out DIR]
    timeshift colors MODULE:FUNC --green NAME ... [-o FILE.svg [--full]] [--explain NAME ...]
    timeshift specialize MODULE:FUNC --green NAME=VALUE ... [--emit graph|genext|llvm|asm]
                         [--dump-after PASS] [--disable PASS ...]
    timeshift run MODULE:FUNC --green NAME=VALUE ... ARGS [--cache [DIR]]
    timeshift cache stats|clear|prune [--dir DIR] [--max-mb N]

MODULE is a module name (imported with the current directory on the path)
or a `.py` file.  A green VALUE is a Python literal (`ast.literal_eval`),
else `module:NAME` (an attribute of another module), else a NAME of FUNC's
module: `--green bytecode=SQUARE`.  Red ARGS of `run` are literals too; for
a `str` parameter an argument that is not a string literal is taken as is.
`--dump-after PASS` prints each residual function after that pass of the
residual pipeline (rgen/pipeline.py), `--disable PASS` skips an optional one.

Mistakes in the command line and the errors of the pipeline (FlowError,
HintError, TimeshiftError) print `timeshift: error: MESSAGE` to stderr and
exit with status 2; an exception raised by the program itself exits with 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from flowgraph import FlowError, format_graph
from flowgraph.operations import OPS
from flowgraph.passes import PassError, PassOptions, validate
from hintannotator import HintError, annotate
from timeshift.cliargs import (CliError, check_value, load_function, parse_greens,
                                 parse_options, parse_reds, split_run_greens)
from timeshifter.cache import ENV_VAR, object_cache
from timeshifter.compiler import make_compiler
from timeshifter.errors import TimeshiftError
from timeshifter.jit import make_jit
from rgen.pipeline import RESIDUAL_PASSES

EMITS = ("graph", "genext", "llvm", "llvm-opt", "asm")


def main(argv: list | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); return the exit status."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "run":
        args.args += _run_extras(parser, extra)
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.handler(args)
    except (CliError, FlowError, HintError, TimeshiftError) as e:
        print(f"timeshift: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:             # `timeshift ... | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="timeshift", description="Partial evaluation of Python interpreters: "
        "colour, specialise and run functions of the low-level subset.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="specialise the bundled register machine and run it")
    demo.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                      help="where demo_colors.svg goes (default: current directory)")
    demo.add_argument("--rounds", type=int, default=5, help="timing rounds (best of)")
    _cache_flag(demo)
    demo.set_defaults(handler=_demo)
    colors = sub.add_parser("colors", help="colour the variables of a function")
    _target(colors, "NAME", "a green parameter")
    colors.add_argument("-o", "--output", type=Path, metavar="FILE.svg",
                        help="write the coloured graph (svg, png, pdf or dot)")
    colors.add_argument("--full", action="store_true",
                        help="draw the full graph (typed block headers, every link argument, "
                             "line comments) instead of the compact view")
    colors.add_argument("--explain", action="extend", nargs="+", default=[], metavar="NAME",
                        help="say why these variables have their colour")
    colors.set_defaults(handler=_colors)
    spec = sub.add_parser("specialize", help="print the residual code for green values")
    _target(spec, "NAME=VALUE", "a green parameter and its value")
    spec.add_argument("--emit", choices=EMITS, default="graph",
                      help="graph (residual graph), genext (generating extension source), "
                      "llvm, llvm-opt (optimised IR), asm")
    spec.add_argument("--dump-after", metavar="PASS", default=None,
                      help="print each residual function after this pass of the residual "
                      "pipeline: " + ", ".join(p.name for p in RESIDUAL_PASSES))
    spec.add_argument("--disable", action="append", default=[], metavar="PASS",
                      help="skip this optional pass of the residual pipeline (repeatable)")
    spec.set_defaults(handler=_specialize)
    page = sub.add_parser("explore", help="write the explorer page of a specialisation: "
                          "source, coloured graph, generating extension, residual code, LLVM")
    _target(page, "NAME=VALUE", "a green parameter and its value")
    page.add_argument("-o", "--output", type=Path, default=Path("explore.html"),
                      metavar="FILE.html", help="where the page goes (explore.html)")
    page.set_defaults(handler=_explore)
    run = sub.add_parser("run", help="specialise, then run the residual code natively")
    _target(run, "NAME=VALUE", "a green parameter and its value")
    run.add_argument("args", nargs="*", metavar="ARGS", help="the red arguments, in order")
    run.add_argument("--interpret", action="store_true",
                     help="run the residual graph with the flow-graph interpreter instead")
    run.add_argument("--jit", action="store_true",
                     help="run under make_jit: the function natively, its hot loops compiled")
    run.add_argument("--threshold", type=int, default=1000, metavar="N",
                     help="with --jit: passes of a loop before it is compiled (1000)")
    run.add_argument("--bridge-threshold", type=int, default=200, metavar="N",
                     help="with --jit: runs of an exit's side before it is compiled (200)")
    run.add_argument("--stats", action="store_true",
                     help="with --jit: print the JIT's statistics to stderr")
    _cache_flag(run)
    run.set_defaults(handler=_run)
    cache = sub.add_parser("cache", help="the persistent code cache: stats, clear, prune")
    cache.add_argument("action", choices=("stats", "clear", "prune"))
    cache.add_argument("--dir", type=Path, default=None, metavar="DIR",
                       help=f"the cache folder (default: ${ENV_VAR}, else the user cache "
                            "folder)")
    cache.add_argument("--max-mb", type=float, default=None, metavar="N",
                       help="prune: keep at most N megabytes, the most recently used "
                            "(default: the cache's bound)")
    cache.set_defaults(handler=_cache)
    return parser


def _cache_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache", nargs="?", const=True, default=False, metavar="DIR",
                        help="use the persistent code cache (in DIR, else the default "
                             "folder): native code saved by an earlier run is loaded, not "
                             "compiled")


def _run_extras(parser, extra: list) -> list:
    """The red arguments argparse left over for `run` (written after an option,
    or after `--`); anything else that looks like an option is an error."""
    cut = extra.index("--") if "--" in extra else len(extra)
    bad = [a for a in extra[:cut] if a.startswith("-") and not _is_number(a)]
    if bad:
        parser.error(f"unrecognized arguments: {' '.join(bad)}")
    return extra[:cut] + extra[cut + 1:]


def _is_number(text: str) -> bool:
    try:
        complex(text.replace("_", ""))
    except ValueError:
        return False
    return True


def _target(parser: argparse.ArgumentParser, metavar: str, what: str) -> None:
    parser.add_argument("target", metavar="MODULE:FUNC", help="module (or file.py) and function")
    parser.add_argument("--green", action="extend", nargs="+", default=[], metavar=metavar,
                        help=f"{what} (repeatable)")
    if metavar == "NAME=VALUE":
        parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                            help="a compiler option, e.g. max_residual_ops=100")


# -- commands ----------------------------------------------------------------------

def _demo(args) -> int:
    from timeshift.demo import run_demo
    return run_demo(args.out, rounds=args.rounds, cache=args.cache)


def _cache(args) -> int:
    cache = object_cache(args.dir if args.dir is not None else True)
    if args.action == "stats":
        entries = cache.entries()
        print(f"folder: {cache.folder}")
        print(f"entries: {len(entries)}")
        print(f"bytes: {cache.size()} (bound {cache.max_bytes})")
    elif args.action == "clear":
        print(f"deleted {cache.clear()} entries from {cache.folder}")
    else:
        bound = None if args.max_mb is None else int(args.max_mb * 1024 * 1024)
        if bound is not None and bound < 0:
            raise CliError("--max-mb must not be negative")
        print(f"deleted {cache.prune(bound)} entries from {cache.folder}")
    return 0


def _colors(args) -> int:
    func = load_function(args.target)
    green = _green_names(func, args.green)
    ann = annotate(func, green=green)
    for copy in ann.copies:
        params = ", ".join(f"{v.name}: {ann.colors[v]}" for v in copy.graph.getargs())
        print(f"{copy.graph.name}({params})")
        for name in source_names(copy.graph):
            print(f"    {name:<16} {ann.color_of(name, copy.graph)}")
    for name in args.explain:
        try:
            print(ann.explain(name))
        except KeyError as e:
            raise CliError(e.args[0]) from None
    if args.output:
        written = _write_dot(ann.to_dot(compact=not args.full), args.output)
        print(f"coloured graph written to {written}")
    return 0


def _specialize(args) -> int:
    func = load_function(args.target)
    comp, greens = _compiler(func, args.green, args.option, _pass_flags(args))
    if args.emit == "genext":
        print(comp.source)
        return 0
    res = comp.specialize(**greens)
    if args.emit == "graph":
        print("\n\n".join(format_graph(g) for g in residual_graphs(res.graph)))
    elif args.emit == "llvm":
        print(res.llvm_ir)
    elif args.emit == "llvm-opt":
        print(res.native.llvm_ir_optimized)
    else:
        asm = getattr(res.native, "asm", None)
        if asm is None:
            raise CliError("this LLVM backend offers no assembly text (.asm)")
        print(asm)
    return 0


def _explore(args) -> int:
    func = load_function(args.target)
    comp, greens = _compiler(func, args.green, args.option)
    path = comp.explore(**greens).save(args.output)
    print(f"explorer page written to {path}")
    return 0


def _run(args) -> int:
    func = load_function(args.target)
    greens, reds = split_run_greens(args.green, args.args)
    if args.jit:
        return _run_jit(args, func, greens, reds)
    if args.stats:
        raise CliError("--stats goes with --jit")
    comp, green_values = _compiler(func, greens, args.option, _cache_option(args))
    values = parse_reds(func, [comp.params[i] for i in comp.red_indices], reds)
    res = comp.specialize(**green_values)
    try:
        result = res.interpret(*values) if args.interpret else res(*values)
    except Exception as e:                  # the program's own exception
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(result)
    return 0


def _run_jit(args, func, green_items: list, reds: list) -> int:
    """`run --jit`: the whole call under make_jit (greens and reds in the
    parameter order), the result on stdout, `--stats` on stderr."""
    if args.interpret:
        raise CliError("--interpret and --jit exclude each other")
    greens = parse_greens(func, green_items)
    try:
        jit = make_jit(func, green=list(greens), threshold=args.threshold,
                       bridge_threshold=args.bridge_threshold,
                       **(parse_options(args.option) | _cache_option(args)))
    except (TypeError, ValueError) as e:    # unknown or bad options, bad thresholds
        raise CliError(str(e)) from None
    params = jit.compiler.params
    for v in params:
        if v.name in greens:
            check_value(f"green {v.name!r}", greens[v.name], v.concretetype)
    red_values = iter(parse_reds(func, [params[i] for i in jit.compiler.red_indices], reds))
    values = [greens[v.name] if v.name in greens else next(red_values) for v in params]
    try:
        result = jit(*values)
    except Exception as e:                  # the program's own exception
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(result)
    if args.stats:
        jit.wait()                          # the loops the worker is compiling count too
        for what, n in sorted(jit.stats.items()):
            print(f"{what}: {n}", file=sys.stderr)
    return 0


# -- helpers ------------------------------------------------------------------------

def _green_names(func, names: list) -> list:
    import inspect
    params = list(inspect.signature(func).parameters)
    for name in names:
        if name not in params:
            raise CliError(f"{func.__name__}() has no parameter {name!r}; "
                           f"parameters: {', '.join(params)}")
    return names


def _cache_option(args) -> dict:
    """The compiler option of `--cache [DIR]`."""
    return {"cache": args.cache if args.cache is True else str(args.cache)} if args.cache \
        else {}


def _pass_flags(args) -> dict:
    """The compiler options of `--dump-after` and `--disable`, names checked
    against the residual pipeline."""
    _check_passes("--disable", PassOptions(disable=frozenset(args.disable)))
    _check_passes("--dump-after", PassOptions(dump_after=args.dump_after))
    flags = {"disable_passes": tuple(args.disable)} if args.disable else {}
    if args.dump_after:
        flags["dump_after"] = args.dump_after
    return flags


def _check_passes(flag: str, options: PassOptions) -> None:
    try:
        validate(RESIDUAL_PASSES, options)
    except PassError as e:
        raise CliError(f"{flag}: {e}") from None


def _compiler(func, green_items: list, option_items: list, pass_flags: dict | None = None):
    """The compiler of `func` for the greens named in `green_items` (NAME=VALUE)
    and their values."""
    greens = parse_greens(func, green_items)
    options = parse_options(option_items) | (pass_flags or {})
    try:
        comp = make_compiler(func, green=list(greens), **options)
    except (TypeError, ValueError) as e:    # unknown or bad options
        raise CliError(str(e)) from None
    for v in comp.params:
        if v.name in greens:
            check_value(f"green {v.name!r}", greens[v.name], v.concretetype)
    return comp, greens


def source_names(graph) -> list:
    """The names of the source variables of `graph` (parameters and locals of
    its function, not the builder's own), in order of first appearance."""
    func = getattr(graph, "func", None)
    local = set(func.__code__.co_varnames) if func is not None else None
    names: dict = {}
    for block in graph.iterblocks():
        for v in block.getvariables():
            if v.name and (local is None or v.name in local):
                names.setdefault(v.name, None)
    return list(names)


def residual_graphs(graph) -> list:
    """`graph` and the residual graphs it calls, transitively, in call order."""
    order, stack = [graph], [graph]
    while stack:
        for op in stack.pop().iteroperations():
            if OPS[op.opname].kind == "call":
                callee = op.args[0].value
                if callee.func is None and callee not in order:
                    order.append(callee)
                    stack.append(callee)
    return order


def _write_dot(dot, path: Path) -> str:
    fmt = path.suffix.lstrip(".") or "svg"
    if fmt == "dot":
        try:
            path.write_text(dot.source)
        except OSError as e:
            raise CliError(f"cannot write {path}: {e}") from None
        return str(path)
    import graphviz
    try:
        path.write_bytes(dot.pipe(format=fmt))
    except graphviz.ExecutableNotFound:
        raise CliError("graphviz's 'dot' program is missing; install graphviz, "
                       "or write FILE.dot") from None
    except (graphviz.CalledProcessError, ValueError, OSError) as e:
        raise CliError(f"cannot write {path}: {e}") from None
    return str(path)


if __name__ == "__main__":
    sys.exit(main())
