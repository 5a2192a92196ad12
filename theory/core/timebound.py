"""Bound the wall-clock time of symbolic work.

SymPy's ``integrate``, ``simplify``, ``limit`` and ``solve`` can run for minutes
or forever, and nothing stops a Python computation from the outside except
ending the process that runs it. So a bound runs its work in a forked child
process and kills it when its time is spent: the caller gets the result, the
exception the work raised, or :class:`~theory.core.errors.Timeout` — never a hang.

Two layers use it:

* :func:`bounded` — one symbolic step with its own budget (``seconds``), whose
  caller usually has a fallback (a simplification that gives up returns the
  expression unchanged, an exact sign chart gives way to ball arithmetic);
* :func:`budgeted` — a public entry point (``activation``, ``gaussian.expectation``,
  ``laplacian``, ``classify``, ``kernel``, the realizability tests): the whole
  call, including every symbolic step that has no bound of its own, runs under
  a ``budget`` keyword (default :data:`BUDGET` seconds), and a time-out becomes
  what that entry point documents — a :class:`Timeout`, or an UNDECIDED
  verdict whose evidence says it timed out (:attr:`~theory.core.verdict.Method.TIMEOUT`).

**Nested bounds.** Every process knows the deadline of the bound it runs under
(none at top level). A bound asked for ``seconds`` inside one that has ``left``
seconds to go takes min(seconds, left):

* ``seconds < left``: it forks a child of its own, so its budget is enforced
  and its caller sees its :class:`Timeout` (and may fall back);
* ``seconds ≥ left``: it runs in-process — the enclosing bound ends first, so
  a child would change nothing; when the time runs out the enclosing bound
  kills the work and its :class:`Timeout`, which names the enclosing call and
  its budget, is the one reported;
* nothing left: :class:`Timeout` at once.

So no budget is ever ignored (the previous design ran every bound nested in a
child without one), and a nested bound costs a fork only when it is the tighter
one. An in-process deadline check was the alternative and is not used: SymPy
has no cancellation points to check it at, ``signal`` alarms work only in the
main thread (Dask runs tasks in threads), and neither interrupts a long call
into C (a big-integer power, FLINT).

**Where it runs.** ``os.fork`` is used directly rather than
:mod:`multiprocessing`, which refuses to start children from daemonic
processes (joblib/loky and Dask workers may be daemonic); a fork works there
and from any thread. The child lives only as long as its bound: the parent
kills and reaps it, and the child arms ``SIGALRM`` (whose default action ends
the process) for its deadline plus :data:`GRACE`, so a child orphaned by a
killed parent — or the grandchild of a killed child — never outlives its budget.
Only the calling thread exists in the child; it runs pure SymPy/mpmath code and
leaves by ``os._exit``. Where ``fork`` does not exist (Windows) work runs
in-process without a bound.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import multiprocessing
import os
import pickle
import signal
import time
import warnings
from collections.abc import Callable
from typing import Any

from .errors import InputError, Timeout

#: Default budget, in seconds, of one symbolic step (:func:`bounded`).
DEFAULT_SECONDS = 10.0
#: Default budget, in seconds, of one call of a public entry point (:func:`budgeted`).
BUDGET = 60.0
#: How long past its deadline a child waits before it ends itself (its parent kills it at the deadline).
GRACE = 1.0

#: ``time.monotonic()`` at which the bound this process runs under ends; ``None`` at top level.
_deadline: float | None = None
#: Bounds that timed out in this process or in the children it waited for (see :func:`timeouts`).
_timeouts = 0


def timeouts() -> int:
    """How many bounds have timed out so far in this process, counting those in the work of its
    bounded children: a result computed while this stayed the same depended on no time budget
    (:mod:`theory.core.cache` stores only such results)."""
    return _timeouts


def _timed_out(message: str) -> Timeout:
    global _timeouts
    _timeouts += 1
    return Timeout(message)


def remaining() -> float:
    """Seconds left before the enclosing bound ends this process's work (``inf`` at top level).

    >>> remaining()
    inf
    >>> bounded(remaining, seconds=5) <= 5
    True
    """
    return math.inf if _deadline is None else _deadline - time.monotonic()


def bounded(function: Callable[..., Any], *args: Any, seconds: float = DEFAULT_SECONDS,
            what: str = "symbolic step") -> Any:
    """Return ``function(*args)``, or raise :class:`Timeout` after ``seconds``.

    Exceptions raised by ``function`` are re-raised in the caller. Inside an
    enclosing bound the budget is min(``seconds``, what is left of it).

    >>> bounded(sum, [1, 2, 3], seconds=5)
    6
    """
    left = remaining()
    if left <= 0 or seconds <= 0:
        raise _timed_out(f"{what} had no time left (the enclosing budget is spent)" if left <= 0
                         else f"{what} was given no time ({seconds:.3g} s)")
    if seconds >= left or not hasattr(os, "fork"):
        return function(*args)
    return _in_child(function, args, seconds, what)


def budgeted(default: float = BUDGET, *, timed_out: Callable[..., Any] | None = None):
    """Decorate a public entry point: the call runs under :func:`bounded` with a ``budget`` keyword.

    ``budget`` (seconds, default ``default``) bounds the whole call. When it
    runs out, ``timed_out(why, *args, **kwargs)`` gives the result (e.g. an
    UNDECIDED verdict saying so); without it the :class:`Timeout` is raised.

    >>> import time
    >>> @budgeted(5.0)
    ... def nap(seconds):
    ...     time.sleep(seconds)
    ...     return "rested"
    >>> nap(0)
    'rested'
    >>> nap(5, budget=0.2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    theory.core.errors.Timeout: nap(5) did not finish within 0.2 s
    """

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args, budget: float = default, **kwargs):
            check_budget(budget)
            try:
                return bounded(functools.partial(function, *args, **kwargs), seconds=budget,
                               what=_call(function.__name__, args))
            except Timeout as why:
                if timed_out is None:
                    raise
                return timed_out(why, *args, **kwargs)

        signature = inspect.signature(function)
        extra = inspect.Parameter("budget", inspect.Parameter.KEYWORD_ONLY, default=default,
                                  annotation="float")
        parameters = list(signature.parameters.values())
        position = next((i for i, p in enumerate(parameters) if p.kind is inspect.Parameter.VAR_KEYWORD),
                        len(parameters))
        with_budget = [*parameters[:position], extra, *parameters[position:]]
        bounded_signature = signature.replace(parameters=with_budget)
        wrapper.__signature__ = bounded_signature  # type: ignore[attr-defined]
        return wrapper

    return decorate


def check_budget(budget) -> float:
    """A budget is a positive, finite number of seconds.

    >>> check_budget(0)
    Traceback (most recent call last):
    ...
    theory.core.errors.InputError: budget must be a positive number of seconds, got 0
    """
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not 0 < budget < math.inf:
        raise InputError(f"budget must be a positive number of seconds, got {budget!r}")
    return float(budget)


def _in_child(function: Callable[..., Any], args: tuple, seconds: float, what: str) -> Any:
    reader, writer = multiprocessing.Pipe(duplex=False)
    deadline = time.monotonic() + seconds
    with warnings.catch_warnings():  # Python ≥ 3.12 warns of fork in threaded processes: see the module notes
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        reader.close()
        _child(writer, function, args, deadline)
    writer.close()
    try:
        if not reader.poll(seconds):
            raise _timed_out(f"{what} did not finish within {seconds:.3g} s")
        ok, payload, inside = pickle.loads(reader.recv_bytes())
    except EOFError:
        raise _timed_out(f"{what} ended without a result (its child process died)") from None
    finally:
        reader.close()
        _end(pid)
    global _timeouts
    _timeouts += inside
    if ok:
        return payload
    raise payload


def _call(name: str, args: tuple) -> str:
    """``name(first argument, …)`` for messages, the argument cut to 40 characters."""
    if not args:
        return f"{name}()"
    first = repr(args[0]) if isinstance(args[0], str) else str(args[0])
    first = first if len(first) <= 40 else first[:39] + "…"
    return f"{name}({first}{', …' if len(args) > 1 else ''})"


def _end(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _child(writer, function: Callable[..., Any], args: tuple, deadline: float) -> None:
    """Run in the forked child: report ``(ok, result or exception)`` through ``writer``, then exit."""
    global _deadline
    before = _timeouts
    try:
        _deadline = deadline
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it kills us
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 0) + GRACE)
        except (AttributeError, OSError, ValueError):
            pass  # no alarm: the parent's kill alone ends this child
        try:
            message = (True, function(*args))
        except BaseException as exc:  # every failure is reported to the parent
            message = (False, exc)
        try:
            data = pickle.dumps((*message, _timeouts - before))
        except Exception as exc:  # an unpicklable result is reported, not lost
            data = pickle.dumps((False, RuntimeError(f"unpicklable result: {exc}"), _timeouts - before))
        writer.send_bytes(data)
        writer.close()
    finally:
        os._exit(0)
