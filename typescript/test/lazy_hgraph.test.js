"use strict";
// lazy_hgraph: exact answers below transition_threshold, the hgraph's past it (built in the
// background while searches go on), save and load, VSAG's parameter checks.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const DIM = 12;
const N = 800;
const THRESHOLD = 300;
const SEARCH = { hgraph: { ef_search: 100 } };
const E = vsag.ErrorCode;


function params(threshold = THRESHOLD, extra = {}) {
    return {
        dtype: "float32",
        metric_type: "l2",
        dim: DIM,
        lazy_hgraph: { transition_threshold: threshold, hgraph: { max_degree: 16, ef_construction: 100 }, ...extra },
    };
}

const base = h.randomVectors(N, DIM, 41);
const ids = h.seqIds(N);
const queries = h.randomVectors(10, DIM, 42);
const code = (c) => (e) => e.code === c;

test("lazy_hgraph: exact below the threshold, the graph past it", async () => {
    const index = new vsag.Index("lazy_hgraph", params());
    index.add(base.subarray(0, 200 * DIM), ids.subarray(0, 200), 200, DIM);
    for (let q = 0; q < 5; q++) {
        const r = index.knnSearch(queries.subarray(q * DIM, (q + 1) * DIM), 10, SEARCH);
        const want = h.exactKnn(base.subarray(0, 200 * DIM), ids, DIM, queries, q, 10).map((t) => t[1]);
        assert.deepEqual(Array.from(r.ids), want);
    }
    // Searches on the thread pool while adds pass the threshold.
    const pending = [];
    for (let lo = 200; lo < N; lo += 100) {
        pending.push(index.knnSearchAsync(queries.subarray(0, DIM), 10, SEARCH));
        await index.addAsync(base.subarray(lo * DIM, (lo + 100) * DIM), ids.subarray(lo, lo + 100), 100, DIM);
    }
    for (const r of await Promise.all(pending)) assert.equal(r.ids.length, 10);
    assert.equal(index.getNumElements(), N);
    let hits = 0;
    for (let q = 0; q < 10; q++) {
        const r = index.knnSearch(queries.subarray(q * DIM, (q + 1) * DIM), 10, SEARCH);
        hits += h.recall(Array.from(r.ids), h.exactKnn(base, ids, DIM, queries, q, 10)) * 10;
    }
    assert.ok(hits / 100 >= 0.95, `recall ${hits / 100}`);
});

test("lazy_hgraph: save and load in both phases", () => {
    for (const threshold of [1000, THRESHOLD]) {
        const index = new vsag.Index("lazy_hgraph", params(threshold));
        index.build(base, ids, N, DIM);
        const want = index.knnSearchBatch(queries, 10, 10, SEARCH);
        const loaded = vsag.Index.fromBuffer(index.serialize());
        assert.equal(loaded.getName(), "lazy_hgraph");
        assert.deepEqual(loaded.knnSearchBatch(queries, 10, 10, SEARCH).ids, want.ids);
    }
});

test("lazy_hgraph: VSAG's parameter checks", () => {
    const bad = [
        { ...params(), dtype: "float16" },
        params(0),
        params(THRESHOLD, { flat_quantization_type: "sq8" }),
        params(THRESHOLD, { hgraph: { max_degree: -1 } }),
    ];
    for (const p of bad) assert.throws(() => new vsag.Index("lazy_hgraph", p), code(E.INVALID_ARGUMENT));
    const index = new vsag.Index("lazy_hgraph", params());
    index.add(base.subarray(0, 50 * DIM), ids.subarray(0, 50), 50, DIM);
    assert.throws(() => index.knnSearch(queries.subarray(0, DIM), 5, { lazy_hgraph: { ef_search: 10 } }), code(E.INVALID_ARGUMENT));
});
