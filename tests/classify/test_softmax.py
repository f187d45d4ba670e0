"""The numpy logistic regression behind the division word model: sparse products against dense
ones, learning, sample weights and determinism."""

from __future__ import annotations

import numpy as np

from flagdesk.analysis import softmax


def _random_rows(rng: np.random.Generator, n_rows: int, n_columns: int) -> list[dict[int, float]]:
    rows = []
    for i in range(n_rows):
        k = 0 if i % 7 == 0 else int(rng.integers(1, 6))  # some rows are empty
        cols = rng.choice(n_columns - 3, size=k, replace=False)  # the last columns stay unused
        rows.append({int(c): float(rng.random()) for c in cols})
    return rows


def _dense(rows: list[dict[int, float]], n_columns: int) -> np.ndarray:
    out = np.zeros((len(rows), n_columns))
    for i, row in enumerate(rows):
        for c, v in row.items():
            out[i, c] = v
    return out


def test_sparse_products_equal_dense_ones() -> None:
    rng = np.random.default_rng(3)
    rows = _random_rows(rng, 50, 20)
    x = softmax.SparseRows(rows, 20)
    dense = _dense(rows, 20)
    w = rng.random((20, 4)).astype(np.float32)
    g = rng.random((50, 4)).astype(np.float32)
    np.testing.assert_allclose(x.dot(w), dense @ w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.t_dot(g), dense.T @ g, rtol=1e-5, atol=1e-6)


def _fit(rows: list[dict[int, float]], labels: list[int], weights: list[float]) -> np.ndarray:
    x = softmax.SparseRows(rows, 3)
    sw = np.asarray(weights)
    w, b = softmax.fit(x, np.asarray(labels), 2, sw, l2=1e-3, steps=200, rate=0.1)
    return softmax.predict_proba(softmax.SparseRows([{0: 1.0}, {1: 1.0}, {2: 1.0}], 3), w, b)


def test_learns_which_word_names_which_class() -> None:
    probs = _fit([{0: 1.0}, {1: 1.0}, {0: 0.6, 2: 0.8}, {1: 0.6, 2: 0.8}], [0, 1, 0, 1], [1, 1, 1, 1])
    assert probs[0, 0] > 0.9 and probs[1, 1] > 0.9
    assert abs(probs[2, 0] - 0.5) < 0.05  # a word both classes use says nothing
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)


def test_a_weight_of_two_is_a_row_counted_twice() -> None:
    rows, labels = [{0: 1.0}, {0: 1.0}, {1: 1.0}], [0, 1, 1]
    weighted = _fit(rows, labels, [2.0, 1.0, 1.0])
    repeated = _fit([rows[0], *rows], [0, *labels], [1.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(weighted, repeated, rtol=1e-4)
    assert weighted[0, 0] > 0.6  # word 0: two votes for class 0 against one for class 1
    assert np.array_equal(weighted, _fit(rows, labels, [2.0, 1.0, 1.0]))  # deterministic
