"""Multinomial logistic regression on sparse TF-IDF rows, in numpy alone.

Why not scikit-learn: with SciPy it would add about 100 MB to a Windows bundle that has little more
than 20 MB to spare, for one small model. The problem is small (about ten thousand short documents,
some forty classes), so full-batch Adam steps over compressed sparse rows train it in a few seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_DTYPE = np.float32  # half the memory traffic of float64; the model needs no more precision


class SparseRows:
    """Rows of {column: value} as CSR arrays, with a column-sorted copy for the gradient."""

    def __init__(self, rows: Sequence[dict[int, float]], n_columns: int) -> None:
        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        nnz = int(lengths.sum())
        self.n_rows, self.n_columns = len(rows), n_columns
        self.indptr = np.concatenate(([0], np.cumsum(lengths)))
        self.columns = np.fromiter((c for r in rows for c in r), dtype=np.int64, count=nnz)
        self.values = np.fromiter((v for r in rows for v in r.values()), dtype=_DTYPE, count=nnz)
        row_of = np.repeat(np.arange(self.n_rows), lengths)
        order = np.argsort(self.columns, kind="stable")
        self._t_rows, self._t_values = row_of[order], self.values[order]
        self._t_indptr = np.concatenate(([0], np.cumsum(np.bincount(self.columns, minlength=n_columns))))

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """This matrix times ``weights`` (n_columns x k)."""
        return _segment_sums(weights[self.columns] * self.values[:, None], self.indptr)

    def t_dot(self, grads: np.ndarray) -> np.ndarray:
        """The transpose times ``grads`` (n_rows x k)."""
        return _segment_sums(grads[self._t_rows] * self._t_values[:, None], self._t_indptr)


def _segment_sums(products: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Sums of consecutive runs of rows (a run may be empty): differences of a running total."""
    running = np.zeros((products.shape[0] + 1, products.shape[1]), dtype=products.dtype)
    np.cumsum(products, axis=0, out=running[1:])
    return running[indptr[1:]] - running[indptr[:-1]]


def fit(
    x: SparseRows,
    labels: np.ndarray,
    n_classes: int,
    sample_weight: np.ndarray,
    *,
    l2: float,
    steps: int,
    rate: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Weights and intercepts minimising the weighted mean cross-entropy plus l2/2 |W|^2 (Adam).

    Deterministic: zero start, full batches, no sampling."""
    params = [np.zeros((x.n_columns, n_classes), dtype=_DTYPE), np.zeros(n_classes, dtype=_DTYPE)]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    target = np.zeros((x.n_rows, n_classes), dtype=_DTYPE)
    target[np.arange(x.n_rows), labels] = 1.0
    share = (sample_weight / sample_weight.sum()).astype(_DTYPE)[:, None]
    beta1, beta2 = 0.9, 0.999
    for step in range(1, steps + 1):
        residual = (predict_proba(x, *params) - target) * share
        grads = [x.t_dot(residual) + l2 * params[0], residual.sum(axis=0)]
        for p, g, m, v in zip(params, grads, first, second, strict=True):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p -= rate * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
    return params[0], params[1]


def predict_proba(x: SparseRows, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    return softmax(x.dot(weights) + bias)


def softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=-1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=-1, keepdims=True)
    return logits
