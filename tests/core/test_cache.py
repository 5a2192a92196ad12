"""The on-disk cache of derived potentials and kernels (theory.core.cache)."""

import json
import os
import subprocess
import sys

import pytest
import sympy as sp

from theory.cli import main
from theory.core import cache

#: A fresh process derives (or reads) the erf potential and its zonal kernel, and reports
#: the expressions and how many entries it read from disk.
SCRIPT = """
import json, numpy as np
import theory
from theory.core import cache
from theory.dynamics.loss import Loss
phi = theory.potential("erf")
loss = Loss(phi, np.eye(2), manifold="sphere")
print(json.dumps({"expr": __import__("sympy").srepr(phi.expr),
                  "kernel": __import__("sympy").srepr(loss.kernel.coefficients),
                  "hits": cache.hits}))
"""


def run(tmp_path, **env):
    environment = {**os.environ, "THEORY_CACHE_DIR": str(tmp_path), **env}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=environment, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_second_process_reads_what_the_first_derived(tmp_path):
    first, second = run(tmp_path), run(tmp_path)
    assert first["hits"] == 0 and second["hits"] == 2  # the potential and the kernel
    assert (second["expr"], second["kernel"]) == (first["expr"], first["kernel"])


def test_a_corrupt_entry_is_derived_again_and_rewritten(tmp_path):
    first = run(tmp_path)
    for path in tmp_path.glob("*.json"):
        path.write_text("{not json", encoding="utf-8")
    again = run(tmp_path)
    assert again["hits"] == 0 and again["expr"] == first["expr"]
    assert all(json.loads(path.read_text(encoding="utf-8")) for path in tmp_path.glob("*.json"))


def test_an_entry_that_would_run_code_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("THEORY_CACHE_DIR", str(tmp_path))
    marker = tmp_path / "payload-ran"
    for payload in (f"__import__('pathlib').Path({str(marker)!r}).touch()",
                    f"Add(\"__import__('pathlib').Path({str(marker)!r}).touch()\")",
                    "Symbol('x').__class__"):
        with pytest.raises(ValueError, match="not a SymPy tree"):
            cache.expression(payload)
    assert not marker.exists()


def test_expressions_round_trip_with_their_assumptions():
    x = sp.Symbol("x", positive=True)
    for expr in (sp.acos(x) / sp.pi - sp.Rational(1, 3) * sp.sqrt(1 - x**2), sp.Float("0.1", 30) * x,
                 sp.Piecewise((x, x < 1), (sp.oo, True)), sp.And(x > 1, sp.Ne(x, 2))):
        assert cache.expression(cache.text(expr)) == expr


def test_another_version_misses(monkeypatch):
    import theory

    before = cache.key("potential", "t")
    monkeypatch.setattr(theory, "__version__", "0.0.0-other")
    assert cache.key("potential", "t") != before
    monkeypatch.setattr(sp, "__version__", "0.0")
    assert cache.key("potential", "t") != before


def test_off_writes_nothing(tmp_path):
    assert run(tmp_path, THEORY_CACHE="off")["hits"] == 0
    assert not list(tmp_path.iterdir())


def test_the_tests_do_not_use_the_users_cache():
    home = os.path.join(os.path.expanduser("~"), ".cache")
    assert not str(cache.directory()).startswith(os.environ.get("XDG_CACHE_HOME") or home)


def test_the_command_shows_and_clears_the_entries(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("THEORY_CACHE_DIR", str(tmp_path))
    for name in ("potential-a", "kernel-b"):
        cache.store(name, {"expr": "Integer(1)"})
    assert main(["cache"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path) in out and "entries: 2" in out
    assert main(["cache", "--clear"]) == 0
    assert "removed 2 entries" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.json"))
    assert main(["cache", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == 0


def test_a_result_that_timed_out_somewhere_is_not_stored(tmp_path, monkeypatch):
    from theory.core import timebound
    from theory.dynamics import kernel as derivation
    from theory.potentials.potential import given

    monkeypatch.setenv("THEORY_CACHE_DIR", str(tmp_path))
    real = derivation._derived_kernel

    def slow_step(expr, form):
        with pytest.raises(timebound.Timeout):
            timebound.bounded(__import__("time").sleep, 5, seconds=0.05)
        return real(expr, form)

    monkeypatch.setattr(derivation, "_derived_kernel", slow_step)
    derivation._kernel.cache_clear()
    derivation.kernel(given("exp(-3*r^2/7)", "radial"))
    assert not list(tmp_path.glob("*.json"))
    monkeypatch.setattr(derivation, "_derived_kernel", real)
    derivation._kernel.cache_clear()
    derivation.kernel(given("exp(-3*r^2/7)", "radial"))
    assert len(list(tmp_path.glob("kernel-*.json"))) == 1
