"""Canonical forms, orbit sizes and isotropy groups under S_k × S_d (and S_k)."""

import itertools
import math

import numpy as np
import pytest
import sympy

from theory.core.errors import InputError
from theory.teacher_student.ss18 import loss
from theory.teacher_student.symmetry import canonical, orbit_groups, same_orbit


def _stabiliser_order(W: np.ndarray, permute_columns: bool = True) -> int:
    """|{(Π, P): Π W Pᵀ = W}| by brute force over S_k × S_d."""
    k, d = W.shape
    columns = itertools.permutations(range(d)) if permute_columns else [tuple(range(d))]
    return sum(np.array_equal(W[np.ix_(rows, cols)], W)
               for cols in columns for rows in itertools.permutations(range(k)))


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_identity_is_one_orbit_with_diagonal_isotropy(k):
    form = canonical(np.eye(k, dtype=int))
    assert form.isotropy == f"ΔS_{k}" and form.isotropy_order == math.factorial(k)
    assert form.orbit_size == math.factorial(k)
    assert np.array_equal(form.representative, np.eye(k, dtype=int))


@pytest.mark.parametrize("shape", [(3, 3), (3, 4), (4, 4), (4, 3)])
def test_orbit_size_and_key_agree_with_brute_force_on_integer_matrices(shape):
    rng = np.random.default_rng(sum(shape))
    k, d = shape
    for _ in range(12):
        W = rng.integers(0, 3, size=shape)
        form = canonical(W)  # teacher None: the columns are the input coordinates of W* = I
        order = _stabiliser_order(W)
        assert form.isotropy_order == order
        assert form.orbit_size == math.factorial(k) * math.factorial(d) // order
        moved = W[np.ix_(rng.permutation(k), rng.permutation(d))]
        assert canonical(moved).key == form.key
        assert np.array_equal(canonical(moved).representative, form.representative)


def test_equal_rows_are_counted_in_the_isotropy():
    W = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 1]])
    form = canonical(W)
    assert form.isotropy_order == _stabiliser_order(W) == 4
    assert form.orbit_size == 36 // 4
    assert form.isotropy.startswith("order 4")  # S_2 on rows and S_2 on columns, not diagonal


def test_diagonal_product_isotropy_of_a_safran_shamir_type_point():
    k = 5
    W = np.full((k, k), 1) + 4 * np.eye(k, dtype=int)
    W[-1] = [2, 2, 2, 2, 7]
    form = canonical(W)
    assert form.isotropy == "Δ(S_4 × S_1)" and form.isotropy_order == _stabiliser_order(W) == 24
    assert form.orbit_size == math.factorial(k) ** 2 // 24


def test_permuted_float_copies_share_a_representative_and_noise_is_tolerated():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 5))
    moved = X[np.ix_(rng.permutation(5), rng.permutation(5))] + 1e-9
    assert np.allclose(canonical(X).representative, canonical(moved).representative, atol=1e-8)
    assert same_orbit(X, moved)
    assert not same_orbit(X, moved + 1e-3 * (np.arange(25).reshape(5, 5) % 2))
    assert canonical(X).isotropy == "1" and canonical(X).orbit_size == math.factorial(5) ** 2


def test_tolerance_decides_which_float_entries_are_equal():
    W = np.eye(3) + np.diag([0.0, 1e-8, 0.0])
    assert canonical(W).isotropy == "ΔS_3"
    assert canonical(W, tolerance=1e-10).isotropy_order == 2


def test_sympy_entries_are_compared_exactly():
    h = sympy.sqrt(2) / 2
    W = np.array([[h, 1 / sympy.sqrt(2)], [0, 1]], dtype=object)
    assert canonical(W).isotropy_order == _stabiliser_order(W) == 1
    assert canonical(np.array([[h, 0], [0, h]], dtype=object)).isotropy == "ΔS_2"


def test_a_general_teacher_leaves_only_student_permutations():
    teacher = np.array([[1.0, 0.0], [1.0, 1.0]])
    W = np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 0.0]])
    form = canonical(W, teacher)
    assert form.orbit_size == 3 and form.isotropy_order == _stabiliser_order(W, permute_columns=False) == 2


def test_an_orthonormal_teacher_acts_in_its_own_coordinates():
    Q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    W = np.array([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.0, 0.0, 1.0]])
    rotated = canonical(W @ Q, Q)
    assert rotated.orbit_size == canonical(W).orbit_size
    assert np.allclose(rotated.representative @ Q.T, canonical(W).representative)


def test_the_group_leaves_the_relu_loss_invariant_and_sign_changes_do_not():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(4, 4)) / 2
    moved = W[np.ix_(rng.permutation(4), rng.permutation(4))]
    flipped = W * np.array([1, 1, 1, -1])
    value, value_moved, value_flipped = loss(np.stack([W, moved, flipped]), np.eye(4))
    assert value_moved == pytest.approx(value, rel=1e-12)
    assert abs(value_flipped - value) > 1e-3


def test_orbit_groups_put_permuted_copies_together():
    X, Y = np.eye(3), np.eye(3) * 0.5
    groups = orbit_groups([X, Y, X[[2, 0, 1]], Y[:, [1, 0, 2]]])
    assert [members for _, members in groups] == [[0, 2], [1, 3]]


@pytest.mark.parametrize("bad", [np.array([1.0, 2.0]), np.array([[np.nan, 1.0]]), np.array([["a"]])],
                         ids=["1-d", "nan", "text"])
def test_bad_input_is_refused(bad):
    with pytest.raises(InputError):
        canonical(bad)
