"""Evidence names how it was obtained: a certified sign, numerics, or nothing decided (a time-out)."""

import sympy as sp

from theory import potential
from theory.conditions import classify as CLASSIFY
from theory.conditions import realizability, signs
from theory.conditions.realizability import fourier_realizable
from theory.conditions.signs import certified_sign_at, sign_chart
from theory.core.errors import Timeout
from theory.core.symbols import r, rho, s
from theory.core.verdict import Method, Verdict
from theory.paper import compare
from theory.paper.claims import Claim
from theory.paper.compare import identity

THIRD = sp.Rational(1, 3)


def _times_out(*args, what="symbolic step", **kwargs):
    raise Timeout(f"{what} did not finish within 0 s")


def test_a_counterexample_is_certified_by_an_arb_enclosure():
    check = identity(sp.exp(rho - 3), sp.exp(rho - 1), {rho: [THIRD]})
    assert check.verdict is Verdict.REFUTED and check.evidence.method is Method.COUNTEREXAMPLE
    assert "arb enclosure" in check.evidence.detail and check.evidence.data["sign"] == -1


def test_a_counterexample_without_an_enclosure_is_labelled_numeric():
    check = identity(sp.besselk(0, rho + 1), sp.besselk(0, rho + 2), {rho: [THIRD]})   # no arb K₀ here
    assert check.verdict is Verdict.REFUTED and check.evidence.method is Method.NUMERIC
    assert "30-digit evalf" in check.evidence.detail


def test_certified_signs_take_several_exact_symbols():
    assert certified_sign_at(rho * r - 1, {rho: THIRD, r: 3}) is None       # exactly 0
    assert certified_sign_at(rho * r - 1, {rho: THIRD, r: sp.Rational(301, 100)})[0] == 1
    assert certified_sign_at(sp.sqrt(2) * rho - 1, {rho: sp.sqrt(2) / 2}) is None
    assert certified_sign_at(sp.besselk(0, rho), {rho: THIRD}) is None       # no enclosure


def test_a_timed_out_identity_says_so(monkeypatch):
    monkeypatch.setattr(compare, "bounded", _times_out)
    check = identity(sp.sin(rho) ** 2 + sp.cos(rho) ** 2, sp.S.One, {rho: [THIRD]})
    assert check.verdict is Verdict.UNDECIDED and "did not finish" in check.evidence.detail


def test_a_timed_out_fourier_transform_decides_nothing(monkeypatch):
    monkeypatch.setattr(realizability, "fourier", _times_out)
    result = fourier_realizable(sp.exp(-s**2 / 2))
    assert result.verdict is Verdict.UNDECIDED
    assert [e.method for e in result.evidence] == [Method.TIMEOUT]


def test_a_timed_out_sign_chart_decides_nothing(monkeypatch):
    monkeypatch.setattr(signs, "bounded", _times_out)
    a = sp.Symbol("a", positive=True)
    chart = sign_chart(a * rho - 1, rho, sp.Interval.open(0, 1))   # a parameter: no ball fallback
    assert chart.method is Method.TIMEOUT and chart.unknown == sp.Interval.open(0, 1)


def test_a_timed_out_lambda_ratio_decides_nothing(monkeypatch):
    monkeypatch.setattr(CLASSIFY, "bounded", _times_out)
    condition = CLASSIFY.classify(potential("relu").sphere(), d=3)["λ-harmonic"]
    assert condition.verdict is Verdict.UNDECIDED
    assert all(e.method is Method.TIMEOUT for e in condition.evidence)


def test_a_check_that_raises_decides_nothing():
    def broken():
        raise RuntimeError("boom")

    check = Claim("broken", "test", "x", check=broken).run().checks[0]
    assert check.verdict is Verdict.UNDECIDED and check.evidence.method is Method.INCONCLUSIVE

