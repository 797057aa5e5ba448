#!/usr/bin/env node
// Benchmarks of the npm package against its two targets:
//   1. a trivial call from Node's main thread into the addon costs under 2 microseconds;
//   2. batch search of 1000 queries from Node is within 5% of the Go API on the same index.
// The Go side is typescript/bench/gobench (core.LoadFile + BatchKnnSearch / BatchSearchInto),
// run on the very file Node saved, with the same queries and search JSON.
//
// Usage: node bench/bench.js [--n 20000] [--dim 128] [--reps 20] [--strict]
//   --strict exits 1 when a target is missed.
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

function buildGo(tmp) {
    const bin = path.join(tmp, "gobench");
    const r = spawnSync("go", ["build", "-o", bin, "./typescript/bench/gobench"], { cwd: repo, stdio: "inherit" });
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

async function batchSearch(name, params, search, goBin, tmp) {
    const base = clustered(N, DIM, 11);
    const ids = BigInt64Array.from({ length: N }, (_, i) => BigInt(i));
    const queries = clustered(NQ, DIM, 12);
    const built = new vsag.Index(name, params);
    const t0 = Date.now();
    await built.buildAsync(base, ids, N, DIM);
    const buildMs = Date.now() - t0;
    const indexFile = path.join(tmp, `${name}.index`);
    const queryFile = path.join(tmp, `${name}.queries`);
    built.save(indexFile);
    built.close();
    fs.writeFileSync(queryFile, Buffer.from(queries.buffer, queries.byteOffset, queries.byteLength));

    // Both sides search the index loaded from the same file, one repetition each in turn, so
    // that the load other processes put on the machine hits both alike.
    const index = vsag.Index.loadFile(indexFile);
    const go = goServer(goBin, indexFile, queryFile, search);
    const checksumOf = (res) => res.ids.reduce((a, b) => a + b, 0n);
    const nodeSync = [];
    const nodeAsync = [];
    const goKnn = [];
    const goInto = [];
    const ratios = [];
    const cpuNode = [];
    const cpuGo = [];
    const cpuRatios = [];
    const cpuMs = (u) => (u.user + u.system) / 1000;
    let same = true;
    for (let r = 0; r < REPS + 2; r++) {
        const c0 = process.cpuUsage();
        let t = process.hrtime.bigint();
        const res = index.knnSearchBatch(queries, NQ, K, search);
        const sync = Number(process.hrtime.bigint() - t) / 1e6;
        const cpu = cpuMs(process.cpuUsage(c0));
        const into = await go.run("into");
        t = process.hrtime.bigint();
        const resAsync = await index.knnSearchBatchAsync(queries, NQ, K, search);
        const asyncMs = Number(process.hrtime.bigint() - t) / 1e6;
        const knn = await go.run("knn");
        const sum = checksumOf(res);
        same = same && sum === into.checksum && sum === knn.checksum && sum === checksumOf(resAsync);
        if (r < 2) continue; // warm-up
        nodeSync.push(sync);
        nodeAsync.push(asyncMs);
        goInto.push(into.ms);
        goKnn.push(knn.ms);
        ratios.push(sync / Math.min(into.ms, knn.ms));
        cpuNode.push(cpu);
        cpuGo.push(Math.min(into.cpu, knn.cpu));
        cpuRatios.push(cpu / Math.min(into.cpu, knn.cpu));
    }
    go.close();
    index.close();

    console.log(`Batch search, ${name}: ${N} x ${DIM} (built in ${buildMs} ms), ${NQ} queries, k=${K}, search ${search || "{}"}`);
    const line = (what, xs) =>
        console.log(`  ${what.padEnd(34)} median ${median(xs).toFixed(2).padStart(8)} ms   min ${min(xs).toFixed(2).padStart(8)} ms`);
    line("Node knnSearchBatch (sync)", nodeSync);
    line("Node knnSearchBatchAsync", nodeAsync);
    line("Go BatchKnnSearch", goKnn);
    line("Go BatchSearchInto", goInto);
    const ratio = median(ratios);
    const ratioOfMins = min(nodeSync) / Math.min(min(goKnn), min(goInto));
    console.log(`  same neighbours as Go: ${same}`);
    console.log(`  Node/Go: median of ${ratios.length} paired ratios ${ratio.toFixed(3)}, ratio of minimums ${ratioOfMins.toFixed(3)}`);
    line("CPU time, Node knnSearchBatch", cpuNode);
    line("CPU time, Go (faster call)", cpuGo);
    const cpuRatio = median(cpuRatios);
    console.log(`  Node/Go CPU time: median of paired ratios ${cpuRatio.toFixed(3)}`);
    const ok = Math.min(ratio, cpuRatio) <= 1.05 && same;
    console.log(`  target: Node within 5% of Go (wall, or CPU time when the machine is busy) -> ${ok ? "met" : "MISSED"}\n`);
    return ok;
}

async function main() {
    console.log(`vsag ${vsag.version()}, Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0].model})\n`);
    let ok = trivialCalls();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vsag-node-bench-"));
    try {
        const goBin = buildGo(tmp);
        ok =
            (await batchSearch(
                "hgraph",
                { dtype: "float32", metric_type: "l2", dim: DIM, index_param: { base_quantization_type: "fp32", max_degree: 16, ef_construction: 100 } },
                JSON.stringify({ hgraph: { ef_search: 100 } }),
                goBin,
                tmp,
            )) && ok;
        ok =
            (await batchSearch(
                "brute_force",
                { dtype: "float32", metric_type: "l2", dim: DIM, index_param: { base_quantization_type: "fp32" } },
                "",
                goBin,
                tmp,
            )) && ok;
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    if (strict && !ok) process.exit(1);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
