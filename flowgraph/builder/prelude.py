"""Builtins written in the subset itself: `sum(xs)` of ints or
bools, `min(xs)` and `max(xs)` of ints or floats, `any(xs)` and `all(xs)`
of ints or bools are calls of these functions (call.py, `call_over_list`),
and so are `round(x)` of a float and the list methods and sorts below;
built, inlined and compiled like the program's own; their errors are
CPython's.  One function per item type: the subset is typed.  (No sum of
floats: CPython's sum of an empty list is the int 0, which a float
function cannot give.)"""

from __future__ import annotations


def _empty_message(builtin) -> str:
    try:
        builtin([])
    except ValueError as exc:
        return str(exc)
    raise AssertionError(f"{builtin.__name__}([]) raised nothing")


MIN_EMPTY = _empty_message(min)       # "min() arg is an empty sequence" (3.11)
MAX_EMPTY = _empty_message(max)


def sum_int(xs: list[int]) -> int:
    total = 0
    for x in xs:
        total += x
    return total


def sum_bool(xs: list[bool]) -> int:
    total = 0
    for x in xs:
        total += int(x)
    return total


def min_int(xs: list[int]) -> int:
    if len(xs) == 0:
        raise ValueError(MIN_EMPTY)
    best = xs[0]
    for x in xs:
        if x < best:
            best = x
    return best


def max_int(xs: list[int]) -> int:
    if len(xs) == 0:
        raise ValueError(MAX_EMPTY)
    best = xs[0]
    for x in xs:
        if x > best:
            best = x
    return best


def min_float(xs: list[float]) -> float:
    if len(xs) == 0:
        raise ValueError(MIN_EMPTY)
    best = xs[0]
    for x in xs:
        if x < best:
            best = x
    return best


def max_float(xs: list[float]) -> float:
    if len(xs) == 0:
        raise ValueError(MAX_EMPTY)
    best = xs[0]
    for x in xs:
        if x > best:
            best = x
    return best


def any_bool(xs: list[bool]) -> bool:
    for x in xs:
        if x:
            return True
    return False


def all_bool(xs: list[bool]) -> bool:
    for x in xs:
        if not x:
            return False
    return True


def any_int(xs: list[int]) -> bool:
    for x in xs:
        if x != 0:
            return True
    return False


def all_int(xs: list[int]) -> bool:
    for x in xs:
        if x == 0:
            return False
    return True


# -- list methods: xs.index(v), xs.count(v), xs.extend(ys) (and xs += ys) -----------
# index and count compare by value; CPython compares by identity first, which
# for floats tells one NaN object from another: no float versions.  extend
# reads len(ys) once, so xs.extend(xs) doubles xs as in CPython.

def list_index_int(xs: list[int], v: int) -> int:
    i = 0
    while i < len(xs):
        if xs[i] == v:
            return i
        i += 1
    raise ValueError(f"{v} is not in list")


def list_index_bool(xs: list[bool], v: bool) -> int:
    i = 0
    while i < len(xs):
        if xs[i] == v:
            return i
        i += 1
    raise ValueError(f"{v} is not in list")


def list_count_int(xs: list[int], v: int) -> int:
    n = 0
    for x in xs:
        if x == v:
            n += 1
    return n


def list_count_bool(xs: list[bool], v: bool) -> int:
    n = 0
    for x in xs:
        if x == v:
            n += 1
    return n


def list_count_str(xs: list[str], v: str) -> int:
    n = 0
    for x in xs:
        if x == v:
            n += 1
    return n


def list_extend_int(xs: list[int], ys: list[int]) -> None:
    n = len(ys)
    i = 0
    while i < n:
        xs.append(ys[i])
        i += 1


def list_extend_float(xs: list[float], ys: list[float]) -> None:
    n = len(ys)
    i = 0
    while i < n:
        xs.append(ys[i])
        i += 1


def list_extend_bool(xs: list[bool], ys: list[bool]) -> None:
    n = len(ys)
    i = 0
    while i < n:
        xs.append(ys[i])
        i += 1


def list_extend_str(xs: list[str], ys: list[str]) -> None:
    n = len(ys)
    i = 0
    while i < n:
        xs.append(ys[i])
        i += 1


# -- sorted(xs) and xs.sort() of ints: a stable bottom-up merge sort (equal ints
# cannot be told apart, so any correct sort gives CPython's list; floats are
# left out: with a NaN, the order CPython's timsort leaves depends on the
# comparisons it makes).

def sorted_int(xs: list[int]) -> list[int]:
    n = len(xs)
    a = xs[0:n]
    b = [0] * n
    width = 1
    while width < n:
        i = 0
        while i < n:
            mid = min(i + width, n)
            hi = min(i + 2 * width, n)
            left = i
            right = mid
            k = i
            while left < mid and right < hi:
                if a[right] < a[left]:
                    b[k] = a[right]
                    right += 1
                else:
                    b[k] = a[left]
                    left += 1
                k += 1
            while left < mid:
                b[k] = a[left]
                left += 1
                k += 1
            while right < hi:
                b[k] = a[right]
                right += 1
                k += 1
            i += 2 * width
        a, b = b, a
        width *= 2
    return a


def sort_int(xs: list[int]) -> None:
    ordered = sorted_int(xs)
    i = 0
    while i < len(ordered):
        xs[i] = ordered[i]
        i += 1


def round_float(x: float) -> int:
    """round(x) of a float: the nearest int, a tie going to the even one.
    NaN and the infinities raise as CPython's round does (int() of them
    does, with the same messages).  x // 1.0 is floor(x) and x - floor(x)
    is exact for a finite x, so the tie test sees the true fraction."""
    if x - x != 0.0:            # NaN or an infinity
        return int(x)
    f = x // 1.0
    d = x - f
    if d > 0.5 or (d == 0.5 and f % 2.0 == 1.0):
        f += 1.0
    return int(f)

# -- slice assignment: xs[lo:hi] = ys (stmt.py, setslice) ---------------------------
# ys is copied first (xs[a:b] = xs); the bounds are clamped as CPython clamps a
# slice's; the items from hi on are kept, the rest from lo on replaced.

def _slice_bound(i: int, n: int) -> int:
    if i < 0:
        i += n
        if i < 0:
            return 0
        return i
    if i > n:
        return n
    return i


def list_setslice_int(xs: list[int], lo: int, hi: int, ys: list[int]) -> None:
    new = ys[:]
    lo = _slice_bound(lo, len(xs))
    hi = _slice_bound(hi, len(xs))
    if hi < lo:
        hi = lo
    tail = xs[hi:]
    while len(xs) > lo:
        xs.pop()
    xs.extend(new)
    xs.extend(tail)


def list_setslice_float(xs: list[float], lo: int, hi: int, ys: list[float]) -> None:
    new = ys[:]
    lo = _slice_bound(lo, len(xs))
    hi = _slice_bound(hi, len(xs))
    if hi < lo:
        hi = lo
    tail = xs[hi:]
    while len(xs) > lo:
        xs.pop()
    xs.extend(new)
    xs.extend(tail)


def list_setslice_bool(xs: list[bool], lo: int, hi: int, ys: list[bool]) -> None:
    new = ys[:]
    lo = _slice_bound(lo, len(xs))
    hi = _slice_bound(hi, len(xs))
    if hi < lo:
        hi = lo
    tail = xs[hi:]
    while len(xs) > lo:
        xs.pop()
    xs.extend(new)
    xs.extend(tail)


def list_setslice_str(xs: list[str], lo: int, hi: int, ys: list[str]) -> None:
    new = ys[:]
    lo = _slice_bound(lo, len(xs))
    hi = _slice_bound(hi, len(xs))
    if hi < lo:
        hi = lo
    tail = xs[hi:]
    while len(xs) > lo:
        xs.pop()
    xs.extend(new)
    xs.extend(tail)


def _divmod_message() -> str:
    try:
        divmod(1.0, 0.0)
    except ZeroDivisionError as exc:
        return str(exc)
    raise AssertionError("divmod(1.0, 0.0) raised nothing")


FLOAT_DIVMOD = _divmod_message()      # "float divmod()" (3.11)


def divmod_float(a: float, b: float) -> tuple[float, float]:
    """divmod(a, b) with a float: CPython's float // and % (which its divmod
    computes alike), with divmod's own ZeroDivisionError message."""
    if b == 0.0:
        raise ZeroDivisionError(FLOAT_DIVMOD)
    return (a // b, a % b)
