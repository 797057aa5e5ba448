"""Index.reset and Index.update_extra_info through pyvsag."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pyvsag
from conftest import Data, build, create_params, min_recall, recall, search_params


def extra_index(d: Data, size: int = 4) -> pyvsag.Index:
    """extra_index is a brute_force index over d whose extra info of label i is i (little-endian
    int32)."""
    params = json.loads(create_params("brute_force", d.dim))
    params["extra_info_size"] = size
    index = pyvsag.Index("brute_force", json.dumps(params))
    extra = np.arange(d.n, dtype="<i4").view(np.uint8).reshape(d.n, 4)
    assert index.build(d.base, d.ids, extra_infos=extra).size == 0
    return index


def test_reset_empties_and_builds_again(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    assert index.check_feature(pyvsag.Feature.SUPPORT_RESET)
    assert index.check_feature(21)
    sp = search_params(index_type)
    index.reset()
    assert index.get_num_elements() == 0 and len(index) == 0
    assert not index.check_id_exist(5)
    ids, dists = index.knn_search(data.queries[0], 5, sp)
    assert (ids == -1).all() and np.isinf(dists).all()
    r = index.search(data.queries[0], k=5, parameters=sp)
    assert r.ids.size == 0
    index.reset()  # an empty index resets too
    # the same labels again: nothing of the old contents is left
    assert index.build(data.base, data.ids).size == 0
    assert index.get_num_elements() == data.n
    got, _ = index.knn_search(data.queries, 10, sp)
    truth, _ = data.truth(10)
    assert recall(got, truth) >= min_recall(index_type)
    # add works after a reset too
    index.reset()
    assert index.add(data.base[:50], data.ids[:50]).size == 0
    assert index.get_num_elements() == 50
    index.set_immutable()
    with pytest.raises(pyvsag.WrongStatusError):
        index.reset()
    assert index.get_num_elements() == 50


def test_reset_trained_quantizer(data: Data) -> None:
    index = build("brute_force", data, quantization="sq8")
    index.reset()
    assert len(index) == 0
    # trained again on other data: the old training is gone, the index answers
    shifted = data.base + 10
    assert index.build(shifted, data.ids).size == 0
    ids, _ = index.knn_search(shifted[3], 1)
    assert ids[0] == 3


def test_update_extra_info(data: Data) -> None:
    index = extra_index(data)
    assert index.check_feature(pyvsag.Feature.SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT)
    assert index.check_feature(32)
    index.update_extra_info([7, 0], b"abcdwxyz")
    got = index.get_extra_info_by_ids([7, 0, 1])
    assert got[0].tobytes() == b"abcd" and got[1].tobytes() == b"wxyz"
    assert got[2].view("<i4")[0] == 1
    r = index.search(data.base[7], k=1)
    assert r.ids[0] == 7 and r.extra_infos[0].tobytes() == b"abcd"
    # a 1-D and a 2-D uint8 array, a bytearray, numpy labels, one scalar label
    index.update_extra_info(np.array([7], dtype=np.int32), np.frombuffer(b"1111", np.uint8))
    index.update_extra_info([7, 0], np.array([[2, 2, 2, 2], [3, 3, 3, 3]], dtype=np.uint8))
    assert index.get_extra_info_by_ids([7, 0]).tolist() == [[2] * 4, [3] * 4]
    index.update_extra_info(0, bytearray(b"zzzz"))
    assert index.get_extra_info_by_ids(0).tobytes() == b"zzzz"
    index.update_extra_info([], b"")  # nothing to do

    before = index.get_extra_info_by_ids([7, 0, 1])
    # a missing label, even after live ones, changes nothing
    with pytest.raises(pyvsag.InvalidArgumentError, match="123456") as exc:
        index.update_extra_info([7, 0, 123456], b"q" * 12)
    assert exc.value.code == pyvsag.ErrorCode.INVALID_ARGUMENT
    # wrong byte lengths and shapes, bad types
    for bad in [b"q" * 11, b"q" * 13, np.zeros((3, 3), np.uint8), np.zeros((1, 12), np.uint8),
                np.zeros(12, np.int8), np.zeros((3, 2, 2), np.uint8), "qqqqqqqqqqqq", None]:
        with pytest.raises(pyvsag.InvalidArgumentError):
            index.update_extra_info([7, 0, 1], bad)
    # labels are checked as everywhere else: never cast
    for bad_ids in [[7.5], [True], ["7"], np.array([2**63], dtype=np.uint64)]:
        with pytest.raises(pyvsag.InvalidArgumentError):
            index.update_extra_info(bad_ids, b"qqqq")
    # a removed label is missing too
    index.remove(1)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.update_extra_info([1], b"qqqq")
    np.testing.assert_array_equal(index.get_extra_info_by_ids([7, 0]), before[:2])

    # reset drops the extra infos; a new build brings its own
    index.reset()
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.update_extra_info([7], b"qqqq")
    extra = np.full((data.n, 4), 5, dtype=np.uint8)
    assert index.build(data.base, data.ids, extra_infos=extra).size == 0
    assert index.get_extra_info_by_ids([7]).tolist() == [[5] * 4]
    index.set_immutable()
    with pytest.raises(pyvsag.WrongStatusError):
        index.update_extra_info([7], b"qqqq")


def test_update_extra_info_refused_without_extra_info(data: Data) -> None:
    plain = build("brute_force", data)
    assert not plain.check_feature(pyvsag.Feature.SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT)
    assert plain.check_feature(pyvsag.Feature.SUPPORT_RESET)
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        plain.update_extra_info([0], b"qqqq")
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        plain.update_extra_info([0], b"")


def test_closed_index(data: Data) -> None:
    index = extra_index(data)
    index.close()
    with pytest.raises(pyvsag.VsagError):
        index.reset()
    with pytest.raises(pyvsag.VsagError):
        index.update_extra_info([0], b"qqqq")
