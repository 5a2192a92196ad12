"""Foundations every stage uses: errors, symbols, verdicts, time bounds, parsing, numeric contexts, LaTeX."""
