"""The diskann index through pyvsag: the "diskann" parameter block, beam search with concurrent
reads, range search, the add after build refused, truthful feature flags, save and load.

Data comes from numpy's RandomState, so every run sees the same vectors.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pytest

import pyvsag

DIM = 16
N = 2000
NQ = 30
K = 10
SP = {"diskann": {"ef_search": 100, "beam_search": 4, "io_limit": 200, "use_async_io": True}}


def params(**block: Any) -> str:
    b = {"max_degree": 24, "ef_construction": 80, "pq_dims": 8, "pq_sample_rate": 0.5}
    b.update(block)
    return json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM, "diskann": b})


@pytest.fixture(scope="module")
def data() -> Any:
    rs = np.random.RandomState(11)
    base = rs.uniform(size=(N, DIM)).astype(np.float32)
    queries = rs.uniform(size=(NQ, DIM)).astype(np.float32)
    d = ((queries[:, None, :] - base[None, :, :]) ** 2).sum(-1)
    truth = np.argsort(d, axis=1, kind="stable")[:, :K]
    return base, queries, truth


def recall(idx: pyvsag.Index, queries: np.ndarray, truth: np.ndarray, sp: Any) -> float:
    ids, _ = idx.knn_search(queries, K, sp)
    return float(np.mean([len(set(ids[i]) & set(truth[i])) for i in range(len(queries))])) / K


@pytest.mark.parametrize("block, key", [
    ({"ef_construction": 80, "pq_dims": 8, "pq_sample_rate": 0.5}, "max_degree"),
    ({"max_degree": 24, "ef_construction": 80, "pq_sample_rate": 0.5}, "pq_dims"),
    ({"max_degree": 24, "ef_construction": 80, "pq_dims": 5, "pq_sample_rate": 0.5}, "pq_dims"),
    ({"max_degree": 200, "ef_construction": 300, "pq_dims": 8, "pq_sample_rate": 0.5}, "max_degree"),
    ({"max_degree": 24, "ef_construction": 80, "pq_dims": 8, "pq_sample_rate": 2}, "pq_sample_rate"),
])
def test_create_params_are_validated(block: Any, key: str) -> None:
    with pytest.raises(pyvsag.InvalidArgumentError, match=key):
        pyvsag.Index("diskann", json.dumps({"dim": DIM, "diskann": block}))


def test_build_search_save_load(data: Any, tmp_path: Any) -> None:
    base, queries, truth = data
    idx = pyvsag.Index("diskann", params())
    idx.build(base, np.arange(N, dtype=np.int64), N, DIM)
    assert recall(idx, queries, truth, SP) >= 0.9
    assert not idx.check_feature(pyvsag.Feature.SUPPORT_ADD_AFTER_BUILD)
    assert idx.check_feature(pyvsag.Feature.SUPPORT_RANGE_SEARCH)
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        idx.add(base[:1], np.array([N], dtype=np.int64), 1, DIM)
    for sp, key in [({"diskann": {"beam_search": 0}}, "beam_search"),
                    ({"diskann": {"io_limit": 1000}}, "io_limit")]:
        with pytest.raises(pyvsag.InvalidArgumentError, match=key):
            idx.knn_search(queries[0], K, sp)
    ids, dists = idx.knn_search(queries[0], 5, SP)
    rids, rdists = idx.range_search(queries[0], float(dists[-1]), SP)
    assert set(ids) <= set(rids)
    assert all(d <= dists[-1] for d in rdists)
    path = os.path.join(str(tmp_path), "diskann.vsag")
    idx.save(path)
    back = pyvsag.Index("diskann", params())
    back.load(path)
    assert back.get_num_elements() == N
    assert recall(back, queries, truth, SP) == recall(idx, queries, truth, SP)
