"""Allocators for the slabs of an index's code stores (include/vsag.h: vsag_allocator_t,
vsag_counting_allocator_*), as VSAG's Allocator.

Two kinds are accepted by :meth:`pyvsag.Index.set_allocator`:

* :class:`CountingAllocator` is the library's allocator in C over malloc: it counts the bytes it
  holds and refuses growth beyond a limit, with no call into Python. The policy (the limit, and
  reading the counters) is set from Python. It is the one to use in production.
* any object with ``allocate(size) -> int``, ``deallocate(address)`` and
  ``reallocate(address, size) -> int`` methods (:class:`Allocator` documents them), called back
  for every slab (slabs are large and grow geometrically, so the calls are few).

Why a Python allocator is safe, and its limits: the library calls the allocator from its own
threads (the build workers, and the thread that reclaims replaced or destroyed slabs at any later
time). Each call goes through a ctypes callback, which takes the GIL first; pyvsag calls the
library with the GIL released, so a thread waiting in the library never holds the GIL a callback
needs, and no deadlock can form as long as the allocator does not call the library (include/
vsag.h forbids it) nor wait for another Python thread that does. An exception in a method is
logged and taken as "no memory" (the write fails with NoEnoughMemoryError and stores nothing).
The callbacks and the allocator object are kept alive for the life of the process, since blocks
may be freed after the index is gone. Blocks the library still holds when the interpreter exits
are not handed back to Python (the process's memory goes with it).
"""

from __future__ import annotations

import atexit
import ctypes
import logging
from typing import Any, Dict, List, Optional

from ._lib import _Missing, check, lib
from .errors import InvalidArgumentError

__all__ = ["Allocator", "CountingAllocator"]

_c = ctypes
ALLOCATE_FN = _c.CFUNCTYPE(_c.c_void_p, _c.c_uint64, _c.c_void_p)
DEALLOCATE_FN = _c.CFUNCTYPE(None, _c.c_void_p, _c.c_void_p)
REALLOCATE_FN = _c.CFUNCTYPE(_c.c_void_p, _c.c_void_p, _c.c_uint64, _c.c_void_p)


class AllocatorStruct(_c.Structure):
    """vsag_allocator_t."""

    _fields_ = [("name", _c.c_char_p), ("allocate", ALLOCATE_FN), ("deallocate", DEALLOCATE_FN),
                ("reallocate", REALLOCATE_FN), ("user_data", _c.c_void_p)]


class AllocatorStats(_c.Structure):
    """vsag_allocator_stats_t."""

    _fields_ = [("bytes_in_use", _c.c_uint64), ("peak_bytes", _c.c_uint64), ("blocks", _c.c_uint64),
                ("allocations", _c.c_uint64), ("failures", _c.c_uint64), ("limit", _c.c_uint64)]


_PROTOTYPES = [
    ("vsag_index_set_allocator", _c.c_int, [_c.c_void_p, _c.POINTER(AllocatorStruct)]),
    ("vsag_counting_allocator_new", _c.c_int, [_c.c_char_p, _c.c_uint64, _c.POINTER(AllocatorStruct)]),
    ("vsag_counting_allocator_stats", _c.c_int, [_c.POINTER(AllocatorStruct), _c.POINTER(AllocatorStats)]),
    ("vsag_counting_allocator_set_limit", _c.c_int, [_c.POINTER(AllocatorStruct), _c.c_uint64]),
]

fn: Dict[str, Any] = {}
for _name, _restype, _argtypes in _PROTOTYPES:
    _f = getattr(lib.dll, _name, None)
    if _f is None:
        fn[_name] = _Missing(_name)
        continue
    _f.restype = _restype
    _f.argtypes = _argtypes
    fn[_name] = _f

_logger = logging.getLogger("pyvsag")
_UINT64_MAX = (1 << 64) - 1


def _limit(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _UINT64_MAX:
        raise InvalidArgumentError(f"allocator limit must be a non-negative integer (bytes, 0 for none), "
                                   f"got {value!r}", operation="allocator")
    return int(value)


class Allocator:
    """Allocator is the interface of a Python allocator (VSAG's Allocator): subclass it, or give
    any object with the same three methods. Addresses are ints; the memory must not be Python
    or numpy memory that can move or be collected (use malloc, mmap, or a buffer the allocator
    keeps until ``deallocate``), and must stay valid until ``deallocate`` is called for it.
    Methods may be called from any thread, concurrently, and must not call pyvsag."""

    name = "python"

    def allocate(self, size: int) -> int:
        """allocate returns the address of at least size bytes, or 0 when it has none."""
        raise NotImplementedError

    def deallocate(self, address: int) -> None:
        """deallocate frees a block allocate or reallocate returned."""
        raise NotImplementedError

    def reallocate(self, address: int, size: int) -> int:
        """reallocate resizes a block keeping its contents (the block may move) and returns its
        address, or 0 leaving the block unchanged."""
        raise NotImplementedError


class CountingAllocator:
    """CountingAllocator is the library's allocator over malloc (vsag_counting_allocator_new):
    it counts the bytes of the blocks it holds and refuses growth beyond ``limit`` bytes (0: no
    limit), so a write that needs more fails with NoEnoughMemoryError and stores nothing. It
    makes no call into Python; one allocator may serve many indexes."""

    def __init__(self, limit: int = 0, name: str = "counting") -> None:
        self._struct = AllocatorStruct()
        check(fn["vsag_counting_allocator_new"](str(name).encode(), _limit(limit), _c.byref(self._struct)),
              "CountingAllocator")
        self.name = name

    def stats(self) -> Dict[str, int]:
        """stats returns the counters: bytes_in_use, peak_bytes, blocks, allocations, failures
        and limit."""
        out = AllocatorStats()
        check(fn["vsag_counting_allocator_stats"](_c.byref(self._struct), _c.byref(out)), "allocator stats")
        return {f: int(getattr(out, f)) for f, _ in AllocatorStats._fields_}

    @property
    def bytes_in_use(self) -> int:
        """bytes_in_use is the bytes of the blocks held now."""
        return self.stats()["bytes_in_use"]

    @property
    def peak_bytes(self) -> int:
        """peak_bytes is the most bytes held at once."""
        return self.stats()["peak_bytes"]

    @property
    def limit(self) -> int:
        """limit is the most bytes the allocator holds (0: none); a lower limit frees nothing,
        it refuses later growth."""
        return self.stats()["limit"]

    @limit.setter
    def limit(self, value: int) -> None:
        check(fn["vsag_counting_allocator_set_limit"](_c.byref(self._struct), _limit(value)),
              "allocator limit")

    def __repr__(self) -> str:
        s = self.stats()
        return (f"CountingAllocator(name={self.name!r}, bytes_in_use={s['bytes_in_use']}, "
                f"peak_bytes={s['peak_bytes']}, limit={s['limit']})")


# Everything a Python allocator's callbacks need, kept for the life of the process.
_KEEP: List[Any] = []
_exiting = False


@atexit.register
def _at_exit() -> None:
    global _exiting
    _exiting = True


def _wrap(allocator: Any) -> AllocatorStruct:
    """_wrap returns a vsag_allocator_t calling allocator's methods."""
    for m in ("allocate", "deallocate", "reallocate"):
        if not callable(getattr(allocator, m, None)):
            raise InvalidArgumentError(f"an allocator needs callable allocate, deallocate and reallocate "
                                       f"methods; {allocator!r} has no {m}", operation="set_allocator")
    name = str(getattr(allocator, "name", type(allocator).__name__))

    def address(v: Any, what: str) -> Optional[int]:
        if v is None or v == 0:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            _logger.error("allocator %s: %s returned %r, not an address; taken as no memory", name, what, v)
            return None
        return int(v)

    def allocate(size: int, _u: Any) -> Optional[int]:
        try:
            return address(allocator.allocate(int(size)), "allocate")
        except BaseException:  # noqa: BLE001 - never raise into the library
            _logger.exception("allocator %s: allocate(%d) failed; taken as no memory", name, size)
            return None

    def deallocate(p: Optional[int], _u: Any) -> None:
        if _exiting or not p:
            return
        try:
            allocator.deallocate(int(p))
        except BaseException:  # noqa: BLE001
            _logger.exception("allocator %s: deallocate failed", name)

    def reallocate(p: Optional[int], size: int, _u: Any) -> Optional[int]:
        try:
            return address(allocator.reallocate(int(p or 0), int(size)), "reallocate")
        except BaseException:  # noqa: BLE001
            _logger.exception("allocator %s: reallocate(%d) failed; taken as no memory", name, size)
            return None

    name_b = _c.c_char_p(name.encode())
    s = AllocatorStruct(name_b.value, ALLOCATE_FN(allocate), DEALLOCATE_FN(deallocate),
                        REALLOCATE_FN(reallocate), None)
    _KEEP.append((allocator, name_b, s))
    return s


def index_set_allocator(self: Any, allocator: Any) -> None:
    """set_allocator makes the index's code stores allocate their slabs from allocator from
    their next growth on: a :class:`CountingAllocator`, an object with allocate, deallocate and
    reallocate methods (:class:`Allocator`), or None for the library's own allocation. Slabs
    allocated before keep the allocator they came from and are freed with it."""
    if allocator is None:
        check(fn["vsag_index_set_allocator"](self._handle(), None), "set_allocator")
        return
    if isinstance(allocator, CountingAllocator):
        s = allocator._struct
    else:
        s = _wrap(allocator)
    check(fn["vsag_index_set_allocator"](self._handle(), _c.byref(s)), "set_allocator")
