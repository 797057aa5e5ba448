#!/usr/bin/python3
"""Faiss side of bench/ivf: builds Faiss IVF indexes and answers search requests.

The Go program starts this driver as a child process and talks to it in JSON lines over
stdin/stdout: one request per line, one reply per line. Every reply carries "ok"; a failed
request replies {"ok": false, "error": "..."} and the driver keeps serving.

  {"op": "build", "name": N, "type": "ivfflat", "nlist": L}
  {"op": "build", "name": N, "type": "ivfpqfs", "nlist": L, "m": M,
   "refine": true, "residual": false}
      train and add the base vectors; the reply holds train_s, add_s (wall seconds),
      build_cpu_s (CPU seconds of the process) and bytes (the serialized index size).
  {"op": "search", "name": N, "nprobe": P, "k_factor": F, "mode": "batch"|"seq"}
      search every query once after a warm-up over the first few, and reply with wall_s,
      cpu_s (CPU time of the searching thread), proc_cpu_s (CPU time of the whole process:
      equal to cpu_s when no other thread helped) and ids (k per query, little-endian int64,
      base64). Mode "batch" is one search call over all queries, as Faiss is normally
      used (the coarse quantizer then ranks the centroids of all queries with one matrix
      product); mode "seq" ranks the centroids query by query (the matrix product is off),
      as an index that answers one query at a time does, and a fast-scan index scans its
      lists query by query (implem 10/11) instead of for many queries at once.
  {"op": "quit"}

Faiss and the BLAS it calls run on one thread: the driver sets OpenMP to one thread, and
the Go side starts it with OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1.
"""

import argparse
import base64
import json
import sys
import time

import numpy as np

import faiss


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    if raw.size == 0:
        raise ValueError("%s is empty" % path)
    d = int(raw[0])
    return np.ascontiguousarray(raw.reshape(-1, d + 1)[:, 1:].view(np.float32))


class Driver:
    def __init__(self, base, queries, k, warmup):
        self.base = base
        self.queries = queries
        self.k = k
        self.warmup = warmup
        self.indexes = {}
        # objects Faiss indexes point to (coarse quantizers, wrapped indexes) stay alive here
        self.keep = []
        self.blas_threshold = faiss.cvar.distance_compute_blas_threshold

    def build(self, req):
        d = self.base.shape[1]
        nlist = int(req["nlist"])
        quantizer = faiss.IndexFlatL2(d)
        kind = req["type"]
        if kind == "ivfflat":
            index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_L2)
            ivf = index
        elif kind == "ivfpqfs":
            ivf = faiss.IndexIVFPQFastScan(quantizer, d, nlist, int(req["m"]), 4)
            ivf.by_residual = bool(req.get("residual", False))
            index = ivf
            if req.get("refine", False):
                index = faiss.IndexRefineFlat(ivf)
        else:
            raise ValueError("unknown index type %r" % kind)
        self.keep += [quantizer, ivf]
        c0 = time.process_time()
        t0 = time.perf_counter()
        index.train(self.base)
        t1 = time.perf_counter()
        index.add(self.base)
        t2 = time.perf_counter()
        cpu = time.process_time() - c0
        size = faiss.serialize_index(index).size
        self.indexes[req["name"]] = (index, ivf)
        return {"train_s": t1 - t0, "add_s": t2 - t1, "build_cpu_s": cpu, "bytes": int(size),
                "by_residual": bool(getattr(ivf, "by_residual", False))}

    def search(self, req):
        index, ivf = self.indexes[req["name"]]
        ivf.nprobe = int(req["nprobe"])
        seq = req.get("mode", "batch") == "seq"
        kf = float(req.get("k_factor", 1.0))
        if isinstance(index, faiss.IndexRefineFlat):
            index.k_factor = kf
        if isinstance(ivf, faiss.IndexIVFFastScan):
            # batch: the automatic choice, which scans each list for many queries at once;
            # seq: query by query (heap, or reservoir for long result lists, as the
            # automatic choice does)
            ivf.implem = 0 if not seq else (10 if self.k * kf <= 20 else 11)
        if seq:
            faiss.cvar.distance_compute_blas_threshold = 1 << 30
        try:
            q = self.queries
            w = min(self.warmup, q.shape[0])
            if w > 0:
                index.search(q[:w], self.k)
            c0, p0 = time.thread_time(), time.process_time()
            t0 = time.perf_counter()
            _, ids = index.search(q, self.k)
            wall = time.perf_counter() - t0
            cpu, pcpu = time.thread_time() - c0, time.process_time() - p0
        finally:
            faiss.cvar.distance_compute_blas_threshold = self.blas_threshold
        ids = np.ascontiguousarray(ids, dtype="<i8")
        return {"wall_s": wall, "cpu_s": cpu, "proc_cpu_s": pcpu,
                "ids": base64.b64encode(ids.tobytes()).decode("ascii")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="base vectors (.fvecs)")
    ap.add_argument("--queries", required=True, help="query vectors (.fvecs)")
    ap.add_argument("--k", type=int, default=10, help="neighbours per query")
    ap.add_argument("--warmup", type=int, default=20, help="queries searched before timing")
    args = ap.parse_args()

    faiss.omp_set_num_threads(1)
    drv = Driver(read_fvecs(args.base), read_fvecs(args.queries), args.k, args.warmup)
    out = sys.stdout
    hello = {"ok": True, "faiss": faiss.__version__, "omp_threads": faiss.omp_get_max_threads(),
             "compile": faiss.get_compile_options().strip(),
             "base": list(drv.base.shape), "queries": list(drv.queries.shape)}
    out.write(json.dumps(hello) + "\n")
    out.flush()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            op = req.get("op")
            if op == "quit":
                break
            if op == "build":
                rep = drv.build(req)
            elif op == "search":
                rep = drv.search(req)
            else:
                raise ValueError("unknown op %r" % op)
            rep["ok"] = True
        except Exception as e:  # reported to the Go side, which decides what to do
            rep = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        out.write(json.dumps(rep) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
