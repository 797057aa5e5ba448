"use strict";
// Errors carry VSAG's codes; closed indexes refuse work; forgotten handles are finalized.

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const v8 = require("v8");
const vm = require("vm");
const h = require("./helpers");
const { vsag } = h;
const E = vsag.ErrorCode;

function code(c) {
    return (err) => {
        assert.ok(err instanceof vsag.VsagError, `not a VsagError: ${err}`);
        assert.ok(err instanceof Error);
        assert.equal(err.name, "VsagError");
        assert.equal(err.code, c, `code ${err.code} (${err.codeName}): ${err.message}`);
        assert.equal(err.codeName, E[c]);
        assert.ok(err.message.length > 0);
        return true;
    };
}

/* argument checks a label or filter error: a TypeError or RangeError carrying code 3. */
function argument(cls) {
    return (err) => {
        assert.ok(err instanceof cls, `not a ${cls.name}: ${err}`);
        assert.equal(err.code, E.INVALID_ARGUMENT);
        assert.equal(err.codeName, "INVALID_ARGUMENT");
        assert.ok(err.message.length > 0);
        return true;
    };
}

test("creation errors", () => {
    assert.throws(() => new vsag.Index("no_such_index", h.params("brute_force", 4)), code(E.UNSUPPORTED_INDEX));
    assert.throws(() => new vsag.Index("brute_force", "{not json"), code(E.INVALID_ARGUMENT));
    assert.throws(
        () => new vsag.Index("brute_force", { dtype: "float32", metric_type: "l2", dim: 4, index_param: {}, bogus_key: 1 }),
        (e) => code(E.INVALID_ARGUMENT)(e) && /bogus_key/.test(e.message),
    );
    assert.throws(() => new vsag.Index("brute_force", { dtype: "float32", metric_type: "l2", dim: 0, index_param: {} }), code(E.INVALID_ARGUMENT));
    assert.throws(() => new vsag.Index(42, "{}"), code(E.INVALID_ARGUMENT));
});

test("argument and data errors", () => {
    const dim = 4;
    const index = new vsag.Index("brute_force", h.params("brute_force", dim));
    const vecs = h.randomVectors(10, dim);
    const ids = h.seqIds(10);
    // wrong array types
    assert.throws(() => index.build(Array.from(vecs), ids, 10, dim), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.build(new Float64Array(vecs), ids, 10, dim), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.build(vecs, [0, 1, 2], 10, dim), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.build(vecs, ids, -1, dim), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.build(vecs, ids, 1.5, dim), code(E.INVALID_ARGUMENT));
    // sizes that do not add up
    assert.throws(() => index.build(vecs, ids, 11, dim), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.build(vecs, ids.subarray(0, 5), 10, dim), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.build(vecs, ids, 5, 8), code(E.DIMENSION_NOT_EQUAL));
    // NaN data
    const bad = new Float32Array(vecs);
    bad[3] = NaN;
    assert.throws(() => index.build(bad, ids, 10, dim), code(E.INVALID_ARGUMENT));
    assert.equal(index.build(vecs, ids, 10, dim).length, 0);
    // search arguments
    const q = vecs.subarray(0, dim);
    assert.throws(() => index.knnSearch(q, 0), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.knnSearch(q, -3), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.knnSearch(q, 2.5), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.knnSearch(new Float32Array(3), 1), code(E.DIMENSION_NOT_EQUAL));
    assert.throws(() => index.knnSearch(q, 1, "{bad json"), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.knnSearch(q, 1, { brute_force: { no_such_key: 1 } }), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.rangeSearch(q, 1, "", 0), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.rangeSearch(q, NaN), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.calcDistancesById(new Float32Array(5), ids), code(E.DIMENSION_NOT_EQUAL));
    // labels that are not exact: TypeError / RangeError, with VSAG's code
    assert.throws(() => index.checkIdExist(1.5), argument(TypeError));
    assert.throws(() => index.checkIdExist(2n ** 70n), argument(RangeError));
    index.close();
});

test("file errors", () => {
    const index = new vsag.Index("brute_force", h.params("brute_force", 4));
    assert.throws(() => index.load(h.tmpPath("missing.index")), code(E.MISSING_FILE));
    assert.throws(() => vsag.Index.loadFile(h.tmpPath("missing.index")), code(E.MISSING_FILE));
    const junk = h.tmpPath("junk.index");
    fs.writeFileSync(junk, Buffer.from("this is not an index file, not at all".repeat(10)));
    assert.throws(() => vsag.Index.loadFile(junk), code(E.INVALID_BINARY));
    // A truncated real file.
    index.build(h.randomVectors(20, 4), h.seqIds(20), 20, 4);
    const good = h.tmpPath("good.index");
    index.save(good);
    const cut = h.tmpPath("cut.index");
    const bytes = fs.readFileSync(good);
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 7));
    assert.throws(() => vsag.Index.loadFile(cut), (e) => e instanceof vsag.VsagError && [E.INVALID_BINARY, E.READ_ERROR].includes(e.code));
    // Loading into a non-empty index, or one with other parameters.
    assert.throws(() => index.load(good), (e) => e instanceof vsag.VsagError && e.code > 0);
    const other = new vsag.Index("brute_force", h.params("brute_force", 8));
    assert.throws(() => other.load(good), code(E.INVALID_ARGUMENT));
    other.close();
    assert.throws(() => index.save("/nonexistent-dir/x/y.index"), (e) => e instanceof vsag.VsagError && e.code > 0);
    assert.throws(() => vsag.Index.fromBuffer(bytes.subarray(0, 100)), (e) => e instanceof vsag.VsagError && [E.INVALID_BINARY, E.READ_ERROR].includes(e.code));
    assert.throws(() => vsag.Index.fromBuffer("not bytes"), code(E.INVALID_ARGUMENT));
    index.close();
});

test("every method throws WRONG_STATUS after close()", async () => {
    const index = new vsag.Index("brute_force", h.params("brute_force", 4));
    index.build(h.randomVectors(5, 4), h.seqIds(5), 5, 4);
    assert.equal(index.closed, false);
    index.close();
    assert.equal(index.closed, true);
    index.close(); // twice is harmless
    const q = new Float32Array(4);
    const ids = h.seqIds(1);
    const calls = {
        build: () => index.build(q, ids, 1, 4),
        add: () => index.add(q, ids, 1, 4),
        remove: () => index.remove(ids),
        knnSearch: () => index.knnSearch(q, 1),
        knnSearchBatch: () => index.knnSearchBatch(q, 1, 1),
        rangeSearch: () => index.rangeSearch(q, 1),
        save: () => index.save(h.tmpPath("closed.index")),
        load: () => index.load(h.tmpPath("closed.index")),
        getNumElements: () => index.getNumElements(),
        getMemoryUsage: () => index.getMemoryUsage(),
        checkIdExist: () => index.checkIdExist(1),
        getMinMaxId: () => index.getMinMaxId(),
        calcDistancesById: () => index.calcDistancesById(q, ids),
        calDistanceById: () => index.calDistanceById(q, ids),
        checkFeature: () => index.checkFeature(vsag.Feature.SUPPORT_BUILD),
        estimateMemory: () => index.estimateMemory(10),
        exportIds: () => index.exportIds(),
        getName: () => index.getName(),
        serialize: () => index.serialize(),
        deserialize: () => index.deserialize(new Uint8Array(8)),
        train: () => index.train(q, 1, 4),
        clone: () => index.clone(),
        exportModel: () => index.exportModel(),
        merge: () => index.merge([]),
    };
    for (const [name, call] of Object.entries(calls)) assert.throws(call, code(E.WRONG_STATUS), name);
    await assert.rejects(index.buildAsync(q, ids, 1, 4), code(E.WRONG_STATUS));
    await assert.rejects(index.knnSearchBatchAsync(q, 1, 1), code(E.WRONG_STATUS));
    await assert.rejects(index.saveAsync(h.tmpPath("closed.index")), code(E.WRONG_STATUS));
    await assert.rejects(index.trainAsync(q, 1, 4), code(E.WRONG_STATUS));
    await assert.rejects(index.mergeAsync([]), code(E.WRONG_STATUS));
});

test("the finalizer releases indexes that were never closed", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    const before = vsag._native.liveHandles();
    (() => {
        for (let i = 0; i < 20; i++) {
            const index = new vsag.Index("brute_force", h.params("brute_force", 4));
            index.build(h.randomVectors(10, 4, i), h.seqIds(10), 10, 4);
        }
    })();
    assert.equal(vsag._native.liveHandles(), before + 20);
    for (let i = 0; i < 20 && vsag._native.liveHandles() > before; i++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(vsag._native.liveHandles(), before);
});
