"""List and string examples.

Lists: `[x] * n`, literals, indexing (negative too), item assignment,
`append`, `pop`, `len`, lists of int, float and bool passed in and mutated in
place.  Strings: `len`, indexing, `ord`/`chr`, comparison of characters
with one-character literals and with each other.
"""

from examples.example import Example

PRIMES = [2, 3, 5, 7, 11, 13, 17, 19]
VOWELS = "aeiou"


def list_ends(xs: list[int]) -> int:
    """Negative indexing; an empty list raises IndexError."""
    total = xs[-1] * 100 + xs[0]
    if len(xs) >= 2:
        total += xs[-2] - xs[1]
    xs[-1] = total % 1000
    return total


def reverse_in_place(xs: list[int]) -> int:
    """Swaps items in place (the caller sees the change)."""
    i = 0
    j = len(xs) - 1
    while i < j:
        tmp = xs[i]
        xs[i] = xs[j]
        xs[j] = tmp
        i += 1
        j -= 1
    return len(xs)


def push_pop(xs: list[int], n: int) -> int:
    """append/pop on a list passed in; popping an empty list raises
    IndexError."""
    for i in range(n):
        xs.append(i * i)
    total = 0
    for i in range(n + 2):
        total = total * 7 + xs.pop()
    return total


def sieve(n: int) -> int:
    """Number of primes <= n with a `[True] * (n + 1)` list of bools."""
    if n < 2:
        return 0
    flags = [True] * (n + 1)
    flags[0] = False
    flags[1] = False
    count = 0
    for i in range(2, n + 1):
        if flags[i]:
            count += 1
            for j in range(i * i, n + 1, i):
                flags[j] = False
    return count


def table_lookup(x: int, k: int) -> int:
    """A list literal and a module-level constant list."""
    table = [3, 1, 4, 1, 5, 9, 2, 6]
    total = table[x % 8] * PRIMES[k % 8]
    table[k % 8] = x
    return total + table[k % 8] + table[-1] + len(table)


def count_true(flags: list[bool]) -> int:
    """A list[bool] parameter; flips every item in place."""
    count = 0
    for i in range(len(flags)):
        if flags[i]:
            count += 1
        flags[i] = not flags[i]
    return count


def scale_floats(xs: list[float], k: float) -> float:
    """A list[float] parameter, mutated in place."""
    total = 0.0
    for i in range(len(xs)):
        xs[i] = xs[i] * k
        total += xs[i]
    return total


def bubble_sort(xs: list[int]) -> int:
    """Sorts in place; nested loops, break out when a pass swaps nothing.
    Returns the number of swaps."""
    swaps = 0
    n = len(xs)
    while True:
        swapped = False
        for i in range(1, n):
            if xs[i - 1] > xs[i]:
                tmp = xs[i]
                xs[i] = xs[i - 1]
                xs[i - 1] = tmp
                swapped = True
                swaps += 1
        if not swapped:
            break
        n -= 1
    return swaps


def find(text: str, pat: str) -> int:
    """Naive substring search: the first index of pat in text, or -1."""
    n = len(text)
    m = len(pat)
    for i in range(n - m + 1):
        j = 0
        while j < m and text[i + j] == pat[j]:
            j += 1
        if j == m:
            return i
    return -1


def count_vowels(s: str) -> int:
    """Character comparisons with one-character literals, against a
    module-level constant string too."""
    count = 0
    for i in range(len(s)):
        c = s[i]
        if c == "a" or c == "e" or c == "i" or c == "o" or c == "u":
            count += 1
        elif c == " ":
            count += 100
        elif c >= "x":
            count += 1000
        if c == VOWELS[-1]:
            count += 10000
    return count


def caesar_checksum(s: str, shift: int) -> int:
    """ord and chr: rotates lowercase letters and checksums the result."""
    total = 0
    for i in range(len(s)):
        code = ord(s[i])
        if 97 <= code <= 122:
            c = chr((code - 97 + shift) % 26 + 97)
        else:
            c = s[i]
        total = (total * 31 + ord(c)) % 1000000007
    return total


def _ints(st, max_size=8):
    return st.lists(st.integers(-1000, 1000), max_size=max_size)


_floats = dict(allow_nan=False, allow_infinity=False)

EXAMPLES = [
    Example(list_ends, lambda st: (_ints(st),)),
    Example(reverse_in_place, lambda st: (_ints(st),)),
    Example(push_pop, lambda st: (_ints(st, 3), st.integers(0, 5))),
    Example(sieve, lambda st: (st.integers(-3, 300),)),
    Example(table_lookup, lambda st: (st.integers(-1000, 1000), st.integers(-20, 20))),
    Example(count_true, lambda st: (st.lists(st.booleans(), max_size=10),)),
    Example(scale_floats, lambda st: (st.lists(st.floats(-1e3, 1e3, **_floats), max_size=6),
                                      st.floats(-10.0, 10.0, **_floats))),
    Example(bubble_sort, lambda st: (_ints(st, 10),)),
    Example(find, lambda st: (st.text("ab", max_size=12), st.text("ab", max_size=3))),
    Example(count_vowels, lambda st: (st.text("abeuxyz ", max_size=12),)),
    Example(caesar_checksum, lambda st: (st.text("abyz!A", max_size=12),
                                         st.integers(-30, 30))),
]
