"""Single-query overhead of pyvsag over the engine's own time, measured in process.

For every call the overhead is (wall time of the call, perf_counter_ns around it) minus (the
time the same call spent in the engine's search, read right after it from the library's
per-thread slot vsag_last_search_nanoseconds). Two callers are measured, interleaved query by
query and alternating which goes first:

* pyvsag: Index.knn_search(query, k, params): the public single-query call;
* ctypes: the C call that knn_search makes (vsag_index_knn_search_batch with nq = 1) made
  directly through ctypes into preallocated arrays: the cost of ctypes plus the C ABI alone.

Output: p50 / p90 of the per-call overhead of each caller, the engine's own p50, the medians of
each round (their spread is the noise) and the load average.

    PYTHONPATH=python /usr/bin/python3 bench/binding/bench_python.py
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import sys
import time

import numpy as np

import pyvsag
from pyvsag._lib import addr, lib


def pct(a: np.ndarray, q: float) -> float:
    return float(np.percentile(a, q))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000, help="base vectors")
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--nq", type=int, default=1000, help="distinct queries per round")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--ef", type=int, default=32, help="hgraph ef_search")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--dict-params", action="store_true",
                    help="pass the search parameters as a dict instead of a JSON string")
    ap.add_argument("--index", help="load this saved index instead of building one")
    ap.add_argument("--save", help="save the built index here")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args()

    last_ns = getattr(lib.dll, "vsag_last_search_nanoseconds", None)
    if last_ns is None:
        print(f"{pyvsag.library_path} has no vsag_last_search_nanoseconds", file=sys.stderr)
        return 2
    last_ns.restype = ctypes.c_uint64
    last_ns.argtypes = []

    rng = np.random.default_rng(7)
    if args.index:
        index = pyvsag.Index.load_file(args.index)
    else:
        base = rng.random((args.n, args.dim), dtype=np.float32)
        index = pyvsag.Index("hgraph", json.dumps({
            "dtype": "float32", "metric_type": "l2", "dim": args.dim,
            "index_param": {"base_quantization_type": "fp32", "max_degree": 32,
                            "ef_construction": 100}}))
        index.build(base, np.arange(args.n))
        if args.save:
            index.save(args.save)
    queries = [np.ascontiguousarray(q) for q in rng.random((args.nq, args.dim), dtype=np.float32)]
    params_dict = {"hgraph": {"ef_search": args.ef}}
    params = params_dict if args.dict_params else json.dumps(params_dict)
    k = args.k

    # The ctypes baseline: the same C call into preallocated arrays.
    f = lib.vsag_index_knn_search_batch
    h, pj = index._h, json.dumps(params_dict).encode()
    out_ids = np.empty(k, np.int64)
    out_d = np.empty(k, np.float32)
    oi, od = addr(out_ids), addr(out_d)
    qaddrs = [addr(q) for q in queries]
    dim = args.dim

    total = args.nq * args.rounds
    py_wall = np.empty(total, np.int64)
    py_eng = np.empty(total, np.int64)
    c_wall = np.empty(total, np.int64)
    c_eng = np.empty(total, np.int64)
    knn = index.knn_search
    pc = time.perf_counter_ns

    def py_call(i: int, j: int) -> None:
        t = pc()
        knn(queries[i], k, params)
        t = pc() - t
        py_wall[j] = t
        py_eng[j] = last_ns()

    def c_call(i: int, j: int) -> None:
        t = pc()
        f(h, qaddrs[i], 0, 1, dim, k, pj, None, oi, od)
        t = pc() - t
        c_wall[j] = t
        c_eng[j] = last_ns()

    for i in range(min(200, args.nq)):  # warm up: caches, parameter caches, branch predictors
        py_call(i, 0)
        c_call(i, 0)
    ids, _ = knn(queries[0], k, params)
    f(h, qaddrs[0], 0, 1, dim, k, pj, None, oi, od)
    if not np.array_equal(ids, out_ids):
        raise SystemExit("pyvsag and the direct C call disagree")

    j = 0
    for r in range(args.rounds):
        for i in range(args.nq):
            if (i + r) % 2 == 0:
                py_call(i, j)
                c_call(i, j)
            else:
                c_call(i, j)
                py_call(i, j)
            j += 1

    py_over = (py_wall - py_eng) / 1e3
    c_over = (c_wall - c_eng) / 1e3
    eng = np.concatenate([py_eng, c_eng]) / 1e3
    rounds_py = [float(np.median(py_over[r * args.nq:(r + 1) * args.nq])) for r in range(args.rounds)]
    rounds_c = [float(np.median(c_over[r * args.nq:(r + 1) * args.nq])) for r in range(args.rounds)]
    res = {
        "binding": "pyvsag", "samples": total, "params": "dict" if args.dict_params else "str",
        "engine_p50_us": pct(eng, 50),
        "pyvsag_overhead_p50_us": pct(py_over, 50), "pyvsag_overhead_p90_us": pct(py_over, 90),
        "ctypes_overhead_p50_us": pct(c_over, 50), "ctypes_overhead_p90_us": pct(c_over, 90),
        "round_p50_min_us": min(rounds_py), "round_p50_max_us": max(rounds_py),
        "ctypes_round_p50_min_us": min(rounds_c), "ctypes_round_p50_max_us": max(rounds_c),
        "load": os.getloadavg()[0], "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(res))
        return 0
    print(f"pyvsag single-query overhead over the engine's own time (hgraph {args.n} x {dim}, "
          f"k={k}, ef_search {args.ef}, params as {res['params']}; {total} calls, "
          f"{args.rounds} rounds interleaved with the direct ctypes call)")
    print(f"  engine's own time        p50 {res['engine_p50_us']:7.2f} us")
    print(f"  pyvsag knn_search        overhead p50 {res['pyvsag_overhead_p50_us']:5.2f} us  "
          f"p90 {res['pyvsag_overhead_p90_us']:5.2f} us  (round medians "
          f"{res['round_p50_min_us']:.2f}..{res['round_p50_max_us']:.2f})  target <= 1.5 us: "
          f"{'ok' if res['pyvsag_overhead_p50_us'] <= 1.5 else 'MISSED'}")
    print(f"  direct ctypes C call     overhead p50 {res['ctypes_overhead_p50_us']:5.2f} us  "
          f"p90 {res['ctypes_overhead_p90_us']:5.2f} us  (round medians "
          f"{res['ctypes_round_p50_min_us']:.2f}..{res['ctypes_round_p50_max_us']:.2f})")
    print(f"  load average {res['load']:.1f} on {res['cpus']} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
