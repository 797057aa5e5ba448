"use strict";
// Iterator search sessions: index.searchIterator, for await / for over pages, nextPage, drain.

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const dim = 8;
const n = 500;
const base = h.randomVectors(n, dim, 31);
const ids = h.seqIds(n);
const queries = h.randomVectors(4, dim, 32);
const SEARCH = { brute_force: "{}", hgraph: JSON.stringify({ hgraph: { ef_search: 40 } }) };

function built(name) {
    const index = new vsag.Index(name, h.params(name, dim));
    assert.equal(index.build(base, ids, n, dim).length, 0);
    return index;
}

for (const name of ["brute_force", "hgraph"]) {
    test(`${name}: for await yields disjoint ascending pages covering the index`, h.skipUnless(name), async () => {
        const index = built(name);
        assert.ok(index.checkFeature(vsag.Feature.SUPPORT_KNN_ITERATOR_FILTER_SEARCH));
        assert.ok(index.checkFeature(vsag.Feature.SUPPORT_CONTINUE_SEARCH_SESSION));
        const q = queries.subarray(0, dim);
        const it = index.searchIterator(q, 30, SEARCH[name]);
        const seen = new Set();
        const order = [];
        let last = -1;
        for await (const page of it) {
            assert.ok(page.ids instanceof BigInt64Array && page.distances instanceof Float32Array);
            assert.ok(page.ids.length > 0 && page.ids.length <= 30);
            for (let i = 1; i < page.distances.length; i++) assert.ok(page.distances[i - 1] <= page.distances[i]);
            if (name === "brute_force") assert.ok(page.distances[0] >= last);
            last = page.distances[page.distances.length - 1];
            for (const id of page.ids) {
                assert.ok(!seen.has(id), `label ${id} returned twice`);
                seen.add(id);
                order.push(id);
            }
        }
        assert.ok(it.closed);
        assert.equal(seen.size, n);
        const truth = h.exactKnn(base, ids, dim, queries, 0, 60).map((t) => t[1]);
        if (name === "brute_force") assert.deepEqual(order.slice(0, 60), truth);
        else assert.ok(h.recall(order.slice(0, 60), h.exactKnn(base, ids, dim, queries, 0, 60)) >= 0.9);
    });

    test(`${name}: filter, removal between pages, break closes, sync iteration`, h.skipUnless(name), async () => {
        const index = built(name);
        const q = queries.subarray(dim, 2 * dim);
        const odd = [];
        for (let i = 1; i < n; i += 2) odd.push(BigInt(i));
        const it = index.searchIterator(q, 10, SEARCH[name], { filter: new BigInt64Array(odd) });
        const first = it.nextPage();
        assert.equal(first.ids.length, 10);
        const truth = h.exactKnn(base, ids, dim, queries, 1, n, (id) => id % 2n === 1n).map((t) => t[1]);
        const firstSet = new Set(first.ids);
        const gone = truth.filter((id) => !firstSet.has(id)).slice(0, 5);
        assert.equal(index.remove(new BigInt64Array(gone)), 5);
        const rest = [];
        for (const page of it) rest.push(...page.ids); // synchronous pages
        assert.ok(it.closed);
        for (const id of [...first.ids, ...rest]) assert.equal(id % 2n, 0n);
        for (const id of gone) assert.ok(!rest.includes(id));
        assert.equal(first.ids.length + rest.length, n / 2 - 5);

        const early = index.searchIterator(q, 5, SEARCH[name]);
        for await (const page of early) {
            assert.equal(page.ids.length, 5);
            break;
        }
        assert.ok(early.closed);
        assert.throws(() => early.nextPage(), (e) => e.code === vsag.ErrorCode.WRONG_STATUS);
    });

    test(`${name}: nextPageAsync, drain, errors`, h.skipUnless(name), async () => {
        const index = built(name);
        const q = queries.subarray(2 * dim, 3 * dim);
        const it = index.searchIterator(q, 7, SEARCH[name]);
        const [a, b] = await Promise.all([it.nextPageAsync(), it.nextPageAsync(3)]);
        const both = [...a.ids, ...b.ids];
        assert.equal(new Set(both).size, 10);
        const tail = await it.drainAsync(1000);
        assert.ok(tail.ids.length > 0);
        for (const id of tail.ids) assert.ok(!both.includes(id));
        for (let i = 1; i < tail.distances.length; i++) assert.ok(tail.distances[i - 1] <= tail.distances[i]);
        assert.ok(it.closed);
        await assert.rejects(it.nextPageAsync(), (e) => e.code === vsag.ErrorCode.WRONG_STATUS);
        it.close();

        assert.throws(() => index.searchIterator(q.subarray(0, 3), 5), (e) => e.code === vsag.ErrorCode.DIMENSION_NOT_EQUAL);
        assert.throws(() => index.searchIterator(q, 0), (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT);
        assert.throws(() => index.searchIterator(q, 5, { nope: 1 }), (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT);
        const open = index.searchIterator(q, 5, SEARCH[name]);
        assert.throws(() => open.nextPage(0), (e) => e.code === vsag.ErrorCode.INVALID_ARGUMENT);
        const pending = open.nextPageAsync();
        open.close(); // deferred until the page completes
        assert.equal((await pending).ids.length, 5);
        index.reset();
        const stale = index.searchIterator(q, 5, SEARCH[name]);
        assert.equal(stale.nextPage().ids.length, 0); // an empty index: the session is empty
        stale.close();
    });
}

test("ivf: the first page is the knn search; the session covers the index", async () => {
    const index = new vsag.Index("ivf", JSON.stringify({ dtype: "float32", metric_type: "l2", dim, index_param: { buckets_count: 8 } }));
    assert.equal(index.build(base, ids, n, dim).length, 0);
    assert.ok(index.checkFeature(vsag.Feature.SUPPORT_KNN_ITERATOR_FILTER_SEARCH));
    const params = { ivf: { scan_buckets_count: 2 } };
    const q = queries.subarray(3 * dim, 4 * dim);
    const want = index.knnSearch(q, 10, params);
    const seen = new Set();
    let first = true;
    for await (const page of index.searchIterator(q, 10, params)) {
        if (first) assert.deepEqual(Array.from(page.ids), Array.from(want.ids));
        first = false;
        for (const id of page.ids) seen.add(id);
    }
    assert.equal(seen.size, n);
    index.close();
});
