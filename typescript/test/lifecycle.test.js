"use strict";
// reset() and updateExtraInfo().

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const N = 300;
const DIM = 16;
const E = vsag.ErrorCode;

function code(c) {
    return (e) => e.code === c;
}

for (const name of ["brute_force", "hgraph"]) {
    test(`${name}: reset empties the index, which builds again`, h.skipUnless(name), () => {
        const base = h.randomVectors(N, DIM, 21);
        const ids = h.seqIds(N);
        const sp = h.SEARCH[name];
        const index = new vsag.Index(name, h.params(name, DIM, { quantization: "sq8" }));
        assert.equal(index.checkFeature(vsag.Feature.SUPPORT_RESET), true);
        assert.equal(index.checkFeature(21), true);
        assert.equal(index.build(base, ids, N, DIM).length, 0);
        index.reset();
        assert.equal(index.getNumElements(), 0);
        assert.equal(index.checkIdExist(5n), false);
        assert.equal(index.knnSearch(base.subarray(0, DIM), 5, sp).ids.length, 0);
        const batch = index.knnSearchBatch(base.subarray(0, 2 * DIM), 2, 3, sp);
        assert.ok(Array.from(batch.ids).every((id) => id === -1n));
        assert.equal(index.search(base.subarray(0, DIM), { k: 5, params: sp }).ids.length, 0);
        index.reset(); // an empty index resets too
        // the same labels again: nothing of the old contents is left
        assert.equal(index.build(base, ids, N, DIM).length, 0);
        assert.equal(index.getNumElements(), N);
        const r = index.knnSearch(base.subarray(7 * DIM, 8 * DIM), 5, sp);
        assert.equal(r.ids[0], 7n);
        index.reset();
        assert.equal(index.add(base.subarray(0, 40 * DIM), ids.subarray(0, 40), 40, DIM).length, 0);
        assert.equal(index.getNumElements(), 40);
        index.setImmutable();
        assert.throws(() => index.reset(), code(E.WRONG_STATUS));
        assert.equal(index.getNumElements(), 40);
        index.close();
        assert.throws(() => index.reset());
    });
}

function extraIndex(base, ids) {
    const p = JSON.parse(h.params("brute_force", DIM));
    p.extra_info_size = 4;
    const index = new vsag.Index("brute_force", p);
    const extra = new Uint8Array(new Int32Array(Array.from({ length: N }, (_, i) => i)).buffer);
    assert.equal(index.build(base, ids, N, DIM, { extraInfos: extra }).length, 0);
    return index;
}

const bytes = (s) => new Uint8Array(Buffer.from(s, "latin1"));
const text = (u) => Buffer.from(u).toString("latin1");

test("updateExtraInfo changes what searches and getExtraInfoByIds return", () => {
    const base = h.randomVectors(N, DIM, 22);
    const ids = h.seqIds(N);
    const index = extraIndex(base, ids);
    assert.equal(index.checkFeature(vsag.Feature.SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT), true);
    assert.equal(index.checkFeature(32), true);
    index.updateExtraInfo(BigInt64Array.from([7n, 0n]), bytes("abcdwxyz"));
    assert.equal(text(index.getExtraInfoByIds(BigInt64Array.from([7n, 0n]))), "abcdwxyz");
    assert.deepEqual(Array.from(index.getExtraInfoByIds(BigInt64Array.from([1n]))), [1, 0, 0, 0]);
    const r = index.search(base.subarray(7 * DIM, 8 * DIM), { k: 1 });
    assert.equal(r.ids[0], 7n);
    assert.equal(text(r.extraInfos.subarray(0, 4)), "abcd");
    index.updateExtraInfo(BigInt64Array.from([0n]), Buffer.from("zzzz")); // a Buffer is a Uint8Array
    assert.equal(text(index.getExtraInfoByIds(BigInt64Array.from([0n]))), "zzzz");
    index.updateExtraInfo(new BigInt64Array(0), new Uint8Array(0)); // nothing to do

    const look = BigInt64Array.from([7n, 0n, 1n]);
    const before = Array.from(index.getExtraInfoByIds(look));
    // a missing label, even after live ones, changes nothing
    assert.throws(() => index.updateExtraInfo(BigInt64Array.from([7n, 0n, 123456n]), new Uint8Array(12).fill(9)),
        (e) => e.code === E.INVALID_ARGUMENT && /123456/.test(e.message));
    // wrong byte lengths and types
    for (const bad of [new Uint8Array(11), new Uint8Array(13), new Int8Array(12), [1, 2, 3], "qqqqqqqqqqqq", null]) {
        assert.throws(() => index.updateExtraInfo(look, bad), code(E.INVALID_ARGUMENT));
    }
    assert.throws(() => index.updateExtraInfo([7, 0, 1], new Uint8Array(12)), code(E.INVALID_ARGUMENT));
    // a removed label is missing too
    assert.equal(index.remove(BigInt64Array.from([1n])), 1);
    assert.throws(() => index.updateExtraInfo(BigInt64Array.from([1n]), new Uint8Array(4)), code(E.INVALID_ARGUMENT));
    assert.deepEqual(Array.from(index.getExtraInfoByIds(look.subarray(0, 2))), before.slice(0, 8));

    // reset drops the extra infos; a new build brings its own
    index.reset();
    assert.throws(() => index.updateExtraInfo(BigInt64Array.from([7n]), new Uint8Array(4)), code(E.INVALID_ARGUMENT));
    assert.equal(index.build(base, ids, N, DIM, { extraInfos: new Uint8Array(4 * N).fill(5) }).length, 0);
    assert.deepEqual(Array.from(index.getExtraInfoByIds(BigInt64Array.from([7n]))), [5, 5, 5, 5]);
    index.setImmutable();
    assert.throws(() => index.updateExtraInfo(BigInt64Array.from([7n]), new Uint8Array(4)), code(E.WRONG_STATUS));
    index.close();
    assert.throws(() => index.updateExtraInfo(BigInt64Array.from([7n]), new Uint8Array(4)));
});

test("updateExtraInfo is refused without extra_info_size", () => {
    const base = h.randomVectors(N, DIM, 23);
    const plain = new vsag.Index("brute_force", h.params("brute_force", DIM));
    assert.equal(plain.build(base, h.seqIds(N), N, DIM).length, 0);
    assert.equal(plain.checkFeature(vsag.Feature.SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT), false);
    assert.equal(plain.checkFeature(vsag.Feature.SUPPORT_RESET), true);
    for (const infos of [new Uint8Array(4), new Uint8Array(0)]) {
        assert.throws(() => plain.updateExtraInfo(BigInt64Array.from([0n]), infos), code(E.UNSUPPORTED_INDEX_OPERATION));
    }
    plain.close();
});
