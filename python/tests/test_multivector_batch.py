"""A batch of multi-vector queries (warp and simq) runs as one library call: each row equals the
one-query search (filters and attribute expressions included), rows are padded past the live
count, malformed batches are refused and nothing stored is lost; get_stats reports the
documents, their sub-vectors and, for simq, the clusters."""

from __future__ import annotations

import numpy as np
import pytest

import pyvsag

DIM = 12
PARAMS = {"warp": "", "simq": '{"simq":{"coarse_k":32,"rerank_k":120}}'}


def corpus(n: int = 100, seed: int = 5):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 6, size=n)
    vecs = rng.standard_normal((int(counts.sum()), DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    bounds = np.concatenate(([0], np.cumsum(counts)))
    docs = [vecs[bounds[i]:bounds[i + 1]] for i in range(n)]
    return vecs, counts, np.arange(500, 500 + n, dtype=np.int64), docs


@pytest.fixture(params=["warp", "simq"])
def built(request):
    vecs, counts, ids, docs = corpus()
    idx = pyvsag.Index(request.param, f'{{"dtype":"float32","metric_type":"ip","dim":{DIM}}}')
    attrs = [{"shard": int(i % 3)} for i in range(len(ids))]
    idx.build(vecs, ids, vector_counts=counts, attributes=attrs)
    yield request.param, idx, counts, ids, docs
    idx.close()


@pytest.mark.parametrize("k", [1, 7, 300])
@pytest.mark.parametrize("how", ["none", "filter", "expr", "both"])
def test_batch_rows_equal_single_searches(built, k, how) -> None:
    name, idx, counts, ids, docs = built
    qs = [2, 11, 40, 41, 77]
    flat = np.concatenate([docs[i] for i in qs])
    qc = [len(docs[i]) for i in qs]
    kw = {}
    if how in ("filter", "both"):
        kw["filter"] = [int(ids[11]), 540]
    if how in ("expr", "both"):
        kw["filter_expr"] = "shard != 1"
    got, dist = idx.knn_search(flat, k, PARAMS[name], vector_counts=qc, **kw)
    assert got.shape == (len(qs), k) and dist.shape == (len(qs), k)
    for row, i in enumerate(qs):
        one = idx.search(docs[i], k=k, parameters=PARAMS[name], multi_vector=True, **kw)
        n = len(one.ids)
        assert list(got[row, :n]) == list(one.ids)
        assert np.array_equal(dist[row, :n], one.distances)
        assert (got[row, n:] == -1).all() and np.isinf(dist[row, n:]).all()
    if k == 300:
        assert (got[:, 100:] == -1).all()  # 100 documents: the rest is padding


def test_one_query_and_refusals(built) -> None:
    name, idx, counts, ids, docs = built
    q = docs[40]
    one, _ = idx.knn_search(q, 4, PARAMS[name], vector_counts=[len(q)])
    assert one.shape == (4,)
    flat = np.concatenate([docs[3], docs[9]])
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.knn_search(flat, 4, PARAMS[name], vector_counts=[len(docs[3]), len(docs[9]) + 1])
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.knn_search(flat, 4, PARAMS[name], vector_counts=[len(flat), 0])
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.knn_search(flat, 0, PARAMS[name], vector_counts=[len(docs[3]), len(docs[9])])
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.knn_search(flat, 4, PARAMS[name], vector_counts=[len(docs[3]), len(docs[9])],
                       filter_expr="shard ==")
    with pytest.raises(pyvsag.DimensionNotEqualError):
        idx.knn_search(np.ones((3, DIM + 1), np.float32), 4, vector_counts=[1, 2])
    bad = flat.copy()
    bad[1, 1] = np.nan
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.knn_search(bad, 4, PARAMS[name], vector_counts=[len(docs[3]), len(docs[9])])
    assert idx.get_num_elements() == 100
    again, _ = idx.knn_search(q, 4, PARAMS[name], vector_counts=[len(q)])
    assert list(again) == list(one)


def test_get_stats(built) -> None:
    name, idx, counts, ids, docs = built
    assert idx.check_feature(pyvsag.Feature.SUPPORT_GET_STATS)
    idx.remove(int(ids[0]))
    st = idx.get_stats()
    assert st["num_elements"] == 99 and st["deleted_count"] == 1 and st["total_count"] == 100
    assert st["sub_vector_count"] == int(counts.sum())
    assert st["live_sub_vector_count"] == int(counts[1:].sum())
    per = st["sub_vectors_per_document"]
    assert per["min"] == counts[1:].min() and per["max"] == counts[1:].max()
    assert per["mean"] == pytest.approx(counts[1:].mean())
    assert sum(st["sub_vector_count_histogram"]) == 99
    assert st["memory_usage"] > 0
    if name == "simq":
        assert st["cluster_count"] == st["representative_graph"]["num_elements"] > 0
        assert st["cluster_size"]["mean"] * st["cluster_count"] == pytest.approx(counts.sum())
        assert st["largest_cluster_size"] <= 64
    else:
        assert "cluster_count" not in st
