"use strict";
// Extra-info filters: a function on each label's stored extra info, true keeps.

const test = require("node:test");
const assert = require("node:assert");
const vsag = require("..");
const { randomVectors, seqIds, exactKnn, recall, SEARCH, skipUnless } = require("./helpers");

const DIM = 16;
const N = 400;
const NQ = 8;
const K = 10;

function build(name) {
    const p = JSON.parse(require("./helpers").params(name, DIM));
    p.extra_info_size = 4;
    const index = new vsag.Index(name, JSON.stringify(p));
    const base = randomVectors(N, DIM, 3);
    const ids = seqIds(N);
    const extra = new Uint8Array(N * 4);
    for (let i = 0; i < N; i++) {
        extra[i * 4] = i % 7;
        extra[i * 4 + 3] = 0xab;
    }
    assert.equal(index.build(base, ids, N, DIM, { extraInfos: extra }).length, 0);
    return { index, base, ids };
}

const tag2 = (info) => {
    assert.ok(info instanceof Uint8Array && info.length === 4 && info[3] === 0xab);
    return info[0] === 2;
};

for (const name of ["brute_force", "hgraph"]) {
    test(`${name}: extraInfoFilter keeps only passing labels, recall against an exact scan`, skipUnless(name), async () => {
        const { index, base, ids } = build(name);
        const sp = SEARCH[name];
        assert.ok(index.checkFeature(vsag.Feature.SUPPORT_KNN_SEARCH_WITH_EX_FILTER));
        const queries = randomVectors(NQ, DIM, 9);
        const res = index.knnSearchBatch(queries, NQ, K, sp, undefined, { extraInfoFilter: tag2 });
        let rec = 0;
        for (let q = 0; q < NQ; q++) {
            const got = Array.from(res.ids.subarray(q * K, (q + 1) * K));
            for (const l of got) assert.equal(l % 7n, 2n);
            const truth = exactKnn(base, ids, DIM, queries, q, K, (l) => l % 7n !== 2n);
            rec += recall(got, truth);
        }
        rec /= NQ;
        assert.ok(rec >= (name === "brute_force" ? 1 : 0.9), `recall ${rec}`);
        // single query, async, search request and range search agree
        const q0 = queries.subarray(0, DIM);
        const one = index.knnSearch(q0, K, sp, undefined, { extraInfoFilter: tag2 });
        assert.deepStrictEqual(Array.from(one.ids), Array.from(res.ids.subarray(0, K)));
        const oneAsync = await index.knnSearchAsync(q0, K, sp, undefined, { extraInfoFilter: tag2 });
        assert.deepStrictEqual(Array.from(oneAsync.ids), Array.from(one.ids));
        const batchAsync = await index.knnSearchBatchAsync(queries, NQ, K, sp, undefined, { extraInfoFilter: tag2 });
        assert.deepStrictEqual(Array.from(batchAsync.ids), Array.from(res.ids));
        const req = index.search(q0, { k: K, params: sp, extraInfoFilter: tag2 });
        assert.deepStrictEqual(Array.from(req.ids), Array.from(one.ids));
        const reqAsync = await index.searchAsync(q0, { k: K, params: sp, extraInfoFilter: tag2 });
        assert.deepStrictEqual(Array.from(reqAsync.ids), Array.from(one.ids));
        const range = index.rangeSearch(q0, 1e9, sp, -1, undefined, { extraInfoFilter: tag2 });
        assert.ok(range.ids.length > 0);
        for (const l of range.ids) assert.equal(l % 7n, 2n);
        if (name === "brute_force") assert.equal(range.ids.length, Math.ceil((N - 2) / 7));
        index.close();
    });
}

test("extraInfoFilter is ANDed with every filter form", () => {
    const { index } = build("brute_force");
    const q0 = randomVectors(1, DIM, 5);
    const below = (ids) => ids.filter((l) => l < 200n);
    const check = (res, extra) => {
        assert.ok(res.ids.length > 0);
        for (const l of res.ids) {
            assert.equal(l % 7n, 2n);
            assert.ok(extra(l), `label ${l}`);
        }
    };
    const low = Array.from(seqIds(200));
    const opt = { extraInfoFilter: tag2 };
    check(index.knnSearch(q0, K, "", seqIds(200), opt), (l) => l >= 200n);
    check(index.knnSearch(q0, K, "", low.map(Number), opt), (l) => l >= 200n);
    check(index.knnSearch(q0, K, "", vsag.createBitmask(below(low)), opt), (l) => l >= 200n);
    check(index.knnSearch(q0, K, "", { excludeIds: seqIds(200), validRatio: 0.1 }, opt), (l) => l >= 200n);
    check(index.knnSearch(q0, K, "", { excludeIds: seqIds(200) }, opt), (l) => l >= 200n);
    check(index.knnSearch(q0, K, "", { mask: new Uint8Array(N).fill(1, 0, 100), packed: false, keep: true }, opt), (l) => l < 100n);
    check(index.search(q0, { k: K, filter: seqIds(200), extraInfoFilter: tag2 }), (l) => l >= 200n);
    // rejecting everything returns nothing
    assert.equal(index.knnSearch(q0, K, "", undefined, { extraInfoFilter: () => false }).ids.length, 0);
    index.close();
});

test("extraInfoFilter errors", async () => {
    const { index } = build("brute_force");
    const q0 = randomVectors(1, DIM, 5);
    assert.throws(() => index.knnSearch(q0, K, "", undefined, { extraInfoFilter: () => { throw new RangeError("boom"); } }), RangeError);
    assert.throws(() => index.knnSearch(q0, K, "", undefined, { extraInfoFilter: 5 }), (e) => e instanceof vsag.VsagError && e.code === vsag.ErrorCode.INVALID_ARGUMENT);
    index.close();
    const plain = new vsag.Index("brute_force", require("./helpers").params("brute_force", DIM));
    plain.build(randomVectors(20, DIM, 1), seqIds(20), 20, DIM);
    const unsupported = (e) => e instanceof vsag.VsagError && e.code === vsag.ErrorCode.UNSUPPORTED_INDEX_OPERATION;
    assert.ok(!plain.checkFeature(vsag.Feature.SUPPORT_KNN_SEARCH_WITH_EX_FILTER));
    assert.throws(() => plain.knnSearch(q0, 3, "", undefined, { extraInfoFilter: tag2 }), unsupported);
    assert.throws(() => plain.knnSearchBatch(q0, 1, 3, "", undefined, { extraInfoFilter: tag2 }), unsupported);
    assert.throws(() => plain.search(q0, { k: 3, extraInfoFilter: tag2 }), unsupported);
    await assert.rejects(plain.knnSearchAsync(q0, 3, "", undefined, { extraInfoFilter: tag2 }), unsupported);
    plain.close();
});
