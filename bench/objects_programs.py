"""Programs timed by bench_objects.py (a module of their own: the flow-graph
builder reads their source)."""


class Particle:
    """A plain class: native code reaches its fields through PyObject_GetAttr."""
    x: int
    v: int
    mass: int

    def __init__(self, x: int, v: int, mass: int):
        self.x = x
        self.v = v
        self.mass = mass


class SlottedParticle:
    """The same with __slots__: native code reads the fields at fixed offsets."""
    __slots__ = ("x", "v", "mass")
    x: int
    v: int
    mass: int

    def __init__(self, x: int, v: int, mass: int):
        self.x = x
        self.v = v
        self.mass = mass


def step(p: Particle, n: int) -> int:
    """Field reads (v, x, mass, then x and v) and 2 writes per iteration."""
    i = 0
    while i < n:
        p.v = p.v + (p.x + p.mass) % 7 - 3
        p.x = p.x + p.v
        i += 1
    return p.x


def step_slotted(p: SlottedParticle, n: int) -> int:
    i = 0
    while i < n:
        p.v = p.v + (p.x + p.mass) % 7 - 3
        p.x = p.x + p.v
        i += 1
    return p.x


def step_locals(x: int, v: int, mass: int, n: int) -> int:
    """The same loop on local variables: the target's yardstick."""
    i = 0
    while i < n:
        v = v + (x + mass) % 7 - 3
        x = x + v
        i += 1
    return x


def horner_store(xs: list[float], x: float) -> float:
    """Horner over a red list of boxed floats, storing every partial sum back."""
    acc = 0.0
    i = 0
    while i < len(xs):
        acc = acc * x + xs[i]
        xs[i] = acc
        i += 1
    return acc
