"use strict";
// Index introspection: getStats and analyzeIndexBySearch return objects with VSAG's keys, on
// hgraph, brute_force and ivf, and refuse bad input with the right error code.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const N = 300;
const DIM = 8;
const NQ = 12;
const E = vsag.ErrorCode;

const CASES = {
    hgraph: [{ base_quantization_type: "sq8", use_reorder: true, max_degree: 12, ef_construction: 60 }, { hgraph: { ef_search: 60 } }],
    brute_force: [{}, {}],
    ivf: [{ buckets_count: 4 }, { ivf: { scan_buckets_count: 4 } }],
};

const base = h.randomVectors(N, DIM, 41);
const queries = h.randomVectors(NQ, DIM, 42);
const code = (c) => (e) => e instanceof vsag.VsagError && e.code === c;

function make(name) {
    const [indexParam] = CASES[name];
    return new vsag.Index(name, { dtype: "float32", metric_type: "l2", dim: DIM, index_param: indexParam });
}

for (const name of Object.keys(CASES)) {
    test(`${name}: getStats and analyzeIndexBySearch`, h.skipUnless(name), () => {
        const index = make(name);
        assert.ok(index.checkFeature(vsag.Feature.SUPPORT_GET_STATS));
        assert.ok(index.checkFeature(vsag.Feature.SUPPORT_ANALYZE_INDEX_BY_SEARCH));
        const ids = h.seqIds(N, 10);
        if (name === "ivf") index.train(base);
        index.build(base, ids, N, DIM);
        assert.equal(index.remove(BigInt64Array.from([10n, 11n])), 2);

        const stats = index.getStats();
        assert.equal(stats.total_count, N);
        assert.equal(stats.deleted_count, 2);
        assert.equal(stats.num_elements, N - 2);
        assert.equal(stats.duplicate_ratio, 0);
        assert.ok(stats.self_recall >= 0.9, `self_recall ${stats.self_recall}`);
        if (name === "hgraph") {
            assert.ok(stats.connect_components >= 1);
            assert.equal(stats.in_degree_distribution.reduce((a, b) => a + b, 0), N - 2);
            assert.equal(typeof stats.quantization_bias_ratio, "number");
        }
        if (name === "ivf") assert.equal(stats.bucket_count, 4);
        if (name === "brute_force") assert.equal(stats.quantization_bias_ratio, 0);

        const [, search] = CASES[name];
        const res = index.analyzeIndexBySearch(queries, 10, search);
        assert.equal(res.num_queries, NQ);
        assert.equal(res.topk, 10);
        assert.ok(res.recall_query >= 0.9, `recall ${res.recall_query}`);
        assert.ok(res.latency_ms.mean > 0 && res.latency_ms.p50 <= res.latency_ms.p99);
        assert.equal(res.time_cost_query, res.latency_ms.mean);
        assert.ok("quantization_bias_ratio_query" in res);
        // one query, the parameters as a string, a bigint k above the count (capped)
        const one = index.analyzeIndexBySearch(queries.subarray(0, DIM), 100000n, JSON.stringify(search));
        assert.equal(one.num_queries, 1);
        assert.equal(one.topk, N - 2);
        index.close();
    });
}

test("analysis errors", h.skipUnless("hgraph"), () => {
    const index = make("hgraph");
    const [, search] = CASES.hgraph;
    assert.throws(() => index.analyzeIndexBySearch(queries, 5, search), code(E.INDEX_EMPTY));
    assert.equal(index.getStats().total_count, 0);
    index.build(base, h.seqIds(N), N, DIM);
    assert.throws(() => index.analyzeIndexBySearch(queries, 0, search), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.analyzeIndexBySearch(queries, 5, "{"), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.analyzeIndexBySearch(queries, 5, { hgraph: {} }), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.analyzeIndexBySearch(new Float32Array(0), 5, search), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.analyzeIndexBySearch(queries.subarray(0, DIM + 3), 5, search), (e) => e instanceof vsag.VsagError);
    const bad = queries.slice();
    bad[5] = NaN;
    assert.throws(() => index.analyzeIndexBySearch(bad, 5, search), code(E.INVALID_ARGUMENT));
    index.close();
    assert.throws(() => index.getStats(), (e) => e instanceof vsag.VsagError);
});
