"use strict";
// Batch search, filters and the 16-bit / 8-bit input types.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

for (const name of ["brute_force", "hgraph"]) {
    test(`${name}: knnSearchBatch equals per-query knnSearch`, h.skipUnless(name), async () => {
        const dim = 24;
        const n = 1500;
        const index = new vsag.Index(name, h.params(name, dim));
        index.build(h.randomVectors(n, dim, 51), h.seqIds(n), n, dim);
        const nq = 64;
        const k = 7;
        const queries = h.randomVectors(nq, dim, 52);
        const batch = index.knnSearchBatch(queries, nq, k, h.SEARCH[name]);
        assert.equal(batch.ids.length, nq * k);
        assert.equal(batch.distances.length, nq * k);
        for (let i = 0; i < nq; i++) {
            const one = index.knnSearch(queries.subarray(i * dim, (i + 1) * dim), k, h.SEARCH[name]);
            assert.deepEqual(h.row2(batch, i, k), one, `query ${i}`);
        }
        assert.deepEqual(await index.knnSearchBatchAsync(queries, nq, k, h.SEARCH[name]), batch);
        // nq = 0 is an empty result, not an error.
        const none = index.knnSearchBatch(new Float32Array(0), 0, k, h.SEARCH[name]);
        assert.equal(none.ids.length, 0);
        index.close();
    });
}

test("knnSearchBatch pads rows with -1 / Infinity when k exceeds the index size", () => {
    const index = new vsag.Index("brute_force", h.params("brute_force", 2));
    index.build(new Float32Array([0, 0, 3, 4]), new BigInt64Array([7n, 8n]), 2, 2);
    const res = index.knnSearchBatch(new Float32Array([0, 0, 3, 4]), 2, 3);
    assert.deepEqual(Array.from(res.ids), [7n, 8n, -1n, 8n, 7n, -1n]);
    assert.deepEqual(Array.from(res.distances), [0, 25, Infinity, 0, 25, Infinity]);
    assert.throws(() => index.knnSearchBatch(new Float32Array(5), 2, 3), { code: vsag.ErrorCode.INVALID_ARGUMENT });
    assert.throws(() => index.knnSearchBatch(new Float32Array(6), 2, 3), { code: vsag.ErrorCode.DIMENSION_NOT_EQUAL });
    index.close();
});

test("filters: id lists, bitmasks and filter objects exclude (or keep) exactly the labels asked", async () => {
    const dim = 8;
    const n = 400;
    const base = h.randomVectors(n, dim, 61);
    const ids = h.seqIds(n);
    const index = new vsag.Index("brute_force", h.params("brute_force", dim));
    index.build(base, ids, n, dim);
    const queries = h.randomVectors(10, dim, 62);
    const k = 10;
    const excluded = new Set();
    for (let i = 0; i < n; i += 3) excluded.add(BigInt(i));
    const kept = new Set(Array.from(ids).filter((l) => !excluded.has(l)));
    const byteMask = new Uint8Array(n);
    for (const l of excluded) byteMask[Number(l)] = 1;
    const keepBits = vsag.createBitmask(Array.from(kept));

    const forms = {
        "id list": BigInt64Array.from(excluded),
        bitmask: vsag.createBitmask(excluded),
        "byte mask": { mask: byteMask, packed: false },
        "keep bitmask": { mask: keepBits, keep: true, validRatio: kept.size / n },
        "ids + mask": { excludeIds: BigInt64Array.from([...excluded].filter((l) => l % 2n === 0n)), mask: vsag.createBitmask([...excluded].filter((l) => l % 2n === 1n)) },
    };
    for (const [what, filter] of Object.entries(forms)) {
        for (let qi = 0; qi < 10; qi++) {
            const q = queries.subarray(qi * dim, (qi + 1) * dim);
            const res = index.knnSearch(q, k, "", filter);
            const truth = h.exactKnn(base, ids, dim, queries, qi, k, (l) => excluded.has(l));
            assert.deepEqual(Array.from(res.ids), truth.map((t) => t[1]), `${what}, query ${qi}`);
            const range = index.rangeSearch(q, truth[k - 1][0] * 1.0001, "", -1, filter);
            for (const l of range.ids) assert.ok(kept.has(l), `${what}: range returned excluded ${l}`);
        }
        const batch = index.knnSearchBatch(queries, 10, k, "", filter);
        for (const l of batch.ids) assert.ok(kept.has(l), `${what}: batch returned excluded ${l}`);
        assert.deepEqual(await index.knnSearchBatchAsync(queries, 10, k, "", filter), batch);
    }
    assert.throws(() => index.knnSearch(queries.subarray(0, dim), 1, "", new Int32Array(2)), {
        code: vsag.ErrorCode.INVALID_ARGUMENT,
    });
    assert.throws(() => index.knnSearch(queries.subarray(0, dim), 1, "", { validRatio: 2 }), {
        code: vsag.ErrorCode.INVALID_ARGUMENT,
    });
    index.close();
});

test("hgraph honours filters", h.skipUnless("hgraph"), () => {
    const dim = 16;
    const n = 2000;
    const index = new vsag.Index("hgraph", h.params("hgraph", dim));
    const base = h.randomVectors(n, dim, 71);
    index.build(base, h.seqIds(n), n, dim);
    const mask = vsag.createBitmask(Array.from({ length: n / 2 }, (_, i) => 2 * i)); // even labels out
    const res = index.knnSearchBatch(h.randomVectors(20, dim, 72), 20, 10, h.SEARCH.hgraph, mask);
    for (const l of res.ids) assert.ok(l % 2n === 1n, `even label ${l} returned`);
    // An odd base vector still finds itself.
    const self = index.knnSearch(base.subarray(7 * dim, 8 * dim), 1, h.SEARCH.hgraph, mask);
    assert.equal(self.ids[0], 7n);
    index.close();
});

/** toHalf returns the float16 bits of x (x must be exactly representable). */
function toHalf(x) {
    if (x === 0) return 0;
    const sign = x < 0 ? 0x8000 : 0;
    const a = Math.abs(x);
    const e = Math.floor(Math.log2(a));
    const mant = Math.round((a / 2 ** e - 1) * 1024);
    return sign | ((e + 15) << 10) | mant;
}

/** toBfloat16 returns the bfloat16 bits of x (x must be exactly representable). */
function toBfloat16(x) {
    const u = new Uint32Array(new Float32Array([x]).buffer);
    return u[0] >>> 16;
}

test("float16, bfloat16 and int8 inputs match float32 on exactly representable data", () => {
    const dim = 16;
    const n = 300;
    const nq = 12;
    const r = h.rng(81);
    // Multiples of 1/64 in [-2, 2) are exact in float16 and bfloat16; integers in [-100, 100] in int8.
    const grid = (count) => Float32Array.from({ length: count }, () => Math.floor(r() * 256 - 128) / 64);
    const ints = (count) => Float32Array.from({ length: count }, () => Math.floor(r() * 201) - 100);
    const cases = [
        { dtype: "float16", base: grid(n * dim), queries: grid(nq * dim), conv: (a) => Uint16Array.from(a, toHalf) },
        { dtype: "bfloat16", base: grid(n * dim), queries: grid(nq * dim), conv: (a) => Uint16Array.from(a, toBfloat16) },
        { dtype: "int8", base: ints(n * dim), queries: ints(nq * dim), conv: (a) => Int8Array.from(a) },
    ];
    for (const c of cases) {
        const ref = new vsag.Index("brute_force", h.params("brute_force", dim));
        ref.build(c.base, h.seqIds(n), n, dim);
        const want = ref.knnSearchBatch(c.queries, nq, 5);
        const typed = new vsag.Index("brute_force", h.params("brute_force", dim, { dtype: c.dtype }));
        assert.equal(typed.build(c.conv(c.base), h.seqIds(n), n, dim).length, 0);
        assert.deepEqual(typed.knnSearchBatch(c.conv(c.queries), nq, 5), want, `${c.dtype} batch`);
        assert.deepEqual(typed.knnSearch(c.conv(c.queries.subarray(0, dim)), 5), h.row2(want, 0, 5), `${c.dtype} single`);
        // float32 queries are converted to the index type.
        assert.deepEqual(typed.knnSearchBatch(c.queries, nq, 5), want, `${c.dtype} with float32 queries`);
        assert.deepEqual(
            typed.calcDistancesById(c.conv(c.queries.subarray(0, dim)), new BigInt64Array([0n, 1n])),
            ref.calcDistancesById(c.queries.subarray(0, dim), new BigInt64Array([0n, 1n])),
        );
        ref.close();
        typed.close();
    }
});
