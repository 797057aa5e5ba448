"use strict";
// The fast single-query path of knnSearch (the addon's knnSearchFast on the index's library
// handle into a pool of result entries, parameters set by fastSearchParams only when they
// change) against the general path (the addon's knnSearch): the same results, the same errors, results that stay distinct
// across pools, a transferred result buffer, and the cases it hands back to the general path.

const test = require("node:test");
const assert = require("node:assert/strict");
const { Worker } = require("node:worker_threads");
const h = require("./helpers");
const { vsag } = h;

const dim = 16;
const n = 400;

function fixture(name = "hgraph", extra = {}) {
    const base = h.randomVectors(n, dim, 81);
    const ids = h.seqIds(n, 1000);
    const index = new vsag.Index(name, h.params(name, dim, extra));
    index.build(base, ids, n, dim);
    return { base, ids, index };
}

/* general runs the addon's general single-query search (trimmed like knnSearch). */
function general(index, q, k, p, f) {
    return index.native.knnSearch(q, k, p === undefined || typeof p === "string" ? p : JSON.stringify(p), f);
}

/* fastCall writes pool's header (handle, k, offset), calls knnSearchFast and returns the count. */
function fastCall(handle, v, k, pool, offset) {
    if (pool.byteLength >= 32) {
        new BigUint64Array(pool, 0, 1)[0] = BigInt.asUintN(64, handle);
        new Int32Array(pool, 8, 3).set([k, offset, 123]);
    }
    vsag._native.knnSearchFast(v, pool);
    return pool.byteLength >= 32 ? new Int32Array(pool, 16, 1)[0] : undefined;
}

function same(a, b) {
    assert.ok(a.ids instanceof BigInt64Array && a.distances instanceof Float32Array);
    assert.deepEqual(Array.from(a.ids), Array.from(b.ids));
    assert.deepEqual(Array.from(a.distances), Array.from(b.distances));
}

function outcome(fn) {
    try {
        const r = fn();
        return { ids: Array.from(r.ids), distances: Array.from(r.distances) };
    } catch (e) {
        return { error: e.constructor.name, code: e.code, message: e.message };
    }
}

test("the fast path equals the general path for every k it serves, and above", () => {
    const { base, index } = fixture();
    for (const k of [1, 7, 10, 100, 255, 256, 257, 399, 400, 401, 1000]) {
        for (const i of [0, 17, 123]) {
            const q = base.subarray(i * dim, (i + 1) * dim);
            same(index.knnSearch(q, k, h.SEARCH.hgraph), general(index, q, k, h.SEARCH.hgraph));
        }
    }
    // k up to 256 without a filter never reaches the general path
    const q = base.subarray(0, dim);
    Object.defineProperty(index.native, "knnSearch", { value: () => assert.fail("the general path ran"), configurable: true });
    for (const k of [1, 10, 256]) assert.equal(index.knnSearch(q, k, h.SEARCH.hgraph).ids.length, k);
    delete index.native.knnSearch;
    index.close();
});

test("parameters: strings, objects, undefined, and switching between them", () => {
    const { base, index } = fixture("hgraph");
    const q = Float32Array.from(base.subarray(5 * dim, 6 * dim), (x) => x + 0.03);
    const forms = [
        JSON.stringify({ hgraph: { ef_search: 10 } }),
        { hgraph: { ef_search: 300 } },
        JSON.stringify({ hgraph: { ef_search: 10 } }),
        JSON.stringify({ hgraph: { ef_search: 40 } }),
        undefined, // hgraph needs ef_search: the general path throws the error
        { hgraph: { ef_search: 40 } },
        "{not json",
        JSON.stringify({ hgraph: { ef_search: 10 } }),
    ];
    for (let round = 0; round < 2; round++) {
        for (const p of forms) {
            assert.deepEqual(outcome(() => index.knnSearch(q, 50, p)), outcome(() => general(index, q, 50, p)));
        }
    }
    // another index in between, with its own parameters
    const other = fixture("brute_force").index;
    for (let i = 0; i < 3; i++) {
        same(other.knnSearch(q, 9), general(other, q, 9, undefined));
        same(index.knnSearch(q, 9, forms[0]), general(index, q, 9, forms[0]));
        same(other.knnSearch(q, 9, "{}"), general(other, q, 9, "{}"));
    }
    other.close();
    index.close();
});

test("results stay distinct across pools; each views only its own entries", () => {
    const { base, ids, index } = fixture("brute_force");
    const kept = [];
    for (let i = 0; i < 600; i++) { // k = 10 and 7: several pools of 1024 entries
        const j = i % n;
        const k = i % 2 ? 10 : 7;
        const r = index.knnSearch(base.subarray(j * dim, (j + 1) * dim), k);
        assert.equal(r.ids.length, k);
        assert.equal(r.ids[0], ids[j]);
        kept.push([r, Array.from(r.ids), Array.from(r.distances)]);
    }
    for (const [r, wantIds, wantD] of kept) {
        assert.deepEqual(Array.from(r.ids), wantIds);
        assert.deepEqual(Array.from(r.distances), wantD);
    }
    const first = kept[0][0];
    first.ids[0] = -5n; // writing a result changes no other
    assert.equal(kept[1][0].ids[0], ids[1]);
    index.close();
});

test("a result buffer posted with transfer is copied; a detached pool is never written", () => {
    const { base, ids, index } = fixture("brute_force");
    const q = (j) => base.subarray(j * dim, (j + 1) * dim);
    const a = index.knnSearch(q(3), 5);
    const b = index.knnSearch(q(4), 5);
    assert.equal(a.ids.buffer, b.ids.buffer); // the pool, as Node's small Buffers share theirs
    assert.equal(a.ids.buffer, a.distances.buffer);
    const want = Array.from(b.ids);
    try {
        const c = structuredClone(a.ids.buffer, { transfer: [a.ids.buffer] });
        assert.equal(c.byteLength, a.ids.buffer.byteLength); // copied
    } catch (e) {
        assert.equal(e.name, "DataCloneError"); // newer Node refuses to transfer it
    }
    assert.equal(a.ids.length, 5);
    assert.deepEqual(Array.from(b.ids), want);
    // a detached pool is never written
    const { port1 } = new MessageChannel();
    const raw = index.native;
    const p = new ArrayBuffer(32 + 12 * 8);
    port1.postMessage(p, [p]);
    port1.close();
    assert.equal(p.byteLength, 0);
    assert.equal(fastCall(raw.fastHandle(), q(1), 5, p, 0), undefined); // nothing read or written
    for (let j = 0; j < 5; j++) {
        const r = index.knnSearch(q(j), 5);
        assert.equal(r.ids[0], ids[j]);
        same(r, general(index, q(j), 5, undefined));
    }
    index.close();
});

test("knnSearchFast hands anything else back (-1); knnSearch then throws the general errors", () => {
    const { base, index } = fixture("brute_force");
    const q = base.subarray(0, dim);
    const hd = index.native.fastHandle();
    assert.equal(typeof hd, "bigint");
    const fast = fastCall;
    const pool = new ArrayBuffer(32 + 64 * 12);
    const ids = new BigInt64Array(pool, 32, 64), dists = new Float32Array(pool, 32 + 64 * 8, 64);
    assert.equal(fast(hd, q, 5, pool, 0), 5);
    assert.equal(ids[0], 1000n);
    assert.equal(dists[0], 0);
    assert.equal(fast(hd, q, 5, pool, 59), 5);
    assert.equal(ids[59], 1000n);
    assert.equal(ids[58], 0n); // between the two calls' entries: untouched
    assert.deepEqual(Array.from(ids.subarray(0, 5)), Array.from(ids.subarray(59, 64)));
    const bad = [
        [hd, new Float32Array(dim + 1), 5, pool, 0],
        [hd, new Float64Array(dim), 5, pool, 0],
        [hd, new Uint16Array(dim), 5, pool, 0], // 16-bit queries take the general path
        [hd, Array.from(q), 5, pool, 0],
        [hd, q, 0, pool, 0],
        [hd, q, -3, pool, 0],
        [hd, q, 5, pool, 60],
        [hd, q, 5, pool, -1],
        [hd, q, 65, pool, 0],
        [0n, q, 5, pool, 0],
        [hd + 1n, q, 5, pool, 0], // a forged handle
        [-1n, q, 5, pool, 0],
    ];
    for (const args of bad) assert.equal(fast(...args), -1, String(args.map((x) => x?.constructor?.name ?? x)));
    // pools of the wrong size are neither read nor written
    for (const bytes of [0, 16, 31, 32 + 12 * 4 + 4]) {
        const p = new ArrayBuffer(bytes);
        const before = Array.from(new Uint8Array(p));
        vsag._native.knnSearchFast(q, p);
        assert.deepEqual(Array.from(new Uint8Array(p)), before);
    }
    vsag._native.knnSearchFast(q, new Float32Array(100)); // not an ArrayBuffer: ignored
    vsag._native.knnSearchFast(q); // missing: ignored
    for (const [v, k] of [[new Float32Array(dim + 1), 3], [new Float64Array(dim), 3], [q, 0], [q, 2.5], [q, "5"]]) {
        assert.deepEqual(outcome(() => index.knnSearch(v, k)), outcome(() => general(index, v, k, undefined)));
        assert.throws(() => index.knnSearch(v, k), vsag.VsagError);
    }
    // an Int8Array query on a float32 index: whatever the library makes of it, as the general path
    const i8 = Int8Array.from({ length: dim }, (_, i) => i - 8);
    assert.deepEqual(outcome(() => index.knnSearch(i8, 3)), outcome(() => general(index, i8, 3, undefined)));
    index.close();
    assert.equal(index.native.fastHandle(), null);
    assert.equal(fast(hd, q, 5, pool, 0), -1); // the closed index's handle
    assert.throws(() => index.knnSearch(q, 5), { code: vsag.ErrorCode.WRONG_STATUS });
});

test("int8 queries take the fast path; 16-bit ones the general path, with the same results", () => {
    for (const dtype of ["int8", "float16", "bfloat16"]) {
        const quantization = { int8: "fp32", float16: "fp16", bfloat16: "bf16" }[dtype];
        const index = new vsag.Index("brute_force", h.params("brute_force", dim, { dtype, quantization }));
        const base = dtype === "int8" ? new Int8Array(n * dim) : new Uint16Array(n * dim);
        const r = h.rng(5);
        for (let i = 0; i < base.length; i++) {
            base[i] = dtype === "int8" ? Math.floor(r() * 200) - 100 : 0x3c00 + Math.floor(r() * 0x300);
        }
        index.build(base, h.seqIds(n, 0), n, dim);
        for (const j of [0, 9, 77]) {
            const q = base.subarray(j * dim, (j + 1) * dim);
            const got = index.knnSearch(q, 4);
            same(got, general(index, q, 4, undefined));
            assert.equal(got.ids[0], BigInt(j));
            const n = fastCall(index.native.fastHandle(), q, 4, new ArrayBuffer(32 + 4 * 12), 0);
            assert.equal(n, dtype === "int8" ? 4 : -1);
        }
        index.close();
    }
});

test("a worker thread has its own fast-path state", async () => {
    const { base, index } = fixture("brute_force");
    const q = base.subarray(7 * dim, 8 * dim);
    const want = Array.from(index.knnSearch(q, 6, "{}").ids, String);
    const code = `
        const { parentPort, workerData } = require("node:worker_threads");
        const vsag = require(workerData.pkg);
        const index = new vsag.Index("brute_force", workerData.params);
        index.build(workerData.base, BigInt64Array.from({ length: workerData.n }, (_, i) => BigInt(1000 + i)), workerData.n, workerData.dim);
        const out = [];
        for (let i = 0; i < 3; i++) out.push(Array.from(index.knnSearch(workerData.q, 6, i === 1 ? undefined : "{}").ids, String));
        index.close();
        parentPort.postMessage(out);
    `;
    const got = await new Promise((resolve, reject) => {
        const w = new Worker(code, {
            eval: true,
            workerData: { pkg: require.resolve(".."), params: h.params("brute_force", dim), base, n, dim, q: Float32Array.from(q) },
        });
        w.once("message", resolve);
        w.once("error", reject);
    });
    assert.deepEqual(got, [want, want, want]);
    assert.deepEqual(Array.from(index.knnSearch(q, 6).ids, String), want); // this thread's state is intact
    index.close();
});

test("close() with an asynchronous search pending: knnSearch throws at once", async () => {
    const { base, index } = fixture("hgraph");
    const q = base.subarray(0, dim);
    assert.equal(index.knnSearch(q, 3, h.SEARCH.hgraph).ids.length, 3); // the handle is cached
    const pending = index.knnSearchAsync(q, 3, h.SEARCH.hgraph);
    index.close(); // the library handle stays open until the search completes
    assert.throws(() => index.knnSearch(q, 3, h.SEARCH.hgraph), { code: vsag.ErrorCode.WRONG_STATUS });
    await pending.catch(() => undefined);
    assert.throws(() => index.knnSearch(q, 3, h.SEARCH.hgraph), { code: vsag.ErrorCode.WRONG_STATUS });
});
