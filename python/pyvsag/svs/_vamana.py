"""Vamana and Flat indexes with SVS's Python interface, over VSAG's hgraph and brute_force."""

from __future__ import annotations

import copy
import json
import os
from typing import Any, Dict, Optional, Tuple, Union

import numpy as np

from .._index import Index
from ..errors import UnsupportedIndexOperationError
from ._common import DistanceType, PathLike
from ._loaders import (GraphLoader, LeanVecLoader, LVQLoader, VectorDataLoader,
                       base_quantization_for)

__all__ = [
    "SearchBufferConfig",
    "VamanaSearchParameters",
    "VamanaBuildParameters",
    "Vamana",
    "Flat",
]

_SAVED = "vsag_index.bin"
_META = "svs_facade.json"
_ACCEPTED = (np.dtype(np.float32), np.dtype(np.float16), np.dtype(np.uint8),
             np.dtype(np.int8), np.dtype(np.float64))


class SearchBufferConfig:
    """SearchBufferConfig sizes the search buffer of a Vamana search.

    Args:
        search_window_size: how many of the best nodes found decide which node is expanded
            next and when the search stops (VSAG's ef_search). Default 0 (the index's).
        search_buffer_capacity: how many of the best nodes found are kept and, for LeanVec
            and two-level LVQ, reranked; at least search_window_size (default: equal).
    """

    __slots__ = ("_w", "_c")

    def __init__(self, search_window_size: int = 0,
                 search_buffer_capacity: Optional[int] = None) -> None:
        w = int(search_window_size)
        c = w if search_buffer_capacity is None else int(search_buffer_capacity)
        if w < 0:
            raise ValueError(f"search_window_size must be >= 0, got {w}")
        if c < w:
            raise ValueError(f"search_buffer_capacity ({c}) must be at least "
                             f"search_window_size ({w})")
        self._w, self._c = w, c

    @property
    def search_window_size(self) -> int:
        """search_window_size (read-only)."""
        return self._w

    @property
    def search_buffer_capacity(self) -> int:
        """search_buffer_capacity (read-only)."""
        return self._c

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, SearchBufferConfig)
                and (self._w, self._c) == (other._w, other._c))

    def __hash__(self) -> int:
        return hash((self._w, self._c))

    def __repr__(self) -> str:
        return (f"SearchBufferConfig(search_window_size = {self._w}, "
                f"total_capacity = {self._c})")


class VamanaSearchParameters:
    """VamanaSearchParameters holds the search settings of a :class:`Vamana` index.

    Read it from ``index.search_parameters``, change it, and assign it back.

    Attributes:
        buffer_config: a :class:`SearchBufferConfig`.
        search_buffer_visited_set, prefetch_lookahead, prefetch_step: accepted for SVS's
            interface; the library always keeps a visited set and chooses its own prefetching.
    """

    def __init__(self, buffer_config: Optional[SearchBufferConfig] = None,
                 search_buffer_visited_set: bool = False, prefetch_lookahead: int = 4,
                 prefetch_step: int = 1) -> None:
        self.buffer_config = buffer_config if buffer_config is not None \
            else SearchBufferConfig()
        self.search_buffer_visited_set = bool(search_buffer_visited_set)
        self.prefetch_lookahead = int(prefetch_lookahead)
        self.prefetch_step = int(prefetch_step)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VamanaSearchParameters) and vars(self) == vars(other)

    def __repr__(self) -> str:
        return (f"VamanaSearchParameters(buffer_config = {self.buffer_config!r}, "
                f"search_buffer_visited_set = {self.search_buffer_visited_set}, "
                f"prefetch_lookahead = {self.prefetch_lookahead}, "
                f"prefetch_step = {self.prefetch_step})")


class VamanaBuildParameters:
    """VamanaBuildParameters controls how a :class:`Vamana` graph is built.

    Args:
        alpha: the pruning threshold; None picks 1.2 for L2 and 0.95 for MIP and Cosine.
            Above 1 for L2 (longer edges kept); below 1 for similarities (MIP, Cosine).
        graph_max_degree: the maximum out-degree (VSAG's max_degree).
        window_size: the search window of the build's searches.
        max_candidate_pool_size: at most this many candidates per pruning.
        prune_to: the degree an overflowing list is pruned back to (default
            graph_max_degree).
        use_full_search_history: every node a build search visited is a candidate; the
            library always does this, so only True is available.
        num_threads: deprecated in SVS (pass num_threads to :meth:`Vamana.build`); ignored.
    """

    def __init__(self, alpha: Optional[float] = None, graph_max_degree: int = 32,
                 window_size: int = 64, max_candidate_pool_size: int = 80,
                 prune_to: Optional[int] = None, use_full_search_history: bool = True,
                 num_threads: Optional[int] = None) -> None:
        del num_threads
        self.alpha = alpha
        self.graph_max_degree = int(graph_max_degree)
        self.window_size = int(window_size)
        self.max_candidate_pool_size = int(max_candidate_pool_size)
        self.prune_to = self.graph_max_degree if prune_to is None else int(prune_to)
        self.use_full_search_history = bool(use_full_search_history)

    def __repr__(self) -> str:
        return (f"VamanaBuildParameters(alpha = {self.alpha}, graph_max_degree = "
                f"{self.graph_max_degree}, window_size = {self.window_size}, "
                f"max_candidate_pool_size = {self.max_candidate_pool_size}, prune_to = "
                f"{self.prune_to}, use_full_search_history = "
                f"{self.use_full_search_history})")

    def alpha_for(self, distance: DistanceType) -> float:
        """alpha_for returns alpha, or its default for distance when unset."""
        if self.alpha is not None:
            return float(self.alpha)
        return 1.2 if distance is DistanceType.L2 else 0.95

    def index_param(self, distance: DistanceType, num_threads: int) -> Dict[str, Any]:
        """index_param returns VSAG's hgraph keys for these parameters."""
        if not self.use_full_search_history:
            raise NotImplementedError("use_full_search_history=False is not available: "
                                      "Vamana builds here always use the full search history")
        r, w = self.graph_max_degree, self.window_size
        return {
            "graph_type": "vamana",
            "alpha": self.alpha_for(distance),
            "max_degree": r,
            "window_size": w,
            "max_candidate_pool_size": self.max_candidate_pool_size,
            "prune_to": self.prune_to,
            # ef_construction is not used by Vamana builds but must be valid.
            "ef_construction": max(r, min(w, max(1000, 100 * r))),
            "build_thread_count": max(1, int(num_threads)),
        }


def _distance(d: Any) -> DistanceType:
    try:
        return DistanceType(d)
    except ValueError:
        raise ValueError(f"unknown distance {d!r} (use DistanceType.L2, MIP or Cosine)") \
            from None


def _data(source: Any) -> Tuple[np.ndarray, Dict[str, Any]]:
    """_data returns the vectors as float32 and the encoding's index_param keys."""
    if isinstance(source, (VectorDataLoader, LVQLoader, LeanVecLoader)):
        x = source.load()
        enc = source.index_param(x.dtype)
    elif isinstance(source, np.ndarray) or hasattr(source, "__array__"):
        x = np.asarray(source)
        if x.dtype not in _ACCEPTED:
            raise TypeError(f"data of element type {x.dtype} is not accepted (float32, "
                            f"float16, uint8, int8)")
        enc = {"base_quantization_type": base_quantization_for(x.dtype)}
    else:
        raise TypeError(f"data must be a loader (VectorDataLoader, LVQLoader, LeanVecLoader) "
                        f"or a numpy array, got {type(source).__name__}")
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"data must be a non-empty 2-D array, got shape {x.shape}")
    return np.ascontiguousarray(x, dtype=np.float32), enc


def _queries(queries: Any, dim: int) -> Tuple[np.ndarray, bool]:
    q = np.asarray(queries)
    if q.dtype not in _ACCEPTED:
        raise TypeError(f"queries of element type {q.dtype} are not accepted (float32, "
                        f"float16, uint8, int8)")
    one = q.ndim == 1
    if one:
        q = q.reshape(1, -1)
    if q.ndim != 2 or q.shape[1] != dim:
        raise ValueError(f"queries must have shape (n, {dim}), got {np.shape(queries)}")
    return np.ascontiguousarray(q, dtype=np.float32), one


def _results(ids: np.ndarray, dists: np.ndarray, distance: DistanceType
             ) -> Tuple[np.ndarray, np.ndarray]:
    """_results converts VSAG's results to SVS's: uint64 ids (missing results are the
    largest uint64), and similarities for MIP and Cosine (1 - VSAG's distance)."""
    i = ids.astype(np.uint64)
    if distance.larger_is_better:
        d = (1.0 - dists.astype(np.float64)).astype(np.float32)
    else:
        d = dists
    return i, d


class _Searchable:
    _index: Index
    _distance: DistanceType
    _num_threads: int

    @property
    def size(self) -> int:
        """size is the number of vectors in the index."""
        return self._index.get_num_elements()

    @property
    def dimensions(self) -> int:
        """dimensions is the vector dimension."""
        return self._index.dim

    @property
    def distance(self) -> DistanceType:
        """distance is the index's :class:`DistanceType`."""
        return self._distance

    @property
    def num_threads(self) -> int:
        """num_threads is kept for SVS's interface; a batch search always runs on all cores."""
        return self._num_threads

    @num_threads.setter
    def num_threads(self, n: int) -> None:
        if int(n) < 1:
            raise ValueError(f"num_threads must be >= 1, got {n}")
        self._num_threads = int(n)

    def _search_json(self) -> str:
        return ""

    def search(self, queries: Any, n_neighbors: int) -> Tuple[np.ndarray, np.ndarray]:
        """search returns (I, D) for a batch of queries: I the uint64 row numbers of the
        n_neighbors best vectors of each query (shape (n, n_neighbors), best first), D their
        squared L2 distances (L2, ascending) or similarities (MIP: inner products, Cosine:
        cosines; descending), float32."""
        q, _ = _queries(queries, self.dimensions)
        k = int(n_neighbors)
        if k < 1:
            raise ValueError(f"n_neighbors must be >= 1, got {n_neighbors}")
        ids, dists = self._index.knn_search(q, k, self._search_json())
        return _results(ids, dists, self._distance)

    def reconstruct(self, ids: Any) -> np.ndarray:
        """reconstruct returns the stored vectors of row numbers ids as float32, shape
        ids.shape + (dimensions,) (normalised for Cosine). Available for float32 data stored
        uncompressed; other encodings raise NotImplementedError."""
        arr = np.asarray(ids, dtype=np.int64)
        try:
            out = self._index.get_vectors_by_ids(arr.reshape(-1))
        except UnsupportedIndexOperationError as exc:
            raise NotImplementedError(
                f"reconstruct is not available for this index's encoding ({exc})") from None
        return out.reshape(arr.shape + (self.dimensions,))


class Vamana(_Searchable):
    """Vamana is a graph index (VSAG's hgraph with ``graph_type: "vamana"``) with SVS's
    Python interface.

    Build one with :meth:`Vamana.build`; reload a saved one with
    ``Vamana(config_path, graph_loader, data_loader, distance, num_threads=...)``.

    Search settings: ``index.search_window_size = 30`` (capacity equal), or the
    ``search_parameters`` round trip::

        p = index.search_parameters
        p.buffer_config = SearchBufferConfig(30, 60)
        index.search_parameters = p

    Distances follow SVS: ``search`` returns inner products for MIP and cosines for Cosine
    (larger is better), squared Euclidean distances for L2.
    """

    def __init__(self, config_path: PathLike, graph_loader: Any = None,
                 data_loader: Any = None, distance: DistanceType = DistanceType.L2,
                 query_type: Any = None, enforce_dims: bool = False,
                 num_threads: int = 1) -> None:
        del graph_loader, data_loader, query_type, enforce_dims
        directory = os.fspath(config_path)
        path = os.path.join(directory, _SAVED)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{directory!r} holds no index saved by Vamana.save "
                                    f"({_SAVED} is missing)")
        index = Index.load_file(path)
        meta: Dict[str, Any] = {}
        try:
            with open(os.path.join(directory, _META)) as f:
                meta = json.load(f)
        except FileNotFoundError:
            pass
        want = _distance(distance)
        metric = DistanceType(index.metric_type)
        if metric is not want:
            index.close()
            raise ValueError(f"the saved index uses {metric.name}, not {want.name}")
        self._setup(index, metric, int(num_threads), meta.get("build", {}))
        w = int(meta.get("search_window_size", 10))
        self.search_parameters = VamanaSearchParameters(
            SearchBufferConfig(w, int(meta.get("search_buffer_capacity", w))))

    def _setup(self, index: Index, distance: DistanceType, num_threads: int,
               build: Dict[str, Any]) -> None:
        self._index = index
        self._distance = distance
        self._num_threads = max(1, num_threads)
        self._build = dict(build)
        self._params = VamanaSearchParameters(SearchBufferConfig(10))
        self._json = ""
        self._apply()

    @classmethod
    def build(cls, parameters: Optional[VamanaBuildParameters] = None, data: Any = None,
              distance_type: DistanceType = DistanceType.L2, num_threads: int = 1,
              **aliases: Any) -> "Vamana":
        """build constructs an index over data.

        Args:
            parameters: a :class:`VamanaBuildParameters` (SVS's keyword names
                ``build_parameters`` and ``parameters`` are both accepted).
            data: a numpy array (float32, float16, uint8 or int8; stored exactly), a
                :class:`VectorDataLoader`, an :class:`LVQLoader` or a :class:`LeanVecLoader`
                (SVS's keyword names ``data_loader`` and ``py_data`` are accepted too).
            distance_type: a :class:`DistanceType`.
            num_threads: the threads that build the graph.

        Returns:
            The index; vector i of data has id i.
        """
        for name, value in aliases.items():
            if name == "build_parameters" and parameters is None:
                parameters = value
            elif name in ("data_loader", "py_data") and data is None:
                data = value
            else:
                raise TypeError(f"Vamana.build got an unexpected or repeated argument {name!r}")
        if data is None:
            raise TypeError("Vamana.build needs the data (an array or a loader)")
        distance = _distance(distance_type)
        if not isinstance(parameters, VamanaBuildParameters):
            raise TypeError(f"parameters must be VamanaBuildParameters, got "
                            f"{type(parameters).__name__}")
        x, enc = _data(data)
        n, dim = x.shape
        index_param = dict(enc)
        index_param.update(parameters.index_param(distance, num_threads))
        create = {"dtype": "float32", "metric_type": distance.metric_type, "dim": dim,
                  "index_param": index_param}
        index = Index("hgraph", create)
        try:
            if isinstance(data, LeanVecLoader):
                data.prepare(index)
            failed = index.build(x, np.arange(n, dtype=np.int64))
            if failed.size:
                raise RuntimeError(f"{failed.size} vectors could not be added")
        except BaseException:
            index.close()
            raise
        obj = cls.__new__(cls)
        obj._setup(index, distance, int(num_threads), {
            "alpha": index_param["alpha"], "graph_max_degree": parameters.graph_max_degree,
            "window_size": parameters.window_size,
            "max_candidate_pool_size": parameters.max_candidate_pool_size,
            "prune_to": parameters.prune_to})
        return obj

    def _apply(self) -> None:
        bc = self._params.buffer_config
        w = bc.search_window_size or 10
        c = max(bc.search_buffer_capacity, w)
        block: Dict[str, int] = {"search_window_size": w}
        if c > w:
            block["search_buffer_capacity"] = c
        self._json = json.dumps({"hgraph": block})

    def _search_json(self) -> str:
        return self._json

    @property
    def search_parameters(self) -> VamanaSearchParameters:
        """search_parameters is a copy of the search settings; assign a changed copy back."""
        return copy.deepcopy(self._params)

    @search_parameters.setter
    def search_parameters(self, p: VamanaSearchParameters) -> None:
        if not isinstance(p, VamanaSearchParameters):
            raise TypeError(f"search_parameters must be VamanaSearchParameters, got "
                            f"{type(p).__name__}")
        if not isinstance(p.buffer_config, SearchBufferConfig):
            raise TypeError("buffer_config must be a SearchBufferConfig")
        self._params = copy.deepcopy(p)
        self._apply()

    @property
    def search_window_size(self) -> int:
        """search_window_size is the search window; setting it sets the capacity equal."""
        return self._params.buffer_config.search_window_size

    @search_window_size.setter
    def search_window_size(self, w: int) -> None:
        p = self.search_parameters
        p.buffer_config = SearchBufferConfig(int(w))
        self.search_parameters = p

    @property
    def alpha(self) -> Optional[float]:
        """alpha is the pruning threshold the graph was built with."""
        return self._build.get("alpha")

    @property
    def construction_window_size(self) -> Optional[int]:
        """construction_window_size is the build's search window."""
        return self._build.get("window_size")

    @property
    def max_candidates(self) -> Optional[int]:
        """max_candidates is the build's max_candidate_pool_size."""
        return self._build.get("max_candidate_pool_size")

    @property
    def max_degree(self) -> Optional[int]:
        """max_degree is the graph's maximum out-degree."""
        return self._build.get("graph_max_degree")

    def save(self, config_directory: PathLike, graph_directory: PathLike,
             data_directory: PathLike) -> None:
        """save writes the index for ``Vamana(config_directory, ...)`` to reload.

        The whole index (graph and codes) is one file in config_directory, with the search
        settings beside it; graph_directory and data_directory are created (as SVS does) and
        left empty.
        """
        for d in (config_directory, graph_directory, data_directory):
            os.makedirs(os.fspath(d), exist_ok=True)
        directory = os.fspath(config_directory)
        self._index.save(os.path.join(directory, _SAVED))
        bc = self._params.buffer_config
        with open(os.path.join(directory, _META), "w") as f:
            json.dump({"search_window_size": bc.search_window_size,
                       "search_buffer_capacity": bc.search_buffer_capacity,
                       "build": self._build}, f)

    def experimental_backend_string(self) -> str:
        """experimental_backend_string describes the index (its VSAG create JSON)."""
        return self._index.parameters

    def __repr__(self) -> str:
        return (f"<pyvsag.svs.Vamana size={self.size} dimensions={self.dimensions} "
                f"distance={self._distance.name}>")


class Flat(_Searchable):
    """Flat is an exact index (VSAG's brute_force) with SVS's interface.

    Args:
        data: a numpy array or a :class:`VectorDataLoader`.
        distance: a :class:`DistanceType`.
        num_threads: kept for SVS's interface.
    """

    def __init__(self, data: Any, distance: DistanceType = DistanceType.L2,
                 num_threads: int = 1) -> None:
        self._distance = _distance(distance)
        self._num_threads = max(1, int(num_threads))
        if isinstance(data, (LVQLoader, LeanVecLoader)):
            raise NotImplementedError("Flat over compressed loaders is not available; pass a "
                                      "VectorDataLoader or an array")
        x, enc = _data(data)
        create = {"dtype": "float32", "metric_type": self._distance.metric_type,
                  "dim": x.shape[1], "index_param": enc}
        self._index = Index("brute_force", create)
        try:
            self._index.build(x, np.arange(x.shape[0], dtype=np.int64))
        except BaseException:
            self._index.close()
            raise

    def __repr__(self) -> str:
        return (f"<pyvsag.svs.Flat size={self.size} dimensions={self.dimensions} "
                f"distance={self._distance.name}>")


Source = Union[np.ndarray, VectorDataLoader, LVQLoader, LeanVecLoader, GraphLoader]
