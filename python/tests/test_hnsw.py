"""The hnsw index and its conjugate graph through pyvsag: the "hnsw" parameter block,
Index.feedback and Index.pretrain, the conjugate graph across save and load, and their errors.

Data comes from numpy's RandomState, so every run sees the same vectors.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pytest

import pyvsag

DIM = 32
N = 3000
NQ = 60
K = 10
SP = {"hnsw": {"ef_search": 1}}
OFF = {"hnsw": {"ef_search": 1, "use_conjugate_graph_search": False}}


def params(conjugate: bool = True, metric: str = "l2", **block: Any) -> str:
    b = {"max_degree": 8, "ef_construction": 20, "use_conjugate_graph": conjugate}
    b.update(block)
    return json.dumps({"dtype": "float32", "metric_type": metric, "dim": DIM, "hnsw": b})


@pytest.fixture(autouse=True)
def _need_hnsw() -> None:
    try:
        pyvsag.Index("hnsw", params()).close()
    except pyvsag.UnsupportedIndexError:
        pytest.skip(f"hnsw is not registered in {pyvsag.library_path}")


@pytest.fixture(scope="module")
def data() -> Any:
    rs = np.random.RandomState(7)
    # uniform vectors: hard enough for a beam of 20 to miss neighbours
    base = rs.uniform(size=(N, DIM)).astype(np.float32)
    queries = rs.uniform(size=(NQ, DIM)).astype(np.float32)
    d = ((queries[:, None, :] - base[None, :, :]) ** 2).sum(-1)
    truth = np.argsort(d, axis=1, kind="stable")[:, :K]
    return base, queries, truth


def built(base: np.ndarray, conjugate: bool = True) -> pyvsag.Index:
    idx = pyvsag.Index("hnsw", params(conjugate))
    idx.build(base, np.arange(N, dtype=np.int64), N, DIM)
    return idx


def recall(idx: pyvsag.Index, queries: np.ndarray, truth: np.ndarray, sp: Any) -> float:
    ids, _ = idx.knn_search(queries, K, sp)
    return float(np.mean([len(set(ids[i]) & set(truth[i])) for i in range(len(queries))])) / K


@pytest.mark.parametrize("block, key", [
    ({"ef_construction": 100}, "max_degree"),
    ({"max_degree": 16}, "ef_construction"),
    ({"max_degree": 3, "ef_construction": 100}, "max_degree"),
    ({"max_degree": 16, "ef_construction": 10}, "ef_construction"),
    ({"max_degree": 16, "ef_construction": 100, "use_reorder": True}, "use_reorder"),
])
def test_create_params_are_validated(block: Any, key: str) -> None:
    with pytest.raises(pyvsag.InvalidArgumentError, match=key):
        pyvsag.Index("hnsw", json.dumps({"dim": DIM, "hnsw": block}))


def test_search_params_are_validated(data: Any) -> None:
    base, queries, _ = data
    idx = pyvsag.Index("hnsw", params(False))
    idx.build(base[:200], np.arange(200, dtype=np.int64), 200, DIM)
    for sp, key in [({"hnsw": {}}, "ef_search"), ({"hnsw": {"ef_search": 5000}}, "ef_search"),
                    ({"hnsw": {"ef_search": 10, "skip_ratio": 2}}, "skip_ratio"),
                    ({"hnsw": {"ef_search": 10, "skip_strategy": "x"}}, "skip_strategy")]:
        with pytest.raises(pyvsag.InvalidArgumentError, match=key):
            idx.knn_search(queries[0], K, sp)
    ids, _ = idx.knn_search(queries[0], K, {"hnsw": {"ef_search": 50, "skip_ratio": 0.3,
                                                     "skip_strategy": "random"}})
    assert len(ids) == K


def test_feedback_lifts_recall_of_the_queries_it_learns_from(data: Any, tmp_path: Any) -> None:
    base, queries, truth = data
    idx = built(base)
    assert idx.check_feature(pyvsag.Feature.SUPPORT_FEEDBACK)
    before, before_off = recall(idx, queries, truth, SP), recall(idx, queries, truth, OFF)
    assert before < 1.0
    edges = sum(idx.feedback(q, K, SP) for q in queries)
    assert edges > 0
    after = recall(idx, queries, truth, SP)
    assert after == 1.0, (before, after)
    # the request can leave the conjugate graph out
    assert recall(idx, queries, truth, OFF) == before_off
    # a given optimum; the same feedback again adds nothing
    nn = int(truth[0, 0])
    idx.feedback(queries[0], K, json.dumps(SP), global_optimum_tag_id=nn)
    assert idx.feedback(queries[0], K, SP, global_optimum_tag_id=nn) == 0
    # saved with the index
    path = os.path.join(str(tmp_path), "hnsw.vsag")
    idx.save(path)
    back = pyvsag.Index("hnsw", params())
    back.load(path)
    assert recall(back, queries, truth, SP) == 1.0


def test_pretrain(data: Any) -> None:
    base, _, _ = data
    idx = built(base)
    assert idx.pretrain(np.arange(20), K, SP) > 0
    assert idx.pretrain([], K, SP) == 0
    with pytest.raises(pyvsag.InvalidArgumentError, match="not in the index"):
        idx.pretrain([1, N + 7], K, SP)


def test_feedback_errors(data: Any) -> None:
    base, queries, _ = data
    plain = pyvsag.Index("hnsw", params(False))
    plain.build(base[:100], np.arange(100, dtype=np.int64), 100, DIM)
    assert not plain.check_feature(pyvsag.Feature.SUPPORT_FEEDBACK)
    with pytest.raises(pyvsag.UnsupportedIndexOperationError, match="use_conjugate_graph"):
        plain.feedback(queries[0], K, SP)
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        plain.pretrain([1], K, SP)
    idx = pyvsag.Index("hnsw", params())
    assert idx.feedback(queries[0], K, SP) == 0  # empty
    idx.build(base[:100], np.arange(100, dtype=np.int64), 100, DIM)
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.feedback(queries[0], 0, SP)
    with pytest.raises(pyvsag.InvalidArgumentError, match="global optimum"):
        idx.feedback(queries[0], K, SP, global_optimum_tag_id=12345)
    with pytest.raises(pyvsag.DimensionNotEqualError):
        idx.feedback(queries[0][:5], K, SP)
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.feedback(queries[:2], K, SP)
    idx.set_immutable()
    with pytest.raises(pyvsag.WrongStatusError):
        idx.feedback(queries[0], K, SP)
