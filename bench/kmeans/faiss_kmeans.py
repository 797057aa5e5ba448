#!/usr/bin/python3
"""Times Faiss k-means on Fashion-MNIST (60 000 x 784 train images, float32 pixel values 0..255).

Usage: faiss_kmeans.py [--k 1024] [--niter 25] [--threads 2] [--seed 1234] [--dir DIR]

Prints one line "faiss kmeans: k=... n=... dim=... threads=... seconds=... cpu_seconds=... objective=..."
that `make bench-kmeans` shows next to the Go benchmark (cpu_seconds counts all threads of the
process: with the machine to itself it is about threads x seconds). The data are read from the IDX files
of Debian's dataset-fashion-mnist package (gzip-compressed or not), like the Go loader does.
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        sys.exit("%s: not an IDX file of unsigned bytes" % path)
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    rows = shape[0]
    return data.reshape(rows, -1).astype(np.float32)


def find(dir_, name):
    for cand in (name, name + ".gz"):
        p = os.path.join(dir_, cand)
        if os.path.exists(p):
            return p
    sys.exit("Fashion-MNIST not found in %s (Debian package dataset-fashion-mnist)" % dir_)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--k", type=int, default=1024)
    ap.add_argument("--niter", type=int, default=25)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    import faiss

    faiss.omp_set_num_threads(args.threads)
    x = np.ascontiguousarray(read_idx(find(args.dir, "train-images-idx3-ubyte")))
    n, dim = x.shape
    km = faiss.Kmeans(dim, args.k, niter=args.niter, seed=args.seed, verbose=args.verbose)
    t0, c0 = time.perf_counter(), time.process_time()
    km.train(x)
    secs = time.perf_counter() - t0
    cpu = time.process_time() - c0
    obj = km.obj[-1] if len(km.obj) else float("nan")
    print("faiss kmeans: k=%d n=%d dim=%d niter=%d threads=%d seconds=%.3f cpu_seconds=%.3f objective=%.6g"
          % (args.k, n, dim, args.niter, args.threads, secs, cpu, obj))


if __name__ == "__main__":
    main()
