"""A tiny standard Gaussian law with the interface of theory.separation.laws, for tests."""

from __future__ import annotations

import numpy as np
from scipy.stats import chi


class StandardGaussian:
    """N(0, I_d): ‖x‖ follows the χ law with d degrees of freedom."""

    def __init__(self, d: int):
        self.d = d

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.normal(size=(n, self.d))

    def radius_cdf(self, t):
        return chi.cdf(t, self.d)
