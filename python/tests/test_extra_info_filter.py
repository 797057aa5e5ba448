"""Extra-info filters: a callable on each candidate's stored extra info, True keeps."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pyvsag
from conftest import Data, create_params, min_recall, recall, search_params


def _build(index_type: str, data: Data) -> pyvsag.Index:
    params = json.loads(create_params(index_type, data.dim))
    params["extra_info_size"] = 4
    index = pyvsag.Index(index_type, json.dumps(params))
    extra = np.zeros((data.n, 4), dtype=np.uint8)
    extra[:, 0] = data.ids % 7  # the "tag"
    extra[:, 3] = 0xAB
    assert index.build(data.base, data.ids, extra_infos=extra).size == 0
    return index


def _keep_tag_2(info: bytes) -> bool:
    assert len(info) == 4 and info[3] == 0xAB
    return info[0] == 2


def test_only_passing_labels_and_recall(index_type: str, data: Data) -> None:
    index = _build(index_type, data)
    sp = search_params(index_type, ef=200)
    assert index.check_feature(47)  # SUPPORT_KNN_SEARCH_WITH_EX_FILTER
    ids, dists = index.knn_search(data.queries, 10, sp, extra_info_filter=_keep_tag_2)
    assert ids.shape == (len(data.queries), 10)
    assert np.all(ids % 7 == 2)
    truth, _ = data.truth(10, exclude=np.nonzero(data.ids % 7 != 2)[0])
    assert recall(ids, truth) >= min_recall(index_type) - 0.01
    # one query, the statistics variant and search() agree
    one, _ = index.knn_search(data.queries[0], 10, sp, extra_info_filter=_keep_tag_2)
    np.testing.assert_array_equal(one, ids[0])
    st_ids, _, _ = index.knn_search_with_statistics(data.queries[0], 10, sp,
                                                    extra_info_filter=_keep_tag_2)
    np.testing.assert_array_equal(st_ids, ids[0])
    res = index.search(data.queries[0], k=10, parameters=sp, extra_info_filter=_keep_tag_2)
    np.testing.assert_array_equal(res.ids, ids[0])


def test_anded_with_filter_and_range(index_type: str, data: Data) -> None:
    index = _build(index_type, data)
    sp = search_params(index_type, ef=200)
    # ANDed with an exclude filter (labels below 300 excluded)
    ids, _ = index.knn_search(data.queries, 5, sp, filter=np.arange(300),
                              extra_info_filter=_keep_tag_2)
    kept = ids[ids >= 0]
    assert kept.size > 0 and np.all(kept % 7 == 2) and np.all(kept >= 300)
    # and with a Filter's own keep_extra_info
    f = pyvsag.Filter(keep_extra_info=lambda b: b[0] in (2, 3))
    ids, _ = index.knn_search(data.queries, 5, sp, filter=f, extra_info_filter=_keep_tag_2)
    assert np.all(ids % 7 == 2)
    ids, _ = index.knn_search(data.queries, 5, sp, filter=f)
    assert np.all(np.isin(ids % 7, [2, 3]))
    # range search
    r_ids, _ = index.range_search(data.queries[0], 1e9, sp, extra_info_filter=_keep_tag_2)
    assert r_ids.size > 0 and np.all(r_ids % 7 == 2)
    if index_type == "brute_force":
        assert sorted(r_ids.tolist()) == sorted(data.ids[data.ids % 7 == 2].tolist())
    # rejecting everything returns only padding
    ids, _ = index.knn_search(data.queries[0], 3, sp, extra_info_filter=lambda b: False)
    np.testing.assert_array_equal(ids, [-1, -1, -1])


def test_exceptions_and_errors(data: Data) -> None:
    index = _build("brute_force", data)

    def boom(info: bytes) -> bool:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        index.knn_search(data.queries, 3, extra_info_filter=boom)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.knn_search(data.queries[0], 3, extra_info_filter=42)  # type: ignore[arg-type]
    plain = pyvsag.Index("brute_force", create_params("brute_force", data.dim))
    plain.build(data.base, data.ids)
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        plain.knn_search(data.queries[0], 3, extra_info_filter=_keep_tag_2)
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        plain.knn_search(data.queries, 3, filter=pyvsag.Filter(keep_extra_info=_keep_tag_2))
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        plain.range_search(data.queries[0], 1e9, extra_info_filter=_keep_tag_2)
