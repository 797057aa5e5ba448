"use strict";
// hnsw and its conjugate graph: the "hnsw" parameter block, feedback, pretrain (sync and on the
// thread pool), the conjugate graph across save and load, and their errors.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const N = 3000;
const DIM = 32;
const NQ = 40;
const K = 10;
const E = vsag.ErrorCode;
const SP = { hnsw: { ef_search: 1 } };
const OFF = { hnsw: { ef_search: 1, use_conjugate_graph_search: false } };

function params(conjugate = true, block = {}) {
    return { dtype: "float32", metric_type: "l2", dim: DIM, hnsw: { max_degree: 8, ef_construction: 20, use_conjugate_graph: conjugate, ...block } };
}

function available() {
    try {
        new vsag.Index("hnsw", params()).close();
        return true;
    } catch (e) {
        if (e instanceof vsag.VsagError && e.code === E.UNSUPPORTED_INDEX) return false;
        throw e;
    }
}
const skip = available() ? {} : { skip: "hnsw is not registered in libvsag.so" };

// uniform vectors: hard enough for a beam of 20 to miss neighbours
function uniform(n, seed) {
    const r = h.rng(seed);
    return Float32Array.from({ length: n * DIM }, () => r());
}
const base = uniform(N, 41);
const ids = h.seqIds(N);
const queries = uniform(NQ, 42);
const truth = Array.from({ length: NQ }, (_, q) => h.exactKnn(base, ids, DIM, queries, q, K));
const code = (c) => (e) => e.code === c;

function built(conjugate = true) {
    const idx = new vsag.Index("hnsw", params(conjugate));
    idx.build(base, ids, N, DIM);
    return idx;
}

function recall(idx, sp) {
    const res = idx.knnSearchBatch(queries, NQ, K, sp);
    let total = 0;
    for (let q = 0; q < NQ; q++) total += h.recall(h.row(res, q, K).ids, truth[q]);
    return total / NQ;
}

test("hnsw create and search parameters are validated", skip, () => {
    for (const [block, key] of [[{ ef_construction: 100 }, /max_degree/], [{ max_degree: 16 }, /ef_construction/],
        [{ max_degree: 16, ef_construction: 8 }, /ef_construction/], [{ max_degree: 16, ef_construction: 100, alpha: 1 }, /alpha/]]) {
        assert.throws(() => new vsag.Index("hnsw", { dim: DIM, hnsw: block }), (e) => e.code === E.INVALID_ARGUMENT && key.test(e.message));
    }
    const idx = built(false);
    assert.throws(() => idx.knnSearch(queries.subarray(0, DIM), K, { hnsw: {} }), code(E.INVALID_ARGUMENT));
    assert.throws(() => idx.knnSearch(queries.subarray(0, DIM), K, { hnsw: { ef_search: 10, skip_ratio: 3 } }), code(E.INVALID_ARGUMENT));
    assert.equal(idx.knnSearch(queries.subarray(0, DIM), K, { hnsw: { ef_search: 40, skip_strategy: "random" } }).ids.length, K);
    idx.close();
});

test("feedback lifts the recall of the queries it learns from", skip, () => {
    const idx = built();
    assert.ok(idx.checkFeature(vsag.Feature.SUPPORT_FEEDBACK));
    const before = recall(idx, SP);
    const beforeOff = recall(idx, OFF);
    assert.ok(before < 1, `recall before feedback ${before}`);
    let edges = 0;
    for (let q = 0; q < NQ; q++) edges += idx.feedback(queries.subarray(q * DIM, (q + 1) * DIM), K, SP);
    assert.ok(edges > 0);
    assert.equal(recall(idx, SP), 1);
    assert.equal(recall(idx, OFF), beforeOff);
    // a given optimum (Number or BigInt); the same feedback again adds nothing
    const q0 = queries.subarray(0, DIM);
    const nn = truth[0][0][1];
    idx.feedback(q0, K, JSON.stringify(SP), nn);
    assert.equal(idx.feedback(q0, K, SP, Number(nn)), 0);
    // saved with the index
    const file = h.tmpPath("hnsw-feedback.vsag");
    idx.save(file);
    const back = vsag.Index.loadFile(file);
    assert.equal(recall(back, SP), 1);
    back.close();
    idx.close();
});

test("pretrain, sync and async", skip, async () => {
    const idx = built();
    assert.ok(idx.pretrain([1, 2, 3], K, SP) > 0);
    assert.ok((await idx.pretrainAsync(h.seqIds(5, 10), K, SP)) > 0);
    assert.equal(idx.pretrain(new BigInt64Array(0), K, SP), 0);
    assert.throws(() => idx.pretrain([1, N + 9], K, SP), (e) => e.code === E.INVALID_ARGUMENT && /not in the index/.test(e.message));
    await assert.rejects(idx.pretrainAsync([N + 9], K, SP), code(E.INVALID_ARGUMENT));
    idx.close();
});

test("feedback errors", skip, () => {
    const plain = built(false);
    assert.ok(!plain.checkFeature(vsag.Feature.SUPPORT_FEEDBACK));
    const q0 = queries.subarray(0, DIM);
    assert.throws(() => plain.feedback(q0, K, SP), (e) => e.code === E.UNSUPPORTED_INDEX_OPERATION && /use_conjugate_graph/.test(e.message));
    assert.throws(() => plain.pretrain([1], K, SP), code(E.UNSUPPORTED_INDEX_OPERATION));
    plain.close();
    const idx = new vsag.Index("hnsw", params());
    assert.equal(idx.feedback(q0, K, SP), 0); // empty
    idx.build(base.subarray(0, 100 * DIM), h.seqIds(100), 100, DIM);
    assert.throws(() => idx.feedback(q0, 0, SP), code(E.INVALID_ARGUMENT));
    assert.throws(() => idx.feedback(q0, K, SP, 12345), (e) => e.code === E.INVALID_ARGUMENT && /global optimum/.test(e.message));
    assert.throws(() => idx.feedback(q0, K, SP, 1.5), code(E.INVALID_ARGUMENT));
    assert.throws(() => idx.feedback(q0.subarray(0, 5), K, SP), code(E.DIMENSION_NOT_EQUAL));
    idx.setImmutable();
    assert.throws(() => idx.feedback(q0, K, SP), code(E.WRONG_STATUS));
    idx.close();
    assert.throws(() => idx.feedback(q0, K, SP));
});
