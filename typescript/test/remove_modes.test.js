"use strict";
// remove(ids, mode): "mark" and "force", as a string or { mode }, the refusals and slot reuse.

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const os = require("os");
const path = require("path");
const h = require("./helpers");
const { vsag } = h;

const N = 600;
const DIM = 16;
const E = vsag.ErrorCode;
const SP = JSON.stringify({ hgraph: { ef_search: 60 } });

function hgraph(force) {
    const p = JSON.parse(h.params("hgraph", DIM));
    if (force) p.index_param.support_force_remove = true;
    return JSON.stringify(p);
}

function code(c) {
    return (e) => e.code === c;
}

test("remove defaults to mark; force needs support_force_remove", h.skipUnless("hgraph"), () => {
    const base = h.randomVectors(N, DIM, 3);
    const ids = h.seqIds(N);
    const index = new vsag.Index("hgraph", hgraph(false));
    index.build(base, ids, N, DIM);
    assert.equal(index.remove(new BigInt64Array([1n, 2n, 99999n])), 2);
    assert.equal(index.remove(new BigInt64Array([3n]), "mark"), 1);
    assert.equal(index.remove(new BigInt64Array([4n]), { mode: "mark" }), 1);
    assert.equal(index.getNumRemoved(), 4);
    assert.throws(() => index.remove(new BigInt64Array([5n]), "force"), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.remove(new BigInt64Array([5n]), "soft"), code(E.INVALID_ARGUMENT));
    assert.equal(index.checkIdExist(5n), true);
    const flat = new vsag.Index("brute_force", h.params("brute_force", DIM));
    flat.build(base, ids, N, DIM);
    assert.throws(() => flat.remove(new BigInt64Array([5n]), { mode: "force" }), code(E.UNSUPPORTED_INDEX_OPERATION));
});

test("force takes labels out; adds reuse their slots; save and load keep them", h.skipUnless("hgraph"), () => {
    const base = h.randomVectors(N, DIM, 4);
    const ids = h.seqIds(N);
    const index = new vsag.Index("hgraph", hgraph(true));
    index.build(base, ids, N, DIM);
    const mem = index.getMemoryUsage();
    const gone = ids.filter((id) => id % 6n === 1n);
    assert.equal(index.remove(gone, "force"), gone.length);
    assert.equal(index.getNumElements(), N - gone.length);
    assert.equal(index.getNumRemoved(), 0);
    assert.equal(index.checkIdExist(gone[0]), false);
    for (let q = 0; q < 50; q++) {
        const r = index.knnSearch(base.subarray(q * DIM, (q + 1) * DIM), 5, SP);
        for (const id of r.ids) assert.notEqual(id % 6n, 1n);
    }
    const again = new Float32Array(gone.length * DIM);
    gone.forEach((id, i) => again.set(base.subarray(Number(id) * DIM, (Number(id) + 1) * DIM), i * DIM));
    assert.equal(index.add(again, gone, gone.length, DIM).length, 0);
    assert.equal(index.getNumElements(), N);
    assert.ok(index.getMemoryUsage() <= mem * 1.05); // route layers may hold a few more nodes

    assert.equal(index.remove(gone.subarray(0, 10), { mode: "force" }), 10);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vsag-remove-"));
    const file = path.join(dir, "force.vsag");
    index.save(file);
    const back = new vsag.Index("hgraph", hgraph(true));
    back.load(file);
    assert.equal(back.getNumElements(), N - 10);
    assert.equal(back.add(again.subarray(0, 10 * DIM), gone.subarray(0, 10), 10, DIM).length, 0);
    const r = back.knnSearch(again.subarray(0, DIM), 1, SP);
    assert.equal(r.ids[0], gone[0]);
    fs.rmSync(dir, { recursive: true, force: true });
});
