"""LeanVec matrices learned from data and sample queries (LeanVec-OOD), in numpy."""

from __future__ import annotations

from typing import List, Tuple

import numpy as np

__all__ = ["compute_leanvec_matrices", "leanvec_loss"]


def _finite_rows(x: np.ndarray, what: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] == 0:
        raise ValueError(f"{what} must be a non-empty 2-D array, got shape {np.shape(x)}")
    keep = np.isfinite(a).all(axis=1)
    if not keep.any():
        raise ValueError(f"{what} holds no finite row")
    return a[keep]


def _vertex(g: np.ndarray) -> np.ndarray:
    """_vertex is the minimiser of <g, S> over the spectral-norm unit ball: -U V^T."""
    u, _, vt = np.linalg.svd(g, full_matrices=False)
    return -(u @ vt)


def leanvec_loss(X: np.ndarray, Q: np.ndarray, B: np.ndarray, A: np.ndarray) -> float:
    """leanvec_loss is ||X B A^T Q^T - X Q^T||_F^2 / (|X| |Q|): the mean squared error of the
    reduced inner products <A^T q, B^T x> against the true <q, x>."""
    x = np.asarray(X, dtype=np.float64)
    q = np.asarray(Q, dtype=np.float64)
    err = (x @ np.asarray(B, np.float64)) @ (q @ np.asarray(A, np.float64)).T - x @ q.T
    return float((err * err).sum() / (x.shape[0] * q.shape[0]))


def compute_leanvec_matrices(X: np.ndarray, Q: np.ndarray, n_components: int,
                             n_max_steps: int = 500, rel_tol: float = 1e-3
                             ) -> Tuple[np.ndarray, np.ndarray]:
    """compute_leanvec_matrices learns LeanVec-OOD matrices from data X (n x D) and sample
    queries Q (m x D): B (D x n_components, for the data) and A (D x n_components, for the
    queries) such that <A^T q, B^T x> approximates <q, x> for queries like Q.

    Block-coordinate Frank-Wolfe over the spectral-norm ball ``||M||_2 <= 1`` of each matrix
    on the loss ``||X B A^T Q^T - X Q^T||_F^2``, with ``X^T X`` and ``Q^T Q`` computed once;
    both matrices start at the top principal directions of ``X^T X``; step ``1/(t+1)``; at most
    n_max_steps steps, stopping when the loss changes by less than rel_tol of itself. The
    iterate with the lowest loss is returned. There is no centring. Rows holding NaN or
    infinity are left out.

    Returns:
        (B, A), float32 arrays of shape (D, n_components): the data matrix and the query matrix
        (the ``data_matrix`` and ``query_matrix`` of :class:`LeanVecLoader`).
    """
    x = _finite_rows(X, "X")
    q = _finite_rows(Q, "Q")
    dim = x.shape[1]
    if q.shape[1] != dim:
        raise ValueError(f"X has {dim} columns, Q has {q.shape[1]}")
    d = int(n_components)
    if not 0 < d <= dim:
        raise ValueError(f"n_components must be in [1, {dim}], got {n_components}")
    xtx = x.T @ x
    qtq = q.T @ q
    # Top-d eigenvectors of the symmetric X^T X (eigh returns ascending eigenvalues).
    _, vecs = np.linalg.eigh(xtx)
    a = np.ascontiguousarray(vecs[:, ::-1][:, :d])
    b = a.copy()
    c3 = float((qtq * xtx).sum())  # tr(Q^T Q X^T X)

    def loss(qa: np.ndarray, xb: np.ndarray) -> float:
        # tr(A^T QtQ A B^T XtX B) - 2 tr(A^T QtQ XtX B) + tr(QtQ XtX)
        return float(((a.T @ qa) * (b.T @ xb)).sum() - 2 * (qa * xb).sum() + c3)

    qa, xb = qtq @ a, xtx @ b
    best, best_a, best_b = loss(qa, xb), a.copy(), b.copy()
    losses: List[float] = []
    for t in range(int(n_max_steps)):
        gamma = 1.0 / (t + 1)
        # A step: gradient / 2 = QtQ A (B^T XtX B) - QtQ XtX B
        g = qa @ (b.T @ xb) - qtq @ xb
        a = (1 - gamma) * a + gamma * _vertex(g)
        qa = qtq @ a
        # B step: gradient / 2 = XtX B (A^T QtQ A) - XtX QtQ A
        g = xb @ (a.T @ qa) - xtx @ qa
        b = (1 - gamma) * b + gamma * _vertex(g)
        xb = xtx @ b
        cur = loss(qa, xb)
        losses.append(cur)
        if cur < best:
            best, best_a, best_b = cur, a.copy(), b.copy()
        if t > 0 and abs(cur - losses[t - 1]) < rel_tol * abs(losses[t - 1]):
            break
    return best_b.astype(np.float32), best_a.astype(np.float32)
