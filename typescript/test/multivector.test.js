"use strict";
// Multi-vector documents (warp and simq): build and add {vectors, vectorCounts}, search with
// one document {vectors, vectorCounts: [n]}, range search, filters, mark remove, save and load,
// and the refusals that keep what is stored.

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const h = require("./helpers");
const { vsag } = h;

const DIM = 8;
const N = 120;
const CREATE = JSON.stringify({ dtype: "float32", metric_type: "ip", dim: DIM });
const PARAMS = { warp: "", simq: JSON.stringify({ simq: { coarse_k: 64, rerank_k: 200 } }) };

// documents of 2..6 unit sub-vectors
const counts = Array.from({ length: N }, (_, i) => 2 + (i % 5));
const starts = [0];
for (const c of counts) starts.push(starts[starts.length - 1] + c);
const vectors = h.randomVectors(starts[N], DIM, 77);
for (let r = 0; r < starts[N]; r++) {
    let s = 0;
    for (let j = 0; j < DIM; j++) s += vectors[r * DIM + j] ** 2;
    for (let j = 0; j < DIM; j++) vectors[r * DIM + j] /= Math.sqrt(s);
}
const ids = BigInt64Array.from({ length: N }, (_, i) => BigInt(500 + i));
const doc = (i) => ({ vectors: vectors.subarray(starts[i] * DIM, starts[i + 1] * DIM), vectorCounts: [counts[i]] });
const rows = (lo, hi) => ({ vectors: vectors.subarray(starts[lo] * DIM, starts[hi] * DIM), vectorCounts: counts.slice(lo, hi) });

function invalid(fn) {
    assert.throws(fn, (e) => e.code === "INVALID_ARGUMENT" || /INVALID_ARGUMENT|invalid/i.test(String(e)));
}

for (const name of ["warp", "simq"]) {
    test(`${name}: build, add, search, remove, save and load`, () => {
        const index = new vsag.Index(name, CREATE);
        index.build(rows(0, 60), ids.subarray(0, 60));
        index.add(rows(60, N), ids.subarray(60));
        assert.equal(index.getNumElements(), N);
        for (const i of [3, 47, 90]) {
            const r = index.search(doc(i), { k: 4, params: PARAMS[name] });
            assert.equal(r.ids[0], ids[i]);
            assert.ok(Math.abs(r.distances[0]) < 1e-4);
            assert.ok(r.distances[1] >= r.distances[0]);
        }
        const rr = index.search(doc(10), { radius: 0.001, params: PARAMS[name] });
        assert.ok(Array.from(rr.ids).includes(ids[10]));
        const f = index.search(doc(10), { k: 4, params: PARAMS[name], filter: [ids[10]] });
        assert.ok(!Array.from(f.ids).includes(ids[10]));

        // bad documents and dense input are refused; nothing stored is lost
        const two = new BigInt64Array([1n, 2n]);
        invalid(() => index.add({ vectors: vectors.subarray(0, 3 * DIM), vectorCounts: [1, 1] }, two));
        invalid(() => index.add({ vectors: vectors.subarray(0, 3 * DIM), vectorCounts: [3, 0] }, two));
        const nan = Float32Array.from(vectors.subarray(0, 3 * DIM));
        nan[5] = NaN;
        invalid(() => index.add({ vectors: nan, vectorCounts: [1, 2] }, two));
        invalid(() => index.add(vectors.subarray(0, 2 * DIM), two, 2, DIM));
        invalid(() => index.knnSearch(vectors.subarray(0, DIM), 3));
        assert.equal(index.getNumElements(), N);

        assert.equal(index.remove(new BigInt64Array([ids[3]])), 1);
        const after = index.search(doc(3), { k: 4, params: PARAMS[name] });
        assert.ok(!Array.from(after.ids).includes(ids[3]));
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "vsag-mv-")), `${name}.vsag`);
        index.save(file);
        const back = new vsag.Index(name, CREATE);
        back.load(file);
        assert.equal(back.getNumElements(), N - 1);
        assert.deepEqual(Array.from(back.search(doc(3), { k: 4, params: PARAMS[name] }).ids), Array.from(after.ids));
        back.close();
        index.close();
    });
}

test("simq and warp refuse what VSAG refuses", () => {
    invalid(() => new vsag.Index("simq", JSON.stringify({ dtype: "float32", metric_type: "l2", dim: 4 })));
    invalid(() => new vsag.Index("warp", JSON.stringify({ dtype: "float32", metric_type: "cosine", dim: 4 })));
});

test("warp: distances by id from one document", () => {
    const index = new vsag.Index("warp", CREATE);
    index.build(rows(0, N), ids);
    const q = doc(7);
    const res = index.search(q, { k: 3 });
    const d = index.calcDistancesById(q, new BigInt64Array([res.ids[1], 123456789n, res.ids[0]]));
    assert.ok(Math.abs(d[0] - res.distances[1]) < 1e-5);
    assert.equal(d[1], -1);
    assert.ok(Math.abs(d[2] - res.distances[0]) < 1e-5);
    const isInvalid = (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT;
    assert.throws(() => index.calcDistancesById(rows(0, 2), new BigInt64Array([500n])), isInvalid);
    assert.throws(() => index.calcDistancesById({ vectors: q.vectors, vectorCounts: [counts[7] + 1] },
        new BigInt64Array([500n])), isInvalid);
    index.close();
    const dense = new vsag.Index("brute_force", CREATE);
    dense.build(vectors.subarray(0, 4 * DIM), new BigInt64Array([1n, 2n, 3n, 4n]), 4, DIM);
    assert.throws(() => dense.calcDistancesById(q, new BigInt64Array([1n])),
        (e) => e.code === vsag.ErrorCode.UNSUPPORTED_INDEX_OPERATION);
    dense.close();
});
