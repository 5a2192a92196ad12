"""The certificates of issue 18's must-show points, one line each (radius, enclosures, time).

    PYTHONPATH=. python examples/certify_gallery.py [KMAX]

W = V = I_k (k = 3 … KMAX): electrons on their protons, strict minimum with the clusters of its
spectrum; Tian's collapsed ReLU point and the erf committee's collapsed point (K = 3, 4, 5):
saddles, certified on the symmetric subspace (K ≤ min(KMAX, 5)); and the three refusals.
"""

import sys

import mpmath
import numpy as np
import sympy as sp

from theory.dynamics.loss import Loss
from theory.potentials.potential import potential
from theory.teacher_student.relu import relu_potential
from theory.verification.certificate import Polynomial, certify_point, prove, show


def line(name, cert):
    if not cert.proven:
        print(f"{name:<18} REFUSED: {cert.failed}")
        return
    clusters = "; ".join(f"{m}×({lo:.4g}, {hi:.4g})" for lo, hi, m in cert.clusters)
    print(f"{name:<18} {cert.kind}, index {cert.morse_index}, r = {cert.radius:g}, "
          f"L ∈ {show(cert.loss, 12)}, λ_min ∈ {show(cert.lambda_min, 12)}, {cert.seconds:.2f} s "
          f"wall\n{'':<18} clusters {clusters}")


def collapsed(K, t):
    return np.array([[t] * K for _ in range(K)], dtype=object)


def main() -> None:
    RELU = relu_potential()
    kmax = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    for k in range(3, kmax + 1):
        line(f"W = V = I_{k}", certify_point(Loss(RELU, np.eye(k)), np.eye(k)))
    mpmath.mp.dps = 60
    erf = potential("erf(1/sqrt(2))")
    for K in range(3, min(kmax, 5) + 1):
        xs = (mpmath.sqrt(K - 1) - mpmath.acos(1 / mpmath.sqrt(K)) + mpmath.pi) / (mpmath.pi * K)
        line(f"Tian K = {K}", certify_point(Loss(RELU, np.eye(K)), collapsed(K, xs), symmetric=True))
        r = 1 / mpmath.sqrt(K * (2 * K - 1))
        line(f"erf K = {K}", certify_point(Loss(erf, np.eye(K)), collapsed(K, r), symmetric=True))
    off = np.eye(3)
    off[0, 0] += 1e-3
    line("1e-3 off I_3", certify_point(Loss(RELU, np.eye(3)), off))
    x, y = sp.symbols("x y")
    disguised = Polynomial(x**2 / 2 - sp.Rational(1, 10**12) * y**2 / 2 + y**4, (x, y))
    line("λ = −1e-12 saddle", prove(disguised, [0, 0], expect="minimum"))
    zero = np.eye(3)
    zero[2] = 0
    line("zero neuron", certify_point(Loss(RELU, np.eye(3)), zero))


if __name__ == "__main__":
    main()
