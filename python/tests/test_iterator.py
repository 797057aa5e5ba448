"""Iterator search sessions: Index.search_iterator and pyvsag.SearchIterator."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

import pyvsag
from conftest import Data, build, search_params


def _pages(it: pyvsag.SearchIterator, n: int):
    out = []
    for _ in range(n):
        ids, dists = it.next_page()
        out.append((ids, dists))
    return out


def test_flags(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    assert index.check_feature(pyvsag.Feature.SUPPORT_KNN_ITERATOR_FILTER_SEARCH)
    assert index.check_feature(pyvsag.Feature.SUPPORT_CONTINUE_SEARCH_SESSION)


def test_pages_disjoint_ordered_and_cover(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    q = data.queries[0]
    truth, truth_d = data.truth(data.n, q[None, :])
    seen = []
    last = -1.0
    with index.search_iterator(q, 25, search_params(index_type, 40)) as it:
        for ids, dists in it:
            assert ids.dtype == np.int64 and dists.dtype == np.float32
            assert 0 < ids.size <= 25
            assert np.all(np.diff(dists) >= 0)
            if index_type == "brute_force":
                assert dists[0] >= last
            last = float(dists[-1])
            seen.extend(ids.tolist())
        assert it.closed  # ran to its end
    assert len(seen) == len(set(seen)) == data.n
    first = seen[:50]
    hit = len(set(first) & set(truth[0, :50].tolist())) / 50
    if index_type == "brute_force":
        assert first == truth[0, :50].tolist()
    else:
        assert hit >= 0.9


def test_filter_and_removal_between_pages(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    q = data.queries[1]
    odd = np.zeros(data.n, dtype=bool)
    odd[1::2] = True  # exclude odd labels
    it = index.search_iterator(q, 10, search_params(index_type, 40), filter=odd)
    first_ids, _ = it.next_page()
    assert np.all(first_ids % 2 == 0)
    truth, _ = data.truth(data.n, q[None, :], exclude=np.arange(1, data.n, 2))
    upcoming = [i for i in truth[0].tolist() if i not in set(first_ids.tolist())][:10]
    assert index.remove(upcoming) == len(upcoming)
    index.add(q[None, :], np.array([10_000], dtype=np.int64))  # after the session started
    rest = []
    for ids, _ in it:
        rest.extend(ids.tolist())
    assert not set(rest) & set(upcoming)
    assert 10_000 not in rest
    assert all(i % 2 == 0 for i in rest)
    assert len(rest) + first_ids.size == data.n // 2 - len(upcoming)


def test_callable_filter_and_errors(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    q = data.queries[2]
    it = index.search_iterator(q, 5, search_params(index_type), filter=lambda label: label < 300)
    ids, _ = it.next_page(7)
    assert ids.size == 7 and np.all(ids >= 300)
    boom = index.search_iterator(q, 5, search_params(index_type),
                                 filter=lambda label: 1 / 0)  # noqa: B023
    with pytest.raises(ZeroDivisionError):
        boom.next_page()
    boom.close()
    with pytest.raises(pyvsag.InvalidArgumentError):
        it.next_page(0)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.search_iterator(q, 0)
    with pytest.raises(pyvsag.DimensionNotEqualError):
        index.search_iterator(q[:5], 5)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.search_iterator(q, 5, {"nope": 1})
    it.close()
    it.close()
    with pytest.raises(pyvsag.WrongStatusError):
        it.next_page()
    assert list(it) == []


def test_drain(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    q = data.queries[3]
    it = index.search_iterator(q, 10, search_params(index_type, 60))
    ids, dists = it.next_page()
    rest_ids, rest_d = it.drain(1000)
    assert rest_ids.size > 0 and np.all(np.diff(rest_d) >= 0)
    assert not set(rest_ids.tolist()) & set(ids.tolist())
    assert it.closed
    if index_type == "brute_force":
        assert rest_ids.size == data.n - 10 and rest_d[0] >= dists[-1]


def test_reset_invalidates(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    it = index.search_iterator(data.queries[0], 4, search_params(index_type))
    index.reset()
    with pytest.raises(pyvsag.WrongStatusError):
        it.next_page()


def test_threads_share_a_session(data: Data) -> None:
    index = build("brute_force", data)
    it = index.search_iterator(data.queries[4], 7)
    got = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            ids, _ = it.next_page()
            with lock:
                got.extend(ids.tolist())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == len(set(got)) == 280


def test_ivf_pages(data: Data) -> None:
    index = pyvsag.Index("ivf", json.dumps({"dtype": "float32", "metric_type": "l2",
                                            "dim": data.dim,
                                            "index_param": {"buckets_count": 8}}))
    index.build(data.base, data.ids, data.n, data.dim)
    assert index.check_feature(pyvsag.Feature.SUPPORT_KNN_ITERATOR_FILTER_SEARCH)
    params = {"ivf": {"scan_buckets_count": 2}}
    want, _ = index.knn_search(data.queries[5], 10, params)
    seen = []
    for i, (ids, dists) in enumerate(index.search_iterator(data.queries[5], 10, params)):
        if i == 0:
            assert ids.tolist() == want.tolist()  # the first page is the knn search
        assert np.all(np.diff(dists) >= 0)
        seen.extend(ids.tolist())
    assert len(seen) == len(set(seen)) == data.n
