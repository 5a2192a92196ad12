"""Optimisation-based separation (Safran & Lee, COLT 2022): the radial data laws on ℝ^d (Gaussian,
radial Cauchy, the Bessel mixture D_d of Eq. (4), the sum of two sphere points D′_d of Eq. (5)) with
their radius densities, distribution functions and samplers; Assumption 6 on such laws; the two
network classes (an erf random-feature layer under a trained output, and a depth-2 network) and their
training.
"""
