"""Searches from many Python threads at once (the GIL is released inside the library)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

import pyvsag
from conftest import Data, build, make_data, search_params


def test_eight_threads_search(index_type: str) -> None:
    d = make_data(n=800, dim=32, nq=64)
    index = build(index_type, d)
    sp = search_params(index_type)
    want_ids, want_dists = index.knn_search(d.queries, 10, sp)

    def one(i: int):
        return i, index.knn_search(d.queries[i], 10, sp)

    def batch(rows: slice):
        return rows, index.knn_search(d.queries[rows], 10, sp)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            for i, (ids, dists) in pool.map(one, range(len(d.queries))):
                np.testing.assert_array_equal(ids, want_ids[i])
                np.testing.assert_array_equal(dists, want_dists[i])
        slices = [slice(s, s + 8) for s in range(0, len(d.queries), 8)]
        for rows, (ids, dists) in pool.map(batch, slices):
            np.testing.assert_array_equal(ids, want_ids[rows])


def test_threads_with_filters_and_writes(data: Data) -> None:
    index = build("brute_force", data)
    excluded = np.arange(0, data.n, 3)
    sp = search_params("brute_force")

    def search(i: int):
        q = data.queries[i % len(data.queries)]
        a, _ = index.knn_search(q, 5, sp, filter=lambda label: label % 3 == 0)
        b, _ = index.knn_search(q, 5, sp, filter=excluded)
        return a, b

    def write(i: int) -> int:
        vec = data.base[i:i + 1] + 100.0  # far away: never a neighbour of the queries
        return index.add(vec, [100000 + i]).size

    with ThreadPoolExecutor(max_workers=8) as pool:
        searches = [pool.submit(search, i) for i in range(40)]
        writes = [pool.submit(write, i) for i in range(16)]
        for f in searches:
            a, b = f.result()
            np.testing.assert_array_equal(a, b)
            assert not np.isin(a, excluded).any()
        assert all(w.result() == 0 for w in writes)
    assert index.get_num_elements() == data.n + 16


def test_close_while_searching() -> None:
    d = make_data(n=300, dim=16, nq=8)
    index = build("brute_force", d)
    errors = []

    def search(_: int) -> None:
        for _ in range(20):
            try:
                index.knn_search(d.queries, 5)
            except pyvsag.VsagError as exc:  # after close: a clean error, never a crash
                errors.append(exc)

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(search, i) for i in range(4)]
        index.close()
        for f in futures:
            f.result()
    assert all(isinstance(e, pyvsag.InvalidArgumentError) for e in errors)
