"""Charge policies (issue 16): what charge_policy reads, Fixed's checks, one result per policy."""

import warnings

import mpmath
import numpy as np
import pytest

from theory import equilibrium, simulate
from theory.core.errors import InputError
from theory.dynamics.charges import ChargeMode, Fixed, Optimal, charge_policy, mode
from theory.dynamics.flow import gradient_descent, polish
from theory.dynamics.loss import Loss
from theory.potentials.potential import given

GAUSS = given("exp(-r^2/2)", "radial")
PROTONS = [[2.0, 0.0], [-2.0, 0.0]]


@pytest.mark.parametrize("value,expected", [
    (None, Fixed()), ("fixed", Fixed()), ("FIXED", Fixed()), ("optimal", Optimal()), ("Optimal", Optimal()),
    (ChargeMode.OPTIMAL, Optimal()), (-1, Fixed()), ([-1, -0.5], Fixed((-1.0, -0.5))),
    (np.array([-1.0, -0.5]), Fixed((-1.0, -0.5))), (Fixed(-2.0), Fixed(-2.0)), (Optimal(), Optimal())])
def test_every_spelling_of_today_reads_as_a_policy(value, expected):
    policy = charge_policy(value, 2)
    assert policy == expected and type(policy) is type(expected)


def test_free_is_read_as_optimal_with_one_deprecation_warning_naming_the_caller():
    with pytest.warns(DeprecationWarning, match="charges='free' is now spelled charges='optimal'") as caught:
        assert charge_policy("free", 3) == Optimal()
    assert len(caught) == 1 and caught[0].filename == __file__  # the caller's line, not theory's


def test_a_run_asked_for_free_warns_once_and_equals_the_optimal_run():
    options = {"d": 2, "k": 1, "manifold": "euclidean", "protons": [[1.0, 0.0]], "seed": 0, "dps": 20}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = simulate("radial:exp(-r^2/2)", charges="free", **options)
    new = simulate("radial:exp(-r^2/2)", charges=Optimal(), **options)
    assert [w.category for w in caught] == [DeprecationWarning]  # parsed once, not again downstream
    assert old.charges == new.charges == Optimal() and old.to_json()["output_weights"] == "optimal"
    assert np.array_equal(old.trajectory.positions, new.trajectory.positions)
    assert old.equilibrium.charges.tolist() == new.equilibrium.charges.tolist()


def test_the_old_spelling_can_be_reported_another_way():
    notes = []
    assert mode("free", renamed=lambda old, new: notes.append((old, new))) is ChargeMode.OPTIMAL
    assert notes == [("free", ChargeMode.OPTIMAL)]


@pytest.mark.parametrize("name", ["optimised", "free-ish", ""])
def test_unknown_names_are_input_errors_naming_the_choices(name):
    with pytest.raises(InputError, match="choose fixed or optimal"):
        charge_policy(name, 1)


@pytest.mark.parametrize("value,k,problem", [
    ([-1.0, -1.0], 3, "expected 3 finite charges"), ([-1.0, -1.0, -1.0], 2, "expected 2 finite charges"),
    ([-1.0, np.nan], 2, "finite"), (np.inf, 2, "finite"), (["a", "b"], 2, "numbers"),
    ([[-1, 2], [3]], 2, "numbers")])
def test_fixed_charges_are_checked(value, k, problem):
    with pytest.raises(InputError, match=problem):
        charge_policy(value, k)


def test_fixed_equal_charges_are_one_number_for_every_electron():
    loss = Loss(GAUSS, PROTONS)
    start = [[0.4, 0.3], [-0.2, 0.6]]
    assert Fixed(-0.5).at(3).tolist() == [-0.5, -0.5, -0.5]
    one = gradient_descent(loss, start, Fixed(-0.5), step=0.5)
    each = gradient_descent(loss, start, [-0.5, -0.5], step=0.5)
    assert one.converged and np.array_equal(one.positions, each.positions) and one.steps == each.steps
    assert one.charges.tolist() == [-0.5, -0.5]
    default = gradient_descent(loss, start, None, step=0.5)
    assert np.array_equal(default.positions, gradient_descent(loss, start, Fixed(), step=0.5).positions)


def test_fixed_keeps_exact_charges_exact():
    a = np.array([mpmath.mpf(-1) / 3], dtype=object)
    assert Fixed(a).at(1)[0] == mpmath.mpf(-1) / 3  # not rounded to float64
    X, norm = polish(Loss(GAUSS, [[1.0, 0.0]]), [[0.9, 0.1]], Fixed(-1.0), dps=30)
    assert norm < mpmath.mpf(10) ** -25 and abs(X[0, 0] - 1) < 1e-20


def test_policies_agree_with_their_names_at_a_saddle_of_the_reduced_loss():
    """e^{−r²/2}, protons (±2, 0), one electron at 0: ∇²ℓ(0) = diag(−24, 8)e^{−4} optimised,
    diag(−12, 4)e^{−2} with a = −1 (tests/dynamics/test_flow_optimal.py)."""
    named = equilibrium(GAUSS, [[0.0, 0.0]], PROTONS, charges="optimal", dps=30)
    policy = equilibrium(GAUSS, [[0.0, 0.0]], PROTONS, charges=Optimal(), dps=30)
    assert named.eigenvalues == policy.eigenvalues
    assert [float(v) for v in policy.eigenvalues] == pytest.approx(
        [-24 * np.exp(-4), 8 * np.exp(-4)], rel=1e-12)
    fixed = equilibrium(GAUSS, [[0.0, 0.0]], PROTONS, charges=Fixed(), dps=30)
    assert [float(v) for v in fixed.eigenvalues] == pytest.approx(
        [-12 * np.exp(-2), 4 * np.exp(-2)], rel=1e-12)


def test_policies_print_and_serialise_as_today():
    assert (Fixed().describe, Optimal().describe) == ("fixed", "optimised")
    assert (Fixed((-1.0, 2.0)).mode.value, Optimal().mode.value) == ("fixed", "optimal")
