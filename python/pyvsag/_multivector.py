"""Multi-vector queries (warp and simq indexes): a query is a document of sub-vectors, given as
a 2-D float32 array (sub-vectors, dim) with ``vector_counts=[n]``, or a batch of documents as
the flat array of all their sub-vectors with one count per document, as builds take them."""
from typing import Any, List, Tuple

import numpy as np

from .errors import InvalidArgumentError


def _flat_documents(index: Any, vectors: Any, vector_counts: Any, op: str
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """_flat_documents checks a multi-vector query (or batch) and returns the sub-vectors as one
    C-contiguous float32 array (total, dim) and the counts as a C-contiguous int64 array."""
    from ._index import _float_matrix, _integers  # the helpers of the index module

    v = _float_matrix(vectors, "query", op)
    if v.ndim == 1:
        d = index.dim
        if d <= 0 or v.size % d:
            raise InvalidArgumentError(f"the query holds {v.size} values, not a whole number "
                                       f"of sub-vectors of dim {d}", operation=op)
        v = v.reshape(-1, d)
    if v.ndim != 2:
        raise InvalidArgumentError(f"a multi-vector query is a 2-D array (sub-vectors, dim), "
                                   f"got shape {v.shape}", operation=op)
    counts = _integers(vector_counts, "vector_counts", op).reshape(-1)
    if counts.size == 0:
        raise InvalidArgumentError("vector_counts holds no count", operation=op)
    if (counts <= 0).any():
        raise InvalidArgumentError("every vector count must be at least 1", operation=op)
    if int(counts.sum()) != v.shape[0]:
        raise InvalidArgumentError(f"the vector counts add up to {int(counts.sum())} "
                                   f"sub-vectors, the query holds {v.shape[0]}", operation=op)
    return v, counts


def split_documents(index: Any, vectors: Any, vector_counts: Any, op: str) -> List[np.ndarray]:
    """split_documents checks a multi-vector query (or batch) and returns one (count, dim)
    float32 array per document."""
    v, counts = _flat_documents(index, vectors, vector_counts, op)
    bounds = np.concatenate(([0], np.cumsum(counts)))
    return [v[bounds[i]:bounds[i + 1]] for i in range(counts.size)]


def one_document(index: Any, vectors: Any, vector_counts: Any, op: str) -> np.ndarray:
    """one_document checks a single multi-vector query (one count) and returns it."""
    docs = split_documents(index, vectors, vector_counts, op)
    if len(docs) != 1:
        raise InvalidArgumentError(f"{op} takes one multi-vector query: give one count, got "
                                   f"{len(docs)}", operation=op)
    return docs[0]


def knn_search(index: Any, vectors: Any, vector_counts: Any, k: int, parameters: Any,
               filter: Any, filter_expr: Any, op: str = "knn_search"
               ) -> Tuple[np.ndarray, np.ndarray]:
    """knn_search searches every document of a multi-vector query for its k nearest documents
    in one library call (vsag_index_knn_search_multi_vector_batch: all cores for a batch, the
    calling thread for one query): arrays (k,) for one count, (nq, k) for several, padded with
    -1 / +inf. A k above PAD_LIMIT is first capped at the live count (not below PAD_LIMIT)."""
    from ._index import _k, _params, _prepare, PAD_LIMIT
    from ._lib import addr, check, lib

    if filter_expr is not None and not isinstance(filter_expr, str):
        raise InvalidArgumentError(
            f"filter_expr must be a string, got {type(filter_expr).__name__}", operation=op)
    v, counts = _flat_documents(index, vectors, vector_counts, op)
    kk = _k(k)
    if kk > PAD_LIMIT:
        kk = index._width(kk)
    nq = counts.size
    ids = np.empty((nq, max(kk, 0)), dtype=np.int64)
    dists = np.empty((nq, max(kk, 0)), dtype=np.float32)
    params = parameters.encode() if type(parameters) is str else _params(parameters)
    expr = filter_expr.encode() if filter_expr else None
    prep = _prepare(filter) if filter is not None else None
    rc = lib.vsag_index_knn_search_multi_vector_batch(
        index._handle(), addr(v), addr(counts), nq, v.shape[0], v.shape[1], kk, params, expr,
        prep.ptr if prep else None, addr(ids), addr(dists))
    if prep is not None:
        prep.raise_pending()
    if rc:
        check(rc, op)
    if nq == 1:
        return ids[0], dists[0]
    return ids, dists


def calc_distances(index: Any, vectors: Any, vector_counts: Any, ids: Any, op: str
                   ) -> np.ndarray:
    """calc_distances returns the MaxSim distance of every document of a multi-vector query to
    the stored documents of labels (-1 where a label is missing): (n,) for one count, (nq, n)
    for several, ids being one (n,) array for every document or one row per document."""
    from ._index import _label_rows
    from ._lib import addr, check, lib

    v, counts = _flat_documents(index, vectors, vector_counts, op)
    nq = counts.size
    arr = _label_rows(ids, nq, op)
    out = np.empty(arr.shape, dtype=np.float32)
    h = index._handle()
    start = 0
    for i in range(nq):
        n = int(counts[i])
        row = arr[i]
        check(lib.vsag_index_calc_distance_by_ids_multi_vector(
            h, addr(v[start:start + n]), n, v.shape[1], addr(row) if row.size else None, row.size,
            addr(out[i]) if row.size else None), op)
        start += n
    return out[0] if nq == 1 else out


def range_search(index: Any, vectors: Any, vector_counts: Any, radius: float, parameters: Any,
                 limited_size: int, filter: Any) -> Tuple[np.ndarray, np.ndarray]:
    """range_search finds the documents within radius of one multi-vector query."""
    doc = one_document(index, vectors, vector_counts, "range_search")
    if limited_size == 0:
        raise InvalidArgumentError("limited_size 0 is invalid (-1: unlimited)",
                                   operation="range_search")
    res = index.search(doc, radius=radius, parameters=parameters, filter=filter,
                       limited_size=None if limited_size == -1 else limited_size,
                       multi_vector=True)
    return res.ids, res.distances
