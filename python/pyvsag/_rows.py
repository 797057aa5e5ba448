"""Rows other than dense vectors (sparse CSR rows, multi-vector documents, paths) and the
result types of :meth:`pyvsag.Index.search`.

scipy is never imported here: a ``scipy.sparse`` matrix can only be passed by a program that
imported scipy itself, so it is recognised through ``sys.modules``, and pyvsag works without
scipy installed.
"""

from __future__ import annotations

import enum
import sys
from typing import Any, List, NamedTuple, Optional, Sequence

import numpy as np

from .errors import InvalidArgumentError

__all__ = ["SparseRows", "as_sparse", "SearchResult", "Explanation", "Reason", "path_list"]

_UINT32_LIMIT = 1 << 32


class Reason(str, enum.Enum):
    """Reason tells what became of an expected label of :meth:`pyvsag.Index.search` (it is a
    ``str``: ``Reason.FOUND == "found"``)."""

    FOUND = "found"
    """the label is in the result"""
    ABSENT = "absent"
    """the label is not live in the index"""
    FILTERED = "filtered"
    """the filter, the bitset or the attribute expression excludes it"""
    BEYOND_K = "beyond_k"
    """it is farther than the last result (k-th, radius or limited_size): an exact search would
    not return it either"""
    NOT_REACHED = "not_reached"
    """an exact search would return it; the index's search did not reach it (raise ef_search)"""

    def __str__(self) -> str:
        return self.value


# vsag_search_reason_t numbering
_REASONS = [Reason.FOUND, Reason.ABSENT, Reason.FILTERED, Reason.BEYOND_K, Reason.NOT_REACHED]


def reason_of(code: int) -> Reason:
    """reason_of maps a vsag_search_reason_t code to its Reason."""
    return _REASONS[code]


class Explanation(NamedTuple):
    """Explanation is the fate of one expected label: its reason and its distance to the query
    (NaN when the label is absent or its distance cannot be measured)."""

    label: int
    reason: Reason
    distance: float


class SearchResult(NamedTuple):
    """SearchResult is the answer of :meth:`pyvsag.Index.search`.

    Attributes:
        ids: int64 labels, ascending by distance (only real results, no padding).
        distances: float32 distances, parallel to ids.
        extra_infos: for indexes created with ``extra_info_size``, a uint8 array of shape
            (len(ids), extra_info_size) with each result's extra info; None otherwise.
        expected: when ``expected_labels`` were given, one :class:`Explanation` per label in
            their order; None otherwise.
    """

    ids: np.ndarray
    distances: np.ndarray
    extra_infos: Optional[np.ndarray] = None
    expected: Optional[List[Explanation]] = None


class SparseRows(NamedTuple):
    """SparseRows are CSR rows ready for the library: int64 indptr (nrows + 1 entries), uint32
    term ids and float32 weights (nnz entries each), all C-contiguous."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray

    @property
    def nrows(self) -> int:
        return self.indptr.size - 1

    @property
    def nnz(self) -> int:
        return self.indices.size

    def row(self, i: int, op: str) -> "tuple[np.ndarray, np.ndarray]":
        """row returns the term ids and weights of row i, refusing offsets that would reach
        outside the arrays (the full checks are the library's)."""
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        if not 0 <= lo <= hi <= self.nnz:
            raise InvalidArgumentError(
                f"sparse row {i}: offsets {lo}..{hi} do not lie within the {self.nnz} term ids "
                "(indptr must start at 0, never decrease and end at nnz)", operation=op)
        return self.indices[lo:hi], self.values[lo:hi]


def _is_scipy_sparse(x: Any) -> bool:
    sp = sys.modules.get("scipy.sparse")
    return sp is not None and bool(sp.issparse(x))


def is_sparse(x: Any) -> bool:
    """is_sparse tells whether x is a scipy.sparse matrix or array, or a tuple
    ``(indptr, indices, values)`` of 1-D arrays with integer indptr and indices and real values.
    """
    if _is_scipy_sparse(x):
        return True
    if not isinstance(x, tuple) or len(x) != 3:
        return False
    try:
        parts = [np.asarray(p) for p in x]
    except (TypeError, ValueError):
        return False
    return (all(p.ndim == 1 for p in parts) and parts[0].dtype.kind in "iu"
            and parts[1].dtype.kind in "iu" and parts[2].dtype.kind in "iuf"
            and parts[0].size >= 1)


def as_sparse(x: Any, what: str, op: str) -> Optional[SparseRows]:
    """as_sparse returns x as SparseRows when it is sparse input (see is_sparse), None
    otherwise. Term ids must lie in [0, 2^32) and indices and values must have the same length;
    the rest (sorted, unique term ids, offsets that add up, finite weights) is checked by the
    library."""
    if not is_sparse(x):
        return None
    if _is_scipy_sparse(x):
        m = x.tocsr()
        indptr, indices, values = m.indptr, m.indices, m.data
    else:
        indptr, indices, values = (np.asarray(p) for p in x)
        if indptr.dtype.kind not in "iu" or indices.dtype.kind not in "iu":
            raise InvalidArgumentError(f"{what}: indptr and indices must be integer arrays",
                                       operation=op)
    indptr = np.asarray(indptr)
    if indptr.dtype.kind == "u" and indptr.size and int(indptr.max()) >= 1 << 63:
        raise InvalidArgumentError(f"{what}: indptr values beyond int64", operation=op)
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    indices = np.asarray(indices)
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= _UINT32_LIMIT):
        raise InvalidArgumentError(f"{what}: term ids must lie in [0, 2^32)", operation=op)
    indices = np.ascontiguousarray(indices, dtype=np.uint32)
    values = np.asarray(values)
    if values.dtype.kind not in "iuf":
        raise InvalidArgumentError(f"{what}: values must be real numbers, got {values.dtype}",
                                   operation=op)
    with np.errstate(over="ignore"):
        values = np.ascontiguousarray(values, dtype=np.float32)
    if indices.ndim != 1 or values.ndim != 1 or indptr.ndim != 1:
        raise InvalidArgumentError(f"{what}: indptr, indices and values must be 1-D",
                                   operation=op)
    if indices.size != values.size:
        raise InvalidArgumentError(f"{what}: {indices.size} term ids but {values.size} values",
                                   operation=op)
    if indptr.size < 1:
        raise InvalidArgumentError(f"{what}: indptr must hold num_rows + 1 offsets",
                                   operation=op)
    return SparseRows(indptr, indices, values)


def path_list(paths: Any, n: int, op: str) -> List[bytes]:
    """path_list encodes one path per row (str or bytes) for the library; the library checks
    that there is one per row and that none is empty or has an empty segment."""
    if isinstance(paths, (str, bytes)):
        raise InvalidArgumentError("paths must be a sequence with one path per row, got a "
                                   "single string", operation=op)
    try:
        items: Sequence[Any] = list(paths)
    except TypeError:
        raise InvalidArgumentError(f"paths must be a sequence of strings, got "
                                   f"{type(paths).__name__}", operation=op) from None
    out = []
    for i, p in enumerate(items):
        out.append(path_bytes(p, f"paths[{i}]", op))
    return out


def path_bytes(p: Any, what: str, op: str) -> bytes:
    """path_bytes encodes one path."""
    if isinstance(p, str):
        b = p.encode("utf-8")
    elif isinstance(p, bytes):
        b = p
    else:
        raise InvalidArgumentError(f"{what} must be a str, got {type(p).__name__}", operation=op)
    if b"\0" in b:
        raise InvalidArgumentError(f"{what} holds a NUL character", operation=op)
    return b
