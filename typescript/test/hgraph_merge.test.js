"use strict";
// hgraph: exportModel, and shards of the model merged back (sync and on the thread pool) with
// extra info, attributes and id maps; refusals of another model, other parameters, an untrained
// target and the index itself.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const N = 800;
const DIM = 16;
const SEARCH = { hgraph: { ef_search: 80 } };
const OFFSET = 1n << 40n;
const E = vsag.ErrorCode;
const skip = h.skipUnless("hgraph");

function params(indexParam = {}) {
    return {
        dtype: "float32", metric_type: "l2", dim: DIM, extra_info_size: 4,
        index_param: { base_quantization_type: "sq8", use_reorder: true, precise_quantization_type: "fp32", max_degree: 16, ef_construction: 100, ...indexParam },
    };
}

const code = (c) => (e) => e.code === c;
const base = h.randomVectors(N, DIM, 41);
const ids = h.seqIds(N, 5000);
const queries = h.randomVectors(20, DIM, 42);
const extra = new Uint8Array(new Int32Array(Array.from({ length: N }, (_, i) => i)).buffer);
const rows = (lo, hi) => base.subarray(lo * DIM, hi * DIM);
const attrs = (lo, hi, shard) => Array.from({ length: hi - lo }, (_, i) => ({ shard, row: lo + i }));

function recall(index, skipIds = new Set()) {
    const res = index.knnSearchBatch(queries, 20, 10, SEARCH);
    let total = 0;
    for (let q = 0; q < 20; q++) {
        const truth = h.exactKnn(base, ids, DIM, queries, q, 10, (id) => skipIds.has(id));
        total += h.recall(h.row(res, q, 10).ids, truth);
    }
    return total / 20;
}

function whole() {
    const full = new vsag.Index("hgraph", params());
    full.build(base, ids, N, DIM, { extraInfos: extra, attributes: attrs(0, N, "full") });
    return full;
}

test("hgraph: exportModel and merge are supported", skip, () => {
    const full = whole();
    assert.equal(full.checkFeature(vsag.Feature.SUPPORT_EXPORT_MODEL), true);
    assert.equal(full.checkFeature(vsag.Feature.SUPPORT_MERGE_INDEX), true);
    const model = full.exportModel();
    assert.equal(model.getNumElements(), 0);
    assert.equal(model.getName(), "hgraph");
    assert.equal(model.getParameters(), full.getParameters());
});

test("hgraph: shards of the exported model merge back", skip, () => {
    const full = whole();
    const model = full.exportModel();
    const half = N / 2;
    const a = model.clone();
    const b = model.clone();
    const merged = model.clone();
    a.add(rows(0, half), ids.subarray(0, half), half, DIM, { extraInfos: extra.subarray(0, 4 * half), attributes: attrs(0, half, "a") });
    const shifted = ids.subarray(half).map((id) => id + OFFSET);
    b.add(rows(half, N), shifted, N - half, DIM, { extraInfos: extra.subarray(4 * half), attributes: attrs(half, N, "b") });
    assert.equal(b.remove(shifted.subarray(0, 1)), 1);
    const idMap = new Map();
    for (let i = 2; i < N - half; i++) idMap.set(shifted[i], shifted[i] - OFFSET);
    const failed = merged.merge([a, { index: b, idMap }]);
    assert.equal(failed.length, 0);
    assert.equal(merged.getNumElements(), N - 2);
    assert.equal(merged.checkIdExist(ids[half]), false);
    assert.equal(merged.checkIdExist(ids[half + 1]), false);
    assert.equal(merged.checkIdExist(ids[N - 1]), true);
    const info = merged.getExtraInfoByIds(BigInt64Array.from([ids[3], ids[N - 1]]));
    assert.deepEqual(Array.from(new Int32Array(info.buffer, info.byteOffset, 2)), [3, N - 1]);
    const got = merged.getAttributesByIds(BigInt64Array.from([ids[3], ids[N - 1]]));
    assert.equal(got[0].shard, "a");
    assert.equal(got[1].shard, "b");
    const rf = recall(full);
    const rm = recall(merged, new Set([ids[half], ids[half + 1]]));
    assert.ok(rm >= 0.95 && rm >= rf - 0.03, `whole ${rf}, merged ${rm}`);
    // the same labels again: every one fails
    assert.equal(merged.merge([a]).length, half);
    const back = vsag.Index.fromBuffer(merged.serialize());
    assert.deepEqual(back.knnSearchBatch(queries, 20, 10, SEARCH).ids, merged.knnSearchBatch(queries, 20, 10, SEARCH).ids);
});

test("hgraph: refusals", skip, () => {
    const full = whole();
    const merged = full.exportModel();
    const other = new vsag.Index("hgraph", params()); // trained on other data
    other.build(rows(0, 50).map((v) => v * 4), ids.subarray(0, 50), 50, DIM, { extraInfos: extra.subarray(0, 200) });
    assert.throws(() => merged.merge([other]), (e) => e.code === E.INVALID_ARGUMENT && /model/.test(e.message));
    const deg = new vsag.Index("hgraph", params({ max_degree: 8 }));
    deg.build(rows(0, 50), ids.subarray(0, 50), 50, DIM, { extraInfos: extra.subarray(0, 200) });
    assert.throws(() => merged.merge([deg]), code(E.INVALID_ARGUMENT));
    assert.throws(() => merged.merge([merged]), code(E.INVALID_ARGUMENT));
    const fresh = new vsag.Index("hgraph", params());
    assert.throws(() => fresh.merge([full]), code(E.WRONG_STATUS));
    assert.equal(merged.getNumElements(), 0);
});

test("hgraph: mergeAsync while searching", skip, async () => {
    const full = whole();
    const model = full.exportModel();
    const shards = [0, 1, 2, 3].map(() => model.clone());
    const step = N / 4;
    shards.forEach((s, i) => s.add(rows(i * step, (i + 1) * step), ids.subarray(i * step, (i + 1) * step), step, DIM, { extraInfos: extra.subarray(4 * i * step, 4 * (i + 1) * step) }));
    const merged = model.clone();
    merged.add(rows(0, 10), ids.subarray(0, 10), 10, DIM, { extraInfos: extra.subarray(0, 40) });
    const pending = merged.mergeAsync(shards);
    const during = await merged.knnSearchAsync(queries.subarray(0, DIM), 5, SEARCH);
    assert.ok(during.ids.length > 0);
    const failed = await pending;
    assert.equal(failed.length, 10);
    assert.equal(merged.getNumElements(), N);
    assert.ok(recall(merged) >= recall(full) - 0.03);
});
