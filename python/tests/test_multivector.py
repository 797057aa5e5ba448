"""Multi-vector documents (warp and simq): build and add with vector_counts, knn_search of one
query (a 2-D array with vector_counts=[n]) and of a batch (the flat array and one count per
query), search and range_search, filters, mark remove, save and load, and the refusals that keep
what is stored."""

from __future__ import annotations

import numpy as np
import pytest

import pyvsag

DIM = 16
CREATE = '{"dtype":"float32","metric_type":"ip","dim":16}'
PARAMS = {"warp": "", "simq": '{"simq":{"coarse_k":64,"rerank_k":200}}'}


def corpus(n: int = 150, seed: int = 3):
    rng = np.random.default_rng(seed)
    counts = rng.integers(2, 8, size=n)
    vecs = rng.standard_normal((int(counts.sum()), DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs, counts, np.arange(1000, 1000 + n, dtype=np.int64)


def maxsim_dist(q: np.ndarray, doc: np.ndarray) -> float:
    return float((1.0 - (q @ doc.T).max(axis=1)).sum())


def docs_of(vecs, counts):
    b = np.concatenate(([0], np.cumsum(counts)))
    return [vecs[b[i]:b[i + 1]] for i in range(len(counts))]


@pytest.fixture(params=["warp", "simq"])
def built(request):
    vecs, counts, ids = corpus()
    idx = pyvsag.Index(request.param, CREATE)
    half = int(counts[:75].sum())
    idx.build(vecs[:half], ids[:75], vector_counts=counts[:75])
    idx.add(vecs[half:], ids[75:], vector_counts=counts[75:])
    yield request.param, idx, vecs, counts, ids
    idx.close()


def test_knn_search_one_and_batch(built) -> None:
    name, idx, vecs, counts, ids = built
    docs = docs_of(vecs, counts)
    assert idx.get_num_elements() == 150
    q = docs[7]
    got, dist = idx.knn_search(q, 5, PARAMS[name], vector_counts=[len(q)])
    assert got.shape == (5,) and got[0] == 1007
    exact = sorted(range(150), key=lambda i: maxsim_dist(q, docs[i]))
    if name == "warp":
        assert list(got) == [1000 + i for i in exact[:5]]
    assert dist[0] == pytest.approx(maxsim_dist(q, docs[exact[0]]), abs=1e-4)
    # a batch: the flat sub-vectors and one count per query
    flat = np.concatenate([docs[3], docs[9], docs[20]])
    bids, bdist = idx.knn_search(flat, 4, PARAMS[name], vector_counts=[len(docs[3]), len(docs[9]), len(docs[20])])
    assert bids.shape == (3, 4)
    assert list(bids[:, 0]) == [1003, 1009, 1020]
    # search() with vector_counts (or multi_vector=True)
    res = idx.search(q, k=3, parameters=PARAMS[name], vector_counts=[len(q)])
    assert res.ids[0] == 1007
    res2 = idx.search(q, k=3, parameters=PARAMS[name], multi_vector=True)
    assert list(res.ids) == list(res2.ids)
    rids, rdist = idx.range_search(q, 1e-3, PARAMS[name], vector_counts=[len(q)])
    assert 1007 in list(rids)


def test_filters_remove_save_load(built, tmp_path) -> None:
    name, idx, vecs, counts, ids = built
    docs = docs_of(vecs, counts)
    q = docs[10]
    got, _ = idx.knn_search(q, 5, PARAMS[name], filter=[1010], vector_counts=[len(q)])
    assert 1010 not in got
    assert idx.remove(1010) == 1
    got, _ = idx.knn_search(q, 5, PARAMS[name], vector_counts=[len(q)])
    assert 1010 not in got
    path = str(tmp_path / f"{name}.vsag")
    idx.save(path)
    back = pyvsag.Index(name, CREATE)
    back.load(path)
    assert back.get_num_elements() == 149
    again, _ = back.knn_search(q, 5, PARAMS[name], vector_counts=[len(q)])
    assert list(again) == list(got)
    back.close()


def test_refusals_keep_what_is_stored(built) -> None:
    name, idx, vecs, counts, ids = built
    docs = docs_of(vecs, counts)
    q = docs[4]
    before, _ = idx.knn_search(q, 5, PARAMS[name], vector_counts=[len(q)])
    three = vecs[:3].copy()
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.add(three, [1, 2], vector_counts=[1, 1])          # counts do not add up
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.add(three, [1, 2], vector_counts=[3, 0])          # a zero count
    bad = three.copy()
    bad[1, 2] = np.nan
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.add(bad, [1, 2], vector_counts=[1, 2])            # NaN
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.add(three, [1, 2, 3])                             # one vector per row
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.knn_search(three[0], 5)                           # a dense query
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.knn_search(three, 5, vector_counts=[2])           # counts do not add up
    assert idx.get_num_elements() == 150
    after, _ = idx.knn_search(q, 5, PARAMS[name], vector_counts=[len(q)])
    assert list(after) == list(before)


def test_create_refusals() -> None:
    with pytest.raises(pyvsag.InvalidArgumentError):
        pyvsag.Index("simq", '{"dtype":"float32","metric_type":"l2","dim":4}')
    with pytest.raises(pyvsag.InvalidArgumentError):
        pyvsag.Index("simq", '{"dtype":"float32","metric_type":"ip","dim":4,'
                             '"index_param":{"split_start_idx":100}}')
    with pytest.raises(pyvsag.InvalidArgumentError):
        pyvsag.Index("warp", '{"dtype":"int8","metric_type":"ip","dim":4}')


def test_distances_by_id(built) -> None:
    name, idx, vecs, counts, ids = built
    docs = docs_of(vecs, counts)
    q = docs[7]
    d = idx.calc_distances_by_id(q, [1003, 999999, 1007], vector_counts=[len(q)])
    assert d.shape == (3,)
    assert d[0] == pytest.approx(maxsim_dist(q, docs[3]), abs=1e-4)
    assert d[1] == -1 and d[2] == pytest.approx(0.0, abs=1e-4)
    # a batch of two documents, one row of labels each
    flat = np.concatenate([docs[3], docs[9]])
    b = idx.calc_distances_by_id(flat, [[1009, 1003], [1009, 1003]], vector_counts=[len(docs[3]), len(docs[9])])
    assert b.shape == (2, 2)
    np.testing.assert_allclose(b, [[maxsim_dist(docs[3], docs[9]), 0.0], [0.0, maxsim_dist(docs[9], docs[3])]],
                               atol=1e-4)
    with pytest.raises(pyvsag.InvalidArgumentError):
        idx.calc_distances_by_id(q, [1003], vector_counts=[len(q) + 1])
    flat_index = pyvsag.Index("brute_force", CREATE)
    flat_index.build(vecs[:4], np.arange(4))
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        flat_index.calc_distances_by_id(q, [1], vector_counts=[len(q)])
