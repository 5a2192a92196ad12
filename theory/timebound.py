"""Run a symbolic step with a time bound.

SymPy's ``integrate``, ``simplify`` and ``limit`` can run for minutes or forever.
:func:`bounded` runs such a step in a forked child process and kills it when its
budget is spent, so the caller gets either the result or
:class:`~theory.errors.Timeout` — never a hang. Where ``fork`` is unavailable
the step runs in-process without a bound.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
from collections.abc import Callable
from typing import Any

from .errors import Timeout

#: Default budget, in seconds, for one symbolic step.
DEFAULT_SECONDS = 10.0

_IN_CHILD = False


def bounded(function: Callable[..., Any], *args: Any, seconds: float = DEFAULT_SECONDS,
            what: str = "symbolic step") -> Any:
    """Return ``function(*args)``, or raise :class:`Timeout` after ``seconds``.

    Exceptions raised by ``function`` are re-raised in the caller.

    >>> bounded(sum, [1, 2, 3], seconds=5)
    6
    """
    if _IN_CHILD or "fork" not in mp.get_all_start_methods():
        return function(*args)
    reader, writer = mp.get_context("fork").Pipe(duplex=False)
    child = mp.get_context("fork").Process(target=_child, args=(writer, function, args))
    child.start()
    writer.close()
    try:
        if not reader.poll(seconds):
            raise Timeout(f"{what} did not finish within {seconds:g} s")
        ok, payload = pickle.loads(reader.recv_bytes())
    except EOFError:
        raise Timeout(f"{what} ended without a result (the child process died)") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        reader.close()
    if ok:
        return payload
    raise payload


def _child(writer, function, args) -> None:
    global _IN_CHILD
    _IN_CHILD = True
    try:
        message = (True, function(*args))
    except BaseException as exc:  # noqa: BLE001 - every failure is reported to the parent
        message = (False, exc)
    try:
        data = pickle.dumps(message)
    except Exception as exc:  # noqa: BLE001
        data = pickle.dumps((False, RuntimeError(f"unpicklable result: {exc}")))
    writer.send_bytes(data)
    writer.close()
    os._exit(0)
