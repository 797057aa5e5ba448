"""Index.search (VSAG's SearchRequest) and the rows other than dense vectors: sparse (scipy CSR
or (indptr, indices, values)), multi-vector documents and paths."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

import pyvsag
from conftest import Data, build, create_params, make_data, search_params


def exact(d: Data, q: np.ndarray) -> np.ndarray:
    return ((d.base.astype(np.float64) - q) ** 2).sum(-1)


# ---- search: knn ---------------------------------------------------------------------------


def test_search_knn_matches_knn_search(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    sp = search_params(index_type)
    for q in data.queries[:5]:
        res = index.search(q, k=10, parameters=sp)
        assert isinstance(res, pyvsag.SearchResult)
        ids, dists = index.knn_search(q, 10, sp)
        np.testing.assert_array_equal(res.ids, ids)
        np.testing.assert_allclose(res.distances, dists, rtol=1e-6)
        assert res.ids.dtype == np.int64 and res.distances.dtype == np.float32
        assert res.extra_infos is None and res.expected is None
        # unpacks like knn_search
        got_ids, got_dists, *_ = res
        assert got_ids is res.ids and got_dists is res.distances


def test_search_knn_no_padding_and_empty(index_type: str) -> None:
    d = make_data(n=5, dim=8)
    index = pyvsag.Index(index_type, create_params(index_type, d.dim))
    res = index.search(d.queries[0], k=3, parameters=search_params(index_type))
    assert res.ids.shape == (0,) and res.distances.shape == (0,)
    index.build(d.base, d.ids)
    res = index.search(d.queries[0], k=8, parameters=search_params(index_type))
    assert sorted(res.ids.tolist()) == list(range(5))  # only real results, no -1 padding
    assert np.all(np.diff(res.distances) >= 0)


def test_search_filters_anded(data: Data) -> None:
    index = build("brute_force", data)
    attrs = [{"even": int(i % 2 == 0), "tag": "a" if i % 3 else "b"} for i in range(data.n)]
    index = pyvsag.Index("brute_force", create_params("brute_force", data.dim))
    index.build(data.base, data.ids, attributes=attrs)
    q = data.queries[0]
    d = exact(data, q)
    order = np.argsort(d, kind="stable")
    excluded = order[:3]  # the three nearest, excluded by the filter
    res = index.search(q, k=10, filter=excluded, filter_expr="even = 1 AND tag = \"a\"")
    keep = np.array([(i % 2 == 0) and (i % 3 != 0) and i not in excluded
                     for i in range(data.n)])
    want = [int(i) for i in order if keep[i]][:10]
    assert res.ids.tolist() == want
    # a Filter with a keep callable and a Bitset, combined with the expression
    bs = pyvsag.Bitset([want[0]])
    res2 = index.search(q, k=5, filter=pyvsag.Filter(bitset=bs, keep=lambda x: x < 300),
                        filter_expr="even = 1")
    want2 = [int(i) for i in order if i % 2 == 0 and i < 300 and i != want[0]][:5]
    assert res2.ids.tolist() == want2


def test_search_expected_labels(data: Data) -> None:
    index = build("brute_force", data)
    q = data.queries[1]
    order = np.argsort(exact(data, q), kind="stable")
    near, excluded, far = int(order[0]), int(order[1]), int(order[-1])
    res = index.search(q, k=5, filter=[excluded],
                       expected_labels=[near, excluded, far, 10**9])
    assert res.expected is not None and len(res.expected) == 4
    e = res.expected
    assert e[0] == pyvsag.Explanation(near, pyvsag.Reason.FOUND, float(res.distances[0]))
    assert e[0].reason == "found" and str(e[1].reason) == "filtered"
    assert e[1].label == excluded and e[1].reason is pyvsag.Reason.FILTERED
    assert e[2].reason is pyvsag.Reason.BEYOND_K and e[2].distance >= res.distances[-1]
    assert e[3].reason is pyvsag.Reason.ABSENT and math.isnan(e[3].distance)
    assert index.search(q, k=5, expected_labels=[]).expected == []


def test_search_not_reached_on_a_weak_graph() -> None:
    d = make_data(n=2000, dim=16, seed=3)
    index = pyvsag.Index("hgraph", json.dumps({
        "dtype": "float32", "metric_type": "l2", "dim": 16,
        "index_param": {"base_quantization_type": "fp32", "max_degree": 4,
                        "ef_construction": 8}}))
    index.build(d.base, d.ids)
    truth, _ = d.truth(10)
    reasons = set()
    for qi, q in enumerate(d.queries):
        res = index.search(q, k=10, parameters={"hgraph": {"ef_search": 10}},
                           expected_labels=truth[qi])
        for e in res.expected:
            assert e.reason in (pyvsag.Reason.FOUND, pyvsag.Reason.NOT_REACHED)
            assert (e.reason is pyvsag.Reason.FOUND) == (e.label in res.ids)
            reasons.add(e.reason)
            assert not math.isnan(e.distance)
    assert pyvsag.Reason.FOUND in reasons and pyvsag.Reason.NOT_REACHED in reasons


# ---- search: range -------------------------------------------------------------------------


def test_search_range(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    sp = search_params(index_type, ef=300)
    q = data.queries[2]
    d = np.sort(exact(data, q))
    radius = float(d[30])
    res = index.search(q, radius=radius, parameters=sp)
    assert np.all(res.distances <= radius * 1.0001) and np.all(np.diff(res.distances) >= 0)
    ids, _ = index.range_search(q, radius, sp)
    np.testing.assert_array_equal(res.ids, ids)
    capped = index.search(q, radius=radius, parameters=sp, limited_size=4)
    assert capped.ids.size == 4
    np.testing.assert_array_equal(capped.ids, res.ids[:4])
    # more results than the first buffer (256) holds: fetched in full
    everything = index.search(q, radius=1e30, parameters=sp)
    if index_type == "brute_force":
        assert everything.ids.size == data.n


def test_search_extra_infos(data: Data) -> None:
    params = json.loads(create_params("brute_force", data.dim))
    params["extra_info_size"] = 4
    index = pyvsag.Index("brute_force", params)
    extra = data.ids.astype(np.uint32).view(np.uint8).reshape(-1, 4)
    index.build(data.base, data.ids, extra_infos=extra)
    res = index.search(data.queries[0], k=6)
    assert res.extra_infos.shape == (6, 4) and res.extra_infos.dtype == np.uint8
    np.testing.assert_array_equal(res.extra_infos.view(np.uint32).reshape(-1), res.ids)
    wide = index.search(data.queries[0], radius=1e30)
    assert wide.extra_infos.shape == (data.n, 4)
    np.testing.assert_array_equal(wide.extra_infos.view(np.uint32).reshape(-1), wide.ids)


def test_search_bad_arguments(data: Data) -> None:
    index = build("brute_force", data)
    q = data.queries[0]
    bad = [
        dict(),  # neither k nor radius
        dict(k=3, radius=1.0),
        dict(k=0),
        dict(k=3, limited_size=2),
        dict(radius=-1.0),
        dict(radius="far"),
        dict(radius=1.0, limited_size=-5),
        dict(k=3, bucket_ids=[1, 2]),
        dict(k=3, bucket_ids=[]),
        dict(k=3, parameters="{nope"),
        dict(k=3, filter_expr="a ="),
        dict(k=3, filter_expr=7),
        dict(k=3, expected_labels=[1.5]),
    ]
    for kw in bad:
        with pytest.raises(pyvsag.InvalidArgumentError):
            index.search(q, **kw)
    with pytest.raises(pyvsag.InvalidArgumentError, match="bucket_ids are for ivf"):
        index.search(q, k=3, bucket_ids=np.array([4], dtype=np.int64))
    with pytest.raises(pyvsag.DimensionNotEqualError):
        index.search(q[:5], k=3)
    with pytest.raises(pyvsag.InvalidArgumentError, match="one query"):
        index.search(data.queries[:2], k=3)
    index.close()
    with pytest.raises(pyvsag.InvalidArgumentError, match="closed"):
        index.search(q, k=3)


def test_search_filter_callable_errors_propagate(data: Data) -> None:
    index = build("brute_force", data)

    def boom(label: int) -> bool:
        raise RuntimeError("from the filter")

    with pytest.raises(RuntimeError, match="from the filter"):
        index.search(data.queries[0], k=3, filter=boom)


# ---- rows other than dense vectors ---------------------------------------------------------


def csr_parts():
    indptr = np.array([0, 2, 2, 5], dtype=np.int32)
    indices = np.array([1, 7, 0, 3, 9], dtype=np.int32)
    values = np.array([0.5, 1, 2, 3, 4], dtype=np.float64)
    return indptr, indices, values


def empty_index(dim: int = 8) -> pyvsag.Index:
    return pyvsag.Index("brute_force", create_params("brute_force", dim))


def assert_nothing_inserted(index: pyvsag.Index) -> None:
    assert index.get_num_elements() == 0


def test_sparse_tuple_reaches_core_and_bad_rows_are_refused() -> None:
    index = empty_index()
    ids = [10, 11, 12]
    with pytest.raises(pyvsag.InvalidArgumentError, match="the dataset holds sparse rows"):
        index.build(csr_parts(), ids)
    cases = {
        "sorted and unique": ([0, 2, 2, 5], [7, 1, 0, 3, 9]),  # unsorted in row 0
        "sorted and unique ": ([0, 2, 2, 5], [1, 7, 3, 3, 9]),  # duplicate in row 2
        "last sparse offset": ([0, 2, 2, 4], [1, 7, 0, 3, 9]),  # offsets do not add up
        "decrease": ([0, 3, 2, 5], [1, 7, 9, 3, 9]),
        "first sparse offset": ([1, 2, 2, 5], [1, 7, 0, 3, 9]),
    }
    for want, (indptr, indices) in cases.items():
        parts = (np.array(indptr), np.array(indices), np.ones(5, dtype=np.float32))
        for call in (index.build, index.add):
            with pytest.raises(pyvsag.InvalidArgumentError, match=want.strip()):
                call(parts, ids)
            assert_nothing_inserted(index)
    with pytest.raises(pyvsag.InvalidArgumentError, match="NaN or infinite"):
        index.build((np.array([0, 1, 1, 1]), np.array([4]), np.array([np.nan])), ids)
    with pytest.raises(pyvsag.InvalidArgumentError, match=r"term ids must lie in \[0, 2\^32\)"):
        index.build((np.array([0, 1, 1, 1]), np.array([-4]), np.array([1.0])), ids)
    with pytest.raises(pyvsag.InvalidArgumentError, match="2 term ids but 1 values"):
        index.build((np.array([0, 2, 2, 2]), np.array([1, 4]), np.array([1.0])), ids)
    with pytest.raises(pyvsag.InvalidArgumentError, match="ids length"):
        index.build(csr_parts(), [1, 2])
    assert_nothing_inserted(index)
    # the index still takes dense vectors
    d = make_data(n=20, dim=8)
    assert index.build(d.base, d.ids).size == 0
    assert index.get_num_elements() == 20


def test_sparse_queries_reach_core() -> None:
    d = make_data(n=20, dim=8)
    index = empty_index()
    index.build(d.base, d.ids)
    one = (np.array([0, 2]), np.array([3, 9]), np.array([1.0, 2.0]))
    with pytest.raises(pyvsag.InvalidArgumentError, match="the dataset holds sparse rows"):
        index.search(one, k=3)
    with pytest.raises(pyvsag.InvalidArgumentError, match="sorted and unique"):
        index.search((np.array([0, 2]), np.array([9, 3]), np.array([1.0, 2.0])), k=3)
    with pytest.raises(pyvsag.InvalidArgumentError, match="sparse rows"):
        index.knn_search(csr_parts(), 3)
    with pytest.raises(pyvsag.InvalidArgumentError, match="sparse rows"):
        index.range_search(one, 1.0)
    with pytest.raises(pyvsag.InvalidArgumentError, match="one query"):
        index.search(csr_parts(), k=3)
    with pytest.raises(pyvsag.InvalidArgumentError, match="do not lie within"):
        index.search((np.array([0, 9]), np.array([3, 9]), np.array([1.0, 2.0])), k=3)
    # an empty sparse batch searches nothing
    ids, dists = index.knn_search((np.array([0]), np.array([], np.int64),
                                   np.array([], np.float32)), 3)
    assert ids.shape == dists.shape == (0, 3)
    # a tuple of three dense rows is not mistaken for sparse input
    rows = tuple(d.queries[i].tolist() for i in range(3))
    ids, _ = index.knn_search(rows, 2)
    assert ids.shape == (3, 2)


def test_scipy_csr() -> None:
    sp = pytest.importorskip("scipy.sparse")
    index = empty_index()
    indptr, indices, values = csr_parts()
    m = sp.csr_matrix((values, indices, indptr), shape=(3, 10))
    with pytest.raises(pyvsag.InvalidArgumentError, match="the dataset holds sparse rows"):
        index.build(vectors=m, ids=[1, 2, 3])
    # other sparse formats are converted to CSR
    with pytest.raises(pyvsag.InvalidArgumentError, match="the dataset holds sparse rows"):
        index.add(m.tocoo(), ids=[1, 2, 3])
    # scipy keeps unsorted indices as given: the library refuses them
    unsorted = sp.csr_matrix((np.ones(2), np.array([5, 2]), np.array([0, 2])), shape=(1, 10))
    assert not unsorted.has_sorted_indices
    with pytest.raises(pyvsag.InvalidArgumentError, match="sorted and unique"):
        index.build(unsorted, [1])
    unsorted.sort_indices()
    with pytest.raises(pyvsag.InvalidArgumentError, match="sparse rows"):
        index.build(unsorted, [1])
    assert_nothing_inserted(index)
    d = make_data(n=20, dim=8)
    index.build(d.base, d.ids)
    with pytest.raises(pyvsag.InvalidArgumentError, match="sparse rows"):
        index.knn_search(vector=m[1:2], k=3)
    with pytest.raises(pyvsag.InvalidArgumentError, match="sparse rows"):
        index.search(m[0], k=3)
    if hasattr(sp, "csr_array"):
        with pytest.raises(pyvsag.InvalidArgumentError, match="sparse rows"):
            index.search(sp.csr_array(m[2]), k=3)


def test_pyvsag_does_not_import_scipy() -> None:
    code = ("import sys, pyvsag, numpy as np\n"
            "i = pyvsag.Index('brute_force', {'dtype': 'float32', 'metric_type': 'l2', 'dim': 4})\n"
            "i.build(np.eye(4, dtype=np.float32), [0, 1, 2, 3])\n"
            "i.search(np.ones(4, np.float32), k=2)\n"
            "assert 'scipy' not in sys.modules, 'pyvsag imported scipy'\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=pyvsag.__path__[0] + "/..")


def test_multi_vector_rows() -> None:
    d = make_data(n=20, dim=8)
    index = empty_index()
    sub = d.base[:6]  # documents of 2, 1 and 3 sub-vectors
    with pytest.raises(pyvsag.InvalidArgumentError, match="multi-vector documents"):
        index.build(vectors=sub, ids=[1, 2, 3], vector_counts=[2, 1, 3])
    with pytest.raises(pyvsag.InvalidArgumentError, match="add up to 7"):
        index.build(vectors=sub, ids=[1, 2, 3], vector_counts=[2, 2, 3])
    with pytest.raises(pyvsag.InvalidArgumentError, match="at least one"):
        index.add(vectors=sub, ids=[1, 2, 3], vector_counts=[3, 0, 3])
    with pytest.raises(pyvsag.InvalidArgumentError, match="ids length"):
        index.build(vectors=sub, ids=[1, 2], vector_counts=[2, 1, 3])
    with pytest.raises(pyvsag.InvalidArgumentError, match="integers"):
        index.build(vectors=sub, ids=[1, 2, 3], vector_counts=[2.5, 1, 3])
    with pytest.raises(pyvsag.InvalidArgumentError, match="sub-vectors of dim"):
        index.build(vectors=sub.reshape(-1)[:-1], ids=[1, 2, 3], vector_counts=[2, 1, 3])
    # flat input is read with the index dim
    with pytest.raises(pyvsag.InvalidArgumentError, match="multi-vector documents"):
        index.build(vectors=sub.reshape(-1), ids=[1, 2, 3], vector_counts=[2, 1, 3])
    assert_nothing_inserted(index)
    index.build(d.base, d.ids)
    with pytest.raises(pyvsag.InvalidArgumentError, match="multi-vector documents"):
        index.search(d.base[:3], k=2, multi_vector=True)
    with pytest.raises(pyvsag.InvalidArgumentError, match="at least one sub-vector"):
        index.search(d.base[:0], k=2, multi_vector=True)


def test_paths() -> None:
    d = make_data(n=3, dim=8)
    index = empty_index()
    with pytest.raises(pyvsag.InvalidArgumentError, match="paths are for pyramid indexes"):
        index.build(d.base, d.ids, paths=["a/b", "a/c", "d"])
    for paths, want in ((["a/b", "", "d"], "row 1 has an empty path"),
                        (["a/b", "a//c", "d"], "empty segment"),
                        (["a/", "b", "c"], "empty segment"),
                        (["a", "b"], "2 paths for 3 rows")):
        with pytest.raises(pyvsag.InvalidArgumentError, match=want):
            index.add(d.base, d.ids, paths=paths)
        assert_nothing_inserted(index)
    with pytest.raises(pyvsag.InvalidArgumentError, match="single string"):
        index.build(d.base, d.ids, paths="a/b")
    with pytest.raises(pyvsag.InvalidArgumentError, match=r"paths\[1\] must be a str"):
        index.build(d.base, d.ids, paths=["a", 3, "c"])
    index.build(d.base, d.ids)
    for call in (lambda: index.search(d.queries[0], k=2, path="a/b"),
                 lambda: index.knn_search(d.queries[:2], 2, path="a/b"),
                 lambda: index.knn_search(d.queries[0], 2, path="a/b"),
                 lambda: index.range_search(d.queries[0], 1.0, path="a/b")):
        with pytest.raises(pyvsag.InvalidArgumentError, match="paths are for pyramid"):
            call()
    with pytest.raises(pyvsag.InvalidArgumentError, match="empty path"):
        index.search(d.queries[0], k=2, path="")
    with pytest.raises(pyvsag.InvalidArgumentError, match="limited_size 0"):
        index.range_search(d.queries[0], 1.0, limited_size=0, path="a")
