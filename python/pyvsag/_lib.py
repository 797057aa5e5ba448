"""Loading libvsag.so and declaring the C functions pyvsag calls (include/vsag.h).

The library is looked up in this order:

1. ``libvsag.so`` in the package directory (where ``pip install`` and ``make build`` put it);
2. the ``VSAG_LIBRARY_PATH`` environment variable: the library file itself, or a directory
   holding ``libvsag.so``;
3. the system's search path (``ld.so``: ``LD_LIBRARY_PATH``, ``/etc/ld.so.conf``, ...).

ctypes releases the GIL for the whole of every foreign call, so searches from several Python
threads run in parallel inside the library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Any, List, Tuple

import numpy as np

from .errors import UnsupportedIndexOperationError, error_for

__all__ = ["lib", "library_path", "addr", "check", "check_error", "last_error", "FilterStruct",
           "SearchRequestStruct", "MergeUnitStruct", "EXPLANATION_DTYPE"]

_LIBNAME = "libvsag.so"

c_int = ctypes.c_int
c_int64 = ctypes.c_int64
c_uint32 = ctypes.c_uint32
c_uint64 = ctypes.c_uint64
c_float = ctypes.c_float
c_bool = ctypes.c_bool
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
P = ctypes.POINTER

# vsag_filter_fn: bool (*)(int64_t id, void* ctx); returns true to KEEP the label.
FILTER_FN = ctypes.CFUNCTYPE(c_bool, c_int64, c_void_p)
# vsag_extra_info_filter_fn: bool (*)(const uint8_t* info, uint64_t size, void* ctx); returns
# true to KEEP the label whose stored extra info is info.
EXTRA_INFO_FILTER_FN = ctypes.CFUNCTYPE(c_bool, ctypes.POINTER(ctypes.c_uint8), c_uint64, c_void_p)

ERROR_MESSAGE_SIZE = 1024


class ErrorStruct(ctypes.Structure):
    """Error_t: the status of a compatibility-layer call."""

    _fields_ = [("code", c_int), ("message", ctypes.c_char * ERROR_MESSAGE_SIZE)]


class FilterStruct(ctypes.Structure):
    """vsag_filter_t: which labels a search may return (every part that is set applies)."""

    _fields_ = [
        ("struct_size", c_uint32),
        ("flags", c_uint32),
        ("bitset", c_void_p),
        ("mask", c_void_p),
        ("mask_len", c_uint64),
        ("exclude_ids", c_void_p),
        ("num_exclude_ids", c_uint64),
        ("keep", FILTER_FN),
        ("keep_ctx", c_void_p),
        ("valid_ratio", c_float),
        ("keep_extra_info", EXTRA_INFO_FILTER_FN),
        ("keep_extra_info_ctx", c_void_p),
    ]


class SearchResultStruct(ctypes.Structure):
    """SearchResult_t: caller buffers for a compatibility-layer search, and the count written."""

    _fields_ = [
        ("dists", c_void_p),
        ("ids", c_void_p),
        ("count", c_int64),
        ("other_result", c_void_p),
    ]


FILTER_MASK_KEEP = 1
FILTER_MASK_PACKED = 2

DTYPE_SPARSE = 4  # vsag_dtype_t VSAG_DTYPE_SPARSE
SEARCH_KNN = 0  # vsag_search_mode_t
SEARCH_RANGE = 1


class SearchRequestStruct(ctypes.Structure):
    """vsag_search_request_t: one search (see vsag.h); struct_size must be its sizeof."""

    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("mode", ctypes.c_int32),
        ("query_dtype", ctypes.c_int32),
        ("query", c_void_p),
        ("query_dim", c_uint64),
        ("query_vector_count", c_uint64),
        ("query_term_ids", c_void_p),
        ("query_term_values", c_void_p),
        ("query_nnz", c_uint64),
        ("query_dataset", c_void_p),
        ("query_path", c_char_p),
        ("topk", c_int64),
        ("radius", c_float),
        ("limited_size", c_int64),
        ("parameters", c_char_p),
        ("invalid", c_void_p),
        ("filter", c_void_p),
        ("filter_ctx", c_void_p),
        ("filter_spec", c_void_p),
        ("filter_expr", c_char_p),
        ("bucket_ids", c_void_p),
        ("num_bucket_ids", c_uint64),
        ("expected_labels", c_void_p),
        ("num_expected_labels", c_uint64),
    ]


class MergeUnitStruct(ctypes.Structure):
    """vsag_merge_unit_t: one source of a merge and the optional map of its labels."""

    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("index", c_void_p),
        ("id_map_from", c_void_p),
        ("id_map_to", c_void_p),
        ("id_map_count", c_uint64),
    ]


# vsag_search_explanation_t as a numpy record: the library writes an array of them in place.
EXPLANATION_DTYPE = np.dtype([("label", np.int64), ("distance", np.float32),
                              ("reason", np.int32)], align=True)

# (name, restype, argtypes). Pointers to caller buffers are c_void_p so that numpy addresses
# (plain ints) pass without conversion objects.
_PROTOTYPES: List[Tuple[str, Any, List[Any]]] = [
    ("vsag_version", c_char_p, []),
    ("vsag_version_number", c_int, []),
    ("vsag_abi_version", c_int, []),
    ("vsag_errstr", c_char_p, [c_int]),
    ("vsag_last_error", c_char_p, []),
    ("vsag_last_error_code", c_int, []),
    ("vsag_clear_last_error", None, []),
    ("vsag_free", None, [c_void_p]),
    ("vsag_set_log_level", c_int, [c_int]),
    ("vsag_get_log_level", c_int, []),
    # compatibility layer (Error_t by value)
    # The SearchResult_t* is passed as an address (c_void_p): cheaper than a checked pointer.
    (
        "vsag_index_knn_search",
        ErrorStruct,
        [c_void_p, c_void_p, c_uint64, c_int64, c_char_p, c_void_p],
    ),
    ("vsag_index_clone", ErrorStruct, [c_void_p, P(c_void_p)]),
    ("vsag_index_update_ids", ErrorStruct, [c_void_p, c_void_p, c_void_p, c_uint64, c_uint64]),
    ("vsag_index_update_vector", ErrorStruct, [c_void_p, c_int64, c_void_p, c_uint64]),
    ("vsag_index_update_vector_force", ErrorStruct, [c_void_p, c_int64, c_void_p, c_uint64]),
    ("vsag_index_get_vector_by_ids", ErrorStruct, [c_void_p, c_void_p, c_uint64, c_void_p]),
    ("vsag_index_export_model", ErrorStruct, [c_void_p, P(c_void_p)]),
    # datasets
    ("vsag_dataset_make", c_int, [P(c_void_p)]),
    ("vsag_dataset_destroy", c_int, [c_void_p]),
    ("vsag_dataset_set_owner", c_int, [c_void_p, c_bool]),
    ("vsag_dataset_set_num_elements", c_int, [c_void_p, c_int64]),
    ("vsag_dataset_set_dim", c_int, [c_void_p, c_int64]),
    ("vsag_dataset_set_ids", c_int, [c_void_p, c_void_p]),
    ("vsag_dataset_set_float32_vectors", c_int, [c_void_p, c_void_p]),
    ("vsag_dataset_set_float16_vectors", c_int, [c_void_p, c_void_p]),
    ("vsag_dataset_set_bfloat16_vectors", c_int, [c_void_p, c_void_p]),
    ("vsag_dataset_set_int8_vectors", c_int, [c_void_p, c_void_p]),
    ("vsag_dataset_set_extra_info_size", c_int, [c_void_p, c_int64]),
    ("vsag_dataset_set_extra_infos", c_int, [c_void_p, c_void_p]),
    ("vsag_dataset_get_dim", c_int, [c_void_p, P(c_int64)]),
    ("vsag_dataset_get_num_elements", c_int, [c_void_p, P(c_int64)]),
    ("vsag_dataset_get_ids", c_int, [c_void_p, P(c_void_p)]),
    ("vsag_dataset_get_distances", c_int, [c_void_p, P(c_void_p)]),
    ("vsag_dataset_get_statistics", c_int, [c_void_p, P(c_char_p)]),
    # bitsets
    ("vsag_bitset_make", c_int, [P(c_void_p)]),
    ("vsag_bitset_destroy", c_int, [c_void_p]),
    ("vsag_bitset_set", c_int, [c_void_p, c_int64, c_bool]),
    ("vsag_bitset_set_many", c_int, [c_void_p, c_void_p, c_uint64, c_bool]),
    ("vsag_bitset_test", c_int, [c_void_p, c_int64, P(c_bool)]),
    ("vsag_bitset_count", c_int, [c_void_p, P(c_uint64)]),
    ("vsag_bitset_clear", c_int, [c_void_p]),
    # indexes
    ("vsag_index_make", c_int, [c_char_p, c_char_p, P(c_void_p)]),
    ("vsag_index_close", c_int, [c_void_p]),
    ("vsag_index_build_dataset", c_int, [c_void_p, c_void_p, c_void_p, P(c_uint64)]),
    ("vsag_index_add_dataset", c_int, [c_void_p, c_void_p, c_void_p, P(c_uint64)]),
    ("vsag_index_remove", c_int, [c_void_p, c_int64, P(c_uint32)]),
    ("vsag_index_serialize_file", c_int, [c_void_p, c_char_p]),
    ("vsag_index_deserialize_file", c_int, [c_void_p, c_char_p]),
    ("vsag_index_serialize_buffer", c_int, [c_void_p, P(c_void_p), P(c_uint64)]),
    ("vsag_index_deserialize_buffer", c_int, [c_void_p, c_void_p, c_uint64]),
    ("vsag_index_get_num_elements", c_int, [c_void_p, P(c_int64)]),
    ("vsag_index_get_memory_usage", c_int, [c_void_p, P(c_uint64)]),
    # batch and introspection extensions
    (
        "vsag_index_build_vectors",
        c_int,
        [c_void_p, c_void_p, c_int, c_void_p, c_uint64, c_uint64, c_void_p, P(c_uint64)],
    ),
    (
        "vsag_index_add_vectors",
        c_int,
        [c_void_p, c_void_p, c_int, c_void_p, c_uint64, c_uint64, c_void_p, P(c_uint64)],
    ),
    ("vsag_index_train_vectors", c_int, [c_void_p, c_void_p, c_int, c_uint64, c_uint64]),
    (
        "vsag_index_train_with_queries",
        c_int,
        [c_void_p, c_void_p, c_int, c_uint64, c_void_p, c_uint64, c_uint64],
    ),
    (
        "vsag_index_set_leanvec_matrices",
        c_int,
        [c_void_p, c_void_p, c_void_p, c_void_p, c_uint64, c_uint64],
    ),
    ("vsag_index_remove_many", c_int, [c_void_p, c_void_p, c_uint64, P(c_uint64)]),
    ("vsag_index_remove_with_mode", c_int, [c_void_p, c_void_p, c_uint64, c_int, P(c_uint64)]),
    (
        "vsag_index_knn_search_batch",
        c_int,
        [c_void_p, c_void_p, c_int, c_uint64, c_uint64, c_int64, c_char_p, c_void_p, c_void_p,
         c_void_p],
    ),
    (
        "vsag_index_range_search_vector",
        c_int,
        [c_void_p, c_void_p, c_int, c_uint64, c_float, c_char_p, c_void_p, c_int64,
         P(c_void_p)],
    ),
    (
        "vsag_index_knn_search_vector",
        c_int,
        [c_void_p, c_void_p, c_int, c_uint64, c_int64, c_char_p, c_void_p, P(c_void_p)],
    ),
    (
        "vsag_index_calc_distance_by_ids",
        c_int,
        [c_void_p, c_void_p, c_int, c_uint64, c_void_p, c_uint64, c_void_p],
    ),
    (
        "vsag_index_batch_calc_distance_by_ids",
        c_int,
        [c_void_p, c_void_p, c_int, c_uint64, c_uint64, c_void_p, c_uint64, c_void_p],
    ),
    ("vsag_index_check_feature", c_int, [c_void_p, c_int, P(c_bool)]),
    (
        "vsag_index_feedback",
        c_int,
        [c_void_p, c_void_p, c_int, c_uint64, c_int64, c_char_p, c_int64, P(c_uint64)],
    ),
    ("vsag_index_pretrain", c_int, [c_void_p, c_void_p, c_uint64, c_int64, c_char_p, P(c_uint64)]),
    ("vsag_index_estimate_memory", c_int, [c_void_p, c_uint64, P(c_uint64)]),
    ("vsag_index_check_id_exist", c_int, [c_void_p, c_int64, P(c_bool)]),
    ("vsag_index_check_ids_exist", c_int, [c_void_p, c_void_p, c_uint64, c_void_p]),
    ("vsag_index_get_min_max_id", c_int, [c_void_p, P(c_int64), P(c_int64)]),
    ("vsag_index_get_num_removed", c_int, [c_void_p, P(c_int64)]),
    ("vsag_index_get_dim", c_int, [c_void_p, P(c_int64)]),
    ("vsag_index_get_dtype", c_int, [c_void_p, P(c_int)]),
    ("vsag_index_get_name", c_int, [c_void_p, c_void_p, c_uint64, P(c_uint64)]),
    ("vsag_index_get_parameters", c_int, [c_void_p, c_void_p, c_uint64, P(c_uint64)]),
    ("vsag_index_export_ids", c_int, [c_void_p, c_void_p, c_uint64, P(c_uint64)]),
    ("vsag_index_set_immutable", c_int, [c_void_p]),
    ("vsag_index_reset", c_int, [c_void_p]),
    ("vsag_index_load_file", c_int, [c_char_p, P(c_void_p)]),
    ("vsag_index_load_buffer", c_int, [c_void_p, c_uint64, P(c_void_p)]),
    # extra info and attributes
    ("vsag_index_get_extra_info_by_ids", c_int, [c_void_p, c_void_p, c_uint64, c_void_p]),
    ("vsag_index_update_extra_info", c_int, [c_void_p, c_void_p, c_uint64, c_void_p]),
    ("vsag_dataset_set_attributes", c_int, [c_void_p, c_char_p]),
    (
        "vsag_index_build_vectors_with_attributes",
        c_int,
        [c_void_p, c_void_p, c_int, c_void_p, c_uint64, c_uint64, c_char_p, c_void_p,
         P(c_uint64)],
    ),
    (
        "vsag_index_add_vectors_with_attributes",
        c_int,
        [c_void_p, c_void_p, c_int, c_void_p, c_uint64, c_uint64, c_char_p, c_void_p,
         P(c_uint64)],
    ),
    (
        "vsag_index_knn_search_batch_with_filter_string",
        c_int,
        [c_void_p, c_void_p, c_int, c_uint64, c_uint64, c_int64, c_char_p, c_char_p, c_void_p,
         c_void_p, c_void_p],
    ),
    ("vsag_index_get_attributes", c_int, [c_void_p, c_void_p, c_uint64, P(c_void_p), P(c_uint64)]),
    # sparse, multi-vector and path rows; search requests
    (
        "vsag_dataset_set_sparse_vectors",
        c_int,
        [c_void_p, c_void_p, c_void_p, c_void_p, c_uint64],
    ),
    (
        "vsag_dataset_get_sparse_vectors",
        c_int,
        [c_void_p, P(c_void_p), P(c_void_p), P(c_void_p), P(c_uint64)],
    ),
    (
        "vsag_index_calc_distance_by_ids_sparse",
        c_int,
        [c_void_p, c_void_p, c_void_p, c_uint64, c_void_p, c_uint64, c_void_p],
    ),
    ("vsag_index_get_sparse_vectors_by_ids", c_int, [c_void_p, c_void_p, c_uint64, P(c_void_p)]),
    (
        "vsag_index_calc_distance_by_ids_multi_vector",
        c_int,
        [c_void_p, c_void_p, c_uint64, c_uint64, c_void_p, c_uint64, c_void_p],
    ),
    ("vsag_dataset_set_vector_counts", c_int, [c_void_p, c_void_p, c_uint64]),
    (
        "vsag_index_knn_search_multi_vector_batch",
        c_int,
        [c_void_p, c_void_p, c_void_p, c_uint64, c_uint64, c_uint64, c_int64, c_char_p, c_char_p,
         c_void_p, c_void_p, c_void_p],
    ),
    ("vsag_dataset_set_paths", c_int, [c_void_p, c_void_p, c_uint64]),
    ("vsag_dataset_set_hierarchy_paths", c_int, [c_void_p, c_char_p, c_void_p, c_uint64]),
    (
        "vsag_index_search_request",
        c_int,
        [c_void_p, c_void_p, c_void_p, c_void_p, c_void_p, c_uint64, P(c_uint64), P(c_uint64),
         c_void_p],
    ),
    # merging indexes of one model
    ("vsag_index_merge", c_int, [c_void_p, c_void_p, c_uint64, c_void_p, c_uint64, P(c_uint64)]),
    # index introspection
    ("vsag_index_get_stats", c_int, [c_void_p, P(c_void_p), P(c_uint64)]),
    (
        "vsag_index_analyze_by_search",
        c_int,
        [c_void_p, c_void_p, c_int, c_uint64, c_uint64, c_int64, c_char_p, P(c_void_p),
         P(c_uint64)],
    ),
    # tuning
    ("vsag_index_tune", c_int, [c_void_p, c_char_p, c_bool]),
]


def _candidates() -> List[str]:
    out = [os.path.join(os.path.dirname(os.path.abspath(__file__)), _LIBNAME)]
    env = os.environ.get("VSAG_LIBRARY_PATH", "")
    if env:
        out.append(os.path.join(env, _LIBNAME) if os.path.isdir(env) else env)
    return out


def _load() -> Tuple[ctypes.CDLL, str]:
    tried = []
    for path in _candidates():
        if not os.path.isfile(path):
            tried.append(f"{path} (absent)")
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as exc:
            tried.append(f"{path} ({exc})")
    system = ctypes.util.find_library("vsag") or _LIBNAME
    try:
        dll = ctypes.CDLL(system)
        return dll, getattr(dll, "_name", system)
    except OSError as exc:
        tried.append(f"{system} via the system search path ({exc})")
    raise ImportError(
        "pyvsag cannot load libvsag.so; tried: "
        + "; ".join(tried)
        + ". Build it with `make build`, or set VSAG_LIBRARY_PATH to the library or its directory."
    )


class _Missing:
    """Stands in for a function this libvsag.so does not export."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any) -> Any:
        raise UnsupportedIndexOperationError(
            f"the loaded libvsag.so ({library_path}) does not export {self.name}"
        )


class _Lib:
    """The declared functions of libvsag.so as attributes (missing ones raise when called)."""

    def __init__(self, dll: ctypes.CDLL) -> None:
        self.dll = dll
        for name, restype, argtypes in _PROTOTYPES:
            try:
                fn = getattr(dll, name)
            except AttributeError:
                setattr(self, name, _Missing(name))
                continue
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name, fn)


_dll, library_path = _load()
lib: Any = _Lib(_dll)


_from_buffer = ctypes.c_char.from_buffer
_addressof = ctypes.addressof


def addr(a: Any) -> int:
    """addr returns the address of a C-contiguous numpy array's data.

    Going through ctypes' buffer import is about ten times faster than ``a.ctypes.data``;
    read-only and empty arrays take the slow path.
    """
    try:
        return _addressof(_from_buffer(a))
    except (TypeError, ValueError):
        return a.ctypes.data


def last_error() -> Tuple[int, str]:
    """last_error returns the calling thread's last (code, message) recorded by the library."""
    code = int(lib.vsag_last_error_code())
    raw = lib.vsag_last_error()
    return code, (raw.decode("utf-8", "replace") if raw else "")


def check(rc: int, operation: str) -> None:
    """check raises the VsagError for a nonzero status rc, with the library's last message."""
    if rc != 0:
        code, msg = last_error()
        if code != rc or not msg:
            # The slot belongs to another call (it is never cleared on success).
            msg = msg if code == rc else f"{_errstr(rc)} (no message)"
        raise error_for(rc, msg, operation)


def check_error(err: ErrorStruct, operation: str) -> None:
    """check_error raises the VsagError for a failed Error_t."""
    if err.code != 0:
        raise error_for(err.code, err.message.decode("utf-8", "replace"), operation)


def _errstr(code: int) -> str:
    raw = lib.vsag_errstr(code)
    return raw.decode() if raw else str(code)


_abi = 1 if isinstance(lib.vsag_abi_version, _Missing) else lib.vsag_abi_version()
if _abi != 1:
    raise ImportError(f"{library_path} has C ABI version {_abi}; this pyvsag needs version 1")
