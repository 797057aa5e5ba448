"""Data loaders: uncompressed files, LVQ and LeanVec, with SVS's names and arguments.

A loader describes where the vectors come from and how the index encodes them; the vectors are
read when an index is built. Each loader maps onto VSAG's ``index_param`` keys
(:meth:`index_param`).
"""

from __future__ import annotations

import enum
import os
from typing import Any, Dict, Optional, Union

import numpy as np

from ._common import DataType, PathLike, read_svs, read_vecs

__all__ = [
    "VectorDataLoader",
    "GraphLoader",
    "LVQStrategy",
    "LVQLoader",
    "LVQ4",
    "LVQ8",
    "LVQ4x4",
    "LVQ4x8",
    "LVQ8x8",
    "LeanVecKind",
    "LeanVecLoader",
]

def base_quantization_for(dtype: np.dtype) -> str:
    """base_quantization_for returns the codes that hold uncompressed vectors of dtype
    exactly: fp32 for float32 (and wider types, rounded to float32), fp16 for float16 and
    8-bit integers (every value of which float16 represents exactly)."""
    dt = np.dtype(dtype)
    if dt in (np.float16, np.int8, np.uint8):
        return "fp16"
    return "fp32"


class VectorDataLoader:
    """VectorDataLoader is an uncompressed vector file.

    Args:
        path: a ``.fvecs``, ``.hvecs``, ``.bvecs`` or ``.ivecs`` file (the extension decides
            the layout), a ``.bin`` file (uint32 rows and dimension, then the rows) or an SVS
            native ``.svs`` file.
        data_type: the element type of the file (:class:`DataType`); required for ``.bin``
            and ``.svs`` files, checked against the extension for ``*vecs`` files.
        dims: the expected dimension (checked when the file is read), or None.
    """

    def __init__(self, path: PathLike, data_type: Optional[DataType] = None,
                 dims: Optional[int] = None) -> None:
        self.filepath = os.fspath(path)
        self.data_type = data_type
        self.dims = dims

    def __repr__(self) -> str:
        return (f"VectorDataLoader({self.filepath!r}, {self.data_type}, "
                f"dims={self.dims})")

    def load(self) -> np.ndarray:
        """load reads the file into a C-contiguous 2-D array of its element type."""
        path = self.filepath
        if os.path.isdir(path):
            raise NotImplementedError(
                f"{path!r} is a directory: reloading a data set saved by SVS is not "
                f"available; pass the data file itself (.fvecs, .hvecs, .bvecs, .bin, .svs)")
        ext = os.path.splitext(path)[1].lower()
        want = self.data_type.numpy_dtype if self.data_type not in (None, DataType.undef) \
            else None
        if ext in (".fvecs", ".hvecs", ".bvecs", ".ivecs"):
            x = read_vecs(path)
            if want is not None and x.dtype != want:
                raise ValueError(f"{path!r} holds {x.dtype} elements, not {want}")
        elif ext in (".bin", ".svs"):
            if want is None:
                raise ValueError(f"{path!r}: pass data_type for a {ext} file")
            if ext == ".svs":
                x = read_svs(path, want)
            else:
                head = np.fromfile(path, dtype="<u4", count=2)
                if head.size < 2:
                    raise ValueError(f"{path!r}: truncated header")
                n, d = int(head[0]), int(head[1])
                x = np.fromfile(path, dtype=want, offset=8)
                if x.size != n * d:
                    raise ValueError(f"{path!r}: header says {n} x {d}, file holds {x.size} "
                                     f"elements")
                x = x.reshape(n, d)
        else:
            raise ValueError(f"{path!r}: unrecognised extension (expected .fvecs, .hvecs, "
                             f".bvecs, .ivecs, .bin or .svs)")
        if self.dims is not None and x.shape[1] != self.dims:
            raise ValueError(f"{path!r} holds {x.shape[1]} dimensions, expected {self.dims}")
        return np.ascontiguousarray(x)

    def index_param(self, dtype: np.dtype) -> Dict[str, Any]:
        """index_param returns the VSAG index_param keys of this encoding."""
        return {"base_quantization_type": base_quantization_for(dtype)}


class GraphLoader:
    """GraphLoader names the directory of a saved graph (see :meth:`Vamana.save`)."""

    def __init__(self, directory: PathLike) -> None:
        self.directory = os.fspath(directory)

    def __repr__(self) -> str:
        return f"GraphLoader({self.directory!r})"


class LVQStrategy(enum.Enum):
    """LVQStrategy is SVS's packing choice for LVQ codes; the layout here is always the
    library's own (a blocked 4-bit layout, byte-aligned 8-bit codes), so all three behave
    alike."""

    Auto = 0
    Sequential = 1
    Turbo = 2


Auto = LVQStrategy.Auto
Sequential = LVQStrategy.Sequential
Turbo = LVQStrategy.Turbo

_LVQ_NAMES = {(8, 0): "lvq8", (4, 0): "lvq4", (4, 4): "lvq4x4", (4, 8): "lvq4x8",
              (8, 8): "lvq8x8"}


def _source(datafile: Any, what: str) -> VectorDataLoader:
    if isinstance(datafile, VectorDataLoader):
        return datafile
    if isinstance(datafile, (str, bytes, os.PathLike)):
        raise NotImplementedError(
            f"{what}: reloading a compressed data set saved by SVS is not available; pass a "
            f"VectorDataLoader of the uncompressed vectors")
    raise TypeError(f"{what}: datafile must be a VectorDataLoader, got "
                    f"{type(datafile).__name__}")


class LVQLoader:
    """LVQLoader compresses the vectors of a loader with LVQ when the index is built.

    Args:
        datafile: a :class:`VectorDataLoader` of the uncompressed vectors.
        primary: bits of the primary level, 4 or 8.
        residual: bits of the residual level, 0 (one level), 4 or 8; with a residual the
            graph is searched on the primary codes and the candidates are reranked with both
            levels. Available: 8, 4, 4x4, 4x8, 8x8.
        padding: accepted for SVS's signature (codes are laid out by the library).
        strategy: accepted for SVS's signature (see :class:`LVQStrategy`).
    """

    def __init__(self, datafile: Any, primary: int, residual: int = 0, padding: int = 0,
                 strategy: LVQStrategy = LVQStrategy.Auto) -> None:
        self.source = _source(datafile, "LVQLoader")
        key = (int(primary), int(residual))
        if key not in _LVQ_NAMES:
            raise ValueError(f"LVQ with {key[0]} primary and {key[1]} residual bits is not "
                             f"available (available: 8, 4, 4x4, 4x8, 8x8)")
        self.primary_bits, self.residual_bits = key
        self.padding = int(padding)
        self.strategy = strategy
        self.dims = self.source.dims

    @property
    def quantization(self) -> str:
        """quantization is VSAG's base_quantization_type, such as "lvq4x8"."""
        return _LVQ_NAMES[(self.primary_bits, self.residual_bits)]

    def __repr__(self) -> str:
        return (f"LVQLoader({self.source!r}, primary={self.primary_bits}, "
                f"residual={self.residual_bits})")

    def load(self) -> np.ndarray:
        """load reads the uncompressed vectors."""
        return self.source.load()

    def index_param(self, dtype: np.dtype) -> Dict[str, Any]:
        """index_param returns the VSAG index_param keys of this encoding."""
        del dtype
        return {"base_quantization_type": self.quantization}


def _legacy(primary: int, residual: int, name: str) -> type:
    def __init__(self: LVQLoader, datafile: Any, padding: int = 0) -> None:
        LVQLoader.__init__(self, datafile, primary, residual, padding)

    doc = (f"{name}(datafile, padding=0) is LVQLoader(datafile, {primary}, {residual}, "
           f"padding), SVS's older name.")
    return type(name, (LVQLoader,), {"__init__": __init__, "__doc__": doc,
                                      "__module__": __name__})


LVQ4 = _legacy(4, 0, "LVQ4")
LVQ8 = _legacy(8, 0, "LVQ8")
LVQ4x4 = _legacy(4, 4, "LVQ4x4")
LVQ4x8 = _legacy(4, 8, "LVQ4x8")
LVQ8x8 = _legacy(8, 8, "LVQ8x8")


class LeanVecKind(enum.Enum):
    """LeanVecKind is the encoding of LeanVec's primary (reduced) or secondary (full)
    vectors."""

    float32 = "fp32"
    float16 = "fp16"
    lvq8 = "lvq8"
    lvq4 = "lvq4"


_SECONDARY = (LeanVecKind.float32, LeanVecKind.float16, LeanVecKind.lvq8)


def _leanvec_matrix(m: Any, leanvec_dims: int, what: str) -> np.ndarray:
    a = np.asarray(m)
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{what} must be a float array, got {a.dtype}")
    if a.ndim != 2 or a.shape[1] != leanvec_dims or a.shape[0] < leanvec_dims:
        raise ValueError(f"{what} must have shape (dimensions, leanvec_dims={leanvec_dims}) "
                         f"with dimensions >= leanvec_dims, got {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{what} holds NaN or infinity")
    return np.ascontiguousarray(a, dtype=np.float32)


class LeanVecLoader:
    """LeanVecLoader reduces the vectors of a loader with LeanVec when the index is built.

    The graph is built and searched on the reduced vectors (primary encoding); every candidate
    of the search buffer is reranked with the full vectors (secondary encoding), whose
    distances are returned. Without matrices the reduction is LeanVec-ID: the data's mean and
    its top leanvec_dims principal directions. With data_matrix (and query_matrix) the index
    uses those matrices, as SVS does: a data vector x is reduced to ``data_matrix.T @ x`` and a
    query q to ``query_matrix.T @ q``; different matrices are LeanVec-OOD (learned from sample
    queries by :func:`compute_leanvec_matrices`), one matrix (query_matrix None or equal) is
    LeanVec-ID with that matrix and no centring.

    Args:
        datafile: a :class:`VectorDataLoader` of the uncompressed vectors.
        leanvec_dims: the reduced dimension (0 < leanvec_dims <= the data's dimension).
        primary_kind: :class:`LeanVecKind` of the reduced vectors (default lvq8).
        secondary_kind: :class:`LeanVecKind` of the full vectors (default lvq8; float32,
            float16 and lvq8 are available).
        data_matrix, query_matrix: explicit LeanVec matrices of shape (dimensions,
            leanvec_dims), as :func:`compute_leanvec_matrices` returns them; query_matrix
            None means data_matrix. Checked against the data's dimension when the index is
            built.
        alignment: accepted for SVS's signature.
    """

    def __init__(self, datafile: Any, leanvec_dims: int,
                 primary_kind: LeanVecKind = LeanVecKind.lvq8,
                 secondary_kind: LeanVecKind = LeanVecKind.lvq8,
                 data_matrix: Optional[np.ndarray] = None,
                 query_matrix: Optional[np.ndarray] = None, alignment: int = 32) -> None:
        self.source = _source(datafile, "LeanVecLoader")
        self.leanvec_dims = int(leanvec_dims)
        if self.leanvec_dims <= 0:
            raise ValueError(f"leanvec_dims must be positive, got {leanvec_dims}")
        self.primary_kind = LeanVecKind(primary_kind)
        self.secondary_kind = LeanVecKind(secondary_kind)
        if self.secondary_kind not in _SECONDARY:
            raise NotImplementedError(
                f"secondary_kind {self.secondary_kind.name} is not available "
                f"(available: float32, float16, lvq8)")
        if query_matrix is not None and data_matrix is None:
            raise ValueError("query_matrix given without data_matrix")
        self.data_matrix: Optional[np.ndarray] = None
        self.query_matrix: Optional[np.ndarray] = None
        if data_matrix is not None:
            self.data_matrix = _leanvec_matrix(data_matrix, self.leanvec_dims, "data_matrix")
            if query_matrix is not None:
                qm = _leanvec_matrix(query_matrix, self.leanvec_dims, "query_matrix")
                if qm.shape != self.data_matrix.shape:
                    raise ValueError(f"query_matrix has shape {qm.shape}, data_matrix "
                                     f"{self.data_matrix.shape}")
                if not np.array_equal(qm, self.data_matrix):
                    self.query_matrix = qm
        self.alignment = int(alignment)
        self.dims = self.source.dims

    @property
    def ood(self) -> bool:
        """ood tells whether the loader holds different data and query matrices
        (LeanVec-OOD)."""
        return self.query_matrix is not None

    def __repr__(self) -> str:
        return (f"LeanVecLoader({self.source!r}, {self.leanvec_dims}, "
                f"primary_kind={self.primary_kind}, secondary_kind={self.secondary_kind})")

    def load(self) -> np.ndarray:
        """load reads the uncompressed vectors."""
        return self.source.load()

    def index_param(self, dtype: np.dtype) -> Dict[str, Any]:
        """index_param returns the VSAG index_param keys of this encoding."""
        del dtype
        return {"base_quantization_type": "leanvec", "leanvec_dims": self.leanvec_dims,
                "leanvec_primary": self.primary_kind.value,
                "leanvec_secondary": self.secondary_kind.value,
                "leanvec_training": "ood" if self.ood else "pca"}

    def prepare(self, index: Any) -> None:
        """prepare installs the loader's matrices, if any, into the empty index (a
        :class:`pyvsag.Index` created with :meth:`index_param`) before it is built."""
        if self.data_matrix is None:
            return
        if self.data_matrix.shape[0] != index.dim:
            raise ValueError(f"data_matrix has {self.data_matrix.shape[0]} rows, the data "
                             f"{index.dim} dimensions")
        index.set_leanvec_matrices(
            self.data_matrix.T, None if self.query_matrix is None else self.query_matrix.T)


Loader = Union[VectorDataLoader, LVQLoader, LeanVecLoader]
