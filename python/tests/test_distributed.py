"""pyvsag.distributed on a LocalCluster of worker processes on loopback: sharded build from
numpy, Dask arrays and files; scatter-gather search against exact results; routing; add,
remove, save and reopen; checksums; and a worker killed under a live index."""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from typing import Any, Iterator

import numpy as np
import pytest

from conftest import make_data, recall

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

import pyvsag  # noqa: E402
import pyvsag.distributed as pdist  # noqa: E402

PY_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DIM = 32


def hgraph_params(quant: str = "sq8") -> dict:
    return {"dtype": "float32", "metric_type": "l2", "dim": DIM,
            "index_param": {"base_quantization_type": quant, "max_degree": 16,
                            "ef_construction": 100}}


BF_PARAMS = {"dtype": "float32", "metric_type": "l2", "dim": DIM,
             "index_param": {"base_quantization_type": "fp32"}}
EF = {"hgraph": {"ef_search": 100}}


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    # The workers are new processes: they find pyvsag (and libvsag.so next to it) through
    # PYTHONPATH, as the tests do through sys.path.
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = PY_DIR + (os.pathsep + old if old else "")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=":0",
                                       silence_logs=logging.CRITICAL)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


@pytest.fixture(scope="module")
def data() -> Any:
    return make_data(n=3000, dim=DIM, nq=40, seed=11)


def test_merge_topk_orders_by_distance_then_label() -> None:
    ids = np.array([[7, 3, -1, 5, 2, 9]])
    dists = np.array([[1.0, 0.5, np.inf, 0.5, 2.0, 1.0]], dtype=np.float32)
    got_i, got_d = pdist.merge_topk(ids, dists, 5)
    assert got_i.tolist() == [[3, 5, 7, 9, 2]]
    assert got_d.tolist() == [[0.5, 0.5, 1.0, 1.0, 2.0]]
    got_i, got_d = pdist.merge_topk(ids[:, :3], dists[:, :3], 5)
    assert got_i.tolist() == [[3, 7, -1, -1, -1]] and np.isinf(got_d[0, 2:]).all()


def test_query_batches_travel_uncompressed() -> None:
    # zeros compress to almost nothing: Dask would compress them unless told not to
    from distributed.protocol import dumps, loads, to_serialize
    q = np.zeros((300, DIM), dtype=np.float32)
    q[:, 0] = np.arange(300)
    frames = dumps({"x": to_serialize(pdist._batch(q))})
    assert max(len(memoryview(f)) for f in frames) == q.nbytes
    got = loads(frames)["x"]
    assert isinstance(got, pdist._Batch)
    assert got.array.dtype == np.float32 and np.array_equal(got.array, q)


def test_brute_force_shards_match_one_index(client: Any, data: Any, tmp_path: Any) -> None:
    root = tmp_path / "bf"
    m = pdist.build_sharded(client, "brute_force", BF_PARAMS, data.base, data.ids, shards=3,
                            root=str(root))
    assert m["format"] == pdist.FORMAT and m["format_version"] == pdist.FORMAT_VERSION
    assert m["count"] == data.n and m["dim"] == DIM and m["metric"] == "l2"
    assert m["model"] is None  # brute_force has no model to export
    assert sorted(os.listdir(root)) == sorted([s["file"] for s in m["shards"]] +
                                              ["manifest.json", "routing.npy"])
    assert json.loads((root / "manifest.json").read_text()) == m
    with pdist.ShardedIndex.open(client, root) as index:
        assert index.shards == 3 and len(index) == data.n
        one = pyvsag.Index("brute_force", json.dumps(BF_PARAMS))
        one.build(data.base, data.ids)
        want_i, want_d = one.knn_search(data.queries, 10)
        got_i, got_d = index.knn_search(data.queries, 10)
        np.testing.assert_allclose(got_d, want_d, rtol=1e-5, atol=1e-4)
        assert recall(got_i, data.truth(10)[0]) == 1.0
        i1, d1 = index.knn_search(data.queries[0], 10)
        assert i1.shape == (10,) and (i1 == got_i[0]).all()
        # a filter runs on every shard: excluded labels never come back
        banned = got_i[:, 0]
        fi, _ = index.knn_search(data.queries, 10, filter=banned)
        assert not np.isin(fi, banned).any()
        with pytest.raises(pyvsag.InvalidArgumentError):
            index.knn_search(data.queries[:, :5], 10)


def test_calls_that_would_hang_are_refused(client: Any, data: Any, tmp_path: Any) -> None:
    import asyncio
    root = tmp_path / "loop"
    pdist.build_sharded(client, "brute_force", BF_PARAMS, data.base[:300], data.ids[:300],
                        shards=2, root=str(root))
    with pdist.ShardedIndex.open(client, root) as index:
        async def on_the_loop() -> Any:
            # a search made on the client's own event-loop thread would wait for that loop
            with pytest.raises(RuntimeError, match="event-loop thread"):
                index.knn_search(data.queries, 5)
            with pytest.raises(RuntimeError, match="event-loop thread"):
                pdist.ShardedIndex.open(client, root)
            return "refused"
        fut = asyncio.run_coroutine_threadsafe(on_the_loop(), client.loop.asyncio_loop)
        assert fut.result(timeout=30) == "refused"
        # the index still serves from other threads
        ids, _ = index.knn_search(data.queries, 5)
        assert ids.shape == (len(data.queries), 5)

    class AsyncClient:
        asynchronous = True
    with pytest.raises(pyvsag.InvalidArgumentError, match="synchronous"):
        pdist.build_sharded(AsyncClient(), "brute_force", BF_PARAMS, data.base, data.ids,
                            shards=2, root=str(tmp_path / "async"))
    with pytest.raises(pyvsag.InvalidArgumentError, match="synchronous"):
        pdist.ShardedIndex.open(AsyncClient(), root)


def test_hgraph_trained_model_routing_and_stats(client: Any, data: Any, tmp_path: Any) -> None:
    root = str(tmp_path / "hg")
    m = pdist.build_sharded(client, "hgraph", hgraph_params("sq8"), data.base, data.ids,
                            shards=4, root=root)
    assert m["model"]["file"] == "model.vsag" and os.path.exists(os.path.join(root, "model.vsag"))
    counts = [s["count"] for s in m["shards"]]
    assert sum(counts) == data.n and max(counts) <= 1.08 * data.n / 4
    for s in m["shards"]:
        assert len(s["sha256"]) == 64 and s["routing_rows"][1] - s["routing_rows"][0] == 16
    truth = data.truth(10)[0]
    with pdist.ShardedIndex.open(client, root) as index:
        full_i, _ = index.knn_search(data.queries, 10, EF)
        assert recall(full_i, truth) >= 0.9
        same_i, _ = index.knn_search(data.queries, 10, EF, probe_shards=4)
        assert (same_i == full_i).all()
        picks = index.route(data.queries, 2)
        assert picks.shape == (len(data.queries), 2)
        r1 = recall(index.knn_search(data.queries, 10, EF, probe_shards=1)[0], truth)
        r2 = recall(index.knn_search(data.queries, 10, EF, probe_shards=2)[0], truth)
        assert 0.5 <= r1 <= r2 + 1e-9
        # probe_slack: 0 keeps the nearest shard only, a huge one every shard probe_shards allows
        one_i, _ = index.knn_search(data.queries, 10, EF, probe_shards=1)
        assert (index.knn_search(data.queries, 10, EF, probe_slack=0.0)[0] == one_i).all()
        two_i, _ = index.knn_search(data.queries, 10, EF, probe_shards=2)
        assert (index.knn_search(data.queries, 10, EF, probe_shards=2,
                                 probe_slack=1e9)[0] == two_i).all()
        assert (index.knn_search(data.queries, 10, EF, probe_slack=1e9)[0] == full_i).all()
        r_slack = recall(index.knn_search(data.queries, 10, EF, probe_slack=0.2)[0], truth)
        assert r1 - 1e-9 <= r_slack <= recall(full_i, truth) + 1e-9
        for bad in (-0.1, float("nan"), float("inf"), "0.1", True):
            with pytest.raises(pyvsag.InvalidArgumentError):
                index.knn_search(data.queries, 10, EF, probe_slack=bad)
        stats = index.stats()
        assert [s["shard"] for s in stats] == [0, 1, 2, 3]
        assert [s["num_elements"] for s in stats] == counts
        assert all("index" in s and s["worker"] for s in stats)
        with pytest.raises(pyvsag.InvalidArgumentError):
            index.knn_search(data.queries, 10, EF, probe_shards=0)
    with pytest.raises(pyvsag.InvalidArgumentError, match="already holds"):
        pdist.build_sharded(client, "hgraph", hgraph_params(), data.base, shards=2, root=root)


def test_build_threads_share_the_host_and_are_restored(client: Any, data: Any,
                                                      tmp_path: Any) -> None:
    # two single-threaded workers on one host: each shard build takes half the cores
    before = client.run(pyvsag.get_option, "num_threads_building")
    cores = len(os.sched_getaffinity(0))
    m = pdist.build_sharded(client, "hgraph", hgraph_params("fp32"), data.base, data.ids,
                            shards=4, root=str(tmp_path / "auto"))
    steps = m["build_seconds"]["shard_steps"]
    assert sorted(s["shard"] for s in steps) == [0, 1, 2, 3]
    assert {s["threads"] for s in steps} == {max(1, cores // 2)}
    for s in steps:
        assert {"load", "build", "routing", "write", "checksum", "cpu"} <= set(s)
    assert m["build_seconds"]["shards"] == [s["build"] for s in steps]
    # the staged rows are gone and the option is back to what it was on every worker
    assert not os.path.exists(tmp_path / "auto" / ".staging")
    assert client.run(pyvsag.get_option, "num_threads_building") == before
    m1 = pdist.build_sharded(client, "hgraph", hgraph_params("fp32"), data.base, data.ids,
                             shards=2, root=str(tmp_path / "one"), build_threads=1,
                             stage="scatter")
    assert {s["threads"] for s in m1["build_seconds"]["shard_steps"]} == {1}
    assert client.run(pyvsag.get_option, "num_threads_building") == before
    for bad in (0, 201, 1.5, True):
        with pytest.raises(pyvsag.InvalidArgumentError, match="build_threads"):
            pdist.build_sharded(client, "hgraph", hgraph_params("fp32"), data.base,
                                root=str(tmp_path / "bad"), build_threads=bad)


def test_files_and_dask_array_inputs(client: Any, data: Any, tmp_path: Any) -> None:
    half = data.n // 2
    npy = tmp_path / "a.npy"
    np.save(npy, data.base[:half])
    fvecs = tmp_path / "b.fvecs"
    rows = data.base[half:]
    with open(fvecs, "wb") as f:
        out = np.empty((len(rows), DIM + 1), dtype=np.float32)
        out[:, 0] = np.array([DIM], dtype=np.int32).view(np.float32)[0]
        out[:, 1:] = rows
        out.tofile(f)
    assert pdist.count_rows(fvecs) == len(rows)
    assert np.array_equal(pdist.read_vectors(fvecs, 3, 7), rows[3:7])
    m = pdist.build_sharded(client, "brute_force", BF_PARAMS, [str(npy), str(fvecs)], None,
                            shards=2, root=str(tmp_path / "files"), partition="contiguous")
    assert [(s["id_min"], s["id_max"]) for s in m["shards"]] == [(0, half - 1),
                                                                 (half, data.n - 1)]
    darr = da.from_array(data.base, chunks=(700, DIM))
    m2 = pdist.build_sharded(client, "hgraph", hgraph_params("fp32"), darr, data.ids + 100,
                             shards=3, root=str(tmp_path / "dask"))
    assert m2["count"] == data.n
    with pdist.ShardedIndex.open(client, tmp_path / "files") as a, \
            pdist.ShardedIndex.open(client, tmp_path / "dask") as b:
        ia, _ = a.knn_search(data.queries, 10)
        assert recall(ia, data.truth(10)[0]) == 1.0
        ib, _ = b.knn_search(data.queries, 10, EF)
        assert recall(ib - 100, data.truth(10)[0]) >= 0.9
    with pytest.raises(pyvsag.InvalidArgumentError, match="dim"):
        pdist.build_sharded(client, "brute_force", dict(BF_PARAMS, dim=8), data.base,
                            root=str(tmp_path / "bad"))


def test_add_remove_save_reopen_and_checksum(client: Any, data: Any, tmp_path: Any) -> None:
    root = tmp_path / "upd"
    pdist.build_sharded(client, "hgraph", hgraph_params("fp32"), data.base, data.ids, shards=2,
                        root=str(root))
    extra = make_data(n=50, dim=DIM, nq=1, seed=99, first_id=data.n)
    with pdist.ShardedIndex.open(client, root) as index:
        failed = index.add(extra.base, extra.ids)
        assert failed.size == 0 and len(index) == data.n + 50
        failed = index.add(extra.base[:2], [int(extra.ids[0]), 10**9])  # first one is present
        assert failed.tolist() == [int(extra.ids[0])]
        assert index.remove([0, 1, int(extra.ids[1]), 10**12]) == 3
        got, _ = index.knn_search(extra.base[5], 1, EF)
        assert got[0] == extra.ids[5]
        assert sum(s["unsaved"] for s in index.stats(detail=False)) > 0
        m = index.save()
        assert m["generation"] == 1 and m["count"] == data.n + 50 + 1 - 3
        assert sum(s["unsaved"] for s in index.stats(detail=False)) == 0
    on_disk = sorted(p for p in os.listdir(root) if p.startswith("shard-"))
    assert on_disk == sorted(s["file"] for s in m["shards"])
    with pdist.ShardedIndex.open(client, root) as index:
        assert len(index) == data.n + 48
        got, _ = index.knn_search(extra.base[5], 1, EF)
        assert got[0] == extra.ids[5]
        got, _ = index.knn_search(data.base[0], 1, EF)
        assert got[0] != 0
    # a damaged shard file fails its checksum
    shard = root / m["shards"][0]["file"]
    raw = bytearray(shard.read_bytes())
    raw[-1] ^= 0xFF
    shard.write_bytes(bytes(raw))
    with pytest.raises(pyvsag.InvalidArgumentError, match="checksum"):
        pdist.ShardedIndex.open(client, root)


def test_killed_worker_is_replaced_and_query_retried(client: Any, data: Any,
                                                    tmp_path: Any) -> None:
    root = tmp_path / "kill"
    pdist.build_sharded(client, "hgraph", hgraph_params("fp32"), data.base, data.ids, shards=2,
                        root=str(root))
    extra = make_data(n=20, dim=DIM, nq=1, seed=5, first_id=data.n)
    with pdist.ShardedIndex.open(client, root) as index:
        before, _ = index.knn_search(data.queries, 10, EF)
        assert index.add(extra.base, extra.ids).size == 0  # unsaved: must be replayed
        assert index.remove([int(data.ids[7])]) == 1
        victim = index.stats(detail=False)[0]
        os.kill(victim["pid"], signal.SIGKILL)
        deadline = time.time() + 30
        while victim["worker"] in client.scheduler_info()["workers"] and time.time() < deadline:
            time.sleep(0.1)
        got, _ = index.knn_search(data.queries, 10, EF)  # fails once, recovers, retried
        assert index.recoveries >= 1
        assert recall(got, data.truth(10)[0]) >= 0.9
        assert recall(got, before) >= 0.9
        stats = index.stats(detail=False)
        assert all(s["pid"] != victim["pid"] for s in stats)
        assert sum(s["num_elements"] for s in stats) == data.n + 20 - 1
        got, _ = index.knn_search(extra.base[3], 1, EF)
        assert got[0] == extra.ids[3]
        got, _ = index.knn_search(data.base[7], 1, EF)
        assert got[0] != data.ids[7]


def test_worker_killed_during_a_query(client: Any, data: Any, tmp_path: Any) -> None:
    root = tmp_path / "inflight"
    pdist.build_sharded(client, "brute_force", BF_PARAMS, data.base, data.ids, shards=2,
                        root=str(root))
    with pdist.ShardedIndex.open(client, root) as index:
        victim = index.stats(detail=False)[0]
        want, _ = index.knn_search(data.queries[:2], 5)
        # a slow filter (a Python call per candidate, on the workers) keeps the query running
        slow = (lambda label: time.sleep(0.0005) or False)  # noqa: E731
        box: dict = {}

        def run() -> None:
            try:
                box["result"] = index.knn_search(data.queries[:2], 5, filter=slow)
            except Exception as exc:  # reported by the assertion below
                box["error"] = exc

        import threading
        t = threading.Thread(target=run)
        t.start()
        time.sleep(0.5)
        os.kill(victim["pid"], signal.SIGKILL)
        t.join(120)
        assert not t.is_alive() and "error" not in box, box.get("error")
        assert index.recoveries >= 1
        assert (box["result"][0] == want).all()


def test_shared_batch_maps_the_file_and_picks_rows(tmp_path: Any) -> None:
    import pickle
    q = np.arange(12 * DIM, dtype=np.float32).reshape(12, DIM)
    path = pdist._write_shared(memoryview(q).cast("B"), str(tmp_path))
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    whole = pickle.loads(pickle.dumps(pdist._SharedBatch(path, q.dtype.str, q.shape)))
    got = whole.open()
    assert not got.flags.writeable and np.array_equal(got, q)
    rows = np.array([7, 2, 11])
    part = pickle.loads(pickle.dumps(pdist._SharedBatch(path, q.dtype.str, q.shape, rows)))
    assert np.array_equal(part.open(), q[rows])
    assert pdist.ShardActor.probe(None, path, q.tobytes()[:16]) is False  # more follows
    assert pdist.ShardActor.probe(None, path, q.tobytes()) is True
    assert pdist.ShardActor.probe(None, str(tmp_path / "gone"), b"x") is False
    del got
    os.remove(path)


def test_shard_actor_keeps_the_batch_mapping_while_the_file_stays(tmp_path: Any) -> None:
    class Holder:
        _mapped = None
    actor = Holder()
    q = np.arange(6 * DIM, dtype=np.float32).reshape(6, DIM)
    path = pdist._write_shared(memoryview(q).cast("B"), str(tmp_path))
    batch = pdist._SharedBatch(path, q.dtype.str, q.shape)
    assert np.array_equal(pdist.ShardActor._shared(actor, batch), q)
    first = actor._mapped
    # the client rewrites the file in place for the next batch: same mapping, new rows
    with open(path, "r+b") as f:
        f.write((q + 1).tobytes())
    assert np.array_equal(pdist.ShardActor._shared(actor, batch), q + 1)
    assert actor._mapped is first
    rows = np.array([4, 0])
    part = pdist._SharedBatch(path, q.dtype.str, q.shape, rows)
    assert np.array_equal(pdist.ShardActor._shared(actor, part), (q + 1)[rows])
    # another file at the same path: mapped again
    other = pdist._write_shared(memoryview(q + 2).cast("B"), str(tmp_path))
    os.replace(other, path)
    assert np.array_equal(pdist.ShardActor._shared(actor, batch), q + 2)
    assert actor._mapped is not first
    # a file grown for a larger batch: mapped again
    big = np.concatenate([q + 3, q + 3])
    with open(path, "r+b") as f:
        f.write(big.tobytes())
    grown = pdist._SharedBatch(path, q.dtype.str, big.shape)
    assert np.array_equal(pdist.ShardActor._shared(actor, grown), big)
    empty = pdist._SharedBatch(path, q.dtype.str, (0, DIM))
    assert pdist.ShardActor._shared(actor, empty).shape == (0, DIM)
    actor._mapped = None
    os.remove(path)


@pytest.mark.parametrize("metric", ["l2", "ip", "cosine"])
def test_route_ranks_shards_by_their_nearest_centroid(metric: str) -> None:
    rng = np.random.default_rng(5)
    per = [3, 5, 0, 4]  # shard 2 has no centroid
    routing = rng.normal(size=(sum(per), DIM)).astype(np.float32)
    bounds = np.cumsum([0] + per)
    manifest = {"dim": DIM, "metric": metric,
                "shards": [{"routing_rows": [int(lo), int(hi)]}
                           for lo, hi in zip(bounds[:-1], bounds[1:])]}
    index = pdist.ShardedIndex(None, "/nowhere", manifest, routing, False, None)
    q = rng.normal(size=(200, DIM)).astype(np.float32)
    sc = pdist._scores(q, routing, metric)
    best = np.full((len(q), len(per)), np.inf)
    for shard, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        if hi > lo:
            best[:, shard] = sc[:, lo:hi].min(1)
    want = np.argsort(best, axis=1, kind="stable")
    for probe in (1, 2, 3):
        got = index.route(q, probe)
        assert got.shape == (len(q), probe)
        assert np.array_equal(got, want[:, :probe])
    assert index.route(q[:0], 2).shape == (0, 2)
    assert np.array_equal(index.route(q[:3], 4), np.tile(np.arange(4), (3, 1)))
    # probe_slack keeps a shard only within (1 + slack) times the nearest centroid's distance
    # (the routing scan's: squared l2, or 1 - cosine); the others are -1
    dist = best if metric == "l2" else best + 1
    rows = np.arange(len(q))
    for probe in (2, 4):
        for slack in (0.0, 0.05, 0.3, 1e9):
            got = index.route(q, probe, slack)
            near = dist[rows, want[:, 0]]
            exp = np.where(np.take_along_axis(dist, want[:, :probe], 1)
                           <= (1 + slack) * near[:, None], want[:, :probe], -1)
            exp[:, 0] = want[:, 0]
            assert np.array_equal(got, exp), (probe, slack)
    assert (index.route(q, 4, 0.0)[:, 1:] == -1).mean() > 0.9
    kept = (index.route(q, 4, 1e9) >= 0).sum(1)
    assert (kept == 3).all()  # shard 2 has no centroid to be near
    with pytest.raises(pyvsag.InvalidArgumentError):
        index.route(q, 2, -1.0)


def test_host_turns_let_one_large_search_run_at_a_time(tmp_path: Any) -> None:
    import threading
    base = make_data(n=500, dim=DIM, nq=1, seed=3).base
    index = pyvsag.Index("brute_force", json.dumps(BF_PARAMS))
    index.build(base, np.arange(len(base), dtype=np.int64))

    class Holder:
        _mapped = None
        _turns = pdist._HostTurns(str(tmp_path))
    actor = Holder()
    actor.index = index
    other = pdist._HostTurns(str(tmp_path))  # another shard's actor on the host
    assert other.path == actor._turns.path
    large = base[:pdist.TURN_MIN_QUERIES]
    small = base[:pdist.TURN_MIN_QUERIES - 1]
    assert other.acquire()
    try:
        # a small batch does not wait for the turn
        ids, _ = pdist.ShardActor.knn_search(actor, small, 1, "")
        assert np.array_equal(ids[:, 0], np.arange(len(small)))
        got: dict = {}
        t = threading.Thread(target=lambda: got.setdefault(
            "ids", pdist.ShardActor.knn_search(actor, large, 1, "")[0]))
        t.start()
        t.join(0.3)
        assert t.is_alive() and "ids" not in got  # waits while the other shard searches
    finally:
        other.release()
    t.join(10)
    assert not t.is_alive()
    assert np.array_equal(got["ids"][:, 0], np.arange(len(large)))
    # the turn was given back: the other shard gets it at once
    assert other.acquire()
    other.release()


def test_host_turns_that_cannot_lock_let_the_search_run(tmp_path: Any) -> None:
    turns = pdist._HostTurns(str(tmp_path / "missing"))
    assert not turns.acquire()
    base = make_data(n=200, dim=DIM, nq=1, seed=4).base
    index = pyvsag.Index("brute_force", json.dumps(BF_PARAMS))
    index.build(base, np.arange(len(base), dtype=np.int64))

    class Holder:
        _mapped = None
        _turns = turns
    actor = Holder()
    actor.index = index
    ids, _ = pdist.ShardActor.knn_search(actor, base[:40], 1, "")
    assert np.array_equal(ids[:, 0], np.arange(40))


def test_shard_calls_skip_the_scheduler_and_batches_go_through_shared_memory(
        client: Any, data: Any, tmp_path: Any) -> None:
    import functools
    root = str(tmp_path / "direct")
    pdist.build_sharded(client, "hgraph", hgraph_params("fp32"), data.base, data.ids, shards=3,
                        root=root)
    scheduler = client.cluster.scheduler  # a LocalCluster's scheduler runs in this process
    proxied: list = []
    orig = scheduler.handlers["proxy"]

    @functools.wraps(orig)
    def counting(*args: Any, **kwargs: Any) -> Any:
        proxied.append(kwargs.get("worker"))
        return orig(*args, **kwargs)

    scheduler.handlers["proxy"] = counting
    shm_ok = os.path.isdir(pdist.SHARED_DIR) and os.access(pdist.SHARED_DIR, os.W_OK)
    try:
        with pdist.ShardedIndex.open(client, root) as shm, \
                pdist.ShardedIndex.open(client, root, shared_memory=False) as net:
            assert [sh.shared for sh in shm._shards] == [shm_ok] * 3
            assert not any(sh.shared for sh in net._shards)
            for kw in ({}, {"probe_shards": 2}, {"probe_shards": 1}):
                a_i, a_d = shm.knn_search(data.queries, 10, EF, **kw)
                b_i, b_d = net.knn_search(data.queries, 10, EF, **kw)
                assert (a_i == b_i).all() and np.array_equal(a_d, b_d)
            one_i, _ = shm.knn_search(data.queries[4], 10, EF)
            assert (one_i == net.knn_search(data.queries[4], 10, EF)[0]).all()
            scratch = shm._scratch
            if shm_ok:
                # one file for the index, rewritten in place by each batch, never shortened
                assert os.path.dirname(scratch) == pdist.SHARED_DIR
                size = os.path.getsize(scratch)
                assert size == data.queries.nbytes
                got_i, _ = shm.knn_search(data.queries[:3], 10, EF)
                assert (got_i == net.knn_search(data.queries[:3], 10, EF)[0]).all()
                assert shm._scratch == scratch and os.path.getsize(scratch) == size
            assert net._scratch == ""
        assert not scratch or not os.path.exists(scratch)  # close removes it
        assert proxied == []
    finally:
        scheduler.handlers["proxy"] = orig
