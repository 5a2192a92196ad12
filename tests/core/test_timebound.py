"""Time bounds: nested budgets, bounds where multiprocessing refuses children, and public calls on
pathological inputs that end in a clear Timeout or UNDECIDED within their budget.

Wall-clock figures appear only as hang guards with a generous factor (10× a budget of about a
second); what is asserted is the kind of outcome.
"""

from __future__ import annotations

import inspect
import math
import multiprocessing
import os
import queue
import re
import signal
import threading
import time
from pathlib import Path

import pytest

import theory
from theory.conditions.realizability import taylor_realizable
from theory.core.errors import InputError, Timeout
from theory.core.timebound import GRACE, bounded, remaining
from theory.dynamics.loss import kernel
from theory.potentials.potential import given


def _nap(seconds: float, value="slept"):
    time.sleep(seconds)
    return value


def _inner_bound_with_fallback():
    try:
        return bounded(_nap, 30, seconds=0.2, what="inner nap")
    except Timeout:
        return "fell back"


def test_a_tighter_bound_inside_a_bounded_step_is_enforced():
    # the old design ran every bound nested in a child without one: the inner nap slept its 30 s
    assert bounded(_inner_bound_with_fallback, seconds=60, what="outer") == "fell back"


def test_a_looser_bound_inside_yields_to_the_enclosing_one():
    with pytest.raises(Timeout, match=r"^outer did not finish within 0.3 s$"):
        bounded(bounded, _nap, 30, seconds=0.3, what="outer")


def test_inside_a_bound_the_time_left_is_at_most_its_budget():
    assert remaining() == math.inf
    assert 0 < bounded(remaining, seconds=5) <= 5
    assert bounded(bounded, remaining, seconds=5) <= 5  # a looser inner bound keeps the outer deadline


def test_no_time_is_a_timeout_at_once_and_errors_come_back():
    with pytest.raises(Timeout, match="no time"):
        bounded(sum, [1], seconds=0)
    with pytest.raises(ValueError, match="invalid literal"):
        bounded(int, "x", seconds=5)


def _report(queue) -> None:
    try:
        nap = bounded(_nap, 30, seconds=0.2)
    except Timeout:
        nap = "timed out"
    queue.put((bounded(sum, [1, 2, 3], seconds=30), nap))


def test_bounds_work_in_a_daemonic_process():
    # multiprocessing refuses children to daemonic processes (joblib and Dask workers may be daemonic)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    worker = context.Process(target=_report, args=(queue,), daemon=True)
    worker.start()
    assert queue.get(timeout=60) == (6, "timed out")
    worker.join()


def test_bounds_work_from_a_worker_thread():
    results: queue.Queue = queue.Queue()
    worker = threading.Thread(target=_report, args=(results,))
    worker.start()
    assert results.get(timeout=60) == (6, "timed out")
    worker.join()


def _write_pid_and_nap(path: str) -> None:
    Path(path).write_text(str(os.getpid()))
    time.sleep(60)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to watch a process")
def test_a_child_orphaned_by_a_killed_parent_ends_at_its_deadline(tmp_path):
    pidfile, budget = tmp_path / "child.pid", 0.5
    parent = multiprocessing.get_context("fork").Process(
        target=bounded, args=(_write_pid_and_nap, str(pidfile)), kwargs={"seconds": budget})
    parent.start()
    for _ in range(600):
        if pidfile.exists() and pidfile.read_text():
            break
        time.sleep(0.05)
    child = int(pidfile.read_text())
    os.kill(parent.pid, signal.SIGKILL)  # nobody is left to kill the child
    parent.join()
    for _ in range(int(10 * (budget + GRACE) / 0.05)):
        if not _alive(child):
            break
        time.sleep(0.05)
    assert not _alive(child), "the orphaned child outlived its budget"


def test_entry_points_take_a_budget_and_check_it():
    for entry in (theory.activation, theory.potential, theory.laplacian, theory.classify, kernel,
                  taylor_realizable):
        assert inspect.signature(entry).parameters["budget"].default == 60.0, entry.__name__
    with pytest.raises(InputError, match="budget"):
        theory.classify(given("r", "radial"), d=3, budget=-1)


# ------------------------------------------------------------------ pathological inputs

#: Unbounded, each of these takes from several seconds to minutes (the derivation of Φ 12 s,
#: the classification 14 s, the kernel 7 s, the activation's pole check 26 s, the Laplacian 43 s,
#: the Taylor test over 60 s); with a budget of one second each must end in the documented
#: outcome, well within 10 budgets.
BUDGET = 1.0


def _ends_within_budget(call):
    start = time.monotonic()
    try:
        return call()
    finally:
        assert time.monotonic() - start < 10 * BUDGET, "the call overran its budget: a hang"


def test_a_slow_derivation_takes_the_numeric_route_and_says_why():
    phi = _ends_within_budget(lambda: theory.potential("sin(t)^20*cos(t)^20", budget=BUDGET))
    assert phi.expr is None and phi.method.startswith("numeric")
    given_seconds = re.search(r"did not finish within ([\d.]+) s", phi.steps[0])
    assert given_seconds and 0 < float(given_seconds[1]) <= BUDGET, phi.steps  # what building σ left


def test_a_slow_classification_is_undecided_by_time_out():
    phi = given("exp(sin(rho)^9)*cos(rho)^40", "zonal")
    found = _ends_within_budget(lambda: theory.classify(phi, d=3, budget=BUDGET))
    assert found.verdict is theory.Verdict.UNDECIDED
    for condition in found.conditions:
        assert condition.verdict is theory.Verdict.UNDECIDED
        assert [e.method for e in condition.evidence] == [theory.Method.TIMEOUT]
        assert "did not finish within 1 s" in condition.evidence[0].detail


def test_a_slow_kernel_is_a_timeout():
    with pytest.raises(Timeout, match=r"kernel of .* did not finish within 1 s"):
        _ends_within_budget(lambda: kernel(given("sin(r)^60*exp(cos(r)^30)", "radial"), budget=BUDGET))


def test_a_slow_activation_check_is_a_timeout():
    with pytest.raises(Timeout, match=r"activation\('exp\(-t\*\*2\)/\(t\*\*40.*did not finish within 1 s"):
        _ends_within_budget(lambda: theory.activation("exp(-t**2)/(t**40 + t**3 + 2)", budget=BUDGET))


def test_a_slow_laplacian_is_a_timeout():
    phi = given("sin(s)^200*exp(cos(s)^100)", "product")
    with pytest.raises(Timeout, match=r"laplacian\(.* did not finish within 1 s"):
        _ends_within_budget(lambda: theory.laplacian(phi, 3, budget=BUDGET))


def test_a_slow_realizability_test_is_undecided_by_time_out():
    # over a minute unbounded: the series of exp(exp(sin ρ⁵)·cos ρ²⁰) to 30 terms
    found = _ends_within_budget(lambda: taylor_realizable("exp(exp(sin(rho)^5)*cos(rho)^20)", terms=30,
                                                          budget=BUDGET))
    assert found.verdict is theory.Verdict.UNDECIDED
    assert [e.method for e in found.evidence] == [theory.Method.TIMEOUT]
