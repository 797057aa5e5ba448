"use strict";
// Reliability: VSAG's feature numbers, many queries per distance call, labels and filters taken
// exactly (plain Arrays included), hostile sizes (in a child process, so that a fatal error is a
// failure and not the end of the run), the bad-input matrix and create/destroy cycles.

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("path");
const { spawnSync } = require("child_process");
const v8 = require("v8");
const vm = require("vm");
const h = require("./helpers");
const { vsag } = h;
const E = vsag.ErrorCode;

function code(c) {
    return (err) => {
        assert.ok(err instanceof vsag.VsagError, `not a VsagError: ${err}`);
        assert.equal(err.code, c, `code ${err.code} (${err.codeName}): ${err.message}`);
        return true;
    };
}

/* argument checks a label or filter error: a TypeError or RangeError carrying code 3. */
function argument(cls) {
    return (err) => {
        assert.ok(err instanceof cls, `not a ${cls.name}: ${err}`);
        assert.equal(err.code, E.INVALID_ARGUMENT);
        assert.equal(err.codeName, "INVALID_ARGUMENT");
        return true;
    };
}

// VSAG's IndexFeature enum, every value written out (not read from any header).
const FEATURE_NUMBERS = {
    NEED_TRAIN: 1,
    SUPPORT_BUILD: 2,
    SUPPORT_ADD_AFTER_BUILD: 3,
    SUPPORT_ADD_FROM_EMPTY: 4,
    SUPPORT_KNN_SEARCH: 5,
    SUPPORT_KNN_SEARCH_WITH_ID_FILTER: 6,
    SUPPORT_RANGE_SEARCH: 7,
    SUPPORT_RANGE_SEARCH_WITH_ID_FILTER: 8,
    SUPPORT_KNN_ITERATOR_FILTER_SEARCH: 9,
    SUPPORT_DELETE_BY_ID: 10,
    SUPPORT_BATCH_SEARCH: 11,
    SUPPORT_METRIC_TYPE_L2: 12,
    SUPPORT_METRIC_TYPE_INNER_PRODUCT: 13,
    SUPPORT_METRIC_TYPE_COSINE: 14,
    SUPPORT_SERIALIZE_FILE: 15,
    SUPPORT_SERIALIZE_BINARY_SET: 16,
    SUPPORT_SERIALIZE_WRITE_FUNC: 17,
    SUPPORT_DESERIALIZE_FILE: 18,
    SUPPORT_DESERIALIZE_BINARY_SET: 19,
    SUPPORT_DESERIALIZE_READER_SET: 20,
    SUPPORT_RESET: 21,
    SUPPORT_FEEDBACK: 22,
    SUPPORT_CAL_DISTANCE_BY_ID: 23,
    SUPPORT_TRAIN_WITH_MULTI_THREAD: 24,
    SUPPORT_BUILD_WITH_MULTI_THREAD: 25,
    SUPPORT_BATCH_ADD_WITH_MULTI_THREAD: 26,
    SUPPORT_SEARCH_ONE_WITH_MULTI_THREAD: 27,
    SUPPORT_BATCH_SEARCH_WITH_MULTI_THREAD: 28,
    SUPPORT_ADD_CONCURRENT: 29,
    SUPPORT_UPDATE_ID_CONCURRENT: 30,
    SUPPORT_UPDATE_VECTOR_CONCURRENT: 31,
    SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT: 32,
    SUPPORT_SEARCH_CONCURRENT: 33,
    SUPPORT_DELETE_CONCURRENT: 34,
    SUPPORT_ADD_SEARCH_CONCURRENT: 35,
    SUPPORT_ADD_DELETE_CONCURRENT: 36,
    SUPPORT_SEARCH_DELETE_CONCURRENT: 37,
    SUPPORT_ADD_SEARCH_DELETE_CONCURRENT: 38,
    SUPPORT_ESTIMATE_MEMORY: 39,
    SUPPORT_GET_MEMORY_USAGE: 40,
    SUPPORT_CHECK_ID_EXIST: 41,
    SUPPORT_MERGE_INDEX: 42,
    SUPPORT_GET_EXTRA_INFO_BY_ID: 43,
    SUPPORT_GET_RAW_VECTOR_BY_IDS: 44,
    SUPPORT_GET_DATA_BY_IDS: 45,
    SUPPORT_EXPORT_IDS: 46,
    SUPPORT_KNN_SEARCH_WITH_EX_FILTER: 47,
    SUPPORT_CLONE: 48,
    SUPPORT_EXPORT_MODEL: 49,
    SUPPORT_TUNE: 50,
    SUPPORT_BATCH_CALC_DISTANCE_BY_ID: 51,
    SUPPORT_CONTINUE_SEARCH_SESSION: 52,
    SUPPORT_GET_STATS: 53,
    SUPPORT_ANALYZE_INDEX_BY_SEARCH: 54,
};

function built(name, n = 200, dim = 16, seed = 3) {
    const index = new vsag.Index(name, h.params(name, dim));
    const base = h.randomVectors(n, dim, seed);
    index.build(base, h.seqIds(n), n, dim);
    return { index, base };
}

test("feature numbers are VSAG's, every one", () => {
    const names = Object.keys(FEATURE_NUMBERS);
    assert.equal(names.length, 54);
    assert.deepEqual(Object.values(FEATURE_NUMBERS), Array.from({ length: 54 }, (_, i) => i + 1));
    for (const name of names) {
        assert.equal(vsag.Feature[name], FEATURE_NUMBERS[name], name);
        assert.equal(vsag.Feature[FEATURE_NUMBERS[name]], name);
    }
    const declared = Object.keys(vsag.Feature).filter((k) => Number.isNaN(Number(k)));
    assert.deepEqual(declared.sort(), names.slice().sort());
});

for (const name of ["brute_force", "hgraph"]) {
    test(`${name}: the library answers features by the same numbers`, h.skipUnless(name), () => {
        const { index } = built(name, 50, 8);
        assert.equal(index.checkFeature(1), false);
        for (const f of [2, 5, 12, 23, 33, 51]) assert.equal(index.checkFeature(f), true, `feature ${f}`);
        for (const f of [0, 55, 1000]) assert.equal(index.checkFeature(f), false);
        index.close();
    });

    test(`${name}: calcDistancesByIdBatch computes many queries in one call`, h.skipUnless(name), () => {
        const dim = 16;
        const { index, base } = built(name, 200, dim);
        const nq = 5;
        const m = 4;
        const queries = h.randomVectors(nq, dim, 9);
        const ids = new BigInt64Array(nq * m);
        for (let i = 0; i < ids.length; i++) ids[i] = BigInt((i * 37) % 200);
        ids[3] = 99999n;
        ids[nq * m - 1] = -4n;
        const got = index.calcDistancesByIdBatch(queries, nq, ids);
        assert.equal(got.length, nq * m);
        for (let i = 0; i < nq; i++) {
            const one = index.calcDistancesById(queries.subarray(i * dim, (i + 1) * dim), ids.subarray(i * m, (i + 1) * m));
            assert.deepEqual(Array.from(got.subarray(i * m, (i + 1) * m)), Array.from(one), `query ${i}`);
        }
        assert.equal(got[3], -1);
        assert.equal(got[nq * m - 1], -1);
        const exact = h.l2(base, Number(ids[0]), queries, 0, dim);
        assert.ok(Math.abs(got[0] - exact) < 1e-3 * (1 + exact));
        assert.equal(index.calcDistancesByIdBatch(new Float32Array(0), 0, new BigInt64Array(0)).length, 0);
        assert.equal(index.calcDistancesByIdBatch(queries, nq, new BigInt64Array(0)).length, 0);
        assert.throws(() => index.calcDistancesByIdBatch(queries, nq, ids.subarray(1)), code(E.INVALID_ARGUMENT));
        assert.throws(() => index.calcDistancesByIdBatch(queries.subarray(0, nq * (dim - 1)), nq, ids), code(E.DIMENSION_NOT_EQUAL));
        assert.throws(() => index.calcDistancesByIdBatch(queries, nq, [1, 2]), code(E.INVALID_ARGUMENT));
        const bad = new Float32Array(queries);
        bad[dim + 2] = NaN;
        assert.throws(() => index.calcDistancesByIdBatch(bad, nq, ids), code(E.INVALID_ARGUMENT));
        index.close();
        assert.throws(() => index.calcDistancesByIdBatch(queries, nq, ids), code(E.WRONG_STATUS));
    });

    test(`${name}: a plain Array filter excludes its labels`, h.skipUnless(name), async () => {
        const dim = 16;
        const { index, base } = built(name, 200, dim);
        const q = base.subarray(0, dim); // label 0 is its own nearest
        const sp = h.SEARCH[name];
        const plain = index.knnSearch(q, 5, sp);
        assert.equal(plain.ids[0], 0n);
        const excluded = [0, 1, Number(plain.ids[1])];
        for (const filter of [excluded, excluded.map(BigInt), [0n, 1, plain.ids[1]], { excludeIds: excluded }]) {
            for (const res of [
                index.knnSearch(q, 5, sp, filter),
                await index.knnSearchAsync(q, 5, sp, filter),
                h.row2(index.knnSearchBatch(q, 1, 5, sp, filter), 0, 5),
                h.row2(await index.knnSearchBatchAsync(q, 1, 5, sp, filter), 0, 5),
                index.rangeSearch(q, 1e9, sp, 5, filter),
            ]) {
                assert.equal(res.ids.length, 5);
                for (const id of res.ids) assert.ok(!excluded.includes(Number(id)), `label ${id} returned`);
                assert.equal(res.ids[0], plain.ids[2]);
            }
        }
        assert.equal(index.knnSearch(q, 5, sp, []).ids[0], 0n, "an empty list excludes nothing");
        // labels that are not exact are refused, never rounded or ignored
        for (const [filter, cls] of [
            [[0.5], TypeError],
            [[NaN], TypeError],
            [[Infinity], TypeError],
            [["0"], TypeError],
            [[true], TypeError],
            [[null], TypeError],
            [[[0]], TypeError],
            [[{}], TypeError],
            [[2 ** 53], RangeError],
            [[-(2 ** 60)], RangeError],
            [[2n ** 63n], RangeError],
            [{ excludeIds: [1.25] }, TypeError],
            [{ excludeIds: [2 ** 70] }, RangeError],
            [{ excludeIds: new Float64Array([1]) }, TypeError],
            [new Float64Array([0, 1]), TypeError],
            [new Int32Array([0, 1]), TypeError],
            ["0,1", TypeError],
            [7, TypeError],
        ]) {
            assert.throws(() => index.knnSearch(q, 5, sp, filter), argument(cls), JSON.stringify(String(filter)));
            assert.throws(() => index.knnSearchBatch(q, 1, 5, sp, filter), argument(cls));
            await assert.rejects(index.knnSearchAsync(q, 5, sp, filter), argument(cls));
        }
        // labels outside the filter are untouched: safe integers and int64 bigints work
        assert.equal(index.knnSearch(q, 1, sp, [2 ** 53 - 1, -(2 ** 53 - 1), 2n ** 63n - 1n]).ids[0], 0n);
        index.close();
    });
}

test("labels given as numbers are taken exactly or refused", () => {
    const { index } = built("brute_force", 20, 8);
    assert.equal(index.checkIdExist(3), true);
    assert.equal(index.checkIdExist(3n), true);
    assert.equal(index.checkIdExist(-0), true);
    for (const [label, cls] of [
        [3.5, TypeError],
        [NaN, TypeError],
        [Infinity, TypeError],
        ["3", TypeError],
        [true, TypeError],
        [undefined, TypeError],
        [2 ** 53, RangeError],
        [-(2 ** 53), RangeError],
        [2n ** 63n, RangeError],
        [-(2n ** 63n) - 1n, RangeError],
    ]) {
        assert.throws(() => index.checkIdExist(label), argument(cls), String(label));
    }
    assert.equal(index.checkIdExist(2 ** 53 - 1), false);
    // createBitmask: the same rules
    assert.deepEqual(Array.from(vsag.createBitmask([0, 9n])), [1, 2]);
    assert.throws(() => vsag.createBitmask([1.5]), argument(TypeError));
    assert.throws(() => vsag.createBitmask(["1"]), argument(TypeError));
    assert.throws(() => vsag.createBitmask([-1]), argument(RangeError));
    assert.throws(() => vsag.createBitmask([2 ** 53]), argument(RangeError));
    assert.throws(() => vsag.createBitmask([2n ** 60n]), argument(RangeError));
    assert.throws(() => vsag.createBitmask([2 ** 40]), argument(RangeError));
    // label arrays elsewhere are BigInt64Array: other arrays are refused, not converted
    assert.throws(() => index.remove([1, 2]), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.remove(new BigUint64Array([2n ** 63n])), code(E.INVALID_ARGUMENT));
    assert.throws(() => index.build(h.randomVectors(2, 8), new Float64Array([1.5, 2]), 2, 8), code(E.INVALID_ARGUMENT));
    assert.equal(index.getNumElements(), 20);
    index.close();
});

// ---- hostile sizes, in a child process ------------------------------------------------------

const HOSTILE = `
const vsag = require(${JSON.stringify(path.join(__dirname, ".."))});
const h = require(${JSON.stringify(path.join(__dirname, "helpers.js"))});
const assert = require("node:assert/strict");
const fs = require("fs");
const rss = () => Number(fs.readFileSync("/proc/self/statm", "utf8").split(" ")[1]) * 4096 / 2 ** 20;
(async () => {
    const dim = 16;
    const before = rss();
    for (const name of ["brute_force", "hgraph"]) {
        const index = new vsag.Index(name, h.params(name, dim));
        const base = h.randomVectors(200, dim, 5);
        index.build(base, h.seqIds(200), 200, dim);
        const q = base.slice(0, 3 * dim);
        const sp = h.SEARCH[name];
        for (const k of [2 ** 43, Number.MAX_SAFE_INTEGER, 5e7, 1e300, 2n ** 70n, 2n ** 43n]) {
            for (let rep = 0; rep < 6; rep++) {
                const r = index.knnSearch(q.subarray(0, dim), k, sp);
                assert.equal(r.ids.length, 200);
                assert.equal(r.ids[0], 0n);
            }
            const a = await index.knnSearchAsync(q.subarray(dim, 2 * dim), k, sp);
            assert.equal(a.ids.length, 200);
            assert.equal(a.ids[0], 1n);
            for (const b of [index.knnSearchBatch(q, 3, k, sp), await index.knnSearchBatchAsync(q, 3, k, sp)]) {
                assert.equal(b.k, vsag.PAD_LIMIT);
                assert.equal(b.ids.length, 3 * vsag.PAD_LIMIT);
                for (let i = 0; i < 3; i++) {
                    assert.equal(b.ids[i * b.k], BigInt(i));
                    assert.equal(b.ids[i * b.k + 199] >= 0n, true);
                    assert.equal(b.ids[i * b.k + 200], -1n);
                    assert.equal(b.distances[i * b.k + 200], Infinity);
                }
            }
            const e = index.knnSearch(q.subarray(0, dim), k, sp, undefined, { filterExpr: "a = 1" });
            assert.equal(e.ids.length, 0);
        }
        assert.equal(index.knnSearchBatch(q, 3, 7, sp).k, 7);
        assert.equal(index.rangeSearch(q.subarray(0, dim), 1e30, sp, 2 ** 62).ids.length, 200);
        index.close();
    }
    const grew = rss() - before;
    assert.ok(grew < 200, "RSS grew " + grew.toFixed(0) + " MiB");

    // a capacity hint of 2^30 vectors of dim 1024: cheap, or refused with the right code
    const before2 = rss();
    const p = { dtype: "float32", metric_type: "l2", dim: 1024,
                index_param: { base_quantization_type: "fp32", hgraph_init_capacity: 2 ** 30 } };
    let big = null;
    try {
        big = new vsag.Index("hgraph", p);
    } catch (err) {
        assert.ok(err instanceof vsag.VsagError);
        assert.ok([vsag.ErrorCode.NO_ENOUGH_MEMORY, vsag.ErrorCode.INVALID_ARGUMENT].includes(err.code), err.message);
        console.log("capacity refused: " + err.codeName);
    }
    if (big) {
        const v = h.randomVectors(4, 1024, 1);
        try {
            big.add(v, h.seqIds(4, 1), 4, 1024);
            assert.equal(big.knnSearch(v.subarray(0, 1024), 2, { hgraph: { ef_search: 10 } }).ids[0], 1n);
        } catch (err) {
            assert.equal(err.code, vsag.ErrorCode.NO_ENOUGH_MEMORY, err.message);
        }
        big.close();
    }
    const grew2 = rss() - before2;
    assert.ok(grew2 < 512, "RSS grew " + grew2.toFixed(0) + " MiB");
    p.index_param.hgraph_init_capacity = 2 ** 32;
    assert.throws(() => new vsag.Index("hgraph", p), (err) => err.code === vsag.ErrorCode.INVALID_ARGUMENT);
    console.log("ok");
})().catch((err) => {
    console.error(err);
    process.exit(1);
});
`;

test("hostile sizes: k up to 2^70 and a 2^30 capacity hint, process alive, memory bounded", h.skipUnless("hgraph"), () => {
    const r = spawnSync(process.execPath, ["-e", HOSTILE], { encoding: "utf8", timeout: 300000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(-4000));
    assert.match(r.stdout, /ok\s*$/);
});

// ---- the bad-input matrix --------------------------------------------------------------------

for (const name of ["brute_force", "hgraph"]) {
    test(`${name}: NaN, infinities and wrong dimensions are refused everywhere`, h.skipUnless(name), async () => {
        const dim = 8;
        const { index, base } = built(name, 40, dim);
        const empty = new vsag.Index(name, h.params(name, dim));
        const sp = h.SEARCH[name];
        for (const value of [NaN, Infinity, -Infinity]) {
            const bad = base.slice(0, 3 * dim);
            bad[dim + 4] = value;
            const q = bad.subarray(dim, 2 * dim);
            const ids = h.seqIds(3, 1000);
            for (const call of [
                () => empty.build(bad, ids, 3, dim),
                () => index.add(bad, ids, 3, dim),
                () => index.knnSearch(q, 3, sp),
                () => index.knnSearchBatch(bad, 3, 3, sp),
                () => index.knnSearch(q, 3, sp, undefined, { filterExpr: "a = 1" }),
                () => index.rangeSearch(q, 1, sp),
                () => index.calcDistancesById(q, h.seqIds(2)),
                () => index.calcDistancesByIdBatch(bad, 3, h.seqIds(3)),
                () => empty.trainWithQueries(bad, 3, null, 0, dim),
            ]) {
                assert.throws(call, code(E.INVALID_ARGUMENT));
            }
            for (const call of [
                () => empty.buildAsync(bad, ids, 3, dim),
                () => index.addAsync(bad, ids, 3, dim),
                () => index.knnSearchAsync(q, 3, sp),
                () => index.knnSearchBatchAsync(bad, 3, 3, sp),
            ]) {
                await assert.rejects(call(), code(E.INVALID_ARGUMENT));
            }
            if (value !== Infinity) assert.throws(() => index.rangeSearch(base.subarray(0, dim), value, sp), code(E.INVALID_ARGUMENT));
        }
        for (const d of [dim - 1, dim + 1]) {
            const v = base.slice(0, 3 * d);
            assert.throws(() => index.add(v, h.seqIds(3, 1000), 3, d), code(E.DIMENSION_NOT_EQUAL));
            assert.throws(() => index.knnSearch(v.subarray(0, d), 3, sp), code(E.DIMENSION_NOT_EQUAL));
            assert.throws(() => index.rangeSearch(v.subarray(0, d), 1, sp), code(E.DIMENSION_NOT_EQUAL));
            assert.throws(() => index.calcDistancesById(v.subarray(0, d), h.seqIds(2)), code(E.DIMENSION_NOT_EQUAL));
            await assert.rejects(index.knnSearchAsync(v.subarray(0, d), 3, sp), code(E.DIMENSION_NOT_EQUAL));
        }
        assert.equal(index.getNumElements(), 40);
        assert.equal(empty.getNumElements(), 0);
        // k that is not a positive integer
        for (const k of [0, -1, 1.5, NaN, Infinity, "3", null, 0n, -5n]) {
            assert.throws(() => index.knnSearch(base.subarray(0, dim), k, sp), code(E.INVALID_ARGUMENT), String(k));
            assert.throws(() => index.knnSearchBatch(base.subarray(0, dim), 1, k, sp), code(E.INVALID_ARGUMENT));
        }
        index.close();
        empty.close();
    });
}

test("bad and wrongly typed JSON is refused with INVALID_ARGUMENT", () => {
    const bad = [
        "", "{", "null", "[]", "42",
        { dtype: "float32", metric_type: "l2", dim: "8" },
        { dtype: "float32", metric_type: "l2", dim: 8.5 },
        { dtype: "float32", metric_type: "l2", dim: -8 },
        { dtype: "float32", metric_type: "l2", dim: null },
        { dtype: "float32", metric_type: "l2", dim: true },
        { dtype: "float32", metric_type: 2, dim: 8 },
        { dtype: ["float32"], metric_type: "l2", dim: 8 },
        { dtype: "float32", metric_type: "l2", dim: 8, index_param: [] },
        { dtype: "float32", metric_type: "l2", dim: 8, extra_info_size: "2" },
        { dtype: "float32", metric_type: "l2", dim: 8, index_param: { max_degree: "16" } },
        { dtype: "float32", metric_type: "l2", dim: 8, index_param: { max_degree: 16.5 } },
        { dtype: "float32", metric_type: "l2", dim: 8, index_param: { base_quantization_type: 1 } },
    ];
    for (const name of ["brute_force", "hgraph"]) {
        if (!h.available(name)) continue;
        for (const p of bad) assert.throws(() => new vsag.Index(name, p), code(E.INVALID_ARGUMENT), JSON.stringify(p));
        const { index, base } = built(name, 30, 8);
        const q = base.subarray(0, 8);
        for (const sp of [
            "{", "[]", "null", "1", { [name]: [] }, { [name]: 3 }, { [name]: { ef_search: "50" } },
            { [name]: { ef_search: 0 } }, { [name]: { ef_search: 1.5 } }, { [name]: { ef_search: 50, nope: 1 } },
            { parallelism: "2", [name]: { ef_search: 5 } },
        ]) {
            assert.throws(() => index.knnSearch(q, 3, sp), code(E.INVALID_ARGUMENT), JSON.stringify(sp));
            assert.throws(() => index.knnSearchBatch(q, 1, 3, sp), code(E.INVALID_ARGUMENT));
            assert.throws(() => index.rangeSearch(q, 1, sp), code(E.INVALID_ARGUMENT));
        }
        assert.throws(() => index.knnSearch(q, 3, h.SEARCH[name], undefined, { filterExpr: "a = = 1" }), code(E.INVALID_ARGUMENT));
        assert.throws(() => index.add(base.subarray(0, 8), h.seqIds(1, 500), 1, 8, { attributes: [{ a: { b: 1 } }] }), code(E.INVALID_ARGUMENT));
        index.close();
    }
});

test("create/destroy cycles keep resident memory flat", () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    const rss = () => process.memoryUsage().rss / 2 ** 20;
    const dim = 8;
    const base = h.randomVectors(16, dim, 4);
    const q = base.subarray(0, 2 * dim);
    const cycle = (i) => {
        const index = new vsag.Index("brute_force", h.params("brute_force", dim));
        index.add(base, h.seqIds(16, i), 16, dim);
        const r = index.knnSearchBatch(q, 2, 3);
        assert.equal(r.ids[0], BigInt(i));
        index.calcDistancesByIdBatch(q, 2, h.seqIds(2, i));
        index.knnSearch(q.subarray(0, dim), 2, undefined, [i]);
        if (i % 10 === 0) vsag.Index.fromBuffer(index.serialize()).close();
        index.close();
    };
    for (let i = 0; i < 300; i++) cycle(i);
    gc();
    const before = rss();
    for (let i = 0; i < 2000; i++) cycle(i);
    gc();
    const after = rss();
    assert.ok(after - before < 64, `RSS ${before.toFixed(1)} -> ${after.toFixed(1)} MiB over 2000 cycles`);
});
