"""Driver of `make bench-binding`: the single-query overhead of pyvsag, Node and the C ABI over
the engine's own time, all measured in process on one saved index (hgraph, 10 000 x 128 random
vectors, k = 10, ef_search 32).

Each program measures, call by call, wall time minus the time the same call spent in the
engine's search (vsag_last_search_nanoseconds), and prints p50 / p90 over all its calls. The
programs run --reps times in turn (C, pyvsag, pyvsag with dict parameters, Node, then again), so
a burst of load on the shared machine hits all of them; the table shows the median over the
repetitions and the range, which is the noise.

    python3 bench/binding/run.py --c build/binding/capi_overhead --index build/binding/hg10k.vsag
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def run(cmd: List[str], cwd: str = REPO, env: Dict[str, str] | None = None) -> dict:
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=cwd, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--c", required=True, help="the capi_overhead program")
    ap.add_argument("--index", required=True, help="saved index (built here when missing)")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--node", default="node")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=10, help="rounds of 1000 queries per run")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "python"))
    py = [args.python, os.path.join(HERE, "bench_python.py"), "--index", args.index, "--json",
          "--rounds", str(args.rounds)]
    if not os.path.exists(args.index):
        subprocess.run(py[:2] + ["--save", args.index, "--rounds", "1"], check=True, env=env,
                       cwd=REPO, capture_output=True)
    rows: Dict[str, List[dict]] = {"c": [], "py": [], "pydict": [], "node": []}
    for _ in range(args.reps):
        rows["c"].append(run([args.c, os.path.abspath(args.index), "1000", str(args.rounds)]))
        rows["py"].append(run(py, env=env))
        rows["pydict"].append(run(py + ["--dict-params"], env=env))
        rows["node"].append(run([args.node, "bench/overhead.js", os.path.abspath(args.index),
                                 "--json", "--rounds", str(args.rounds)],
                                cwd=os.path.join(REPO, "typescript")))

    def cell(name: str, key: str) -> str:
        v = [r[key] for r in rows[name]]
        return f"{statistics.median(v):6.2f} ({min(v):.2f}..{max(v):.2f})"

    n = args.rounds * 1000
    print(f"single-query overhead over the engine's own time, in process: hgraph 10 000 x 128, "
          f"k=10, ef_search 32; {n} calls per run, {args.reps} runs each, in turn; "
          "us, median of the runs (range)")
    print(f"{'caller':44s} {'overhead p50':>22s} {'overhead p90':>22s} {'engine p50':>22s}")
    table = [
        ("C: vsag_index_knn_search_batch (nq = 1)", "c", "c_overhead"),
        ("pyvsag Index.knn_search, params str", "py", "pyvsag_overhead"),
        ("  the same C call through ctypes", "py", "ctypes_overhead"),
        ("pyvsag Index.knn_search, params dict", "pydict", "pyvsag_overhead"),
        ("Node Index.knnSearch", "node", "node_overhead"),
        ("  the addon function knnSearchFast directly", "node", "native_overhead"),
    ]
    for label, name, key in table:
        print(f"{label:44s} {cell(name, key + '_p50_us'):>22s} {cell(name, key + '_p90_us'):>22s} "
              f"{cell(name, 'engine_p50_us'):>22s}")
    p50 = {k: statistics.median(r[f"{k2}_p50_us"] for r in rows[k])
           for k, k2 in (("py", "pyvsag_overhead"), ("node", "node_overhead"))}
    print(f"targets: pyvsag p50 <= 1.5 us: {'ok' if p50['py'] <= 1.5 else 'MISSED'} "
          f"({p50['py']:.2f}); Node p50 <= 1 us: {'ok' if p50['node'] <= 1 else 'MISSED'} "
          f"({p50['node']:.2f})")
    loads = [r["load"] for k in ("py", "pydict", "node") for r in rows[k]]
    print(f"load average during the runs {min(loads):.1f}..{max(loads):.1f} on "
          f"{os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
