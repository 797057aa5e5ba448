"use strict";
// ivf: train, search over a number of buckets or named buckets, save and load; exportModel,
// clone and merge (sync and on the thread pool).

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const N = 600;
const DIM = 16;
const BUCKETS = 8;
const ALL = { ivf: { scan_buckets_count: BUCKETS } };
const OFFSET = 1n << 40n;
const E = vsag.ErrorCode;
const skip = h.skipUnless("ivf");

// The features Go's core reports for an ivf index; extra_info_size adds
// UPDATE_EXTRA_INFO_CONCURRENT (32), GET_EXTRA_INFO_BY_ID (43) and KNN_SEARCH_WITH_EX_FILTER (47).
const IVF_FEATURES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 23, 24, 25, 26, 27, 28, 29, 30, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 44, 46, 48, 49, 51, 52, 53, 54];
const EXTRA_FEATURES = [32, 43, 47];

function code(c) {
    return (e) => e.code === c;
}

function params(extraInfoSize = 0, indexParam = {}) {
    const p = { dtype: "float32", metric_type: "l2", dim: DIM, index_param: { buckets_count: BUCKETS, ...indexParam } };
    if (extraInfoSize) p.extra_info_size = extraInfoSize;
    return p;
}

const base = h.randomVectors(N, DIM, 31);
const ids = h.seqIds(N, 1000);
const queries = h.randomVectors(10, DIM, 32);
// extra info: the row number, 4 bytes little-endian
const extra = new Uint8Array(new Int32Array(Array.from({ length: N }, (_, i) => i)).buffer);
const rows = (lo, hi) => base.subarray(lo * DIM, hi * DIM);
const attrs = (lo, hi, shard) => Array.from({ length: hi - lo }, (_, i) => ({ shard, row: lo + i }));
const rowOf = (u8, i = 0) => new Int32Array(u8.buffer, u8.byteOffset + 4 * i, 1)[0];

function features(index) {
    const out = [];
    for (let f = 0; f <= 70; f++) if (index.checkFeature(f)) out.push(f);
    return out;
}

function trained(extraInfoSize = 4) {
    const index = new vsag.Index("ivf", params(extraInfoSize));
    index.train(base);
    return index;
}

function truth(qi, k, skipIds = new Set()) {
    return h.exactKnn(base, ids, DIM, queries, qi, k, (id) => skipIds.has(id)).map((t) => t[1]);
}

test("ivf: features match core's", skip, () => {
    const plain = new vsag.Index("ivf", params());
    assert.deepEqual(features(plain), IVF_FEATURES);
    const withExtra = new vsag.Index("ivf", params(4));
    const all = [...IVF_FEATURES, ...EXTRA_FEATURES].sort((a, b) => a - b);
    assert.deepEqual(features(withExtra), all);
    for (const index of [plain, withExtra]) {
        assert.equal(index.checkFeature(vsag.Feature.NEED_TRAIN), true);
        assert.equal(index.checkFeature(vsag.Feature.SUPPORT_EXPORT_MODEL), true);
        assert.equal(index.checkFeature(vsag.Feature.SUPPORT_MERGE_INDEX), true);
    }
    assert.equal(vsag.Feature.SUPPORT_MERGE_INDEX, 42);
    assert.equal(vsag.Feature.SUPPORT_EXPORT_MODEL, 49);
    withExtra.add(base, ids, N, DIM, { extraInfos: extra });
    assert.deepEqual(features(withExtra), all);
    assert.deepEqual(features(withExtra.exportModel()), all);
});

test("ivf: train, search all or some buckets, save and load", skip, () => {
    const index = new vsag.Index("ivf", params());
    assert.equal(index.build(base, ids, N, DIM).length, 0); // build trains
    for (let q = 0; q < 5; q++) {
        const r = index.knnSearch(queries.subarray(q * DIM, (q + 1) * DIM), 10, ALL);
        assert.deepEqual(Array.from(r.ids), truth(q, 10));
    }
    for (let i = 0; i < N; i += 101) {
        const r = index.knnSearch(rows(i, i + 1), 1, { ivf: { scan_buckets_count: 1 } });
        assert.equal(r.ids[0], ids[i]);
    }
    assert.throws(() => index.knnSearch(queries.subarray(0, DIM), 10, { ivf: { scan_buckets_count: BUCKETS + 1 } }), code(E.INVALID_ARGUMENT));
    const want = index.knnSearchBatch(queries, 10, 10, ALL);
    const file = h.tmpPath("ivf.vsag");
    index.save(file);
    const loaded = vsag.Index.loadFile(file);
    assert.equal(loaded.getName(), "ivf");
    assert.equal(loaded.getNumElements(), N);
    assert.deepEqual(loaded.knnSearchBatch(queries, 10, 10, ALL).ids, want.ids);
    const fromBytes = vsag.Index.fromBuffer(index.serialize());
    assert.deepEqual(fromBytes.knnSearchBatch(queries, 10, 10, ALL).ids, want.ids);
});

test("ivf: bucketIds name the buckets of one search", skip, () => {
    const index = new vsag.Index("ivf", params());
    index.build(base, ids, N, DIM);
    const q = queries.subarray(0, DIM);
    const sp = { ivf: { scan_buckets_count: 1 } };
    const seen = [];
    for (let b = 0; b < BUCKETS; b++) {
        const r = index.search(q, { k: N, params: sp, bucketIds: [b] });
        for (let i = 1; i < r.distances.length; i++) assert.ok(r.distances[i - 1] <= r.distances[i]);
        seen.push(...r.ids);
    }
    // each label lives in exactly one bucket
    assert.deepEqual(seen.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), Array.from(ids));
    const all = index.search(q, { k: 10, params: sp, bucketIds: BigInt64Array.from([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]) });
    assert.deepEqual(Array.from(all.ids), truth(0, 10));
    assert.equal(index.search(q, { k: 10, params: sp, bucketIds: [] }).ids.length, 0);
    assert.throws(() => index.search(q, { k: 10, params: sp, bucketIds: [BUCKETS] }), /out of range/);
    const range = index.search(q, { radius: 1e9, params: sp, bucketIds: [0, 1] });
    assert.ok(range.ids.length > 0 && range.ids.length < N);
});

test("ivf: shards of the exported model merge back", skip, () => {
    const full = trained();
    full.add(base, ids, N, DIM, { extraInfos: extra, attributes: attrs(0, N, "full") });
    const model = full.exportModel();
    assert.ok(model instanceof vsag.Index);
    assert.equal(model.getNumElements(), 0);
    assert.equal(model.getParameters(), full.getParameters());
    assert.equal(full.getNumElements(), N);

    const half = N / 2;
    const shardA = model.clone();
    const shardB = model.clone();
    const merged = model.clone();
    shardA.add(rows(0, half), ids.subarray(0, half), half, DIM, { extraInfos: extra.subarray(0, 4 * half), attributes: attrs(0, half, "a") });
    const shifted = ids.subarray(half).map((id) => id + OFFSET);
    shardB.add(rows(half, N), shifted, N - half, DIM, { extraInfos: extra.subarray(4 * half), attributes: attrs(half, N, "b") });
    assert.equal(shardB.remove(shifted.subarray(0, 1)), 1);
    // shard b comes back through a Map that leaves its second label out
    const idMap = new Map();
    for (let i = 2; i < N - half; i++) idMap.set(shifted[i], shifted[i] - OFFSET);
    idMap.set(shifted[0], ids[half]); // removed in the source: not merged
    const failed = merged.merge([shardA, { index: shardB, idMap }]);
    assert.ok(failed instanceof BigInt64Array);
    assert.equal(failed.length, 0);
    assert.equal(merged.getNumElements(), N - 2);
    const dropped = new Set([ids[half], ids[half + 1]]);
    for (const d of dropped) assert.equal(merged.checkIdExist(d), false);
    assert.equal(merged.checkIdExist(ids[half + 2]), true);
    assert.equal(merged.checkIdExist(shifted[2]), false);
    assert.equal(shardA.getNumElements(), half);
    assert.equal(shardB.getNumElements(), N - half - 1);

    // extra info and attributes came along
    const look = BigInt64Array.from([ids[5], ids[half + 7]]);
    const ex = merged.getExtraInfoByIds(look);
    assert.deepEqual([rowOf(ex, 0), rowOf(ex, 1)], [5, half + 7]);
    assert.deepEqual(merged.getAttributesByIds(look), [{ shard: "a", row: 5 }, { shard: "b", row: half + 7 }]);
    const r = merged.search(rows(half + 7, half + 8), { k: 1, params: ALL, filterExpr: 'shard = "b"' });
    assert.deepEqual(Array.from(r.ids), [look[1]]);
    assert.equal(rowOf(r.extraInfos), half + 7);

    // the merged index answers as the whole index without the dropped labels
    assert.equal(full.remove(BigInt64Array.from(dropped)), 2);
    const want = full.knnSearchBatch(queries, 10, 10, ALL);
    const got = merged.knnSearchBatch(queries, 10, 10, ALL);
    for (let i = 0; i < want.distances.length; i++) assert.ok(Math.abs(want.distances[i] - got.distances[i]) < 1e-4);
    for (let q = 0; q < 10; q++) assert.deepEqual(h.row(got, q, 10).ids, truth(q, 10, dropped));

    // merging shard a again fails label by label and adds nothing
    const again = merged.merge([{ index: shardA }]);
    assert.deepEqual(Array.from(again).sort((a, b) => (a < b ? -1 : 1)), Array.from(ids.subarray(0, half)));
    assert.equal(merged.getNumElements(), N - 2);
    // the map forms: [from, to] typed arrays or Arrays, an empty Map, null
    const fresh = model.clone();
    const pick = ids.subarray(0, 4);
    assert.equal(fresh.merge([{ index: shardA, idMap: [pick, pick.map((x) => x + 10000n)] }]).length, 0);
    assert.equal(fresh.merge([{ index: shardA, idMap: [Array.from(pick, Number), Array.from(pick, (x) => Number(x) + 20000)] }]).length, 0);
    assert.equal(fresh.merge([{ index: shardA, idMap: new Map() }]).length, 0);
    assert.equal(fresh.getNumElements(), 8);
    assert.equal(fresh.merge([{ index: shardB, idMap: null }]).length, 0);
    assert.equal(fresh.getNumElements(), 8 + shardB.getNumElements());
    assert.equal(fresh.merge([]).length, 0);

    // saved and loaded, the merged index answers the same
    const loaded = vsag.Index.fromBuffer(merged.serialize());
    assert.deepEqual(loaded.knnSearchBatch(queries, 10, 10, ALL).ids, got.ids);
});

test("ivf: merge refusals change nothing", skip, () => {
    const model = trained().exportModel();
    const shard = model.clone();
    shard.add(rows(0, 50), ids.subarray(0, 50), 50, DIM, { extraInfos: extra.subarray(0, 200) });
    const target = model.clone();

    // a model trained on other data
    const far = base.map((x) => x * 7 - 3);
    const other = new vsag.Index("ivf", params(4));
    other.train(far);
    other.add(far.subarray(0, 50 * DIM), h.seqIds(50, 900000), 50, DIM, { extraInfos: extra.subarray(0, 200) });
    assert.throws(() => target.merge([other]), code(E.INVALID_ARGUMENT));
    assert.throws(() => target.merge([shard, other]), code(E.INVALID_ARGUMENT));
    assert.equal(target.getNumElements(), 0);
    // other parameters
    const plain = new vsag.Index("ivf", params());
    plain.build(base, ids, N, DIM);
    assert.throws(() => target.merge([plain]), /extra_info_size/);
    // itself, twice, malformed units and maps
    assert.throws(() => target.merge([target]), code(E.INVALID_ARGUMENT));
    assert.throws(() => target.merge([shard, shard]), /same index/);
    for (const bad of [shard, "ivf", { index: shard }, 3, null, undefined]) {
        assert.throws(() => target.merge(bad), (e) => e instanceof TypeError && e.code === E.INVALID_ARGUMENT);
    }
    for (const bad of [null, {}, { index: 1 }, "x", [shard], { idMap: new Map() }]) {
        assert.throws(() => target.merge([bad]), (e) => e instanceof TypeError && /unit 0/.test(e.message));
    }
    for (const bad of [7, "ab", [ids], new Set([1n]), { from: ids, to: ids }]) {
        assert.throws(() => target.merge([{ index: shard, idMap: bad }]), code(E.INVALID_ARGUMENT));
    }
    assert.throws(() => target.merge([{ index: shard, idMap: [ids.subarray(0, 3), ids.subarray(0, 2)] }]), code(E.INVALID_ARGUMENT));
    assert.throws(() => target.merge([{ index: shard, idMap: [[1.5], [2]] }]), TypeError);
    assert.throws(() => target.merge([{ index: shard, idMap: [[2n ** 70n], [2]] }]), RangeError);
    assert.throws(() => target.merge([{ index: shard, idMap: new Map([[1, "x"]]) }]), TypeError);
    assert.throws(() => target.merge([{ index: shard, idMap: [[1, 1], [5, 6]] }]), /twice/);
    assert.equal(target.getNumElements(), 0);
    // closed source or target
    const gone = model.clone();
    gone.close();
    assert.throws(() => target.merge([gone]), code(E.WRONG_STATUS));
    assert.throws(() => gone.merge([shard]), code(E.WRONG_STATUS));
    assert.throws(() => gone.exportModel(), code(E.WRONG_STATUS));
    assert.throws(() => gone.clone(), code(E.WRONG_STATUS));
    // an immutable target; an untrained one
    const frozen = model.clone();
    frozen.setImmutable();
    assert.throws(() => frozen.merge([shard]), code(E.WRONG_STATUS));
    const untrained = new vsag.Index("ivf", params(4));
    assert.throws(() => untrained.merge([shard]), code(E.WRONG_STATUS));
    assert.equal(target.getNumElements(), 0);
});

for (const name of ["brute_force"]) { // hgraph merges: hgraph_merge.test.js
    test(`${name}: no model to export, no merge, no bucketIds`, h.skipUnless(name), () => {
        const index = new vsag.Index(name, h.params(name, DIM));
        index.build(rows(0, 100), ids.subarray(0, 100), 100, DIM);
        assert.equal(index.checkFeature(vsag.Feature.SUPPORT_EXPORT_MODEL), false);
        assert.equal(index.checkFeature(vsag.Feature.SUPPORT_MERGE_INDEX), false);
        assert.throws(() => index.exportModel(), code(E.UNSUPPORTED_INDEX_OPERATION));
        const copy = index.clone(); // clone works everywhere
        assert.equal(copy.getNumElements(), 100);
        assert.equal(copy.remove(ids.subarray(0, 1)), 1);
        assert.equal(index.getNumElements(), 100);
        assert.throws(() => index.merge([copy]), code(E.UNSUPPORTED_INDEX_OPERATION));
        assert.throws(() => index.merge([]), code(E.UNSUPPORTED_INDEX_OPERATION));
        if (h.available("ivf")) {
            const target = new vsag.Index("ivf", params());
            target.build(base, ids, N, DIM);
            assert.throws(() => target.exportModel().merge([index]), code(E.INVALID_ARGUMENT));
        }
        assert.throws(() => index.search(queries.subarray(0, DIM), { k: 3, bucketIds: [0] }), /bucket_ids are for ivf/);
    });
}

test("ivf: trainAsync and mergeAsync on the thread pool", skip, async () => {
    const full = new vsag.Index("ivf", params());
    await full.trainAsync(base);
    await assert.rejects(full.trainAsync(base.subarray(0, 5)), code(E.INVALID_ARGUMENT));
    const model = full.exportModel();
    const parts = 4;
    const shards = [];
    for (let p = 0; p < parts; p++) {
        const lo = (p * N) / parts;
        const hi = ((p + 1) * N) / parts;
        const s = model.clone();
        await s.addAsync(rows(lo, hi), ids.subarray(lo, hi), hi - lo, DIM);
        shards.push(s);
    }
    const target = model.clone();
    const pending = [];
    for (const s of shards) pending.push(target.mergeAsync([s]));
    const searches = Array.from({ length: 4 }, () => target.knnSearchBatchAsync(queries, 10, 5, ALL));
    const results = await Promise.all(pending);
    await Promise.all(searches);
    for (const f of results) assert.equal(f.length, 0);
    assert.equal(target.getNumElements(), N);
    for (let q = 0; q < 10; q++) {
        assert.deepEqual(Array.from(target.knnSearch(queries.subarray(q * DIM, (q + 1) * DIM), 10, ALL).ids), truth(q, 10));
    }
    // a repeated merge reports every label; a refused one rejects
    const again = await target.mergeAsync(shards.map((index) => ({ index })));
    assert.equal(again.length, N);
    await assert.rejects(target.mergeAsync([target]), code(E.INVALID_ARGUMENT));
    // close() while a merge is pending lets it finish first
    const late = model.clone();
    const p = late.mergeAsync([shards[0]]);
    late.close();
    assert.equal((await p).length, 0);
    assert.equal(late.closed, true);
});
