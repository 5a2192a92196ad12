"""Stage 1 — activation → potential: activations, Gaussian expectations, the formula table,
quadrature, and the Potential object."""
