"""The README's console examples are run and compared with what the commands print, so they cannot drift.

A ```console block holds ``$ command`` lines, each followed by its output (stdout and stderr). A line
``...`` stands for any number of lines the README leaves out (it says so in the text). Timings
(``0.81 s``) and residues below 10⁻²⁰ (``1.2e-31``) compare equal whatever their value. An HTML comment
``<!-- readme: slow -->`` or ``<!-- readme: very_slow -->`` on the line before a block puts its commands
under that marker. (The Python examples run as doctests: ``--doctest-glob=README.md``.)
"""

import contextlib
import pathlib
import re
import shlex

import pytest

from theory.cli import main

README = pathlib.Path(__file__).parent.parent / "README.md"
BLOCK = re.compile(r"(?:<!-- readme: (\w+) -->\n)?```console\n(.*?)```", re.DOTALL)
TIMING = re.compile(r"\b\d+(?:\.\d+)? s\b")
RESIDUE = re.compile(r"-?\d+(?:\.\d+)?e-(?:[2-9]\d|\d{3,})")  # below 1e-20: rounding noise of a polished zero
GAP = "..."
#: Input files the README's examples read, as the README's text describes them.
FILES = {"student.txt": "1 0 0\n0 1 0\n0 0 1\n"}


def examples() -> list:
    """(command, expected output lines, marker or None) for every ``$`` line of the README."""
    found = []
    for marker, body in BLOCK.findall(README.read_text(encoding="utf-8")):
        command, output = None, []
        for line in [*body.rstrip("\n").split("\n"), "$"]:
            if line.startswith("$"):
                if command:
                    found.append((command, [o for o in output if o.strip()], marker or None))
                command, output = line[1:].strip(), []
            else:
                output.append(line.rstrip())
    return found


def _param(command, expected, marker):
    marks = [getattr(pytest.mark, marker)] if marker else []
    return pytest.param(command, expected, marks=marks, id=command[:60])


def matches(expected: list[str], printed: list[str]) -> bool:
    """Whether ``printed`` is ``expected`` line by line, a ``...`` line standing for any lines."""
    if not expected:
        return not printed
    head, *rest = expected
    if head == GAP:
        return any(matches(rest, printed[i:]) for i in range(len(printed) + 1))
    return bool(printed) and _same(head, printed[0]) and matches(rest, printed[1:])


def _same(expected: str, printed: str) -> bool:
    return _normal(expected) == _normal(printed)


def _normal(line: str) -> str:
    return RESIDUE.sub("<0>", TIMING.sub("<t> s", line))


def test_the_readme_has_console_examples_and_every_one_names_a_theory_command():
    found = examples()
    assert len(found) >= 8 and all(command.startswith("theory ") for command, _, _ in found)
    assert all(expected for _, expected, _ in found), \
        "a console example shows no output (a long run? indent it)"


def test_the_comparison_allows_gaps_and_timings_only():
    assert matches(["a 0.81 s", GAP, "z"], ["a 1.2 s", "b", "c", "z"])
    assert not matches(["a", "z"], ["a", "b", "z"]) and not matches(["a 0.8 s"], ["a 0.8 ms"])
    assert matches(["L = 1.04e-31 (8e-32)"], ["L = -3.9e-31 (4e-32)"]) and not matches(["1e-19"], ["2e-19"])


@pytest.mark.parametrize("command,expected", [_param(*example) for example in examples()])
def test_readme_console_example(command, expected, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    with contextlib.suppress(SystemExit):  # argparse's usage errors
        main(shlex.split(command)[1:])
    captured = capsys.readouterr()
    printed = [line.rstrip() for line in (captured.out + captured.err).split("\n") if line.strip()]
    assert matches(expected, printed), "README.md shows:\n" + "\n".join(expected) + "\n\nprinted:\n" + \
        "\n".join(printed)
