"""pyvsag.distributed: sharded build and scatter-gather search on Dask distributed.

One index is split into shards, each an ordinary pyvsag index file under a shared *root*
folder that every Dask worker can read and write (a local folder for a ``LocalCluster``, a
network or cluster file system for a real cluster). The root holds::

    manifest.json                 written last, by atomic rename: what the root holds
    model.vsag                    the trained, empty model the shards were filled from
                                  (index types with export_model: hgraph, ivf)
    routing.npy                   per-shard routing centroids (float32, one block per shard)
    shard-0000-g0.vsag ...        one file per shard and generation

:func:`build_sharded` trains once on a sample (where the index type has a model to export),
partitions the rows (k-means by default, so that routing can skip shards; or contiguous row
ranges) and builds one shard per partition as Dask tasks. :meth:`ShardedIndex.open` starts one
Dask actor per shard, pinned to a worker, that loads its shard file; searches are scattered to
the shards and their top-k merged by distance (ties by label). The calls go from the client
straight to each actor's worker (not through the scheduler), and a query batch reaches the
shards on the client's own host as one file in ``/dev/shm`` that they map, rather than one copy
per shard through the connections. A worker that dies is replaced:
its shard is reloaded from the root on a live worker, the adds and removes made since the last
:meth:`ShardedIndex.save` are replayed, and the query that was in flight is retried once.

Example::

    from distributed import Client
    import pyvsag.distributed as pd

    client = Client("tcp://scheduler:8786")            # or Client(LocalCluster(...))
    pd.build_sharded(client, "hgraph", params, data, ids, shards=4, root="/shared/idx")
    index = pd.ShardedIndex.open(client, "/shared/idx")
    ids, dists = index.knn_search(queries, 10, {"hgraph": {"ef_search": 100}})

The manifest's format is versioned (``format_version``); readers refuse a newer major format.
Every file it names carries a SHA-256 checksum that loading verifies (``verify=True``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import mmap
import os
import tempfile
import threading
import time
import uuid
import weakref
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

import numpy as np

from ._index import Index, Parameters
from .errors import InvalidArgumentError, UnsupportedIndexOperationError, VsagError
from ._types import Feature

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "build_sharded",
    "read_manifest",
    "read_vectors",
    "count_rows",
    "merge_topk",
    "ShardedIndex",
    "ShardActor",
]

FORMAT = "pyvsag-sharded"
"""FORMAT is the manifest's ``format`` field."""

FORMAT_VERSION = 1
"""FORMAT_VERSION is the manifest format this module writes and the newest it reads."""

MANIFEST = "manifest.json"
"""MANIFEST is the manifest's file name inside the root."""

PathLike = Union[str, "os.PathLike[str]"]
DataLike = Any  # numpy array, dask array, or a sequence of .npy / .fvecs paths

_ROUTING_PER_SHARD = 16


# ---- files (these run on the workers) -------------------------------------------------------


def read_vectors(path: PathLike, lo: int = 0, hi: Optional[int] = None) -> np.ndarray:
    """read_vectors reads rows lo..hi-1 of a ``.npy`` (2-D) or ``.fvecs`` file (each row an
    int32 dimension followed by that many float32 values) as a 2-D array; ``.npy`` files are
    memory-mapped, so only the rows asked for are read."""
    p = os.fspath(path)
    if p.endswith(".npy"):
        arr = np.load(p, mmap_mode="r")
        if arr.ndim != 2:
            raise InvalidArgumentError(f"{p}: a .npy file of vectors must be 2-D, got shape "
                                       f"{arr.shape}", operation="read_vectors")
        return np.ascontiguousarray(arr[lo:hi])
    if p.endswith(".fvecs"):
        with open(p, "rb") as f:
            head = np.fromfile(f, dtype=np.int32, count=1)
        if head.size != 1 or head[0] <= 0:
            raise InvalidArgumentError(f"{p}: not an .fvecs file", operation="read_vectors")
        dim = int(head[0])
        rows = count_rows(p)
        hi = rows if hi is None else min(hi, rows)
        raw = np.fromfile(p, dtype=np.float32, count=(hi - lo) * (dim + 1),
                          offset=lo * (dim + 1) * 4).reshape(hi - lo, dim + 1)
        if (raw[:, 0].view(np.int32) != dim).any():
            raise InvalidArgumentError(f"{p}: rows of different dimensions",
                                       operation="read_vectors")
        return np.ascontiguousarray(raw[:, 1:])
    raise InvalidArgumentError(f"{p}: vector files are .npy or .fvecs", operation="read_vectors")


def count_rows(path: PathLike) -> int:
    """count_rows returns the number of vectors in a ``.npy`` or ``.fvecs`` file."""
    p = os.fspath(path)
    if p.endswith(".npy"):
        return int(np.load(p, mmap_mode="r").shape[0])
    if p.endswith(".fvecs"):
        with open(p, "rb") as f:
            head = np.fromfile(f, dtype=np.int32, count=1)
        if head.size != 1 or head[0] <= 0:
            raise InvalidArgumentError(f"{p}: not an .fvecs file", operation="count_rows")
        size = os.path.getsize(p)
        row = (int(head[0]) + 1) * 4
        if size % row:
            raise InvalidArgumentError(f"{p}: size {size} is not a multiple of rows of {row} "
                                       "bytes", operation="count_rows")
        return size // row
    raise InvalidArgumentError(f"{p}: vector files are .npy or .fvecs", operation="count_rows")


def _sha256(path: str) -> str:
    """_sha256 hashes a file in one call over a read-only mapping: hashlib lets go of the GIL
    for the whole file, where a loop of reads would take it back for every chunk (on a Dask
    worker, whose own threads want the GIL too, that made hashing a shard several times
    slower than writing it)."""
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return hashlib.sha256(b"").hexdigest()
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            return hashlib.sha256(m).hexdigest()


def _write_atomic(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp-{uuid.uuid4().hex}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync_dir(root: str) -> None:
    try:
        fd = os.open(root, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _prepare_root(root: str, obsolete: Sequence[str],
                  model: Optional[bytes]) -> Optional[Dict[str, Any]]:
    """_prepare_root removes the files of the index a build overwrites, then writes the model
    (when there is one) and returns its manifest entry."""
    os.makedirs(root, exist_ok=True)
    _remove_files(root, obsolete)
    if model is None:
        return None
    path = os.path.join(root, "model.vsag")
    _write_atomic(path, model)
    return {"file": "model.vsag", "bytes": len(model), "sha256": hashlib.sha256(model).hexdigest()}


def _commit(root: str, manifest: Dict[str, Any], routing: Optional[np.ndarray],
            obsolete: Sequence[str]) -> Dict[str, Any]:
    """_commit writes routing.npy (when given), then the manifest by atomic rename, then removes
    the files the new manifest no longer names."""
    os.makedirs(root, exist_ok=True)
    manifest = dict(manifest)
    if routing is not None:
        path = os.path.join(root, "routing.npy")
        tmp = f"{path}.tmp-{uuid.uuid4().hex}.npy"
        np.save(tmp, np.ascontiguousarray(routing, dtype=np.float32))
        os.replace(tmp, path)
        manifest["routing"] = dict(manifest.get("routing") or {}, file="routing.npy",
                                   sha256=_sha256(path))
    text = json.dumps(manifest, indent=1, sort_keys=True).encode()
    _write_atomic(os.path.join(root, MANIFEST), text)
    _fsync_dir(root)
    keep = {s["file"] for s in manifest["shards"]}
    for name in obsolete:
        if name not in keep and os.path.basename(name) == name:
            try:
                os.remove(os.path.join(root, name))
            except FileNotFoundError:
                pass
    return manifest


def read_manifest(root: PathLike) -> Dict[str, Any]:
    """read_manifest reads and checks ``root/manifest.json``.

    Raises:
        MissingFileError-like ``FileNotFoundError``: no manifest under root.
        InvalidArgumentError: not a pyvsag sharded manifest, or a newer format version.
    """
    path = os.path.join(os.fspath(root), MANIFEST)
    with open(path, "rb") as f:
        manifest: Dict[str, Any] = json.loads(f.read())
    if manifest.get("format") != FORMAT:
        raise InvalidArgumentError(f"{path} is not a {FORMAT} manifest", operation="open")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1 or version > FORMAT_VERSION:
        raise InvalidArgumentError(f"{path} has format_version {version!r}; this pyvsag reads "
                                   f"1..{FORMAT_VERSION}", operation="open")
    return manifest


def _read_routing(root: str, manifest: Mapping[str, Any], verify: bool) -> Optional[np.ndarray]:
    info = manifest.get("routing")
    if not info:
        return None
    path = os.path.join(root, info["file"])
    if verify and _sha256(path) != info["sha256"]:
        raise InvalidArgumentError(f"{path}: checksum mismatch", operation="open")
    return np.load(path)


# ---- geometry --------------------------------------------------------------------------------


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1
    return x / n


def _scores(x: np.ndarray, c: np.ndarray, metric: str) -> np.ndarray:
    """_scores is smaller-is-closer: squared L2 for "l2", minus the cosine otherwise."""
    x = np.asarray(x, dtype=np.float32)
    c = np.asarray(c, dtype=np.float32)
    if metric == "l2":
        d = x @ c.T
        d *= -2
        d += np.einsum("ij,ij->i", x, x)[:, None]
        d += np.einsum("ij,ij->i", c, c)[None, :]
        return np.maximum(d, 0, out=d)
    return -(_unit(x) @ _unit(c).T)


def _kmeans(x: np.ndarray, k: int, metric: str, iters: int = 20, seed: int = 0) -> np.ndarray:
    """_kmeans returns k centroids of x (k-means++ start, Lloyd iterations; spherical for
    inner product and cosine)."""
    x = np.asarray(x, dtype=np.float32)
    if metric != "l2":
        x = _unit(x)
    n = len(x)
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    c = np.empty((k, x.shape[1]), dtype=np.float32)
    c[0] = x[rng.integers(n)]
    closest = _scores(x, c[:1], "l2")[:, 0]
    for j in range(1, k):
        total = float(closest.sum())
        pick = rng.integers(n) if total <= 0 else rng.choice(n, p=closest / total)
        c[j] = x[pick]
        closest = np.minimum(closest, _scores(x, c[j:j + 1], "l2")[:, 0])
    for _ in range(iters):
        a = _scores(x, c, "l2").argmin(1)
        new = c.copy()
        for j in range(k):
            members = x[a == j]
            if len(members):
                new[j] = members.mean(0)
        if metric != "l2":
            new = _unit(new)
        if np.allclose(new, c):
            c = new
            break
        c = new
    return c


def _balance(scores: np.ndarray, tolerance: float, rounds: int = 200) -> np.ndarray:
    """_balance returns per-centroid offsets added to scores so that argmin assigns no centroid
    more than tolerance times the mean share of the sample."""
    n, k = scores.shape
    bias = np.zeros(k, dtype=np.float64)
    cap = tolerance * n / k
    spread = float(np.median(np.abs(scores - scores.mean(1, keepdims=True)))) or 1.0
    for _ in range(rounds):
        counts = np.bincount((scores + bias).argmin(1), minlength=k)
        if counts.max() <= cap:
            break
        bias += 0.05 * spread * (counts / (n / k) - 1)
    return bias


def _assign(x: np.ndarray, rows: np.ndarray, spec: Mapping[str, Any]) -> np.ndarray:
    """_assign returns the shard of each row (rows are the rows' global positions)."""
    if spec["kind"] == "range":
        return np.searchsorted(np.asarray(spec["bounds"]), rows, side="right") - 1
    s = _scores(x, spec["centroids"], spec["metric"]) + np.asarray(spec["bias"])[None, :]
    return s.argmin(1)


def merge_topk(ids: np.ndarray, dists: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """merge_topk keeps the k best of each row of (nq, m) candidate arrays: ascending distance,
    ties broken by the smaller label; padding (label -1, distance +inf) sorts last."""
    ids = np.asarray(ids, dtype=np.int64)
    dists = np.asarray(dists, dtype=np.float32)
    key = np.where(ids < 0, np.iinfo(np.int64).max, ids)
    order = np.lexsort((key, dists), axis=-1)[:, :k]
    out_ids = np.take_along_axis(ids, order, axis=1)
    out_d = np.take_along_axis(dists, order, axis=1)
    if out_ids.shape[1] < k:
        pad = k - out_ids.shape[1]
        out_ids = np.pad(out_ids, ((0, 0), (0, pad)), constant_values=-1)
        out_d = np.pad(out_d, ((0, 0), (0, pad)), constant_values=np.inf)
    return out_ids, out_d


# ---- build tasks -----------------------------------------------------------------------------


def _params_dict(parameters: Parameters) -> Dict[str, Any]:
    if isinstance(parameters, dict):
        return dict(parameters)
    if isinstance(parameters, bytes):
        parameters = parameters.decode()
    if isinstance(parameters, str):
        try:
            out = json.loads(parameters)
        except ValueError as exc:
            raise InvalidArgumentError(f"create_params is not JSON: {exc}",
                                       operation="build_sharded") from None
        if isinstance(out, dict):
            return out
    raise InvalidArgumentError("create_params must be a JSON object (str or dict)",
                               operation="build_sharded")


def _sample_block(block: Any, count: int, seed: int) -> np.ndarray:
    x = read_vectors(block) if isinstance(block, str) else np.asarray(block)
    if count >= len(x):
        return np.array(x, dtype=np.float32)
    rng = np.random.default_rng(seed)
    return np.asarray(x[np.sort(rng.choice(len(x), count, replace=False))], dtype=np.float32)


def _split_block(block: Any, ids: np.ndarray, start: int, spec: Mapping[str, Any],
                 shards: int) -> List[Tuple[np.ndarray, np.ndarray]]:
    x = read_vectors(block) if isinstance(block, str) else np.asarray(block)
    if len(x) != len(ids):
        raise InvalidArgumentError(f"a block has {len(x)} rows for {len(ids)} ids",
                                   operation="build_sharded")
    a = _assign(x, np.arange(start, start + len(x)), spec)
    out = []
    for s in range(shards):
        sel = np.flatnonzero(a == s)
        out.append((np.ascontiguousarray(x[sel]), ids[sel]))
    return out


def _part(parts: List[Tuple[np.ndarray, np.ndarray]], shard: int) -> Tuple[np.ndarray, np.ndarray]:
    return parts[shard]


def _train_model(index_name: str, create_params: str, sample: np.ndarray) -> Optional[bytes]:
    """_train_model trains an index on the sample and returns its exported, empty model
    serialized; None for index types without a model to export."""
    index = Index(index_name, create_params)
    try:
        if not index.check_feature(Feature.SUPPORT_EXPORT_MODEL):
            return None
        index.train(np.ascontiguousarray(sample))
        model = index.export_model()
        data = model.serialize()
        model.close()
        return data
    finally:
        index.close()


def _shard_file(shard: int, generation: int) -> str:
    return f"shard-{shard:04d}-g{generation}.vsag"


def _save_entry(index: Index, root: str, shard: int, generation: int,
                step: Optional[Any] = None) -> Dict[str, Any]:
    name = _shard_file(shard, generation)
    os.makedirs(root, exist_ok=True)
    path = os.path.join(root, name)
    index.save(path)
    if step is not None:
        step("write")
    n = index.get_num_elements()
    lo, hi = index.get_min_max_id() if n else (None, None)
    return {"shard": shard, "file": name, "sha256": _sha256(path),
            "bytes": os.path.getsize(path), "count": int(n),
            "removed": int(index.get_num_removed()),
            "id_min": None if lo is None else int(lo), "id_max": None if hi is None else int(hi)}


def _load_part(part: Any) -> Tuple[np.ndarray, np.ndarray]:
    """_load_part returns a part's (vectors, labels): given as such, or as ("staged", rows
    file, labels file): the shard's rows and labels, staged for it as two .npy files."""
    if isinstance(part, tuple) and len(part) == 3 and part[0] == "staged":
        _, rows_path, ids_path = part
        return np.load(rows_path), np.load(ids_path)
    return part[0], part[1]


def _stage_shard(folder: str, tag: str, shard: int, rows: np.ndarray, ids: np.ndarray,
                 sel: np.ndarray) -> Tuple[str, str]:
    """_stage_shard writes one shard's rows and labels under folder (root/.staging) for its
    build task to read: two .npy files, returned as paths."""
    os.makedirs(folder, exist_ok=True)
    out = []
    for what, arr in (("rows", rows), ("ids", ids)):
        path = os.path.join(folder, f"{what}-{tag}-{shard:04d}.npy")
        np.save(path, np.ascontiguousarray(arr[sel]))
        out.append(path)
    return out[0], out[1]


_threads_lock = threading.Lock()
_threads_users = 0
_threads_saved = 0


def _host_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _task_threads(slots_per_host: Mapping[str, int], requested: Optional[int]) -> int:
    """_task_threads is the build threads of one shard task: requested, or the cores of the
    worker's host divided by the Dask threads on that host (tasks that run side by side then
    share the cores instead of each taking all of them)."""
    if requested:
        return int(requested)
    slots = 0
    try:
        from distributed import get_worker
        from distributed.comm import get_address_host

        worker = get_worker()
        slots = int(slots_per_host.get(get_address_host(worker.address), 0))
        if not slots:
            slots = int(worker.state.nthreads)
    except Exception:  # not on a Dask worker (a direct call)
        slots = 1
    return max(1, _host_cores() // max(1, slots))


class _BuildThreads:
    """_BuildThreads sets the process's num_threads_building for the shard builds running in
    it and restores the previous value when the last of them ends."""

    def __init__(self, threads: int) -> None:
        self.threads = min(max(1, threads), 200)

    def __enter__(self) -> "_BuildThreads":
        global _threads_users, _threads_saved
        from ._resources import get_option, set_option
        with _threads_lock:
            if _threads_users == 0:
                _threads_saved = get_option("num_threads_building")
            _threads_users += 1
            set_option("num_threads_building", self.threads)
        return self

    def __exit__(self, *exc: object) -> None:
        global _threads_users
        from ._resources import set_option
        with _threads_lock:
            _threads_users -= 1
            if _threads_users == 0:
                set_option("num_threads_building", _threads_saved)


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def _build_shard(root: str, shard: int, index_name: str, create_params: str,
                 model: Optional[bytes], metric: str, parts: Sequence[Any], routing: int,
                 seed: int, slots_per_host: Optional[Mapping[str, int]] = None,
                 threads: Optional[int] = None, after: Any = None
                 ) -> Tuple[Dict[str, Any], np.ndarray, Dict[str, Any]]:
    """_build_shard builds one shard from its parts, writes it under root and returns its
    manifest entry, its routing centroids and where its time went (seconds of each step,
    the process's CPU seconds and the build threads). after is a task it must follow (its
    value is not used)."""
    clock = [time.perf_counter(), _cpu_seconds()]
    cpu0 = clock[1]
    timing: Dict[str, Any] = {"shard": shard, "pid": os.getpid()}

    def step(name: str) -> None:
        now, cpu = time.perf_counter(), _cpu_seconds()
        timing[name] = round(now - clock[0], 4)
        timing[name + "_cpu"] = round(cpu - clock[1], 4)
        clock[0], clock[1] = now, cpu

    loaded = [_load_part(p) for p in parts]
    vecs = [p[0] for p in loaded if len(p[0])]
    labs = [p[1] for p in loaded if len(p[1])]
    del loaded
    if not vecs:
        raise InvalidArgumentError(f"shard {shard} would be empty: fewer rows than shards, or "
                                   "a partition that leaves a shard empty",
                                   operation="build_sharded")
    x = vecs[0] if len(vecs) == 1 else np.concatenate(vecs)
    ids = labs[0] if len(labs) == 1 else np.concatenate(labs)
    del vecs, labs
    timing["threads"] = _task_threads(slots_per_host or {}, threads)
    step("load")
    index = Index.from_bytes(model) if model is not None else Index(index_name, create_params)
    try:
        with _BuildThreads(timing["threads"]):
            failed = index.build(x, ids)
        step("build")
        if failed.size:
            raise InvalidArgumentError(f"shard {shard}: {failed.size} labels could not be added "
                                       f"(duplicates?), first {failed[:5].tolist()}",
                                       operation="build_sharded")
        sample = x if len(x) <= 20 * routing else x[np.random.default_rng(seed).choice(
            len(x), 20 * routing, replace=False)]
        cents = _kmeans(sample, routing, metric, iters=10, seed=seed)
        step("routing")
        entry = _save_entry(index, root, shard, 0, step)
        step("checksum")
        timing["cpu"] = round(_cpu_seconds() - cpu0, 4)
        return entry, cents, timing
    finally:
        index.close()


def _remove_files(root: str, names: Sequence[str]) -> None:
    for name in names:
        try:
            os.remove(os.path.join(root, name))
        except FileNotFoundError:
            pass


def _rows_of(data: DataLike) -> Tuple[str, Any]:
    """_rows_of classifies data: ("numpy", array), ("dask", array) or ("paths", [str])."""
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise InvalidArgumentError(f"data must be 2-D, got shape {data.shape}",
                                       operation="build_sharded")
        return "numpy", data
    if type(data).__module__.startswith("dask.array"):
        if data.ndim != 2:
            raise InvalidArgumentError(f"data must be 2-D, got shape {data.shape}",
                                       operation="build_sharded")
        return "dask", data
    if isinstance(data, (str, os.PathLike)):
        data = [data]
    if isinstance(data, (list, tuple)) and data and all(isinstance(p, (str, os.PathLike))
                                                        for p in data):
        return "paths", [os.fspath(p) for p in data]
    raise InvalidArgumentError("data must be a numpy array, a dask array or a list of .npy / "
                               f".fvecs paths, got {type(data).__name__}",
                               operation="build_sharded")


def build_sharded(client: Any, index_name: str, create_params: Parameters, data: DataLike,
                  ids: Any = None, shards: int = 4, root: PathLike = "", *,
                  partition: str = "kmeans", sample_size: int = 10000, balance: float = 1.05,
                  routing_centroids: int = _ROUTING_PER_SHARD, seed: int = 0,
                  overwrite: bool = False, stage: str = "auto",
                  build_threads: Optional[int] = None) -> Dict[str, Any]:
    """build_sharded builds an index in shards as Dask tasks and writes them under root.

    Steps: a sample of the rows is drawn (by the workers for Dask arrays and files); where the
    partition is k-means its ``shards`` centroids are learnt from the sample (balanced so no
    shard exceeds ``balance`` times the mean); where the index type has a model to export
    (hgraph, ivf: quantizer ranges, codebooks, IVF centroids) one index is trained on the sample
    (in the calling process, which gathers the sample) and its empty model written to
    ``root/model.vsag``; every block of rows is split
    by partition; and one task per shard builds its index from the shared model (so shards share
    one quantizer), writes ``shard-NNNN-g0.vsag`` and learns a few routing centroids. The
    manifest is written last, by atomic rename: a root without ``manifest.json`` holds no index.

    Args:
        client: a ``distributed.Client``.
        index_name: the index type, such as ``"hgraph"``, ``"ivf"`` or ``"brute_force"``.
        create_params: the create JSON (str or dict); its ``dim`` is checked against the data.
        data: the rows: a 2-D numpy array (split here and sent to the workers), a 2-D Dask
            array (its blocks are computed on the workers), or a list of ``.npy`` / ``.fvecs``
            paths that the workers read themselves (the paths must be valid on the workers).
        ids: int64 labels, one per row (numpy or Dask array or sequence); default 0..n-1 in
            row order (across the files in the order given).
        shards: the number of shards (>= 1).
        root: the folder of the sharded index, on storage every worker shares.
        partition: ``"kmeans"`` (rows go to the shard of their nearest balanced centroid, so
            that :meth:`ShardedIndex.knn_search` with ``probe_shards`` can skip far shards) or
            ``"contiguous"`` (shard i takes the i-th run of rows: disjoint label ranges when the
            labels ascend).
        sample_size: rows sampled for the partition and the model.
        balance: the largest shard's size over the mean that the k-means partition allows.
        routing_centroids: centroids per shard kept for query routing.
        seed: seed of the sampling and k-means.
        overwrite: replace an existing manifest under root (its files are removed).
        stage: how the rows of a numpy array reach the workers: ``"files"`` (each shard's
            rows and labels are written under ``root/.staging``, largest shard first, and its
            task is submitted as soon as they are, so the first builds run while the other
            shards are written; the workers read them and the files are removed: the cheapest
            way when the client shares the root's storage),
            ``"scatter"`` (sent through Dask), or ``"auto"`` (files when the client can write
            the root).
        build_threads: build threads of each shard task (pyvsag's ``num_threads_building`` in
            the worker while it builds); default the cores of the worker's host divided by the
            Dask threads of the workers on that host, so that shards built side by side share
            the cores rather than oversubscribe them (one thread each for two single-threaded
            workers on two cores; all cores for the only worker of a machine).

    Returns:
        The manifest (a dict, as written to ``root/manifest.json``).

    Raises:
        InvalidArgumentError: bad arguments or data; errors of the workers' tasks are raised
            as they are (VsagError subclasses for the library's).
    """
    op = "build_sharded"
    _check_client(client, op)
    root = os.path.abspath(os.fspath(root)) if root else ""
    if not root:
        raise InvalidArgumentError("root (the shared folder of the shards) is required",
                                   operation=op)
    if not isinstance(shards, int) or isinstance(shards, bool) or shards < 1:
        raise InvalidArgumentError(f"shards must be an integer >= 1, got {shards!r}", operation=op)
    if stage not in ("auto", "files", "scatter"):
        raise InvalidArgumentError(f'stage must be "auto", "files" or "scatter", got {stage!r}',
                                   operation=op)
    if build_threads is not None and (not isinstance(build_threads, int)
                                      or isinstance(build_threads, bool)
                                      or not 1 <= build_threads <= 200):
        raise InvalidArgumentError(f"build_threads must be an integer in 1..200 or None, got "
                                   f"{build_threads!r}", operation=op)
    if partition not in ("kmeans", "contiguous"):
        raise InvalidArgumentError(f'partition must be "kmeans" or "contiguous", got '
                                   f"{partition!r}", operation=op)
    params = _params_dict(create_params)
    metric = str(params.get("metric_type", "l2")).lower()
    kind, rows = _rows_of(data)

    phases: Dict[str, float] = {}
    clock = [time.perf_counter()]

    def phase(name: str) -> None:
        now = time.perf_counter()
        phases[name] = round(now - clock[0], 4)
        clock[0] = now

    old = _run(client, _try_read_manifest, root)
    if old is not None and not overwrite:
        raise InvalidArgumentError(f"{root} already holds a sharded index (overwrite=True "
                                   "replaces it)", operation=op)

    # Blocks: (source, start row, row count); source is a future or a path.
    if kind == "numpy":
        n, dim = rows.shape
        block_rows = [(0, n)]
    elif kind == "dask":
        n, dim = (int(v) for v in rows.shape)
        rows = rows.rechunk({1: -1})
        sizes = [int(c) for c in rows.chunks[0]]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int).tolist()
        block_rows = list(zip(starts, sizes))
    else:
        counts = client.gather(client.map(count_rows, rows, pure=False))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int).tolist()
        block_rows = list(zip(starts, counts))
        n = int(sum(counts))
        dims = client.gather([client.submit(_dim_of, p, pure=False) for p in rows])
        if len(set(dims)) != 1:
            raise InvalidArgumentError(f"the files have different dimensions {sorted(set(dims))}",
                                       operation=op)
        dim = dims[0]
    if "dim" in params and int(params["dim"]) != dim:
        raise InvalidArgumentError(f"create_params has dim {params['dim']} but the data has "
                                   f"{dim}", operation=op)
    params["dim"] = dim
    if n < shards:
        raise InvalidArgumentError(f"{n} rows cannot fill {shards} shards", operation=op)
    labels = _labels_of(ids, n)
    params_json = json.dumps(params)

    # Sources of the blocks on the workers (numpy rows stay here until split).
    sources: List[Any]
    if kind == "dask":
        sources = client.compute(list(rows.to_delayed().ravel()))
    elif kind == "paths":
        sources = list(rows)
    else:
        sources = []

    # The sample: drawn from every block in proportion to its size.
    phase("blocks")
    want = min(sample_size, n)
    if kind == "numpy":
        pick = np.sort(np.random.default_rng(seed).choice(n, want, replace=False))
        sample = np.asarray(rows[pick], dtype=np.float32)
    else:
        tasks = [client.submit(_sample_block, src, max(1, round(want * cnt / n)), seed + b,
                               pure=False)
                 for b, (src, (_, cnt)) in enumerate(zip(sources, block_rows)) if cnt]
        sample = np.concatenate(client.gather(tasks))

    phase("sample")
    if partition == "kmeans" and shards > 1:
        # a few hundred rows per centroid place a handful of centroids well
        few = sample[:min(len(sample), 500 * shards)]
        cents = _kmeans(few, shards, metric, iters=15, seed=seed)
        bias = _balance(_scores(sample, cents, metric), balance)
        spec: Dict[str, Any] = {"kind": "kmeans", "centroids": cents, "bias": bias,
                                "metric": metric}
    else:
        bounds = [round(i * n / shards) for i in range(shards)]
        spec = {"kind": "range", "bounds": bounds}

    phase("partition")
    # The sample is here already: training here saves sending it to a worker and back.
    model_bytes = _train_model(index_name, params_json, sample)
    model_f = None
    if model_bytes is not None:
        model_f = client.scatter(model_bytes, broadcast=True, hash=False)
    # One task removes what an overwritten index left behind and writes the model; the shard
    # tasks wait for it on the cluster, not here.
    obsolete = [] if old is None else ([s["file"] for s in old["shards"]] +
                                       [MANIFEST, "routing.npy", "model.vsag"])
    prepared = client.submit(_prepare_root, root, obsolete, model_f, pure=False)

    phase("model")
    workers, slots = _workers_and_slots(client)
    shard_parts: List[List[Any]] = [[] for _ in range(shards)]
    staged: List[str] = []
    futures: List[Any] = [None] * shards

    def submit(shard: int) -> None:
        # each shard's build starts as soon as its rows are on their way
        futures[shard] = client.submit(_build_shard, root, shard, index_name, params_json,
                                       model_f, metric, shard_parts[shard], routing_centroids,
                                       seed + shard, slots, build_threads, prepared,
                                       pure=False,
                                       key=f"vsag-build-shard-{shard}-{uuid.uuid4().hex[:8]}")

    try:
        if kind == "numpy":
            a = _assign(rows, np.arange(n), spec).astype(np.int32)
            via_files = stage == "files" or (stage == "auto" and _writable(root))
            folder, tag = os.path.join(root, ".staging"), uuid.uuid4().hex[:8]
            # largest shards first: the workers then finish close together; each shard's
            # build starts while the next shard's rows are being written
            for s in np.argsort(-np.bincount(a, minlength=shards), kind="stable").tolist():
                if via_files:
                    paths = _stage_shard(folder, tag, s, rows, labels, np.flatnonzero(a == s))
                    staged.extend(paths)
                    shard_parts[s].append(("staged",) + paths)
                else:
                    sel = np.flatnonzero(a == s)
                    shard_parts[s].append(client.scatter([(rows[sel], labels[sel])], hash=False,
                                                         workers=[workers[s % len(workers)]])[0])
                submit(s)
        else:
            for b, (src, (start, cnt)) in enumerate(zip(sources, block_rows)):
                if not cnt:
                    continue
                split = client.submit(_split_block, src, labels[start:start + cnt], start, spec,
                                      shards, pure=False)
                for s in range(shards):
                    shard_parts[s].append(client.submit(_part, split, s, pure=False))
            for s in range(shards):
                submit(s)
        phase("distribute")
        results = client.gather(futures)
    finally:
        for path in staged:
            try:
                os.remove(path)
            except OSError:
                pass
        if staged:
            try:
                os.rmdir(os.path.dirname(staged[0]))
            except OSError:
                pass
    model_info = prepared.result()
    phase("shards")
    del futures, shard_parts, sources, prepared
    detail = [r[2] for r in results]

    entries = [r[0] for r in results]
    routing = np.concatenate([r[1] for r in results]).astype(np.float32)
    routing_rows = np.cumsum([0] + [len(r[1]) for r in results]).tolist()
    for e, lo, hi in zip(entries, routing_rows[:-1], routing_rows[1:]):
        e["routing_rows"] = [int(lo), int(hi)]
    manifest: Dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generation": 0,
        "index_name": index_name,
        "create_params": params,
        "dim": int(dim),
        "metric": metric,
        "dtype": str(params.get("dtype", "float32")),
        "partition": partition,
        "model": model_info,
        "routing": {"per_shard": int(routing_centroids), "metric": metric},
        "count": int(sum(e["count"] for e in entries)),
        "shards": entries,
        "build_seconds": {"shards": [d["build"] for d in detail], "phases": phases,
                          "shard_steps": detail},
        "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return _run(client, _commit, root, manifest, routing, [])


def _workers_and_slots(client: Any) -> Tuple[List[str], Dict[str, int]]:
    """_workers_and_slots returns the worker addresses and, per host, the Dask threads (task
    slots) of its workers."""
    info = client.scheduler_info()["workers"]
    if not info:
        client.wait_for_workers(1)
        info = client.scheduler_info()["workers"]
    slots: Dict[str, int] = {}
    for w in info.values():
        host = str(w.get("host", ""))
        slots[host] = slots.get(host, 0) + int(w.get("nthreads", 1) or 1)
    return sorted(info), slots


def _writable(root: str) -> bool:
    try:
        os.makedirs(root, exist_ok=True)
        return os.access(root, os.W_OK)
    except OSError:
        return False


def _dim_of(path: str) -> int:
    return int(read_vectors(path, 0, 1).shape[1])


def _labels_of(ids: Any, n: int) -> np.ndarray:
    if ids is None:
        return np.arange(n, dtype=np.int64)
    if type(ids).__module__.startswith("dask"):
        ids = ids.compute()
    out = np.asarray(ids)
    if out.dtype.kind not in "iu":
        raise InvalidArgumentError(f"ids must be integers, got {out.dtype}",
                                   operation="build_sharded")
    out = out.astype(np.int64).reshape(-1)
    if out.size != n:
        raise InvalidArgumentError(f"{out.size} ids for {n} rows", operation="build_sharded")
    return out


def _try_read_manifest(root: str) -> Optional[Dict[str, Any]]:
    try:
        return read_manifest(root)
    except FileNotFoundError:
        return None


def _check_slack(slack: Any, operation: str) -> Optional[float]:
    """_check_slack returns probe_slack as a float (None stays None), or raises
    InvalidArgumentError unless it is a finite number >= 0."""
    if slack is None:
        return None
    if isinstance(slack, bool) or not isinstance(slack, (int, float, np.number)) or not (
            0 <= slack < np.inf):
        raise InvalidArgumentError(f"probe_slack must be a finite number >= 0, got {slack!r}",
                                   operation=operation)
    return float(slack)


def _check_client(client: Any, operation: str) -> None:
    """_check_client refuses what would hang: an asynchronous client (its futures' results are
    coroutines, and this module waits for them), and a call made on the client's own event-loop
    thread (the loop would wait for itself)."""
    import asyncio
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    loop = getattr(getattr(client, "loop", None), "asyncio_loop", None)
    if running is not None and running is loop:
        raise RuntimeError(f"pyvsag.distributed {operation} cannot run on the Dask client's "
                           "own event-loop thread: it waits for that loop; call it from "
                           "another thread")
    if getattr(client, "asynchronous", False):
        raise InvalidArgumentError("pyvsag.distributed takes a synchronous distributed.Client; "
                                   "in an asynchronous program, make one with "
                                   "asynchronous=False and call it from a thread (for example "
                                   "loop.run_in_executor)", operation=operation)


def _run(client: Any, fn: Any, *args: Any) -> Any:
    """_run runs fn(*args) as one task on some worker (the root is read and written by the
    workers, so the client needs no access to it) and returns its result."""
    return client.submit(fn, *args, pure=False).result()


def _worker_list(client: Any) -> List[str]:
    workers = sorted(client.scheduler_info()["workers"])
    if not workers:
        client.wait_for_workers(1)
        workers = sorted(client.scheduler_info()["workers"])
    return workers


# ---- serving ---------------------------------------------------------------------------------


class _Batch:
    """_Batch carries a query batch to a shard actor. Dask sends it uncompressed: by default it
    compresses every frame that samples well, and a batch of image-like vectors does, so each
    search paid for compressing the batch once per shard on the client and decompressing it on
    every worker, which cost more CPU than the searches themselves at small ef_search."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


def _register_batch() -> None:
    try:
        from distributed.protocol import dask_deserialize, dask_serialize
    except ImportError:  # distributed is not installed: nothing to register
        return

    @dask_serialize.register(_Batch)
    def _dump(batch: _Batch) -> Tuple[Dict[str, Any], List[memoryview]]:
        a = np.ascontiguousarray(batch.array)
        header = {"dtype": a.dtype.str, "shape": list(a.shape)}
        return header, [memoryview(a.reshape(-1).view(np.uint8))]

    @dask_deserialize.register(_Batch)
    def _load(header: Dict[str, Any], frames: List[Any]) -> _Batch:
        a = np.frombuffer(frames[0], dtype=np.dtype(header["dtype"]))
        return _Batch(a.reshape(header["shape"]))


_register_batch()


def _batch(q: np.ndarray) -> Any:
    """_batch returns a query batch as an actor call's argument: serialized once, as a
    _Batch whose frame Dask sends uncompressed (to every shard), or the array itself where
    distributed's serialization is not at hand."""
    try:
        from distributed.protocol.serialize import Serialized, serialize
    except ImportError:
        return q
    header, frames = serialize(_Batch(q), serializers=("dask",), on_error="raise")
    header["compression"] = (False,) * len(frames)
    return Serialized(header, frames)


SHARED_DIR = "/dev/shm"
"""SHARED_DIR is where query batches are written for the shard actors on the client's host."""


def _write_shared(data: Any, folder: str = SHARED_DIR) -> str:
    """_write_shared writes a buffer to a new file (mode 0600) in folder and returns its path."""
    import tempfile

    fd, path = tempfile.mkstemp(prefix="pyvsag-q-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except BaseException:
        _unlink(path)
        raise
    return path


def _unlink(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


class _SharedBatch:
    """_SharedBatch names a query batch the client wrote to a file in shared memory
    (:data:`SHARED_DIR`) for the shard actors on its host: the message carries its path, and
    the actor maps the file instead of receiving the rows over the connection (one write on
    the client for every shard of the host, in place of a copy per shard through the
    connection's event loops on both sides). rows, when given, picks the queries of this shard
    (routing)."""

    __slots__ = ("path", "dtype", "shape", "rows")

    def __init__(self, path: str, dtype: str, shape: Tuple[int, int],
                 rows: Optional[np.ndarray] = None) -> None:
        self.path = path
        self.dtype = dtype
        self.shape = shape
        self.rows = rows

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return (_SharedBatch, (self.path, self.dtype, self.shape, self.rows))

    def open(self) -> np.ndarray:
        """open maps the batch read-only (its rows of this shard are copied out); the mapping
        goes with the last array that uses it."""
        if self._count() == 0:
            return np.empty(self.shape, dtype=np.dtype(self.dtype))
        return self.view(self.map())

    def _count(self) -> int:
        return int(self.shape[0]) * int(self.shape[1])

    def map(self) -> mmap.mmap:
        """map maps the whole file read-only."""
        with open(self.path, "rb") as f:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)

    def view(self, m: mmap.mmap) -> np.ndarray:
        """view reads the batch from a mapping of its file (see map)."""
        a = np.frombuffer(m, dtype=np.dtype(self.dtype), count=self._count()).reshape(self.shape)
        if self.rows is not None:
            a = a[self.rows]
        return a


class _Query:
    """_Query is a query batch on its way to the shards, in the form each shard takes it:
    a _SharedBatch for a shard whose worker shares the client's host (see
    :meth:`ShardActor.probe`; the batch is written on first use, by write, which returns the
    file's path), else the batch serialized once for every shard (_batch). rows picks one
    shard's queries."""

    def __init__(self, q: np.ndarray, write: Any) -> None:
        self.q = q
        self.write = write
        self.path = ""
        self.failed = False
        self._sent: Dict[Optional[int], Any] = {}

    def arg(self, shared: bool, rows: Optional[np.ndarray] = None) -> Any:
        """arg is the call argument for a shard (shared: on the client's host)."""
        if shared and not self.failed:
            if not self.path:
                try:
                    self.path = self.write(memoryview(self.q).cast("B"))
                except OSError:  # /dev/shm full or gone: send the batch instead
                    self.failed = True
            if self.path:
                return _SharedBatch(self.path, self.q.dtype.str, self.q.shape, rows)
        key = None if rows is None else id(rows)
        if key not in self._sent:
            self._sent[key] = _batch(self.q if rows is None else np.ascontiguousarray(self.q[rows]))
        return self._sent[key]


class _ForShard:
    """_ForShard stands for a _Query in a call's arguments: _gather replaces it by the form
    the call's shard takes (_Query.arg)."""

    __slots__ = ("query", "rows")

    def __init__(self, query: _Query, rows: Optional[np.ndarray] = None) -> None:
        self.query = query
        self.rows = rows


TURN_MIN_QUERIES = 32
"""TURN_MIN_QUERIES is the smallest batch a shard searches in its host's turn (see _HostTurns);
smaller batches have too little work to spread over the host's cores and run at once."""


class _HostTurns:
    """_HostTurns lets the shard actors of one host search large batches one after the other,
    each over all of the host's cores, as one process searching its shards would: an exclusive
    lock (flock, released by the kernel if the process dies) on one file per user in
    ``/dev/shm``, else in the temporary folder. Without it, the shards of a scattered batch all
    search at once, each with as many threads as the host has cores: the cores are
    oversubscribed, and the threads preempt each other and evict each other's cached rows (on
    2 cores and 4 shards of Fashion-MNIST, 20-40% more CPU per batch at ef_search 40-160)."""

    def __init__(self, folder: str = "") -> None:
        folder = folder or (SHARED_DIR if os.path.isdir(SHARED_DIR) else tempfile.gettempdir())
        self.path = os.path.join(folder, f"pyvsag-search-turns-{os.getuid()}.lock")
        self._fd = -1

    def acquire(self) -> bool:
        """acquire waits for the host's turn; False when the lock file cannot be used (the
        caller then goes ahead without a turn)."""
        try:
            if self._fd < 0:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            return True
        except OSError:
            return False

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def __del__(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class ShardActor:
    """ShardActor holds one shard on a Dask worker (created by :meth:`ShardedIndex.open` as a
    Dask actor): it loads the shard's file from the root and runs the shard's searches,
    updates and saves. Its methods run on the worker's actor thread."""

    def __init__(self, root: str, shard: int, verify: bool = True,
                 host_turns: bool = False) -> None:
        self.root = root
        self.shard = shard
        self._turns = _HostTurns() if host_turns else None
        manifest = read_manifest(root)
        entry = manifest["shards"][shard]
        self.generation = int(manifest.get("generation", 0))
        path = os.path.join(root, entry["file"])
        if verify and _sha256(path) != entry["sha256"]:
            raise InvalidArgumentError(f"{path}: checksum mismatch", operation="open")
        self.index = Index.load_file(path)
        self.file = entry["file"]
        self.pid = os.getpid()
        self.lock = threading.Lock()
        # the mapping of the client's batch file, kept while the file stays the same: (path,
        # device, inode, size) and the mapping
        self._mapped: Optional[Tuple[Tuple[str, int, int, int], mmap.mmap]] = None

    def ping(self) -> Tuple[int, int]:
        """ping returns (process id, live count)."""
        return self.pid, self.index.get_num_elements()

    def knn_search(self, queries: np.ndarray, k: int, parameters: Parameters,
                   filter: Any = None, filter_expr: Optional[str] = None
                   ) -> Tuple[np.ndarray, np.ndarray]:
        """knn_search searches the shard for a (nq, dim) batch (an array, a _Batch or a
        _SharedBatch)."""
        if isinstance(queries, _Batch):
            queries = queries.array
        elif isinstance(queries, _SharedBatch):
            queries = self._shared(queries)
        turns = self._turns
        if turns is not None and (np.ndim(queries) != 2 or len(queries) < TURN_MIN_QUERIES
                                  or not turns.acquire()):
            turns = None
        try:
            return self.index.knn_search(queries, k, parameters, filter=filter,
                                         filter_expr=filter_expr)
        finally:
            if turns is not None:
                turns.release()

    def _shared(self, batch: _SharedBatch) -> np.ndarray:
        """_shared reads a batch from the client's file in shared memory through a mapping kept
        from one call to the next: the client rewrites one file in place for every batch, and
        a fresh mapping's page faults cost about 2 ms of CPU a call for 1 000 x 784 float32
        queries. The file is mapped again when it is another file or has grown (it never
        shrinks while the client's index is open); the mapping goes with the actor."""
        if batch._count() == 0:
            return batch.open()
        st = os.stat(batch.path)
        key = (batch.path, st.st_dev, st.st_ino, st.st_size)
        mapped = self._mapped
        if mapped is None or mapped[0] != key:
            mapped = (key, batch.map())
            self._mapped = mapped
        return batch.view(mapped[1])

    def probe(self, path: str, token: bytes) -> bool:
        """probe tells whether the file at path (written by the client) holds token: whether
        this worker sees the client's shared memory, so that query batches can reach it as a
        _SharedBatch."""
        try:
            with open(path, "rb") as f:
                return f.read(len(token) + 1) == token
        except OSError:
            return False

    def contains(self, ids: np.ndarray) -> np.ndarray:
        """contains tells for each label whether the shard holds it (live)."""
        out = self.index.check_id_exist(ids)
        return np.asarray(out, dtype=bool).reshape(-1)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """add inserts rows; returns the labels that could not be added."""
        return self.index.add(vectors, ids)

    def remove(self, ids: np.ndarray) -> int:
        """remove removes the labels the shard holds; returns how many."""
        return self.index.remove(ids)

    def save(self, generation: int) -> Dict[str, Any]:
        """save writes the shard as the given generation and returns its manifest entry."""
        entry = _save_entry(self.index, self.root, self.shard, generation)
        self.file = entry["file"]
        self.generation = generation
        return entry

    def stats(self, detail: bool = True) -> Dict[str, Any]:
        """stats returns the shard's counts and, with detail, the index's get_stats()."""
        out: Dict[str, Any] = {
            "shard": self.shard, "pid": self.pid, "file": self.file,
            "num_elements": self.index.get_num_elements(),
            "num_removed": self.index.get_num_removed(),
            "memory_usage": self.index.get_memory_usage(),
        }
        if self.index.get_num_elements():
            out["id_min"], out["id_max"] = self.index.get_min_max_id()
        if detail:
            try:
                out["index"] = self.index.get_stats()
            except UnsupportedIndexOperationError:
                pass
        return out


_Op = Tuple[str, Tuple[Any, ...]]


def _first_error(errs: Sequence[Optional[Exception]]) -> Optional[Exception]:
    """_first_error returns the first error that is not the library's, else the first one."""
    found = [e for e in errs if e is not None]
    for e in found:
        if not isinstance(e, VsagError):
            return e
    return found[0] if found else None


class _Shard:
    """_Shard is the client's view of one shard: its actor, its journal of unsaved updates."""

    def __init__(self, entry: Dict[str, Any]) -> None:
        self.entry = entry
        self.future: Any = None
        self.actor: Any = None
        self.address = ""
        self.journal: List[_Op] = []
        self.dirty = False
        self.id_min: Optional[int] = entry.get("id_min")
        self.id_max: Optional[int] = entry.get("id_max")
        self.count = int(entry.get("count", 0))
        self.shared = False
        """shared: the worker sees the client's shared memory (query batches as files)."""


class ShardedIndex:
    """ShardedIndex serves a root written by :func:`build_sharded`: one Dask actor per shard.

    Use :meth:`open`; the index is a context manager (``close`` releases the actors).

    Failures: a call that fails because a worker died (the actor's future lost, its address
    gone, or the connection refused) replaces the lost shards -- a new actor on the live worker
    holding the fewest shards loads the shard from the root and replays the adds and removes
    made since the last :meth:`save` -- and retries the call once. Errors of the library are
    raised as they are (VsagError subclasses), without a retry.

    Thread safety: one caller at a time (methods hold a lock).
    """

    def __init__(self, client: Any, root: str, manifest: Dict[str, Any],
                 routing: Optional[np.ndarray], verify: bool, timeout: Optional[float]) -> None:
        self.client = client
        self.root = root
        self.manifest = manifest
        self.verify = verify
        self.timeout = timeout
        self.routing = routing
        self.metric = str(manifest.get("metric", "l2"))
        self.dim = int(manifest["dim"])
        self._float32 = manifest.get("dtype", "float32") == "float32"
        self._shards = [_Shard(dict(e)) for e in manifest["shards"]]
        self._routing_owner = np.zeros(0, dtype=np.int64)
        self._routing_index: Optional[Index] = None
        if routing is not None:
            owner = np.empty(len(routing), dtype=np.int64)
            for s, e in enumerate(manifest["shards"]):
                lo, hi = e["routing_rows"]
                owner[lo:hi] = s
            self._routing_owner = owner
        self._lock = threading.RLock()
        self.shared_memory = False
        self.host_turns = False
        self._scratch = ""
        self._scratch_done: Any = None
        self.recoveries = 0
        """recoveries counts the shards reloaded after their worker was lost."""

    # ---- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def open(cls, client: Any, root: PathLike, *, workers: Optional[Sequence[str]] = None,
             verify: bool = True, timeout: Optional[float] = None,
             shared_memory: bool = True, host_turns: bool = True) -> "ShardedIndex":
        """open starts one actor per shard of root, spread round-robin over the workers (or
        over ``workers``, a list of worker addresses), each pinned to its worker and loading its
        shard file (checking its SHA-256 with ``verify``).

        Args:
            client: a ``distributed.Client``.
            root: the folder :func:`build_sharded` wrote (as the workers see it).
            workers: the worker addresses to use; default all.
            verify: check the files' checksums against the manifest.
            timeout: seconds to wait for any one shard call (None: no limit).
            shared_memory: hand query batches to the shards whose worker shares this
                process's host (and its ``/dev/shm``, checked for each worker by a file it
                must read back) as a file there, one for all of them, rather than sending
                the batch to each over its connection.
            host_turns: the shards on one host search batches of at least
                :data:`TURN_MIN_QUERIES` queries one after the other, each over all the
                host's cores, rather than all at once with as many threads each (see
                :class:`_HostTurns`).
        """
        _check_client(client, "open")
        root = os.path.abspath(os.fspath(root))
        manifest = _run(client, read_manifest, root)
        routing = _run(client, _read_routing, root, manifest, verify)
        self = cls(client, root, manifest, routing, verify, timeout)
        self.shared_memory = bool(shared_memory)
        self.host_turns = bool(host_turns)
        pool = list(workers) if workers else _worker_list(client)
        for i, sh in enumerate(self._shards):
            sh.future = self._start(i, pool[i % len(pool)])
        for i, sh in enumerate(self._shards):
            self._bind(i)
        return self

    def _start(self, shard: int, worker: str) -> Any:
        return self.client.submit(ShardActor, self.root, shard, self.verify, self.host_turns,
                                  actor=True,
                                  workers=[worker], allow_other_workers=False, pure=False,
                                  key=f"vsag-shard-{shard}-{uuid.uuid4().hex[:12]}")

    def _bind(self, shard: int) -> None:
        sh = self._shards[shard]
        sh.actor = sh.future.result(timeout=self.timeout)
        sh.address = sh.actor._address
        sh.shared = self.shared_memory and self._probe(sh)

    def _probe(self, sh: _Shard) -> bool:
        """_probe tells whether the shard's worker reads a file this process writes to
        SHARED_DIR (same host, same /dev/shm, permission to read it)."""
        token = uuid.uuid4().hex.encode()
        try:
            path = _write_shared(token)
        except OSError:  # no /dev/shm here
            return False
        try:
            ok, res = self._send([(sh, "probe", (path, token))])[0]
            return bool(res) if ok else False
        finally:
            _unlink(path)

    def _write_batch(self, data: memoryview) -> str:
        """_write_batch writes a query batch to the index's file in SHARED_DIR and returns its
        path. The file is made by the first batch and rewritten in place by the next (writing
        into pages the file already has costs less than a new file's pages); one file does,
        since the index runs one call at a time. It never shrinks (a _SharedBatch says how
        much of it is the batch): a shard still mapping it after its call timed out would die
        of SIGBUS reading past a shortened end. close removes it."""
        if not self._scratch:
            self._scratch = _write_shared(data)
            self._scratch_done = weakref.finalize(self, _unlink, self._scratch)
            return self._scratch
        with open(self._scratch, "r+b") as f:
            f.write(data)
        return self._scratch

    def _send(self, jobs: Sequence[Tuple[_Shard, str, Tuple[Any, ...]]]
              ) -> List[Tuple[bool, Any]]:
        """_send runs actor methods (shard, method, args) at once, each over the client's own
        connection to the actor's worker, and returns (True, result) or (False, error) for
        each; a call still running after the index's timeout is cancelled (a TimeoutError).

        Dask's actor handles send their calls through the scheduler unless the client was made
        with ``direct_to_workers=True``: every query batch then went to the scheduler and on to
        the worker, and every result back the same way, a second hop both ways per shard. And
        the calls of a batch start and end with one hand-over to the client's event loop, not
        one per shard."""
        import asyncio

        from distributed.protocol import to_serialize

        client, timeout = self.client, self.timeout
        _check_client(client, jobs[0][1] if jobs else "call")
        out: List[Tuple[bool, Any]] = []
        todo: List[Tuple[int, str, str, str, Tuple[Any, ...]]] = []
        for n, (sh, method, args) in enumerate(jobs):
            status = sh.future.status if sh.future is not None else "lost"
            if sh.actor is None or status not in ("finished", "pending"):
                # as Dask's actor handle: the scheduler has seen the worker go
                out.append((False, RuntimeError(f"the worker holding the shard's actor was "
                                                f"lost ({status})")))
                continue
            out.append((False, None))
            todo.append((n, sh.address, sh.actor.key, method, args))
        if not todo:
            return out

        async def one(address: str, key: str, method: str, args: Tuple[Any, ...]) -> Any:
            res = await client.rpc(address).actor_execute(
                function=method, actor=key, args=[to_serialize(a) for a in args], kwargs={})
            if res["status"] == "OK":
                return res["result"]
            raise res["exception"]

        async def run() -> List[Tuple[bool, Any]]:
            tasks = [asyncio.ensure_future(one(*t[1:])) for t in todo]
            _, late = await asyncio.wait(tasks, timeout=timeout)
            for t in late:
                t.cancel()
            got: List[Tuple[bool, Any]] = []
            for t in tasks:
                if t in late:
                    got.append((False, TimeoutError(f"a shard call took more than {timeout} s")))
                elif t.exception() is not None:
                    got.append((False, t.exception()))
                else:
                    got.append((True, t.result()))
            return got

        done = asyncio.run_coroutine_threadsafe(run(), client.loop.asyncio_loop).result()
        for t, r in zip(todo, done):
            out[t[0]] = r
        return out

    def close(self) -> None:
        """close releases the shards' actors (unsaved updates are lost; see :meth:`save`)."""
        with self._lock:
            futures = [sh.future for sh in self._shards if sh.future is not None]
            if self._scratch_done is not None:
                self._scratch_done()
                self._scratch, self._scratch_done = "", None
            for sh in self._shards:
                sh.future = sh.actor = None
            if futures:
                try:
                    self.client.cancel(futures)
                except Exception:  # the client may already be closed
                    pass

    def __enter__(self) -> "ShardedIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.get_num_elements()

    def __repr__(self) -> str:
        return (f"<pyvsag.distributed.ShardedIndex {self.manifest['index_name']} "
                f"shards={len(self._shards)} dim={self.dim} root={self.root!r}>")

    @property
    def shards(self) -> int:
        """shards is the number of shards."""
        return len(self._shards)

    @property
    def workers(self) -> List[str]:
        """workers lists the address of the worker holding each shard."""
        return [sh.address for sh in self._shards]

    # ---- calls with recovery -----------------------------------------------------------------

    def _call(self, calls: Sequence[Tuple[int, str, Tuple[Any, ...]]]) -> List[Any]:
        """_call runs actor methods (shard, method, args) concurrently and returns their results
        in order. When a call fails because its worker was lost, the lost shards are reloaded
        and the calls that failed -- and the calls of this batch on shards that were reloaded,
        whose effect the reload dropped -- are run once more; the other results are kept."""
        out, errs = self._gather(calls)
        first = _first_error(errs)
        if first is None:
            return out
        if isinstance(first, VsagError):
            raise first
        replaced = self._recover()
        if not replaced:
            raise first
        redo = [i for i, (c, e) in enumerate(zip(calls, errs)) if e is not None or c[0] in replaced]
        again, errs2 = self._gather([calls[i] for i in redo])
        second = _first_error(errs2)
        if second is not None:
            if isinstance(second, VsagError):
                raise second
            raise RuntimeError(f"shard call failed again after reloading shards "
                               f"{sorted(replaced)}: {second}") from first
        for i, r in zip(redo, again):
            out[i] = r
        return out

    def _gather(self, calls: Sequence[Tuple[int, str, Tuple[Any, ...]]]
                ) -> Tuple[List[Any], List[Optional[Exception]]]:
        """_gather starts every call, then waits for all of them: (results, errors)."""
        jobs = []
        for shard, method, args in calls:
            sh = self._shards[shard]
            if sh.actor is None:
                raise RuntimeError(f"shard {shard} has no actor (the index is closed)")
            jobs.append((sh, method, tuple(a.query.arg(sh.shared, a.rows)
                                           if isinstance(a, _ForShard) else a for a in args)))
        out: List[Any] = []
        errs: List[Optional[Exception]] = []
        for ok, res in self._send(jobs):
            out.append(res if ok else None)
            errs.append(None if ok else res)
        return out, errs

    def _alive(self, shard: int, live: Sequence[str]) -> bool:
        sh = self._shards[shard]
        if sh.future is None or sh.future.status != "finished" or sh.address not in live:
            return False
        try:
            sh.actor.ping().result(timeout=30)
            return True
        except Exception:
            return False

    def _recover(self) -> Set[int]:
        """_recover replaces every shard whose worker is gone and returns their numbers."""
        live = list(self.client.scheduler_info()["workers"])
        lost = [i for i in range(len(self._shards)) if not self._alive(i, live)]
        if not lost:
            return set()
        pending = set(lost)
        for i in lost:
            sh = self._shards[i]
            if sh.future is not None:
                try:
                    self.client.cancel([sh.future])
                except Exception:
                    pass
            for attempt in range(5):
                live = _worker_list(self.client)
                held = {w: 0 for w in live}
                for j, other in enumerate(self._shards):
                    if j not in pending and other.address in held:
                        held[other.address] += 1
                worker = min(live, key=lambda w: (held[w], w))
                sh.future = self._start(i, worker)
                try:
                    self._bind(i)
                    break
                except VsagError:
                    raise
                except Exception:
                    if attempt == 4:
                        raise
                    time.sleep(0.5)
            pending.discard(i)
            for method, args in sh.journal:  # replay what was not saved
                getattr(sh.actor, method)(*args).result(timeout=self.timeout)
            self.recoveries += 1
        return set(lost)

    # ---- search ------------------------------------------------------------------------------

    def route(self, queries: Any, probe_shards: int,
              probe_slack: Optional[float] = None) -> np.ndarray:
        """route returns, per query, the probe_shards shards whose routing centroids are
        nearest (an (nq, probe_shards) int array, nearest first).

        With probe_slack, a shard after the first is kept only when its nearest centroid lies
        within (1 + probe_slack) times the distance of the query's nearest centroid (the
        distances the routing scan measures: squared l2, or 1 - cosine); the places of the
        shards left out hold -1. A query near one shard's data then searches that shard alone,
        one between shards searches each of them (SPANN's query-aware pruning of its posting
        lists)."""
        probe_slack = _check_slack(probe_slack, "route")
        q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        s = len(self._shards)
        if self.routing is None or len(q) == 0 or len(self.routing) == 0 or (
                probe_shards >= s and probe_slack is None):
            return np.tile(np.arange(s), (len(q), 1))[:, :probe_shards]
        m = len(self.routing)
        # every centroid by distance, from the library's own exact scan: a numpy product would
        # run in the BLAS's threads, which then spin for a while after it and took about 50 ms
        # of CPU a batch of 1 000 from the shards' searches on a 2-core host
        order, dist = self._router().knn_search(np.ascontiguousarray(q), m, "")
        order = np.asarray(order, dtype=np.int64).reshape(len(q), m)
        dist = np.asarray(dist, dtype=np.float64).reshape(len(q), m)
        owner = np.where(order >= 0, self._routing_owner[order.clip(0)], -1)  # -1: padding
        # a shard's rank is the position of its nearest centroid (m when it has none), its
        # distance that centroid's
        rank = np.full((len(q), s), m, dtype=np.int64)
        best = np.full((len(q), s), np.inf)
        rows = np.arange(len(q))
        for shard in range(s):
            hit = owner == shard
            has, first = hit.any(1), hit.argmax(1)
            rank[:, shard] = np.where(has, first, m)
            best[:, shard] = np.where(has, dist[rows, first], np.inf)
        picks = np.argsort(rank, axis=1, kind="stable")[:, :probe_shards]
        if probe_slack is not None:
            near = np.maximum(best[rows, picks[:, 0]], 0.0)
            keep = np.take_along_axis(best, picks, 1) <= (1.0 + probe_slack) * near[:, None]
            keep[:, 0] = True
            picks = np.where(keep, picks, -1)
        return picks

    def _router(self) -> Index:
        """_router is a brute-force index of the routing centroids (cosine for the metrics
        other than l2, as the centroids were made), built on first use."""
        if self._routing_index is None:
            assert self.routing is not None
            params = {"dtype": "float32", "dim": self.dim,
                      "metric_type": "l2" if self.metric == "l2" else "cosine",
                      "index_param": {"base_quantization_type": "fp32"}}
            ix = Index("brute_force", json.dumps(params))
            ix.build(np.ascontiguousarray(self.routing, dtype=np.float32),
                     np.arange(len(self.routing), dtype=np.int64))
            self._routing_index = ix
        return self._routing_index

    def knn_search(self, queries: Any, k: int, parameters: Parameters = "",
                   filter: Any = None, *, filter_expr: Optional[str] = None,
                   probe_shards: Optional[int] = None,
                   probe_slack: Optional[float] = None) -> Tuple[np.ndarray, np.ndarray]:
        """knn_search finds the k nearest neighbours of one query (dim,) or a batch (nq, dim).

        The batch is sent to every shard (or, with ``probe_shards``, each query only to the
        ``probe_shards`` shards whose routing centroids are nearest), each shard returns its k
        best, and the results are merged by distance with ties broken by the smaller label.
        Shards on this process's host (see ``shared_memory`` of :meth:`open`) read the batch
        from one file in ``/dev/shm``; the others receive it, serialized once, uncompressed.

        Args:
            queries: one query or a batch, of the index's element type.
            k: neighbours per query (>= 1).
            parameters: the search JSON (str or dict), as for :meth:`pyvsag.Index.knn_search`.
            filter: as :meth:`pyvsag.Index.knn_search`'s (labels or a mask of labels to
                exclude, a callable, a Filter); it must pickle, since it runs on the workers.
            filter_expr: an attribute filter expression, applied by every shard.
            probe_shards: search only this many shards per query (1..shards); None: all.
            probe_slack: search, of those, only the shards whose nearest routing centroid
                lies within (1 + probe_slack) times the distance of the query's nearest one
                (>= 0; see :meth:`route`); None: all of them.

        Returns:
            (ids, distances) of shape (k,) or (nq, k), padded with -1 / +inf.
        """
        with self._lock:
            q = np.asarray(queries)
            one = q.ndim == 1
            if self._float32 and q.dtype.kind == "f" and q.dtype != np.float32:
                q = q.astype(np.float32)
            q = np.ascontiguousarray(np.atleast_2d(q))
            if q.ndim != 2 or q.shape[1] != self.dim:
                raise InvalidArgumentError(f"queries must be (nq, {self.dim}), got shape "
                                           f"{np.shape(queries)}", operation="knn_search")
            if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
                raise InvalidArgumentError(f"k must be an integer >= 1, got {k!r}",
                                           operation="knn_search")
            k = int(k)
            s = len(self._shards)
            nq = len(q)
            if probe_shards is not None:
                if (not isinstance(probe_shards, (int, np.integer)) or probe_shards < 1):
                    raise InvalidArgumentError(f"probe_shards must be an integer >= 1, got "
                                               f"{probe_shards!r}", operation="knn_search")
                probe_shards = min(int(probe_shards), s)
            probe_slack = _check_slack(probe_slack, "knn_search")
            query = _Query(q, self._write_batch)
            if (probe_shards is None or probe_shards >= s) and probe_slack is None:
                calls = [(i, "knn_search", (_ForShard(query), k, parameters, filter,
                                            filter_expr)) for i in range(s)]
                res = self._call(calls)
                ids = np.concatenate([r[0] for r in res], axis=1)
                dists = np.concatenate([r[1] for r in res], axis=1)
            else:
                picks = self.route(q, s if probe_shards is None else probe_shards, probe_slack)
                ids = np.full((nq, s, k), -1, dtype=np.int64)
                dists = np.full((nq, s, k), np.inf, dtype=np.float32)
                rows = [np.flatnonzero((picks == i).any(1)) for i in range(s)]
                calls = [(i, "knn_search", (_ForShard(query, r), k, parameters, filter,
                                            filter_expr))
                         for i, r in enumerate(rows) if len(r)]
                res = self._call(calls)
                for (i, _, _), (ri, rd) in zip(calls, res):
                    ids[rows[i], i] = ri
                    dists[rows[i], i] = rd
                ids = ids.reshape(nq, s * k)
                dists = dists.reshape(nq, s * k)
            out_i, out_d = merge_topk(ids, dists, k)
            if one:
                return out_i[0], out_d[0]
            return out_i, out_d

    # ---- updates -----------------------------------------------------------------------------

    def add(self, vectors: Any, ids: Any) -> np.ndarray:
        """add inserts rows, each into the shard of its nearest routing centroid (the smallest
        shard when the index has no routing). Labels already present in any shard (or given
        twice) are not added and are returned, as :meth:`pyvsag.Index.add` does.

        The rows are journaled until :meth:`save`, so a shard reloaded after its worker died
        gets them again.
        """
        with self._lock:
            x = np.ascontiguousarray(np.atleast_2d(np.asarray(vectors)))
            if x.shape[1] != self.dim:
                raise InvalidArgumentError(f"vectors must be (n, {self.dim}), got {x.shape}",
                                           operation="add")
            labels = np.asarray(ids, dtype=np.int64).reshape(-1)
            if labels.size != len(x):
                raise InvalidArgumentError(f"{labels.size} ids for {len(x)} vectors",
                                           operation="add")
            if not len(x):
                return np.empty(0, dtype=np.int64)
            present = np.zeros(len(labels), dtype=bool)
            for r in self._call([(i, "contains", (labels,)) for i in range(self.shards)]):
                present |= r
            _, first = np.unique(labels, return_index=True)
            dup = np.ones(len(labels), dtype=bool)
            dup[first] = False
            bad = present | dup
            keep = np.flatnonzero(~bad)
            failed = [labels[bad]]
            if self.routing is not None:
                target = self.route(x[keep], 1)[:, 0]
            else:
                smallest = min(range(self.shards), key=lambda i: self._shards[i].count)
                target = np.full(len(keep), smallest)
            calls = []
            for i in range(self.shards):
                sel = keep[target == i]
                if len(sel):
                    calls.append((i, "add", (np.ascontiguousarray(x[sel]), labels[sel])))
            for (i, _, args), fail in zip(calls, self._call(calls)):
                sh = self._shards[i]
                sh.journal.append(("add", args))
                sh.dirty = True
                done = np.setdiff1d(args[1], fail)
                failed.append(np.asarray(fail, dtype=np.int64))
                if len(done):
                    sh.count += len(done)
                    lo, hi = int(done.min()), int(done.max())
                    sh.id_min = lo if sh.id_min is None else min(sh.id_min, lo)
                    sh.id_max = hi if sh.id_max is None else max(sh.id_max, hi)
            return np.concatenate(failed)

    def remove(self, ids: Any) -> int:
        """remove takes labels out of the shards that own them (only shards whose label range
        covers one of them are asked); returns the number removed. Journaled until save."""
        with self._lock:
            labels = np.asarray(ids, dtype=np.int64).reshape(-1)
            calls = []
            for i, sh in enumerate(self._shards):
                if sh.id_min is None:
                    continue
                sel = labels[(labels >= sh.id_min) & (labels <= sh.id_max)]
                if len(sel):
                    calls.append((i, "remove", (sel,)))
            total = 0
            for (i, _, args), n in zip(calls, self._call(calls)):
                if n:
                    sh = self._shards[i]
                    sh.journal.append(("remove", args))
                    sh.dirty = True
                    sh.count -= int(n)
                    total += int(n)
            return total

    def save(self) -> Dict[str, Any]:
        """save writes the shards changed since open (or the last save) as a new generation,
        then the manifest by atomic rename, then removes the files it replaced; returns the
        manifest. A crash before the rename leaves the previous manifest and files intact."""
        with self._lock:
            changed = [i for i, sh in enumerate(self._shards) if sh.dirty]
            if not changed:
                return dict(self.manifest)
            gen = int(self.manifest.get("generation", 0)) + 1
            entries = self._call([(i, "save", (gen,)) for i in changed])
            manifest = dict(self.manifest)
            shards = [dict(e) for e in manifest["shards"]]
            obsolete = []
            for i, e in zip(changed, entries):
                obsolete.append(shards[i]["file"])
                e["routing_rows"] = shards[i].get("routing_rows")
                shards[i] = e
            manifest["shards"] = shards
            manifest["generation"] = gen
            manifest["count"] = int(sum(e["count"] for e in shards))
            manifest["written"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            self.manifest = _run(self.client, _commit, self.root, manifest, None, obsolete)
            for i, e in zip(changed, entries):
                sh = self._shards[i]
                sh.entry, sh.journal, sh.dirty = e, [], False
                sh.count, sh.id_min, sh.id_max = e["count"], e["id_min"], e["id_max"]
            return dict(self.manifest)

    # ---- introspection -----------------------------------------------------------------------

    def stats(self, detail: bool = True) -> List[Dict[str, Any]]:
        """stats returns one dict per shard: shard, worker, pid, file, num_elements,
        num_removed, memory_usage, id_min/id_max, unsaved (updates since the last save) and,
        with detail, the shard index's get_stats() under "index"."""
        with self._lock:
            out = self._call([(i, "stats", (detail,)) for i in range(self.shards)])
            for i, st in enumerate(out):
                st["worker"] = self._shards[i].address
                st["unsaved"] = len(self._shards[i].journal)
            return out

    def get_num_elements(self) -> int:
        """get_num_elements returns the live vectors over all shards."""
        with self._lock:
            return int(sum(r[1] for r in self._call([(i, "ping", ())
                                                      for i in range(self.shards)])))
