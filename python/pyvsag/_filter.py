"""Search filters: which labels a search may return.

Polarity, in one rule: whatever is passed directly as ``filter=`` names what to EXCLUDE:

* a boolean numpy array ``mask``: ``mask[label]`` True excludes the label (labels beyond the
  mask are kept), like a VSAG bitset;
* an integer array or sequence of labels: those labels are excluded;
* a callable ``f(label) -> bool``: True excludes the label, like VSAG's C++ function filter;
* a :class:`Bitset`: a set bit excludes the label.

:class:`Filter` combines parts and offers the KEEP polarity (``keep_mask``, ``keep_ids``,
``keep``). Masks, id arrays and bitsets are evaluated inside the library at full speed. A
callable costs a call back into Python (taking the GIL) for every candidate label, so it is much
slower and serialises batch searches: prefer a mask or an id array when possible.
"""

from __future__ import annotations

import copy
import ctypes
from typing import Any, Callable, List, Optional, Sequence, Union

import numpy as np

from ._lib import EXTRA_INFO_FILTER_FN, FILTER_FN, FILTER_MASK_KEEP, FilterStruct, check, lib
from ._lib import addr as _addr
from .errors import InvalidArgumentError

__all__ = ["Bitset", "Filter", "FilterLike"]

# Keep masks are built for labels below this bound (a byte per label); larger labels make
# keep_ids fall back to a callback.
_KEEP_MASK_LIMIT = 1 << 24


class Bitset:
    """Bitset is a set of labels held by the library; as a filter a set bit EXCLUDES the label.

    Reuse one Bitset across many searches to avoid rebuilding a mask. Setting bits while other
    threads search with the bitset is allowed (those searches see each bit either way).

    Args:
        ids: labels to set initially (optional).
    """

    def __init__(self, ids: Optional[Any] = None) -> None:
        h = ctypes.c_void_p()
        check(lib.vsag_bitset_make(ctypes.byref(h)), "Bitset")
        self._h: Optional[int] = h.value
        if ids is not None:
            self.set(ids)

    @property
    def handle(self) -> int:
        """handle is the C bitset handle (raises if the bitset is closed)."""
        if self._h is None:
            raise InvalidArgumentError("the bitset is closed", operation="Bitset")
        return self._h

    def set(self, ids: Any, value: bool = True) -> None:
        """set sets (value True) or clears the bits of one label or an array of labels."""
        arr = _labels(ids, "ids")
        if arr.ndim == 0:
            check(lib.vsag_bitset_set(self.handle, int(arr), bool(value)), "Bitset.set")
            return
        check(
            lib.vsag_bitset_set_many(self.handle, _addr(arr), arr.size, bool(value)),
            "Bitset.set",
        )

    def test(self, label: int) -> bool:
        """test returns whether label's bit is set (False for negative labels)."""
        out = ctypes.c_bool()
        check(lib.vsag_bitset_test(self.handle, _label(label, "label"), ctypes.byref(out)),
              "Bitset.test")
        return bool(out.value)

    def count(self) -> int:
        """count returns the number of set bits."""
        out = ctypes.c_uint64()
        check(lib.vsag_bitset_count(self.handle, ctypes.byref(out)), "Bitset.count")
        return int(out.value)

    def clear(self) -> None:
        """clear clears every bit."""
        check(lib.vsag_bitset_clear(self.handle), "Bitset.clear")

    def close(self) -> None:
        """close releases the bitset; later calls raise. Closing twice is harmless."""
        h, self._h = self._h, None
        if h is not None:
            lib.vsag_bitset_destroy(h)

    def __contains__(self, label: object) -> bool:
        try:
            return self.test(_label(label, "label"))
        except InvalidArgumentError:
            return False

    def __len__(self) -> int:
        return self.count()

    def __enter__(self) -> "Bitset":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may already be gone
            pass


_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_I64 = np.dtype(np.int64)


def _bad_label(what: str, why: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"{what} must be int64 labels: {why}")


def _has_bool(seq: Any, depth: int = 0) -> bool:
    """_has_bool tells whether a list or tuple (or one nested level of them) holds a bool,
    which numpy would silently turn into the label 0 or 1."""
    for x in seq:
        if isinstance(x, (bool, np.bool_)):
            return True
        if depth == 0 and isinstance(x, (list, tuple)) and _has_bool(x, 1):
            return True
    return False


def _labels(ids: Any, what: str, max_ndim: int = 1) -> np.ndarray:
    """_labels returns ids as a C-contiguous int64 array (a scalar stays 0-d).

    Only values that are exactly int64 are accepted: integers in [-2^63, 2^63) of any integer
    dtype, Python ints, and floats that are whole numbers in that range. Fractional, NaN or
    infinite floats, integers beyond int64 (such as a uint64 of 2^63 or more), bools, strings
    and other objects raise InvalidArgumentError, so no label is ever changed by a cast.
    """
    if isinstance(ids, np.ndarray) and ids.dtype == _I64 and ids.flags.c_contiguous:
        arr = ids  # the common case: nothing to check
    else:
        if isinstance(ids, range):
            if len(ids) and not (_INT64_MIN <= min(ids[0], ids[-1]) and
                                 max(ids[0], ids[-1]) <= _INT64_MAX):
                raise _bad_label(what, f"{ids} reaches beyond int64")
            return np.arange(ids.start, ids.stop, ids.step, dtype=np.int64)
        if isinstance(ids, (bool, np.bool_)):
            raise _bad_label(what, f"got the bool {ids!r}")
        if isinstance(ids, (str, bytes, bytearray)):
            raise _bad_label(what, f"got {type(ids).__name__} {ids!r}")
        if isinstance(ids, (list, tuple)) and _has_bool(ids):
            raise _bad_label(what, "a bool is not a label")
        try:
            arr = np.asarray(ids)
        except (TypeError, ValueError, OverflowError) as exc:
            raise _bad_label(what, str(exc)) from None
        arr = _exact_int64(arr, what)
    if arr.ndim > max_ndim:
        if max_ndim == 0:
            raise InvalidArgumentError(f"{what} must be one label, got shape {arr.shape}")
        raise InvalidArgumentError(f"{what} must be {max_ndim}-dimensional, got shape "
                                   f"{arr.shape}")
    return arr


def _exact_int64(arr: np.ndarray, what: str) -> np.ndarray:
    """_exact_int64 converts an array to C-contiguous int64 when every value is exact."""
    kind = arr.dtype.kind
    if kind == "i":
        return np.asarray(arr, dtype=np.int64, order="C")
    if kind == "u":
        top = int(arr.max()) if arr.size else 0  # an int: numpy compares uint64 with int as float
        if top > _INT64_MAX:
            raise _bad_label(what, f"{top} ({arr.dtype}) is beyond int64")
        return np.asarray(arr, dtype=np.int64, order="C")
    if kind == "f":
        if arr.size == 0:
            return np.asarray(arr, dtype=np.int64, order="C")
        f = arr.astype(np.float64)
        bad = ~np.isfinite(f) | (f != np.floor(f)) | (f < -2.0**63) | (f >= 2.0**63)
        if bad.any():
            v = f[bad].flat[0] if f.ndim else f
            raise _bad_label(what, f"{v!r} ({arr.dtype}) is not a whole number in int64 range")
        return np.asarray(f.astype(np.int64), order="C")
    if kind == "O":
        flat = arr.reshape(-1)
        out = np.empty(flat.size, dtype=np.int64)
        for i, x in enumerate(flat):
            if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
                raise _bad_label(what, f"{x!r} ({type(x).__name__}) is not an integer")
            v = int(x)
            if not _INT64_MIN <= v <= _INT64_MAX:
                raise _bad_label(what, f"{v} is beyond int64")
            out[i] = v
        return out.reshape(arr.shape)
    if kind == "b":
        raise _bad_label(what, "a bool array is not labels (a boolean mask is a filter)")
    raise _bad_label(what, f"got dtype {arr.dtype}")


def _label(x: Any, what: str) -> int:
    """_label returns one label (see _labels for what is exact enough)."""
    if type(x) is int:
        if not _INT64_MIN <= x <= _INT64_MAX:
            raise _bad_label(what, f"{x} is beyond int64")
        return x
    arr = _labels(x, what, max_ndim=0)
    return int(arr)


class _Prepared:
    """The C filter for one search call, with everything it points to kept alive."""

    __slots__ = ("struct", "refs", "errors", "ptr")

    def __init__(self) -> None:
        self.struct = FilterStruct()
        self.struct.struct_size = ctypes.sizeof(FilterStruct)
        self.refs: List[Any] = []
        self.errors: List[BaseException] = []
        self.ptr = ctypes.addressof(self.struct)

    def raise_pending(self) -> None:
        """raise_pending re-raises the first exception a Python callback raised."""
        if self.errors:
            exc = self.errors[0]
            self.errors.clear()
            raise exc


class Filter:
    """Filter says which labels a search may return; a label is returned only if every part
    that is set keeps it.

    Keyword args:
        exclude_mask: boolean array; ``exclude_mask[label]`` True excludes the label; labels
            beyond its length are kept.
        keep_mask: boolean array; ``keep_mask[label]`` True keeps the label; labels beyond its
            length are excluded. (At most one of exclude_mask, keep_mask, keep_ids.)
        exclude_ids: labels to exclude.
        keep_ids: the only labels that may be returned (turned into a keep mask, or into a
            callback when labels are negative or very large).
        exclude: callable ``f(label) -> bool``, True excludes (slow: see the module notes).
        keep: callable ``f(label) -> bool``, True keeps (slow). At most one of exclude, keep.
        bitset: a :class:`Bitset`; a set bit excludes the label.
        valid_ratio: estimated fraction of labels kept, in (0, 1]; 0 when unknown. Graph
            indexes use it to choose a search strategy.
        keep_extra_info: callable ``f(info: bytes) -> bool`` on a candidate's stored extra
            info (``extra_info_size`` bytes), True keeps (slow, like ``keep``). Only for an
            index created with ``extra_info_size`` > 0; on others the search raises
            UnsupportedIndexOperationError.

    Callables run on the library's search threads (several at once in a batch search, each
    taking the GIL), so they must be thread-safe and must not call this index or any other
    pyvsag object. An exception raised by a callable stops it being consulted further and is
    re-raised by the search after the library returns.
    """

    def __init__(
        self,
        *,
        exclude_mask: Optional[Any] = None,
        keep_mask: Optional[Any] = None,
        exclude_ids: Optional[Any] = None,
        keep_ids: Optional[Any] = None,
        exclude: Optional[Callable[[int], bool]] = None,
        keep: Optional[Callable[[int], bool]] = None,
        bitset: Optional[Bitset] = None,
        valid_ratio: float = 0.0,
        keep_extra_info: Optional[Callable[[bytes], bool]] = None,
    ) -> None:
        if sum(x is not None for x in (exclude_mask, keep_mask, keep_ids)) > 1:
            raise InvalidArgumentError(
                "Filter: at most one of exclude_mask, keep_mask and keep_ids may be given")
        if exclude is not None and keep is not None:
            raise InvalidArgumentError("Filter: at most one of exclude and keep may be given")
        for name, fn in (("exclude", exclude), ("keep", keep),
                         ("keep_extra_info", keep_extra_info)):
            if fn is not None and not callable(fn):
                raise InvalidArgumentError(f"Filter: {name} must be callable")
        if bitset is not None and not isinstance(bitset, Bitset):
            raise InvalidArgumentError("Filter: bitset must be a pyvsag.Bitset")
        if not (valid_ratio == 0.0 or 0.0 < valid_ratio <= 1.0):
            raise InvalidArgumentError("Filter: valid_ratio must be 0 (unknown) or in (0, 1]")
        self._mask: Optional[np.ndarray] = None
        self._mask_keep = False
        self._exclude_ids: Optional[np.ndarray] = None
        self._fn: Optional[Callable[[int], bool]] = None
        self._fn_keeps = True
        self._bitset = bitset
        self._valid_ratio = float(valid_ratio)
        self._extra_fn: Optional[Callable[[bytes], bool]] = keep_extra_info
        if exclude_mask is not None:
            self._mask = _mask(exclude_mask, "exclude_mask")
        if keep_mask is not None:
            self._mask = _mask(keep_mask, "keep_mask")
            self._mask_keep = True
        if keep_ids is not None:
            ids = _labels(keep_ids, "keep_ids").reshape(-1)
            if ids.size == 0 or (ids.min() >= 0 and ids.max() < _KEEP_MASK_LIMIT):
                m = np.zeros(int(ids.max()) + 1 if ids.size else 0, dtype=np.uint8)
                m[ids] = 1
                self._mask, self._mask_keep = m, True
            else:
                allowed = frozenset(ids.tolist())
                if keep is not None or exclude is not None:
                    user = keep if keep is not None else (lambda x, f=exclude: not f(x))
                    keep = lambda x, u=user: x in allowed and u(x)  # noqa: E731
                    exclude = None
                else:
                    keep = allowed.__contains__
        if exclude_ids is not None:
            self._exclude_ids = _labels(exclude_ids, "exclude_ids").reshape(-1)
        if keep is not None:
            self._fn, self._fn_keeps = keep, True
        elif exclude is not None:
            self._fn, self._fn_keeps = exclude, False
        self._static: Optional[_Prepared] = None
        if self._fn is None and self._extra_fn is None:
            self._static = self._build()

    def _with_extra_info(self, keep_extra_info: Callable[[bytes], bool]) -> "Filter":
        """_with_extra_info returns a copy of this filter that also requires keep_extra_info
        (ANDed with an extra-info callable it may already have)."""
        if not callable(keep_extra_info):
            raise InvalidArgumentError("extra_info_filter must be callable")
        f = copy.copy(self)
        prev = self._extra_fn
        if prev is None:
            f._extra_fn = keep_extra_info
        else:
            f._extra_fn = lambda b, p=prev, n=keep_extra_info: bool(p(b)) and bool(n(b))
        f._static = None
        return f

    def _build(self) -> _Prepared:
        p = _Prepared()
        s = p.struct
        if self._bitset is not None:
            s.bitset = self._bitset.handle
            p.refs.append(self._bitset)
        if self._mask is not None:
            s.mask = _addr(self._mask)
            s.mask_len = self._mask.size
            if self._mask_keep:
                s.flags |= FILTER_MASK_KEEP
            p.refs.append(self._mask)
        if self._exclude_ids is not None and self._exclude_ids.size:
            s.exclude_ids = _addr(self._exclude_ids)
            s.num_exclude_ids = self._exclude_ids.size
            p.refs.append(self._exclude_ids)
        if self._fn is not None:
            fn, keeps, errors = self._fn, self._fn_keeps, p.errors

            def thunk(label: int, _ctx: Any) -> bool:
                if errors:
                    return False
                try:
                    return bool(fn(label)) == keeps
                except BaseException as exc:  # re-raised by the search
                    errors.append(exc)
                    return False

            cb = FILTER_FN(thunk)
            s.keep = cb
            p.refs.append(cb)
        if self._extra_fn is not None:
            xfn, xerrors = self._extra_fn, p.errors

            def xthunk(info: Any, size: int, _ctx: Any) -> bool:
                if xerrors:
                    return False
                try:
                    return bool(xfn(ctypes.string_at(info, size)))
                except BaseException as exc:  # re-raised by the search
                    xerrors.append(exc)
                    return False

            xcb = EXTRA_INFO_FILTER_FN(xthunk)
            s.keep_extra_info = xcb
            p.refs.append(xcb)
        s.valid_ratio = self._valid_ratio
        return p

    def _prepare(self) -> _Prepared:
        """_prepare returns the C filter for one search (a fresh one when a callable is set)."""
        if self._static is not None:
            return self._static
        return self._build()

    def __repr__(self) -> str:
        parts = []
        if self._bitset is not None:
            parts.append("bitset")
        if self._mask is not None:
            parts.append(("keep_mask" if self._mask_keep else "exclude_mask")
                         + f"[{self._mask.size}]")
        if self._exclude_ids is not None:
            parts.append(f"exclude_ids[{self._exclude_ids.size}]")
        if self._fn is not None:
            parts.append("keep=fn" if self._fn_keeps else "exclude=fn")
        if self._extra_fn is not None:
            parts.append("keep_extra_info=fn")
        return f"Filter({', '.join(parts)})"


def _mask(mask: Any, what: str) -> np.ndarray:
    arr = np.asarray(mask)
    if arr.dtype != np.bool_:
        raise InvalidArgumentError(f"{what} must be a boolean array, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise InvalidArgumentError(f"{what} must be 1-dimensional, got shape {arr.shape}")
    # bool is one byte per element in numpy: the view is zero-copy for contiguous masks.
    return np.ascontiguousarray(arr).view(np.uint8)


FilterLike = Union[Filter, Bitset, np.ndarray, Sequence[int], Callable[[int], bool], None]


def as_filter(f: Any) -> Optional[Filter]:
    """as_filter turns a ``filter=`` argument into a Filter (None stays None).

    Direct arguments exclude: a boolean array is an exclude mask, integers are labels to
    exclude, a callable returns True to exclude, a Bitset's set bits exclude.
    """
    if f is None or isinstance(f, Filter):
        return f
    if isinstance(f, Bitset):
        return Filter(bitset=f)
    if callable(f) and not isinstance(f, np.ndarray):
        return Filter(exclude=f)
    arr = f if isinstance(f, np.ndarray) else np.asarray(f)
    if arr.dtype == np.bool_:
        return Filter(exclude_mask=arr)
    if arr.size == 0:
        return None
    if np.issubdtype(arr.dtype, np.integer):
        # the original goes to the label check, which also refuses bools mixed into a list
        return Filter(exclude_ids=f if isinstance(f, (list, tuple)) else arr)
    raise InvalidArgumentError(
        "filter must be a pyvsag.Filter, a pyvsag.Bitset, a boolean mask, integer labels to "
        f"exclude or a callable; got {type(f).__name__} with dtype {arr.dtype}")


def with_extra_info(f: Any, extra_info_filter: Optional[Callable[[bytes], bool]]) -> Any:
    """with_extra_info turns a ``filter=`` argument and an ``extra_info_filter=`` callable
    (True keeps) into one Filter; without extra_info_filter, f is returned unchanged."""
    if extra_info_filter is None:
        return f
    if not callable(extra_info_filter):
        raise InvalidArgumentError("extra_info_filter must be callable")
    base = as_filter(f)
    if base is None:
        return Filter(keep_extra_info=extra_info_filter)
    return base._with_extra_info(extra_info_filter)

