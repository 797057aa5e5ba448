"""lazy_hgraph through pyvsag: exact answers while the collection is below transition_threshold,
the hgraph's answers once it has grown past it (the conversion runs in the background while
searches go on), both phases saved and loaded, and VSAG's parameter checks.

Data comes from numpy's RandomState, so every run sees the same vectors.
"""

from __future__ import annotations

import json
import threading
from typing import Any, List

import numpy as np
import pytest

import pyvsag

DIM = 12
THRESHOLD = 300
SEARCH = {"hgraph": {"ef_search": 100}}


def params(threshold: int = THRESHOLD, **extra: Any) -> str:
    block = {"transition_threshold": threshold,
             "hgraph": {"base_quantization_type": "fp32", "max_degree": 16, "ef_construction": 100}}
    block.update(extra)
    return json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM, "lazy_hgraph": block})


def data(n: int, seed: int = 5) -> np.ndarray:
    return np.random.RandomState(seed).rand(n, DIM).astype(np.float32)


def truth(base: np.ndarray, q: np.ndarray, k: int) -> List[int]:
    d = ((base.astype(np.float64) - q.astype(np.float64)) ** 2).sum(1)
    return [int(i) for i in np.argsort(d, kind="stable")[:k]]


def recall(index: pyvsag.Index, base: np.ndarray, queries: np.ndarray) -> float:
    ids, _ = index.knn_search(queries, 10, SEARCH)
    hits = sum(len(set(int(x) for x in ids[q]) & set(truth(base, queries[q], 10)))
               for q in range(len(queries)))
    return hits / (10 * len(queries))


def test_exact_below_the_threshold_then_a_graph() -> None:
    base = data(900)
    queries = data(20, seed=6)
    index = pyvsag.Index("lazy_hgraph", params())
    index.add(base[:200], np.arange(200))
    ids, _ = index.knn_search(queries, 10, SEARCH)
    for q in range(len(queries)):
        assert [int(x) for x in ids[q]] == truth(base[:200], queries[q], 10)

    # Searches keep being answered while adds pass the threshold and the graph is built.
    stop = threading.Event()
    errors: List[BaseException] = []

    def searching() -> None:
        while not stop.is_set():
            try:
                got, dists = index.knn_search(queries[0], 10, SEARCH)
                assert len(got) == 10 and np.all(np.diff(dists) >= 0)
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)
                return

    t = threading.Thread(target=searching)
    t.start()
    for lo in range(200, 900, 100):
        index.add(base[lo:lo + 100], np.arange(lo, lo + 100))
    stop.set()
    t.join()
    assert not errors
    assert index.get_num_elements() == 900
    assert recall(index, base, queries) >= 0.95
    assert index.check_feature(pyvsag.Feature.SUPPORT_ADD_FROM_EMPTY)
    assert not index.check_feature(pyvsag.Feature.SUPPORT_MERGE_INDEX)


def test_save_and_load_both_phases(tmp_path: Any) -> None:
    base = data(600)
    queries = data(10, seed=7)
    flat = pyvsag.Index("lazy_hgraph", params(threshold=1000))
    flat.build(base, np.arange(600))
    graph = pyvsag.Index("lazy_hgraph", params())
    graph.build(base, np.arange(600))  # at least the threshold: the graph at once
    for name, index in (("flat", flat), ("graph", graph)):
        path = tmp_path / f"{name}.vsag"
        index.save(str(path))
        loaded = pyvsag.Index.load_file(str(path))
        assert loaded.get_num_elements() == 600
        want, _ = index.knn_search(queries, 10, SEARCH)
        got, _ = loaded.knn_search(queries, 10, SEARCH)
        assert np.array_equal(want, got)


@pytest.mark.parametrize("create", [
    json.dumps({"dtype": "float16", "metric_type": "l2", "dim": DIM, "lazy_hgraph": {}}),
    params(threshold=0),
    params(flat_quantization_type="sq8"),
    params(hgraph={"max_degree": -2}),
])
def test_bad_parameters(create: str) -> None:
    with pytest.raises(pyvsag.InvalidArgumentError):
        pyvsag.Index("lazy_hgraph", create)


def test_search_takes_hgraph_parameters() -> None:
    index = pyvsag.Index("lazy_hgraph", params())
    index.add(data(50), np.arange(50))
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.knn_search(data(1)[0], 5, {"lazy_hgraph": {"ef_search": 10}})
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.knn_search(data(1)[0], 5, {"hgraph": {}})
