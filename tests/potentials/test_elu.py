"""ELU's Φ: the float64 orthant form and the certified Hermite series, against independent references.

References: the tanh–sinh Mehler values of tests/potentials/test_quadrature.py and the kink-split
nested quadrature :func:`theory.potentials.quadrature.bivariate` (no Φ₂, no tilt shared).
"""

import numpy as np
import pytest
import sympy as sp

from theory import potential
from theory.core.errors import InputError, PrecisionError
from theory.core.symbols import t
from theory.potentials import elu, hermite_series
from theory.potentials.quadrature import bivariate

from tests.potentials.test_quadrature import FORMULAS, MEHLER, POINT, SPHERE, assert_every_digit

ELU = FORMULAS["elu"]
R = sp.Rational


def nested(a, b, rho) -> float:
    a_, b_ = sp.nsimplify(a), sp.nsimplify(b)
    return float(bivariate(ELU, None, a_, b_, a_ * b_ * sp.nsimplify(rho), dps=18))


@pytest.mark.parametrize("a, b, rho", [(1, 1, R(99999, 100000)), (2, R(1, 2), R(-999, 1000)), (2, 2, 1),
                                       (R(1, 4), 3, -1), (R(3, 2), R(2, 3), R(-7, 10)), (1, 1, R(7, 10)),
                                       (R(1, 10), 5, R(1, 3)), (5, 5, R(-999, 1000)), (4, 3, R(9999, 10000))])
def test_float64_orthant_form_meets_its_validated_bound(a, b, rho):
    got = float(elu.value(float(a), float(b), float(a * b * rho)))
    assert abs(got - nested(a, b, rho)) <= float(elu.Float64Elu.bound(float(a), float(b)))


def test_float64_agrees_with_the_mehler_references():
    for (a, b, c), key in ((POINT, ("elu", POINT)), (SPHERE, ("elu", SPHERE))):
        got = float(elu.value(float(a), float(b), float(c)))
        assert abs(got - float(MEHLER[key])) <= 1e-15


def test_the_potential_s_float64_paths_use_it_on_the_sphere_and_in_r_d():
    phi = potential(ELU)
    zonal, ridge = phi.sphere().numpy(), phi.numpy()
    rho = np.array([-1.0, -0.25, 0.0, 0.5, 1.0])
    assert np.array_equal(zonal(rho), ridge(np.ones(5), np.ones(5), rho))
    assert abs(zonal(np.array([0.0]))[0] - float(phi.sphere().at(0, dps=20))) <= 1e-15   # (E ELU(X))²
    assert ridge(0.0, 2.0, 0.0) == 0.0                                          # ELU(0) = 0
    gram = phi.matrix(np.array([[1.5, 0.0], [0.0, 0.5]]), np.array([[0.0, 2.0], [1.5, 0.0]]))
    assert abs(gram[0, 1] - nested(R(3, 2), R(3, 2), 1)) <= 1e-14
    with pytest.raises(InputError, match="Cauchy–Schwarz"):
        ridge(1.0, 1.0, 1.5)
    with pytest.raises(InputError, match="ρ must lie"):
        zonal(np.array([1.5]))


def test_another_kinked_activation_still_has_no_float64_evaluator():
    with pytest.raises(PrecisionError, match="decay algebraically"):
        potential("Max(t, 0) + tanh(Min(t, 0))").sphere().numpy()


@pytest.mark.parametrize("point", [POINT, SPHERE], ids=["norms", "sphere"])
def test_certified_elu_ball_contains_the_reference(point):
    from flint import arb

    ball = potential(ELU).at(*point, dps=20, certified=True)
    assert ball.rad() < 1e-20
    assert ball.overlaps(arb(MEHLER[("elu", point)], "1e-27"))
    assert_every_digit(potential(ELU).at(*point, dps=20), MEHLER[("elu", point)], 20)


def test_certified_elu_refuses_where_there_is_no_proof():
    with pytest.raises(PrecisionError, match="provably below 1"):
        potential(ELU).sphere().at(1, certified=True)
    with pytest.raises(PrecisionError, match="only a kink at 0"):
        hermite_series._branches(sp.Max(t, 1) + sp.exp(sp.Min(t, 1)) - 1, (1,))
