"""Every subcommand's outcomes map to one ExitCode table; a defect is exit 4 with one line,
never a traceback."""

import pytest

from theory.cli import SUBCOMMANDS, main
from theory.cli import prove as prove_command
from theory.core.errors import InputError, Timeout
from theory.core.exitcodes import ExitCode
from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim, Settings

MINIMAL = {"derive": ["relu"], "check": ["relu"], "simulate": ["relu", "--d", "2", "--k", "1"],
           "verify": ["relu", "--manifold", "sphere", "--d", "2", "--k", "1"],
           "sweep": ["relu", "--k", "2", "--runs", "1"], "prove": [],
           "certify": ["relu", "--electrons", "electrons.txt"], "cache": []}


def _raising(error):
    def run(_args):
        raise error
    return run


@pytest.mark.parametrize("command", SUBCOMMANDS)
@pytest.mark.parametrize("error,code,words", [
    (RuntimeError("boom"), ExitCode.INTERNAL, "internal error: RuntimeError: boom"),
    (KeyError("x"), ExitCode.INTERNAL, "rerun with --debug"),
    (InputError("bad thing"), ExitCode.BAD_INPUT, "error: bad thing"),
    (Timeout("slow step"), ExitCode.UNDECIDED, "Timeout: slow step"),
    (PermissionError(13, "Permission denied", "/x/report.md"), ExitCode.BAD_INPUT, "/x/report.md"),
    (MemoryError(), ExitCode.BAD_INPUT, "out of memory"),
])
def test_every_subcommand_turns_an_exception_into_its_exit_code(command, error, code, words, monkeypatch,
                                                                capsys):
    module = __import__(f"theory.cli.{command}", fromlist=["run"])
    monkeypatch.setattr(module, "run", _raising(error))
    assert main([command, *MINIMAL[command]]) == code
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_debug_shows_the_traceback_of_an_internal_error(monkeypatch, capsys):
    monkeypatch.setattr(prove_command, "run", _raising(RuntimeError("boom")))
    assert main(["prove", "--debug"]) == ExitCode.INTERNAL
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_usage_errors_and_help_of_every_subcommand(command, capsys):
    assert main([command, "--no-such-flag", *MINIMAL[command]]) == ExitCode.BAD_INPUT
    assert "--no-such-flag" in capsys.readouterr().err
    assert main([command, "--help"]) == ExitCode.OK
    assert "4 internal error" in capsys.readouterr().out


def test_verdicts_map_onto_the_table():
    assert [v.exit_code for v in Verdict] == [ExitCode.OK, ExitCode.REFUTED, ExitCode.UNDECIDED]


def _claim(check, conjecture=False):
    return Claim("demo", "Demo", r"x = x", check=check, conjecture=conjecture)


def _check(verdict):
    return Check("demo", verdict, Evidence(Method.EXACT, "demo"))


def test_a_check_with_defaults_is_called_without_settings():
    result = _claim(lambda activations=("relu",), scale=None: [_check(Verdict.PROVEN)]).run(Settings())
    assert result.crashed is None and result.verdict is Verdict.PROVEN


def test_a_crashed_check_of_a_conjecture_exits_4_and_says_so(capsys):
    crashed = _claim(lambda: [1 / 0], conjecture=True).run()
    assert crashed.crashed == "ZeroDivisionError: division by zero"
    assert prove_command._exit_code([crashed]) == ExitCode.INTERNAL
    assert "internal error: the check of demo raised ZeroDivisionError" in capsys.readouterr().err


@pytest.mark.parametrize("verdicts,code", [
    ([Verdict.PROVEN], ExitCode.OK), ([Verdict.UNDECIDED, Verdict.PROVEN], ExitCode.UNDECIDED),
    ([Verdict.UNDECIDED, Verdict.REFUTED], ExitCode.REFUTED)])
def test_prove_precedence_refuted_over_undecided(verdicts, code):
    results = [_claim(lambda v=v: [_check(v)]).run() for v in verdicts]
    assert prove_command._exit_code(results) == code


def test_every_claim_check_is_callable_the_way_claim_run_calls_it():
    import inspect

    from theory.proofs import all_claims

    for claim in all_claims():
        parameters = inspect.signature(claim.check).parameters
        others = [p for name, p in parameters.items() if name != "settings"]
        assert all(p.default is not inspect.Parameter.empty for p in others), claim.key
