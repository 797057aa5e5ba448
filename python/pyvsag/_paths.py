"""Paths of pyramid indexes: one hierarchy's paths (a list, or one string for a query) or the
paths of named hierarchies (a dict from hierarchy name to a list, or to one string for a
query), attached to a dataset handle of the library."""

from __future__ import annotations

import ctypes
from typing import Any, List, Mapping, Optional, Tuple, Union

from ._lib import check, lib
from ._rows import path_bytes, path_list
from .errors import InvalidArgumentError

__all__ = ["RowPaths", "QueryPath", "encode_paths", "attach_paths", "named_query_paths"]

RowPaths = Union[Any, Mapping[str, Any], None]
"""build/add paths: a sequence of one path per row, or {hierarchy name: such a sequence}."""

QueryPath = Union[str, bytes, Mapping[str, Union[str, bytes]], None]
"""a query's path: one string, or {hierarchy name: path}."""

# one encoded list: (hierarchy name, or None for the unnamed hierarchy; C array; count)
Encoded = List[Tuple[Optional[bytes], Any, int]]


def _name(name: Any, op: str) -> bytes:
    if not isinstance(name, str) or not name:
        raise InvalidArgumentError(f"hierarchy names are non-empty strings, got {name!r}",
                                   operation=op)
    b = name.encode("utf-8")
    if b"\0" in b:
        raise InvalidArgumentError(f"hierarchy name {name!r} holds a NUL character", operation=op)
    return b


def _array(encoded: List[bytes]) -> Any:
    return (ctypes.c_char_p * max(len(encoded), 1))(*encoded)


def encode_paths(paths: RowPaths, n: int, op: str) -> Encoded:
    """encode_paths encodes build/add paths: a list of one path per row, or a dict from
    hierarchy name to such a list."""
    if isinstance(paths, Mapping):
        if not paths:
            raise InvalidArgumentError("paths is an empty dict: give {hierarchy: [path, ...]}",
                                       operation=op)
        out: Encoded = []
        for name, ps in paths.items():
            enc = path_list(ps, n, op)
            out.append((_name(name, op), _array(enc), len(enc)))
        return out
    enc = path_list(paths, n, op)
    return [(None, _array(enc), len(enc))]


def attach_paths(ds: Any, encoded: Encoded, op: str) -> None:
    """attach_paths sets the encoded paths on dataset handle ds."""
    for name, arr, count in encoded:
        if name is None:
            check(lib.vsag_dataset_set_paths(ds, arr, count), op)
        else:
            check(lib.vsag_dataset_set_hierarchy_paths(ds, name, arr, count), op)


def named_query_paths(path: Mapping[str, Any], op: str) -> Encoded:
    """named_query_paths encodes a query's {hierarchy name: path} as one-row path lists."""
    if not path:
        raise InvalidArgumentError("path is an empty dict: give {hierarchy: path}", operation=op)
    return [(_name(name, op), _array([path_bytes(p, f"path[{name!r}]", op)]), 1)
            for name, p in path.items()]
