"""Fixtures shared across test folders."""

import pytest


@pytest.fixture
def gaussian_laws(monkeypatch):
    """Every Safran & Lee law of a grid replaced by N(0, I_d), so claims and sweeps run fast and
    their expectations are known (P[‖x‖ ≤ λ] is a χ distribution function)."""
    from theory.separation.laws import Gaussian
    from theory.separation.sweep import Law

    monkeypatch.setattr(Law, "make", lambda self, d: Gaussian(d))
