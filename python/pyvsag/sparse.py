"""Sparse-vector helpers: a BM25 encoder that turns text into the sparse rows a ``sindi`` index
takes, and the eval tool's sparse formats.

BM25 (Okapi, ``k1`` and ``b``): :meth:`BM25Encoder.fit` learns the vocabulary and the document
frequencies of a corpus; :meth:`BM25Encoder.encode_docs` gives each document the weights
``tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avg_len))`` and
:meth:`BM25Encoder.encode_queries` each query term its idf
``ln(1 + (N - df + 0.5) / (df + 0.5))``, so that the inner product a ``sindi`` index computes
is the BM25 score (its distance is ``1 - score``). Both return :class:`CSR` rows, a tuple
``(indptr, indices, values)`` that ``Index.build``, ``Index.add`` and ``Index.knn_search``
accept.

The eval format's sparse byte stream is one record per row, back to back:
``uint32 length | uint32 ids[length] | float32 values[length]`` (little-endian).
:func:`encode_sparse_bytes` and :func:`decode_sparse_bytes` convert it both ways, and
:func:`load_sparse_hdf5` reads an eval HDF5 file of ``type`` ``"sparse"`` (``/train`` and
``/test`` byte streams, cross-checked against ``/train_offsets`` and ``/test_offsets`` when the
file has them; needs ``h5py``).
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence

import numpy as np

__all__ = [
    "CSR",
    "BM25Encoder",
    "tokenize",
    "encode_sparse_bytes",
    "decode_sparse_bytes",
    "load_sparse_hdf5",
]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

#: Words :func:`tokenize` leaves out by default.
STOPWORDS = frozenset("""a an and are as at be by for from has have in is it its of on or that
the this to was were will with which can you your not but all also into than then there these
they their them if so such may more most other some any each""".split())


def tokenize(text: str, stopwords: Iterable[str] = STOPWORDS) -> List[str]:
    """tokenize lowercases text and returns its words (runs of letters and digits) of two or
    more characters, without stopwords."""
    stop = stopwords if isinstance(stopwords, (set, frozenset)) else frozenset(stopwords)
    return [w for w in _WORD.findall(text.lower()) if len(w) >= 2 and w not in stop]


class CSR(NamedTuple):
    """CSR holds sparse rows: row i's term ids are ``indices[indptr[i]:indptr[i+1]]``
    (ascending, unique) with their weights at the same positions of ``values``. It is the
    ``(indptr, indices, values)`` tuple the Index takes."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray

    @property
    def nrows(self) -> int:
        """nrows is the number of rows."""
        return int(self.indptr.size) - 1

    def row(self, i: int) -> "CSR":
        """row returns row i as a one-row CSR (sharing memory)."""
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        return CSR(np.array([0, hi - lo], dtype=np.int64), self.indices[lo:hi], self.values[lo:hi])

    def to_dicts(self) -> List[Dict[int, float]]:
        """to_dicts returns each row as a dict of term id to weight."""
        return [{int(t): float(v) for t, v in zip(self.indices[lo:hi], self.values[lo:hi])}
                for lo, hi in zip(self.indptr[:-1], self.indptr[1:])]

    @staticmethod
    def from_dicts(rows: Sequence[Dict[int, float]]) -> "CSR":
        """from_dicts builds CSR rows from dicts of term id to weight (ids sorted here)."""
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        ids: List[int] = []
        vals: List[float] = []
        for i, r in enumerate(rows):
            for t in sorted(r):
                ids.append(int(t))
                vals.append(float(r[t]))
            indptr[i + 1] = len(ids)
        return CSR(indptr, np.asarray(ids, dtype=np.uint32), np.asarray(vals, dtype=np.float32))


class BM25Encoder:
    """BM25Encoder fits document frequencies on a corpus and encodes documents and queries
    as sparse rows whose inner product is the BM25 score.

    Args:
        k1: term frequency saturation (default 1.2).
        b: length normalisation (default 0.75).
        tokenizer: text -> list of words (default :func:`tokenize`).
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75, tokenizer: Any = None) -> None:
        if not k1 >= 0 or not 0 <= b <= 1:
            raise ValueError(f"BM25: k1 must be >= 0 and b in [0, 1], got k1={k1}, b={b}")
        self.k1, self.b = float(k1), float(b)
        self.tokenizer = tokenizer or tokenize
        self.vocab: Dict[str, int] = {}
        self.df: List[int] = []
        self.n_docs = 0
        self.avg_len = 0.0

    def fit(self, corpus: Iterable[str]) -> "BM25Encoder":
        """fit learns the vocabulary (term ids in order of first sight), the document
        frequencies and the average document length of corpus; returns self."""
        total = 0
        self.vocab, self.df, self.n_docs = {}, [], 0
        for text in corpus:
            words = self.tokenizer(text)
            total += len(words)
            self.n_docs += 1
            for w in set(words):
                t = self.vocab.get(w)
                if t is None:
                    t = self.vocab[w] = len(self.df)
                    self.df.append(0)
                self.df[t] += 1
        self.avg_len = total / max(self.n_docs, 1)
        return self

    @property
    def vocab_size(self) -> int:
        """vocab_size is the number of terms: a sindi index needs term_id_limit >= it."""
        return len(self.df)

    def _check(self) -> None:
        if self.n_docs == 0:
            raise ValueError("BM25: call fit on a corpus first")

    def idf(self, term_id: int) -> float:
        """idf returns ln(1 + (N - df + 0.5) / (df + 0.5)) of a term."""
        df = self.df[term_id]
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def encode_docs(self, docs: Iterable[str]) -> CSR:
        """encode_docs returns the BM25 document weights of each text (words outside the
        vocabulary are left out; a text without known words is an empty row, which an index
        refuses)."""
        self._check()
        rows = []
        for text in docs:
            words = self.tokenizer(text)
            tf: Dict[int, int] = {}
            for w in words:
                t = self.vocab.get(w)
                if t is not None:
                    tf[t] = tf.get(t, 0) + 1
            norm = self.k1 * (1 - self.b + self.b * len(words) / max(self.avg_len, 1e-9))
            rows.append({t: f * (self.k1 + 1) / (f + norm) for t, f in tf.items()})
        return CSR.from_dicts(rows)

    def encode_queries(self, queries: Iterable[str]) -> CSR:
        """encode_queries returns each query's known terms weighted by their idf."""
        self._check()
        return CSR.from_dicts([{t: self.idf(t) for t in
                                {self.vocab[w] for w in self.tokenizer(q) if w in self.vocab}}
                               for q in queries])


def encode_sparse_bytes(rows: Any) -> bytes:
    """encode_sparse_bytes writes rows (a :class:`CSR`, an ``(indptr, indices, values)`` tuple
    or a list of dicts) as the eval format's byte stream."""
    if isinstance(rows, list):
        rows = CSR.from_dicts(rows)
    indptr, indices, values = (np.asarray(p) for p in rows)
    out = bytearray()
    for lo, hi in zip(indptr[:-1].tolist(), indptr[1:].tolist()):
        if hi < lo:
            raise ValueError(f"sparse rows: offsets decrease ({lo} then {hi})")
        out += np.uint32(hi - lo).astype("<u4").tobytes()
        out += np.ascontiguousarray(indices[lo:hi], dtype="<u4").tobytes()
        out += np.ascontiguousarray(values[lo:hi], dtype="<f4").tobytes()
    return bytes(out)


def decode_sparse_bytes(buffer: Any) -> CSR:
    """decode_sparse_bytes reads the eval format's byte stream (bytes, bytearray, memoryview
    or a contiguous int8/uint8 array) into CSR rows; a truncated stream is a ValueError."""
    try:
        view = memoryview(buffer).cast("B")
    except (TypeError, ValueError) as exc:
        raise ValueError("decode_sparse_bytes needs a contiguous byte buffer") from exc
    total, pos = view.nbytes, 0
    indptr = [0]
    ids: List[np.ndarray] = []
    vals: List[np.ndarray] = []
    while pos < total:
        if pos + 4 > total:
            raise ValueError(f"sparse stream truncated at offset {pos}: expected a 4-byte length")
        n = int(np.frombuffer(view, dtype="<u4", count=1, offset=pos)[0])
        pos += 4
        if pos + 8 * n > total:
            raise ValueError(f"sparse stream truncated at offset {pos}: expected {8 * n} bytes "
                             f"for a row of {n} terms")
        ids.append(np.frombuffer(view, dtype="<u4", count=n, offset=pos))
        vals.append(np.frombuffer(view, dtype="<f4", count=n, offset=pos + 4 * n))
        pos += 8 * n
        indptr.append(indptr[-1] + n)
    cat = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt))
    return CSR(np.asarray(indptr, dtype=np.int64), cat(ids, np.uint32), cat(vals, np.float32))


def _byte_offsets(c: CSR) -> np.ndarray:
    """the byte offset of each record of c's stream, plus the total."""
    lens = np.diff(c.indptr)
    return np.concatenate([[0], np.cumsum(4 + 8 * lens)]).astype(np.uint64)


def load_sparse_hdf5(path: str, splits: Sequence[str] = ("train", "test"), *,
                     require_sparse: bool = True) -> Dict[str, Any]:
    """load_sparse_hdf5 reads an eval-format HDF5 file: ``type`` and ``distance`` (file
    attributes), each split of ``splits`` as :class:`CSR` rows (a numpy array for dense
    files when require_sparse is False), and ``neighbors`` / ``distances`` when present. A
    split's ``<split>_offsets`` dataset, when present, must list the byte offset of every
    record and the stream's size (rows + 1 entries); a mismatch is a ValueError."""
    try:
        import h5py  # type: ignore
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("load_sparse_hdf5 needs h5py (pip install h5py)") from exc
    out: Dict[str, Any] = {}
    with h5py.File(path, "r") as f:
        kind = _attr(f, "type") or "dense"
        out["type"], out["distance"] = kind, _attr(f, "distance")
        if kind != "sparse" and require_sparse:
            raise ValueError(f"{path}: type is {kind!r}, not 'sparse'")
        for s in splits:
            if s not in f:
                continue
            data = f[s][()]
            if kind != "sparse":
                out[s] = np.asarray(data)
                continue
            rows = decode_sparse_bytes(np.ascontiguousarray(data).view(np.uint8))
            key = f"{s}_offsets"
            if key in f:
                disk = np.asarray(f[key][()], dtype=np.uint64).ravel()
                mine = _byte_offsets(rows)
                if not np.array_equal(disk, mine):
                    raise ValueError(f"{path}: /{key} does not match the records of /{s}")
            out[s] = rows
        for key in ("neighbors", "distances"):
            if key in f:
                out[key] = np.asarray(f[key][()])
    return out


def _attr(obj: Any, name: str) -> Optional[str]:
    v = obj.attrs.get(name)
    if v is None:
        return None
    return v.decode() if isinstance(v, bytes) else str(v)
