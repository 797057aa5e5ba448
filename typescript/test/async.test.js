"use strict";
// Promise versions: same results as the synchronous calls, and the event loop keeps running.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

test("brute_force: buildAsync/addAsync give the same index as build/add", async () => {
    const dim = 8;
    const base = h.randomVectors(600, dim, 21);
    const ids = h.seqIds(600);
    const a = new vsag.Index("brute_force", h.params("brute_force", dim));
    const b = new vsag.Index("brute_force", h.params("brute_force", dim));
    assert.equal(a.build(base.subarray(0, 500 * dim), ids.subarray(0, 500), 500, dim).length, 0);
    const failed = await b.buildAsync(base.subarray(0, 500 * dim), ids.subarray(0, 500), 500, dim);
    assert.ok(failed instanceof BigInt64Array);
    assert.equal(failed.length, 0);
    a.add(base.subarray(500 * dim), ids.subarray(500), 100, dim);
    const dup = new BigInt64Array(ids.subarray(500));
    dup[0] = 3n;
    assert.deepEqual(Array.from(await b.addAsync(base.subarray(500 * dim), dup, 100, dim)), [3n]);
    assert.equal(b.getNumElements(), 599);
    const queries = h.randomVectors(20, dim, 22);
    for (let i = 0; i < 20; i++) {
        const q = queries.subarray(i * dim, (i + 1) * dim);
        const want = a.knnSearch(q, 5, "", new BigInt64Array([500n]));
        assert.deepEqual(b.knnSearch(q, 5, "", new BigInt64Array([500n])), want);
        assert.deepEqual(await b.knnSearchAsync(q, 5, "", new BigInt64Array([500n])), want);
    }
    a.close();
    b.close();
});

test("hgraph: the event loop keeps ticking during buildAsync of 20k vectors; async equals sync", h.skipUnless("hgraph"), async () => {
    const dim = 32;
    const n = 20000;
    const base = h.randomVectors(n, dim, 31);
    const ids = h.seqIds(n);
    const index = new vsag.Index("hgraph", h.params("hgraph", dim));
    const search = h.SEARCH.hgraph;

    let ticks = 0;
    let settled = false;
    const timer = setInterval(() => ticks++, 1);
    const started = process.hrtime.bigint();
    const building = index.buildAsync(base, ids, n, dim).finally(() => {
        settled = true;
    });
    // The call returned before the build finished, and timers run while it works.
    assert.equal(settled, false);
    const failed = await building;
    clearInterval(timer);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(failed.length, 0);
    assert.equal(index.getNumElements(), n);
    assert.ok(ticks >= 3, `only ${ticks} timer ticks during a ${ms.toFixed(0)} ms build`);

    // knnSearchBatchAsync / knnSearchAsync equal their synchronous versions.
    const nq = 200;
    const k = 10;
    const queries = h.randomVectors(nq, dim, 32);
    const sync = index.knnSearchBatch(queries, nq, k, search);
    assert.deepEqual(await index.knnSearchBatchAsync(queries, nq, k, search), sync);
    const concurrent = await Promise.all(
        [0, 1, 2, 3].map((i) => index.knnSearchAsync(queries.subarray(i * dim, (i + 1) * dim), k, search)),
    );
    for (let i = 0; i < 4; i++) {
        assert.deepEqual(concurrent[i], index.knnSearch(queries.subarray(i * dim, (i + 1) * dim), k, search));
        assert.deepEqual(concurrent[i], h.row2(sync, i, k));
    }

    // saveAsync / loadAsync / loadFileAsync round trips.
    const file = h.tmpPath("async-hgraph.index");
    await index.saveAsync(file);
    const loaded = new vsag.Index("hgraph", h.params("hgraph", dim));
    await loaded.loadAsync(file);
    assert.deepEqual(loaded.knnSearchBatch(queries, nq, k, search), sync);
    const byMeta = await vsag.Index.loadFileAsync(file);
    assert.deepEqual(await byMeta.knnSearchBatchAsync(queries, nq, k, search), sync);
    loaded.close();
    byMeta.close();
    index.close();
});

test("async failures reject with VsagError and never throw synchronously", async () => {
    const index = new vsag.Index("brute_force", h.params("brute_force", 4));
    const missing = h.tmpPath("does-not-exist.index");
    await assert.rejects(index.loadAsync(missing), { name: "VsagError", code: vsag.ErrorCode.MISSING_FILE });
    await assert.rejects(vsag.Index.loadFileAsync(missing), { code: vsag.ErrorCode.MISSING_FILE });
    await assert.rejects(index.buildAsync(new Float32Array(6), h.seqIds(2), 2, 3), {
        code: vsag.ErrorCode.DIMENSION_NOT_EQUAL,
    });
    // A bad argument rejects too.
    let p;
    assert.doesNotThrow(() => {
        p = index.knnSearchBatchAsync(new Float64Array(4), 1, 1);
    });
    await assert.rejects(p, { code: vsag.ErrorCode.INVALID_ARGUMENT });
    index.close();
    await assert.rejects(index.knnSearchAsync(new Float32Array(4), 1), { code: vsag.ErrorCode.WRONG_STATUS });
});

test("close() while operations are pending lets them finish", async () => {
    const dim = 16;
    const n = 3000;
    const index = new vsag.Index("brute_force", h.params("brute_force", dim));
    index.build(h.randomVectors(n, dim, 41), h.seqIds(n), n, dim);
    const queries = h.randomVectors(100, dim, 42);
    const want = index.knnSearchBatch(queries, 100, 5);
    const pending = [index.knnSearchBatchAsync(queries, 100, 5), index.knnSearchBatchAsync(queries, 100, 5)];
    const live = vsag._native.liveHandles();
    index.close();
    assert.equal(index.closed, true);
    assert.throws(() => index.getNumElements(), { code: vsag.ErrorCode.WRONG_STATUS });
    for (const p of pending) assert.deepEqual(await p, want);
    // The handle is released once the last pending operation completed.
    assert.equal(vsag._native.liveHandles(), live - 1);
});
