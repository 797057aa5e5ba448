"""hgraph with graph_type "odescent" through pyvsag: the build refines its graph by ODescent
(VSAG's keys graph_iter_turn, neighbor_sample_rate, min_in_degree, build_block_size pass
through the create JSON), adds insert as nsw does, and the index survives save and load."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pyvsag

N, DIM, K = 1500, 16, 10
SEARCH = json.dumps({"hgraph": {"ef_search": 40}})


def odescent_index(**keys: object) -> pyvsag.Index:
    param = {"base_quantization_type": "fp32", "max_degree": 16, "graph_type": "odescent",
             "build_thread_count": 2}
    param.update(keys)
    return pyvsag.Index("hgraph", {"dtype": "float32", "metric_type": "l2", "dim": DIM,
                                   "index_param": param})


def test_odescent_build_add_save_load(tmp_path) -> None:
    rng = np.random.default_rng(3)
    centers = rng.normal(size=(8, DIM)).astype(np.float32)
    x = (centers[rng.integers(0, 8, size=2 * N)]
         + 0.5 * rng.normal(size=(2 * N, DIM))).astype(np.float32)
    index = odescent_index(graph_iter_turn=20, neighbor_sample_rate=0.3, min_in_degree=2,
                           build_block_size=500)
    index.build(x[:N], np.arange(N))
    index.add(x[N:], np.arange(N, 2 * N))
    assert index.get_num_elements() == 2 * N

    q = x[::50] + 0.05 * rng.normal(size=(2 * N // 50, DIM)).astype(np.float32)
    gt = np.argsort(((q[:, None, :] - x[None, :, :]) ** 2).sum(-1), axis=1)[:, :K]
    ids, _ = index.knn_search(q, K, SEARCH)
    recall = np.mean([len(set(a.tolist()) & set(b.tolist())) / K for a, b in zip(ids, gt)])
    assert recall >= 0.9

    path = tmp_path / "odescent.vsag"
    index.save(path)
    again = pyvsag.Index.load_file(path)
    ids2, _ = again.knn_search(q, K, SEARCH)
    np.testing.assert_array_equal(ids, ids2)


def test_odescent_keys_are_validated() -> None:
    with pytest.raises(pyvsag.VsagError, match="neighbor_sample_rate"):
        odescent_index(neighbor_sample_rate=0)
    with pytest.raises(pyvsag.VsagError, match="graph_iter_turn"):
        pyvsag.Index("hgraph", {"dtype": "float32", "metric_type": "l2", "dim": DIM,
                                "index_param": {"graph_iter_turn": 10}})
