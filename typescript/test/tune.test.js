"use strict";
// Index.tune / tuneAsync on hgraph: codes re-encoded from the kept raw vectors without
// rebuilding the graph, the tuned parameters in force and persisted, disableFutureTuning, and
// refusals.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const N = 1200;
const DIM = 16;
const SEARCH = { hgraph: { ef_search: 60 } };
const E = vsag.ErrorCode;
const skip = h.skipUnless("hgraph");
const code = (c) => (e) => e.code === c;

const base = (() => {
    const r = h.rng(77);
    return Float32Array.from({ length: N * DIM }, () => r());
})();
const ids = h.seqIds(N, 1);
const queries = h.randomVectors(20, DIM, 78).map((v) => v / 4 + 0.5);

function params(indexParam) {
    return { dtype: "float32", metric_type: "l2", dim: DIM, index_param: { max_degree: 16, ef_construction: 100, ...indexParam } };
}

function recall(index) {
    const res = index.knnSearchBatch(queries, 20, 10, SEARCH);
    let total = 0;
    for (let q = 0; q < 20; q++) total += h.recall(h.row(res, q, 10).ids, h.exactKnn(base, ids, DIM, queries, q, 10));
    return total / 20;
}

test("hgraph: tune re-encodes from the raw vectors and persists", skip, () => {
    const index = new vsag.Index("hgraph", params({ base_quantization_type: "sq4_uniform", store_raw_vector: true }));
    index.build(base, ids, N, DIM);
    assert.equal(vsag.Feature.SUPPORT_TUNE, 50);
    assert.equal(index.checkFeature(vsag.Feature.SUPPORT_TUNE), true);
    const before = recall(index);
    assert.equal(index.tune({ index_param: { base_quantization_type: "fp16", use_reorder: true } }), true);
    const after = recall(index);
    assert.ok(after > before && after >= 0.95, `before ${before}, after ${after}`);
    const p = JSON.parse(index.getParameters()).index_param;
    assert.equal(p.base_quantization_type, "fp16");
    assert.equal(p.use_reorder, true);
    assert.equal(p.store_raw_vector, true);
    assert.equal(p.max_degree, 16);
    const back = vsag.Index.fromBuffer(index.serialize());
    assert.equal(back.getParameters(), index.getParameters());
    assert.equal(recall(back), after);
    // the last tune drops the raw vectors and ends tuning, also for a reloaded copy
    index.tune(JSON.stringify({ index_param: { base_quantization_type: "sq8", use_reorder: true, precise_quantization_type: "fp16" } }), true);
    assert.equal(index.checkFeature(vsag.Feature.SUPPORT_TUNE), false);
    assert.ok(recall(index) >= 0.9);
    assert.throws(() => index.tune({ index_param: { base_quantization_type: "fp16" } }), (e) => e.code === E.UNSUPPORTED_INDEX_OPERATION && /disable/.test(e.message));
    const again = vsag.Index.fromBuffer(index.serialize());
    assert.throws(() => again.tune({ index_param: { base_quantization_type: "fp16" } }), code(E.UNSUPPORTED_INDEX_OPERATION));
});

test("hgraph: tuneAsync while searching", skip, async () => {
    const index = new vsag.Index("hgraph", params({ base_quantization_type: "fp32" }));
    index.build(base, ids, N, DIM);
    const pending = index.tuneAsync({ index_param: { base_quantization_type: "sq8", store_raw_vector: true } });
    const during = await index.knnSearchAsync(queries.subarray(0, DIM), 5, SEARCH);
    assert.equal(during.ids.length, 5);
    assert.equal(await pending, true);
    assert.equal(JSON.parse(index.getParameters()).index_param.base_quantization_type, "sq8");
    assert.equal(index.checkFeature(vsag.Feature.SUPPORT_TUNE), true); // the raw vectors were kept
    await assert.rejects(index.tuneAsync({ index_param: { max_degree: 8 } }), code(E.INVALID_ARGUMENT));
});

test("hgraph: tune refusals", skip, () => {
    const index = new vsag.Index("hgraph", params({ base_quantization_type: "sq8" }));
    index.build(base, ids, N, DIM);
    assert.equal(index.checkFeature(vsag.Feature.SUPPORT_TUNE), false);
    assert.throws(() => index.tune({ index_param: { base_quantization_type: "fp16" } }), (e) => e.code === E.UNSUPPORTED_INDEX_OPERATION && /store_raw_vector/.test(e.message));
    for (const bad of ["", "{}", "[]", "{\"index_param\":", { index_param: { max_degree: 32 } }, { index_param: { nope: 1 } }, { dim: 8, index_param: {} }]) {
        assert.throws(() => index.tune(bad), code(E.INVALID_ARGUMENT), JSON.stringify(bad));
    }
    assert.throws(() => index.tune({ index_param: {} }, "yes"), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.tune(42), code(E.INVALID_ARGUMENT));
    const frozen = new vsag.Index("hgraph", params({ base_quantization_type: "fp32" }));
    frozen.build(base.subarray(0, 100 * DIM), ids.subarray(0, 100), 100, DIM);
    frozen.setImmutable();
    assert.throws(() => frozen.tune({ index_param: { base_quantization_type: "fp16" } }), code(E.WRONG_STATUS));
    const bf = new vsag.Index("brute_force", h.params("brute_force", DIM));
    assert.throws(() => bf.tune({ index_param: {} }), code(E.UNSUPPORTED_INDEX_OPERATION));
    bf.close();
    assert.throws(() => bf.tune({ index_param: {} }), code(E.WRONG_STATUS));
});
