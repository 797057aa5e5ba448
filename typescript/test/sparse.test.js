"use strict";
// sindi through the Node binding: sparse rows {indptr, indices, values} built, searched with
// index.search / searchAsync (knn, range, filters, expected labels), refused when malformed
// (nothing lost), saved and loaded.

const test = require("node:test");
const assert = require("node:assert/strict");
const os = require("node:os");
const path = require("node:path");
const fs = require("node:fs");
const h = require("./helpers");
const { vsag } = h;

const N = 500;
const TERMS = 5;
const VOCAB = 120;

// rows gives row i TERMS ascending distinct terms and positive weights.
function rows() {
    const indptr = new BigInt64Array(N + 1);
    const indices = new Uint32Array(N * TERMS);
    const values = new Float32Array(N * TERMS);
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < N; i++) {
        indptr[i] = BigInt(i * TERMS);
        let t = i % 13;
        for (let j = 0; j < TERMS; j++) {
            t += 1 + (next() % 20);
            indices[i * TERMS + j] = t;
            values[i * TERMS + j] = 0.05 + (next() % 1000) / 1000;
        }
    }
    indptr[N] = BigInt(N * TERMS);
    return { indptr, indices, values };
}

function row(r, i) {
    const lo = Number(r.indptr[i]);
    const hi = Number(r.indptr[i + 1]);
    return { indptr: [0, hi - lo], indices: r.indices.slice(lo, hi), values: r.values.slice(lo, hi) };
}

// exact returns the labels of rows ordered by inner product with q (best first).
function exact(r, q, ids) {
    const scores = [];
    for (let i = 0; i < N; i++) {
        let s = 0;
        for (let a = Number(r.indptr[i]); a < Number(r.indptr[i + 1]); a++) {
            const j = q.indices.indexOf(r.indices[a]);
            if (j >= 0) s += r.values[a] * q.values[j];
        }
        if (s !== 0) scores.push([s, ids[i]]);
    }
    scores.sort((x, y) => y[0] - x[0] || (x[1] < y[1] ? -1 : 1));
    return scores.map((x) => x[1]);
}

function sindi(extra) {
    const p = { dtype: "sparse", metric_type: "ip", dim: 16, index_param: { term_id_limit: VOCAB, window_size: 10000, ...extra } };
    return new vsag.Index("sindi", JSON.stringify(p));
}

test("sindi: build, knn and range search, filters and expected labels", async () => {
    const r = rows();
    const ids = h.seqIds(N);
    const index = sindi({ use_reorder: true });
    assert.equal(index.build(r, ids).length, 0);
    assert.equal(index.getNumElements(), N);
    const q = row(r, 3);
    const want = exact(r, q, ids);
    const res = index.search(q, { k: 5, params: { sindi: { n_candidate: 50 } } });
    assert.deepEqual([...res.ids], want.slice(0, 5));
    for (let j = 1; j < res.distances.length; j++) assert.ok(res.distances[j] >= res.distances[j - 1]);
    const viaAsync = await index.searchAsync(q, { k: 5 });
    assert.deepEqual([...viaAsync.ids], want.slice(0, 5));
    // the first answer excluded by the id filter, explained as filtered
    const f = index.search(q, { k: 5, filter: [want[0]], expectedLabels: [want[0]] });
    assert.ok(![...f.ids].includes(want[0]));
    assert.equal(f.expected[0].reason, "filtered");
    // range search up to the third distance
    const rr = index.search(q, { radius: res.distances[2] + 1e-5 });
    assert.ok(rr.ids.length >= 3);
    for (const d of rr.distances) assert.ok(d <= res.distances[2] + 1e-5);
    assert.equal(index.getStats().window_count, 1);
    index.close();
});

test("sindi: bad rows are refused and nothing is lost; save and load", () => {
    const r = rows();
    const ids = h.seqIds(N);
    const index = sindi({});
    index.build(r, ids);
    const one = new BigInt64Array([100000n]);
    for (const bad of [
        { indptr: [0, 2], indices: new Uint32Array([9, 3]), values: new Float32Array([1, 1]) },
        { indptr: [0, 2], indices: new Uint32Array([3, 3]), values: new Float32Array([1, 1]) },
        { indptr: [0, 1], indices: new Uint32Array([VOCAB]), values: new Float32Array([1]) },
        { indptr: [0, 1], indices: new Uint32Array([3]), values: new Float32Array([NaN]) },
        { indptr: [0, 0], indices: new Uint32Array([]), values: new Float32Array([]) },
    ]) {
        assert.throws(() => index.add(bad, one), (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT);
        assert.equal(index.getNumElements(), N);
    }
    assert.throws(() => index.add(new Float32Array(16), one, 1, 16), (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT);
    const q = row(r, 9);
    const before = index.search(q, { k: 5 });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sindi-")), "s.vsag");
    index.save(file);
    const again = sindi({});
    again.load(file);
    assert.deepEqual([...again.search(q, { k: 5 }).ids], [...before.ids]);
    again.close();
    index.close();
});

test("sindi: distances by id and the stored rows", () => {
    const r = rows();
    const ids = h.seqIds(N);
    const index = sindi({ use_reorder: true });
    index.build(r, ids);
    const q = row(r, 3);
    const res = index.search(q, { k: 3 });
    const asked = new BigInt64Array([res.ids[0], 987654321n, res.ids[2]]);
    const d = index.calcDistancesById(q, asked);
    assert.ok(d instanceof Float32Array && d.length === 3);
    assert.ok(Math.abs(d[0] - res.distances[0]) < 1e-6);
    assert.equal(d[1], -1);
    assert.ok(Math.abs(d[2] - res.distances[2]) < 1e-6);
    // the stored rows come back as they were built, in the order asked
    const back = index.getSparseVectorsByIds(new BigInt64Array([ids[7], ids[2]]));
    assert.ok(back.indptr instanceof BigInt64Array && back.indices instanceof Uint32Array);
    assert.deepEqual([...back.indptr], [0n, BigInt(TERMS), BigInt(2 * TERMS)]);
    assert.deepEqual([...back.indices], [...row(r, 7).indices, ...row(r, 2).indices]);
    assert.deepEqual([...back.values], [...row(r, 7).values, ...row(r, 2).values]);
    const none = index.getSparseVectorsByIds(new BigInt64Array([]));
    assert.deepEqual([...none.indptr], [0n]);
    assert.throws(() => index.getSparseVectorsByIds(new BigInt64Array([987654321n])),
        (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT);
    // two rows are not one query; unsorted term ids are refused
    assert.throws(() => index.calcDistancesById(r, asked), (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT);
    assert.throws(() => index.calcDistancesById(
        { indptr: [0, 2], indices: new Uint32Array([9, 3]), values: new Float32Array([1, 1]) }, asked),
    (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT);
    index.close();
    const dense = new vsag.Index("brute_force", JSON.stringify({ dtype: "float32", metric_type: "l2", dim: 4 }));
    dense.build(new Float32Array(4), new BigInt64Array([1n]), 1, 4);
    assert.throws(() => dense.getSparseVectorsByIds(new BigInt64Array([1n])),
        (e) => e.code === vsag.ErrorCode.UNSUPPORTED_INDEX_OPERATION);
    assert.throws(() => dense.calcDistancesById(q, new BigInt64Array([1n])),
        (e) => e.code === vsag.ErrorCode.UNSUPPORTED_INDEX_OPERATION);
    dense.close();
});
