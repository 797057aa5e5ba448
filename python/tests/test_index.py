"""Upstream pyvsag's behaviours, for every index type: sizes, ids, add, dtypes, remove,
distances by id and persistence."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

import pyvsag
from conftest import (Data, build, create_params, make_data, min_recall, recall,
                      search_params)


def test_num_elements_and_memory(index_type: str, data: Data) -> None:
    index = pyvsag.Index(index_type, create_params(index_type, data.dim))
    assert index.get_num_elements() == 0
    assert len(index) == 0
    empty_memory = index.get_memory_usage()
    assert empty_memory >= 0
    index.build(data.base, data.ids, data.n, data.dim)
    assert index.get_num_elements() == data.n
    assert len(index) == data.n
    # The vectors alone are n * dim * 4 bytes.
    assert index.get_memory_usage() >= empty_memory + data.n * data.dim * 4


def test_check_id_exist(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    assert index.check_id_exist(0) is True
    assert index.check_id_exist(data.n - 1) is True
    assert index.check_id_exist(np.int64(100)) is True
    assert index.check_id_exist(999999) is False
    assert index.check_id_exist(-1) is False
    assert 5 in index and 999999 not in index and "5" not in index
    np.testing.assert_array_equal(index.check_id_exist([0, -1, data.n, data.n - 1]),
                                  [True, False, False, True])


def test_min_max_id(index_type: str) -> None:
    d = make_data(n=300, first_id=1000)
    index = pyvsag.Index(index_type, create_params(index_type, d.dim))
    assert index.get_min_max_id() == (-1, -1)
    index.build(d.base, d.ids, d.n, d.dim)
    assert index.get_min_max_id() == (1000, 1299)
    index.remove([1000, 1299])
    assert index.get_min_max_id() == (1001, 1298)


def test_add_to_empty_and_incremental(index_type: str, data: Data) -> None:
    index = pyvsag.Index(index_type, create_params(index_type, data.dim))
    half = data.n // 2
    assert index.add(data.base[:half], data.ids[:half], half, data.dim).size == 0
    assert index.get_num_elements() == half
    # Flat input, and num_elements/dim inferred.
    assert index.add(data.base[half:].reshape(-1), data.ids[half:]).size == 0
    assert index.get_num_elements() == data.n
    got, _ = index.knn_search(data.queries, 10, search_params(index_type))
    truth, _ = data.truth(10)
    assert recall(got, truth) >= min_recall(index_type) - 0.01
    # Labels already present are reported, the rest is added.
    more = make_data(n=10, seed=99)
    ids = np.array([0, 1] + list(range(5000, 5008)), dtype=np.int64)
    failed = index.add(more.base, ids)
    np.testing.assert_array_equal(np.sort(failed), [0, 1])
    assert index.get_num_elements() == data.n + 8
    own, dist = index.knn_search(more.base[5], 1, search_params(index_type))
    assert own[0] == ids[5] and dist[0] == pytest.approx(0.0, abs=1e-4)


def test_upstream_argument_forms(index_type: str, data: Data) -> None:
    # Upstream examples pass keyword arguments, a 2-D float32 matrix and ids as a range.
    index = pyvsag.Index(index_type, create_params(index_type, data.dim))
    index.build(vectors=data.base, ids=range(data.n), num_elements=data.n, dim=data.dim)
    ids, dists = index.knn_search(vector=data.queries[0], k=10,
                                  parameters=search_params(index_type))
    assert ids.shape == (10,) and ids.dtype == np.int64 and dists.dtype == np.float32
    assert np.all(np.diff(dists) >= 0)
    # float64 input is converted for float32 indexes, as numpy users expect.
    ids64, dists64 = index.knn_search(data.queries[0].astype(np.float64), 10,
                                      search_params(index_type))
    np.testing.assert_array_equal(ids64, ids)


def _bf16(a: np.ndarray) -> np.ndarray:
    return pyvsag.float32_to_bfloat16(a)


@pytest.mark.parametrize("dtype,quant", [("float16", "fp16"), ("bfloat16", "bf16")])
def test_half_precision_2d(index_type: str, dtype: str, quant: str) -> None:
    d = make_data(n=400, dim=16)
    conv = (lambda a: a.astype(np.float16)) if dtype == "float16" else _bf16
    index = pyvsag.Index(index_type, create_params(index_type, d.dim, dtype=dtype,
                                                   quantization=quant))
    assert index.dtype == dtype
    half = d.n // 2
    index.build(conv(d.base[:half]), d.ids[:half], half, d.dim)
    index.add(conv(d.base[half:]), d.ids[half:], d.n - half, d.dim)
    assert index.get_num_elements() == d.n
    got, dists = index.knn_search(conv(d.queries), 10, search_params(index_type))
    assert got.shape == (len(d.queries), 10)
    truth, _ = d.truth(10)
    assert recall(got, truth) >= 0.85
    one, _ = index.knn_search(conv(d.queries[3]), 10, search_params(index_type))
    np.testing.assert_array_equal(one, got[3])
    r_ids, r_dists = index.range_search(conv(d.queries[3]), float(dists[3, 4]) * 1.001,
                                        search_params(index_type))
    assert len(r_ids) >= 4 and np.all(r_dists <= dists[3, 4] * 1.001)


@pytest.mark.parametrize("dtype,quant,wrong,expected", [
    ("float16", "fp16", np.float32, r"vectors must be numpy.float16 array"),
    ("bfloat16", "bf16", np.float16, r"vectors must be numpy.uint16 \(raw bfloat16 bits\) array"),
    ("float32", "fp32", np.int64, r"vectors must be numpy.float32 array"),
    ("float32", "fp32", np.uint16, r"vectors must be numpy.float32 array"),
])
def test_rejects_wrong_dtype(index_type: str, dtype: str, quant: str, wrong: type,
                             expected: str) -> None:
    d = make_data(n=16, dim=8)
    index = pyvsag.Index(index_type, create_params(index_type, d.dim, dtype=dtype,
                                                   quantization=quant))
    bad = d.base.astype(wrong)
    with pytest.raises(ValueError, match=expected) as info:
        index.build(bad, d.ids, d.n, d.dim)
    assert isinstance(info.value, pyvsag.InvalidArgumentError)
    assert info.value.code == pyvsag.ErrorCode.INVALID_ARGUMENT
    assert index.get_num_elements() == 0
    with pytest.raises(pyvsag.InvalidArgumentError, match=expected.replace("vectors", "vector")):
        index.knn_search(bad[0], 3, search_params(index_type))
    with pytest.raises(pyvsag.InvalidArgumentError, match=expected.replace("vectors", "point")):
        index.range_search(bad[0], 1.0, search_params(index_type))


def test_remove(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    assert index.remove(np.array([0], dtype=np.int64)) == 1
    assert index.remove(np.array([1, 2, 3], dtype=np.int64)) == 3
    assert index.remove(7) == 1
    assert index.remove(np.array([999999], dtype=np.int64)) == 0
    assert index.remove([1, 999999]) == 0  # already removed, absent
    assert index.get_num_elements() == data.n - 5
    assert not index.check_id_exist(2)
    got, _ = index.knn_search(data.base[:8], 3, search_params(index_type))
    assert not np.isin(got, [0, 1, 2, 3, 7]).any()


def test_distance_by_id_equals_search(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    q = data.queries[0]
    ids, dists = index.knn_search(q, 10, search_params(index_type))
    by_id = index.calc_distances_by_id(q, ids)
    np.testing.assert_allclose(by_id, dists, rtol=1e-5, atol=1e-5)
    exact = ((data.base[ids].astype(np.float64) - q) ** 2).sum(-1)
    np.testing.assert_allclose(by_id, exact, rtol=1e-4)
    mixed = index.calc_distances_by_id(q, [ids[0], 999999])
    assert mixed[0] == pytest.approx(dists[0], rel=1e-5) and mixed[1] == -1
    with pytest.warns(DeprecationWarning):
        legacy = index.cal_distance_by_id(q, ids)
    np.testing.assert_array_equal(legacy, by_id)


def test_save_load_round_trip(index_type: str, data: Data, tmp_path) -> None:
    index = build(index_type, data)
    index.remove([5])
    sp = search_params(index_type)
    want_ids, want_dists = index.knn_search(data.queries, 10, sp)
    path = tmp_path / "index.vsag"
    index.save(str(path))
    assert path.stat().st_size > data.n * data.dim * 4

    # VSAG style: into an empty index made with the same parameters.
    again = pyvsag.Index(index_type, create_params(index_type, data.dim))
    again.load(path)
    got_ids, got_dists = again.knn_search(data.queries, 10, sp)
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_array_equal(got_dists, want_dists)
    assert again.get_num_elements() == data.n - 1 and 5 not in again

    # Recreated from the file alone.
    loaded = pyvsag.Index.load_file(path)
    assert loaded.name == index_type and loaded.dim == data.dim
    assert json.loads(loaded.parameters)["dim"] == data.dim
    np.testing.assert_array_equal(loaded.knn_search(data.queries, 10, sp)[0], want_ids)

    # Bytes and pickle.
    from_bytes = pyvsag.Index.from_bytes(index.serialize())
    np.testing.assert_array_equal(from_bytes.knn_search(data.queries, 10, sp)[0], want_ids)
    unpickled = pickle.loads(pickle.dumps(index))
    np.testing.assert_array_equal(unpickled.knn_search(data.queries, 10, sp)[0], want_ids)


def test_load_errors_raise(index_type: str, data: Data, tmp_path) -> None:
    index = build(index_type, data)
    path = tmp_path / "index.vsag"
    index.save(path)
    with pytest.raises(pyvsag.IndexNotEmptyError):
        index.load(path)
    fresh = pyvsag.Index(index_type, create_params(index_type, data.dim))
    with pytest.raises(pyvsag.MissingFileError) as info:
        fresh.load(tmp_path / "absent.vsag")
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(pyvsag.MissingFileError):
        pyvsag.Index.load_file(tmp_path / "absent.vsag")
    other_dim = pyvsag.Index(index_type, create_params(index_type, data.dim * 2))
    with pytest.raises(pyvsag.InvalidArgumentError, match="dim"):
        other_dim.load(path)
    raw = path.read_bytes()
    truncated = tmp_path / "truncated.vsag"
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(pyvsag.InvalidBinaryError):
        pyvsag.Index.load_file(truncated)
    flipped = bytearray(raw)
    flipped[len(raw) // 2] ^= 0xFF
    with pytest.raises(pyvsag.VsagError) as info:
        pyvsag.Index.from_bytes(bytes(flipped))
    assert info.value.code in (pyvsag.ErrorCode.INVALID_BINARY, pyvsag.ErrorCode.READ_ERROR)
    with pytest.raises(pyvsag.VsagError):
        index.save(tmp_path / "no" / "such" / "dir" / "x.vsag")


def test_int8_vectors(index_type: str) -> None:
    rng = np.random.default_rng(4)
    base = rng.integers(-100, 100, size=(300, 16)).astype(np.int8)
    index = pyvsag.Index(index_type, create_params(index_type, 16, dtype="int8"))
    assert index.dtype == "int8"
    index.build(base, np.arange(300))
    ids, dists = index.knn_search(base[:5], 3, search_params(index_type))
    np.testing.assert_array_equal(ids[:, 0], np.arange(5))
    assert np.all(dists[:, 0] == 0)
    want = ((base[ids[0]].astype(np.float64) - base[0]) ** 2).sum(1)
    np.testing.assert_allclose(dists[0], want, rtol=1e-5)
    with pytest.raises(pyvsag.InvalidArgumentError, match="numpy.int8"):
        index.knn_search(base[0].astype(np.float32), 3, search_params(index_type))
    again = pyvsag.Index.from_bytes(index.serialize())
    assert again.dtype == "int8"
    np.testing.assert_array_equal(again.knn_search(base[:5], 3, search_params(index_type))[0],
                                  ids)


def test_extra_infos(index_type: str, tmp_path) -> None:
    d = make_data(n=50, dim=8)
    params = json.loads(create_params(index_type, d.dim))
    params["extra_info_size"] = 4
    index = pyvsag.Index(index_type, json.dumps(params))
    assert index.extra_info_size == 4
    extra = np.arange(d.n * 4, dtype=np.uint32).astype(np.uint8).reshape(d.n, 4)
    with pytest.raises(pyvsag.InvalidArgumentError, match="extra_info"):
        index.build(d.base, d.ids)  # such an index needs them
    with pytest.raises(pyvsag.InvalidArgumentError, match="150 bytes, need"):
        index.build(d.base, d.ids, extra_infos=extra[:, :3].tobytes())
    assert index.build(d.base[:40], d.ids[:40], extra_infos=extra[:40]).size == 0
    assert index.add(d.base[40:], d.ids[40:], extra_infos=extra[40:].tobytes()).size == 0
    assert index.get_num_elements() == d.n
    ids, _ = index.knn_search(d.base[:3], 1, search_params(index_type))
    np.testing.assert_array_equal(ids[:, 0], [0, 1, 2])
    index.save(tmp_path / "extra.vsag")
    loaded = pyvsag.Index.load_file(tmp_path / "extra.vsag")
    assert loaded.extra_info_size == 4 and loaded.get_num_elements() == d.n
    plain = pyvsag.Index(index_type, create_params(index_type, d.dim))
    with pytest.raises(pyvsag.InvalidArgumentError, match="extra_info_size"):
        plain.build(d.base, d.ids, extra_infos=extra)
