"""Iterator search sessions (include/vsag.h: vsag_iterator_*): the neighbours of one query,
page by page, each page the next ones not returned before."""

from __future__ import annotations

import ctypes
import threading
from typing import Any, Optional, Tuple

import numpy as np

from ._lib import _Missing, check, lib
from ._lib import addr as _addr
from .errors import InvalidArgumentError, WrongStatusError

__all__ = ["SearchIterator"]

_c = ctypes
_PROTOTYPES = [
    ("vsag_iterator_create", _c.c_int,
     [_c.c_void_p, _c.c_void_p, _c.c_int, _c.c_uint64, _c.c_char_p, _c.c_void_p,
      _c.POINTER(_c.c_void_p)]),
    ("vsag_iterator_next", _c.c_int,
     [_c.c_void_p, _c.c_int64, _c.c_void_p, _c.c_void_p, _c.POINTER(_c.c_uint64)]),
    ("vsag_iterator_drain", _c.c_int,
     [_c.c_void_p, _c.c_int64, _c.c_void_p, _c.c_void_p, _c.POINTER(_c.c_uint64)]),
    ("vsag_iterator_destroy", _c.c_int, [_c.c_void_p]),
]

_fn = {}
for _name, _restype, _argtypes in _PROTOTYPES:
    _f = getattr(lib.dll, _name, None)
    if _f is None:
        _fn[_name] = _Missing(_name)
        continue
    _f.restype = _restype
    _f.argtypes = _argtypes
    _fn[_name] = _f

_I64 = np.dtype(np.int64)
_F32 = np.dtype(np.float32)


def _page_size(k: Any, what: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise InvalidArgumentError(f"{what} must be an integer, got {type(k).__name__}",
                                   operation="search_iterator")
    k = int(k)
    if k <= 0:
        raise InvalidArgumentError(f"{what} {k} must be positive", operation="search_iterator")
    return k


class SearchIterator:
    """SearchIterator is an iterator search session over one query (VSAG's KnnSearch with an
    IteratorContext). Iterating it yields pages ``(ids, distances)`` of ``page_size``
    neighbours (int64 and float32 arrays, ascending), each page the next neighbours not
    returned before, until the session has nothing more; :meth:`next_page` takes a page of any
    size, :meth:`drain` the candidates found and not yet returned.

    Guarantees: pages are disjoint; each page ascends; a label removed before a page is never
    in it or a later one; labels added after the session was created are not returned; the
    filter applies to every label returned. ``brute_force`` pages are exact, page after page
    (distances never decrease); ``hgraph`` continues one graph search (its visited nodes and
    candidates are kept between pages), so a page may start slightly below the previous page's
    last distance when the walk reaches a node late; ``ivf`` scans buckets nearest centroid
    first, ``scan_buckets_count`` more for each first page's worth of results, with the same
    caveat. A session run to its end has returned every label the filter keeps.

    Create it with :meth:`pyvsag.Index.search_iterator`; close it (or use it as a context
    manager) to release the session at once; it is also released when garbage collected.
    Methods of one session may be called from several threads (they are serialised); the index
    may be written to between pages.
    """

    def __init__(self, index: Any, query: np.ndarray, page_size: int, params: bytes,
                 prep: Any) -> None:
        self._h: Optional[int] = None
        self._mu = threading.Lock()
        self.page_size = _page_size(page_size, "page_size")
        self._index = index
        self._prep = prep  # the filter and what it points to live as long as the session
        self.returned = 0
        h = _c.c_void_p()
        rc = _fn["vsag_iterator_create"](index._handle(), _addr(query), index._dt, query.size,
                                         params, prep.ptr if prep is not None else None,
                                         _c.byref(h))
        check(rc, "search_iterator")
        self._h = h.value

    def _page(self, fn: str, k: Any, what: str) -> Tuple[np.ndarray, np.ndarray]:
        k = _page_size(k, "k")
        with self._mu:
            if self._h is None:
                raise WrongStatusError("the search iterator is closed", operation=what)
            width = max(1, min(k, int(self._index.get_num_elements())))
            ids = np.empty(width, dtype=_I64)
            dists = np.empty(width, dtype=_F32)
            n = _c.c_uint64()
            rc = _fn[fn](self._h, min(k, width), _addr(ids), _addr(dists), _c.byref(n))
            if self._prep is not None:
                self._prep.raise_pending()
            check(rc, what)
            self.returned += n.value
            return ids[:n.value], dists[:n.value]

    def next_page(self, k: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
        """next_page returns the next up-to-k neighbours (``page_size`` when k is None) not
        returned before, as (ids, distances) ascending; empty arrays mean the session has no
        more."""
        return self._page("vsag_iterator_next", self.page_size if k is None else k,
                          "search_iterator.next_page")

    def drain(self, k: int) -> Tuple[np.ndarray, np.ndarray]:
        """drain returns up to k of the neighbours the session has found but not returned,
        without searching further (VSAG's ``is_last_search``), and ends the session."""
        try:
            return self._page("vsag_iterator_drain", k, "search_iterator.drain")
        finally:
            self.close()

    def __iter__(self) -> "SearchIterator":
        return self

    def __next__(self) -> Tuple[np.ndarray, np.ndarray]:
        if self._h is None:
            raise StopIteration
        ids, dists = self.next_page()
        if ids.size == 0:
            self.close()
            raise StopIteration
        return ids, dists

    def close(self) -> None:
        """close releases the session; calling it again does nothing."""
        with self._mu:
            h, self._h = self._h, None
            if h is not None:
                _fn["vsag_iterator_destroy"](h)
            self._prep = None

    @property
    def closed(self) -> bool:
        """closed tells whether the session was closed, drained or ran to its end."""
        return self._h is None

    def __enter__(self) -> "SearchIterator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def __repr__(self) -> str:
        state = "closed" if self._h is None else "open"
        return f"SearchIterator({state}, page_size={self.page_size}, returned={self.returned})"
