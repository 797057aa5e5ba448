"use strict";
// diskann: the "diskann" parameter block, beam search with concurrent reads, range search, the
// add after build refused, truthful feature flags, save and load.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const N = 2000;
const DIM = 16;
const NQ = 30;
const K = 10;
const E = vsag.ErrorCode;
const SP = { diskann: { ef_search: 100, beam_search: 4, io_limit: 200, use_async_io: true } };

function params(block = {}) {
    return { dtype: "float32", metric_type: "l2", dim: DIM, diskann: { max_degree: 24, ef_construction: 80, pq_dims: 8, pq_sample_rate: 0.5, ...block } };
}

function uniform(n, seed) {
    const r = h.rng(seed);
    return Float32Array.from({ length: n * DIM }, () => r());
}
const base = uniform(N, 51);
const ids = h.seqIds(N);
const queries = uniform(NQ, 52);
const truth = Array.from({ length: NQ }, (_, q) => h.exactKnn(base, ids, DIM, queries, q, K));

function recall(idx) {
    const res = idx.knnSearchBatch(queries, NQ, K, SP);
    let total = 0;
    for (let q = 0; q < NQ; q++) total += h.recall(h.row(res, q, K).ids, truth[q]);
    return total / NQ;
}

test("diskann create parameters are validated", () => {
    for (const [block, key] of [[{ max_degree: undefined }, /max_degree/], [{ pq_dims: 5 }, /pq_dims/], [{ pq_sample_rate: 2 }, /pq_sample_rate/]]) {
        const p = params(block);
        for (const k of Object.keys(block)) if (block[k] === undefined) delete p.diskann[k];
        assert.throws(() => new vsag.Index("diskann", p), (e) => e.code === E.INVALID_ARGUMENT && key.test(e.message));
    }
});

test("diskann builds once, searches, saves and loads", () => {
    const idx = new vsag.Index("diskann", params());
    idx.build(base, ids, N, DIM);
    const r = recall(idx);
    assert.ok(r >= 0.9, `recall ${r}`);
    assert.ok(!idx.checkFeature(vsag.Feature.SUPPORT_ADD_AFTER_BUILD));
    assert.ok(idx.checkFeature(vsag.Feature.SUPPORT_RANGE_SEARCH));
    assert.throws(() => idx.add(base.subarray(0, DIM), h.seqIds(1, N), 1, DIM), (e) => e.code === E.UNSUPPORTED_INDEX_OPERATION);
    assert.throws(() => idx.knnSearch(queries.subarray(0, DIM), K, { diskann: { beam_search: 0 } }), (e) => e.code === E.INVALID_ARGUMENT);
    const file = h.tmpPath("diskann.vsag");
    idx.save(file);
    const back = vsag.Index.loadFile(file);
    assert.equal(back.getNumElements(), N);
    assert.equal(recall(back), r);
    back.close();
    idx.close();
});
