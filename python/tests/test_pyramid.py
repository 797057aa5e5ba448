"""pyramid through pyvsag: paths on build and add (a list, or a dict by hierarchy name),
searches confined to a path (``path="t3"``, ``path={"site": "t3", ...}``), filters, range
search, removal, save/load and the errors the library reports."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List

import numpy as np
import pytest

from conftest import available

import pyvsag

DIM = 16
N = 1200
TENANTS = 9
EF = {"pyramid": {"ef_search": 80}}


def _need_pyramid() -> None:
    if not available("pyramid"):
        pytest.skip("the loaded library has no pyramid index")


def params(**index_param: Any) -> str:
    p: Dict[str, Any] = {"max_degree": 16, "ef_construction": 80}
    p.update(index_param)
    return json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM, "index_param": p})


class Data:
    def __init__(self) -> None:
        rng = np.random.default_rng(7)
        centers = rng.normal(0, 3, (10, DIM)).astype(np.float32)
        self.base = (centers[rng.integers(0, 10, N)] + rng.normal(0, 1, (N, DIM))).astype(np.float32)
        self.queries = (centers[rng.integers(0, 10, 20)] + rng.normal(0, 1, (20, DIM))).astype(np.float32)
        self.ids = np.arange(N, dtype=np.int64) * 3 + 100
        self.tenant = np.arange(N) % TENANTS
        self.paths = [f"t{self.tenant[i]}/s{(i // TENANTS) % 2}" for i in range(N)]
        self.colour = [f"c{i % 4}" for i in range(N)]

    def truth(self, q: np.ndarray, k: int, keep: Callable[[int], bool]) -> np.ndarray:
        rows = np.array([i for i in range(N) if keep(i)])
        d = ((self.base[rows] - q) ** 2).sum(1)
        return self.ids[rows[np.argsort(d, kind="stable")[:k]]]

    def row(self, label: int) -> int:
        return (int(label) - 100) // 3


@pytest.fixture(scope="module")
def data() -> Data:
    return Data()


def built(d: Data, **kw: Any) -> pyvsag.Index:
    _need_pyramid()
    index = pyvsag.Index("pyramid", params(**kw))
    index.build(d.base, d.ids, paths=d.paths)
    return index


def test_tenant_search(data: Data) -> None:
    index = built(data, index_min_size=30)
    assert index.get_num_elements() == N
    hit = 0
    for i, q in enumerate(data.queries):
        t = i % TENANTS
        res = index.search(q, k=10, parameters=EF, path=f"t{t}")
        assert all(data.tenant[data.row(x)] == t for x in res.ids)
        want = data.truth(q, 10, lambda r: data.tenant[r] == t)
        hit += len(set(res.ids.tolist()) & set(want.tolist()))
        # knn_search takes the path too, for one query or a batch
        ids, dists = index.knn_search(q, 10, EF, path=f"t{t}")
        assert np.array_equal(ids, res.ids)
        ids2, _ = index.knn_search(data.queries[:3], 10, EF, path=f"t{t}")
        assert ids2.shape == (3, 10)
        assert all(data.tenant[data.row(x)] == t for x in ids2.ravel())
    assert hit / (10 * len(data.queries)) >= 0.95
    # alternatives, a shop, an absent tenant, the root
    res = index.search(data.queries[0], k=10, parameters=EF, path="t1|t2/s0")
    assert all(data.paths[data.row(x)].startswith("t1/") or data.paths[data.row(x)] == "t2/s0"
               for x in res.ids)
    assert index.search(data.queries[0], k=10, parameters=EF, path="t99").ids.size == 0
    assert index.search(data.queries[0], k=10, parameters=EF).ids.size == 10


def test_filters_range_remove(data: Data) -> None:
    index = built(data)
    q = data.queries[1]
    res = index.search(q, k=10, parameters=EF, path="t4", filter=lambda label: label % 2 == 0)
    assert res.ids.size == 10
    assert all(x % 2 == 1 and data.tenant[data.row(x)] == 4 for x in res.ids)
    want = data.truth(q, 6, lambda r: data.tenant[r] == 4)
    radius = float(((data.base[data.row(want[-1])] - q) ** 2).sum()) * 1.0001
    ids, dists = index.range_search(q, radius, EF, path="t4")
    assert 5 <= ids.size <= 7
    assert all(data.tenant[data.row(x)] == 4 for x in ids)
    assert (dists <= radius).all()
    assert index.remove([int(want[0])]) == 1
    res = index.search(q, k=10, parameters=EF, path="t4")
    assert int(want[0]) not in res.ids.tolist()


def test_named_hierarchies(data: Data) -> None:
    _need_pyramid()
    index = pyvsag.Index("pyramid", params(hierarchies=["site", {"name": "colour", "max_degree": 8}]))
    index.build(data.base, data.ids, paths={"site": data.paths, "colour": data.colour})
    q = data.queries[2]
    inter = {"pyramid": {"ef_search": 80, "hierarchy_op": "intersection"}}
    union = {"pyramid": {"ef_search": 80, "hierarchy_op": "union"}}
    res = index.search(q, k=10, parameters=inter, path={"site": "t3", "colour": "c1"})
    assert res.ids.size == 10
    for x in res.ids:
        r = data.row(x)
        assert data.tenant[r] == 3 and data.colour[r] == "c1"
    want = data.truth(q, 10, lambda r: data.tenant[r] == 3 and data.colour[r] == "c1")
    assert len(set(res.ids.tolist()) & set(want.tolist())) >= 9
    res = index.search(q, k=10, parameters=union, path={"site": "t3", "colour": "c1"})
    assert all(data.tenant[data.row(x)] == 3 or data.colour[data.row(x)] == "c1" for x in res.ids)
    ids, _ = index.knn_search(data.queries[:2], 5, EF, path={"colour": "c2"})
    assert all(data.colour[data.row(x)] == "c2" for x in ids.ravel())
    with pytest.raises(pyvsag.InvalidArgumentError, match="hierarchy_op"):
        index.search(q, k=5, parameters=EF, path={"site": "t3", "colour": "c1"})
    with pytest.raises(pyvsag.InvalidArgumentError, match="name the ones to search"):
        index.search(q, k=5, parameters=EF)
    with pytest.raises(pyvsag.InvalidArgumentError, match="no hierarchy"):
        index.add(data.base[:1], [1], paths={"bogus": ["x"]})
    with pytest.raises(pyvsag.InvalidArgumentError, match="hierarchy names"):
        index.add(data.base[:1], [1], paths={"": ["x"]})
    with pytest.raises(pyvsag.InvalidArgumentError, match="empty dict"):
        index.search(q, k=5, parameters=EF, path={})
    # rows added into one hierarchy only
    index.add(data.base[:1], [1], paths={"site": ["new"]})
    assert index.search(q, k=3, parameters=EF, path={"site": "new"}).ids.tolist() == [1]


def test_save_load_clone_and_errors(data: Data, tmp_path: Any) -> None:
    index = built(data, no_build_levels=[1], use_reorder=True, base_quantization_type="sq8")
    assert index.check_feature("SUPPORT_ESTIMATE_MEMORY")
    estimate = index.estimate_memory(1200)
    assert index.get_memory_usage() / 2 < estimate < index.get_memory_usage() * 2
    assert not index.check_feature("SUPPORT_KNN_ITERATOR_FILTER_SEARCH")
    assert index.check_feature("SUPPORT_RANGE_SEARCH")
    assert index.check_feature("SUPPORT_GET_STATS")
    stats = index.get_stats()
    assert stats["num_elements"] == N and stats["hierarchies"][0]["levels"]
    assert index.get_memory_usage() > N * DIM * 5
    f = str(tmp_path / "pyramid.vsag")
    index.save(f)
    loaded = pyvsag.Index.load_file(f)
    clone = index.clone()
    for other in (loaded, clone):
        for i, q in enumerate(data.queries[:5]):
            a = index.search(q, k=10, parameters=EF, path=data.paths[i * 7])
            b = other.search(q, k=10, parameters=EF, path=data.paths[i * 7])
            assert np.array_equal(a.ids, b.ids)
    with pytest.raises(pyvsag.InvalidArgumentError, match="need paths"):
        index.add(data.base[:1], [1])
    with pytest.raises(pyvsag.InvalidArgumentError, match="ef_search"):
        index.search(data.queries[0], k=5, parameters={"pyramid": {}}, path="t1")
    with pytest.raises(pyvsag.InvalidArgumentError, match="level 0 has no graph"):
        pyvsag.Index("pyramid", params(no_build_levels=[0])).search(data.queries[0], k=1, parameters=EF)
    pyvsag.Index("pyramid", params(graph_type="odescent", graph_iter_turn=5)).close()
    with pytest.raises(pyvsag.InvalidArgumentError, match="neighbor_sample_rate"):
        pyvsag.Index("pyramid", params(graph_type="odescent", neighbor_sample_rate=0))
    with pytest.raises(pyvsag.InvalidArgumentError, match="only for graph_type"):
        pyvsag.Index("pyramid", params(graph_iter_turn=5))
    with pytest.raises(pyvsag.InvalidArgumentError, match="duplicate hierarchy"):
        pyvsag.Index("pyramid", params(hierarchies=["a", "a"]))
