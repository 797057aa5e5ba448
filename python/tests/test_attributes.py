"""Attribute filtering, attributes and extra info through pyvsag."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional

import numpy as np
import pytest

import pyvsag
from conftest import Data, create_params, min_recall, recall, search_params

COLORS = ["red", "green", "blue"]


def row_attrs(i: int) -> Optional[Dict[str, Any]]:
    """row_attrs gives row i a colour, a price, a score and tags; each fifth row has none."""
    if i % 5 == 4:
        return None
    return {"color": COLORS[i % 3], "price": np.int64(i % 40), "score": (i % 10) / 10,
            "tags": [f"g{i % 4}", "all"], "hot": bool(i % 7 == 0)}


# expression -> oracle over the row number
EXPRS: Dict[str, Callable[[int], bool]] = {
    'color = "red" AND price < 20':
        lambda i: i % 5 != 4 and i % 3 == 0 and i % 40 < 20,
    'tags IN ["g1", "g2"] OR color NOT IN ["red", "green", "blue"]':
        lambda i: i % 5 == 4 or i % 4 in (1, 2),
    'NOT (score >= 0.5) AND hot = true':
        lambda i: i % 5 != 4 and (i % 10) / 10 < 0.5 and i % 7 == 0,
    'multi_in(tags, "g3|g0", "|") && price != 3':
        lambda i: i % 5 != 4 and i % 4 in (3, 0) and i % 40 != 3,
}


def filtered_truth(d: Data, k: int, passes: Callable[[int], bool],
                   extra_exclude: Optional[np.ndarray] = None) -> np.ndarray:
    bad = np.array([not passes(i) for i in range(d.n)])
    if extra_exclude is not None:
        bad[extra_exclude] = True
    ids, dist = d.truth(k, exclude=np.nonzero(bad)[0])
    return np.where(np.isinf(dist), -1, ids)


def built_with_attrs(index_type: str, d: Data, **kw: Any) -> pyvsag.Index:
    index = pyvsag.Index(index_type, create_params(index_type, d.dim, **kw))
    attrs = [row_attrs(i) for i in range(d.n)]
    half = d.n // 2
    assert index.build(d.base[:half], d.ids[:half], attributes=attrs[:half]).size == 0
    assert index.add(d.base[half:], d.ids[half:], attributes=attrs[half:]).size == 0
    return index


@pytest.mark.parametrize("expr", list(EXPRS))
def test_filter_expr_matches_oracle(index_type: str, data: Data, expr: str) -> None:
    k = 10
    index = built_with_attrs(index_type, data)
    sp = search_params(index_type)
    truth = filtered_truth(data, k, EXPRS[expr])
    ids, dists = index.knn_search(data.queries, k, sp, filter_expr=expr)
    assert ids.shape == (len(data.queries), k)
    for row in ids:
        for label in row[row >= 0]:
            assert EXPRS[expr](int(label)), f"{expr} returned {label}"
    assert recall(ids, truth) >= min_recall(index_type)
    # one query gives the same as its row of the batch; VSAG's keyword is an alias
    one, _ = index.knn_search(data.queries[3], k, sp, attribute_filter_str=expr)
    if index_type == "brute_force":
        np.testing.assert_array_equal(one, ids[3])
        np.testing.assert_array_equal(ids, truth)


def test_filter_expr_with_id_filter(index_type: str, data: Data) -> None:
    k = 10
    index = built_with_attrs(index_type, data)
    expr = 'color = "red" AND price < 20'
    odd = np.arange(data.n) % 2 == 1  # True excludes: keep even labels
    ids, _ = index.knn_search(data.queries, k, search_params(index_type), filter=odd,
                              filter_expr=expr)
    truth = filtered_truth(data, k, EXPRS[expr], extra_exclude=np.nonzero(odd)[0])
    for row in ids:
        for label in row[row >= 0]:
            assert label % 2 == 0 and EXPRS[expr](int(label))
    assert recall(ids, truth) >= min_recall(index_type)
    ids2, _ = index.knn_search(data.queries, k, search_params(index_type),
                               filter=lambda label: label % 2 == 1, filter_expr=expr)
    for row in ids2:
        assert all(label % 2 == 0 for label in row[row >= 0])


def test_selective_expression_pads(data: Data) -> None:
    index = built_with_attrs("brute_force", data)
    ids, dists = index.knn_search(data.queries[:2], 10,
                                  filter_expr="price = 7 AND tags = 'g3' AND color = 'blue'")
    want = [i for i in range(data.n) if i % 5 != 4 and i % 40 == 7 and i % 4 == 3 and i % 3 == 2]
    assert 0 < len(want) < 10
    for row, drow in zip(ids, dists):
        assert sorted(row[: len(want)].tolist()) == want
        assert (row[len(want):] == -1).all() and np.isinf(drow[len(want):]).all()
    none, _ = index.knn_search(data.queries[0], 5, filter_expr="price = -1")
    assert (none == -1).all()


def test_attributes_lifecycle(index_type: str, data: Data, tmp_path: Any) -> None:
    index = built_with_attrs(index_type, data)
    got = index.get_attributes_by_ids([0, 4, 7])
    assert got[0] == {"color": "red", "price": 0, "score": 0.0, "tags": ["g0", "all"],
                      "hot": 1}
    assert got[1] is None
    assert got[2]["color"] == "green" and got[2]["hot"] == 1
    # a label already present keeps its attributes; removal drops them
    failed = index.add(data.base[:1], [0], attributes=[{"color": "black"}])
    assert failed.tolist() == [0]
    assert index.get_attributes_by_ids([0])[0]["color"] == "red"
    assert index.remove([0, 3]) == 2
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.get_attributes_by_ids([0])
    sp = search_params(index_type)
    expr = 'color = "red" AND price < 20'
    before, _ = index.knn_search(data.queries, 5, sp, filter_expr=expr)
    assert not np.isin(before, [0, 3]).any()

    path = tmp_path / "attrs.vsag"
    index.save(path)
    loaded = pyvsag.Index.load_file(path)
    after, _ = loaded.knn_search(data.queries, 5, sp, filter_expr=expr)
    np.testing.assert_array_equal(before, after)
    clone = index.clone()
    again, _ = clone.knn_search(data.queries, 5, sp, filter_expr=expr)
    np.testing.assert_array_equal(before, again)
    assert clone.get_attributes_by_ids([7]) == index.get_attributes_by_ids([7])


def test_attribute_errors(data: Data) -> None:
    index = pyvsag.Index("brute_force", create_params("brute_force", data.dim))
    with pytest.raises(pyvsag.InvalidArgumentError, match="rows"):
        index.build(data.base[:3], [0, 1, 2], attributes=[{"a": 1}])
    with pytest.raises(pyvsag.InvalidArgumentError, match="dict"):
        index.build(data.base[:2], [0, 1], attributes=[{"a": 1}, "x"])
    with pytest.raises(pyvsag.InvalidArgumentError, match="sequence"):
        index.build(data.base[:1], [0], attributes={"a": 1})
    with pytest.raises(pyvsag.InvalidArgumentError, match="not supported"):
        index.build(data.base[:1], [0], attributes=[{"a": object()}])
    with pytest.raises(pyvsag.InvalidArgumentError, match="nested"):
        index.build(data.base[:1], [0], attributes=[{"a": {"b": 1}}])
    with pytest.raises(pyvsag.InvalidArgumentError, match="mixes"):
        index.build(data.base[:1], [0], attributes=[{"a": [1, "x"]}])
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.build(data.base[:1], [0], attributes=[{"a": float("nan")}])
    assert len(index) == 0, "a rejected batch adds nothing"
    index.build(data.base[:2], [0, 1], attributes=[{"a": 1}, None])
    for bad, where in [("a =", "position 3"), ("a IN [1, 'x']", "mixes"), ("(a = 1", "')'"),
                       ("a # 1", "unexpected character")]:
        with pytest.raises(pyvsag.InvalidArgumentError, match="position") as exc:
            index.knn_search(data.queries[0], 1, filter_expr=bad)
        assert where in str(exc.value)
        assert exc.value.code == pyvsag.ErrorCode.INVALID_ARGUMENT
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.knn_search(data.queries[0], 1, filter_expr="a = 1", attribute_filter_str="a = 2")
    # an empty expression filters nothing
    ids, _ = index.knn_search(data.queries[0], 2, filter_expr="")
    assert sorted(ids.tolist()) == [0, 1]


def test_extra_info_by_ids(data: Data) -> None:
    params = json.loads(create_params("brute_force", data.dim))
    params["extra_info_size"] = 3
    index = pyvsag.Index("brute_force", json.dumps(params))
    extra = np.zeros((data.n, 3), dtype=np.uint8)
    extra[:, 0] = np.arange(data.n) % 256
    extra[:, 2] = 9
    index.build(data.base, data.ids, extra_infos=extra,
                attributes=[row_attrs(i) for i in range(data.n)])
    got = index.get_extra_info_by_ids([5, 300, 0])
    assert got.dtype == np.uint8 and got.shape == (3, 3)
    np.testing.assert_array_equal(got, extra[[5, 300, 0]])
    assert index.get_extra_info_by_ids([]).shape == (0, 3)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.get_extra_info_by_ids([10**9])
    # attributes given together with extra infos work too
    ids, _ = index.knn_search(data.queries[0], 5, filter_expr='color = "blue"')
    assert all(i % 3 == 2 and i % 5 != 4 for i in ids.tolist())
    plain = pyvsag.Index("brute_force", create_params("brute_force", data.dim))
    plain.build(data.base[:2], [0, 1])
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        plain.get_extra_info_by_ids([0])


def test_filter_expr_many_threads(data: Data) -> None:
    from concurrent.futures import ThreadPoolExecutor

    index = built_with_attrs("brute_force", data)
    expr = 'color = "red" AND price < 20'
    want, _ = index.knn_search(data.queries, 5, filter_expr=expr)

    def one(i: int) -> List[int]:
        ids, _ = index.knn_search(data.queries[i % len(data.queries)], 5, filter_expr=expr)
        return ids.tolist()

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(one, range(64)))
    for i, ids in enumerate(got):
        assert ids == want[i % len(data.queries)].tolist()
