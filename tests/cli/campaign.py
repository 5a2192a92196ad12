"""Classify what the `theory` on sys.path does with the guard corpus of tests/cli/test_malformed.py.

Run from anywhere: python tests/cli/campaign.py (PYTHONPATH=OLD_CHECKOUT to measure an older tree).
The heavy steps are tripwires: "work started" means the input was not refused before running.
"""
import contextlib
import importlib.util
import io
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path


def main() -> None:
    import theory
    print("theory from", theory.__file__, file=sys.stderr)
    import theory.dynamics.equilibrium
    import theory.paper.claims
    import theory.teacher_student.relu_sweep
    import theory.verification.verify
    from theory.cli import main as cli_main
    from theory.core.errors import TheoryError

    class Tripwire(Exception):
        pass

    def tripwire(*a, **k):
        raise Tripwire()

    for mod, name in [(theory.dynamics.equilibrium, "run_algorithm"), (theory.verification.verify, "run_all"),
                      (theory.teacher_student.relu_sweep, "run_all")]:
        setattr(mod, name, tripwire)
    theory.paper.claims.Claim.run = tripwire
    corpus_file = str(Path(__file__).with_name("test_malformed.py"))
    spec = importlib.util.spec_from_file_location("corpus", corpus_file)
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)

    outcomes = defaultdict(Counter)
    slowest = 0.0
    for category, argv, word in corpus.CLI:
        err = io.StringIO()
        start = time.perf_counter()
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = cli_main(argv)
            text = err.getvalue()
            if code == 2 and word in text:
                kind = "refused, named"
            elif code == 2:
                kind = "refused, argument not named"
            elif code == 0:
                kind = "silently accepted (exit 0)"
            else:
                kind = f"exit {int(code)}"
        except SystemExit as stop:
            named = stop.code == 2 and word in err.getvalue()
            kind = "refused, named" if named else f"SystemExit {stop.code}"
        except Tripwire:
            kind = "not refused: work started (would run/hang)"
        except BaseException as why:
            kind = f"traceback ({type(why).__name__})"
        slowest = max(slowest, time.perf_counter() - start)
        outcomes[category][kind] += 1
    api = Counter()
    for _category, call, word in corpus.API:
        try:
            call()
            kind = "silently accepted"
        except Tripwire:
            kind = "not refused: work started"
        except TheoryError as why:
            kind = "TheoryError, named" if word in str(why) else "TheoryError, not named"
        except BaseException as why:
            kind = f"non-TheoryError ({type(why).__name__})"
        api[kind] += 1
    for category, counts in sorted(outcomes.items()):
        print(f"CLI {category:8} {sum(counts.values()):3}: {dict(counts)}")
    print("CLI total", sum(sum(c.values()) for c in outcomes.values()),
          dict(sum(outcomes.values(), Counter())))
    print("API total", sum(api.values()), dict(api))
    print(f"slowest CLI case {slowest:.2f} s")


if __name__ == "__main__":
    main()
