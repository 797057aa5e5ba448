"""remove(ids, mode=...): mark and force removal, the refusals, slot reuse and persistence."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pyvsag
from pyvsag.errors import InvalidArgumentError, UnsupportedIndexOperationError

DIM = 16
N = 800


def hgraph_params(force: bool) -> str:
    p = {"base_quantization_type": "fp32", "max_degree": 16, "ef_construction": 100}
    if force:
        p["support_force_remove"] = True
    return json.dumps({"dtype": "float32", "metric_type": "l2", "dim": DIM, "extra_info_size": 4,
                       "index_param": p})


SEARCH = json.dumps({"hgraph": {"ef_search": 60}})


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    return rng.standard_normal((N, DIM)).astype(np.float32), np.arange(N, dtype=np.int64)


def built(data, force=True):
    base, ids = data
    index = pyvsag.Index("hgraph", hgraph_params(force))
    extra = np.zeros((N, 4), dtype=np.uint8)
    extra[:, 0] = ids % 256
    assert index.build(base, ids, extra_infos=extra).size == 0
    return index


def test_mark_is_the_default(data):
    index = built(data, force=False)
    assert index.remove([1, 2, 999999]) == 2
    assert index.remove(3, mode="mark") == 1
    assert index.remove(np.array([4], dtype=np.int64), mode="MARK_REMOVE") == 1
    assert index.get_num_removed() == 4


def test_refusals(data):
    index = built(data, force=False)
    with pytest.raises(InvalidArgumentError, match="support_force_remove"):
        index.remove([1], mode="force")
    assert index.check_id_exist(1)
    with pytest.raises(InvalidArgumentError):
        index.remove([1], mode="soft")
    with pytest.raises(InvalidArgumentError):
        index.remove([1], mode=1)
    flat = pyvsag.Index("brute_force", json.dumps({"dtype": "float32", "metric_type": "l2",
                                                   "dim": DIM}))
    flat.build(data[0][:50], data[1][:50])
    with pytest.raises(UnsupportedIndexOperationError):
        flat.remove([1], mode="force")


def test_force_reclaims_and_reuses(data, tmp_path):
    base, ids = data
    index = built(data)
    mem = index.get_memory_usage()
    index.remove([7], mode="mark")  # marked first: force takes it out as well
    gone = ids[7::10]
    assert index.remove(gone, mode="force") == gone.size
    assert index.get_num_elements() == N - gone.size
    assert index.get_num_removed() == 0
    assert not any(index.check_id_exist(int(g)) for g in gone)
    with pytest.raises(InvalidArgumentError):
        index.get_extra_info_by_ids(gone[:1])
    got, _ = index.knn_search(base[:200], 5, SEARCH)
    assert not np.isin(got, gone).any()

    # re-added, they take the reclaimed slots
    extra = np.full((gone.size, 4), 9, dtype=np.uint8)
    assert index.add(base[gone], gone, extra_infos=extra).size == 0
    assert index.get_num_elements() == N
    assert index.get_memory_usage() <= mem * 1.01
    assert np.array_equal(index.get_extra_info_by_ids(gone[:3]).reshape(3, 4), extra[:3])
    got, _ = index.knn_search(base, 1, SEARCH)
    assert (got[:, 0] == ids).mean() >= 0.98

    # a saved index with reclaimed slots loads and reuses them
    assert index.remove(gone[:20], mode="force") == 20
    path = str(tmp_path / "force.vsag")
    index.save(path)
    back = pyvsag.Index("hgraph", hgraph_params(True))
    back.load(path)
    assert back.get_num_elements() == N - 20
    assert back.add(base[gone[:20]], gone[:20], extra_infos=extra[:20]).size == 0
    assert back.get_num_elements() == N
    got, _ = back.knn_search(base[gone[:20]], 1, SEARCH)
    assert (got[:, 0] == gone[:20]).all()
