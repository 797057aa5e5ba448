"use strict";
// The upstream npm API end to end, for every index type the library offers.

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const h = require("./helpers");
const { vsag } = h;

const N = 2000;
const DIM = 16;
const K = 10;

for (const name of ["brute_force", "hgraph"]) {
    test(`${name}: upstream API end to end`, h.skipUnless(name), () => {
        const params = h.params(name, DIM);
        const search = h.SEARCH[name];
        const base = h.randomVectors(N, DIM, 7);
        const ids = h.seqIds(N, 1000);
        const index = new vsag.Index(name, params);
        try {
            assert.equal(index.getNumElements(), 0);
            assert.deepEqual(index.getMinMaxId(), { minId: -1, maxId: -1 });

            const failed = index.build(base, ids, N, DIM);
            assert.ok(failed instanceof BigInt64Array);
            assert.equal(failed.length, 0);
            assert.equal(index.getNumElements(), N);
            assert.deepEqual(index.getMinMaxId(), { minId: 1000, maxId: 1000 + N - 1 });
            assert.ok(index.getMemoryUsage() > N * DIM * 4, "memory usage covers the vectors");

            // Each base vector finds itself first; results ascend; recall against exact search.
            const queries = h.randomVectors(50, DIM, 8);
            let hits = 0;
            for (let qi = 0; qi < 50; qi++) {
                const q = queries.subarray(qi * DIM, (qi + 1) * DIM);
                const res = index.knnSearch(q, K, search);
                assert.ok(res.ids instanceof BigInt64Array);
                assert.ok(res.distances instanceof Float32Array);
                assert.equal(res.ids.length, K);
                for (let j = 1; j < K; j++) assert.ok(res.distances[j - 1] <= res.distances[j]);
                const truth = h.exactKnn(base, ids, DIM, queries, qi, K);
                hits += h.recall(Array.from(res.ids), truth) * K;
                assert.ok(Math.abs(res.distances[0] - truth[0][0]) <= 1e-4 * (1 + truth[0][0]) || name !== "brute_force");
            }
            const r = hits / (50 * K);
            if (name === "brute_force") assert.equal(r, 1);
            else assert.ok(r >= 0.9, `recall@${K} ${r}`);
            const self = index.knnSearch(base.subarray(5 * DIM, 6 * DIM), 1, search);
            assert.equal(self.ids[0], 1005n);
            assert.ok(self.distances[0] < 1e-5);

            // rangeSearch: everything within the radius, ascending; limitedSize caps the count.
            const q0 = queries.subarray(0, DIM);
            const radius = h.exactKnn(base, ids, DIM, queries, 0, 20)[19][0];
            const range = index.rangeSearch(q0, radius, search);
            assert.ok(range.ids.length > 0);
            for (let j = 0; j < range.ids.length; j++) assert.ok(range.distances[j] <= radius * (1 + 1e-5));
            for (let j = 1; j < range.ids.length; j++) assert.ok(range.distances[j - 1] <= range.distances[j]);
            if (name === "brute_force") assert.equal(range.ids.length, 20);
            const capped = index.rangeSearch(q0, radius, search, 3);
            assert.equal(capped.ids.length, 3);

            // k larger than the index returns what exists (checked on a small index below).
            // add: new labels are found, a duplicate label is reported back.
            const more = h.randomVectors(100, DIM, 9);
            const moreIds = h.seqIds(100, 5000);
            moreIds[99] = 1000n; // already present
            const addFailed = index.add(more, moreIds, 100, DIM);
            assert.deepEqual(Array.from(addFailed), [1000n]);
            assert.equal(index.getNumElements(), N + 99);
            assert.equal(index.knnSearch(more.subarray(0, DIM), 1, search).ids[0], 5000n);

            // remove
            assert.equal(index.remove(new BigInt64Array([5000n, 5001n, 424242n])), 2);
            assert.equal(index.getNumElements(), N + 97);
            assert.equal(index.checkIdExist(5000), false);
            assert.equal(index.checkIdExist(5002n), true);
            assert.equal(index.checkIdExist(1), false);
            const afterRemove = index.knnSearch(more.subarray(0, DIM), 5, search);
            assert.ok(!Array.from(afterRemove.ids).includes(5000n));

            // calcDistancesById and its alias
            const q = queries.subarray(0, DIM);
            const want = [1000, 1500, 2999].map((l) => h.l2(base, l - 1000, queries, 0, DIM));
            const got = index.calcDistancesById(q, new BigInt64Array([1000n, 1500n, 2999n, 77n]));
            assert.ok(got instanceof Float32Array);
            for (let i = 0; i < 3; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * (1 + want[i]), `${got[i]} vs ${want[i]}`);
            assert.equal(got[3], -1);
            assert.deepEqual(index.calDistanceById(q, new BigInt64Array([1500n])), got.subarray(1, 2));

            // save / load into an index created with the same parameters, and loadFile
            const file = h.tmpPath(`${name}.index`);
            index.save(file);
            assert.ok(fs.statSync(file).size > 0);
            const loaded = new vsag.Index(name, params);
            loaded.load(file);
            assert.equal(loaded.getNumElements(), index.getNumElements());
            const byMeta = vsag.Index.loadFile(file);
            assert.equal(byMeta.getName(), name);
            assert.equal(byMeta.getDim(), DIM);
            assert.deepEqual(JSON.parse(byMeta.getParameters()), JSON.parse(params));
            for (let qi = 0; qi < 10; qi++) {
                const qq = queries.subarray(qi * DIM, (qi + 1) * DIM);
                const a = index.knnSearch(qq, K, search);
                assert.deepEqual(loaded.knnSearch(qq, K, search), a);
                assert.deepEqual(byMeta.knnSearch(qq, K, search), a);
            }
            // The same bytes in memory.
            const bytes = index.serialize();
            assert.ok(Buffer.isBuffer(bytes));
            assert.deepEqual(Buffer.compare(bytes, fs.readFileSync(file)), 0);
            const fromBytes = vsag.Index.fromBuffer(bytes);
            const intoEmpty = new vsag.Index(name, params);
            intoEmpty.deserialize(new Uint8Array(bytes));
            const qq = queries.subarray(0, DIM);
            assert.deepEqual(fromBytes.knnSearch(qq, K, search), index.knnSearch(qq, K, search));
            assert.deepEqual(intoEmpty.knnSearch(qq, K, search), index.knnSearch(qq, K, search));
            fromBytes.close();
            intoEmpty.close();
            loaded.close();
            byMeta.close();

            // introspection beyond upstream
            assert.equal(index.checkFeature(vsag.Feature.SUPPORT_KNN_SEARCH), true);
            assert.equal(index.checkFeature(vsag.Feature.SUPPORT_METRIC_TYPE_L2), true);
            assert.ok(index.estimateMemory(10000) > 0);
            const exported = index.exportIds();
            assert.equal(exported.length, index.getNumElements());
            for (let i = 1; i < exported.length; i++) assert.ok(exported[i - 1] < exported[i]);
            assert.deepEqual(Array.from(index.checkIdsExist(new BigInt64Array([1000n, 5000n, 5002n]))), [1, 0, 1]);
        } finally {
            index.close();
        }
    });
}

test("small index: k beyond the size returns what exists; empty index returns nothing", () => {
    const index = new vsag.Index("brute_force", h.params("brute_force", 4));
    const empty = index.knnSearch(new Float32Array(4), 5);
    assert.equal(empty.ids.length, 0);
    assert.equal(empty.distances.length, 0);
    index.build(new Float32Array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]), new BigInt64Array([10n, 11n, 12n]), 3, 4);
    const res = index.knnSearch(new Float32Array([0.9, 1, 1, 1]), 10);
    assert.deepEqual(Array.from(res.ids), [11n, 10n, 12n]);
    assert.ok(Math.abs(res.distances[0] - 0.01) < 1e-6);
    index.close();
});

test("parameters may be objects as well as JSON strings", () => {
    const index = new vsag.Index("brute_force", { dtype: "float32", metric_type: "ip", dim: 2, index_param: {} });
    index.build(new Float32Array([1, 0, 0, 1]), new BigInt64Array([1n, 2n]), 2, 2);
    const res = index.knnSearch(new Float32Array([0.8, 0.6]), 2, { brute_force: { parallelism: 1 } });
    assert.deepEqual(Array.from(res.ids), [1n, 2n]);
    assert.ok(Math.abs(res.distances[0] - 0.2) < 1e-6, "ip distance is 1 - <q,x>");
    index.close();
});

test("logger switches", () => {
    vsag.setLoggerDebug();
    assert.equal(vsag.getLogLevel(), vsag.LogLevel.DEBUG);
    vsag.setLoggerOff();
    assert.equal(vsag.getLogLevel(), vsag.LogLevel.OFF);
    vsag.setLoggerInfo();
    assert.equal(vsag.getLogLevel(), vsag.LogLevel.INFO);
    assert.match(vsag.version(), /^\d+\.\d+\.\d+/);
});

test("works in worker threads, each with its own addon instance", async () => {
    const { Worker } = require("node:worker_threads");
    const code = `
        const { parentPort, workerData } = require("node:worker_threads");
        const vsag = require(workerData.pkg);
        const index = new vsag.Index("brute_force", {dtype: "float32", metric_type: "l2", dim: 2, index_param: {}});
        index.build(new Float32Array([0, 0, 5, 5]), new BigInt64Array([1n, 2n]), 2, 2);
        index.knnSearchAsync(new Float32Array([4, 4]), 1).then((r) => {
            index.close();
            parentPort.postMessage(Number(r.ids[0]));
        });`;
    const results = await Promise.all(
        [0, 1].map(
            () =>
                new Promise((resolve, reject) => {
                    const w = new Worker(code, { eval: true, workerData: { pkg: require.resolve("..") } });
                    w.once("message", resolve);
                    w.once("error", reject);
                }),
        ),
    );
    assert.deepEqual(results, [2, 2]);
    // The main thread's addon instance still works.
    assert.throws(() => new vsag.Index("no_such_index", "{}"), { code: vsag.ErrorCode.UNSUPPORTED_INDEX });
});
