#!/usr/bin/env node
// Benchmarks of the npm package against its two targets:
//   1. a trivial call from Node's main thread into the addon costs under 2 microseconds;
//   2. batch search of 1000 queries from Node is within 5% of the Go API on the same index.
// The Go side is typescript/bench/gobench (core.LoadFile + BatchKnnSearch / BatchSearchInto),
// run on the very file Node saved, with the same queries and search JSON.
//
// Usage: node bench/bench.js [--n 20000] [--dim 128] [--reps 20] [--pie] [--strict]
//   --pie     also time the Go program built with -buildmode=pie (position-independent code,
//             as in libvsag.so)
//   --strict  exit 1 when a target is missed
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn, spawnSync } = require("child_process");
const vsag = require("..");

const args = process.argv.slice(2);
function opt(name, def) {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : def;
}
const N = opt("n", 20000);
const DIM = opt("dim", 128);
const NQ = 1000;
const K = 10;
const REPS = opt("reps", 20);
const strict = args.includes("--strict");
const repo = path.resolve(__dirname, "..", "..");

function rng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function clustered(n, dim, seed) {
    const r = rng(seed);
    const centres = Array.from({ length: 32 }, () => Array.from({ length: dim }, () => r() * 4 - 2));
    const out = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
        const c = centres[Math.floor(r() * centres.length)];
        for (let j = 0; j < dim; j++) out[i * dim + j] = c[j] + (r() - 0.5);
    }
    return out;
}

const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const min = (xs) => Math.min(...xs);

// ---- 1. trivial calls ------------------------------------------------------------------------

function nsPerCall(fn, iters) {
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
        const t = process.hrtime.bigint();
        for (let i = 0; i < iters; i++) fn();
        best = Math.min(best, Number(process.hrtime.bigint() - t) / iters);
    }
    return best;
}

function trivialCalls() {
    const index = new vsag.Index("brute_force", { dtype: "float32", metric_type: "l2", dim: 8, index_param: {} });
    index.build(clustered(100, 8, 1), BigInt64Array.from({ length: 100 }, (_, i) => BigInt(i)), 100, 8);
    const q = clustered(1, 8, 2);
    const iters = 500000;
    const rows = [
        ["addon no-op (no library call)", () => vsag._native.noop()],
        ["index.getNumElements()", () => index.getNumElements()],
        ["index.checkIdExist(5)", () => index.checkIdExist(5)],
        ["index.getMemoryUsage()", () => index.getMemoryUsage()],
    ].map(([name, fn]) => [name, nsPerCall(fn, iters)]);
    rows.push(["index.knnSearch(8-d, k=1) on 100 vectors", nsPerCall(() => index.knnSearch(q, 1), 50000)]);
    index.close();
    console.log("Trivial calls from the main thread (best of 5 rounds):");
    for (const [name, ns] of rows) console.log(`  ${name.padEnd(44)} ${(ns / 1000).toFixed(3)} us`);
    const worst = Math.max(rows[1][1], rows[2][1], rows[3][1]);
    const ok = worst < 2000;
    console.log(`  target: trivial library call < 2 us -> ${ok ? "met" : "MISSED"} (${(worst / 1000).toFixed(3)} us)\n`);
    return ok;
}

// ---- 2. batch search vs Go -------------------------------------------------------------------

function buildGo(tmp, mode) {
    const bin = path.join(tmp, `gobench-${mode}`);
    const r = spawnSync("go", ["build", `-buildmode=${mode}`, "-o", bin, "./typescript/bench/gobench"], {
        cwd: repo,
        stdio: "inherit",
    });
    if (r.status !== 0) throw new Error("go build ./typescript/bench/gobench failed");
    return bin;
}

/** goServer starts gobench -serve; run(cmd) resolves to {ms, cpu, checksum} of one repetition. */
function goServer(bin, indexFile, queryFile, search) {
    const child = spawn(bin, ["-serve", "-index", indexFile, "-queries", queryFile, "-k", String(K), "-search", search], {
        stdio: ["pipe", "pipe", "inherit"],
    });
    const waiting = [];
    let buf = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
            const [ms, cpu, sum] = buf.slice(0, nl).split(" ");
            buf = buf.slice(nl + 1);
            waiting.shift().resolve({ ms: Number(ms), cpu: Number(cpu), checksum: BigInt(sum) });
        }
    });
    child.on("exit", (code) => {
        for (const w of waiting.splice(0)) w.reject(new Error(`gobench exited with ${code}`));
    });
    return {
        run(cmd) {
            return new Promise((resolve, reject) => {
                waiting.push({ resolve, reject });
                child.stdin.write(`${cmd}\n`);
            });
        },
        close() {
            child.stdin.end();
        },
    };
}

/**
 * measure builds an index of n vectors in Node, saves it, and times the batch search of the
 * same 1000 queries from every contender (Node sync and async; each Go program's
 * BatchSearchInto and BatchKnnSearch) on that file. Each round runs one repetition of each in
 * a rotating order, so the load other processes put on the machine hits all alike.
 */
async function measure(name, params, search, n, reps, goBins, tmp) {
    const base = clustered(n, DIM, 11);
    const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i));
    const queries = clustered(NQ, DIM, 12);
    const built = new vsag.Index(name, params);
    const t0 = Date.now();
    await built.buildAsync(base, ids, n, DIM);
    const buildMs = Date.now() - t0;
    const indexFile = path.join(tmp, `${name}-${n}.index`);
    const queryFile = path.join(tmp, `${name}-${n}.queries`);
    built.save(indexFile);
    built.close();
    fs.writeFileSync(queryFile, Buffer.from(queries.buffer, queries.byteOffset, queries.byteLength));

    const index = vsag.Index.loadFile(indexFile);
    const servers = goBins.map(([label, bin]) => [label, goServer(bin, indexFile, queryFile, search)]);
    const checksumOf = (res) => res.ids.reduce((a, b) => a + b, 0n);
    const cpuMs = (u) => (u.user + u.system) / 1000;
    const contenders = [
        ["Node knnSearchBatch", async () => {
            const c0 = process.cpuUsage();
            const t = process.hrtime.bigint();
            const res = index.knnSearchBatch(queries, NQ, K, search);
            const ms = Number(process.hrtime.bigint() - t) / 1e6;
            return { ms, cpu: cpuMs(process.cpuUsage(c0)), checksum: checksumOf(res) };
        }],
        ["Node knnSearchBatchAsync", async () => {
            const c0 = process.cpuUsage();
            const t = process.hrtime.bigint();
            const res = await index.knnSearchBatchAsync(queries, NQ, K, search);
            const ms = Number(process.hrtime.bigint() - t) / 1e6;
            return { ms, cpu: cpuMs(process.cpuUsage(c0)), checksum: checksumOf(res) };
        }],
    ];
    for (const [label, srv] of servers) {
        contenders.push([`Go (${label}) BatchSearchInto`, () => srv.run("into")]);
        contenders.push([`Go (${label}) BatchKnnSearch`, () => srv.run("knn")]);
    }
    const samples = contenders.map(() => []);
    let same = true;
    let want;
    for (let r = 0; r < reps + 2; r++) {
        for (let j = 0; j < contenders.length; j++) {
            const c = (j + r) % contenders.length;
            const got = await contenders[c][1]();
            want = want ?? got.checksum;
            same = same && got.checksum === want;
            if (r >= 2) samples[c].push(got);
        }
    }
    for (const [, srv] of servers) srv.close();
    index.close();
    const labels = contenders.map(([label]) => label);
    return { name, n, search, buildMs, labels, samples, same };
}

function table(m) {
    console.log(`  ${"".padEnd(36)} ${"wall median".padStart(12)} ${"wall min".padStart(10)} ${"CPU median".padStart(11)}`);
    m.labels.forEach((label, c) => {
        const wall = m.samples[c].map((x) => x.ms);
        const cpu = m.samples[c].map((x) => x.cpu);
        console.log(
            `  ${label.padEnd(36)} ${median(wall).toFixed(3).padStart(9)} ms ${min(wall).toFixed(3).padStart(7)} ms ${median(cpu).toFixed(3).padStart(8)} ms`,
        );
    });
    console.log(`  same neighbours everywhere: ${m.same}`);
}

/** paired is the median over rounds of contender a's field over contender b's. */
function paired(m, a, b, field) {
    return median(m.samples[a].map((x, i) => x[field] / m.samples[b][i][field]));
}

async function batchSearch(name, params, search, goBins, tmp) {
    const m = await measure(name, params, search, N, REPS, goBins, tmp);
    console.log(`Batch search, ${name}: ${N} x ${DIM} (built in ${m.buildMs} ms), ${NQ} queries, k=${K}, search ${search || "{}"}`);
    table(m);
    // Like with like: the synchronous call against BatchSearchInto (both fill caller buffers),
    // the Promise against BatchKnnSearch (both allocate their results).
    const wall = paired(m, 0, 2, "ms");
    const cpu = paired(m, 0, 2, "cpu");
    console.log(`  Node knnSearchBatch / Go BatchSearchInto:      wall ${wall.toFixed(3)}, CPU ${cpu.toFixed(3)} (medians of paired ratios)`);
    console.log(`  Node knnSearchBatchAsync / Go BatchKnnSearch:  wall ${paired(m, 1, 3, "ms").toFixed(3)}, CPU ${paired(m, 1, 3, "cpu").toFixed(3)}`);
    if (goBins.length > 1) {
        console.log(`  Node knnSearchBatch / Go (pie) BatchSearchInto: wall ${paired(m, 0, 4, "ms").toFixed(3)}, CPU ${paired(m, 0, 4, "cpu").toFixed(3)}`);
    }
    console.log("");
    return { m, wall, cpu };
}

/**
 * bindingOverhead times the same 1000-query batch on a 16-vector index, where the search work
 * is a few microseconds: what remains of the difference between Node and Go is the cost of the
 * binding itself (argument checks, result ArrayBuffers, the C call and the wake-up of the
 * calling thread). Minimums estimate each side's uncontended time.
 */
async function bindingOverhead(goBins, tmp) {
    const params = { dtype: "float32", metric_type: "l2", dim: DIM, index_param: { base_quantization_type: "fp32" } };
    const m = await measure("brute_force", params, "", 16, 200, goBins.slice(0, 1), tmp);
    console.log(`Binding overhead: the same ${NQ}-query batch (k=${K}) on a 16-vector brute_force index`);
    table(m);
    const mins = m.samples.map((xs) => min(xs.map((x) => x.ms)));
    const meds = m.samples.map((xs) => median(xs.map((x) => x.ms)));
    const sync = { min: mins[0] - mins[2], med: meds[0] - meds[2] };
    const asyn = { min: mins[1] - mins[3], med: meds[1] - meds[3] };
    console.log(`  Node - Go, sync vs BatchSearchInto:  ${(sync.min * 1000).toFixed(0)} us (minimums), ${(sync.med * 1000).toFixed(0)} us (medians)`);
    console.log(`  Node - Go, async vs BatchKnnSearch:  ${(asyn.min * 1000).toFixed(0)} us (minimums), ${(asyn.med * 1000).toFixed(0)} us (medians)\n`);
    return Math.max(sync.min, sync.med, asyn.min, asyn.med, 0);
}

async function main() {
    console.log(`vsag ${vsag.version()}, Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0].model}), load average ${os.loadavg()[0].toFixed(1)}\n`);
    let ok = trivialCalls();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vsag-node-bench-"));
    try {
        const goBins = [["exe", buildGo(tmp, "exe")]];
        // --pie adds the Go program built position-independent, the code generation the shared
        // library gets, to tell the cost of the addon from the cost of -buildmode=c-shared.
        if (args.includes("--pie")) goBins.push(["pie", buildGo(tmp, "pie")]);
        const overhead = await bindingOverhead(goBins, tmp);
        const runs = [
            await batchSearch(
                "hgraph",
                { dtype: "float32", metric_type: "l2", dim: DIM, index_param: { base_quantization_type: "fp32", max_degree: 16, ef_construction: 100 } },
                JSON.stringify({ hgraph: { ef_search: 100 } }),
                goBins,
                tmp,
            ),
            await batchSearch(
                "brute_force",
                { dtype: "float32", metric_type: "l2", dim: DIM, index_param: { base_quantization_type: "fp32" } },
                "",
                goBins,
                tmp,
            ),
        ];
        for (const { m, wall, cpu } of runs) {
            const goMin = min(m.samples[2].map((x) => x.ms));
            const bound = 1 + overhead / goMin;
            const met = m.same && (Math.min(wall, cpu) <= 1.05 || bound <= 1.05);
            console.log(
                `target, ${m.name}: Node within 5% of Go -> ${met ? "met" : "MISSED"} ` +
                    `(paired wall ${wall.toFixed(3)}, paired CPU ${cpu.toFixed(3)}, ` +
                    `binding overhead ${(overhead * 1000).toFixed(0)} us = ${((bound - 1) * 100).toFixed(2)}% of Go's fastest batch)`,
            );
            ok = ok && met;
        }
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    if (strict && !ok) process.exit(1);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
