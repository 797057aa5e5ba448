"""Search beyond upstream: recall, batches, padding, range limits, statistics and filters."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pyvsag
from conftest import Data, build, create_params, make_data, min_recall, recall, search_params


def test_recall_and_distances(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    got, dists = index.knn_search(data.queries, 10, search_params(index_type))
    truth, truth_d = data.truth(10)
    assert recall(got, truth) >= min_recall(index_type) - 0.01
    if index_type == "brute_force":
        np.testing.assert_allclose(dists, truth_d, rtol=1e-4, atol=1e-3)
    assert np.all(np.diff(dists, axis=1) >= 0)


def test_batch_equals_single(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    sp = search_params(index_type)
    ids, dists = index.knn_search(data.queries, 7, sp)
    assert ids.shape == dists.shape == (len(data.queries), 7)
    for i, q in enumerate(data.queries):
        one_ids, one_dists = index.knn_search(q, 7, sp)
        np.testing.assert_array_equal(one_ids, ids[i])
        np.testing.assert_allclose(one_dists, dists[i], rtol=1e-6)
    # Non-contiguous and list inputs are copied, with the same results.
    strided = np.repeat(data.queries, 2, axis=0)[::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(index.knn_search(strided, 7, sp)[0], ids)
    np.testing.assert_array_equal(index.knn_search(data.queries[2].tolist(), 7, sp)[0], ids[2])
    # The search JSON may be a dict.
    as_dict = json.loads(sp)
    np.testing.assert_array_equal(index.knn_search(data.queries, 7, as_dict)[0], ids)
    # One query that is read-only, strided, or a numpy integer k: same results.
    ro = data.queries[3].copy()
    ro.setflags(write=False)
    np.testing.assert_array_equal(index.knn_search(ro, 7, sp)[0], ids[3])
    col = np.asfortranarray(data.queries)[3]
    assert not col.flags.c_contiguous
    np.testing.assert_array_equal(index.knn_search(col, 7, sp)[0], ids[3])
    np.testing.assert_array_equal(index.knn_search(data.queries[3], np.int64(7), as_dict)[0], ids[3])


def test_padding_and_empty(index_type: str) -> None:
    d = make_data(n=5, dim=8)
    index = pyvsag.Index(index_type, create_params(index_type, d.dim))
    sp = search_params(index_type)
    ids, dists = index.knn_search(d.queries[0], 3, sp)  # empty index: all padding
    np.testing.assert_array_equal(ids, [-1, -1, -1])
    assert np.all(np.isinf(dists))
    index.build(d.base, d.ids)
    one_ids, one_dists = index.knn_search(d.queries[0], 8, sp)  # one query, k > size
    assert one_ids.shape == one_dists.shape == (8,)
    assert np.all(one_ids[5:] == -1) and np.all(np.isinf(one_dists[5:]))
    ids, dists = index.knn_search(d.queries[:4], 8, sp)
    np.testing.assert_array_equal(ids[0], one_ids)
    assert ids.shape == (4, 8)
    assert np.all(ids[:, 5:] == -1) and np.all(np.isinf(dists[:, 5:]))
    assert np.all(np.sort(ids[:, :5], axis=1) == np.arange(5))
    ids, dists = index.knn_search(np.empty((0, d.dim), np.float32), 4, sp)
    assert ids.shape == (0, 4) and dists.shape == (0, 4)


def test_range_search(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    sp = search_params(index_type, ef=300)
    q = data.queries[1]
    exact = ((data.base.astype(np.float64) - q) ** 2).sum(-1)
    radius = float(np.sort(exact)[25])
    ids, dists = index.range_search(q, radius, sp)
    assert np.all(dists <= radius * 1.0001) and np.all(np.diff(dists) >= 0)
    inside = set(data.ids[exact <= radius].tolist())
    assert set(ids.tolist()) <= inside
    assert len(ids) >= (len(inside) if index_type == "brute_force" else 0.9 * len(inside))
    capped, capped_d = index.range_search(q, radius, sp, limited_size=5)
    assert len(capped) == 5
    np.testing.assert_array_equal(capped, ids[:5])
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.range_search(q, radius, sp, limited_size=0)
    ids2, dists2, stats = index.range_search_with_statistics(q, radius, sp)
    np.testing.assert_array_equal(ids2, ids)
    assert isinstance(json.loads(stats), dict)


def test_knn_with_statistics(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    sp = search_params(index_type)
    ids, dists, stats = index.knn_search_with_statistics(data.queries[0], 5, sp)
    want_ids, want_dists = index.knn_search(data.queries[0], 5, sp)
    np.testing.assert_array_equal(ids, want_ids)
    parsed = json.loads(stats)
    assert parsed["dist_cmp"] > 0
    if index_type == "brute_force":
        assert parsed["dist_cmp"] == data.n
    with pytest.raises(RuntimeError, match="knn_search_with_statistics failed"):
        index.knn_search_with_statistics(data.queries[0], 5, "not valid JSON")


def _filtered_truth(data: Data, excluded: np.ndarray, k: int) -> np.ndarray:
    return data.truth(k, exclude=np.isin(data.ids, excluded))[0]


FILTER_K = 10


@pytest.mark.parametrize("kind", ["mask", "ids", "list", "callable", "bitset", "keep_mask",
                                  "keep_ids", "keep_fn", "combined"])
def test_filters(index_type: str, data: Data, kind: str) -> None:
    index = build(index_type, data)
    sp = search_params(index_type, ef=200)
    odd = data.ids[data.ids % 2 == 1]
    even = data.ids[data.ids % 2 == 0]
    excluded = odd  # every case below excludes the odd labels
    mask = np.zeros(data.n, dtype=bool)
    mask[odd] = True
    if kind == "mask":
        f: object = mask
    elif kind == "ids":
        f = odd
    elif kind == "list":
        f = odd.tolist()
    elif kind == "callable":
        f = lambda label: label % 2 == 1  # noqa: E731
    elif kind == "bitset":
        f = pyvsag.Bitset(odd)
        assert f.count() == len(odd) and 1 in f and 2 not in f
    elif kind == "keep_mask":
        f = pyvsag.Filter(keep_mask=~mask)
    elif kind == "keep_ids":
        f = pyvsag.Filter(keep_ids=even, valid_ratio=0.5)
    elif kind == "keep_fn":
        f = pyvsag.Filter(keep=lambda label: label % 2 == 0)
    else:  # parts combine: a label must pass every one
        low = data.ids[(data.ids % 2 == 1) & (data.ids < 300)]
        high = data.ids[(data.ids % 2 == 1) & (data.ids >= 300)]
        f = pyvsag.Filter(exclude_ids=low, exclude=lambda label: label in set(high.tolist()))
    ids, dists = index.knn_search(data.queries, FILTER_K, sp, filter=f)
    assert not np.isin(ids, excluded).any()
    truth = _filtered_truth(data, excluded, FILTER_K)
    assert recall(ids, truth) >= min_recall(index_type) - 0.05
    one, _ = index.knn_search(data.queries[0], FILTER_K, sp, filter=f)
    np.testing.assert_array_equal(one, ids[0])
    r_ids, _ = index.range_search(data.queries[0], float(dists[0, -1]), sp, filter=f)
    assert len(r_ids) > 0 and not np.isin(r_ids, excluded).any()


def test_keep_ids_with_large_labels() -> None:
    d = make_data(n=200, dim=8)
    d.ids = d.ids + (1 << 40)  # too large for a keep mask: a callback is used
    index = pyvsag.Index("brute_force", create_params("brute_force", d.dim))
    index.build(d.base, d.ids)
    keep = d.ids[:50]
    ids, _ = index.knn_search(d.queries, 5, "", filter=pyvsag.Filter(keep_ids=keep))
    assert np.isin(ids, keep).all()


def test_filter_callable_errors_propagate(data: Data) -> None:
    index = build("brute_force", data)

    def broken(label: int) -> bool:
        raise KeyError(label)

    with pytest.raises(KeyError):
        index.knn_search(data.queries, 5, "", filter=broken)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.knn_search(data.queries[0], 5, "", filter=np.array([0.5, 1.5]))
    with pytest.raises(pyvsag.InvalidArgumentError):
        pyvsag.Filter(exclude_mask=np.zeros(3, bool), keep_mask=np.ones(3, bool))
    # An empty exclusion list excludes nothing.
    np.testing.assert_array_equal(index.knn_search(data.queries[0], 5, "", filter=[])[0],
                                  index.knn_search(data.queries[0], 5, "")[0])


@pytest.mark.parametrize("metric", ["l2", "ip", "cosine"])
def test_metric_distances(metric: str) -> None:
    d = make_data(n=300, dim=12)
    index = pyvsag.Index("brute_force", create_params("brute_force", d.dim, metric=metric))
    index.build(d.base, d.ids)
    ids, dists = index.knn_search(d.queries, 5, "")
    b = d.base.astype(np.float64)
    q = d.queries.astype(np.float64)
    if metric == "l2":
        full = ((q[:, None, :] - b[None]) ** 2).sum(-1)
    elif metric == "ip":
        full = 1 - q @ b.T
    else:
        full = 1 - (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (
            b / np.linalg.norm(b, axis=1, keepdims=True)).T
    np.testing.assert_allclose(dists, np.take_along_axis(full, ids, axis=1), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(dists, np.sort(full, axis=1)[:, :5], rtol=1e-4, atol=1e-4)


def test_rerank_margin_sigmas() -> None:
    """hgraph's rerank_margin_sigmas: 0 measures every candidate of the beam again; the default
    stops early (fewer distance computations) with nearly the same neighbours (at least 9 of
    10 per query here); values outside 0..100 are refused."""
    d = make_data(n=2000, dim=32, nq=20)
    params = json.dumps({"dtype": "float32", "metric_type": "l2", "dim": d.dim,
                         "index_param": {"base_quantization_type": "sq4_uniform",
                                         "use_reorder": True, "precise_quantization_type": "fp16",
                                         "max_degree": 16, "ef_construction": 80}})
    index = pyvsag.Index("hgraph", params)
    index.build(d.base, d.ids)
    full_cmp = early_cmp = 0
    for q in d.queries:
        full, _, full_stats = index.knn_search_with_statistics(
            q, 10, {"hgraph": {"ef_search": 120, "rerank_margin_sigmas": 0}})
        early, early_d, early_stats = index.knn_search_with_statistics(
            q, 10, {"hgraph": {"ef_search": 120}})
        assert len(set(full.tolist()) & set(early.tolist())) >= 9
        assert np.all(np.diff(early_d) >= 0)
        full_cmp += json.loads(full_stats)["dist_cmp"]
        early_cmp += json.loads(early_stats)["dist_cmp"]
    assert early_cmp < full_cmp
    for bad in (-1, 101):
        with pytest.raises(pyvsag.InvalidArgumentError, match="rerank_margin_sigmas"):
            index.knn_search(d.queries[0], 10, {"hgraph": {"ef_search": 120,
                                                           "rerank_margin_sigmas": bad}})
