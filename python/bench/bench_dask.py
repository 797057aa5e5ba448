"""Sharded search on Dask distributed against one index and against the same shards in one
process (the targets of pyvsag.distributed).

Data: Fashion-MNIST (60k x 784, l2; Debian's dataset-fashion-mnist) or, when it is not
installed, generated clustered data of the same shape; the first --nq test images are the
queries, with exact ground truth computed here.

Measured after a warm-up, with rounds interleaved and repeated (the machine may be shared):
each figure is printed as median [min..max], the targets are judged on the best round of
each side (the round least disturbed by other work), and CPU seconds (user + system of this
process and of the Dask worker processes) are printed beside the wall-clock times, since on a
busy machine they move far less than the wall clock does.

1. build: one hgraph index over all rows in this process (num_threads_building = the cores)
   vs build_sharded of --shards shards on a LocalCluster of --build-workers single-threaded
   worker processes (end to end: the sample, the model, the partition, moving the rows, the
   shard builds, writing and hashing the files and the manifest); target: sharded no slower
   than 1.2x.
2. recall@10 at each --ef: the sharded index through Dask vs the single index; target: no more
   than 0.005 below at every ef_search.
3. batch QPS of --nq queries: through Dask (a LocalCluster of --workers worker processes, one
   actor per shard) vs the same shard files loaded in this process, searched one after the other
   (each a batch over all cores) and merged with the same merge_topk; target: >= 0.8x.
4. routing: probe_shards below the shard count, and probe_slack (each query to the shards whose
   nearest routing centroid lies within 1 + slack times its nearest one's distance, --slack), vs
   every shard, at --route-ef; target: >= 1.5x the QPS at recall within 0.01.

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


def quiet_dask() -> None:
    """quiet_dask turns off what a Dask worker does when idle and is not needed here: the
    statistical profiler, which samples every thread's stack every 10 ms, and the event-loop
    health check every 20 ms (made 500 ms). On this 2-core machine, with 4 workers and the
    scheduler, they took 0.25 of a core when nothing ran (0.09 without them), CPU the shards'
    searches and builds then lack. The nannies' memory checks of their workers (every 100 ms,
    made 1 s) and the system monitors of the scheduler and the workers (every 500 ms, made
    2 s) read /proc with psutil; they run in this process too (a LocalCluster's nannies and
    scheduler do), so they also took from the in-process side: 0.08 of a core when nothing
    ran, 0.035 with them slowed."""
    import dask
    dask.config.set({"distributed.worker.profile.enabled": False,
                     "distributed.admin.tick.interval": "500ms",
                     "distributed.worker.memory.monitor-interval": "1s",
                     "distributed.admin.system-monitor.interval": "2s"})


def rounds(fns: Dict[str, Callable[[], Any]], reps: int) -> Dict[str, List[Any]]:
    """rounds runs each function reps times, interleaved, and collects what they return."""
    out: Dict[str, List[Any]] = {name: [] for name in fns}
    for r in range(reps):
        names = list(fns) if r % 2 == 0 else list(reversed(fns))
        for name in names:
            out[name].append(fns[name]())
    return out


def cpu_self() -> float:
    """cpu_self is this process's user + system CPU seconds (all its threads)."""
    t = os.times()
    return t.user + t.system


def cpu_of(pids: List[int]) -> float:
    """cpu_of is the user + system CPU seconds of the given processes (the Dask workers)."""
    import psutil
    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def worker_pids(client: Any) -> List[int]:
    return [int(p) for p in client.run(os.getpid).values()]


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"


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
    ap.add_argument("--slack", default="0.05,0.1,0.2,0.35",
                    help="probe_slack values measured with routing (comma-separated)")
    ap.add_argument("--probe", default="1,2,3")
    ap.add_argument("--max-degree", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=100)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--build-reps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed build rounds (of 10000 rows) before the timed ones")
    ap.add_argument("--rows", type=int, default=0, help="use the first ROWS rows only (0: all)")
    ap.add_argument("--json", default="", help="write the figures to this file")
    ap.add_argument("--dask-profiler", action="store_true",
                    help="keep Dask's statistical profiler on in the workers (Dask's default; "
                         "the bench turns it off, see quiet_dask)")
    ap.add_argument("--no-host-turns", action="store_true",
                    help="let the shards of a host search a batch all at once (host_turns=False)")
    args = ap.parse_args()
    if not args.dask_profiler:
        quiet_dask()

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
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; Dask profiler "
          f"{'on' if args.dask_profiler else 'off'}; host turns "
          f"{'off' if args.no_host_turns else 'on'}")
    t0 = time.perf_counter()
    gt = truth(base, queries, k)
    print(f"ground truth in {time.perf_counter() - t0:.1f} s")
    report: Dict[str, Any] = {"data": name, "n": n, "dim": dim, "nq": len(queries), "k": k,
                              "shards": args.shards, "params": params}
    work = tempfile.mkdtemp(prefix="vsag-bench-dask-")
    root = os.path.join(work, "sharded")
    cores = len(os.sched_getaffinity(0))
    pyvsag.set_option("num_threads_building", min(cores, 200))
    try:
        # 1. build
        cl, client = cluster(args.build_workers)
        client.submit(lambda: __import__("pyvsag").library_version()).result()  # warm workers
        pids = worker_pids(client)
        single: List[Any] = [None]

        def build_single(x: np.ndarray, labels: np.ndarray) -> Dict[str, float]:
            if single[0] is not None:
                single[0].close()
            index = pyvsag.Index("hgraph", json.dumps(params))
            c, t = cpu_self(), time.perf_counter()
            index.build(x, labels)
            took = {"wall": time.perf_counter() - t, "cpu": cpu_self() - c}
            single[0] = index
            return took

        def build_shards(x: np.ndarray, labels: np.ndarray) -> Dict[str, Any]:
            c, w, t = cpu_self(), cpu_of(pids), time.perf_counter()
            m = pdist.build_sharded(client, "hgraph", params, x, labels, shards=args.shards,
                                    root=root, overwrite=True)
            wall = time.perf_counter() - t
            cc, wc = cpu_self() - c, cpu_of(pids) - w
            return {"wall": wall, "cpu": cc + wc, "client_cpu": cc, "worker_cpu": wc,
                    "steps": m["build_seconds"]}

        warm = min(n, 10000)
        for _ in range(args.warmup):
            build_single(base[:warm], ids[:warm])
            build_shards(base[:warm], ids[:warm])
        b = rounds({"single": lambda: build_single(base, ids),
                    "sharded": lambda: build_shards(base, ids)}, args.build_reps)
        client.close()
        cl.close()
        wall = {k: [r["wall"] for r in v] for k, v in b.items()}
        cpu = {k: [r["cpu"] for r in v] for k, v in b.items()}
        best = min(wall["sharded"]) / min(wall["single"])
        median = statistics.median(wall["sharded"]) / statistics.median(wall["single"])
        cpu_ratio = statistics.median(cpu["sharded"]) / statistics.median(cpu["single"])
        print(f"build (after {args.warmup} warm-up round(s) of {warm} rows; rounds in order: "
              + ", ".join(f"{s['wall']:.1f}/{h['wall']:.1f} s"
                          for s, h in zip(b["single"], b["sharded"])) + " single/sharded)")
        print(f"  single index, {pyvsag.get_option('num_threads_building')} build threads: "
              f"wall {fmt(wall['single'], ' s', 1)}, CPU {fmt(cpu['single'], ' s', 1)}")
        print(f"  {args.shards} shards on {args.build_workers} single-threaded workers: wall "
              f"{fmt(wall['sharded'], ' s', 1)}, CPU {fmt(cpu['sharded'], ' s', 1)} (client "
              f"{fmt([r['client_cpu'] for r in b['sharded']], ' s', 1)}, workers "
              f"{fmt([r['worker_cpu'] for r in b['sharded']], ' s', 1)})")
        print(f"  ratio sharded/single: wall best {best:.2f}, wall median {median:.2f}, CPU "
              f"median {cpu_ratio:.2f}; target <= 1.2 (best): {met(best <= 1.2)}")
        fastest = min(b["sharded"], key=lambda r: r["wall"])["steps"]
        print("  fastest sharded build, phases (s):", fastest["phases"])
        for st in sorted(fastest["shard_steps"], key=lambda d: d["shard"]):
            print(f"    shard {st['shard']}: {st['threads']} thread(s), " + ", ".join(
                f"{k} {st[k]:.2f}/{st[k + '_cpu']:.2f}" for k in
                ("load", "build", "routing", "write", "checksum")) + " s wall/CPU")
        manifest = pdist.read_manifest(root)
        report["build"] = {"single": b["single"], "sharded": b["sharded"], "ratio_best": best,
                           "ratio_median": median, "cpu_ratio_median": cpu_ratio,
                           "shard_counts": [s["count"] for s in manifest["shards"]]}
        one = single[0]

        # 2-4. search
        cl, client = cluster(args.workers)
        index = pdist.ShardedIndex.open(client, root, host_turns=not args.no_host_turns)
        pids = worker_pids(client)
        local = [pyvsag.Index.load_file(os.path.join(root, s["file"]))
                 for s in manifest["shards"]]

        def in_process(sp: Dict[str, Any]) -> Tuple[np.ndarray, np.ndarray]:
            res = [ix.knn_search(queries, k, sp) for ix in local]
            return pdist.merge_topk(np.concatenate([r[0] for r in res], 1),
                                    np.concatenate([r[1] for r in res], 1), k)

        def timed(fn: Callable[[], Any], workers: bool) -> Callable[[], Dict[str, float]]:
            """timed returns a round: QPS, and CPU ms per query (this process, plus the Dask
            workers' when workers)."""
            def run() -> Dict[str, float]:
                c, w = cpu_self(), (cpu_of(pids) if workers else 0.0)
                t = time.perf_counter()
                fn()
                wall = time.perf_counter() - t
                used = cpu_self() - c + ((cpu_of(pids) - w) if workers else 0.0)
                return {"qps": len(queries) / wall, "cpu_ms": 1000 * used / len(queries)}
            return run

        report["search"] = []
        recall_ok, qps_ok = True, True
        print(f"\nsearch of {len(queries)} queries (QPS: median [min..max] of {args.reps} "
              f"rounds after a warm-up; CPU ms per query, median)")
        print(f"{'ef':>5} {'recall 1 index':>15} {'recall shards':>14} {'delta':>7}   "
              f"{'QPS dask':>20} {'QPS 1 process':>20} {'best':>5} {'med':>5}  "
              f"{'CPU ms dask/1 proc':>18}  {'QPS 1 index':>10}")
        for ef in efs:
            sp = {"hgraph": {"ef_search": ef}}
            r_one = recall(one.knn_search(queries, k, sp)[0], gt)
            got = index.knn_search(queries, k, sp)[0]
            r_sh = recall(got, gt)
            assert (got == in_process(sp)[0]).all(), "dask and in-process results differ"
            q = rounds({"dask": timed(lambda: index.knn_search(queries, k, sp), True),
                        "local": timed(lambda: in_process(sp), False),
                        "single": timed(lambda: one.knn_search(queries, k, sp), False)},
                       args.reps)
            qps = {name: [r["qps"] for r in v] for name, v in q.items()}
            cpu_ms = {name: statistics.median(r["cpu_ms"] for r in v) for name, v in q.items()}
            best = max(qps["dask"]) / max(qps["local"])
            med = statistics.median(qps["dask"]) / statistics.median(qps["local"])
            recall_ok &= r_sh >= r_one - 0.005
            qps_ok &= best >= 0.8
            print(f"{ef:>5} {r_one:>15.4f} {r_sh:>14.4f} {r_sh - r_one:>+7.4f}   "
                  f"{fmt(qps['dask'], '', 0):>20} {fmt(qps['local'], '', 0):>20} {best:>5.2f} "
                  f"{med:>5.2f}  {cpu_ms['dask']:>8.2f}/{cpu_ms['local']:<9.2f}  "
                  f"{statistics.median(qps['single']):>10.0f}")
            report["search"].append({"ef": ef, "recall_single": r_one, "recall_sharded": r_sh,
                                     "qps_dask": qps["dask"], "qps_in_process": qps["local"],
                                     "qps_single": qps["single"], "ratio_best": best,
                                     "ratio_median": med, "cpu_ms": cpu_ms})
        print(f"target recall@10 of the shards >= one index - 0.005 at every ef: "
              f"{met(recall_ok)}")
        print(f"target Dask QPS >= 0.8x the shards in one process (best rounds) at every ef: "
              f"{met(qps_ok)}")

        sp = {"hgraph": {"ef_search": args.route_ef}}
        fns = {"all": lambda: index.knn_search(queries, k, sp)}
        for p in probes:
            fns[f"probe{p}"] = (lambda p=p: index.knn_search(queries, k, sp, probe_shards=p))
        slacks = [float(x) for x in args.slack.split(",") if x.strip()]
        shards_per_query = {}
        for sl in slacks:
            fns[f"slack{sl}"] = (lambda sl=sl: index.knn_search(queries, k, sp, probe_slack=sl))
            shards_per_query[sl] = float((index.route(queries, args.shards, sl) >= 0).sum(1).mean())
        rec = {name: recall(fn()[0], gt) for name, fn in fns.items()}  # also the warm-up
        q = rounds({name: timed(fn, True) for name, fn in fns.items()}, args.reps)
        qps = {name: [r["qps"] for r in v] for name, v in q.items()}
        cpu_ms = {name: statistics.median(r["cpu_ms"] for r in v) for name, v in q.items()}
        print(f"\nrouting at ef_search={args.route_ef}: all {args.shards} shards recall "
              f"{rec['all']:.4f} QPS {fmt(qps['all'], '', 0)}, {cpu_ms['all']:.2f} CPU ms per "
              "query")
        report["routing"] = {"ef": args.route_ef, "all": {"recall": rec["all"],
                                                          "qps": qps["all"]}}
        # each routing against every shard: (name, label, shards per query or None)
        routes = [(f"probe{p}", f"probe_shards={p}", None) for p in probes]
        routes += [(f"slack{sl}", f"probe_slack={sl}", shards_per_query[sl]) for sl in slacks]
        route_ok = False
        for name, label, per_query in routes:
            speed = max(qps[name]) / max(qps["all"])
            med = statistics.median(qps[name]) / statistics.median(qps["all"])
            close = rec[name] >= rec["all"] - 0.01
            route_ok |= close and speed >= 1.5
            spread = "" if per_query is None else f" {per_query:.2f} shards per query,"
            print(f"  {label}:{spread} recall {rec[name]:.4f} ({rec[name] - rec['all']:+.4f}) QPS "
                  f"{fmt(qps[name], '', 0)} = {speed:.2f}x best, {med:.2f}x median; "
                  f"{cpu_ms[name]:.2f} CPU ms per query")
            report["routing"][name] = {"recall": rec[name], "qps": qps[name],
                                       "speedup_best": speed, "speedup_median": med,
                                       "cpu_ms": cpu_ms[name]}
            if per_query is not None:
                report["routing"][name]["shards_per_query"] = per_query
        print(f"target routing >= 1.5x the QPS of every shard (best rounds) at recall within "
              f"0.01: {met(route_ok)}")
        index.close()
        client.close()
        cl.close()
        report["loadavg_end"] = os.getloadavg()[0]
        print(f"load average at the end: {report['loadavg_end']:.1f}")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(report, f, indent=1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
