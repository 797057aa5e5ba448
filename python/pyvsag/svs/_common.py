"""Enumerations, *vecs file input and output, recall and test data sets, as in SVS's module."""

from __future__ import annotations

import enum
import os
import struct
from typing import Any, Optional, Tuple, Union

import numpy as np

__all__ = [
    "DistanceType",
    "DataType",
    "L2",
    "MIP",
    "Cosine",
    "np_to_svs",
    "read_npy",
    "read_vecs",
    "write_vecs",
    "read_svs",
    "random_dataset",
    "generate_test_dataset",
    "k_recall_at",
]

PathLike = Union[str, "os.PathLike[str]"]


class DistanceType(enum.Enum):
    """DistanceType is the similarity of an index, with SVS's names and result conventions.

    * ``L2``: squared Euclidean distance, smaller is better (VSAG's ``"l2"``).
    * ``MIP``: maximum inner product; search returns the inner products, larger is better
      (VSAG's ``"ip"``, whose distances are ``1 - <q, x>``).
    * ``Cosine``: cosine similarity; search returns the similarities, larger is better
      (VSAG's ``"cosine"``, whose distances are ``1 - cos``).
    """

    L2 = "l2"
    MIP = "ip"
    Cosine = "cosine"

    @property
    def metric_type(self) -> str:
        """metric_type is VSAG's name of the metric."""
        return str(self.value)

    @property
    def larger_is_better(self) -> bool:
        """larger_is_better tells whether SVS reports similarities (MIP, Cosine)."""
        return self is not DistanceType.L2


L2 = DistanceType.L2
MIP = DistanceType.MIP
Cosine = DistanceType.Cosine


class DataType(enum.Enum):
    """DataType is the element type of a data set, with SVS's names."""

    uint8 = "uint8"
    uint16 = "uint16"
    uint32 = "uint32"
    uint64 = "uint64"
    int8 = "int8"
    int16 = "int16"
    int32 = "int32"
    int64 = "int64"
    float16 = "float16"
    float32 = "float32"
    float64 = "float64"
    undef = "undef"

    @property
    def numpy_dtype(self) -> np.dtype:
        """numpy_dtype is the numpy element type (``undef`` has none)."""
        if self is DataType.undef:
            raise ValueError("DataType.undef has no numpy element type")
        return np.dtype(self.value)


def np_to_svs(nptype: Any) -> DataType:
    """np_to_svs returns the :class:`DataType` of a numpy element type (ValueError if none)."""
    try:
        return DataType(np.dtype(nptype).name)
    except (TypeError, ValueError):
        raise ValueError(f"could not convert {nptype!r} to a DataType") from None


# Extension -> (element type, header elements per row as counted in that element type).
_VECS = {
    ".fvecs": np.dtype(np.float32),
    ".ivecs": np.dtype(np.uint32),
    ".bvecs": np.dtype(np.uint8),
    ".hvecs": np.dtype(np.float16),
}

_EXT_FOR = {np.dtype(v): k for k, v in (
    (".fvecs", np.float32), (".hvecs", np.float16), (".bvecs", np.uint8), (".ivecs", np.uint32))}


def _vecs_kind(filename: PathLike) -> Tuple[str, np.dtype]:
    ext = os.path.splitext(os.fspath(filename))[1].lower()
    if ext not in _VECS:
        raise ValueError(f"{os.fspath(filename)!r}: can only read .fvecs, .ivecs, .bvecs and "
                         f".hvecs files")
    return ext, _VECS[ext]


def read_npy(filename: PathLike) -> np.ndarray:
    """read_npy reads a ``.npy`` file into a C-contiguous array."""
    return np.ascontiguousarray(np.load(os.fspath(filename)))


def read_vecs(filename: PathLike) -> np.ndarray:
    """read_vecs reads a ``*vecs`` file: each row is a little-endian int32 dimension followed
    by that many elements. The extension decides the element type: ``.fvecs`` float32,
    ``.ivecs`` uint32 (as SVS), ``.bvecs`` uint8, ``.hvecs`` float16.

    Returns:
        A C-contiguous (rows, dimension) array. An empty file gives shape (0, 0).
    """
    _, dtype = _vecs_kind(filename)
    raw = np.fromfile(os.fspath(filename), dtype=np.uint8)
    if raw.size == 0:
        return np.empty((0, 0), dtype=dtype)
    if raw.size < 4:
        raise ValueError(f"{os.fspath(filename)!r}: truncated header")
    dim = int(raw[:4].view("<i4")[0])
    if dim <= 0:
        raise ValueError(f"{os.fspath(filename)!r}: bad dimension {dim}")
    row = 4 + dim * dtype.itemsize
    if raw.size % row:
        raise ValueError(f"{os.fspath(filename)!r}: {raw.size} bytes are not a whole number of "
                         f"rows of {dim} elements")
    rows = raw.reshape(-1, row)
    if np.any(rows[:, :4].copy().view("<i4").ravel() != dim):
        raise ValueError(f"{os.fspath(filename)!r}: rows of different dimensions")
    return np.ascontiguousarray(rows[:, 4:]).view(dtype.newbyteorder("<")).astype(dtype)


def write_vecs(array: np.ndarray, filename: PathLike, skip_check: bool = False) -> None:
    """write_vecs writes a 2-D array as a ``*vecs`` file.

    The extension must match the element type (``.fvecs`` float32, ``.hvecs`` float16,
    ``.bvecs`` uint8, ``.ivecs`` uint32; int32 arrays are accepted for ``.ivecs`` too) unless
    ``skip_check`` is True, which writes the array's own elements whatever the name.
    """
    arr = np.asarray(array)
    if arr.ndim != 2:
        raise ValueError(f"write_vecs needs a 2-D array, got shape {arr.shape}")
    if not skip_check:
        ext = os.path.splitext(os.fspath(filename))[1].lower()
        want = _EXT_FOR.get(arr.dtype)
        if arr.dtype == np.int32 and ext == ".ivecs":
            want = ".ivecs"
        if want is None:
            raise RuntimeError(f"unsupported dtype {arr.dtype} for a *vecs file")
        if ext != want:
            raise RuntimeError(f"expected file extension {want} for data type {arr.dtype.name}, "
                               f"got {ext or 'none'}")
    n, dim = arr.shape
    le = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    body = np.ascontiguousarray(le).view(np.uint8).reshape(n, dim * arr.dtype.itemsize)
    head = np.broadcast_to(np.array([dim], dtype="<i4").view(np.uint8), (n, 4))
    with open(os.fspath(filename), "wb") as f:
        f.write(np.hstack([head, body]).tobytes())


def read_svs(filename: PathLike, dtype: Any = np.float32) -> np.ndarray:
    """read_svs reads SVS's native data file (a 1024-byte header holding the row count and
    dimension, then the rows) as an array of dtype (not checked against the file)."""
    with open(os.fspath(filename), "rb") as f:
        head = f.read(40)
    if len(head) < 40:
        raise ValueError(f"{os.fspath(filename)!r}: truncated SVS header")
    _, _, _, _, dim = struct.unpack("<5q", head)
    if dim <= 0:
        raise ValueError(f"{os.fspath(filename)!r}: bad dimension {dim}")
    x = np.fromfile(os.fspath(filename), dtype=dtype, offset=1024)
    return np.ascontiguousarray(x.reshape(-1, dim))


def random_dataset(nvectors: int, ndims: int, dtype: Any = np.float32,
                   seed: Optional[int] = None) -> np.ndarray:
    """random_dataset draws a reproducible data set from ``numpy.random.RandomState(seed)``:
    i.i.d. standard normal values for float types, integers in [0, 100) for integer types."""
    rng = np.random.RandomState(seed=seed)
    dt = np.dtype(dtype)
    if dt in (np.float16, np.float32):
        return rng.normal(size=(nvectors, ndims)).astype(dt)
    if dt in (np.uint32, np.uint8, np.int8):
        return rng.randint(100, size=(nvectors, ndims), dtype=dt)
    raise ValueError(f"random_dataset: unhandled element type {dt}")


def exact_neighbors(data: np.ndarray, queries: np.ndarray, k: int,
                    distance: DistanceType = DistanceType.L2,
                    block: int = 1024) -> np.ndarray:
    """exact_neighbors returns the indexes (int64, shape (nq, k)) of the k best rows of data
    for each query under distance, computed exactly in float64 (ties: lower index first)."""
    x = np.asarray(data, dtype=np.float64)
    q = np.asarray(queries, dtype=np.float64)
    k = min(int(k), x.shape[0])
    if distance is DistanceType.Cosine:
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-30)
    xx = (x * x).sum(1)
    out = np.empty((q.shape[0], k), dtype=np.int64)
    for s in range(0, q.shape[0], block):
        qb = q[s:s + block]
        ip = qb @ x.T
        score = (xx[None, :] - 2 * ip) if distance is DistanceType.L2 else -ip
        out[s:s + block] = np.argsort(score, axis=1, kind="stable")[:, :k]
    return out


def generate_test_dataset(nvectors: int, nqueries: int, ndims: int, directory: PathLike,
                          data_seed: Optional[int] = None, query_seed: Optional[int] = None,
                          num_threads: int = 1, num_neighbors: int = 100,
                          distance: DistanceType = DistanceType.L2) -> None:
    """generate_test_dataset writes a test data set in the ``*vecs`` forms into directory
    (created if missing): ``data.fvecs`` (nvectors x ndims) and ``queries.fvecs`` (nqueries x
    ndims), i.i.d. standard normal float32 values from ``numpy.random.RandomState`` seeded with
    data_seed and query_seed, and ``groundtruth.ivecs``, the exact num_neighbors best vectors of
    each query under distance (computed with numpy; num_threads is accepted for SVS's
    signature).
    """
    del num_threads  # numpy's matrix product already uses the machine's BLAS threads
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    data = random_dataset(nvectors, ndims, dtype=np.float32, seed=data_seed)
    write_vecs(data, os.path.join(directory, "data.fvecs"))
    queries = random_dataset(nqueries, ndims, dtype=np.float32, seed=query_seed)
    write_vecs(queries, os.path.join(directory, "queries.fvecs"))
    gt = exact_neighbors(data, queries, num_neighbors, DistanceType(distance))
    write_vecs(gt.astype(np.uint32), os.path.join(directory, "groundtruth.ivecs"))


def k_recall_at(gt_idx: np.ndarray, result_idx: np.ndarray, k: int, at: int) -> float:
    """k_recall_at is the k-recall@at: the fraction of each query's k first ground-truth
    neighbours found among its first ``at`` results, averaged over the queries.

    Raises ValueError when k > at, when the ground truth has fewer than k columns or the
    results fewer than ``at``, or when the row counts differ.
    """
    gt = np.asarray(gt_idx)
    res = np.asarray(result_idx)
    if k > at:
        raise ValueError(f"K={k} is higher than @={at}")
    if gt.ndim != 2 or res.ndim != 2:
        raise ValueError("k_recall_at needs 2-D ground truth and results")
    if gt.shape[1] < k:
        raise ValueError(f"too few ground truth neighbors ({gt.shape[1]}) to compute "
                         f"{k}-recall")
    if res.shape[1] < at:
        raise ValueError(f"too few approximate neighbors ({res.shape[1]}) to compute "
                         f"recall@{at}")
    if gt.shape[0] != res.shape[0]:
        raise ValueError(f"ground truth has {gt.shape[0]} rows, results {res.shape[0]}")
    if gt.shape[0] == 0 or k <= 0:
        raise ValueError("k_recall_at needs at least one query and k >= 1")
    # Compare as signed 64-bit so uint32 ground truth meets uint64/int64 results.
    g = gt[:, :k].astype(np.int64)
    r = res[:, :at].astype(np.uint64).astype(np.int64) if res.dtype.kind == "u" else \
        res[:, :at].astype(np.int64)
    hits = sum(len(np.intersect1d(a, b)) for a, b in zip(g, r))
    return hits / (g.shape[0] * k)
