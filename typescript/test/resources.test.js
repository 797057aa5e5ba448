"use strict";
// Resource hooks: memory budgets (per index and global), global options, the logger callback
// and progress events (during asynchronous calls, and after synchronous ones).

const test = require("node:test");
const assert = require("node:assert/strict");
const h = require("./helpers");
const { vsag } = h;

const DIM = 32;
const E = vsag.ErrorCode;
const isCode = (c) => (e) => e instanceof vsag.VsagError && e.code === c;
const PARAMS = {
    brute_force: {},
    hgraph: { base_quantization_type: "fp32", max_degree: 16, ef_construction: 60 },
};
const SEARCH = { brute_force: {}, hgraph: { hgraph: { ef_search: 60 } } };
const make = (name) => new vsag.Index(name, { dtype: "float32", metric_type: "l2", dim: DIM, index_param: PARAMS[name] });
const tick = () => new Promise((r) => setImmediate(r));

for (const name of Object.keys(PARAMS)) {
    test(`${name}: a batch beyond the budget is refused whole`, () => {
        const idx = make(name);
        const budget = 400 << 10;
        idx.setMemoryBudget(budget);
        assert.equal(idx.getMemoryBudget(), budget);
        let held = 0;
        let refused = null;
        for (let b = 0; b < 100 && !refused; b++) {
            const v = h.randomVectors(500, DIM, b + 1);
            const ids = h.seqIds(500, b * 500);
            try {
                if (b === 0) idx.build(v, ids);
                else idx.add(v, ids);
                held += 500;
            } catch (e) {
                refused = e;
            }
            assert.ok(idx.getBudgetedMemory() <= budget);
        }
        assert.ok(isCode(E.NO_ENOUGH_MEMORY)(refused), String(refused));
        assert.equal(idx.getNumElements(), held);
        const res = idx.knnSearch(h.randomVectors(1, DIM, 99), 10, SEARCH[name]);
        assert.equal(res.ids.length, 10);
        assert.throws(() => idx.setMemoryBudget(-1), isCode(E.INVALID_ARGUMENT));
        idx.close();
    });
}

test("global budget", () => {
    const used = vsag.globalBudgetedMemory();
    vsag.setGlobalMemoryBudget(used + (64 << 10));
    try {
        assert.equal(vsag.getGlobalMemoryBudget(), used + (64 << 10));
        const idx = make("brute_force");
        assert.throws(() => idx.build(h.randomVectors(5000, DIM, 3), h.seqIds(5000)), isCode(E.NO_ENOUGH_MEMORY));
        assert.equal(idx.getNumElements(), 0);
    } finally {
        vsag.setGlobalMemoryBudget(0);
    }
});

test("options", () => {
    const cases = [
        ["num_threads_building", 2, true],
        ["num_threads_building", 0, false],
        ["num_threads_io", 16, true],
        ["block_size_limit", 1 << 20, true],
        ["block_size_limit", 1000, false],
        ["concurrency_limit", 1, true],
        ["no_such_option", 1, false],
    ];
    for (const [name, value, ok] of cases) {
        if (!ok) {
            assert.throws(() => vsag.setOption(name, value), isCode(E.INVALID_ARGUMENT), name);
            continue;
        }
        const old = vsag.getOption(name);
        vsag.setOption(name, value);
        assert.equal(vsag.getOption(name), value);
        vsag.setOption(name, old);
    }
    assert.throws(() => vsag.setOption("num_threads_io", 1.5), isCode(E.INVALID_ARGUMENT));
});

test("logger receives leveled messages", async () => {
    const got = [];
    vsag.setLogger((level, message) => got.push([level, message]));
    vsag.setLogLevel(vsag.LogLevel.DEBUG);
    try {
        const idx = make("brute_force");
        idx.setMemoryBudget(10 << 10);
        assert.throws(() => idx.build(h.randomVectors(1000, DIM, 7), h.seqIds(1000)), isCode(E.NO_ENOUGH_MEMORY));
        for (let i = 0; i < 20 && !got.some(([l]) => l === vsag.LogLevel.WARN); i++) await tick();
        assert.ok(got.some(([l, m]) => l === vsag.LogLevel.WARN && m.includes("NO_ENOUGH_MEMORY")), JSON.stringify(got));
        assert.ok(got.some(([l]) => l === vsag.LogLevel.DEBUG));
    } finally {
        vsag.setLogLevel(vsag.LogLevel.INFO);
        vsag.setLogger(null);
    }
    assert.throws(() => vsag.setLogger(42), isCode(E.INVALID_ARGUMENT));
});

test("progress events of an asynchronous build and a synchronous load", async () => {
    const idx = make("hgraph");
    const events = [];
    idx.setProgress((op, done, total) => events.push([op, done, total]));
    await idx.buildAsync(h.randomVectors(3000, DIM, 11), h.seqIds(3000), 3000, DIM);
    for (let i = 0; i < 20 && (events.length === 0 || events[events.length - 1][1] !== 3000); i++) await tick();
    assert.deepEqual(events[0], ["build", 0, 3000]);
    assert.deepEqual(events[events.length - 1], ["build", 3000, 3000]);
    assert.ok(events.length >= 20 && events.length <= 103, String(events.length));
    for (let i = 1; i < events.length; i++) assert.ok(events[i][1] >= events[i - 1][1]);

    const file = h.tmpPath("progress.vsag");
    idx.save(file);
    const dst = make("hgraph");
    const loads = [];
    dst.setProgress((op, done, total) => loads.push([op, done, total]));
    dst.load(file);
    for (let i = 0; i < 20 && loads.length === 0; i++) await tick();
    assert.equal(dst.getNumElements(), 3000);
    const last = loads[loads.length - 1];
    assert.equal(last[0], "load");
    assert.ok(last[2] > 3000 * DIM * 4 && last[1] === last[2]);
    dst.setProgress(null);
    assert.throws(() => dst.setProgress("x"), isCode(E.INVALID_ARGUMENT));
    idx.close();
    dst.close();
});
