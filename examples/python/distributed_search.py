"""Sharded build and scatter-gather search on Dask distributed (pyvsag.distributed).

Starts a LocalCluster of 4 worker processes on this machine, builds Fashion-MNIST (Debian's
dataset-fashion-mnist; generated data of the same shape when it is not installed) in 4 hgraph
shards under a root folder, opens it (one Dask actor per shard), searches a batch of queries
through every shard and through the 2 nearest shards only, adds and removes vectors, saves,
and prints each shard's statistics.

    PYTHONPATH=python /usr/bin/python3 examples/python/distributed_search.py [--rows N]

On a real cluster the same code runs with ``Client("tcp://scheduler-host:8786")`` in place of
the LocalCluster, and a root on storage every worker mounts at the same path (NFS, a cluster
file system): the workers read and write the shard files there, and pyvsag must be importable
on every worker.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import tempfile
import time

import numpy as np

import pyvsag
import pyvsag.distributed as pdist

FASHION = "/usr/share/datasets/fashion-mnist"


def read_idx(path: str) -> np.ndarray:
    """read_idx reads an IDX image file (gzip-compressed or not) as float32 rows."""
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        raw = f.read()
    n, r, c = (int.from_bytes(raw[o:o + 4], "big") for o in (4, 8, 12))
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, r * c).astype(np.float32)


def load_data(nq: int) -> tuple:
    """load_data returns (name, base, queries)."""
    def find(name: str) -> str:
        for p in (os.path.join(FASHION, name + ".gz"), os.path.join(FASHION, name)):
            if os.path.exists(p):
                return p
        return ""
    train, test = find("train-images-idx3-ubyte"), find("t10k-images-idx3-ubyte")
    if train and test:
        return "Fashion-MNIST", read_idx(train), read_idx(test)[:nq]
    rng = np.random.default_rng(42)
    centres = rng.uniform(0, 255, size=(50, 784)).astype(np.float32)
    base = centres[rng.integers(0, 50, 60000)] + rng.normal(0, 40, (60000, 784))
    queries = centres[rng.integers(0, 50, nq)] + rng.normal(0, 40, (nq, 784))
    return "generated data (dataset-fashion-mnist is not installed)", \
        base.astype(np.float32), queries.astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=int(os.environ.get("VSAG_EXAMPLE_ROWS", "0")),
                    help="use only the first ROWS rows (default: $VSAG_EXAMPLE_ROWS, else all)")
    ap.add_argument("--root", default="", help="the shards' folder (default: a temporary one)")
    args = ap.parse_args()

    from distributed import Client, LocalCluster

    name, base, queries = load_data(200)
    if args.rows:
        base = base[:args.rows]
    n, dim = base.shape
    ids = np.arange(n, dtype=np.int64)
    print(f"[data] {name}: {n} x {dim}, {len(queries)} queries")

    # The workers are separate processes: they import pyvsag through PYTHONPATH, as this
    # script does (libvsag.so is found next to the package).
    here = os.path.dirname(os.path.dirname(os.path.abspath(pyvsag.__file__)))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [here] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    cluster = LocalCluster(n_workers=4, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=":0", silence_logs=logging.ERROR)
    client = Client(cluster)  # a real cluster: Client("tcp://scheduler-host:8786")
    tmp = tempfile.TemporaryDirectory(prefix="vsag-sharded-")
    root = args.root or os.path.join(tmp.name, "fashion")
    try:
        params = {"dtype": "float32", "metric_type": "l2", "dim": dim,
                  "index_param": {"base_quantization_type": "fp32", "max_degree": 16,
                                  "ef_construction": 100}}
        start = time.perf_counter()
        manifest = pdist.build_sharded(client, "hgraph", params, base, ids, shards=4, root=root,
                                       overwrite=True)
        print(f"[build] 4 shards in {time.perf_counter() - start:.1f} s under {root}: "
              f"{[s['count'] for s in manifest['shards']]} vectors, files "
              f"{sorted(os.listdir(root))}")

        # exact neighbours of the queries, to score recall
        d = (queries ** 2).sum(1)[:, None] - 2 * queries @ base.T + (base ** 2).sum(1)[None, :]
        exact = np.argsort(d, axis=1)[:, :10]

        def recall(got: np.ndarray) -> float:
            return float(np.mean([len(set(a) & set(b)) / 10
                                  for a, b in zip(got.tolist(), exact.tolist())]))

        search = {"hgraph": {"ef_search": 80}}
        with pdist.ShardedIndex.open(client, root) as index:
            print(f"[open] {index}: shards on {index.workers}")
            start = time.perf_counter()
            got, dists = index.knn_search(queries, 10, search)
            took = time.perf_counter() - start
            print(f"[search] {len(queries)} queries over every shard in {took * 1e3:.0f} ms: "
                  f"recall@10 {recall(got):.3f}")
            assert recall(got) >= 0.9
            got2, _ = index.knn_search(queries, 10, search, probe_shards=2)
            print(f"[search] the 2 nearest shards per query only: recall@10 {recall(got2):.3f}")

            new = base[:5] + 1.0
            failed = index.add(new, np.arange(n, n + 5))
            removed = index.remove([0, 1, 2])
            print(f"[update] added 5 (failed {failed.tolist()}), removed {removed}: "
                  f"{len(index)} vectors")
            assert failed.size == 0 and removed == 3 and len(index) == n + 2
            saved = index.save()
            print(f"[save] generation {saved['generation']}: "
                  f"{[s['file'] for s in saved['shards']]}")
            for st in index.stats(detail=False):
                print(f"[stats] shard {st['shard']} on {st['worker']} (pid {st['pid']}): "
                      f"{st['num_elements']} vectors, {st['memory_usage'] / 1e6:.1f} MB")
    finally:
        client.close()
        cluster.close()
        tmp.cleanup()


if __name__ == "__main__":
    main()
