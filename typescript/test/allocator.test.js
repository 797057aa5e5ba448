"use strict";
// The library's counting allocator handed to indexes from Node: it sees the code slabs, its
// limit (set from JavaScript) refuses growth with NO_ENOUGH_MEMORY and nothing stored, and the
// index answers from the allocator's memory.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const DIM = 32;
const E = vsag.ErrorCode;
const isCode = (c) => (e) => e instanceof vsag.VsagError && e.code === c;
const hgraph = () =>
    new vsag.Index("hgraph", {
        dtype: "float32",
        metric_type: "l2",
        dim: DIM,
        index_param: { base_quantization_type: "fp32", max_degree: 16, ef_construction: 60 },
    });
const SEARCH = { hgraph: { ef_search: 100 } };

function selfHit(idx, v, rows) {
    for (const r of rows) {
        const res = idx.knnSearch(v.subarray(r * DIM, (r + 1) * DIM), 1, SEARCH);
        assert.equal(Number(res.ids[0]), r);
    }
}

test("a counting allocator holds the code slabs and its limit refuses growth", () => {
    const a = new vsag.CountingAllocator({ name: "tenant-a" });
    assert.equal(a.name, "tenant-a");
    assert.equal(a.limit, 0);
    assert.equal(a.bytesInUse, 0);
    const idx = hgraph();
    idx.setAllocator(a);
    const v = h.randomVectors(4000, DIM, 3);
    idx.build(v.subarray(0, 2000 * DIM), h.seqIds(2000, 0));
    let s = a.stats();
    assert.ok(s.bytesInUse >= 2000 * DIM * 4, `bytes in use ${s.bytesInUse}`);
    assert.ok(s.blocks > 0 && s.allocations > 0 && s.failures === 0);
    a.limit = s.bytesInUse;
    assert.throws(() => idx.add(v.subarray(2000 * DIM), h.seqIds(2000, 2000)), isCode(E.NO_ENOUGH_MEMORY));
    assert.equal(idx.getNumElements(), 2000);
    assert.ok(a.stats().failures > 0);
    a.limit = 0;
    idx.add(v.subarray(2000 * DIM), h.seqIds(2000, 2000));
    assert.equal(idx.getNumElements(), 4000);
    assert.ok(a.peakBytes >= a.bytesInUse && a.bytesInUse >= 4000 * DIM * 4);
    selfHit(idx, v, [0, 1999, 2000, 3999]);
    idx.setAllocator(null);
    idx.close();
});

test("one allocator serves several indexes, also in asynchronous builds", async () => {
    const a = new vsag.CountingAllocator({ limit: 64 << 20 });
    const x = hgraph();
    const y = hgraph();
    x.setAllocator(a);
    y.setAllocator(a);
    const v = h.randomVectors(3000, DIM, 4);
    await Promise.all([x.buildAsync(v, h.seqIds(3000, 0), 3000, DIM), y.buildAsync(v, h.seqIds(3000, 0), 3000, DIM)]);
    assert.ok(a.bytesInUse >= 2 * 3000 * DIM * 4);
    selfHit(x, v, [5, 2999]);
    selfHit(y, v, [7]);
    x.close();
    y.close();
});

test("bad allocators and limits are INVALID_ARGUMENT", () => {
    const idx = hgraph();
    assert.throws(() => idx.setAllocator({}), isCode(E.INVALID_ARGUMENT));
    assert.throws(() => new vsag.CountingAllocator({ limit: -1 }), isCode(E.INVALID_ARGUMENT));
    const a = new vsag.CountingAllocator();
    assert.throws(() => {
        a.limit = 1.5;
    }, isCode(E.INVALID_ARGUMENT));
    idx.close();
    assert.throws(() => idx.setAllocator(a), isCode(E.WRONG_STATUS));
});
