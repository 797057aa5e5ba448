"""Tests of sparse rows end to end: the BM25 encoder, the eval byte stream and a sindi index
built, searched, filtered, saved and loaded through the Python surface."""

from __future__ import annotations

import json

import numpy as np
import pytest

import pyvsag
from pyvsag.sparse import (CSR, BM25Encoder, decode_sparse_bytes, encode_sparse_bytes,
                           load_sparse_hdf5, tokenize)

CORPUS = [
    "Python library for parsing XML documents",
    "Fast JSON parser and serializer for Python",
    "Command line tool to convert images between formats",
    "GNU C library: shared libraries",
    "Library for reading and writing PNG images",
    "Text editor with syntax highlighting for many languages",
    "Web server with HTTP/2 support and reverse proxy",
    "Tools for parsing and transforming JSON on the command line",
]


def sindi(vocab: int, **extra: object) -> pyvsag.Index:
    param = {"term_id_limit": max(vocab, 1), "window_size": 10000}
    param.update(extra)
    try:
        return pyvsag.Index("sindi", json.dumps({"dtype": "sparse", "metric_type": "ip", "dim": 32,
                                                 "index_param": param}))
    except pyvsag.UnsupportedIndexError:
        pytest.skip("sindi is not registered")


def test_tokenize_drops_stopwords_and_short_words():
    assert tokenize("The GNU C library: shared libraries, v2") == ["gnu", "library", "shared",
                                                                     "libraries", "v2"]


def test_bm25_scores_rank_the_matching_document_first():
    enc = BM25Encoder().fit(CORPUS)
    docs = enc.encode_docs(CORPUS)
    assert docs.nrows == len(CORPUS)
    assert np.all(np.diff(docs.indptr) > 0)
    q = enc.encode_queries(["json parser"])
    scores = [sum(v * dict(zip(docs.indices[lo:hi], docs.values[lo:hi])).get(t, 0.0)
                  for t, v in zip(q.indices, q.values))
              for lo, hi in zip(docs.indptr[:-1], docs.indptr[1:])]
    assert int(np.argmax(scores)) == 1
    # rare terms weigh more than common ones
    assert enc.idf(enc.vocab["xml"]) > enc.idf(enc.vocab["json"])


def test_sparse_byte_stream_round_trip():
    rows = CSR.from_dicts([{3: 0.5, 1: 2.0}, {}, {7: -1.25}])
    blob = encode_sparse_bytes(rows)
    assert len(blob) == (4 + 16) + 4 + (4 + 8)
    back = decode_sparse_bytes(blob)
    assert back.to_dicts() == [{1: 2.0, 3: 0.5}, {}, {7: -1.25}]
    assert decode_sparse_bytes(np.frombuffer(blob, dtype=np.int8)).to_dicts() == back.to_dicts()
    with pytest.raises(ValueError):
        decode_sparse_bytes(blob[:-3])


def test_load_sparse_hdf5(tmp_path):
    h5py = pytest.importorskip("h5py")
    rows = CSR.from_dicts([{1: 1.0}, {2: 2.0, 5: 0.5}])
    blob = np.frombuffer(encode_sparse_bytes(rows), dtype=np.int8)
    p = tmp_path / "s.hdf5"
    with h5py.File(p, "w") as f:
        f.attrs["type"], f.attrs["distance"] = "sparse", "ip"
        f["train"], f["test"] = blob, blob
        f["train_offsets"] = np.array([0, 12, 32], dtype=np.uint64)
        f["neighbors"] = np.zeros((2, 1), dtype=np.int64)
    got = load_sparse_hdf5(str(p))
    assert got["type"] == "sparse" and got["train"].to_dicts() == rows.to_dicts()
    with h5py.File(p, "a") as f:
        del f["train_offsets"]
        f["train_offsets"] = np.array([0, 13, 32], dtype=np.uint64)
    with pytest.raises(ValueError):
        load_sparse_hdf5(str(p))


def test_sindi_bm25_search_end_to_end(tmp_path):
    enc = BM25Encoder().fit(CORPUS)
    docs = enc.encode_docs(CORPUS)
    index = sindi(enc.vocab_size)
    ids = np.arange(100, 100 + len(CORPUS), dtype=np.int64)
    index.build(docs, ids=ids)
    assert index.get_num_elements() == len(CORPUS)
    q = enc.encode_queries(["json parser", "png images"])
    labels, dists = index.knn_search(q, 3, json.dumps({"sindi": {"n_candidate": 10}}))
    assert labels.shape == (2, 3)
    assert labels[0][0] == 101 and labels[1][0] == 104
    assert dists[0][0] < dists[0][1]
    # a filter and a range search
    one = q.row(0)
    labels, _ = index.knn_search(one, 3, "{}", filter=lambda label: label == 101)
    assert 101 not in labels
    res = index.range_search(one, float(dists[0][0]) + 1e-4, "{}")
    assert 101 in list(res[0])
    # save and load keep the answers
    path = str(tmp_path / "sindi.idx")
    index.save(path)
    again = sindi(enc.vocab_size)
    again.load(path)
    l2, _ = again.knn_search(one, 3, "{}")
    assert np.ravel(l2)[0] == 101
    assert again.get_stats()["window_count"] == 1


def test_sindi_bad_rows_are_invalid_argument_and_lose_nothing():
    index = sindi(10)
    index.build((np.array([0, 2]), np.array([1, 3]), np.array([1.0, 2.0])), ids=[1])
    bad = [
        (np.array([0, 2]), np.array([3, 1]), np.array([1.0, 1.0])),  # unsorted
        (np.array([0, 2]), np.array([3, 3]), np.array([1.0, 1.0])),  # duplicate
        (np.array([0, 1]), np.array([10]), np.array([1.0])),  # beyond term_id_limit
        (np.array([0, 1]), np.array([2]), np.array([np.nan])),  # NaN
        (np.array([0, 0]), np.array([], dtype=np.uint32), np.array([], dtype=np.float32)),  # empty
    ]
    for rows in bad:
        with pytest.raises(pyvsag.InvalidArgumentError):
            index.add(rows, ids=[2])
        assert index.get_num_elements() == 1
    labels, _ = index.knn_search((np.array([0, 1]), np.array([3]), np.array([1.0])), 1, "{}")
    assert list(np.ravel(labels)) == [1]


def test_sindi_distances_by_id_and_stored_rows():
    index = sindi(16, use_reorder=True)
    assert index.dtype == "sparse"
    indptr = np.array([0, 2, 5, 6])
    indices = np.array([1, 7, 2, 7, 9, 4], dtype=np.uint32)
    values = np.array([0.5, 1.0, 2.0, 0.25, 1.5, 3.0], dtype=np.float32)
    index.build((indptr, indices, values), ids=[10, 11, 12])
    dense = np.zeros((3, 16), dtype=np.float32)
    for r in range(3):
        dense[r, indices[indptr[r]:indptr[r + 1]]] = values[indptr[r]:indptr[r + 1]]
    queries = (np.array([0, 2, 3]), np.array([2, 7, 4]), np.array([1.0, 2.0, 0.5]))
    qd = np.zeros((2, 16), dtype=np.float32)
    qd[0, [2, 7]] = [1.0, 2.0]
    qd[1, 4] = 0.5
    got = index.calc_distances_by_id(queries, [10, 11, 99, 12])
    assert got.shape == (2, 4)
    want = 1 - qd @ dense.T
    np.testing.assert_allclose(got[:, [0, 1, 3]], want, rtol=0, atol=1e-6)
    assert (got[:, 2] == -1).all()
    # one row of labels per query, and the distance search reports for the best label
    per = index.calc_distances_by_id(queries, np.array([[11, 10], [12, 12]]))
    np.testing.assert_allclose(per, [[want[0, 1], want[0, 0]], [want[1, 2], want[1, 2]]], atol=1e-6)
    labels, dists = index.knn_search(queries, 1, "{}")
    assert labels[0][0] == 11 and abs(dists[0][0] - got[0, 1]) < 1e-6
    # the stored rows, in the order asked, as the tuple build takes
    ip, ix, vs = index.get_sparse_vectors_by_ids([12, 10])
    assert ip.tolist() == [0, 1, 3] and ix.tolist() == [4, 1, 7] and vs.tolist() == [3.0, 0.5, 1.0]
    assert ip.dtype == np.int64 and ix.dtype == np.uint32 and vs.dtype == np.float32
    empty = index.get_sparse_vectors_by_ids([])
    assert empty[0].tolist() == [0] and empty[1].size == 0
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.get_sparse_vectors_by_ids([10, 99])
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.calc_distances_by_id((np.array([0, 2]), np.array([7, 2]), np.array([1.0, 1.0])), [10])
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        index.get_vectors_by_ids([10])
    flat = pyvsag.Index("brute_force", json.dumps({"dtype": "float32", "metric_type": "l2", "dim": 4}))
    flat.build(np.ones((1, 4), dtype=np.float32), ids=[10])
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        flat.get_sparse_vectors_by_ids([10])
    with pytest.raises(pyvsag.UnsupportedIndexOperationError):
        flat.calc_distances_by_id(queries, [10])
