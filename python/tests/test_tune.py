"""Index.tune through pyvsag on hgraph: an index that keeps its raw vectors is tuned to other
codes without rebuilding its graph (recall follows the codes, the parameters follow the tune,
save/load and pickle keep it tuned), tuned again with disable_future_tuning (then refused);
refusals: bad parameters, graph keys, no precise source, immutable, brute_force.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

import numpy as np
import pytest

from conftest import available

import pyvsag

DIM = 16
N = 1200
SEARCH = {"hgraph": {"ef_search": 60}}


@pytest.fixture(autouse=True)
def _need_hgraph() -> None:
    if not available("hgraph"):
        pytest.skip(f"hgraph is not registered in {pyvsag.library_path}")


def params(**index_param: Any) -> str:
    p = {"max_degree": 16, "ef_construction": 100}
    p.update(index_param)
    return json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM, "index_param": p})


@pytest.fixture(scope="module")
def data() -> Any:
    rs = np.random.RandomState(9)
    base = rs.rand(N, DIM).astype(np.float32)
    queries = rs.rand(30, DIM).astype(np.float32)
    d = ((base[None, :, :] - queries[:, None, :]) ** 2).sum(2)
    truth = np.argsort(d, axis=1)[:, :10]
    return base, queries, truth


def recall(index: pyvsag.Index, data: Any) -> float:
    base, queries, truth = data
    ids, _ = index.knn_search(queries, 10, SEARCH)
    return float(np.mean([len(set(ids[q].tolist()) & set(truth[q].tolist())) / 10
                          for q in range(len(queries))]))


def test_tune_keeps_graph_and_persists(data: Any, tmp_path: Any) -> None:
    base = data[0]
    index = pyvsag.Index("hgraph", params(base_quantization_type="sq4_uniform", store_raw_vector=True))
    index.build(base, np.arange(N))
    assert index.check_feature(pyvsag.Feature.SUPPORT_TUNE)
    assert int(pyvsag.Feature.SUPPORT_TUNE) == 50
    before = recall(index, data)
    assert index.tune({"index_param": {"base_quantization_type": "fp16", "use_reorder": True}}) is True
    after = recall(index, data)
    assert after > before and after >= 0.95, (before, after)
    p = json.loads(index.parameters)["index_param"]
    assert p["base_quantization_type"] == "fp16" and p["use_reorder"] is True
    assert p["store_raw_vector"] is True and p["max_degree"] == 16
    assert index.check_feature("support_tune")
    path = str(tmp_path / "tuned.vsag")
    index.save(path)
    for other in (pyvsag.Index.load_file(path), pickle.loads(pickle.dumps(index)), index.clone()):
        assert other.parameters == index.parameters
        assert recall(other, data) == after
    # the last tune: the raw vectors go, and tuning is over (after a reload too)
    index.tune(json.dumps({"index_param": {"base_quantization_type": "sq8", "use_reorder": True,
                                           "precise_quantization_type": "fp16"}}),
               disable_future_tuning=True)
    assert not index.check_feature(pyvsag.Feature.SUPPORT_TUNE)
    assert not index.check_feature(pyvsag.Feature.SUPPORT_GET_RAW_VECTOR_BY_IDS)
    assert recall(index, data) >= 0.9
    with pytest.raises(pyvsag.UnsupportedIndexOperationError, match="disable"):
        index.tune({"index_param": {"base_quantization_type": "fp16"}})
    again = pyvsag.Index.from_bytes(index.serialize())
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        again.tune({"index_param": {"base_quantization_type": "fp16"}})


def test_tune_refusals(data: Any) -> None:
    base = data[0]
    index = pyvsag.Index("hgraph", params(base_quantization_type="fp32"))
    index.build(base, np.arange(N))
    for bad in ("", "{}", "[]", '{"index_param":', {"index_param": {"max_degree": 32}},
                {"index_param": {"graph_type": "vamana"}}, {"index_param": {"bogus": 1}},
                {"dim": 8, "index_param": {}}, {"index_param": {"base_quantization_type": "fp99"}}):
        with pytest.raises(pyvsag.InvalidArgumentError):
            index.tune(bad)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.tune({"index_param": {}}, disable_future_tuning="yes")
    assert json.loads(index.parameters)["index_param"]["base_quantization_type"] == "fp32"
    # fp32 codes are their own source; tuned to sq8 without raw vectors, nothing is left
    index.tune({"index_param": {"base_quantization_type": "sq8"}})
    assert not index.check_feature(pyvsag.Feature.SUPPORT_TUNE)
    with pytest.raises(pyvsag.UnsupportedIndexOperationError, match="store_raw_vector"):
        index.tune({"index_param": {"base_quantization_type": "fp16"}})
    frozen = pyvsag.Index("hgraph", params(base_quantization_type="fp32"))
    frozen.build(base[:100], np.arange(100))
    frozen.set_immutable()
    with pytest.raises(pyvsag.WrongStatusError):
        frozen.tune({"index_param": {"base_quantization_type": "fp16"}})
    bf = pyvsag.Index("brute_force", json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM}))
    assert not bf.check_feature(pyvsag.Feature.SUPPORT_TUNE)
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        bf.tune({"index_param": {}})
    closed = pyvsag.Index("hgraph", params())
    closed.close()
    with pytest.raises(pyvsag.InvalidArgumentError):
        closed.tune({"index_param": {}})
