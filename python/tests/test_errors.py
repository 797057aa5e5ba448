"""Errors raise VsagError subclasses with VSAG's codes; lifecycle and introspection calls."""

from __future__ import annotations

import gc
import json

import numpy as np
import pytest

import pyvsag
from conftest import Data, available, build, create_params, make_data, search_params


def test_factory_errors() -> None:
    with pytest.raises(pyvsag.UnsupportedIndexError) as info:
        pyvsag.Index("no_such_index", create_params("brute_force", 4))
    assert info.value.code == pyvsag.ErrorCode.UNSUPPORTED_INDEX == 7
    assert "no_such_index" in str(info.value)
    with pytest.raises(pyvsag.InvalidArgumentError, match="metric_type|nope"):
        pyvsag.Index("brute_force", json.dumps({"dtype": "float32", "metric_type": "nope",
                                                "dim": 4, "index_param": {}}))
    with pytest.raises(pyvsag.InvalidArgumentError, match="surprise"):
        pyvsag.Index("brute_force", json.dumps({"dtype": "float32", "metric_type": "l2", "dim": 4,
                                                "surprise": 1, "index_param": {}}))
    with pytest.raises(pyvsag.InvalidArgumentError) as info:
        pyvsag.Index("brute_force", "{not json")
    assert isinstance(info.value, ValueError) and isinstance(info.value, RuntimeError)
    assert info.value.message and info.value.operation == "create index"
    with pytest.raises(pyvsag.InvalidArgumentError):
        pyvsag.Index("brute_force", 42)  # type: ignore[arg-type]


def test_input_errors(index_type: str, data: Data) -> None:
    index = pyvsag.Index(index_type, create_params(index_type, data.dim))
    with pytest.raises(pyvsag.InvalidArgumentError, match="ids length"):
        index.build(data.base, data.ids[:-1], data.n, data.dim)
    with pytest.raises(pyvsag.InvalidArgumentError, match="size"):
        index.build(data.base, data.ids, data.n + 1, data.dim)
    with pytest.raises(pyvsag.InvalidArgumentError, match="second dimension"):
        index.build(data.base, data.ids, data.n, data.dim + 1)
    with pytest.raises(pyvsag.DimensionNotEqualError):
        index.build(data.base[:, :-1], data.ids)
    nan = data.base.copy()
    nan[3, 2] = np.nan
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.build(nan, data.ids)
    assert index.get_num_elements() == 0
    build_ok = index.build(data.base, data.ids)
    assert build_ok.size == 0
    sp = search_params(index_type)
    with pytest.raises(pyvsag.DimensionNotEqualError) as info:
        index.knn_search(data.queries[0][:-1], 5, sp)
    assert info.value.code == 9
    for k in (0, -3):
        with pytest.raises(pyvsag.InvalidArgumentError, match="k"):
            index.knn_search(data.queries[0], k, sp)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.knn_search(data.queries[0], 2.5, sp)  # type: ignore[arg-type]
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.knn_search(data.queries[0], 5, "{bad json")
    with pytest.raises(pyvsag.InvalidArgumentError, match="bogus"):
        index.knn_search(data.queries[0], 5, {index_type: {"bogus": 1}})
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.knn_search(data.queries[None, None, 0], 5, sp)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.range_search(data.queries[0], -1.0, sp)


def test_hgraph_needs_ef_search(data: Data) -> None:
    if not available("hgraph"):
        pytest.skip("hgraph is not registered (UNSUPPORTED_INDEX)")
    index = build("hgraph", data)
    with pytest.raises(pyvsag.InvalidArgumentError, match="ef_search"):
        index.knn_search(data.queries[0], 5, "{}")


def test_closed_index_and_context_manager(data: Data) -> None:
    with pyvsag.Index("brute_force", create_params("brute_force", data.dim)) as index:
        index.build(data.base, data.ids)
        assert not index.closed
    assert index.closed
    with pytest.raises(pyvsag.InvalidArgumentError, match="closed"):
        index.knn_search(data.queries[0], 3)
    index.close()  # twice is harmless
    assert "closed" in repr(index)
    # Garbage collection releases handles too (nothing to observe but the absence of a crash).
    for _ in range(3):
        pyvsag.Index("brute_force", create_params("brute_force", 4))
    gc.collect()


def test_immutable_clone_and_introspection(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    sp = search_params(index_type)
    assert index.name == index_type and index.dim == data.dim and index.dtype == "float32"
    assert index.metric_type == "l2"
    assert index_type in repr(index)
    assert index.check_feature(pyvsag.Feature.SUPPORT_KNN_SEARCH)
    assert index.check_feature("support_knn_search")
    assert index.check_feature(int(pyvsag.Feature.SUPPORT_BUILD))
    assert not index.check_feature(pyvsag.Feature.NEED_TRAIN)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.check_feature("no_such_feature")
    small, large = index.estimate_memory(1000), index.estimate_memory(100000)
    assert 0 < small < large
    np.testing.assert_array_equal(index.export_ids(), data.ids)

    clone = index.clone()
    assert clone.remove([0, 1]) == 2
    assert index.get_num_elements() == data.n and clone.get_num_elements() == data.n - 2
    np.testing.assert_array_equal(clone.knn_search(data.queries[0], 5, sp)[0],
                                  index.knn_search(data.queries[0], 5, sp,
                                                   filter=[0, 1])[0])

    if index.check_feature(pyvsag.Feature.SUPPORT_GET_RAW_VECTOR_BY_IDS):
        np.testing.assert_allclose(index.get_vectors_by_ids([3, 4]), data.base[3:5], rtol=1e-6)

    index.set_immutable()
    with pytest.raises(pyvsag.WrongStatusError) as info:
        index.add(data.base[:1], [10**6])
    assert info.value.code == pyvsag.ErrorCode.WRONG_STATUS
    with pytest.raises(pyvsag.WrongStatusError):
        index.remove([3])
    assert index.knn_search(data.queries[0], 5, sp)[0].size == 5
    assert index.get_num_elements() == data.n
    assert clone.add(data.base[:1], [10**6]).size == 0  # a clone is mutable


def test_update_id_and_vector(index_type: str) -> None:
    d = make_data(n=100, dim=8)
    index = build(index_type, d)
    index.update_id(5, 5005)
    assert 5005 in index and 5 not in index
    with pytest.raises(pyvsag.VsagError):
        index.update_id(123456, 7)
    target = d.base[20] + 0.01
    index.update_vector(10, target, force=True)
    ids, dists = index.knn_search(target, 1, search_params(index_type))
    assert ids[0] == 10 and dists[0] == pytest.approx(0.0, abs=1e-4)


def test_train_and_logging(data: Data) -> None:
    index = pyvsag.Index("brute_force", create_params("brute_force", data.dim))
    index.train(data.base)  # fp32 needs no training; the call must still succeed
    assert index.get_num_elements() == 0
    before = pyvsag.get_log_level()
    try:
        pyvsag.set_logger_off()
        assert pyvsag.get_log_level() == pyvsag.LogLevel.OFF
        pyvsag.set_logger_debug()
        assert pyvsag.get_log_level() == pyvsag.LogLevel.DEBUG
        pyvsag.set_logger_info()
        assert pyvsag.get_log_level() == pyvsag.LogLevel.INFO
        with pytest.raises(pyvsag.InvalidArgumentError):
            pyvsag.set_log_level(42)
    finally:
        pyvsag.set_log_level(before)


def test_module_facts() -> None:
    assert pyvsag.library_version() == pyvsag.__version__
    assert pyvsag.library_path.endswith("libvsag.so")
    x = np.array([1.0, -2.5, 3.14159, 1e-3, np.inf], dtype=np.float32)
    bits = pyvsag.float32_to_bfloat16(x)
    assert bits.dtype == np.uint16
    back = pyvsag.bfloat16_to_float32(bits)
    np.testing.assert_allclose(back[:4], x[:4], rtol=1 / 128)
    assert back[4] == np.inf and back[0] == 1.0 and back[1] == -2.5
    assert np.isnan(pyvsag.bfloat16_to_float32(pyvsag.float32_to_bfloat16([np.nan])))[0]
