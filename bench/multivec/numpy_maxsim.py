"""numpy_maxsim.py: the exact MaxSim scan in numpy, one thread, on the data bench/multivec dumps
(go run ./bench/multivec -dump DIR). For each query: one matrix product of the query's
sub-vectors with every document sub-vector, the best per document by np.maximum.reduceat, the
sum of 1 - best over the query's sub-vectors, the k smallest. Prints recall@k against the dumped
ground truth and QPS per CPU-second of the thread (time.thread_time).

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/multivec/numpy_maxsim.py DIR [QUERIES]
"""
import os
import sys
import time

import numpy as np


def main() -> None:
    d = sys.argv[1]
    dim, k = (int(x) for x in open(os.path.join(d, "meta.txt")).read().split())
    base = np.fromfile(os.path.join(d, "base.f32"), dtype="<f4").reshape(-1, dim)
    counts = np.fromfile(os.path.join(d, "base.counts.i64"), dtype="<i8")
    queries = np.fromfile(os.path.join(d, "queries.f32"), dtype="<f4").reshape(-1, dim)
    qcounts = np.fromfile(os.path.join(d, "queries.counts.i64"), dtype="<i8")
    truth = np.fromfile(os.path.join(d, "truth.i64"), dtype="<i8").reshape(-1, k)
    nq = len(qcounts) if len(sys.argv) < 3 else min(int(sys.argv[2]), len(qcounts))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    qstarts = np.concatenate(([0], np.cumsum(qcounts)))
    baseT = np.ascontiguousarray(base.T)
    hits = 0
    t0 = time.thread_time()
    for i in range(nq):
        q = queries[qstarts[i]:qstarts[i + 1]]
        scores = q @ baseT                                   # (query sub-vectors, all sub-vectors)
        best = np.maximum.reduceat(scores, starts, axis=1)   # (query sub-vectors, documents)
        dist = (1.0 - best).sum(axis=0)
        top = np.argpartition(dist, k)[:k]
        hits += len(np.intersect1d(top, truth[i]))
    secs = time.thread_time() - t0
    print(f"{'numpy exact MaxSim scan':34s} {hits / (nq * k):8.4f} {nq / secs:10.1f}"
          f"   ({nq} queries, {len(counts)} documents, {len(base)} sub-vectors)")


if __name__ == "__main__":
    main()
