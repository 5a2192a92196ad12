"""`--charges fixed|optimal` on simulate and verify; the old `--charges free` still reads, with a note."""

import json

import pytest

from theory.cli import main

NOTE = "--charges free is now spelled --charges optimal"
SIMULATE = ["simulate", "radial:exp(-r^2/2)", "--manifold", "euclidean", "--d", "2", "--k", "1", "--dps",
            "20", "--json"]
VERIFY = ["verify", "radial:exp(-r)", "--manifold", "euclidean", "--d", "1", "--k", "1", "--starts", "1",
          "--dps", "20", "--json"]


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    record = json.loads(out)
    record.get("trajectory", {}).pop("seconds", None)  # wall clock: the one field that may differ
    return code, record, err


@pytest.mark.parametrize("command", [SIMULATE, VERIFY], ids=["simulate", "verify"])
def test_free_is_optimal_with_one_note_on_stderr(command, capsys):
    code, record, err = _run([*command, "--charges", "free"], capsys)
    again, expected, quiet = _run([*command, "--charges", "optimal"], capsys)
    assert code == again == 0 and record == expected
    assert err.count(NOTE) == 1 and NOTE not in quiet
    assert record.get("output_weights", record.get("charges")) == "optimal"


@pytest.mark.parametrize("command", [SIMULATE, VERIFY], ids=["simulate", "verify"])
def test_unknown_charges_exit_2_naming_the_choices(command, capsys):
    assert main([*command, "--charges", "optimised"]) == 2
    err = capsys.readouterr().err
    assert "--charges" in err and "choose fixed or optimal" in err


@pytest.mark.parametrize("name", ["simulate", "verify"])
def test_help_shows_one_spelling(name, capsys):
    assert main([name, "--help"]) == 0
    assert "--charges {fixed,optimal}" in capsys.readouterr().out
