"""Guard: every subcommand and the API behind it refuse malformed input with exit 2 / InputError.

Each case names the argument its message must mention. The heavy steps (the dynamics, the
parallel runs, the claims' checks) are replaced by tripwires, so a case that is not refused
before doing work fails instead of running: the work of a refusal is bounded by construction.
"""

from collections import Counter

import pytest

import theory.cli.certify
import theory.dynamics.equilibrium
import theory.paper.claims
import theory.teacher_student.relu_sweep
import theory.verification.certificate
import theory.verification.verify
from theory.cli import main
from theory.core.errors import TheoryError

SIM = ["simulate", "relu", "--d", "2", "--k", "1"]
VER = ["verify", "relu", "--manifold", "sphere", "--d", "2", "--k", "1"]
SWE = ["sweep", "relu", "--k", "2", "--runs", "1"]
CER = ["certify", "relu", "--electrons"]
#: Input files of the certify cases, written by the ``tables`` fixture.
TABLES = {"ok.txt": "1 0\n0 1\n", "nan.txt": "nan 0\n0 1\n", "wide.txt": "1 0 0\n0 1 0\n",
          "ragged.txt": "1 0\n0 1 2\n", "empty.txt": "", "words.txt": "a b\nc d\n", "inf.txt": "1 inf\n0 1\n"}

#: (category, argv, word the message must contain)
CLI = [
    # empty strings
    *[("empty", argv, word) for argv, word in [
        (["derive", ""], "activation"), (["derive", "relu", "--sphere", "--at", ""], "--at"),
        (["derive", "relu", "--at", " "], "--at"), (["derive", "relu", "--dps", ""], "--dps"),
        (["derive", "relu", "--seconds", ""], "--seconds"), (["check", ""], "activation"),
        (["check", "--potential", ""], "--potential"), (["check", "relu", "--d", ""], "--d"),
        (["check", "relu", "--seconds", ""], "--seconds"),
        (["simulate", "relu", "--d", "", "--k", "1"], "--d"),
        ([*SIM, "--seed", ""], "--seed"), ([*SIM, "--protons", ""], "--protons"),
        ([*SIM, "--dps", ""], "--dps"),
        ([*SIM, "--budget", ""], "--budget"), ([*SIM, "--manifold", ""], "--manifold"),
        ([*VER, "--starts", ""], "--starts"), ([*VER, "--workers", ""], "--workers"),
        (["sweep", "relu", "--k", "", "--runs", "1"], "--k"), ([*SWE, "--runs", ""], "--runs"),
        ([*SWE, "--seconds", ""], "--seconds"), (["prove", "--only", ""], "only"),
        (["prove", "--dps", ""], "--dps"), (["simulate", "", "--d", "2", "--k", "1"], "activation"),
    ]],
    # wrong types
    *[("type", argv, word) for argv, word in [
        (["simulate", "relu", "--d", "abc", "--k", "1"], "--d"),
        (["simulate", "relu", "--d", "2.5", "--k", "1"], "--d"),
        (["simulate", "relu", "--d", "2", "--k", "[1]"], "--k"), ([*SIM, "--seed", "1.0"], "--seed"),
        ([*SIM, "--dps", "thirty"], "--dps"), ([*SIM, "--seconds", "soon"], "--seconds"),
        ([*VER, "--starts", "x"], "--starts"), ([*SWE, "--workers", "two"], "--workers"),
        (["sweep", "relu", "--k", "a..b", "--runs", "1"], "--k"),
        (["sweep", "relu", "--k", "3.5", "--runs", "1"], "--k"),
        (["check", "relu", "--d", "three"], "--d"), (["derive", "relu", "--sphere", "--at", "abc"], "rho"),
        (["derive", "relu", "--sphere", "--at", "0x1p-2"], "rho"),
        (["derive", "relu", "--sphere", "--at", "0.3;0.4"], "rho"),
        (["derive", "relu", "--sphere", "--at", "1/0"], "rho"),
        (["derive", "relu", "--sphere", "--at", "__import__('os')"], "rho"),
        (["prove", "--dps", "1e2"], "--dps"), ([*SIM, "--protons", "/etc/hostname"], "--protons"),
    ]],
    # out-of-range numbers
    *[("range", argv, word) for argv, word in [
        (["simulate", "relu", "--d", "0", "--k", "1"], "d"),
        (["simulate", "relu", "--d", "-3", "--k", "1"], "d"),
        (["simulate", "relu", "--d", "2", "--k", "0"], "k"), ([*SIM, "--seed", "-1"], "seed"),
        ([*SIM, "--dps", "0"], "dps"), ([*SIM, "--dps", "14"], "dps"), ([*SIM, "--dps", "1001"], "dps"),
        ([*SIM, "--seconds", "-1"], "seconds"), ([*SIM, "--seconds", "0"], "seconds"),
        ([*SIM, "--budget", "0"], "budget"),
        ([*SIM, "--budget", "-5"], "budget"), ([*VER, "--dps", "0"], "dps"),
        ([*VER, "--starts", "0"], "starts"),
        ([*VER, "--seed", "-1"], "seed"), ([*VER, "--seconds", "-1"], "seconds"),
        ([*VER, "--workers", "0"], "workers"), ([*VER, "--budget", "0"], "budget"),
        (["verify", "relu", "--manifold", "sphere", "--d", "0", "--k", "1"], "d"),
        (["sweep", "relu", "--k", "1", "--runs", "1"], "k"),
        (["sweep", "relu", "--k", "21", "--runs", "1"], "k"),
        (["sweep", "relu", "--k", "5..3", "--runs", "1"], "--k"), ([*SWE[:4], "--runs", "0"], "runs"),
        ([*SWE, "--dps", "5"], "dps"), ([*SWE, "--seconds", "-1"], "seconds"),
        ([*SWE, "--workers", "-2"], "workers"),
        (["prove", "--dps", "14"], "--dps"), (["prove", "--dps", "0"], "--dps"),
        (["check", "relu", "--d", "0"], "--d"), (["check", "relu", "--seconds", "-1"], "--seconds"),
        (["derive", "relu", "--seconds", "0"], "--seconds"),
        (["derive", "relu", "--sphere", "--at", "2"], "ρ"),
        (["derive", "relu", "--sphere", "--at", "0.5", "--dps", "0"], "--dps"),
        (["derive", "relu", "--at=-1,1,0"], "norms"), (["derive", "relu", "--at", "1,1,2"], "θᵀw"),
    ]],
    # name=value where positional is expected, and back
    *[("named", argv, word) for argv, word in [
        (["simulate", "relu", "--d", "d=2", "--k", "1"], "--d"),
        (["simulate", "relu", "--d", "2", "--k", "k=1"], "--k"),
        ([*SIM, "--seed", "seed=1"], "--seed"), ([*SIM, "--dps", "dps=30"], "--dps"),
        (["sweep", "relu", "--k", "k=3", "--runs", "1"], "--k"), ([*VER, "--starts", "starts=2"], "--starts"),
        (["check", "relu", "--d", "d=3"], "--d"), (["prove", "--dps", "dps=20"], "--dps"),
        (["derive", "relu", "--sphere", "--at", "x=0.3"], "rho"),
        (["derive", "relu", "--at", "rho=0.3"], "na, nb, dot"),
        (["derive", "relu", "--sphere", "--at", "rho=0.3,0.4"], "rho"),
        (["derive", "relu", "--at", "na=1,nb=1"], "dot"),
        (["derive", "relu", "--at", "1.5,0.7"], "na, nb, dot"),
        (["derive", "relu", "--sphere", "--at", "0.3,"], "rho"),
        (["derive", "relu", "--sphere", "--at", "rho=0.1,rho=0.2"], "rho"),
        (["derive", "relu", "--sphere", "--at", "rho="], "rho"),
        (["derive", "relu", "--at", "1.5,0.7,0.2,0.1"], "na, nb, dot"),
        (["derive", "relu", "--sphere", "--at", "0.3,0.4"], "rho"),
    ]],
    # unknown flags and stray arguments
    *[("flag", argv, word) for argv, word in [
        ([*argv, "--no-such-flag"], "--no-such-flag")
        for argv in (["derive", "relu"], ["check", "relu"], SIM, VER, SWE, ["prove"], ["cache"])
    ] + [
        ([*SIM, "-x"], "-x"), ([*SIM, "extra"], "extra"), (["derive", "relu", "tanh"], "tanh"),
        ([*SIM, "--algorithm", "adam"], "--algorithm"), ([*VER, "--charges", "optimised"], "--charges"),
        (["sweep", "tanh", "--k", "2", "--runs", "1"], "problem"), (["nosuchcommand"], "nosuchcommand"),
        (["derive"], "activation"), (["check"], "activation"), (["derive", "relu", "--all"], "--all"),
        (["simulate", "relu", "--k", "1"], "--d"), (["verify", "relu", "--d", "2", "--k", "1"], "--manifold"),
        ([*SWE, "--scheduler", "tcp://127.0.0.1:1"], "dask"),
        (["check", "relu", "--potential", "r"], "--potential"),
        (["check", "--potential", "r", "--manifold", "sphere"], "manifold"),
        (["prove", "--paper", "nope"], "--paper"), (["cache", "stray"], "stray"),
    ]],
    # output paths that cannot be written, refused before the work
    *[("path", argv, word) for argv, word in [
        ([*SIM, "--plot", "/no/such/folder/run.png"], "--plot"), ([*SIM, "--plot", "/tmp"], "--plot"),
        ([*SWE, "--plot", "/no/such/folder/p.png"], "--plot"),
        ([*VER, "--report", "/etc/hostname"], "/etc/hostname"),
        ([*VER, "--report", "/proc/theory-report"], "/proc/theory-report"),
        ([*VER, "--checkpoint", "/etc/hostname"], "/etc/hostname"),
        ([*SWE, "--resume", "/etc/hostname"], "/etc/hostname"),
        ([*SWE, "--resume", "/proc/theory-sweep"], "/proc/theory-sweep"),
        (["prove", "--report", "/etc/hostname"], "/etc/hostname"),
        (["prove", "--report", "/proc/theory-r"], "/proc/theory-r"),
    ]],
    # NaN and infinities
    *[("nan-inf", argv, word) for argv, word in [
        ([*SIM, "--seconds", "nan"], "seconds"), ([*SIM, "--seconds", "inf"], "seconds"),
        ([*SIM, "--seconds", "-inf"], "seconds"), ([*VER, "--seconds", "nan"], "seconds"),
        ([*SWE, "--seconds", "nan"], "seconds"), ([*SWE, "--seconds", "inf"], "seconds"),
        (["derive", "relu", "--seconds", "nan"], "--seconds"),
        (["check", "relu", "--seconds", "inf"], "--seconds"),
        (["derive", "relu", "--sphere", "--at", "nan"], "rho"),
        (["derive", "relu", "--sphere", "--at", "inf"], "rho"),
        (["derive", "relu", "--sphere", "--at=-oo"], "rho"), (["derive", "relu", "--at", "nan,1,0"], "na"),
        (["simulate", "relu", "--d", "nan", "--k", "1"], "--d"), ([*SIM, "--dps", "inf"], "--dps"),
        (["check", "relu", "--d", "inf"], "--d"), (["derive", "relu", "--sphere", "--at", "zoo"], "rho"),
    ]],
    # certify: the electrons and protons files, the claim, the activation
    *[("certify", argv, word) for argv, word in [
        (["certify", "relu"], "--electrons"), ([*CER, ""], "--electrons"),
        ([*CER, "missing.txt"], "--electrons"),
        ([*CER, "nan.txt"], "--electrons"), ([*CER, "inf.txt"], "--electrons"),
        ([*CER, "ragged.txt"], "--electrons"),
        ([*CER, "empty.txt"], "--electrons"), ([*CER, "words.txt"], "--electrons"),
        ([*CER, "/proc"], "--electrons"),
        ([*CER, "/etc/hostname"], "--electrons"), ([*CER, "ok.txt", "--protons", "wide.txt"], "protons"),
        ([*CER, "ok.txt", "--protons", "nonsense"], "--protons"),
        ([*CER, "ok.txt", "--protons", "nan.txt"], "--protons"),
        ([*CER, "ok.txt", "--expect", "maximum"], "--expect"),
        (["certify", "", "--electrons", "ok.txt"], "activation"),
        (["certify", "nosuch", "--electrons", "ok.txt"], "nosuch"),
        ([*CER, "ok.txt", "--no-such-flag"], "--no-such-flag"), ([*CER, "ok.txt", "extra"], "extra"),
        (["certify", "__import__('os')", "--electrons", "ok.txt"], "__import__"),
        ([*SIM, "--protons", "empty.txt"], "--protons"), ([*SIM, "--protons", "nan.txt"], "--protons"),
    ]],
    # formulas and activation parameters that are malformed or beyond their documented ranges
    *[("formula", argv, word) for argv, word in [
        (["derive", "hermite(10**6)"], "hermite"), (["derive", "relu_power(100000)"], "relu_power"),
        (["derive", "(t**200)**200"], "200"), (["derive", "1/(t**7-t-1)"], "singular"),
        (["derive", "t+"], "t+"),
        (["derive", "sin("], "sin("), (["derive", "t**"], "t**"), (["derive", "exec('1')"], "exec"),
        (["derive", "t.__class__"], "t"), (["derive", "lambda: 1"], "lambda"),
        (["derive", "hermite(-1)"], "hermite"),
        (["derive", "hermite(2.5)"], "hermite"), (["derive", "leaky_relu(nan)"], "nan"),
        (["derive", "erf(0, t)"], "erf"), (["derive", "relu_power(0)"], "relu_power"), (["derive", "x"], "x"),
        (["check", "hermite(10**6)"], "hermite"),
        (["check", "relu", "--manifold", "torus"], "--manifold"), ([*SIM, "--charges", "maybe"], "--charges"),
        ([*VER, "--charges", "maybe"], "--charges"), ([*SWE, "--protocol", "ss99"], "--protocol"),
        (["prove", "--only", "nosuchclaim"], "nosuchclaim"),
    ]],
    # huge values
    *[("huge", argv, word) for argv, word in [
        (["simulate", "relu", "--d", "1000000000", "--k", "3"], "Hessian"),
        (["simulate", "relu", "--d", "3", "--k", "1000000"], "Hessian"),
        (["verify", "relu", "--manifold", "sphere", "--d", "1000000000", "--k", "1"], "Hessian"),
        ([*SIM, "--dps", "1000000"], "dps"), ([*VER, "--dps", "1000000"], "dps"),
        ([*SWE, "--dps", "1000000"], "dps"),
        (["prove", "--dps", "1000000"], "--dps"), ([*SIM, "--seed", str(2**64)], "seed"),
        ([*VER, "--seed", str(2**64)], "seed"), ([*SIM, "--seconds", "1e300"], "seconds"),
        ([*VER, "--starts", "1000000000000"], "starts"), ([*SWE[:4], "--runs", "1000000000000"], "runs"),
        ([*SWE, "--workers", "1000000"], "workers"), ([*VER, "--workers", "100000"], "workers"),
        (["sweep", "relu", "--k", "2..1000000000", "--runs", "1"], "k"),
        (["derive", "relu", "--sphere", "--at", "0.5", "--dps", "1000000"], "--dps"),
        (["derive", "relu", "--seconds", "1e12"], "--seconds"),
    ]],
]


@pytest.fixture(autouse=True)
def tables(tmp_path, monkeypatch):
    """The certify cases' input files, in a fresh working folder."""
    monkeypatch.chdir(tmp_path)
    for name, text in TABLES.items():
        (tmp_path / name).write_text(text)


@pytest.fixture(autouse=True)
def tripwires(monkeypatch):
    """The heavy steps raise: a malformed case must be refused before any of them starts."""
    def tripwire(*_args, **_kwargs):
        raise AssertionError("work started on a malformed input")

    monkeypatch.setattr(theory.dynamics.equilibrium, "run_algorithm", tripwire)
    monkeypatch.setattr(theory.verification.verify, "run_all", tripwire)
    monkeypatch.setattr(theory.teacher_student.relu_sweep, "run_all", tripwire)
    monkeypatch.setattr(theory.paper.claims.Claim, "run", tripwire)
    monkeypatch.setattr(theory.verification.certificate, "certify_point", tripwire)
    monkeypatch.setattr(theory.cli.certify, "certify_point", tripwire)


@pytest.mark.parametrize("category,argv,word", CLI, ids=[f"{c}-{' '.join(a)}" for c, a, _ in CLI])
def test_malformed_command_lines_exit_2_naming_the_argument(category, argv, word, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert word in captured.err and "Traceback" not in captured.err + captured.out


def _api_cases():
    import numpy as np

    from theory import activation, certify, equilibrium, prove, simulate, verify
    from theory.dynamics.loss import Loss
    from theory.potentials.potential import potential
    from theory.teacher_student.relu_sweep import sweep
    from theory.verification.executor import run_all

    relu = potential("relu")
    sim = {"d": 2, "k": 1}
    ver = {"manifold": "sphere", "d": 2, "k": 1}
    return [
        ("type", lambda: simulate("relu", d="2", k=1), "d"),
        ("type", lambda: simulate("relu", d=2.0, k=1), "d"),
        ("type", lambda: simulate("relu", **sim, seed=1.5), "seed"),
        ("type", lambda: simulate("relu", **sim, dps="30"), "dps"),
        ("type", lambda: simulate("relu", **sim, seconds="10"), "seconds"),
        ("type", lambda: verify("relu", **ver, starts=2.0), "starts"),
        ("type", lambda: sweep("3", 1), "ks"), ("type", lambda: sweep([3], "1"), "runs"),
        ("type", lambda: sweep(3, 1), "ks"), ("type", lambda: run_all(dict, [{}], workers=True), "workers"),
        ("type", lambda: prove(only=[3]), "only"),
        ("empty", lambda: sweep([], 1), "ks"), ("empty", lambda: prove(only=""), "only"),
        ("empty", lambda: prove(only=[]), "only"), ("empty", lambda: relu.sphere().at(""), "value"),
        ("range", lambda: simulate("relu", d=0, k=1), "d"),
        ("range", lambda: simulate("relu", **sim, seed=-1), "seed"),
        ("range", lambda: simulate("relu", **sim, dps=0), "dps"),
        ("range", lambda: simulate("relu", **sim, seconds=-1), "seconds"),
        ("range", lambda: verify("relu", **ver, dps=0), "dps"),
        ("range", lambda: verify("relu", **ver, starts=0), "starts"),
        ("range", lambda: verify("relu", **ver, seed=-1), "seed"), ("range", lambda: sweep([1], 1), "k"),
        ("range", lambda: sweep([3], 0), "runs"), ("range", lambda: sweep([3], 1, dps=5), "dps"),
        ("range", lambda: run_all(dict, [{}], workers=0), "workers"),
        ("range", lambda: relu.sphere().at(2), "ρ"),
        ("nan-inf", lambda: simulate("relu", **sim, seconds=float("nan")), "seconds"),
        ("nan-inf", lambda: simulate("relu", **sim, seconds=float("inf")), "seconds"),
        ("nan-inf", lambda: verify("relu", **ver, seconds=float("nan")), "seconds"),
        ("nan-inf", lambda: sweep([3], 1, seconds=float("nan")), "seconds"),
        ("nan-inf", lambda: sweep([3], 1, seconds=-float("inf")), "seconds"),
        ("nan-inf", lambda: relu.sphere().at("nan"), "nan"),
        ("nan-inf", lambda: relu.sphere().at(float("nan")), "rho"),
        ("huge", lambda: simulate("relu", d=10**9, k=3), "Hessian"),
        ("huge", lambda: simulate("relu", d=3, k=10**6), "Hessian"),
        ("huge", lambda: verify("relu", manifold="sphere", d=10**9, k=1), "Hessian"),
        ("huge", lambda: simulate("relu", **sim, dps=10**6), "dps"),
        ("huge", lambda: verify("relu", **ver, dps=10**6), "dps"),
        ("huge", lambda: sweep([3], 1, dps=10**6), "dps"),
        ("huge", lambda: verify("relu", **ver, starts=10**12), "starts"),
        ("huge", lambda: sweep([3], 10**12), "runs"),
        ("huge", lambda: run_all(dict, [{}], workers=10**6), "workers"),
        ("huge", lambda: simulate("relu", **sim, seed=2**64), "seed"),
        ("formula", lambda: activation("hermite", 10**6), "hermite"),
        ("formula", lambda: activation("relu_power", 0), "relu_power"),
        ("formula", lambda: activation("t**"), "t**"), ("formula", lambda: activation(""), "empty"),
        ("formula", lambda: activation("1/(t**7-t-1)"), "singular"),
        ("formula", lambda: potential("leaky_relu(nan)"), "nan"),
        ("type", lambda: activation(3), "activation"),
        ("array", lambda: Loss(relu, [[np.nan, 0.0]]), "NaN"), ("array", lambda: Loss(relu, []), "protons"),
        ("array", lambda: Loss(relu, np.eye(2)).value(np.ones((2, 3))), "dimension"),
        ("array", lambda: equilibrium(relu, [[np.inf, 0.0]], np.eye(2), manifold="euclidean"), "NaN"),
        ("array", lambda: equilibrium(relu, np.eye(3), np.eye(2), manifold="euclidean"), "dimension"),
        ("array", lambda: equilibrium(relu, "abc", np.eye(2), manifold="euclidean"), "electrons"),
        ("array", lambda: certify("not an equilibrium"), "Equilibrium"),
    ]


API = _api_cases()


@pytest.mark.parametrize("category,call,word", API, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(API)])
def test_malformed_api_calls_raise_a_theory_error_naming_the_argument(category, call, word):
    with pytest.raises(TheoryError) as caught:
        call()
    assert word in str(caught.value)


def test_the_corpus_covers_every_category_and_subcommand():
    categories = Counter(c for c, _, _ in CLI)
    assert set(categories) == {"empty", "type", "range", "named", "flag", "nan-inf", "huge", "path",
                               "certify", "formula"}
    assert {argv[0] for _, argv, _ in CLI} == set(theory.cli.SUBCOMMANDS) | {"nosuchcommand"}
    assert len(CLI) + len(API) >= 255
