"""Stage 3 — condition → dynamics: the charge energy (Loss), gradient flows and the paper's
algorithms, equilibria."""
