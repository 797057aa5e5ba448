"""Enumerations shared with the C interface: feature flags, element types and log levels."""

from __future__ import annotations

import enum

import numpy as np

__all__ = ["Feature", "DType", "LogLevel"]


class Feature(enum.IntEnum):
    """Feature is a capability flag with VSAG's IndexFeature numbering (1 NEED_TRAIN .. 54
    SUPPORT_ANALYZE_INDEX_BY_SEARCH, the values of vsag.h's vsag_feature_t), for
    :meth:`Index.check_feature`.

    An index reports a flag only when the operation really works.
    """

    NEED_TRAIN = 1
    SUPPORT_BUILD = 2
    SUPPORT_ADD_AFTER_BUILD = 3
    SUPPORT_ADD_FROM_EMPTY = 4
    SUPPORT_KNN_SEARCH = 5
    SUPPORT_KNN_SEARCH_WITH_ID_FILTER = 6
    SUPPORT_RANGE_SEARCH = 7
    SUPPORT_RANGE_SEARCH_WITH_ID_FILTER = 8
    SUPPORT_KNN_ITERATOR_FILTER_SEARCH = 9
    SUPPORT_DELETE_BY_ID = 10
    SUPPORT_BATCH_SEARCH = 11
    SUPPORT_METRIC_TYPE_L2 = 12
    SUPPORT_METRIC_TYPE_INNER_PRODUCT = 13
    SUPPORT_METRIC_TYPE_COSINE = 14
    SUPPORT_SERIALIZE_FILE = 15
    SUPPORT_SERIALIZE_BINARY_SET = 16
    SUPPORT_SERIALIZE_WRITE_FUNC = 17
    SUPPORT_DESERIALIZE_FILE = 18
    SUPPORT_DESERIALIZE_BINARY_SET = 19
    SUPPORT_DESERIALIZE_READER_SET = 20
    SUPPORT_RESET = 21
    SUPPORT_FEEDBACK = 22
    SUPPORT_CAL_DISTANCE_BY_ID = 23
    SUPPORT_TRAIN_WITH_MULTI_THREAD = 24
    SUPPORT_BUILD_WITH_MULTI_THREAD = 25
    SUPPORT_BATCH_ADD_WITH_MULTI_THREAD = 26
    SUPPORT_SEARCH_ONE_WITH_MULTI_THREAD = 27
    SUPPORT_BATCH_SEARCH_WITH_MULTI_THREAD = 28
    SUPPORT_ADD_CONCURRENT = 29
    SUPPORT_UPDATE_ID_CONCURRENT = 30
    SUPPORT_UPDATE_VECTOR_CONCURRENT = 31
    SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT = 32
    SUPPORT_SEARCH_CONCURRENT = 33
    SUPPORT_DELETE_CONCURRENT = 34
    SUPPORT_ADD_SEARCH_CONCURRENT = 35
    SUPPORT_ADD_DELETE_CONCURRENT = 36
    SUPPORT_SEARCH_DELETE_CONCURRENT = 37
    SUPPORT_ADD_SEARCH_DELETE_CONCURRENT = 38
    SUPPORT_ESTIMATE_MEMORY = 39
    SUPPORT_GET_MEMORY_USAGE = 40
    SUPPORT_CHECK_ID_EXIST = 41
    SUPPORT_MERGE_INDEX = 42
    SUPPORT_GET_EXTRA_INFO_BY_ID = 43
    SUPPORT_GET_RAW_VECTOR_BY_IDS = 44
    SUPPORT_GET_DATA_BY_IDS = 45
    SUPPORT_EXPORT_IDS = 46
    SUPPORT_KNN_SEARCH_WITH_EX_FILTER = 47
    SUPPORT_CLONE = 48
    SUPPORT_EXPORT_MODEL = 49
    SUPPORT_TUNE = 50
    SUPPORT_BATCH_CALC_DISTANCE_BY_ID = 51
    SUPPORT_CONTINUE_SEARCH_SESSION = 52
    SUPPORT_GET_STATS = 53
    SUPPORT_ANALYZE_INDEX_BY_SEARCH = 54


class DType(enum.IntEnum):
    """DType is the element type of an index's vectors (vsag_dtype_t)."""

    FLOAT32 = 0
    FLOAT16 = 1
    BFLOAT16 = 2
    INT8 = 3
    SPARSE = 4
    """SPARSE: sparse rows (term ids and weights), as sindi takes them."""

    @property
    def json_name(self) -> str:
        """json_name is the name used by the create JSON's "dtype" key."""
        return _JSON_NAMES[self]

    @property
    def numpy_dtype(self) -> np.dtype:
        """numpy_dtype is the numpy element type pyvsag passes without a copy
        (uint16 holding raw bits for bfloat16)."""
        return _NUMPY[self]


_JSON_NAMES = {
    DType.FLOAT32: "float32",
    DType.FLOAT16: "float16",
    DType.BFLOAT16: "bfloat16",
    DType.INT8: "int8",
    DType.SPARSE: "sparse",
}

_NUMPY = {
    DType.FLOAT32: np.dtype(np.float32),
    DType.FLOAT16: np.dtype(np.float16),
    DType.BFLOAT16: np.dtype(np.uint16),
    DType.INT8: np.dtype(np.int8),
    # a sparse index's weights; dense rows given to it are read as float32 and refused by the index
    DType.SPARSE: np.dtype(np.float32),
}


class LogLevel(enum.IntEnum):
    """LogLevel is the library's log level, with VSAG's numbering."""

    TRACE = 0
    DEBUG = 1
    INFO = 2
    WARN = 3
    ERROR = 4
    CRITICAL = 5
    OFF = 6
