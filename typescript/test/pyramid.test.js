"use strict";
// pyramid: options.paths on build/add (an Array, or {hierarchy: Array}), searches confined to
// options.path (a string, or {hierarchy: path}), range, removal, save/load and errors.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const DIM = 8;
const N = 900;
const TENANTS = 6;
const base = h.randomVectors(N, DIM, 51);
const ids = h.seqIds(N);
const queries = h.randomVectors(10, DIM, 52);
const paths = Array.from({ length: N }, (_, i) => `t${i % TENANTS}/s${Math.floor(i / TENANTS) % 2}`);
const colours = Array.from({ length: N }, (_, i) => `c${i % 4}`);
const EF = { pyramid: { ef_search: 80 } };

function pyramid(extra) {
    const p = { dtype: "float32", metric_type: "l2", dim: DIM, index_param: Object.assign({ max_degree: 16, ef_construction: 80 }, extra ?? {}) };
    return new vsag.Index("pyramid", JSON.stringify(p));
}

function invalid(fn, pattern) {
    assert.throws(fn, (e) => {
        assert.equal(e.code, vsag.ErrorCode.INVALID_ARGUMENT, e.message);
        if (pattern) assert.match(e.message, pattern);
        return true;
    });
}

const opt = h.skipUnless("pyramid");

test("pyramid: searches stay inside the tenant and find its neighbours", opt, async () => {
    const index = pyramid({ index_min_size: 20 });
    index.build(base.subarray(0, (N / 2) * DIM), ids.subarray(0, N / 2), N / 2, DIM, { paths: paths.slice(0, N / 2) });
    index.add(base.subarray((N / 2) * DIM), ids.subarray(N / 2), N / 2, DIM, { paths: paths.slice(N / 2) });
    assert.equal(index.getNumElements(), N);
    let rec = 0;
    for (let q = 0; q < queries.length / DIM; q++) {
        const t = q % TENANTS;
        const r = index.search(queries.subarray(q * DIM, (q + 1) * DIM), { k: 10, params: EF, path: `t${t}` });
        for (const id of r.ids) assert.equal(Number(id) % TENANTS, t);
        rec += h.recall(Array.from(r.ids), h.exactKnn(base, ids, DIM, queries, q, 10, (id) => Number(id) % TENANTS !== t));
    }
    assert.ok(rec / (queries.length / DIM) >= 0.95, `recall ${rec}`);
    const q0 = queries.subarray(0, DIM);
    const alt = index.search(q0, { k: 10, params: EF, path: "t1|t2/s0" });
    for (const id of alt.ids) assert.ok(paths[Number(id)].startsWith("t1/") || paths[Number(id)] === "t2/s0");
    assert.equal(index.search(q0, { k: 10, params: EF, path: "t9" }).ids.length, 0);
    assert.equal(index.search(q0, { k: 10, params: EF }).ids.length, 10);
    const asyncR = await index.searchAsync(q0, { k: 5, params: EF, path: "t3" });
    for (const id of asyncR.ids) assert.equal(Number(id) % TENANTS, 3);
    // range search inside the tenant, then a removed label
    const want = h.exactKnn(base, ids, DIM, queries, 0, 5, (id) => Number(id) % TENANTS !== 3);
    const radius = want[4][0] * 1.0001;
    const rr = index.search(q0, { radius, params: EF, path: "t3" });
    assert.ok(rr.ids.length >= 4 && rr.ids.length <= 6);
    for (const id of rr.ids) assert.equal(Number(id) % TENANTS, 3);
    assert.equal(index.remove(BigInt64Array.of(want[0][1])), 1);
    for (const id of index.search(q0, { k: 10, params: EF, path: "t3" }).ids) assert.notEqual(id, want[0][1]);
    // saved and loaded, it answers the same
    const copy = vsag.Index.fromBuffer(index.serialize());
    assert.deepEqual(Array.from(copy.search(q0, { k: 10, params: EF, path: "t4" }).ids), Array.from(index.search(q0, { k: 10, params: EF, path: "t4" }).ids));
    invalid(() => index.add(base.subarray(0, DIM), BigInt64Array.of(5000n), 1, DIM), /need paths/);
    invalid(() => index.search(q0, { k: 5, params: { pyramid: {} }, path: "t1" }), /ef_search/);
    invalid(() => index.search(q0, { k: 5, params: EF, path: 7 }), /path/);
    copy.close();
    index.close();
});

test("pyramid: named hierarchies, union and intersection", opt, () => {
    const index = pyramid({ hierarchies: ["site", { name: "colour", max_degree: 8 }] });
    index.build(base, ids, N, DIM, { paths: { site: paths, colour: colours } });
    const q0 = queries.subarray(0, DIM);
    const both = { pyramid: { ef_search: 80, hierarchy_op: "intersection" } };
    const r = index.search(q0, { k: 10, params: both, path: { site: "t2", colour: "c2" } });
    assert.equal(r.ids.length, 10);
    for (const id of r.ids) assert.ok(Number(id) % TENANTS === 2 && Number(id) % 4 === 2);
    const any = index.search(q0, { k: 10, params: { pyramid: { ef_search: 80, hierarchy_op: "union" } }, path: { site: "t2", colour: "c1" } });
    for (const id of any.ids) assert.ok(Number(id) % TENANTS === 2 || Number(id) % 4 === 1);
    const one = index.search(q0, { k: 10, params: EF, path: { colour: "c3" } });
    for (const id of one.ids) assert.equal(Number(id) % 4, 3);
    invalid(() => index.search(q0, { k: 5, params: EF, path: { site: "t2", colour: "c1" } }), /hierarchy_op/);
    invalid(() => index.search(q0, { k: 5, params: EF }), /name the ones to search/);
    invalid(() => index.search(q0, { k: 5, params: EF, path: {} }), /empty object/);
    invalid(() => index.add(base.subarray(0, DIM), BigInt64Array.of(5000n), 1, DIM, { paths: { bogus: ["x"] } }), /no hierarchy/);
    invalid(() => index.add(base.subarray(0, DIM), BigInt64Array.of(5000n), 1, DIM, { paths: { site: "x" } }), /Array of strings/);
    index.add(base.subarray(0, DIM), BigInt64Array.of(5000n), 1, DIM, { paths: { site: ["new"] } });
    assert.deepEqual(Array.from(index.search(q0, { k: 3, params: EF, path: { site: "new" } }).ids), [5000n]);
    index.close();
    pyramid({ graph_type: "odescent", graph_iter_turn: 5 }).close();
    invalid(() => pyramid({ graph_type: "odescent", neighbor_sample_rate: 0 }), /neighbor_sample_rate/);
    invalid(() => pyramid({ graph_iter_turn: 5 }), /only for graph_type/);
});
