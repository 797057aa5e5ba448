"""Exceptions raised by pyvsag.

Every failure of the library surfaces as a :class:`VsagError` subclass that carries VSAG's error
code (:class:`ErrorCode`, VSAG's positive numbering) and the library's own message. The classes
also derive from the matching built-in exception, so code written for upstream pyvsag (which
raises ``RuntimeError`` and ``ValueError``) keeps catching them:

==============================  ======================================  =====================
class                           code                                    also a
==============================  ======================================  =====================
UnknownError                    UNKNOWN_ERROR (1)                       RuntimeError
InternalError                   INTERNAL_ERROR (2)                      RuntimeError
InvalidArgumentError            INVALID_ARGUMENT (3)                    ValueError
WrongStatusError                WRONG_STATUS (4)                        RuntimeError
BuildTwiceError                 BUILD_TWICE (5)                         RuntimeError
IndexNotEmptyError              INDEX_NOT_EMPTY (6)                     RuntimeError
UnsupportedIndexError           UNSUPPORTED_INDEX (7)                   ValueError
UnsupportedIndexOperationError  UNSUPPORTED_INDEX_OPERATION (8)         NotImplementedError
DimensionNotEqualError          DIMENSION_NOT_EQUAL (9)                 ValueError
IndexEmptyError                 INDEX_EMPTY (10)                        RuntimeError
NoEnoughMemoryError             NO_ENOUGH_MEMORY (11)                   MemoryError
ReadError                       READ_ERROR (12)                         RuntimeError
MissingFileError                MISSING_FILE (13)                       FileNotFoundError
InvalidBinaryError              INVALID_BINARY (14)                     RuntimeError
==============================  ======================================  =====================

``VsagError`` itself derives from ``RuntimeError``.
"""

from __future__ import annotations

import enum
from typing import Dict, Optional, Type

__all__ = [
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
]


class ErrorCode(enum.IntEnum):
    """ErrorCode is VSAG's error type, with VSAG's numbering (the C ABI returns the negative)."""

    UNKNOWN_ERROR = 1
    INTERNAL_ERROR = 2
    INVALID_ARGUMENT = 3
    WRONG_STATUS = 4
    BUILD_TWICE = 5
    INDEX_NOT_EMPTY = 6
    UNSUPPORTED_INDEX = 7
    UNSUPPORTED_INDEX_OPERATION = 8
    DIMENSION_NOT_EQUAL = 9
    INDEX_EMPTY = 10
    NO_ENOUGH_MEMORY = 11
    READ_ERROR = 12
    MISSING_FILE = 13
    INVALID_BINARY = 14


class VsagError(RuntimeError):
    """VsagError is the base class of every error pyvsag raises for the library.

    Attributes:
        code: the :class:`ErrorCode`.
        message: the library's message (or pyvsag's, for checks made before calling it).
        operation: the pyvsag operation that failed, such as ``"build"``.
    """

    default_code: ErrorCode = ErrorCode.UNKNOWN_ERROR

    def __init__(
        self, message: str, code: Optional[int] = None, operation: Optional[str] = None
    ) -> None:
        self.code = _to_code(code, self.default_code)
        self.message = message
        self.operation = operation
        text = message if message.startswith(self.code.name) else f"{self.code.name}: {message}"
        super().__init__(f"{operation} failed: {text}" if operation else text)

    def __reduce__(self) -> tuple:  # type: ignore[type-arg]
        # Pickled (for instance from a Dask worker to the client) with its own fields, so the
        # copy has the same code, message and operation rather than a re-prefixed message.
        return (type(self), (self.message, int(self.code), self.operation))


def _to_code(code: Optional[int], default: ErrorCode) -> ErrorCode:
    if code is None:
        return default
    try:
        return ErrorCode(abs(int(code)))
    except ValueError:
        return ErrorCode.UNKNOWN_ERROR


class UnknownError(VsagError):
    """UnknownError is UNKNOWN_ERROR (1)."""

    default_code = ErrorCode.UNKNOWN_ERROR


class InternalError(VsagError):
    """InternalError is INTERNAL_ERROR (2): a bug in the library (please report it)."""

    default_code = ErrorCode.INTERNAL_ERROR


class InvalidArgumentError(VsagError, ValueError):
    """InvalidArgumentError is INVALID_ARGUMENT (3): bad JSON, values, dtypes or shapes."""

    default_code = ErrorCode.INVALID_ARGUMENT


class WrongStatusError(VsagError):
    """WrongStatusError is WRONG_STATUS (4), e.g. modifying an immutable index."""

    default_code = ErrorCode.WRONG_STATUS


class BuildTwiceError(VsagError):
    """BuildTwiceError is BUILD_TWICE (5)."""

    default_code = ErrorCode.BUILD_TWICE


class IndexNotEmptyError(VsagError):
    """IndexNotEmptyError is INDEX_NOT_EMPTY (6), e.g. loading into a built index."""

    default_code = ErrorCode.INDEX_NOT_EMPTY


class UnsupportedIndexError(VsagError, ValueError):
    """UnsupportedIndexError is UNSUPPORTED_INDEX (7): an index type the library does not know."""

    default_code = ErrorCode.UNSUPPORTED_INDEX


class UnsupportedIndexOperationError(VsagError, NotImplementedError):
    """UnsupportedIndexOperationError is UNSUPPORTED_INDEX_OPERATION (8)."""

    default_code = ErrorCode.UNSUPPORTED_INDEX_OPERATION


class DimensionNotEqualError(VsagError, ValueError):
    """DimensionNotEqualError is DIMENSION_NOT_EQUAL (9)."""

    default_code = ErrorCode.DIMENSION_NOT_EQUAL


class IndexEmptyError(VsagError):
    """IndexEmptyError is INDEX_EMPTY (10)."""

    default_code = ErrorCode.INDEX_EMPTY


class NoEnoughMemoryError(VsagError, MemoryError):
    """NoEnoughMemoryError is NO_ENOUGH_MEMORY (11)."""

    default_code = ErrorCode.NO_ENOUGH_MEMORY


class ReadError(VsagError):
    """ReadError is READ_ERROR (12): an I/O error while reading an index."""

    default_code = ErrorCode.READ_ERROR


class MissingFileError(VsagError, FileNotFoundError):
    """MissingFileError is MISSING_FILE (13)."""

    default_code = ErrorCode.MISSING_FILE


class InvalidBinaryError(VsagError):
    """InvalidBinaryError is INVALID_BINARY (14): a truncated, corrupted or foreign index file."""

    default_code = ErrorCode.INVALID_BINARY


_CLASSES: Dict[ErrorCode, Type[VsagError]] = {
    ErrorCode.UNKNOWN_ERROR: UnknownError,
    ErrorCode.INTERNAL_ERROR: InternalError,
    ErrorCode.INVALID_ARGUMENT: InvalidArgumentError,
    ErrorCode.WRONG_STATUS: WrongStatusError,
    ErrorCode.BUILD_TWICE: BuildTwiceError,
    ErrorCode.INDEX_NOT_EMPTY: IndexNotEmptyError,
    ErrorCode.UNSUPPORTED_INDEX: UnsupportedIndexError,
    ErrorCode.UNSUPPORTED_INDEX_OPERATION: UnsupportedIndexOperationError,
    ErrorCode.DIMENSION_NOT_EQUAL: DimensionNotEqualError,
    ErrorCode.INDEX_EMPTY: IndexEmptyError,
    ErrorCode.NO_ENOUGH_MEMORY: NoEnoughMemoryError,
    ErrorCode.READ_ERROR: ReadError,
    ErrorCode.MISSING_FILE: MissingFileError,
    ErrorCode.INVALID_BINARY: InvalidBinaryError,
}


def error_for(code: int, message: str, operation: Optional[str] = None) -> VsagError:
    """error_for returns the VsagError subclass instance for a status code (either sign)."""
    c = _to_code(code, ErrorCode.UNKNOWN_ERROR)
    return _CLASSES[c](message, c, operation)
