"""Integer, boolean and float examples.

Together they use every arithmetic, bitwise, comparison and boolean operator
of the low-level subset, augmented assignment, conditional expressions,
`abs`/`min`/`max`/`int()`/`float()`, `raise`, module-level constants,
calls with several arguments and recursion.  Inputs are chosen so that
CPython's results stay inside 64 bits.
"""

from hintannotator import hint

from examples.example import Example

LIMIT = 1000
MASK = 0xFFFF
SMALL = (-1000, 1000)


def power(x: int, n: int) -> int:
    """x ** n by repeated squaring (n >= 0)."""
    result = 1
    while n > 0:
        if n & 1:
            result *= x
        n >>= 1
        if n:
            x *= x
    return result


def divmod_mix(a: int, b: int) -> int:
    """Floor division and modulo with negative operands; b == 0 raises
    ZeroDivisionError."""
    q = a // b
    r = a % b
    if q * b + r != a:
        raise ValueError("floor division identity broken")
    q2 = -a // b
    r2 = a % -b
    return q * 1000003 + r * 101 + q2 * 7 + r2


def shifts(x: int, n: int) -> int:
    """Left and right shifts; a negative count raises ValueError."""
    left = x << n
    right = x >> n
    y = x
    y <<= 2
    y >>= n
    return (left ^ right) + (y & MASK) - (~x | 5)


def clamp(x: int, lo: int, hi: int) -> int:
    return max(lo, min(x, hi))


def minmaxabs(a: int, b: int, c: int) -> int:
    """abs, min, max and a helper called with three arguments."""
    m = min(a, b)
    big = max(abs(a), abs(b))
    d = abs(a - c)
    return clamp(m + big, -LIMIT, LIMIT) * 3 + max(d, c) - min(-d, c)


def classify(x: int, lo: int, hi: int) -> int:
    """Chained comparisons, elif chains and `not`."""
    if lo <= x < hi:
        kind = 1
    elif x < lo:
        kind = 2
    elif hi <= x <= hi + 10:
        kind = 3
    else:
        kind = 4
    if not (lo < hi) or x == lo == hi:
        kind += 10
    if lo != hi > x >= lo:
        kind += 100
    return kind


def collatz_steps(n: int) -> int:
    """Steps of the Collatz iteration down to 1 (conditional expression)."""
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def gcd(a: int, b: int) -> int:
    a = abs(a)
    b = abs(b)
    while b:
        t = a % b
        a = b
        b = t
    return a


def lcm(a: int, b: int) -> int:
    """Calls gcd; raises ValueError on a zero argument."""
    if a == 0 or b == 0:
        raise ValueError("lcm of zero")
    return abs(a * b) // gcd(a, b)


def fib(n: int) -> int:
    """Naive recursive Fibonacci."""
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def tree_eval(depth: int, x: int) -> int:
    """Recursion on a green depth: the timeshifter unrolls it completely."""
    depth = hint(depth, concrete=True)
    if depth <= 0:
        return x
    return tree_eval(depth - 1, x * 2 + 1) - tree_eval(depth - 1, x - 3)


def popcount(x: int) -> int:
    """Set bits of the low 32 bits of x (Kernighan's loop)."""
    x &= 0xFFFFFFFF
    count = 0
    while x:
        x &= x - 1
        count += 1
    return count


def bit_mix(a: int, b: int) -> int:
    """Every bitwise operator, in plain and augmented form."""
    c = (a & b) | (a ^ ~b)
    c ^= a | 0x0F0F
    c &= MASK
    c |= b & 3
    d = ~c
    d >>= 3
    return c - d


def ranges(a: int, b: int, step: int) -> int:
    """`for i in range(...)` with one, two and three arguments, negative
    steps, `break` and `continue`."""
    total = 0
    for i in range(a, b, step):
        if i % 3 == 0:
            continue
        total += i
        if total > LIMIT:
            break
    for j in range(b, a, -3):
        total = total * 3 + j
        total %= 1000003
    for k in range(4):
        total -= k
    return total


def short_circuit(a: int, b: int, flag: bool) -> bool:
    """`and`/`or` must not evaluate their right side when the left decides:
    the divisions below would raise."""
    first = a != 0 and b // a > 2
    second = flag or b % a == 1
    third = (a > b) or (not flag and b > 0) or (a == b and flag)
    return (first or second) and not (third and flag)


def select(flag: bool, a: int, b: int) -> int:
    """A bool parameter, bool arithmetic through `int()`."""
    x = a if flag else b
    y = int(flag) * 10 + int(a > b)
    if flag:
        x += 1
    return x * 100 + y


def checked_div(a: int, b: int) -> int:
    """The user's own exception."""
    if b == 0:
        raise ValueError("division by zero")
    if a < -LIMIT:
        raise ZeroDivisionError("too small")
    return a // b + a % b


def sum_of_squares(n: int) -> int:
    """Nested loops and augmented assignment."""
    total = 0
    for i in range(n):
        j = 0
        while j < i:
            total += i * j
            j += 1
    return total


def weighted(a: int, b: int, c: int, d: int, e: int) -> int:
    """A call with five arguments."""
    return a * 5 + b * 4 + c * 3 + d * 2 + e


def combine(x: int, y: int) -> int:
    return weighted(x, y, x - y, x + y, 7) - weighted(y, x, 0, 1, -x)


def newton_sqrt(x: float) -> float:
    """Newton's method for the square root of x >= 0."""
    guess = x if x > 1.0 else 1.0
    for i in range(30):
        guess = (guess + x / guess) / 2.0
    return guess


def float_mix(a: int, b: int) -> int:
    """float(), int(), float division (raises ZeroDivisionError), float
    floor division, abs/min/max on floats and float comparisons."""
    f = float(a) / float(b)
    g = abs(f) * 2.5 - min(f, 1.5) + max(f, -0.25)
    if g > 100.0:
        g = g // 3.0
    elif g <= -100.0:
        g = -g
    h = g % 7.0 if g != 0.0 else -g
    return int(g * 8.0) + int(h)


def poly_eval(coeffs: list[float], x: float) -> float:
    """Horner's rule; coeffs[0] is the leading coefficient."""
    result = 0.0
    for i in range(len(coeffs)):
        result = result * x + coeffs[i]
    return result


def _small(st):
    return st.integers(*SMALL)


_floats = dict(allow_nan=False, allow_infinity=False)

EXAMPLES = [
    Example(power, lambda st: (st.integers(-9, 9), st.integers(0, 19))),
    Example(divmod_mix, lambda st: (_small(st), st.integers(-20, 20))),
    Example(shifts, lambda st: (_small(st), st.integers(-2, 40))),
    Example(minmaxabs, lambda st: (_small(st), _small(st), _small(st))),
    Example(classify, lambda st: (st.integers(-20, 40), st.integers(-10, 10),
                                  st.integers(-10, 20))),
    Example(collatz_steps, lambda st: (st.integers(1, 3000),)),
    Example(gcd, lambda st: (_small(st), _small(st))),
    Example(lcm, lambda st: (_small(st), _small(st))),
    Example(fib, lambda st: (st.integers(-2, 12),)),
    Example(tree_eval, lambda st: (st.integers(0, 6), _small(st)), green=("depth",)),
    Example(popcount, lambda st: (st.integers(-2**40, 2**40),)),
    Example(bit_mix, lambda st: (st.integers(-2**40, 2**40), st.integers(-2**40, 2**40))),
    Example(ranges, lambda st: (st.integers(-30, 30), st.integers(-30, 30),
                                st.sampled_from([-7, -3, -1, 1, 2, 5]))),
    Example(short_circuit, lambda st: (st.integers(-5, 5), st.integers(-20, 20),
                                       st.booleans())),
    Example(select, lambda st: (st.booleans(), _small(st), _small(st))),
    Example(checked_div, lambda st: (st.integers(-1100, 1100), st.integers(-5, 5))),
    Example(sum_of_squares, lambda st: (st.integers(-2, 25),)),
    Example(combine, lambda st: (_small(st), _small(st))),
    Example(newton_sqrt, lambda st: (st.floats(0.0, 1e6, **_floats),)),
    Example(float_mix, lambda st: (_small(st), st.integers(-7, 7))),
    Example(poly_eval, lambda st: (st.lists(st.floats(-100.0, 100.0, **_floats), max_size=6),
                                   st.floats(-10.0, 10.0, **_floats))),
]
