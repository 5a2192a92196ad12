"""The claims of the papers in :mod:`theory.proofs`, checked from Python.

:func:`prove` is what ``theory prove`` runs: it selects claims from
:func:`theory.proofs.all_claims` by paper and key prefix, runs each one, and optionally rewrites
a report folder after every claim.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable

from ..core.errors import InputError
from ..core.files import folder_lock
from .claims import Claim, Result, Settings


def claims(only: Iterable[str] | str | None = None, *, experiments: bool = False,
           papers: Iterable[str] | str | None = None) -> list[Claim]:
    """The claims of ``papers`` (keys of :data:`theory.proofs.PAPERS`; all by default), in each paper's
    order, whose key starts with one of the prefixes ``only``.

    >>> [c.key for c in claims("table1-h")]
    ['table1-hermite-physicists', 'table1-hermite-probabilists']
    >>> [c.key for c in claims(papers="zhang")]
    ['zhang-init', 'zhang-linear', 'zhang-floor']
    """
    from theory.proofs import all_claims

    papers = (papers,) if isinstance(papers, str) else None if papers is None else tuple(papers)
    chosen = [c for c in all_claims(papers) if experiments or not c.experiment]
    if only is None:
        return chosen
    prefixes = [only] if isinstance(only, str) else list(only)
    if not prefixes or not all(isinstance(p, str) and p.strip() for p in prefixes):
        raise InputError(f"only: every key prefix must be a non-empty string, got {only!r}; "
                         "see theory prove --list")
    chosen = [c for c in chosen if any(c.key.startswith(p) for p in prefixes)]
    if not chosen:
        raise InputError(f"no claim key starts with {', '.join(prefixes)}; see theory prove --list")
    return chosen


def prove(only: Iterable[str] | str | None = None, *, experiments: bool = False,
          papers: Iterable[str] | str | None = None, settings: Settings | None = None, report=None,
          progress: Callable[[int, int, Claim, Result | None], None] | None = None) -> list[Result]:
    """Check the papers' claims (all, or those of ``papers`` whose key starts with a prefix in ``only``).

    Each claim's verdict (PROVEN / REFUTED / UNDECIDED) is about the statement
    as stated; corrected statements carry their own verdict
    (:attr:`Result.corrected_verdict`).

    Parameters
    ----------
    only : str or iterable of str, optional
        Key prefixes such as ``"table1"`` or ``["theorem_3", "lemma"]``.
    experiments : bool
        Also run the slow Section 5 experiments.
    papers : str or iterable of str, optional
        Keys of :data:`theory.proofs.PAPERS` (``"electrodynamics"``, ``"zhang"``); all by default.
    settings : Settings
        ``quick`` (cheaper checks) and ``dps`` (working precision) for the claims that take them.
    report : path, optional
        Folder for ``report.md``, ``report.tex``, ``report.json`` and ``figures/``, locked for this run.
        After every claim but the last, report.partial.* ("partial: N of M claims") keep what is finished;
        the complete report replaces report.* only at the end, so an interrupted rerun never loses one.
    progress : callable, optional
        Called as ``progress(number, total, claim, None)`` before and
        ``progress(number, total, claim, result)`` after each claim.

    Returns
    -------
    list of Result

    Examples
    --------
    >>> import theory
    >>> [result] = theory.prove("table1-relu")
    >>> result
    <Result table1-relu: proven (Table 1, row ReLU; 1 check)>
    """
    from .report import draw, write

    chosen, results = claims(only, experiments=experiments, papers=papers), []
    with folder_lock(report) if report else contextlib.nullcontext():
        for number, claim in enumerate(chosen, 1):
            if progress:
                progress(number, len(chosen), claim, None)
            results.append(claim.run(settings or Settings()))
            if report:
                draw(results[-1], report)
                write(results, report, figures=False, total=len(chosen))
            if progress:
                progress(number, len(chosen), claim, results[-1])
    return results
