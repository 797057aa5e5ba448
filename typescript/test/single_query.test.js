"use strict";
// The single-query path of knnSearch (knnSearchFast into the package's pool of result entries,
// viewed) against the exact answer, its other paths (filter, large k, bigint k), the independence
// of successive results, and lastSearchNanoseconds.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const dim = 12;
const n = 300;

function fixture() {
    const base = h.randomVectors(n, dim, 71);
    const ids = h.seqIds(n, 500);
    const index = new vsag.Index("brute_force", h.params("brute_force", dim));
    index.build(base, ids, n, dim);
    return { base, ids, index };
}

test("knnSearch equals the exact answer, and results of successive calls stay distinct", () => {
    const { base, ids, index } = fixture();
    const queries = h.randomVectors(20, dim, 72);
    const kept = [];
    for (let i = 0; i < 20; i++) {
        const q = queries.subarray(i * dim, (i + 1) * dim);
        const r = index.knnSearch(q, 6, h.SEARCH.brute_force);
        const want = h.exactKnn(base, ids, dim, queries, i, 6);
        assert.deepEqual(Array.from(r.ids), want.map((x) => x[1]));
        assert.ok(r.ids instanceof BigInt64Array && r.distances instanceof Float32Array);
        kept.push([r, Array.from(r.ids), Array.from(r.distances)]);
    }
    for (const [r, wantIds, wantD] of kept) { // later searches did not overwrite earlier results
        assert.deepEqual(Array.from(r.ids), wantIds);
        assert.deepEqual(Array.from(r.distances), wantD);
    }
    index.close();
});

test("knnSearch: fewer results than k, large k, bigint k and a filter take their paths", () => {
    const { base, ids, index } = fixture();
    const q = base.subarray(0, dim);
    const all = index.knnSearch(q, n + 50);
    assert.equal(all.ids.length, n);
    assert.equal(all.ids[0], 500n);
    assert.deepEqual(Array.from(index.knnSearch(q, 300).ids), Array.from(all.ids));
    assert.deepEqual(Array.from(index.knnSearch(q, 5n).ids), Array.from(all.ids.subarray(0, 5)));
    const r = index.knnSearch(q, 5, undefined, [500n, 501n]);
    assert.ok(!Array.from(r.ids).includes(500n) && !Array.from(r.ids).includes(501n));
    assert.equal(r.ids.length, 5);
    assert.throws(() => index.knnSearch(q, 0), { code: vsag.ErrorCode.INVALID_ARGUMENT });
    assert.throws(() => index.knnSearch(q, 2.5), { code: vsag.ErrorCode.INVALID_ARGUMENT });
    assert.throws(() => index.knnSearch(new Float32Array(dim + 1), 3), { code: vsag.ErrorCode.DIMENSION_NOT_EQUAL });
    index.close();
});

test("knnSearchInto checks its arrays; lastSearchNanoseconds reports the engine's time", () => {
    const { base, index } = fixture();
    const q = base.subarray(0, dim);
    const raw = index.native;
    const ids = new BigInt64Array(4), dists = new Float32Array(4);
    assert.equal(raw.knnSearchInto(q, 4, undefined, undefined, ids, dists), 4);
    assert.equal(ids[0], 500n);
    assert.throws(() => raw.knnSearchInto(q, 5, undefined, undefined, ids, dists), { code: vsag.ErrorCode.INVALID_ARGUMENT });
    assert.throws(() => raw.knnSearchInto(q, 4, undefined, undefined, dists, ids), { code: vsag.ErrorCode.INVALID_ARGUMENT });
    const start = process.hrtime.bigint();
    index.knnSearch(q, 3);
    const wall = Number(process.hrtime.bigint() - start);
    const engine = vsag._native.lastSearchNanoseconds();
    assert.ok(engine > 0 && engine <= wall, `engine ${engine} ns, wall ${wall} ns`);
    index.close();
});
