"""Index introspection through pyvsag: Index.get_stats and Index.analyze_index_by_search return
dicts with VSAG's keys, on hgraph, brute_force and ivf, and refuse bad input with the right
error. Data comes from numpy's RandomState, so every run sees the same vectors.
"""

from __future__ import annotations

import json
from typing import Any, Dict

import numpy as np
import pytest

from conftest import available

import pyvsag

DIM = 8
N = 300
NQ = 12

CASES = {
    "hgraph": ({"base_quantization_type": "sq8", "use_reorder": True, "max_degree": 12,
                "ef_construction": 60}, {"hgraph": {"ef_search": 60}}),
    "brute_force": ({}, {}),
    "ivf": ({"buckets_count": 4}, {"ivf": {"scan_buckets_count": 4}}),
}


def _make(name: str, metric: str = "l2") -> pyvsag.Index:
    if not available(name):
        pytest.skip(f"{name} is not registered in {pyvsag.library_path}")
    index_param, _ = CASES[name]
    return pyvsag.Index(name, json.dumps({"dtype": "float32", "metric_type": metric, "dim": DIM,
                                          "index_param": index_param}))


def _data() -> np.ndarray:
    return np.random.RandomState(5).rand(N + NQ, DIM).astype(np.float32)


@pytest.mark.parametrize("name", sorted(CASES))
def test_stats_and_analysis(name: str) -> None:
    data = _data()
    index = _make(name)
    assert index.check_feature(pyvsag.Feature.SUPPORT_GET_STATS)
    assert index.check_feature(pyvsag.Feature.SUPPORT_ANALYZE_INDEX_BY_SEARCH)
    ids = np.arange(N, dtype=np.int64) * 3
    if name == "ivf":
        index.train(data[:N])
    index.build(data[:N], ids, N, DIM)
    assert index.remove([ids[0], ids[1]]) == 2

    stats: Dict[str, Any] = index.get_stats()
    assert stats["total_count"] == N
    assert stats["deleted_count"] == 2
    assert stats["num_elements"] == index.get_num_elements() == N - 2
    assert stats["duplicate_ratio"] == 0
    assert stats["self_recall"] >= 0.9
    assert 0 <= stats["recall_base"] <= 1
    if name == "hgraph":
        assert stats["connect_components"] >= 1
        assert sum(stats["in_degree_distribution"]) == N - 2
        assert len(stats["out_degree_distribution"]) == 13
        assert 0 < stats["quantization_bias_ratio"] < 0.2
        assert "proximity_recall_neighbor" in stats
    if name == "ivf":
        assert stats["bucket_count"] == 4
        assert stats["bucket_num"]["mean"] == pytest.approx((N - 2) / 4)

    _, search = CASES[name]
    queries = data[N:]
    res = index.analyze_index_by_search(queries, 10, search)
    assert res["num_queries"] == NQ and res["topk"] == 10
    assert res["recall_query"] >= 0.9
    lat = res["latency_ms"]
    assert 0 < lat["mean"] and lat["p50"] <= lat["p99"] <= lat["max"]
    assert res["time_cost_query"] == lat["mean"]
    assert "quantization_bias_ratio_query" in res
    # one query, parameters as a JSON string, k above the count (capped)
    one = index.analyze_index_by_search(queries[0], 10**6, json.dumps(search))
    assert one["num_queries"] == 1 and one["topk"] == N - 2


def test_lossy_codes_skip_quantization() -> None:
    index = pyvsag.Index("brute_force", json.dumps(
        {"dtype": "float32", "metric_type": "l2", "dim": DIM,
         "index_param": {"base_quantization_type": "sq8"}}))
    data = _data()
    index.build(data[:N], np.arange(N, dtype=np.int64), N, DIM)
    stats = index.get_stats()
    assert "skipped_reason" in stats["quantization_bias_ratio"]
    assert stats["ground_truth_exact"] is False


def test_errors() -> None:
    index = _make("hgraph")
    _, search = CASES["hgraph"]
    queries = _data()[:NQ]
    with pytest.raises(pyvsag.IndexEmptyError):
        index.analyze_index_by_search(queries, 5, search)
    assert index.get_stats()["total_count"] == 0
    index.build(_data()[:N], np.arange(N, dtype=np.int64), N, DIM)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.analyze_index_by_search(queries, 0, search)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.analyze_index_by_search(queries, 5, "{")
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.analyze_index_by_search(queries, 5, {"hgraph": {}})
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.analyze_index_by_search(queries[:0], 5, search)
    with pytest.raises(pyvsag.DimensionNotEqualError):
        index.analyze_index_by_search(queries[:, :4], 5, search)
    bad = queries.copy()
    bad[1, 2] = np.nan
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.analyze_index_by_search(bad, 5, search)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.analyze_index_by_search(np.zeros((2, 2, 2), dtype=np.float32), 5, search)
    index.close()
    with pytest.raises(pyvsag.VsagError):
        index.get_stats()
