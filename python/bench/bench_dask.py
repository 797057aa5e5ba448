"""Sharded search on Dask distributed against one index and against the same shards in one
process (the targets of pyvsag.distributed).

Data: Fashion-MNIST (60k x 784, l2; Debian's dataset-fashion-mnist) or, when it is not
installed, generated clustered data of the same shape; the first --nq test images are the
queries, with exact ground truth computed here.

Measured, with rounds interleaved and repeated (the machine may be shared; each figure is the
median of its rounds, the best in brackets):

1. build: one hgraph index over all rows in this process (all cores) vs build_sharded of
   --shards shards on a LocalCluster of --build-workers worker processes (end to end: the
   sample, the model, the partition, moving the rows and the shard builds); target: sharded
   no slower than 1.2x.
2. recall@10 at each --ef: the sharded index through Dask vs the single index; target: no more
   than 0.005 below at every ef_search.
3. batch QPS of --nq queries: through Dask (a LocalCluster of --workers worker processes, one
   actor per shard) vs the same shard files loaded in this process, searched one after the other
   (each a batch over all cores) and merged with the same merge_topk; target: >= 0.8x.
4. routing: probe_shards below the shard count vs every shard, at --route-ef; target: >= 1.5x
   the QPS at recall within 0.01.

    make bench-dask
    PYTHONPATH=python /usr/bin/python3 python/bench/bench_dask.py --reps 3
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

import pyvsag
import pyvsag.distributed as pdist

FASHION = "/usr/share/datasets/fashion-mnist"


def read_idx(path: str) -> np.ndarray:
    """read_idx reads an IDX image file (optionally gzip-compressed) as float32 rows."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    n, r, c = (int.from_bytes(raw[o:o + 4], "big") for o in (4, 8, 12))
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, r * c).astype(np.float32)


def load(nq: int) -> Tuple[str, np.ndarray, np.ndarray]:
    """load returns (name, base, queries): Fashion-MNIST, or generated data of its shape."""
    def find(name: str) -> str:
        for p in (os.path.join(FASHION, name + ".gz"), os.path.join(FASHION, name)):
            if os.path.exists(p):
                return p
        return ""
    train, test = find("train-images-idx3-ubyte"), find("t10k-images-idx3-ubyte")
    if train and test:
        return "fashion-mnist", read_idx(train), read_idx(test)[:nq]
    print("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist); using "
          "generated data of the same shape.")
    rng = np.random.default_rng(42)
    centres = rng.uniform(0, 255, size=(50, 784)).astype(np.float32)
    base = centres[rng.integers(0, 50, 60000)] + rng.normal(0, 40, (60000, 784))
    queries = centres[rng.integers(0, 50, nq)] + rng.normal(0, 40, (nq, 784))
    return "generated", base.astype(np.float32), queries.astype(np.float32)


def truth(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """truth returns the exact k nearest row numbers of each query (squared L2)."""
    b2 = (base.astype(np.float64) ** 2).sum(1)
    out = np.empty((len(queries), k), dtype=np.int64)
    for lo in range(0, len(queries), 100):
        q = queries[lo:lo + 100].astype(np.float64)
        d = b2[None, :] - 2 * q @ base.T.astype(np.float64)
        part = np.argpartition(d, k, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(d, part, 1), axis=1, kind="stable")
        out[lo:lo + 100] = np.take_along_axis(part, order, 1)
    return out


def recall(got: np.ndarray, want: np.ndarray) -> float:
    """recall is the mean fraction of the true neighbours found per query."""
    k = want.shape[1]
    return float(np.mean([len(set(g) & set(w)) / k for g, w in zip(got.tolist(),
                                                                    want.tolist())]))


def cluster(workers: int) -> Tuple[Any, Any]:
    """cluster starts a LocalCluster of worker processes (one thread each) on loopback."""
    from distributed import Client, LocalCluster
    here = os.path.dirname(os.path.abspath(pyvsag.__file__))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(here)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                   if p])
    c = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address=":0", silence_logs=logging.CRITICAL)
    return c, Client(c)


def rounds(fns: Dict[str, Callable[[], float]], reps: int) -> Dict[str, List[float]]:
    """rounds runs each function reps times, interleaved, and collects what they return."""
    out: Dict[str, List[float]] = {name: [] for name in fns}
    for r in range(reps):
        names = list(fns) if r % 2 == 0 else list(reversed(fns))
        for name in names:
            out[name].append(fns[name]())
    return out


def fmt(values: List[float], unit: str = "", digits: int = 2) -> str:
    lo, mid, hi = min(values), statistics.median(values), max(values)
    return f"{mid:.{digits}f}{unit} [{lo:.{digits}f}..{hi:.{digits}f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--workers", type=int, default=4, help="worker processes for the search")
    ap.add_argument("--build-workers", type=int, default=2, help="worker processes for the build")
    ap.add_argument("--nq", type=int, default=1000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--ef", default="10,20,40,80,160")
    ap.add_argument("--route-ef", type=int, default=80)
    ap.add_argument("--probe", default="1,2,3")
    ap.add_argument("--max-degree", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=100)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--build-reps", type=int, default=2)
    ap.add_argument("--rows", type=int, default=0, help="use the first ROWS rows only (0: all)")
    ap.add_argument("--json", default="", help="write the figures to this file")
    args = ap.parse_args()

    name, base, queries = load(args.nq)
    if args.rows:
        base = base[:args.rows]
    n, dim = base.shape
    ids = np.arange(n, dtype=np.int64)
    k = args.k
    efs = [int(e) for e in args.ef.split(",")]
    probes = [int(p) for p in args.probe.split(",") if int(p) < args.shards]
    params = {"dtype": "float32", "metric_type": "l2", "dim": dim,
              "index_param": {"base_quantization_type": "fp32", "max_degree": args.max_degree,
                              "ef_construction": args.ef_construction}}
    print(f"data: {name} {n} x {dim}, {len(queries)} queries, k={k}; hgraph "
          f"max_degree={args.max_degree} ef_construction={args.ef_construction}; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    gt = truth(base, queries, k)
    print(f"ground truth in {time.perf_counter() - t0:.1f} s")
    report: Dict[str, Any] = {"data": name, "n": n, "dim": dim, "nq": len(queries), "k": k,
                              "shards": args.shards, "params": params}
    work = tempfile.mkdtemp(prefix="vsag-bench-dask-")
    root = os.path.join(work, "sharded")
    try:
        # 1. build
        cl, client = cluster(args.build_workers)
        client.submit(lambda: __import__("pyvsag").library_version()).result()  # warm workers
        single: List[Any] = [None]

        def build_single() -> float:
            if single[0] is not None:
                single[0].close()
            index = pyvsag.Index("hgraph", json.dumps(params))
            t = time.perf_counter()
            index.build(base, ids)
            took = time.perf_counter() - t
            single[0] = index
            return took

        def build_shards() -> float:
            t = time.perf_counter()
            pdist.build_sharded(client, "hgraph", params, base, ids, shards=args.shards,
                                root=root, overwrite=True)
            return time.perf_counter() - t

        b = rounds({"single": build_single, "sharded": build_shards}, args.build_reps)
        client.close()
        cl.close()
        ratio = statistics.median(b["sharded"]) / statistics.median(b["single"])
        print(f"build: single index {fmt(b['single'], ' s')}; {args.shards} shards on "
              f"{args.build_workers} workers {fmt(b['sharded'], ' s')}; ratio {ratio:.2f} "
              f"(target <= 1.2)")
        manifest = pdist.read_manifest(root)
        print("  shard sizes", [s["count"] for s in manifest["shards"]], "last build:",
              manifest["build_seconds"])
        report["build"] = {"single_s": b["single"], "sharded_s": b["sharded"], "ratio": ratio,
                           "shard_counts": [s["count"] for s in manifest["shards"]]}
        one = single[0]

        # 2-4. search
        cl, client = cluster(args.workers)
        index = pdist.ShardedIndex.open(client, root)
        local = [pyvsag.Index.load_file(os.path.join(root, s["file"]))
                 for s in manifest["shards"]]

        def in_process(sp: Dict[str, Any]) -> Tuple[np.ndarray, np.ndarray]:
            res = [ix.knn_search(queries, k, sp) for ix in local]
            return pdist.merge_topk(np.concatenate([r[0] for r in res], 1),
                                    np.concatenate([r[1] for r in res], 1), k)

        report["search"] = []
        print(f"\n{'ef':>5} {'recall 1 index':>15} {'recall shards':>14} {'delta':>7}   "
              f"{'QPS dask':>22} {'QPS 1 process':>22} {'ratio':>6}  {'QPS 1 index':>10}")
        for ef in efs:
            sp = {"hgraph": {"ef_search": ef}}
            r_one = recall(one.knn_search(queries, k, sp)[0], gt)
            got = index.knn_search(queries, k, sp)[0]
            r_sh = recall(got, gt)
            assert (got == in_process(sp)[0]).all(), "dask and in-process results differ"

            def qps(fn: Callable[[], Any]) -> Callable[[], float]:
                def run() -> float:
                    t = time.perf_counter()
                    fn()
                    return len(queries) / (time.perf_counter() - t)
                return run
            q = rounds({"dask": qps(lambda: index.knn_search(queries, k, sp)),
                        "local": qps(lambda: in_process(sp)),
                        "single": qps(lambda: one.knn_search(queries, k, sp))}, args.reps)
            ratio = statistics.median(q["dask"]) / statistics.median(q["local"])
            print(f"{ef:>5} {r_one:>15.4f} {r_sh:>14.4f} {r_sh - r_one:>+7.4f}   "
                  f"{fmt(q['dask'], '', 0):>22} {fmt(q['local'], '', 0):>22} {ratio:>6.2f}  "
                  f"{statistics.median(q['single']):>10.0f}")
            report["search"].append({"ef": ef, "recall_single": r_one, "recall_sharded": r_sh,
                                     "qps_dask": q["dask"], "qps_in_process": q["local"],
                                     "qps_single": q["single"], "ratio": ratio})

        sp = {"hgraph": {"ef_search": args.route_ef}}
        fns = {"all": lambda: index.knn_search(queries, k, sp)}
        for p in probes:
            fns[f"probe{p}"] = (lambda p=p: index.knn_search(queries, k, sp, probe_shards=p))
        rec = {name: recall(fn()[0], gt) for name, fn in fns.items()}
        timed = {name: (lambda fn=fn: len(queries) / _timed(fn)) for name, fn in fns.items()}
        q = rounds(timed, args.reps)
        base_qps = statistics.median(q["all"])
        print(f"\nrouting at ef_search={args.route_ef}: all {args.shards} shards recall "
              f"{rec['all']:.4f} QPS {fmt(q['all'], '', 0)}")
        report["routing"] = {"ef": args.route_ef, "all": {"recall": rec["all"], "qps": q["all"]}}
        for p in probes:
            name_p = f"probe{p}"
            speed = statistics.median(q[name_p]) / base_qps
            print(f"  probe_shards={p}: recall {rec[name_p]:.4f} ({rec[name_p] - rec['all']:+.4f})"
                  f" QPS {fmt(q[name_p], '', 0)} = {speed:.2f}x")
            report["routing"][name_p] = {"recall": rec[name_p], "qps": q[name_p],
                                         "speedup": speed}
        index.close()
        client.close()
        cl.close()
        report["loadavg_end"] = os.getloadavg()[0]
        if args.json:
            with open(args.json, "w") as f:
                json.dump(report, f, indent=1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    sys.exit(main())
