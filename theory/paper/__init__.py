"""Stage 5 — verdict → report: claims, identity checks, `prove`, the Markdown/LaTeX/JSON report
and its figures."""
