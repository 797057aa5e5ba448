"use strict";
// index.search / searchAsync (VSAG's SearchRequest) and the rows other than dense vectors:
// sparse {indptr, indices, values}, multi-vector {vectors, vectorCounts} and paths.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const DIM = 8;
const N = 300;
const base = h.randomVectors(N, DIM, 41);
const ids = h.seqIds(N);
const queries = h.randomVectors(4, DIM, 42);
const q0 = queries.subarray(0, DIM);

function bf(extra) {
    const p = JSON.parse(h.params("brute_force", DIM));
    Object.assign(p, extra ?? {});
    return new vsag.Index("brute_force", JSON.stringify(p));
}

function invalid(fn, pattern) {
    assert.throws(fn, (e) => {
        assert.equal(e.code, vsag.ErrorCode.INVALID_ARGUMENT, e.message);
        if (pattern) assert.match(e.message, pattern);
        return true;
    });
}

test("search: knn equals knnSearch; results without padding; extra infos", () => {
    const index = bf({ extra_info_size: 4 });
    const extra = new Uint8Array(new Uint32Array(Array.from({ length: N }, (_, i) => i)).buffer);
    index.build(base, ids, N, DIM, { extraInfos: extra });
    const r = index.search(q0, { k: 10 });
    const want = index.knnSearch(q0, 10);
    assert.deepEqual(Array.from(r.ids), Array.from(want.ids));
    assert.deepEqual(Array.from(r.distances), Array.from(want.distances));
    assert.equal(r.extraInfos.length, 40);
    assert.deepEqual(Array.from(new Uint32Array(r.extraInfos.slice().buffer)), Array.from(r.ids, Number));
    assert.equal(r.expected, undefined);
    const small = bf();
    small.build(base.subarray(0, 3 * DIM), ids.subarray(0, 3), 3, DIM);
    const all = small.search(q0, { k: 10, params: {} });
    assert.equal(all.ids.length, 3); // no -1 padding
    assert.equal(all.extraInfos, undefined);
    index.close();
    small.close();
});

test("search: every filter ANDed and expected labels explained", () => {
    const index = bf();
    const attrs = Array.from({ length: N }, (_, i) => ({ even: i % 2 === 0 ? 1 : 0 }));
    index.build(base, ids, N, DIM, { attributes: attrs });
    const exact = h.exactKnn(base, ids, DIM, queries, 0, N);
    const evens = exact.filter((t) => t[1] % 2n === 0n).map((t) => t[1]);
    const excluded = evens[0];
    const r = index.search(q0, {
        k: 5,
        filter: [excluded],
        filterExpr: "even = 1",
        expectedLabels: [excluded, evens[1], evens[evens.length - 1], 999999n, Number(exact.find((t) => t[1] % 2n === 1n)[1])],
    });
    assert.deepEqual(Array.from(r.ids), evens.slice(1, 6));
    const e = r.expected;
    assert.equal(e.length, 5);
    assert.deepEqual([e[0].label, e[0].reason], [excluded, "filtered"]);
    assert.ok(Number.isNaN(e[0].distance));
    assert.deepEqual([e[1].label, e[1].reason], [evens[1], "found"]);
    assert.equal(e[1].distance, r.distances[0]);
    assert.equal(e[2].reason, "beyond_k");
    assert.ok(e[2].distance >= r.distances[4]);
    assert.equal(e[3].reason, "absent");
    assert.equal(e[4].reason, "filtered"); // an odd label: the expression excludes it
    // a mask filter object and an empty expected list
    const mask = vsag.createBitmask([Number(evens[1])], N);
    const m = index.search(q0, { k: 3, filter: { mask }, filterExpr: "even = 1", expectedLabels: [] });
    assert.deepEqual(Array.from(m.ids), [evens[0], evens[2], evens[3]]);
    assert.deepEqual(m.expected, []);
    index.close();
});

test("search: range, limitedSize and more results than the first buffer", () => {
    const index = bf();
    index.build(base, ids, N, DIM);
    const exact = h.exactKnn(base, ids, DIM, queries, 0, N);
    const r = index.search(q0, { radius: exact[9][0] * 1.00001 });
    assert.deepEqual(Array.from(r.ids), exact.slice(0, 10).map((t) => t[1]));
    const capped = index.search(q0, { radius: 1e30, limitedSize: 3 });
    assert.deepEqual(Array.from(capped.ids), exact.slice(0, 3).map((t) => t[1]));
    const everything = index.search(q0, { radius: 1e30 }); // 300 > the first 256 entries
    assert.equal(everything.ids.length, N);
    index.close();
});

test("search: bad options are INVALID_ARGUMENT", () => {
    const index = bf();
    index.build(base, ids, N, DIM);
    invalid(() => index.search(q0, {}), /k .*or radius/);
    invalid(() => index.search(q0, { k: 3, radius: 1 }), /not both/);
    invalid(() => index.search(q0), /options/);
    invalid(() => index.search(q0, { k: 0 }));
    invalid(() => index.search(q0, { k: 3, limitedSize: 2 }), /range/);
    invalid(() => index.search(q0, { radius: -1 }));
    invalid(() => index.search(q0, { radius: 1, limitedSize: -3 }));
    invalid(() => index.search(q0, { radius: 1, limitedSize: 1.5 }));
    invalid(() => index.search(q0, { k: 3, bucketIds: [1n] }), /bucket_ids are for ivf/);
    invalid(() => index.search(q0, { k: 3, params: "{nope" }));
    invalid(() => index.search(q0, { k: 3, filterExpr: "a =" }));
    invalid(() => index.search(q0, { k: 3, expectedLabels: [1.5] }));
    invalid(() => index.search(new Float64Array(DIM), { k: 3 }));
    invalid(() => index.search({ nothing: 1 }, { k: 3 }));
    assert.throws(() => index.search(q0.subarray(0, 5), { k: 3 }), (e) => e.code === vsag.ErrorCode.DIMENSION_NOT_EQUAL);
    index.close();
    assert.throws(() => index.search(q0, { k: 3 }), (e) => e.code === vsag.ErrorCode.WRONG_STATUS);
});

test("searchAsync equals search and rejects bad input", async () => {
    const index = bf();
    index.build(base, ids, N, DIM);
    for (let i = 0; i < 4; i++) {
        const q = queries.subarray(i * DIM, (i + 1) * DIM);
        const opts = { k: 7, filter: new BigInt64Array([3n]), expectedLabels: [3n, 4n] };
        assert.deepEqual(await index.searchAsync(q, opts), index.search(q, opts));
    }
    const range = { radius: 1e30, limitedSize: 50 };
    assert.deepEqual(await index.searchAsync(q0, range), index.search(q0, range));
    await assert.rejects(index.searchAsync(q0, { k: 3, bucketIds: [1n] }), (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT);
    const sparse = { indptr: [0, 2], indices: new Uint32Array([1, 4]), values: new Float32Array([1, 1]) };
    await assert.rejects(index.searchAsync(sparse, { k: 3 }), /sparse rows/);
    // close while a search is pending: it finishes, then the handle is released
    const p = index.searchAsync(q0, { k: 3 });
    index.close();
    assert.equal((await p).ids.length, 3);
});

test("sparse rows: well-formed rows reach the index, bad rows are refused, nothing is lost", () => {
    const index = bf();
    const rows = {
        indptr: new BigInt64Array([0n, 2n, 2n, 5n]),
        indices: new Uint32Array([1, 7, 0, 3, 9]),
        values: new Float32Array([0.5, 1, 2, 3, 4]),
    };
    const three = new BigInt64Array([10n, 11n, 12n]);
    invalid(() => index.build(rows, three), /the dataset holds sparse rows/);
    const bad = [
        [{ indptr: [0, 2, 2, 5], indices: new Uint32Array([7, 1, 0, 3, 9]) }, /sorted and unique/],
        [{ indptr: new Int32Array([0, 2, 2, 5]), indices: new Int32Array([1, 7, 3, 3, 9]) }, /sorted and unique/],
        [{ indptr: new Uint32Array([0, 2, 2, 4]), indices: new Uint32Array([1, 7, 0, 3, 9]) }, /last sparse offset/],
        [{ indptr: [0, 3, 2, 5], indices: new Uint32Array([1, 7, 9, 3, 9]) }, /decrease/],
    ];
    for (const [r, pattern] of bad) {
        const sparse = { ...r, values: new Float32Array(5).fill(1) };
        invalid(() => index.build(sparse, three), pattern);
        invalid(() => index.add(sparse, three), pattern);
        assert.equal(index.getNumElements(), 0);
    }
    invalid(() => index.build({ ...rows, values: new Float32Array(4) }, three), /5 term ids but 4 values/);
    invalid(() => index.build({ ...rows, indices: new Int32Array([1, -7, 0, 3, 9]) }, three), /negative/);
    invalid(() => index.build({ ...rows, values: new Float64Array(5) }, three), /Float32Array/);
    invalid(() => index.build(rows, three, 2), /numElements/);
    invalid(() => index.build({ ...rows, indptr: [0, 1.5, 2, 5] }, three));
    assert.equal(index.getNumElements(), 0);
    // sparse queries
    index.build(base, ids, N, DIM);
    const one = { indptr: [0, 2], indices: new Uint32Array([3, 9]), values: new Float32Array([1, 2]) };
    invalid(() => index.search(one, { k: 3 }), /the dataset holds sparse rows/);
    invalid(() => index.search({ ...one, indices: new Uint32Array([9, 3]) }, { k: 3 }), /sorted and unique/);
    invalid(() => index.search(rows, { k: 3 }), /one query/);
    invalid(() => index.search({ ...one, indptr: [0, 7] }, { k: 3 }), /do not lie within/);
    assert.equal(index.getNumElements(), N);
    index.close();
});

test("multi-vector rows and queries reach the index", () => {
    const index = bf();
    const three = new BigInt64Array([1n, 2n, 3n]);
    const docs = { vectors: base.subarray(0, 6 * DIM), vectorCounts: [2, 1, 3] };
    invalid(() => index.build(docs, three), /multi-vector documents/);
    invalid(() => index.build({ ...docs, vectorCounts: new BigInt64Array([2n, 2n, 3n]) }, three), /add up to 7/);
    invalid(() => index.add({ ...docs, vectorCounts: new Int32Array([3, 0, 3]) }, three), /at least one/);
    invalid(() => index.build({ vectors: base.subarray(0, 6 * DIM - 1), vectorCounts: [2, 1, 3] }, three), /whole number of sub-vectors/);
    invalid(() => index.build({ vectors: base.subarray(0, 6 * DIM) }, three), /vectorCounts/);
    assert.equal(index.getNumElements(), 0);
    index.build(base, ids, N, DIM);
    invalid(() => index.search({ vectors: base.subarray(0, 3 * DIM), vectorCounts: [3] }, { k: 2 }), /multi-vector documents/);
    invalid(() => index.search({ vectors: base.subarray(0, 3 * DIM), vectorCounts: [2, 1] }, { k: 2 }), /one document/);
    index.close();
});

test("paths: refused by the dense index types, bad paths named", () => {
    const index = bf();
    const three = ids.subarray(0, 3);
    const v = base.subarray(0, 3 * DIM);
    invalid(() => index.build(v, three, 3, DIM, { paths: ["a/b", "a/c", "d"] }), /paths are for pyramid indexes/);
    invalid(() => index.add(v, three, 3, DIM, { paths: ["a/b", "", "d"] }), /row 1 has an empty path/);
    invalid(() => index.add(v, three, 3, DIM, { paths: ["a//b", "c", "d"] }), /empty segment/);
    invalid(() => index.add(v, three, 3, DIM, { paths: ["a", "b"] }), /2 paths for 3 rows/);
    invalid(() => index.add(v, three, 3, DIM, { paths: ["a", 3, "c"] }), /paths\[1\] must be a string/);
    assert.equal(index.getNumElements(), 0);
    index.build(v, three, 3, DIM);
    invalid(() => index.search(q0, { k: 2, path: "a/b" }), /paths are for pyramid/);
    invalid(() => index.search(q0, { k: 2, path: "" }), /empty path/);
    // numElements and dim default to the rows and the index dim
    const other = bf();
    assert.equal(other.build(v, three).length, 0);
    assert.equal(other.getNumElements(), 3);
    index.close();
    other.close();
});
