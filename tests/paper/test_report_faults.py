"""A report folder survives a rerun that is interrupted, and two runs into it at once."""

import json

import pytest

from theory.core.errors import InputError
from theory.core.files import folder_lock
from theory.paper.prove import prove

ONLY = ["table1-relu", "table1-gaussian"]


def _interrupt_after(count):
    def progress(number, _total, _claim, result):
        if result is not None and number == count:
            raise KeyboardInterrupt
    return progress


def test_an_interrupted_rerun_keeps_the_complete_report_and_says_partial(tmp_path):
    prove(ONLY, report=tmp_path)
    complete = {name: (tmp_path / name).read_text() for name in ("report.md", "report.tex", "report.json")}
    assert len(json.loads(complete["report.json"])["claims"]) == 2
    with pytest.raises(KeyboardInterrupt):
        prove(ONLY, report=tmp_path, progress=_interrupt_after(1))
    assert {name: (tmp_path / name).read_text() for name in complete} == complete
    partial = json.loads((tmp_path / "report.partial.json").read_text())
    assert partial["partial"] == {"claims": 1, "of": 2} and len(partial["claims"]) == 1
    assert "partial: 1 of 2 claims" in (tmp_path / "report.partial.md").read_text()
    assert r"\textbf{partial: 1 of 2 claims}" in (tmp_path / "report.partial.tex").read_text()
    prove(ONLY, report=tmp_path)  # finished: the partial files go
    assert not list(tmp_path.glob("report.partial.*")) and not list(tmp_path.rglob("*.tmp"))


def test_an_interrupted_first_run_leaves_only_a_partial_report(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        prove(ONLY, report=tmp_path, progress=_interrupt_after(1))
    assert not (tmp_path / "report.md").exists()
    assert "partial: 1 of 2 claims" in (tmp_path / "report.partial.md").read_text()


def test_a_report_folder_in_use_is_refused(tmp_path):
    with folder_lock(tmp_path), pytest.raises(InputError, match="in use by another run"):
        prove(ONLY, report=tmp_path)
