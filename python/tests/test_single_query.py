"""The single-query path of knn_search: result rows taken from per-k slabs, cached parameter
encodings, queries passed as bytes copies, and vsag_last_search_nanoseconds."""

from __future__ import annotations

import ctypes
import json
import threading
import time

import numpy as np
import pytest

import pyvsag
from pyvsag import _index
from pyvsag._lib import lib

DIM = 12
N = 400


def exact(base: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    d = ((base - q) ** 2).sum(axis=1)
    return np.argsort(d, kind="stable")[:k]


@pytest.fixture(scope="module")
def fixture():
    rng = np.random.default_rng(5)
    base = rng.random((N, DIM), dtype=np.float32)
    index = pyvsag.Index("brute_force", json.dumps(
        {"dtype": "float32", "metric_type": "l2", "dim": DIM,
         "index_param": {"base_quantization_type": "fp32"}}))
    index.build(base, np.arange(N) + 1000)
    yield base, index
    index.close()


def test_results_equal_the_exact_answer_and_stay_distinct(fixture) -> None:
    base, index = fixture
    rng = np.random.default_rng(6)
    kept = []
    for _ in range(2 * _index._ROWS + 5):  # crosses slab boundaries
        q = rng.random(DIM, dtype=np.float32)
        ids, dists = index.knn_search(q, 7)
        assert ids.dtype == np.int64 and dists.dtype == np.float32 and ids.shape == (7,)
        assert list(ids) == list(exact(base, q, 7) + 1000)
        kept.append((ids, ids.copy(), dists, dists.copy()))
    for ids, ids0, dists, dists0 in kept:  # later searches wrote elsewhere
        assert np.array_equal(ids, ids0) and np.array_equal(dists, dists0)
    # rows are writable arrays of their own
    ids, dists = index.knn_search(base[0], 3)
    ids[:] = -5
    again, _ = index.knn_search(base[0], 3)
    assert again[0] == 1000


def test_query_layouts_and_large_k(fixture) -> None:
    base, index = fixture
    strided = np.ascontiguousarray(np.repeat(base[3], 2))[::2]
    assert list(index.knn_search(strided, 4)[0]) == list(index.knn_search(base[3].copy(), 4)[0])
    ro = base[4].copy()
    ro.flags.writeable = False
    assert index.knn_search(ro, 1)[0][0] == 1004
    ids, dists = index.knn_search(base[0], _index._SLAB_MAX_K + 1)  # not from a slab
    assert ids.shape == (_index._SLAB_MAX_K + 1,) and ids[0] == 1000
    ids, dists = index.knn_search(base[0], N + 3)  # padded
    assert list(ids[N:]) == [-1] * 3 and np.isinf(dists[N:]).all()
    with pytest.raises(pyvsag.DimensionNotEqualError):
        index.knn_search(np.zeros(DIM + 1, np.float32), 3)


def test_parameter_caches_follow_the_content() -> None:
    rng = np.random.default_rng(8)
    base = rng.random((300, DIM), dtype=np.float32)
    index = pyvsag.Index("hgraph", json.dumps(
        {"dtype": "float32", "metric_type": "l2", "dim": DIM,
         "index_param": {"base_quantization_type": "fp32", "max_degree": 16,
                         "ef_construction": 50}}))
    index.build(base, np.arange(300))
    p = {"hgraph": {"ef_search": 50}}
    assert index.knn_search(base[1], 1, p)[0][0] == 1
    p["hgraph"]["ef_search"] = -1  # changed in place: encoded anew, and refused
    with pytest.raises(pyvsag.VsagError):
        index.knn_search(base[1], 1, p)
    p["hgraph"]["ef_search"] = 50
    assert index.knn_search(base[1], 1, p)[0][0] == 1
    s = json.dumps(p)
    assert index.knn_search(base[2], 1, s)[0][0] == 2
    assert index.knn_search(base[2], 1, s)[0][0] == 2
    with pytest.raises(pyvsag.VsagError):
        index.knn_search(base[2], 1, '{"hgraph": {"ef_search": -1}}')
    index.close()


def test_threads_get_their_own_rows(fixture) -> None:
    base, index = fixture
    errors = []

    def worker(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(200):
            i = int(rng.integers(N))
            ids, _ = index.knn_search(base[i], 5)
            if ids[0] != 1000 + i:
                errors.append((i, ids[0]))

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_last_search_nanoseconds(fixture) -> None:
    base, index = fixture
    fn = lib.dll.vsag_last_search_nanoseconds
    fn.restype = ctypes.c_uint64
    fn.argtypes = []
    start = time.perf_counter_ns()
    index.knn_search(base[0], 5)
    wall = time.perf_counter_ns() - start
    engine = fn()
    assert 0 < engine <= wall
