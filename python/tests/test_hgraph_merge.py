"""hgraph's exported model and merge through pyvsag: shards filled from copies of the model
(one under shifted labels, with extra info and attributes) merge back into an index that finds
what the whole index finds; the merged index saves, loads and pickles; indexes of another model
or other parameters, an untrained target and the index itself are refused.

Data comes from numpy's RandomState, so every run sees the same vectors.
"""

from __future__ import annotations

import json
import pickle
import threading
from typing import Any, Dict

import numpy as np
import pytest

from conftest import available

import pyvsag

DIM = 16
N = 1000
HALF = N // 2
OFFSET = 1 << 40
SEARCH = {"hgraph": {"ef_search": 80}}


@pytest.fixture(autouse=True)
def _need_hgraph() -> None:
    if not available("hgraph"):
        pytest.skip(f"hgraph is not registered in {pyvsag.library_path}")


def params(**index_param: Any) -> str:
    p: Dict[str, Any] = {"base_quantization_type": "sq8", "use_reorder": True,
                         "precise_quantization_type": "fp32", "max_degree": 16,
                         "ef_construction": 100}
    p.update(index_param)
    return json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM,
                       "extra_info_size": 4, "index_param": p})


class Data:
    def __init__(self, seed: int = 5) -> None:
        rs = np.random.RandomState(seed)
        centres = rs.normal(0, 3, size=(10, DIM))
        self.base = (centres[rs.randint(0, 10, N)] + rs.normal(0, 1, size=(N, DIM))).astype(np.float32)
        self.queries = (centres[rs.randint(0, 10, 20)] + rs.normal(0, 1, size=(20, DIM))).astype(np.float32)
        self.ids = np.arange(N, dtype=np.int64) * 5 + 2
        self.extra = np.arange(N, dtype=np.int32).view(np.uint8).reshape(N, 4)

    def recall(self, index: pyvsag.Index, skip: set = frozenset()) -> float:
        ids, _ = index.knn_search(self.queries, 10, SEARCH)
        hit = 0
        for q in range(len(self.queries)):
            d = ((self.base - self.queries[q]) ** 2).sum(1)
            d[[i for i in range(N) if int(self.ids[i]) in skip]] = np.inf
            hit += len(set(self.ids[np.argsort(d)[:10]].tolist()) & set(ids[q].tolist()))
        return hit / (10 * len(self.queries))


@pytest.fixture(scope="module")
def data() -> Data:
    return Data()


def test_features(data: Data) -> None:
    index = pyvsag.Index("hgraph", params())
    assert index.check_feature(pyvsag.Feature.SUPPORT_EXPORT_MODEL)
    assert index.check_feature(pyvsag.Feature.SUPPORT_MERGE_INDEX)
    index.build(data.base, data.ids, extra_infos=data.extra)
    model = index.export_model()
    assert len(model) == 0 and model.name == "hgraph"
    assert model.parameters == index.parameters
    assert model.check_feature("support_merge_index")


def test_shards_merge_back(data: Data, tmp_path: Any) -> None:
    full = pyvsag.Index("hgraph", params())
    full.build(data.base, data.ids, extra_infos=data.extra)
    model = full.export_model()
    a, b, merged = model.clone(), model.clone(), model.clone()
    attrs = [{"shard": "a", "row": i} for i in range(HALF)]
    assert a.add(data.base[:HALF], data.ids[:HALF], extra_infos=data.extra[:HALF],
                 attributes=attrs).size == 0
    shifted = data.ids[HALF:] + OFFSET
    assert b.add(data.base[HALF:], shifted, extra_infos=data.extra[HALF:]).size == 0
    assert b.remove([int(shifted[0])]) == 1
    # b's labels go back through a dict that leaves one out
    back = {int(s): int(s - OFFSET) for s in shifted[2:]}
    failed = merged.merge([a, (b, back)])
    assert failed.size == 0
    assert len(merged) == N - 2
    assert not merged.check_id_exist(int(data.ids[HALF])) and not merged.check_id_exist(int(data.ids[HALF + 1]))
    got = merged.get_extra_info_by_ids([int(data.ids[3]), int(data.ids[N - 1])])
    assert got.view(np.int32).ravel().tolist() == [3, N - 1]
    assert merged.get_attributes_by_ids([int(data.ids[3])])[0]["shard"] == "a"
    skip = {int(data.ids[HALF]), int(data.ids[HALF + 1])}
    rf, rm = data.recall(full), data.recall(merged, skip)
    assert rm >= 0.95 and rm >= rf - 0.03, (rf, rm)
    ids, dists = merged.knn_search(data.base[N - 1], 1, SEARCH)
    assert ids[0] == data.ids[N - 1] and dists[0] < 1e-5
    # VSAG's form: merge(others, id_maps); labels already there fail
    assert merged.merge([a], id_maps=[None]).size == HALF
    # saves, loads and pickles
    path = str(tmp_path / "merged.vsag")
    merged.save(path)
    loaded = pyvsag.Index.load_file(path)
    again = pickle.loads(pickle.dumps(merged))
    for other in (loaded, again):
        assert len(other) == N - 2
        assert np.array_equal(other.knn_search(data.queries, 10, SEARCH)[0],
                              merged.knn_search(data.queries, 10, SEARCH)[0])


def test_refusals(data: Data) -> None:
    full = pyvsag.Index("hgraph", params())
    full.build(data.base, data.ids, extra_infos=data.extra)
    merged = full.export_model()
    other = pyvsag.Index("hgraph", params())  # trained on other data: another model
    other.build(data.base[:50] * 4, data.ids[:50], extra_infos=data.extra[:50])
    with pytest.raises(pyvsag.InvalidArgumentError, match="model"):
        merged.merge([other])
    deg = pyvsag.Index("hgraph", params(max_degree=8))
    deg.build(data.base[:50], data.ids[:50], extra_infos=data.extra[:50])
    with pytest.raises(pyvsag.InvalidArgumentError, match="parameters"):
        merged.merge([deg])
    with pytest.raises(pyvsag.InvalidArgumentError):
        merged.merge([merged])
    fresh = pyvsag.Index("hgraph", params())
    with pytest.raises(pyvsag.WrongStatusError):
        fresh.merge([full])
    assert len(merged) == 0 and len(fresh) == 0
    bf = pyvsag.Index("brute_force", json.dumps({"dtype": "float32", "metric_type": "l2",
                                                 "dim": DIM, "extra_info_size": 4}))
    with pytest.raises(pyvsag.InvalidArgumentError):
        merged.merge([bf])


def test_shards_filled_in_threads(data: Data) -> None:
    full = pyvsag.Index("hgraph", params())
    full.build(data.base, data.ids, extra_infos=data.extra)
    model = full.export_model()
    shards = [model.clone() for _ in range(4)]
    step = N // 4

    def fill(i: int) -> None:
        lo = i * step
        shards[i].add(data.base[lo:lo + step], data.ids[lo:lo + step],
                      extra_infos=data.extra[lo:lo + step])

    threads = [threading.Thread(target=fill, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    merged = model.clone()
    assert merged.merge(shards).size == 0
    assert len(merged) == N
    assert data.recall(merged) >= data.recall(full) - 0.03
