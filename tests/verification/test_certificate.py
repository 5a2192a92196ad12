"""Ball-arithmetic certificates: inertia, enclosures, Krawczyk, refusals, collapsed saddles, CLI."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from flint import arb

from theory.cli import main
from theory.core.errors import InputError
from theory.dynamics.equilibrium import equilibrium
from theory.dynamics.loss import Loss
from theory.potentials.potential import potential
from theory.teacher_student.relu import relu_potential
from theory.verification.certificate import (
    CertifiedKind,
    Landscape,
    Polynomial,
    certify,
    certify_point,
    inertia,
    prove,
    refine,
)

ERF = potential("erf(1/sqrt(2))")  # g = erf(x/√2)
RELU = relu_potential()
X, Y = sp.symbols("x y")


def _balls(M):
    return np.array([[arb(int(v)) for v in row] for row in M], dtype=object)


def test_inertia_of_integer_matrices_by_ball_ldlt():
    assert inertia(_balls([[2, 1], [1, -3]])) == (1, 1)
    assert inertia(_balls(np.eye(4))) == (0, 4)
    assert inertia(_balls(np.eye(4)), 2) == (4, 0)                   # repeated eigenvalue 1 < 2
    assert isinstance(inertia(_balls(np.eye(3)), 1), str)             # shift on the eigenvalue: refused
    assert isinstance(inertia(_balls([[1, 1], [1, 1]])), str)         # singular


@pytest.mark.parametrize("phi", [RELU, ERF], ids=["relu", "erf"])
def test_ball_landscape_encloses_the_float_loss(phi):
    W = np.eye(3)
    Xf = np.array([[0.9, 0.2, -0.1], [0.1, 1.1, 0.3], [-0.2, 0.4, 0.8]])
    loss, land = Loss(phi, W), Landscape(Loss(phi, W))
    land.setup(Xf)
    x = np.array([arb(v) for v in Xf.ravel()], dtype=object)

    def mid(a):
        return np.array([float(v.mid()) for v in np.ravel(a)])

    assert abs(float(land.value(x).mid()) - loss.value(Xf)) < 1e-12
    assert np.allclose(mid(land.gradient(x)), loss.gradient(Xf).ravel(), atol=1e-12)
    assert np.allclose(mid(land.hessian(x)), loss.hessian(Xf).ravel(), atol=1e-10)


def test_teacher_itself_is_a_certified_strict_minimum_with_its_clusters():
    k = 3
    cert = certify_point(Loss(RELU, np.eye(k)), np.eye(k))       # every electron on its proton
    assert cert.proven and cert.kind == CertifiedKind.STRICT_MINIMUM and cert.morse_index == 0
    assert cert.lambda_min.contains(arb(1) / 2 - 1 / arb.pi())    # 1/2 − 1/π at the teacher
    assert cert.loss.contains(0) and cert.loss.rad() < 1e-40
    assert sum(m for _, _, m in cert.clusters) == k * k and cert.clusters[0][2] == k


def test_point_off_a_minimum_is_refused_naming_the_gradient():
    X = np.eye(3)
    X[0, 0] += 1e-3
    cert = certify_point(Loss(RELU, np.eye(3)), X)
    assert not cert.proven and cert.check == "gradient" and "‖∇L(x̃)‖ ≤ 1e-12 fails" in cert.failed


def test_saddle_with_eigenvalue_minus_1e12_is_refused_as_a_minimum():
    f = Polynomial(X**2 / 2 - sp.Rational(1, 10**12) * Y**2 / 2 + Y**4, (X, Y))
    refused = prove(f, [0, 0], expect="minimum")
    assert not refused.proven and refused.check == "claim" and "λ_min > 0 fails" in refused.failed
    assert refused.lambda_min.contains(arb(-1) / 10**12) and refused.lambda_min.rad() < 1e-15
    saddle = prove(f, [0, 0])
    # H over the box stays indefinite
    assert saddle.proven and saddle.morse_index == 1 and saddle.radius <= 1e-6


def test_zero_neuron_is_refused_as_non_smooth():
    X = np.eye(3)
    X[2] = 0
    cert = certify_point(Loss(RELU, np.eye(3)), X)
    assert not cert.proven and cert.check == "smoothness" and "‖θ_2‖ > 0 fails" in cert.failed


def _collapsed(K, t):
    return np.array([[t] * K for _ in range(K)], dtype=object)


def test_tian_collapsed_point_is_a_saddle_of_index_k_squared_minus_k_plus_one():
    mpmath.mp.dps = 60
    K = 3
    xs = (mpmath.sqrt(K - 1) - mpmath.acos(1 / mpmath.sqrt(K)) + mpmath.pi) / (mpmath.pi * K)
    cert = certify_point(Loss(RELU, np.eye(K)), _collapsed(K, xs), expect="saddle", symmetric=True)
    mpmath.mp.dps = 15
    assert cert.proven and cert.kind == CertifiedKind.ZERO_MODE_SADDLE and cert.morse_index == 4
    assert cert.zero_modes.startswith("restricted") and "2 eigenvalues" in cert.zero_modes


def test_erf_committee_collapsed_point_is_a_saddle():
    mpmath.mp.dps = 60
    K = 3
    cert = certify_point(Loss(ERF, np.eye(K)), _collapsed(K, 1 / mpmath.sqrt(K * (2 * K - 1))),
                         expect="saddle", symmetric=True)
    mpmath.mp.dps = 15
    assert cert.proven and cert.morse_index == 4 and float(cert.lambda_min.upper()) < -0.09


def test_a_wrong_collapsed_point_is_not_critical():
    cert = certify_point(Loss(ERF, np.eye(3)), _collapsed(3, 0.2), symmetric=True)
    assert not cert.proven and cert.check == "gradient"


@pytest.mark.parametrize("electrons, words", [
    (np.array([[1.0, np.nan], [0.0, 1.0]]), "NaN"),
    (np.ones(4), "(k, d)"),
    (np.ones((2, 3)), "dimension"),
])
def test_bad_arrays_raise(electrons, words):
    with pytest.raises(InputError, match=words):
        certify_point(Loss(RELU, np.eye(2)), electrons)


def test_an_unknown_claim_names_the_choices_and_a_name_is_read_in_any_case():
    with pytest.raises(InputError, match="no claim 'maximum': choose minimum or saddle"):
        certify_point(Loss(ERF, np.eye(1)), [[1.0]], expect="maximum")
    assert prove(Polynomial(X**2, (X,)), [0], expect="MINIMUM").kind == CertifiedKind.STRICT_MINIMUM


def test_symmetric_needs_a_collapsed_point_and_sphere_is_refused():
    with pytest.raises(InputError, match="collapsed"):
        certify_point(Loss(RELU, np.eye(2)), np.eye(2), symmetric=True)
    with pytest.raises(InputError, match="ridge potentials on R"):
        certify_point(Loss(RELU, np.eye(2), manifold="sphere"), np.eye(2))


def test_equilibrium_certify_keyword_attaches_the_certificate():
    eq = equilibrium(RELU, np.eye(2) + 0.05, np.eye(2), manifold="euclidean", certify=True)
    assert eq.certificate.proven and eq.to_json()["certificate"]["kind"] == "strict local minimum"
    assert certify(eq, expect="saddle").check == "claim"


def test_refine_reaches_a_point_on_the_protons():
    X = refine(Loss(RELU, np.eye(2)), np.eye(2) + np.array([[0.01, -0.02], [0.03, 0.0]]))
    assert np.abs(X.astype(float) - np.eye(2)).max() < 1e-30


def test_cli_certify_exit_codes(tmp_path, capsys):
    start = tmp_path / "x.txt"
    np.savetxt(start, np.eye(2) + 0.02)
    assert main(["certify", "relu", "--electrons", str(start)]) == 0
    assert "PROVEN" in capsys.readouterr().out
    assert main(["certify", "relu", "--electrons", str(start), "--no-polish"]) == 2
    assert main(["certify", "relu", "--electrons", str(start), "--expect", "saddle"]) == 1
    assert main(["certify", "relu", "--electrons", str(tmp_path / "none.txt")]) == 2
    assert main(["simulate", "relu", "--manifold", "euclidean", "--d", "2", "--k", "2", "--certify",
                 "--quiet"]) in (0, 1)
