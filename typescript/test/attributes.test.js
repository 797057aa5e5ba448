"use strict";
// Attribute filtering, attributes, extra info, and the LeanVec calls.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const N = 600;
const DIM = 16;
const K = 10;
const COLORS = ["red", "green", "blue"];

/** attrsOf gives row i a colour, a price and tags; each fifth row has none. */
function attrsOf(i) {
    if (i % 5 === 4) return null;
    return { color: COLORS[i % 3], price: i % 40, tags: [`g${i % 4}`, "all"], hot: i % 7 === 0 };
}

const EXPRS = {
    'color = "red" AND price < 20': (i) => i % 5 !== 4 && i % 3 === 0 && i % 40 < 20,
    'tags IN ["g1", "g2"] OR color NOT IN ["red", "green", "blue"]': (i) => i % 5 === 4 || i % 4 === 1 || i % 4 === 2,
    'multi_in(tags, "g3|g0", "|") && NOT hot = true': (i) => i % 5 !== 4 && (i % 4 === 3 || i % 4 === 0) && i % 7 !== 0,
};

function built(name, base, ids) {
    const index = new vsag.Index(name, h.params(name, DIM));
    const attrs = Array.from({ length: N }, (_, i) => attrsOf(i));
    const half = N / 2;
    assert.equal(index.build(base.subarray(0, half * DIM), ids.subarray(0, half), half, DIM, { attributes: attrs.slice(0, half) }).length, 0);
    assert.equal(index.add(base.subarray(half * DIM), ids.subarray(half), N - half, DIM, { attributes: attrs.slice(half) }).length, 0);
    return index;
}

for (const name of ["brute_force", "hgraph"]) {
    test(`${name}: filterExpr matches an exact scan of the passing labels`, h.skipUnless(name), () => {
        const base = h.randomVectors(N, DIM, 11);
        const ids = h.seqIds(N);
        const queries = h.randomVectors(8, DIM, 12);
        const index = built(name, base, ids);
        try {
            for (const [expr, pass] of Object.entries(EXPRS)) {
                const res = index.knnSearchBatch(queries, 8, K, h.SEARCH[name], undefined, { filterExpr: expr });
                let hits = 0;
                let total = 0;
                for (let qi = 0; qi < 8; qi++) {
                    const truth = h.exactKnn(base, ids, DIM, queries, qi, K, (l) => !pass(Number(l)));
                    const got = h.row(res, qi, K).ids;
                    for (const l of got) assert.ok(pass(Number(l)), `${expr} returned ${l}`);
                    hits += h.recall(got, truth) * truth.length;
                    total += truth.length;
                    if (name === "brute_force") assert.deepEqual(got, truth.map((t) => t[1]));
                }
                assert.ok(hits / total >= (name === "brute_force" ? 1 : 0.9), `${expr}: recall ${hits / total}`);
                // one query: the same row, without padding
                const one = index.knnSearch(queries.subarray(0, DIM), K, h.SEARCH[name], undefined, { filterExpr: expr });
                assert.deepEqual(Array.from(one.ids), h.row(res, 0, K).ids);
            }
        } finally {
            index.close();
        }
    });
}

test("filterExpr combines with an id filter, pads, and persists", async () => {
    const base = h.randomVectors(N, DIM, 13);
    const ids = h.seqIds(N);
    const index = built("brute_force", base, ids);
    const q = base.subarray(0, DIM);
    const expr = 'color = "red" AND price < 20';
    const plain = index.knnSearch(q, K, undefined, undefined, { filterExpr: expr });
    const excluded = plain.ids.subarray(0, 3);
    const res = index.knnSearch(q, K, undefined, BigInt64Array.from(excluded), { filterExpr: expr });
    for (const l of res.ids) {
        assert.ok(EXPRS[expr](Number(l)));
        assert.ok(!excluded.includes(l));
    }
    assert.equal(res.ids[0], plain.ids[3]);

    // selective: fewer than k results, and -1 padding in the batch form
    const sel = 'price = 7 AND color = "blue"';
    const want = [];
    for (let i = 0; i < N; i++) if (i % 40 === 7 && i % 3 === 2 && i % 5 !== 4) want.push(BigInt(i));
    const few = index.knnSearch(q, K, undefined, undefined, { filterExpr: sel });
    assert.deepEqual(Array.from(few.ids).sort(), want.sort());
    const padded = index.knnSearchBatch(q, 1, K, undefined, undefined, { filterExpr: sel });
    assert.equal(padded.ids[want.length], -1n);
    assert.equal(padded.distances[want.length], Infinity);

    // async forms
    const asyncOne = await index.knnSearchAsync(q, K, undefined, undefined, { filterExpr: expr });
    assert.deepEqual(asyncOne.ids, plain.ids);
    const asyncBatch = await index.knnSearchBatchAsync(q, 1, K, undefined, undefined, { filterExpr: expr });
    assert.deepEqual(asyncBatch.ids, plain.ids);
    await assert.rejects(index.knnSearchBatchAsync(q, 1, K, undefined, undefined, { filterExpr: "price >" }), /position 7/);

    // attributes read back, survive save/load and a serialized copy
    const got = index.getAttributesByIds(BigInt64Array.from([0n, 4n, 7n]));
    assert.deepEqual(got[0], { color: "red", price: 0, tags: ["g0", "all"], hot: 1 });
    assert.equal(got[1], null);
    assert.equal(got[2].color, "green");
    const file = h.tmpPath("attrs.vsag");
    index.save(file);
    const loaded = vsag.Index.loadFile(file);
    assert.deepEqual(loaded.knnSearch(q, K, undefined, undefined, { filterExpr: expr }).ids, plain.ids);
    const copy = vsag.Index.fromBuffer(index.serialize());
    assert.deepEqual(copy.getAttributesByIds(BigInt64Array.from([7n])), [got[2]]);
    // removal drops them
    index.remove(BigInt64Array.from([plain.ids[0]]));
    assert.throws(() => index.getAttributesByIds(BigInt64Array.from([plain.ids[0]])), vsag.VsagError);
    assert.equal(index.knnSearch(q, K, undefined, undefined, { filterExpr: expr }).ids[0], plain.ids[1]);
    loaded.close();
    copy.close();
    index.close();
});

test("attributes: async build/add and errors", async () => {
    const base = h.randomVectors(20, DIM, 14);
    const ids = h.seqIds(20);
    const index = new vsag.Index("brute_force", h.params("brute_force", DIM));
    const attrs = Array.from({ length: 20 }, (_, i) => ({ n: BigInt(i), odd: i % 2 === 1, w: [i / 2] }));
    assert.equal((await index.buildAsync(base.subarray(0, 10 * DIM), ids.subarray(0, 10), 10, DIM, { attributes: attrs.slice(0, 10) })).length, 0);
    assert.equal((await index.addAsync(base.subarray(10 * DIM), ids.subarray(10), 10, DIM, { attributes: attrs.slice(10) })).length, 0);
    const res = index.knnSearch(base.subarray(0, DIM), 20, undefined, undefined, { filterExpr: "odd = true AND n >= 10" });
    assert.deepEqual(Array.from(res.ids).sort((a, b) => Number(a - b)), [11n, 13n, 15n, 17n, 19n]);

    const err = (fn, re) => assert.throws(fn, (e) => e instanceof vsag.VsagError && e.code === vsag.ErrorCode.INVALID_ARGUMENT && re.test(e.message));
    err(() => index.add(base.subarray(0, DIM), BigInt64Array.from([99n]), 1, DIM, { attributes: [] }), /1 vectors/);
    err(() => index.add(base.subarray(0, DIM), BigInt64Array.from([99n]), 1, DIM, { attributes: [{ a: { b: 1 } }] }), /nested/);
    err(() => index.add(base.subarray(0, DIM), BigInt64Array.from([99n]), 1, DIM, { attributes: [{ a: NaN }] }), /finite/);
    err(() => index.add(base.subarray(0, DIM), BigInt64Array.from([99n]), 1, DIM, { attributes: [{ a: 2n ** 60n }] }), /2\^53/);
    err(() => index.knnSearch(base.subarray(0, DIM), 1, undefined, undefined, { filterExpr: "n IN [1, 'x']" }), /mixes/);
    err(() => index.knnSearchBatch(base.subarray(0, DIM), 1, 1, undefined, undefined, { filterExpr: "(n = 1" }), /position 6/);
    assert.equal(index.checkIdExist(99), false, "a rejected batch adds nothing");
    // an empty expression filters nothing
    assert.equal(index.knnSearch(base.subarray(0, DIM), 20, undefined, undefined, { filterExpr: "" }).ids.length, 20);
    index.close();
});

test("getExtraInfoByIds", () => {
    const base = h.randomVectors(30, DIM, 15);
    const ids = h.seqIds(30, 100);
    const p = JSON.parse(h.params("brute_force", DIM));
    p.extra_info_size = 2;
    const index = new vsag.Index("brute_force", p);
    const extra = new Uint8Array(60);
    for (let i = 0; i < 30; i++) {
        extra[2 * i] = i;
        extra[2 * i + 1] = 200;
    }
    assert.throws(() => index.build(base, ids, 30, DIM), (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT, "extra infos are required");
    assert.throws(() => index.build(base, ids, 30, DIM, { extraInfos: extra.subarray(1) }), /extraInfos holds 59 bytes/);
    const attrs = Array.from({ length: 20 }, (_, i) => ({ i }));
    assert.equal(index.build(base.subarray(0, 20 * DIM), ids.subarray(0, 20), 20, DIM, { extraInfos: extra.subarray(0, 40), attributes: attrs }).length, 0);
    assert.equal(index.add(base.subarray(20 * DIM), ids.subarray(20), 10, DIM, { extraInfos: extra.subarray(40) }).length, 0);
    const got = index.getExtraInfoByIds(BigInt64Array.from([105n, 129n, 100n]));
    assert.ok(got instanceof Uint8Array);
    assert.deepEqual(Array.from(got), [5, 200, 29, 200, 0, 200]);
    assert.throws(() => index.getExtraInfoByIds(BigInt64Array.from([5n])), (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT);
    // attributes given with extra infos filter too
    const res = index.knnSearch(base.subarray(0, DIM), 30, undefined, undefined, { filterExpr: "i >= 18" });
    assert.deepEqual(Array.from(res.ids).sort(), [118n, 119n]);
    index.close();
    const plain = new vsag.Index("brute_force", h.params("brute_force", DIM));
    plain.build(base, ids, 30, DIM);
    assert.throws(() => plain.getExtraInfoByIds(BigInt64Array.from([100n])), (e) => e.code === vsag.ErrorCode.UNSUPPORTED_INDEX_OPERATION);
    plain.close();
});

test("setLeanVecMatrices and trainWithQueries", h.skipUnless("hgraph"), () => {
    const n = 400;
    const dim = 16;
    const ld = 4;
    const base = h.randomVectors(n, dim, 16);
    const ids = h.seqIds(n);
    const queries = h.randomVectors(40, dim, 17);
    const params = JSON.stringify({
        dtype: "float32",
        metric_type: "l2",
        dim,
        index_param: { base_quantization_type: "leanvec", leanvec_dims: ld, leanvec_training: "ood", max_degree: 16, ef_construction: 60 },
    });
    const search = JSON.stringify({ hgraph: { ef_search: 80 } });
    const check = (index) => {
        let hits = 0;
        for (let qi = 0; qi < 10; qi++) {
            const truth = h.exactKnn(base, ids, dim, queries, qi, K);
            hits += h.recall(Array.from(index.knnSearch(queries.subarray(qi * dim, (qi + 1) * dim), K, search).ids), truth);
        }
        return hits / 10;
    };

    const trained = new vsag.Index("hgraph", params);
    trained.trainWithQueries(base, n, queries, 40, dim);
    assert.equal(trained.build(base, ids, n, dim).length, 0);
    const r1 = check(trained);
    assert.ok(r1 >= 0.6, `recall after trainWithQueries ${r1}`);
    assert.throws(() => trained.trainWithQueries(base, n, queries, 40, dim), (e) => e.code === vsag.ErrorCode.WRONG_STATUS);
    trained.close();

    const dm = new Float32Array(ld * dim);
    for (let r = 0; r < ld; r++) for (let j = 4 * r; j < 4 * r + 4; j++) dm[r * dim + j] = 0.5;
    const qm = dm.map((x, i) => x * (1 + 0.1 * (i % 3)));
    const given = new vsag.Index("hgraph", params);
    assert.throws(() => given.setLeanVecMatrices(dm.subarray(1), qm), (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT);
    assert.throws(() => given.setLeanVecMatrices(dm, null, new Float32Array(3)), (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT);
    given.setLeanVecMatrices(dm, qm, null, ld);
    assert.equal(given.build(base, ids, n, dim).length, 0);
    assert.ok(check(given) >= 0.3);
    assert.throws(() => given.setLeanVecMatrices(dm, qm), (e) => e.code === vsag.ErrorCode.WRONG_STATUS);
    given.close();

    const fp = new vsag.Index("brute_force", h.params("brute_force", dim));
    assert.throws(() => fp.setLeanVecMatrices(dm, qm), (e) => e.code === vsag.ErrorCode.UNSUPPORTED_INDEX_OPERATION);
    fp.close();
});
