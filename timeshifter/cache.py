"""The persistent code cache of a compiler (DESIGN section 10): where it is.

    make_compiler(func, green=[...], cache=True)        # the default folder
    make_compiler(func, green=[...], cache="path/to/folder")

`cache=True` uses the folder named by the environment variable
TIMESHIFT_CACHE_DIR, else the platform's user cache folder
(platformdirs.user_cache_dir("timeshift")).  What is saved, and how a saved
entry is checked before it runs, is rgen/llvm/objcache.py's: today the
native code of each module, found by its text, so a process that specialises
the same program again loads its machine code instead of compiling it (the
generating extension still runs).  One `ObjectCache` serves a folder in a
process, so its `stats` count every compiler using it.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "TIMESHIFT_CACHE_DIR"
_open: dict = {}


def default_folder() -> Path:
    """TIMESHIFT_CACHE_DIR, else the platform's user cache folder."""
    named = os.environ.get(ENV_VAR)
    if named:
        return Path(named)
    import platformdirs
    return Path(platformdirs.user_cache_dir("timeshift"))


def check_option(value) -> None:
    """ValueError unless `value` is a valid `cache` option."""
    if not (value is None or isinstance(value, (bool, str, os.PathLike))):
        raise ValueError(f"option cache must be True, False or a folder (str or path), "
                         f"have {value!r}")
    if isinstance(value, str) and not value:
        raise ValueError("option cache: the folder name is empty")


def object_cache(value):
    """The `ObjectCache` of the `cache` option's folder, or None when off."""
    if value is None or value is False:
        return None
    folder = (default_folder() if value is True else Path(value)).expanduser().resolve()
    cache = _open.get(folder)
    if cache is None:
        from rgen.llvm.objcache import ObjectCache
        cache = _open[folder] = ObjectCache(folder)
    return cache
