"""ivf through pyvsag: training, search over a number of buckets or named buckets, save and load,
and the exported model (Index.export_model) whose filled copies merge back (Index.merge).

Data comes from numpy's RandomState, so every run sees the same vectors.
"""

from __future__ import annotations

import json
import pickle
import threading
from typing import Any, Dict, List, Optional

import numpy as np
import pytest

from conftest import available

import pyvsag

DIM = 16
N = 800
BUCKETS = 8
ALL = {"ivf": {"scan_buckets_count": BUCKETS}}
OFFSET = 1 << 40

# The features Go's core reports for an ivf index (core/index/ivf and core.Index.features);
# extra_info_size adds UPDATE_EXTRA_INFO_CONCURRENT (32), GET_EXTRA_INFO_BY_ID (43) and
# KNN_SEARCH_WITH_EX_FILTER (47).
IVF_FEATURES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 23, 24,
                25, 26, 27, 28, 29, 30, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 44, 46, 48, 49, 51,
                52, 53, 54}
EXTRA_FEATURES = {32, 43, 47}


@pytest.fixture(autouse=True)
def _need_ivf() -> None:
    if not available("ivf"):
        pytest.skip(f"ivf is not registered in {pyvsag.library_path} (UNSUPPORTED_INDEX)")


def params(extra_info_size: int = 0, metric: str = "l2", **index_param: Any) -> str:
    p: Dict[str, Any] = {"buckets_count": BUCKETS}
    p.update(index_param)
    d: Dict[str, Any] = {"dtype": "float32", "metric_type": metric, "dim": DIM, "index_param": p}
    if extra_info_size:
        d["extra_info_size"] = extra_info_size
    return json.dumps(d)


class Data:
    """Data is N clustered vectors, their labels, extra info (the row number, 4 bytes) and
    attributes, and a few queries, from a seeded RandomState."""

    def __init__(self, seed: int = 3, shift: float = 0.0) -> None:
        rs = np.random.RandomState(seed)
        centres = rs.normal(0, 3, size=(BUCKETS, DIM))
        self.base = (centres[rs.randint(0, BUCKETS, N)] + rs.normal(0, 1, size=(N, DIM)) +
                     shift).astype(np.float32)
        self.queries = (centres[rs.randint(0, BUCKETS, 12)] +
                        rs.normal(0, 1, size=(12, DIM))).astype(np.float32)
        self.ids = np.arange(N, dtype=np.int64) * 3 + 1
        self.extra = np.arange(N, dtype=np.int32).view(np.uint8).reshape(N, 4)

    def attrs(self, lo: int, hi: int, shard: str) -> List[Dict[str, Any]]:
        return [{"shard": shard, "row": i} for i in range(lo, hi)]

    def truth(self, q: np.ndarray, k: int, skip: Optional[set] = None) -> np.ndarray:
        d = ((self.base.astype(np.float64) - q.astype(np.float64)) ** 2).sum(1)
        if skip:
            d[[i for i in range(N) if int(self.ids[i]) in skip]] = np.inf
        return self.ids[np.argsort(d, kind="stable")[:k]]


@pytest.fixture(scope="module")
def data() -> Data:
    return Data()


def trained(d: Data, **kw: Any) -> pyvsag.Index:
    index = pyvsag.Index("ivf", params(extra_info_size=4, **kw))
    index.train(d.base)
    return index


def test_features_match_core(data: Data) -> None:
    plain = pyvsag.Index("ivf", params())
    assert {f for f in range(-2, 70) if plain.check_feature(f)} == IVF_FEATURES
    extra = pyvsag.Index("ivf", params(extra_info_size=4))
    assert {f for f in range(1, 55) if extra.check_feature(f)} == IVF_FEATURES | EXTRA_FEATURES
    for index in (plain, extra):
        assert index.check_feature(pyvsag.Feature.NEED_TRAIN)
        assert index.check_feature(pyvsag.Feature.SUPPORT_EXPORT_MODEL)
        assert index.check_feature(pyvsag.Feature.SUPPORT_MERGE_INDEX)
        assert index.check_feature("support_merge_index") and index.check_feature(49)
    assert int(pyvsag.Feature.SUPPORT_MERGE_INDEX) == 42
    assert int(pyvsag.Feature.SUPPORT_EXPORT_MODEL) == 49
    # the model, and an index after training and building, report the same
    extra.build(data.base, data.ids, extra_infos=data.extra)
    model = extra.export_model()
    for index in (extra, model):
        assert {f for f in range(1, 55) if index.check_feature(f)} == \
            IVF_FEATURES | EXTRA_FEATURES


def test_train_search_save_load(data: Data, tmp_path: Any) -> None:
    index = pyvsag.Index("ivf", params())
    assert index.build(data.base, data.ids).size == 0  # build trains
    ids, dists = index.knn_search(data.queries, 10, ALL)
    for q in range(len(data.queries)):
        assert list(ids[q]) == list(data.truth(data.queries[q], 10))
    # fewer buckets: each vector still finds itself first
    rows = np.arange(0, N, 97)
    ids1, dists1 = index.knn_search(data.base[rows], 1, {"ivf": {"scan_buckets_count": 1}})
    assert list(ids1[:, 0]) == list(data.ids[rows])
    with pytest.raises(pyvsag.InvalidArgumentError, match="scan_buckets_count"):
        index.knn_search(data.queries[0], 10, {"ivf": {"scan_buckets_count": BUCKETS + 1}})
    path = str(tmp_path / "ivf.vsag")
    index.save(path)
    loaded = pyvsag.Index.load_file(path)
    assert loaded.name == "ivf" and len(loaded) == N
    ids2, dists2 = loaded.knn_search(data.queries, 10, ALL)
    assert np.array_equal(ids, ids2) and np.allclose(dists, dists2)
    again = pickle.loads(pickle.dumps(index))
    assert np.array_equal(again.knn_search(data.queries, 10, ALL)[0], ids)


def test_bucket_ids(data: Data) -> None:
    index = pyvsag.Index("ivf", params())
    index.build(data.base, data.ids)
    q = data.queries[0]
    sp = {"ivf": {"scan_buckets_count": 1}}
    seen: List[int] = []
    for b in range(BUCKETS):
        r = index.search(q, k=N, parameters=sp, bucket_ids=[b])
        assert np.all(np.diff(r.distances) >= 0)
        seen.extend(r.ids.tolist())
    # each label lives in exactly one bucket
    assert sorted(seen) == sorted(data.ids.tolist())
    r = index.search(q, k=10, parameters=sp, bucket_ids=np.arange(BUCKETS))
    assert list(r.ids) == list(data.truth(q, 10))
    assert index.search(q, k=10, parameters=sp, bucket_ids=[]).ids.size == 0
    with pytest.raises(pyvsag.InvalidArgumentError, match="out of range"):
        index.search(q, k=10, parameters=sp, bucket_ids=[BUCKETS])
    r = index.search(q, radius=1e9, parameters=sp, bucket_ids=[0, 1])
    assert 0 < r.ids.size < N


def test_export_model_and_merge(data: Data) -> None:
    full = trained(data)
    full.add(data.base, data.ids, extra_infos=data.extra, attributes=data.attrs(0, N, "full"))
    model = full.export_model()
    assert isinstance(model, pyvsag.Index) and len(model) == 0 and model.name == "ivf"
    assert model.parameters == full.parameters
    assert len(full) == N  # the source keeps its vectors

    half = N // 2
    shard_a, shard_b, merged = model.clone(), model.clone(), model.clone()
    shard_a.add(data.base[:half], data.ids[:half], extra_infos=data.extra[:half],
                attributes=data.attrs(0, half, "a"))
    shifted = data.ids[half:] + OFFSET
    shard_b.add(data.base[half:], shifted, extra_infos=data.extra[half:],
                attributes=data.attrs(half, N, "b"))
    assert shard_b.remove(int(shifted[0])) == 1
    # shard b comes back through a map that leaves its second label out
    id_map = {int(s): int(s - OFFSET) for s in shifted[2:]}
    id_map[int(shifted[0])] = int(data.ids[half])  # removed in the source: not merged
    failed = merged.merge([shard_a, (shard_b, id_map)])
    assert failed.dtype == np.int64 and failed.size == 0
    assert len(merged) == N - 2
    dropped = {int(data.ids[half]), int(data.ids[half + 1])}
    assert not any(label in merged for label in dropped)
    assert int(data.ids[half + 2]) in merged and int(shifted[2]) not in merged
    assert len(shard_a) == half and len(shard_b) == N - half - 1  # the sources are unchanged

    # extra info and attributes came along
    look = [int(data.ids[5]), int(data.ids[half + 7])]
    ex = merged.get_extra_info_by_ids(look)
    assert ex.view(np.int32).ravel().tolist() == [5, half + 7]
    attrs = merged.get_attributes_by_ids(look)
    assert attrs == [{"shard": "a", "row": 5}, {"shard": "b", "row": half + 7}]
    r = merged.search(data.base[half + 7], k=1, parameters=ALL, filter_expr='shard = "b"')
    assert r.ids.tolist() == [look[1]] and r.extra_infos.view(np.int32)[0, 0] == half + 7

    # the merged index answers as the whole index without the dropped labels
    assert full.remove(list(dropped)) == 2
    want_ids, want_d = full.knn_search(data.queries, 10, ALL)
    got_ids, got_d = merged.knn_search(data.queries, 10, ALL)
    assert np.allclose(got_d, want_d, rtol=1e-5, atol=1e-4)
    for q in range(len(data.queries)):
        assert list(got_ids[q]) == list(data.truth(data.queries[q], 10, skip=dropped))

    # merging shard a again fails label by label and adds nothing
    again = merged.merge([shard_a])
    assert sorted(again.tolist()) == data.ids[:half].tolist()
    assert len(merged) == N - 2
    # the map forms: two arrays, a (2, n) array, an empty map, None
    fresh = model.clone()
    pick = data.ids[:4]
    assert fresh.merge([(shard_a, (pick, pick + 10_000))]).size == 0
    assert fresh.merge([(shard_a, np.stack([pick, pick + 20_000]))]).size == 0
    assert fresh.merge([(shard_a, {})]).size == 0
    assert len(fresh) == 8
    assert fresh.merge([(shard_b, None)]).size == 0
    assert len(fresh) == 8 + len(shard_b)
    assert fresh.merge([]).size == 0 and fresh.merge(()).size == 0
    # VSAG's form: the sources, then one map per source
    other = model.clone()
    assert other.merge([shard_a, shard_b], id_maps=[None, id_map]).size == 0
    assert len(other) == N - 2
    with pytest.raises(pyvsag.InvalidArgumentError, match="id_maps"):
        other.merge([shard_a], id_maps=[None, None])

    # saved and loaded, the merged index answers the same
    loaded = pyvsag.Index.from_bytes(merged.serialize())
    assert np.array_equal(loaded.knn_search(data.queries, 10, ALL)[0], got_ids)


def test_merge_refusals(data: Data) -> None:
    full = trained(data)
    model = full.export_model()
    shard = model.clone()
    shard.add(data.base[:50], data.ids[:50], extra_infos=data.extra[:50])
    target = model.clone()

    # a model trained on other data
    other_data = Data(seed=11, shift=5.0)
    other = trained(other_data)
    other.add(other_data.base[:50], other_data.ids[:50] + 10**6, extra_infos=other_data.extra[:50])
    with pytest.raises(pyvsag.InvalidArgumentError, match="merge"):
        target.merge([other])
    with pytest.raises(pyvsag.InvalidArgumentError):
        target.merge([shard, other])  # one bad unit: nothing is merged
    assert len(target) == 0
    # other parameters
    plain = pyvsag.Index("ivf", params())
    plain.build(data.base, data.ids)
    with pytest.raises(pyvsag.InvalidArgumentError, match="extra_info_size"):
        target.merge([plain])
    # itself, twice, malformed units and maps
    with pytest.raises(pyvsag.InvalidArgumentError):
        target.merge([target])
    with pytest.raises(pyvsag.InvalidArgumentError, match="same index"):
        target.merge([shard, shard])
    for bad in (shard, "ivf", {shard: None}, 3, None):
        with pytest.raises(pyvsag.InvalidArgumentError, match="units"):
            target.merge(bad)
    for bad_unit in ([shard], (shard,), (shard, None, None), ("x", None), (None, {})):
        with pytest.raises(pyvsag.InvalidArgumentError, match="unit 0"):
            target.merge([bad_unit])
    for bad_map in ((data.ids[:3], data.ids[:2]), 7, "ab", (1, 2), ([1.5], [2]),
                    {1: "x"}, np.zeros((3, 2), dtype=np.int64)):
        with pytest.raises(pyvsag.InvalidArgumentError):
            target.merge([(shard, bad_map)])
    with pytest.raises(pyvsag.InvalidArgumentError, match="twice"):
        target.merge([(shard, ([1, 1], [5, 6]))])
    assert len(target) == 0
    # a closed source or target
    gone = model.clone()
    gone.close()
    with pytest.raises(pyvsag.InvalidArgumentError, match="closed"):
        target.merge([gone])
    with pytest.raises(pyvsag.InvalidArgumentError, match="closed"):
        gone.merge([shard])
    with pytest.raises(pyvsag.InvalidArgumentError, match="closed"):
        gone.export_model()
    # an immutable target
    frozen = model.clone()
    frozen.set_immutable()
    with pytest.raises(pyvsag.WrongStatusError):
        frozen.merge([shard])
    assert len(target) == 0


@pytest.mark.parametrize("name", ["brute_force"])  # hgraph merges: test_hgraph_merge.py
def test_unsupported_elsewhere(name: str, data: Data) -> None:
    if not available(name):
        pytest.skip(f"{name} is not registered")
    p = {"dtype": "float32", "metric_type": "l2", "dim": DIM,
         "index_param": {"base_quantization_type": "fp32"}}
    index = pyvsag.Index(name, json.dumps(p))
    index.build(data.base[:100], data.ids[:100])
    assert not index.check_feature(pyvsag.Feature.SUPPORT_EXPORT_MODEL)
    assert not index.check_feature(pyvsag.Feature.SUPPORT_MERGE_INDEX)
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        index.export_model()
    other = index.clone()
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        index.merge([other])
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        index.merge([])
    # an ivf index refuses it as a source
    target = pyvsag.Index("ivf", params())
    target.build(data.base, data.ids)
    with pytest.raises(pyvsag.InvalidArgumentError):
        target.export_model().merge([index])
    with pytest.raises(pyvsag.InvalidArgumentError, match="bucket_ids are for ivf"):
        index.search(data.queries[0], k=3, bucket_ids=[0])


def test_merge_from_threads(data: Data) -> None:
    """Shards filled in threads from one exported model merge into one index while searches
    run on it."""
    full = trained(data)
    model = full.export_model()
    parts = 4
    shards = [model.clone() for _ in range(parts)]
    bounds = np.linspace(0, N, parts + 1).astype(int)

    def fill(i: int) -> None:
        lo, hi = bounds[i], bounds[i + 1]
        shards[i].add(data.base[lo:hi], data.ids[lo:hi], extra_infos=data.extra[lo:hi])

    threads = [threading.Thread(target=fill, args=(i,)) for i in range(parts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    target = model.clone()
    stop = threading.Event()
    errors: List[BaseException] = []

    def search() -> None:
        try:
            while not stop.is_set():
                target.knn_search(data.queries, 5, ALL)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    s = threading.Thread(target=search)
    s.start()
    try:
        for shard in shards:
            assert target.merge([shard]).size == 0
    finally:
        stop.set()
        s.join()
    assert not errors
    assert len(target) == N
    for q in range(len(data.queries)):
        assert list(target.knn_search(data.queries[q], 10, ALL)[0]) == \
            list(data.truth(data.queries[q], 10))
