"""An on-disk cache of derived closed forms (potentials, kernels), shared between processes.

Deriving Φ or its kernel symbolically takes seconds; a pure function of its
key, it is kept in one JSON file per entry under :func:`directory`:
``$THEORY_CACHE_DIR``, else ``$XDG_CACHE_HOME/theory``, else ``~/.cache/theory``.
The key hashes what the result depends on, together with the versions of
theory and SymPy, so an upgrade misses. Expressions are stored as
``sympy.srepr`` text and read back by :func:`expression`, which rebuilds the
tree from SymPy's class names without ``eval``: a tampered entry cannot run
code. Entries are written atomically (a temporary file, then ``os.replace``);
an unreadable or corrupt one is ignored and rewritten, and the folder may be
deleted at any time. ``THEORY_CACHE=off`` turns the cache off.

Only results that depended on no time budget are stored: see
:func:`theory.core.timebound.timeouts`.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import pathlib
import tempfile

import sympy as sp

SUFFIX = ".json"
#: How many entries this process has read from disk (tests look at it).
hits = 0


def enabled() -> bool:
    """False when ``THEORY_CACHE`` is ``off`` (or ``0``, ``no``, ``false``)."""
    return os.environ.get("THEORY_CACHE", "on").strip().lower() not in ("off", "0", "no", "false")


def directory() -> pathlib.Path:
    """The cache folder: ``$THEORY_CACHE_DIR``, else ``$XDG_CACHE_HOME/theory``, else ``~/.cache/theory``."""
    if os.environ.get("THEORY_CACHE_DIR"):
        return pathlib.Path(os.environ["THEORY_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "theory"


def key(kind: str, *parts) -> str:
    """The file name of an entry: ``kind`` and a SHA-256 of ``parts`` and the versions."""
    from .. import __version__

    text = json.dumps([kind, __version__, sp.__version__, *map(str, parts)])
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def load(name: str) -> dict | None:
    """The entry ``name`` (a dict), or None when off, absent, unreadable or corrupt."""
    global hits
    if not enabled():
        return None
    try:
        entry = json.loads((directory() / f"{name}{SUFFIX}").read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(entry, dict):
        return None
    hits += 1
    return entry


def store(name: str, entry: dict) -> None:
    """Write ``entry`` atomically; a folder that cannot be written is silently skipped."""
    if not enabled():
        return
    folder = directory()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=SUFFIX)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(entry, file)
            os.replace(temporary, folder / f"{name}{SUFFIX}")
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass


def entries() -> list[pathlib.Path]:
    """The entry files in the cache folder."""
    folder = directory()
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def clear() -> int:
    """Delete every entry; returns how many were deleted."""
    count = 0
    for path in entries():
        try:
            path.unlink()
            count += 1
        except OSError:
            pass
    return count


# ---------------------------------------------------------------------- expressions

def text(expr: sp.Basic) -> str:
    """``sympy.srepr`` of ``expr``: its tree as class names and literal arguments."""
    return sp.srepr(expr)


@functools.lru_cache(maxsize=1)
def _sympy_names() -> dict:
    """SymPy's classes (every subclass of Basic in its loaded modules) and singletons, by name."""
    import sys

    names = {}
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("sympy.") and module is not None:
            names.update({n: v for n, v in vars(module).items()
                          if isinstance(v, type) and issubclass(v, sp.Basic)})
    names.update({n: getattr(sp, n) for n in dir(sp) if isinstance(getattr(sp, n), type)
                  and issubclass(getattr(sp, n), sp.Basic)})
    names.update(true=sp.true, false=sp.false, oo=sp.oo, zoo=sp.zoo, nan=sp.nan, pi=sp.pi, E=sp.E, I=sp.I,
                 EulerGamma=sp.EulerGamma, Catalan=sp.Catalan, GoldenRatio=sp.GoldenRatio)
    return names


#: The classes whose first argument is text that is never parsed as a formula (a name, a decimal).
_NAMED = ("Symbol", "Dummy", "Float")


def expression(source: str) -> sp.Basic:
    """The SymPy object whose :func:`text` is ``source``, rebuilt without ``eval``.

    Only calls of SymPy classes (by name) with literal or rebuilt arguments are
    read; anything else raises ValueError.

    >>> expression("Mul(Rational(1, 2), Symbol('rho', real=True))")
    rho/2
    >>> expression("__import__('os')")
    Traceback (most recent call last):
    ...
    ValueError: not a SymPy tree: __import__
    """
    try:
        return _rebuild(ast.parse(source, mode="eval").body)
    except ValueError:
        raise
    except Exception as why:  # whatever a corrupt entry makes SymPy raise, it is a miss
        raise ValueError(f"not a SymPy tree: {type(why).__name__}: {why}") from None


def _rebuild(node: ast.AST):
    names = _sympy_names()
    if (isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool))) or (
            isinstance(node, ast.Constant) and node.value is None):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.Constant):
        return -_rebuild(node.operand)
    if isinstance(node, ast.Tuple):
        return tuple(_rebuild(e) for e in node.elts)
    if isinstance(node, ast.Name) and node.id in names and isinstance(names[node.id], sp.Basic):
        return names[node.id]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names \
            and isinstance(names[node.func.id], type):
        args = [_rebuild(a) for a in node.args]
        kwargs = {k.arg: _rebuild(k.value) for k in node.keywords if k.arg is not None}
        if len(kwargs) != len(node.keywords) or any(isinstance(v, str) for v in kwargs.values()):
            raise ValueError("not a SymPy tree: keyword arguments must be numbers or booleans")
        named = node.func.id in _NAMED
        if any(isinstance(a, str) for i, a in enumerate(args) if not (named and i == 0)):
            raise ValueError(f"not a SymPy tree: text handed to {node.func.id}")  # SymPy would sympify it
        return names[node.func.id](*args, **kwargs)
    piece = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
        else type(node).__name__
    raise ValueError(f"not a SymPy tree: {piece}")
