"""Reliability through pyvsag: VSAG's feature numbers, many queries per distance call, labels
that must never change on the way in, vectors of the wrong type or layout, hostile sizes, the
bad-input matrix and create/destroy cycles with flat resident memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pyvsag
from conftest import Data, available, build, create_params, make_data, search_params

HERE = os.path.dirname(os.path.abspath(__file__))

# VSAG's IndexFeature enum, every value written out (not read from any header).
FEATURE_NUMBERS = {
    "NEED_TRAIN": 1,
    "SUPPORT_BUILD": 2,
    "SUPPORT_ADD_AFTER_BUILD": 3,
    "SUPPORT_ADD_FROM_EMPTY": 4,
    "SUPPORT_KNN_SEARCH": 5,
    "SUPPORT_KNN_SEARCH_WITH_ID_FILTER": 6,
    "SUPPORT_RANGE_SEARCH": 7,
    "SUPPORT_RANGE_SEARCH_WITH_ID_FILTER": 8,
    "SUPPORT_KNN_ITERATOR_FILTER_SEARCH": 9,
    "SUPPORT_DELETE_BY_ID": 10,
    "SUPPORT_BATCH_SEARCH": 11,
    "SUPPORT_METRIC_TYPE_L2": 12,
    "SUPPORT_METRIC_TYPE_INNER_PRODUCT": 13,
    "SUPPORT_METRIC_TYPE_COSINE": 14,
    "SUPPORT_SERIALIZE_FILE": 15,
    "SUPPORT_SERIALIZE_BINARY_SET": 16,
    "SUPPORT_SERIALIZE_WRITE_FUNC": 17,
    "SUPPORT_DESERIALIZE_FILE": 18,
    "SUPPORT_DESERIALIZE_BINARY_SET": 19,
    "SUPPORT_DESERIALIZE_READER_SET": 20,
    "SUPPORT_RESET": 21,
    "SUPPORT_FEEDBACK": 22,
    "SUPPORT_CAL_DISTANCE_BY_ID": 23,
    "SUPPORT_TRAIN_WITH_MULTI_THREAD": 24,
    "SUPPORT_BUILD_WITH_MULTI_THREAD": 25,
    "SUPPORT_BATCH_ADD_WITH_MULTI_THREAD": 26,
    "SUPPORT_SEARCH_ONE_WITH_MULTI_THREAD": 27,
    "SUPPORT_BATCH_SEARCH_WITH_MULTI_THREAD": 28,
    "SUPPORT_ADD_CONCURRENT": 29,
    "SUPPORT_UPDATE_ID_CONCURRENT": 30,
    "SUPPORT_UPDATE_VECTOR_CONCURRENT": 31,
    "SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT": 32,
    "SUPPORT_SEARCH_CONCURRENT": 33,
    "SUPPORT_DELETE_CONCURRENT": 34,
    "SUPPORT_ADD_SEARCH_CONCURRENT": 35,
    "SUPPORT_ADD_DELETE_CONCURRENT": 36,
    "SUPPORT_SEARCH_DELETE_CONCURRENT": 37,
    "SUPPORT_ADD_SEARCH_DELETE_CONCURRENT": 38,
    "SUPPORT_ESTIMATE_MEMORY": 39,
    "SUPPORT_GET_MEMORY_USAGE": 40,
    "SUPPORT_CHECK_ID_EXIST": 41,
    "SUPPORT_MERGE_INDEX": 42,
    "SUPPORT_GET_EXTRA_INFO_BY_ID": 43,
    "SUPPORT_GET_RAW_VECTOR_BY_IDS": 44,
    "SUPPORT_GET_DATA_BY_IDS": 45,
    "SUPPORT_EXPORT_IDS": 46,
    "SUPPORT_KNN_SEARCH_WITH_EX_FILTER": 47,
    "SUPPORT_CLONE": 48,
    "SUPPORT_EXPORT_MODEL": 49,
    "SUPPORT_TUNE": 50,
    "SUPPORT_BATCH_CALC_DISTANCE_BY_ID": 51,
    "SUPPORT_CONTINUE_SEARCH_SESSION": 52,
    "SUPPORT_GET_STATS": 53,
    "SUPPORT_ANALYZE_INDEX_BY_SEARCH": 54,
}


def test_feature_numbers() -> None:
    assert len(FEATURE_NUMBERS) == 54
    assert sorted(FEATURE_NUMBERS.values()) == list(range(1, 55))
    for name, number in FEATURE_NUMBERS.items():
        assert pyvsag.Feature[name] == number, name
        assert pyvsag.Feature(number).name == name
    assert len(pyvsag.Feature) == 54


def test_features_answered_by_number(index_type: str) -> None:
    index = build(index_type, make_data(n=50, dim=8))
    assert not index.check_feature(1)
    for number in (2, 5, 12, 23, 33, 51):
        assert index.check_feature(number), number
    for number in (0, -1, 55, 1000):
        assert not index.check_feature(number)
    assert index.check_feature("support_batch_calc_distance_by_id")


# ---- many queries per distance call ----------------------------------------------------------


def test_calc_distances_batch(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    q = data.queries[:5]
    rng = np.random.default_rng(3)
    ids = rng.integers(0, data.n, size=(5, 7)).astype(np.int64)
    ids[1, 2], ids[4, 6] = 999999, -3  # missing labels
    got = index.calc_distances_by_id(q, ids)
    assert got.shape == (5, 7) and got.dtype == np.float32
    for i in range(5):
        np.testing.assert_array_equal(got[i], index.calc_distances_by_id(q[i], ids[i]))
    assert got[1, 2] == -1 and got[4, 6] == -1
    exact = ((data.base[ids[0]].astype(np.float64) - q[0]) ** 2).sum(-1)
    np.testing.assert_allclose(got[0], exact, rtol=1e-4)
    # one label list for every query
    shared = index.calc_distances_by_id(q, ids[0])
    assert shared.shape == (5, 7)
    np.testing.assert_array_equal(shared[0], got[0])
    np.testing.assert_array_equal(shared[3], index.calc_distances_by_id(q[3], ids[0]))
    # empty forms
    assert index.calc_distances_by_id(q, np.empty((5, 0), dtype=np.int64)).shape == (5, 0)
    assert index.calc_distances_by_id(q[:0], np.empty((0, 3), dtype=np.int64)).shape == (0, 3)
    # Fortran-ordered and strided inputs are read correctly
    np.testing.assert_array_equal(index.calc_distances_by_id(np.asfortranarray(q),
                                                             np.asfortranarray(ids)), got)
    np.testing.assert_array_equal(index.calc_distances_by_id(data.queries[:10:2], ids[:, ::-1]),
                                  index.calc_distances_by_id(
                                      np.ascontiguousarray(data.queries[:10:2]),
                                      np.ascontiguousarray(ids[:, ::-1])))
    # errors
    with pytest.raises(pyvsag.InvalidArgumentError, match="one row per query"):
        index.calc_distances_by_id(q, ids[:4])
    with pytest.raises(pyvsag.DimensionNotEqualError):
        index.calc_distances_by_id(q[:, :-1], ids)
    bad = q.copy()
    bad[2, 3] = np.nan
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.calc_distances_by_id(bad, ids)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.calc_distances_by_id(q[None], ids)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.calc_distances_by_id(q, ids.astype(np.float64) + 0.5)


def test_calc_distances_batch_half_precision(index_type: str) -> None:
    d = make_data(n=100, dim=16)
    index = pyvsag.Index(index_type, create_params(index_type, d.dim, dtype="float16",
                                                   quantization="fp16"))
    index.build(d.base.astype(np.float16), d.ids)
    q = d.base[:3].astype(np.float16)
    got = index.calc_distances_by_id(q, np.array([[0, 1], [1, 2], [2, -1]]))
    assert got[0, 0] == 0 and got[1, 0] == 0 and got[2, 0] == 0 and got[2, 1] == -1


# ---- labels are exact or refused -------------------------------------------------------------

BAD_LABELS = [
    pytest.param([10.5, 11.25], id="fractional-floats"),
    pytest.param(np.array([10.5, 11.25]), id="fractional-float-array"),
    pytest.param(np.array([2**63 + 5, 1], dtype=np.uint64), id="uint64-beyond-int64"),
    pytest.param([2**63 + 5, 1], id="python-int-beyond-int64"),
    pytest.param([2**64 + 1, 1], id="python-int-beyond-uint64"),
    pytest.param([-(2**63) - 1, 1], id="python-int-below-int64"),
    pytest.param([True, False], id="bools"),
    pytest.param([1, True], id="bool-among-ints"),
    pytest.param(np.array([True, False]), id="bool-array"),
    pytest.param(["1", "2"], id="strings"),
    pytest.param([object(), 1], id="objects"),
    pytest.param([None, 1], id="none"),
    pytest.param(np.array([np.nan, 1.0]), id="nan"),
    pytest.param(np.array([np.inf, 1.0]), id="inf"),
    pytest.param(np.array([2.0**63, 1.0]), id="float-2^63"),
    pytest.param([1 + 2j, 1], id="complex"),
]


@pytest.mark.parametrize("labels", BAD_LABELS)
def test_bad_labels_refused_everywhere(labels: object) -> None:
    d = make_data(n=20, dim=8)
    params = json.loads(create_params("brute_force", d.dim))
    params["extra_info_size"] = 2
    index = pyvsag.Index("brute_force", json.dumps(params))
    two = d.base[:2]
    extra = np.zeros((2, 2), dtype=np.uint8)
    E = pyvsag.InvalidArgumentError
    with pytest.raises(E):
        index.build(two, labels, extra_infos=extra)
    assert index.get_num_elements() == 0
    index.build(d.base, d.ids, extra_infos=np.zeros((d.n, 2), dtype=np.uint8))
    with pytest.raises(E):
        index.add(two, labels, extra_infos=extra)
    with pytest.raises(E):
        index.add(two, labels, attributes=[{"a": 1}, {"a": 2}], extra_infos=extra)
    assert index.get_num_elements() == d.n
    with pytest.raises(E):
        index.remove(labels)
    with pytest.raises(E):
        index.check_id_exist(labels)
    with pytest.raises(E):
        index.calc_distances_by_id(d.queries[0], labels)
    with pytest.raises(E):
        index.calc_distances_by_id(d.queries[:2], [labels, labels])
    with pytest.raises(E):
        index.get_vectors_by_ids(labels)
    with pytest.raises(E):
        index.get_extra_info_by_ids(labels)
    with pytest.raises(E):
        index.get_attributes_by_ids(labels)
    with pytest.raises(E):
        pyvsag.Filter(exclude_ids=labels)
    with pytest.raises(E):
        pyvsag.Filter(keep_ids=labels)
    with pytest.raises(E):
        pyvsag.Bitset(labels)
    if np.asarray(labels).dtype != np.bool_:
        # (booleans given directly as filter= are an exclude mask, by design)
        with pytest.raises(E):
            index.knn_search(d.queries[0], 3, filter=labels)
    assert index.get_num_elements() == d.n
    np.testing.assert_array_equal(index.export_ids(), d.ids)


@pytest.mark.parametrize("label", [10.5, 2**63 + 5, np.uint64(2**63 + 5), True, np.bool_(False),
                                   "3", None, [1], np.float64("nan"), -(2**63) - 1])
def test_bad_scalar_labels(label: object) -> None:
    d = make_data(n=20, dim=8)
    index = build("brute_force", d)
    E = pyvsag.InvalidArgumentError
    with pytest.raises(E):
        index.check_id_exist(label) if not isinstance(label, list) else index.update_id(label, 1)
    with pytest.raises(E):
        index.update_id(label, 100)
    with pytest.raises(E):
        index.update_id(3, label)
    with pytest.raises(E):
        index.update_vector(label, d.base[0], force=True)
    b = pyvsag.Bitset()
    with pytest.raises(E):
        b.test(label)
    assert label not in index
    assert label not in b
    np.testing.assert_array_equal(index.export_ids(), d.ids)


def test_exact_labels_accepted() -> None:
    d = make_data(n=6, dim=8)
    index = pyvsag.Index("brute_force", create_params("brute_force", d.dim))
    # whole floats, small unsigned and narrow integers are exact: stored as given
    assert index.build(d.base[:2], [10.0, 11.0]).size == 0
    assert index.add(d.base[2:4], np.array([2**63 - 1, 12], dtype=np.uint64)).size == 0
    assert index.add(d.base[4:6], np.array([-(2**31), 13], dtype=np.int32)).size == 0
    np.testing.assert_array_equal(index.export_ids(), [-(2**31), 10, 11, 12, 13, 2**63 - 1])
    assert index.check_id_exist(np.uint64(2**63 - 1)) and index.check_id_exist(10.0)
    assert 11.0 in index and 11.5 not in index and True not in index
    got = index.calc_distances_by_id(d.base[0], np.array([10, 11], dtype=np.uint8))
    assert got[0] == 0
    assert index.remove(range(10, 12)) == 2
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.remove(range(2**63 - 2, 2**63 + 2))
    ids, _ = index.knn_search(d.base[2], 2, filter=[2**63 - 1])
    assert 2**63 - 1 not in ids.tolist()


# ---- vectors of another type or layout -------------------------------------------------------


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix is on purpose
def test_vector_layouts_read_correctly(index_type: str, data: Data) -> None:
    index = build(index_type, data)
    sp = search_params(index_type)
    want_ids, want_d = index.knn_search(data.queries, 5, sp)
    q = data.queries
    forms = {
        "fortran": np.asfortranarray(q),
        "transposed-back": np.ascontiguousarray(q.T).T,
        "every-other-row": np.repeat(q, 2, axis=0)[::2],
        "reversed-twice": q[::-1][::-1],
        "negative-strides": q[::-1].copy()[::-1],
        "big-endian": q.astype(">f4"),
        "float64": q.astype(np.float64),
        "float16-exact": None,
        "masked-unmasked": np.ma.masked_array(q, mask=False),
        "matrix": np.asmatrix(q),
        "list": q.tolist(),
    }
    for name, form in forms.items():
        if form is None:
            continue
        ids, dists = index.knn_search(form, 5, sp)
        np.testing.assert_array_equal(ids, want_ids, err_msg=name)
        np.testing.assert_allclose(dists, want_d, rtol=1e-5, err_msg=name)
    # a column of a matrix is a strided 1-D query
    wide = np.zeros((data.dim, 3), dtype=np.float32)
    wide[:, 1] = q[4]
    one, _ = index.knn_search(wide[:, 1], 5, sp)
    np.testing.assert_array_equal(one, want_ids[4])
    # a read-only query
    ro = q[4].copy()
    ro.setflags(write=False)
    np.testing.assert_array_equal(index.knn_search(ro, 5, sp)[0], want_ids[4])
    # a strided, byte-swapped build gives the same index as a contiguous one
    other = pyvsag.Index(index_type, create_params(index_type, data.dim))
    other.build(np.repeat(data.base, 2, axis=0)[::2].astype(">f4"), data.ids[::-1][::-1])
    np.testing.assert_array_equal(other.knn_search(q, 5, sp)[0], want_ids)


@pytest.mark.parametrize("bad,match", [
    (lambda q: q.astype(np.int64), "float32"),
    (lambda q: q.astype(np.int8), "float32"),
    (lambda q: q > 0, "float32"),
    (lambda q: q.astype(object), "float32"),
    (lambda q: q.astype(np.complex64), "float32"),
    (lambda q: q.astype("U8"), "float32"),
    (lambda q: np.ma.masked_array(q, mask=np.eye(*q.shape, dtype=bool)), "masked"),
    (lambda q: q.astype(np.float64) * 1e39, "beyond the range"),
    (lambda q: [[True] * q.shape[1]] * q.shape[0], "bool"),
    (lambda q: "not a vector", "array of numbers"),
    (lambda q: [[1.0, 2.0], [3.0]], "cannot be read"),
])
def test_vectors_refused_clearly(bad, match: str) -> None:  # type: ignore[no-untyped-def]
    d = make_data(n=30, dim=8)
    index = build("brute_force", d)
    q = d.queries[:3]
    with pytest.raises(pyvsag.InvalidArgumentError, match=match):
        index.knn_search(bad(q), 3)
    with pytest.raises(pyvsag.InvalidArgumentError, match=match):
        index.add(bad(q), [1000, 1001, 1002])
    assert index.get_num_elements() == d.n


def test_int8_and_float16_conversions() -> None:
    params = create_params("brute_force", 4, dtype="int8", quantization="fp32")
    try:
        index = pyvsag.Index("brute_force", params)
    except pyvsag.InvalidArgumentError:
        index = pyvsag.Index("brute_force", json.dumps({"dtype": "int8", "metric_type": "l2",
                                                        "dim": 4}))
    index.build([[1, 2, 3, 4], [-128, 0, 127, 5]], [0, 1])  # lists of exact small integers
    with pytest.raises(pyvsag.InvalidArgumentError, match="whole numbers"):
        index.add([[1.5, 2, 3, 4]], [2])
    with pytest.raises(pyvsag.InvalidArgumentError, match="int8"):
        index.add([[300, 2, 3, 4]], [2])
    with pytest.raises(pyvsag.InvalidArgumentError, match="int8"):
        index.add(np.array([[1, 2, 3, 4]], dtype=np.int16), [2])
    assert index.get_num_elements() == 2
    f16 = pyvsag.Index("brute_force", create_params("brute_force", 4, dtype="float16",
                                                   quantization="fp16"))
    f16.build(np.ones((2, 4), dtype=">f2"), [0, 1])  # other byte order: converted
    with pytest.raises(pyvsag.InvalidArgumentError, match="beyond the range"):
        f16.add([[1e6, 0, 0, 0]], [2])
    assert f16.get_num_elements() == 2


# ---- hostile sizes, in a child process so that a fatal error is a failure, not the end ------

HOSTILE = textwrap.dedent("""
    import json, sys
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import pyvsag

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2**20

    rng = np.random.default_rng(1)
    base = rng.random((200, 16), dtype=np.float32)
    q = base[:3] + 0.001
    before = rss_mb()
    for name, sp in (("brute_force", ""), ("hgraph", json.dumps({"hgraph": {"ef_search": 50}}))):
        p = {"dtype": "float32", "metric_type": "l2", "dim": 16,
             "index_param": {"base_quantization_type": "fp32"}}
        if name == "hgraph":
            p["index_param"].update({"max_degree": 16, "ef_construction": 60})
        index = pyvsag.Index(name, json.dumps(p))
        index.build(base, np.arange(200))
        exact = np.argsort(((base[None] - q[:, None]) ** 2).sum(-1), axis=1)[:, :5]
        for k in (1 << 43, 2**63 - 1, 2**70, 5 * 10**7):
            for _ in range(2):
                ids, d = index.knn_search(q[0], k, sp)
                assert ids.shape == (pyvsag.PAD_LIMIT,), ids.shape
                assert (ids[:200] >= 0).all() and (ids[200:] == -1).all()
                assert ids[0] == exact[0, 0]
                assert np.isinf(d[200:]).all() and (np.diff(d[:200]) >= 0).all()
            ids, d = index.knn_search(q, k, sp)
            assert ids.shape == (3, pyvsag.PAD_LIMIT) and (ids[:, 0] == exact[:, 0]).all()
            assert (ids[:, 200:] == -1).all()
            ids, d, st = index.knn_search_with_statistics(q[1], k, sp)
            assert ids.shape == (pyvsag.PAD_LIMIT,) and ids[0] == exact[1, 0]
            ids, d = index.knn_search(q, k, sp, filter_expr="a = 1")
            assert (ids == -1).all()
            ids, d = index.knn_search(q[2], k, sp, filter=[int(exact[2, 0])])
            assert ids[0] == exact[2, 1]
        ids, d = index.knn_search(q[0], 1 << 43, sp, filter=np.arange(10**6) >= 0)
        assert (ids == -1).all()
        ids, d = index.range_search(q[0], 1e30, sp, limited_size=2**62)
        assert len(ids) == 200
        for bad in (0, -1, -(2**70)):
            try:
                index.knn_search(q[0], bad, sp)
                raise SystemExit(f"k={bad} accepted")
            except pyvsag.InvalidArgumentError:
                pass
        index.close()
    grew = rss_mb() - before
    assert grew < 200, f"RSS grew {grew:.0f} MiB"

    # a capacity hint of 2^30 vectors of dim 1024 (4 TiB): cheap, or refused with the right code
    before = rss_mb()
    p = {"dtype": "float32", "metric_type": "l2", "dim": 1024,
         "index_param": {"base_quantization_type": "fp32", "hgraph_init_capacity": 1 << 30}}
    try:
        big = pyvsag.Index("hgraph", json.dumps(p))
    except (pyvsag.NoEnoughMemoryError, pyvsag.InvalidArgumentError) as e:
        print("capacity refused:", e.code.name)
    else:
        v = rng.random((4, 1024), dtype=np.float32)
        try:
            big.add(v, [1, 2, 3, 4])
            ids, _ = big.knn_search(v[0], 2, {"hgraph": {"ef_search": 10}})
            assert ids[0] == 1
        except pyvsag.NoEnoughMemoryError:
            print("first insert refused: NO_ENOUGH_MEMORY")
        big.close()
    grew = rss_mb() - before
    assert grew < 512, f"RSS grew {grew:.0f} MiB"
    p["index_param"]["hgraph_init_capacity"] = 1 << 32
    try:
        pyvsag.Index("hgraph", json.dumps(p))
        raise SystemExit("capacity 2^32 accepted")
    except pyvsag.InvalidArgumentError:
        pass
    print("ok")
""")


def test_hostile_sizes() -> None:
    if not available("hgraph"):
        pytest.skip("hgraph is not registered (UNSUPPORTED_INDEX)")
    proc = subprocess.run([sys.executable, "-c", HOSTILE, os.path.dirname(HERE)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("ok"), proc.stdout


def test_integers_beyond_c_types_are_not_wrapped() -> None:
    # ctypes wraps integers modulo 2^32 or 2^64 silently; pyvsag refuses or saturates first
    d = make_data(n=20, dim=8)
    index = build("brute_force", d)
    assert index.estimate_memory(2**70) == index.estimate_memory(2**64 - 1) > index.estimate_memory(0)
    assert not index.check_feature(2**32 + int(pyvsag.Feature.SUPPORT_KNN_SEARCH))
    assert not index.check_feature(-(2**40))
    ids, _ = index.range_search(d.base[0], 1e30, "", limited_size=2**70)
    assert len(ids) == d.n
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.range_search(d.base[0], 1e30, "", limited_size=-(2**70))
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.range_search(d.base[0], 1e30, "", limited_size=True)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.add(d.base[:1].reshape(-1), [100], num_elements=1, dim=2**64 + 8)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.add(d.base[:1], [100], num_elements=2**64 + 1)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.check_feature(True)
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.knn_search(d.base[0], True)
    assert index.get_num_elements() == d.n


# ---- the bad-input matrix ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_vectors(index_type: str, value: float) -> None:
    d = make_data(n=40, dim=8)
    index = build(index_type, d)
    sp = search_params(index_type)
    bad = d.base[:3].copy()
    bad[1, 4] = value
    E = pyvsag.InvalidArgumentError
    empty = pyvsag.Index(index_type, create_params(index_type, d.dim))
    for call in (
        lambda: empty.build(bad, [100, 101, 102]),
        lambda: empty.train(bad),
        lambda: index.add(bad, [100, 101, 102]),
        lambda: index.knn_search(bad[1], 3, sp),
        lambda: index.knn_search(bad, 3, sp),
        lambda: index.knn_search(bad, 3, sp, filter_expr="a = 1"),
        lambda: index.knn_search_with_statistics(bad[1], 3, sp),
        lambda: index.range_search(bad[1], 1.0, sp),
        lambda: index.calc_distances_by_id(bad[1], [0, 1]),
        lambda: index.calc_distances_by_id(bad, [[0], [1], [2]]),
        lambda: index.update_vector(5, bad[1], force=True),
    ):
        with pytest.raises(E):
            call()
    if value != np.inf:  # an infinite radius is valid: everything is within it
        with pytest.raises(E):
            index.range_search(d.base[0], value, sp)
    assert index.get_num_elements() == d.n and empty.get_num_elements() == 0
    assert index.calc_distances_by_id(d.base[5], [5])[0] == 0  # not updated
    # half precision bit patterns
    h = pyvsag.Index(index_type, create_params(index_type, d.dim, dtype="float16",
                                               quantization="fp16"))
    with pytest.raises(E):
        h.build(bad.astype(np.float16), [0, 1, 2])
    assert h.get_num_elements() == 0


def test_wrong_dim(index_type: str) -> None:
    d = make_data(n=40, dim=8)
    index = build(index_type, d)
    sp = search_params(index_type)
    E = pyvsag.DimensionNotEqualError
    for wrong in (d.base[:3, :-1], np.hstack([d.base[:3], d.base[:3, :1]])):
        for call in (
            lambda: index.add(wrong, [100, 101, 102]),
            lambda: index.knn_search(wrong[0], 3, sp),
            lambda: index.knn_search(wrong, 3, sp),
            lambda: index.range_search(wrong[0], 1.0, sp),
            lambda: index.calc_distances_by_id(wrong[0], [0]),
            lambda: index.calc_distances_by_id(wrong, [[0], [1], [2]]),
            lambda: index.knn_search_with_statistics(wrong[0], 3, sp),
        ):
            with pytest.raises(E):
                call()
    assert index.get_num_elements() == d.n


BAD_CREATE = [
    "", "{", "null", "[]", "42",
    {"dtype": "float32", "metric_type": "l2", "dim": "8"},
    {"dtype": "float32", "metric_type": "l2", "dim": 8.5},
    {"dtype": "float32", "metric_type": "l2", "dim": -8},
    {"dtype": "float32", "metric_type": "l2", "dim": None},
    {"dtype": "float32", "metric_type": "l2", "dim": True},
    {"dtype": "float32", "metric_type": 2, "dim": 8},
    {"dtype": ["float32"], "metric_type": "l2", "dim": 8},
    {"dtype": "float32", "metric_type": "l2", "dim": 8, "index_param": []},
    {"dtype": "float32", "metric_type": "l2", "dim": 8, "extra_info_size": "2"},
    {"dtype": "float32", "metric_type": "l2", "dim": 8, "index_param": {"max_degree": "16"}},
    {"dtype": "float32", "metric_type": "l2", "dim": 8, "index_param": {"max_degree": 16.5}},
    {"dtype": "float32", "metric_type": "l2", "dim": 8,
     "index_param": {"base_quantization_type": 1}},
    {"dtype": "float32", "metric_type": "l2", "dim": 8, "index_param": {"ef_construction": {}}},
]


@pytest.mark.parametrize("params", BAD_CREATE)
def test_bad_create_json(params: object) -> None:
    for name in ("brute_force", "hgraph"):
        if not available(name):
            continue
        with pytest.raises(pyvsag.InvalidArgumentError):
            pyvsag.Index(name, params)  # type: ignore[arg-type]


@pytest.mark.parametrize("make_sp", [
    lambda n: "{", lambda n: "[]", lambda n: "null", lambda n: "1", lambda n: {n: []},
    lambda n: {n: 3}, lambda n: {n: {"ef_search": "50"}}, lambda n: {n: {"ef_search": 0}},
    lambda n: {n: {"ef_search": 1.5}}, lambda n: {n: {"ef_search": 50, "nope": 1}},
    lambda n: {"parallelism": "2", n: {"ef_search": 5}},
    lambda n: {"timeout_ms": [1], n: {"ef_search": 5}},
])
def test_bad_search_json(index_type: str, make_sp) -> None:  # type: ignore[no-untyped-def]
    d = make_data(n=40, dim=8)
    index = build(index_type, d)
    sp = make_sp(index_type)
    E = pyvsag.InvalidArgumentError
    for call in (
        lambda: index.knn_search(d.queries[0], 3, sp),
        lambda: index.knn_search(d.queries[:2], 3, sp),
        lambda: index.knn_search_with_statistics(d.queries[0], 3, sp),
        lambda: index.range_search(d.queries[0], 1.0, sp),
    ):
        with pytest.raises(E):
            call()
    with pytest.raises(E):
        index.knn_search(d.queries[0], 3, 3.5)  # type: ignore[arg-type]


def test_closed_index_refuses_everything() -> None:
    d = make_data(n=10, dim=8)
    index = build("brute_force", d)
    index.close()
    E = pyvsag.InvalidArgumentError
    for call in (
        lambda: index.build(d.base, d.ids), lambda: index.add(d.base, d.ids),
        lambda: index.remove([1]), lambda: index.knn_search(d.queries[0], 3),
        lambda: index.knn_search(d.queries, 3), lambda: index.range_search(d.queries[0], 1.0),
        lambda: index.calc_distances_by_id(d.queries[0], [1]),
        lambda: index.calc_distances_by_id(d.queries[:2], [[1], [2]]),
        lambda: index.get_num_elements(), lambda: index.check_id_exist(1),
        lambda: index.check_feature(5), lambda: index.save("/tmp/never.vsag"),
        lambda: index.serialize(), lambda: index.clone(), lambda: index.export_ids(),
        lambda: index.update_id(1, 2), lambda: index.get_vectors_by_ids([1]),
        lambda: index.train(d.base), lambda: index.set_immutable(),
        lambda: index.knn_search_with_statistics(d.queries[0], 3),
        lambda: index.export_model(), lambda: index.merge([]),
    ):
        with pytest.raises(E):
            call()
    b = pyvsag.Bitset([1, 2])
    b.close()
    with pytest.raises(E):
        b.set([3])
    with pytest.raises(E):
        index.knn_search(d.queries[0], 3, filter=b)


# ---- create/destroy cycles -------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_create_destroy_cycles_keep_memory_flat() -> None:
    d = make_data(n=16, dim=8, nq=2)
    params = create_params("brute_force", d.dim)

    def cycle(i: int) -> None:
        index = pyvsag.Index("brute_force", params)
        index.add(d.base, d.ids + i)
        ids, _ = index.knn_search(d.queries, 3)
        assert ids[0, 0] >= i
        index.calc_distances_by_id(d.queries, [[i], [i + 1]])
        with pyvsag.Bitset([i]) as b:
            index.knn_search(d.queries[0], 2, filter=b)
        if i % 10 == 0:
            pyvsag.Index.from_bytes(index.serialize()).close()
        if i % 2:
            index.close()  # the others are released by garbage collection

    for i in range(300):
        cycle(i)
    import gc
    gc.collect()
    before = _rss_mb()
    for i in range(3000):
        cycle(i)
    gc.collect()
    after = _rss_mb()
    assert after - before < 48, f"RSS {before:.1f} -> {after:.1f} MiB over 3000 cycles"
