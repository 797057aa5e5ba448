"""pyvsag.Index: a vector index held by libvsag.so."""

from __future__ import annotations

import ctypes
import itertools
import json
import operator
import os
import warnings
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._filter import FilterLike, _has_bool, _label, _labels, _Prepared, as_filter, with_extra_info
from ._lib import (DTYPE_SPARSE, EXPLANATION_DTYPE, SEARCH_KNN, SEARCH_RANGE, MergeUnitStruct,
                   SearchRequestStruct)
from ._lib import addr as _addr
from ._lib import check, check_error, lib
from ._paths import QueryPath, RowPaths, attach_paths, encode_paths, named_query_paths
from . import _multivector
from ._rows import Explanation, SearchResult, SparseRows, as_sparse, is_sparse, path_bytes, reason_of
from ._types import DType, Feature
from .errors import (ErrorCode, IndexEmptyError, InvalidArgumentError,
                     UnsupportedIndexOperationError, VsagError)
from ._iterator import SearchIterator
from ._resources import ProgressLike, progress_scope
from ._resources import fn as _res_fn

__all__ = ["Index"]

Parameters = Union[str, bytes, Dict[str, Any], None]
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

_EXPECTED = {
    DType.FLOAT32: "numpy.float32",
    DType.FLOAT16: "numpy.float16",
    DType.BFLOAT16: "numpy.uint16 (raw bfloat16 bits)",
    DType.INT8: "numpy.int8",
    DType.SPARSE: "numpy.float32",
}

_VECTOR_SETTERS = {
    DType.FLOAT32: "vsag_dataset_set_float32_vectors",
    DType.FLOAT16: "vsag_dataset_set_float16_vectors",
    DType.BFLOAT16: "vsag_dataset_set_bfloat16_vectors",
    DType.INT8: "vsag_dataset_set_int8_vectors",
    DType.SPARSE: "vsag_dataset_set_float32_vectors",
}

_byref = ctypes.byref
_addressof = ctypes.addressof
_from_buffer = ctypes.c_char.from_buffer  # for arrays allocated here (writable, non-empty)
_search_one = lib.vsag_index_knn_search_batch  # nq = 1 runs on the calling thread
_I64 = np.dtype(np.int64)
_F32 = np.dtype(np.float32)
_INT64_MAX = (1 << 63) - 1

# PAD_LIMIT: a result has k columns (padded with id -1 and distance +inf) for k up to this;
# a larger k is capped at the index's live count (but not below PAD_LIMIT) before anything is
# allocated, so a hostile k never sizes memory.
PAD_LIMIT = 1024

# Largest finite values of the floating types vectors may be converted to.
_FMAX = {np.dtype(np.float32): float(np.finfo(np.float32).max),
         np.dtype(np.float16): float(np.finfo(np.float16).max)}


def _params(parameters: Parameters) -> bytes:
    """_params encodes a search or create JSON given as str, bytes or dict."""
    if parameters is None:
        return b""
    if isinstance(parameters, str):
        return parameters.encode()
    if isinstance(parameters, bytes):
        return parameters
    if isinstance(parameters, dict):
        return json.dumps(parameters).encode()
    raise InvalidArgumentError(
        f"parameters must be a JSON string or a dict, got {type(parameters).__name__}")


Attributes = Optional[Sequence[Optional[Mapping[str, Any]]]]


def _json_default(value: Any) -> Any:
    """_json_default turns numpy scalars and arrays inside attributes into JSON values."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"attribute value of type {type(value).__name__} is not supported "
                    "(use int, float, str, bool or a list of one of them)")


def _attributes_json(attributes: Attributes, n: int, op: str) -> bytes:
    """_attributes_json encodes one attribute dict (or None) per row as the C ABI's JSON array."""
    if isinstance(attributes, (str, bytes, Mapping)):
        raise InvalidArgumentError("attributes must be a sequence with one dict (or None) per "
                                   "vector", operation=op)
    rows = list(attributes)  # type: ignore[arg-type]
    if len(rows) != n:
        raise InvalidArgumentError(f"attributes has {len(rows)} rows for {n} vectors",
                                   operation=op)
    for i, row in enumerate(rows):
        if row is not None and not isinstance(row, Mapping):
            raise InvalidArgumentError(f"attributes[{i}] must be a dict or None, got "
                                       f"{type(row).__name__}", operation=op)
    try:
        return json.dumps([None if r is None else dict(r) for r in rows],
                          default=_json_default, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"attributes: {exc}", operation=op) from None


def _path(filename: PathLike, what: str) -> bytes:
    try:
        return os.fsencode(filename)
    except TypeError:
        raise InvalidArgumentError(
            f"{what} must be a path, got {type(filename).__name__}") from None


def _count(value: Any, what: str, limit: int = _INT64_MAX) -> int:
    """_count reads a non-negative integer (not a bool) no larger than limit: ctypes would
    silently wrap a larger one."""
    if isinstance(value, (bool, np.bool_)):
        raise InvalidArgumentError(f"{what} must be an integer, got bool")
    try:
        n = operator.index(value)
    except TypeError:
        raise InvalidArgumentError(
            f"{what} must be an integer, got {type(value).__name__}") from None
    if n < 0:
        raise InvalidArgumentError(f"{what} must be >= 0, got {n}")
    if n > limit:
        raise InvalidArgumentError(f"{what} {n} is too large (at most {limit})")
    return n


def _limited_size(value: Any) -> int:
    """_limited_size reads range_search's cap: -1 (unlimited) or a positive integer; caps beyond
    int64 mean the same as int64's maximum."""
    if isinstance(value, (bool, np.bool_)):
        raise InvalidArgumentError("limited_size must be an integer, got bool")
    try:
        n = operator.index(value)
    except TypeError:
        raise InvalidArgumentError(
            f"limited_size must be an integer, got {type(value).__name__}") from None
    if n > _INT64_MAX:
        return _INT64_MAX
    if n < -1:
        return -2 if n < -_INT64_MAX else n  # refused by the library with its own message
    return n


def _k(k: Any) -> int:
    """_k reads k: an integer (not a bool); values beyond int64 become int64's maximum (k is
    capped at the live count anyway); the library refuses k <= 0."""
    if isinstance(k, (bool, np.bool_)):
        raise InvalidArgumentError("k must be an integer, got bool")
    try:
        k = operator.index(k)
    except TypeError:
        raise InvalidArgumentError(f"k must be an integer, got {type(k).__name__}") from None
    if k > _INT64_MAX:
        return _INT64_MAX
    if k < 0:
        return -1 if k < -_INT64_MAX else k
    return k


class Index:
    """Index is a vector index: hgraph, brute_force, ... (any type libvsag.so registers).

    The API is upstream pyvsag's (same names and argument order) plus batch search, filters and
    the rest of the engine. Errors raise :class:`pyvsag.VsagError` subclasses carrying VSAG's
    error code and the library's message.

    Arrays: vectors must have the index's element type -- numpy.float32 for ``"float32"``
    indexes (other float arrays, such as float64, are converted), numpy.float16 for
    ``"float16"``, numpy.uint16 holding raw bfloat16 bits for ``"bfloat16"`` and numpy.int8 for
    ``"int8"``; another element type raises :class:`pyvsag.InvalidArgumentError` (a
    ``ValueError``). C-contiguous arrays of the right type are passed to the library without a
    copy; other layouts (slices, transposes) and plain Python sequences are copied into a
    contiguous array first. Ids are int64 (other integer arrays and sequences are converted).
    Results are ids int64 and distances float32; distances are smaller-is-better (squared L2,
    1 - inner product, 1 - cosine).

    Threads: every method may be called from several threads at once; searches run in
    parallel (the GIL is released during every library call). Closing an index while another
    thread uses it is safe (that call finishes; later calls raise).

    Args:
        name: the index type, such as ``"hgraph"`` or ``"brute_force"``.
        parameters: the create JSON (VSAG's schema), as a string or a dict, e.g.
            ``{"dtype": "float32", "metric_type": "l2", "dim": 128, "index_param": {...}}``.
    """

    _h: Optional[int] = None

    def __init__(self, name: str, parameters: Parameters) -> None:
        if not isinstance(name, str):
            raise InvalidArgumentError(f"name must be a str, got {type(name).__name__}")
        h = ctypes.c_void_p()
        check(lib.vsag_index_make(name.encode(), _params(parameters), ctypes.byref(h)),
              "create index")
        self._attach(h.value, name)

    # ---- handle management -------------------------------------------------------------------

    @classmethod
    def _from_handle(cls, h: Optional[int]) -> "Index":
        obj = cls.__new__(cls)
        obj._attach(h, None)
        return obj

    def _attach(self, h: Optional[int], name: Optional[str]) -> None:
        self._h = h
        try:
            d = ctypes.c_int64()
            check(lib.vsag_index_get_dim(h, ctypes.byref(d)), "open index")
            t = ctypes.c_int()
            check(lib.vsag_index_get_dtype(h, ctypes.byref(t)), "open index")
            self._dim = int(d.value)
            self._dtype = DType(t.value)
            # the element type of dense rows in calls: a sparse index gets them as float32 and
            # refuses them itself, naming what it takes
            self._dt = int(DType.FLOAT32 if self._dtype is DType.SPARSE else t.value)
            self._np = self._dtype.numpy_dtype
            self._name = name if name is not None else self._string(lib.vsag_index_get_name)
        except BaseException:
            self.close()
            raise

    def _handle(self) -> int:
        h = self._h
        if h is None:
            raise InvalidArgumentError("the index is closed")
        return h

    def close(self) -> None:
        """close releases the index. Later calls raise; closing twice is harmless.

        Also done by ``with Index(...) as index:`` and when the object is garbage collected.
        """
        h, self._h = self._h, None
        if h is not None:
            lib.vsag_index_close(h)

    @property
    def closed(self) -> bool:
        """closed tells whether close() was called."""
        return self._h is None

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may already be gone
            pass

    def __reduce__(self) -> Any:
        # Pickling serializes the index (e.g. to send it to another process).
        return (type(self).from_bytes, (self.serialize(),))

    def __repr__(self) -> str:
        if self._h is None:
            return "<pyvsag.Index (closed)>"
        return (f"<pyvsag.Index {self._name} dim={self._dim} dtype={self._dtype.json_name} "
                f"num_elements={self.get_num_elements()}>")

    def __len__(self) -> int:
        return self.get_num_elements()

    def __contains__(self, label: object) -> bool:
        try:
            lab = _label(label, "label")
        except InvalidArgumentError:
            return False
        return self.check_id_exist(lab)

    # ---- introspection -----------------------------------------------------------------------

    def _string(self, fn: Any) -> str:
        h = self._handle()
        n = ctypes.c_uint64()
        check(fn(h, None, 0, ctypes.byref(n)), "Index")
        buf = ctypes.create_string_buffer(n.value + 1)
        check(fn(h, buf, n.value + 1, ctypes.byref(n)), "Index")
        return buf.value.decode()

    @property
    def name(self) -> str:
        """name is the index type, such as "hgraph"."""
        return self._name

    @property
    def dim(self) -> int:
        """dim is the vector dimension."""
        return self._dim

    @property
    def dtype(self) -> str:
        """dtype is the element type of the index's vectors: "float32", "float16", "bfloat16"
        or "int8"."""
        return self._dtype.json_name

    @property
    def parameters(self) -> str:
        """parameters is the index's create JSON (also after :meth:`load_file`)."""
        return self._string(lib.vsag_index_get_parameters)

    @property
    def metric_type(self) -> str:
        """metric_type is "l2", "ip" or "cosine"."""
        return str(json.loads(self.parameters).get("metric_type", "l2"))

    def _width(self, k: int) -> int:
        """_width is the number of result columns for k: k up to PAD_LIMIT, otherwise k capped
        at the live count (not below PAD_LIMIT). Nothing is allocated from k before this."""
        if k <= PAD_LIMIT:
            return k
        return min(k, max(self.get_num_elements(), PAD_LIMIT))

    def get_num_elements(self) -> int:
        """get_num_elements returns the number of live vectors."""
        out = ctypes.c_int64()
        check(lib.vsag_index_get_num_elements(self._handle(), ctypes.byref(out)),
              "get_num_elements")
        return int(out.value)

    def get_num_removed(self) -> int:
        """get_num_removed returns the number of vectors marked removed."""
        out = ctypes.c_int64()
        check(lib.vsag_index_get_num_removed(self._handle(), ctypes.byref(out)),
              "get_num_removed")
        return int(out.value)

    def get_memory_usage(self) -> int:
        """get_memory_usage returns the bytes the index holds now."""
        out = ctypes.c_uint64()
        check(lib.vsag_index_get_memory_usage(self._handle(), ctypes.byref(out)),
              "get_memory_usage")
        return int(out.value)

    def estimate_memory(self, num_elements: int) -> int:
        """estimate_memory returns the estimated bytes this configuration needs for
        num_elements vectors."""
        out = ctypes.c_uint64()
        # the estimate saturates long before 2^64 - 1: larger counts ask the same question
        n = min(_count(num_elements, "num_elements", limit=1 << 200), (1 << 64) - 1)
        check(lib.vsag_index_estimate_memory(self._handle(), n, ctypes.byref(out)),
              "estimate_memory")
        return int(out.value)

    def check_feature(self, feature: Union[Feature, int, str]) -> bool:
        """check_feature tells whether the index supports a feature.

        Args:
            feature: a :class:`pyvsag.Feature`, its number, or its name (e.g.
                ``"SUPPORT_KNN_SEARCH"``, case-insensitive).
        """
        if isinstance(feature, str):
            try:
                feature = Feature[feature.upper()]
            except KeyError:
                raise InvalidArgumentError(f"unknown feature {feature!r}",
                                           operation="check_feature") from None
        if isinstance(feature, (bool, np.bool_)):
            raise InvalidArgumentError("feature must be a Feature, an integer or a name, got "
                                       "bool", operation="check_feature")
        try:
            number = operator.index(feature)
        except TypeError:
            raise InvalidArgumentError(f"feature must be a Feature, an integer or a name, got "
                                       f"{type(feature).__name__}",
                                       operation="check_feature") from None
        out = ctypes.c_bool()
        h = self._handle()
        if not -(1 << 31) <= number < (1 << 31):
            return False  # no such feature (and ctypes would wrap it into another number)
        check(lib.vsag_index_check_feature(h, number, ctypes.byref(out)), "check_feature")
        return bool(out.value)

    def check_id_exist(self, id: Any) -> Any:
        """check_id_exist tells whether a label is live in the index.

        Args:
            id: one label (returns bool), or an array of labels (returns a bool array).
        """
        if np.ndim(id) == 0 and not isinstance(id, range):
            out = ctypes.c_bool()
            check(lib.vsag_index_check_id_exist(self._handle(), _label(id, "id"),
                                                ctypes.byref(out)), "check_id_exist")
            return bool(out.value)
        ids = _labels(id, "id")
        res = np.zeros(ids.shape, dtype=np.bool_)
        if ids.size:
            check(lib.vsag_index_check_ids_exist(self._handle(), _addr(ids), ids.size,
                                                 _addr(res)), "check_id_exist")
        return res

    def get_min_max_id(self) -> Tuple[int, int]:
        """get_min_max_id returns (smallest, largest) live label, or (-1, -1) for an empty
        index (as upstream pyvsag)."""
        lo, hi = ctypes.c_int64(), ctypes.c_int64()
        try:
            check(lib.vsag_index_get_min_max_id(self._handle(), ctypes.byref(lo),
                                                ctypes.byref(hi)), "get_min_max_id")
        except IndexEmptyError:
            return -1, -1
        return int(lo.value), int(hi.value)

    def export_ids(self) -> np.ndarray:
        """export_ids returns every live label, ascending (int64)."""
        h = self._handle()
        n = ctypes.c_uint64()
        cap = 0
        out = np.empty(0, dtype=np.int64)
        while True:
            check(lib.vsag_index_export_ids(h, _addr(out) if cap else None, cap,
                                            ctypes.byref(n)), "export_ids")
            if n.value <= cap:
                return out[: n.value]
            cap = int(n.value) + 64  # room for concurrent inserts
            out = np.empty(cap, dtype=np.int64)

    # ---- input conversion --------------------------------------------------------------------

    def _vectors(self, x: Any, what: str) -> np.ndarray:
        """_vectors returns x as a C-contiguous array of the index's element type, without a
        copy when it already is one, converting only what converts without changing values
        (other float widths to float32 or float16, other byte orders, integers within int8's
        range for int8 indexes). Anything else raises InvalidArgumentError; nothing is ever
        reinterpreted."""
        want = self._np
        given = x
        if isinstance(x, np.ma.MaskedArray):
            if np.ma.getmask(x) is not np.ma.nomask and np.ma.getmask(x).any():
                raise InvalidArgumentError(f"{what} has masked values")
            x = np.ma.getdata(x)
        if isinstance(x, np.ndarray):
            if type(x) is not np.ndarray:
                x = np.asarray(x)  # matrix and other subclasses: the plain array
            if x.dtype == want:
                return x if x.flags.c_contiguous else np.ascontiguousarray(x)
            if x.dtype.newbyteorder("=") == want:  # the right type in the other byte order
                return np.ascontiguousarray(x, dtype=want)
            if self._dtype is DType.FLOAT32 and x.dtype.kind == "f":
                return self._narrow(x, what)
            raise InvalidArgumentError(
                f"{what} must be {_EXPECTED[self._dtype]} array for a {self.dtype} index, "
                f"got {x.dtype}")
        if isinstance(x, (str, bytes)):
            raise InvalidArgumentError(f"{what} must be an array of numbers, got "
                                       f"{type(x).__name__}")
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError, OverflowError) as exc:
            raise InvalidArgumentError(f"{what} cannot be read as {_EXPECTED[self._dtype]}: "
                                       f"{exc}") from None
        kind = arr.dtype.kind
        if isinstance(given, (list, tuple)) and kind in "iuf" and _has_bool(given):
            kind = "b"  # numpy turned bools mixed with numbers into 0/1
        if self._dtype is DType.BFLOAT16:
            if arr.dtype != want:
                raise InvalidArgumentError(
                    f"{what} must be {_EXPECTED[self._dtype]} array for a bfloat16 index, "
                    f"got {arr.dtype} (see pyvsag.float32_to_bfloat16)")
            return np.ascontiguousarray(arr)
        if kind not in "iuf":
            raise InvalidArgumentError(f"{what} cannot be read as {_EXPECTED[self._dtype]}: "
                                       f"got {'bool' if kind == 'b' else arr.dtype} values")
        if self._dtype is DType.INT8:
            if kind == "f":
                f = arr.astype(np.float64)
                if not (np.isfinite(f) & (f == np.floor(f))).all():
                    raise InvalidArgumentError(f"{what}: int8 vectors need whole numbers")
            if arr.size and (arr.min() < -128 or arr.max() > 127):
                raise InvalidArgumentError(f"{what}: values beyond int8's range [-128, 127]")
            return np.ascontiguousarray(arr, dtype=want)
        return self._narrow(arr, what)

    def _narrow(self, x: np.ndarray, what: str) -> np.ndarray:
        """_narrow converts numbers to the index's float type, refusing finite values the type
        cannot hold (they would become infinite)."""
        want = self._np
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.ascontiguousarray(x, dtype=want)
        if x.dtype.kind == "f" and x.dtype.itemsize <= want.itemsize:
            return out
        if out.size and not np.isfinite(out).all():
            src = np.asarray(x, dtype=np.float64) if x.dtype.kind != "f" else x
            over = np.isinf(out) & np.isfinite(src)
            if over.any():
                raise InvalidArgumentError(
                    f"{what}: {src[over].flat[0]!r} is beyond the range of {want} "
                    f"(largest {_FMAX[want]:g})")
        return out

    def _rows(self, vectors: Any, ids: Any, num_elements: Optional[int], dim: Optional[int],
              op: str) -> Tuple[np.ndarray, Optional[np.ndarray], int, int]:
        v = self._vectors(vectors, "vectors")
        if v.ndim not in (1, 2):
            raise InvalidArgumentError(
                f"vectors must be a 1-dimensional array or a 2-dimensional matrix, "
                f"got shape {v.shape}", operation=op)
        if dim is None:
            dim = v.shape[1] if v.ndim == 2 else self._dim
        dim = _count(dim, "dim")
        if v.ndim == 2 and v.shape[1] != dim:
            raise InvalidArgumentError(
                f"vectors second dimension ({v.shape[1]}) must equal dim ({dim})", operation=op)
        if num_elements is None:
            num_elements = v.shape[0] if v.ndim == 2 else (v.size // dim if dim else 0)
        num_elements = _count(num_elements, "num_elements")
        if v.size != num_elements * dim:
            raise InvalidArgumentError(
                f"vectors size ({v.size}) must equal num_elements * dim ({num_elements} * {dim})",
                operation=op)
        idarr = None
        if ids is not None:
            idarr = _labels(ids, "ids").reshape(-1)
            if idarr.size != num_elements:
                raise InvalidArgumentError(
                    f"ids length ({idarr.size}) must equal num_elements ({num_elements})",
                    operation=op)
        return v, idarr, num_elements, dim

    def _query(self, vector: Any, what: str, op: str) -> np.ndarray:
        q = self._vectors(vector, what)
        if q.ndim != 1:
            raise InvalidArgumentError(f"{what} must be 1-dimensional, got shape {q.shape}",
                                       operation=op)
        return q

    # ---- building ------------------------------------------------------------------------------

    def _insert(self, fn: Any, dataset_fn: Any, vectors: Any, ids: Any,
                num_elements: Optional[int], dim: Optional[int], extra_infos: Any,
                op: str, attributes: Attributes = None, vector_counts: Any = None,
                paths: RowPaths = None) -> np.ndarray:
        sparse = as_sparse(vectors, "vectors", op)
        if sparse is not None or vector_counts is not None or paths is not None:
            return self._insert_rows(dataset_fn, vectors, sparse, ids, num_elements, dim,
                                     extra_infos, op, attributes, vector_counts, paths)
        v, idarr, n, d = self._rows(vectors, ids, num_elements, dim, op)
        assert idarr is not None
        failed = np.empty(n, dtype=np.int64)
        nf = ctypes.c_uint64()
        h = self._handle()
        attrs = None if attributes is None else _attributes_json(attributes, n, op)
        if extra_infos is None:
            if attrs is None:
                rc = fn(h, _addr(v), self._dt, _addr(idarr), n, d, _addr(failed), ctypes.byref(nf))
            else:
                afn = (lib.vsag_index_build_vectors_with_attributes if op == "build"
                       else lib.vsag_index_add_vectors_with_attributes)
                rc = afn(h, _addr(v), self._dt, _addr(idarr), n, d, attrs, _addr(failed),
                         ctypes.byref(nf))
            check(rc, op)
            return failed[: nf.value].copy()
        extra, size = self._extra_infos(extra_infos, n, op)
        ds = ctypes.c_void_p()
        check(lib.vsag_dataset_make(ctypes.byref(ds)), op)
        try:
            setter = _VECTOR_SETTERS[self._dtype]
            for rc in (lib.vsag_dataset_set_num_elements(ds, n), lib.vsag_dataset_set_dim(ds, d),
                       lib.vsag_dataset_set_ids(ds, _addr(idarr)),
                       getattr(lib, setter)(ds, _addr(v)),
                       lib.vsag_dataset_set_extra_info_size(ds, size),
                       lib.vsag_dataset_set_extra_infos(ds, _addr(extra)),
                       lib.vsag_dataset_set_attributes(ds, attrs)):
                check(rc, op)
            check(dataset_fn(h, ds, _addr(failed), ctypes.byref(nf)), op)
        finally:
            lib.vsag_dataset_destroy(ds)
        return failed[: nf.value].copy()

    def _insert_rows(self, dataset_fn: Any, vectors: Any, sparse: Optional[SparseRows], ids: Any,
                     num_elements: Optional[int], dim: Optional[int], extra_infos: Any, op: str,
                     attributes: Attributes, vector_counts: Any, paths: RowPaths) -> np.ndarray:
        """_insert_rows builds or adds through a dataset handle carrying sparse rows,
        multi-vector rows or paths (with extra infos and attributes as usual)."""
        keep: List[Any] = []  # everything the dataset borrows, alive until the call returns
        counts = None
        num_vectors = 0
        if sparse is not None:
            if vector_counts is not None:
                raise InvalidArgumentError("vector_counts is for dense multi-vector rows, not "
                                           "sparse rows", operation=op)
            n, d = sparse.nrows, 0
            keep.append(sparse)
        elif vector_counts is not None:
            v = _float_matrix(vectors, "vectors", op)
            if v.ndim == 1:
                width = self._dim if dim is None else _count(dim, "dim")
                if width <= 0 or v.size % width:
                    raise InvalidArgumentError(
                        f"vectors holds {v.size} values, not a whole number of sub-vectors of "
                        f"dim {width}", operation=op)
                v = v.reshape(-1, width)
            if v.ndim != 2:
                raise InvalidArgumentError(
                    f"multi-vector rows are a 2-D array (all sub-vectors, dim), got shape "
                    f"{v.shape}", operation=op)
            if dim is not None and v.shape[1] != _count(dim, "dim"):
                raise InvalidArgumentError(f"vectors second dimension ({v.shape[1]}) must "
                                           f"equal dim ({dim})", operation=op)
            counts = _integers(vector_counts, "vector_counts", op)
            n, d, num_vectors = counts.size, v.shape[1], v.shape[0]
            keep += [v, counts]
        else:
            v, _, n, d = self._rows(vectors, None, num_elements, dim, op)
            keep.append(v)
        if num_elements is not None and _count(num_elements, "num_elements") != n:
            raise InvalidArgumentError(f"num_elements ({num_elements}) must equal the number "
                                       f"of rows ({n})", operation=op)
        idarr = _labels(ids, "ids").reshape(-1)
        if idarr.size != n:
            raise InvalidArgumentError(f"ids length ({idarr.size}) must equal the number of "
                                       f"rows ({n})", operation=op)
        attrs = None if attributes is None else _attributes_json(attributes, n, op)
        extra, size = (None, 0) if extra_infos is None else self._extra_infos(extra_infos, n, op)
        plists = None if paths is None else encode_paths(paths, n, op)
        failed = np.empty(n, dtype=np.int64)
        nf = ctypes.c_uint64()
        h = self._handle()
        ds = ctypes.c_void_p()
        check(lib.vsag_dataset_make(ctypes.byref(ds)), op)
        try:
            check(lib.vsag_dataset_set_num_elements(ds, n), op)
            check(lib.vsag_dataset_set_dim(ds, d), op)
            check(lib.vsag_dataset_set_ids(ds, _addr(idarr)), op)
            if sparse is not None:
                nnz = sparse.nnz
                check(lib.vsag_dataset_set_sparse_vectors(
                    ds, _addr(sparse.indptr), _addr(sparse.indices) if nnz else None,
                    _addr(sparse.values) if nnz else None, nnz), op)
            elif counts is not None:
                check(lib.vsag_dataset_set_float32_vectors(ds, _addr(v)), op)
                check(lib.vsag_dataset_set_vector_counts(ds, _addr(counts), num_vectors), op)
            else:
                check(getattr(lib, _VECTOR_SETTERS[self._dtype])(ds, _addr(v)), op)
            if extra is not None:
                check(lib.vsag_dataset_set_extra_info_size(ds, size), op)
                check(lib.vsag_dataset_set_extra_infos(ds, _addr(extra)), op)
            if attrs is not None:
                check(lib.vsag_dataset_set_attributes(ds, attrs), op)
            if plists is not None:
                attach_paths(ds, plists, op)
            check(dataset_fn(h, ds, _addr(failed), ctypes.byref(nf)), op)
        finally:
            lib.vsag_dataset_destroy(ds)
        del keep
        return failed[: nf.value].copy()

    @property
    def extra_info_size(self) -> int:
        """extra_info_size is the bytes of extra info stored per vector (0: none)."""
        size = getattr(self, "_extra_size", None)
        if size is None:
            size = int(json.loads(self.parameters).get("extra_info_size", 0) or 0)
            self._extra_size = size
        return size

    def _extra_infos(self, extra_infos: Any, n: int, op: str) -> Tuple[np.ndarray, int]:
        size = self.extra_info_size
        if size <= 0:
            raise InvalidArgumentError("extra_infos given, but the index was created without "
                                       "extra_info_size", operation=op)
        if isinstance(extra_infos, np.ndarray):
            arr = np.ascontiguousarray(extra_infos).reshape(-1).view(np.uint8)
        else:
            arr = np.frombuffer(memoryview(extra_infos).cast("B"), dtype=np.uint8)
        if arr.size != n * size:
            raise InvalidArgumentError(
                f"extra_infos holds {arr.size} bytes, need num_elements * extra_info_size = "
                f"{n} * {size}", operation=op)
        return arr, size

    def build(self, vectors: Any, ids: Any, num_elements: Optional[int] = None,
              dim: Optional[int] = None, extra_infos: Any = None,
              attributes: Attributes = None, *, vector_counts: Any = None,
              paths: RowPaths = None, progress: ProgressLike = None) -> np.ndarray:
        """build fills the empty index with vectors (training it first if it needs training).

        Args:
            vectors: num_elements x dim vectors, flat (num_elements * dim,) or 2-D
                (num_elements, dim), of the index's element type (see the class notes).
                Sparse rows (indexes created with ``"dtype": "sparse"``) are a
                ``scipy.sparse`` matrix (CSR, or anything ``tocsr()`` converts) or a tuple
                ``(indptr, indices, values)``: row i's term ids are
                ``indices[indptr[i]:indptr[i+1]]``, sorted ascending and unique (call
                ``sort_indices()`` / ``sum_duplicates()`` on a scipy matrix that may not be),
                with float weights in values. Multi-vector rows are all sub-vectors as one
                float32 array (total, dim) with ``vector_counts``.
            ids: num_elements int64 labels (any integer sequence, such as ``range(n)``).
            num_elements: the number of vectors (default: inferred from the arrays).
            dim: the dimension (default: the 2-D array's width, or the index's dim).
            extra_infos: for indexes created with ``extra_info_size``: that many bytes per
                vector, as bytes or a uint8 array of shape (num_elements, extra_info_size);
                required by such indexes. Stored with the vectors and saved with the index.
            attributes: one dict per vector (or None for a vector without attributes) for
                attribute filtering with ``knn_search(..., filter_expr=...)``, e.g.
                ``[{"color": "red", "price": 3, "tags": ["a", "b"]}, ...]``. Values are int,
                float, str, bool (stored as 1/0) or lists of one of these (numpy scalars and
                arrays are accepted). Only accepted vectors keep their attributes; they are
                removed, saved, loaded and cloned with them.
            vector_counts: for multi-vector documents: one count (>= 1) of sub-vectors per
                document; ``vectors`` then holds sum(vector_counts) rows of dim floats, the
                documents' sub-vectors one document after the other (the eval HDF5 format's
                ``vector_counts``).
            paths: one path per row, such as ``"tenant/shop/item"``, for pyramid indexes; for
                a pyramid index with named hierarchies, a dict from hierarchy name to one path
                per row (``{"site": [...], "category": [...]}``).
            progress: a callable ``progress(op, done, total)`` called from the library's
                threads about every 1% of the build (done of total vectors), returning False to
                cancel (honoured at the first call, before anything changes); or True for a
                bar on stderr when it is a terminal. An exception it raises cancels likewise
                and is raised again.

        Sparse rows, multi-vector rows and paths are checked by the library (unsorted or
        duplicate term ids, offsets or counts that do not add up, empty paths raise
        InvalidArgumentError naming the row, and nothing is inserted). Index types that take
        dense vectors only (hgraph, brute_force, ...) refuse them with InvalidArgumentError.

        Returns:
            The labels that could not be added (such as duplicates), int64; usually empty.
        """
        with progress_scope(self._handle(), progress):
            return self._insert(lib.vsag_index_build_vectors, lib.vsag_index_build_dataset,
                                vectors, ids, num_elements, dim, extra_infos, "build", attributes,
                                vector_counts, paths)

    def add(self, vectors: Any, ids: Any, num_elements: Optional[int] = None,
            dim: Optional[int] = None, extra_infos: Any = None,
            attributes: Attributes = None, *, vector_counts: Any = None,
            paths: RowPaths = None, progress: ProgressLike = None) -> np.ndarray:
        """add inserts vectors into the index (empty or built); arguments as :meth:`build`.

        Returns:
            The labels that could not be added (such as labels already present), int64.
        """
        with progress_scope(self._handle(), progress):
            return self._insert(lib.vsag_index_add_vectors, lib.vsag_index_add_dataset, vectors,
                                ids, num_elements, dim, extra_infos, "add", attributes,
                                vector_counts, paths)

    def train(self, vectors: Any, num_elements: Optional[int] = None,
              dim: Optional[int] = None, queries: Any = None, *,
              progress: ProgressLike = None) -> None:
        """train learns the index's quantizer state from vectors without adding them.

        Args:
            vectors, num_elements, dim: as :meth:`build`.
            queries: sample queries, (num_queries, dim) or flat, of the vectors' element type,
                for quantizers that learn from them: leanvec with ``"leanvec_training":
                "ood"`` learns its data and query matrices from the vectors and these queries
                (LeanVec-OOD). Index types without such a quantizer raise
                UnsupportedIndexOperationError. None (default): plain training.
            progress: as :meth:`build` (reports at the start and the end of the training).
        """
        v, _, n, d = self._rows(vectors, None, num_elements, dim, "train")
        if queries is None:
            with progress_scope(self._handle(), progress):
                check(lib.vsag_index_train_vectors(self._handle(), _addr(v), self._dt, n, d),
                      "train")
            return
        q, _, nq, _ = self._rows(queries, None, None, d, "train")
        check(lib.vsag_index_train_with_queries(self._handle(), _addr(v), self._dt, n,
                                                _addr(q), nq, d), "train")

    def train_with_queries(self, vectors: Any, queries: Any) -> None:
        """train_with_queries is ``train(vectors, queries=queries)``."""
        self.train(vectors, queries=queries)

    def set_leanvec_matrices(self, data_matrix: Any, query_matrix: Any = None,
                             mean: Any = None) -> None:
        """set_leanvec_matrices makes the index's leanvec quantizer use explicit LeanVec
        matrices instead of learning them. Call it on an empty, untrained index; the next
        train or build trains the rest of the quantizer with them, and save keeps them.

        Args:
            data_matrix: float array of shape (leanvec_dims, dim): row r holds the weights of
                reduced coordinate r, so a vector x is reduced to ``data_matrix @ (x - mean)``.
                SVS's matrices (:func:`pyvsag.svs.compute_leanvec_matrices`) are
                (dim, leanvec_dims): pass their transpose.
            query_matrix: the query matrix, same shape, or None for data_matrix. One matrix
                is LeanVec-ID; different matrices are LeanVec-OOD and need
                ``"leanvec_training": "ood"``.
            mean: dim values subtracted from data vectors before the reduction, or None for
                no centring.

        Raises:
            InvalidArgumentError: a shape that does not fit, NaN or infinity, different
                matrices with ``"leanvec_training": "pca"``.
            UnsupportedIndexOperationError: the index has no leanvec quantizer.
            WrongStatusError: the index is trained or holds vectors.
        """
        op = "set_leanvec_matrices"
        dm = _float_matrix(data_matrix, "data_matrix", op)
        if dm.ndim != 2 or dm.shape[1] != self._dim:
            raise InvalidArgumentError(
                f"data_matrix must have shape (leanvec_dims, dim={self._dim}), got {dm.shape}"
                + (" (SVS's (dim, leanvec_dims) matrices are passed transposed: .T)"
                   if dm.ndim == 2 and dm.shape[0] == self._dim else ""), operation=op)
        qm = None
        if query_matrix is not None:
            qm = _float_matrix(query_matrix, "query_matrix", op)
            if qm.shape != dm.shape:
                raise InvalidArgumentError(
                    f"query_matrix must have the shape of data_matrix {dm.shape}, got "
                    f"{qm.shape}", operation=op)
        mv = None
        if mean is not None:
            mv = _float_matrix(mean, "mean", op).reshape(-1)
            if mv.size != self._dim:
                raise InvalidArgumentError(f"mean must hold dim={self._dim} values, got "
                                           f"{mv.size}", operation=op)
        check(lib.vsag_index_set_leanvec_matrices(
            self._handle(), _addr(dm), None if qm is None else _addr(qm),
            None if mv is None else _addr(mv), dm.shape[0], dm.shape[1]), op)

    def remove(self, ids: Any, mode: str = "mark") -> int:
        """remove takes labels out of the index.

        Args:
            ids: one label or an array of int64 labels; absent labels are skipped.
            mode: "mark" (VSAG's MARK_REMOVE, the default) marks them removed; "force"
                (FORCE_REMOVE) takes them out and reclaims their storage for later adds,
                labels only marked removed included. "force" needs an hgraph index created
                with "support_force_remove": true (InvalidArgumentError otherwise); other index
                types raise UnsupportedIndexOperationError.

        Returns:
            The number of labels removed.
        """
        code = _REMOVE_MODES.get(mode) if isinstance(mode, str) else None
        if code is None:
            raise InvalidArgumentError(f'remove mode must be "mark" or "force", got {mode!r}',
                                       operation="remove")
        arr = _labels(ids, "ids").reshape(-1)
        out = ctypes.c_uint64()
        if code == 0:
            check(lib.vsag_index_remove_many(self._handle(), _addr(arr), arr.size,
                                             ctypes.byref(out)), "remove")
        else:
            check(lib.vsag_index_remove_with_mode(self._handle(), _addr(arr), arr.size, code,
                                                  ctypes.byref(out)), "remove")
        return int(out.value)

    def update_id(self, old_id: int, new_id: int) -> None:
        """update_id changes label old_id to new_id."""
        a = np.array([_label(old_id, "old_id")], dtype=np.int64)
        b = np.array([_label(new_id, "new_id")], dtype=np.int64)
        check_error(lib.vsag_index_update_ids(self._handle(), _addr(a), _addr(b),
                                              self._dim, 1), "update_id")

    def update_vector(self, id: int, vector: Any, force: bool = False) -> None:
        """update_vector replaces the vector of label id.

        Without force the index may refuse a vector far from the old one (VSAG's rule).
        """
        v = self._float32(self._query(vector, "vector", "update_vector"))
        fn = lib.vsag_index_update_vector_force if force else lib.vsag_index_update_vector
        check_error(fn(self._handle(), _label(id, "id"), _addr(v), v.size), "update_vector")

    def set_immutable(self) -> None:
        """set_immutable makes the index read-only: later build, add, remove and updates raise
        WrongStatusError; searches and save keep working."""
        check(lib.vsag_index_set_immutable(self._handle()), "set_immutable")

    def reset(self) -> None:
        """reset empties the index back to the state it had right after it was created: every
        vector, label, extra info and attribute is dropped and trained quantizers forget their
        training; the create parameters stay, so it can be built again. Searches running
        meanwhile finish on the old contents. An immutable index raises WrongStatusError."""
        check(lib.vsag_index_reset(self._handle()), "reset")

    def clone(self) -> "Index":
        """clone returns an independent, mutable deep copy of the index."""
        out = ctypes.c_void_p()
        check_error(lib.vsag_index_clone(self._handle(), ctypes.byref(out)), "clone")
        return Index._from_handle(out.value)

    def feedback(self, query: Any, k: int, parameters: Parameters = "",
                 global_optimum_tag_id: Optional[int] = None) -> int:
        """feedback teaches the index's conjugate graph from one query (SUPPORT_FEEDBACK: an
        "hnsw" index created with "use_conjugate_graph": true), as VSAG's Index::Feedback.

        The query is searched for k results with parameters, and the nodes the graph search
        found are linked to global_optimum_tag_id, the label of the query's true nearest
        neighbour. With None the index finds the query's true k nearest neighbours itself by an
        exact scan and links to the nearest one and to every other one the search missed. Later
        searches with "use_conjugate_graph_search" (true by default) follow these links.

        Args:
            query: one vector (dim,) of the index's element type.
            k: the number of results searched and linked (> 0).
            parameters: the search JSON (str or dict), such as {"hnsw": {"ef_search": 16}}.
            global_optimum_tag_id: the label of the query's nearest neighbour, or None.

        Returns:
            The number of edges added (edges already present are not counted).

        Raises:
            UnsupportedIndexOperationError: the index has no conjugate graph.
            InvalidArgumentError: k <= 0, a bad query or JSON, a global optimum not in the index.
        """
        op = "feedback"
        q = self._query(query, "query", op)
        opt = _INT64_MAX if global_optimum_tag_id is None else _label(global_optimum_tag_id,
                                                                       "global_optimum_tag_id")
        out = ctypes.c_uint64()
        check(lib.vsag_index_feedback(self._handle(), _addr(q), self._dt, q.size, _k(k),
                                      _params(parameters), opt, ctypes.byref(out)), op)
        return int(out.value)

    def pretrain(self, ids: Any, k: int, parameters: Parameters = "") -> int:
        """pretrain teaches the conjugate graph without queries, as VSAG's Index::Pretrain: for
        each label of ids, queries are made around its stored vector (moved 49% of the way
        towards each of its 50 nearest neighbours) and given as feedback with the label as the
        global optimum, k results searched with parameters each (about 51 searches per label).

        Returns:
            The number of edges added.

        Raises:
            UnsupportedIndexOperationError: the index has no conjugate graph.
            InvalidArgumentError: k <= 0, bad JSON, a label not in the index (nothing is added).
        """
        arr = _labels(ids, "ids").reshape(-1)
        out = ctypes.c_uint64()
        check(lib.vsag_index_pretrain(self._handle(), _addr(arr), arr.size, _k(k),
                                      _params(parameters), ctypes.byref(out)), "pretrain")
        return int(out.value)

    def export_model(self) -> "Index":
        """export_model returns a new, empty index with this index's type, parameters and
        trained model (centroids, codebooks, quantizer ranges), but none of its vectors.

        Fill copies of it (:meth:`clone`) elsewhere -- other threads, processes (pickle or
        :meth:`serialize` it) or machines -- and :meth:`merge` them back: indexes of one model
        merge without retraining or re-encoding. Index types without a model to export
        (``Feature.SUPPORT_EXPORT_MODEL``; ``"ivf"`` and ``"hgraph"`` have it) raise
        UnsupportedIndexOperationError.
        """
        out = ctypes.c_void_p()
        check_error(lib.vsag_index_export_model(self._handle(), ctypes.byref(out)),
                    "export_model")
        return Index._from_handle(out.value)

    def merge(self, units: Any, id_maps: Any = None) -> np.ndarray:
        """merge adds to this index the live vectors, extra info and attributes of other
        indexes that share its trained model (made with :meth:`export_model` from one index,
        or trained identically), without re-encoding them (``Feature.SUPPORT_MERGE_INDEX``).

        Args:
            units: a list of sources, each an :class:`Index` (its labels are kept) or a tuple
                ``(index, id_map)`` where id_map renames the source's labels: a dict
                ``{from: to}`` or two equal-length label arrays ``(from, to)`` (or a
                ``(2, n)`` array); labels the map does not name are left out, and None means
                no map. The sources are only read.
            id_maps: VSAG's form ``merge(others, id_maps)``: one map per source (or None),
                for sources given as plain indexes.

        Returns:
            The labels (as mapped) already present in this index, which were left out, as an
            int64 array (empty when everything was merged).

        Raises:
            InvalidArgumentError: a malformed unit or map (a label named twice), a closed
                index, a source of another type, dimension, metric, dtype or
                extra_info_size, one trained on another model, this index itself or one
                given twice; nothing is merged then.
            UnsupportedIndexOperationError: index types without merge.
            WrongStatusError: this index is immutable.
        """
        op = "merge"
        h = self._handle()
        if isinstance(units, (Index, str, bytes, Mapping)) or not hasattr(units, "__iter__"):
            raise InvalidArgumentError(
                f"units must be a list of Index or (Index, id_map), got "
                f"{type(units).__name__}", operation=op)
        items = list(units)
        if id_maps is not None:
            maps = list(id_maps)
            if len(maps) != len(items) or not all(isinstance(u, Index) for u in items):
                raise InvalidArgumentError(
                    f"id_maps needs one map (or None) per source Index: {len(maps)} maps for "
                    f"{len(items)} sources", operation=op)
            items = [(u, m) for u, m in zip(items, maps)]
        structs = (MergeUnitStruct * max(len(items), 1))()
        refs: List[Any] = []
        cap = 0
        for i, item in enumerate(items):
            id_map: Any = None
            if isinstance(item, Index):
                source = item
            elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Index):
                source, id_map = item
            else:
                raise InvalidArgumentError(
                    f"unit {i} must be an Index or a tuple (Index, id_map), got "
                    f"{type(item).__name__}", operation=op)
            u = structs[i]
            u.struct_size = ctypes.sizeof(MergeUnitStruct)
            u.index = source._handle()
            if id_map is not None:
                src, dst = _id_map(id_map, i)
                n = src.size
                if n == 0:  # a map that names nothing still needs non-NULL arrays
                    src = dst = np.zeros(1, dtype=_I64)
                refs.extend((src, dst))
                u.id_map_from = _addr(src)
                u.id_map_to = _addr(dst)
                u.id_map_count = n
            cap += source.get_num_elements()
        failed = np.empty(max(cap, 1), dtype=_I64)
        nf = ctypes.c_uint64()
        check(lib.vsag_index_merge(h, _byref(structs) if items else None, len(items),
                                   _addr(failed), cap, _byref(nf)), op)
        # a source that grew after it was counted may fail more labels than the buffer holds
        return failed[:min(int(nf.value), cap)].copy() if nf.value else np.empty(0, dtype=_I64)

    def tune(self, parameters: Parameters, disable_future_tuning: bool = False) -> bool:
        """tune changes how the index encodes its vectors without rebuilding its graph, as
        VSAG's ``Index::Tune`` (``Feature.SUPPORT_TUNE``; ``"hgraph"`` while it keeps a
        precise source).

        Args:
            parameters: ``{"index_param": {...}}`` as a string or dict (the whole create JSON
                may be given; its dim, dtype, metric_type and extra_info_size must be the
                index's). For hgraph the block gives ``base_quantization_type``,
                ``use_reorder``, ``precise_quantization_type``, ``store_raw_vector`` and the
                quantizer keys anew; ``max_degree``, ``ef_construction``, ``alpha``,
                ``graph_type`` and Vamana's keys cannot change. The stores whose quantizer
                changes are re-encoded from the raw vectors, else from fp32 precise or base
                codes. Raw vectors stay so the index can be tuned again.
            disable_future_tuning: drop the raw vectors (unless the block asks for
                ``store_raw_vector``) and refuse every later tune.

        Returns:
            True once applied. :attr:`parameters` then holds the tuned create JSON, and the
            index saves, loads and pickles tuned.

        Raises:
            InvalidArgumentError: bad JSON, an unknown key, a graph key that differs, a create
                key that is not the index's.
            UnsupportedIndexOperationError: index types without tuning, an index that keeps no
                precise source, or whose tuning was disabled.
            WrongStatusError: the index is immutable.
        """
        if not isinstance(disable_future_tuning, (bool, np.bool_)):
            raise InvalidArgumentError(
                f"disable_future_tuning must be a bool, got {type(disable_future_tuning).__name__}",
                operation="tune")
        check(lib.vsag_index_tune(self._handle(), _params(parameters), bool(disable_future_tuning)),
              "tune")
        return True

    def _float32(self, v: np.ndarray) -> np.ndarray:
        """_float32 widens vectors of the index's element type to float32 exactly."""
        if self._dtype is DType.BFLOAT16:
            return (v.astype(np.uint32) << 16).view(np.float32)
        return np.ascontiguousarray(v, dtype=np.float32)

    def get_vectors_by_ids(self, ids: Any) -> np.ndarray:
        """get_vectors_by_ids returns the stored vectors of labels as float32, shape
        (len(ids), dim) (normalised for "cosine"). Sparse indexes return their rows through
        :meth:`get_sparse_vectors_by_ids`."""
        if self._dtype is DType.SPARSE:
            raise UnsupportedIndexOperationError(
                f"get_vectors_by_ids: {self._name} holds sparse rows; read them with "
                "get_sparse_vectors_by_ids", operation="get_vectors_by_ids")
        arr = _labels(ids, "ids").reshape(-1)
        out = np.empty((arr.size, self._dim), dtype=np.float32)
        check_error(lib.vsag_index_get_vector_by_ids(self._handle(), _addr(arr), arr.size,
                                                     _addr(out)), "get_vectors_by_ids")
        return out

    def get_sparse_vectors_by_ids(self, ids: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """get_sparse_vectors_by_ids returns the stored rows of labels (sparse indexes, such as
        sindi) in CSR form, one row per label in order: ``(indptr, indices, values)`` as int64,
        uint32 and float32 arrays, the tuple :meth:`build` takes
        (``scipy.sparse.csr_matrix((values, indices, indptr))`` makes a matrix of it). The rows
        are what the index keeps: the whole documents with ``use_reorder``, else the stored
        postings (pruned by ``doc_prune_ratio``, quantized by ``use_quantization``). A missing
        label raises InvalidArgumentError; a dense index UnsupportedIndexOperationError."""
        op = "get_sparse_vectors_by_ids"
        arr = _labels(ids, "ids").reshape(-1)
        ds = ctypes.c_void_p()
        check(lib.vsag_index_get_sparse_vectors_by_ids(self._handle(), _addr(arr) if arr.size else None,
                                                       arr.size, ctypes.byref(ds)), op)
        try:
            off, tid, val = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
            nnz = ctypes.c_uint64()
            check(lib.vsag_dataset_get_sparse_vectors(ds, ctypes.byref(off), ctypes.byref(tid),
                                                      ctypes.byref(val), ctypes.byref(nnz)), op)
            n, m = arr.size, int(nnz.value)
            indptr = np.zeros(n + 1, dtype=np.int64)
            indices = np.empty(m, dtype=np.uint32)
            values = np.empty(m, dtype=np.float32)
            if off.value:
                ctypes.memmove(_addr(indptr), off.value, 8 * (n + 1))
            if m:
                ctypes.memmove(_addr(indices), tid.value, 4 * m)
                ctypes.memmove(_addr(values), val.value, 4 * m)
            return indptr, indices, values
        finally:
            lib.vsag_dataset_destroy(ds)

    # ---- search --------------------------------------------------------------------------------

    def knn_search(self, vector: Any, k: int, parameters: Parameters = "",
                   filter: FilterLike = None, filter_expr: Optional[str] = None,
                   *, attribute_filter_str: Optional[str] = None, path: QueryPath = None,
                   extra_info_filter: Optional[Callable[[bytes], bool]] = None,
                   vector_counts: Any = None) -> Tuple[np.ndarray, np.ndarray]:
        """knn_search finds the k nearest neighbours of one query or of a batch of queries.

        Args:
            vector: one query (dim,) or a batch (nq, dim) of the index's element type.
            k: the number of neighbours per query (>= 1; any size, see Returns).
            parameters: the search JSON as a string or dict, e.g.
                ``{"hgraph": {"ef_search": 100}}``.
            filter: labels to leave out: a boolean mask (True excludes), integer labels to
                exclude, a callable returning True to exclude (slow: one Python call per
                candidate), a :class:`pyvsag.Bitset`, or a :class:`pyvsag.Filter` (which also
                offers the keep polarity).
            filter_expr: an attribute filter expression over the ``attributes`` given to
                build/add, e.g. ``'color = "red" AND price < 10'``,
                ``'tags IN ["a", "b"] OR NOT (score >= 0.5)'`` or VSAG's
                ``'multi_in(tags, "a|b", "|")'``. Comparisons =, !=, <, <=, >, >= take a number
                or a quoted string; IN / NOT IN take a [...] list; AND, OR, NOT and parentheses
                combine them. A label is returned only when it satisfies the expression and
                ``filter`` keeps it. ``attribute_filter_str`` (VSAG's name) is an alias.
            path: the queries' path (pyramid indexes), such as ``"tenant/shop"``, or a dict
                from hierarchy name to path for an index with named hierarchies.
            extra_info_filter: a callable ``f(info: bytes) -> bool`` on a candidate's stored
                extra info (``extra_info_size`` bytes); True KEEPS the label. ANDed with
                ``filter`` and ``filter_expr``; slow like a callable filter (one Python call per
                candidate, on the library's search threads, under the GIL). Also accepted by
                :meth:`range_search`, :meth:`search` and the ``*_with_statistics`` variants.
                Raises UnsupportedIndexOperationError on an index without extra info.

        Sparse queries (sparse indexes) are a ``scipy.sparse`` matrix or a tuple
        ``(indptr, indices, values)`` as for :meth:`build`, one query per row; the results
        then have shape (rows, k). Sparse queries and queries with a path run one
        :meth:`search` per query.

        Multi-vector queries (warp and simq indexes) take ``vector_counts``: one query is a
        float32 array (sub-vectors, dim) with ``vector_counts=[n]`` (results of shape (k,)); a
        batch is the flat array of all the queries' sub-vectors with one count per query
        (results (nq, k)), as :meth:`build` takes documents. A batch runs on all cores in one
        call.

        Returns:
            (ids, distances): int64 and float32 arrays of shape (k,) for one query, (nq, k) for
            a batch, ascending by distance. When fewer than k labels qualify, the rest is
            padded with id -1 and distance +inf. A k above ``pyvsag.PAD_LIMIT`` (1024) is first
            capped at the number of live vectors (but not below 1024), so the arrays are never
            sized by a hostile k. A batch runs on all cores in one call. The arrays of one
            query are views (``owndata`` False) of a slab shared with other single-query
            results, which a kept row keeps alive (up to 256 rows of k); ``.copy()`` owns
            the memory.
        """
        if extra_info_filter is not None:
            filter = with_extra_info(filter, extra_info_filter)
        if vector_counts is not None:
            return _multivector.knn_search(self, vector, vector_counts, k, parameters, filter,
                                           filter_expr or attribute_filter_str)
        fast_prep: Optional[_Prepared] = None
        if (_knn_fast is not None and filter_expr is None and path is None
                and attribute_filter_str is None):
            # The compiled fast path (_fastpath.c): None when it does not apply or the library
            # refused the call; the general path below then converts or raises.
            if filter is None:
                r = _knn_fast(self._h, vector, k, parameters, self._dt, 0)
                if r is not None:
                    return r
            else:
                fast_prep = _prepare(filter)
                r = _knn_fast(self._h, vector, k, parameters, self._dt, fast_prep.ptr)
                fast_prep.raise_pending()
                if r is not None:
                    return r
        h = self._h
        if (type(vector) is np.ndarray and vector.dtype is self._np and vector.ndim == 1
                and type(k) is int and 0 < k <= PAD_LIMIT and filter is None and h is not None
                and filter_expr is None and attribute_filter_str is None and path is None):
            # One query of the index's element type, no filter: the library runs it on the
            # calling thread (as the Go API's Index.Search) and writes straight into the
            # arrays. Read-only or strided arrays fail the buffer import and take the
            # general path below. A query up to 4096 elements is passed as a bytes copy:
            # cheaper than a buffer import and works for any layout.
            try:
                qa = (vector.tobytes() if len(vector) <= 4096
                      else _addressof(_from_buffer(vector)))
            except (TypeError, ValueError, BufferError):
                qa = 0
            if qa:
                params = _PARAM_BYTES.get(parameters) if type(parameters) is str else None
                if params is None:
                    params = _param_bytes(parameters)
                ids, dists, ia, da = _result_row(k)
                rc = _search_one(h, qa, self._dt, 1, len(vector), k, params, None, ia, da)
                if rc:
                    check(rc, "knn_search")
                return ids, dists
        if h is None:
            self._handle()  # raises
        if attribute_filter_str is not None:
            if filter_expr is not None and filter_expr != attribute_filter_str:
                raise InvalidArgumentError("filter_expr and attribute_filter_str disagree",
                                           operation="knn_search")
            filter_expr = attribute_filter_str
            attribute_filter_str = None
        if path is not None or is_sparse(vector):
            return self._knn_by_request(vector, k, parameters, filter, filter_expr, path)
        q = vector
        if not (type(q) is np.ndarray and q.dtype == self._np and q.flags.c_contiguous):
            q = self._vectors(vector, "vector")
        k = _k(k)
        params = parameters.encode() if type(parameters) is str else _params(parameters)
        ndim = q.ndim
        if filter_expr:
            return self._knn_search_expr(q, k, params, filter, filter_expr)
        if ndim == 1:
            nq, d = 1, q.shape[0]
        elif ndim == 2:
            nq, d = q.shape
        else:
            raise InvalidArgumentError(f"vector must be 1-D or 2-D, got shape {q.shape}",
                                       operation="knn_search")
        if k > PAD_LIMIT:
            k = self._width(k)
        kk = k if k > 0 else 0
        ids = np.empty((nq, kk), dtype=_I64)
        dists = np.empty((nq, kk), dtype=_F32)
        if filter is None:
            rc = lib.vsag_index_knn_search_batch(h, _addr(q), self._dt, nq, d, k, params,
                                                 None, _addr(ids), _addr(dists))
        else:
            # The filter prepared for the fast path (when it declined) is used again.
            prep = fast_prep if fast_prep is not None else _prepare(filter)
            rc = lib.vsag_index_knn_search_batch(h, _addr(q), self._dt, nq, d, k, params,
                                                 prep.ptr, _addr(ids), _addr(dists))
            prep.raise_pending()
        if rc:
            check(rc, "knn_search")
        if ndim == 1:
            return ids[0], dists[0]
        return ids, dists

    def _knn_search_expr(self, q: np.ndarray, k: int, params: bytes, filter: FilterLike,
                         filter_expr: str) -> Tuple[np.ndarray, np.ndarray]:
        if not isinstance(filter_expr, str):
            raise InvalidArgumentError(
                f"filter_expr must be a string, got {type(filter_expr).__name__}",
                operation="knn_search")
        if q.ndim == 1:
            nq, d = 1, q.shape[0]
        elif q.ndim == 2:
            nq, d = q.shape
        else:
            raise InvalidArgumentError(f"vector must be 1-D or 2-D, got shape {q.shape}",
                                       operation="knn_search")
        if k > PAD_LIMIT:
            k = self._width(k)
        kk = k if k > 0 else 0
        ids = np.empty((nq, kk), dtype=_I64)
        dists = np.empty((nq, kk), dtype=_F32)
        prep = _prepare(filter) if filter is not None else None
        rc = lib.vsag_index_knn_search_batch_with_filter_string(
            self._handle(), _addr(q), self._dt, nq, d, k, params, filter_expr.encode(),
            prep.ptr if prep else None, _addr(ids), _addr(dists))
        if prep:
            prep.raise_pending()
        if rc:
            check(rc, "knn_search")
        if q.ndim == 1:
            return ids[0], dists[0]
        return ids, dists

    def get_extra_info_by_ids(self, ids: Any) -> np.ndarray:
        """get_extra_info_by_ids returns the extra info of labels ids as a uint8 array of shape
        (len(ids), extra_info_size). Raises for a label that does not exist, and
        UnsupportedIndexOperationError when the index was created without extra_info_size."""
        arr = _labels(ids, "ids").reshape(-1)
        size = self.extra_info_size
        out = np.empty((arr.size, size), dtype=np.uint8)
        check(lib.vsag_index_get_extra_info_by_ids(self._handle(), _addr(arr), arr.size,
                                                   _addr(out) if out.size else None),
              "get_extra_info_by_ids")
        return out

    def update_extra_info(self, ids: Any, infos: Any) -> None:
        """update_extra_info replaces the extra info of live labels.

        Args:
            ids: one label or an array of int64 labels.
            infos: len(ids) * extra_info_size bytes, row i for ids[i]: bytes-like, a 1-D uint8
                array, or a (len(ids), extra_info_size) uint8 array.

        Every label is checked first: a label that is not live, or infos of another length,
        raises InvalidArgumentError and nothing is changed. An index created without
        extra_info_size raises UnsupportedIndexOperationError, an immutable one
        WrongStatusError. It runs alongside searches and other writes.
        """
        op = "update_extra_info"
        arr = _labels(ids, "ids").reshape(-1)
        size = self.extra_info_size
        if size <= 0:
            # the library refuses it (UNSUPPORTED_INDEX_OPERATION, or WRONG_STATUS if immutable)
            check(lib.vsag_index_update_extra_info(self._handle(), _addr(arr), arr.size, None),
                  op)
            return
        if isinstance(infos, np.ndarray):
            if infos.dtype != np.uint8:
                raise InvalidArgumentError(f"infos must be a uint8 array, got dtype {infos.dtype}",
                                           operation=op)
            if infos.ndim == 2 and infos.shape != (arr.size, size):
                raise InvalidArgumentError(
                    f"infos has shape {infos.shape}, need (len(ids), extra_info_size) = "
                    f"({arr.size}, {size})", operation=op)
            if infos.ndim > 2:
                raise InvalidArgumentError(f"infos must be 1-D or 2-D, got {infos.ndim} dims",
                                           operation=op)
            buf = np.ascontiguousarray(infos).reshape(-1)
        else:
            if isinstance(infos, str) or infos is None:
                raise InvalidArgumentError(
                    f"infos must be bytes or a uint8 array, got {type(infos).__name__}",
                    operation=op)
            try:
                buf = np.frombuffer(memoryview(infos).cast("B"), dtype=np.uint8)
            except TypeError as exc:
                raise InvalidArgumentError(f"infos must be bytes or a uint8 array: {exc}",
                                           operation=op) from None
        if buf.size != arr.size * size:
            raise InvalidArgumentError(
                f"infos holds {buf.size} bytes, need len(ids) * extra_info_size = "
                f"{arr.size} * {size}", operation=op)
        check(lib.vsag_index_update_extra_info(self._handle(), _addr(arr), arr.size,
                                               _addr(buf) if buf.size else None), op)

    def get_attributes_by_ids(self, ids: Any) -> List[Optional[Dict[str, Any]]]:
        """get_attributes_by_ids returns the attributes of labels ids: one dict per label, or
        None for a label stored without attributes. Raises for a label that does not exist."""
        arr = _labels(ids, "ids").reshape(-1)
        out = ctypes.c_void_p()
        size = ctypes.c_uint64()
        check(lib.vsag_index_get_attributes(self._handle(), _addr(arr), arr.size,
                                            ctypes.byref(out), ctypes.byref(size)),
              "get_attributes_by_ids")
        try:
            text = ctypes.string_at(out.value, size.value).decode("utf-8")
        finally:
            lib.vsag_free(out)
        return json.loads(text)

    def _json_out(self, call: Any, op: str) -> Dict[str, Any]:
        """_json_out runs call(out, size) for a JSON object the library allocates, frees it and
        returns it parsed."""
        out = ctypes.c_void_p()
        size = ctypes.c_uint64()
        check(call(ctypes.byref(out), ctypes.byref(size)), op)
        try:
            text = ctypes.string_at(out.value, size.value).decode("utf-8")
        finally:
            lib.vsag_free(out)
        result: Dict[str, Any] = json.loads(text)
        return result

    def get_stats(self) -> Dict[str, Any]:
        """get_stats returns the index's statistics (VSAG's GetStats) as a dict: total_count,
        deleted_count, num_elements; the structure (hgraph: connect_components,
        maximal_component_size, in_degree_distribution, out_degree_distribution,
        average_degree, unreachable_from_entry, ...; ivf: bucket_count, bucket_num,
        bucket_radius, ...); duplicate_ratio; and, from a sample of stored vectors searched as
        queries, recall_base, self_recall, avg_distance_base, time_cost_query,
        quantization_bias_ratio, quantization_inversion_count_rate (a dict with
        ``skipped_reason`` when the index keeps nothing more precise than lossy base codes) and,
        on graphs, proximity_recall_neighbor. Multi-vector indexes (warp, simq) report their
        documents instead of sampled searches: sub_vector_count, live_sub_vector_count,
        sub_vectors_per_document, sub_vector_count_histogram, memory_usage; simq adds
        cluster_count, cluster_size, documents_per_cluster, clusters_per_document and
        representative_graph. Writes wait while it runs; searches do not.
        Raises UnsupportedIndexOperationError on index types without SUPPORT_GET_STATS."""
        h = self._handle()
        return self._json_out(lambda out, size: lib.vsag_index_get_stats(h, out, size),
                              "get_stats")

    def analyze_index_by_search(self, queries: Any, k: int,
                                parameters: Parameters = "") -> Dict[str, Any]:
        """analyze_index_by_search searches every query of queries (nq, dim) (or one query (dim,))
        for k neighbours with the search parameters, one at a time, and returns VSAG's
        AnalyzeIndexBySearch analysis as a dict: recall_query (against exact ground truth over
        the stored vectors), avg_distance_query, time_cost_query and latency_ms (mean, p50, p90,
        p99, max, in milliseconds), dist_cmp_query, hops_query, quantization_bias_ratio_query and
        quantization_inversion_count_rate_query. A k above the number of vectors is capped at
        it. Raises IndexEmptyError on an empty index."""
        op = "analyze_index_by_search"
        q = self._vectors(queries, "queries")
        if q.ndim == 1:
            q = q.reshape(1, -1)
        if q.ndim != 2:
            raise InvalidArgumentError(f"queries must be 1-D or 2-D, got shape {q.shape}",
                                       operation=op)
        nq, d = q.shape
        kk = _k(k)
        params = _params(parameters)
        h = self._handle()
        return self._json_out(
            lambda out, size: lib.vsag_index_analyze_by_search(
                h, _addr(q) if q.size else None, self._dt, nq, d, kk, params, out, size), op)

    def knn_search_with_statistics(
        self, vector: Any, k: int, parameters: Parameters = "", filter: FilterLike = None,
        *, extra_info_filter: Optional[Callable[[bytes], bool]] = None
    ) -> Tuple[np.ndarray, np.ndarray, str]:
        """knn_search_with_statistics is :meth:`knn_search` for one query that also returns the
        search statistics as a JSON string (e.g. ``{"dist_cmp": ..., "hops": ...}``)."""
        filter = with_extra_info(filter, extra_info_filter)
        q = self._query(vector, "vector", "knn_search_with_statistics")
        k = _k(k)
        prep = _prepare(filter) if filter is not None else None
        res = ctypes.c_void_p()
        rc = lib.vsag_index_knn_search_vector(self._handle(), _addr(q), self._dt,
                                              q.size, k, _params(parameters),
                                              prep.ptr if prep else None, ctypes.byref(res))
        if prep:
            prep.raise_pending()
        check(rc, "knn_search_with_statistics")
        ids, dists, stats = _take_result(res.value)
        ids, dists = _pad(ids, dists, self._width(k))
        return ids, dists, stats

    def range_search(self, point: Any, threshold: float, parameters: Parameters = "",
                     limited_size: int = -1, filter: FilterLike = None, *,
                     path: QueryPath = None,
                     extra_info_filter: Optional[Callable[[bytes], bool]] = None,
                     vector_counts: Any = None) -> Tuple[np.ndarray, np.ndarray]:
        """range_search finds every neighbour of one query within a distance threshold.

        Args:
            point: one query (dim,) of the index's element type.
            threshold: the radius, in distance units (squared L2 for "l2").
            parameters: the search JSON.
            limited_size: at most this many results (-1: unlimited; 0 is invalid); the
                nearest are kept.
            filter: labels to leave out, as for :meth:`knn_search`.
            path: the query's path (pyramid indexes): a string, or a dict from hierarchy
                name to path.

        A sparse query (sparse indexes) is a one-row ``scipy.sparse`` matrix or tuple
        ``(indptr, indices, values)``.

        Returns:
            (ids, distances), int64 and float32, ascending by distance.
        """
        filter = with_extra_info(filter, extra_info_filter)
        if vector_counts is not None:  # one multi-vector query (warp, simq): vector_counts=[n]
            return _multivector.range_search(self, point, vector_counts, threshold, parameters,
                                             limited_size, filter)
        if path is not None or is_sparse(point):
            lim = _limited_size(limited_size)
            if lim == 0:
                raise InvalidArgumentError("limited_size 0 is invalid (-1: unlimited)",
                                           operation="range_search")
            res = self.search(point, radius=threshold, parameters=parameters, filter=filter,
                              limited_size=lim, path=path)
            return res.ids, res.distances
        ids, dists, _ = self._range(point, threshold, parameters, limited_size, filter,
                                    "range_search")
        return ids, dists

    def range_search_with_statistics(
        self, point: Any, threshold: float, parameters: Parameters = "",
        limited_size: int = -1, filter: FilterLike = None,
        *, extra_info_filter: Optional[Callable[[bytes], bool]] = None
    ) -> Tuple[np.ndarray, np.ndarray, str]:
        """range_search_with_statistics is :meth:`range_search` that also returns the search
        statistics as a JSON string."""
        filter = with_extra_info(filter, extra_info_filter)
        return self._range(point, threshold, parameters, limited_size, filter,
                           "range_search_with_statistics")

    def _range(self, point: Any, threshold: float, parameters: Parameters, limited_size: int,
               filter: FilterLike, op: str) -> Tuple[np.ndarray, np.ndarray, str]:
        q = self._query(point, "point", op)
        prep = _prepare(filter) if filter is not None else None
        res = ctypes.c_void_p()
        rc = lib.vsag_index_range_search_vector(
            self._handle(), _addr(q), self._dt, q.size, float(threshold),
            _params(parameters), prep.ptr if prep else None, _limited_size(limited_size),
            ctypes.byref(res))
        if prep:
            prep.raise_pending()
        check(rc, op)
        return _take_result(res.value)

    def search(self, query: Any, k: Optional[int] = None, radius: Optional[float] = None,
               parameters: Parameters = "", filter: FilterLike = None,
               filter_expr: Optional[str] = None, limited_size: Optional[int] = None,
               bucket_ids: Any = None, expected_labels: Any = None, *,
               path: QueryPath = None, multi_vector: bool = False,
               extra_info_filter: Optional[Callable[[bytes], bool]] = None,
               vector_counts: Any = None) -> SearchResult:
        """search runs one search request (VSAG's SearchRequest): a knn search (``k``) or a
        range search (``radius``) of one query, with every filter ANDed.

        Args:
            query: one query: a 1-D vector of the index's element type; a sparse row (a one-row
                ``scipy.sparse`` matrix or a tuple ``(indptr, indices, values)``, sparse
                indexes); or, with ``multi_vector=True``, a multi-vector document as a float32
                array (sub-vectors, dim).
            k: the number of neighbours of a knn search (>= 1). Give k or radius, not both.
            radius: the distance bound of a range search (>= 0, distance units).
            parameters: the search JSON, as for :meth:`knn_search`.
            filter: labels to leave out, as for :meth:`knn_search`.
            filter_expr: an attribute filter expression, as for :meth:`knn_search`.
            limited_size: range search: at most this many results, the nearest (None, -1 or 0:
                unlimited).
            bucket_ids: the buckets an ivf index scans; other index types raise
                InvalidArgumentError.
            expected_labels: labels whose fate to explain: each comes back in
                ``result.expected`` as an :class:`pyvsag.Explanation` (label, reason,
                distance), the reason one of :class:`pyvsag.Reason`: found, absent, filtered,
                beyond_k (an exact search would not return it either) or not_reached (an
                exact search would: raise ef_search).
            path: the query's path (pyramid indexes), such as ``"tenant/shop"`` (``"a|b"``
                searches both subtrees), or, for an index with named hierarchies, a dict from
                hierarchy name to path, such as ``{"site": "s1", "category": "shoes"}`` (with
                ``"hierarchy_op"`` in the parameters when it names several).
            multi_vector: the query is a multi-vector document (see query).
            vector_counts: ``[n]`` for a multi-vector query of n sub-vectors (the same as
                multi_vector=True; n must match the query's rows).

        Returns:
            A :class:`pyvsag.SearchResult` (a named tuple ``ids, distances, extra_infos,
            expected``): the results ascending by distance, without padding (so ``ids,
            distances, *_ = index.search(...)`` unpacks them); ``extra_infos`` a uint8 array
            (len(ids), extra_info_size) for indexes created with extra_info_size, else None;
            ``expected`` the explanations when expected_labels were given, else None.
        """
        filter = with_extra_info(filter, extra_info_filter)
        op = "search"
        if vector_counts is not None:
            query, multi_vector = _multivector.one_document(self, query, vector_counts, op), True
        h = self._handle()
        req = SearchRequestStruct()
        req.struct_size = ctypes.sizeof(SearchRequestStruct)
        if (k is None) == (radius is None):
            raise InvalidArgumentError("give k (a knn search) or radius (a range search), "
                                       "not both" if k is not None else
                                       "give k (a knn search) or radius (a range search)",
                                       operation=op)
        if k is not None:
            if limited_size is not None:
                raise InvalidArgumentError("limited_size is for range searches (radius=...)",
                                           operation=op)
            kk = _k(k)
            req.mode, req.topk = SEARCH_KNN, kk
            cap = max(self._width(kk), 0)
        else:
            if isinstance(radius, (bool, np.bool_)):
                raise InvalidArgumentError("radius must be a number, got bool", operation=op)
            try:
                req.radius = float(radius)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise InvalidArgumentError(f"radius must be a number, got "
                                           f"{type(radius).__name__}", operation=op) from None
            lim = 0 if limited_size is None else _limited_size(limited_size)
            req.mode, req.limited_size = SEARCH_RANGE, lim
            cap = lim if 0 < lim <= PAD_LIMIT else 256
        refs: List[Any] = []
        self._request_query(req, query, refs, path, multi_vector, op)
        req.parameters = parameters.encode() if type(parameters) is str else _params(parameters)
        if filter_expr is not None:
            if not isinstance(filter_expr, str):
                raise InvalidArgumentError(f"filter_expr must be a string, got "
                                           f"{type(filter_expr).__name__}", operation=op)
            req.filter_expr = filter_expr.encode()
        if bucket_ids is not None:
            b = _labels(bucket_ids, "bucket_ids").reshape(-1)
            refs.append(b)
            req.bucket_ids = _addr(b) if b.size else _addr(np.zeros(1, dtype=np.int64))
            req.num_bucket_ids = b.size
        ex = None
        if expected_labels is not None:
            labels = _labels(expected_labels, "expected_labels").reshape(-1)
            refs.append(labels)
            if labels.size:
                ex = np.zeros(labels.size, dtype=EXPLANATION_DTYPE)
                req.expected_labels = _addr(labels)
                req.num_expected_labels = labels.size
        prep = _prepare(filter) if filter is not None else None
        if prep is not None:
            req.filter_spec = prep.ptr
        esize = self.extra_info_size
        count, total = ctypes.c_uint64(), ctypes.c_uint64()
        while True:
            ids = np.empty(cap, dtype=_I64)
            dists = np.empty(cap, dtype=_F32)
            extra = np.empty((cap, esize), dtype=np.uint8) if esize else None
            rc = lib.vsag_index_search_request(
                h, _byref(req), _addr(ids) if cap else None, _addr(dists) if cap else None,
                _addr(extra) if extra is not None and cap else None, cap, _byref(count),
                _byref(total), _addr(ex) if ex is not None else None)
            if prep is not None:
                prep.raise_pending()
            if rc:
                check(rc, op)
            if total.value <= cap:
                break
            cap = int(total.value)  # the buffers were too small: again with room for all
        n = int(count.value)
        expected = None
        if expected_labels is not None:
            expected = [] if ex is None else [
                Explanation(int(e["label"]), reason_of(int(e["reason"])), float(e["distance"]))
                for e in ex]
        return SearchResult(ids[:n], dists[:n], None if extra is None else extra[:n], expected)

    def _request_query(self, req: SearchRequestStruct, query: Any, refs: List[Any],
                       path: QueryPath, multi_vector: bool, op: str) -> None:
        """_request_query points req at one query (kept alive in refs)."""
        sparse = as_sparse(query, "query", op)
        if sparse is not None:
            if multi_vector:
                raise InvalidArgumentError("a sparse query is not a multi-vector document",
                                           operation=op)
            if sparse.nrows != 1:
                raise InvalidArgumentError(
                    f"search takes one query; the sparse query has {sparse.nrows} rows "
                    "(knn_search takes a batch)", operation=op)
            tids, tvals = sparse.row(0, op)
            tids, tvals = np.ascontiguousarray(tids), np.ascontiguousarray(tvals)
            refs += [tids, tvals]
            req.query_dtype = DTYPE_SPARSE
            if tids.size:
                req.query_term_ids, req.query_term_values = _addr(tids), _addr(tvals)
            req.query_nnz = tids.size
        elif multi_vector:
            v = _float_matrix(query, "query", op)
            if v.ndim != 2 or v.shape[0] == 0:
                raise InvalidArgumentError(
                    f"a multi-vector query is a 2-D float32 array (sub-vectors, dim) with at "
                    f"least one sub-vector, got shape {v.shape}", operation=op)
            refs.append(v)
            req.query, req.query_dim, req.query_vector_count = _addr(v), v.shape[1], v.shape[0]
        else:
            q = self._vectors(query, "query")
            if q.ndim != 1:
                raise InvalidArgumentError(
                    f"search takes one query vector (1-D), got shape {q.shape}: use knn_search "
                    "for a batch, or multi_vector=True for a multi-vector document",
                    operation=op)
            refs.append(q)
            req.query, req.query_dtype, req.query_dim = _addr(q), self._dt, q.size
        if isinstance(path, Mapping):
            self._named_path_query(req, refs, path, op)
        elif path is not None:
            req.query_path = path_bytes(path, "path", op)

    def _named_path_query(self, req: SearchRequestStruct, refs: List[Any],
                          path: Mapping[str, Any], op: str) -> None:
        """_named_path_query moves the dense query of req into a query dataset carrying the
        query's paths by hierarchy name (the library takes named paths from a dataset)."""
        if req.query is None or req.query_vector_count:
            raise InvalidArgumentError("a path by hierarchy name takes one dense query vector",
                                       operation=op)
        encoded = named_query_paths(path, op)
        ds = _OwnedDataset(op)
        refs += [encoded, ds]
        for rc in (lib.vsag_dataset_set_num_elements(ds.h, 1),
                   lib.vsag_dataset_set_dim(ds.h, req.query_dim),
                   getattr(lib, _VECTOR_SETTERS[self._dtype])(ds.h, req.query)):
            check(rc, op)
        attach_paths(ds.h, encoded, op)
        req.query_dataset, req.query, req.query_dim, req.query_dtype = ds.h, None, 0, 0

    def _knn_by_request(self, vector: Any, k: Any, parameters: Parameters, filter: FilterLike,
                        filter_expr: Optional[str], path: QueryPath
                        ) -> Tuple[np.ndarray, np.ndarray]:
        """_knn_by_request is knn_search for sparse queries and queries with a path: one
        search() per query, padded to k columns like knn_search."""
        op = "knn_search"
        kk = _k(k)
        sparse = as_sparse(vector, "vector", op)
        if sparse is not None:
            rows: List[Any] = []
            for i in range(sparse.nrows):
                tids, tvals = sparse.row(i, op)
                rows.append((np.array([0, tids.size], dtype=np.int64), tids, tvals))
            one = False
        else:
            q = self._vectors(vector, "vector")
            if q.ndim not in (1, 2):
                raise InvalidArgumentError(f"vector must be 1-D or 2-D, got shape {q.shape}",
                                           operation=op)
            one = q.ndim == 1
            rows = [q] if one else list(q)
        width = max(self._width(kk), 0) if kk > 0 else 0
        ids = np.full((len(rows), width), -1, dtype=_I64)
        dists = np.full((len(rows), width), np.inf, dtype=_F32)
        for i, row in enumerate(rows):
            res = self.search(row, k=kk, parameters=parameters, filter=filter,
                              filter_expr=filter_expr, path=path)
            m = min(res.ids.size, width)
            ids[i, :m], dists[i, :m] = res.ids[:m], res.distances[:m]
        if one:
            return ids[0], dists[0]
        return ids, dists

    def calc_distances_by_id(self, query: Any, ids: Any, *,
                             vector_counts: Any = None) -> np.ndarray:
        """calc_distances_by_id returns distances from queries to the stored vectors of labels
        (float32), -1 where a label is not in the index.

        Args:
            query: one query (dim,), or a batch (nq, dim) of the index's element type.
            ids: for one query, the labels (n,); for a batch, the labels of each query as an
                (nq, n) array (row i for query i), or one (n,) array used for every query.

        Returns:
            (n,) distances for one query; (nq, n) for a batch, computed in one library call
            (VSAG's BATCH_CALC_DISTANCE_BY_ID).

        Sparse queries (sparse indexes) are a ``scipy.sparse`` matrix or a tuple
        ``(indptr, indices, values)``, one query per row, as :meth:`knn_search` takes them; the
        distances (1 - inner product with the stored rows, see
        :meth:`get_sparse_vectors_by_ids`) then have shape (rows, n).

        Multi-vector queries (warp and simq indexes) take ``vector_counts`` as
        :meth:`knn_search` does: one document (sub-vectors, dim) with ``vector_counts=[n]``
        gives (n_ids,) MaxSim distances, a batch of documents (one count each) (nq, n_ids).
        """
        op = "calc_distances_by_id"
        if vector_counts is not None:
            return _multivector.calc_distances(self, query, vector_counts, ids, op)
        sparse = as_sparse(query, "query", op)
        if sparse is not None:
            return self._calc_distances_sparse(sparse, ids, op)
        q = self._vectors(query, "query")
        if q.ndim == 1:
            arr = _labels(ids, "ids").reshape(-1)
            out = np.empty(arr.size, dtype=np.float32)
            check(lib.vsag_index_calc_distance_by_ids(self._handle(), _addr(q),
                                                      self._dt, q.size, _addr(arr),
                                                      arr.size, _addr(out)), op)
            return out
        if q.ndim != 2:
            raise InvalidArgumentError(f"query must be 1-D or 2-D, got shape {q.shape}",
                                       operation=op)
        nq, d = q.shape
        arr = _label_rows(ids, nq, op)
        per = arr.shape[1]
        out = np.empty((nq, per), dtype=np.float32)
        check(lib.vsag_index_batch_calc_distance_by_ids(
            self._handle(), _addr(q), self._dt, nq, d, _addr(arr) if arr.size else None, per,
            _addr(out) if out.size else None), op)
        return out

    def _calc_distances_sparse(self, q: SparseRows, ids: Any, op: str) -> np.ndarray:
        """_calc_distances_sparse is calc_distances_by_id for sparse query rows: (rows, n)."""
        nq = q.nrows
        arr = _label_rows(ids, nq, op)
        out = np.empty(arr.shape, dtype=np.float32)
        h = self._handle()
        for i in range(nq):
            tids, tvals = q.row(i, op)
            row = arr[i]
            check(lib.vsag_index_calc_distance_by_ids_sparse(
                h, _addr(tids) if tids.size else None, _addr(tvals) if tvals.size else None,
                tids.size, _addr(row) if row.size else None, row.size,
                _addr(out[i]) if row.size else None), op)
        return out

    def cal_distance_by_id(self, query: Any, ids: Any) -> np.ndarray:
        """cal_distance_by_id is the deprecated name of :meth:`calc_distances_by_id`."""
        warnings.warn("cal_distance_by_id is deprecated; use calc_distances_by_id",
                      DeprecationWarning, stacklevel=2)
        return self.calc_distances_by_id(query, ids)

    # ---- persistence ---------------------------------------------------------------------------

    def save(self, filename: PathLike) -> None:
        """save writes the index to a file atomically (a temporary file renamed into place).
        Errors raise (unlike upstream pyvsag)."""
        check(lib.vsag_index_serialize_file(self._handle(), _path(filename, "filename")), "save")

    def load(self, filename: PathLike, *, progress: ProgressLike = None) -> None:
        """load reads a file written by :meth:`save` into this empty index, which must have
        been created with matching parameters. Errors raise (MissingFileError,
        InvalidBinaryError, InvalidArgumentError naming a mismatched field, ...).
        :meth:`load_file` instead recreates the index from the file alone. progress is as
        :meth:`build`'s, in bytes read; returning False cancels the load at any point (the
        index stays empty)."""
        with progress_scope(self._handle(), progress):
            check(lib.vsag_index_deserialize_file(self._handle(), _path(filename, "filename")),
                  "load")

    @classmethod
    def load_file(cls, filename: PathLike) -> "Index":
        """load_file recreates an index from a file, using the parameters stored in it."""
        out = ctypes.c_void_p()
        check(lib.vsag_index_load_file(_path(filename, "filename"), ctypes.byref(out)),
              "load_file")
        return cls._from_handle(out.value)

    def serialize(self) -> bytes:
        """serialize returns the index in the file format, as bytes."""
        ptr, size = ctypes.c_void_p(), ctypes.c_uint64()
        check(lib.vsag_index_serialize_buffer(self._handle(), ctypes.byref(ptr),
                                              ctypes.byref(size)), "serialize")
        try:
            return ctypes.string_at(ptr.value, size.value) if size.value else b""
        finally:
            lib.vsag_free(ptr.value)

    def deserialize(self, data: Any, *, progress: ProgressLike = None) -> None:
        """deserialize loads bytes from :meth:`serialize` into this empty index (as
        :meth:`load`)."""
        buf = np.frombuffer(data, dtype=np.uint8)
        with progress_scope(self._handle(), progress):
            check(lib.vsag_index_deserialize_buffer(self._handle(), _addr(buf), buf.size),
                  "deserialize")

    def set_memory_budget(self, nbytes: int) -> None:
        """set_memory_budget limits the bytes of the index's large slabs (code stores, graph
        adjacency, bucket lists) to nbytes (0: no limit of its own; the global budget of
        :func:`pyvsag.set_global_memory_budget` still applies). A build, add, merge or load
        beyond it raises NoEnoughMemoryError and stores nothing; searches are never refused."""
        if isinstance(nbytes, bool) or not isinstance(nbytes, int) or not 0 <= nbytes < 1 << 64:
            raise InvalidArgumentError(f"memory budget must be a non-negative integer, got {nbytes!r}",
                                       operation="set_memory_budget")
        check(_res_fn["vsag_index_set_memory_budget"](self._handle(), nbytes), "set_memory_budget")

    def get_memory_budget(self) -> int:
        """get_memory_budget returns the index's memory budget in bytes (0: none)."""
        out = ctypes.c_uint64()
        check(_res_fn["vsag_index_get_memory_budget"](self._handle(), ctypes.byref(out)),
              "get_memory_budget")
        return out.value

    def get_budgeted_memory(self) -> int:
        """get_budgeted_memory returns the bytes of the index's large slabs charged to its
        budget (part of :meth:`get_memory_usage`)."""
        out = ctypes.c_uint64()
        check(_res_fn["vsag_index_get_budgeted_memory"](self._handle(), ctypes.byref(out)),
              "get_budgeted_memory")
        return out.value

    @classmethod
    def from_bytes(cls, data: Any) -> "Index":
        """from_bytes recreates an index from bytes written by :meth:`serialize`."""
        buf = np.frombuffer(data, dtype=np.uint8)
        out = ctypes.c_void_p()
        check(lib.vsag_index_load_buffer(_addr(buf), buf.size, ctypes.byref(out)),
              "from_bytes")
        return cls._from_handle(out.value)

    def search_iterator(self, query: Any, page_size: int = 10, parameters: Parameters = "",
                        filter: FilterLike = None, *,
                        extra_info_filter: Optional[Callable[[bytes], bool]] = None
                        ) -> SearchIterator:
        """search_iterator starts an iterator search session for one query: iterating it yields
        pages ``(ids, distances)`` of ``page_size`` neighbours, each page the next ones not
        returned before, until the session has nothing more (VSAG's KnnSearch with an
        IteratorContext; ``Feature.SUPPORT_KNN_ITERATOR_FILTER_SEARCH``).

        Args:
            query: one query (dim,) of the index's element type.
            page_size: neighbours per page when iterating (``next_page(k)`` takes any size).
            parameters: the search JSON as for :meth:`knn_search`; ``ef_search`` is the window
                of each page.
            filter: as for :meth:`knn_search`; it applies to every page (a Bitset is read at
                each page, so changes between pages apply).
            extra_info_filter: as for :meth:`knn_search`.

        Returns:
            a :class:`pyvsag.SearchIterator` (also a context manager; see its guarantees).
            Index types without iterator search raise UnsupportedIndexOperationError.

        Example::

            for ids, dists in index.search_iterator(q, 10, {"hgraph": {"ef_search": 50}}):
                ...  # stop whenever enough results passed an external check
        """
        filter = with_extra_info(filter, extra_info_filter)
        q = self._query(query, "query", "search_iterator")
        prep = _prepare(filter) if filter is not None else None
        return SearchIterator(self, q, page_size, _params(parameters), prep)


def _id_map(id_map: Any, unit: int) -> Tuple[np.ndarray, np.ndarray]:
    """_id_map returns the (from, to) label arrays of a merge unit's id map: a dict, two
    equal-length label arrays or a (2, n) array."""
    what = f"unit {unit}: id_map"
    if isinstance(id_map, Mapping):
        src = _labels(list(id_map.keys()), f"{what} keys").reshape(-1)
        dst = _labels(list(id_map.values()), f"{what} values").reshape(-1)
    else:
        if isinstance(id_map, (str, bytes)) or not hasattr(id_map, "__len__") or \
                len(id_map) != 2:
            raise InvalidArgumentError(
                f"{what} must be a dict {{from: to}} or two label arrays (from, to), got "
                f"{type(id_map).__name__}", operation="merge")
        src = _labels(id_map[0], f"{what} from")
        dst = _labels(id_map[1], f"{what} to")
        if src.ndim != 1 or dst.ndim != 1 or src.size != dst.size:
            raise InvalidArgumentError(
                f"{what} must be two 1-D label arrays of one length, got shapes {src.shape} and "
                f"{dst.shape}", operation="merge")
    return np.ascontiguousarray(src), np.ascontiguousarray(dst)


def _integers(x: Any, what: str, op: str) -> np.ndarray:
    """_integers returns x as a 1-D C-contiguous int64 array of exact integers (no bools)."""
    if isinstance(x, (list, tuple)) and _has_bool(x):
        raise InvalidArgumentError(f"{what} must be integers, got a bool", operation=op)
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"{what} must be integers: {exc}", operation=op) from None
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and arr.size == 0):
        raise InvalidArgumentError(f"{what} must be integers, got dtype {arr.dtype}",
                                   operation=op)
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) >= 1 << 63:
        raise InvalidArgumentError(f"{what} holds values beyond int64", operation=op)
    return np.ascontiguousarray(arr.reshape(-1), dtype=np.int64)


def _float_matrix(x: Any, what: str, op: str) -> np.ndarray:
    """_float_matrix returns x as a C-contiguous float32 array (a copy unless it is one)."""
    try:
        return np.ascontiguousarray(x, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"{what} cannot be read as float32: {exc}",
                                   operation=op) from None


def _pad(ids: np.ndarray, dists: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """_pad extends results to k entries with id -1 and distance +inf."""
    if ids.size >= k:
        return ids, dists
    pad = k - ids.size
    return (np.concatenate([ids, np.full(pad, -1, dtype=np.int64)]),
            np.concatenate([dists, np.full(pad, np.inf, dtype=np.float32)]))


def _prepare(filter: FilterLike) -> _Prepared:
    f = as_filter(filter)
    if f is None:
        p = _Prepared()  # an empty filter keeps everything
        return p
    return f._prepare()


def _label_rows(ids: Any, nq: int, op: str) -> np.ndarray:
    """_label_rows returns the labels of nq queries as a C-contiguous int64 array (nq, n): ids
    given as one (n,) array for every query, or as one row per query."""
    arr = _labels(ids, "ids", max_ndim=2)
    if arr.ndim < 2:
        return np.ascontiguousarray(np.broadcast_to(arr.reshape(1, -1), (nq, arr.size)))
    if arr.shape[0] != nq:
        raise InvalidArgumentError(
            f"ids must have one row per query: {arr.shape[0]} rows for {nq} queries",
            operation=op)
    return arr


def _take_result(ds: Optional[int]) -> Tuple[np.ndarray, np.ndarray, str]:
    """_take_result copies a result dataset's ids, distances and statistics and destroys it."""
    try:
        n = ctypes.c_int64()
        check(lib.vsag_dataset_get_dim(ds, ctypes.byref(n)), "result")
        count = max(int(n.value), 0)
        ids = np.empty(count, dtype=np.int64)
        dists = np.empty(count, dtype=np.float32)
        if count:
            ip, dp = ctypes.c_void_p(), ctypes.c_void_p()
            check(lib.vsag_dataset_get_ids(ds, ctypes.byref(ip)), "result")
            check(lib.vsag_dataset_get_distances(ds, ctypes.byref(dp)), "result")
            if not ip.value or not dp.value:
                raise VsagError("the result holds no ids or distances", ErrorCode.INTERNAL_ERROR,
                                "result")
            ctypes.memmove(_addr(ids), ip.value, 8 * count)
            ctypes.memmove(_addr(dists), dp.value, 4 * count)
        s = ctypes.c_char_p()
        check(lib.vsag_dataset_get_statistics(ds, ctypes.byref(s)), "result")
        stats = s.value.decode() if s.value else "{}"
        return ids, dists, stats
    finally:
        lib.vsag_dataset_destroy(ds)


# remove modes by name (VSAG's RemoveMode numbering; the C constants VSAG_REMOVE_*)
_REMOVE_MODES = {"mark": 0, "force": 1, "MARK_REMOVE": 0, "FORCE_REMOVE": 1}


class _OwnedDataset:
    """_OwnedDataset is a dataset handle destroyed with the object (a search request's query
    dataset, alive until the request has run)."""

    def __init__(self, op: str) -> None:
        h = ctypes.c_void_p()
        check(lib.vsag_dataset_make(ctypes.byref(h)), op)
        self.h = h

    def __del__(self) -> None:
        if getattr(self, "h", None) is not None and self.h.value:
            lib.vsag_dataset_destroy(self.h)
            self.h = None


# ---- the single-query fast path of knn_search: encoded parameters and result rows -----------

# _PARAM_BYTES maps search parameter strings seen by knn_search to their UTF-8 encoding, and
# _DICT_PARAMS maps id(dict) to (a copy decoded from its JSON, the JSON): a query loop
# passing the same parameters encodes them once. A dict entry is used only while the dict
# still equals the copy, so a dict changed in place is encoded anew. Both are bounded.
_PARAM_BYTES: Dict[str, bytes] = {}
_DICT_PARAMS: Dict[int, Tuple[Any, bytes]] = {}
_PARAM_CACHE_MAX = 64


def _param_bytes(parameters: Parameters) -> bytes:
    """_param_bytes is _params remembering the encoding of strings and dicts (see above)."""
    if type(parameters) is dict:
        hit = _DICT_PARAMS.get(id(parameters))
        if hit is not None and hit[0] == parameters:
            return hit[1]
        enc = _params(parameters)
        if len(_DICT_PARAMS) >= _PARAM_CACHE_MAX:
            _DICT_PARAMS.clear()
        _DICT_PARAMS[id(parameters)] = (json.loads(enc), enc)
        return enc
    enc = _params(parameters)
    if type(parameters) is str and len(parameters) <= 1024:
        if len(_PARAM_BYTES) >= _PARAM_CACHE_MAX:
            _PARAM_BYTES.clear()
        _PARAM_BYTES[parameters] = enc
    return enc


class _RowSlab:
    """_RowSlab is a block of result rows of one width k: ids (int64) and distances (float32)
    for _ROWS rows, with their addresses. Each row is handed out once (itertools.count is
    atomic under the GIL, so threads never share a row); the slab lives while any of its rows
    does."""

    __slots__ = ("ids", "dists", "ia", "da", "next")

    def __init__(self, k: int) -> None:
        self.ids = np.empty(_ROWS * k, dtype=_I64)
        self.dists = np.empty(_ROWS * k, dtype=_F32)
        self.ia = _addressof(_from_buffer(self.ids))
        self.da = _addressof(_from_buffer(self.dists))
        self.next = itertools.count().__next__


# Rows per slab, and the widest k served from slabs (wider rows are allocated one by one).
_ROWS = 256
_SLAB_MAX_K = 64
_SLABS: Dict[int, _RowSlab] = {}


def _result_row(k: int) -> Tuple[np.ndarray, np.ndarray, int, int]:
    """_result_row returns new id and distance arrays of k entries for one query's results, and
    their addresses. Rows of k <= _SLAB_MAX_K are views of a slab: allocating two arrays and
    taking their addresses through ctypes costs more than the search call's crossing into the
    library."""
    if k <= _SLAB_MAX_K:
        slab = _SLABS.get(k)
        if slab is not None:
            i = slab.next()
            if i < _ROWS:
                o = i * k
                return (slab.ids[o:o + k], slab.dists[o:o + k], slab.ia + 8 * o, slab.da + 4 * o)
        slab = _RowSlab(k)
        _SLABS[k] = slab
        i = slab.next()
        o = i * k
        return (slab.ids[o:o + k], slab.dists[o:o + k], slab.ia + 8 * o, slab.da + 4 * o)
    ids = np.empty(k, dtype=_I64)
    dists = np.empty(k, dtype=_F32)
    return ids, dists, _addressof(_from_buffer(ids)), _addressof(_from_buffer(dists))


# Index.set_allocator: pyvsag/_allocator.py (the allocators and their wiring to vsag_allocator_t).
from ._allocator import index_set_allocator as _index_set_allocator  # noqa: E402

Index.set_allocator = _index_set_allocator  # type: ignore[attr-defined]
# ---- the compiled fast path of knn_search --------------------------------------------------

# _knn_fast is _fastpath.knn_search (python/pyvsag/_fastpath.c, built by `make build`), bound
# to the vsag_index_knn_search_batch of the library loaded above; None when the module is
# absent (a copy of the package without it, another interpreter) or PYVSAG_NO_FASTPATH is set.
_knn_fast: Optional[Callable[..., Any]] = None
if not os.environ.get("PYVSAG_NO_FASTPATH"):
    try:
        from . import _fastpath  # type: ignore[attr-defined]
    except ImportError:
        pass
    else:
        _fastpath.bind(ctypes.cast(_search_one, ctypes.c_void_p).value, _param_bytes)
        _knn_fast = _fastpath.knn_search
