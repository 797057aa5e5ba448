"""pyvsag: vector search over libvsag.so (the vsag-go engine), with numpy in and numpy out.

The API is upstream pyvsag's -- ``Index(name, parameters)``, ``build``, ``add``, ``remove``,
``knn_search``, ``range_search``, ``save``/``load``, ``get_num_elements``, ... with the same names
and argument order -- plus batch search over 2-D query arrays, filters, ``train``,
``check_feature``, ``estimate_memory``, ``clone``, ``set_immutable``, ``Index.load_file``,
``Index.search`` (VSAG's SearchRequest: knn or range, every filter, explained expected labels),
sparse (``scipy.sparse`` or ``(indptr, indices, values)``), multi-vector and path rows, and
exceptions that carry VSAG's error codes.

Quick start::

    import json, numpy as np, pyvsag

    dim = 128
    data = np.random.random((10_000, dim)).astype(np.float32)
    ids = np.arange(len(data), dtype=np.int64)
    params = json.dumps({"dtype": "float32", "metric_type": "l2", "dim": dim,
                         "index_param": {"base_quantization_type": "fp32",
                                         "max_degree": 32, "ef_construction": 300}})
    index = pyvsag.Index("hgraph", params)
    index.build(vectors=data, ids=ids, num_elements=len(data), dim=dim)
    ids, dists = index.knn_search(vector=data[0], k=10,
                                  parameters=json.dumps({"hgraph": {"ef_search": 60}}))

The shared library is found next to this file first, then through ``VSAG_LIBRARY_PATH``, then
on the system's library path.
"""

from __future__ import annotations

from typing import Any, Union

import numpy as np

from . import _lib
from ._allocator import Allocator, CountingAllocator
from ._filter import Bitset, Filter
from ._index import PAD_LIMIT, Index
from ._iterator import SearchIterator
from ._resources import (ProgressBar, get_global_memory_budget, get_option, global_budgeted_memory,
                         route_logging, set_global_memory_budget, set_option)
from ._rows import Explanation, Reason, SearchResult
from ._types import DType, Feature, LogLevel
from .errors import (
    BuildTwiceError,
    DimensionNotEqualError,
    ErrorCode,
    IndexEmptyError,
    IndexNotEmptyError,
    InternalError,
    InvalidArgumentError,
    InvalidBinaryError,
    MissingFileError,
    NoEnoughMemoryError,
    ReadError,
    UnknownError,
    UnsupportedIndexError,
    UnsupportedIndexOperationError,
    VsagError,
    WrongStatusError,
)

__version__ = "0.1.0"

__all__ = [
    "Index",
    "Allocator",
    "CountingAllocator",
    "SearchIterator",
    "PAD_LIMIT",
    "SearchResult",
    "Explanation",
    "Reason",
    "Filter",
    "Bitset",
    "Feature",
    "DType",
    "LogLevel",
    "ErrorCode",
    "VsagError",
    "UnknownError",
    "InternalError",
    "InvalidArgumentError",
    "WrongStatusError",
    "BuildTwiceError",
    "IndexNotEmptyError",
    "UnsupportedIndexError",
    "UnsupportedIndexOperationError",
    "DimensionNotEqualError",
    "IndexEmptyError",
    "NoEnoughMemoryError",
    "ReadError",
    "MissingFileError",
    "InvalidBinaryError",
    "set_logger_off",
    "set_logger_info",
    "set_logger_debug",
    "set_log_level",
    "set_global_memory_budget",
    "get_global_memory_budget",
    "global_budgeted_memory",
    "set_option",
    "get_option",
    "route_logging",
    "ProgressBar",
    "get_log_level",
    "library_version",
    "library_path",
    "float32_to_bfloat16",
    "bfloat16_to_float32",
    "__version__",
]

library_path: str = _lib.library_path
"""library_path is the file libvsag.so was loaded from."""


def library_version() -> str:
    """library_version returns the version of the loaded libvsag.so, such as "0.1.0"."""
    return _lib.lib.vsag_version().decode()


def set_log_level(level: Union[LogLevel, int]) -> None:
    """set_log_level sets the library's log level (a :class:`LogLevel`)."""
    _lib.check(_lib.lib.vsag_set_log_level(int(level)), "set_log_level")


def get_log_level() -> LogLevel:
    """get_log_level returns the library's log level."""
    return LogLevel(_lib.lib.vsag_get_log_level())


def set_logger_off() -> None:
    """set_logger_off silences the library's logging (upstream pyvsag's name)."""
    set_log_level(LogLevel.OFF)


def set_logger_info() -> None:
    """set_logger_info sets the library's log level to INFO (upstream pyvsag's name)."""
    set_log_level(LogLevel.INFO)


def set_logger_debug() -> None:
    """set_logger_debug sets the library's log level to DEBUG (upstream pyvsag's name)."""
    set_log_level(LogLevel.DEBUG)


def float32_to_bfloat16(array: Any) -> np.ndarray:
    """float32_to_bfloat16 returns the raw bfloat16 bits (uint16) of float values, rounded to
    nearest even (NaN stays NaN), for ``"bfloat16"`` indexes."""
    bits = np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)
    nan = (bits & 0x7FFFFFFF) > 0x7F800000
    rounded = (bits + (0x7FFF + ((bits >> 16) & 1))) >> 16
    out = np.where(nan, (bits >> 16) | 0x0040, rounded)
    return out.astype(np.uint16)


def bfloat16_to_float32(bits: Any) -> np.ndarray:
    """bfloat16_to_float32 widens raw bfloat16 bits (uint16) to float32 exactly."""
    b = np.ascontiguousarray(bits, dtype=np.uint16)
    return (b.astype(np.uint32) << 16).view(np.float32)
