"""LeanVec through pyvsag.Index: explicit matrices (set_leanvec_matrices) and training with
sample queries (train(..., queries=...)), on data whose principal directions are the wrong
ones for the queries (the out-of-distribution case LeanVec-OOD is for)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pyvsag
import pyvsag.svs as svs

N, DIM, D, K = 1000, 32, 8, 10
NO_REORDER = json.dumps({"hgraph": {"ef_search": 40, "enable_reorder": False}})


@pytest.fixture(scope="module")
def ood_data():
    # Data vary most in the first 16 dimensions; the queries live in the last 16.
    rng = np.random.default_rng(9)
    x = rng.normal(size=(N, DIM)) * np.r_[np.full(16, 3.0), np.linspace(0.2, 1.5, 16)]
    q = np.zeros((300, DIM))
    q[:, 16:] = rng.normal(size=(300, 16)) * np.linspace(0.2, 2.0, 16)
    x, q = x.astype(np.float32), q.astype(np.float32)
    gt = np.argsort(-(q[200:] @ x.T), axis=1)[:, :K]
    return x, q[:200], q[200:], gt


def leanvec_index(training: str = "ood", base: str = "leanvec") -> pyvsag.Index:
    param = {"base_quantization_type": base, "max_degree": 16, "ef_construction": 80,
             "build_thread_count": 1}
    if base == "leanvec":
        param.update({"leanvec_dims": D, "leanvec_training": training,
                      "leanvec_primary": "fp32"})
    return pyvsag.Index("hgraph", {"dtype": "float32", "metric_type": "ip", "dim": DIM,
                                   "index_param": param})


def recall_of(index: pyvsag.Index, queries: np.ndarray, gt: np.ndarray, params: str) -> float:
    hits = 0
    for q, want in zip(queries, gt):
        ids, _ = index.knn_search(q, K, params)
        hits += len(set(ids.tolist()) & set(want.tolist()))
    return hits / gt.size


def test_given_matrices_and_training_with_queries(ood_data) -> None:
    x, train_q, test_q, gt = ood_data
    B, A = svs.compute_leanvec_matrices(x, train_q, D)  # SVS's (dim, leanvec_dims)

    given = leanvec_index()
    given.set_leanvec_matrices(B.T, A.T)
    given.build(x, np.arange(N))
    trained = leanvec_index()
    trained.train(x, queries=train_q)
    trained.build(x, np.arange(N))
    pca = leanvec_index("pca")
    pca.build(x, np.arange(N))

    # The traversal alone (no rerank) shows which reduction the index holds.
    r = {name: recall_of(ix, test_q, gt, NO_REORDER)
         for name, ix in (("given", given), ("trained", trained), ("pca", pca))}
    print("recall@10 of the reduced vectors alone:", r)
    assert r["given"] >= 0.5 and r["trained"] >= 0.5
    assert r["pca"] < 0.3
    assert abs(r["given"] - r["trained"]) < 0.1  # numpy and the library learn alike

    # The matrices are saved with the index.
    back = pyvsag.Index.from_bytes(given.serialize())
    for q in test_q[:20]:
        ids, dists = given.knn_search(q, K, NO_REORDER)
        ids2, dists2 = back.knn_search(q, K, NO_REORDER)
        np.testing.assert_array_equal(ids, ids2)
        np.testing.assert_array_equal(dists, dists2)
    with pytest.raises(pyvsag.WrongStatusError):
        back.set_leanvec_matrices(B.T, A.T)
    with pytest.raises(pyvsag.WrongStatusError):
        given.train(x, queries=train_q)


def test_train_with_queries_alias(ood_data) -> None:
    x, train_q, _, _ = ood_data
    a, b = leanvec_index(), leanvec_index()
    a.train_with_queries(x, train_q)
    b.train(x, queries=train_q)
    for ix in (a, b):
        ix.build(x[:200], np.arange(200))
    np.testing.assert_array_equal(a.knn_search(train_q[0], K, NO_REORDER)[0],
                                  b.knn_search(train_q[0], K, NO_REORDER)[0])


def test_leanvec_errors(ood_data) -> None:
    x, train_q, _, _ = ood_data
    B, A = svs.compute_leanvec_matrices(x[:300], train_q, D)
    index = leanvec_index()
    with pytest.raises(pyvsag.InvalidArgumentError, match=r"\.T"):
        index.set_leanvec_matrices(B)  # SVS's orientation
    with pytest.raises(pyvsag.InvalidArgumentError, match="query_matrix"):
        index.set_leanvec_matrices(B.T, A.T[:4])
    with pytest.raises(pyvsag.InvalidArgumentError, match="mean"):
        index.set_leanvec_matrices(B.T, mean=np.zeros(DIM - 1))
    bad = B.T.copy()
    bad[2, 5] = np.nan
    with pytest.raises(pyvsag.InvalidArgumentError, match="NaN"):
        index.set_leanvec_matrices(bad)
    with pytest.raises(pyvsag.InvalidArgumentError, match="want 32 to 8"):
        index.set_leanvec_matrices(B.T[:4])
    with pytest.raises(pyvsag.InvalidArgumentError, match="ood"):
        leanvec_index("pca").set_leanvec_matrices(B.T, A.T)
    leanvec_index("pca").set_leanvec_matrices(B.T, B.T, mean=x.mean(axis=0))
    bad_q = train_q.copy()
    bad_q[3, 1] = np.inf
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.train(x, queries=bad_q)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.train(x, queries=train_q[:, :16])

    fp32 = leanvec_index(base="fp32")
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        fp32.set_leanvec_matrices(B.T)
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        fp32.train(x, queries=train_q)
    flat = pyvsag.Index("brute_force", {"dtype": "float32", "metric_type": "ip", "dim": DIM})
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        flat.set_leanvec_matrices(B.T)

    index.build(x[:100], np.arange(100))
    with pytest.raises(pyvsag.WrongStatusError):
        index.set_leanvec_matrices(B.T, A.T)
