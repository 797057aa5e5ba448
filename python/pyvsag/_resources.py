"""Resource hooks of the library (include/vsag.h: memory budgets, global options, the logger,
progress callbacks): module functions, the Index methods' helpers and the routing of the
library's log messages to the ``logging`` logger ``"pyvsag"``."""

from __future__ import annotations

import ctypes
import logging
import sys
import time
from typing import Any, Callable, Optional, Union

from ._lib import _Missing, check, lib
from .errors import InvalidArgumentError

__all__ = ["set_global_memory_budget", "get_global_memory_budget", "global_budgeted_memory",
           "set_option", "get_option", "route_logging", "ProgressBar", "ProgressLike"]

_c = ctypes
LOG_FN = _c.CFUNCTYPE(None, _c.c_int, _c.c_char_p, _c.c_void_p)
PROGRESS_FN = _c.CFUNCTYPE(_c.c_int, _c.c_char_p, _c.c_uint64, _c.c_uint64, _c.c_void_p)

_PROTOTYPES = [
    ("vsag_set_global_memory_budget", _c.c_int, [_c.c_uint64]),
    ("vsag_get_global_memory_budget", _c.c_int, [_c.POINTER(_c.c_uint64)]),
    ("vsag_get_global_budgeted_memory", _c.c_int, [_c.POINTER(_c.c_uint64)]),
    ("vsag_index_set_memory_budget", _c.c_int, [_c.c_void_p, _c.c_uint64]),
    ("vsag_index_get_memory_budget", _c.c_int, [_c.c_void_p, _c.POINTER(_c.c_uint64)]),
    ("vsag_index_get_budgeted_memory", _c.c_int, [_c.c_void_p, _c.POINTER(_c.c_uint64)]),
    ("vsag_set_option", _c.c_int, [_c.c_char_p, _c.c_int64]),
    ("vsag_get_option", _c.c_int, [_c.c_char_p, _c.POINTER(_c.c_int64)]),
    ("vsag_set_logger", _c.c_int, [LOG_FN, _c.c_void_p]),
    ("vsag_index_set_progress", _c.c_int, [_c.c_void_p, PROGRESS_FN, _c.c_void_p]),
]

fn = {}
for _name, _restype, _argtypes in _PROTOTYPES:
    _f = getattr(lib.dll, _name, None)
    if _f is None:
        fn[_name] = _Missing(_name)
        continue
    _f.restype = _restype
    _f.argtypes = _argtypes
    fn[_name] = _f

_UINT64_MAX = (1 << 64) - 1


def _bytes(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > _UINT64_MAX:
        raise InvalidArgumentError(f"{what} must be a non-negative integer (bytes), got {value!r}",
                                   operation=what)
    return int(value)


def set_global_memory_budget(nbytes: int) -> None:
    """set_global_memory_budget limits the bytes of the large slabs (code stores, graph
    adjacency, bucket lists) of all indexes together; 0 removes the limit. A build, add, merge
    or load beyond it raises NoEnoughMemoryError and stores nothing."""
    check(fn["vsag_set_global_memory_budget"](_bytes(nbytes, "set_global_memory_budget")),
          "set_global_memory_budget")


def get_global_memory_budget() -> int:
    """get_global_memory_budget returns the global memory budget in bytes (0: none)."""
    out = _c.c_uint64()
    check(fn["vsag_get_global_memory_budget"](_c.byref(out)), "get_global_memory_budget")
    return out.value


def global_budgeted_memory() -> int:
    """global_budgeted_memory returns the bytes of all indexes' large slabs charged to the
    global budget."""
    out = _c.c_uint64()
    check(fn["vsag_get_global_budgeted_memory"](_c.byref(out)), "global_budgeted_memory")
    return out.value


def set_option(name: str, value: int) -> None:
    """set_option sets a global option: ``num_threads_building`` (1..200, default 4),
    ``num_threads_io`` (1..200, default 8), ``block_size_limit`` (bytes, at least 256 KiB,
    default 128 MiB) or ``concurrency_limit`` (threads per call, 0 for none). Unknown names
    and values out of range raise InvalidArgumentError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(f"option {name!r} takes an integer, got {value!r}",
                                   operation="set_option")
    check(fn["vsag_set_option"](str(name).encode(), max(min(value, (1 << 63) - 1), -(1 << 63))),
          "set_option")


def get_option(name: str) -> int:
    """get_option returns a global option's value (see :func:`set_option`)."""
    out = _c.c_int64()
    check(fn["vsag_get_option"](str(name).encode(), _c.byref(out)), "get_option")
    return out.value


# VSAG's levels as logging's: trace is below DEBUG.
_LEVELS = {0: 5, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR,
           5: logging.CRITICAL}
_logger = logging.getLogger("pyvsag")


@LOG_FN
def _on_log(level: int, msg: bytes, _user: Any) -> None:
    try:
        _logger.log(_LEVELS.get(level, logging.INFO), msg.decode("utf-8", "replace"))
    except Exception:  # pragma: no cover - a logging handler failed; never raise into C
        pass


def route_logging(enabled: bool = True) -> None:
    """route_logging sends the library's messages (at or above :func:`pyvsag.set_log_level`'s
    level) to the ``logging`` logger ``"pyvsag"`` (enabled on import), or stops it."""
    check(fn["vsag_set_logger"](_on_log if enabled else LOG_FN(), None), "route_logging")


ProgressLike = Union[None, bool, Callable[[str, int, int], Any]]


class ProgressBar:
    """ProgressBar draws a tqdm-like bar on a terminal stream (stderr by default) from progress
    reports ``(op, done, total)``; it draws nothing when the stream is not a terminal."""

    def __init__(self, stream: Any = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._start = time.monotonic()
        self._last = -1.0

    def __call__(self, op: str, done: int, total: int) -> bool:
        if not self.enabled:
            return True
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return True
        self._last = now
        elapsed = now - self._start
        if total > 0:
            frac = min(done / total, 1.0)
            fill = int(frac * self.width)
            bar = "#" * fill + "-" * (self.width - fill)
            eta = elapsed / frac - elapsed if frac > 0 else 0.0
            line = f"\r{op}: {frac * 100:5.1f}% |{bar}| {done}/{total} [{elapsed:.1f}s<{eta:.1f}s]"
        else:
            line = f"\r{op}: {done} [{elapsed:.1f}s]"
        self.stream.write(line + ("\n" if total > 0 and done >= total else ""))
        self.stream.flush()
        return True


class progress_scope:
    """progress_scope installs a progress callable on an index handle for one call: ``True``
    draws a :class:`ProgressBar` on stderr when it is a terminal; a callable gets ``(op, done,
    total)`` and returns False to cancel where nothing is lost. An exception raised by the
    callable cancels likewise and is raised again when the call ends."""

    def __init__(self, handle: int, progress: ProgressLike) -> None:
        self.handle = handle
        self.error: Optional[BaseException] = None
        if progress is True:
            progress = ProgressBar()
            if not progress.enabled:
                progress = None
        elif progress is False:
            progress = None
        if progress is not None and not callable(progress):
            raise InvalidArgumentError(f"progress must be a callable, True or None, got {progress!r}",
                                       operation="progress")
        self.callable = progress
        self.cfn: Any = None

    def __enter__(self) -> "progress_scope":
        if self.callable is None:
            return self
        user = self.callable

        def call(op: bytes, done: int, total: int, _u: Any) -> int:
            try:
                keep = user(op.decode(), int(done), int(total))
                return 0 if keep is None or keep else 1
            except BaseException as e:  # noqa: BLE001 - re-raised by __exit__
                if self.error is None:
                    self.error = e
                return 1

        self.cfn = PROGRESS_FN(call)
        check(fn["vsag_index_set_progress"](self.handle, self.cfn, None), "progress")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.cfn is not None:
            fn["vsag_index_set_progress"](self.handle, PROGRESS_FN(), None)
            self.cfn = None
        if self.error is not None:
            raise self.error


route_logging(True)
