"""One validator per kind of parameter, shared by the command line and the Python API.

Each returns the value in canonical type or raises :class:`~theory.core.errors.InputError`
naming the parameter and its documented range:

==============  =========================================  =====================
 kind            range                                      used by
==============  =========================================  =====================
 digits          15 ≤ dps ≤ 1000 (``DIGITS``)               simulate, verify, sweep, prove
 seconds         0 < seconds ≤ 86400, finite                every time budget
 seed            0 ≤ seed < 2⁶³                              simulate, verify
 count           integer in [low, high]                     d, k; starts, runs ≤ 10⁶; workers ≤ 256
 positive        finite real > 0                            scales of the radial laws
 memory          (k·d)² float64 Hessian entries ≤ ½ RAM      simulate, verify
 array memory    rows × columns float64 entries ≤ ½ RAM     separation (n × r features)
==============  =========================================  =====================

>>> digits(30), seconds(1.5), seed(7)
(30, 1.5, 7)
>>> digits(0)
Traceback (most recent call last):
...
theory.core.errors.InputError: dps must be an integer from 15 to 1000 digits, got 0
>>> seconds(float("nan"), "--seconds")
Traceback (most recent call last):
...
theory.core.errors.InputError: --seconds must be a finite number of seconds in (0, 86400], got nan
"""

from __future__ import annotations

import math
import numbers
import os

from .errors import InputError

#: Working precision accepted by the numeric subcommands (and ``theory prove --dps``).
DIGITS = (15, 1000)
#: Longest time budget of one step: a day.
SECONDS_MAX = 86400.0
#: Seeds are non-negative 63-bit integers (NumPy's SeedSequence takes no negatives).
SEED_MAX = 2**63
#: Most seeded runs (starts, runs per k) one call makes: each is a task dict held in memory.
RUNS_MAX = 10**6
#: Most worker processes one run starts.
WORKERS_MAX = 256


def _integer(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name} must be an integer, got {value!r}")
    return int(value)


def text(value, name: str) -> str:
    """A non-empty string (a name, a formula, a path)."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{name} must be a non-empty string, got {value!r}")
    return value


def count(value, name: str, low: int = 1, high: int | None = None) -> int:
    """An integer in ``[low, high]``."""
    number = _integer(value, name)
    if number < low or (high is not None and number > high):
        bound = f"from {low} to {high}" if high is not None else f"≥ {low}"
        raise InputError(f"{name} must be an integer {bound}, got {number}")
    return number


def digits(value, name: str = "dps", low: int = DIGITS[0], high: int = DIGITS[1]) -> int:
    """A working precision in decimal digits, ``low ≤ dps ≤ high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= int(value) <= high:
        raise InputError(f"{name} must be an integer from {low} to {high} digits, got {value!r}")
    return int(value)


def seconds(value, name: str = "seconds", *, optional: bool = False) -> float | None:
    """A time budget: a finite number of seconds in (0, ``SECONDS_MAX``] (``None`` if ``optional``)."""
    if value is None and optional:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) \
        and math.isfinite(value) and 0 < float(value) <= SECONDS_MAX
    if not ok:
        raise InputError(f"{name} must be a finite number of seconds in (0, {SECONDS_MAX:g}], got {value!r}")
    return float(value)


def positive(value, name: str) -> float:
    """A finite real number > 0 (a scale, a variance, a constant)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) \
        and math.isfinite(value) and float(value) > 0
    if not ok:
        raise InputError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def rows(values, name: str):
    """``values`` as a non-empty finite (k, d) float64 array, k, d ≥ 1."""
    import numpy as np

    try:
        X = np.array(values, dtype=float)
    except (TypeError, ValueError) as why:
        raise InputError(f"{name} must be an array of real numbers: {why}") from why
    if X.ndim != 2 or not X.size:
        raise InputError(f"{name} must be a non-empty (k, d) array with k, d ≥ 1, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise InputError(f"{name} must be finite: they contain NaN or infinite coordinates")
    return X


def correlations(values):
    """``values`` as a float64 array of correlations ρ ∈ [−1, 1] (NaN refused)."""
    import numpy as np

    rho = np.asarray(values, dtype=float)
    if np.any(np.abs(rho) > 1) or not np.isfinite(rho).all():
        raise InputError("ρ must lie in [−1, 1]")
    return rho


def seed(value, name: str = "seed") -> int:
    """A seed: an integer in [0, 2⁶³)."""
    number = _integer(value, name)
    if not 0 <= number < SEED_MAX:
        raise InputError(f"{name} must be an integer from 0 to 2^63 - 1, got {number}")
    return number


def physical_memory() -> int:
    """Bytes of RAM of this machine (a generous 16 GiB where the OS does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 16 * 2**30


def hessian_memory(d: int, k: int, what: str) -> None:
    """Refuse a system of ``k`` points in R^d whose (k·d)² float64 Hessian exceeds half the RAM."""
    need = 8 * (k * d) ** 2
    have = physical_memory()
    if need > have // 2:
        raise InputError(f"{what}: d = {d}, k = {k} needs a (k·d)² Hessian of {_bytes(need)}, "
                         f"more than half of this machine's {_bytes(have)}; choose smaller d or k")


def array_memory(rows: int, columns: int, what: str, copies: int = 1) -> None:
    """Refuse ``copies`` float64 arrays of ``rows`` × ``columns`` entries that exceed half the RAM."""
    need = 8 * rows * columns * copies
    have = physical_memory()
    if need > have // 2:
        raise InputError(f"{what}: {copies} × {rows} × {columns} float64 entries need {_bytes(need)}, "
                         f"more than half of this machine's {_bytes(have)}; choose smaller sizes")


def _bytes(n: float) -> str:
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
    power = min(int(math.log(max(n, 1), 1024)), len(units) - 1)
    return f"{n / 1024 ** power:.3g} {units[power]}"


def values_of(text: str | None, names: tuple[str, ...], what: str = "--at", *,
              any_count: bool = False) -> list:
    """Exact numbers for the variables ``names`` from ``"0.3"``, ``"1.5,0.7,0.2"`` or
    ``"nb=0.7,na=1.5,dot=0.2"`` (positional or all by name, in any order); ``any_count`` admits any number of
    positional values.

    >>> values_of("dot=1/5, na=3/2, nb=0.7", ("na", "nb", "dot"))
    [3/2, 7/10, 1/5]
    >>> values_of("rho=0.3,", ("rho",))
    Traceback (most recent call last):
    ...
    theory.core.errors.InputError: --at: item 2 is empty; give rho as 0.3 or rho=0.3
    """
    from .parsing import as_number  # parsing imports SymPy: only when values are read

    hint = _hint(names, any_count)
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{what}: no values; {hint}")
    items = [item.strip() for item in text.split(",")]
    for number, item in enumerate(items, 1):
        if not item:
            raise InputError(f"{what}: item {number} is empty; {hint}")
    named = ["=" in item for item in items]
    if any(named) and not all(named):
        raise InputError(f"{what}: give every value by position or every value by name, not both; {hint}")
    if not any(named):
        if len(items) != len(names) and not any_count:
            raise InputError(f"{what}: {len(items)} value(s) for the {len(names)} variable(s) "
                             f"{', '.join(names)}; {hint}")
        labels = names if not any_count else [f"{names[0]}{i + 1}" for i in range(len(items))]
        return [as_number(item, what=f"{what} {label}") for label, item in zip(labels, items, strict=True)]
    given: dict[str, str] = {}
    for item in items:
        name, _, value = (part.strip() for part in item.partition("="))
        if name not in names:
            raise InputError(f"{what}: unknown variable {name!r}; the variables are {', '.join(names)}")
        if name in given:
            raise InputError(f"{what}: {name} is given twice")
        given[name] = value
    missing = [n for n in names if n not in given]
    if missing:
        raise InputError(f"{what}: no value for {', '.join(missing)}; {hint}")
    return [as_number(given[n], what=f"{what} {n}") for n in names]


def _hint(names: tuple[str, ...], any_count: bool) -> str:
    positional = "0.3,0.1,…" if any_count else ",".join("0.3" for _ in names)
    return f"give {', '.join(names)} as {positional} or {','.join(f'{n}=0.3' for n in names)}"
